"""Kinds over the text of registered outcome measures (title, description, time frame).

Kind ``outcome_pattern``: a declarative pattern rule over named columns of the outcomes frame.
Rules of the same shape (a word list, a phrase, a symbol, an empty field) are YAML only.

Flow, per chunk: a vectorized RE2 prefilter (``pyarrow.compute.match_substring_regex``) over
each named column of the outcomes frame keeps the few candidate items; Python ``re`` then
confirms each candidate (after optional trimming and masking of parentheses), applies the
``exclude`` patterns and finds the span. Patterns must therefore be valid for both RE2 and
Python ``re``: no lookarounds, no backreferences, no ``\\p{..}`` classes.

Params:

- ``fields``: outcome columns to test: any of ``measure``, ``description``, ``time_frame``.
- ``pattern``: the regex that makes a finding (required unless ``missing``); a list of regexes
  is taken as alternatives (a word list reads best that way).
- ``prefix``: an optional regex allowed before ``pattern`` (``(?:prefix)?(?:pattern)``), e.g.
  "Baseline and " before a vague time point.
- ``match``: ``search`` (default: anywhere in the field; the span is the match) or ``full``
  (the whole field, after trimming ``trim`` characters from both ends, must match; the span is
  the trimmed field).
- ``trim``: characters trimmed from both ends in ``full`` mode (default: whitespace, quotes and
  ``. , ; :``).
- ``exclude``: a regex or a list of regexes; an item whose field matches any is left alone.
- ``mask_parentheses``: blank out ``(...)`` and ``[...]`` before matching (the prefilter still
  sees them), so a list inside parentheses does not count.
- ``missing``: flag items whose field is missing or blank instead of matching a pattern.
- ``structured_only``: only look at items whose parts the input carries as separate fields
  (API v2 JSON, XML); items split heuristically from a combined cell (CSV, plain text: the
  ``raw`` column is set) are skipped, because a split is not proof of what the field holds.
- ``kinds``: outcome kinds to look at (default all: primary, secondary, other, unspecified).
- ``case_sensitive``: default false.
- ``message``: a template with ``{label}`` ("Primary outcome 2"), ``{column}`` ("title",
  "description", "time frame"), ``{text}`` (the field, shortened), ``{match}`` (the matched
  text, shortened).

Kind ``outcome_abbreviation``: abbreviations in outcome titles that the record never expands.
See :func:`run_abbreviation` for the params.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd

from ..findings import kind_frame
from ..frames import OUTCOME_KINDS, RecordSet, outcome_field
from .base import FunctionKind, require_keys
from .patterns import as_list as _as_list
from .patterns import check_regex as _check_regex
from .patterns import compiled
from .patterns import prefilter as _prefilter

_COLUMNS = {"measure": "title", "description": "description", "time_frame": "time frame"}
_KINDS = (*OUTCOME_KINDS, "unspecified")
_DEFAULT_TRIM = " \t\r\n\"'.,;:"
_PATTERN_KEYS = {
    "fields",
    "pattern",
    "prefix",
    "match",
    "trim",
    "exclude",
    "mask_parentheses",
    "missing",
    "structured_only",
    "kinds",
    "case_sensitive",
    "message",
}
_DEFAULT_MESSAGE = "{label} {column} '{text}' matches '{match}'"
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_ENUMERATOR = re.compile(r"\((?:[0-9]{1,2}|[a-z]|[ivx]{1,4})\)")  # "(1)", "(b)", "(iii)": kept


# --- shared helpers --------------------------------------------------------------------------


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(kind: str, position: int) -> str:
    name = "Outcome" if kind == "unspecified" else f"{kind.capitalize()} outcome"
    return f"{name} {position + 1}"


def _compile(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    return compiled(pattern, 0 if case_sensitive else re.IGNORECASE)


def _rows(oc: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The outcome items a rule looks at (kinds, structured_only)."""
    keep = pd.Series(True, index=oc.index)
    if params.get("kinds"):
        keep &= oc["kind"].isin(params["kinds"])
    if params.get("structured_only"):
        keep &= oc["raw"].isna()
    return oc[keep]


