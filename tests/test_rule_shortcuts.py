"""The shortcuts that make rules cheaper change no answer.

- ``frames.isin`` answers as pandas' ``Series.isin`` (missing values and non-text values too).
- cycle_length scans a text with its length, end, count and cycle patterns only when it says
  "cycle" or "course", and with its rest patterns only when it holds a rest word: over the
  corpus's texts with those words blanked out, no such pattern matches (so a pattern added
  without them fails here), and ``parse`` / ``rest_days`` give what the patterns give.
- endpoint_coverage's literal gates (kinds/literal_gate.py): ``fold`` folds every character
  that case-insensitive matching equates with ASCII; every match of a gated pattern in the
  corpus's narratives and outcomes holds one of its literals; the split searches (``AnyOf``,
  ``FirstOf``, ``Gated``) answer as the whole pattern.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from conftest import CORPUS, ROOT
from trialint.frames import RecordSet, isin
from trialint.kinds import cycle_length as cl
from trialint.kinds import endpoint_coverage as ec
from trialint.kinds import literal_gate as lg
from trialint.read import read_paths
from trialint.rules import load_rule_file


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


# --- literal gates (kinds/literal_gate.py) and endpoint_coverage's use of them -------------


def test_fold_keeps_the_length_and_every_letter_re_ignorecase_matches_to_ascii() -> None:
    """A gate looks for a pattern's ASCII literals in ``fold(text)``: every character that
    Python's case-insensitive matching equates with an ASCII character must fold to it, and
    folding must keep every offset."""
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    folded_chars = lg.fold(chars)
    assert len(folded_chars) == len(chars)
    for a in map(chr, range(128)):
        for m in re.finditer(re.escape(a), chars, re.I):
            assert folded_chars[m.start()] == a.lower(), (hex(ord(m.group(0))), a)


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"\bdisease control rates?\b", re.I, ("disease control rate",)),
        (r"end[- ]?points?", 0, ("point",)),  # one literal of 4+ letters beats three longer
        (r"(?:ab|cd)(?:ef|gh)x", 0, ("abefx", "abghx", "cdefx", "cdghx")),
        (r"\bto (?:assess|evaluate)\b", re.I, ("to assess", "to evaluate")),
        (r"(?:we|investigators) will (?:assess|evaluate|compare)", 0, (" will ",)),
        (r"(?-i:HR)\s*[:=]", re.I, ("hr",)),
        (r"(?<!received )\b(?:standard|usual) (?:of )?care\b", re.I, ("care",)),
        (r"[A-Z]{2,6}-\d+", 0, ("-",)),
        (r"a|\w+", 0, None),  # one alternative names no literal: no gate
        (r"(?:\s*\S+){0,3}", 0, None),  # may match the empty string
        (r"\bµg\b", re.I, ("g",)),  # a non-ASCII letter: no literal from it
    ],
)
def test_required_literals(pattern: str, flags: int, expected: tuple[str, ...] | None) -> None:
    assert lg.required_literals(pattern, flags) == expected


def test_required_clauses_are_all_needed() -> None:
    """Every match holds one literal of each clause: a name hard-wrapped across lines needs
    each of its words."""
    assert lg.required_clauses(r"disease\s+control\s+rates?", re.I) == (
        ("disease",),
        ("control",),
        ("rate",),
    )
    assert lg.required_clauses(r"(?:primary|secondary) end ?points?") == (
        ("point",),
        (" end",),
        ("primary", "secondary"),
    )
    # an optional part requires nothing; a repeated one does
    assert lg.required_clauses(r"x(?:abcd)?y") == (("xy", "xabcdy"), ("x",), ("y",))
    assert lg.required_clauses(r"(?:abcd)+y") == (("abcd",), ("y",))


def test_top_alternatives_split_only_the_top_level() -> None:
    assert lg.top_alternatives(r"(?:a|b)|c[|]|\||(d|e)") == ["a", "b", "c[|]", r"\|", "(d|e)"]
    assert lg.top_alternatives(r"(?i)a|(?:b)(?:c)") == ["(?i)a", "(?i)(?:b)(?:c)"]
    assert lg.top_alternatives(r"(?P<x>a)|(?P=x)b") == [r"(?P<x>a)|(?P=x)b"]


@cache
def _narratives() -> list[str]:
    """The texts endpoint-not-defined reads: the narratives and the registered outcomes of the
    corpus's API v2 records."""
    rs = RecordSet.concat(
        read_paths([CORPUS / "ctgov_v2_json" / "studies.ndjson"], chunk_size=100_000)
    )
    cols = [rs.studies[c] for c in ("brief_summary", "detailed_description")]
    cols += [rs.outcomes[c] for c in ("measure", "description")]
    return [str(t) for col in cols for t in col.dropna()]


