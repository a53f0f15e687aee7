"""Regex helpers shared by the pattern-driven kinds: parameter checks, cached compilation, and the
vectorized pyarrow (RE2) prefilter that narrows texts before the finer Python ``re`` work."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..frames import ALWAYS_CARRIED, RecordSet


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


class LazyPattern:
    """A regular expression compiled on first use: a module-level ``LazyPattern(...)`` costs
    nothing at import (a one-record check imports every kind but uses few of its patterns).
    ``search``, ``match``, ``fullmatch``, ``finditer``, ``findall``, ``sub``, ``subn`` and
    ``split`` are those of the compiled pattern: the first call compiles it and puts the
    compiled pattern's own methods on the instance, so later calls cost what they cost on a
    ``re.Pattern``. Any other attribute (``flags``, ``groups``...) is the compiled pattern's."""

    _METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            c = re.compile(self.pattern, self._flags)
            self.__dict__.update({name: getattr(c, name) for name in self._METHODS})
            self._compiled = c
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_compiled", "_flags", "pattern"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {int(self._flags)})"

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled().findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count)

    def subn(
        self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0
    ) -> tuple[str, int]:
        return self.compiled().subn(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled().split(string, maxsplit)
