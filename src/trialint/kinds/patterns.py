"""Regex helpers shared by the pattern-driven kinds: parameter checks, cached compilation, and the
vectorized pyarrow (RE2) prefilter that narrows texts before the finer Python ``re`` work."""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..frames import ALWAYS_CARRIED, RecordSet
from ..lazy_pattern import LazyPattern as LazyPattern  # the kinds' module-level patterns


def as_list(value: Any, what: str = "patterns") -> list[str]:
    """A rule parameter that is one regex or a list of regexes, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(f"{what}: expected a regex or a list of regexes")


def alternatives(patterns: list[str]) -> str:
    """One regex matching any of ``patterns``."""
    return patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)


@functools.cache
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def check_regex(pattern: str, what: str, *, re2: bool = True) -> None:
    """A pattern must compile in Python ``re`` (and, when ``re2``, in RE2 for the prefilter)."""
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{what}: invalid regex: {e}") from e
    if not re2:
        return
    try:
        pc.match_substring_regex(pa.array(["x"]), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ValueError(
            f"{what}: not valid for RE2 (no lookarounds or backreferences): {e}"
        ) from e


def arrow(s: pd.Series) -> pa.Array:
    """A text column as a pyarrow string array (missing values null)."""
    return pa.array(s.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


def mask(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A pyarrow boolean result as a numpy mask (null = False)."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def prefilter(s: pd.Series, pattern: str, case_sensitive: bool) -> np.ndarray:
    """Which texts of ``s`` contain a match of ``pattern`` (RE2, vectorized)."""
    return mask(pc.match_substring_regex(arrow(s), pattern, ignore_case=not case_sensitive))


class Carried:
    """``frames.carries`` (same answers) for many field names over one studies frame: the '|'-padded
    ``present_fields`` column is built once and each name is one vectorized substring test
    (cached), instead of a pandas string concatenation per call."""

    def __init__(self, studies: pd.DataFrame) -> None:
        pf = arrow(studies["present_fields"])
        self._index = studies.index
        self._all = np.asarray(pc.is_null(pf).to_numpy(zero_copy_only=False), dtype=bool)
        bar = pa.scalar("|", type=pa.large_string())
        empty = pa.scalar("", type=pa.large_string())
        self._padded = pc.binary_join_element_wise(bar, pc.fill_null(pf, empty), bar, empty)
        self._cache: dict[str, pd.Series] = {}

    def __call__(self, name: str) -> pd.Series:
        hit = self._cache.get(name)
        if hit is None and name in ALWAYS_CARRIED:
            hit = pd.Series(True, index=self._index)
            self._cache[name] = hit
        if hit is None:
            found = mask(pc.match_substring(self._padded, f"|{name}|"))
            hit = pd.Series(found | self._all, index=self._index)
            self._cache[name] = hit
        return hit


def record_mask(rs: RecordSet, pattern: str, case_sensitive: bool = False) -> np.ndarray:
    """Which records (``rs.studies`` rows) have a match of ``pattern`` (RE2) in any of their
    texts: one vectorized pass over each record's joined text (``RecordSet.record_text``), the
    building block of a prefilter. Texts are joined by newlines, so anchor with ``(?m)^``."""
    return prefilter(rs.record_text(), pattern, case_sensitive)


def literals_pattern(words: list[str]) -> str:
    """One RE2 pattern matching any of the literal ``words`` (RE2 runs such an alternation as one
    automaton over the text, whatever the number of words)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
