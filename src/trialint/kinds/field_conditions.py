"""Kind `field_conditions`: a record is flagged when all conditions on its study fields hold.

Declarative: each condition names a study column (see trialint.frames.STUDY_COLUMNS) and one test:

  - {field: overall_status, in: [TERMINATED, SUSPENDED]}     value is one of
  - {field: overall_status, not_in: [COMPLETED]}
  - {field: why_stopped, missing: true}                       missing/empty (or present: false)
  - {field: start_date, after: completion_date}               partial dates, compared at the
  - {field: start_date, before: completion_date}              precision both share
  - {field: start_date, after: last_update_date, by_more_than_days: 1}
  - {field: brief_title, same_text_as: official_title}        equal ignoring case/space/punctuation
  - {field: brief_title, matches: "(?i:phase [0-4])"}          contains a match of the regex (RE2,
                                                              case-sensitive unless (?i:...);
                                                              a list of regexes = alternatives;
                                                              `ignore: REGEX` blanks text first)

Several independent cases can share one rule: `cases: [{when, point_at, message}, ...]`.
A rule only runs on records whose input carries every field it names (`carries`), so a CSV
without a column never counts as missing it. `point_at` names the field a finding points to, and
`message` is a template filled with the record's values: "{start_date}", "{overall_status}", and
"{matched}": the text the first `matches` condition found.
"""

from __future__ import annotations

import datetime as _dt
import re
import string
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import STUDY_COLUMNS, STUDY_FIELD_PATHS, RecordSet
from .base import FunctionKind, require_keys
from .patterns import Carried, alternatives, arrow, as_list, check_regex, compiled
from .patterns import mask as _mask

_TESTS = {"in", "not_in", "missing", "present", "after", "before", "same_text_as", "matches"}


_DATE = "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def _date_parts(s: pd.Series) -> list[np.ndarray]:
    """'2020', '2020-03', '2020-03-15' -> year, month, day arrays (NaN where not given), with
    pyarrow (no per-value Python)."""
    arr = arrow(s)
    valid = _mask(pc.match_substring_regex(arr, _DATE))
    length = np.nan_to_num(
        pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype("float64"), nan=0.0
    )
    parts = []
    for start, stop, need in ((0, 4, 4), (5, 7, 7), (8, 10, 10)):
        piece = pc.utf8_slice_codeunits(arr, start, stop)
        num = pc.cast(pc.if_else(pa.array(valid & (length >= need)), piece, None), pa.float64())
        parts.append(num.to_numpy(zero_copy_only=False).astype("float64"))
    return parts


def compare_dates(a: pd.Series, b: pd.Series) -> pd.Series:
    """-1/0/1 where a < / = / > b at the precision both dates share; NaN where either is missing."""
    pa_, pb = _date_parts(a), _date_parts(b)
    result = np.full(len(a), np.nan)
    undecided = ~np.isnan(pa_[0]) & ~np.isnan(pb[0])
    for i in range(3):
        both = undecided & ~np.isnan(pa_[i]) & ~np.isnan(pb[i])
        result[both & (pa_[i] > pb[i])] = 1.0
        result[both & (pa_[i] < pb[i])] = -1.0
        undecided &= both & (pa_[i] == pb[i])
        result[undecided] = 0.0
    return pd.Series(result, index=a.index)


def _norm_text(s: pd.Series) -> pd.Series:
    return s.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _other(st: pd.DataFrame, name: str) -> pd.Series:
    if name == "today":
        return pd.Series(_dt.date.today().isoformat(), index=st.index, dtype="str")
    return st[name]


def _condition_mask(st: pd.DataFrame, cond: dict[str, Any]) -> pd.Series:
    col = st[cond["field"]]
    if "in" in cond:
        return col.isin([str(v) for v in cond["in"]]).fillna(False)
    if "not_in" in cond:
        return col.notna() & ~col.isin([str(v) for v in cond["not_in"]])
    if "missing" in cond or "present" in cond:
        empty = col.isna() if col.dtype != "str" else (col.isna() | (col.str.strip() == ""))
        want_missing = cond.get("missing", not cond.get("present", True))
        return empty if want_missing else ~empty
    if "after" in cond:
        other = _other(st, cond["after"])
        after = compare_dates(col, other) == 1
        slack = int(cond.get("by_more_than_days", 0))
        if slack:  # where both are full dates, the gap must exceed the slack (time zones)
            gap = (
                pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
                - pd.to_datetime(other, format="%Y-%m-%d", errors="coerce")
            ).dt.days
            after &= ~(gap <= slack).fillna(False)
        return after
    if "before" in cond:
        return compare_dates(col, _other(st, cond["before"])) == -1
    if "matches" in cond:
        text = arrow(col)
        if cond.get("ignore"):
            text = pc.replace_substring_regex(text, _regex(cond["ignore"]), " ")
        hit = _mask(pc.match_substring_regex(text, _regex(cond["matches"])))
        return pd.Series(hit, index=st.index)
    if "same_text_as" in cond:
        a, b = _norm_text(col), _norm_text(st[cond["same_text_as"]])
        return (a.notna() & b.notna() & (a == b) & (a.str.len() > 0)).fillna(False)
    raise KeyError(f"no test in condition {cond}")


