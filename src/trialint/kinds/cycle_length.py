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
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import RecordSet
from .base import FunctionKind, require_keys

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
_NOT_TREATMENT = re.compile(
    r"(?:menstrual|cell|sleep|wake|life|duty|estrous|oestrous|ovarian|ovulatory|ovulation|"
    r"respiratory|breathing|cardiac|gait|circadian|thaw|feeding|light|dark|ivf|transfer|"
    r"stimulation|embryo|natural|vicious|krebs|urea|pedaling|pedalling|breath|walking|"
    r"contraction|cleaning|washing|sterilization|reproductive|hair|ultradian|"
    r"freeze|heating|cooling|compression|inflation|ventilat\w*)[\s-]*$",
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
_APPROX_BEFORE = re.compile(rf"{_APPROX}\s*$", re.I)
_CYCLE_WORDS = r"(?:treatment|chemotherapy|chemo|dosing|therapy|study|drug|induction|maintenance|consolidation|medication|administration|dose|infusion|trial|regimen)"
_LEN_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
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
        # Courses repeat every 28 days ("Treatment repeats every 2 weeks" is a dosing interval)
        r"(?P<subj>(?<![A-Za-z])courses?)\s+(?:is\s+|are\s+|will\s+be\s+)?"
        r"(?:repeated|repeats?|recurs?)\s+every\s+" + _LEN_VAL,
        # every 21 days for 6 cycles / q 21 days x 6 courses
        rf"(?<![A-Za-z])(?:every|q)\s*{_LEN_VAL}\s*(?:for|x|×)\s*(?:up\s+to\s+|a\s+total\s+of\s+|a\s+maximum\s+of\s+|a\s+minimum\s+of\s+|at\s+least\s+)?"
        rf"{_NUM}(?:\s*(?:-|–|to|or)\s*{_NUM})?\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>cycles|courses)(?![A-Za-z])",
        # every 21 days (1 cycle)
        rf"every\s+{_LEN_VAL}\s*[(\[]\s*(?:a|one|1)\s+(?:{_CYCLE_WORDS}\s+)?(?P<subj>cycle)\s*[)\]]",
    )
)

