"""Kind `cycle_length`: treatment-cycle arithmetic that does not add up within a record.

Two checks:

- **time point**: one outcome measure (measure + description + time frame) gives the same time
  point both as a cycle position ("end of Cycle 6", "after 3 or 6 cycles", "Cycle 3 Day 1") and
  as a duration ("18 weeks", "approximately 9 or 18 weeks", "Day 43"), and the two disagree
  with the cycle length the record states ("each cycle is 28 days", "21-day cycles").
  A cycle position and a duration are compared only when the text ties them together (a
  parenthesis, "i.e.", "=", ", approximately ...") or when the outcome's title/description
  names a time point ("PFS rate at 18 weeks") and its time frame names only cycle positions.
- **length**: the record states two different lengths for every cycle of what reads as one
  regimen ("each 21-day cycle" ... "each cycle is 28 days"), with no arm, drug, phase or cycle
  number telling them apart (see ``length_conflicts`` for how conservative that is).

Tolerances: a day either way for day-1 conventions (Cycle 3 Day 1 of 21-day cycles is study
day 43, 42 days after the first dose); a week for durations in weeks (rounding to the week);
``month_tolerance_days`` per month for durations in months; ``approx_slack`` (a fraction)
more when either side is approximate ("~", "approximately", "about"); "up to"/"within"
durations only need to be long enough. A record that states several cycle lengths (arms,
phases, "21 or 28 days") passes when any of them makes the arithmetic work.

Vectorized prefilter (pyarrow regexes over all texts: records where some text mentions a cycle
and a number; of those, the texts that mention a cycle and the titles/descriptions of outcomes
whose time frame does). The parsing runs in Python on those texts only, and on long texts only
around their cycle words.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import RecordSet, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern

# --- numbers ---------------------------------------------------------------------------------

_WORD_NUMBERS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "twenty": 20,
    "twenty-one": 21,
    "twenty one": 21,
    "twenty-four": 24,
    "twenty four": 24,
    "twenty-eight": 28,
    "twenty eight": 28,
    "thirty": 30,
    "thirty-five": 35,
    "forty-two": 42,
}
_ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_WORDS_RE = "|".join(sorted((re.escape(w) for w in _WORD_NUMBERS), key=len, reverse=True))
# a number not glued to letters or other digits; the first digit comes before its lookbehind so
# that the regex engine can skip ahead to digits
_NUM = rf"(?:[0-9](?<![A-Za-z0-9.][0-9])[0-9]*(?:\.[0-9]+)?(?![0-9])|\b(?:{_WORDS_RE})(?![A-Za-z]))"
_ORD = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|1st|2nd|3rd|[4-9]th|1[0-9]th)"
_SEP = r"(?:\s*(?:,\s*(?:and|or|&)?|and|or|&|/)\s*)"
_RANGE = r"(?:\s*(?:-|–|—|to|through)\s*(?:cycles?\s*)?)"
_NUMLIST = rf"{_NUM}(?:(?:{_SEP}|{_RANGE}){_NUM})*"
_APPROX = r"(?:~|≈|∼|approx\.?|approximately|about|around|circa|ca\.|roughly|nearly|almost|some)"

_UNIT_DAYS = {"d": 1.0, "w": 7.0, "m": 365.25 / 12, "y": 365.25}


def _num(s: str) -> float:
    s = s.strip().lower()
    if s in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[s])
    if s in _ORDINALS:
        return float(_ORDINALS[s])
    m = re.match(r"([0-9]+)(?:st|nd|rd|th)$", s)
    if m:
        return float(m.group(1))
    return float(s)


def _numbers(s: str) -> tuple[list[float], bool]:
    """The numbers of a list like '3 or 6', '1, 2, and 4', '21-28'; and whether it is a range."""
    vals = [_num(m.group(0)) for m in re.finditer(_NUM, s, flags=re.I)]
    is_range = bool(re.search(rf"{_NUM}{_RANGE}{_NUM}", s, flags=re.I)) and len(vals) == 2
    return vals, is_range


def _unit(u: str) -> str:
    u = u.lower()
    if u.startswith(("w",)):
        return "w"
    if u.startswith(("mo", "mth")):
        return "m"
    if u.startswith("y"):
        return "y"
    return "d"


# --- mentions --------------------------------------------------------------------------------

# words before "cycle" that make it something other than a treatment cycle
_NOT_TREATMENT = LazyPattern(
    r"(?:menstrual|cell|sleep|wake|life|duty|estrous|oestrous|ovarian|ovulatory|ovulation|"
    r"respiratory|breathing|cardiac|gait|circadian|thaw|feeding|light|dark|ivf|transfer|"
    r"stimulation|embryo|natural|vicious|krebs|urea|pedaling|pedalling|breath|walking|"
    r"contraction|cleaning|washing|sterilization|reproductive|hair|ultradian|"
    r"freeze|heating|cooling|compression|inflation|ventilat\w*|time|natural|clinical|disease|illness|"
    r"hospital|training|education\w*|university|online|language|golf)[\s-]*$",
    re.I,
)
_CYCLE = r"(?<![A-Za-z])cycles?(?![A-Za-z])"
_LEN_VAL = (
    rf"(?P<ap>{_APPROX}\s*)?(?P<n>{_NUM}(?:\s*(?:-|–|to|or|/)\s*{_NUM})?)\s*[- ]?"
    r"(?P<u>days?|weeks?|wks?)(?![A-Za-z])"
)
# the same without the approximation, for patterns that start with the number (faster; the
# approximation before it is looked up separately)
_LEN_NUM = (
    rf"(?P<n>{_NUM}(?:\s*(?:-|–|to|or|/)\s*{_NUM})?)\s*[- ]?(?P<u>days?|weeks?|wks?)(?![A-Za-z])"
)
_APPROX_BEFORE = LazyPattern(rf"{_APPROX}\s*$", re.I)
_CYCLE_WORDS = r"(?:treatment|chemotherapy|chemo|dosing|therapy|study|drug|induction|maintenance|consolidation|medication|administration|dose|infusion|trial|regimen)"
_LEN_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        # each cycle is 28 days / cycle length = 28 days / Cycle 1 is 21 days / cycles of 3 weeks
        rf"(?:(?<![A-Za-z])(?:each|every|one|1|a|per|the)\s+(?:{_CYCLE_WORDS}\s+)?)?(?P<subj>{_CYCLE}\s*(?P<q>[0-9]+(?:\s*(?:onwards|onward|\+|and\s+(?:beyond|after|onwards|later|subsequent)|and\s+above|(?:-|–|to|through)\s*(?:cycles?\s*)?[0-9]+))?)?)"
        r"\s*,?\s*(?:(?:length|duration)\s*(?:of\s+)?(?:is|=|:)?|is|are|=|:|equals?|will\s+be|lasts?|lasting|consists?\s+of|"
        r"is\s+of|of|was|were|corresponds?\s+to|is\s+defined\s+as|(?:is|are)\s+repeated\s+every|repeats?\s+every|"
        r"(?:are|is)\s+given\s+every)\s*(?:of\s+)?(?:a\s+)?"
        + _LEN_VAL
        + r"(?!\s*(?:after|post|before|prior|following|from|later|earlier)(?![A-Za-z]))",
        # cycle (28 days) / 3 cycles (28 days each)
        rf"(?P<subj>{_CYCLE}\s*(?P<q>1)?)\s*[(\[]\s*"
        + _LEN_VAL
        + r"\s*(?P<each>each|per\s+cycle|apiece)?\s*[)\]]",
        # cycles of 28 days each / cycles, 28 days each
        rf"(?P<subj>{_CYCLE})\s*(?:of|,|:)?\s*"
        + _LEN_VAL
        + r"\s*(?P<each>each|per\s+cycle|apiece)(?![A-Za-z])",
        # 21-day cycle / 28 day treatment cycle / 3-week cycle / three weeks cycle
        rf"(?P<n>{_NUM}(?:\s*(?:-|–|to|or|/)\s*{_NUM})?)\s*[- ]?"
        rf"(?P<u>days?|weeks?|weekly)[- ](?:long[- ])?(?:{_CYCLE_WORDS}[- ])?(?P<subj>cycles?)(?![A-Za-z])(?!\s*[0-9])",
        # 21 days as a cycle / 4 weeks as one treatment cycle / 28 days = 1 cycle
        rf"{_LEN_NUM}\s*(?:as|is|=|constitutes?|constituting|make\s+up|makes\s+up|forms?)\s*"
        rf"(?:a|one|1)\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>cycle)(?![A-Za-z])(?!\s*[0-9])",
        # (28 days/cycle) / 28 days/cycle
        rf"{_LEN_NUM}\s*/\s*(?P<subj>cycle)(?![A-Za-z])",
        # each course is 28 days / each 2-week course / 21-day courses ("a 5-day course" of
        # antibiotics is no repeating cycle: a course is one only with each/every/per or plural)
        rf"(?<![A-Za-z])(?:each|every|per)\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>course)\s*,?\s*"
        r"(?:(?:length|duration)\s*(?:of\s+)?(?:is|=|:)?|is|=|:|lasts?|consists?\s+of|will\s+be|is\s+of)\s*"
        r"(?:of\s+)?(?:a\s+)?" + _LEN_VAL,
        rf"(?<![A-Za-z])(?:each|every|per)\s+(?P<n>{_NUM})\s*[- ]?(?P<u>days?|weeks?)[- ]"
        rf"(?:{_CYCLE_WORDS}[- ])?(?P<subj>course)(?![A-Za-z])(?!\s*[0-9])",
        rf"(?P<n>{_NUM}(?:\s*(?:-|–|to|or|/)\s*{_NUM})?)\s*[- ]?(?P<u>days?|weeks?)[- ]"
        rf"(?:{_CYCLE_WORDS}[- ])?(?P<subj>courses)(?![A-Za-z])(?!\s*[0-9])",
        # Courses repeat every 28 days ("Treatment repeats every 2 weeks" is a dosing interval)
        r"(?P<subj>(?<![A-Za-z])courses?)\s+(?:is\s+|are\s+|will\s+be\s+)?"
        r"(?:repeated|repeats?|recurs?)\s+every\s+" + _LEN_VAL,
        # every 21 days for 6 cycles / q 21 days x 6 courses
        rf"(?<![A-Za-z])(?:every|q)\s*{_LEN_VAL}\s*(?:for|x|×)\s*(?P<bound>up\s+to\s+|a\s+total\s+of\s+|a\s+maximum\s+of\s+|a\s+minimum\s+of\s+|at\s+least\s+)?"
        rf"(?P<cnt>{_NUM}(?:\s*(?:-|–|to|or)\s*{_NUM})?)\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>cycles|courses)(?![A-Za-z])",
        # every 21 days (1 cycle)
        rf"every\s+{_LEN_VAL}\s*[(\[]\s*(?:a|one|1)\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>cycle)\s*[)\]]",
    )
)

_DAY_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        # Cycle 3 Day 1 / C3D1 / Cycle 3, Day 1 / Cycle 1 Days 2, 3 and 8
        rf"(?<![A-Za-z])(?:cycle|course|cy|c)\s*\.?\s*(?P<n>[0-9]+)\s*[,:]?\s*(?:days?|d)\s*(?P<d>[0-9]+(?:{_SEP}[0-9]+)*)(?![0-9])",
        # Day 1 of Cycle 3 / D1 of C3 / Day 8 of the second cycle
        rf"(?<![A-Za-z])(?:days?|d)\s*(?P<d>[0-9]+)\s+(?:of|in)\s+(?:the\s+)?(?:{_CYCLE_WORDS}\s+)?"
        rf"(?:(?:cycles?|courses?|c)\s*(?P<n>[0-9]+)(?![0-9])|(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?(?:cycle|course))",
    )
)
_END_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        rf"(?<![A-Za-z])(?:end|completion|conclusion|finish|completing|complete|completed|after|following|post)\s+"
        rf"(?:of\s+)?(?:the\s+)?(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)\s*(?P<n>[0-9]+)(?![0-9])",
        rf"(?<![A-Za-z])(?:end|completion|conclusion|finish|completing|complete|completed|after|following)\s+"
        rf"(?:of\s+)?(?:the\s+)?(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)(?![A-Za-z])",
    )
)
_COUNT_PATTERN = LazyPattern(
    r"(?P<pre>(?<![A-Za-z])(?:every|each|q)\s+)?(?:(?:the\s+)?(?:first|initial|last)\s+)?"
    rf"(?P<n>{_NUMLIST})\s+(?:(?:treatment|chemotherapy|chemo|study|complete|completed|full|additional|more|{_CYCLE_WORDS})\s+)?"
    r"(?:cycles?|courses?)(?![A-Za-z])",
    re.I,
)
_CYCLE_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        rf"(?<![A-Za-z])(?:cycles?|courses?)\s*(?P<n>[0-9]+(?:(?:{_SEP}|{_RANGE})[0-9]+)*)(?![0-9])",
        rf"(?<![A-Za-z])(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)(?![A-Za-z])",
    )
)
_DUR_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        # 18 weeks / approximately 9 or 18 weeks / up to ~56 days / 6-month
        rf"(?P<n>{_NUMLIST})\s*[- ]?(?P<u>days?|weeks?|wks?|months?|mos?|mths?|years?|yrs?)(?![A-Za-z])",
        # Week 18 / Day 43 / Study Day 22 / Month 6
        rf"(?<![A-Za-z])(?:study\s+)?(?P<u>week|wk|day|month)\s*(?P<n>[0-9]+(?:{_SEP}[0-9]+)*)(?![0-9])",
    )
)
# "after treatment with tislelizumab for", "after receiving drug X for": the duration that
# follows is a time point (so long into the treatment)
_ELAPSED_BEFORE = LazyPattern(
    r"(?i)(?<![a-z])after\s+(?:(?:the\s+)?(?:study\s+)?(?:treatment|therapy|dosing|administration)|"
    r"(?:being\s+)?(?:treated|receiving|taking|dosed))(?:\s+(?:with|of)(?:\s+[^\s.;,()]+){1,4}?)?\s*$"
)
_LIST_SEP = LazyPattern(r"\s*(?:,|/|&|and|or)\s*(?:(?:and|or)\s+)?", re.I)
# before a duration: its qualifiers
_DUR_PRE = LazyPattern(
    r"(?:(?<![A-Za-z])(?:up\s+to|within|at\s+least|at\s+most|no\s+more\s+than|no\s+later\s+than|more\s+than|"
    rf"less\s+than|over|beyond|past|by|at|after|for|until|to|a\s+maximum\s+of|maximum\s+of|maximum|max\.?|total\s+of|{_APPROX})\s*"
    r"|[≥≤><=~≈∼]\s*)+$",
    re.I,
)
# after a duration: relative to something other than the start of treatment
_RELATIVE_TAIL = LazyPattern(
    r"^\s*(?:\)\s*)?(?:after|post|before|prior|from|since|following|later|earlier|beyond|following|past|"
    r"pre|of\s+(?:follow|the\s+last|last|end)|into)",
    re.I,
)
_START_ANCHOR = LazyPattern(
    r"^\s*(?:after|post|from|since|following)[- ]+(?:the\s+)?(?:first|1st|initial|start|starting|initiation|"
    r"beginning|commencement|onset)\s*(?:of\s+)?(?:the\s+)?(?:study\s+)?(?:dose|dosing|treatment|therapy|"
    r"infusion|administration|drug|day|cycle)?|^\s*(?:after|post|from|since)\s+(?:cycle\s*1\s*day\s*1|c1d1|day\s*1|baseline|"
    r"treatment\s+(?:start|initiation)|enrol+ment|randomi[sz]ation|first\s+dose)",
    re.I,
)
_OPENS_HEAD = LazyPattern(
    r"(?:from|since|starting(?:\s+(?:at|on|from|with))?|beginning(?:\s+(?:at|on|with))?|between)\s+(?:the\s+)?(?:(?:day\s*1|d1)\s+of\s+)?$",
    re.I,
)
_OPENS_TAIL = LazyPattern(
    r"\s*(?:\([^)]*\)\s*)?(?:to|until|till|through|thru|and\s+thereafter|onwards?)(?![A-Za-z])",
    re.I,
)
_CLEAN_TAIL = LazyPattern(
    r"^\s*(?:$|[)\],;.:/]|and\s|or\s|overall|in\s+total|total|of\s+(?:study\s+)?(?:treatment|therapy)(?![A-Za-z])\s*(?:$|[)\],;.]))",
    re.I,
)
_REST = LazyPattern(
    r"(?:treatment|drug|infusion|dose|dosing|therapy|chemotherapy)[- ]free\s+(?:period|interval|week|days?)|"
    r"rest(?:ing)?\s+(?:period|week|interval)|recovery\s+period|(?:days?|weeks?)\s+(?:off|of\s+rest|rest)(?![A-Za-z])|"
    r"off[- ]treatment\s+(?:period|week)|treatment\s+break|(?:a|one|[0-9]+)[- ](?:day|week)\s+break",
    re.I,
)
# a rest with its length: "a 7-day rest", "one week of rest", "an infusion-free period of 14
# days", "2 weeks off"
_REST_FREE = r"(?:(?:treatment|drug|infusion|dose|dosing|therapy|chemotherapy)[- ]free|rest(?:ing)?|recovery|off[- ]treatment|break|washout)"
_REST_LEN = LazyPattern(
    rf"(?P<n>{_NUM})\s*[- ]?(?P<u>days?|weeks?)\s*(?:of\s+)?(?:a\s+)?{_REST_FREE}"
    rf"|{_REST_FREE}\s*(?:period|interval|phase|week|time)?\s*(?:of|for|lasting|:)?\s*(?P<n2>{_NUM})\s*[- ]?(?P<u2>days?|weeks?)"
    rf"|(?P<n3>{_NUM})\s*[- ]?(?P<u3>days?|weeks?)\s+off(?![A-Za-z])",
    re.I,
)


# "followed by an infusion-free period of 14 days": a rest within the cycle, no other phase
_REST_PHRASE = LazyPattern(
    r"(?:followed\s+by|then|and|with|plus)\s+(?:an?\s+|one\s+|the\s+)?"
    rf"(?:{_NUM}\s*[- ]?(?:days?|weeks?)[- ]?)?(?:of\s+)?{_REST_FREE}"
    rf"(?:\s*(?:period|interval|phase|week|time))?(?:\s*(?:of|for)\s*{_NUM}\s*[- ]?(?:days?|weeks?))?",
    re.I,
)


# every rest pattern (``_REST``, ``_REST_LEN``) holds one of these words: a text without any
# states no rest, and one case-insensitive scan for them is much cheaper than the two patterns
_REST_WORD = re.compile(r"free|rest|recover|off|break|washout", re.I)


@functools.lru_cache(maxsize=512)
def rest_days(text: str) -> tuple[frozenset[float], bool]:
    """The rest periods a text states (days), and whether it names a rest without its length.
    Cached: the length, schedule and label checks of a record ask for each of its texts."""
    if not _REST_WORD.search(text):
        return frozenset(), False
    found: set[float] = set()
    for m in _REST_LEN.finditer(text):
        n = m.group("n") or m.group("n2") or m.group("n3")
        u = (m.group("u") or m.group("u2") or m.group("u3")).lower()
        found.add(_num(n) * (7.0 if u.startswith("w") else 1.0))
    return frozenset(found), bool(_REST.search(text)) and not found


_PERIODIC_HEAD = LazyPattern(r"(?:every|each|per|q)\s*$", re.I)
_BOUND_UP = LazyPattern(
    r"up\s+to|within|at\s+most|no\s+more\s+than|no\s+later\s+than|less\s+than|maximum|max|≤|<|until|by",
    re.I,
)
_BOUND_LOW = LazyPattern(r"at\s+least|more\s+than|over|beyond|past|≥|>", re.I)
_APPROX_RE = LazyPattern(_APPROX, re.I)


@dataclass
class Length:
    start: int
    end: int
    days: tuple[float, ...]
    approx: bool
    text: str
    # the cycles it applies to, when the text says ("Cycle 1 is 28 days", "cycle 2 onwards")
    cycles: tuple[int, float] | None = None
    # how many cycles in all, when the same words say ("every 28 days for 6 courses")
    count: int | None = None

    @property
    def qualified(self) -> bool:
        return self.cycles is not None


_FIRST_BEFORE = LazyPattern(
    r"(?:first|1st|initial)\s+(?:treatment\s+|therapy\s+|dosing\s+)?$", re.I
)
_COUNT_BEFORE = LazyPattern(rf"{_NUM}[\s-]*(?:{_CYCLE_WORDS}\s+)?$", re.I)


def _cycles(q: str | None) -> tuple[int, float] | None:
    """'1' -> (1, 1); '2 onwards' -> (2, inf); '1-4' -> (1, 4); None/'' -> None."""
    if not q or not q.strip():
        return None
    nums = [int(x) for x in re.findall(r"[0-9]+", q)]
    if len(nums) >= 2:
        return nums[0], float(nums[1])
    if re.search(r"onward|\+|beyond|after|later|subsequent|above", q, re.I):
        return nums[0], math.inf
    return nums[0], float(nums[0])


@dataclass
class CyclePoint:
    start: int
    end: int
    form: str  # day | end | count | cycle | range | periodic
    items: list[tuple[int, int]]  # (cycle, day) — day 0 for forms without a day
    text: str
    bound: str = ""  # "up" for "up to N cycles"
    approx: bool = False  # "about 3 cycles"
    opens_range: bool = False  # "from Cycle 6", "Cycle 1 Day 1 to 12 months": where a period starts


@dataclass
class Duration:
    start: int
    end: int
    unit: str  # d | w | m | y (day/week/month as a time point: D | W | M)
    values: list[float]
    approx: bool
    bound: str  # "" | up | low
    periodic: bool
    relative: bool  # relative to something other than the start of treatment
    point: bool  # "at 18 weeks", "18-week", "Week 18": names a time point
    text: str
    window: bool = False  # "(-7 days)", "± 3 days": a visit window, not a time point
    pre_start: int = -1  # where its qualifiers ("approximately", "up to") begin
    pre: str = ""  # the qualifiers
    clean_tail: bool = (
        True  # followed by punctuation or a start anchor, not "14 days treatment of ..."
    )
    elapsed: bool = False  # "after treatment with X for 9 months": the time point 9 months in


@dataclass
class Parsed:
    lengths: list[Length] = field(default_factory=list)
    points: list[CyclePoint] = field(default_factory=list)
    durations: list[Duration] = field(default_factory=list)
    intervals: list[Interval] = field(default_factory=list)
    day_lists: list[DayList] = field(default_factory=list)


@dataclass
class Interval:
    """A dosing or treatment interval: "every 3 weeks", "Q2W", "Treatment repeats every 2 weeks".

    ``level``: ``cycle`` when its sentence ties it to the cycle ("Q2W on Day 1 of each cycle"),
    ``regimen`` when it is the schedule of the whole treatment ("Treatment repeats every 2
    weeks", "every-three-week chemotherapy"), ``drug`` when it is one drug's ("docetaxel 75
    mg/m2 IV every 3 weeks")."""

    start: int
    end: int
    days: tuple[float, ...]
    level: str
    text: str


@dataclass
class DayList:
    """Treatment days within a cycle: "on days 1-28", "on days 1, 8, and 15"."""

    start: int
    end: int
    last: int  # the last day named
    text: str


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    if isinstance(spans, _Spans):
        return spans.overlaps(a)
    return any(a[0] < e and s < a[1] for s, e in spans)


class _Spans:
    """Non-overlapping character spans, sorted: overlap tests in O(log n) (a long text has
    thousands of cycle words; a linear scan per match would be quadratic)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for sp in sorted(spans):
            self.add(sp)

    def add(self, span: tuple[int, int]) -> None:
        i = bisect.bisect_left(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.ends.insert(i, span[1])

    def hits(self, a: tuple[int, int]) -> list[int]:
        """Ends of the spans that overlap ``a``."""
        i = bisect.bisect_left(self.starts, a[1])  # spans starting before a ends
        out = []
        j = i - 1
        while j >= 0 and self.ends[j] > a[0]:  # non-overlapping: the ends are sorted too
            out.append(self.ends[j])
            j -= 1
        return out

    def overlaps(self, a: tuple[int, int]) -> bool:
        return bool(self.hits(a))

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self.starts, self.ends, strict=True))


def _treatment_cycle(text: str, subj_start: int) -> bool:
    return not _NOT_TREATMENT.search(text[max(0, subj_start - 40) : subj_start])


def _finditer_free(
    pat: re.Pattern[str] | LazyPattern, text: str, occupied: _Spans
) -> Iterable[re.Match[str]]:
    """Matches of ``pat`` whose number does not overlap an occupied span; a match that does is
    retried just after the span it runs into ("Cycle 1 Day 1 to 12 months")."""
    pos = 0
    while pos <= len(text):
        m = pat.search(text, pos)
        if m is None:
            return
        ns, ne = m.span("n")
        hit = occupied.hits((ns, ne))
        if hit:
            pos = max(max(hit), m.start() + 1)
            continue
        yield m
        pos = m.end()


_CYCLE_OR_COURSE = re.compile(r"cycle|course", re.I)


def parse(text: str, marks: bool = True) -> Parsed:
    """Cycle lengths, cycle positions and durations mentioned in one text; with ``marks`` also
    its dosing intervals and treatment-day lists (``schedule_marks``)."""
    out = Parsed()
    taken = _Spans()
    # the length, end, count and cycle patterns all hold "cycle" or "course": a text without
    # either (an outcome title that gives only a duration) is not scanned with them
    cyclic = bool(_CYCLE_OR_COURSE.search(text))
    for pat in _LEN_PATTERNS if cyclic else ():
        for m in pat.finditer(text):
            if _overlaps(m.span(), taken) or not _treatment_cycle(text, m.start("subj")):
                continue
            vals, _ = _numbers(m.group("n"))
            u = m.group("u").lower()
            mult = 7.0 if u.startswith("w") else 1.0
            days = tuple(v * mult for v in vals if v > 0)
            if not days or (m.group("subj").lower() in ("cycles", "courses") and min(days) < 14):
                continue  # "every week for 6 cycles": a dosing interval within longer cycles
            if (
                pat is _LEN_PATTERNS[1]
                and not m.group("each")
                and _COUNT_BEFORE.search(text[max(0, m.start() - 30) : m.start()])
            ):
                continue  # "35 cycles (approximately 105 weeks)": a duration, not a cycle length
            approx = bool(m.groupdict().get("ap")) or bool(
                _APPROX_BEFORE.search(text[max(0, m.start() - 16) : m.start()])
            )
            cycles = _cycles(m.groupdict().get("q"))
            if cycles is None and _FIRST_BEFORE.search(
                text[max(0, m.start("subj") - 24) : m.start("subj")]
            ):
                cycles = (1, 1.0)  # "the first cycle (6 weeks)": the length of cycle 1
            count = None
            gd = m.groupdict()
            if gd.get("cnt") and not (gd.get("bound") or "").strip().lower().startswith(
                ("up", "a max", "a min", "at")
            ):
                nums, _ = _numbers(gd["cnt"])
                count = int(nums[0]) if len(nums) == 1 and nums[0] == int(nums[0]) else None
            out.lengths.append(Length(m.start(), m.end(), days, approx, m.group(0), cycles, count))
            taken.add(m.span())
    len_spans = _Spans(taken)
    point_spans = _Spans()

    def add_point(
        m: re.Match[str], form: str, items: list[tuple[int, int]], bound: str = ""
    ) -> None:
        if _overlaps(m.span(), point_spans) or _overlaps(m.span(), len_spans) or not items:
            return
        if form != "day" and not _treatment_cycle(text, m.start()):
            return
        approx = bool(
            re.search(rf"{_APPROX}\s*(?:the\s+)?$", text[max(0, m.start() - 16) : m.start()], re.I)
        )
        head = text[max(0, m.start() - 24) : m.start()]
        opens = bool(_OPENS_HEAD.search(head)) or bool(
            _OPENS_TAIL.match(text[m.end() : m.end() + 12])
        )
        out.points.append(
            CyclePoint(m.start(), m.end(), form, items, m.group(0), bound, approx, opens)
        )
        point_spans.add(m.span())

    for pat in _DAY_PATTERNS:
        for m in pat.finditer(text):
            n = int(_num(m.groupdict().get("n") or m.groupdict().get("o") or "0"))
            in_cycle = [int(d) for d in re.findall(r"[0-9]+", m.group("d"))]
            add_point(m, "day", [(n, d) for d in in_cycle] if n > 0 else [])
    for pat in _END_PATTERNS if cyclic else ():
        for m in pat.finditer(text):
            n = int(_num(m.groupdict().get("n") or m.groupdict().get("o") or "0"))
            add_point(m, "end", [(n, 0)] if n > 0 else [])
    for m in _COUNT_PATTERN.finditer(text) if cyclic else ():
        vals, is_range = _numbers(m.group("n"))
        if any(v != int(v) or v <= 0 or v > 200 for v in vals):
            continue
        head = text[max(0, m.start() - 12) : m.start()]
        form = "periodic" if m.group("pre") or _PERIODIC_HEAD.search(head) else "count"
        bound = "up" if re.search(r"(?:up\s+to|within|maximum\s+of|max\.?)\s*$", head, re.I) else ""
        add_point(m, form, [(int(v), 0) for v in vals], bound)
    for pat in _CYCLE_PATTERNS if cyclic else ():
        for m in pat.finditer(text):
            if m.groupdict().get("o"):
                vals, is_range = [_num(m.group("o"))], False
            else:
                vals, is_range = _numbers(m.group("n"))
            if any(v <= 0 or v > 200 for v in vals):
                continue
            add_point(m, "range" if is_range else "cycle", [(int(v), 0) for v in vals])
    occupied = _Spans([*len_spans, *point_spans])
    for pat in _DUR_PATTERNS:
        for m in _finditer_free(pat, text, occupied):
            vals, is_range = _numbers(m.group("n"))
            if not vals:
                continue
            u = m.group("u").lower()
            unit = _unit(u)
            named_point = pat is _DUR_PATTERNS[1]  # Week 18 / Day 43
            before = text[max(0, m.start() - 48) : m.start()]
            pm = _DUR_PRE.search(before)
            pre = pm.group(0).lower() if pm else ""
            pre_start = m.start() - len(pm.group(0)) if pm else m.start()
            head = text[max(0, pre_start - 12) : pre_start]
            if not pre and re.search(r"[A-Za-z][0-9.]*\s*[-–]\s*$", before[-12:]):
                continue  # "AUC0-28day": a subscript
            tail = text[m.end() : m.end() + 60]
            relative = bool(_RELATIVE_TAIL.match(tail)) and not _START_ANCHOR.match(tail)
            if named_point and re.match(r"\s*(?:of|in)\s", tail, re.I):
                relative = True  # "Day 1 of each cycle"
            approx = bool(_APPROX_RE.search(pre))
            bound = "up" if _BOUND_UP.search(pre) else "low" if _BOUND_LOW.search(pre) else ""
            periodic = bool(_PERIODIC_HEAD.search(head + pre))
            point = (
                named_point
                or bool(re.search(r"(?:^|\s)(?:at|by|after)\s", " " + pre))
                or bool(re.match(r"[0-9]+\s*-\s*(?:week|month|day)", m.group(0), re.I))
            )
            window = (not pre and bool(re.search(r"(?:[-+±–]|\+/-)\s*$", before[-4:]))) or bool(
                re.search(r"within", pre) or re.match(r"\s*(?:visit\s+)?window", tail, re.I)
            )
            clean_tail = bool(_CLEAN_TAIL.match(tail)) or bool(_START_ANCHOR.match(tail))
            if named_point and unit == "d":
                vals = [v - 1 for v in vals]  # study Day N is N-1 days after Day 1
            out.durations.append(
                Duration(
                    m.start(),
                    m.end(),
                    unit.upper() if named_point else unit,
                    vals,
                    approx,
                    bound,
                    periodic,
                    relative,
                    point,
                    m.group(0),
                    window=window,
                    clean_tail=clean_tail,
                    pre_start=pre_start,
                    pre=pre,
                )
            )
            occupied.add(m.span())
    out.lengths.sort(key=lambda ln: ln.start)
    out.points.sort(key=lambda p: p.start)
    out.durations.sort(key=lambda d: d.start)
    for d in out.durations:
        if d.pre.strip() == "for" and _ELAPSED_BEFORE.search(
            text[max(0, d.pre_start - 80) : d.pre_start]
        ):
            d.point = d.elapsed = True
    for prev, d in itertools.pairwise(out.durations):
        # "at 6 months, 12 months", "after treatment for 9 months, 12 months": a list of time points
        if not d.pre and _LIST_SEP.fullmatch(text[prev.end : d.start]) and prev.point:
            d.point, d.elapsed = True, prev.elapsed
    if marks:
        schedule_marks(text, out)
    return out


# --- dosing intervals and treatment days -----------------------------------------------------

_INTERVAL_PATTERNS: tuple[LazyPattern, ...] = tuple(
    LazyPattern(p, re.I)
    for p in (
        # every 3 weeks / every three weeks / every-three-week / once every 21 days / every other week
        rf"(?<![A-Za-z])(?:once\s+)?every[\s-]+(?:(?P<other>other)[\s-]+)?"
        rf"(?:(?P<n>{_NUM}(?:\s*(?:-|–|to|or)\s*{_NUM})?)[\s-]*)?(?P<u>days?|weeks?|wks?)(?![A-Za-z])",
        # Q3W / q21d / q 3 weeks / Q2Wk
        r"(?<![A-Za-z0-9])q\s?(?P<n>[0-9]{1,2})\s?(?P<u>w|wks?|weeks?|d|days?)(?![A-Za-z])",
    )
)
# an interval of something other than treatment: assessments, visits, follow-up, samples
_NOT_DOSING = LazyPattern(
    r"(?i)(?:^|[^a-z])(?:assess\w*|evaluat\w*|scans?|scanning|imag\w*|ct|mri|pet|radiolog\w*|recist|"
    r"follow-?ups?|follow(?:ed)?\s+up|visits?|monitor\w*|measur\w*|collect\w*|sampl\w*|tests?|testing|questionnaires?|"
    r"surveys?|labs?|laborator\w*|draws?|ecgs?|ekgs?|exam\w*|check\w*|responses?|reviews?|contact\w*|"
    r"calls?|telephone|phone|diar(?:y|ies)|record\w*|interviews?|echocardio\w*|biops\w*|counts?|"
    r"surveillance|observ\w*|report\w*|obtain\w*|perform\w*|check-?ups?|tumou?r\s+assessments?)(?:[^a-z]|$)"
)
_DOSE_CUE = LazyPattern(
    r"(?i)[0-9]\s*(?:mg|µg|mcg|ug|g|ml|iu|units?)(?![a-z])|mg/|/m2|/m\^?2|/kg|(?:^|[^a-z])(?:iv|po|sc|sq|im)(?:[^a-z]|$)|"
    r"intraven|orally|(?:^|[^a-z])oral(?:[^a-z]|$)|subcutan|intramusc|infus|inject|administ|given|receiv|dosed|"
    r"(?:^|[^a-z])doses?(?:[^a-z]|$)"
)
# tied to the cycle in its own clause: "Q2W on Day 1 of each cycle"
_CYCLE_TIE = LazyPattern(
    r"(?i)(?:day\s*1\s+of\s+(?:each|every|the)\s+(?:\w+\s+)?(?:cycle|course)|(?:each|every|per)\s+(?:[\w-]+\s+)?(?:cycle|course)(?![a-z]))"
)
# the schedule of the whole treatment: "Treatment repeats every 2 weeks", "repeated every 21 days",
# "chemotherapy is administered every 21 days", "every-three-week chemotherapy"
_REGIMEN_BEFORE = LazyPattern(
    r"(?i)(?:(?P<rx>treatment|therapy|chemotherapy|regimen|schedule|administration|dosing|infusions?)\s+"
    r"(?:is\s+|are\s+|will\s+be\s+)?(?:repeated|repeats?|given|administered|continues?|occurs?|cycles?)"
    r"|(?:repeated|repeats?|recurs?))\s*(?:\w+\s+){0,1}?$"
)
_REGIMEN_AFTER = LazyPattern(
    r"(?i)^[\s-]*(?:chemotherapy|chemo|treatment|regimen|schedule|dosing|therapy|administration)(?![a-z])"
)
_CLAUSE_END = LazyPattern(r"[.;](?:\s|$)|\n\s*\n")
_DAYS_RE = LazyPattern(
    r"(?<![A-Za-z])(?:on\s+)?days?\s*(?P<d>[0-9]{1,3}(?:\s*(?:-|–|to|through)\s*[0-9]{1,3})?"
    r"(?:\s*(?:,|and|&)\s*(?:days?\s*)?[0-9]{1,3}(?:\s*(?:-|–|to|through)\s*[0-9]{1,3})?)*)(?![0-9])",
    re.I,
)
# days counted from something else: "day 7 after surgery", "days -7 to -1", "study day 43"
_DAYS_NOT_IN_CYCLE = LazyPattern(
    r"(?i)^\s*(?:after|post|from|before|prior|following|of\s+(?:the\s+)?(?:study|follow|radio|hospital))"
)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (between . ; or blank lines, at most 240 characters either side) around a span."""
    lo = max(0, start - 240)
    cuts = [m.end() for m in _CLAUSE_END.finditer(text, lo, start)]
    s = cuts[-1] if cuts else lo
    m = _CLAUSE_END.search(text, end, min(len(text), end + 240))
    return s, (m.start() if m else min(len(text), end + 240))


def schedule_marks(text: str, out: Parsed, label: bool = False) -> None:
    """Dosing intervals and treatment-day lists of ``text`` into ``out`` (not where a cycle length
    or cycle position already is: "every 21 days for 6 cycles" is a length). ``label``: the text
    names an arm ("Docetaxel Every 3 Weeks"): its interval is the arm's regimen."""
    taken = _Spans(
        [(ln.start, ln.end) for ln in out.lengths] + [(p.start, p.end) for p in out.points]
    )
    for pat in _INTERVAL_PATTERNS:
        for m in pat.finditer(text):
            if _overlaps(m.span(), taken):
                continue
            if m.groupdict().get("other"):
                vals = [2.0]
            elif m.group("n"):
                vals, _ = _numbers(m.group("n"))
            else:
                vals = [1.0]
            u = m.group("u").lower()
            mult = 7.0 if u.startswith("w") else 1.0
            days = tuple(v * mult for v in vals if 0 < v * mult <= 120)
            if not days:
                continue
            c0, c1 = _clause(text, m.start(), m.end())
            before, after = text[c0 : m.start()], text[m.end() : c1]
            if re.match(r"\s*(?:cycles?|courses?)(?![A-Za-z])", after, re.I):
                continue  # "every 2 cycles": periodic, in cycles
            regimen = _REGIMEN_BEFORE.search(before[-60:])
            # what is given at the interval: the words after the treatment that is repeated or
            # given ("Test the hypothesis that chemotherapy given every two weeks"), else the clause
            treated = regimen and (regimen.group("rx") or "").lower() not in ("", "schedule")
            subject = before[-60:][regimen.start() :] if regimen and treated else before
            if _NOT_DOSING.search(subject[-80:]):
                continue
            clause = text[c0:c1]
            if label or regimen or _REGIMEN_AFTER.match(after):
                level = "regimen"
            elif _CYCLE_TIE.search(clause) and _DOSE_CUE.search(clause):
                level = "cycle"
            elif _DOSE_CUE.search(clause):
                level = "drug"
            else:
                continue
            out.intervals.append(Interval(m.start(), m.end(), days, level, m.group(0)))
    for m in _DAYS_RE.finditer(text):
        if _overlaps(m.span(), taken):
            continue
        if _DAYS_NOT_IN_CYCLE.match(text[m.end() : m.end() + 30]):
            continue
        if re.search(
            r"(?:study|cycle|course|c)\s*[0-9]*\s*,?\s*$",
            text[max(0, m.start() - 12) : m.start()],
            re.I,
        ):
            continue  # "Study Day 43", "Cycle 2, Day 8": a day of one cycle or of the study
        if re.match(
            r"\s*(?:h|hr|hrs|hours?|min|minutes?|weeks?|months?)(?![A-Za-z])",
            text[m.end() : m.end() + 10],
            re.I,
        ):
            continue  # "Day 1, 168 hours": hours after a dose, not treatment days
        nums = [int(x) for x in re.findall(r"[0-9]+", m.group("d"))]
        if nums:
            out.day_lists.append(DayList(m.start(), m.end(), max(nums), m.group(0)))


_ANCHOR = LazyPattern(
    r"cycle|courses?\s*(?:[0-9]|repeat|(?:is|are)\s+repeated)|(?:[0-9]|one|two|three|four|five|six|first|second|third|each|every)"
    r"[- ](?:[a-z]+[- ])?courses?|(?<![A-Za-z])c[0-9]+\s?d[0-9]",
    re.I,
)
_WINDOW = 120  # characters either side of a cycle word that can hold what is tied to it
_MAX_TEXT = 100_000  # characters of one text that are parsed
_SHORT = 2 * _WINDOW


def parse_text(text: str) -> Parsed:
    """``parse`` on the parts of a long text around its cycle words (all of a short text, and
    all of a text without any: an outcome title or description that only gives a duration)."""
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT]  # a cap: no registry field is this long (the API limit is 32,000)
    anchors = [m.start() for m in _ANCHOR.finditer(text)] if len(text) > _SHORT else []
    if not anchors:
        return parse(text)
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT]  # a cap: no registry field is this long (the API limit is 32,000)
        anchors = [a for a in anchors if a < _MAX_TEXT]
    spans: list[list[int]] = []
    for a in anchors:
        lo, hi = max(0, a - _WINDOW), min(len(text), a + _WINDOW)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    out = Parsed()
    for lo, hi in spans:
        while lo > 0 and not text[lo - 1].isspace() and lo < hi:  # start and end on word edges
            lo += 1
        while hi < len(text) and not text[hi].isspace() and hi > lo:
            hi -= 1
        part = parse(text[lo:hi], marks=False)
        for ln in part.lengths:
            ln.start, ln.end = ln.start + lo, ln.end + lo
        for pt in part.points:
            pt.start, pt.end = pt.start + lo, pt.end + lo
        for d in part.durations:
            d.start, d.end = d.start + lo, d.end + lo
            d.pre_start += lo
        out.lengths += part.lengths
        out.points += part.points
        out.durations += part.durations
    schedule_marks(text, out)
    return out


