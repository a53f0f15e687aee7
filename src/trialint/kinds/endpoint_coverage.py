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
   abbreviation wins ("asthma exacerbations (AEs)" is not adverse events); an unexpanded
   abbreviation counts only when the record's text fits the endpoint's ``context``.
5. An endpoint is covered when the record's outcome measures (measure + description of every
   primary, secondary and other outcome) match its ``covered_by`` pattern, or, for a record's
   own expansion, contain every content word of it.

One finding per record and missing endpoint, at its first mention (fields in ``fields`` order).

Params (all patterns are Python regexes; ``names``, ``statement_words`` are also run by RE2 in
the prefilter, so keep them to plain alternations):

- ``fields``: study columns to read (default: brief_summary, detailed_description).
- ``endpoints``: list of {key, name, abbreviations, names, covered_by, context?}.
- ``contexts``: named regexes an endpoint's ``context`` may refer to by name.
- ``statement_words``: prefilter for endpoint-statement wording (case-insensitive).
- ``heading_words``: what makes a heading or a label an endpoint/objective one.
- ``keep_scope_labels``: sub-headings that do not end an endpoint heading's scope.
- ``cues``: inline cues that make a sentence an endpoint statement.
- ``background``: wording that makes a sentence background, not an endpoint statement.
- ``qualifiers``: words right before an abbreviation that make it a different endpoint
  ("CNS ORR", "IPSS QoL"): such mentions are left alone.