_DAY_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        # Cycle 3 Day 1 / C3D1 / Cycle 3, Day 1 / Cycle 1 Days 2, 3 and 8
        rf"(?<![A-Za-z])(?:cycle|cy|c)\s*\.?\s*(?P<n>[0-9]+)\s*[,:]?\s*(?:days?|d)\s*(?P<d>[0-9]+(?:{_SEP}[0-9]+)*)(?![0-9])",
        # Day 1 of Cycle 3 / D1 of C3 / Day 8 of the second cycle
        rf"(?<![A-Za-z])(?:days?|d)\s*(?P<d>[0-9]+)\s+(?:of|in)\s+(?:the\s+)?(?:{_CYCLE_WORDS}\s+)?"
        rf"(?:(?:cycles?|c)\s*(?P<n>[0-9]+)(?![0-9])|(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?cycle)",
    )
)
_END_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        rf"(?<![A-Za-z])(?:end|completion|conclusion|finish|completing|complete|completed|after|following|post)\s+"
        rf"(?:of\s+)?(?:the\s+)?(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)\s*(?P<n>[0-9]+)(?![0-9])",
        rf"(?<![A-Za-z])(?:end|completion|conclusion|finish|completing|complete|completed|after|following)\s+"
        rf"(?:of\s+)?(?:the\s+)?(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)(?![A-Za-z])",
    )
)
_COUNT_PATTERN = re.compile(
    r"(?P<pre>(?<![A-Za-z])(?:every|each|q)\s+)?(?:(?:the\s+)?(?:first|initial|last)\s+)?"
    rf"(?P<n>{_NUMLIST})\s+(?:(?:treatment|chemotherapy|chemo|study|complete|completed|full|additional|more|{_CYCLE_WORDS})\s+)?"
    r"cycles?(?![A-Za-z])",
    re.I,
)
_CYCLE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        rf"(?<![A-Za-z])(?:cycles?|courses?)\s*(?P<n>[0-9]+(?:(?:{_SEP}|{_RANGE})[0-9]+)*)(?![0-9])",
        rf"(?<![A-Za-z])(?P<o>{_ORD})\s+(?:{_CYCLE_WORDS}\s+)?(?:cycle|course)(?![A-Za-z])",
    )
)
_DUR_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        # 18 weeks / approximately 9 or 18 weeks / up to ~56 days / 6-month
        rf"(?P<n>{_NUMLIST})\s*[- ]?(?P<u>days?|weeks?|wks?|months?|mos?|mths?|years?|yrs?)(?![A-Za-z])",
        # Week 18 / Day 43 / Study Day 22 / Month 6
        rf"(?<![A-Za-z])(?:study\s+)?(?P<u>week|wk|day|month)\s*(?P<n>[0-9]+(?:{_SEP}[0-9]+)*)(?![0-9])",
    )
)
# before a duration: its qualifiers
_DUR_PRE = re.compile(
    r"(?:(?<![A-Za-z])(?:up\s+to|within|at\s+least|at\s+most|no\s+more\s+than|no\s+later\s+than|more\s+than|"
    rf"less\s+than|over|beyond|past|by|at|after|for|until|to|a\s+maximum\s+of|maximum\s+of|maximum|max\.?|total\s+of|{_APPROX})\s*"
    r"|[≥≤><=~≈∼]\s*)+$",
    re.I,
)
# after a duration: relative to something other than the start of treatment
_RELATIVE_TAIL = re.compile(
    r"^\s*(?:\)\s*)?(?:after|post|before|prior|from|since|following|later|earlier|beyond|following|past|"
    r"pre|of\s+(?:follow|the\s+last|last|end)|into)",
    re.I,
)
_START_ANCHOR = re.compile(
    r"^\s*(?:after|post|from|since|following)[- ]+(?:the\s+)?(?:first|1st|initial|start|starting|initiation|"
    r"beginning|commencement|onset)\s*(?:of\s+)?(?:the\s+)?(?:study\s+)?(?:dose|dosing|treatment|therapy|"
    r"infusion|administration|drug|day|cycle)?|^\s*(?:after|post|from|since)\s+(?:cycle\s*1\s*day\s*1|c1d1|day\s*1|baseline|"
    r"treatment\s+(?:start|initiation)|enrol+ment|randomi[sz]ation|first\s+dose)",
    re.I,
)
_OPENS_HEAD = re.compile(
    r"(?:from|since|starting(?:\s+(?:at|on|from|with))?|beginning(?:\s+(?:at|on|with))?|between)\s+(?:the\s+)?(?:(?:day\s*1|d1)\s+of\s+)?$",
    re.I,
)
_OPENS_TAIL = re.compile(
    r"\s*(?:\([^)]*\)\s*)?(?:to|until|till|through|thru|and\s+thereafter|onwards?)(?![A-Za-z])",
    re.I,
)
_CLEAN_TAIL = re.compile(
    r"^\s*(?:$|[)\],;.:/]|and\s|or\s|overall|in\s+total|total|of\s+(?:study\s+)?(?:treatment|therapy)(?![A-Za-z])\s*(?:$|[)\],;.]))",
    re.I,
)
_REST = re.compile(
    r"(?:treatment|drug|infusion|dose|dosing|therapy|chemotherapy)[- ]free\s+(?:period|interval|week|days?)|"
    r"rest(?:ing)?\s+(?:period|week|interval)|recovery\s+period|(?:days?|weeks?)\s+(?:off|of\s+rest|rest)(?![A-Za-z])|"
    r"off[- ]treatment\s+(?:period|week)|treatment\s+break|(?:a|one|[0-9]+)[- ](?:day|week)\s+break",
    re.I,
)
_PERIODIC_HEAD = re.compile(r"(?:every|each|per|q)\s*$", re.I)
_BOUND_UP = re.compile(
    r"up\s+to|within|at\s+most|no\s+more\s+than|no\s+later\s+than|less\s+than|maximum|max|≤|<|until|by",
    re.I,
)
_BOUND_LOW = re.compile(r"at\s+least|more\s+than|over|beyond|past|≥|>", re.I)
_APPROX_RE = re.compile(_APPROX, re.I)