# --- arithmetic ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    week_days: float = 7.0
    month_days: float = 7.0  # per month
    year_days: float = 31.0  # per year
    day_days: float = 1.0
    approx_slack: float = 0.1


def _duration_days(value: float, unit: str, approx: bool, tol: Tolerance) -> tuple[float, float]:
    """(days, tolerance in days) of a duration value."""
    u = unit.lower()
    days = value * _UNIT_DAYS[u]
    slack = {
        "d": tol.day_days,
        "w": tol.week_days,
        "m": tol.month_days * max(value, 1.0),
        "y": tol.year_days * max(value, 1.0),
    }[u]
    if approx:
        slack += tol.approx_slack * days
    return days, slack


def _targets(point: CyclePoint, item: tuple[int, int], length: float) -> tuple[float, float]:
    """The interval of days after the first dose that a cycle position stands for."""
    n, d = item
    if point.form == "day":
        base = (n - 1) * length + d
        return base - 1, base
    if point.form in ("end", "count", "periodic"):
        return n * length - 1, n * length
    return (n - 1) * length, n * length  # "Cycle 6": anywhere from its first day to its end


def _range_targets(point: CyclePoint, length: float) -> list[tuple[float, float]]:
    if point.form == "range" and len(point.items) == 2:
        a, b = point.items[0][0], point.items[1][0]
        lo = min((b - a + 1) * length, b * length)
        return [(lo - 1, b * length)]
    return [_targets(point, it, length) for it in point.items]


