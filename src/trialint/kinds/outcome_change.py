"""History kinds: what changed in a record's outcome measures between two versions.

These kinds compare two versions (a :class:`~trialint.versions.VersionPairs`), not one record:
``run_pair`` does the work and ``run`` (one version alone) finds nothing. The comparison of
every pair is made once per run (outcome_language.compare) and shared by the rules; each rule
picks its (section, change) from it.

Besides the kind's columns (record_id, field, start, end, message) a result row carries
``pair`` (the row of ``VersionPairs.pairs``), ``phase`` (before-start | recruiting |
after-primary-completion | unknown: when the change was made, from the versions' dates),
``old_field`` / ``old_text`` / ``new_text`` (the outcome before and after, for the report's
before/after view).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..frames import RecordSet, carries, outcome_field
from ..versions import VersionPairs
from .base import require_keys
from .outcome_language import Change, Outcome, compare
from .patterns import LazyPattern

PHASES: tuple[str, ...] = ("before-start", "recruiting", "after-primary-completion", "unknown")
SECTIONS: tuple[str, ...] = ("primary", "secondary")
CHANGES: tuple[str, ...] = (
    "added",
    "removed",
    "demoted",
    "promoted",
    "measure",
    "aggregation",
    "timing",
    "reworded",
)
PAIR_RESULT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "field",
    "start",
    "end",
    "message",
    "pair",
    "phase",
    "side",
    "old_field",
    "old_text",
    "new_text",
)
_LIST_PATH = {
    "primary": "outcomesModule.primaryOutcomes",
    "secondary": "outcomesModule.secondaryOutcomes",
}


def _empty() -> pd.DataFrame:
    return _frame([])


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(PAIR_RESULT_COLUMNS))
    for col in df.columns:
        df[col] = (
            df[col].astype("Int64") if col in ("start", "end", "pair") else df[col].astype("str")
        )
    return df


# --- when a change was made ------------------------------------------------------------------------

_DATE = LazyPattern(r"([0-9]{4})(?:-([0-9]{1,2}))?(?:-([0-9]{1,2}))?")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def parse_date(value: Any) -> tuple[int, int, int] | None:
    """'2015-03-01', '2015-03', '2015', 'March 2015', 'March 1, 2015' -> (y, m, d)."""
    if not isinstance(value, str) or not value.strip():
        return None
    s = value.strip()
    m = _DATE.match(s)
    if m:
        return int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    m = re.match(r"([A-Za-z]{3})[a-z]*\.?\s+(?:([0-9]{1,2}),?\s+)?([0-9]{4})", s)
    if m and m.group(1).lower() in _MONTHS:
        return int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2) or 1)
    return None


_BEFORE_START = {"NOT_YET_RECRUITING", "WITHDRAWN"}
_RUNNING = {"RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "SUSPENDED"}
_DONE = {"COMPLETED", "TERMINATED"}


def phase_of(
    change_date: Any,
    start_date: Any,
    primary_completion_date: Any,
    old_status: Any = None,
    new_status: Any = None,
) -> tuple[str, str]:
    """(phase, words) of a change made on ``change_date``, from the newer version's start and
    primary completion dates; from the recruitment statuses where the dates do not say."""
    c = parse_date(change_date)
    start = parse_date(start_date)
    pcd = parse_date(primary_completion_date)
    if c is not None and pcd is not None and c > pcd:
        return (
            "after-primary-completion",
            f"after the primary completion date {primary_completion_date}",
        )
    if c is not None and start is not None and c < start:
        return "before-start", f"before the study start date {start_date}"
    if c is not None and start is not None and pcd is not None:
        return (
            "recruiting",
            f"while the study was running (start {start_date}, primary completion {primary_completion_date})",
        )
    old = old_status if isinstance(old_status, str) else ""
    if old in _BEFORE_START:
        return "before-start", "before the study started (status not yet recruiting)"
    if old in _DONE:
        return (
            "after-primary-completion",
            f"after the study ended (status {old.lower().replace('_', ' ')})",
        )
    if old in _RUNNING:
        return "recruiting", f"while the study was running (status {old.lower().replace('_', ' ')})"
    return "unknown", ""


# --- the comparison, once per run ----------------------------------------------------------------


@dataclass(frozen=True)
class PairResult:
    pair: int
    changes: tuple[Change, ...]
    phase: str
    phase_words: str


def _outcomes(rs: RecordSet) -> dict[str, list[Outcome]]:
    oc = rs.outcomes
    out: dict[str, list[Outcome]] = {}
    if oc.empty:
        return out
    for rid, kind, pos, measure, tf, desc in zip(
        oc["record_id"],
        oc["kind"],
        oc["position"],
        oc["measure"],
        oc["time_frame"],
        oc["description"],
        strict=True,
    ):
        if kind not in ("primary", "secondary", "other"):
            continue  # 'unspecified' (pre-2023 CSV): the list of an outcome is not known
        out.setdefault(rid, []).append(
            Outcome(
                kind,
                int(pos),
                measure if isinstance(measure, str) else "",
                tf if isinstance(tf, str) else "",
                desc if isinstance(desc, str) else "",
            )
        )
    return out


def _carries_outcomes(rs: RecordSet) -> dict[str, bool]:
    st = rs.studies
    if st.empty:
        return {}
    has = carries(st, "outcomes")
    return dict(zip(st["record_id"], has.to_numpy(dtype=bool), strict=True))


def _study_values(rs: RecordSet, columns: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    st = rs.studies
    if st.empty:
        return {}
    cols = {c: st[c].tolist() for c in columns}
    return {rid: {c: cols[c][i] for c in columns} for i, rid in enumerate(st["record_id"])}


def compared(vp: VersionPairs) -> list[PairResult]:
    """The changes of every paired record (computed once per VersionPairs)."""
    cached = vp.cache.get("outcome_changes")
    if cached is not None:
        return cached
    old_out, new_out = _outcomes(vp.old), _outcomes(vp.new)
    old_has, new_has = _carries_outcomes(vp.old), _carries_outcomes(vp.new)
    cols = ("overall_status", "start_date", "primary_completion_date", "last_update_date")
    old_st, new_st = _study_values(vp.old, cols), _study_values(vp.new, cols)
    results: list[PairResult] = []
    p = vp.pairs
    for i, (old_id, new_id, new_date) in enumerate(
        zip(p["old_id"], p["new_id"], p["new_date"], strict=True)
    ):
        if not isinstance(old_id, str) or not isinstance(new_id, str):
            continue
        if not old_has.get(old_id, False) or not new_has.get(new_id, False):
            continue  # a format without outcome measures: nothing to compare
        old_list, new_list = old_out.get(old_id, []), new_out.get(new_id, [])
        if not old_list and not new_list:
            continue
        changes = tuple(compare(old_list, new_list))
        if not changes:
            continue
        ns, os_ = new_st.get(new_id, {}), old_st.get(old_id, {})
        change_date = new_date if isinstance(new_date, str) else ns.get("last_update_date")
        phase, words = phase_of(
            change_date,
            ns.get("start_date") or os_.get("start_date"),
            ns.get("primary_completion_date") or os_.get("primary_completion_date"),
            os_.get("overall_status"),
            ns.get("overall_status"),
        )
        results.append(PairResult(i, changes, phase, words))
    vp.cache["outcome_changes"] = results
    return results


# --- the kinds -------------------------------------------------------------------------------------


def outcome_text(o: Outcome | None) -> str:
    """An outcome as one text for the before/after view."""
    if o is None:
        return ""
    parts = [o.measure.strip()]
    if o.time_frame.strip():
        parts.append("Time frame: " + o.time_frame.strip())
    if o.description.strip():
        parts.append("Description: " + o.description.strip())
    return "\n".join(parts)


def _versions(vp: VersionPairs, i: int) -> str:
    row = vp.pairs.iloc[i]

    def one(label: Any, date: Any) -> str:
        bits = [x for x in (label, date) if isinstance(x, str) and x]
        return ", ".join(bits) if bits else "?"

    return (
        f"{one(row['old_version'], row['old_date'])} → {one(row['new_version'], row['new_date'])}"
    )


_CHANGE_WORDS = {
    "added": "added",
    "removed": "removed",
    "demoted": "moved to the secondary outcomes",
    "promoted": "moved from the secondary outcomes",
    "measure": "what is measured changed",
    "aggregation": "how it is summarised changed",
    "timing": "when it is assessed changed",
    "reworded": "reworded",
}


def run_outcome_change_pair(vp: VersionPairs, params: dict[str, Any]) -> pd.DataFrame:
    section, change = params["section"], params["change"]
    rows: list[dict[str, Any]] = []
    for res in compared(vp):
        rid = vp.pairs["record_id"].iloc[res.pair]
        for c in res.changes:
            if c.kind != change or (section != "any" and c.section != section):
                continue
            target = c.new if c.new is not None else c.old
            assert target is not None
            start = end = None
            if c.new is not None:
                fld = outcome_field(c.new.section, c.new.position, c.column)
                text = getattr(c.new, c.column, "")
                if text:
                    start, end = 0, len(text)
            else:
                fld = _LIST_PATH.get(c.old.section if c.old else section, _LIST_PATH["secondary"])
            old_fld = (
                outcome_field(c.old.section, c.old.position, c.column)
                if c.old is not None
                else None
            )
            label = f"{target.section.capitalize()} outcome {target.position + 1}"
            if c.new is None and c.old is not None:
                label = f"{c.old.section.capitalize()} outcome {c.old.position + 1} of the older version"
            when = f"; {res.phase_words}" if res.phase_words else ""
            message = (
                f"{label}: {_CHANGE_WORDS[change]}: {c.detail} ({_versions(vp, res.pair)}{when})"
            )
            rows.append(
                {
                    "record_id": rid,
                    "field": fld,
                    "start": start,
                    "end": end,
                    "message": message,
                    "pair": res.pair,
                    "phase": res.phase,
                    "side": "new",
                    "old_field": old_fld,
                    "old_text": outcome_text(c.old),
                    "new_text": outcome_text(c.new),
                }
            )
    return _frame(rows)


def run_pairing_pair(vp: VersionPairs, params: dict[str, Any]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    p = vp.pairs
    for i, (rid, old_id, new_id, old_v, new_v) in enumerate(
        zip(
            p["record_id"],
            p["old_id"],
            p["new_id"],
            p["old_version"],
            p["new_version"],
            strict=True,
        )
    ):
        has_old, has_new = isinstance(old_id, str), isinstance(new_id, str)
        if has_old and has_new:
            continue
        if has_old:
            msg = (
                f"record {rid} is in the older set ({old_v}) but not in the newer one: not compared"
            )
        else:
            msg = (
                f"record {rid} is in the newer set ({new_v}) but not in the older one: not compared"
            )
        rows.append(
            {
                "record_id": rid,
                "field": "",
                "start": None,
                "end": None,
                "message": msg,
                "pair": i,
                "phase": "unknown",
                "side": "old" if has_old else "new",
                "old_field": None,
                "old_text": None,
                "new_text": None,
            }
        )
    return _frame(rows)


def validate_outcome_change(params: dict[str, Any]) -> None:
    require_keys(params, {"section", "change", "when"}, {"section", "change"})
    if params["section"] not in (*SECTIONS, "any"):
        raise ValueError(f"section must be one of {', '.join(SECTIONS)}, any")
    if params["change"] not in CHANGES:
        raise ValueError(f"change must be one of {', '.join(CHANGES)}")
    validate_when(params.get("when"))


def validate_when(when: Any) -> None:
    if when is None:
        return
    if not isinstance(when, dict):
        raise TypeError("when: expected a mapping of phase -> severity")
    for phase, severity in when.items():
        if phase not in PHASES:
            raise ValueError(f"when: unknown phase '{phase}' (one of {', '.join(PHASES)})")
        if severity not in ("error", "warning", "info"):
            raise ValueError(f"when: severity of '{phase}' must be error, warning or info")


def validate_pairing(params: dict[str, Any]) -> None:
    require_keys(params, set())


@dataclass(frozen=True)
class PairKind:
    """A kind that compares two versions of records: ``run_pair(VersionPairs, params)``."""

    name: str
    run_pair_fn: Callable[[VersionPairs, dict[str, Any]], pd.DataFrame]
    validate_fn: Callable[[dict[str, Any]], None]
    pairwise: bool = True

    def validate(self, params: dict[str, Any]) -> None:
        self.validate_fn(params)

    def run(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
        return _empty()[["record_id", "field", "start", "end", "message"]]

    def prefilter(self, rs: RecordSet, params: dict[str, Any]) -> None:
        return None

    def run_pair(self, vp: VersionPairs, params: dict[str, Any]) -> pd.DataFrame:
        return self.run_pair_fn(vp, params)


KINDS = (
    PairKind("outcome_change", run_outcome_change_pair, validate_outcome_change),
    PairKind("record_pairing", run_pairing_pair, validate_pairing),
)
