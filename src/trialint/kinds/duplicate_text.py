"""Kinds for narrative text that is repeated where it should not be.

``duplicate_narrative``
    The brief summary / detailed description repeat a block of narrative: the two are equal or
    one holds almost all of the other, or a long passage of one of them appears again in another
    narrative field (titles, outcome text, arm/intervention descriptions, design descriptions) or
    twice in the same field.
``repeated_outcome_description``
    The same outcome description is used for more than one outcome measure of a record.
``arm_description_copied``
    An arm group's description is copied (near-)verbatim into the description of an intervention
    linked to that arm.

Method: every text is split into lower-case word tokens (letters and digits; punctuation and
whitespace ignored) with pyarrow, and hashed into k-word shingles with numpy. Shingles shared by
two fields of one record (or met twice in one field) select the few candidate pairs; only those
are compared exactly in Python, on word tokens that keep their character offsets, by growing
shared shingles into maximal common passages.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern

_WORD_RE = LazyPattern(r"[^\W_]+")  # a word: a run of letters/digits (Unicode)
_ARROW_SEP = r"[^\p{L}\p{N}]+"  # the same, as a separator for RE2 (pyarrow)
# words joined by hyphens before a letter ("post-surgical", "5-FU") count as one word
_JOINED_WORD_RE = LazyPattern(r"[^\W_]+(?:[-\u2010\u2011](?=[^\W\d_])[^\W_]+)*")
_HYPHENS = LazyPattern(r"[-\u2010\u2011]")
_NO_HYPHENS = {ord("-"): None, 0x2010: None, 0x2011: None}
_ARROW_JOIN = r"([\p{L}\p{N}])[-\x{2010}\x{2011}](\p{L})"
_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)
_KEY_MUL = np.uint64(0xC2B2AE3D27D4EB4F)
_MAX_POSITIONS = 64  # a shingle met more often than this in one text is not used to grow passages

_FIELD_NAMES: dict[str, str] = {
    STUDY_FIELD_PATHS["brief_title"]: "brief title",
    STUDY_FIELD_PATHS["official_title"]: "official title",
    STUDY_FIELD_PATHS["brief_summary"]: "brief summary",
    STUDY_FIELD_PATHS["detailed_description"]: "detailed description",
    STUDY_FIELD_PATHS["intervention_model_description"]: "intervention model description",
    STUDY_FIELD_PATHS["masking_description"]: "masking description",
    STUDY_FIELD_PATHS["why_stopped"]: "why-stopped text",
}


def field_name(field: str) -> str:
    """A reader's name for a canonical field path ("brief summary"); list items keep their path."""
    return _FIELD_NAMES.get(field, field)


def _result(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return kind_frame(rows)


# The order in which a reader meets the fields: of two copies, the later one is pointed at.
_FIELD_ORDER: tuple[str, ...] = (
    STUDY_FIELD_PATHS["brief_title"],
    STUDY_FIELD_PATHS["official_title"],
    STUDY_FIELD_PATHS["brief_summary"],
    STUDY_FIELD_PATHS["detailed_description"],
    "designModule.",
    "outcomes[",
    "arms[",
    "interventions[",
)


def _field_rank(fields: np.ndarray) -> np.ndarray:
    ser = pd.Series(fields, dtype="str")
    conds = [ser.str.startswith(prefix).to_numpy(dtype=bool) for prefix in _FIELD_ORDER]
    return np.select(conds, list(range(len(conds))), default=len(conds))


# --- tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """The word tokens of one text with their character spans."""

    words: list[str]
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str, join_hyphens: bool = False) -> Tokens:
        """``join_hyphens``: a hyphen between a letter or digit and a letter joins the two
        ("post-surgical" = "postsurgical", "5-FU" = "5FU"; "1-5" stays two words)."""
        hyphens = join_hyphens and bool(_HYPHENS.search(text))
        ms = list((_JOINED_WORD_RE if hyphens else _WORD_RE).finditer(text))
        starts, ends = [m.start() for m in ms], [m.end() for m in ms]
        low = text.lower()
        if len(low) == len(text):
            words = [low[s:e] for s, e in zip(starts, ends, strict=True)]
        else:  # a character whose lower case is longer ("İ"): offsets differ
            words = [m.group().lower() for m in ms]
        if hyphens:
            words = [w.translate(_NO_HYPHENS) for w in words]
        return cls(words, starts, ends)

    def __len__(self) -> int:
        return len(self.words)

    def span(self, i: int, n: int) -> tuple[int, int]:
        """Character span of words i .. i+n-1."""
        return self.starts[i], self.ends[i + n - 1]


def _arrow(texts: pd.Series) -> pa.Array:
    return pa.array(texts, type=pa.large_string(), from_pandas=True)