def _fits(days: float, slack: float, lo: float, hi: float, bound: str) -> bool:
    if bound == "up":
        return days + slack >= lo
    if bound == "low":
        return days - slack <= hi
    return lo - slack <= days <= hi + slack


def _fmt(x: float) -> str:
    return f"{x:g}" if x != int(x) else f"{int(x)}"


def _explain(point: CyclePoint, item: tuple[int, int], length: float) -> str:
    n, d = item
    L = _fmt(length)
    if point.form == "day":
        day = (n - 1) * length + d
        return (
            f"Cycle {n} Day {d} of {L}-day cycles = day ({n}−1) × {L} + {d} = day {_fmt(day)}, "
            f"{_weeks(day - 1)} after Cycle 1 Day 1"
        )
    if point.form == "cycle":
        lo, hi = (n - 1) * length, n * length
        return f"Cycle {n} of {L}-day cycles = days {_fmt(lo + 1)}–{_fmt(hi)} ({_weeks(lo)}–{_weeks(hi)})"
    if point.form == "range" and len(point.items) == 2:
        a, b = point.items[0][0], point.items[1][0]
        return f"Cycles {a}–{b} × {L} days = {_fmt(b * length)} days = {_weeks(b * length)}"
    total = n * length
    return f"Cycle {n} × {L} days = {_fmt(total)} days = {_weeks(total)}"