@dataclass
class Length:
    start: int
    end: int
    days: tuple[float, ...]
    approx: bool
    text: str
    # the cycles it applies to, when the text says ("Cycle 1 is 28 days", "cycle 2 onwards")
    cycles: tuple[int, float] | None = None

    @property
    def qualified(self) -> bool:
        return self.cycles is not None


_COUNT_BEFORE = re.compile(rf"{_NUM}[\s-]*(?:{_CYCLE_WORDS}\s+)?$", re.I)


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


@dataclass
class Parsed:
    lengths: list[Length] = field(default_factory=list)
    points: list[CyclePoint] = field(default_factory=list)
    durations: list[Duration] = field(default_factory=list)


class _Spans:
    """Text spans kept sorted by start, so that "which spans overlap this one" costs a bisect
    and a short walk (spans are regex matches of bounded length), not a pass over them all:
    texts with thousands of cycle mentions stay linear."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.longest = 0
        for sp in spans:
            self.append(sp)

    def append(self, span: tuple[int, int]) -> None:
        i = bisect.bisect_right(self.starts, span[0])
        self.starts.insert(i, span[0])
        self.ends.insert(i, span[1])
        self.longest = max(self.longest, span[1] - span[0])

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(zip(self.starts, self.ends, strict=True))

    def __add__(self, other: _Spans) -> _Spans:
        return _Spans([*self, *other])

    def hit_ends(self, a: tuple[int, int]) -> list[int]:
        """The ends of the spans that overlap ``a``."""
        out = []
        j = bisect.bisect_left(self.starts, a[1]) - 1  # spans starting before a ends
        floor = a[0] - self.longest  # an overlapping span starts after this
        while j >= 0 and self.starts[j] >= floor:
            if self.ends[j] > a[0]:
                out.append(self.ends[j])
            j -= 1
        return out


def _overlaps(a: tuple[int, int], spans: _Spans) -> bool:
    return bool(spans.hit_ends(a))


def _treatment_cycle(text: str, subj_start: int) -> bool:
    return not _NOT_TREATMENT.search(text[max(0, subj_start - 40) : subj_start])


def _finditer_free(pat: re.Pattern[str], text: str, occupied: _Spans) -> Iterable[re.Match[str]]:
    """Matches of ``pat`` whose number does not overlap an occupied span; a match that does is
    retried just after the span it runs into ("Cycle 1 Day 1 to 12 months")."""
    pos = 0
    while pos <= len(text):
        m = pat.search(text, pos)
        if m is None:
            return
        ns, ne = m.span("n")
        hit = occupied.hit_ends((ns, ne))
        if hit:
            pos = max(max(hit), m.start() + 1)
            continue
        yield m
        pos = m.end()


def parse(text: str) -> Parsed:
    """Cycle lengths, cycle positions and durations mentioned in one text."""
    out = Parsed()
    taken = _Spans()
    for pat in _LEN_PATTERNS:
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
            out.lengths.append(
                Length(
                    m.start(), m.end(), days, approx, m.group(0), _cycles(m.groupdict().get("q"))
                )
            )
            taken.append(m.span())
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
        point_spans.append(m.span())

    for pat in _DAY_PATTERNS:
        for m in pat.finditer(text):
            n = int(_num(m.groupdict().get("n") or m.groupdict().get("o") or "0"))
            in_cycle = [int(d) for d in re.findall(r"[0-9]+", m.group("d"))]
            add_point(m, "day", [(n, d) for d in in_cycle] if n > 0 else [])
    for pat in _END_PATTERNS:
        for m in pat.finditer(text):
            n = int(_num(m.groupdict().get("n") or m.groupdict().get("o") or "0"))
            add_point(m, "end", [(n, 0)] if n > 0 else [])
    for m in _COUNT_PATTERN.finditer(text):
        vals, is_range = _numbers(m.group("n"))
        if any(v != int(v) or v <= 0 or v > 200 for v in vals):
            continue
        head = text[max(0, m.start() - 12) : m.start()]
        form = "periodic" if m.group("pre") or _PERIODIC_HEAD.search(head) else "count"
        bound = "up" if re.search(r"(?:up\s+to|within|maximum\s+of|max\.?)\s*$", head, re.I) else ""
        add_point(m, form, [(int(v), 0) for v in vals], bound)
    for pat in _CYCLE_PATTERNS:
        for m in pat.finditer(text):
            if m.groupdict().get("o"):
                vals, is_range = [_num(m.group("o"))], False
            else:
                vals, is_range = _numbers(m.group("n"))
            if any(v <= 0 or v > 200 for v in vals):
                continue
            add_point(m, "range" if is_range else "cycle", [(int(v), 0) for v in vals])
    occupied = len_spans + point_spans
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
            occupied.append(m.span())
    out.lengths.sort(key=lambda ln: ln.start)
    out.points.sort(key=lambda p: p.start)
    out.durations.sort(key=lambda d: d.start)
    return out


_ANCHOR = re.compile(
    r"cycle|courses?\s*(?:[0-9]|repeat|(?:is|are)\s+repeated)|(?:[0-9]|one|two|three|four|five|six|first|second|third|each|every)"
    r"[- ](?:[a-z]+[- ])?courses?|(?<![A-Za-z])c[0-9]+\s?d[0-9]",
    re.I,
)
_WINDOW = 120  # characters either side of a cycle word that can hold what is tied to it
_SHORT = 2 * _WINDOW


def parse_text(text: str) -> Parsed:
    """``parse`` on the parts of a long text around its cycle words (all of a short text, and
    all of a text without any: an outcome title or description that only gives a duration)."""
    anchors = [m.start() for m in _ANCHOR.finditer(text)] if len(text) > _SHORT else []
    if not anchors:
        return parse(text)
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
        part = parse(text[lo:hi])
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

_CONNECTOR = re.compile(
    r"^[\s,;:(\[=–—-]*(?:(?:i\.?\s?e\.?|that\s+is|which\s+is|which\s+equals|equals?|equal\s+to|equivalent\s+to|"
    r"corresponding\s+to|corresponds\s+to|=|in\s+total|total|overall|of\s+(?:the\s+)?(?:study\s+)?"
    r"(?:treatment|therapy|chemotherapy|dosing|study\s+drug)|of\s+(?:study\s+)?treatment)[\s,;:(\[=–—-]*)*$",
    re.I,
)


def _between(
    text: str,
    a_end: int,
    b_start: int,
    lengths: Sequence[Length],
    starts: Sequence[int] | None = None,
) -> str:
    """The text between two mentions with the cycle lengths in it blanked out. ``lengths`` do
    not overlap and are sorted by start (as ``parse_text`` leaves them), ``starts`` their
    starts: only the lengths ending after ``a_end`` and starting before ``b_start`` are visited
    (a bisect, not a pass over all of them)."""
    chars = list(text[a_end:b_start])
    if starts is None:
        starts = [ln.start for ln in lengths]
    j = bisect.bisect_left(starts, b_start) - 1
    while j >= 0 and lengths[j].end > a_end:
        ln = lengths[j]
        for i in range(max(ln.start, a_end), min(ln.end, b_start)):
            chars[i - a_end] = " "
        j -= 1
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
    length_starts = [ln.start for ln in parsed.lengths]
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
        between = _between(text, a.end, b_start, parsed.lengths, length_starts)
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
        _text, parsed = parts[col]
        if parsed.points:
            continue  # the title/description speaks of cycles itself
        for dur in parsed.durations:
            if col == "description" and not re.search(r"(?:^|\s)at\s", " " + dur.pre):
                continue  # a description's "beyond Day 42" or "18-week" is no time point
            if dur.point and not dur.relative and not dur.periodic and not dur.bound:
                claims.extend(Claim(p, dur, "time_frame", col, group=id(dur)) for p in points)
    return claims


# --- the kind --------------------------------------------------------------------------------

_PREFILTER = r"(?:^|[^a-z])(?:cycles?|courses?)(?:[^a-z]|$)|(?:^|[^a-z])c[0-9]+ ?d[0-9]"
_NUMBER_PREFILTER = (
    r"[0-9]|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|first|second|third"
)
# A superset of _LEN_PATTERNS (RE2, for pyarrow): a number with a day/week unit near a cycle
# word. A record where no text has one states no cycle length, so it has nothing to check.
_NUM_WORD = (
    r"(?:[0-9]|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|twenty|thirty)"
)
_LENGTH_PREFILTER = (
    r"(?:cycle|course)[^\n]{0,100}?" + _NUM_WORD + r"[^\n]{0,6}?(?:day|week|wk)"
    r"|" + _NUM_WORD + r"[ -]*(?:days?|weeks?|wks?)[^\n]{0,80}?(?:cycle|course)"
)
_OUTCOME_FIELD = re.compile(r"^outcomes\[(\w+)\]\[(\d+)\]\.(measure|description|time_frame)$")
_PARAMS = {"week_tolerance_days", "month_tolerance_days", "approx_slack", "check_lengths"}


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _PARAMS)
    for key in ("week_tolerance_days", "month_tolerance_days", "approx_slack"):
        if key in params and (not isinstance(params[key], int | float) or params[key] < 0):
            raise ValueError(f"{key} must be a non-negative number")
    if "check_lengths" in params and not isinstance(params["check_lengths"], bool):
        raise TypeError("check_lengths must be true or false")


def _candidates(rs: RecordSet) -> pd.DataFrame:
    """The texts worth parsing: those that mention a cycle (of records where some text mentions
    one with a number), and the titles/descriptions of outcomes whose time frame does."""
    texts = rs.texts()
    if texts.empty:
        return texts
    arr = pa.array(texts["text"])
    has_cycle = pc.match_substring_regex(arr, _PREFILTER, ignore_case=True).to_numpy(
        zero_copy_only=False
    )
    has_num = pc.match_substring_regex(arr, _NUMBER_PREFILTER, ignore_case=True).to_numpy(
        zero_copy_only=False
    )
    has_len = pc.match_substring_regex(arr, _LENGTH_PREFILTER, ignore_case=True).to_numpy(
        zero_copy_only=False
    )
    with_len = set(texts.loc[has_len, "record_id"])
    hit = [r for r in texts.loc[has_cycle & has_num, "record_id"].unique() if r in with_len]
    in_hit = texts["record_id"].isin(hit).to_numpy()
    fields = pa.array(texts["field"])
    outcome = pc.extract_regex(fields, r"^(?P<key>outcomes\[[a-z]+\]\[[0-9]+\]\.)(?P<col>[a-z_]+)$")
    key = pd.Series(outcome.field("key").to_numpy(zero_copy_only=False), index=texts.index)
    col = pd.Series(outcome.field("col").to_numpy(zero_copy_only=False), index=texts.index)
    tf_keys = texts["record_id"] + "|" + key
    cyc_tf = set(tf_keys[has_cycle & in_hit & (col == "time_frame").to_numpy()])
    sibling = tf_keys.isin(cyc_tf).to_numpy() & col.isin(["measure", "description"]).to_numpy()
    return texts[in_hit & (has_cycle | sibling)]


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
    n_arms = rs.arms.loc[rs.arms["record_id"].isin(ids), "record_id"].value_counts()
    n_ints = rs.interventions.loc[
        rs.interventions["record_id"].isin(ids), "record_id"
    ].value_counts()
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
            )
        )
    return kind_frame(rows)


@dataclass
class Judged:
    """A claim with the lengths it was checked against and the verdict (None = consistent)."""

    claim: Claim
    point_field: str
    duration_field: str
    lengths: list[Length]
    message: str | None


def judge_record(
    texts: list[tuple[str, str]], tol: Tolerance, n_arms: int = 0
) -> tuple[dict[str, tuple[str, Parsed]], list[Judged]]:
    """Parse a record's texts, find every cycle/duration claim and check it.

    A claim is checked against the cycle lengths stated in its own field, else in its outcome
    measure, else anywhere in the record, but only when the record has at most one arm and
    names no treatment phases or parts (else a length stated elsewhere may be another one's).
    """
    parsed = {fld: (text, parse_text(text)) for fld, text in texts}
    record_lengths = [ln for _t, p in parsed.values() for ln in p.lengths]
    outcomes: dict[str, dict[str, tuple[str, Parsed]]] = defaultdict(dict)
    for fld, tp in parsed.items():
        m = _OUTCOME_FIELD.match(fld)
        if m:
            outcomes[f"outcomes[{m.group(1)}][{m.group(2)}]."][m.group(3)] = tp
    narrative = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    # "4-week cycles followed by a 14-day infusion-free period": whether a "cycle" includes the
    # rest is a matter of wording, so every length the record states may apply
    has_rest = any(_REST.search(text) for text in narrative)
    phased = n_arms > 1 or any(_PHASES.search(text) for text in narrative)

    def lengths_for(fld: str, group: dict[str, tuple[str, Parsed]] | None) -> list[Length]:
        own = parsed[fld][1].lengths
        near = [ln for _t, p in group.values() for ln in p.lengths] if group else []
        scoped = own or near
        if scoped:
            return scoped + record_lengths if has_rest else scoped
        return [] if phased else record_lengths

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
        judged.append(Judged(claim, pfield, dfield, lengths, check_claim(claim, lengths, tol)))
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
) -> list[dict[str, Any]]:
    """The findings of one record: (field, text) pairs in, kind rows out."""
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
                "message": f"cycle arithmetic does not add up: {j.message}",
                "related_field": j.duration_field,
                "related_start": j.claim.duration.start,
                "related_end": j.claim.duration.end,
            }
        )
    if check_lengths:
        rows.extend(length_conflicts(record_id, parsed, n_arms, n_interventions))
    return rows


# words near a cycle length that tie it to one arm, drug, phase or part of the treatment
_DISTINGUISHERS = re.compile(
    r"(?i)(?:^|[^a-z])(?:arms?|groups?|cohorts?|parts?|phases?|stages?|periods?|induction|maintenance|"
    r"consolidation|intensification|re-?induction|regimens?|schedules?|q[0-9]+w|then|thereafter|followed|"
    r"subsequent(?:ly)?|onwards?|dose\s+levels?|monotherapy|combination|plus|versus|vs\.?|placebo|control|"
    r"escalation|expansion|extension|adjuvant|neoadjuvant|pre-?operative|post-?operative|radiotherapy|"
    r"chemoradiotherapy|surgery|surgical|pre-?surgery|post-?surgery|retrieval|salvage|continuation|"
    r"after|before|while|during|until|or|either|alternat\w*|depending|"
    r"initial(?:ly)?|later|first|second|last|final)(?:[^a-z]|$)"
)
# treatment phases or parts anywhere in a record: its cycle lengths may belong to different ones
_PHASES = re.compile(
    r"(?i)(?:^|[^a-z])(?:induction|maintenance|consolidation|intensification|re-?induction|"
    r"part\s+(?:[0-9]+|[a-d]|i{1,3}|iv)|cohorts?|arm\s+(?:[0-9]+|[a-d]|i{1,3}|iv)|stage\s+(?:[0-9]+|i{1,3})\s*(?:treatment|therapy)|"
    r"adjuvant|neoadjuvant|pre-?surgery|post-?surgery|pre-?operative(?:ly)?|post-?operative(?:ly)?|"
    r"retrieval|salvage|continuation|run-?in|lead-?in|extension\s+(?:phase|period|study)|crossover)(?:[^a-z]|$)"
)
_SENTENCE_END = re.compile(r"(?<![0-9])[.;](?:\s|$)|\n")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (at most 160 characters either side) around [start, end)."""
    lo = max(0, start - 160)
    head = text[lo:start]
    cuts = [m.end() for m in _SENTENCE_END.finditer(head)]
    s = lo + cuts[-1] if cuts else lo
    tail = text[end : end + 160]
    m = _SENTENCE_END.search(tail)
    e = end + (m.start() if m else len(tail))
    return text[s:start] + " " + text[end:e]


def length_conflicts(
    record_id: str, parsed: dict[str, tuple[str, Parsed]], n_arms: int = 0, n_interventions: int = 0
) -> list[dict[str, Any]]:
    """Two different lengths stated for every cycle of what reads as the same regimen.

    Only plain statements count: no cycle number ("Cycle 1 is 28 days"), no alternatives
    ("21 or 28 days"), no approximation, and no arm, drug, phase or part in the sentence.
    Within one field two such statements are compared when nothing between them names an arm,
    drug, phase or part either. Across fields only when the record has at most one arm, names
    no treatment phases or parts anywhere, and (with several interventions) leaving out the
    intervention descriptions. A record that mentions a rest period is left alone ("21 days of
    therapy and a 7-day rest" may be called a 21- or a 28-day cycle).
    """
    texts = [text for fld, (text, _p) in parsed.items() if not fld.startswith("eligibility")]
    if any(_REST.search(text) for text in texts):
        return []
    phased = any(_PHASES.search(text) for text in texts)
    plain: list[tuple[str, Length]] = []
    for fld, (text, p) in parsed.items():
        for ln in p.lengths:
            if ln.qualified or len(ln.days) != 1 or ln.approx:
                continue
            if _DISTINGUISHERS.search(_sentence(text, ln.start, ln.end)):
                continue
            plain.append((fld, ln))
    rows: list[dict[str, Any]] = []
    reported: set[tuple[float, float]] = set()
    for i, (fld, ln) in enumerate(plain):
        for fld0, ln0 in plain[:i]:
            pair = (ln0.days[0], ln.days[0])
            if ln0.days[0] == ln.days[0] or pair in reported:
                continue
            if fld0 == fld:
                if _DISTINGUISHERS.search(parsed[fld][0][ln0.end : ln.start]):
                    continue
            elif (
                phased
                or n_arms > 1
                or (
                    n_interventions > 1
                    and (fld.startswith("interventions[") or fld0.startswith("interventions["))
                )
            ):
                continue
            where = "earlier in this field" if fld0 == fld else f"in {fld0}"
            rows.append(
                {
                    "record_id": record_id,
                    "field": fld,
                    "start": ln.start,
                    "end": ln.end,
                    "message": (
                        f"cycle length stated as {_fmt(ln.days[0])} days here ('{ln.text.strip()}') but as "
                        f"{_fmt(ln0.days[0])} days {where} ('{ln0.text.strip()}'), with no arm, drug or "
                        "phase telling them apart"
                    ),
                    "related_field": fld0,
                    "related_start": ln0.start,
                    "related_end": ln0.end,
                }
            )
            reported.add(pair)
            break
    return rows


KINDS = (FunctionKind(name="cycle_length", run_fn=run, validate_fn=validate),)
