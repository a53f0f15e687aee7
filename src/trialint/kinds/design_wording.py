"""Kind ``design_wording``: the titles or summary describe a design the design fields contradict.

"A Randomized, Double-Blind ... Study" with masking NONE, "an open-label trial" with masking
DOUBLE, "A Phase II Study" registered as PHASE3, "a single-arm study" with three arm groups, an
OBSERVATIONAL record titled "A Randomized Trial ...". Declarative: a rule names

  - ``fields``: the study text columns searched (brief_title, official_title, brief_summary, ...);
  - ``claim`` (Python regex, case-insensitive) and ``prefilter`` (RE2, for pyarrow): the wording;
    or ``classifier: own-randomization`` to take the randomization wording that the shared
    classifier of :mod:`randomization_single_arm` attributes to the study's own participants;
  - when a claim is the study's own: ``design_noun`` (the claim must lead, within ``max_words``
    design words free of ``stop_words``, to a noun such as study/trial: "an open-label,
    randomized trial", not "an open-label extension phase"), except in the ``free_in`` fields
    (titles name the study's own design: "Piracetam for Cocaine Addiction, Phase II");
    ``skip_before`` / ``skip_after`` (regexes searched at the end of the text before the claim /
    matched at the start of the text after it, within its sentence), ``skip_sentence`` (other
    trials, "et al", food challenges), ``skip_record`` (a regex over the record's fields: the
    claim is a part or period of a study the record also describes otherwise), and
    ``skip_extension_studies`` (an extension study's wording is often its parent study's);
  - what contradicts the claim: ``when`` (conditions on study fields: ``{field, in}``,
    ``{field, not_in}``, ``{field, missing}``, ``{field, not_within}``: a '|'-joined value with
    an item outside the list, or none), ``arms`` (``{more_than: 1, exclude_types:
    [NO_INTERVENTION], with_types: [...]}``: the record lists more arm groups, some of these
    types), ``value`` (the claim names a value of a multi-valued field: ``{group, field, map, equivalent, na, flag_na, combinations}``, e.g.
    "Phase I/II" -> PHASE1|PHASE2, flagged when a named phase is not among the record's phases;
    a combination the field cannot hold, "Phase 3b/4", is satisfied by either value);
  - ``message``: a template with ``{claim}``, ``{where}``, ``{declared}``, ``{n_arms}``,
    ``{arm_labels}`` and any study column (``{masking}``, ``{allocation}``, ...).

Several cases share one rule with ``cases: [...]``. A case only runs on records whose input
carries every field it names (``carries``): the plain-text export has no design fields, so
nothing here fires on it. One finding per record (one cause), at the first contradicted claim in
reading order (titles, then summary ...), naming the other fields that repeat it.
Vectorized up to the candidates: conditions and arm counts over frames, a pyarrow regex
prefilter over the texts; Python only on candidate texts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..findings import kind_frame
from ..frames import STUDY_COLUMNS, STUDY_FIELD_PATHS, STUDY_TEXT_COLUMNS, RecordSet
from .base import FunctionKind, require_keys
from .patterns import Carried, LazyPattern
from .randomization_single_arm import PREFILTER as RANDOMIZATION_PREFILTER
from .randomization_single_arm import (
    arrow_match,
    extension_studies,
    own_ids_by_record,
    own_randomization,
)

CLASSIFIERS = ("own-randomization",)
_CASE_KEYS = {
    "fields",
    "claim",
    "prefilter",
    "classifier",
    "design_noun",
    "max_words",
    "stop_words",
    "free_in",
    "skip_before",
    "skip_after",
    "skip_sentence",
    "skip_record",
    "skip_extension_studies",
    "when",
    "arms",
    "value",
    "message",
}
_REGEX_KEYS = (
    "claim",
    "design_noun",
    "stop_words",
    "skip_before",
    "skip_after",
    "skip_sentence",
    "skip_record",
)
_TESTS = {"in", "not_in", "missing", "not_within"}

# Sentence limits: . ! ? ; followed by space, a colon ending a line, blank lines, bullets.
# A bare line break is not one: legacy XML text is hard-wrapped mid-sentence.
_SENT_END = LazyPattern(
    r"[.!?;](?=\s|$)|:[ \t]*\r?\n|\n[ \t\r]*\n|\n(?=[ \t]*(?:[*•\-–]|[0-9]+[.)])[ \t])|•"
)
_WORD = LazyPattern(r"[A-Za-z0-9ⅠⅡⅢⅣ]+(?:[-'/.][A-Za-z0-9ⅠⅡⅢⅣ]+)*")
_WHERE = {
    "brief_title": "the title",
    "official_title": "the official title",
    "brief_summary": "the brief summary",
    "detailed_description": "the detailed description",
    "intervention_model_description": "the intervention model description",
    "masking_description": "the masking description",
}


# --- parameters ------------------------------------------------------------------------------


def _cases(params: dict[str, Any]) -> list[dict[str, Any]]:
    if "cases" in params:
        shared = {k: v for k, v in params.items() if k != "cases"}
        return [{**shared, **c} for c in params["cases"]]
    return [params]


def validate(params: dict[str, Any]) -> None:
    if "cases" in params:
        require_keys(params, _CASE_KEYS | {"cases"}, {"cases"})
        if not isinstance(params["cases"], list) or not params["cases"]:
            raise TypeError("cases must be a non-empty list")
    else:
        require_keys(params, _CASE_KEYS)
    for case in _cases(params):
        _validate_case(case)


def _validate_case(p: dict[str, Any]) -> None:
    require_keys(p, _CASE_KEYS, {"fields", "message"})
    if not isinstance(p["fields"], list) or not p["fields"]:
        raise TypeError("fields must be a non-empty list of study text columns")
    for f in p["fields"] + list(p.get("free_in", [])):
        if f not in STUDY_TEXT_COLUMNS:
            raise KeyError(f"unknown study text column '{f}'")
    if ("claim" in p) == ("classifier" in p):
        raise ValueError("give either claim (with prefilter) or classifier")
    if "claim" in p and "prefilter" not in p:
        raise KeyError("a claim needs a prefilter (an RE2 regex for pyarrow)")
    if "classifier" in p and p["classifier"] not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {p['classifier']!r}; known: {', '.join(CLASSIFIERS)}")
    for key in _REGEX_KEYS:
        if key in p:
            try:
                re.compile(p[key])
            except re.error as e:
                raise ValueError(f"bad regex in {key}: {e}") from e
    if "prefilter" in p and not isinstance(p["prefilter"], str):
        raise TypeError("prefilter must be a string")
    if not isinstance(p.get("max_words", 8), int):
        raise TypeError("max_words must be an integer")
    for cond in p.get("when", []):
        tests = set(cond) - {"field"}
        if "field" not in cond or len(tests) != 1 or not tests <= _TESTS:
            raise ValueError(f"each condition needs a field and one of {sorted(_TESTS)}: {cond}")
        if cond["field"] not in STUDY_COLUMNS:
            raise KeyError(f"unknown study field '{cond['field']}'")
    if "arms" in p:
        require_keys(p["arms"], {"more_than", "exclude_types", "with_types"}, {"more_than"})
    if "value" in p:
        v = p["value"]
        require_keys(
            v,
            {"group", "field", "map", "equivalent", "na", "flag_na", "combinations"},
            {"group", "field", "map"},
        )
        if "claim" not in p or v["group"] not in re.compile(p["claim"]).groupindex:
            raise ValueError(f"value.group '{v['group']}' is not a named group of claim")
        if v["field"] not in STUDY_COLUMNS:
            raise KeyError(f"unknown study field '{v['field']}'")
        if not isinstance(v["map"], dict) or not v["map"]:
            raise TypeError("value.map must map claimed tokens to field values")
    names = {"claim", "where", "declared", "n_arms", "arm_labels", *STUDY_COLUMNS}
    for key in re.findall(r"\{([A-Za-z_]+)\}", p["message"]):
        if key not in names:
            raise KeyError(f"unknown field '{key}' in message")


# --- helpers ---------------------------------------------------------------------------------


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    s = 0
    for m in _SENT_END.finditer(text, 0, start):
        s = m.end()
    m2 = _SENT_END.search(text, end)
    return s, (m2.start() if m2 else len(text))


def _condition(st: pd.DataFrame, cond: dict[str, Any]) -> pd.Series:
    col = st[cond["field"]]
    if "in" in cond:
        return col.isin([str(v) for v in cond["in"]]).fillna(False).astype(bool)
    if "not_in" in cond:
        return (col.notna() & ~col.isin([str(v) for v in cond["not_in"]])).astype(bool)
    if "not_within" in cond:  # a '|'-joined value with an item outside the list, or missing
        allowed = {str(v) for v in cond["not_within"]}
        return col.map(lambda v: not isinstance(v, str) or not set(v.split("|")) <= allowed).astype(
            bool
        )
    empty = col.isna() | (col.astype("str").str.strip() == "")
    return (empty if cond["missing"] else ~empty).astype(bool)


def _arm_counts(rs: RecordSet, exclude: list[str]) -> pd.Series:
    arms = rs.arms
    if exclude:
        arms = arms[~arms["type"].isin(exclude)]
    return arms.groupby("record_id").size()


def _arm_labels(rs: RecordSet, rid: str, exclude: list[str], limit: int = 4) -> str:
    arms = rs.arms[rs.arms["record_id"] == rid]
    if exclude:
        arms = arms[~arms["type"].isin(exclude)]
    labels = [f"'{x}'" for x in arms["label"].dropna().astype(str)]
    more = ", ..." if len(labels) > limit else ""
    return ", ".join(labels[:limit]) + more


def _own_design_phrase(after: str, p: dict[str, Any]) -> bool:
    """Whether the claim leads to the design noun: "..., randomized, controlled trial"."""
    noun = _rx(rf"(?:{p['design_noun']})(?![A-Za-z0-9])")
    stop = _rx(rf"(?:{p['stop_words']})(?![A-Za-z0-9])") if p.get("stop_words") else None
    limit = int(p.get("max_words", 8))
    for i, w in enumerate(_WORD.finditer(after)):
        if i > limit:
            return False
        if noun.match(after, w.start()):
            return True
        if stop is not None and stop.match(after, w.start()):
            return False
    return False


@functools.lru_cache(maxsize=64)
def _token_regex(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)), re.I)


@functools.lru_cache(maxsize=256)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


def _tokens_to_values(raw: str, mapping: dict[str, Any]) -> set[str]:
    """'I/II' -> {PHASE1, PHASE2}; numerals of one system only ("Phase II - 4": the 4th phase II)."""
    found = _token_regex(tuple(mapping)).findall(raw)
    if not found:
        return set()
    arabic = found[0].isdigit()
    out: set[str] = set()
    for tok in found:
        if tok.isdigit() != arabic:
            break
        val = mapping.get(tok) or mapping.get(tok.upper())
        if val:
            out.add(str(val))
    return out


class _Claim:
    __slots__ = ("end", "start", "values", "wording")

    def __init__(self, start: int, end: int, wording: str, values: set[str] | None = None) -> None:
        self.start, self.end, self.wording, self.values = start, end, wording, values


def _claims(text: str, col: str, p: dict[str, Any], ids: tuple[str, ...]) -> Iterator[_Claim]:
    """The study's own claims in ``text`` (column ``col``), in order."""
    if p.get("classifier") == "own-randomization":
        for o in own_randomization(text, ids):
            yield _Claim(o.start, o.end, o.wording)
        return
    claim = _rx(p["claim"])
    free = col in p.get("free_in", [])
    skip_before = _rx(p["skip_before"]) if p.get("skip_before") else None
    skip_after = _rx(p["skip_after"]) if p.get("skip_after") else None
    skip_sentence = _rx(p["skip_sentence"]) if p.get("skip_sentence") else None
    value = p.get("value")
    for m in claim.finditer(text):
        s0, s1 = _sentence(text, m.start(), m.end())
        before, after = text[s0 : m.start()], text[m.end() : s1]
        if skip_before is not None and skip_before.search(before[-100:]):
            continue
        if skip_after is not None and skip_after.match(after):
            continue
        if skip_sentence is not None and skip_sentence.search(text[s0:s1]):
            continue
        if not free and p.get("design_noun") and not _own_design_phrase(after, p):
            continue
        values = _tokens_to_values(m.group(value["group"]) or "", value["map"]) if value else None
        if value and not values:
            continue
        yield _Claim(m.start(), m.end(), " ".join(m.group(0).split()), values)