- ``scope_lines``: how many non-empty lines a heading's scope runs at most.
"""

from __future__ import annotations

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
    "keep_scope_labels",
    "cues",
    "background",
    "qualifiers",
    "scope_lines",
}
_REQUIRED = {"endpoints", "statement_words", "heading_words", "cues", "background"}
_ENDPOINT_KEYS = {"key", "name", "abbreviations", "names", "covered_by", "context"}
_DEFAULT_FIELDS = ("brief_summary", "detailed_description")
_STOPWORDS = frozenset(
    "a an and as at by for from in into of on or per the to with without within rate rates "
    "number incidence proportion time".split()
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
    name_groups: tuple[str, ...]  # group name -> endpoint key, by position
    prefilter_mention: str  # RE2
    prefilter_statement: str  # RE2
    heading_line: re.Pattern[str]
    inline_label: re.Pattern[str]
    generic_label: re.Pattern[str]
    keep_scope: re.Pattern[str]
    cues: re.Pattern[str]
    background: re.Pattern[str]
    qualifiers: re.Pattern[str]
    scope_lines: int


@dataclass(frozen=True)
class Statement:
    start: int
    end: int
    label: str  # the heading it sits under, or "" for an inline cue


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


def _check_re2(pattern: str, what: str) -> None:
    try:
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except pa.ArrowInvalid as e:
        raise ValueError(f"{what}: not a pattern RE2 can run (keep it a plain alternation): {e}") from e


@functools.lru_cache(maxsize=16)
def _compile(frozen: str) -> Config:
    params: dict[str, Any] = json.loads(frozen)
    contexts = {k: str(v) for k, v in (params.get("contexts") or {}).items()}
    endpoints: list[Endpoint] = []
    for raw in params["endpoints"]:
        ctx = raw.get("context")
        ctx_pat = contexts.get(ctx, ctx) if isinstance(ctx, str) else None
        abbrs = tuple(str(a) for a in raw.get("abbreviations") or ())
        cover = str(raw["covered_by"])
        if abbrs:  # the abbreviation itself, as a token, always covers
            cover = f"{cover}|(?-i:{_abbr_token(list(abbrs))})"
        endpoints.append(
            Endpoint(
                key=str(raw["key"]),
                name=str(raw["name"]),
                abbreviations=abbrs,
                names=re.compile(str(raw["names"]), re.I),
                covered_by=re.compile(cover, re.I),
                context=re.compile(ctx_pat, re.I) if ctx_pat else None,
            )
        )
    by_abbr = {a: ep for ep in endpoints for a in ep.abbreviations}
    all_abbrs = list(by_abbr)
    groups = tuple(f"e{i}" for i in range(len(endpoints)))
    names_re = re.compile(
        "|".join(f"(?P<{g}>{ep.names.pattern})" for g, ep in zip(groups, endpoints, strict=True)),
        re.I,
    )
    alts = "|".join(re.escape(a) for a in sorted(all_abbrs, key=len, reverse=True))
    prefilter_mention = (
        f"(?:^|[^A-Za-z0-9])(?:{alts})s?(?:$|[^A-Za-z0-9])|"
        + "(?i:"
        + "|".join(f"(?:{ep.names.pattern})" for ep in endpoints)
        + ")"
    )
    words = str(params["heading_words"])
    heading_line = re.compile(
        rf"^[^A-Za-z]*(?:[A-Za-z/&()-]+[ \t]+){{0,6}}?(?:{words})[^:\n]{{0,40}}:?[^A-Za-z]*$", re.I
    )
    inline_label = re.compile(
        rf"^[^A-Za-z]*(?P<label>(?:[A-Za-z/&()-]+[ \t]+){{0,5}}?(?:{words})[A-Za-z() \t/-]{{0,30}}?)[ \t]*:[ \t]*(?=\S)",
        re.I,
    )
    return Config(
        fields=tuple(params.get("fields") or _DEFAULT_FIELDS),
        endpoints=tuple(endpoints),
        by_abbr=by_abbr,
        abbr_re=re.compile(_abbr_token(all_abbrs)),
        names_re=names_re,
        name_groups=groups,
        prefilter_mention=prefilter_mention,
        prefilter_statement="(?i)" + str(params["statement_words"]),
        heading_line=heading_line,
        inline_label=inline_label,
        generic_label=re.compile(r"^[^A-Za-z]*[A-Za-z][A-Za-z0-9 ,/&()'-]{1,60}:(?:[ \t]|$)"),
        keep_scope=re.compile(str(params.get("keep_scope_labels") or r"(?!x)x"), re.I),
        cues=re.compile(str(params["cues"]), re.I),
        background=re.compile(str(params["background"]), re.I),
        qualifiers=re.compile(str(params.get("qualifiers") or r"(?!x)x") + r"$"),
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
        _check_re2(str(ep["names"]), f"endpoint {ep['key']}: names")
        for k in ("names", "covered_by"):
            re.compile(str(ep[k]))
    for k in ("statement_words", "heading_words", "cues", "background", "qualifiers", "keep_scope_labels"):
        if params.get(k) is not None:
            re.compile(str(params[k]))
    _check_re2("(?i)" + str(params["statement_words"]), "statement_words")
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


def endpoint_statements(text: str, cfg: Config) -> list[Statement]:
    """The spans of ``text`` that are endpoint or objective statements (background dropped)."""
    out: list[Statement] = []
    label = ""
    left = 0
    pos = 0
    for raw in text.splitlines(keepends=True):
        ls = pos
        pos += len(raw)
        line = raw.rstrip("\r\n")
        body = line.strip()
        if not body:
            continue
        ls += len(line) - len(line.lstrip())
        le = ls + len(body)
        bulleted = bool(_BULLET.match(body))
        content_start = ls
        if len(body) <= 120 and cfg.heading_line.match(body):
            label, left = body, cfg.scope_lines
            continue
        m = cfg.inline_label.match(body)
        if m:
            label, left = m.group("label").strip() + ":", cfg.scope_lines
            content_start = ls + m.end()
        elif not bulleted and cfg.generic_label.match(body) and not cfg.keep_scope.search(body):
            label, left = "", 0
        for s, e in _sentences(text, content_start, le):
            sent = text[s:e]
            if cfg.background.search(sent):
                continue
            if label and left > 0:
                out.append(Statement(s, e, label))
            elif cfg.cues.search(sent):
                out.append(Statement(s, e, ""))
        if label:
            left -= 1
            if left <= 0:
                label = ""
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
        other: Meaning | None = None
        unreadable = False
        # long form first: "adverse events (AEs)"
        for m in re.finditer(_PAREN_OPEN + "(?-i:" + tok + ")" + _PAREN_CLOSE, text):
            window_words = text[max(0, m.start() - 160) : m.start()].rstrip().split()
            window = " ".join(window_words[-(len(abbr) + 4) :]).strip(" ,;:")
            long = _schwartz_hearst(_singular(abbr), window)
            if (long and ep.names.search(long)) or (long is None and ep.names.search(window)):
                known = True
                break
            if long and _initials_fit(_singular(abbr), long):
                other = other or Meaning(f"abbr:{abbr}", abbr, long, None)
            else:
                unreadable = True
        if not known:
            # short form first: "PFS (progression free survival)"
            for m in re.finditer(
                r"(?<![A-Za-z0-9])(?-i:" + tok + r")\s*\\?[(\[]\s*([A-Za-z][^()\[\]\n]{3,80}?)\s*\\?[)\]]",
                text,
            ):
                long = m.group(1).strip()
                if ep.names.search(long):
                    known = True
                    break
                if _initials_fit(_singular(abbr), long):
                    other = other or Meaning(f"abbr:{abbr}", abbr, long, None)
        if known:
            found[abbr] = Meaning(ep.key, abbr, ep.name, ep)
        elif other is not None:
            found[abbr] = other
        elif unreadable:
            found[abbr] = None
    return found


# --- coverage --------------------------------------------------------------------------------


def _content_stems(phrase: str) -> list[str]:
    words = [w.lower() for w in re.split(r"[^A-Za-z]+", phrase) if len(w) >= 3]
    return [w[:6] for w in words if w not in _STOPWORDS]


def covered(meaning: Meaning, outcome_text: str) -> bool:
    if meaning.endpoint is not None:
        return bool(meaning.endpoint.covered_by.search(outcome_text))
    if re.search(r"(?<![A-Za-z0-9])" + re.escape(_singular(meaning.abbr)) + r"s?(?![A-Za-z0-9])", outcome_text):
        return True
    stems = _content_stems(meaning.expansion)
    low = outcome_text.lower()
    return bool(stems) and all(re.search(r"(?<![a-z])" + re.escape(s), low) for s in stems)


# --- the kind --------------------------------------------------------------------------------


def _outcomes_complete(present: Any) -> bool:
    """False when the input says it carries only some outcome kinds (a CSV with a primary
    outcomes column but no secondary one); True when it carries all or does not say."""
    if not isinstance(present, str) or not present:
        return True
    tokens = set(present.split("|"))
    if tokens & {"outcomes", "outcomes_module"}:
        return True
    kinds = {t for t in tokens if "outcome" in t}
    if not kinds:
        return True
    return any("secondary" in t for t in kinds) and any("primary" in t for t in kinds)


def _outcome_texts(rs: RecordSet) -> pd.Series:
    oc = rs.outcomes
    oc = oc[oc["measure"].notna() & (oc["measure"].str.strip().str.len() > 0)]
    if oc.empty:
        return pd.Series(dtype="str")
    txt = oc["measure"] + " \n " + oc["description"].fillna("")
    return txt.groupby(oc["record_id"], sort=False).agg(" \n ".join)


def _outcome_titles(rs: RecordSet, record_id: str) -> list[str]:
    oc = rs.outcomes
    m = oc.loc[(oc["record_id"] == record_id) & oc["measure"].notna(), "measure"]
    return [str(x) for x in m]


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
            parts.append(pd.DataFrame({"record_id": st["record_id"][mask], "column": col, "text": text[mask]}))
    if not parts:
        return pd.DataFrame({"record_id": [], "column": [], "text": []})
    return pd.concat(parts, ignore_index=True)


def _mentions(text: str, stmt: Statement, cfg: Config) -> list[tuple[int, int, str, str | None]]:
    """(start, end, surface, endpoint key or None for an abbreviation) in one statement."""
    out: list[tuple[int, int, str, str | None]] = []
    for m in cfg.names_re.finditer(text, stmt.start, stmt.end):
        group = m.lastgroup or ""
        key = cfg.endpoints[cfg.name_groups.index(group)].key if group in cfg.name_groups else None
        if key is not None:
            out.append((m.start(), m.end(), m.group(0), key))
    for m in cfg.abbr_re.finditer(text, stmt.start, stmt.end):
        before = text[max(stmt.start, m.start() - 20) : m.start()]
        if cfg.qualifiers.search(before):
            continue
        out.append((m.start(), m.end(), m.group(0), None))
    out.sort()
    return out


def _snippet(text: str, stmt: Statement, start: int, width: int = 110) -> str:
    s, e = stmt.start, stmt.end
    if e - s > width:
        s = max(stmt.start, start - width // 2)
        e = min(stmt.end, s + width)
    out = " ".join(text[s:e].split())
    return ("…" if s > stmt.start else "") + out + ("…" if e < stmt.end else "")


def _message(meaning: Meaning, surface: str, stmt: Statement, text: str, start: int, titles: list[str]) -> str:
    abbr_form = meaning.abbr or surface
    if meaning.abbr:
        what = f"{abbr_form} ({meaning.expansion})"
    else:
        what = f'"{surface}"'
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

    whole_cols = [c for c in ("brief_title", "official_title", *cfg.fields) if c in st]
    rows: list[dict[str, Any]] = []
    for rid, group in cand.groupby("record_id", sort=False):
        rid = str(rid)
        srow = st.loc[st["record_id"] == rid].iloc[0]
        narrative = "\n".join(str(srow[c]) for c in whole_cols if isinstance(srow[c], str))
        otext = str(outcome_text.get(rid, ""))
        terms = rs.terms.loc[rs.terms["record_id"] == rid, "term"].dropna().astype(str)
        record_text = narrative + "\n" + otext + "\n" + "\n".join(terms)
        meanings = record_meanings(narrative + "\n" + otext, cfg)
        seen: set[str] = set()
        order = {c: i for i, c in enumerate(cfg.fields)}
        for _, cr in sorted(group.iterrows(), key=lambda kv: order[str(kv[1]["column"])]):
            col, text = str(cr["column"]), str(cr["text"])
            for stmt in endpoint_statements(text, cfg):
                for s, e, surface, key in _mentions(text, stmt, cfg):
                    meaning = _resolve(surface, key, meanings, record_text, cfg)
                    if meaning is None or meaning.key in seen:
                        continue
                    seen.add(meaning.key)
                    if covered(meaning, otext):
                        continue
                    rows.append(
                        {
                            "record_id": rid,
                            "field": STUDY_FIELD_PATHS[col],
                            "start": s,
                            "end": e,
                            "message": _message(meaning, surface, stmt, text, s, _outcome_titles(rs, rid)),
                        }
                    )
    return kind_frame(rows)


def _resolve(
    surface: str, key: str | None, meanings: dict[str, Meaning | None], record_text: str, cfg: Config
) -> Meaning | None:
    if key is not None:  # named in full
        ep = next(ep for ep in cfg.endpoints if ep.key == key)
        abbr = next((a for a in ep.abbreviations if meanings.get(a) and meanings[a].key == key), "")  # type: ignore[union-attr]
        return Meaning(ep.key, abbr, ep.name if abbr else surface, ep)
    abbr = surface if surface in cfg.by_abbr else _singular(surface)
    if abbr not in cfg.by_abbr:
        return None
    if abbr in meanings or surface in meanings:
        m = meanings.get(abbr) or meanings.get(surface)
        if m is None:
            return None
        return Meaning(m.key, surface, m.expansion, m.endpoint)
    ep = cfg.by_abbr[abbr]
    if ep.context is not None and not ep.context.search(record_text):
        return None
    return Meaning(ep.key, surface, ep.name, ep)


KINDS = (FunctionKind(name="endpoint_coverage", run_fn=run, validate_fn=validate),)