def _weeks(days: float) -> str:
    w = days / 7
    return f"{_fmt(round(w, 1))} weeks" if abs(w - round(w)) > 0.05 else f"{round(w)} weeks"


@dataclass
class Claim:
    """A duration that the text ties to a cycle position (or an outcome title ties to its time frame)."""

    point: CyclePoint
    duration: Duration
    point_field: str
    duration_field: str
    # "end of cycle 2 (28 days)": the 28 days may be the cycle length
    paren_after_cycle: bool = False
    # claims of one alternative group pass together: a title's "at 12 weeks" needs to match
    # only one of the time frame's cycle positions
    group: int = -1


def usable_lengths(lengths: Sequence[Length], n: int) -> list[Length]:
    """The lengths that apply to every cycle from 1 to n; none when cycles 1..n have different
    lengths ("Cycle 1 = 28 days; Cycle 2 onwards = 21 days") and the arithmetic is not simple."""
    out: list[Length] = []
    for ln in lengths:
        if ln.cycles is None or (ln.cycles[0] <= 1 and ln.cycles[1] >= n):
            out.append(ln)
        elif ln.cycles[0] <= n:
            return []
    return out


def check_claim(claim: Claim, lengths: Sequence[Length], tol: Tolerance) -> str | None:
    """None when some stated cycle length makes the two agree; else the arithmetic as a message."""
    dur, point = claim.duration, claim.point
    lengths = usable_lengths(lengths, max(n for n, _d in point.items))
    if not lengths:
        return None
    cand = sorted({(L, ln.approx) for ln in lengths for L in ln.days})
    unit = dur.unit.lower()
    pairs: list[tuple[float, list[tuple[int, int]]]]
    if len(dur.values) == len(point.items) > 1 and point.form != "range":
        pairs = [(v, [it]) for v, it in zip(dur.values, point.items, strict=True)]
    else:
        pairs = [(v, point.items) for v in dur.values]
    bad: list[tuple[float, tuple[int, int]]] = []
    for value, items in pairs:
        ok = False
        for L, l_approx in cand:
            days, slack = _duration_days(value, unit, dur.approx, tol)
            sub = CyclePoint(point.start, point.end, point.form, items, point.text, point.bound)
            for lo, hi in _range_targets(sub, L):
                extra = tol.approx_slack * hi if (l_approx or point.approx) else 0.0
                if _fits(days, slack + extra, lo, hi, dur.bound):
                    ok = True
                if claim.paren_after_cycle and abs(days - L) <= slack + extra:
                    ok = True
                if (
                    claim.group < 0
                    and not _MISSTATEMENT[0] <= days / max(hi, 1.0) <= _MISSTATEMENT[1]
                ):
                    ok = True  # "Cycle 3 Day 1 (3 days)": some other span, not this time point
        if not ok:
            bad.append((value, items[0]))
    if not bad:
        return None
    value, item = bad[0]
    if dur.unit.isupper():  # Week 18 / Day 43 / Month 6
        name = {"W": "week", "D": "day", "M": "month"}[dur.unit]
        shown = f"{name} {_fmt(value + 1 if dur.unit == 'D' else value)}"
    else:
        shown = f"{_fmt(value)} {_UNIT_NAMES[unit]}"
    if dur.approx:
        shown = "approximately " + shown
    if len(dur.values) > 1:
        shown += f" (of '{dur.text.strip()}')"
    arith = _explain(point, item, cand[0][0])
    if len(cand) > 1:
        others = " or ".join(_fmt(x) for x, _a in cand[1:])
        arith += f"; nor does the other stated cycle length ({others} days) fit"
    return f"{shown} vs {arith}"


# a duration this far from the cycle arithmetic (as a ratio) names something else
_MISSTATEMENT = (0.4, 2.5)
_UNIT_NAMES = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


# --- scoping ---------------------------------------------------------------------------------

_CONNECTOR = LazyPattern(
    r"^[\s,;:(\[=–—-]*(?:(?:i\.?\s?e\.?|that\s+is|which\s+is|which\s+equals|equals?|equal\s+to|equivalent\s+to|"
    r"corresponding\s+to|corresponds\s+to|=|in\s+total|total|overall|of\s+(?:the\s+)?(?:study\s+)?"
    r"(?:treatment|therapy|chemotherapy|dosing|study\s+drug)|of\s+(?:study\s+)?treatment)[\s,;:(\[=–—-]*)*$",
    re.I,
)


def _between(
    text: str, a_end: int, b_start: int, lengths: Sequence[Length], ends: list[int] | None = None
) -> str:
    """The text between two spans with the cycle lengths in it blanked out (``lengths`` sorted
    by start: only those that can lie between are looked at)."""
    chars = list(text[a_end:b_start])
    lo = bisect.bisect_left(ends, a_end) if ends is not None else 0
    for ln in lengths[lo:]:
        if ln.start >= b_start:
            break
        for i in range(max(ln.start, a_end), min(ln.end, b_start)):
            chars[i - a_end] = " "
    s = "".join(chars)
    s = re.sub(r"\(\s*\)|\[\s*\]", " ", s)
    return s


def linked_claims(text: str, parsed: Parsed, fld: str) -> list[Claim]:
    """Durations the text itself ties to an adjacent cycle position."""
    claims: list[Claim] = []
    seq: list[tuple[int, str, Any]] = [(p.start, "p", p) for p in parsed.points] + [
        (d.start, "d", d) for d in parsed.durations
    ]
    seq.sort(key=lambda x: x[0])
    ends = [ln.end for ln in parsed.lengths]  # lengths are sorted and do not overlap
    for (_, ka, a), (_, kb, b) in itertools.pairwise(seq):
        if ka == kb:
            continue
        point: CyclePoint = a if ka == "p" else b
        dur: Duration = b if ka == "p" else a
        if (
            dur.relative
            or point.form == "periodic"
            or dur.periodic
            or dur.window
            or point.opens_range
        ):
            continue
        if (
            ka == "d"
            and dur.unit == "D"
            and point.form in ("cycle", "range")
            and not dur.text.lower().startswith("study")
        ):
            continue  # "mitomycin on day 5 (cycles 1 and 3 only)": a day within those cycles
        if ka == "p" and not dur.clean_tail:
            continue  # "one cycle (14 days treatment of a 28 day cycle)"
        b_start = b.pre_start if kb == "d" and b.pre_start >= 0 else b.start
        between = _between(text, a.end, b_start, parsed.lengths, ends)
        if "." in between.replace("i.e.", "").replace("i. e.", "") or ";" in between:
            continue
        stripped = between.strip()
        opens_paren = stripped.startswith(("(", "["))
        comma_approx = "," in stripped and dur.approx and ka == "p"
        if not _CONNECTOR.match(between):
            continue
        connector = bool(
            re.search(r"i\.?\s?e\.?|that\s+is|which|equal|equivalent|correspond|=", between, re.I)
        )
        if not (opens_paren or comma_approx or connector):
            continue
        if dur.bound and not point.bound and not opens_paren and not connector:
            continue
        paren_after_cycle = (
            ka == "p" and opens_paren and not dur.approx and point.form in ("end", "cycle", "count")
        )
        claims.append(Claim(point, dur, fld, fld, paren_after_cycle))
    return claims


# time-frame cycle positions a title's time point is compared with ("Cycles 1-6" is a period)
_TITLE_POINT_FORMS = ("end", "count", "day", "cycle")


def outcome_claims(parts: dict[str, tuple[str, Parsed]]) -> list[Claim]:
    """An outcome whose title/description names a time point and whose time frame only names
    cycle positions: the two name the same time point (seed 000)."""
    tf = parts.get("time_frame")
    if tf is None:
        return []
    _tf_text, tf_parsed = tf
    points = [p for p in tf_parsed.points if p.form in _TITLE_POINT_FORMS and not p.opens_range]
    others = [p for p in tf_parsed.points if p.opens_range or p.form not in _TITLE_POINT_FORMS]
    if not points or any(not p.opens_range for p in others):
        return []
    if any(not d.relative for d in tf_parsed.durations):
        return []  # the time frame gives its own duration: linked_claims' business
    claims: list[Claim] = []
    for col in ("measure", "description"):
        if col not in parts:
            continue
        text, parsed = parts[col]
        if parsed.points:
            continue  # the title/description speaks of cycles itself
        durs = [
            dur
            for dur in parsed.durations
            if (col == "measure" or dur.elapsed or re.search(r"(?:^|\s)at\s", " " + dur.pre))
            # a description's "beyond Day 42" or "18-week" is no time point
            and dur.point
            and not dur.relative
            and not dur.periodic
            and not dur.bound
        ]
        if _paired(text, durs, points):
            # "for 9 months, 12 months" and "end of Cycle 8, Cycle 16": the n-th with the n-th
            claims.extend(
                Claim(p, dur, "time_frame", col, group=id(dur))
                for dur, p in zip(durs, points, strict=True)
            )
            continue
        for dur in durs:
            claims.extend(Claim(p, dur, "time_frame", col, group=id(dur)) for p in points)
    return claims


def _paired(text: str, durs: Sequence[Duration], points: Sequence[CyclePoint]) -> bool:
    """Whether a list of single time points ("6 months, 12 months") and a time frame's list of
    cycle positions ("Cycle 8, Cycle 16") are as long as each other and both ascending: then
    they name the same time points in the same order."""
    if len(durs) < 2 or len(durs) != len(points):
        return False
    if any(len(d.values) != 1 for d in durs) or any(len(p.items) != 1 for p in points):
        return False
    if not all(_LIST_SEP.fullmatch(text[a.end : b.start]) for a, b in itertools.pairwise(durs)):
        return False
    days = [d.values[0] * _UNIT_DAYS[d.unit.lower()] for d in durs]
    cycles = [p.items[0][0] for p in points]
    return all(x < y for x, y in itertools.pairwise(days)) and all(
        x < y for x, y in itertools.pairwise(cycles)
    )


