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
- ``exclude``: a regex or a list of regexes (Python ``re`` only: lookarounds and
  backreferences allowed); an item whose field matches any is left alone.
- ``mask_parentheses``: blank out ``(...)`` and ``[...]`` before matching (the prefilter still
  sees them), so a list inside parentheses does not count.
- ``missing``: flag items whose field is missing or blank instead of matching a pattern.
- ``structured_only``: only look at items whose parts the input carries as separate fields
  (API v2 JSON, XML); items split heuristically from a combined cell (CSV, plain text: the
  ``raw`` column is set) are skipped, because a split is not proof of what the field holds.
- ``kinds``: outcome kinds to look at (default all: primary, secondary, other, unspecified).
- ``case_sensitive``: default false.
- ``per_record``: one finding per record (one cause, however many outcomes show it), at the
  first outcome in list order, the message naming the others ("; also secondary outcome 2,
  secondary outcome 5 and 3 more").
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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import OUTCOME_KINDS, RecordSet, isin, outcome_field
from .base import FunctionKind, require_keys
from .patterns import LazyPattern, compiled
from .patterns import as_list as _as_list
from .patterns import check_regex as _check_regex
from .patterns import mask as _mask
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
    "per_record",
    "message",
}
_DEFAULT_MESSAGE = "{label} {column} '{text}' matches '{match}'"
_PARENS = LazyPattern(r"\([^()]*\)|\[[^\[\]]*\]")
_ENUMERATOR = LazyPattern(r"\((?:[0-9]{1,2}|[a-z]|[ivx]{1,4})\)")  # "(1)", "(b)", "(iii)": kept


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
        _check_regex(rx, f"exclude[{i}]", re2=False)  # Python only: backreferences allowed
    if not isinstance(params.get("trim", _DEFAULT_TRIM), str):
        raise TypeError("trim must be a string of characters")
    message = params.get("message", _DEFAULT_MESSAGE)
    if not isinstance(message, str):
        raise TypeError("message must be a string")
    message.format(label="", column="", text="", match="")
    if not isinstance(params.get("per_record", False), bool):
        raise TypeError("per_record must be true or false")


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
    if params.get("per_record"):
        rows = _one_per_record(rows)
    return kind_frame(rows)


_KIND_ORDER = {k: i for i, k in enumerate(_KINDS)}
_FIELD = LazyPattern(r"outcomes\[([a-z]+)\]\[([0-9]+)\]\.")


