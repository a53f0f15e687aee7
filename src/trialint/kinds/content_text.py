"""Kinds over what free text says, sentence by sentence.

Kind ``sentence_pattern``: a sentence of a free-text field says something the record should
not say (results of the study in a record without posted results, a payment amount, ...).
Declarative: the rule names the fields, the statement (``pattern``), what the sentence must
also say (``require``) or must not say (``exclude``), and optionally what ties the sentence
to *this* record (``anchor``: the sentence names the study, it stands under a "Results:"
heading, or an earlier sentence of the field reports how the study was done).

Flow, per chunk: the texts of the named fields (``RecordSet.texts``) of the records the rule
looks at are narrowed with one vectorized RE2 test of ``pattern``
(``pyarrow.compute.match_substring_regex``); only those few texts are split into sentences,
with character offsets, and judged in Python ``re``. ``pattern`` must therefore be valid for
both RE2 and Python ``re`` (no lookarounds or backreferences); the other regexes are Python
only.

Params:

- ``fields``: what to read: study text columns (``brief_summary``, ``detailed_description``,
  ``eligibility_criteria``, ``intervention_model_description``, ``masking_description``, ...)
  and list items as ``outcomes.description``, ``arms.description``,
  ``interventions.description`` (any column of those frames that ``texts()`` carries).
- ``pattern``: the statement (a regex or a list of alternatives); the span of a finding.
- ``require``: a regex or list; the sentence must also match one of them.
- ``exclude``: a regex or list; a sentence matching any is left alone.
- ``anchor``: optional; when given, a sentence counts only when one of these ties it to the
  record: ``sentence`` (regexes the sentence itself matches, e.g. "this study"),
  ``heading`` (a case-sensitive regex for a heading met earlier in the field, e.g.
  "Results:"; ``heading_exclude`` (regexes) rejects a heading by the text around it, e.g.
  "Expected results:"), ``earlier_sentence`` (regexes an earlier sentence of the field
  matches, that sentence passing ``exclude`` itself, e.g. "we enrolled"). For ``sentence``
  and ``earlier_sentence``, ``context_exclude`` (regexes) tested on the ``context_window``
  (default 2) sentences before the flagged one rejects the tie ("In a previous trial ...
  This study showed ...").
- ``protocol_only``: only records without posted results: ``has_results`` false; unknown
  (null) only where the input carries the field (``present_fields`` lists it); or, whatever
  the input carries, an overall status in ``no_results_statuses`` (default: not yet
  recruiting, recruiting, enrolling by invitation, withdrawn). Posted results never.
- ``span``: ``match`` (default: the matched statement) or ``sentence``.
- ``case_sensitive``: default false (``heading`` is always case-sensitive).
- ``message``: a template with ``{label}`` ("Brief summary", "Primary outcome 2 description"),
  ``{match}``, ``{sentence}`` (both shortened) and ``{count}`` (qualifying sentences in the
  field). One finding per field, at its first qualifying sentence.
- ``per_record``: one finding per record instead (at the first field, in reading order, that
  qualifies; the message ends "Also in: <the other fields>"), for statements that are one cause
  wherever they are repeated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import (
    LIST_TEXT_COLUMNS,
    NARRATIVE_STUDY_COLUMNS,
    STUDY_FIELD_PATHS,
    RecordSet,
    field_label,
    field_pattern,
    isin,
)
from .base import FunctionKind, require_keys
from .patterns import LazyPattern
from .patterns import alternatives as _alternatives
from .patterns import arrow as _arrow
from .patterns import as_list as _as_list
from .patterns import check_regex as _check_regex
from .patterns import compiled as _compile
from .patterns import mask as _mask

_KEYS = {
    "fields",
    "pattern",
    "require",
    "exclude",
    "anchor",
    "protocol_only",
    "no_results_statuses",
    "span",
    "case_sensitive",
    "per_record",
    "message",
}
_ANCHOR_KEYS = {
    "sentence",
    "heading",
    "heading_exclude",
    "earlier_sentence",
    "context_exclude",
    "context_window",
}
_DEFAULT_NO_RESULTS = ["NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "WITHDRAWN"]
_DEFAULT_MESSAGE = "{label}: '{sentence}'"

# A sentence ends at . ! ? before a capital, digit, bracket, quote or bullet; at a blank line;
# or at a line break before a list item. Single line breaks (hard-wrapped legacy XML) do not
# end a sentence.
_SPLIT = LazyPattern(
    r"(?<=[.!?])[\s\"')\]]+(?=[A-Z0-9(\[\"'•*-])"
    r"|\n[ \t]*\n\s*"
    r"|\n(?=[ \t]*(?:[-•*]|[0-9]{1,2}[.)][ \t]))"
    # before a structured-abstract heading run into the text: "... testing Results: The ..."
    r"|[ \t]+(?=(?:[A-Z][a-z]+ )?(?:Results|RESULTS|Conclusions?|CONCLUSIONS?|Methods|METHODS"
    r"|Background|BACKGROUND|Objectives?|OBJECTIVES?|Discussion|DISCUSSION)[ \t]*:)"
)
# a piece ending in one of these abbreviations does not end a sentence
_ABBREV_END = LazyPattern(
    r"(?:^|[^A-Za-z])(?:vs|al|e\.g|i\.e|approx|fig|figs|no|dr|mr|ms|mrs|prof|st|ca|cf|etc|resp"
    r"|incl|ref|refs|eq|vol|pp|min|max|mo|wk|wks|hr|hrs|sec|rs)\.$",
    re.IGNORECASE,
)


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _KEYS, {"fields", "pattern"})
    fields = params["fields"]
    if not isinstance(fields, list) or not fields:
        raise ValueError("fields must be a non-empty list")
    for f in fields:
        field_pattern(f)
    pats = _as_list(params["pattern"], "pattern")
    if not pats:
        raise KeyError("missing parameter(s): pattern")
    for i, p in enumerate(pats):
        _check_regex(p, f"pattern[{i}]")
    _check_regex(_alternatives(pats), "pattern")
    for key in ("require", "exclude"):
        for i, p in enumerate(_as_list(params.get(key), key)):
            _check_regex(p, f"{key}[{i}]", re2=False)
    anchor = params.get("anchor")
    if anchor is not None:
        if not isinstance(anchor, dict):
            raise TypeError("anchor must be a mapping")
        require_keys(anchor, _ANCHOR_KEYS)
        if not any(anchor.get(k) for k in ("sentence", "heading", "earlier_sentence")):
            raise ValueError("anchor needs at least one of sentence, heading, earlier_sentence")
        for key in _ANCHOR_KEYS - {"context_window"}:
            for i, p in enumerate(_as_list(anchor.get(key), f"anchor.{key}")):
                _check_regex(p, f"anchor.{key}[{i}]", re2=False)
        window = anchor.get("context_window", 2)
        if not isinstance(window, int) or isinstance(window, bool) or window < 0:
            raise TypeError("anchor.context_window must be a non-negative integer")
    statuses = params.get("no_results_statuses", _DEFAULT_NO_RESULTS)
    if not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
        raise TypeError("no_results_statuses must be a list of statuses")
    if params.get("span", "match") not in ("match", "sentence"):
        raise ValueError("span must be 'match' or 'sentence'")
    message = params.get("message", _DEFAULT_MESSAGE)
    if not isinstance(message, str):
        raise TypeError("message must be a string")
    message.format(label="", match="", sentence="", count=0)
    if not isinstance(params.get("per_record", False), bool):
        raise TypeError("per_record must be true or false")


# --- records and texts ---------------------------------------------------------------------


def protocol_only(studies: pd.DataFrame, no_results_statuses: list[str]) -> pd.Series:
    """Records without posted results (see the module docstring)."""
    hr = studies["has_results"]
    posted = hr.fillna(False).astype(bool)
    said_no = hr.eq(False).fillna(False).astype(bool)
    pf = studies["present_fields"]
    carried = ("|" + pf + "|").str.contains("|has_results|", regex=False).fillna(False).astype(bool)
    # legacy XML leaves present_fields empty: it carries everything, has_results included
    carried |= pf.isna()
    unknown_but_carried = hr.isna() & carried
    by_status = studies["overall_status"].isin(no_results_statuses).fillna(False).astype(bool)
    return ~posted & (said_no | unknown_but_carried | by_status)


_STUDY_ORDER = (*NARRATIVE_STUDY_COLUMNS, "eligibility_criteria")
_LIST_ORDER = ("outcomes", "arms", "interventions")


def _texts(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    """(record_id, field, text) of the named fields only, in reading order (study fields, then
    outcomes, arms, interventions), non-empty: built from the columns, not from the whole
    ``RecordSet.texts()`` (a prefiltered chunk is a new RecordSet, whose cache is empty)."""
    st = rs.studies
    keep_ids: set[str] | None = None
    if params.get("protocol_only"):
        ok = protocol_only(st, params.get("no_results_statuses", _DEFAULT_NO_RESULTS))
        keep_ids = set(st.loc[ok.to_numpy(), "record_id"])
    wanted = set(params["fields"])
    parts = []
    study_cols = [*_STUDY_ORDER, *sorted(wanted - set(_STUDY_ORDER))]
    for col in study_cols:
        if col in wanted and col in st and col in STUDY_FIELD_PATHS:
            parts.append(
                pd.DataFrame(
                    {"record_id": st["record_id"], "field": STUDY_FIELD_PATHS[col], "text": st[col]}
                )
            )
    for frame_name in _LIST_ORDER:
        frame = getattr(rs, frame_name)
        for col in LIST_TEXT_COLUMNS.get(frame_name, ()):
            if f"{frame_name}.{col}" not in wanted or frame.empty:
                continue
            pos = frame["position"].astype("str")
            if frame_name == "outcomes":
                path = "outcomes[" + frame["kind"] + "][" + pos + "]." + col
            else:
                path = frame_name + "[" + pos + "]." + col
            parts.append(
                pd.DataFrame({"record_id": frame["record_id"], "field": path, "text": frame[col]})
            )
    if not parts:
        return pd.DataFrame({"record_id": [], "field": [], "text": []})
    t = pd.concat(parts, ignore_index=True)
    t = t[t["text"].notna() & (t["text"].str.len() > 0)]
    if keep_ids is not None:
        t = t[isin(t["record_id"], keep_ids)]
    return t.reset_index(drop=True)


def _shorten(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- sentences -----------------------------------------------------------------------------


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, leading and trailing blanks left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SPLIT.finditer(text):
        piece = text[start : m.start()]
        if "\n" not in m.group(0) and _ABBREV_END.search(piece.rstrip("\"')]")):
            continue  # "vs. 88%", "et al. 2019": not a sentence end
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    require: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    anchored: bool
    in_sentence: tuple[re.Pattern[str], ...]
    heading: re.Pattern[str] | None
    heading_exclude: tuple[re.Pattern[str], ...]
    earlier: tuple[re.Pattern[str], ...]
    context_exclude: tuple[re.Pattern[str], ...]
    window: int

    @classmethod
    def of(cls, params: dict[str, Any]) -> _Matcher:
        flags = 0 if params.get("case_sensitive") else re.IGNORECASE

        def many(value: Any, what: str) -> tuple[re.Pattern[str], ...]:
            return tuple(_compile(p, flags) for p in _as_list(value, what))

        anchor = params.get("anchor") or {}
        heading = _as_list(anchor.get("heading"), "anchor.heading")
        return cls(
            pattern=_compile(_alternatives(_as_list(params["pattern"], "pattern")), flags),
            require=many(params.get("require"), "require"),
            exclude=many(params.get("exclude"), "exclude"),
            anchored=bool(anchor),
            in_sentence=many(anchor.get("sentence"), "anchor.sentence"),
            heading=_compile(_alternatives(heading), 0) if heading else None,
            heading_exclude=many(anchor.get("heading_exclude"), "anchor.heading_exclude"),
            earlier=many(anchor.get("earlier_sentence"), "anchor.earlier_sentence"),
            context_exclude=many(anchor.get("context_exclude"), "anchor.context_exclude"),
            window=int(anchor.get("context_window", 2)),
        )

    def _excluded(self, sentence: str) -> bool:
        return any(x.search(sentence) for x in self.exclude)

    def _heading_end(self, text: str) -> int | None:
        """Where the first accepted heading ends, if the field has one."""
        if self.heading is None:
            return None
        for m in self.heading.finditer(text):
            around = text[max(0, m.start() - 20) : m.end() + 40]
            if not any(x.search(around) for x in self.heading_exclude):
                return m.end()
        return None

    def hits(self, text: str) -> list[tuple[int, int, re.Match[str]]]:
        """Qualifying sentences of ``text``: (sentence start, sentence end, statement match)."""
        spans = sentences(text)
        out: list[tuple[int, int, re.Match[str]]] = []
        heading_end = self._heading_end(text) if self.anchored else None
        earlier_at: int | None = None
        for i, (s, e) in enumerate(spans):
            sent = text[s:e]
            if (
                self.anchored
                and earlier_at is None
                and self.earlier
                and any(x.search(sent) for x in self.earlier)
                and not self._excluded(sent)
                and not self._context_rejects(text, spans, i)
            ):
                earlier_at = i
            m = self.pattern.search(sent)
            if m is None or self._excluded(sent):
                continue
            if self.require and not any(x.search(sent) for x in self.require):
                continue
            if self.anchored and not self._tied(text, spans, i, heading_end, earlier_at):
                continue
            out.append((s, e, m))
        return out

    def _context_rejects(self, text: str, spans: list[tuple[int, int]], i: int) -> bool:
        if not self.context_exclude or self.window == 0:
            return False
        before = " ".join(text[a:b] for a, b in spans[max(0, i - self.window) : i])
        return any(x.search(before) for x in self.context_exclude)

    def _tied(
        self,
        text: str,
        spans: list[tuple[int, int]],
        i: int,
        heading_end: int | None,
        earlier_at: int | None,
    ) -> bool:
        s, e = spans[i]
        if heading_end is not None and heading_end <= e:
            return True
        sent = text[s:e]
        self_named = any(x.search(sent) for x in self.in_sentence)
        after_earlier = earlier_at is not None and earlier_at < i
        return (self_named or after_earlier) and not self._context_rejects(text, spans, i)


# --- the kind ------------------------------------------------------------------------------


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records with some named field whose text matches ``pattern`` (RE2, vectorized over the
    study columns and the list frames; no sentence splitting)."""
    case = bool(params.get("case_sensitive", False))
    rx = _alternatives(_as_list(params["pattern"], "pattern"))
    st = rs.studies
    keep = np.zeros(len(st), dtype=bool)
    ids: list[pd.Series] = []
    for f in params["fields"]:
        frame, _, col = str(f).partition(".")
        if not col:
            if f in st:
                keep |= _mask(pc.match_substring_regex(_arrow(st[f]), rx, ignore_case=not case))
            continue
        df = getattr(rs, frame)
        if len(df):
            hit = _mask(pc.match_substring_regex(_arrow(df[col]), rx, ignore_case=not case))
            ids.append(df["record_id"][hit])
    if ids:
        found = pd.concat(ids)
        if len(found):
            keep |= isin(st["record_id"], found)
    if params.get("protocol_only"):
        keep &= protocol_only(st, params.get("no_results_statuses", _DEFAULT_NO_RESULTS)).to_numpy()
    return keep


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    t = _texts(rs, params)
    if t.empty:
        return kind_frame([])
    case = bool(params.get("case_sensitive", False))
    prefilter_rx = _alternatives(_as_list(params["pattern"], "pattern"))
    cand = _mask(pc.match_substring_regex(_arrow(t["text"]), prefilter_rx, ignore_case=not case))
    if not cand.any():
        return kind_frame([])
    t = t[cand]
    matcher = _Matcher.of(params)
    whole_sentence = params.get("span", "match") == "sentence"
    message = params.get("message", _DEFAULT_MESSAGE)
    per_record = bool(params.get("per_record", False))
    rows: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}
    for rid, fld, text in zip(t["record_id"], t["field"], t["text"], strict=True):
        found = matcher.hits(text)
        if not found:
            continue
        if per_record and rid in seen:
            seen[rid]["also"].append(field_label(fld))
            continue
        s, e, m = found[0]
        start, end = (s, e) if whole_sentence else (s + m.start(), s + m.end())
        row = {
            "record_id": rid,
            "field": fld,
            "start": start,
            "end": end,
            "message": message.format(
                label=field_label(fld),
                match=_shorten(m.group(0), 60),
                sentence=_shorten(text[s:e]),
                count=len(found),
            ),
            "also": [],
        }
        seen[rid] = row
        rows.append(row)
    for row in rows:
        also = row.pop("also")
        if also:
            row["message"] += f" Also in: {', '.join(also)}."
    return kind_frame(rows)


KINDS = (FunctionKind("sentence_pattern", run, validate, prefilter),)