# --- the kind --------------------------------------------------------------------------------

_PREFILTER = r"(?:^|[^a-z])(?:cycles?|courses?)(?:[^a-z]|$)|(?:^|[^a-z])c[0-9]+ ?d[0-9]"
_NUMBER_PREFILTER = (
    r"[0-9０-９]|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|first|second|third"
)
# A superset of _LEN_PATTERNS (RE2, for pyarrow): a number with a day/week unit near a cycle
# word. A record where no text has one states no cycle length, so it has nothing to check.
_NUM_WORD = (
    r"(?:[0-9０-９]|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|twenty|thirty)"
)
_LENGTH_PREFILTER = (
    r"(?:cycle|course)[^\n]{0,100}?" + _NUM_WORD + r"[^\n]{0,6}?(?:day|week|wk)"
    r"|" + _NUM_WORD + r"[ -]*(?:days?|weeks?|wks?)[^\n]{0,80}?(?:cycle|course)"
)
_OUTCOME_FIELD = LazyPattern(r"^outcomes\[(\w+)\]\[(\d+)\]\.(measure|description|time_frame)$")
_PARAMS = {"week_tolerance_days", "month_tolerance_days", "approx_slack", "check_lengths"}


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _PARAMS)
    for key in ("week_tolerance_days", "month_tolerance_days", "approx_slack"):
        if key in params and (not isinstance(params[key], int | float) or params[key] < 0):
            raise ValueError(f"{key} must be a non-negative number")
    if "check_lengths" in params and not isinstance(params["check_lengths"], bool):
        raise TypeError("check_lengths must be true or false")


def _length_records(rs: RecordSet) -> tuple[pd.DataFrame, np.ndarray]:
    """texts() and a mask of its rows in records where some text mentions a cycle with a number
    and some text has a number of days or weeks near a cycle word (a superset of the cycle
    length patterns: a record without one states no cycle length and has nothing to check)."""
    texts = rs.texts()
    if texts.empty:
        return texts, np.zeros(0, dtype=bool)
    arr = pa.array(texts["text"], type=pa.large_string(), from_pandas=True)

    def match(rx: str) -> np.ndarray:
        hit = pc.match_substring_regex(arr, rx, ignore_case=True)
        return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)

    has_cycle, has_num = match(_PREFILTER), match(_NUMBER_PREFILTER)
    has_len = match(_LENGTH_PREFILTER)
    ids = texts["record_id"]
    hit = set(ids[has_cycle & has_num]) & set(ids[has_len])
    return texts, isin(ids, hit)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records that state a cycle length somewhere (``_length_records``)."""
    texts, in_hit = _length_records(rs)
    if texts.empty:
        return np.zeros(len(rs.studies), dtype=bool)
    return isin(rs.studies["record_id"], texts.loc[in_hit, "record_id"])


def _candidates(rs: RecordSet) -> pd.DataFrame:
    """The texts of records that state a cycle length (eligibility criteria left out): those
    that mention a cycle are parsed in full, the others for their dosing intervals."""
    texts, in_hit = _length_records(rs)
    if texts.empty or not in_hit.any():
        return texts.iloc[0:0]
    texts = texts[in_hit]
    return texts[~texts["field"].str.startswith("eligibility").to_numpy()]


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    tol = Tolerance(
        week_days=float(params.get("week_tolerance_days", 7)),
        month_days=float(params.get("month_tolerance_days", 7)),
        approx_slack=float(params.get("approx_slack", 0.1)),
    )
    cand = _candidates(rs)
    if cand.empty:
        return kind_frame([])
    ids = cand["record_id"].unique()
    n_arms = rs.arms.loc[isin(rs.arms["record_id"], ids), "record_id"].value_counts()
    n_ints = rs.interventions.loc[
        isin(rs.interventions["record_id"], ids), "record_id"
    ].value_counts()
    links, names = _arm_links(rs, [str(r) for r in ids])
    rows: list[dict[str, Any]] = []
    for rid, group in cand.groupby("record_id", sort=False):
        texts = list(zip(group["field"], group["text"], strict=True))
        rows.extend(
            check_record(
                str(rid),
                texts,
                tol,
                check_lengths=bool(params.get("check_lengths", True)),
                n_arms=int(n_arms.get(rid, 0)),
                n_interventions=int(n_ints.get(rid, 0)),
                links=links.get(str(rid), {}),
                names=names.get(str(rid), {}),
            )
        )
    return kind_frame(rows)


def _arm_links(
    rs: RecordSet, ids: Sequence[str]
) -> tuple[dict[str, dict[int, set[int]]], dict[str, dict[int, str]]]:
    """For the records ``ids``: {record: {arm position: {intervention positions}}} linked by the
    intervention's arm labels or the arm's intervention names ('Type: Name'), and {record:
    {intervention position: name}}."""
    arms = rs.arms[isin(rs.arms["record_id"], ids)]
    itv = rs.interventions[isin(rs.interventions["record_id"], ids)]
    links: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    names: dict[str, dict[int, str]] = defaultdict(dict)
    by_label: dict[tuple[str, str], int] = {}
    for rid, pos, label in zip(arms["record_id"], arms["position"], arms["label"], strict=True):
        if isinstance(label, str):
            by_label[(rid, label.strip().lower())] = int(pos)
    by_name: dict[tuple[str, str], int] = {}
    for rid, pos, name, labels in zip(
        itv["record_id"], itv["position"], itv["name"], itv["arm_labels"], strict=True
    ):
        if isinstance(name, str):
            names[rid][int(pos)] = name
            by_name[(rid, name.strip().lower())] = int(pos)
        if isinstance(labels, str):
            for lab in labels.split("|"):
                arm = by_label.get((rid, lab.strip().lower()))
                if arm is not None:
                    links[rid][arm].add(int(pos))
    for rid, pos, inames in zip(
        arms["record_id"], arms["position"], arms["intervention_names"], strict=True
    ):
        if isinstance(inames, str):
            for nm in inames.split("|"):
                i = by_name.get((rid, re.sub(r"^[^:]*:", "", nm).strip().lower()))
                if i is not None:
                    links[rid][int(pos)].add(i)
    return {r: dict(v) for r, v in links.items()}, dict(names)


@dataclass
class Judged:
    """A claim with the lengths it was checked against and the verdict (None = consistent)."""

    claim: Claim
    point_field: str
    duration_field: str
    lengths: list[Length]
    message: str | None
    sure: bool = True  # the cycle length is the claim's own (or the record has one regimen)


def judge_record(
    texts: list[tuple[str, str]], tol: Tolerance, n_arms: int = 0
) -> tuple[dict[str, tuple[str, Parsed]], list[Judged]]:
    """Parse a record's texts, find every cycle/duration claim and check it.

    A claim is checked against the cycle lengths stated in its own field, else in its outcome
    measure, else anywhere in the record, but only when the record has at most one arm and
    names no treatment phases or parts (else a length stated elsewhere may be another one's).
    """
    parsed = parse_record(texts)
    record_lengths = [ln for _t, p in parsed.values() for ln in p.lengths]
    outcomes: dict[str, dict[str, tuple[str, Parsed]]] = defaultdict(dict)
    for fld, tp in parsed.items():
        m = _OUTCOME_FIELD.match(fld)
        if m:
            outcomes[f"outcomes[{m.group(1)}][{m.group(2)}]."][m.group(3)] = tp
    narrative = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    # "4-week cycles followed by a 14-day infusion-free period": whether a "cycle" includes the
    # rest is a matter of wording, so every length the record states may apply
    has_rest = any(_REST_WORD.search(text) and _REST.search(text) for text in narrative)
    phased = n_arms > 1 or any(_phased(text) for text in narrative)

    record_lengths = _distinct(record_lengths)

    def lengths_for(fld: str, group: dict[str, tuple[str, Parsed]] | None) -> list[Length]:
        own = parsed[fld][1].lengths
        near = [ln for _t, p in group.values() for ln in p.lengths] if group else []
        scoped = _distinct(own or near)
        if scoped:
            return _distinct(scoped + record_lengths) if has_rest else scoped
        if not phased:
            return record_lengths
        # several arms or phases, but one cycle length stated throughout (and no cycle whose
        # length differs): that one, with a warning (the cycle meant is not certain)
        if unique_length(record_lengths) is not None:
            return record_lengths
        return []

    found: list[tuple[Claim, str, dict[str, tuple[str, Parsed]] | None]] = []
    for prefix, group in outcomes.items():
        for col, (text, p) in group.items():
            found.extend((c, prefix, group) for c in linked_claims(text, p, col))
        found.extend((c, prefix, group) for c in outcome_claims(group))
    for fld, (text, p) in parsed.items():
        if not _OUTCOME_FIELD.match(fld):
            found.extend((c, "", None) for c in linked_claims(text, p, fld))
    judged: list[Judged] = []
    for claim, prefix, grp in found:
        pfield, dfield = prefix + claim.point_field, prefix + claim.duration_field
        lengths = lengths_for(pfield, grp)
        own = parsed[pfield][1].lengths or (grp and any(p.lengths for _t, p in grp.values()))
        sure = bool(own) or not phased
        judged.append(
            Judged(claim, pfield, dfield, lengths, check_claim(claim, lengths, tol), sure)
        )
    passed = {j.claim.group for j in judged if j.claim.group >= 0 and j.message is None}
    for j in judged:
        if j.claim.group in passed:
            j.message = None
    return parsed, judged


def check_record(
    record_id: str,
    texts: list[tuple[str, str]],
    tol: Tolerance | None = None,
    *,
    check_lengths: bool = True,
    n_arms: int = 0,
    n_interventions: int = 0,
    links: dict[int, set[int]] | None = None,
    names: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """The findings of one record: (field, text) pairs in, kind rows out. ``links``: arm index
    -> indexes of the interventions linked to it; ``names``: intervention index -> name."""
    parsed, judged = judge_record(texts, tol or Tolerance(), n_arms)
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    # a failed alternative group is reported once, at its last cycle position (the endpoint)
    last_of_group: dict[int, int] = {}
    for j in judged:
        if j.message is not None and j.claim.group >= 0:
            last_of_group[j.claim.group] = max(
                last_of_group.get(j.claim.group, -1), j.claim.point.start
            )
    for j in judged:
        key = (j.point_field, j.claim.point.start)
        if j.message is None or key in seen:
            continue
        if j.claim.group >= 0 and j.claim.point.start != last_of_group[j.claim.group]:
            continue
        seen.add(key)
        rows.append(
            {
                "record_id": record_id,
                "field": j.point_field,
                "start": j.claim.point.start,
                "end": j.claim.point.end,
                "message": f"cycle arithmetic does not add up: {j.message}"
                + (
                    ""
                    if j.sure
                    else " (the record's only stated cycle length; it has several arms or phases)"
                ),
                "related_field": j.duration_field,
                "related_start": j.claim.duration.start,
                "related_end": j.claim.duration.end,
                "severity": "error" if j.sure else "warning",
            }
        )
    if check_lengths:
        rows.extend(
            length_conflicts(record_id, parsed, n_arms, n_interventions, links or {}, names or {})
        )
        rows.extend(schedule_conflicts(record_id, parsed, n_arms, links or {}, names or {}))
        rows.extend(dlt_conflicts(record_id, parsed, tol or Tolerance(), n_arms))
        rows.extend(total_conflicts(record_id, parsed, n_arms, tol or Tolerance()))
        rows.extend(label_conflicts(record_id, parsed))
    return rows


# words near a cycle length that tie it to one arm, drug, phase or part of the treatment
_DISTINGUISHERS = LazyPattern(
    r"(?i)(?:^|[^a-z])(?:arms?|groups?|cohorts?|parts?|phases?|stages?|periods?|induction|maintenance|"
    r"consolidation|intensification|re-?induction|regimens?|schedules?|q[0-9]+w|then|thereafter|followed|"
    r"subsequent(?:ly)?|onwards?|dose\s+levels?|monotherapy|combination|plus|versus|vs\.?|placebo|control|"
    r"escalation|expansion|extension|adjuvant|neoadjuvant|pre-?operative|post-?operative|radiotherapy|"
    r"chemoradiotherapy|surgery|surgical|pre-?surgery|post-?surgery|retrieval|salvage|continuation|"
    r"after|before|while|during|until|or|either|alternat\w*|depending|"
    r"initial(?:ly)?|later|first|second|last|final)(?:[^a-z]|$)"
)
# the distinguishers that name another arm, drug, phase or part (not the ordinals and sequence
# words a cycle-specific length uses itself: "Cycle 1 = 28 days; cycle 2 onwards = 21 days")
_SCOPE_WORDS = LazyPattern(
    r"(?i)(?:^|[^a-z])(?:arms?|groups?|cohorts?|parts?|phases?|stages?|induction|maintenance|"
    r"consolidation|intensification|re-?induction|regimens?|monotherapy|combination|plus|versus|vs\.?|"
    r"placebo|control|escalation|expansion|extension|adjuvant|neoadjuvant|radiotherapy|surgery|"
    r"depending)(?:[^a-z]|$)"
)
# the stock stopping rule of a regimen ("in the absence of disease progression or unacceptable
# toxicity", "until progression, death or withdrawal of consent") and the regimen called "the
# combination": words that name no other arm, drug or phase, whatever "or", "until" and
# "combination" say elsewhere
_STOP_ITEM = (
    r"(?:(?:documented|radiographic|radiological|confirmed|objective|clinical|symptomatic)\s+)?"
    r"(?:disease\s+progression|progressive\s+disease|progression(?:\s+of\s+(?:the\s+)?disease)?|pd|"
    r"relapse|recurrence|(?:an?\s+)?(?:unacceptable|intolerable|unmanageable|excessive|undue|"
    r"prohibitive)(?:\s+(?:toxicit(?:y|ies)|adverse\s+(?:events?|effects?|reactions?)|side\s+effects?)"
    r"|(?=\s*$))|"  # a legacy XML line wrap may end the sentence after the adjective
    r"toxicit(?:y|ies)|death|withdrawal(?:\s+of\s+(?:informed\s+)?consent)?|consent\s+withdrawal|"
    r"(?:the\s+)?(?:patient|participant|subject|investigator)(?:'s)?\s+(?:refusal|request|decision|choice))"
)
_STOP_RULE = LazyPattern(
    r"(?i)(?:in\s+the\s+absence\s+of|until|unless|absent|till|or\s+until)\s+"
    rf"{_STOP_ITEM}(?:\s*(?:,\s*(?:or|and/or)?|or|and/or|and)\s+{_STOP_ITEM})*(?![a-z])"
    r"|(?i:(?:the|this|study|drug|treatment)\s+combination)(?!\s+(?:arms?|groups?|cohorts?|parts?|phases?))"
)


def _neutral(text: str) -> str:
    """``text`` with its stopping rule and "the combination" blanked (``_STOP_RULE``)."""
    return _STOP_RULE.sub(lambda m: " " * len(m.group(0)), text)


# treatment phases or parts anywhere in a record: its cycle lengths may belong to different ones
_PHASES = LazyPattern(
    r"(?i)(?:^|[^a-z])(?:induction|maintenance|consolidation|intensification|re-?induction|"
    r"part\s+(?:[0-9]+|[a-d]|i{1,3}|iv)|cohorts?|arm\s+(?:[0-9]+|[a-d]|i{1,3}|iv)|stage\s+(?:[0-9]+|i{1,3})\s*(?:treatment|therapy)|"
    r"adjuvant|neoadjuvant|pre-?surgery|post-?surgery|pre-?operative(?:ly)?|post-?operative(?:ly)?|"
    r"retrieval|salvage|continuation|run-?in|lead-?in|extension\s+(?:phase|period|study)|crossover)(?:[^a-z]|$)"
)


@functools.lru_cache(maxsize=512)
def _phased(text: str) -> bool:
    """Whether ``text`` names treatment phases or parts where it speaks of treatment (a phase
    named in a sentence with a cycle or a dose; "after induction therapy, MRD is prognostic" in
    the background is none). Cached: the claim, length and schedule checks of a record ask for
    each of its texts."""
    for m in _PHASES.finditer(text):
        sentence = _sentence(text, m.start(), m.end())
        if _CYCLE_MENTION.search(sentence) or _DOSE_CUE.search(sentence):
            return True
    return False


_SENTENCE_END = LazyPattern(r"(?<![0-9])[.;](?:\s|$)|(?<=[0-9])\.(?=\s+[A-Z])|\n")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (at most 160 characters either side) around [start, end)."""
    lo = max(0, start - 160)
    cuts = [
        m.end()
        for m in _SENTENCE_END.finditer(text, lo, min(len(text), start + 3))
        if m.end() <= start
    ]
    s = cuts[-1] if cuts else lo
    tail = text[end : end + 160]
    m = _SENTENCE_END.search(tail)
    e = end + (m.start() if m else len(tail))
    return text[s:start] + " " + text[end:e]


# --- scopes: which fields speak of the same cycle --------------------------------------------

_CYCLE_MENTION = LazyPattern(
    r"(?i)(?<![a-z])(?:cycles?|courses?)(?![a-z])|(?<![a-z])c[0-9]+ ?d[0-9]"
)
_ARM_FIELD = LazyPattern(r"^arms\[(\d+)\]\.(label|description)$")
_ITV_FIELD = LazyPattern(r"^interventions\[(\d+)\]\.(name|description)$")


# full-width and CJK punctuation, digits and spaces as their ASCII counterparts, one character for
# one (so that every offset into the normalized text is an offset into the original):
# "9 months，12months", "Cycle 8、Cycle 16", "（21天）", "２１-day"
_FULLWIDTH = str.maketrans(
    {
        **{chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)},  # ！..～ -> ! .. ~
        "\u3000": " ",  # ideographic space
        "\u3001": ",",  # 、 ideographic comma
        "\u3002": ".",  # 。 ideographic full stop
        "\uff61": ".",  # ｡ halfwidth ideographic full stop
        "\uff64": ",",  # ､ halfwidth ideographic comma
        "\u3010": "[",  # 【
        "\u3011": "]",  # 】
        "\u3014": "(",  # 〔
        "\u3015": ")",  # 〕
        "\u301c": "~",  # 〜 wave dash
    }
)


