"""Kind `endpoint_coverage`: an endpoint the narrative names in an endpoint or objective
statement that no registered outcome measure measures.

Flow, per chunk:

1. Records that carry outcome measures (at least one registered measure, and an input that
   carries all outcome kinds) are the only ones looked at.
2. A vectorized pyarrow prefilter keeps the narrative fields (``fields``) that name some
   endpoint of the vocabulary (an abbreviation such as ``DCR`` or a name such as "disease
   control rate") *and* carry endpoint-statement wording (``statement_words``).
3. On those few texts, Python finds the endpoint statements: lines under an endpoint or
   objective heading ("Secondary endpoint:", "PRIMARY OBJECTIVES:") up to the next unrelated
   heading, and sentences with an inline cue ("the primary endpoint is", "To assess ...",
   "will be evaluated"); sentences with background wording ("has been shown", "previous
   studies", "median OS of 3 months") are dropped.
4. Each mention in a statement resolves to an endpoint: the record's own expansion of an
   abbreviation wins ("asthma exacerbations (AEs)" is not adverse events; an expansion that is
   the condition studied is no endpoint); an unexpanded abbreviation, and a name, count only
   when the record's text fits the endpoint's ``context``.
5. An endpoint is covered when the record's outcome measures (measure + description of every
   primary, secondary and other outcome) match its ``covered_by`` pattern, or, for a record's
   own expansion, contain every content word of it, or contain the instrument the narrative
   names right after the mention ("quality of life questionnaire (NEI-VFQ-25)").

One finding per record and missing endpoint, at its first mention (fields in ``fields`` order).

Params. Every pattern is a Python regex, or a list of alternatives; ``names`` and
``statement_words`` also run in RE2 (the prefilter), so keep them to plain alternations.

- ``fields``: study columns to read (default: brief_summary, detailed_description).
- ``endpoints``: list of {key, name, abbreviations, names, covered_by, context?}: ``names``
  in lower case (matched case-insensitively from a word start; a space matches any run of
  whitespace); ``covered_by`` case-insensitive over outcome text (the abbreviation as a token
  always covers); ``context`` a regex or the name of one in ``contexts``.
- ``contexts``: named regexes an endpoint's ``context`` may refer to.
- ``statement_words``: prefilter for endpoint-statement wording (case-insensitive).
- ``heading_words``: what makes a heading or a label an endpoint/objective one.
- ``heading_qualifiers``: words that may precede a heading word in a bare label line
  ("Primary", "Key secondary", "Study").
- ``keep_scope_labels``: sub-headings that do not end an endpoint heading's scope.
- ``cues``: inline cues that make a whole sentence an endpoint statement.
- ``cues_before``: cues that make an endpoint statement of the part of the sentence before
  them ("X and AEs will be evaluated").
- ``not_after``: words right before a mention that make it no measured endpoint ("no such
  adverse events", "a committee to assess adverse events").
- ``background``: wording that makes a sentence background, not an endpoint statement.
- ``qualifiers``: words right before an abbreviation that make it a different endpoint
  ("CNS ORR", "IPSS QoL"): such mentions are left alone.
- ``scope_lines``: how many non-empty lines a heading's scope runs at most.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet
from .base import FunctionKind, require_keys

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
    "not_after",
    "background",
    "qualifiers",
    "scope_lines",
}
_REQUIRED = {
    "endpoints",
    "statement_words",
    "heading_words",
    "heading_qualifiers",
    "cues",
    "background",
}
_ENDPOINT_KEYS = {"key", "name", "abbreviations", "names", "covered_by", "context"}
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
_BULLET = re.compile(r"^(?:[-*•·▪◦‣>]+|\(?[0-9]{1,2}[.)]|\(?[ivxIVX]{1,5}[.)]|\(?[a-hA-H][.)])\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=。)")


@dataclass(frozen=True)
class Endpoint:
    key: str
    name: str
    abbreviations: tuple[str, ...]
    names: re.Pattern[str]
    covered_by: re.Pattern[str]
    context: re.Pattern[str] | None


@dataclass(frozen=True)
class Config:
    fields: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    by_abbr: dict[str, Endpoint]
    abbr_re: re.Pattern[str]  # any vocabulary abbreviation as a token (case-sensitive)
    names_re: re.Pattern[str]  # any vocabulary name (case-insensitive), group per endpoint
    names_lower: re.Pattern[str]  # the same, case-sensitive, for lower-cased text
    name_groups: tuple[str, ...]  # group name -> endpoint key, by position
    prefilter_mention: str  # RE2
    prefilter_statement: str  # RE2
    heading_colon: re.Pattern[str]
    heading_bare: re.Pattern[str]
    inline_label: re.Pattern[str]
    generic_label: re.Pattern[str]
    keep_scope: re.Pattern[str]
    cues: re.Pattern[str]
    cues_before: re.Pattern[str]
    not_after: re.Pattern[str]
    background: re.Pattern[str]
    qualifiers: re.Pattern[str]
    scope_lines: int


@dataclass(frozen=True)
class Statement:
    start: int
    end: int
    label: str  # the heading it sits under, or "" for an inline cue
    limit: int  # mentions count only when they start before this offset


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
            )
        )
    by_abbr = {a: ep for ep in endpoints for a in ep.abbreviations}
    all_abbrs = list(by_abbr)
    groups = tuple(f"e{i}" for i in range(len(endpoints)))
    names_alts = "|".join(
        f"(?P<{g}>{ep.names.pattern})" for g, ep in zip(groups, endpoints, strict=True)
    )
    names_re = re.compile(f"(?<![A-Za-z0-9])(?:{names_alts})", re.I)
    names_lower = re.compile(f"(?<![a-z0-9])(?:{names_alts})")  # on lower-cased text: faster
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
        cues_before=re.compile(_pat(params.get("cues_before") or r"(?!x)x"), re.I),
        not_after=re.compile("(?:" + _pat(params.get("not_after") or r"(?!x)x") + r")\s*$", re.I),
        background=re.compile(_pat(params["background"]), re.I),
        qualifiers=re.compile(_pat(params.get("qualifiers") or r"(?!x)x") + r"$"),
        scope_lines=int(params.get("scope_lines", 25)),
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
        elif label and (
            (not bulleted and cfg.generic_label.match(body) and not cfg.keep_scope.search(body))
            or (consumed and gap and not bulleted)
        ):
            label = ""
        sentences = _sentences(text, content_start, le)
        for s, e in sentences:
            if only is not None:
                i = bisect.bisect_left(only, s)
                if i == len(only) or only[i] >= e:
                    continue
            sent = " ".join(text[s:e].split())
            if cfg.background.search(sent):
                continue
            if label:
                out.append(Statement(s, e, label, e))
            elif cfg.cues.search(sent):
                out.append(Statement(s, e, "", e))
            elif m_before := cfg.cues_before.search(text, s, e):
                out.append(Statement(s, e, "", m_before.start()))
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


# --- the kind --------------------------------------------------------------------------------


_INSTRUMENT_AFTER = re.compile(
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


def _outcomes_complete(present: Any) -> bool:
    """False when the input says it carries only some outcome kinds (a CSV export with a
    primary outcomes column but no secondary or other one); True when it carries all three or
    does not say per kind."""
    if not isinstance(present, str) or not present:
        return True
    tokens = set(present.split("|"))
    per_kind = {t for t in tokens if t.startswith("outcomes[")}
    if not per_kind:
        return True
    return all(f"outcomes[{k}]" in per_kind for k in _REGISTERED_KINDS)


def _outcome_texts(rs: RecordSet) -> pd.Series:
    oc = rs.outcomes
    oc = oc[oc["measure"].notna() & (oc["measure"].str.strip().str.len() > 0)]
    if oc.empty:
        return pd.Series(dtype="str")
    txt = oc["measure"] + " \n " + oc["description"].fillna("")
    return txt.groupby(oc["record_id"], sort=False).agg(" \n ".join)


def _candidates(st: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    parts = []
    for col in cfg.fields:
        if col not in st:
            continue
        text = st[col]
        arr = pa.array(text.astype(object).where(text.notna(), None), pa.string())
        hit = pc.and_(
            pc.match_substring_regex(arr, cfg.prefilter_mention),
            pc.match_substring_regex(arr, cfg.prefilter_statement),
        )
        mask = pc.fill_null(hit, False).to_numpy(zero_copy_only=False)
        if mask.any():
            parts.append(
                pd.DataFrame(
                    {"record_id": st["record_id"][mask], "column": col, "text": text[mask]}
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
        if _part_of_other_term(text, m.start(), m.end(), ep):
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
    outcome_text = _outcome_texts(rs)
    if outcome_text.empty or st.empty:
        return kind_frame([])
    ok = st["record_id"].isin(outcome_text.index)
    if "present_fields" in st:
        ok &= st["present_fields"].map(_outcomes_complete).astype(bool)
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
    oc = rs.outcomes[rs.outcomes["record_id"].isin(ids) & rs.outcomes["measure"].notna()]
    titles = oc.groupby("record_id", sort=False)["measure"].agg(list).to_dict()
    order = {c: i for i, c in enumerate(cfg.fields)}
    cand = cand.assign(_order=cand["column"].map(order)).sort_values(["_order"], kind="stable")

    rows: list[dict[str, Any]] = []
    for rid, cols, texts in _grouped(cand):
        srow = studies[rid]
        tl = [str(srow[c]) for c in title_cols if isinstance(srow[c], str)]
        narrative = "\n".join(tl + [str(srow[c]) for c in cfg.fields if isinstance(srow[c], str)])
        otext = str(outcome_text.get(rid, ""))
        rterms = [str(t) for t in terms.get(rid, [])]
        record_text = narrative + "\n" + otext + "\n" + "\n".join(rterms)
        meanings = record_meanings(narrative + "\n" + otext, cfg)
        topic = "\n".join(tl + rterms)
        seen: set[str] = set()
        for col, text in zip(cols, texts, strict=True):
            mentions = find_mentions(text, cfg)
            if not mentions:
                continue
            for stmt in endpoint_statements(text, cfg, [m[0] for m in mentions]):
                for s, e, surface, key in _in_statement(mentions, text, stmt, cfg):
                    meaning = _resolve(surface, key, meanings, record_text, topic, cfg)
                    if meaning is None or meaning.key in seen:
                        continue
                    seen.add(meaning.key)
                    if covered(meaning, otext) or _instrument_registered(text, e, otext):
                        continue
                    msg = _message(
                        meaning, surface, stmt, text, s, [str(t) for t in titles.get(rid, [])]
                    )
                    rows.append(
                        {
                            "record_id": rid,
                            "field": STUDY_FIELD_PATHS[col],
                            "start": s,
                            "end": e,
                            "message": msg,
                        }
                    )
    return kind_frame(rows)


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


KINDS = (FunctionKind(name="endpoint_coverage", run_fn=run, validate_fn=validate),)
