"""The shortcuts that make rules cheaper change no answer.

- ``frames.isin`` answers as pandas' ``Series.isin`` (missing values and non-text values too).
- cycle_length scans a text with its length, end, count and cycle patterns only when it says
  "cycle" or "course", and with its rest patterns only when it holds a rest word: over the
  corpus's texts with those words blanked out, no such pattern matches (so a pattern added
  without them fails here), and ``parse`` / ``rest_days`` give what the patterns give.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from conftest import CORPUS
from trialint.frames import RecordSet, isin
from trialint.kinds import cycle_length as cl
from trialint.read import read_paths


@cache
def _corpus() -> RecordSet:
    paths = [
        CORPUS / "ctgov_v2_json" / "studies.ndjson",
        *sorted((CORPUS / "ctgov_xml").glob("*.xml")),
    ]
    return RecordSet.concat(read_paths(paths, chunk_size=100_000))


@cache
def _texts() -> list[str]:
    return [str(t) for t in _corpus().texts()["text"]]


# --- frames.isin -------------------------------------------------------------------------------


def test_isin_answers_as_pandas_on_record_ids_and_keys() -> None:
    rs = _corpus()
    ids = rs.studies["record_id"]
    some = set(ids.iloc[::7])
    for column in (rs.outcomes["record_id"], rs.arms["record_id"], rs.arms["label"], ids):
        for values in (some, list(some), ids.iloc[::3], rs.arms["label"], [], ["nope", 3]):
            expected = column.isin(list(values)).to_numpy()
            got = isin(column, values)
            assert isinstance(got, np.ndarray) and got.dtype == bool
            assert (got == expected).all()
    assert isin(ids, some).any() and not isin(ids, some).all()


@pytest.mark.parametrize(
    "values",
    [["a"], {"a", "c"}, ["a", float("nan")], [None], [pd.NA], [1, "c"], [], ("b", None)],
)
def test_isin_missing_values_and_other_types(values) -> None:
    column = pd.Series(["a", "b", None, "c", "a"], dtype="str")
    expected = column.isin(list(values)).to_numpy()
    assert (isin(column, values) == expected).all()


def test_isin_on_a_column_that_is_not_text() -> None:
    column = pd.Series([1, 2, 3])
    assert isin(column, {2, 3}).tolist() == [False, True, True]


# --- cycle_length word gates ------------------------------------------------------------------

_CYCLE_WORD = re.compile(r"cycle|course", re.I)
_REST_WORDS = re.compile(r"free|rest|recover|off|break|washout", re.I)
_GATED_BY_CYCLE = [*cl._LEN_PATTERNS, *cl._END_PATTERNS, cl._COUNT_PATTERN, *cl._CYCLE_PATTERNS]


def _blanked(texts: list[str], words: re.Pattern[str]) -> list[str]:
    """The texts that hold one of ``words``, each occurrence replaced by as many 'x'."""
    return [words.sub(lambda m: "x" * len(m.group(0)), t) for t in texts if words.search(t)]


def test_cycle_patterns_need_a_cycle_word() -> None:
    texts = _blanked(_texts(), _CYCLE_WORD)
    assert len(texts) > 1000  # the corpus's texts about cycles, with the cycle words blanked
    for text in texts:
        for pat in _GATED_BY_CYCLE:
            assert pat.search(text) is None, (pat.pattern[:60], text[:200])


def test_rest_patterns_need_a_rest_word() -> None:
    texts = _blanked(_texts(), _REST_WORDS)
    assert len(texts) > 1000
    for text in texts:
        assert cl._REST.search(text) is None, text[:200]
        assert cl._REST_LEN.search(text) is None, text[:200]


def _rest_days_ungated(text: str) -> tuple[frozenset[float], bool]:
    found: set[float] = set()
    for m in cl._REST_LEN.finditer(text):
        n = m.group("n") or m.group("n2") or m.group("n3")
        u = (m.group("u") or m.group("u2") or m.group("u3")).lower()
        found.add(cl._num(n) * (7.0 if u.startswith("w") else 1.0))
    return frozenset(found), bool(cl._REST.search(text)) and not found


def test_rest_days_as_the_patterns_say_on_the_corpus() -> None:
    texts = [t for t in _texts() if "cycle" in t.lower() or "rest" in t.lower()]
    rested = 0
    for text in texts:
        got = cl.rest_days(text)
        assert got == _rest_days_ungated(text), text[:200]
        rested += bool(got[0])
    assert rested > 10  # the corpus does state rests


def test_parse_without_cycle_words_finds_only_durations_and_days() -> None:
    """A text without "cycle"/"course" has no length, end, count or cycle position: ``parse``
    skipping those patterns loses nothing (the gate test above), and still finds durations."""
    timed = re.compile(r"[0-9]\s*(?:days?|weeks?|months?)", re.I)
    texts = [t for t in _texts() if not _CYCLE_WORD.search(t) and timed.search(t)][:3000]
    durations = 0
    for text in texts:
        p = cl.parse(text)
        assert not p.lengths
        assert all(pt.form == "day" for pt in p.points)
        durations += len(p.durations)
    assert durations > 100
