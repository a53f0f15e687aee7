"""Kind `endpoint_coverage`: an endpoint the narrative names in an endpoint or objective
statement that no registered outcome measure measures.

Flow, per chunk:

1. Records the rule can judge: at least one registered outcome measure, from an input that
   carries all outcome kinds. The vectorized prefilter (``prefilter``, RE2 over the narrative
   fields) keeps those whose ``fields`` hold endpoint-statement wording (``statement_words``,
   a superset of every heading word and cue below); ``run`` reads only those fields.
2. Endpoint statements: lines under an endpoint, objective, aim or hypothesis heading
   ("Secondary endpoint:", "PRIMARY OBJECTIVES:") up to the next unrelated heading; sentences
   with an inline cue ("the primary endpoint is", "the aim of this study is to", "this study
   will evaluate"); sentences with a weak cue ("... to assess X", "X was used to assess Y") or
   a passive one ("X and Y will be assessed": what comes before it). Background ("has been
   shown", "previous studies", "median OS of 3 months", "51 of the 56 patients") and
   procedure ("patients receive", "blood samples are collected", "as per standard of care",
   "patients will be evaluated every 8 weeks") are no statements. An endpoint list ("Secondary
   outcomes include", a heading naming endpoints or outcomes) is *explicit*; weak and passive
   statements are *weak*: only named things (an instrument, a code, a synonym class) count.
3. The vocabulary (``endpoints``): each mention (ORR, "disease control rate") resolves to an
   endpoint; the record's own expansion of an abbreviation wins ("asthma exacerbations (AEs)"
   is not adverse events); an unexpanded abbreviation or a name counts only when the record
   fits the endpoint's ``context``; a generic one (quality of life, adverse events:
   ``explicit_only``) only in an explicit list. Covered when the outcomes match its
   ``covered_by``, or contain the record's expansion, or the instrument named after it.
4. Open items, for everything else: what a statement says is measured. After each measuring
   verb ("Determine the X, Y and Z", "and explore the W"), past pivots ("the effect of A on X",
   "whether A reduces X", "in terms of X", "the relationship between X and Y"), up to where the
   phrase ends (the population, the treatment, time, comparison: ``item_stop``; "the
   pharmacokinetics of drug X": the treatment), split into items (``item_split``), each
   reduced to its head ("the rate of X": X; "the efficacy of X": a generic aim, no item).
   An item counts only when it is a typed endpoint phrase (``typed_kind``): a named instrument,
   a code, a synonym class of ``typed_classes``, a PK/PD parameter, an analyte, a molecular
   measure, an event, a response, a graded toxicity, or (outside weak statements) a measure
   frame around something specific; never generic, the condition, the treatment, a method, a
   covariate list, a tool's purpose or a monitoring aim.
5. An item is covered when one registered outcome (measure, description, time frame) carries
   its key words: stemmed, fuzzy (rapidfuzz), synonym classes (``synonyms``: named in both, or
   implied in the outcome: Cmax implies pharmacokinetics, the SF-36 quality of life),
   abbreviations both ways (the record's own, ``abbreviations``, initials), word families (a
   noun and its verb or adjective: ``family_endings``), or, unless the item is a named
   instrument, some of them (a partial overlap is no clear gap); or when an alternative of it
   is covered (its abbreviation, its instrument, its class). A member listed after a whole
   ("complications (i.e., thrombosis)", "mediators of inflammation (e.g., C5a, IL-8)") is
   covered by the outcome that measures the whole by its own words (never a category such as
   "cytokines", a generic aim, or a named instrument member).

One finding per record and missing endpoint, at its first mention (fields in ``fields`` order);
the message names the endpoint, where it was named and the outcomes registered.

Params. Every pattern is a Python regex, or a list of alternatives; ``names`` and
``statement_words`` also run in RE2 (the prefilter), so keep them to plain alternations.

- ``fields``: study columns to read (default: brief_summary, detailed_description).
- ``endpoints``: list of {key, name, abbreviations, names, covered_by, context?,
  explicit_only?}: ``names`` in lower case (matched case-insensitively from a word start; a
  space matches any run of whitespace); ``covered_by`` case-insensitive over outcome text (the
  abbreviation as a token always covers); ``context`` a regex or the name of one in
  ``contexts``; ``explicit_only``: counts only in an explicit endpoint list.
- ``contexts``: named regexes an endpoint's ``context`` may refer to.
- ``statement_words``: prefilter for endpoint-statement wording (case-insensitive, RE2).
- ``heading_words``, ``heading_qualifiers``, ``keep_scope_labels``, ``scope_lines``: headings
  and their scope.
- ``cues``, ``cues_weak``, ``cues_before``: what makes a sentence an endpoint statement.
- ``background``, ``procedural``: what makes a sentence no endpoint statement.
- ``not_after``, ``qualifiers``: vocabulary mentions that are no measured endpoint.
- ``item_lead``, ``item_lead_start``, ``item_verbs``, ``item_pivot``, ``item_instrument``,
  ``item_stop``, ``item_split``, ``item_junk``, ``item_max_words``: the grammar of open items.
- ``ignore_words``, ``frame_words``, ``generic_words``, ``generic_classes``, ``measure_heads``,
  ``nonmeasure_heads``, ``methods``, ``not_instruments``: the lexicon of items.
- ``synonyms``: list of {key, names?, implied_by?, covers?}: synonym classes (one without
  ``names`` is read in outcomes only: what implies it there covers the items it ``covers``).
- ``family_endings``: derivational endings of a stem that make one word family in coverage.
- ``abbreviations``: a general vocabulary of endpoint abbreviations (ABBR: expansion).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, isin
from .base import FunctionKind, require_keys
from .literal_gate import AnyOf, FirstOf, Gated, fold, folded, required_literals
from .patterns import LazyPattern

_ALLOWED = {
    "fields",
    "endpoints",
    "contexts",
    "statement_words",
    "heading_words",
    "heading_qualifiers",
    "keep_scope_labels",
    "cues",
    "cues_before",
    "cues_weak",
    "not_after",
    "background",
    "procedural",
    "qualifiers",
    "scope_lines",
    "item_lead",
    "item_lead_start",
    "item_verbs",
    "item_pivot",
    "item_instrument",
    "item_stop",
    "item_split",
    "item_max_words",
    "ignore_words",
    "generic_words",
    "generic_classes",
    "synonyms",
    "abbreviations",
    "not_instruments",
    "item_junk",
    "methods",
    "frame_words",
    "measure_heads",
    "nonmeasure_heads",
    "typed_classes",
    "weak_kinds",
    "instrument_nouns",
    "pk",
    "analytes",
    "molecular",
    "events",
    "response",
    "graded",
    "strong_frames",
    "category_words",
    "family_endings",
}
_REQUIRED = {
    "endpoints",
    "statement_words",
    "heading_words",
    "heading_qualifiers",
    "cues",
    "background",
}
_ENDPOINT_KEYS = {"key", "name", "abbreviations", "names", "covered_by", "context", "explicit_only"}
_DEFAULT_FIELDS = ("brief_summary", "detailed_description")
_REGISTERED_KINDS = ("primary", "secondary", "other")  # what an input must carry all of
_STOPWORDS = frozenset(
    (
        *("a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or"),
        *("per", "the", "to", "with", "without", "within"),
        *("rate", "rates", "number", "incidence", "proportion", "time"),
    )
)
# "(ABBR)" or "[ABBR]" (markdown-escaped or not), possibly "(ABBR; ..." / "(ABBR, ..."
_PAREN_OPEN = r"\\?[(\[]\s*"
_PAREN_CLOSE = r"\s*(?:\\?[)\]]|[;,])"
_BULLET = LazyPattern(r"^(?:[-*•·▪◦‣>]+|\(?[0-9]{1,2}[.)]|\(?[ivxIVX]{1,5}[.)]|\(?[a-hA-H][.)])\s*")
_SENTENCE_END = LazyPattern(r"(?<=[.!?])\s+(?=\S)|(?<=。)")


@dataclass(frozen=True)
class Endpoint:
    key: str
    name: str
    abbreviations: tuple[str, ...]
    names: re.Pattern[str]
    covered_by: re.Pattern[str]
    context: re.Pattern[str] | None
    explicit_only: bool = False  # generic on its own ("quality of life"): only in endpoint lists


@dataclass(frozen=True)
class Config:
    fields: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    by_abbr: dict[str, Endpoint]
    abbr_re: re.Pattern[str]  # any vocabulary abbreviation as a token (case-sensitive)
    names_re: re.Pattern[str]  # any vocabulary name (case-insensitive), group per endpoint
    names_lower: FirstOf  # the same, case-sensitive, for lower-cased text
    name_groups: tuple[str, ...]  # group name -> endpoint key, by position
    prefilter_mention: str  # RE2
    prefilter_statement: str  # RE2
    heading_colon: re.Pattern[str]
    heading_bare: re.Pattern[str]
    inline_label: re.Pattern[str]
    generic_label: re.Pattern[str]
    keep_scope: re.Pattern[str]
    cues: re.Pattern[str]
    cues_before: Gated
    cues_weak: re.Pattern[str]
    not_after: re.Pattern[str]
    background: re.Pattern[str]
    procedural: re.Pattern[str]
    # the same, for a sentence: whether one matches (each alternative behind its literal gate)
    cues_any: AnyOf
    cues_weak_any: AnyOf
    background_any: AnyOf
    procedural_any: AnyOf
    explicit: re.Pattern[str]  # a heading that lists endpoints
    explicit_cue: Gated  # a sentence that lists endpoints
    qualifiers: re.Pattern[str]
    scope_lines: int
    lex: Lexicon


@dataclass(frozen=True)
class Statement:
    start: int
    end: int
    label: str  # the heading it sits under, or "" for an inline cue
    limit: int  # mentions count only when they start before this offset
    explicit: bool = False  # an endpoint list ("Secondary endpoints: ...", "outcomes include")
    weak: bool = False  # "X was measured", "X will be performed": only named things count


@dataclass(frozen=True)
class Meaning:
    key: str  # endpoint key, or "abbr:<ABBR>" for a record's own other meaning
    abbr: str
    expansion: str
    endpoint: Endpoint | None  # None for a record's own other meaning


# --- configuration ---------------------------------------------------------------------------


def _abbr_token(abbrs: list[str]) -> str:
    alts = "|".join(re.escape(a) for a in sorted(abbrs, key=len, reverse=True))
    return rf"(?<![A-Za-z0-9])(?:{alts})s?(?![A-Za-z0-9])"


def _pat(value: Any) -> str:
    """A pattern param: a regex string, or a list of alternatives."""
    if isinstance(value, list | tuple):
        return "|".join(f"(?:{v})" for v in value)
    return str(value)


def _flex_spaces(pattern: str) -> str:
    """A space outside a character class matches any run of whitespace (hard-wrapped text)."""
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            in_class = ch != "]"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == " ":
            out.append(r"\s+")
        else:
            out.append(ch)
    return "".join(out)


def _check_re2(pattern: str, what: str) -> None:
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except pa.ArrowInvalid as e:
        raise ValueError(
            f"{what}: not a pattern RE2 can run (keep it a plain alternation): {e}"
        ) from e


@functools.lru_cache(maxsize=16)
def _compile(frozen: str) -> Config:
    params: dict[str, Any] = json.loads(frozen)
    contexts = {k: _pat(v) for k, v in (params.get("contexts") or {}).items()}
    endpoints: list[Endpoint] = []
    for raw in params["endpoints"]:
        ctx = raw.get("context")
        ctx_pat = contexts.get(ctx, ctx) if isinstance(ctx, str) else (_pat(ctx) if ctx else None)
        abbrs = tuple(str(a) for a in raw.get("abbreviations") or ())
        cover = _pat(raw["covered_by"])
        if abbrs:  # the abbreviation itself, as a token, always covers
            cover = f"{cover}|(?-i:{_abbr_token(list(abbrs))})"
        endpoints.append(
            Endpoint(
                key=str(raw["key"]),
                name=str(raw["name"]),
                abbreviations=abbrs,
                names=re.compile(_flex_spaces(_pat(raw["names"])), re.I),
                covered_by=re.compile(cover, re.I),
                context=re.compile(ctx_pat, re.I) if ctx_pat else None,
                explicit_only=bool(raw.get("explicit_only")),
            )
        )
    by_abbr = {a: ep for ep in endpoints for a in ep.abbreviations}
    all_abbrs = list(by_abbr)
    groups = tuple(f"e{i}" for i in range(len(endpoints)))
    names_alts = "|".join(
        f"(?P<{g}>{ep.names.pattern})" for g, ep in zip(groups, endpoints, strict=True)
    )
    names_re = re.compile(f"(?<![A-Za-z0-9])(?:{names_alts})", re.I)
    # the same on lower-cased text (faster), endpoint by endpoint behind literal gates
    names_lower = FirstOf.around(
        [f"(?P<{g}>{ep.names.pattern})" for g, ep in zip(groups, endpoints, strict=True)],
        0,
        "(?<![a-z0-9])",
    )
    names_lower.parts()
    alts = "|".join(re.escape(a) for a in sorted(all_abbrs, key=len, reverse=True))
    prefilter_mention = (
        f"(?:^|[^A-Za-z0-9])(?:{alts})s?(?:$|[^A-Za-z0-9])|"
        + "(?i:"
        + "|".join(f"(?:{ep.names.pattern})" for ep in endpoints)
        + ")"
    )
    words = _pat(params["heading_words"])
    quals = _pat(params["heading_qualifiers"])
    # a heading line ending in a colon: "Secondary endpoints:", "The main questions it aims to answer are:"
    heading_colon = re.compile(
        rf"^[^A-Za-z]*(?:[A-Za-z/&()'-]+[ \t/]+){{0,8}}?(?:{words})[A-Za-z0-9() \t/&',-]{{0,50}}:[^A-Za-z]*$",
        re.I,
    )
    # a bare label line: "Study endpoint", "SECONDARY OBJECTIVES"
    heading_bare = re.compile(
        rf"^[^A-Za-z]*(?:(?:{quals})[ \t/-]+){{0,4}}(?:{words})(?:[ \t]*\(s\))?[^A-Za-z]*$", re.I
    )
    # a label opening a line with content after it: "Primary Endpoint: confirmed ORR ..."
    inline_label = re.compile(
        rf"^[^A-Za-z]*(?P<label>(?:[A-Za-z/&()'-]+[ \t/]+){{0,5}}?(?:{words})[A-Za-z() \t/-]{{0,30}}?)[ \t]*:[ \t]*(?=\S)",
        re.I,
    )
    return Config(
        fields=tuple(params.get("fields") or _DEFAULT_FIELDS),
        endpoints=tuple(endpoints),
        by_abbr=by_abbr,
        abbr_re=re.compile(_abbr_token(all_abbrs)),
        names_re=names_re,
        names_lower=names_lower,
        name_groups=groups,
        prefilter_mention=prefilter_mention,
        prefilter_statement="(?i)" + _pat(params["statement_words"]),
        heading_colon=heading_colon,
        heading_bare=heading_bare,
        inline_label=inline_label,
        generic_label=re.compile(r"^[^A-Za-z]*[A-Za-z][A-Za-z0-9 ,/&()'-]{1,60}:(?:[ \t]|$)"),
        keep_scope=re.compile(_pat(params.get("keep_scope_labels") or r"(?!x)x"), re.I),
        cues=re.compile(_pat(params["cues"]), re.I),
        cues_before=Gated(_pat(params.get("cues_before") or r"(?!x)x"), re.I),
        cues_weak=re.compile(_pat(params.get("cues_weak") or r"(?!x)x"), re.I),
        not_after=re.compile("(?:" + _pat(params.get("not_after") or r"(?!x)x") + r")\s*$", re.I),
        background=re.compile(_pat(params["background"]), re.I),
        procedural=re.compile(_pat(params.get("procedural") or r"(?!x)x"), re.I),
        cues_any=AnyOf(_pat(params["cues"]), re.I),
        cues_weak_any=AnyOf(_pat(params.get("cues_weak") or r"(?!x)x"), re.I),
        background_any=AnyOf(_pat(params["background"]), re.I),
        procedural_any=AnyOf(_pat(params.get("procedural") or r"(?!x)x"), re.I),
        explicit=re.compile(r"\b(?:end[- ]?points?|outcomes?|measures?|variables?)\b", re.I),
        explicit_cue=Gated(
            r"\b(?:end[- ]?points?|outcomes?(?:\s+(?:measures?|variables?))?|outcome\s+measures)\b"
            r"(?:\s+[a-z]+){0,3}?\s*(?:is|are|was|were|will\s+be|will\s+include|include[sd]?|"
            r"including|consist|comprise[sd]?|:)",
            re.I,
        ),
        qualifiers=re.compile(_pat(params.get("qualifiers") or r"(?!x)x") + r"$"),
        scope_lines=int(params.get("scope_lines", 25)),
        lex=compile_lexicon(params),
    )


def _config(params: dict[str, Any]) -> Config:
    return _compile(json.dumps(params, sort_keys=True, default=str))


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _ALLOWED, _REQUIRED)
    fields = params.get("fields") or list(_DEFAULT_FIELDS)
    bad = [f for f in fields if f not in STUDY_FIELD_PATHS]
    if bad:
        raise ValueError(f"unknown study field(s): {', '.join(bad)}")
    if not isinstance(params["endpoints"], list) or not params["endpoints"]:
        raise TypeError("endpoints must be a non-empty list")
    keys: set[str] = set()
    for ep in params["endpoints"]:
        if not isinstance(ep, dict):
            raise TypeError("each endpoint must be a mapping")
        require_keys(ep, _ENDPOINT_KEYS, {"key", "name", "names", "covered_by"})
        if ep["key"] in keys:
            raise ValueError(f"endpoint key '{ep['key']}' given twice")
        keys.add(ep["key"])
        _check_re2(_pat(ep["names"]), f"endpoint {ep['key']}: names")
        if re.search(r"[A-Z]", re.sub(r"\\.", "", _pat(ep["names"]))):
            raise ValueError(
                f"endpoint {ep['key']}: write names in lower case (they match case-insensitively)"
            )
        for k in ("names", "covered_by"):
            re.compile(_pat(ep[k]))
    for k in (
        "statement_words",
        "heading_words",
        "heading_qualifiers",
        "cues",
        "cues_before",
        "not_after",
        "background",
        "qualifiers",
        "keep_scope_labels",
    ):
        if params.get(k) is not None:
            re.compile(_pat(params[k]))
    _check_re2("(?i)" + _pat(params["statement_words"]), "statement_words")
    _config(params)


# --- endpoint statements ---------------------------------------------------------------------


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def _is_heading(body: str, cfg: Config) -> bool:
    return len(body) <= 160 and bool(cfg.heading_colon.match(body) or cfg.heading_bare.match(body))


def logical_lines(text: str, cfg: Config) -> list[tuple[int, int] | None]:
    """Spans of the text's lines (stripped), None for a blank line. Hard-wrapped paragraphs
    (a line of 55+ characters not ending a sentence, continued on the next line, as in
    the legacy XML's text blocks) are joined into one line."""
    out: list[tuple[int, int] | None] = []
    pos = 0
    prev_len = 0
    for raw in text.splitlines(keepends=True):
        ls = pos
        pos += len(raw)
        line = raw.rstrip("\r\n")
        body = line.strip()
        if not body:
            out.append(None)
            prev_len = 0
            continue
        ls += len(line) - len(line.lstrip())
        le = ls + len(body)
        cur = out[-1] if out else None
        if (
            cur is not None
            and prev_len >= 55
            and text[cur[1] - 1] not in ".:;!?。"
            and not _BULLET.match(body)
            and not _is_heading(" ".join(text[cur[0] : cur[1]].split()), cfg)
        ):
            out[-1] = (cur[0], le)
        else:
            out.append((ls, le))
        prev_len = len(body)
    return out


# every inline cue and cue_before holds one of these (a cheap test before the regexes)
_CUE_WORDS = (
    *("end point", "endpoint", "end-point", "objective", "outcome", "aim", "purpose", "goal"),
    *("question", "study", "trial", "measure", "variable", "parameter", "assessment"),
    *("evaluation", "used to", "to ", "will ", "was ", "were ", "is ", "are ", "analys", "analyz"),
)
_CONTEXT_LABEL = LazyPattern(
    r"\b(?:background|context|rationale|introduction|overview|significance|justification)\b", re.I
)
_FUTURE = LazyPattern(r"\s*(?:will|would|shall|to|can|may)\b", re.I)
_STATS_COMPARE = Gated(
    r"\b(?:used|performed|done|applied)\s+to\s+(?:compare|analy[sz]e|assess|evaluate)\s+(?:the\s+)?"
    r"(?:incidences?|instances?|rates?|frequenc(?:y|ies)|proportions?|occurrences?|numbers?)\s+of\b",
    re.I,
)
_STATS_TEST = LazyPattern(
    r"\b(?:chi-?squared?|fisher'?s?\s+exact|t-?tests?|anova|ancova|mann-whitney|wilcoxon|"
    r"kaplan-meier|log-?rank|(?:logistic\s+|linear\s+|cox\s+)?regression)(?:\s+(?:analys[ie]s|tests?))?\b",
    re.I,
)
# "Efficacy will be analyzed by ORR, symptom control and QoL": what defines a generic aim is
# the list of its endpoints (not safety: "safety will be assessed by AEs" is monitoring);
# every match holds a `statement_words` phrase ("be assessed", "is evaluated"): the prefilter
_SAFETY_DEFINED = Gated(
    r"\b(?:safety|tolerability|toxicity)\s+(?:will|shall|is|are|was|were)\s+(?:be\s+)?"
    r"(?:assessed|evaluated|measured|monitored|analy[sz]ed|determined)\s+(?:by|with|through|using|via)\b",
    re.I,
)
_AIM_DEFINED = Gated(
    r"\b(?:efficacy|effectiveness|(?:clinical|anti-?tumou?r)\s+(?:activity|benefit))\s+"
    r"(?:will|shall|is|are|was|were)\s+(?:be\s+)?"
    r"(?:assessed|evaluated|measured|analy[sz]ed|determined)\s+"
    r"(?:by|with|through|using|via|in\s+terms\s+of|as)\b",
    re.I,
)
_PROCEDURE_VERB = LazyPattern(
    r"(?:\s*\S+){0,3}?\s*\b(?:performed|done|conducted|carried out)\b", re.I
)


def endpoint_statements(text: str, cfg: Config, only: list[int] | None = None) -> list[Statement]:
    """The spans of ``text`` that are endpoint or objective statements (background dropped).

    A heading's scope runs over the lines after it until an unrelated heading or label, a
    plain paragraph after a blank line once the scope has content, or ``scope_lines`` lines.
    ``only``: sorted offsets (mentions); sentences that hold none of them are not examined.
    """
    out: list[Statement] = []
    label = ""
    left = 0
    consumed = gap = False
    ftext: str | None = None  # fold(text), once needed
    for span in logical_lines(text, cfg):
        if span is None:
            gap = gap or consumed
            continue
        ls, le = span
        body = " ".join(text[ls:le].split())
        bulleted = bool(_BULLET.match(body))
        content_start = ls
        if _is_heading(body, cfg):
            label, left, consumed, gap = body, cfg.scope_lines, False, False
            if _CONTEXT_LABEL.search(body):
                label = ""  # "Context and Objectives:": background first, cues decide
            continue
        m = cfg.inline_label.match(body)
        if m:
            label, left, consumed, gap = (
                m.group("label").strip() + ":",
                cfg.scope_lines,
                False,
                False,
            )
            content_start = text.index(":", ls) + 1
            if _CONTEXT_LABEL.search(label):
                label = ""
        elif label and (
            (not bulleted and cfg.generic_label.match(body) and not cfg.keep_scope.search(body))
            or (consumed and gap and not bulleted and not cfg.keep_scope.search(body))
        ):
            label = ""
        sentences = _sentences(text, content_start, le)
        for s, e in sentences:
            if only is not None:
                i = bisect.bisect_left(only, s)
                if i == len(only) or only[i] >= e:
                    continue
            sent = " ".join(text[s:e].split())
            m_before = None
            weak_cue = False
            if not label:
                low = sent.lower()
                if not any(w in low for w in _CUE_WORDS):
                    continue  # no cue can match: not an endpoint statement
                f = low if sent.isascii() else fold(sent)
                if not cfg.cues_any.search(sent, f) and not _AIM_DEFINED.search(sent, folded=f):
                    ftext = fold(text) if ftext is None else ftext
                    m_before = cfg.cues_before.search(text, s, e, folded=ftext)
                    if m_before is None:
                        if not cfg.cues_weak_any.search(sent, f):
                            continue
                        weak_cue = True
            else:
                f = fold(sent)
            if cfg.background_any.search(sent, f):
                continue
            proc = cfg.procedural_any.search(sent, f)
            if proc and _STATS_COMPARE.search(sent, folded=f):
                # "Chi-square analysis will be used to compare the incidence of X, Y and Z":
                # the test names the method, the outcomes compared are the endpoints
                proc = cfg.procedural_any.search(_STATS_TEST.sub(" ", sent))
            if proc:
                continue
            explicit = bool(
                (label and cfg.explicit.search(label))
                or cfg.explicit_cue.search(sent, folded=f)
                or _IS_ENDPOINT.search(sent, folded=f)
                or (
                    _AIM_DEFINED.search(sent, folded=f)
                    and not _SAFETY_DEFINED.search(sent, folded=f)
                )
            )
            if m_before is None:
                out.append(Statement(s, e, label, e, explicit, weak_cue))
            else:
                out.append(Statement(s, e, "", m_before.start(), explicit, not explicit))
        if label:
            consumed = True
            left -= 1
            if left <= 0:
                label = ""
        # "... The main questions it aims to answer are:" closing a paragraph opens a scope too
        last = " ".join(text[sentences[-1][0] : sentences[-1][1]].split()) if sentences else ""
        if last.endswith(":") and _is_heading(last, cfg):
            label, left, consumed, gap = last, cfg.scope_lines, False, False
    return out


# --- meanings of abbreviations ---------------------------------------------------------------


def _schwartz_hearst(short: str, window: str) -> str | None:
    """The long form of ``short`` at the end of ``window`` (Schwartz & Hearst 2003)."""
    s = len(short) - 1
    i = len(window) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while (i >= 0 and window[i].lower() != c) or (s == 0 and i > 0 and window[i - 1].isalnum()):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = max(window.rfind(" ", 0, i + 1), window.rfind("\n", 0, i + 1)) + 1
    return window[start:].strip()


def _initials_fit(short: str, long: str) -> bool:
    """Every letter of ``short`` starts a word of ``long``, in order, the first the first."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", long) if w]
    letters = [c.lower() for c in short if c.isalnum()]
    if not words or not letters or words[0][0].lower() != letters[0]:
        return False
    j = 0
    for w in words:
        if j < len(letters) and w[0].lower() == letters[j]:
            j += 1
    return j == len(letters) and len(words) <= len(letters) + 3


def _singular(abbr: str) -> str:
    return abbr[:-1] if len(abbr) > 2 and abbr.endswith("s") and abbr[-2].isupper() else abbr


def record_meanings(text: str, cfg: Config) -> dict[str, Meaning | None]:
    """abbreviation -> its meaning in this record, from the record's own definitions.

    Absent: no definition (the vocabulary's meaning applies if the context fits). None: the
    record defines it in a way we cannot read (the abbreviation is left alone).
    """
    found: dict[str, Meaning | None] = {}
    for abbr, ep in cfg.by_abbr.items():
        if abbr not in text:
            continue
        tok = re.escape(abbr) + "s?"
        known = False
        known_long = ep.name
        other: Meaning | None = None
        unreadable = False
        # long form first: "adverse events (AEs)"
        surface = abbr
        for m in re.finditer(_PAREN_OPEN + "(?P<abbr>" + tok + ")" + _PAREN_CLOSE, text):
            surface = m.group("abbr")
            window_words = text[max(0, m.start() - 160) : m.start()].rstrip().split()
            window = " ".join(window_words[-(len(abbr) + 4) :]).strip(" ,;:")
            long = _schwartz_hearst(_singular(abbr), window)
            if (long and ep.names.search(long)) or (long is None and ep.names.search(window)):
                known = True
                known_long = " ".join(long.split()) if long else ep.name
                break
            if long and _initials_fit(_singular(abbr), long) and not re.search(r"[,;:]", long):
                other = other or Meaning(f"abbr:{abbr}", surface, long, None)
            elif long:  # "advancements, electroacupuncture (AE)": defined, but not readably
                unreadable = True
        if not known:
            # short form first: "PFS (progression free survival)"
            long_part = r"\s*(?P<long>[A-Za-z][^()\[\]\n]{3,80}?)\s*\\?[)\]]"
            short_first = (  # "PFS (progression free survival)", "(PFS, progression-free survival)"
                r"(?<![A-Za-z0-9])(?P<abbr>" + tok + r")\s*\\?[(\[]" + long_part,
                r"[(\[]\s*(?P<abbr>" + tok + r")\s*[,;:]" + long_part,
            )
            for m in (m for pat in short_first for m in re.finditer(pat, text)):
                long = m.group("long").strip()
                surface = m.group("abbr")
                if ep.names.search(long):
                    known = True
                    known_long = " ".join(long.split())
                    break
                if _initials_fit(_singular(abbr), long):
                    other = other or Meaning(f"abbr:{abbr}", surface, long, None)
        if known:
            found[abbr] = Meaning(ep.key, surface, known_long, ep)
        elif other is not None:
            found[abbr] = other
        elif unreadable:
            found[abbr] = None
    return found


# --- coverage --------------------------------------------------------------------------------


def _content_stems(phrase: str) -> list[str]:
    words = [w.lower() for w in re.split(r"[^A-Za-z]+", phrase) if len(w) >= 3]
    return [w[:6] for w in words if w not in _STOPWORDS]


def _mentions_all(text: str, phrase: str) -> bool:
    stems = _content_stems(phrase)
    low = text.lower()
    return bool(stems) and all(re.search(r"(?<![a-z])" + re.escape(s), low) for s in stems)


def covered(meaning: Meaning, outcome_text: str) -> bool:
    if meaning.endpoint is not None:
        return bool(meaning.endpoint.covered_by.search(outcome_text))
    if re.search(
        r"(?<![A-Za-z0-9])" + re.escape(_singular(meaning.abbr)) + r"s?(?![A-Za-z0-9])",
        outcome_text,
    ):
        return True
    return _mentions_all(outcome_text, meaning.expansion)


# --- open items: what an endpoint statement says is measured --------------------------------
#
# Beyond the vocabulary: an endpoint statement names what the study measures ("Determine the
# pharmacokinetics of carboplatin", "Secondary outcomes will include fatigue, depression and
# anxiety", "QoL will be assessed by the SF-36"). Its items are the noun phrases of the
# measured thing; an item counts when it names something specific (not "the safety and
# efficacy") and is covered when some registered outcome carries each of its content words
# (stemmed, fuzzy, synonyms and abbreviations resolved both ways).

_WORD = LazyPattern(r"[a-z0-9]+")
_CODE_HYPHEN = LazyPattern(r"(?<![a-z0-9])([a-z]{1,6})[-_]?(\d{1,3}[a-z]?)(?![a-z0-9])")
_CODE_SPACE = LazyPattern(r"(?<![A-Za-z0-9])([A-Z]{2,6})[ -](\d{1,3}[A-Z]?)(?![A-Za-z0-9])")
_SUFFIXES = (
    *("ically", "ical", "ities", "ity", "isms", "ism", "ions", "ion", "ings", "ing"),
    *("ies", "es", "ed", "ic", "al", "s", "e"),
)
_PAREN = LazyPattern(r"\s*\\?[(\[][^()\[\]]*\\?[)\]]")
_ABBR_WORD = LazyPattern(
    r"(?<![A-Za-z0-9-])(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z0-9])[A-Za-z][A-Za-z0-9-]{1,11}(?![A-Za-z0-9])"
)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light stemmer: enough to make "toxicity"/"toxicities", "pathologic"/"pathological",
    "response"/"responses" one form."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for _ in range(2):
        for suf in _SUFFIXES:
            if word.endswith(suf) and len(word) - len(suf) >= 4:
                word = word[: -len(suf)] + ("y" if suf == "ies" else "")
                break
        else:
            break
    return word


@functools.lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """Lower case, codes joined ("SF-36" -> "sf36"), hyphens between words spaces, plural
    abbreviations singular ("PKs" -> "pk"). Cached: an outcome's text is normalised for its
    key tokens, its own words and its codes."""
    text = _PLURAL_CODE.sub(r"\1", text)
    if _HAS_DIGIT.search(text):
        low = _CODE_HYPHEN.sub(r"\1\2", _CODE_SPACE.sub(r"\1\2", text).lower())
    else:
        low = text.lower()
    low = _WORD_HYPHEN.sub(" ", low) if "-" in low else low
    return _INTERLEUKIN.sub(r"il\1", low) if "interleukin" in low else low


_PLURAL_CODE = LazyPattern(r"(?<![A-Za-z0-9])([A-Z][A-Z0-9]+)s(?![A-Za-z0-9])")
_WORD_HYPHEN = LazyPattern(r"(?<=[a-z])-(?=[a-z])")
_INTERLEUKIN = LazyPattern(r"\binterleukin[\s-]*(\d+[a-z]?)\b")  # "interleukin 6" is "IL-6"


_HAS_DIGIT = LazyPattern(r"[0-9]")


def words(text: str) -> list[str]:
    """Lower-cased word tokens; instrument codes joined ("SF-36", "SF 36" -> "sf36")."""
    return _WORD.findall(_normalised(text))


@dataclass(frozen=True)
class Lexicon:
    ignore: frozenset[str]  # stems that say nothing about what is measured
    generic: frozenset[str]  # stems and classes of aims with no specific measure
    names: re.Pattern[str]  # a synonym class named (both sides), one group per class
    names_literals: tuple[str, ...] | None  # one of these is in every match (a literal gate)
    implied: tuple[tuple[str, re.Pattern[str]], ...]  # what implies a class (Cmax -> PK)
    any_implied: re.Pattern[str]  # any of them
    covered_as: tuple[tuple[str, re.Pattern[str]], ...]  # items an outcome of a class covers
    synonym_keys: tuple[str, ...]
    abbreviations: dict[str, str]  # a general vocabulary: normalised ABBR -> expansion
    lead: FirstOf  # what introduces the measured thing
    lead_start: re.Pattern[str]  # the same at the start of a statement
    stop: re.Pattern[str]  # where an item phrase ends
    split: re.Pattern[str]  # between items
    pivot: Gated  # "the effect of X on" / "in terms of": what follows counts
    instrument: re.Pattern[str]  # "as measured by" / "using": both sides count
    not_instrument: re.Pattern[str]  # criteria sets and imaging modalities
    methods: re.Pattern[str]  # laboratory and imaging methods: no endpoint of their own
    junk: re.Pattern[str]  # phrases that are no measured thing ("the ability to fight")
    frame: frozenset[str]  # words that frame a measure ("rate of", "levels", "score")
    measure_heads: frozenset[str]  # nouns that name a measured thing ("survival", "function")
    nonmeasure: frozenset[str]  # nouns that name no measured thing ("therapy", "patients")
    max_words: int
    typed_classes: frozenset[str]  # synonym classes ("~pk") that name a specific measure
    weak_kinds: frozenset[str]  # the kinds that count in a weak statement
    instrument_noun: re.Pattern[str]  # "Scale", "Index", "Questionnaire" ending a name
    typed: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, pattern): pk, analyte, event, ...
    strong_frame: re.Pattern[str]  # "the rate of X", "X levels"
    category: frozenset[str]  # stems that name only a category ("cytokines", "complications")
    vocab_codes: frozenset[str]  # the vocabulary's abbreviations, normalised ("orr")
    family: re.Pattern[str]  # a derivational ending of a stem: "requirement" / "required"
    outcome_only: frozenset[str]  # classes without names: read in outcomes, never items
    cache: dict[str, tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    keys_cache: dict[str, frozenset[str]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    implied_cache: dict[str, frozenset[str]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )


def _class_alternation(syn: list[dict[str, Any]], key: str) -> re.Pattern[str]:
    alts = (
        "|".join(f"(?P<s{i}>{_pat(s[key])})" for i, s in enumerate(syn) if s.get(key)) or r"(?!x)x"
    )
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")


def _gated(pattern: str, flags: int) -> Gated:
    found = Gated(pattern, flags)
    found.compiled()  # compiled now: a bad pattern fails when the rule loads
    return found


def _first_of(pattern: str, flags: int) -> FirstOf:
    found = FirstOf(pattern, flags)
    found.parts()  # compiled now: a bad pattern fails when the rule loads
    return found


def compile_lexicon(params: dict[str, Any]) -> Lexicon:
    def stems(key: str) -> frozenset[str]:
        return frozenset(stem(w) for w in words(" ".join(params.get(key) or ())))

    syn = list(params.get("synonyms") or [])
    verbs = _pat(params["item_verbs"])
    keys = tuple(f"~{s['key']}" for s in syn)
    names = _class_alternation(syn, "names")
    generic = stems("generic_words") | {f"~{k}" for k in params.get("generic_classes") or ()}
    return Lexicon(
        ignore=stems("ignore_words") | stems("frame_words"),
        frame=stems("frame_words"),
        measure_heads=stems("measure_heads"),
        nonmeasure=stems("nonmeasure_heads"),
        generic=generic,
        names=names,
        names_literals=required_literals(names.pattern, names.flags),
        covered_as=tuple(
            (f"~{c['key']}", re.compile(rf"(?<![a-z0-9])(?:{_pat(c['covers'])})(?![a-z0-9])"))
            for c in syn
            if c.get("covers")
        ),
        implied=tuple(
            (f"~{c['key']}", re.compile(f"(?:{_pat(c['implied_by'])})"))
            for c in syn
            if c.get("implied_by")
        ),
        any_implied=re.compile(
            r"(?<![a-z0-9])(?:"
            + "|".join(f"(?:{_pat(c['implied_by'])})" for c in syn if c.get("implied_by"))
            + r")(?![a-z0-9])"
            if any(c.get("implied_by") for c in syn)
            else r"(?!x)x"
        ),
        synonym_keys=keys,
        abbreviations={
            _norm_code(str(k)): str(v) for k, v in (params.get("abbreviations") or {}).items()
        },
        lead=_first_of(_pat(params["item_lead"]).replace("{verbs}", verbs), re.I),
        lead_start=re.compile(_pat(params["item_lead_start"]).replace("{verbs}", verbs), re.I),
        stop=re.compile(_pat(params["item_stop"]), re.I),
        split=re.compile(_pat(params["item_split"]), re.I),
        pivot=_gated(_pat(params["item_pivot"]), re.I),
        instrument=re.compile(_pat(params["item_instrument"]), re.I),
        junk=re.compile(_pat(params.get("item_junk") or r"(?!x)x"), re.I),
        methods=re.compile(_pat(params.get("methods") or r"(?!x)x"), re.I),
        not_instrument=re.compile(_pat(params.get("not_instruments") or r"(?!x)x"), re.I),
        max_words=int(params.get("item_max_words", 9)),
        typed_classes=frozenset(f"~{k}" for k in params.get("typed_classes") or ()),
        weak_kinds=frozenset(params.get("weak_kinds") or ("instrument", "code", "class")),
        instrument_noun=re.compile(rf"\b(?:{_pat(params.get('instrument_nouns') or r'(?!x)x')})\b"),
        typed=tuple(
            (kind, re.compile(_pat(params[kind]), re.I))
            for kind in ("pk", "analytes", "molecular", "events", "response", "graded")
            if params.get(kind)
        ),
        strong_frame=re.compile(_pat(params.get("strong_frames") or r"(?!x)x"), re.I),
        category=stems("category_words") | frozenset({"~marker"}),
        vocab_codes=frozenset(
            _norm_code(str(a)) for ep in params["endpoints"] for a in ep.get("abbreviations") or ()
        ),
        family=re.compile(f"(?:{_pat(params.get('family_endings') or r'(?!x)x')})$"),
        outcome_only=frozenset(f"~{c['key']}" for c in syn if not c.get("names")),
    )


def key_tokens(phrase: str, lex: Lexicon) -> frozenset[str]:
    """What a phrase measures: the synonym classes it names (as "~key") and the stems of its
    other words, minus words that say nothing about what is measured."""
    got = lex.keys_cache.get(phrase)
    if got is None:
        if len(lex.keys_cache) > 200_000:
            lex.keys_cache.clear()
        got = lex.keys_cache[phrase] = _key_tokens(phrase, lex)
    return got


def _key_tokens(phrase: str, lex: Lexicon) -> frozenset[str]:
    low = _normalised(phrase)
    keys: set[str] = set()
    parts = []
    pos = 0
    named = lex.names_literals is None or any(map(fold(low).__contains__, lex.names_literals))
    for m in lex.names.finditer(low) if named else ():
        keys.add(lex.synonym_keys[int((m.lastgroup or "s0")[1:])])
        parts.append(low[pos : m.start()])
        pos = m.end()
    parts.append(low[pos:])
    for w in _WORD.findall(" ".join(parts)):
        s = stem(w)
        if len(s) > 1 and not s.isdigit() and s not in lex.ignore:
            keys.add(s)
    return frozenset(keys)


_PROTECT_AND = LazyPattern(
    r"(?:[A-Z][\w'’-]*\s+){1,6}(?:and|&)\s+(?:[A-Z][\w'’-]*\s+){0,5}"
    r"(?:Scales?|Index|Indices|Questionnaires?|Inventory|Instruments?|Surveys?|Tests?|Scores?|"
    r"Assessments?|Profiles?|Checklists?|Ratings?)\b"
)


def _spans_between(text: str, start: int, end: int, sep: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    pos = start
    protected = [(m.start(), m.end()) for m in _PROTECT_AND.finditer(text, start, end)]
    protected += [(m.start(), m.end()) for m in _PAREN.finditer(text, start, end)]
    for m in sep.finditer(text, start, end):
        if any(a <= m.start() < b for a, b in protected):
            continue
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and not text[s].isalnum():
        s += 1
    while e > s and not (text[e - 1].isalnum() or text[e - 1] in ")]"):
        e -= 1
    return s, e


_WH_START = LazyPattern(r"\s*(?:whether|if|how|what|why|which|who|whom|when|where)\b", re.I)
_INTRO = LazyPattern(
    r"\s*(?:(?:in|at|during|after|before|for|on|from|within|throughout|as|additionally|also|"
    r"finally|furthermore|moreover|then|secondly|thirdly|lastly|further|in addition)\b[^,;:]{0,80},)",
    re.I,
)
_FINITE = LazyPattern(
    r"\b(?:is|are|was|were|will|would|shall|should|has|have|had|can|could|may|might|must|does|do|did)\b",
    re.I,
)
_ROMAN = LazyPattern(r"(?i)^(?:[ivxl]+|[a-h])$")


_LIST_AFTER = LazyPattern(r"\b(?:including|such\s+as|e\.g\.|i\.e\.|namely)\s*:?", re.I)
_MODIFIER = LazyPattern(
    r"\b(?:aimed|designed|intended|developed|used|known|shown|thought|believed)\s+(?:at|to|for)\b"
    r"|\b(?:tools?|apps?|applications?|devices?|instruments?|systems?|platforms?|methods?|techniques?|"
    r"software|programs?|sensors?|wearables?)\s+(?:that\s+can\s+|which\s+can\s+)?to\s+"
    r"(?:measure|assess|monitor|evaluate|detect|quantify|record|track)\b",
    re.I,
)
_RELATIVE = LazyPattern(r"\b(?:which|that|who)\s+(?:[a-z]+\s+){0,2}$", re.I)
_COVARIATES = LazyPattern(
    r"\b(?:factors|variables|influences|characteristics|covariates|predictors|moderators|"
    r"confounders|mediators|demographics)\W*$",
    re.I,
)
_CORRELATIVE = LazyPattern(r"predict|correlat|associat|relat", re.I)
_CORRELATE = LazyPattern(r"\bcorrelat\w*\s*$", re.I)


def _last(pattern: Gated, text: str, start: int, end: int) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text, start, end, folded(text)):  # noqa: B007 - the last
        pass
    return found


def item_spans(
    text: str, start: int, end: int, lex: Lexicon, correlate: bool = False
) -> list[tuple[int, int, bool | None]]:
    """The items of the measured-thing region [start, end): (start, end, is_instrument).

    "the effect of X on Y", "X reduces Y": Y. "whether X can be achieved", "whether X
    predicts Y": X (and Y). "correlate X with Y": X and Y. An "including ..." list after the
    end of the first phrase: its members too (is_instrument None: they need a measure frame;
    "patients with mutations including G719X" lists no measured thing)."""
    modifier = _MODIFIER.search(text, start, end)
    if modifier is not None:  # "a platform aimed at reducing anxiety": the treatment's aim
        end = modifier.start()
    pivot = _last(lex.pivot, text, start, end)
    if pivot is not None and _RELATIVE.search(text, max(start, pivot.start() - 40), pivot.start()):
        end = pivot.start()  # "a drug which lowers estrogen levels": the drug's action
        pivot = _last(lex.pivot, text, start, end)
    regions: list[tuple[int, int]] = []
    wh = _WH_START.match(text, start, end)
    if wh is not None:
        if wh.group(0).strip().lower() in ("whether", "if") and (
            pivot is None or _CORRELATIVE.search(pivot.group(0))
        ):  # "whether chimerism can be established", "whether p16 inactivation predicts Y"
            finite = _FINITE.search(text, wh.end(), end)
            subj_end = min(
                x for x in (finite and finite.start(), pivot and pivot.start(), end) if x
            )
            regions.append((wh.end(), subj_end))
        if pivot is not None:
            regions.append((pivot.end(), end))
    elif pivot is not None:
        regions.append((pivot.end(), end))
    else:
        regions.append((start, end))
    if correlate and len(regions) == 1:
        w = re.search(r"\swith\s", text[regions[0][0] : regions[0][1]])
        if w:
            a, b = regions[0]
            regions = [(a, a + w.start()), (a + w.end(), b)]
    parts: list[tuple[int, int, bool | None]] = []
    between = pivot is not None and re.search(r"between\s*$", pivot.group(0), re.I) is not None
    queue = list(regions)
    while queue:
        r0, r1 = queue.pop(0)
        stop = lex.stop.search(text, r0, r1)
        e1 = stop.start() if stop is not None else r1
        if between and stop is not None:  # "between treatment with X and responses to Y"
            other = re.search(r"\sand\s", text[stop.end() : r1])
            if other is not None:
                queue.append((stop.end() + other.end(), r1))
                between = False
        e1 = _cut_treatment_tail(text, r0, e1, lex)
        parts += _segment_items(text, r0, e1, lex)
        listed = _LIST_AFTER.search(text, e1, r1)
        if listed is not None and not _COVARIATES.search(
            text, max(e1, listed.start() - 40), listed.start()
        ):
            stop = lex.stop.search(text, listed.end(), r1)
            more = _segment_items(text, listed.end(), stop.start() if stop else r1, lex)
            parts += [(a, b, None) for a, b, inst in more if not inst]
    return parts


def _segment_items(text: str, start: int, end: int, lex: Lexicon) -> list[tuple[int, int, bool]]:
    inst = lex.instrument.search(text, start, end)
    segments = (
        [(start, inst.start(), False), (inst.end(), end, True)] if inst else [(start, end, False)]
    )
    parts: list[tuple[int, int, bool]] = []
    for s0, e0, is_inst in segments:
        if is_inst:
            stop2 = lex.stop.search(text, s0, e0)
            e0 = stop2.start() if stop2 else e0
        for s, e in _spans_between(text, s0, e0, lex.split):
            s, e = _trim(text, s, e)
            if e > s and not _ROMAN.match(text[s:e]):
                parts.append((s, e, is_inst))
    return parts


_NAME_OF = LazyPattern(r".*\b[A-Z][A-Za-z]+\s+of\s+(?:the\s+)?[A-Z]", re.S)


def _cut_treatment_tail(text: str, start: int, end: int, lex: Lexicon) -> int:
    """ "the toxicity and pharmacokinetics of drug X plus drug Y": what follows the first "of"
    after a measured thing is the treatment (or the population), not another item; after a
    frame ("the rate of", "the incidence, severity and duration of") it is the measured thing."""
    low = _normalised(text[start:end])
    protected = [(m.start(), m.end()) for m in lex.names.finditer(low)]
    for m in re.finditer(r"\sof\s+(?!(?:and|or)\b)", text[start:end]):
        if any(a <= m.start() < b for a, b in protected):
            continue
        before = text[start : start + m.start()]
        if before.count("(") > before.count(")"):
            continue  # "recovery (ECOG score of 0 or 1)": inside a parenthesis, no treatment
        if _NAME_OF.match(text, max(start, start + m.start() - 30), start + m.end() + 30):
            continue  # "the Quality of Erection Questionnaire": a name
        left = _spans_between(text, start, start + m.start(), lex.split)
        a, b = left[-1]
        if key_tokens(text[a:b], lex):
            return start + m.start()
        return end
    return end


_HYPOTHESIS = LazyPattern(r"\bhypothes[ie][sz]e?s?\b|\bhypothesi[sz]ed\b", re.I)
_PROCEDURAL_LEAD = LazyPattern(r"\b(?:monitor|record|collect|track|gather)(?:ed|ing|s)?\s*$", re.I)
_TOOL_LEAD = LazyPattern(
    r"\b(?:tools?|apps?|applications?|devices?|instruments?|systems?|platforms?|methods?|"
    r"techniques?|software|programs?|sensors?|wearables?)\s+(?:(?:designed|used|developed|able)\s+)?"
    r"to\s+(?:measure|assess|monitor|evaluate|detect|quantify|record|track)\s*$",
    re.I,
)
# "biometric health data, including X" / "data on X": what data are collected on
_DATA_ON = LazyPattern(
    r"\s*(?:the\s+)?(?:[A-Za-z-]+\s+){0,3}?data\s*(?:,?\s*(?=including|such\s+as|e\.g\.|namely)|"
    r"\s*(?:on|about|regarding|of)\s+)",
    re.I,
)
# "an analysis of the PK and PD data": the data analysed are measured
_ANALYSIS_DATA = LazyPattern(
    r"\banaly[sz](?:is|es)(?:\s*\([^()]{1,20}\))?\s+(?:of|on)\s+(?:the\s+)?(?P<what>[^.;:]{3,120}?)\s+data\b",
    re.I,
)
_MONITOR = LazyPattern(r"\b(?:monitor|record|collect|observe|track|gather|follow)\b", re.I)
_BASELINE_ONLY = LazyPattern(
    r"[a-z ]{0,40}?\b(?:by|using|with)?\s*(?:[A-Za-z-]+\s+){0,3}?(?:at|during|before)\s+(?:the\s+)?"
    r"(?:baseline|screening|enrol+ment|inclusion|study entry|entry|admission|randomi[sz]ation|diagnosis)\b"
    r"(?!\s*(?:,\s*|and\s+|or\s+|to\s+|through\s+|until\s+|then\s+)(?:at|after|during|every|on|"
    r"day|week|month|year|visit|follow|the end|end|discharge|\d))",
    re.I,
)
_BASELINE_FIRST = LazyPattern(
    r"[^A-Za-z]*(?:only\s+)?(?:at|during|before)\s+(?:the\s+)?(?:baseline|screening|enrol+ment|"
    r"inclusion|study entry|entry|admission|randomi[sz]ation|diagnosis)\b",
    re.I,
)
_IS_ENDPOINT = Gated(
    r"\b(?:is|are|was|were|will\s+be|would\s+be)\s+(?:an?\s+|the\s+|one\s+of\s+the\s+)?"
    r"(?:(?:primary|secondary|main|key|co-?primary|exploratory|tertiary|other|additional)\s+)+"
    r"(?:end[- ]?points?|outcomes?(?:\s+(?:measures?|variables?))?|outcome\s+measures)\b",
    re.I,
)
_USED_TO = LazyPattern(
    r"\b(?:is|are|was|were|will\s+be)\s+(?:also\s+)?(?:used|administered|employed|applied)\s+"
    r"to\s+(?:assess|measure|evaluate|quantify|determine|record|capture)\b",
    re.I,
)
_AFTER_CUE = LazyPattern(
    r"(?:will|would|shall|to|can|may|is|are|was|were)\s+(?:also\s+|further\s+|then\s+)?"
    r"(?:be\s+)?(?P<verb>[a-z]+ed)(?:\s+out)?\s+(?:by|with|through|using|via|in\s+terms\s+of|for|to)\b",
    re.I,
)


class Region(NamedTuple):
    start: int
    end: int
    explicit: bool  # an explicit endpoint list
    named_only: bool = False  # only named things count ("The SF-36 was used to assess ...")


def item_regions(text: str, stmt: Statement, lex: Lexicon) -> list[Region]:
    """Where a statement names what is measured: [(start, end, explicit endpoint list)].

    After each measuring verb ("observe the safety ..., determine the RD ... and explore the
    pharmacokinetics ..."), up to the next one; "X and Y will be assessed": the subject;
    "efficacy will be analysed by X and Y": what follows."""
    if stmt.limit < stmt.end:
        if _BASELINE_ONLY.match(text, stmt.limit, stmt.end) or _BASELINE_FIRST.match(
            text, stmt.start, stmt.limit
        ):
            return []  # "BMD was measured by DXA at baseline": a baseline characteristic
        out: list[Region] = []
        if _ENUM_MARK.search(text, stmt.start, stmt.limit):
            more = _ENUM_MARK.search(text, stmt.limit, stmt.end)
            if more is not None:  # "i) X and ii) Y will be assessed, iii) Z": the list goes on
                out.append(Region(more.start(), stmt.end, False))
        after = _AFTER_CUE.match(text, stmt.limit, stmt.end)
        if after is not None:  # "X will be assessed by Y", "efficacy will be analysed by Y"
            out.append(Region(after.end(), stmt.end, False))
        else:  # "... will be performed at baseline through the ODI and the SF-36"
            inst = lex.instrument.search(text, stmt.limit, stmt.end)
            if inst is not None:
                out.append(Region(inst.start(), stmt.end, False))
        s = stmt.start
        intro = _INTRO.match(text, s, stmt.limit)
        if intro:
            s = intro.end()
        m = lex.lead.match(text, s, stmt.limit) or lex.lead_start.match(text, s, stmt.limit)
        if m is None and _PROCEDURE_VERB.match(text, stmt.limit, stmt.end):
            return out  # "A CA125 and an ultrasound will be done": the procedure
        return [Region((m.end() if m else s), stmt.limit, False), *out]
    s, e = stmt.start, stmt.end
    ftext = folded(text)
    subject = _IS_ENDPOINT.search(text, s, e, folded=ftext) or _AIM_DEFINED.search(
        text, s, e, folded=ftext
    )
    used = _USED_TO.search(text, s, e)
    if subject is not None or used is not None:
        # "QoL and ADL will be secondary outcome measures as assessed by the SF-36": the
        # subject and what follows; "The SF-36 was used to assess QoL": the instrument too
        cue = subject or used
        assert cue is not None
        intro = _INTRO.match(text, s, cue.start())
        first = intro.end() if intro else s
        return [Region(first, cue.start(), True, used is not None), Region(cue.end(), e, True)]
    m = lex.lead_start.match(text, s, e) or lex.lead.search(text, s, e, folded=ftext)
    label_list = bool(stmt.label) and bool(
        re.search(r"end ?points?|outcomes?|measures?|variables?", stmt.label, re.I)
    )
    if m is None:
        data = _ANALYSIS_DATA.search(text, s, e)
        if data is not None:  # "an interim analysis on PK and PD data was performed"
            return [Region(data.start("what"), data.end("what"), False, True)]
        # a bare list line under an endpoint heading ("ORR, DCR, PFS"), not a sentence
        if label_list and not _FINITE.search(text, s, e):
            return [Region(s, e, True)]
        # "Hypothesis: X will reduce the incidence of Y": what the pivot names
        if lex.pivot.search(text, s, e, ftext) and _HYPOTHESIS.search(stmt.label or text[s:e]):
            return [Region(s, e, False)]
        return []
    regions: list[Region] = []
    prev = m.start() if m else s
    while m is not None:
        explicit = bool(m.groupdict().get("list"))
        pos = m.end()
        while (m2 := lex.lead.match(text, pos, e)) is not None and m2.end() > pos:
            explicit = explicit or bool(m2.groupdict().get("list"))
            pos = m2.end()
        monitoring = bool(_MONITOR.search(text, prev, pos))
        prev = pos
        m = lex.lead.search(text, pos, e, folded=ftext)
        end = m.start() if m else e
        if _TOOL_LEAD.search(text, max(s, pos - 60), pos):
            continue  # "a tool to measure pain": the means
        if _PROCEDURAL_LEAD.search(text, max(s, pos - 30), pos):
            data = _DATA_ON.match(text, pos, end)
            if data is None:
                continue  # "to monitor adverse events", "to collect blood": procedure
            # "to collect biometric data, including heart rate and sleep": measured data;
            # only named things count
            regions.append(Region(data.end(), end, False, True))
            continue
        regions.append(Region(pos, end, explicit or label_list, monitoring))
    return regions


# --- coverage of open items -------------------------------------------------------------------


_LONG_SHORT = LazyPattern(
    r"\\?[(\[]\s*(?P<abbr>[A-Za-z0-9][A-Za-z0-9_-]{0,12}[A-Za-z0-9])s?\s*(?:\\?[)\]]|[;,])"
)
_SHORT_LONG = LazyPattern(
    r"(?<![A-Za-z0-9])(?P<abbr>[A-Z][A-Za-z0-9_-]{0,10}[A-Z0-9])\s*\\?[(\[]\s*"
    r"(?P<long>[A-Za-z][^()\[\]\n]{3,80}?)\s*\\?[)\]]"
)


def _norm_code(abbr: str) -> str:
    return "".join(words(_singular(abbr)))


def record_abbreviations(text: str) -> dict[str, str]:
    """normalised abbreviation -> long form, as the record defines them ("Sexual Experience
    Questionnaire (SEX_Q)", "PFS (progression-free survival)")."""
    out: dict[str, str] = {}
    for m in _LONG_SHORT.finditer(text):
        abbr = m.group("abbr")
        if sum(c.isupper() for c in abbr) < 2 and not re.search(r"[A-Z].*\d|\d.*[A-Z]", abbr):
            continue
        window = " ".join(text[max(0, m.start() - 160) : m.start()].split()[-(len(abbr) + 5) :])
        long = _schwartz_hearst(_singular(abbr), window.strip(" ,;:"))
        if long and len(long) > len(abbr) + 2:
            out.setdefault(_norm_code(abbr), long)
    for m in _SHORT_LONG.finditer(text):
        abbr, long = m.group("abbr"), m.group("long").strip()
        if _initials_fit(_singular(abbr), long):
            out.setdefault(_norm_code(abbr), long)
    return out


@dataclass
class OutcomeIndex:
    """The registered outcomes of one record, as token sets (one per outcome), and the word
    families of those tokens (their roots: ``family_root``)."""

    sets: list[frozenset[str]]
    lists: list[list[str]]
    titles: list[str]
    roots: list[frozenset[str]]
    lex: Lexicon


def outcome_index(
    outcomes: list[str], titles: list[str], abbrs: dict[str, str], lex: Lexicon
) -> OutcomeIndex:
    """The outcomes' token sets, each widened by the abbreviations it uses (their expansion)
    and by those whose expansion it spells out (their code)."""
    merged = {**lex.abbreviations, **abbrs}
    longs = {code: _long_tokens(long, lex) for code, long in merged.items()}
    sets: list[frozenset[str]] = []
    for text in outcomes:
        toks = outcome_tokens(text, lex)
        present = set(words(text)) | {_norm_code(c) for c in _CODE.findall(text)}
        toks -= _classes_of_other_meaning(text, present, abbrs, lex)
        for code in present & longs.keys():
            toks |= longs[code][1]
        for code, (keys, _) in longs.items():
            if code not in present and keys and keys <= toks:
                toks.add(code)
        sets.append(frozenset(toks))
    roots = [frozenset(family_root(t, lex) for t in one if not t.startswith("~")) for one in sets]
    return OutcomeIndex(sets, [sorted(s) for s in sets], titles, roots, lex)


def _classes_of_other_meaning(
    text: str, present: set[str], abbrs: dict[str, str], lex: Lexicon
) -> set[str]:
    """The classes an outcome names only by a code the record spells out as something else:
    "first documented PD" where the record defines "progressive disease (PD)" is no
    pharmacodynamics."""
    out: set[str] = set()
    for code in present & abbrs.keys():
        named = {f"~{k}" for k in _named_classes(code, lex)}
        if not named:
            continue
        own = set(key_tokens(abbrs[code], lex)) | implied_classes(_normalised(abbrs[code]), lex)
        other = named - own
        if not other:
            continue
        rest = re.sub(rf"(?i)(?<![A-Za-z0-9]){re.escape(code)}s?(?![A-Za-z0-9])", " ", text)
        out |= other - outcome_tokens(rest, lex)
    return out


def _named_classes(code: str, lex: Lexicon) -> list[str]:
    m = lex.names.fullmatch(code)
    if m is None:
        return []
    return [lex.synonym_keys[int(g[1:])][1:] for g, v in m.groupdict().items() if v is not None]


def _long_tokens(long: str, lex: Lexicon) -> tuple[frozenset[str], frozenset[str]]:
    """(key tokens, outcome tokens) of an abbreviation's expansion, once per process."""
    got = lex.cache.get(long)
    if got is None:
        got = (key_tokens(long, lex), frozenset(outcome_tokens(long, lex)))
        lex.cache[long] = got
    return got


def outcome_tokens(text: str, lex: Lexicon) -> set[str]:
    toks = set(key_tokens(text, lex))
    low = _normalised(text)
    toks |= implied_classes(low, lex)
    # its own words too, not only the class they name ("inflammatory mediators": mediators)
    toks |= {w for w in map(stem, _WORD.findall(low)) if len(w) > 1 and w not in lex.ignore}
    if _CAUSE_SPECIFIC.search(text) or "cause of death" in low or "causes of death" in low:
        toks.add(_CAUSE_KEY)
    return toks


def implied_classes(low: str, lex: Lexicon) -> set[str]:
    """The synonym classes a (normalised) text implies ("Cmax" -> pharmacokinetics): one pass
    of all classes' patterns, then each match is classified (a word may imply two classes)."""
    out: set[str] = set()
    for m in lex.any_implied.finditer(low):
        found = m.group(0)
        keys = lex.implied_cache.get(found)
        if keys is None:
            keys = frozenset(key for key, pat in lex.implied if pat.fullmatch(found))
            lex.implied_cache[found] = keys
        out |= keys
    return out


_FAMILY_MIN = 5  # letters a root keeps: "respon" (response, responders), "requir"


def family_root(tok: str, lex: Lexicon) -> str:
    """The word family of a stem: the stem without one derivational ending of
    ``family_endings`` when five letters or more remain ("requirement" and "required":
    "requir"; "responders", "respond" and "response": "respon"; "hospitalization" and
    "hospitalized": "hospitaliz"). Stems are already free of inflections (``stem``)."""
    m = lex.family.search(tok)
    return tok[: m.start()] if m is not None and m.start() >= _FAMILY_MIN else tok


def _token_in(
    tok: str, toks: frozenset[str], toks_list: list[str], roots: frozenset[str], lex: Lexicon
) -> bool:
    if tok in toks:
        return True
    if tok.startswith("~") or len(tok) < 5:
        return False
    if family_root(tok, lex) in roots:
        return True  # one word family: "transfusion requirements" / "transfusion required"
    for o in toks_list:
        if len(o) >= 5 and not o.startswith("~"):
            short, long = (tok, o) if len(tok) <= len(o) else (o, tok)
            if len(short) >= 6 and long.startswith(short) and len(short) >= 0.7 * len(long):
                return True
    from rapidfuzz import fuzz, process  # imported on first use (most records never get here)

    return process.extractOne(tok, toks_list, scorer=fuzz.ratio, score_cutoff=88) is not None


def covering_outcome(keys: frozenset[str], index: OutcomeIndex, strict: bool = False) -> int | None:
    """The first outcome that carries every key of an item, or (unless ``strict``: a named
    instrument must be named) some of them: an outcome that shares what it measures in part
    leaves no clear gap."""
    best: int | None = None
    lex = index.lex
    for i, (toks, toks_list, roots) in enumerate(
        zip(index.sets, index.lists, index.roots, strict=True)
    ):
        missing = [k for k in keys if not _token_in(k, toks, toks_list, roots, lex)]
        if not missing:
            return i
        if best is None and not strict and len(missing) < len(keys) and len(keys) >= 2:
            best = i  # shares what it measures with the outcome, in part: not a clear gap
    return best


# --- items of a statement --------------------------------------------------------------------


class _Abbreviations(Protocol):
    def get(self, code: str) -> str | None: ...


@dataclass(frozen=True)
class Item:
    start: int
    end: int
    keys: frozenset[str]
    alternatives: tuple[frozenset[str], ...]  # the same item by an abbreviation or expansion
    kind: str = "framed"  # what typed it: instrument, code, class, pk, analytes, events, ...
    strict: bool = False  # a named instrument ("Quality of Erection Questionnaire (QEQ)")


_TREATMENT_FRAME = LazyPattern(
    r"(?:the\s+|a\s+|an\s+)?(?:[a-z]+\s+)?(?:use|usage|addition|administration|application|"
    r"implementation|introduction|delivery|provision|combination|dose|dosing|timing)",
    re.I,
)
_RESPONSES_TO = LazyPattern(r"\s*(?:the\s+)?(?:answers|responses)\s+to\s+(?=(?:the\s+)?[A-Z])")


def _head(phrase: str, lex: Lexicon) -> str | None:
    """The measured thing of "A of B": A, unless A only frames a measure ("the rate of B",
    "changes in B": then B) or is a generic aim ("the efficacy of B": None)."""
    resp = _RESPONSES_TO.match(phrase)
    if resp is not None:
        return phrase[resp.end() :]  # "responses to the QEQ": the instrument
    m = re.search(r"\s(?:of|in|on)\s", phrase)
    if m is None:
        return phrase
    a, b = phrase[: m.start()], phrase[m.end() :]
    if lex.names.search(_normalised(phrase[: m.end() + 20])) and m.group(0).strip() == "of":
        hit = lex.names.search(_normalised(phrase))
        if hit and hit.start() <= len(_normalised(a)) < hit.end():
            return phrase  # "quality of life", "activities of daily living"
    if _TREATMENT_FRAME.fullmatch(a.strip()):
        return None  # "the use of X", "the addition of X": the treatment
    keys = key_tokens(a, lex)
    if not keys:
        return _head(b, lex)
    if keys <= lex.generic:
        return None
    return a if m.group(0).strip() == "of" else phrase


_BAD_START = LazyPattern(
    r"\s*(?:with|without|to|than|versus|vs|as|not|no|alone|then|plus|via|whose|while|because|"
    r"in|on|at|of|for|from|by|into|over|under|after|before|during|these|those|this|that|such|upon|"
    r"although|since|so|thus|here|there|all|both|either|neither|sufficient|insufficient|able|unable|"
    r"necessary|needed|required|enough|likely|possible|new|future|further)\b",
    re.I,
)
_INSTRUMENT_NOUN = LazyPattern(
    r"\b(?:Scales?|Index|Indices|Questionnaires?|Inventory|Instruments?|Surveys?|Tests?|Scores?|"
    r"Assessments?|Profiles?|Checklists?|Ratings?)\b"
)
_COMPOUND = LazyPattern(r"(?<![A-Za-z0-9])[A-Z]{1,5}-?[0-9]{3,}[A-Z0-9]*(?![A-Za-z0-9])")
_GERUND_START = LazyPattern(
    r"[A-Za-z][a-z]+ing\s+(?:the|a|an|their|its|his|her|our|on|upon|whether|if|how|that|which)\b"
    r"|[a-z]+ing\s+[A-Z]"
    r"|(?:assessed|measured|evaluated|determined|analy[sz]ed|performed|done|conducted|collected|"
    r"recorded|obtained|observed|reported|scored|graded|rated|calculated|compared|examined|tested|"
    r"used|given|administered|prohibited|allowed|required|planned|expected)\b",
    re.I,
)
_PRONOUN = LazyPattern(r"\b(?:we|our|us|they|their|them|it|its|he|she|his|her|you|your|I)\b")
_ADJ_END = LazyPattern(r"(?:al|ive|ous|ic|ar|ary|ory|able|ible|ful|less|ing|ed)$")
_CODE = LazyPattern(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9]|[A-Za-z]+-?[0-9]+[A-Za-z]*)(?![A-Za-z0-9])"
)


def statement_items(
    text: str,
    stmt: Statement,
    lex: Lexicon,
    abbrs: _Abbreviations,
    topic: frozenset[str],
    condition: frozenset[str] = frozenset(),
) -> list[Item]:
    """The specific things a statement names as measured (generic aims left out)."""
    out: list[Item] = []
    for r0, r1, explicit, named_only in item_regions(text, stmt, lex):
        correlate = bool(_CORRELATE.search(text[stmt.start : r0]))
        for m0, m1 in _enumerated(text, r0, r1):
            items = _region_items(text, m0, m1, explicit, correlate, lex, abbrs, topic, condition)
            out += [
                it for it in items if it.kind in lex.weak_kinds or not (stmt.weak or named_only)
            ]
    return out


_ENUM_MARK = LazyPattern(r"(?:^|(?<=[\s,;:]))\(?(?:[ivx]{1,4}|[0-9]{1,2}|[a-h])\)\s+", re.I)


def _enumerated(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """ "the i) percentage of X with Y, ii) Z and iii) W": an inline enumeration's members are
    phrases of their own (each is cut where it ends, not where the first one does). A region
    without two such markers is one piece."""
    marks = list(_ENUM_MARK.finditer(text, start, end))
    if len(marks) < 2:
        return [(start, end)]
    out = [(start, marks[0].start())] if text[start : marks[0].start()].strip(" \t\n,;:") else []
    for i, m in enumerate(marks):
        out.append((m.end(), marks[i + 1].start() if i + 1 < len(marks) else end))
    return out


_LOWER_INSTRUMENT = LazyPattern(
    r"(?<![A-Za-z])[A-Z][a-z]+(?:\s+[a-z]+){0,3}\s+(?:survey|questionnaire|scale|index|inventory|checklist)s?\b(?!\s*[A-Za-z])"
)


def _region_items(
    text: str,
    r0: int,
    r1: int,
    explicit: bool,
    correlate: bool,
    lex: Lexicon,
    abbrs: _Abbreviations,
    topic: frozenset[str],
    condition: frozenset[str],
) -> list[Item]:
    """The items of one region that name a specific measured thing. A phrase counts when it
    is framed as a measure ("the rate of X", "X levels", a synonym class, a measure noun such
    as "survival"), is a named instrument or code in an explicit endpoint list, or is listed
    together with such a phrase ("mortality, deep vein thrombosis and infection")."""
    found: list[Item] = []
    main_specific = False
    spans = item_spans(text, r0, r1, lex, correlate)
    # "remission rates as measured by disease-free survival": the instrument defines the item
    by_instrument = tuple(
        k for k in (key_tokens(text[s:e], lex) - topic for s, e, inst in spans if inst) if k
    )
    # "through the Oswestry Disability Index, Physical activity survey and SF-36": a phrase
    # ending in an instrument noun, listed with named instruments, is one too
    named = sum(
        1
        for s, e, inst in spans
        if inst and lex.instrument_noun.search(text[s:e]) and _named(text[s:e])
    )
    for s, e, inst in spans:
        if (
            inst
            and named
            and not _named(text[s:e])
            and _LOWER_INSTRUMENT.search(text, s, e)
            and not lex.not_instrument.search(text[s:e])
        ):
            # its own words, not the class they name: the ODI measures function, but is no
            # physical activity survey
            low = _normalised(text[s:e])
            keys = frozenset(
                w
                for w in map(stem, _WORD.findall(low))
                if len(w) > 1 and w not in lex.ignore and w not in lex.frame
            )
            keys = _minus(keys - topic, condition)
            if keys and not keys <= lex.generic:
                found.append(Item(s, e, keys, (), "instrument", True))
            continue
        got = _candidate(text, s, e, inst, explicit, lex, abbrs, topic, condition, main_specific)
        if got is None:
            continue
        item, _leading = got
        main_specific = main_specific or inst is False
        if not item.kind:
            continue  # a bare noun phrase: no typed endpoint
        if inst is False and by_instrument:
            item = dataclasses.replace(item, alternatives=item.alternatives + by_instrument)
        found.append(item)
    return found


def _candidate(
    text: str,
    s: int,
    e: int,
    inst: bool | None,
    explicit: bool,
    lex: Lexicon,
    abbrs: _Abbreviations,
    topic: frozenset[str],
    condition: frozenset[str],
    main_specific: bool,
) -> tuple[Item, bool] | None:
    """An item phrase as (item, led by a measure frame such as "the rate of"), the item's kind
    "" when it is no typed endpoint phrase; None when it names no specific measured thing."""
    phrase = text[s:e]
    main0 = " ".join(_PAREN.sub(" ", phrase).split())
    if not main0 or len(main0.split()) > lex.max_words or _WH_START.match(main0):
        return None
    if _BAD_START.match(main0) or _FINITE.search(main0) or _PRONOUN.search(main0):
        return None
    lead = lex.lead_start.match(main0)
    if lead:  # "..., and describe the DLTs"
        main0 = main0[lead.end() :].strip()
    if not main0 or lex.junk.search(main0) or _GERUND_START.match(main0):
        return None
    if _BASELINE_ITEM.search(phrase):
        return None  # "Preoperative (baseline) VAS-BP": a covariate measured once, up front
    main = _head(main0, lex)
    if main is None:
        return None
    raw_keys = key_tokens(main, lex) - topic
    if any(k.startswith("~") for k in raw_keys & lex.generic):
        return None  # "endocrine toxicity", "health-related quality of life": a generic aim
    keys = _minus(raw_keys, condition)
    if not keys:
        # the condition studied itself: no item, unless a measurable construct ("erectile
        # function" in an erectile dysfunction trial with only Doppler outcomes)
        keys = frozenset(k for k in raw_keys if k.startswith("~"))
    if not keys or keys <= lex.generic:
        return None
    if inst and (main_specific or not _named(main) or lex.not_instrument.search(main)):
        return None
    if lex.methods.search(phrase):
        return None  # "the 5'-exonuclease test (TaqMan SNP genotyping assay)": a method
    last = _WORD.findall(main.lower())
    head = last[-1] if last else ""
    if (
        head in lex.nonmeasure or stem(head) in lex.nonmeasure or stem(head) in topic
    ) and not _class_named_at_end(main, lex):
        return None  # the treatment, the people; not "the maximum tolerated dose" (a class)
    if _COMPOUND.search(main):
        return None  # "WR279396", "BMS-986340": an investigational product's code
    codes = {_norm_code(c) for c in _CODE.findall(main)} - topic - condition
    if stem(head) in lex.generic and not codes and not any(k.startswith("~") for k in keys):
        return None  # "immune markers", "clinical characteristics": no marker named
    if (
        _ADJ_END.search(head)
        and stem(head) not in lex.measure_heads
        and not any(k.startswith("~") for k in keys)
        and not codes
    ):
        return None  # "cellular and humoral ...": a fragment of a coordination
    if all(len(k) <= 2 for k in keys) and not any(
        abbrs.get(_norm_code(c)) or _norm_code(c) in lex.abbreviations for c in _CODE.findall(main)
    ):
        return None  # "EF, IS and OS": short codes the record does not expand
    kind = typed_kind(main0, main, keys, codes, lex, abbrs) or ""  # "": a bare noun phrase
    alts: list[frozenset[str]] = []
    for pm in _PAREN.finditer(phrase):
        inner = pm.group(0).strip(" \\()[]")
        if _ABBR_WORD.fullmatch(inner):
            alts.append(key_tokens(_singular(inner), lex))
    alts += [frozenset([key]) for key, pat in lex.covered_as if pat.search(_normalised(main))]
    implied = implied_classes(_normalised(main), lex) - lex.generic - lex.outcome_only
    if (
        implied
        and (codes or _INSTRUMENT_NOUN.search(main))
        and not any(k.startswith("~") for k in keys)
    ):
        alts.append(frozenset(implied))  # "the IIEF-5": erectile function, by its instrument
    if _INSTRUMENT_NOUN.search(main):  # "the clinician-completed ADHD Rating Scale"
        caps = " ".join(re.findall(r"(?<![A-Za-z])[A-Z][A-Za-z0-9-]*", main))
        cap_keys = key_tokens(caps, lex) - topic - condition
        if cap_keys and cap_keys != keys:
            alts.append(cap_keys)
    for raw in set(re.findall(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*", main)):
        code = _norm_code(raw)
        long = abbrs.get(code) or lex.abbreviations.get(code)
        if long:
            long_keys = key_tokens(long, lex)
            if len(_minus(long_keys - topic, condition)) * 2 < len(long_keys):
                return None  # the abbreviation names the treatment or the condition
            if long_keys <= lex.generic or _head(long, lex) is None:
                return None  # "MOA": the mechanism of action, no measure
            alt = _head(main.replace(raw, long), lex) or ""
            alt_keys = key_tokens(alt, lex) - topic
            if alt_keys:
                alts.append(alt_keys)
    initials = _initials(main, lex)
    if initials:
        alts.append(frozenset([initials]))  # "insulin-to-carbohydrate ratio" as "ICR"
    if raw_keys != keys and raw_keys:
        alts.append(raw_keys)  # coverage may name the condition too ("delirium scores")
    strict = kind == "instrument"
    if "~death" in keys and _CAUSE_SPECIFIC.search(main0):
        # "mortality from cancer", "cardiovascular death": overall survival does not measure it
        # covered by any cause-specific death outcome ("cause specific mortality: cardiovascular")
        keys, strict = keys | {_CAUSE_KEY}, True
        alts = [frozenset({"~death", _CAUSE_KEY})]
    item = Item(s, e, keys, tuple(a for a in alts if a), kind, strict)
    return item, bool(kind) and _LEADING_FRAME.match(main0) is not None


_CAUSE_KEY = "~cause-specific"
_CAUSE_SPECIFIC = Gated(
    r"\b(?:mortality|deaths?|survival)\s+(?:from|due\s+to|caused\s+by|attributable\s+to|related\s+to)\s+"
    r"(?!any\b|all\b|other\b|whatever\b)[a-z]"
    r"|\b(?<!all-)(?<!all\s)(?!all\b|any\b)[a-z]+[- ](?:specific|related)\s+(?:mortality|deaths?|survival)\b"
    r"|\b(?:cancer|cardiovascular|cardiac|CV|coronary|disease|tumou?r|stroke|AIDS|HIV|malaria|TB|tuberculosis)"
    r"[- ](?:mortality|deaths?)\b",
    re.I,
)
_LEADING_FRAME = LazyPattern(
    r"(?:the\s+|an?\s+)?(?:[a-z-]+\s+){0,2}?(?:rates?|incidence|proportions?|percentages?|numbers?|"
    r"frequency|frequencies|duration|levels?|severity|occurrence)(?:\s*(?:,|and|or)\s*[a-z]+){0,3}\s+of\b",
    re.I,
)
_NOT_A_NAME = LazyPattern(
    r"(?i)\b(?:outcomes?|end ?points?|primary|secondary|objectives?|study|trial)\b"
)
_NUMBERED_CODE = LazyPattern(r"[a-z]{1,6}[0-9]{1,2}[a-z]?")


def _class_named_at_end(phrase: str, lex: Lexicon) -> bool:
    """Whether a synonym class's name ends the phrase ("the maximum tolerated dose (MTD)",
    "the recommended phase 2 dose"): the class is what it names, whatever its last noun."""
    low = _normalised(_PAREN.sub("", phrase)).rstrip(" .,;:")
    return any(m.end() == len(low) for m in lex.names.finditer(low))


def typed_kind(
    phrase: str,
    head: str,
    keys: frozenset[str],
    codes: set[str] | frozenset[str],
    lex: Lexicon,
    abbrs: _Abbreviations | None,
    depth: int = 0,
) -> str | None:
    """What kind of endpoint an item phrase names, or None for a bare noun phrase: a named
    instrument, a code (expanded by the record or the vocabulary into a typed phrase, or
    numbered: "SF-36", "IL-6"), a synonym class of ``typed_classes``, a PK/PD parameter, an
    analyte, a molecular measure, an event rate, a response, a graded toxicity, or a measure
    frame around something specific ("the frequency of systemic involvement")."""
    if lex.instrument_noun.search(head) and _named(head) and not _NOT_A_NAME.search(head):
        return "instrument"
    if depth and re.search(lex.instrument_noun.pattern, head, re.I):
        return "instrument"  # an abbreviation's expansion: "st george's respiratory questionnaire"
    if keys & lex.typed_classes:
        return "class"
    for kind, pat in lex.typed:
        if pat.search(phrase):
            return kind
    for code in codes:
        if _NUMBERED_CODE.fullmatch(code) or code in lex.abbreviations:
            return "code"  # "SF-36", "IL-6"; the vocabulary's endpoint abbreviations
        if code in lex.vocab_codes and len(keys) >= 2:
            return "code"  # "CNS ORR": a vocabulary endpoint, qualified
        long = (abbrs.get(code) if abbrs is not None else None) or lex.abbreviations.get(code)
        if (
            long
            and depth == 0
            and typed_kind(long, long, key_tokens(long, lex), set(), lex, None, 1) is not None
        ):
            return "code"
    if lex.strong_frame.search(phrase) and keys - lex.generic:
        return "framed"
    return None


def _initials(phrase: str, lex: Lexicon) -> str:
    """ "insulin-to-carbohydrate ratio" -> "icr": how an outcome may abbreviate the item
    without defining the abbreviation (three letters or more)."""
    found = [w for w in re.findall(r"[A-Za-z]+", phrase) if w.lower() not in _FUNCTION_WORDS]
    return "".join(w[0].lower() for w in found) if 3 <= len(found) <= 6 else ""


_FUNCTION_WORDS = frozenset(
    (
        *("a", "an", "the", "of", "in", "on", "for", "to", "with", "by", "at", "from", "and"),
        *("or", "as", "its", "their", "this", "these", "those"),
    )
)


_BASELINE_ITEM = LazyPattern(r"^\s*(?:the\s+)?baseline\b|\(\s*baseline\s*\)", re.I)


def _minus(keys: frozenset[str], condition: frozenset[str]) -> frozenset[str]:
    """``keys`` without the words of the condition studied ("C. diff" in a C. difficile
    trial: a prefix of four letters or more counts)."""
    return frozenset(
        k
        for k in keys
        if k not in condition
        and not (len(k) >= 4 and not k.startswith("~") and any(c.startswith(k) for c in condition))
    )


def _named(phrase: str) -> bool:
    """An instrument named as such: an abbreviation or code ("SF-36", "VAS") or a name in
    capitals ("Tampa Scale of Kinesiophobia")."""
    if _ABBR_WORD.search(phrase):
        return True
    caps = re.findall(r"(?<![A-Za-z])[A-Z][a-z]+", phrase)
    return len(caps) >= 2


# --- the kind --------------------------------------------------------------------------------


_INSTRUMENT_AFTER = LazyPattern(
    r"\s*(?:(?:questionnaires?|instruments?|scales?|index|scores?|measures?)\s*)?\\?[(\[]\s*"
    r"(?P<names>[A-Za-z][A-Za-z0-9-]{1,20}(?:\s*(?:,|and|or|/)\s*[A-Za-z][A-Za-z0-9-]{1,20})*)\s*\\?[)\]]"
)


def _instrument_registered(text: str, end: int, outcome_text: str) -> bool:
    """ "a Health-Related Quality of Life questionnaire (NEI-VFQ-25)": the instrument the
    narrative names right after the endpoint is among the registered outcomes."""
    m = _INSTRUMENT_AFTER.match(text, end)
    if not m:
        return False
    names = [n for n in re.split(r"\s*(?:,|\band\b|\bor\b|/)\s*", m.group("names")) if len(n) >= 3]
    return any(
        re.search(r"(?<![A-Za-z0-9])" + re.escape(n) + r"(?![A-Za-z])", outcome_text) for n in names
    )


def _checkable(rs: RecordSet) -> np.ndarray:
    """Records the rule can judge: at least one registered outcome measure, from an input that
    carries all outcome kinds (not a CSV export with a primary outcomes column only)."""
    st, oc = rs.studies, rs.outcomes
    if st.empty or oc.empty:
        return np.zeros(len(st), dtype=bool)
    measured = oc["measure"].notna() & (oc["measure"].str.strip().str.len() > 0)
    ok = isin(st["record_id"], oc["record_id"][measured])
    if "present_fields" in st:
        pf = st["present_fields"]
        per_kind = pf.str.contains("outcomes[", regex=False).fillna(False).to_numpy(dtype=bool)
        full = np.ones(len(st), dtype=bool)
        for kind in _REGISTERED_KINDS:
            full &= (
                pf.str.contains(f"outcomes[{kind}]", regex=False).fillna(False).to_numpy(dtype=bool)
            )
        ok = ok & (~per_kind | full)
    return ok


def _field_hits(st: pd.DataFrame, cfg: Config) -> dict[str, np.ndarray]:
    """Per narrative field, the rows whose text has endpoint-statement wording (RE2)."""
    out = {}
    for col in cfg.fields:
        if col not in st:
            continue
        text = st[col]
        arr = pa.array(text.astype(object).where(text.notna(), None), pa.string())
        hit = pc.match_substring_regex(arr, cfg.prefilter_statement)
        out[col] = pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
    return out


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """The records that may fire: judgeable (see ``_checkable``) and with endpoint-statement
    wording in a narrative field. Every statement the full check reads holds some of that
    wording (a heading word, an inline cue, a passive "will be assessed")."""
    cfg = _config(params)
    ok = _checkable(rs)
    hit = np.zeros(len(rs.studies), dtype=bool)
    for mask in _field_hits(rs.studies, cfg).values():
        hit |= mask
    return ok & hit


def _outcome_texts(rs: RecordSet, ids: set[str]) -> pd.DataFrame:
    """The registered outcomes of the records ``ids`` (measure, description, time frame)."""
    oc = rs.outcomes
    oc = oc[
        oc["record_id"].isin(ids)
        & oc["measure"].notna()
        & (oc["measure"].str.strip().str.len() > 0)
    ]
    return oc


def _candidates(st: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    parts = []
    for col, mask in _field_hits(st, cfg).items():
        if mask.any():
            parts.append(
                pd.DataFrame(
                    {"record_id": st["record_id"][mask], "column": col, "text": st[col][mask]}
                )
            )
    if not parts:
        return pd.DataFrame({"record_id": [], "column": [], "text": []})
    return pd.concat(parts, ignore_index=True)


Mention = tuple[
    int, int, str, str | None
]  # start, end, surface, endpoint key (None: an abbreviation)


def find_mentions(text: str, cfg: Config) -> list[Mention]:
    """Every vocabulary endpoint the text names, by name or by abbreviation, in text order.
    Left out: a name that begins a longer term the record abbreviates otherwise ("adverse
    reactions to foodstuffs (ARFS)") and a qualified abbreviation ("CNS ORR")."""
    out: list[Mention] = []
    low = text.lower()
    names = cfg.names_lower.finditer(low) if len(low) == len(text) else cfg.names_re.finditer(text)
    for m in names:
        group = m.lastgroup or ""
        if group not in cfg.name_groups:
            continue
        ep = cfg.endpoints[cfg.name_groups.index(group)]
        if _part_of_other_term(text, m.start(), m.end(), ep) or _inside_named_instrument(
            text, m.start(), m.end()
        ):
            continue
        end = m.end()
        own = re.match(r"\s*\\?[(\[]\s*([A-Za-z]+)\s*\\?[)\]]", text[end : end + 20])
        if own and (
            own.group(1) in ep.abbreviations or _singular(own.group(1)) in ep.abbreviations
        ):
            end += own.end()  # "adverse events (AEs)": the span takes in the abbreviation
        out.append((m.start(), end, text[m.start() : m.end()], ep.key))
    for m in cfg.abbr_re.finditer(text):
        if not cfg.qualifiers.search(text[max(0, m.start() - 20) : m.start()]):
            out.append((m.start(), m.end(), m.group(0), None))
    out.sort()
    return out


def _in_statement(
    mentions: list[Mention], text: str, stmt: Statement, cfg: Config
) -> list[Mention]:
    """The mentions that sit in an endpoint statement (before its limit), minus those right
    after words that make them something other than a measured endpoint ("no such adverse
    events", "a committee to assess adverse events")."""
    lo = bisect.bisect_left(mentions, (stmt.start,))
    out = []
    for mention in mentions[lo:]:
        if mention[0] >= stmt.limit:
            break
        if not cfg.not_after.search(text[max(stmt.start, mention[0] - 50) : mention[0]]):
            out.append(mention)
    return out


_NAME_BEFORE = LazyPattern(r"(?<![A-Za-z])[A-Z][A-Za-z'’-]+\s+$")
_NOUN_AFTER = LazyPattern(r"\s+(?:Index|Indices|Questionnaires?|Scales?|Inventory|Instruments?)\b")


def _inside_named_instrument(text: str, start: int, end: int) -> bool:
    """ "Dermatology Life Quality Index": a name inside a named instrument is the instrument
    (an open item of its own), not the vocabulary endpoint."""
    return bool(
        _NAME_BEFORE.search(text, max(0, start - 40), start) and _NOUN_AFTER.match(text, end)
    )


def _part_of_other_term(text: str, start: int, end: int, ep: Endpoint) -> bool:
    """'adverse reactions to foodstuffs (ARFS)': the name begins a longer term the record
    defines with its own abbreviation."""
    m = re.match(
        r"((?:[ \t]+[A-Za-z-]+){1,4}?)[ \t]*\(([A-Z][A-Za-z]{1,9})\)", text[end : end + 80]
    )
    if not m or _singular(m.group(2)) in ep.abbreviations or m.group(2) in ep.abbreviations:
        return False
    phrase = text[start:end] + m.group(1)
    long = _schwartz_hearst(_singular(m.group(2)), phrase)
    return long is not None and len(long) >= len(phrase.strip())


def _snippet(text: str, stmt: Statement, start: int, width: int = 110) -> str:
    s, e = stmt.start, stmt.end
    if e - s > width:
        s = max(stmt.start, start - width // 2)
        e = min(stmt.end, s + width)
    out = " ".join(text[s:e].split())
    return ("…" if s > stmt.start else "") + out + ("…" if e < stmt.end else "")


def _message(
    meaning: Meaning, surface: str, stmt: Statement, text: str, start: int, titles: list[str]
) -> str:
    surface = " ".join(surface.split())
    abbr_form = meaning.abbr or surface
    what = f"{abbr_form} ({meaning.expansion})" if meaning.abbr else f'"{surface}"'
    where = f'under "{stmt.label}"' if stmt.label else "in an endpoint statement"
    shown = "; ".join(f'"{t if len(t) <= 60 else t[:57] + "…"}"' for t in titles[:4])
    more = f" and {len(titles) - 4} more" if len(titles) > 4 else ""
    noun = "measure" if len(titles) == 1 else "measures"
    return (
        f'{what} is named as an endpoint {where} ("{_snippet(text, stmt, start)}"), '
        f"but none of the {len(titles)} registered outcome {noun} ({shown}{more}) measures it"
    )


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    cfg = _config(params)
    st = rs.studies
    ok = _checkable(rs)
    if not ok.any():
        return kind_frame([])
    cand = _candidates(st[ok], cfg)
    if cand.empty:
        return kind_frame([])

    # the few candidate records' data as plain Python, once
    ids = set(cand["record_id"])
    title_cols = [c for c in ("brief_title", "official_title") if c in st]
    st_c = st.loc[st["record_id"].isin(ids), ["record_id", *title_cols, *cfg.fields]]
    studies = {str(r["record_id"]): r for r in st_c.to_dict("records")}
    tm = rs.terms[rs.terms["record_id"].isin(ids) & rs.terms["term"].notna()]
    terms = tm.groupby("record_id", sort=False)["term"].agg(list).to_dict()
    cm = tm[tm["kind"] == "condition"]
    conditions = cm.groupby("record_id", sort=False)["term"].agg(" ".join).to_dict()
    oc = _outcome_texts(rs, ids)
    titles: dict[str, list[str]] = {}
    per_outcome: dict[str, list[str]] = {}
    for rid, measure, desc, frame in zip(
        oc["record_id"].tolist(),
        oc["measure"].tolist(),
        oc["description"].fillna("").tolist(),
        oc["time_frame"].fillna("").tolist(),
        strict=True,
    ):
        titles.setdefault(rid, []).append(measure)
        per_outcome.setdefault(rid, []).append(f"{measure} \n {desc} \n {frame}")
    iv = rs.interventions
    iv = iv[iv["record_id"].isin(ids)]
    iv_names = (
        (iv["name"].fillna("") + "|" + iv["other_names"].fillna(""))
        .groupby(iv["record_id"], sort=False)
        .agg("|".join)
        .to_dict()
    )
    order = {c: i for i, c in enumerate(cfg.fields)}
    cand = cand.assign(_order=cand["column"].map(order)).sort_values(["_order"], kind="stable")

    rows: list[dict[str, Any]] = []
    for rid, cols, texts in _grouped(cand):
        srow = studies[rid]
        tl = [str(srow[c]) for c in title_cols if isinstance(srow[c], str)]
        narrative = "\n".join(tl + [str(srow[c]) for c in cfg.fields if isinstance(srow[c], str)])
        otext = " \n ".join(per_outcome.get(rid, []))
        rterms = [str(t) for t in terms.get(rid, [])]
        record_text = narrative + "\n" + otext + "\n" + "\n".join(rterms)
        meanings: dict[str, Meaning | None] | None = None
        topic = "\n".join(tl + rterms)
        rtitles = [str(t) for t in titles.get(rid, [])]
        outcomes = [str(t) for t in per_outcome.get(rid, [])]
        abbrs = _LazyAbbreviations(narrative + "\n" + "\n".join(outcomes))
        index: OutcomeIndex | None = None
        drug_words = _treatment_words(str(iv_names.get(rid, "")), cfg.lex)
        cond_words = key_tokens(str(conditions.get(rid, "")), cfg.lex)
        seen: set[str] = set()
        seen_items: dict[frozenset[str], bool] = {}  # an item's keys -> whether covered
        for col, text in zip(cols, texts, strict=True):
            mentions = find_mentions(text, cfg)
            stmts = endpoint_statements(text, cfg)
            covered_at: list[int] = []  # where items found covered end (their members follow)
            for stmt in stmts:
                for s, e, surface, key in _in_statement(mentions, text, stmt, cfg):
                    if meanings is None:
                        meanings = record_meanings(narrative + "\n" + otext, cfg)
                    meaning = _resolve(surface, key, meanings, record_text, topic, cfg)
                    if meaning is None or meaning.key in seen:
                        continue
                    if (
                        meaning.endpoint is not None
                        and meaning.endpoint.explicit_only
                        and not (stmt.explicit)
                    ):
                        continue  # "quality of life will be assessed": a generic aim
                    seen.add(meaning.key)
                    if covered(meaning, otext) or _instrument_registered(text, e, otext):
                        continue
                    msg = _message(meaning, surface, stmt, text, s, rtitles)
                    rows.append(_row(rid, col, s, e, msg))
                for item in statement_items(text, stmt, cfg.lex, abbrs, drug_words, cond_words):
                    if any(ms < item.end and item.start < me for ms, me, _, _ in mentions):
                        continue  # the vocabulary decides
                    before = text[max(stmt.start, item.start - 150) : item.start]
                    if _COVARIATE_LIST.search(before):
                        continue  # "risk factors such as age, BMI and dose": covariates
                    if item.keys in seen_items:
                        if seen_items[item.keys]:
                            covered_at.append(item.end)  # its members are covered too
                        continue
                    seen_items[item.keys] = False
                    if index is None:
                        index = outcome_index(outcomes, rtitles, abbrs.all(), cfg.lex)
                    parts = _class_parts(item)
                    direct = [_directly_covered(part, index) for part in parts]
                    if all(direct):
                        if _whole_covered(item, index, cfg.lex):
                            covered_at.append(item.end)  # a whole its listed members belong to
                            seen_items[item.keys] = True
                        continue
                    if all(
                        done
                        or _category_covered(part, outcomes, cfg.lex)
                        or _listed_under_covered(
                            part, text[item.start : item.end], before, index, cfg.lex
                        )
                        or _member_of_covered(
                            part,
                            text,
                            item.start,
                            covered_at,
                            before,
                            index,
                            cfg.lex,
                            drug_words,
                            cond_words,
                        )
                        for part, done in zip(parts, direct, strict=True)
                    ):
                        continue
                    surface = " ".join(text[item.start : item.end].split())
                    meaning = Meaning("open", "", surface, None)
                    msg = _message(meaning, surface, stmt, text, item.start, rtitles)
                    rows.append(_row(rid, col, item.start, item.end, msg))
    return kind_frame(rows)


def _directly_covered(item: Item, index: OutcomeIndex) -> bool:
    """An outcome carries the item's key words, or those of an alternative of it (its
    abbreviation, its instrument, its class)."""
    return covering_outcome(item.keys, index, item.strict) is not None or any(
        covering_outcome(a, index, item.strict) is not None for a in item.alternatives
    )


def _whole_covered(item: Item, index: OutcomeIndex, lex: Lexicon) -> bool:
    """Whether an outcome carries every key word of the item (or of an alternative of it),
    and the item names more than a category ("cytokines", "markers": any outcome of the kind
    covers those, not the members a list then names)."""
    if item.keys <= lex.category:
        return False
    return any(
        covering_outcome(keys, index, strict=True) is not None
        for keys in (item.keys, *item.alternatives)
    )


def _class_parts(item: Item) -> list[Item]:
    """An item naming two synonym classes run together ("PK/ pharmacodynamic profiles",
    "pharmacokinetics (PK) pharmacodynamics") is two endpoints: each class must be measured
    by an outcome of its own (an outcome on one does not cover the other in part)."""
    classes = sorted(k for k in item.keys if k.startswith("~") and k != _CAUSE_KEY)
    if len(classes) < 2:
        return [item]
    return [dataclasses.replace(item, keys=frozenset([k]), alternatives=()) for k in classes]


_COVARIATE_LIST = LazyPattern(
    r"\b(?:factors|variables|characteristics|covariates|predictors|confounders|demographics|"
    r"features|determinants|moderators|mediators)\s*(?:\(|,|:)?\s*(?:such\s+as|including|like|"
    r"e\.g\.|namely|:)[^.;:]*$",
    re.I,
)
_UNDER_CLASS = LazyPattern(
    r"\b(?P<cls>side[- ]effects?|adverse (?:events?|effects?|reactions?)|toxicit(?:y|ies)|"
    r"complications?|immune responses?|pharmacokinetic\w*|biomarkers?|markers?)\b\s*(?:\(|,|:)?\s*"
    r"(?:such\s+as|including|like|e\.g\.|namely|:)[^.;:]*$",
    re.I,
)


def _listed_under_covered(
    item: Item, surface: str, before: str, index: OutcomeIndex, lex: Lexicon
) -> bool:
    """ "side effects such as sore throat and changes in white cell counts": a member of a
    list under a class is covered by an outcome of the class; an analyte by an outcome of the
    classes it implies ("persistence of antibody" by "Immune response")."""
    keys: set[str] = set()
    m = _UNDER_CLASS.search(before)
    if m is not None:
        keys |= key_tokens(m.group("cls"), lex) & set(lex.synonym_keys)
    if item.kind in ("analytes", "pk", "molecular"):
        low = _normalised(surface)
        keys |= implied_classes(low, lex) - lex.generic - lex.outcome_only
    return any(covering_outcome(frozenset([k]), index) is not None for k in keys)


# a list of members after what they belong to: "complications (i.e., thrombosis)", "gene
# expression and mutations, including CDKN2A and CDK4"
_MEMBERS_INTRO = r"(?:i\.\s?e\.|e\.\s?g\.|such\s+as|including|namely|in\s+particular|particularly|especially|specifically|notably)"
_MEMBERS_AFTER = LazyPattern(rf"^\s*(?:[,:(\[]\s*)?{_MEMBERS_INTRO}\s*[,:]?\s*[^.;:()\[\]]*$", re.I)
_PARENT_BEFORE = LazyPattern(
    rf"(?P<parent>[^.;:()\[\]]{{3,120}}?)\s*(?:[,:(\[]\s*)?\b{_MEMBERS_INTRO}\s*[,:]?\s*[^.;:()\[\]]*$",
    re.I,
)
# where a parent phrase starts: after a preposition or a measuring verb
_PARENT_START = LazyPattern(
    r".*\b(?:for|on|in|by|with|to|from|at|as|assess\w*|evaluat\w*|measur\w*|determin\w*|"
    r"examin\w*|analy[sz]\w*|include[sd]?|are|is|were|was|be)\s+",
    re.I | re.S,
)


def _member_of_covered(
    item: Item,
    text: str,
    start: int,
    covered_at: list[int],
    before: str,
    index: OutcomeIndex,
    lex: Lexicon,
    topic: frozenset[str],
    condition: frozenset[str],
) -> bool:
    """A member listed after what it belongs to ("clinically significant catheter-related
    complications (i.e., asymptomatic catheter-related thrombosis)", "mediators of
    inflammation (e.g., C5a, leukotriene B4, interleukins)") is measured by the outcome that
    measures the whole: covered when the item right before the list is covered by its own key
    words, or when one outcome carries the key words of the whole and its head noun (the
    measured thing, not only a modifier: "p53 and other genes, particularly p21" is not
    covered by an outcome on p53 alone). A named instrument is never covered so: it must be
    named ("quality of life, such as the SF-36 and the EQ-5D" with only the SF-36 registered
    leaves the EQ-5D out)."""
    if item.strict:
        return False
    if any(_MEMBERS_AFTER.search(text[end:start]) for end in covered_at if end <= start):
        return True
    m = _PARENT_BEFORE.search(before)
    if m is None:
        return False
    parent = m.group("parent")
    cut = _PARENT_START.match(parent)
    if cut is not None:
        parent = parent[cut.end() :]
    parent = re.split(r"\s*(?:,|\band\b|\bor\b|&)\s*", parent)[-1]  # the last conjunct
    parent = " ".join(parent.split()[-6:])
    lead = lex.lead_start.match(parent)  # "Compare the quality of life, including ..."
    if lead is not None:
        parent = parent[lead.end() :]
    whole = _head(parent.strip(), lex)
    last = _WORD.findall(_normalised(whole)) if whole else []
    if whole is None or not last:
        return False
    head = stem(last[-1])
    if head in lex.category or head in lex.frame:
        # a category ("EGFR-signaling pathway biomarkers, including ... p27"): the whole is
        # what its modifiers name, and an outcome must carry two of them (or the only one)
        mods = _minus(key_tokens(whole, lex) - topic, condition) - lex.generic - lex.category
        mods = frozenset(k for k in mods if not k.startswith("~"))
        need = min(2, len(mods))
        return need > 0 and any(
            sum(_token_in(k, toks, toks_list, roots, lex) for k in mods) >= need
            for toks, toks_list, roots in zip(index.sets, index.lists, index.roots, strict=True)
        )
    if head in lex.ignore or head in lex.generic:
        # a generic aim ("quality of life, including palliation of bone pain"): the members
        # are the endpoints
        return False
    if head in lex.nonmeasure or (head in topic and head not in lex.measure_heads):
        return False  # "the effects of aspirin, including ...": no measured whole
    keys = (_minus(key_tokens(whole, lex) - topic, condition) - lex.generic) | {head}
    keys = frozenset(k for k in keys if not k.startswith("~") or k in lex.typed_classes)
    for toks, toks_list, roots in zip(index.sets, index.lists, index.roots, strict=True):
        carried = [k for k in keys if _token_in(k, toks, toks_list, roots, lex)]
        if head in carried and (len(carried) >= 2 or len(keys) == 1):
            return True  # the outcome measures the whole: its head noun and a modifier
    return False


_LEVEL_OF = LazyPattern(
    r"\b(?:levels?|concentrations?)\s+of\b|\b[A-Za-z0-9-]+\s+(?:levels?|concentrations?)\b", re.I
)
# what a drug's effect is read on: proteins, enzymes, receptors and their changes ("HSP90
# client protein changes", "proteasome activity", "receptor phosphorylation")
_PD_MARKER = LazyPattern(
    r"\b(?:proteins?|enzymes?|receptors?|kinases?|phosphorylation|enzyme activity)\b", re.I
)
# a drug's own concentration (peak, trough, over the dosing interval) is pharmacokinetics
_PK_OUTCOME = LazyPattern(
    r"\b(?:study drugs?|pharmacokinetic|C ?max|C ?min|C ?trough|T ?max|AUC|half-life|clearance|"
    r"(?:trough|peak|maximum|minimum)\s+(?:observed\s+)?(?:plasma\s+|serum\s+)?concentration|"
    r"drug\s+(?:concentrations?|levels?)|(?:concentrations?|levels?)\s+of\s+(?:the\s+)?"
    r"(?:study|investigational|trial)\s+(?:drugs?|products?|medications?))",
    re.I,
)
# immunogenicity: antibodies the body makes against the drug, no pharmacodynamic effect of it
_ADA_OUTCOME = LazyPattern(
    r"\b(?:immunogenicity|anti-?drug antibod\w*|ADAs?|neutrali[sz]ing antibod\w*(?:\s+against|\s+to)\s+"
    r"(?:the\s+)?(?:study\s+)?drug)\b",
    re.I,
)


# a tumour marker's response or progression (PSA, CA-125) measures the disease, not the drug
_TUMOUR_MARKER = LazyPattern(
    r"\b(?:PSA|prostate[- ]specific antigen|CA[- ]?125|CA[- ]?19-?9|CA[- ]?15-?3|CEA|"
    r"carcinoembryonic antigen|AFP|alpha[- ]?fetoprotein|M[- ]protein|paraprotein)\b",
    re.I,
)


def _category_covered(item: Item, outcomes: list[str], lex: Lexicon) -> bool:
    """An item that names only a category ("cytokines", "inflammatory markers",
    "complications") is covered by any outcome of its kind (an analyte, an event)."""
    typed = dict(lex.typed)
    # the class with words that say nothing more ("PD effects", "pharmacodynamic parameters")
    if item.keys - lex.generic - lex.frame == {"~pd"}:
        # pharmacodynamics: any outcome on an analyte or a molecular measure
        pats = [p for k in ("analytes", "molecular") if (p := typed.get(k)) is not None]
        pats += [_LEVEL_OF.compiled(), _PD_MARKER.compiled()]
        return any(
            p.search(o)
            for p in pats
            for o in outcomes
            if not _PK_OUTCOME.search(o)
            and not _ADA_OUTCOME.search(o)
            and not _TUMOUR_MARKER.search(o)
        )
    if not item.keys or not item.keys <= lex.category:
        return False
    pat = typed.get(item.kind)
    return pat is not None and any(pat.search(o) for o in outcomes)


class _LazyAbbreviations:
    """A record's own abbreviations, read from its text on first use (most records never
    need them)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: dict[str, str] | None = None

    def all(self) -> dict[str, str]:
        if self._found is None:
            self._found = record_abbreviations(self._text)
        return self._found

    def get(self, code: str) -> str | None:
        return self.all().get(code)


def _row(rid: str, col: str, start: int, end: int, msg: str) -> dict[str, Any]:
    return {
        "record_id": rid,
        "field": STUDY_FIELD_PATHS[col],
        "start": start,
        "end": end,
        "message": msg,
    }


def _treatment_words(names: str, lex: Lexicon) -> frozenset[str]:
    """Stems of the interventions' names and the initials of each ("Sentinel Lymph Node
    Dissection" -> "slnd"): what names the treatment, not a measured thing."""
    # words of four letters or more, and shorter codes with a digit ("Ad5" of "PDGF-B/Ad5")
    out = {stem(w) for w in words(names) if len(w) >= 4 or (len(w) >= 2 and _HAS_DIGIT.search(w))}
    for name in names.split("|"):
        found = [w for w in re.findall(r"[A-Za-z]+", name) if w.lower() not in _FUNCTION_WORDS]
        if 2 <= len(found) <= 6:
            out.add("".join(w[0].lower() for w in found))
    return frozenset(out) - lex.generic


def _grouped(cand: pd.DataFrame) -> list[tuple[str, list[str], list[str]]]:
    """(record_id, columns, texts) per candidate record, columns in ``fields`` order."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for rid, col, text in zip(cand["record_id"], cand["column"], cand["text"], strict=True):
        cols, texts = out.setdefault(str(rid), ([], []))
        cols.append(str(col))
        texts.append(str(text))
    return [(rid, cols, texts) for rid, (cols, texts) in out.items()]


def _resolve(
    surface: str,
    key: str | None,
    meanings: dict[str, Meaning | None],
    record_text: str,
    topic: str,
    cfg: Config,
) -> Meaning | None:
    """What a mention means in this record; None when it is left alone: an abbreviation the
    record defines unreadably, one whose context does not fit, or the record's own other
    meaning that is the condition studied (in the titles or conditions), not an endpoint."""
    if key is not None:  # named in full
        ep = next(ep for ep in cfg.endpoints if ep.key == key)
        if ep.context is not None and not ep.context.search(record_text):
            return None
        own = [m for a in ep.abbreviations if (m := meanings.get(a)) is not None and m.key == key]
        return (
            Meaning(ep.key, own[0].abbr, own[0].expansion, ep)
            if own
            else Meaning(ep.key, "", surface, ep)
        )
    abbr = surface if surface in cfg.by_abbr else _singular(surface)
    if abbr not in cfg.by_abbr:
        return None
    if abbr in meanings or surface in meanings:
        m = meanings.get(abbr) or meanings.get(surface)
        if m is None or (m.endpoint is None and _mentions_all(topic, m.expansion)):
            return None
        return Meaning(m.key, surface, m.expansion, m.endpoint)
    ep = cfg.by_abbr[abbr]
    if ep.context is not None and not ep.context.search(record_text):
        return None
    return Meaning(ep.key, surface, ep.name, ep)


KINDS = (
    FunctionKind(
        name="endpoint_coverage", run_fn=run, validate_fn=validate, prefilter_fn=prefilter
    ),
)
