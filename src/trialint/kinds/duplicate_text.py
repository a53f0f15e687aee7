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
from ..frames import OUTCOME_KINDS, STUDY_FIELD_PATHS, RecordSet
from .base import FunctionKind, require_keys

_WORD_RE = re.compile(r"[^\W_]+")  # a word: a run of letters/digits (Unicode)
_ARROW_SEP = r"[^\p{L}\p{N}]+"  # the same, as a separator for RE2 (pyarrow)
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
    def of(cls, text: str) -> Tokens:
        ms = list(_WORD_RE.finditer(text))
        return cls([m.group().lower() for m in ms], [m.start() for m in ms], [m.end() for m in ms])

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


def _words_arrow(texts: pd.Series) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All words of all texts, flat: (words, parent row of each word, word count of each text)."""
    arr = _arrow(texts)
    parts = pc.split_pattern_regex(pc.utf8_lower(arr), _ARROW_SEP)
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


def _shingles(texts: pd.Series, k: int) -> tuple[pd.DataFrame, np.ndarray]:
    flat, parent, counts = _words_arrow(texts)
    m = len(parent) - k + 1
    if m <= 0:
        empty = pd.DataFrame({"text": np.zeros(0, "int64"), "h": np.zeros(0, "uint64")})
        return empty, counts
    codes = pc.dictionary_encode(flat).indices.to_numpy().astype("uint64") + np.uint64(1)
    h = np.zeros(m, dtype="uint64")
    for j in range(k):  # a polynomial rolling hash; collisions only cost an exact comparison
        h = h * _HASH_MUL + codes[j : j + m]
    valid = parent[k - 1 :] == parent[:m]
    return pd.DataFrame({"text": parent[:m][valid].astype("int64"), "h": h[valid]}), counts


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


def covered(runs: list[tuple[int, int, int]], side: int, size: int) -> np.ndarray:
    """Boolean mask of the words of one side (0 = a, 1 = b) that lie in some run."""
    mask = np.zeros(size, dtype=bool)
    for run in runs:
        mask[run[side] : run[side] + run[2]] = True
    return mask


_SENTENCE_END_RE = re.compile(r"[.!?](?=\s|$)")


def sentence_count(text: str) -> int:
    """Sentences in a text: terminal punctuation followed by a space or the end (at least 1)."""
    n = len(_SENTENCE_END_RE.findall(text.rstrip()))
    return n + (0 if text.rstrip().endswith((".", "!", "?")) else 1)


def _long_paragraph_inside(text: str, toks: Tokens, i: int, n: int, min_chars: int) -> int:
    """Length of the longest paragraph (a line) of ``text`` of at least ``min_chars`` characters
    and more than one sentence whose words all lie inside words i .. i+n-1; 0 if none."""
    lo, hi = toks.span(i, n)
    best = 0
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) >= min_chars:
            s = pos + line.find(stripped)
            e = s + len(stripped)
            first = bisect.bisect_left(toks.starts, s)
            last = bisect.bisect_left(toks.starts, e) - 1
            if (
                first <= last
                and first >= i
                and last < i + n
                and s < hi
                and e > lo
                and sentence_count(stripped) >= 2
            ):
                best = max(best, len(stripped))
        pos += len(line) + 1
    return best


_BOUNDARY_CHARS = "\r\n.!?:;*-•>"
_END_CHARS = "\r\n.!?;:"


def at_sentence_start(text: str, pos: int) -> bool:
    """Whether ``pos`` starts a sentence, line or list item of ``text``."""
    head = text[:pos].rstrip(" \t")
    return not head or head[-1] in _BOUNDARY_CHARS


def at_sentence_end(text: str, pos: int) -> bool:
    """Whether ``pos`` ends a sentence, line or list item of ``text``."""
    tail = text[pos:].lstrip(" \t")
    return not tail or tail[0] in _END_CHARS


def _whole_sentences(text: str, toks: Tokens, i: int, n: int) -> bool:
    start, end = toks.span(i, n)
    return at_sentence_start(text, start) and at_sentence_end(text, end)


def _select(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Keep the longest runs whose copies (b side) do not overlap."""
    kept: list[tuple[int, int, int]] = []
    for run in sorted(runs, key=lambda r: (-r[2], r[1])):
        if all(run[1] + run[2] <= j or run[1] >= j + n for _, j, n in kept):
            kept.append(run)
    return sorted(kept, key=lambda r: r[1])