def _contradicted(claim: _Claim, declared: str | None, p: dict[str, Any]) -> tuple[bool, str]:
    """For a value claim: whether the declared '|'-joined values leave a claimed value out."""
    v = p.get("value")
    if not v:
        return True, ""
    if not isinstance(declared, str) or not declared:
        return False, ""
    have = set(declared.split("|"))
    if have <= set(v.get("na", [])):
        return bool(v.get("flag_na", False)), declared
    equivalent: dict[str, list[str]] = v.get("equivalent", {})
    claimed = claim.values or set()
    missing = {c for c in claimed if c not in have and not have & set(equivalent.get(c, []))}
    combos = [set(c) for c in v.get("combinations", [])]
    if len(claimed) > 1 and "combinations" in v and claimed not in combos:
        # a combination the field cannot hold ("Phase 3b/4"): any one of its values will do
        return missing == claimed, declared
    return bool(missing), declared


def _text(values: dict[str, Any], key: str) -> str:
    v = values.get(key)
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "(none)"
    return str(v).replace("|", ", ")


def _fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([A-Za-z_]+)\}", lambda m: values[m.group(1)], template)


# --- the kind --------------------------------------------------------------------------------


def _text_prefilter(p: dict[str, Any]) -> str:
    return RANDOMIZATION_PREFILTER if p.get("classifier") == "own-randomization" else p["prefilter"]