def _one_per_record(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first finding of each record (primary before secondary, then by position), its
    message naming the other outcomes with the same finding."""

    def key(r: dict[str, Any]) -> tuple[int, int]:
        m = _FIELD.match(r["field"])
        return (_KIND_ORDER.get(m.group(1), 9), int(m.group(2))) if m else (9, 0)

    by_rec: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_rec.setdefault(r["record_id"], []).append(r)
    out = []
    for group in by_rec.values():
        group.sort(key=key)
        first = dict(group[0])
        others = []
        for r in group[1:]:
            m = _FIELD.match(r["field"])
            if m:
                label = _label(m.group(1), int(m.group(2))).lower()
                if label not in others:
                    others.append(label)
        if others:
            shown = ", ".join(others[:3]) + (
                f" and {len(others) - 3} more" if len(others) > 3 else ""
            )
            first["message"] += f" (also {shown})"
        out.append(first)
    return out


def prefilter_pattern(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records with an outcome item the rule looks at whose column is missing (``missing``) or
    holds a match of the RE2 prefilter of :func:`_match_column` (vectorized)."""
    oc = _rows(rs.outcomes, params)
    if oc.empty:
        return np.zeros(len(rs.studies), dtype=bool)
    case = bool(params.get("case_sensitive", False))
    hit = np.zeros(len(oc), dtype=bool)
    for col in params["fields"]:
        s = oc[col]
        if params.get("missing"):
            hit |= s.isna().to_numpy() | _prefilter(s, r"^[ \t\r\n]*$", True)
        else:
            hit |= _prefilter(s, _prefilter_regex(params), case)
    return _records_mask(rs, oc["record_id"][hit])


def _prefilter_regex(params: dict[str, Any]) -> str:
    pattern = _pattern(params)
    if params.get("match", "search") == "full" and not params.get("mask_parentheses", False):
        trim = params.get("trim", _DEFAULT_TRIM)
        cls = "".join(f"\\x{{{ord(c):X}}}" for c in trim)
        return f"^[{cls}]*(?:{pattern})[{cls}]*$" if cls else f"^(?:{pattern})$"
    return pattern


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
    # an anchored prefilter for full matches: RE2 does the whole test, Python finds the span
    cand = _prefilter(oc[col], _prefilter_regex(params), case)
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
_TOKEN = LazyPattern(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])"
    r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\+?(?![A-Za-z0-9])"
)
# a part with two capitals
_PART_CAPS = LazyPattern(r"[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*")
_WORD = LazyPattern(r"[A-Za-z][A-Za-z'’]*")
_TOOL_WORDS = r"(?:score|scale|questionnaire|index|test|inventory|instrument|criteria|assay)"
_MINOR_WORDS = "of the and in on for with to a an by at or as from per vs versus"
_MINOR = frozenset(_MINOR_WORDS.split())
# English words a title may write in capitals ("NOT", "OR"): not abbreviations
_COMMON_CAPS_WORDS = (
    "a an and are as at be by do for from if in is it no not of on or per so the to up vs with "
    "all any each new old one two yes"
)
_COMMON_CAPS = frozenset(_COMMON_CAPS_WORDS.split())
_WORD_PART = LazyPattern(r"[A-Z]?[a-z]{3,}")  # "-mediated", "Pharmacokinetic-": an ordinary word
_CAPS_WORD = LazyPattern(
    r"[A-Z]{2,}(?:ing|ed|tion|ive|ity|ness|ment|al|ly)|[A-Z]{2}[a-z]{2,}"
)  # "SCORing", "HIgh", "CAncer": words
_LOWER_PREFIX = LazyPattern(r"[a-z]{4,}([A-Z][A-Za-z0-9]*)")
_CAMEL_NAME = LazyPattern(
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
# "(EORTC OES18)", "(1,5-AG)"
_OPENS_BEFORE = LazyPattern(r"[(\[（【]\s*(?:[0-9]+,)?(?:[A-Z][A-Za-z0-9-]*[ /,;]+){0,2}$")
# an alias in the parenthesis after a name written out: "Index of Erectile Function - 5 (IIEF
# short form/SHIM)"
_ALIAS_BEFORE = LazyPattern(
    r"[A-Z][a-z]+(?:[ \t-]+(?:of|the|and|for|[A-Z][a-z]+|[0-9]+|[-–]))+[ \t]*[(\[]"
    r"[ \t]*(?:[A-Za-z][A-Za-z0-9-]*[ \t]*(?:[ /,;]|or)[ \t]*){1,4}$"
)
_EXPLAINED_AFTER = LazyPattern(
    rf"s?(?: {_TOOL_WORDS})?\s*\(\s*(?:[a-z]|[A-Z][a-z])|s?(?:\s*\([^()]*\))?\s*[=:]\s*[A-Za-z]"
    r"|s?[ \t]+[-–—][ \t]+[A-Za-z][a-z]+[ \t-]+[a-z]"  # "ACTH - adrenocorticotropic hormone"
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
            and (
                _OPENS_BEFORE.search(text, max(0, i - 30), i)
                or _ALIAS_BEFORE.search(text, max(0, i - 120), i)
            )
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


# What an abbreviation is used as, read from the words around its occurrences in the record.
# A *tool* (an instrument, scale, criteria set, technique or endpoint named by its letters: "HAMD
# score", "assessed by CTCAE", "as per RECIST") is what PRS asks to see spelled out. An *analyte*
# (a gene, protein, hormone, cell marker or other molecule named by its symbol: "serum SHBG",
# "TNF levels", "HER2-positive", "Hormonal levels (FSH, LH)") is the name of the thing measured:
# symbols are how these are named, so they are left alone. Tool use wins over analyte use.
_TOOL_WORDS_AFTER = (
    "score|scores|scale|scales|questionnaire|questionnaires|index|indices|inventory|criteria|"
    "criterion|instrument|test|tests|testing|assessment|survey|tool|checklist|rating|ratings|"
    "grading|grade|grades|classification|domain|domains|subscale|subscales|subscore|item|items|"
    "interview|form|battery|diary|profile|responders?|measure|system|staging|categories|category|"
    "guidelines?|version|module|dictionary|method|technique|scan|scanning|imaging|analysis|"
    "examination|exam|evaluation|assay|device|total|global|rate|survival"
)
# "GAD and IA-2 autoantibodies", "CD45RA, CD45RO phenotypes": the head noun after a short list
_COORDINATED = r"(?:[ \t]*(?:,|/|\band\b|\bor\b|&)[ \t]*[A-Za-z0-9][A-Za-z0-9-]*){0,3}"
_TOOL_AFTER = LazyPattern(
    r"(?:s|'s|’s)?"
    + _COORDINATED
    + r"(?:[ \t]*[-–]?[ \t]*(?:v(?:ersion)?[ .]?[0-9][0-9.]*|[0-9]+(?:[.][0-9]+)?|"
    r"\([^()]{1,40}\)|total|modified|short|long|global|[A-Z][A-Za-z]*))?"
    rf"[ \t]*[-–]?[ \t]*(?:{_TOOL_WORDS_AFTER})(?![A-Za-z-])",
    re.IGNORECASE,
)
_MEASURING = (
    "measured|assessed|evaluated|graded|determined|scored|rated|defined|classified|quantified|"
    "calculated|estimated|detected|analy[sz]ed|examined|tested|monitored|documented|recorded|"
    "captured|obtained|performed|reported|judged|confirmed|diagnosed|imaged|visuali[sz]ed|"
    "scanned|quantitated|categori[sz]ed|coded|staged|mapped|screened"
)
_TOOL_BEFORE = LazyPattern(
    rf"(?:(?:{_MEASURING})[ \t]+(?:by|using|with|per|via|on|through|according[ \t]+to|in)|"
    r"using|per|via|according[ \t]+to|based[ \t]+on|by[ \t]+means[ \t]+of|"
    r"score[sd]?[ \t]+(?:of|on|in)|scales?[ \t]+(?:of|:)|questionnaires?|criteria[ \t]+of)"
    r"[ \t]+(?:the[ \t]+|a[ \t]+|an[ \t]+)?(?:[A-Za-z][A-Za-z0-9-]*[ \t]+){0,2}$",
    re.IGNORECASE,
)
_ANALYTE_WORDS_AFTER = (
    r"\+|positive|negative|levels?|concentrations?|expression|expressing|overexpression|"
    r"activity|activities|activation|genes?|genotypes?|genotyping|proteins?|receptors?|ligands?|"
    r"mutations?|mutant|mutated|variants?|polymorphisms?|alleles?|cells?|counts?|titers?|"
    r"titres?|(?:auto)?antibod(?:y|ies)|values?|inhibitors?|inhibition|antagonists?|agonists?|blockers?|"
    r"pathways?|signal(?:l)?ing|methylation|phosphorylation|secretion|production|release|status|"
    r"deficiency|deficient|copy|copies|amplification|mRNA|transcripts?|staining|binding|"
    r"kinase|family|isoforms?|subsets?|lymphocytes|epitopes?|peptides?|antigens?|deletion|"
    r"phenotypes?|populations?|tetramers?|multimers?|complex(?:es)?|"
    r"fusion|rearrangement|knockout|ratio|[a-z]*emia|cholesterol|lipoproteins?|hormones?|"
    r"cytokines?|markers?|biomarkers?|factors?|DNA|RNA|load|viral|(?:mean[ \t]+)?fluorescen[a-z]*|"
    r"MFI|[a-z]+ases?|"
    # a laboratory unit: "HDL [mg/dl]", "AST (U/L)"
    r"[(\[][ \t]*(?:mg|g|µg|μg|ug|ng|pg|mmol|µmol|μmol|umol|nmol|pmol|mEq|m?IU|k?U|mU|"
    r"cells|copies|x[ \t]*10|10\^?[0-9])[ \t]*(?:(?:/|per[ \t])[^()\[\]]{0,12})?[)\]]|"
    r"in[ \t]+(?:serum|plasma|blood|urine|saliva)"
)
_ANALYTE_AFTER = LazyPattern(
    rf"(?:s|'s|’s)?{_COORDINATED}(?:[ \t]*[-–/]?[ \t]*(?:[0-9]+|[α-ωΑ-Ω]|alpha|beta|gamma|kappa|[a-z]))?"
    rf"[ \t]*[-–]?[ \t]*(?:{_ANALYTE_WORDS_AFTER})(?![A-Za-z])",
    re.IGNORECASE,
)
_ANALYTE_BEFORE = LazyPattern(
    r"(?:serum|plasma|blood|urinary|urine|salivary|saliva|tissue|tumou?r|circulating|"
    r"intracellular|intratumou?ral|soluble|cellular|cytosolic|fasting|anti|human|peripheral|"
    r"mucosal|nasal|sputum|faecal|fecal|stool|CSF|cerebrospinal|hepatic|renal|"
    r"(?:positive|negative)[ \t]+for|expressing|"
    r"(?:levels?|concentrations?|expression|amounts?|activity|values?|titers?|titres?)"
    r"[ \t]+(?:of|in)|(?:genes?|proteins?|hormones?|enzymes?|receptors?|kinases?|antigens?|"
    r"markers?|cytokines?|molecules?|peptides?|transcripts?|isoforms?|[a-z]+ases?)"
    r"(?:[ \t]+(?:of|for))?)"
    r"[ \t]*[-–]?[ \t]*(?:the[ \t]+)?$",
    re.IGNORECASE,
)
# a list of analytes under a head noun: "Hormonal levels (Prolactin, FSH, LH", "serum levels of
# DHEA, DHEAS ... and SHBG", "cytokines (TNF-α, IL-6)"; the same for tools: "rating scales
# SCL-90-R, HADS and ...". The head, then list items (short, separated by commas, 'and', 'or',
# '/'), then the abbreviation.
_LIST_ITEMS = (
    r"(?:[ \t]*(?:[^,;:.()\[\]]|\([^()]{0,12}\)){1,40}?[ \t]*(?:,|/|\band\b|\bor\b|&)[ \t]*){0,12}"
)
_ANALYTE_LIST = LazyPattern(
    r"(?:levels?|concentrations?|expression|values|markers?|biomarkers?|cytokines?|"
    r"chemokines?|hormones?|genes?|proteins?|antigens?|epitopes?|peptides?|receptors?|"
    r"mutations?|enzymes?|lipids?|lipid[ \t]+profile|analytes?|interleukins?|immunoglobulins?|"
    r"subsets?|subpopulations?|phenotypes?|polymorphisms?)"
    r"(?:[ \t]+(?:of|in|on|for)[ \t]+[A-Za-z-]+(?:[ \t]+[a-z-]+)?)?[ \t]*"
    r"(?:[(:\[]|,|\bsuch[ \t]+as\b|\bincluding\b|\blike\b|\be\.g\.,?|\bi\.?e\.?,?)?"
    + _LIST_ITEMS
    + r"[ \t]*$",
    re.IGNORECASE,
)
_TOOL_LIST = LazyPattern(
    r"(?:scales?|questionnaires?|instruments?|tests|inventories|indices|indexes|criteria|"
    r"scores|tools|measures|surveys)"
    r"(?:[ \t]+of)?[ \t]*(?:[(:\[]|,|\bsuch[ \t]+as\b|\bincluding\b|\be\.g\.,?)?"
    + _LIST_ITEMS
    + r"[ \t]*$",
    re.IGNORECASE,
)
# an abbreviation explained in words right after it: "KINDL is a questionnaire for ...",
# "HAMD, the Hamilton ...", "X - a validated ..."
_DEFINED_AFTER = LazyPattern(
    r"s?[ \t]*(?:(?:is|are|was|means|stands[ \t]+for|refers[ \t]+to)[ \t]+(?:a|an|the)?"
    r"|[,–-][ \t]*(?:a|an|the)|,?[ \t]*(?:which|that)[ \t]+(?:is|are|measures|assesses|"
    r"evaluates|quantifies|rates|consists))[ \t]+[a-z]"
)
# molecules by their naming conventions: a Greek-letter or interleukin name ("IFNgamma",
# "TNF-α", "IL-6"), or a species prefix (h human, rh recombinant human, o- ovine: "hCG", "rhGH",
# "o-CRH")
_MOLECULE = LazyPattern(
    r"[A-Z][A-Za-z0-9]*[-–]?(?:alpha|beta|gamma|delta|kappa|[α-ω])(?:[-–]?[0-9A-Za-z]+)?|"
    r"IL[-–]?[0-9]+[A-Za-z]?|(?:r?h|[a-z][-–])[A-Z]{2,}[A-Za-z0-9-]*"
)
_GREEK_AFTER = LazyPattern(r"[-–]?[ \t]?(?:alpha|beta|gamma|delta|kappa|[α-ω])(?![A-Za-z])", re.I)
# a brand or trademark sign after the name, or the name in quotes: a product name
_BRAND_AFTER = LazyPattern(r"[ \t]*(?:®|™|\(R\)|\(TM\)|\(r\))")
# chemical formulas and salts (HCl, NaCl, CaCl2, MgSO4, CO2): element symbols and counts
_ELEMENT = (
    "H|He|Li|Be|B|C|N|O|F|Ne|Na|Mg|Al|Si|P|S|Cl|Ar|K|Ca|Ti|Cr|Mn|Fe|Co|Ni|Cu|Zn|Ga|Ge|As|Se|Br|"
    "Kr|Rb|Sr|Y|Zr|Mo|Ag|Cd|In|Sn|Sb|Te|I|Xe|Cs|Ba|La|Ce|Gd|Pt|Au|Hg|Pb|Bi|Ra|U"
)
_FORMULA = LazyPattern(rf"(?:(?:{_ELEMENT})[0-9]*){{2,}}")


def _is_known(token: str, known: set[str]) -> bool:
    """In the ``known`` list (lower-cased), in any case ("HbA1C"), in the plural ("ECGs") or
    with a lower-case qualifier ("sIgE": specific IgE, "hsCRP")."""
    t = token.lower()
    if t in known or (t.endswith("s") and t[:-1] in known):
        return True
    m = re.fullmatch(r"[a-z]{1,2}-?([A-Z].*)", token)
    return m is not None and _is_known(m.group(1), known)


def _formula(token: str) -> bool:
    """A chemical formula such as a salt in a drug name ("HCl", "NaCl", "MgSO4", "CO2"): element
    symbols with counts, at least one written with a lower-case letter or a count."""
    if not _FORMULA.fullmatch(token):
        return False
    return any(c.islower() for c in token) or any(c.isdigit() for c in token)


@functools.lru_cache(maxsize=8192)
def _occurrence_regex(token: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])")


def _role(token: str, text: str) -> str:
    """How the record uses ``token``: 'tool' (a named instrument, criteria set, technique or
    endpoint: worth spelling out), 'analyte' (a symbol naming a molecule, gene or cell marker),
    'defined' (explained in words, "X is a ..."), 'brand' (a product name with ® or ™) or ''."""
    if _MOLECULE.fullmatch(token):
        return "analyte"
    # evidence by strength: the word right after or right before an occurrence is strong, a
    # verb or list head further back is weak; strong tool > strong analyte > weak tool > weak
    strong_tool = strong_analyte = weak_tool = weak_analyte = False
    for m in _occurrence_regex(token).finditer(text):
        s, e = m.span()
        after = text[e : e + 60]
        line_start = max(text.rfind("\n", 0, s), text.rfind(". ", 0, s), text.rfind(";", 0, s))
        before = text[max(line_start + 1, s - 160) : s]
        if _DEFINED_AFTER.match(after):
            return "defined"
        if _BRAND_AFTER.match(after) or _quoted(text, s, e):
            return "brand"
        if _TOOL_AFTER.match(after):
            strong_tool = True
        elif (
            _ANALYTE_AFTER.match(after)
            or _GREEK_AFTER.match(after)
            or _ANALYTE_BEFORE.search(before)
        ):
            strong_analyte = True
        elif _TOOL_BEFORE.search(before) or _TOOL_LIST.search(before):
            weak_tool = True
        elif _ANALYTE_LIST.search(before):
            weak_analyte = True
    if strong_tool:
        return "tool"
    if strong_analyte:
        return "analyte"
    return "tool" if weak_tool else "analyte" if weak_analyte else ""


# an outcome description that says what the instrument of its title is for: "For assessing
# health-related quality of life in children", "A 10-item questionnaire that measures ..."
_DESCRIBES_TOOL = LazyPattern(
    r"^[ \t\"'•*-]*(?:(?:for|to|used[ \t]+to|designed[ \t]+to|intended[ \t]+to)[ \t]+"
    r"(?:assess|measur|evaluat|quantif|screen|rate|grade|captur)[a-z]*"
    r"|(?:a|an|the|this)[ \t]+(?:[A-Za-z0-9-]+[ \t]+){0,6}(?:questionnaire|scale|instrument|"
    r"index|inventory|tool|test|survey|checklist|measure)[ \t]+(?:for|that|which|to|measuring|"
    r"assessing|evaluating|designed|developed|used|consisting|comprising|with))",
    re.IGNORECASE,
)


def _quoted(text: str, start: int, end: int) -> bool:
    """Is text[start:end] inside a short quotation on its line (a name: an arm, a programme)?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:start]
    for q_open, q_close in (('"', '"'), ("“", "”")):
        opened = before.rfind(q_open)
        if opened < 0 or (q_open == q_close and before.count(q_open) % 2 == 0):
            continue
        if q_open != q_close and before.rfind(q_close) > opened:
            continue
        closed = text.find(q_close, end, line_end)
        if closed >= 0 and closed - (line_start + opened) < 120:
            return True
    return False


def _written_as_word(token: str, text: str) -> bool:
    """A word written in capitals ("MIGRAINE", "CAncer") that the record also writes in lower
    case: an English word, not an abbreviation."""
    letters = _letters(token)
    if len(letters) < 3 or len(letters) != len(token.replace("-", "")):
        return False
    word = token.lower()
    return re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text) is not None


def _abbr_prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records with an outcome title that has a word with two capitals (RE2, vectorized)."""
    oc = rs.outcomes
    fields = params.get("fields", ["measure"])
    hit = np.zeros(len(oc), dtype=bool)
    for col in fields:
        hit |= _prefilter(oc[col], r"[A-Z][A-Za-z0-9]*[A-Z]", True)
    return _records_mask(rs, oc["record_id"][hit])


def _records_mask(rs: RecordSet, ids: pd.Series) -> np.ndarray:
    """A mask over ``rs.studies`` rows: the records whose id is in ``ids`` (pyarrow is_in)."""
    if not len(ids):
        return np.zeros(len(rs.studies), dtype=bool)
    return _mask(
        pc.is_in(
            pa.array(rs.studies["record_id"].astype("str")),
            value_set=pa.array(pd.unique(ids.astype("str")), type=pa.string()),
        )
    )


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
    of the record spells it out (see :func:`_expanded`) or explains it ("X is a ..."), and the
    record does not use it as the symbol of a molecule, gene or cell marker (see :func:`_role`),
    as a product name (® or ™), a chemical formula ("HCl") or an ordinary word in capitals.
    One finding per record names every unexpanded abbreviation of its outcome titles."""
    oc = _rows(rs.outcomes, params)
    required = params.get("requires_fields", [])
    if required and not oc.empty:
        oc = oc[isin(oc["record_id"], _carrying(rs.studies, required))]
    if oc.empty:
        return kind_frame([])
    fields = params.get("fields", ["measure"])
    known = {k.lower() for k in params.get("known", [])}
    common = _COMMON_CAPS | {w.lower() for w in params.get("common_words", [])}
    excl = [compiled(x) for x in _as_list(params.get("exclude_tokens"))]
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
                if (rid, tok) in seen or _is_known(tok, known) or tok.lower() in common:
                    continue
                parts = tok.split("-")
                if not any(_PART_CAPS.fullmatch(p) for p in parts):
                    continue
                if not any(_PART_CAPS.fullmatch(p) and not _is_known(p, known) for p in parts):
                    continue  # "HIV-1", "IgE-specific": a known abbreviation
                if _CAMEL_NAME.fullmatch(tok.split("-")[0]) or _CAPS_WORD.fullmatch(tok):
                    continue
                if _formula(tok) or any(x.fullmatch(tok) for x in excl):
                    continue
                seen.add((rid, tok))
                cand_rows.append((rid, kind, int(pos), col, tok, start, start + len(tok)))
    if not cand_rows:
        return kind_frame([])
    record_text = _record_texts(rs, {r[0] for r in cand_rows})
    acronyms = dict(zip(rs.studies["record_id"], rs.studies["acronym"], strict=True))
    names = _intervention_names(rs, {r[0] for r in cand_rows})
    described = {
        (rid, kind, int(pos))
        for rid, kind, pos, d in zip(
            oc["record_id"], oc["kind"], oc["position"], oc["description"], strict=True
        )
        if isinstance(d, str) and _DESCRIBES_TOOL.match(d)
    }
    found: dict[str, list[tuple[str, int, str, str, int, int]]] = {}
    for rid, kind, pos, col, tok, start, end in cand_rows:
        if (rid, kind, pos) in described:
            continue  # the outcome's description says what its instrument measures
        acronym = acronyms.get(rid)
        if isinstance(acronym, str) and tok.upper() in re.split(r"[^A-Z0-9]+", acronym.upper()):
            continue  # the study's own acronym: a name
        if tok.lower() in names.get(rid, ""):
            continue  # part of an intervention's name ("UTAA06 injection"): a product name
        text = record_text.get(rid, "")
        if _expanded(tok, text) or _written_as_word(tok, text):
            continue
        if _role(tok, text) in ("analyte", "defined", "brand"):
            continue
        found.setdefault(rid, []).append((kind, pos, col, tok, start, end))
    rows: list[dict[str, Any]] = []
    for rid, hits in found.items():
        kind, pos, col, tok, start, end = hits[0]
        msg = message.format(label=_label(kind, pos), abbr=tok)
        if len(hits) > 1:
            others = [f"'{h[3]}' ({_label(h[0], h[1]).lower()})" for h in hits[1:]]
            shown = ", ".join(others[:5]) + (
                f" and {len(others) - 5} more" if len(others) > 5 else ""
            )
            msg += f"; also {shown}"
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
    iv = iv[isin(iv["record_id"], ids)]
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
    t = t[isin(t["record_id"], ids)]
    parts = [t[["record_id", "text"]]]
    terms = rs.terms
    if len(terms):
        tt = terms[isin(terms["record_id"], ids)]
        parts.append(pd.DataFrame({"record_id": tt["record_id"], "text": tt["term"]}))
    iv = rs.interventions
    if len(iv):
        ivs = iv[isin(iv["record_id"], ids) & iv["other_names"].notna()]
        parts.append(pd.DataFrame({"record_id": ivs["record_id"], "text": ivs["other_names"]}))
    allt = pd.concat(parts, ignore_index=True).dropna()
    joined: dict[str, list[str]] = {}
    for rid, text in zip(allt["record_id"], allt["text"], strict=True):
        joined.setdefault(rid, []).append(text)
    return {rid: "\n".join(texts) for rid, texts in joined.items()}


KINDS = (
    FunctionKind("outcome_pattern", run_pattern, validate_pattern, prefilter_pattern),
    FunctionKind("outcome_abbreviation", run_abbreviation, validate_abbreviation, _abbr_prefilter),
)