# --- kind: duplicate_narrative ---------------------------------------------------------------

_NARRATIVE_DEFAULTS: dict[str, Any] = {
    "source_fields": [
        STUDY_FIELD_PATHS["brief_summary"],
        STUDY_FIELD_PATHS["detailed_description"],
    ],
    "pair": [STUDY_FIELD_PATHS["brief_summary"], STUDY_FIELD_PATHS["detailed_description"]],
    "twin_fields": [
        r"identificationModule\.(briefTitle|officialTitle)",
        r"designModule\.designInfo\.(interventionModelDescription|maskingInfo\.maskingDescription)",
        r"outcomes\[\w+\]\[\d+\]\.(measure|description|time_frame)",
        r"(arms|interventions)\[\d+\]\.description",
    ],
    "short_fields": [r"identificationModule\.(briefTitle|officialTitle)"],
    "containment_ratio": 0.8,
    "min_block_words": 40,
    "min_equal_words": 3,
    "min_passage_words": 40,
    "min_paragraph_chars": 250,
    "shingle_words": 8,
    "max_repeats_in_field": 2,
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
        "max_repeats_in_field",
    ):
        if int(p[key]) < 1:
            raise ValueError(f"{key} must be a positive integer")
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
    t: pd.DataFrame, is_src: np.ndarray, k: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Pairs of texts (a, b: rows of ``t``, a <= b) of one record sharing a k-word shingle, at
    least one of them a source field; a == b for a shingle met twice in one source text.
    Columns: a, b, shared (number of distinct shared shingles). Also the word count per text."""
    sh, counts = _shingles(t["text"], k)
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
    if not runs:
        return None, []
    cov_a, cov_b = covered(runs, 0, len(A)), covered(runs, 1, len(B))
    a_shorter = len(A) <= len(B)
    short_cov, long_cov = (cov_a, cov_b) if a_shorter else (cov_b, cov_a)
    ratio = float(p["containment_ratio"])
    short_ratio = short_cov.mean()
    if short_ratio < ratio:
        return None, runs
    if short_cov.sum() < int(p["min_block_words"]) and long_cov.mean() < ratio:
        return None, runs  # one shared sentence, not a repeated block
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
) -> list[dict[str, Any]]:
    """Long passages of text a (earlier field) that appear again in text b (or twice in a)."""
    k = int(p["shingle_words"])
    same = fa == fb
    if runs is None:
        runs = common_runs(A.words, B.words, k, same=same)
    min_words, min_chars = int(p["min_passage_words"]), int(p["min_paragraph_chars"])
    good: list[tuple[int, int, int]] = []
    para: dict[tuple[int, int, int], int] = {}
    for run in runs:
        i, j, n = run
        if same and not (_whole_sentences(ta, A, i, n) and _whole_sentences(tb, B, j, n)):
            continue  # parallel wording inside sentences ("Pre-/Post-intervention ..."), no copy
        if n >= min_words:
            good.append(run)
        elif not short_a and n >= k:
            # a whole long paragraph (of more than one sentence) of either side repeated
            chars = max(
                _long_paragraph_inside(ta, A, i, n, min_chars),
                _long_paragraph_inside(tb, B, j, n, min_chars),
            )
            if chars:
                good.append(run)
                para[run] = chars
    kept = _select(good)
    if same and len(kept) > int(p["max_repeats_in_field"]):
        return []  # the same steps written out for each visit/arm: a schedule, not a slip
    rows = []
    name_a = field_name(fa)
    name_b = f"the {field_name(fb)}" if fb in _FIELD_NAMES else fb
    for run in kept:
        i, j, n = run
        row = _row(rid, fb, B.span(j, n), fa, A.span(i, n))
        what = (
            f"a {n}-word paragraph ({para[run]} characters)"
            if run in para
            else f"a {n}-word passage"
        )
        row["words"] = n
        opening = _opening(tb[row["start"] : row["end"]])
        if same:
            row["message"] = (
                f"{what} of the {name_a} ({opening}) appears twice in it "
                f"(first at character {row['related_start']})"
            )
        else:
            row["message"] = f"{what} of the {name_a} ({opening}) appears again in {name_b}"
        rows.append(row)
    seen = [r["message"] for r in rows]
    for r in rows:
        if seen.count(r["message"]) > 1:  # same opening words: say where each one is
            r["message"] += f" (at character {r['start']})"
    return rows


def _opening(passage: str, words: int = 6) -> str:
    """A passage named by its first words: '"Patients will receive oral drug X daily…"', so that
    several passages of one field say which is which."""
    head = passage.split()
    shown = " ".join(head[:words])
    return f'"{shown}…"' if len(head) > words else f'"{shown}"'


def run_narrative(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    p = {**_NARRATIVE_DEFAULTS, **params}
    k = int(p["shingle_words"])
    t = rs.texts()
    if t.empty:
        return _result([])
    fields = t["field"]
    is_src = fields.isin(p["source_fields"]).to_numpy()
    keep = is_src | _field_mask(fields, p["twin_fields"])
    t = t[keep].reset_index(drop=True)  # texts() order: titles, summary, description, ... lists
    is_src = is_src[keep]
    is_short = _field_mask(t["field"], p["short_fields"])
    cand, nwords = _candidate_pairs(t, is_src, k)
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
    # paragraph of min_paragraph_chars is taken to have at least min_paragraph_chars / 12 words.
    # The pair test needs ratio * (shorter's words) covered, and each shingle covers k words.
    min_run = min(int(p["min_passage_words"]), int(p["min_paragraph_chars"]) // 12)
    passage_ok = shared >= max(1, min_run - k + 1)
    shorter = np.minimum(nwords[ca], nwords[cb])
    contain_ok = is_pair & (shared * k >= float(p["containment_ratio"]) * shorter)
    sel = passage_ok | contain_ok
    ca, cb, is_pair = ca[sel], cb[sel], is_pair[sel]
    # orient: a = the earlier field (the pair's first field), b = the copy pointed at
    rank = _field_rank(flds)
    swap = (rank[ca] > rank[cb]) | (is_pair & (flds[ca] == pb_f))
    ca, cb = np.where(swap, cb, ca), np.where(swap, ca, cb)

    texts = t["text"].to_numpy(dtype=object)
    rids = t["record_id"].to_numpy(dtype=object)
    toks: dict[int, Tokens] = {}

    def tokens(i: int) -> Tokens:
        if i not in toks:
            toks[i] = Tokens.of(texts[i])
        return toks[i]

    rows: list[dict[str, Any]] = []
    for a, b, pair in zip(ca.tolist(), cb.tolist(), is_pair.tolist(), strict=True):
        fa, fb = flds[a], flds[b]
        rid = rids[a]
        short_a = bool(is_short[a] or is_short[b])
        found: list[dict[str, Any]] = []
        if pair:
            hit, runs = _pair_containment(rid, fa, fb, texts[a], texts[b], tokens(a), tokens(b), p)
            found = [hit] if hit is not None else []
            if not found:
                found = _passages(
                    rid, fa, fb, texts[a], texts[b], tokens(a), tokens(b), p, short_a, runs
                )
        else:
            found = _passages(rid, fa, fb, texts[a], texts[b], tokens(a), tokens(b), p, short_a)
        for r in found:
            r["twin_order"] = int(rank[a])
        rows.extend(found)
    return _result(_dedupe(rows))


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per copied span: where a span of one field repeats two twins (the summary
    and the description, say), keep the longer passage, then the earlier twin."""
    rows = sorted(rows, key=lambda r: (-r.get("words", 10**9), r["twin_order"]))
    kept: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        same_field = kept[(r["record_id"], r["field"])]
        if not any(r["start"] < k["end"] and k["start"] < r["end"] for k in same_field):
            same_field.append(r)
    out = [r for group in kept.values() for r in group]
    for r in out:
        r.pop("words", None)
        r.pop("twin_order", None)
    return out