def _endpoint_gates() -> list[tuple[str, lg.Clauses, re.Pattern[str]]]:
    """Every literal gate endpoint_coverage uses, as (name, clauses, the pattern they gate):
    its module's gated patterns, its config's and its lexicon's (found by type, so a new one
    is checked too)."""
    cfg = ec._config(load_rule_file(ROOT / "checks" / "endpoint-not-defined.yaml").params)
    found: list[tuple[str, lg.Clauses, re.Pattern[str]]] = []

    def add(name: str, obj: object) -> None:
        if isinstance(obj, lg.Gated):
            found.append((name, obj.clauses, obj.compiled()))
        elif isinstance(obj, lg.AnyOf | lg.FirstOf):
            found.extend((f"{name}[{i}]", lits, p) for i, (lits, p) in enumerate(obj.parts()))

    for name, obj in vars(ec).items():
        add(name, obj)
    for holder in (cfg, cfg.lex):
        for f in dataclasses.fields(holder):
            add(f.name, getattr(holder, f.name))
    names = cfg.lex.names_literals
    found.append(("lex.names", None if names is None else (names,), cfg.lex.names))
    return found


def test_every_match_of_a_gated_pattern_holds_one_of_its_literals() -> None:
    """The gates' premise on real text: wherever a gated pattern (or alternative) matches in
    the corpus's narratives and outcomes, the match holds a literal of each of its clauses, so
    a text the gate turns away has no match (a literal the analysis got wrong fails here)."""
    gates = _endpoint_gates()
    assert len(gates) > 60
    assert sum(c is not None for _, c, _ in gates) > 50  # most alternatives are gated
    assert sum(len(c or ()) > 1 for _, c, _ in gates) > 20  # most by more than one clause
    texts = _narratives()
    matched = 0
    for name, clauses, pat in gates:
        if clauses is None:
            continue
        for text in texts:
            for m in pat.finditer(text):
                matched += 1
                span = lg.fold(m.group(0))
                for lits in clauses:
                    assert any(lit in span for lit in lits), (name, m.group(0), lits)
    assert matched > 10_000


def test_gated_searches_answer_as_the_whole_pattern_on_the_corpus() -> None:
    """AnyOf is a boolean search of the whole alternation, FirstOf and Gated its first match
    (span and named groups), from any start position, FirstOf.finditer its matches."""
    cfg = ec._config(load_rule_file(ROOT / "checks" / "endpoint-not-defined.yaml").params)
    texts = _narratives()
    anys = [cfg.cues_any, cfg.cues_weak_any, cfg.background_any, cfg.procedural_any]
    firsts: list[lg.FirstOf | lg.Gated] = [cfg.lex.lead, cfg.cues_before, ec._AIM_DEFINED]
    hits = 0
    for text in texts[::3]:
        f = lg.fold(text)
        for a in anys:
            want = re.compile(a.pattern, a.flags).search(text) is not None
            assert a.search(text) == want == a.search(text, f), a.pattern[:60]
            hits += want
        for g in firsts:
            whole = re.compile(g.pattern, g.flags)
            for pos in (0, len(text) // 3):
                want_m = whole.search(text, pos)
                got = g.search(text, pos, folded=f)
                assert (got and (got.span(), got.groupdict().get("list"))) == (
                    want_m and (want_m.span(), want_m.groupdict().get("list"))
                ), g.pattern[:60]
    assert hits > 1000
    # every match, in order, with its endpoint group: the vocabulary's names
    names = cfg.names_lower.compiled()
    found = 0
    for text in texts:
        low = text.lower()
        want = [(m.span(), m.lastgroup) for m in names.finditer(low)]
        assert [(m.span(), m.lastgroup) for m in cfg.names_lower.finditer(low)] == want
        found += len(want)
    assert found > 500
