"""Clarity kinds: condition entries that are not condition terms; headings run into sentences.

Kind ``term_pattern``: a condition (or keyword) entry is flagged when it reads as something
other than a term: a population ("Breast Cancer Patients"), a study title or aim ("To Assess
..."), a sentence ("Participants Should Have ..."), a study identifier, a design word
("Randomized"). Declarative: each ``check`` is a regex with optional excludes and a message;
one optional code check compares conditions with the record's intervention names.

Params:

- ``kinds``: term kinds to look at (default ``[condition]``; ``keyword`` also exists).
- ``checks``: a list, tried in order; a term gets at most one finding (the first check that
  holds). Each check has
    - ``name``: a short id, used in messages and tests;
    - ``pattern``: a regex or a list of alternatives, searched in the term; a named group
      ``hit`` gives the span (else the whole match; ``span: term`` takes the whole term);
    - ``exclude``: a regex or list; a term matching any is left alone by this check;
    - ``case_sensitive``: default false;
    - ``message``: a template with ``{term}``, ``{match}`` (the span's text);
    - ``suggest``: optional regexes; the first whose removal (once) changes the term gives
      ``{suggestion}`` (the rest, trimmed), appended with ``suggest_message``. A rest that
      still matches ``pattern``, or that does not match ``suggest_when`` (a regex, when
      given: what a condition term looks like), gives no suggestion.
- ``intervention_names``: optional; a condition that, ignoring case and punctuation, is the
  name of one of the record's interventions of the listed ``types`` (default DRUG and
  BIOLOGICAL), in a record that names some other condition too, is flagged with ``message``
  (``{term}``, ``{type}``). ``exclude`` (regexes) keeps terms that name a disorder anyway
  ("Heroin Dependence" as an intervention name is the intervention's fault).

Kind ``fused_heading``: a section heading ("Study endpoint", "Exclusion Criteria:", "Methods:")
glued onto the end of the preceding sentence or list item, on the same line, with no
punctuation in between: the trace of a copy-paste that lost a line break. See
:func:`run_fused_heading` for how a heading is told from a noun phrase of the sentence.

Params:

- ``fields``: what to read, as in ``sentence_pattern``: study text columns
  (``brief_summary``, ``detailed_description``, ``eligibility_criteria``, ...) and list
  items as ``outcomes.description``, ``arms.description``, ``interventions.description``.
- ``headings``: regexes of heading phrases, matched ignoring case, but the heading must start
  with a capital letter in the text. Valid for RE2 and Python ``re``.
- ``stop_words``: words after which a heading phrase is part of the sentence ("defined in the
  Inclusion Criteria", "patients meeting Inclusion Criteria:").
- ``min_words``, ``min_lower_words``: the text before the heading on its line (after a list
  marker) must have this many words (default 4), this many starting with a lower-case letter
  (default 2), so that it is a sentence rather than part of a heading line ("Erectile
  dysfunction cohort Inclusion Criteria:"). A list item needs only 2 words.
- ``message``: a template with ``{label}``, ``{heading}``, ``{before}`` (the end of the
  sentence the heading is glued to).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import RecordSet, field_label, field_pattern, term_field
from .base import FunctionKind, require_keys
from .patterns import LazyPattern
from .patterns import alternatives as _alternatives
from .patterns import arrow as _arrow
from .patterns import as_list as _as_list
from .patterns import check_regex as _check_regex
from .patterns import compiled as _compile
from .patterns import mask as _mask
from .patterns import prefilter as _prefilter

# --- shared helpers ---------------------------------------------------------------------------


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _tail(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else "…" + text[-(limit - 1) :].lstrip()


# --- term_pattern -----------------------------------------------------------------------------

_TERM_KEYS = {"kinds", "checks", "intervention_names"}
_CHECK_KEYS = {
    "name",
    "pattern",
    "exclude",
    "case_sensitive",
    "span",
    "message",
    "suggest",
    "suggest_when",
    "suggest_message",
}
_IV_KEYS = {"types", "exclude", "message"}
_TERM_KINDS = ("condition", "keyword")
_DEFAULT_TERM_MESSAGE = "{kind} '{term}' is not a {kind} term ('{match}')"
_DEFAULT_IV_MESSAGE = "condition '{term}' is the name of an intervention ({type}), not a condition"
_DEFAULT_IV_TYPES = ["DRUG", "BIOLOGICAL"]


def validate_term(params: dict[str, Any]) -> None:
    require_keys(params, _TERM_KEYS)
    kinds = params.get("kinds", ["condition"])
    if not isinstance(kinds, list) or not kinds or any(k not in _TERM_KINDS for k in kinds):
        raise ValueError(f"kinds must list some of {', '.join(_TERM_KINDS)}")
    checks = params.get("checks", [])
    if not isinstance(checks, list):
        raise TypeError("checks must be a list")
    if not checks and not params.get("intervention_names"):
        raise KeyError("missing parameter(s): checks (or intervention_names)")
    for i, check in enumerate(checks):
        if not isinstance(check, dict):
            raise TypeError(f"checks[{i}] must be a mapping")
        require_keys(check, _CHECK_KEYS, {"name", "pattern"})
        for j, rx in enumerate(_as_list(check["pattern"], f"checks[{i}].pattern")):
            _check_regex(rx, f"checks[{i}].pattern[{j}]")
        for key in ("exclude", "suggest", "suggest_when"):
            for j, rx in enumerate(_as_list(check.get(key), f"checks[{i}].{key}")):
                _check_regex(rx, f"checks[{i}].{key}[{j}]", re2=False)
        if check.get("span", "match") not in ("match", "term"):
            raise ValueError(f"checks[{i}].span must be 'match' or 'term'")
        for key in ("message", "suggest_message"):
            tpl = check.get(key, "")
            if not isinstance(tpl, str):
                raise TypeError(f"checks[{i}].{key} must be a string")
            tpl.format(kind="", term="", match="", suggestion="", name="")
    iv = params.get("intervention_names")
    if iv is not None:
        if not isinstance(iv, dict):
            raise TypeError("intervention_names must be a mapping")
        require_keys(iv, _IV_KEYS)
        types = iv.get("types", _DEFAULT_IV_TYPES)
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise TypeError("intervention_names.types must be a list of strings")
        for j, rx in enumerate(_as_list(iv.get("exclude"), "intervention_names.exclude")):
            _check_regex(rx, f"intervention_names.exclude[{j}]", re2=False)
        str(iv.get("message", _DEFAULT_IV_MESSAGE)).format(term="", type="")


def _suggestion(term: str, check: dict[str, Any], rx: re.Pattern[str], flags: int) -> str:
    when = [_compile(x, flags) for x in _as_list(check.get("suggest_when"), "suggest_when")]
    for srx in _as_list(check.get("suggest"), "suggest"):
        rest = _compile(srx, flags).sub(" ", term, count=1)
        if rest == term:
            continue
        rest = " ".join(rest.split()).strip(" ,;:-")
        if sum(ch.isalpha() for ch in rest) < 3 or rx.search(rest):
            return ""
        if when and not any(w.search(rest) for w in when):
            return ""
        return rest
    return ""


def _term_row(rid: str, kind: str, pos: int, start: int, end: int, msg: str) -> dict[str, Any]:
    return {
        "record_id": rid,
        "field": term_field(kind, pos),
        "start": start,
        "end": end,
        "message": msg,
    }


def run_term(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    tm = rs.terms
    tm = tm[tm["kind"].isin(params.get("kinds", ["condition"])) & tm["term"].notna()]
    if tm.empty:
        return kind_frame([])
    rows: list[dict[str, Any]] = []
    done: set[int] = set()  # index labels of terms already flagged
    for check in params.get("checks", []):
        rows.extend(_run_check(tm, check, done))
    iv = params.get("intervention_names")
    if iv is not None:
        rows.extend(_run_intervention_names(rs, tm, iv, done))
    return kind_frame(rows)


def _run_check(tm: pd.DataFrame, check: dict[str, Any], done: set[int]) -> list[dict[str, Any]]:
    case = bool(check.get("case_sensitive", False))
    flags = 0 if case else re.IGNORECASE
    pattern = _alternatives(_as_list(check["pattern"], "pattern"))
    cand = _prefilter(tm["term"], pattern, case)
    if not cand.any():
        return []
    sub = tm[cand]
    rx = _compile(pattern, flags)
    excludes = [_compile(x, flags) for x in _as_list(check.get("exclude"), "exclude")]
    message = check.get("message", _DEFAULT_TERM_MESSAGE)
    suggest_message = check.get("suggest_message", "")
    out: list[dict[str, Any]] = []
    cols = [sub[c].tolist() for c in ("record_id", "kind", "position", "term")]
    for idx, rid, kind, pos, term in zip(sub.index, *cols, strict=True):
        if idx in done or any(x.search(term) for x in excludes):
            continue
        m = rx.search(term)
        if m is None:
            continue
        if check.get("span", "match") == "term":
            span = (len(term) - len(term.lstrip()), len(term.rstrip()))
        elif "hit" in rx.groupindex and m.group("hit") is not None:
            span = m.span("hit")
        else:
            span = m.span()
        fill = {
            "kind": kind,
            "term": _shorten(term),
            "match": _shorten(term[span[0] : span[1]], 40),
            "name": check["name"],
        }
        msg = message.format(suggestion="", **fill)
        suggestion = _suggestion(term, check, rx, flags) if suggest_message else ""
        if suggestion:
            msg += suggest_message.format(suggestion=suggestion, **fill)
        done.add(idx)
        out.append(_term_row(rid, kind, int(pos), span[0], span[1], msg))
    return out


def _norm(s: pd.Series) -> pd.Series:
    return s.str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _run_intervention_names(
    rs: RecordSet, tm: pd.DataFrame, iv_params: dict[str, Any], done: set[int]
) -> list[dict[str, Any]]:
    cond = tm[tm["kind"] == "condition"]
    iv = rs.interventions
    types = iv_params.get("types", _DEFAULT_IV_TYPES)
    iv = iv[iv["type"].isin(types) & iv["name"].notna() & iv["record_id"].isin(cond["record_id"])]
    if cond.empty or iv.empty:
        return []
    names = pd.DataFrame({"record_id": iv["record_id"], "n": _norm(iv["name"]), "type": iv["type"]})
    names = names[names["n"].str.len() > 0].drop_duplicates(["record_id", "n"])
    all_names = pd.DataFrame({"record_id": rs.interventions["record_id"]})
    all_names["n"] = _norm(rs.interventions["name"].fillna(""))
    c = pd.DataFrame(
        {
            "record_id": cond["record_id"],
            "n": _norm(cond["term"]),
            "idx": cond.index,
            "term": cond["term"],
            "kind": cond["kind"],
            "position": cond["position"],
        }
    )
    hits = c.merge(names, on=["record_id", "n"], how="inner")
    if hits.empty:
        return []
    # the record must name some other condition: one that is no intervention's name at all
    known = set(zip(all_names["record_id"], all_names["n"], strict=True))
    other = {r for r, n in zip(c["record_id"], c["n"], strict=True) if (r, n) not in known and n}
    excludes = [re.compile(x, re.IGNORECASE) for x in _as_list(iv_params.get("exclude"), "exclude")]
    message = iv_params.get("message", _DEFAULT_IV_MESSAGE)
    out: list[dict[str, Any]] = []
    cols = [hits[k].tolist() for k in ("record_id", "idx", "type", "term", "kind", "position")]
    for rid, idx, typ, term, kind, pos in zip(*cols, strict=True):
        if rid not in other or idx in done or any(x.search(term) for x in excludes):
            continue
        done.add(idx)
        span = (len(term) - len(term.lstrip()), len(term.rstrip()))
        msg = message.format(term=_shorten(term), type=str(typ).lower().replace("_", " "))
        out.append(_term_row(rid, kind, int(pos), span[0], span[1], msg))
    return out


# --- fused_heading ----------------------------------------------------------------------------

_HEADING_KEYS = {"fields", "headings", "stop_words", "min_words", "min_lower_words", "message"}
_DEFAULT_HEADING_MESSAGE = (
    "{label}: the heading '{heading}' is run into the text before it ('{before}'); "
    "start the heading on a line of its own"
)
# a list marker at the start of a line: "-", "*", "•", "1.", "2)", "a.", "iv)"
_BULLET = LazyPattern(r"[ \t]*(?:[-*•·o]|[0-9]{1,2}[.)]|[a-zA-Z][.)]|[ivxIVX]{1,4}[.)])[ \t]+")
# after a heading that ends its line without a colon, what shows it was a heading: a blank
# line or a list item next (a hard-wrapped legacy XML line goes straight on with text)
_NEXT_BLOCK = LazyPattern(
    r"[ \t]*\r?\n[ \t\r]*(?:\n|$|(?:[-*•·o]|[0-9]{1,2}[.)]|[a-zA-Z][.)])[ \t])"
)
_WORD = LazyPattern(r"\S+")
_SENTENCE_END = ".:;!?"
# words of a title-cased heading phrase that are not capitalized ("Method of Glycemic Control")
_TITLE_MINOR = frozenset(["of", "and", "the", "for", "in", "on", "to", "with", "a", "an", "&"])


def validate_fused_heading(params: dict[str, Any]) -> None:
    require_keys(params, _HEADING_KEYS, {"fields", "headings"})
    fields = params["fields"]
    if not isinstance(fields, list) or not fields:
        raise ValueError("fields must be a non-empty list")
    for f in fields:
        field_pattern(f)
    headings = _as_list(params["headings"], "headings")
    if not headings:
        raise ValueError("headings must not be empty")
    for i, rx in enumerate(headings):
        _check_regex(rx, f"headings[{i}]")
    _check_regex(_heading_pattern(params), "headings")
    stop = params.get("stop_words", [])
    if not isinstance(stop, list) or not all(isinstance(w, str) for w in stop):
        raise TypeError("stop_words must be a list of words")
    for key in ("min_words", "min_lower_words"):
        if not isinstance(params.get(key, 1), int) or params.get(key, 1) < 0:
            raise TypeError(f"{key} must be a non-negative integer")
    str(params.get("message", _DEFAULT_HEADING_MESSAGE)).format(label="", heading="", before="")


def _heading_pattern(params: dict[str, Any]) -> str:
    """A heading glued to a word (no punctuation between) and ending at ':' or a line break."""
    heads = _alternatives(_as_list(params["headings"], "headings"))
    return r"[A-Za-z0-9)\]%] (" + heads + r")[ \t]*(:|\r?\n|$)"


def _line_start(text: str, pos: int) -> int:
    return max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1


def _is_title_word(word: str) -> bool:
    return word[:1].isupper() and not any(ch.isdigit() for ch in word)


def _fused(text: str, m: re.Match[str], stop: frozenset[str], params: dict[str, Any]) -> bool:
    """Is the heading matched by ``m`` glued onto the sentence before it?"""
    head_start, head_end = m.span(1)
    if not text[head_start].isupper():
        return False  # "... the primary study endpoint:" : a phrase of the sentence
    ending = m.group(2)
    if ending == "":
        return False  # at the very end of the field: a noun phrase, not a heading
    if ending != ":" and not _NEXT_BLOCK.match(text, head_end):
        return False  # a wrapped line going on with the sentence
    line = text[_line_start(text, head_start) : head_start]
    bullet = _BULLET.match(line)
    item = line[bullet.end() :] if bullet else line
    words = _WORD.findall(item)
    if not words:
        return False
    # walk back over a title-cased phrase before the heading ("Primary Safety Endpoint:",
    # "Method of Glycemic Control Hypothesis:"): it belongs to the heading
    i = len(words) - 1
    while i >= 0:
        w = words[i]
        if i < len(words) - 1 and w[-1] in _SENTENCE_END:
            break
        title = _is_title_word(w) and not w.endswith((",", ")"))
        minor = w.lower() in _TITLE_MINOR and i > 0 and _is_title_word(words[i - 1])
        if not (title or minor):
            break
        i -= 1
    if i < 0:
        return False  # the whole line is a heading
    w = words[i]
    if i < len(words) - 1 and w[-1] in _SENTENCE_END:
        return False  # "... data. Primary Objectives:": a heading after a full stop
    if w.lower().strip(",;") in stop:
        return False  # "defined in the Inclusion Criteria", "identified in Specific Aim"
    if bullet:
        return len(words) >= 2
    return len(words) >= int(params.get("min_words", 4)) and sum(
        x[:1].islower() for x in words
    ) >= int(params.get("min_lower_words", 2))


def run_fused_heading(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    """A heading phrase counts as fused when (1) it starts with a capital and follows a word
    with only a space between (no full stop, colon or line break); (2) it ends with ':' or ends
    its line, and then a blank line or a list item follows (legacy XML hard-wraps lines, so a
    line ending is not enough); (3) the text before it on its line is a sentence or a list
    item: the words just before it are not a title-cased phrase reaching back to the start of
    the line or to a full stop ("Primary Safety Endpoint:"), not a stop word ("in the
    Inclusion Criteria"), and there are ``min_words`` of them (a list item: 2)."""
    t = rs.texts()
    if t.empty:
        return kind_frame([])
    field_rx = "^(?:" + "|".join(field_pattern(f) for f in params["fields"]) + ")$"
    keep = _mask(pc.match_substring_regex(_arrow(t["field"]), field_rx))
    t = t[keep]
    if t.empty:
        return kind_frame([])
    pattern = _heading_pattern(params)
    cand = _prefilter(t["text"], pattern, False)
    if not cand.any():
        return kind_frame([])
    sub = t[cand]
    rx = _compile(pattern, re.IGNORECASE)
    stop = frozenset(w.lower() for w in params.get("stop_words", []))
    message = params.get("message", _DEFAULT_HEADING_MESSAGE)
    rows: list[dict[str, Any]] = []
    for rid, field, text in zip(sub["record_id"], sub["field"], sub["text"], strict=True):
        pos = 0
        while True:
            m = rx.search(text, pos)
            if m is None:
                break
            pos = m.end(1)  # a heading's own words are not searched again ("... and Methods")
            if not _fused(text, m, stop, params):
                continue
            start, end = m.span(1)
            before = text[_line_start(text, start) : start]
            msg = message.format(
                label=field_label(field),
                heading=text[start:end],
                before=_tail(before + text[start:end]),
            )
            rows.append(
                {"record_id": rid, "field": field, "start": start, "end": end, "message": msg}
            )
    return kind_frame(rows)


KINDS = (
    FunctionKind("term_pattern", run_term, validate_term),
    FunctionKind("fused_heading", run_fused_heading, validate_fused_heading),
)
