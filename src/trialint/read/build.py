"""FrameBuilder: readers append plain values; build() returns a typed RecordSet chunk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..frames import (
    ARM_COLUMNS,
    INTERVENTION_COLUMNS,
    OUTCOME_COLUMNS,
    SOURCE_COLUMNS,
    STUDY_COLUMNS,
    TERM_COLUMNS,
    RecordSet,
    typed_frame,
)


def _join(items: Iterable[str] | None) -> str | None:
    if not items:
        return None
    vals = [s for s in items if s]
    return "|".join(vals) if vals else None


_STUDY_COLUMN_SET = frozenset(STUDY_COLUMNS)


class FrameBuilder:
    def __init__(self) -> None:
        self.studies: list[tuple[Any, ...]] = []
        self.outcomes: list[tuple[Any, ...]] = []
        self.arms: list[tuple[Any, ...]] = []
        self.interventions: list[tuple[Any, ...]] = []
        self.terms: list[tuple[Any, ...]] = []
        self.sources: list[tuple[Any, ...]] = []
        self.errors: list[dict[str, Any]] = []
        self.ids: set[str] = set()

    def unique_id(self, record_id: str) -> str:
        """Claim a record id; a second record with the same id (a trial listed twice in one
        file) gets ``<id>#2``, ``#3``, ... so that rules never merge two records into one."""
        rid, k = record_id, 1
        while rid in self.ids:
            k += 1
            rid = f"{record_id}#{k}"
        self.ids.add(rid)
        return rid

    def __len__(self) -> int:
        return len(self.studies) + len(self.errors)

    def add_study(self, **values: Any) -> None:
        if not values.keys() <= _STUDY_COLUMN_SET:
            raise KeyError(f"unknown study columns: {sorted(values.keys() - _STUDY_COLUMN_SET)}")
        self.studies.append(tuple(map(values.get, STUDY_COLUMNS)))

    def add_outcome(
        self,
        record_id: str,
        kind: str,
        position: int,
        measure: str | None,
        description: str | None,
        time_frame: str | None,
        raw: str | None = None,
    ) -> None:
        self.outcomes.append((record_id, kind, position, measure, description, time_frame, raw))

    def add_arm(
        self,
        record_id: str,
        position: int,
        label: str | None,
        type_: str | None,
        description: str | None,
        intervention_names: Iterable[str] | None,
    ) -> None:
        self.arms.append(
            (record_id, position, label, type_, description, _join(intervention_names))
        )

    def add_intervention(
        self,
        record_id: str,
        position: int,
        type_: str | None,
        name: str | None,
        description: str | None,
        arm_labels: Iterable[str] | None,
        other_names: Iterable[str] | None = None,
    ) -> None:
        self.interventions.append(
            (record_id, position, type_, name, description, _join(arm_labels), _join(other_names))
        )

    def add_term(self, record_id: str, kind: str, position: int, term: str | None) -> None:
        if term and term.strip():
            self.terms.append((record_id, kind, position, term.strip()))

    def add_source(
        self,
        record_id: str,
        field: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
    ) -> None:
        self.sources.append((record_id, field, path, line, column, pointer))

    def add_error(
        self,
        *,
        path: str,
        reason: str,
        line: int | None = None,
        column: int | None = None,
        pointer: str | None = None,
        record_id: str | None = None,
    ) -> None:
        self.errors.append(
            {
                "path": path,
                "line": line,
                "column": column,
                "pointer": pointer,
                "reason": reason,
                "record_id": record_id,
            }
        )

    def extend(self, other: FrameBuilder) -> None:
        for name in ("studies", "outcomes", "arms", "interventions", "terms", "sources", "errors"):
            getattr(self, name).extend(getattr(other, name))
        self.ids |= other.ids

    def build(self) -> RecordSet:
        return RecordSet(
            studies=typed_frame(self.studies, STUDY_COLUMNS),
            outcomes=typed_frame(self.outcomes, OUTCOME_COLUMNS),
            arms=typed_frame(self.arms, ARM_COLUMNS),
            interventions=typed_frame(self.interventions, INTERVENTION_COLUMNS),
            terms=typed_frame(self.terms, TERM_COLUMNS),
            sources=typed_frame(self.sources, SOURCE_COLUMNS),
            errors=list(self.errors),
        )