def _case_mask(rs: RecordSet, p: dict[str, Any], carried: Carried) -> np.ndarray:
    """The records a case can flag, by its field conditions, arm counts and a text prefilter
    over its fields (vectorized): the first stage of :func:`_run_case`."""
    st = rs.studies
    mask = pd.Series(True, index=st.index)
    named = {c["field"] for c in p.get("when", [])} | (
        {p["value"]["field"]} if "value" in p else set()
    )
    for name in sorted(named):
        mask &= carried(name)
    for cond in p.get("when", []):
        if not mask.any():
            break
        mask &= _condition(st, cond)
    if "value" in p:
        mask &= st[p["value"]["field"]].notna()
    arms_cond = p.get("arms")
    if arms_cond and mask.any():
        mask &= carried("arms")
        counts = _arm_counts(rs, list(arms_cond.get("exclude_types", [])))
        mask &= st["record_id"].map(counts).fillna(0).astype(int) > int(arms_cond["more_than"])
    text = pd.Series(False, index=st.index)
    if mask.any():
        rx = _text_prefilter(p)
        for f in p["fields"]:
            if f in st:
                text |= arrow_match(st[f], rx)
    return (mask & text).to_numpy(dtype=bool)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    keep = np.zeros(len(rs.studies), dtype=bool)
    carried = Carried(rs.studies)
    for case in _cases(params):
        keep |= _case_mask(rs, case, carried)
    return keep


