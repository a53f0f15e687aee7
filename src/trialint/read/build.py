"""FrameBuilder: readers append plain values; build() returns a typed RecordSet chunk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..frames import (
    ARM_COLUMNS,
    INTERVENTION_COLUMNS,
    ISSUE_COLUMNS,
    MAX_TEXT_CHARS,
    OUTCOME_COLUMNS,
    SOURCE_COLUMNS,
    STUDY_COLUMNS,
    STUDY_FIELD_PATHS,
    TERM_COLUMNS,
    RecordSet,
    arm_field,
    intervention_field,
    outcome_field,
    term_field,
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
        self.skipped: list[dict[str, Any]] = []  # files that are not registry records: path, reason
        self.issues: list[tuple[str, str, str]] = []
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

    def add_issue(self, record_id: str, field: str, message: str) -> None:
        """Something odd in one field of a record that was read all the same (a shape the data
        model does not allow, read leniently): reported by the `field-shape` kind."""
        self.issues.append((record_id, field, message))

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

    def add_skip(self, *, path: str, reason: str) -> None:
        """A file that is plainly not a registry record: skipped with a note, not a read error."""
        self.skipped.append({"path": path, "reason": reason})

    def extend(self, other: FrameBuilder) -> None:
        for name in (
            "studies",
            "outcomes",
            "arms",
            "interventions",
            "terms",
            "sources",
            "errors",
            "skipped",
            "issues",
        ):
            getattr(self, name).extend(getattr(other, name))
        self.ids |= other.ids

    def build(self) -> RecordSet:
        issues = list(self.issues)
        frames = {
            name: _cap_texts(typed_frame(rows, columns), name, issues)
            for name, rows, columns in (
                ("studies", self.studies, STUDY_COLUMNS),
                ("outcomes", self.outcomes, OUTCOME_COLUMNS),
                ("arms", self.arms, ARM_COLUMNS),
                ("interventions", self.interventions, INTERVENTION_COLUMNS),
                ("terms", self.terms, TERM_COLUMNS),
            )
        }
        return RecordSet(
            **frames,
            sources=typed_frame(self.sources, SOURCE_COLUMNS),
            issues=typed_frame(issues, ISSUE_COLUMNS),
            errors=list(self.errors),
            skipped=list(self.skipped),
        )


_KEY_COLUMNS = frozenset({"record_id", "kind", "position", "present_fields"})


def _field_of(frame: str, column: str, row: Any) -> str:
    if frame == "studies":
        return STUDY_FIELD_PATHS.get(column, column)
    if frame == "outcomes":
        return outcome_field(str(row["kind"]), int(row["position"]), column)
    if frame == "arms":
        return arm_field(int(row["position"]), column)
    if frame == "interventions":
        return intervention_field(int(row["position"]), column)
    return term_field(str(row["kind"]), int(row["position"]))


def _max_bytes(col: Any) -> int:
    """The longest value of a str column in UTF-8 bytes (pyarrow: no Python loop)."""
    import pyarrow.compute as pc

    try:
        arr = col.array.__arrow_array__()
    except (AttributeError, TypeError):  # not pyarrow-backed: measure in characters
        return int(col.str.len().max() or 0)
    longest = pc.max(pc.binary_length(arr)).as_py()
    return int(longest or 0)


def _cap_texts(df: Any, frame: str, issues: list[tuple[str, str, str]]) -> Any:
    """Cut every text longer than MAX_TEXT_CHARS (vectorized length test; a no-op on real
    records) and report each cut as an issue of its field, with the length found."""
    if df.empty:
        return df
    for col in df.columns:
        if col in _KEY_COLUMNS or str(df[col].dtype) != "str":
            continue
        if _max_bytes(df[col]) <= MAX_TEXT_CHARS:  # no text has more characters than bytes
            continue
        lengths = df[col].str.len()
        over = lengths > MAX_TEXT_CHARS
        if not over.any():
            continue
        for idx in over[over.fillna(False)].index:
            row = df.loc[idx]
            issues.append(
                (
                    str(row["record_id"]),
                    _field_of(frame, col, row),
                    f"text of {int(lengths[idx]):,} characters, more than the "
                    f"{MAX_TEXT_CHARS:,} trialint checks in one field: only the first "
                    f"{MAX_TEXT_CHARS:,} are checked",
                )
            )
        df.loc[over.fillna(False), col] = df.loc[over.fillna(False), col].str.slice(
            0, MAX_TEXT_CHARS
        )
    return df
