"""The Python API: ``trialint.check(paths | RecordSet | DataFrame) -> Findings``. The CLI is a thin
layer over it."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .engine import check_recordset
from .findings import FINDING_COLUMNS, SEVERITIES, at_or_above, empty_findings, sort_findings
from .frames import RecordSet
from .read import DEFAULT_CHUNK, read_paths
from .rules import BUILTIN_META, Rule, load_rules, resolve_selectors

# Per-record key fields kept for reports (titles, status, design), whatever the rule set.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_path",
    "registry",
    "source_format",
    "nct_id",
    "brief_title",
    "official_title",
    "overall_status",
    "study_type",
    "phases",
    "allocation",
    "intervention_model",
    "masking",
    "start_date",
)


@dataclass
class Findings:
    """Findings of one run, backed by a DataFrame (``.frame``), with the renderers attached."""

    frame: pd.DataFrame
    rules: dict[str, Rule]
    records: pd.DataFrame  # one row per record read: RECORD_COLUMNS
    contexts: pd.DataFrame  # record_id, field, text: the full text of every flagged field
    inputs: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    suppressed: pd.DataFrame = field(default_factory=empty_findings)  # with a 'reason' column

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def record_count(self) -> int:
        return len(self.records)

    def by_severity(self) -> dict[str, int]:
        counts = self.frame["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def failed(self, fail_on: str = "warning") -> bool:
        return bool(at_or_above(self.frame["severity"], fail_on).any())

    def render(self, fmt: str, **options: Any) -> str:
        from .render import render

        return render(self, fmt, **options)

    def to_json(self) -> str:
        return self.render("json")

    def to_text(self, color: bool = False) -> str:
        return self.render("text", color=color)

    def __getattr__(self, name: str) -> Callable[..., str]:
        # to_sarif(), to_junit(), ... for every registered renderer
        if name.startswith("to_"):
            from .render import RENDERERS

            fmt = name[3:]
            if fmt in RENDERERS:
                return lambda **kw: self.render(fmt, **kw)
        raise AttributeError(name)


def select_rules(
    rules: dict[str, Rule],
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> list[Rule]:
    """Rules to run: ``select`` (default: every rule enabled by default) + extend_select - ignore."""
    if select:
        chosen = resolve_selectors(select, rules)
    else:
        chosen = {r.id for r in rules.values() if r.enabled}
    if extend_select:
        chosen |= resolve_selectors(extend_select, rules)
    if ignore:
        chosen -= resolve_selectors(ignore, rules)
    return [rules[r] for r in sorted(chosen) if r in rules]


def _record_summary(rs: RecordSet) -> pd.DataFrame:
    st = rs.studies
    src = rs.sources
    rec_src = src[src["field"].isna() | (src["field"] == "")].drop_duplicates("record_id")
    paths = st[["record_id"]].merge(rec_src[["record_id", "path"]], on="record_id", how="left")["path"]
    out = pd.DataFrame({c: st[c] for c in RECORD_COLUMNS if c in st})
    out["source_path"] = paths.to_numpy()
    return out[list(RECORD_COLUMNS)]


def _contexts(found: pd.DataFrame, rs: RecordSet) -> pd.DataFrame:
    if found.empty:
        return pd.DataFrame({"record_id": [], "field": [], "text": []}, dtype="str")
    keys = pd.concat(
        [
            found[["record_id", "field"]],
            found[["record_id", "related_field"]].rename(columns={"related_field": "field"}),
        ]
    ).dropna().drop_duplicates()
    return rs.texts().merge(keys, on=["record_id", "field"], how="inner")


def check(
    inputs: str | Path | Sequence[str | Path] | RecordSet | pd.DataFrame,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    rules: dict[str, Rule] | None = None,
    extend_checks: Iterable[str | Path] = (),
    severity_overrides: dict[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Findings:
    """Lint registry records.

    ``inputs``: file/directory paths ('-' is stdin), a RecordSet, or a DataFrame of studies in the
    canonical ``studies`` layout (see trialint.frames). Returns a :class:`Findings`.
    """
    all_rules = rules if rules is not None else load_rules([Path(p) for p in extend_checks])
    chosen = select_rules(all_rules, select, ignore, extend_select)
    if severity_overrides:
        chosen = [r.with_severity(severity_overrides[r.id]) if r.id in severity_overrides else r for r in chosen]
    wanted_builtin = "read-error" not in resolve_selectors(ignore or [], all_rules)

    if isinstance(inputs, RecordSet):
        chunks: Iterable[RecordSet] = [inputs]
        names = ["<RecordSet>"]
    elif isinstance(inputs, pd.DataFrame):
        chunks = [RecordSet(studies=_studies_from_frame(inputs))]
        names = ["<DataFrame>"]
    else:
        paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
        chunks = read_paths(paths, chunk_size=chunk_size)
        names = [str(p) for p in paths]

    found_parts: list[pd.DataFrame] = []
    record_parts: list[pd.DataFrame] = []
    context_parts: list[pd.DataFrame] = []
    for rs in chunks:
        found = check_recordset(rs, chosen)
        if not wanted_builtin:
            found = found[found["rule"] != "read-error"]
        found_parts.append(found)
        record_parts.append(_record_summary(rs))
        context_parts.append(_contexts(found, rs))
        if progress:
            progress(len(rs) + len(rs.errors))
    frame = sort_findings(pd.concat(found_parts, ignore_index=True)) if found_parts else empty_findings()
    records = pd.concat(record_parts, ignore_index=True) if record_parts else pd.DataFrame(columns=list(RECORD_COLUMNS))
    contexts = pd.concat(context_parts, ignore_index=True) if context_parts else _contexts(empty_findings(), RecordSet())
    used = {r.id: r for r in chosen}
    return Findings(frame=frame[list(FINDING_COLUMNS)], rules=used, records=records, contexts=contexts, inputs=names)


def _studies_from_frame(df: pd.DataFrame) -> pd.DataFrame:
    from .frames import STUDY_COLUMNS, typed_frame

    if "record_id" not in df:
        raise ValueError("a studies DataFrame needs a 'record_id' column (see trialint.frames.STUDY_COLUMNS)")
    rows = df.reindex(columns=list(STUDY_COLUMNS)).to_dict("records")
    return typed_frame(rows, STUDY_COLUMNS)


def builtin_rule_meta() -> dict[str, tuple[str, str, str]]:
    return dict(BUILTIN_META)