def normalize(text: str) -> str:
    """``text`` with full-width and CJK punctuation as ASCII (same length, same offsets)."""
    return text.translate(_FULLWIDTH)


def parse_record(texts: Sequence[tuple[str, str]]) -> dict[str, tuple[str, Parsed]]:
    """Each text parsed: in full where it speaks of cycles (and for outcome titles and
    descriptions, whose durations a time frame's cycles are compared with); else only its
    dosing intervals and treatment days (arm labels: the arm's regimen). Full-width and CJK
    punctuation reads as its ASCII counterpart (``normalize``)."""
    out: dict[str, tuple[str, Parsed]] = {}
    for fld, raw in texts:
        if fld.startswith("eligibility"):
            continue
        text = normalize(raw)
        if _CYCLE_MENTION.search(text) or _OUTCOME_FIELD.match(fld):
            out[fld] = (text, parse_text(text))
        else:
            light = Parsed()
            m = _ARM_FIELD.match(fld)
            schedule_marks(text[:_MAX_TEXT], light, label=bool(m and m.group(2) == "label"))
            out[fld] = (text, light)
    return out


def _distinct(lengths: Sequence[Length]) -> list[Length]:
    """One length per (value, approximation, cycles): a text repeating "each cycle is 21 days"
    a thousand times states one length (and the checks stay linear in the text's length)."""
    seen: set[tuple[tuple[float, ...], bool, tuple[int, float] | None]] = set()
    out: list[Length] = []
    for ln in lengths:
        key = (ln.days, ln.approx, ln.cycles)
        if key not in seen:
            seen.add(key)
            out.append(ln)
    return out


def unique_length(lengths: Sequence[Length]) -> float | None:
    """The one cycle length of ``lengths`` when they all state the same single value for every
    cycle; None otherwise."""
    vals = {d for ln in lengths for d in ln.days}
    if len(vals) != 1 or any(ln.qualified for ln in lengths):
        return None
    return next(iter(vals))


def _plain(text: str, ln: Length, qualified: bool = False) -> bool:
    """A cycle length stated for every cycle (with ``qualified``: or for some cycles, "Cycle 1 =
    28 days", "the first cycle (6 weeks)"), as one value, with no arm, drug, phase or
    alternative in its sentence."""
    if len(ln.days) != 1 or ln.approx:
        return False
    sentence = _REST_PHRASE.sub(" ", _neutral(_sentence(text, ln.start, ln.end)))
    if ln.qualified:
        return qualified and not _SCOPE_WORDS.search(sentence)
    return not _DISTINGUISHERS.search(sentence)


def _clash(a: Length, b: Length) -> bool:
    """Whether two single-valued lengths contradict each other: different values for cycles
    both apply to (every cycle, or overlapping cycle ranges)."""
    if a.days[0] == b.days[0]:
        return False
    if a.cycles is None or b.cycles is None:
        return True
    return a.cycles[0] <= b.cycles[1] and b.cycles[0] <= a.cycles[1]


# an outcome title that opens with the part of the study it is for: "Phase 1 (Dose Escalation):
# Serum Concentrations of X", "Part A: ...", "Dose expansion - ..."
_PART_PREFIX = LazyPattern(
    r"^\s*(?P<key>(?:(?:phase|part|stage|cohort|period|arm)\s*[0-9A-Za-z]{1,4}\s*(?:\([^)]{1,40}\))?"
    r"|(?:dose[- ])?(?:escalation|expansion|verification|optimi[sz]ation|confirmation)"
    r"(?:\s+(?:phase|part|stage|cohort))?)(?:\s*[:,-]\s*(?:dose[- ])?(?:escalation|expansion)(?:\s+(?:phase|part|stage|cohort))?)?)"
    r"\s*[:–-]",
    re.I,
)


def _outcome_parts(
    fields: Sequence[str], parsed: dict[str, tuple[str, Parsed]] | None
) -> list[set[str]]:
    """Outcomes whose titles name the same part of the study ("Phase 1 (Dose Escalation): ..."):
    one scope per part."""
    if not parsed:
        return []
    parts: dict[str, set[str]] = defaultdict(set)
    for fld in fields:
        m = _OUTCOME_FIELD.match(fld)
        if not m:
            continue
        prefix = f"outcomes[{m.group(1)}][{m.group(2)}]."
        title = parsed.get(prefix + "measure", ("", None))[0]
        pm = _PART_PREFIX.match(title)
        if pm:
            key = " ".join(re.sub(r"[^a-z0-9 ]", " ", pm.group("key").lower()).split())
            parts[key].add(fld)
    return [g for g in parts.values() if len({f.rsplit(".", 1)[0] for f in g}) > 1]


def _scopes(
    fields: Sequence[str],
    single_regimen: bool,
    links: dict[int, set[int]],
    parsed: dict[str, tuple[str, Parsed]] | None = None,
) -> list[tuple[set[str], bool]]:
    """Groups of fields that speak of one regimen, and whether that is certain: the whole
    record when it has one arm and no phases (certain); else each arm's label and description
    with the descriptions of the interventions linked to it (the arm's regimen, less certain:
    an arm may combine drugs on their own schedules)."""
    narrative = [f for f in fields if not f.startswith("eligibility")]
    if single_regimen:
        return [(set(narrative), True)]
    scopes: list[tuple[set[str], bool]] = [(g, False) for g in _outcome_parts(narrative, parsed)]
    for arm, itvs in links.items():
        group = {f"arms[{arm}].label", f"arms[{arm}].description"}
        group |= {f"interventions[{i}].description" for i in itvs}
        group |= {f"interventions[{i}].name" for i in itvs}
        group &= set(narrative)
        if len(group) > 1:
            scopes.append((group, False))
    return scopes


# intervention names whose first word names no drug: they are mentioned in any regimen's text
_GENERIC_NAME = LazyPattern(
    r"(?i)^(?:chemotherapy|chemo|therapy|treatment|placebo|adjuvant|neoadjuvant|standard|radiation|"
    r"radiotherapy|surgery|surgical|conventional|laboratory|biomarker|quality|questionnaire|"
    r"pharmacological|pharmacokinetic|best|supportive|control|drug|study|combination|high-dose|"
    r"low-dose|dose|intensive|induction|maintenance|consolidation|biological|autologous|allogeneic)$"
)
# names of arms, groups or cohorts: a regimen's text that names one is that arm's, not every arm's
_ARM_WORDS = LazyPattern(r"(?i)(?<![a-z])(?:arms?|groups?|cohorts?|parts?)(?![a-z])")


def _regimen_context(text: str, start: int, end: int, drugs: dict[int, str]) -> str:
    """The sentence of [start, end) and, when that sentence names none of ``drugs`` ("Treatment
    repeats every 28 days"), the sentence before it as well: the regimen a cycle length closes.
    Sentences end at . ; blank lines and list items, not at the line wraps of legacy XML."""
    lo = max(0, start - 400)
    cuts = [m.end() for m in _SENT_BREAK.finditer(text, lo, start)]
    s0 = cuts[-1] if cuts else lo
    prev = cuts[-2] if len(cuts) > 1 else lo
    m = _SENT_BREAK.search(text, end, min(len(text), end + 300))
    e = m.start() if m else min(len(text), end + 300)
    own = text[s0:e]
    if s0 == prev or any(_mentions(own, nm) for nm in drugs.values()):
        return own
    return text[prev:e]


def _drug_scopes(
    parsed: dict[str, tuple[str, Parsed]],
    names: dict[int, str],
    links: dict[int, set[int]] | None = None,
) -> list[tuple[set[str], bool]]:
    """A field that states one cycle length for a regimen whose drugs it names ("Patients receive
    lomustine and vincristine on day 1. Treatment repeats every 4 weeks") with the descriptions of
    the interventions named: one regimen in several fields (not certain: a warning). Only where
    the field states that one length, and the regimen's sentences name no arm, group or part;
    an arm's description only with the interventions linked to that arm."""
    out: list[tuple[set[str], bool]] = []
    drugs = {i: nm for i, nm in names.items() if not _GENERIC_NAME.match(_first_word(nm))}
    if not drugs:
        return out
    for fld, (text, p) in parsed.items():
        if fld.startswith(("interventions[", "eligibility")) or _OUTCOME_FIELD.match(fld):
            continue
        if len({d for ln in p.lengths for d in ln.days}) != 1:
            continue
        named: set[int] = set()
        for ln in p.lengths:
            if not _plain(text, ln):
                continue
            ctx = _regimen_context(text, ln.start, ln.end, drugs)
            if _ARM_WORDS.search(ctx):
                continue
            named |= {i for i, nm in drugs.items() if _mentions(ctx, nm)}
        arm = _ARM_FIELD.match(fld)
        if arm:
            named &= (links or {}).get(int(arm.group(1)), set())
        group = {fld} | {f"interventions[{i}].description" for i in named}
        group &= set(parsed)
        if len(group) > 1:
            out.append((group, False))
    return out


def _other_part(sentence: str) -> bool:
    """Whether a sentence names an arm, group, phase or part of the study (its schedule may be
    that part's only)."""
    return bool(_ARM_WORDS.search(sentence) or _SCOPE_WORDS.search(sentence) or _phased(sentence))


def _first_word(name: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z0-9-]{3,}", name or "")
    return words[0] if words else ""