# --- kind: repeated_outcome_description ------------------------------------------------------

_OUTCOME_DEFAULTS: dict[str, Any] = {
    "column": "description",
    "min_words": 8,
    "min_chars": 40,
    # only outcomes whose parts the input carries as separate fields (API v2 JSON, XML); a CSV or
    # plain-text cell split heuristically may put a time frame into the description
    "structured_only": False,
    # outcomes whose titles differ only by numbers and these words are one measure listed per
    # time point: not counted
    "ignore_same_measure": True,
    "time_words": [
        "at",
        "from",
        "to",
        "and",
        "of",
        "in",
        "the",
        "on",
        "by",
        "until",
        "up",
        "over",
        "baseline",
        "day",
        "days",
        "week",
        "weeks",
        "wk",
        "wks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "h",
        "hr",
        "hrs",
        "minute",
        "minutes",
        "min",
        "visit",
        "v",
        "d",
        "w",
        "m",
        "y",
        "time",
        "point",
        "timepoint",
        "post",
        "pre",
        "after",
        "before",
        "dose",
        "dosing",
        "cycle",
        "end",
        "treatment",
        "follow",
        "followup",
        "screening",
        "first",
        "second",
        "third",
        "final",
        "last",
        "change",
    ],
}


def _validate_outcome(params: dict[str, Any]) -> None:
    require_keys(params, set(_OUTCOME_DEFAULTS))
    p = {**_OUTCOME_DEFAULTS, **params}
    if p["column"] not in ("description", "measure", "time_frame"):
        raise ValueError("column must be description, measure or time_frame")
    for key in ("min_words", "min_chars"):
        if int(p[key]) < 1:
            raise ValueError(f"{key} must be a positive integer")
    if not isinstance(p["time_words"], list):
        raise TypeError("time_words must be a list of words")