def _run_case(rs: RecordSet, p: dict[str, Any], carried: Carried) -> list[dict[str, Any]]:
    st = rs.studies
    if st.empty:
        return []
    mask = pd.Series(True, index=st.index)
    named = {c["field"] for c in p.get("when", [])} | (
        {p["value"]["field"]} if "value" in p else set()
    )
    for name in sorted(named):
        mask &= carried(name)
    arms_cond = p.get("arms")
    exclude = list(arms_cond.get("exclude_types", [])) if arms_cond else []
    if arms_cond:
        mask &= carried("arms")
    for cond in p.get("when", []):
        if not mask.any():
            return []
        mask &= _condition(st, cond)
    if "value" in p:
        mask &= st[p["value"]["field"]].notna()
    n_arms = pd.Series(0, index=st.index)
    if arms_cond and mask.any():
        counts = _arm_counts(rs, exclude)
        n_arms = st["record_id"].map(counts).fillna(0).astype(int)
        mask &= n_arms > int(arms_cond["more_than"])
        if arms_cond.get("with_types"):
            typed = rs.arms.loc[rs.arms["type"].isin(list(arms_cond["with_types"])), "record_id"]
            mask &= st["record_id"].isin(typed)
    if p.get("skip_extension_studies") and mask.any():
        mask &= ~st["record_id"].isin(extension_studies(st[mask]))
    cand = st[mask]
    if cand.empty:
        return []
    # the texts of the candidate records, narrowed by the prefilter
    fields = [f for f in p["fields"] if f in cand]
    long = pd.concat(
        [pd.DataFrame({"row": cand.index, "col": f, "text": cand[f]}) for f in fields],
        ignore_index=True,
    )
    long = long[long["text"].notna()]
    if long.empty:
        return []
    long = long[arrow_match(long["text"], _text_prefilter(p))]
    if long.empty:
        return []
    skip_record = re.compile(p["skip_record"], re.I) if p.get("skip_record") else None
    ids = own_ids_by_record(st.loc[long["row"].unique()])
    value_field = p["value"]["field"] if "value" in p else None
    related_col = value_field or next((c["field"] for c in p.get("when", [])), None)
    related = (
        STUDY_FIELD_PATHS.get(related_col)
        if related_col
        else ("arms[1].label" if arms_cond else None)
    )
    rows: list[dict[str, Any]] = []
    skipped: dict[int, bool] = {}
    # only the columns the case reads or its message names (to_dict of every column is costly)
    wanted = {"record_id", *fields, *named, *re.findall(r"\{([A-Za-z_]+)\}", p["message"])}
    records: dict[Any, dict[str, Any]] = st.loc[  # type: ignore[assignment]
        long["row"].unique(), [c for c in st.columns if c in wanted]
    ].to_dict("index")
    for row, col, text in zip(long["row"], long["col"], long["text"], strict=True):
        rec = records[row]
        rid = str(rec["record_id"])
        if skip_record is not None:
            if row not in skipped:
                whole = "\n".join(str(rec[f]) for f in fields if isinstance(rec.get(f), str))
                skipped[row] = bool(skip_record.search(whole))
            if skipped[row]:
                continue
        for claim in _claims(text, col, p, ids.get(rid, (rid,))):
            hit, declared = _contradicted(claim, rec.get(value_field) if value_field else None, p)
            if not hit:
                continue
            fill: dict[str, str] = {str(k): _text(rec, str(k)) for k in rec}
            fill.update(
                claim=claim.wording,
                where=_WHERE.get(col, "the " + col.replace("_", " ")),
                declared=declared.replace("|", ", ") if declared else "(none)",
                n_arms=str(int(n_arms.loc[row])),
                arm_labels=_arm_labels(rs, rid, exclude) if arms_cond else "",
            )
            rows.append(
                {
                    "record_id": rid,
                    "field": STUDY_FIELD_PATHS[col],
                    "start": claim.start,
                    "end": claim.end,
                    "message": _fill(p["message"], fill),
                    "related_field": related,
                    "where": fill["where"],
                }
            )
            break
    return rows


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    carried = Carried(rs.studies)
    for case in _cases(params):
        rows += _run_case(rs, case, carried)
    if not rows:
        return kind_frame([])
    # one finding per record (one cause, however many fields repeat it): the first field in
    # reading order, naming the others; of two cases on one field, the first
    order = {
        STUDY_FIELD_PATHS[c]: i for i, c in enumerate(STUDY_TEXT_COLUMNS) if c in STUDY_FIELD_PATHS
    }
    rows.sort(key=lambda r: order.get(r["field"], len(order)))
    first: dict[str, dict[str, Any]] = {}
    also: dict[str, list[str]] = {}
    for r in rows:
        rid = r["record_id"]
        if rid not in first:
            first[rid], also[rid] = r, []
        elif r["field"] != first[rid]["field"] and r["where"] not in also[rid]:
            also[rid].append(r["where"])
    out = []
    for rid, r in first.items():
        r = {k: v for k, v in r.items() if k != "where"}
        if also[rid]:
            r["message"] += f" The same wording is in {_join(also[rid])} too."
        out.append(r)
    return kind_frame(out)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


KINDS = (
    FunctionKind(name="design_wording", run_fn=run, validate_fn=validate, prefilter_fn=prefilter),
)