def _mentions(text: str, name: str) -> bool:
    """Whether ``text`` names the drug ``name`` (its first word of four letters or more)."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9-]{3,}", name or "")]
    return bool(words) and re.search(rf"(?i)(?<![a-z]){re.escape(words[0])}", text) is not None


def _comparable(
    f1: str, f2: str, parsed: dict[str, tuple[str, Parsed]], names: dict[int, str], n_itv: int
) -> bool:
    """Two fields of one scope whose cycle statements are about the same drugs: an intervention's
    description is compared with another field only when that field names the intervention (or
    it is the only one): two drugs of one arm may have cycles of their own."""
    for a, b in ((f1, f2), (f2, f1)):
        m = _ITV_FIELD.match(a)
        if (
            m
            and n_itv > 1
            and not _ITV_FIELD.match(b)
            and not _mentions(parsed[b][0], names.get(int(m.group(1)), ""))
        ):
            return False
        if m and _ITV_FIELD.match(b) and n_itv > 1:
            return False  # two interventions: two drugs
    return True


def length_conflicts(
    record_id: str,
    parsed: dict[str, tuple[str, Parsed]],
    n_arms: int = 0,
    n_interventions: int = 0,
    links: dict[int, set[int]] | None = None,
    names: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Two different lengths stated for every cycle of what reads as the same regimen.

    Only plain statements count: no cycle number ("Cycle 1 is 28 days"), no alternatives
    ("21 or 28 days"), no approximation, and no arm, drug, phase or part in the sentence.
    Within one field two such statements are compared when nothing between them names an arm,
    drug, phase or part either (an error). Across fields, within a scope (``_scopes``): the whole
    record when it has one arm and names no treatment phases or parts (an error), else an arm
    and the interventions linked to it (a warning); an intervention's description only with a
    field that names it. A record that mentions a rest period is left alone ("21 days of
    therapy and a 7-day rest" may be called a 21- or a 28-day cycle).
    """
    links = links or {}
    names = names or {}
    texts = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    phased = any(_phased(text) for text in texts)
    rests = {fld: rest_days(text) for fld, (text, _p) in parsed.items()}
    plain: list[tuple[str, Length]] = []
    seen: set[tuple[str, float, tuple[int, float] | None]] = set()
    for fld, (text, p) in parsed.items():
        for ln in p.lengths:
            key = (fld, ln.days[0], ln.cycles)
            if key not in seen and _plain(text, ln, qualified=True):
                seen.add(key)  # the first statement of each length per field
                plain.append((fld, ln))
    # the lengths each field states for every cycle
    values = {
        fld: {d for ln in p.lengths if not ln.qualified for d in ln.days}
        for fld, (_t, p) in parsed.items()
    }
    n_itv = max(n_interventions, len(names))
    scopes = _scopes(list(parsed), n_arms <= 1 and not phased, links, parsed)
    scopes += _drug_scopes(parsed, names, links)
    rows: list[dict[str, Any]] = []
    reported: set[tuple[float, float]] = set()
    for i, (fld, ln) in enumerate(plain):
        for fld0, ln0 in plain[:i]:
            pair = (ln0.days[0], ln.days[0])
            if not _clash(ln0, ln) or pair in reported:
                continue
            if fld0 == fld and (ln.qualified or ln0.qualified):
                continue  # "Cycle 1 is 28 days; later cycles are 21 days" in one field
            if fld0 == fld:
                if _DISTINGUISHERS.search(_neutral(parsed[fld][0][ln0.end : ln.start])):
                    continue
                sure = True
                scope = {fld}
            elif ln0.days[0] in values[fld] or ln.days[0] in values[fld0]:
                continue  # a field that states both lengths tells them apart (or is flagged itself)
            else:
                shared = [(g, c) for g, c in scopes if fld in g and fld0 in g]
                if not shared or not _comparable(fld0, fld, parsed, names, n_itv):
                    continue
                sure = any(c for _g, c in shared)
                scope = set().union(*(g for g, _c in shared))
            rest, vague = _scope_rest(rests, scope)
            if vague:
                continue  # a rest of unknown length: the two may be with and without it
            by_rest = any(abs(abs(ln.days[0] - ln0.days[0]) - r) <= 1 for r in rest)
            where = "earlier in this field" if fld0 == fld else f"in {fld0}"
            rows.append(
                {
                    "record_id": record_id,
                    "field": fld,
                    "start": ln.start,
                    "end": ln.end,
                    "message": (
                        f"{_which(ln)} length stated as {_fmt(ln.days[0])} days here ('{_shown(ln.text)}') "
                        f"but {_which(ln0, 'as')} {_fmt(ln0.days[0])} days {where} ('{_shown(ln0.text)}'), "
                        "with no arm, drug or phase telling them apart"
                        + (
                            "; the difference is the stated rest period: say whether the cycle "
                            "includes it"
                            if by_rest
                            else ""
                        )
                    ),
                    "related_field": fld0,
                    "related_start": ln0.start,
                    "related_end": ln0.end,
                    "severity": "error" if sure and not by_rest else "warning",
                }
            )
            reported.add(pair)
            break
    return rows


def _shown(text: str) -> str:
    """A quote for a message: whitespace and line wraps as single spaces."""
    return " ".join(text.split())


def _which(ln: Length, word: str = "") -> str:
    """'cycle' / 'cycle 1' / 'cycles 2 onwards' for a message ('as' / 'cycle 1 as' with ``word``)."""
    if ln.cycles is None:
        return word or "cycle"
    a, b = ln.cycles
    name = (
        f"cycle {a}"
        if a == b
        else f"cycles {a} onwards"
        if b == math.inf
        else f"cycles {a}-{int(b)}"
    )
    return f"{name} {word}".strip() if word else name


def _scope_rest(
    rests: dict[str, tuple[frozenset[float], bool]], scope: set[str]
) -> tuple[set[float], bool]:
    """The rest periods stated in a scope's fields, and whether one is named without a length."""
    days: set[float] = set()
    vague = False
    for fld in scope:
        r, v = rests.get(fld, (frozenset(), False))
        days |= r
        vague = vague or v
    return days, vague


def _fits_interval(days: Sequence[float], lengths: Sequence[float]) -> bool:
    """Whether a dosing interval fits a cycle length: one is a whole multiple of the other
    (weekly in 21-day cycles, every 6 weeks = every 2 cycles of 3 weeks)."""
    for d in days:
        for L in lengths:
            big, small = max(d, L), min(d, L)
            if small > 0 and abs(big / small - round(big / small)) * small <= 0.5:
                return True
    return False


def _near(lens: Sequence[Length], starts: Sequence[int], a: int, b: int) -> list[Length]:
    """The nearest lengths before and after a span (``lens`` sorted, ``starts`` their starts),
    within reach: the ones that can share its sentence or close its paragraph (so that the
    checks stay linear in the text's length)."""
    i = bisect.bisect_left(starts, a)
    return [ln for ln in lens[max(0, i - 2) : i + 2] if abs(ln.start - a) <= _REACH]


def _interval_groups(text: str, intervals: Sequence[Interval]) -> list[list[Interval]]:
    """Intervals given as alternatives ("every 2 weeks (Q2W) or every 3 weeks (Q3W)", "Q2W/Q3W")
    form one group: any of them may be the one meant."""
    groups: list[list[Interval]] = []
    for iv in sorted(intervals, key=lambda x: x.start):
        if groups:
            prev = groups[-1][-1]
            between = text[prev.end : iv.start]
            if len(between) <= 40 and (
                re.search(r"(?i)(?:^|[^a-z])(?:or|and/or)(?:[^a-z]|$)|/", between)
                or re.fullmatch(
                    r"[\s(),\[\]=:-]*(?:i\.?e\.?|that\s+is)?[\s(),\[\]=:-]*", between, re.I
                )
            ):
                groups[-1].append(iv)
                continue
        groups.append([iv])
    return groups


# sentence breaks where a legacy XML text block's hard line wraps are not: . ; blank lines, list items
_SENT_BREAK = LazyPattern(
    r"(?<![0-9])[.;](?:\s|$)|(?<=[0-9])\.(?=\s+[A-Z])|\n[ \t\r]*\n|\n[ \t]*(?:[-*•]|[0-9]+[.)])\s"
)
# "Courses repeat every 21 days": the cycle length itself ("Treatment repeats every 14 days"
# may be the interval between doses)
_COURSES_REPEAT = LazyPattern(
    r"(?i)(?:courses?|cycles?)\s+(?:is\s+|are\s+|will\s+be\s+)?(?:repeat|recur)"
)
_REACH = 600  # characters around an interval or a day list where its cycle length may be stated
_REPEAT_LENGTH = LazyPattern(r"(?i)repeat|recur|^every|^q\s?[0-9]")


def schedule_conflicts(
    record_id: str,
    parsed: dict[str, tuple[str, Parsed]],
    n_arms: int,
    links: dict[int, set[int]],
    names: dict[int, str],
) -> list[dict[str, Any]]:
    """Dosing intervals and treatment days that do not fit the cycle length of their regimen.

    - An interval and a cycle length in one sentence with nothing between them naming another
      arm, drug or phase ("Q2W on Day 1 of each cycle (each cycle is 21 days)"): an error unless
      one is a whole multiple of the other.
    - An interval in the sentence just before the one that closes the regimen with its cycle
      length ("... cisplatin IV every 3 weeks. Treatment repeats every 4 weeks for 4 courses"):
      a warning.
    - Treatment days past the end of the cycle ("daily on days 1-28 of each 21-day cycle",
      "on days 1-28. Courses repeat every 3 weeks"): an error in one sentence, else a warning.
    - Across fields of one scope (``_scopes``): an arm's regimen interval (its label "Docetaxel
      Every 3 Weeks", "Treatment repeats every 2 weeks", "chemotherapy is administered every 21
      days") against the one cycle length its scope states: a warning.
    """
    texts = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    phased = any(_phased(text) for text in texts)
    rests = {fld: rest_days(text) for fld, (text, _p) in parsed.items()}
    rows: list[dict[str, Any]] = []

    def rested(scope: set[str], a: Sequence[float], b: Sequence[float]) -> bool:
        """A rest of the scope (or one of unknown length) may be the difference."""
        rest, vague = _scope_rest(rests, scope)
        return vague or any(abs(abs(x - y) - r) <= 1 for x in a for y in b for r in rest)

    def row(
        fld: str, span: tuple[int, int], rel: str, rspan: tuple[int, int], msg: str, sev: str
    ) -> None:
        rows.append(
            {
                "record_id": record_id,
                "field": fld,
                "start": span[0],
                "end": span[1],
                "message": msg,
                "related_field": rel,
                "related_start": rspan[0],
                "related_end": rspan[1],
                "severity": sev,
            }
        )

    for fld, (text, p) in parsed.items():
        lens = [
            ln
            for ln in p.lengths
            if not ln.qualified
            and not ln.approx
            and not _SCOPE_WORDS.search(_neutral(_sentence(text, ln.start, ln.end)))
        ]
        if not lens:
            continue
        starts = [ln.start for ln in lens]
        near = functools.partial(_near, lens, starts)

        for group in _interval_groups(text, p.intervals):
            days = [d for iv in group for d in iv.days]
            iv = group[0]
            for ln in near(iv.start, iv.end):
                a, b = (iv.end, ln.start) if iv.end <= ln.start else (ln.end, iv.start)
                between = text[a:b]
                if _fits_interval(days, ln.days) or _DISTINGUISHERS.search(_neutral(between)):
                    continue
                if rested({fld}, days, ln.days):
                    continue
                same_sentence = not _SENT_BREAK.search(between)
                next_sentence = (
                    iv.end <= ln.start
                    and len(_SENT_BREAK.findall(between)) == 1
                    and bool(_REPEAT_LENGTH.search(ln.text))
                    and "\n\n" not in between.replace("\r", "")
                )
                if not (same_sentence or next_sentence):
                    continue
                row(
                    fld,
                    (iv.start, iv.end),
                    fld,
                    (ln.start, ln.end),
                    f"dosing interval '{iv.text.strip()}' ({_fmt(days[0])} days) does not fit the cycle "
                    f"length {_fmt(ln.days[0])} days ('{ln.text.strip()}') "
                    + ("in the same sentence" if same_sentence else "stated just after it"),
                    "error" if same_sentence else "warning",
                )
                break
        for dl in p.day_lists:
            for ln in near(dl.start, dl.end):
                if dl.last <= max(ln.days):
                    continue
                a, b = (dl.end, ln.start) if dl.end <= ln.start else (ln.end, dl.start)
                between = text[a:b]
                if _DISTINGUISHERS.search(_neutral(between)):
                    continue
                same_sentence = not _SENT_BREAK.search(between)
                next_sentence = (
                    dl.end <= ln.start
                    and len(_SENT_BREAK.findall(between)) == 1
                    and bool(_COURSES_REPEAT.match(ln.text))
                )
                if not (same_sentence or next_sentence):
                    continue
                sentence = _sentence(text, dl.start, dl.end)
                if not _DOSE_CUE.search(sentence):
                    continue
                row(
                    fld,
                    (dl.start, dl.end),
                    fld,
                    (ln.start, ln.end),
                    f"treatment on day {dl.last} ('{dl.text.strip()}') falls outside a "
                    f"{_fmt(max(ln.days))}-day cycle ('{ln.text.strip()}')",
                    "error" if same_sentence else "warning",
                )
                break
    # across the fields of a scope: an arm's regimen interval vs the scope's one cycle length
    scopes = [(g, False) for g, _c in _scopes(list(parsed), n_arms <= 1 and not phased, links)]
    scopes += [(g, True) for g, _c in _drug_scopes(parsed, names, links)]
    stated = [d for _t, p in parsed.values() for ln in p.lengths for d in ln.days]
    done: set[str] = {r["field"] for r in rows}
    covered: set[str] = set()  # the fields of the scopes reported
    for scope, by_drug in scopes:
        lengths = [
            (fld, ln)
            for fld in sorted(scope)
            if fld in parsed
            for ln in parsed[fld][1].lengths
            if _plain(parsed[fld][0], ln)
        ]
        L = unique_length([ln for _f, ln in lengths])
        if L is None or scope & done or scope <= covered:
            continue  # one finding per scope (and none for a scope within one reported)
        for fld in sorted(scope):
            if fld not in parsed or fld in done:
                continue
            text, p = parsed[fld]
            for grp in _interval_groups(text, p.intervals):
                if grp[0].level != "regimen" and not (
                    grp[0].level in ("cycle", "drug") and _single_drug(fld, scope)
                ):
                    continue
                days = [d for iv in grp for d in iv.days]
                if _fits_interval(days, [L]) or rested(scope, days, [L]):
                    continue
                if by_drug and (
                    not fld.startswith("interventions[")
                    or _fits_interval(days, stated)  # it may be another regimen's length
                    or _other_part(_neutral(_sentence(text, grp[0].start, grp[0].end)))
                ):
                    continue
                other = [(f, ln) for f, ln in lengths if f != fld]
                if not other:
                    continue
                f0, ln0 = other[0]
                row(
                    fld,
                    (grp[0].start, grp[0].end),
                    f0,
                    (ln0.start, ln0.end),
                    f"treatment interval '{grp[0].text.strip()}' ({_fmt(days[0])} days) does not fit "
                    f"the cycle length {_fmt(L)} days stated in {f0} ('{ln0.text.strip()}') for the "
                    + ("regimen of the drugs it names" if by_drug else "same regimen"),
                    "warning",
                )
                done.add(fld)
                covered.update(scope)
                break
            if fld in done:
                break  # one finding per scope
    return rows