def _measure_key(measure: Any, time_words: frozenset[str]) -> str:
    """An outcome title without numbers and time words: equal keys = one measure, several times."""
    if not isinstance(measure, str):
        return ""
    words = (w.lower() for w in _WORD_RE.findall(measure))
    return " ".join(w for w in words if w not in time_words and not w.rstrip("stndrh").isdigit())


def _outcome_path(kind: str, pos: int, column: str) -> str:
    return f"outcomes[{kind}][{pos}].{column}"


def run_outcome(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    p = {**_OUTCOME_DEFAULTS, **params}
    col = p["column"]
    oc = rs.outcomes
    keep = oc[col].notna()
    if p["structured_only"]:
        keep &= oc["raw"].isna()
    oc = oc[keep]
    if oc.empty:
        return _result([])
    norm = normalized(oc[col])
    words = word_counts(norm)
    chars = oc[col].str.len().to_numpy(dtype="int64", na_value=0)
    ok = (words >= int(p["min_words"])) & (chars >= int(p["min_chars"]))
    others = [c for c in ("measure", "description", "time_frame") if c != col]
    df = pd.DataFrame(
        {
            "record_id": oc["record_id"].to_numpy(dtype=object),
            "kind": oc["kind"].to_numpy(dtype=object),
            "position": oc["position"].to_numpy(dtype="int64"),
            "text": oc[col].to_numpy(dtype=object),
            "norm": norm.to_numpy(zero_copy_only=False),
            "words": words,
            "other0": normalized(oc[others[0]]).to_numpy(zero_copy_only=False),
            "other1": normalized(oc[others[1]]).to_numpy(zero_copy_only=False),
            "measure": oc["measure"].to_numpy(dtype=object),
        }
    )[ok]
    df = df[df.duplicated(["record_id", "norm"], keep=False)]
    if df.empty:
        return _result([])
    order = {k: i for i, k in enumerate(OUTCOME_KINDS)}
    df = df.assign(korder=df["kind"].map(order).fillna(len(order))).sort_values(
        ["record_id", "korder", "position"], kind="stable"
    )
    what = col.replace("_", " ")
    time_words = frozenset(w.lower() for w in p["time_words"])
    rows = []
    for (rid, _), g in df.groupby(["record_id", "norm"], sort=False):
        places = [
            _outcome_path(k, int(i), col) for k, i in zip(g["kind"], g["position"], strict=True)
        ]
        texts = g["text"].tolist()
        also = [x for i, x in enumerate(places) if i != 1]
        shown = ", ".join(also[:4]) + (f" and {len(also) - 4} more" if len(also) > 4 else "")
        same = {c: g[f"other{i}"].nunique(dropna=False) == 1 for i, c in enumerate(others)}
        if all(same.values()):
            note = "identical outcome entries"
        elif (
            p["ignore_same_measure"]
            and len({_measure_key(m, time_words) for m in g["measure"]}) == 1
        ):
            continue  # one measure listed once per time point
        else:
            parts = [f"same {c}" for c in others if same[c]]
            parts += ["different " + " and ".join(c for c in others if not same[c])]
            note = ", ".join(parts).replace("_", " ")
        rows.append(
            {
                "record_id": rid,
                "field": places[1],
                "start": 0,
                "end": len(texts[1]),
                "message": (
                    f"the same {int(g['words'].iloc[0])}-word outcome {what} is used by "
                    f"{len(places)} outcome measures ({note}; also {shown})"
                ),
                "related_field": places[0],
                "related_start": 0,
                "related_end": len(texts[0]),
            }
        )
    return _result(rows)


# --- kind: arm_description_copied ------------------------------------------------------------

_ARM_DEFAULTS: dict[str, Any] = {"min_words": 8, "min_ratio": 0.9, "shingle_words": 4}


def _validate_arm(params: dict[str, Any]) -> None:
    require_keys(params, set(_ARM_DEFAULTS))
    p = {**_ARM_DEFAULTS, **params}
    if not 0 < float(p["min_ratio"]) <= 1:
        raise ValueError("min_ratio must be in (0, 1]")
    if int(p["min_words"]) < 1 or not 2 <= int(p["shingle_words"]) <= int(p["min_words"]):
        raise ValueError("min_words must be positive and shingle_words in 2 .. min_words")


def _explode(joined: pd.Series) -> pd.Series:
    """A '|'-joined list column as one item per row (index kept), str dtype even when empty."""
    return joined.astype("str").str.split("|").explode().dropna().astype("str")


def _arm_links(rs: RecordSet) -> pd.DataFrame:
    """(record_id, arm, intervention) row pairs linked by the intervention's arm labels or the
    arm's intervention names ('Type: Name')."""
    arms = rs.arms.reset_index(drop=True)
    itv = rs.interventions.reset_index(drop=True)
    if arms.empty or itv.empty:
        return pd.DataFrame({"record_id": [], "arm": [], "itv": []})
    a = pd.DataFrame(
        {
            "record_id": arms["record_id"],
            "key": arms["label"].str.strip().str.lower(),
            "arm": arms.index,
        }
    )
    i_lab = _explode(itv["arm_labels"])
    i = pd.DataFrame(
        {
            "record_id": itv["record_id"].loc[i_lab.index],
            "key": i_lab.str.strip().str.lower(),
            "itv": i_lab.index,
        }
    )
    by_label = a.merge(i, on=["record_id", "key"])[["record_id", "arm", "itv"]]
    a_nm = _explode(arms["intervention_names"])
    a2 = pd.DataFrame(
        {
            "record_id": arms["record_id"].loc[a_nm.index],
            "key": a_nm.str.replace(r"^[^:]*:", "", regex=True).str.strip().str.lower(),
            "arm": a_nm.index,
        }
    )
    i2 = pd.DataFrame(
        {
            "record_id": itv["record_id"],
            "key": itv["name"].str.strip().str.lower(),
            "itv": itv.index,
        }
    )
    by_name = a2.merge(i2, on=["record_id", "key"])[["record_id", "arm", "itv"]]
    links = pd.concat([by_label, by_name], ignore_index=True).drop_duplicates()
    return links.astype({"arm": "int64", "itv": "int64"})


def run_arm(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    p = {**_ARM_DEFAULTS, **params}
    k = int(p["shingle_words"])
    links = _arm_links(rs)
    if links.empty:
        return _result([])
    arms = rs.arms.reset_index(drop=True)
    itv = rs.interventions.reset_index(drop=True)
    ad = arms["description"].to_numpy(dtype=object)
    idesc = itv["description"].to_numpy(dtype=object)
    links = links[pd.notna(ad[links["arm"]]) & pd.notna(idesc[links["itv"]])]
    if links.empty:
        return _result([])
    # narrow: the arm description's shingles mostly found in the intervention description
    arm_rows = np.unique(links["arm"].to_numpy())
    itv_rows = np.unique(links["itv"].to_numpy())
    # one call, so that the two sides' shingle hashes are comparable
    sh = shingles(pd.Series(np.concatenate([ad[arm_rows], idesc[itv_rows]])), k).drop_duplicates()
    on_arm = sh["text"].to_numpy() < len(arm_rows)
    sa, si = sh[on_arm].copy(), sh[~on_arm].copy()
    sa["arm"] = arm_rows[sa["text"].to_numpy()]
    si["itv"] = itv_rows[si["text"].to_numpy() - len(arm_rows)]
    total = sa.groupby("arm").size().rename("total")
    shared = (
        links[["arm", "itv"]]
        .merge(sa[["arm", "h"]], on="arm")
        .merge(si[["itv", "h"]], on=["itv", "h"])
        .groupby(["arm", "itv"])
        .size()
        .rename("shared")
        .reset_index()
    )
    shared = shared.join(total, on="arm")
    cand = shared[shared["shared"] >= np.floor(shared["total"] * float(p["min_ratio"]) * 0.5)]
    rids = arms["record_id"].tolist()
    labels = arms["label"].tolist()
    apos_all = arms["position"].tolist()
    ipos_all = itv["position"].tolist()
    best: dict[int, tuple[float, dict[str, Any]]] = {}
    for arm, it in zip(cand["arm"].tolist(), cand["itv"].tolist(), strict=True):
        ta, ti = ad[arm], idesc[it]
        A, B = Tokens.of(ta), Tokens.of(ti)
        if len(A) < int(p["min_words"]):
            continue
        runs = common_runs(A.words, B.words, k)
        if not runs:
            continue
        ratio = float(covered(runs, 0, len(A)).mean())
        if ratio < float(p["min_ratio"]):
            continue
        ib = np.flatnonzero(covered(runs, 1, len(B)))
        apos, ipos = int(apos_all[arm]), int(ipos_all[it])
        row = _row(
            str(rids[arm]),
            f"interventions[{ipos}].description",
            (B.starts[ib[0]], B.ends[ib[-1]]),
            f"arms[{apos}].description",
            (0, len(ta)),
        )
        twin = f"arm '{labels[arm]}' (arms[{apos}].description)"
        if A.words == B.words:
            row["message"] = f"intervention description is the description of {twin}, word for word"
        else:
            pct = int(np.floor(ratio * 100))
            row["message"] = (
                f"intervention description copies the description of {twin} ({pct}% of its words)"
            )
        if it not in best or ratio > best[it][0]:
            best[it] = (ratio, row)
    return _result([r for _, r in best.values()])


KINDS = (
    FunctionKind(name="duplicate_narrative", run_fn=run_narrative, validate_fn=_validate_narrative),
    FunctionKind(
        name="repeated_outcome_description", run_fn=run_outcome, validate_fn=_validate_outcome
    ),
    FunctionKind(name="arm_description_copied", run_fn=run_arm, validate_fn=_validate_arm),
)

__all__ = ["KINDS", "common_runs", "field_name", "normalized", "shingles"]