def _masked(text: str) -> str:
    """Blank out parenthesized and bracketed spans (innermost first), keeping offsets.

    List enumerators such as "(1)", "(b)" or "(iii)" are kept."""

    def blank(m: re.Match[str]) -> str:
        s = m.group(0)
        return (
            s.replace("(", "\x00").replace(")", "\x01")
            if _ENUMERATOR.fullmatch(s)
            else " " * len(s)
        )

    prev = None
    while prev != text:
        prev = text
        text = _PARENS.sub(blank, text)
    return text.replace("\x00", "(").replace("\x01", ")")


# --- outcome_pattern -------------------------------------------------------------------------


def _pattern(params: dict[str, Any]) -> str:
    alts = _as_list(params["pattern"])
    core = alts[0] if len(alts) == 1 else "|".join(f"(?:{a})" for a in alts)
    prefix = params.get("prefix")
    return f"(?:{prefix})?(?:{core})" if prefix else core


def validate_pattern(params: dict[str, Any]) -> None:
    require_keys(params, _PATTERN_KEYS, {"fields"})
    fields = params["fields"]
    if not isinstance(fields, list) or not fields or any(f not in _COLUMNS for f in fields):
        raise ValueError(f"fields must list some of {', '.join(_COLUMNS)}")
    if params.get("kinds") is not None and (
        not isinstance(params["kinds"], list) or any(k not in _KINDS for k in params["kinds"])
    ):
        raise ValueError(f"kinds must list some of {', '.join(_KINDS)}")
    if params.get("match", "search") not in ("search", "full"):
        raise ValueError("match must be 'search' or 'full'")
    if params.get("missing"):
        if "pattern" in params:
            raise ValueError("give either missing: true or a pattern, not both")
    else:
        if not params.get("pattern"):
            raise KeyError("missing parameter(s): pattern")
        for i, rx in enumerate(_as_list(params["pattern"])):
            _check_regex(rx, f"pattern[{i}]")
        if params.get("prefix") is not None:
            _check_regex(str(params["prefix"]), "prefix")
        _check_regex(_pattern(params), "pattern")
    for i, rx in enumerate(_as_list(params.get("exclude"))):
        _check_regex(rx, f"exclude[{i}]")
    if not isinstance(params.get("trim", _DEFAULT_TRIM), str):
        raise TypeError("trim must be a string of characters")
    message = params.get("message", _DEFAULT_MESSAGE)
    if not isinstance(message, str):
        raise TypeError("message must be a string")
    message.format(label="", column="", text="", match="")