def _fields_named(params: dict[str, Any]) -> set[str]:
    names = set()
    for cond in params["when"]:
        names.add(cond["field"])
        for key in ("after", "before", "same_text_as"):
            if key in cond and cond[key] != "today":
                names.add(cond[key])
    return names


def _cases(params: dict[str, Any]) -> list[dict[str, Any]]:
    if "cases" in params:
        return [{"carried": params.get("carried", []), **c} for c in params["cases"]]
    return [params]


def validate(params: dict[str, Any]) -> None:
    if "cases" in params:
        require_keys(params, {"cases", "carried"}, {"cases"})
        for case in _cases(params):
            _validate_case(case)
    else:
        _validate_case(params)


def _validate_case(params: dict[str, Any]) -> None:
    require_keys(
        params, {"when", "point_at", "message", "carried"}, {"when", "point_at", "message"}
    )
    if not isinstance(params["when"], list) or not params["when"]:
        raise TypeError("when must be a non-empty list of conditions")
    for cond in params["when"]:
        tests = set(cond) - {"field", "by_more_than_days", "ignore"}
        if len(tests) != 1 or not tests <= _TESTS:
            raise ValueError(
                f"each condition needs a field and exactly one of {sorted(_TESTS)}: {cond}"
            )
    for name in _fields_named(params) | {params["point_at"]}:
        if name not in STUDY_COLUMNS:
            raise KeyError(f"unknown study field '{name}'")
    for cond in params["when"]:
        if "matches" in cond:
            check_regex(_regex(cond["matches"]), "matches")
            if cond.get("ignore"):
                check_regex(_regex(cond["ignore"]), "ignore")
        elif "ignore" in cond:
            raise ValueError(f"ignore goes with matches: {cond}")
    for _, key, _, _ in string.Formatter().parse(params["message"]):
        if key and key not in STUDY_COLUMNS and key != "matched":
            raise KeyError(f"unknown field '{key}' in message")


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    parts = [_run_case(rs, case) for case in _cases(params)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _case_mask(st: pd.DataFrame, params: dict[str, Any], carried: Carried) -> pd.Series:
    mask = pd.Series(True, index=st.index)
    for name in sorted(_fields_named(params) | set(params.get("carried", []))):
        mask &= carried(name)
    for cond in params["when"]:
        if not mask.any():
            break
        mask &= _condition_mask(st, cond)
    return mask.fillna(False).astype(bool)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """The records some case flags: the whole test is vectorized, so this is the test itself."""
    st = rs.studies
    carried = Carried(st)
    keep = np.zeros(len(st), dtype=bool)
    for case in _cases(params):
        keep |= _case_mask(st, case, carried).to_numpy()
    return keep


def _run_case(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    st = rs.studies
    if st.empty:
        return kind_frame([])
    mask = _case_mask(st, params, Carried(st))
    if not mask.any():
        return kind_frame([])
    hits = st[mask]
    point = params["point_at"]
    template = params["message"]
    matcher = next((c for c in params["when"] if "matches" in c), None)
    rows = []
    for rec in hits.to_dict("records"):
        values = {
            k: ("(none)" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
            for k, v in rec.items()
        }
        if matcher is not None:
            text = rec.get(matcher["field"])
            if isinstance(text, str) and matcher.get("ignore"):
                text = compiled(_regex(matcher["ignore"])).sub(" ", text)
            found = _search(_regex(matcher["matches"]), text)
            values["matched"] = found.group(0).strip() if found else ""
        text = rec.get(point)
        has_text = isinstance(text, str)
        length = len(text) if isinstance(text, str) else None
        rows.append(
            {
                "record_id": rec["record_id"],
                "field": STUDY_FIELD_PATHS.get(point, point),
                "start": 0 if has_text else None,
                "end": length,
                "message": template.format(**{str(k): v for k, v in values.items()}),
            }
        )
    return kind_frame(rows)


def _regex(value: Any) -> str:
    """A ``matches`` value: one regex, or a list of alternatives."""
    return alternatives(as_list(value, "matches"))


def _search(pattern: str, text: Any) -> re.Match[str] | None:
    """The first match of an RE2 ``matches`` pattern, found with Python ``re`` (the patterns
    use the syntax both share; RE2's ``(?i:...)`` groups are Python's too)."""
    return compiled(pattern).search(text) if isinstance(text, str) else None


KINDS = (FunctionKind("field_conditions", run, validate, prefilter),)
