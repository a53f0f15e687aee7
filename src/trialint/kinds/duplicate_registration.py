"""Kind ``duplicate_registration`` (run level): two records with different registration numbers
that describe the same trial, where neither names the other.

A run-level kind sees the whole run, chunk by chunk, in two steps (see ``engine``):

1. ``keys(rs, params)`` per chunk: one compact row per record (normalised title words, acronym,
   sponsor, conditions, interventions, start month, target size, countries, its own and its
   linked registration keys, and where it was read). Only these rows are kept, so memory grows
   with a few hundred bytes per record, not with the records.
2. ``run_keys(keys, params)`` once over the collected rows:
   - **blocking**: every record is put in the blocks of its ``block_words`` rarest title /
     acronym words that at least one other record shares (document frequency over the run);
     blocks larger than ``max_block`` are left out (common words). A pair is a candidate when it
     shares ``min_shared`` blocks or the same acronym. Pairs are generated with numpy per block,
     so the work is near-linear in the records (each record is in a few small blocks);
   - **scoring** each candidate with rapidfuzz: title similarity (best of brief/official titles,
     token-set and token-sort ratios), and agreement of acronym, sponsor, start date, target
     size, countries, conditions and interventions; disagreements (a start a year apart, a
     target size twice as large, different interventions) count against. The score is a
     weighted mean over the pieces of evidence both records carry.
   - **exclusions**: the same registration seen twice (two files, EU CTR country records of one
     EudraCT number: the same ``trial_key``) is never a pair; a pair where one record names the
     other among its secondary ids (or WHO ICTRP flags it as linked to another registration)
     is *bridged*: reported only when ``bridged: true`` (the info rule), never as a duplicate.

Params: ``threshold`` (score to report, 0-1), ``bridged`` (report bridged pairs instead of
unbridged ones), ``within_registry`` (also compare two records of one registry, at
``same_registry_threshold``; off by default), ``block_words``, ``max_block``, ``min_shared``, ``min_title`` (title
similarity below which a pair is never reported).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..findings import FINDING_COLUMNS, coerce_findings, empty_findings
from ..frames import STUDY_FIELD_PATHS, RecordSet
from ..read.registry_ids import find_ids, trial_key
from .base import require_keys
from .patterns import LazyPattern

KEY_COLUMNS = (
    "record_id",
    "registry",
    "key",
    "links",
    "linked_elsewhere",
    "title",
    "title2",
    "words1",  # the meaningful words of title / title2 (stop words out), space-joined
    "words2",
    "acronym",
    "sponsor",
    "conditions",
    "interventions",
    "start",
    "size",
    "countries",
    "field",
    "display",
    "source_path",
    "source_line",
    "source_pointer",
)

DEFAULTS: dict[str, Any] = {
    "threshold": 0.8,
    # two records of one registry: off by default (of 16 such pairs matched in the corpus, 4
    # were one trial registered twice and 12 sibling studies of one sponsor); when on, one
    # title's words must contain the other's, start and size must agree, and the score must
    # reach same_registry_threshold
    "within_registry": False,
    "same_registry_threshold": 0.9,
    "bridged": False,
    "block_words": 4,
    "max_block": 40,
    "min_shared": 2,
    "min_title": 0.6,
}
_ALLOWED = set(DEFAULTS)

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
        "versus",
        "vs",
        "via",
        "its",
        "their",
        "study",
        "trial",
        "trials",
        "clinical",
        "randomized",
        "randomised",
        "controlled",
        "control",
        "multicenter",
        "multicentre",
        "multi",
        "center",
        "centre",
        "phase",
        "open",
        "label",
        "double",
        "blind",
        "single",
        "blinded",
        "placebo",
        "pilot",
        "prospective",
        "retrospective",
        "observational",
        "interventional",
        "efficacy",
        "safety",
        "effect",
        "effects",
        "evaluation",
        "evaluate",
        "evaluating",
        "assess",
        "assessing",
        "assessment",
        "compare",
        "comparing",
        "comparison",
        "patients",
        "patient",
        "subjects",
        "participants",
        "people",
        "adults",
        "adult",
        "children",
        "treatment",
        "therapy",
        "treating",
        "treat",
        "among",
        "based",
        "using",
        "use",
        "after",
        "before",
        "during",
        "new",
        "novel",
        "disease",
        "diseases",
    ]
)
_WORD = LazyPattern(r"[a-z0-9]+(?:-[a-z0-9]+)*")
Row = dict[str, Any]


def _fold(text: Any, limit: int = 600) -> str:
    if not isinstance(text, str):
        return ""
    t = text[:limit].lower()
    if not t.isascii():  # accents off: "Universitätsklinikum" and "Universitatsklinikum" agree
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return " ".join(_WORD.findall(t))


def _words(text: str) -> list[str]:
    return [w for w in text.split() if len(w) >= 3 and w not in _STOP and not w.isdigit()]


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _ALLOWED)
    p = {**DEFAULTS, **params}
    for key in ("threshold", "same_registry_threshold", "min_title"):
        if not 0 <= float(p[key]) <= 1:
            raise ValueError(f"{key} must lie between 0 and 1")
    for k in ("block_words", "max_block", "min_shared"):
        if int(p[k]) < 1:
            raise ValueError(f"{k} must be a positive integer")


# --- step 1: keys per chunk -------------------------------------------------------------------


def keys(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    st = rs.studies
    if st.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in KEY_COLUMNS})
    terms = rs.terms
    cond: dict[str, str] = {}
    if not terms.empty:
        c = terms[terms["kind"] == "condition"]
        for rid, term in zip(_col(c, "record_id"), _col(c, "term"), strict=True):
            cond[rid] = cond[rid] + " ; " + term if rid in cond else term
    ivn: dict[str, str] = {}
    iv = rs.interventions.dropna(subset=["name"])
    for rid, name in zip(_col(iv, "record_id"), _col(iv, "name"), strict=True):
        ivn[rid] = ivn[rid] + " ; " + name if rid in ivn else name
    src = rs.sources
    rec_src = src[src["field"].isna() | (src["field"] == "")].drop_duplicates("record_id")
    src_by = {
        rid: (p, ln, ptr)
        for rid, p, ln, ptr in zip(
            _col(rec_src, "record_id"), _col(rec_src, "path"), _col(rec_src, "line"),
            _col(rec_src, "pointer"), strict=True,
        )
    }  # fmt: skip
    rows = []
    fields = ("record_id", "registry", "nct_id", "secondary_ids", "org_study_id", "brief_title",
              "official_title", "acronym", "lead_sponsor", "start_date", "enrollment_count",
              "countries", "linked_elsewhere")  # fmt: skip
    cols = [_col(st, f) for f in fields]
    for vals in zip(*cols, strict=True):
        r = SimpleNamespace(**dict(zip(fields, vals, strict=True)))
        rid = r.record_id
        own = {trial_key(rid)}
        if isinstance(r.nct_id, str) and r.nct_id:
            own.add(trial_key(r.nct_id))
        links: set[str] = set()
        if isinstance(r.secondary_ids, str):
            links |= {trial_key(i) for i in r.secondary_ids.split("|") if i}
        if isinstance(r.org_study_id, str):  # some records put another registry's id here
            links |= {trial_key(i) for i in find_ids(r.org_study_id)}
        links -= own
        brief = r.brief_title if isinstance(r.brief_title, str) else None
        official = r.official_title if isinstance(r.official_title, str) else None
        field = "brief_title" if brief else "official_title"
        path, line, pointer = src_by.get(rid, (None, None, None))
        rows.append(
            (
                rid,
                r.registry,
                "|".join(sorted(own)),
                "|".join(sorted(links)),
                bool(r.linked_elsewhere) if r.linked_elsewhere is not None else False,
                _fold(brief or official),
                _fold(official) if brief and official else "",
                " ".join(_words(_fold(brief or official))),
                " ".join(_words(_fold(official))) if brief and official else "",
                _fold(r.acronym).replace(" ", ""),
                _fold(r.lead_sponsor),
                _fold(cond.get(rid, "")),
                _fold(ivn.get(rid, "")),
                r.start_date if isinstance(r.start_date, str) else "",
                float(r.enrollment_count) if r.enrollment_count is not None else np.nan,
                _fold((r.countries or "").replace("|", " ; "))
                if isinstance(r.countries, str)
                else "",
                STUDY_FIELD_PATHS[field],
                brief or official or "",
                path if isinstance(path, str) else None,
                None if line is None or pd.isna(line) else int(line),
                pointer if isinstance(pointer, str) else None,
            )
        )
    return pd.DataFrame.from_records(rows, columns=list(KEY_COLUMNS))


# --- step 2: the run -------------------------------------------------------------------------


def _col(k: pd.DataFrame, name: str) -> list[Any]:
    """A key column as a plain list (fast: no per-value boxing of arrow strings)."""
    values: list[Any] = k[name].to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]
    return values


def _records(k: pd.DataFrame) -> list[Row]:
    cols = {c: _col(k, c) for c in k.columns}
    out: list[Row] = [
        dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)
    ]
    for r in out:
        r["_tw"] = [w for w in (r["words1"], r["words2"]) if w]
        for c in KEY_COLUMNS:
            if r[c] is None and c not in ("size", "source_line"):
                r[c] = ""
        if r["size"] is None:
            r["size"] = np.nan
    return out


def candidate_pairs(k: pd.DataFrame, params: dict[str, Any]) -> np.ndarray:
    """(i, j) index pairs (i < j) of records sharing enough rare title words or an acronym."""
    p = {**DEFAULTS, **params}
    n = len(k)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    toks = [
        set(w1.split()) | set(w2.split()) | ({"ACR:" + a} if len(a) >= 3 else set())
        for w1, w2, a in zip(_col(k, "words1"), _col(k, "words2"), _col(k, "acronym"), strict=True)
    ]
    df = Counter(w for ts in toks for w in ts)
    vocab: dict[str, int] = {}
    rec_idx: list[int] = []
    tok_idx: list[int] = []
    kb = int(p["block_words"])
    for i, ts in enumerate(toks):
        shared = [w for w in ts if 2 <= df[w] <= int(p["max_block"])]
        shared.sort(key=lambda w: (df[w], w))
        chosen = shared[:kb] + [w for w in shared[kb:] if w.startswith("ACR:")]
        for w in chosen:
            rec_idx.append(i)
            tok_idx.append(vocab.setdefault(w, len(vocab)))
    if not rec_idx:
        return np.empty((0, 2), dtype=np.int64)
    recs = np.asarray(rec_idx, dtype=np.int64)
    tks = np.asarray(tok_idx, dtype=np.int64)
    order = np.lexsort((recs, tks))
    recs, tks = recs[order], tks[order]
    bounds = np.flatnonzero(np.diff(tks)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(tks)]))
    acr = np.zeros(len(vocab), dtype=bool)
    for w, t in vocab.items():
        acr[t] = w.startswith("ACR:")
    codes: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for s, e in zip(starts, ends, strict=True):
        m = e - s
        if m < 2:
            continue
        members = recs[s:e]
        a, b = np.triu_indices(m, k=1)
        codes.append(members[a] * n + members[b])
        # an acronym shared counts as min_shared words at once
        w = int(p["min_shared"]) if acr[tks[s]] else 1
        weights.append(np.full(len(a), w, dtype=np.int64))
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    allc = np.concatenate(codes)
    allw = np.concatenate(weights)
    uniq, inv = np.unique(allc, return_inverse=True)
    score = np.bincount(inv, weights=allw)
    keep = uniq[score >= int(p["min_shared"])]
    return np.stack([keep // n, keep % n], axis=1)


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    if not a or not b:
        return np.nan
    return max(fuzz.token_set_ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100.0


def _sponsor_sim(a: str, b: str) -> float:
    """Sponsor names: fuzzy, or one the initials of the other ("ffis" for "fundacion para la
    formacion e investigacion sanitaria")."""
    if not a or not b:
        return np.nan
    r = _ratio(a, b)
    for short, long in ((a, b), (b, a)):
        if " " not in short and len(short) >= 3:
            initials = "".join(w[0] for w in long.split() if len(w) > 2 or w in ("e", "y"))
            if initials.startswith(short) or short in initials:
                r = max(r, 0.9)
    return r


_COUNTRY_ALIASES = {"the netherlands": "netherlands", "uk": "united kingdom",
                    "usa": "united states", "united states of america": "united states",
                    "korea republic of": "korea", "republic of korea": "korea",
                    "iran islamic republic of": "iran"}  # fmt: skip


def _overlap(a: str, b: str) -> float:
    """Countries: the share of the smaller list found in the other."""
    if not a or not b:
        return np.nan
    sa = {_COUNTRY_ALIASES.get(c.strip(), c.strip()) for c in a.split(" ; ") if c.strip()}
    sb = {_COUNTRY_ALIASES.get(c.strip(), c.strip()) for c in b.split(" ; ") if c.strip()}
    if not sa or not sb:
        return np.nan
    return len(sa & sb) / min(len(sa), len(sb))


def _title_words(row: Row) -> set[str]:
    return set(row["title"].split()) - _STOP


def _same_registry_alike(x: Row, y: Row) -> bool:
    """Two records of one registry are comparable only when one title's words (numbers
    included) contain the other's, and both give a start within a month and the same target
    size: sibling studies of one sponsor (by age group, country, arm) differ in little else."""
    a, b = _title_words(x), _title_words(y)
    if not (a and b) or not (a <= b or b <= a):
        return False
    ma, mb = _months(x["start"]), _months(y["start"])
    if ma is None or mb is None or abs(ma - mb) > 1:
        return False
    sa, sb = x["size"], y["size"]
    return not (np.isnan(sa) or np.isnan(sb)) and min(sa, sb) >= 0.95 * max(sa, sb) > 0


def _title_sim(x: Row, y: Row) -> float:
    from rapidfuzz import fuzz

    best = 0.0
    for wa in x["_tw"]:
        for wb in y["_tw"]:
            # token_set over meaningful words: one title inside the other counts; the sort
            # ratio keeps "A vs B" apart from "A vs C"
            s = 0.5 * fuzz.token_set_ratio(wa, wb) + 0.5 * fuzz.token_sort_ratio(wa, wb)
            best = max(best, s / 100.0)
    return best


def _months(d: str) -> int | None:
    m = re.match(r"([0-9]{4})-([0-9]{2})", d or "")
    return int(m.group(1)) * 12 + int(m.group(2)) if m else None


def score_pair(x: Row, y: Row) -> tuple[float, list[str], float]:
    """(score 0-1, evidence phrases, title similarity) for two key rows."""
    title = _title_sim(x, y)
    parts: list[tuple[float, float]] = [(title, 3.0)]  # (agreement 0-1, weight)
    ev = [f"titles {title:.2f}"]
    if x["acronym"] and y["acronym"] and len(x["acronym"]) >= 3:
        same = x["acronym"] == y["acronym"]
        parts.append((1.0 if same else 0.3, 1.5))
        if same:
            ev.append(f"acronym {x['acronym'].upper()}")
    s = _sponsor_sim(x["sponsor"], y["sponsor"])
    if not np.isnan(s):
        # registries name sponsors differently (a person, an acronym): weak evidence either way
        parts.append((s, 0.75))
        if s >= 0.8:
            ev.append("sponsor")
    ma, mb = _months(x["start"]), _months(y["start"])
    if ma is not None and mb is not None:
        gap = abs(ma - mb)
        parts.append((1.0 if gap <= 1 else 0.7 if gap <= 3 else 0.3 if gap <= 12 else 0.0, 1.0))
        if gap <= 3:
            ev.append(f"start {x['start'][:7]}")
    if not (np.isnan(x["size"]) or np.isnan(y["size"])) and max(x["size"], y["size"]) > 0:
        r = min(x["size"], y["size"]) / max(x["size"], y["size"])
        parts.append((1.0 if r >= 0.95 else 0.7 if r >= 0.75 else 0.2 if r >= 0.5 else 0.0, 1.0))
        if r >= 0.95:
            ev.append(f"target size {int(x['size'])}")
    c = _overlap(x["countries"], y["countries"])
    if not np.isnan(c):
        parts.append((c, 0.75))
        if c >= 0.5:
            ev.append("countries")
    for col, w, name in (
        ("conditions", 0.5, "conditions"),
        ("interventions", 1.0, "interventions"),
    ):
        v = _ratio(x[col], y[col])
        if not np.isnan(v):
            parts.append((v, w))
            if v >= 0.8:
                ev.append(name)
    total = sum(w for _, w in parts)
    score = sum(a * w for a, w in parts) / total
    # one piece of evidence is not enough: a title alone scores at most 0.75
    if len(parts) == 1:
        score = min(score, 0.75)
    return score, ev, title


def _linked(x: Row, y: Row) -> str | None:
    """Why the pair is bridged, or None."""
    xl = set(filter(None, x["links"].split("|")))
    yl = set(filter(None, y["links"].split("|")))
    xk, yk = set(x["key"].split("|")), set(y["key"].split("|"))
    if xl & yk:
        return f"{x['record_id']} lists {y['record_id']} among its secondary ids"
    if yl & xk:
        return f"{y['record_id']} lists {x['record_id']} among its secondary ids"
    if x["linked_elsewhere"] or y["linked_elsewhere"]:
        who = x["record_id"] if x["linked_elsewhere"] else y["record_id"]
        return f"WHO ICTRP links {who} to another registration"
    return None


def scored_pairs(k: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Every candidate pair with its score, evidence and bridge (for the accuracy harness)."""
    p = {**DEFAULTS, **params}
    pairs = candidate_pairs(k, p)
    recs = _records(k)
    rows = []
    for i, j in pairs.tolist():
        x, y = recs[i], recs[j]
        if set(x["key"].split("|")) & set(y["key"].split("|")):
            continue  # one registration read twice
        score, ev, title = score_pair(x, y)
        same = x["registry"] == y["registry"]
        rows.append(
            {
                "a": x["record_id"],
                "b": y["record_id"],
                "i": i,
                "j": j,
                "score": round(score, 3),
                "title": round(title, 3),
                "evidence": ", ".join(ev),
                "bridge": _linked(x, y),
                "same_registry": same,
                # the registry's placeholder titles ("[Trial of device that is not approved
                # ...]") say nothing about the trial
                "comparable": not (same and not _same_registry_alike(x, y))
                and not x["display"].startswith("[")
                and not y["display"].startswith("["),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["a", "b", "i", "j", "score", "title", "evidence", "bridge", "same_registry",
                 "comparable"],
    )  # fmt: skip


def matches(sp: pd.DataFrame, params: dict[str, Any]) -> pd.Series:
    """Which scored pairs are the same trial (bridged or not)."""
    p = {**DEFAULTS, **params}
    need = np.where(sp["same_registry"], float(p["same_registry_threshold"]), float(p["threshold"]))
    ok = (sp["score"] >= need) & (sp["title"] >= float(p["min_title"])) & sp["comparable"]
    if not p["within_registry"]:
        ok &= ~sp["same_registry"].astype(bool)
    return ok


def run_keys(k: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    p = {**DEFAULTS, **params}
    if len(k) < 2:
        return empty_findings()
    k = k.reset_index(drop=True)
    sp = scored_pairs(k, p)
    if sp.empty:
        return empty_findings()
    ok = matches(sp, p)
    ok &= sp["bridge"].notna() if p["bridged"] else sp["bridge"].isna()
    out = []
    recs = _records(k)
    seen: set[tuple[int, str]] = set()
    # best first: a record read from two files, or a twin read from two files, is named once
    hits = sp[ok].sort_values("score", ascending=False, kind="stable")
    for r in hits.itertuples(index=False):
        i, j = int(r.i), int(r.j)  # type: ignore[arg-type]
        for me, twin in ((i, j), (j, i)):
            x, y = recs[me], recs[twin]
            if (me, y["key"]) in seen:
                continue
            seen.add((me, str(y["key"])))
            if p["bridged"]:
                msg = (
                    f"registered twice, and linked: {y['record_id']} describes the same trial "
                    f"(similarity {r.score:.2f}: {r.evidence}); {r.bridge}"
                )
            else:
                msg = (
                    f"registered twice: {y['record_id']} ({y['registry']}) describes the same trial "
                    f"(similarity {r.score:.2f}: {r.evidence}), and neither record lists the "
                    f"other among its secondary ids"
                )
            out.append(
                {
                    "record_id": x["record_id"],
                    "field": x["field"],
                    "start": 0 if x["display"] else None,
                    "end": len(x["display"]) if x["display"] else None,
                    "message": msg,
                    "excerpt": " ".join(str(x["display"]).split())[:240],
                    "source_path": x["source_path"],
                    "source_line": x["source_line"],
                    "source_pointer": x["source_pointer"],
                }
            )
    if not out:
        return empty_findings()
    return coerce_findings(pd.DataFrame.from_records(out, columns=list(FINDING_COLUMNS)))


class DuplicateRegistrationKind:
    """A run-level kind: ``keys`` per chunk, ``run_keys`` over the run (see the module doc)."""

    name = "duplicate_registration"
    run_level = True

    def validate(self, params: dict[str, Any]) -> None:
        validate(params)

    def run(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
        """The whole check over one record set (its own run)."""
        return run_keys(keys(rs, params), params)

    def prefilter(self, rs: RecordSet, params: dict[str, Any]) -> None:
        return None

    def keys(self, rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
        return keys(rs, params)

    def run_keys(self, k: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
        return run_keys(k, params)


KINDS = (DuplicateRegistrationKind(),)