def run_pattern(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    oc = _rows(rs.outcomes, params)
    if oc.empty:
        return kind_frame([])
    case = bool(params.get("case_sensitive", False))
    message = params.get("message", _DEFAULT_MESSAGE)
    rows: list[dict[str, Any]] = []
    for col in params["fields"]:
        s = oc[col]
        if params.get("missing"):
            blank = s.isna().to_numpy() | _prefilter(s, r"^[ \t\r\n]*$", True)
            for rid, kind, pos in zip(
                oc["record_id"][blank], oc["kind"][blank], oc["position"][blank], strict=True
            ):
                label = _label(kind, int(pos))
                text = message.format(label=label, column=_COLUMNS[col], text="", match="")
                rows.append(_row(rid, kind, int(pos), col, None, None, text))
            continue
        rows.extend(_match_column(oc, col, params, case, message))
    return kind_frame(rows)


def _row(
    rid: str, kind: str, pos: int, col: str, start: int | None, end: int | None, message: str
) -> dict[str, Any]:
    return {
        "record_id": rid,
        "field": outcome_field(kind, pos, col),
        "start": start,
        "end": end,
        "message": message,
    }


def _match_column(
    oc: pd.DataFrame, col: str, params: dict[str, Any], case: bool, message: str
) -> list[dict[str, Any]]:
    pattern = _pattern(params)
    full = params.get("match", "search") == "full"
    trim = params.get("trim", _DEFAULT_TRIM)
    mask_parens = bool(params.get("mask_parentheses", False))
    pre = pattern
    if full and not mask_parens:
        # an anchored prefilter: RE2 does the whole test, Python only finds the span
        cls = "".join(f"\\x{{{ord(c):X}}}" for c in trim)
        pre = f"^[{cls}]*(?:{pattern})[{cls}]*$" if cls else f"^(?:{pattern})$"
    cand = _prefilter(oc[col], pre, case)
    if not cand.any():
        return []
    sub = oc[cand]
    rx = _compile(pattern, case)
    excludes = [_compile(x, case) for x in _as_list(params.get("exclude"))]
    out: list[dict[str, Any]] = []
    cols = [sub[c].tolist() for c in ("record_id", "kind", "position", col)]
    for rid, kind, pos, text in zip(*cols, strict=True):
        if not isinstance(text, str) or any(x.search(text) for x in excludes):
            continue
        probe = _masked(text) if mask_parens else text
        if full:
            core = probe.strip(trim)
            if not core:
                continue
            start = probe.index(core)
            m = rx.fullmatch(core)
            if m is None:
                continue
            span = (start, start + len(core))
        else:
            m = rx.search(probe)
            if m is None:
                continue
            span = m.span()
        matched = text[span[0] : span[1]]
        msg = message.format(
            label=_label(kind, int(pos)),
            column=_COLUMNS[col],
            text=_shorten(text),
            match=_shorten(matched, 40),
        )
        out.append(_row(rid, kind, int(pos), col, span[0], span[1], msg))
    return out


# --- outcome_abbreviation --------------------------------------------------------------------

_ABBR_KEYS = {
    "fields",
    "known",
    "exclude_tokens",
    "common_words",
    "requires_fields",
    "kinds",
    "message",
}
# the API v2 JSON reader lists the modules a record carries in `present_fields`; the CSV and
# text readers list canonical columns
_MODULE_OF = {
    "brief_summary": "description_module",
    "detailed_description": "description_module",
    "eligibility_criteria": "eligibility_module",
    "conditions": "conditions_module",
    "interventions": "arms_interventions_module",
    "arms": "arms_interventions_module",
    "outcomes": "outcomes_module",
}
_DEFAULT_ABBR_MESSAGE = (
    "{label} title uses the abbreviation '{abbr}', which the record never spells out"
)
# a word with its hyphen-joined parts: "IIEF-5", "SF-36", "HbA1c", "PD-L1", "CD4+" ("FEV1/FVC"
# gives two tokens)
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])"
    r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\+?(?![A-Za-z0-9])"
)
# a part with two capitals
_PART_CAPS = re.compile(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_TOOL_WORDS = r"(?:score|scale|questionnaire|index|test|inventory|instrument|criteria|assay)"
_MINOR_WORDS = "of the and in on for with to a an by at or as from per vs versus"
_MINOR = frozenset(_MINOR_WORDS.split())
# English words a title may write in capitals ("NOT", "OR"): not abbreviations
_COMMON_CAPS_WORDS = (
    "a an and are as at be by do for from if in is it no not of on or per so the to up vs with "
    "all any each new old one two yes"
)
_COMMON_CAPS = frozenset(_COMMON_CAPS_WORDS.split())
_WORD_PART = re.compile(r"[A-Z]?[a-z]{3,}")  # "-mediated", "Pharmacokinetic-": an ordinary word
_CAPS_WORD = re.compile(r"[A-Z]{2,}(?:ing|ed|tion|ive|ity|ness|ment|al|ly)")  # "SCORing": a word
_LOWER_PREFIX = re.compile(r"[a-z]{4,}([A-Z][A-Za-z0-9]*)")
_CAMEL_NAME = re.compile(
    r"(?:[A-Z][a-z]{2,}|Ma?c)[A-Z][a-z][A-Za-z]*"
)  # "EuroQol", "McGill": names


def validate_abbreviation(params: dict[str, Any]) -> None:
    require_keys(params, _ABBR_KEYS)
    fields = params.get("fields", ["measure"])
    if not isinstance(fields, list) or not fields or any(f not in _COLUMNS for f in fields):
        raise ValueError(f"fields must list some of {', '.join(_COLUMNS)}")
    for i, rx in enumerate(_as_list(params.get("exclude_tokens"))):
        try:
            re.compile(rx)
        except re.error as e:
            raise ValueError(f"exclude_tokens[{i}]: invalid regex: {e}") from e
    for key in ("known", "common_words", "requires_fields"):
        val = params.get(key, [])
        if not isinstance(val, list) or not all(isinstance(k, str) for k in val):
            raise TypeError(f"{key} must be a list of strings")
    if params.get("kinds") is not None and any(k not in _KINDS for k in params["kinds"]):
        raise ValueError(f"kinds must list some of {', '.join(_KINDS)}")
    params.get("message", _DEFAULT_ABBR_MESSAGE).format(label="", abbr="")


def _letters(token: str) -> str:
    return "".join(ch for ch in token if ch.isalpha())


@functools.lru_cache(maxsize=4096)
def _spelling_regex(abbr: str) -> re.Pattern[str]:
    """A regex for a run of words whose initials spell ``abbr``.

    A capital letter starts a new word; a lower-case letter may also continue the current
    word ("HbA1c" fits "haemoglobin A1c", "QoL" fits "quality of life"), and so may the second
    letter of a two-letter abbreviation ("PK" fits "pharmacokinetics"); minor words ("of",
    "and") may come between. The first word is a word, not the abbreviation itself: its second
    character is lower-case or it is a single letter ("C-reactive protein" for CRP).
    """
    letters = _letters(abbr)
    minor = "|".join(sorted(_MINOR, key=len, reverse=True))
    gap = rf"[A-Za-z'’]*[^A-Za-z]+(?:(?:{minor})[^A-Za-z]+)*?"
    parts = []
    for k, ch in enumerate(letters):
        cls = f"[{ch.upper()}{ch.lower()}]"
        if k == 0:
            parts.append(rf"(?<![A-Za-z]){cls}(?:[a-z]|(?![A-Za-z]))")
        elif ch.islower() or len(letters) == 2:
            parts.append(rf"(?:[A-Za-z]*?{cls}|{gap}{cls})")
        else:
            parts.append(rf"{gap}{cls}")
    return re.compile("".join(parts))


# around an occurrence of the abbreviation: a parenthesis opening with it ("(PFS)", "(AUC∞)",
# "（AUC0-∞）"); or after it words in parentheses ("PFS (progression-free survival)", "EoS
# (Eosinophil)", "KEED score (cologne ...)"), or '=' / ':' and words ("PFS = ...", "AUC(0-last):
# Area Under the Curve")
_OPENS_BEFORE = re.compile(r"[(\[（【]\s*(?:[A-Z][A-Za-z0-9-]*[ /,;]+){0,2}$")  # "(EORTC OES18)"
_EXPLAINED_AFTER = re.compile(
    rf"s?(?: {_TOOL_WORDS})?\s*\(\s*(?:[a-z]|[A-Z][a-z])|s?(?:\s*\([^()]*\))?\s*[=:]\s*[A-Za-z]"
)


def _explained_at(abbr: str, text: str, *, after: bool = True) -> bool:
    """Does some occurrence of ``abbr`` in ``text`` open a parenthesis or carry its meaning?"""
    i = text.find(abbr)
    n = len(abbr)
    while i >= 0:
        end = i + n
        before_ok = i == 0 or not text[i - 1].isalnum()
        if (
            before_ok
            and _OPENS_BEFORE.search(text, max(0, i - 30), i)
            and not text[end : end + 1].isalpha()
        ):
            return True
        if after and before_ok and _EXPLAINED_AFTER.match(text, end):
            return True
        i = text.find(abbr, i + 1)
    return False


def _expanded(abbr: str, text: str) -> bool:
    """Is ``abbr`` spelled out somewhere in the record?

    Counts: a parenthesis opening with the abbreviation ("... (PFS)", "(PFS;", "[PFS]"); the
    abbreviation followed by words in parentheses, '=' or ':' ("PFS (progression-free
    survival)", "PFS = ..."); or a run of words whose initials spell it anywhere in the record
    ("progression-free survival" for PFS).
    """
    if abbr.endswith("s") and _PART_CAPS.fullmatch(abbr[:-1]) and _expanded(abbr[:-1], text):
        return True  # "SAEs": "serious adverse event (SAE)"
    if _explained_at(abbr, text):
        return True
    core = abbr.split("-")[0]  # "IIEF-5" is spelled out as "IIEF (...)" too
    if core != abbr and len(_letters(core)) >= 2 and _explained_at(core, text, after=False):
        return True
    return len(_letters(core)) >= 2 and _spelling_regex(core).search(text) is not None


def run_abbreviation(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    """Params: ``fields`` (outcome columns scanned, default [measure]); ``requires_fields`` (study
    columns the input must carry for a record to be looked at: where an expansion could be, so
    that a CSV export without the descriptions proves nothing); ``known`` (abbreviations
    every reader knows: never flagged; case-sensitive); ``exclude_tokens`` (regexes a token must
    not fully match: product codes, units, Roman numerals); ``common_words`` (more English words
    that a title may write in capitals); ``kinds``; ``message`` (``{label}``, ``{abbr}``).

    A token is an abbreviation when one of its hyphen-joined parts has two capitals
    ("IIEF-5", "HbA1c", "PD-L1"); titles written in capitals throughout are skipped. An
    abbreviation is flagged once per record, at its first use in an outcome title, when no text
    of the record spells it out (see :func:`_expanded`)."""
    oc = _rows(rs.outcomes, params)
    required = params.get("requires_fields", [])
    if required and not oc.empty:
        oc = oc[oc["record_id"].isin(_carrying(rs.studies, required))]
    if oc.empty:
        return kind_frame([])
    fields = params.get("fields", ["measure"])
    known = set(params.get("known", []))
    common = _COMMON_CAPS | {w.lower() for w in params.get("common_words", [])}
    excl = [re.compile(x) for x in _as_list(params.get("exclude_tokens"))]
    message = params.get("message", _DEFAULT_ABBR_MESSAGE)
    cand_rows: list[tuple[str, str, int, str, str, int, int]] = []
    seen: set[tuple[str, str]] = set()
    for col in fields:
        s = oc[col]
        cand = _prefilter(s, r"[A-Z][A-Za-z0-9]*[A-Z]", True)  # a word with two capitals
        sub = oc[cand]
        cols = [sub[c].tolist() for c in ("record_id", "kind", "position", col)]
        for rid, kind, pos, text in zip(*cols, strict=True):
            if not isinstance(text, str) or _mostly_upper(text):
                continue
            for m in _TOKEN.finditer(text):
                tok, start = _core_token(m.group(0)), m.start()
                start += m.group(0).find(tok)
                if (rid, tok) in seen or tok in known or tok.lower() in common:
                    continue
                parts = tok.split("-")
                if not any(_PART_CAPS.fullmatch(p) for p in parts):
                    continue
                if not any(_PART_CAPS.fullmatch(p) and p not in known for p in parts):
                    continue  # "HIV-1", "IgE-specific": a known abbreviation
                if _CAMEL_NAME.fullmatch(tok.split("-")[0]) or _CAPS_WORD.fullmatch(tok):
                    continue
                if any(x.fullmatch(tok) for x in excl):
                    continue
                seen.add((rid, tok))
                cand_rows.append((rid, kind, int(pos), col, tok, start, start + len(tok)))
    if not cand_rows:
        return kind_frame([])
    record_text = _record_texts(rs, {r[0] for r in cand_rows})
    acronyms = dict(zip(rs.studies["record_id"], rs.studies["acronym"], strict=True))
    names = _intervention_names(rs, {r[0] for r in cand_rows})
    rows: list[dict[str, Any]] = []
    for rid, kind, pos, col, tok, start, end in cand_rows:
        acronym = acronyms.get(rid)
        if isinstance(acronym, str) and tok.upper() in re.split(r"[^A-Z0-9]+", acronym.upper()):
            continue  # the study's own acronym: a name
        if tok.lower() in names.get(rid, ""):
            continue  # part of an intervention's name ("UTAA06 injection"): a product name
        if _expanded(tok, record_text.get(rid, "")):
            continue
        msg = message.format(label=_label(kind, pos), abbr=tok)
        rows.append(_row(rid, kind, pos, col, start, end, msg))
    return kind_frame(rows)


def _core_token(token: str) -> str:
    """The abbreviation in a token: a trailing '+' or trademark sign and joined ordinary words
    dropped ("IgE-mediated" -> "IgE", "Pharmacokinetic-AUC" -> "AUC", "PlusTM" -> "Plus")."""
    token = token.rstrip("+")
    if re.fullmatch(r".*[a-z]TM", token):
        token = token[:-2]  # "PlusTM": a trademark sign
    parts = re.split(r"(-)", token)
    while len(parts) > 2 and _WORD_PART.fullmatch(parts[-1]):
        parts = parts[:-2]
    while len(parts) > 2 and _WORD_PART.fullmatch(parts[0]):
        parts = parts[2:]
    core = "".join(parts)
    m = _LOWER_PREFIX.fullmatch(core)  # "microRNA" -> "RNA"
    return m.group(1) if m else core


def _intervention_names(rs: RecordSet, ids: set[str]) -> dict[str, str]:
    iv = rs.interventions
    iv = iv[iv["record_id"].isin(ids)]
    if iv.empty:
        return {}
    text = (iv["name"].fillna("") + "|" + iv["other_names"].fillna("")).str.lower()
    joined: dict[str, str] = {}
    for rid, t in zip(iv["record_id"], text, strict=True):
        joined[rid] = joined.get(rid, "") + "|" + t
    return joined


def _carrying(studies: pd.DataFrame, required: list[str]) -> set[str]:
    """Records whose input format carries every field in ``required`` (``present_fields``;
    a record without ``present_fields`` is taken to carry everything)."""
    out: set[str] = set()
    for rid, present in zip(studies["record_id"], studies["present_fields"], strict=True):
        if not isinstance(present, str) or not present:
            out.add(rid)
            continue
        have = set(present.split("|"))
        if all(f in have or _MODULE_OF.get(f) in have for f in required):
            out.add(rid)
    return out


def _mostly_upper(text: str) -> bool:
    """A title written in capitals throughout: its capitals are not abbreviations."""
    words = [w for w in _WORD.findall(text) if len(w) > 3]
    return len(words) >= 3 and sum(w.isupper() for w in words) >= 0.6 * len(words)


def _record_texts(rs: RecordSet, ids: set[str]) -> dict[str, str]:
    """All free text of the given records (studies, outcomes, arms, interventions, conditions,
    keywords, other names), joined per record."""
    t = rs.texts()
    t = t[t["record_id"].isin(ids)]
    parts = [t[["record_id", "text"]]]
    terms = rs.terms
    if len(terms):
        tt = terms[terms["record_id"].isin(ids)]
        parts.append(pd.DataFrame({"record_id": tt["record_id"], "text": tt["term"]}))
    iv = rs.interventions
    if len(iv):
        ivs = iv[iv["record_id"].isin(ids) & iv["other_names"].notna()]
        parts.append(pd.DataFrame({"record_id": ivs["record_id"], "text": ivs["other_names"]}))
    allt = pd.concat(parts, ignore_index=True).dropna()
    joined: dict[str, list[str]] = {}
    for rid, text in zip(allt["record_id"], allt["text"], strict=True):
        joined.setdefault(rid, []).append(text)
    return {rid: "\n".join(texts) for rid, texts in joined.items()}


KINDS = (
    FunctionKind("outcome_pattern", run_pattern, validate_pattern),
    FunctionKind("outcome_abbreviation", run_abbreviation, validate_abbreviation),
)