def normalized(texts: pd.Series) -> pa.Array:
    """Lower-case words joined by single spaces (punctuation and whitespace ignored)."""
    arr = _arrow(texts)
    spaced = pc.replace_substring_regex(pc.utf8_lower(arr), _ARROW_SEP, " ")
    return pc.utf8_trim_whitespace(spaced)


def word_counts(norm: pa.Array) -> np.ndarray:
    """Number of words of each normalized text (0 for empty or missing)."""
    spaces = pc.count_substring(norm, " ").to_numpy(zero_copy_only=False)
    lengths = pc.utf8_length(norm).to_numpy(zero_copy_only=False)
    spaces = np.nan_to_num(spaces.astype("float64"), nan=0.0)
    lengths = np.nan_to_num(lengths.astype("float64"), nan=0.0)
    return np.where(lengths > 0, spaces + 1, 0).astype("int64")


def _words_arrow(
    texts: pd.Series, join_hyphens: bool = False
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All words of all texts, flat: (words, parent row of each word, word count of each text)."""
    arr = pc.utf8_lower(_arrow(texts))
    if join_hyphens:  # as Tokens.of(join_hyphens=True); a chain "a-b-c" takes two passes
        for _ in range(2):
            arr = pc.replace_substring_regex(arr, _ARROW_JOIN, r"\1\2")
    parts = pc.split_pattern_regex(arr, _ARROW_SEP)
    flat = pc.list_flatten(parts)
    parent = pc.list_parent_indices(parts).to_numpy()
    keep = pc.not_equal(flat, "").to_numpy(zero_copy_only=False)
    parent = parent[keep]
    counts = np.bincount(parent, minlength=len(texts)).astype("int64")
    return flat.filter(pa.array(keep)), parent, counts


def shingles(texts: pd.Series, k: int) -> pd.DataFrame:
    """One row per k-word shingle of each text: ``text`` (0-based row of ``texts``) and ``h``.
    Hashes are comparable within one call only (words are coded per call)."""
    return _shingles(texts, k)[0]


def _shingles(
    texts: pd.Series, k: int, join_hyphens: bool = False, with_pos: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """(text, h) per shingle, and with ``with_pos`` its word position in the text (pos)."""
    flat, parent, counts = _words_arrow(texts, join_hyphens)
    m = len(parent) - k + 1
    if m <= 0:
        empty = pd.DataFrame({"text": np.zeros(0, "int64"), "h": np.zeros(0, "uint64")})
        if with_pos:
            empty["pos"] = np.zeros(0, "int64")
        return empty, counts
    codes = pc.dictionary_encode(flat).indices.to_numpy().astype("uint64") + np.uint64(1)
    h = np.zeros(m, dtype="uint64")
    for j in range(k):  # a polynomial rolling hash; collisions only cost an exact comparison
        h = h * _HASH_MUL + codes[j : j + m]
    valid = parent[k - 1 :] == parent[:m]
    out = pd.DataFrame({"text": parent[:m][valid].astype("int64"), "h": h[valid]})
    if with_pos:
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype("int64")
        out["pos"] = (np.arange(m, dtype="int64") - offsets[parent[:m]])[valid]
    return out, counts


# --- exact passages --------------------------------------------------------------------------


def common_runs(
    a: Sequence[str], b: Sequence[str], k: int, same: bool = False
) -> list[tuple[int, int, int]]:
    """Maximal common word runs of ``a`` and ``b`` at least ``k`` words long, as (i, j, n):
    a[i:i+n] == b[j:j+n]. With ``same`` (a is b), only j > i and the two copies do not overlap."""
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(a) - k + 1):
        index[tuple(a[i : i + k])].append(i)
    hits: list[tuple[int, int]] = []
    for j in range(len(b) - k + 1):
        pos = index.get(tuple(b[j : j + k]))
        if not pos or len(pos) > _MAX_POSITIONS:
            continue
        for i in pos:
            if same and i >= j:
                continue
            hits.append((j - i, i))
    hits.sort()
    runs: list[tuple[int, int, int]] = []
    open_run = False
    d0 = start = prev = 0
    for d, i in hits:
        if open_run and d == d0 and i == prev + 1:
            prev = i
            continue
        if open_run:
            runs.append((start, start + d0, prev - start + k))
        open_run, d0, start, prev = True, d, i, i
    if open_run:
        runs.append((start, start + d0, prev - start + k))
    if same:
        runs = [(i, j, min(n, j - i)) for i, j, n in runs]
    return runs


def runs_frame(sh: pd.DataFrame, rec: np.ndarray, pairs: pd.DataFrame, k: int) -> pd.DataFrame:
    """``common_runs`` for many text pairs at once, vectorized: the maximal common runs of at
    least k words of each pair (a, b) of ``pairs`` (a == b: repeats inside one text), from the
    shingles ``sh`` (text, pos, h; ``rec``: the record of each text). Columns a, b, i, j, n as in
    ``common_runs``. Shingles met more than _MAX_POSITIONS times in one text are left out, as
    there; a hash collision can only make a run too long, which the caller checks on the words."""
    cols = {"a": "int64", "b": "int64", "i": "int64", "j": "int64", "n": "int64"}
    if sh.empty or pairs.empty:
        return pd.DataFrame({c: np.zeros(0, t) for c, t in cols.items()})
    pa_, pb_ = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    need = np.unique(np.concatenate([pa_, pb_]))
    sh = sh[np.isin(sh["text"].to_numpy(), need)]
    per_text = sh.groupby(["text", "h"], sort=False)["pos"].transform("size").to_numpy()
    sh = sh[per_text <= _MAX_POSITIONS]
    key = sh["h"].to_numpy() ^ (rec[sh["text"].to_numpy()].astype("uint64") * _KEY_MUL)
    left = pd.DataFrame({"key": key, "a": sh["text"].to_numpy(), "i": sh["pos"].to_numpy()})
    right = pd.DataFrame({"key": key, "b": sh["text"].to_numpy(), "j": sh["pos"].to_numpy()})
    n_text = int(need.max()) + 1
    wanted = np.unique(pa_.astype("int64") * n_text + pb_)
    left = left[np.isin(left["a"].to_numpy(), pa_)]
    right = right[np.isin(right["b"].to_numpy(), pb_)]
    m = left.merge(right, on="key")
    code = m["a"].to_numpy() * n_text + m["b"].to_numpy()
    ok = np.isin(code, wanted) & (
        (m["a"].to_numpy() != m["b"].to_numpy()) | (m["i"].to_numpy() < m["j"].to_numpy())
    )
    m = m[ok]
    if m.empty:
        return pd.DataFrame({c: np.zeros(0, t) for c, t in cols.items()})
    a, b, i, j = (m[c].to_numpy() for c in ("a", "b", "i", "j"))
    d = j - i
    o = np.lexsort((i, d, b, a))
    a, b, i, d = a[o], b[o], i[o], d[o]
    new_run = np.ones(len(a), dtype=bool)
    new_run[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (d[1:] != d[:-1]) | (i[1:] != i[:-1] + 1)
    starts = np.flatnonzero(new_run)
    lengths = np.diff(np.append(starts, len(a)))
    out = pd.DataFrame(
        {
            "a": a[starts],
            "b": b[starts],
            "i": i[starts],
            "j": i[starts] + d[starts],
            "n": lengths + k - 1,
        }
    )
    same = out["a"].to_numpy() == out["b"].to_numpy()
    gap = (out["j"] - out["i"]).to_numpy()
    out["n"] = np.where(same, np.minimum(out["n"].to_numpy(), gap), out["n"].to_numpy())
    return out.astype(cols)


def covered(runs: list[tuple[int, int, int]], side: int, size: int) -> np.ndarray:
    """Boolean mask of the words of one side (0 = a, 1 = b) that lie in some run."""
    mask = np.zeros(size, dtype=bool)
    for run in runs:
        mask[run[side] : run[side] + run[2]] = True
    return mask


_SENTENCE_END_RE = LazyPattern(r"[.!?](?=\s|$)")


def sentence_count(text: str) -> int:
    """Sentences in a text: terminal punctuation followed by a space or the end (at least 1)."""
    n = len(_SENTENCE_END_RE.findall(text.rstrip()))
    return n + (0 if text.rstrip().endswith((".", "!", "?")) else 1)


# paragraphs: blocks between blank lines (legacy XML text is hard-wrapped inside them) and
# single lines (API v2 text often puts one paragraph or list item per line)
_BLOCK_RE = LazyPattern(r"\S(?:[^\n]|\n(?![ \t\r]*(?:\n|$)))*")
_LINE_RE = LazyPattern(r"[^\n]*\S[^\n]*")


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    chars: int  # whitespace runs count as one character
    sentences: int


def paragraphs(text: str, min_chars: int) -> list[Paragraph]:
    """The paragraphs of ``text`` at least ``min_chars`` long (whitespace collapsed)."""
    out: dict[tuple[int, int], Paragraph] = {}
    for rx in (_BLOCK_RE, _LINE_RE):
        for m in rx.finditer(text):
            body = " ".join(m.group().split())
            if len(body) >= min_chars and (m.start(), m.end()) not in out:
                s = m.start() + (len(m.group()) - len(m.group().lstrip()))
                e = m.end() - (len(m.group()) - len(m.group().rstrip()))
                out[(m.start(), m.end())] = Paragraph(s, e, len(body), sentence_count(body))
    return list(out.values())


def _paragraph_inside(
    paras: list[Paragraph], toks: Tokens, i: int, n: int, min_sentences: int
) -> int:
    """Characters of the longest paragraph whose words all lie inside words i .. i+n-1 (0: none)."""
    if not paras or not n:
        return 0
    lo, hi = toks.starts[i], toks.ends[i + n - 1]
    best = 0
    for p in paras:
        first = bisect.bisect_left(toks.starts, p.start)
        last = bisect.bisect_left(toks.starts, p.end) - 1
        inside = first <= last and first >= i and last < i + n and p.start < hi and p.end > lo
        if inside and p.sentences >= min_sentences:
            best = max(best, p.chars)
    return best


def _select(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the longest runs whose copies (b side) do not overlap."""
    kept: list[tuple[int, int, int]] = []
    for run in sorted(runs, key=lambda r: (-r[2], r[1])):
        if all(run[1] + run[2] <= j or run[1] >= j + n for _, j, n in kept):
            kept.append(run)
    return sorted(kept, key=lambda r: r[1])


# --- kind: duplicate_narrative ---------------------------------------------------------------

# The narrative fields of ../shared/docs/defect-definitions.md: a block repeated in any two of
# them, or twice in one, is a duplicate.
NARRATIVE_FIELDS: tuple[str, ...] = (
    r"identificationModule\.(briefTitle|officialTitle)",
    r"descriptionModule\.(briefSummary|detailedDescription)",
    r"designModule\.designInfo\.(interventionModelDescription|maskingInfo\.maskingDescription)",
    r"outcomes\[\w+\]\[\d+\]\.(measure|description|time_frame)",
    r"(arms|interventions)\[\d+\]\.description",
)

_NARRATIVE_DEFAULTS: dict[str, Any] = {
    # fields whose passages are looked for elsewhere (and twice in themselves)
    "source_fields": list(NARRATIVE_FIELDS),
    # further fields a source passage may be repeated in (not compared with each other)
    "twin_fields": [],
    "pair": [STUDY_FIELD_PATHS["brief_summary"], STUDY_FIELD_PATHS["detailed_description"]],
    "short_fields": [r"identificationModule\.(briefTitle|officialTitle)"],
    "containment_ratio": 0.8,
    "min_block_words": 8,
    "min_equal_words": 3,
    "min_passage_words": 40,
    "min_paragraph_chars": 250,
    "min_paragraph_sentences": 1,
    "shingle_words": 8,
    "join_hyphens": True,
    "max_repeats_in_field": 0,
}


def _validate_narrative(params: dict[str, Any]) -> None:
    require_keys(params, set(_NARRATIVE_DEFAULTS))
    p = {**_NARRATIVE_DEFAULTS, **params}
    if len(p["pair"]) != 2:
        raise ValueError("pair must name two fields")
    for key in ("source_fields", "twin_fields", "short_fields"):
        if not isinstance(p[key], list):
            raise TypeError(f"{key} must be a list")
        for pat in p[key]:
            re.compile(pat)
    if not 0 < float(p["containment_ratio"]) <= 1:
        raise ValueError("containment_ratio must be in (0, 1]")
    for key in (
        "min_block_words",
        "min_equal_words",
        "min_passage_words",
        "min_paragraph_chars",
        "min_paragraph_sentences",
    ):
        if int(p[key]) < 1:
            raise ValueError(f"{key} must be a positive integer")
    if int(p["max_repeats_in_field"]) < 0:
        raise ValueError("max_repeats_in_field must be 0 (no limit) or a positive integer")
    if not isinstance(p["join_hyphens"], bool):
        raise TypeError("join_hyphens must be true or false")
    k = int(p["shingle_words"])
    if not 2 <= k <= min(int(p["min_passage_words"]), int(p["min_block_words"])):
        raise ValueError(
            "shingle_words must be at least 2 and at most min_passage_words/min_block_words"
        )


def _field_mask(fields: pd.Series, patterns: list[str]) -> np.ndarray:
    if not patterns:
        return np.zeros(len(fields), dtype=bool)
    rx = "^(?:" + "|".join(f"(?:{p})" for p in patterns) + ")$"
    hit = pc.match_substring_regex(_arrow(fields), rx)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def _candidate_pairs(
    t: pd.DataFrame,
    is_src: np.ndarray,
    k: int,
    join_hyphens: bool = False,
    shingled: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Pairs of texts (a, b: rows of ``t``, a <= b) of one record sharing a k-word shingle, at
    least one of them a source field; a == b for a shingle met twice in one source text.
    Columns: a, b, shared (number of distinct shared shingles). Also the word count per text."""
    sh, counts = shingled if shingled is not None else _shingles(t["text"], k, join_hyphens)
    if sh.empty:
        return pd.DataFrame({"a": [], "b": [], "shared": []}, dtype="int64"), counts
    text = sh["text"].to_numpy()
    h = sh["h"].to_numpy()
    rec = pd.factorize(t["record_id"])[0].astype("uint64")
    # one integer key per (text, shingle) and per (record, shingle); a rare key collision only
    # adds a candidate, which the exact comparison then drops
    text_key = h ^ (text.astype("uint64") * _KEY_MUL)
    rec_key = h ^ (rec[text] * _KEY_MUL)
    dup_in_text = pd.Series(text_key).duplicated(keep=False).to_numpy()
    first_in_text = ~pd.Series(text_key).duplicated().to_numpy()
    # repeated within one source text
    src = is_src[text]
    rep = src & dup_in_text & first_in_text
    self_pairs = (
        pd.Series(text[rep]).value_counts().rename("shared").rename_axis("text").reset_index()
    )
    self_pairs["a"] = self_pairs["text"]
    self_pairs["b"] = self_pairs["text"]
    # shared between two texts of one record
    uniq = first_in_text
    multi = uniq & pd.Series(np.where(uniq, rec_key, 0)).duplicated(keep=False).to_numpy()
    multi &= rec_key != 0
    m_key, m_text, m_src = rec_key[multi], text[multi], src[multi]
    left = pd.DataFrame({"key": m_key[m_src], "text_x": m_text[m_src]})
    right = pd.DataFrame({"key": m_key, "text_y": m_text})
    pairs = left.merge(right, on="key")
    pairs = pairs[pairs["text_x"] != pairs["text_y"]]
    a = np.minimum(pairs["text_x"].to_numpy(), pairs["text_y"].to_numpy())
    b = np.maximum(pairs["text_x"].to_numpy(), pairs["text_y"].to_numpy())
    cross = (
        pd.DataFrame({"a": a, "b": b, "key": pairs["key"].to_numpy()})
        .drop_duplicates()
        .groupby(["a", "b"])
        .size()
        .rename("shared")
        .reset_index()
    )
    out = pd.concat([self_pairs[["a", "b", "shared"]], cross], ignore_index=True)
    return out, counts


def _coverage(
    A: Tokens, B: Tokens, runs: list[tuple[int, int, int]]
) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """(share of the shorter text's words in common runs, coverage masks of a and b, whether a
    is the shorter)."""
    cov_a, cov_b = covered(runs, 0, len(A)), covered(runs, 1, len(B))
    a_shorter = len(A) <= len(B)
    short_cov = cov_a if a_shorter else cov_b
    return (float(short_cov.mean()) if len(short_cov) else 0.0), cov_a, cov_b, a_shorter


def _pair_containment(
    rid: str,
    fa: str,
    fb: str,
    ta: str,
    tb: str,
    A: Tokens,
    B: Tokens,
    p: dict[str, Any],
) -> tuple[dict[str, Any] | None, list[tuple[int, int, int]]]:
    """The equal/contains test between the two fields of ``pair`` (a = brief summary, b = the
    detailed description, which is pointed at). Returns a finding or None, and the runs."""
    k = int(p["shingle_words"])
    if not len(A) or not len(B):
        return None, []
    name_a, name_b = field_name(fa), field_name(fb)
    if A.words == B.words:
        if len(A) < int(p["min_equal_words"]):
            return None, []
        row = _row(rid, fb, (0, len(tb)), fa, (0, len(ta)))
        row["message"] = f"{name_b} equals the {name_a} ({len(A)} words)"
        return row, [(0, 0, len(A))]
    runs = common_runs(A.words, B.words, k)
    ratio = float(p["containment_ratio"])
    best = _coverage(A, B, runs)
    if best[0] < ratio and p.get("join_hyphens"):
        # "double-blind" and "double blind" are the same words too: the share is taken with
        # hyphens splitting words as well, and the larger one counts
        A2, B2 = Tokens.of(ta), Tokens.of(tb)
        other = _coverage(A2, B2, common_runs(A2.words, B2.words, k))
        if other[0] > best[0]:
            best, A, B = other, A2, B2
    short_ratio, cov_a, cov_b, a_shorter = best
    short_cov = cov_a if a_shorter else cov_b
    if short_ratio < ratio or short_cov.sum() < int(p["min_block_words"]):
        return None, runs
    ia, ib = np.flatnonzero(cov_a), np.flatnonzero(cov_b)
    row = _row(
        rid,
        fb,
        (B.starts[ib[0]], B.ends[ib[-1]]),
        fa,
        (A.starts[ia[0]], A.ends[ia[-1]]),
    )
    pct = int(np.floor(short_ratio * 100))
    if a_shorter:
        row["message"] = f"{name_b} repeats the {name_a} ({pct}% of its words)"
    else:
        row["message"] = f"{name_b} is copied from the {name_a} ({pct}% of the {name_b}'s words)"
    return row, runs


def _row(
    rid: str, fb: str, span_b: tuple[int, int], fa: str, span_a: tuple[int, int]
) -> dict[str, Any]:
    return {
        "record_id": rid,
        "field": fb,
        "start": span_b[0],
        "end": span_b[1],
        "related_field": fa,
        "related_start": span_a[0],
        "related_end": span_a[1],
    }


_HAS_WORD = LazyPattern(r"[^\W_]")


def written_words(text: str) -> int:
    """Words as a reader counts them: between whitespace, holding a letter or digit ("IFN-A" and
    "cells/mm3" are one word each; a stand-alone "=" or "-" is none)."""
    return sum(1 for w in text.split() if _HAS_WORD.search(w))


def _place(field: str) -> str:
    return f"the {field_name(field)}" if field in _FIELD_NAMES else field


def _passages(
    rid: str,
    fa: str,
    fb: str,
    ta: str,
    tb: str,
    A: Tokens,
    B: Tokens,
    p: dict[str, Any],
    short_a: bool,
    runs: list[tuple[int, int, int]] | None = None,
    paras: tuple[list[Paragraph], list[Paragraph]] | None = None,
    same: bool | None = None,
) -> list[dict[str, Any]]:
    """Long passages of text a (earlier field) that appear again in text b (or twice in a).

    A passage counts when it has at least ``min_passage_words`` words as written
    (``written_words``, on the shorter of its two copies), or when it holds a whole paragraph of
    either copy of at least ``min_paragraph_chars`` characters."""
    k = int(p["shingle_words"])
    same = fa == fb if same is None else same
    if runs is None:
        runs = common_runs(A.words, B.words, k, same=same)
    min_words, min_chars = int(p["min_passage_words"]), int(p["min_paragraph_chars"])
    min_sent = int(p["min_paragraph_sentences"])
    paras_a, paras_b = paras if paras is not None else (None, None)
    good: list[tuple[int, int, int]] = []
    para: dict[tuple[int, int, int], int] = {}
    words: dict[tuple[int, int, int], int] = {}
    for run in runs:
        i, j, n = run
        sa, sb = A.span(i, n), B.span(j, n)
        written = min(written_words(ta[sa[0] : sa[1]]), written_words(tb[sb[0] : sb[1]]))
        words[run] = written
        if written >= min_words:
            good.append(run)
        elif not short_a and written * 12 >= min_chars // 2:
            if paras_a is None:
                paras_a, paras_b = paragraphs(ta, min_chars), paragraphs(tb, min_chars)
            chars = max(
                _paragraph_inside(paras_a, A, i, n, min_sent),
                _paragraph_inside(paras_b or [], B, j, n, min_sent),
            )
            if chars:
                good.append(run)
                para[run] = chars
    kept = _select(good)
    if same and int(p["max_repeats_in_field"]) and len(kept) > int(p["max_repeats_in_field"]):
        return []
    rows = []
    for run in kept:
        i, j, n = run
        row = _row(rid, fb, B.span(j, n), fa, A.span(i, n))
        what = (
            f"a {words[run]}-word paragraph ({para[run]} characters)"
            if run in para
            else f"a {words[run]}-word passage"
        )
        row["words"] = words[run]
        row["what"] = what
        row["opening"] = _opening(tb[row["start"] : row["end"]])
        if same:
            row["message"] = (
                f"{what} of {_place(fa)} ({row['opening']}) appears twice in it "
                f"(first at character {row['related_start']})"
            )
        else:
            row["message"] = (
                f"{what} of {_place(fa)} ({row['opening']}) appears again in {_place(fb)}"
            )
        rows.append(row)
    seen = [r["message"] for r in rows]
    for r in rows:
        if seen.count(r["message"]) > 1:  # same opening words: say where each one is
            r["message"] += f" (at character {r['start']})"
    return rows


def _narrative_texts(rs: RecordSet, p: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray]:
    """The texts compared (texts() order: titles, summary, description, design, outcomes, arms,
    interventions) and which of them are source fields."""
    t = rs.texts()
    if t.empty:
        return t, np.zeros(0, dtype=bool)
    fields = t["field"]
    is_src = _field_mask(fields, p["source_fields"])
    keep = is_src | _field_mask(fields, p["twin_fields"])
    return t[keep].reset_index(drop=True), is_src[keep]


def prefilter_narrative(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records that can hold a duplicate: both pair fields given, or at least two passages'
    worth of narrative (each passage is at least min(min_paragraph_chars, 2 * min_passage_words
    - 1) characters: words of one letter and single spaces)."""
    p = {**_NARRATIVE_DEFAULTS, **params}
    st = rs.studies
    t, _ = _narrative_texts(rs, p)
    if t.empty:
        return np.zeros(len(st), dtype=bool)
    least = min(int(p["min_paragraph_chars"]), 2 * int(p["min_passage_words"]) - 1)
    chars = pc.utf8_length(_arrow(t["text"])).to_numpy(zero_copy_only=False)
    total = (
        pd.Series(np.nan_to_num(chars.astype("float64")), index=t.index)
        .groupby(t["record_id"].to_numpy())
        .sum()
    )
    many = set(total.index[total.to_numpy() >= 2 * least])
    pa_f, pb_f = p["pair"]
    both = set(t.loc[t["field"] == pa_f, "record_id"]) & set(t.loc[t["field"] == pb_f, "record_id"])
    return isin(st["record_id"], many | both)


def _opening(passage: str, words: int = 6) -> str:
    """A passage named by its first words: '"Patients will receive oral drug X daily…"', so that
    several passages of one field say which is which."""
    head = passage.split()
    shown = " ".join(head[:words])
    return f'"{shown}…"' if len(head) > words else f'"{shown}"'


def run_narrative(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    p = {**_NARRATIVE_DEFAULTS, **params}
    k = int(p["shingle_words"])
    join = bool(p["join_hyphens"])
    t, is_src = _narrative_texts(rs, p)
    if t.empty:
        return _result([])
    is_short = _field_mask(t["field"], p["short_fields"])
    shingled = _shingles(t["text"], k, join, with_pos=True)
    cand, nwords = _candidate_pairs(t, is_src, k, join, shingled)
    pa_f, pb_f = p["pair"]
    flds = t["field"].to_numpy(dtype=object)

    # the two pair fields when equal (short ones have no shingle to share)
    sa = t[t["field"] == pa_f][["record_id"]].reset_index()
    sb = t[t["field"] == pb_f][["record_id"]].reset_index()
    both = sa.merge(sb, on="record_id", suffixes=("_a", "_b"))
    if len(both):
        na = normalized(t["text"].iloc[both["index_a"].to_numpy()])
        nb = normalized(t["text"].iloc[both["index_b"].to_numpy()])
        eq = pc.equal(na, nb).to_numpy(zero_copy_only=False)
        ia, ib = both["index_a"].to_numpy()[eq], both["index_b"].to_numpy()[eq]
        eq_pairs = pd.DataFrame({"a": np.minimum(ia, ib), "b": np.maximum(ia, ib), "shared": 10**9})
        cand = pd.concat([cand, eq_pairs], ignore_index=True)
        cand = cand.sort_values("shared", ascending=False).drop_duplicates(["a", "b"])
    cand = cand.sort_values(["a", "b"]).reset_index(drop=True)
    ca, cb, shared = cand["a"].to_numpy(), cand["b"].to_numpy(), cand["shared"].to_numpy()
    pair_fields = [pa_f, pb_f]
    is_pair = (
        np.isin(flds[ca], pair_fields) & np.isin(flds[cb], pair_fields) & (flds[ca] != flds[cb])
    )

    # narrow before the exact comparison. A passage of n words shares n - k + 1 shingles; a
    # paragraph of min_paragraph_chars is taken to have at least min_paragraph_chars / 12 words,
    # and only texts at least that long can hold one. The pair test needs ratio * (shorter's
    # words) covered, and each shingle covers k words.
    min_words, min_chars = int(p["min_passage_words"]), int(p["min_paragraph_chars"])
    nchars = pc.utf8_length(_arrow(t["text"])).to_numpy(zero_copy_only=False)
    long_text = np.nan_to_num(nchars.astype("float64")) >= min_chars
    para_words = max(k, min_chars // 12)
    # words as written (written_words) are compared with min_passage_words; a passage has at
    # least as many word tokens
    passage_tokens = max(k, min_words)
    para_ok = (long_text[ca] | long_text[cb]) & (shared >= para_words - k + 1)
    passage_ok = (shared >= passage_tokens - k + 1) | para_ok
    shorter = np.minimum(nwords[ca], nwords[cb])
    contain_ok = is_pair & (shared * k >= float(p["containment_ratio"]) * shorter)
    sel = passage_ok | contain_ok
    ca, cb, is_pair = ca[sel], cb[sel], is_pair[sel]
    # orient: a = the earlier field (the pair's first field), b = the copy pointed at
    rank = _field_rank(flds)
    order = rank.astype("int64") * (len(flds) + 1) + np.arange(len(flds))
    swap = (order[ca] > order[cb]) | (is_pair & (flds[ca] == pb_f))
    ca, cb = np.where(swap, cb, ca), np.where(swap, ca, cb)

    # all common runs of the candidate pairs at once; then only the pairs with a run long
    # enough (or the summary/description pair) go on, and of several earlier texts holding the
    # same run of a copy only the earliest (one scale's text under ten outcomes: nine pairs,
    # not forty-five)
    rec = pd.factorize(t["record_id"])[0]
    runs = runs_frame(shingled[0], rec, pd.DataFrame({"a": ca, "b": cb}), k)
    rn = runs["n"].to_numpy()
    ra, rb = runs["a"].to_numpy(), runs["b"].to_numpy()
    keep = (rn >= passage_tokens) | ((rn >= para_words) & (long_text[ra] | long_text[rb]))
    runs = runs[keep].assign(o=order[ra[keep]]).sort_values(["b", "j", "n", "o"])
    runs = runs.drop_duplicates(["b", "j", "n"])
    by_pair: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for a, b, i, j, n in zip(*(runs[c].tolist() for c in ("a", "b", "i", "j", "n")), strict=True):
        by_pair[(a, b)].append((i, j, n))
    pair_set = {
        (a, b) for a, b, pr in zip(ca.tolist(), cb.tolist(), is_pair.tolist(), strict=True) if pr
    }
    todo = sorted(set(by_pair) | pair_set)

    texts = t["text"].to_numpy(dtype=object)
    rids = t["record_id"].to_numpy(dtype=object)
    toks: dict[int, Tokens] = {}
    paras: dict[int, list[Paragraph]] = {}

    def tokens(i: int) -> Tokens:
        if i not in toks:
            toks[i] = Tokens.of(texts[i], join)
        return toks[i]

    def paras_of(a: int, b: int) -> tuple[list[Paragraph], list[Paragraph]]:
        for i in (a, b):
            if i not in paras:
                paras[i] = paragraphs(texts[i], min_chars) if long_text[i] else []
        return paras[a], paras[b]

    def exact(a: int, b: int, found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The runs checked on the words (the tokenizers of pyarrow and Python may differ on
        rare characters, and hashes may collide): else computed again in Python."""
        A, B = tokens(a), tokens(b)
        if all(A.words[i : i + n] == B.words[j : j + n] for i, j, n in found):
            return found
        return common_runs(A.words, B.words, k, same=a == b)

    rows: list[dict[str, Any]] = []
    for a, b in todo:
        fa, fb = flds[a], flds[b]
        rid = rids[a]
        short_a = bool(is_short[a] or is_short[b])
        found: list[dict[str, Any]] = []
        if (a, b) in pair_set:
            hit, pruns = _pair_containment(rid, fa, fb, texts[a], texts[b], tokens(a), tokens(b), p)
            found = [hit] if hit is not None else []
            if not found:
                found = _passages(
                    rid,
                    fa,
                    fb,
                    texts[a],
                    texts[b],
                    tokens(a),
                    tokens(b),
                    p,
                    short_a,
                    pruns,
                    paras_of(a, b),
                )
        else:
            found = _passages(
                rid,
                fa,
                fb,
                texts[a],
                texts[b],
                tokens(a),
                tokens(b),
                p,
                short_a,
                exact(a, b, by_pair[(a, b)]),
                paras_of(a, b),
                a == b,
            )
        for r in found:
            r["twin_order"] = int(order[a])
            r["copy_order"] = int(order[b])
        rows.extend(found)
    return _result(_group(_dedupe(rows)))


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per copied span: where a span of one field repeats two twins (the summary
    and the description, say), keep the longer passage, then the earlier twin."""
    rows = sorted(rows, key=lambda r: (-r.get("words", 10**9), r["twin_order"]))
    kept: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        same_field = kept[(r["record_id"], r["field"])]
        if not any(r["start"] < k["end"] and k["start"] < r["end"] for k in same_field):
            same_field.append(r)
    return [r for group in kept.values() for r in group]


def _group(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per repeated passage: when one passage is repeated in several places (one
    scale's description under five outcomes), the first copy is reported and names the others."""
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["copy_order"], r["start"])):
        if "what" in r and r["field"] != r["related_field"]:
            groups[(r["record_id"], r["related_field"], r["related_start"])].append(r)
        else:
            groups[(r["record_id"], r["field"], -1 - r["start"])].append(r)
    out = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1:
            places = [g["field"] for g in group[1:]]
            shown = ", ".join(places[:3]) + (
                f" and {len(places) - 3} more" if len(places) > 3 else ""
            )
            first["message"] = (
                f"{first['what']} of {_place(first['related_field'])} ({first['opening']}) "
                f"appears again in "
                f"{_place(first['field'])} (and in {len(places)} more field"
                f"{'s' if len(places) > 1 else ''}: {shown})"
            )
        for key in ("words", "what", "opening", "twin_order", "copy_order"):
            first.pop(key, None)
        out.append(first)
    return out


KINDS = (
    FunctionKind(
        name="duplicate_narrative",
        run_fn=run_narrative,
        validate_fn=_validate_narrative,
        prefilter_fn=prefilter_narrative,
    ),
)

__all__ = ["KINDS", "common_runs", "field_name", "normalized", "shingles"]