# an arm label that names the arm by a letter or number ("Regimen B", "Arm II", "Cohort 2: ..."):
# other fields can refer to the arm by it
_LABEL_KEY = LazyPattern(
    r"(?i)^\s*(?P<w>arm|group|cohort|regimen|schedule|part|stratum)\s*[-:#]?\s*"
    r"(?P<id>[a-z]|[0-9]{1,2}|[ivx]{1,4})(?![a-z0-9])"
)
# a mention that compares with or refers to the arm rather than stating its own schedule
_REFERENCE_BEFORE = LazyPattern(
    r"(?i)(?:as\s+(?:in|for|with)|like|same\s+as|than|from|to|versus|vs\.?|compared\s+(?:to|with)|"
    r"unlike|except)\s+(?:the\s+|that\s+of\s+|those\s+(?:of|in)\s+)?$"
)


def _sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of a text as spans (``_SENT_BREAK``: not at legacy XML line wraps)."""
    out, s0 = [], 0
    for m in _SENT_BREAK.finditer(text):
        out.append((s0, m.start() + 1))
        s0 = m.end()
    out.append((s0, len(text)))
    return [(a, b) for a, b in out if b > a]


def _statements(
    text: str, p: Parsed, span: tuple[int, int]
) -> list[tuple[tuple[int, int], tuple[float, ...], bool, str]]:
    """The regimen's period statements in ``span`` of a text: plain cycle lengths and dosing
    intervals: (span, days, is a length, text)."""
    a, b = span
    out: list[tuple[tuple[int, int], tuple[float, ...], bool, str]] = [
        ((ln.start, ln.end), ln.days, True, ln.text)
        for ln in p.lengths
        if a <= ln.start < b and not ln.qualified and not ln.approx and len(ln.days) == 1
    ]
    for grp in _interval_groups(text, p.intervals):
        iv = grp[0]
        if a <= iv.start < b:
            out.append(((iv.start, iv.end), tuple(d for x in grp for d in x.days), False, iv.text))
    return out


def label_conflicts(record_id: str, parsed: dict[str, tuple[str, Parsed]]) -> list[dict[str, Any]]:
    """An arm named by its label in another field ("chemotherapy given every two weeks (Regimen
    B)") with a schedule that does not fit the one the arm itself states ("Regimen B":
    "Conventional every-three-week chemotherapy"): one regimen, two periods (a warning).

    Only sentences that name that one arm (and not as a comparison: "as in arm I", "than arm
    B") are the arm's; the arm's own statements are those of its label and description outside
    sentences that name another arm. Periods fit when they are equal (two cycle lengths) or one
    is a whole multiple of the other (an interval); a rest period of the fields leaves them."""
    keys: dict[int, re.Pattern[str]] = {}
    seen: dict[str, int] = {}
    for fld, (text, _p) in parsed.items():
        m = _ARM_FIELD.match(fld)
        if not m or m.group(2) != "label":
            continue
        k = _LABEL_KEY.match(text)
        if not k:
            continue
        key = f"{k.group('w').lower()} {k.group('id').lower()}"
        seen[key] = -1 if key in seen else int(m.group(1))
        keys[int(m.group(1))] = re.compile(
            rf"(?i)(?<![a-z]){re.escape(k.group('w'))}\s*[-:#]?\s*{re.escape(k.group('id'))}(?![a-z0-9])"
        )
    keys = {a: rx for a, rx in keys.items() if a in seen.values()}  # keys two arms share: none
    if not keys:
        return []

    def named_arms(sentence: str, offset: int, text: str) -> set[int]:
        out = set()
        for a, rx in keys.items():
            for m in rx.finditer(sentence):
                if not _REFERENCE_BEFORE.search(
                    text[max(0, offset + m.start() - 30) : offset + m.start()]
                ):
                    out.add(a)
        return out

    own: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    named: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for fld, (text, p) in parsed.items():
        if not (p.lengths or p.intervals) or _OUTCOME_FIELD.match(fld):
            continue
        m = _ARM_FIELD.match(fld)
        mine = int(m.group(1)) if m else None
        for span in _sentences(text):
            sts = _statements(text, p, span)
            if not sts:
                continue
            arms = named_arms(text[span[0] : span[1]], span[0], text)
            if mine is not None and not (arms - {mine}):
                own[mine] += [(fld, st) for st in sts]
            elif mine != next(iter(arms), None) and len(arms) == 1:
                named[next(iter(arms))] += [(fld, st) for st in sts]
    rests = {fld: rest_days(text) for fld, (text, _p) in parsed.items()}
    rows: list[dict[str, Any]] = []
    for a in sorted(set(own) & set(named)):
        fields = {f for f, _st in own[a] + named[a]}
        rest, vague = _scope_rest(rests, fields)
        if vague or rest:
            continue

        def fits(x: Any, y: Any) -> bool:
            if x[2] and y[2]:
                return bool(set(x[1]) & set(y[1]))
            return _fits_interval(x[1], y[1])

        if any(fits(x, y) for _f, x in own[a] for _g, y in named[a]):
            continue
        (f0, x), (f1, y) = own[a][0], named[a][0]
        rows.append(
            {
                "record_id": record_id,
                "field": f0,
                "start": x[0][0],
                "end": x[0][1],
                "message": (
                    f"arms[{a}] gives its regimen a period of {_fmt(x[1][0])} days here "
                    f"('{_shown(x[3])}') but {f1} names the arm with {_fmt(y[1][0])} days "
                    f"('{_shown(y[3])}')"
                ),
                "related_field": f1,
                "related_start": y[0][0],
                "related_end": y[0][1],
                "severity": "warning",
            }
        )
    return rows


# the length of the whole treatment: "6 weeks of protocol treatment", "treatment duration of 24 weeks"
_TOTAL_DURATION = LazyPattern(
    rf"(?P<n>{_NUM})\s*[- ]?(?P<u>weeks?|months?)\s+of\s+(?:protocol\s+|study\s+|active\s+)?"
    r"(?:treatment|therapy|chemotherapy)(?![A-Za-z])"
    rf"|(?:treatment|therapy)\s+(?:duration|period)\s+(?:of|is|was|:)\s*(?P<n2>{_NUM})\s*[- ]?(?P<u2>weeks?|months?)",
    re.I,
)


def total_conflicts(
    record_id: str, parsed: dict[str, tuple[str, Parsed]], n_arms: int, tol: Tolerance
) -> list[dict[str, Any]]:
    """A fixed number of cycles of the one stated length ("Treatment repeats every 28 days for 6
    courses") against the length of the whole treatment stated elsewhere ("weekly during 6 weeks
    of protocol treatment"): a warning, in records with one arm and no phases only."""
    texts = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    if n_arms > 1 or any(_phased(t) for t in texts):
        return []
    lengths = [ln for _t, p in parsed.values() for ln in p.lengths]
    L = unique_length(lengths)
    counted = [(fld, ln) for fld, (_t, p) in parsed.items() for ln in p.lengths if ln.count]
    if L is None or len({ln.count for _f, ln in counted}) != 1:
        return []
    f0, ln0 = counted[0]
    total = (ln0.count or 0) * L
    for fld, (text, _p) in parsed.items():
        for m in _TOTAL_DURATION.finditer(text):
            n = m.group("n") or m.group("n2")
            u = _unit(m.group("u") or m.group("u2"))
            days, slack = _duration_days(_num(n), u, False, tol)
            if abs(days - total) <= slack + L:  # the last cycle may be counted to its start
                continue
            return [
                {
                    "record_id": record_id,
                    "field": fld,
                    "start": m.start(),
                    "end": m.end(),
                    "message": (
                        f"the treatment is said to last {m.group(0).strip()!r} here, but "
                        f"{ln0.count} cycles of {_fmt(L)} days ('{ln0.text.strip()}' in {f0}) "
                        f"are {_fmt(total)} days ({_weeks(total)})"
                    ),
                    "related_field": f0,
                    "related_start": ln0.start,
                    "related_end": ln0.end,
                    "severity": "warning",
                }
            ]
    return []


def _single_drug(fld: str, group: set[str]) -> bool:
    """Whether the scope of ``fld`` holds one intervention only (its interval is the regimen's)."""
    return len({f.split(".")[0] for f in group if f.startswith("interventions[")}) == 1


# a dose-limiting-toxicity window given as the first cycle, and as a duration elsewhere
_DLT = LazyPattern(r"(?i)(?<![a-z])(?:dlts?|dose[- ]limiting\s+toxicit(?:y|ies))(?![a-z])")
_FIRST_CYCLE = LazyPattern(
    r"(?i)(?:during|in|within|over|throughout|of|at\s+the\s+end\s+of)\s+(?:the\s+)?"
    r"(?:first\s+(?:treatment\s+)?(?:cycle|course)|cycle\s*1(?![0-9])|c1(?![0-9d]))"
)
_WINDOW_DAYS = LazyPattern(
    r"(?i)(?:within|during|over|in|first|up\s+to|for)\s+(?:the\s+)?(?:first\s+)?(?P<n>[0-9]{1,3})\s*(?P<u>days?|weeks?)"
    r"(?:\s+(?:after|following|from|of)\s+(?:the\s+)?(?:first|initial|start|1st)[^.;]{0,30})?"
    r"|^\s*(?P<n2>[0-9]{1,3})\s*(?P<u2>days?|weeks?)(?:\s+(?:after|following|from)\s+(?:the\s+)?(?:first|initial|start|1st)[^.;]{0,30})?\s*\.?\s*$"
)


def dlt_conflicts(
    record_id: str, parsed: dict[str, tuple[str, Parsed]], tol: Tolerance, n_arms: int
) -> list[dict[str, Any]]:
    """The dose-limiting-toxicity window stated as the first cycle in one place ("DLTs will be
    assessed during the first cycle" of 21-day cycles) and as another number of days in an
    outcome about DLTs ("DLTs within 28 days after the first infusion"): a warning. Only where
    the record states one cycle length throughout."""
    all_lengths = [ln for fld, (_t, p) in parsed.items() for ln in p.lengths]
    L = unique_length(all_lengths)
    if L is None:
        return []
    first: tuple[str, int, int] | None = None
    for fld, (text, _p) in parsed.items():
        for m in _DLT.finditer(text):
            sentence = _sentence(text, m.start(), m.end())
            fc = _FIRST_CYCLE.search(sentence)
            if fc:
                first = (fld, m.start(), m.end())
                break
        if first:
            break
    if first is None:
        return []
    rows: list[dict[str, Any]] = []
    for prefix in sorted({f.rsplit(".", 1)[0] for f in parsed if _OUTCOME_FIELD.match(f)}):
        own = [
            parsed[f"{prefix}.{c}"][0]
            for c in ("measure", "description", "time_frame")
            if f"{prefix}.{c}" in parsed
        ]
        if not _DLT.search(" ".join(own[:2])) or first[0].startswith(prefix + "."):
            continue
        if any(_CYCLE_MENTION.search(t) for t in own):
            continue  # the outcome speaks of cycles itself: the arithmetic checks cover it
        for col in ("time_frame", "description"):
            fld = f"{prefix}.{col}"
            if fld not in parsed:
                continue
            text = parsed[fld][0]
            if _CYCLE_MENTION.search(text):
                continue  # the outcome speaks of cycles itself: the arithmetic checks cover it
            w = _WINDOW_DAYS.search(text)
            if not w:
                continue
            n = float(w.group("n") or w.group("n2"))
            unit = (w.group("u") or w.group("u2")).lower()
            days = n * (7.0 if unit.startswith("w") else 1.0)
            if abs(days - L) <= tol.day_days:
                continue
            rows.append(
                {
                    "record_id": record_id,
                    "field": fld,
                    "start": w.start(),
                    "end": w.end(),
                    "message": (
                        f"the DLT window is {_fmt(days)} days here but the first cycle "
                        f"({_fmt(L)} days) in {first[0]}"
                    ),
                    "related_field": first[0],
                    "related_start": first[1],
                    "related_end": first[2],
                    "severity": "warning",
                }
            )
            break
    return rows[:1]


KINDS = (
    FunctionKind(name="cycle_length", run_fn=run, validate_fn=validate, prefilter_fn=prefilter),
)
