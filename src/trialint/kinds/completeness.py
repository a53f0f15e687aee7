"""Completeness kinds: a registration element is missing, or the eligibility criteria lack structure.

Kind ``required_fields`` (declarative): each listed element must be present in every record the
rule applies to. Params:

- ``elements``: a list of
  ``{field, label, ref, when?, unless?, placeholders?}``. ``field`` is a study column
  (trialint.frames.STUDY_COLUMNS) or a list element: ``conditions``, ``keywords``,
  ``interventions``, ``arms``, ``outcomes[primary]``, ``outcomes[secondary]``.
  ``label`` names the element in words ("primary outcome measure") and ``ref`` gives its
  sources ("WHO TRDS item 19; 42 CFR 11.28(a)(2)(i)(W)"). ``placeholders`` (free-text study
  fields only: the narrative fields and the eligibility criteria): Python regexes; a text whose
  content, once headings such as "Inclusion Criteria:", bullets and punctuation are set aside,
  fully matches one ("please contact site for information") counts as missing too.
- ``when`` / ``unless`` (on the rule and on each element): conditions on study columns; a record
  is judged only if every ``when`` holds and no ``unless`` holds. Tests:
  ``{field, in: [..]}``, ``{field, not_in: [..]}``, ``{field, present: true}``,
  ``{field, missing: true}``, ``{field, on_or_after: "2017-01-18"}``,
  ``{field, before: "2017-01-18"}`` (partial ISO dates compare as text, "2017-01" < "2017-01-18").
  A condition on a field the record's format does not carry never holds.
- ``complete_records_only`` (default true): skip records that look like partial API responses:
  the format carries ``first_submit_date`` (which the registry sets on every record) but the
  record lacks it.
- ``message`` / ``placeholder_message``: templates with ``{label}``, ``{ref}`` and (placeholder)
  ``{text}``.

A missing element is judged only where the record's format carries it (``frames.carries``): a CSV
without a column, or an API v2 record without the module, never produces a finding.

Kind ``eligibility_structure``: eligibility criteria text with no inclusion/exclusion structure.
A vectorized RE2 prefilter (pyarrow) drops every text that uses the vocabulary of criteria
(``markers``: inclusion, exclusion, eligible, criteria, ...) or a known alternative layout
(``structures``: the NCI PDQ headings "DISEASE CHARACTERISTICS:", ...); Python then looks at the
few left: texts that are only a placeholder (``placeholders``, reported by eligibility-missing)
are skipped, and so are texts laid out under group headings (a line ending in ':' followed by a
list) in the study types named by ``group_headings_for`` (observational cohorts: "Cases:",
"Controls:").
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import (
    NARRATIVE_STUDY_COLUMNS,
    STUDY_COLUMNS,
    STUDY_FIELD_PATHS,
    RecordSet,
    carries,
)
from .base import FunctionKind, require_keys
from .patterns import Carried, LazyPattern

# list element -> (canonical field path, frame, kind column values or None, carries() name)
_LIST_ELEMENTS: dict[str, tuple[str, str, tuple[str, ...] | None, str]] = {
    "conditions": ("conditionsModule.conditions", "terms", ("condition",), "conditions"),
    "keywords": ("conditionsModule.keywords", "terms", ("keyword",), "conditions"),
    "interventions": (
        "armsInterventionsModule.interventions",
        "interventions",
        None,
        "interventions",
    ),
    "arms": ("armsInterventionsModule.armGroups", "arms", None, "arms"),
    # the pre-2023 CSV's "Outcome Measures" items are of kind 'unspecified': they may be primary
    "outcomes[primary]": (
        "outcomesModule.primaryOutcomes",
        "outcomes",
        ("primary", "unspecified"),
        "outcomes",
    ),
    "outcomes[secondary]": (
        "outcomesModule.secondaryOutcomes",
        "outcomes",
        ("secondary", "unspecified"),
        "outcomes",
    ),
}
_LIST_TEXT_COLUMN = {
    "terms": "term",
    "interventions": "name",
    "arms": "label",
    "outcomes": "measure",
}
_TESTS = {"in", "not_in", "present", "missing", "on_or_after", "before"}
_DEFAULT_MESSAGE = "no {label} registered ({ref})"
_DEFAULT_PLACEHOLDER_MESSAGE = "{label} only say '{text}': no actual criteria ({ref})"
_PLACEHOLDER_COLUMNS = {*NARRATIVE_STUDY_COLUMNS, "eligibility_criteria"}
_ELEMENT_KEYS = {"field", "label", "ref", "when", "unless", "placeholders"}
# what is set aside before a text is compared with the placeholders
_HEADING = LazyPattern(
    r"(?im)^[ \t]*(?:key |main |major |general )?(?:inclusion|exclusion|eligibility)"
    r"(?: criteria)?[ \t]*:?[ \t]*$"
)
_NOISE = LazyPattern(r"[\s*\-•·.,;:!()\[\]\"'`_\\/]+")


# --- conditions --------------------------------------------------------------------------------


def _validate_conditions(conds: Any, where: str) -> None:
    if not isinstance(conds, list):
        raise TypeError(f"{where} must be a list of conditions")
    for cond in conds:
        if not isinstance(cond, dict) or "field" not in cond:
            raise ValueError(f"each condition in {where} needs a field: {cond}")
        tests = set(cond) - {"field"}
        if len(tests) != 1 or not tests <= _TESTS:
            raise ValueError(f"each condition needs exactly one of {sorted(_TESTS)}: {cond}")
        if cond["field"] not in STUDY_COLUMNS:
            raise KeyError(f"unknown study field '{cond['field']}' in {where}")


def _blank(col: pd.Series) -> pd.Series:
    if col.dtype == "str" or col.dtype == object:
        return (col.isna() | (col.astype("str").str.strip() == "")).fillna(True).astype(bool)
    return col.isna().astype(bool)


def _condition(st: pd.DataFrame, cond: dict[str, Any], carried: Carried) -> pd.Series:
    name = cond["field"]
    col = st[name]
    if "in" in cond:
        hit = col.isin([str(v) for v in cond["in"]])
    elif "not_in" in cond:
        hit = col.notna() & ~col.isin([str(v) for v in cond["not_in"]])
    elif "present" in cond or "missing" in cond:
        want_missing = bool(cond.get("missing", not cond.get("present", True)))
        hit = _blank(col) if want_missing else ~_blank(col)
    elif "on_or_after" in cond:
        hit = col.notna() & (col.astype("str") >= str(cond["on_or_after"]))
    else:
        hit = col.notna() & (col.astype("str") < str(cond["before"]))
    return (hit.fillna(False).astype(bool)) & carried(name)


def _applies(
    st: pd.DataFrame,
    when: list[dict[str, Any]],
    unless: list[dict[str, Any]],
    carried: Carried,
) -> pd.Series:
    mask = pd.Series(True, index=st.index)
    for cond in when:
        mask &= _condition(st, cond, carried)
    for cond in unless:
        mask &= ~_condition(st, cond, carried)
    return mask


# --- required_fields -------------------------------------------------------------------------


def _compile_placeholders(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    alts = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(f"(?:{alts})(?: (?:{alts}))*", re.IGNORECASE)  # "nil nil": one per section


def _placeholder_key(text: str) -> str:
    """The content of a text with criteria headings, bullets and punctuation set aside."""
    return " ".join(_NOISE.sub(" ", _HEADING.sub(" ", text)).split()).lower()


def placeholder_mask(texts: pd.Series, patterns: list[str]) -> pd.Series:
    """Which texts are only a placeholder (see ``placeholders``). Python work on short texts
    only: a placeholder is never long."""
    rx = _compile_placeholders(patterns)
    if rx is None:
        return pd.Series(False, index=texts.index)
    short = (texts.notna() & (texts.str.len() <= 300)).fillna(False).astype(bool)
    hits = {
        idx
        for idx, text in texts[short].items()
        if rx.fullmatch(_placeholder_key(str(text))) is not None
    }
    return pd.Series(texts.index.isin(list(hits)), index=texts.index)


def validate_required(params: dict[str, Any]) -> None:
    require_keys(
        params,
        {"elements", "when", "unless", "complete_records_only", "message", "placeholder_message"},
        {"elements"},
    )
    _validate_conditions(params.get("when", []), "when")
    _validate_conditions(params.get("unless", []), "unless")
    elements = params["elements"]
    if not isinstance(elements, list) or not elements:
        raise TypeError("elements must be a non-empty list")
    for el in elements:
        if not isinstance(el, dict):
            raise TypeError(f"an element must be a mapping: {el}")
        require_keys(el, _ELEMENT_KEYS, {"field", "label", "ref"})
        name = el["field"]
        if name not in STUDY_COLUMNS and name not in _LIST_ELEMENTS:
            raise KeyError(
                f"unknown field '{name}' (a study column or one of {sorted(_LIST_ELEMENTS)})"
            )
        _validate_conditions(el.get("when", []), f"when of {name}")
        _validate_conditions(el.get("unless", []), f"unless of {name}")
        if el.get("placeholders"):
            if name not in _PLACEHOLDER_COLUMNS:
                raise ValueError(f"placeholders only apply to free-text study fields, not '{name}'")
            for p in el["placeholders"]:
                re.compile(p)
    for key, allowed in (
        ("message", {"label", "ref"}),
        ("placeholder_message", {"label", "ref", "text"}),
    ):
        if key in params:
            used = set(re.findall(r"{(\w+)}", str(params[key])))
            if not used <= allowed:
                raise KeyError(
                    f"{key} may use only {sorted(allowed)}, not {sorted(used - allowed)}"
                )


def _list_present(rs: RecordSet, name: str) -> pd.Series:
    """Per study row: whether the record has at least one non-blank item of list element ``name``."""
    _, frame_name, kinds, _ = _LIST_ELEMENTS[name]
    frame = getattr(rs, frame_name)
    if kinds is not None:
        frame = frame[frame["kind"].isin(kinds)]
    given = ~_blank(frame[_LIST_TEXT_COLUMN[frame_name]])
    if frame_name == "interventions":  # an intervention described without a short name is given
        given |= ~_blank(frame["description"])
    ids = frame.loc[given, "record_id"].dropna().unique()
    rid = rs.studies["record_id"]
    # pyarrow is_in: pandas' isin on str columns loops in Python
    hit = pc.is_in(pa.array(rid.astype("str")), value_set=pa.array(ids, type=pa.string()))
    return pd.Series(
        np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool),
        index=rid.index,
    )


def run_required(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    st = rs.studies
    if st.empty:
        return kind_frame([])
    carried = Carried(st)
    base = _applies(st, params.get("when", []), params.get("unless", []), carried)
    if params.get("complete_records_only", True):
        partial = carried("first_submit_date") & _blank(st["first_submit_date"])
        base &= ~partial
    message = str(params.get("message", _DEFAULT_MESSAGE))
    ph_message = str(params.get("placeholder_message", _DEFAULT_PLACEHOLDER_MESSAGE))
    parts: list[pd.DataFrame] = []
    for el in params["elements"]:
        if not base.any():
            break
        name = el["field"]
        mask = base & _applies(st, el.get("when", []), el.get("unless", []), carried)
        if not mask.any():
            continue
        text = message.format(label=el["label"], ref=el["ref"])
        if name in _LIST_ELEMENTS:
            path, _, _, carried_as = _LIST_ELEMENTS[name]
            hit = mask & carried(carried_as) & ~_list_present(rs, name)
        else:
            path = STUDY_FIELD_PATHS.get(name, name)
            hit = mask & carried(name) & _blank(st[name])
        if hit.any():
            parts.append(
                pd.DataFrame(
                    {
                        "record_id": st.loc[hit, "record_id"],
                        "field": path,
                        "start": pd.NA,
                        "end": pd.NA,
                        "message": text,
                    }
                )
            )
        if el.get("placeholders") and name in st:
            col = st[name]
            cand = mask & carried(name) & ~_blank(col)
            ph = cand & placeholder_mask(col.where(cand), el["placeholders"])
            if ph.any():
                texts = col[ph].astype("str")
                shown = texts.str.strip().str.replace(r"\s+", " ", regex=True).str.slice(0, 80)
                parts.append(
                    pd.DataFrame(
                        {
                            "record_id": st.loc[ph, "record_id"],
                            "field": path,
                            "start": 0,
                            "end": texts.str.len(),
                            "message": [
                                ph_message.format(label=el["label"], ref=el["ref"], text=s)
                                for s in shown
                            ],
                        }
                    )
                )
    if not parts:
        return kind_frame([])
    out = pd.concat(parts, ignore_index=True)
    return out.astype(
        {"record_id": "str", "field": "str", "start": "Int64", "end": "Int64", "message": "str"}
    )


# --- eligibility_structure -------------------------------------------------------------------

_GROUP_HEADING = LazyPattern(
    r"(?m)^[ \t]*[^\n*\-•]{2,120}:[ \t]*\n(?:[ \t]*\n)*[ \t]*(?:[*\-•]|[0-9]{1,2}[.)])"
)


def validate_structure(params: dict[str, Any]) -> None:
    require_keys(
        params,
        {"markers", "structures", "placeholders", "group_headings_for", "message"},
        {"markers"},
    )
    for key in ("markers", "structures"):
        for p in params.get(key, []):
            if not isinstance(p, str):
                raise TypeError(f"{key} must be a list of regexes")
            try:
                pc.match_substring_regex(pa.array(["x"]), p)  # RE2 must accept it
            except pa.ArrowInvalid as e:
                raise ValueError(f"{key}: not an RE2 regex: {p!r} ({e})") from e
    for p in params.get("placeholders", []):
        re.compile(p)
    if not isinstance(params.get("group_headings_for", []), list):
        raise TypeError("group_headings_for must be a list of study types")
    if "message" in params:
        used = set(re.findall(r"{(\w+)}", str(params["message"])))
        if not used <= {"study_type"}:
            raise KeyError(f"message may use only {{study_type}}, not {sorted(used)}")


def _any_regex(arr: pa.Array, patterns: list[str], ignore_case: bool) -> np.ndarray:
    if not patterns:
        return np.zeros(len(arr), dtype=bool)
    rx = "|".join(f"(?:{p})" for p in patterns)  # one RE2 pass over the texts
    m = pc.match_substring_regex(arr, rx, ignore_case=ignore_case)
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


def run_structure(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    st = rs.studies
    if st.empty:
        return kind_frame([])
    col = st["eligibility_criteria"]
    has = (carries(st, "eligibility_criteria") & ~_blank(col)).to_numpy()
    if not has.any():
        return kind_frame([])
    sub = st[has]
    arr = pa.array(sub["eligibility_criteria"].astype("str"))
    structured = _any_regex(arr, list(params["markers"]), ignore_case=True)
    structured |= _any_regex(arr, list(params.get("structures", [])), ignore_case=False)
    cand = sub[~structured]
    if cand.empty:
        return kind_frame([])
    texts = cand["eligibility_criteria"].astype("str")
    keep = ~placeholder_mask(texts, list(params.get("placeholders", [])))
    group_types = {str(t) for t in params.get("group_headings_for", [])}
    if group_types:
        grouped = cand["study_type"].isin(group_types) & texts.map(
            lambda t: _GROUP_HEADING.search(t) is not None
        ).astype(bool)
        keep &= ~grouped
    cand = cand[keep]
    template = str(
        params.get(
            "message",
            "eligibility criteria have no 'Inclusion Criteria' / 'Exclusion Criteria' structure",
        )
    )
    rows = [
        {
            "record_id": rid,
            "field": STUDY_FIELD_PATHS["eligibility_criteria"],
            "start": 0,
            "end": len(text),
            "message": template.format(
                study_type=(stype.lower() if isinstance(stype, str) else "study")
            ),
        }
        for rid, text, stype in zip(
            cand["record_id"], cand["eligibility_criteria"], cand["study_type"], strict=True
        )
    ]
    return kind_frame(rows)


KINDS = (
    FunctionKind("required_fields", run_required, validate_required),
    FunctionKind("eligibility_structure", run_structure, validate_structure),
)
