"""The language of outcome measures, for comparing two versions of a record's outcome lists.

An outcome measure says *what* is measured (a variable or instrument: "HbA1c", "Beck Depression
Inventory"), *how* it is summarised (its aggregation: change from baseline, proportion of
participants, time to an event, a rate) and *when* (its time points: "Week 12", "12 weeks",
"3 months" are one point, 84 days, within tolerance). This module models each of the three, so
that a new version of an outcome can be told apart from a reworded one:

- ``Lexicon``: abbreviations defined anywhere in the record's two versions ("Progression-Free
  Survival (PFS)" and "PFS (progression-free survival)"), plus a few universal ones; text is
  compared with abbreviations spelled out, British and American spellings folded, plurals
  stemmed.
- ``time_points``: the assessment times a text names, in days. Study-level durations
  (recruitment period, overall duration, median follow-up, data cut-off), cycle lengths and ages
  are not assessment times and are left out.
- ``aggregations``: the summary classes a title names (change, proportion, time-to-event,
  count/rate, mean/median level).
- ``key_terms``: the words that name the measured variable: content words without the
  boilerplate of outcome titles ("Number of Participants With", "To evaluate", "primary
  endpoint"), aggregation words or time words.
- ``compare``: outcomes of the two versions are paired by content (not position) across the
  primary and secondary lists, with splits and merges, and each pair's change is classified.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

# --- text normalisation --------------------------------------------------------------------------

_SPELLING: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=[a-z])is(ation|e|ed|es|ing)(?=[^a-z]|$)"), r"iz\1"),
    (re.compile(r"(?<=[a-z])ys(e|ed|es|is|ing)(?=[^a-z]|$)"), r"yz\1"),
    (re.compile(r"haem"), "hem"),
    (re.compile(r"(?<=[a-z])aem"), "em"),
    (re.compile(r"oedema"), "edema"),
    (re.compile(r"oesophag"), "esophag"),
    (re.compile(r"tumour"), "tumor"),
    (re.compile(r"(?<=[a-z])our(?=[^a-z]|$)"), "or"),
    (re.compile(r"(?<=[a-z])tre(s?)(?=[^a-z]|$)"), r"ter\1"),
    (re.compile(r"paediatr"), "pediatr"),
    (re.compile(r"questionn?aire"), "questionnaire"),
    (re.compile(r"randomi[sz]ation"), "randomization"),
)
_TOKEN = re.compile(r"[0-9]+[.,][0-9]+|[a-z0-9]+")
_NUMBER_WORDS = {
    "zero": 0,
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
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
}


def fold(text: str | None) -> str:
    """Lower case, accents and typographic variants folded, British spellings made American."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.replace("\ufffd", " ").replace("–", "-").replace("—", "-").replace("’", "'")
    for pattern, repl in _SPELLING:
        t = pattern.sub(repl, t)
    return t


def stem(word: str) -> str:
    """A light stemmer: plurals and a few verb endings ('measurements' -> 'measurement')."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "sis")):
        return word[:-1]
    return word


def root(word: str) -> str:
    """A word's root for comparing vocabularies: stemmed and cut to 6 letters
    ('responders', 'response' -> 'respon'), so derived forms of a word count as the word."""
    w = stem(word)
    return w if w[:1].isdigit() else w[:6]


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(fold(text))


# --- abbreviations ------------------------------------------------------------------------------

# Abbreviations so common in outcome titles that records rarely spell them out.
UNIVERSAL_ABBREVIATIONS: dict[str, str] = {
    "pfs": "progression free survival",
    "os": "overall survival",
    "dfs": "disease free survival",
    "efs": "event free survival",
    "rfs": "recurrence free survival",
    "orr": "objective response rate",
    "ttp": "time to progression",
    "dor": "duration of response",
    "ae": "adverse event",
    "aes": "adverse event",
    "sae": "serious adverse event",
    "teae": "treatment emergent adverse event",
    "qol": "quality of life",
    "hrqol": "health related quality of life",
    "bmi": "body mass index",
    "auc": "area under the curve",
    "cmax": "maximum concentration",
    "tmax": "time to maximum concentration",
    "hba1c": "glycated hemoglobin",
    "fev1": "forced expiratory volume",
    "bp": "blood pressure",
    "sbp": "systolic blood pressure",
    "dbp": "diastolic blood pressure",
    "hr": "heart rate",
    "los": "length of stay",
    "icu": "intensive care unit",
    "mri": "magnetic resonance imaging",
    "ct": "computed tomography",
    "vas": "visual analogue scale",
    "nrs": "numeric rating scale",
    "eot": "end of treatment",
    "fu": "follow up",
    "wk": "week",
    "wks": "week",
    "mo": "month",
    "yr": "year",
    "yrs": "year",
}
_ABBR = r"([A-Za-z0-9][A-Za-z0-9\-/]{0,12}[A-Za-z0-9]|[A-Z])"
_ABBR_AFTER = re.compile(r"\(\s*" + _ABBR + r"\s*[\),;]")  # long form (ABBR)
_ABBR_BEFORE = re.compile(r"\b" + _ABBR + r"\s*\(([^()]{3,80})\)")  # ABBR (long form)
_WORD = re.compile(r"[A-Za-z0-9]+")


def _is_abbreviation(s: str) -> bool:
    upper = sum(c.isupper() for c in s)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in s) and len(s) <= 6)


def _letters(abbr: str) -> str:
    return "".join(c for c in abbr.lower() if c.isalpha())


def _matches_initials(abbr: str, words: Sequence[str]) -> bool:
    letters = _letters(abbr)
    if not letters or not words:
        return False
    initials = "".join(w[0].lower() for w in words if w)
    return initials.startswith(letters[0]) and sum(c in initials for c in set(letters)) >= max(
        1, int(0.6 * len(set(letters)))
    )


@dataclass
class Lexicon:
    """Abbreviation -> long form (folded words), learnt from a record's texts."""

    abbreviations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def learn(cls, texts: Iterable[str | None]) -> Lexicon:
        found: dict[str, str] = dict(UNIVERSAL_ABBREVIATIONS)
        for text in texts:
            if not text:
                continue
            for m in _ABBR_AFTER.finditer(text):
                abbr = m.group(1)
                if not _is_abbreviation(abbr):
                    continue
                n = len(_letters(abbr))
                before = _WORD.findall(text[max(0, m.start() - 200) : m.start()])
                # the shortest run of preceding words whose initials cover the abbreviation
                for k in range(max(1, n - 2), min(len(before), n + 3) + 1):
                    words = before[-k:]
                    if _matches_initials(abbr, words):
                        found[fold(abbr)] = " ".join(tokens(" ".join(words)))
                        break
            for m in _ABBR_BEFORE.finditer(text):
                abbr, inside = m.group(1), m.group(2)
                words = _WORD.findall(inside)
                if _is_abbreviation(abbr) and _matches_initials(abbr, words):
                    found.setdefault(fold(abbr), " ".join(tokens(inside)))
        return cls(found)

    def expand(self, words: Sequence[str]) -> list[str]:
        out: list[str] = []
        for w in words:
            long = self.abbreviations.get(w)
            if long:
                out.extend(long.split())
            out.append(w)
        return out


# --- what is measured: key terms -----------------------------------------------------------------

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "and",
        "or",
        "nor",
        "as",
        "per",
        "via",
        "into",
        "onto",
        "than",
        "that",
        "this",
        "these",
        "those",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "during",
        "after",
        "before",
        "until",
        "up",
        "down",
        "over",
        "under",
        "between",
        "among",
        "within",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "its",
        "their",
        "his",
        "her",
        "our",
        "your",
        "it",
        "they",
        "we",
        "you",
        "i",
        "he",
        "she",
        "them",
        "there",
        "here",
        "both",
        "each",
        "either",
        "any",
        "all",
        "other",
        "such",
        "same",
        "own",
        "more",
        "most",
        "less",
        "least",
        "very",
        "also",
        "only",
        "not",
        "no",
        "yes",
        "if",
        "then",
        "so",
        "but",
        "about",
        "above",
        "below",
        "again",
        "further",
        "once",
        "using",
        "used",
        "use",
        "based",
        "according",
        "defined",
        "define",
        "definition",
        "including",
        "include",
        "includes",
        "include",
        "included",
        "like",
        "e",
        "g",
        "eg",
        "ie",
        "i",
        "etc",
        "vs",
        "versus",
        "whether",
        "how",
    ]
)
# Words of outcome-title boilerplate that do not name what is measured.
BOILERPLATE = frozenset(
    root(w)
    for w in [
        "number",
        "numbers",
        "percentage",
        "percent",
        "percentages",
        "proportion",
        "proportions",
        "participant",
        "participants",
        "subject",
        "subjects",
        "patient",
        "patients",
        "people",
        "person",
        "persons",
        "individual",
        "individuals",
        "volunteer",
        "volunteers",
        "case",
        "cases",
        "population",
        "measure",
        "measured",
        "measures",
        "measurement",
        "measurements",
        "assess",
        "assessed",
        "assessment",
        "assessments",
        "assessing",
        "evaluate",
        "evaluated",
        "evaluation",
        "evaluating",
        "determine",
        "determined",
        "determination",
        "compare",
        "compared",
        "comparison",
        "comparing",
        "investigate",
        "examine",
        "estimate",
        "estimated",
        "demonstrate",
        "describe",
        "analysis",
        "analyses",
        "analyzed",
        "analyze",
        "primary",
        "secondary",
        "outcome",
        "outcomes",
        "endpoint",
        "endpoints",
        "end",
        "point",
        "points",
        "study",
        "trial",
        "efficacy",
        "effect",
        "effects",
        "objective",
        "aim",
        "purpose",
        "main",
        "overall",
        "total",
        "group",
        "groups",
        "arm",
        "arms",
        "treatment",
        "treatments",
        "treated",
        "therapy",
        "level",
        "levels",
        "value",
        "values",
        "score",
        "scores",
        "rate",
        "rates",
        "change",
        "changes",
        "changed",
        "baseline",
        "reported",
        "report",
        "reporting",
        "record",
        "recorded",
        "data",
        "result",
        "results",
        "observed",
        "observation",
        "occurrence",
        "incidence",
        "frequency",
        "mean",
        "median",
        "average",
        "difference",
        "time",
        "times",
        "period",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "minute",
        "minutes",
        "visit",
        "visits",
        "follow",
        "followup",
        "final",
        "last",
        "first",
        "month",
        "approximately",
        "approx",
        "about",
        "least",
        "grade",
        "grades",
        "cohort",
        "part",
        "phase",
        "stage",
    ]
)


def content_words(text: str | None, lex: Lexicon) -> dict[str, str]:
    """root -> a word of the text, for the content words of ``text`` (abbreviations also
    spelled out)."""
    out: dict[str, str] = {}
    for w in lex.expand(tokens(text)):
        if w in STOPWORDS or w[0].isdigit() or len(w) <= 1 or w in _NUMBER_WORDS:
            continue
        out.setdefault(root(w), w)
    return out


def key_terms(text: str | None, lex: Lexicon) -> dict[str, str]:
    """The words naming the measured variable or instrument (root -> word)."""
    return {r: w for r, w in content_words(text, lex).items() if r not in BOILERPLATE}


# Named instruments and measures: acronyms ("HAM-D", "SF-36", "EQ-5D-5L", "HbA1c") and
# capitalised names ending in an instrument word ("Beck Depression Inventory").
_ACRONYM = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]*[A-Z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*)(?![A-Za-z0-9])"
)
_NAMED = re.compile(
    r"((?:[A-Z][A-Za-z'’-]+\s+){1,5})(?:Scale|Inventory|Questionnaire|Index|Test|Score|"
    r"Assessment|Instrument|Survey|Checklist|Profile)\b"
)
# acronyms that are units, routes, statistics or study words, not instruments
NOT_INSTRUMENTS = frozenset(
    [
        "mg",
        "ml",
        "kg",
        "dl",
        "mmhg",
        "mmol",
        "cm",
        "mm",
        "nm",
        "iu",
        "bid",
        "tid",
        "qd",
        "qid",
        "od",
        "po",
        "iv",
        "im",
        "sc",
        "ci",
        "sd",
        "se",
        "iqr",
        "itt",
        "mitt",
        "pp",
        "pk",
        "ae",
        "aes",
        "sae",
        "saes",
        "teae",
        "teaes",
        "dlt",
        "mtd",
        "rp2d",
        "id",
        "no",
        "nct",
        "fda",
        "ema",
        "who",
        "usa",
        "uk",
        "eu",
        "icu",
        "er",
        "ed",
    ]
)


def instruments(text: str | None) -> set[str]:
    """The named instruments and acronyms of a text, folded ('HAM-D' -> 'hamd')."""
    if not text:
        return set()
    out: set[str] = set()
    for m in _ACRONYM.finditer(text):
        token = m.group(1)
        if sum(c.isupper() for c in token) < 2 or len(token) > 14:
            continue
        folded = re.sub(r"[-/]", "", token.lower())
        if folded in NOT_INSTRUMENTS or folded.isdigit():
            continue
        out.add(folded)
    for m in _NAMED.finditer(text):
        words = m.group(1).split()
        if words and words[0].lower() not in STOPWORDS:
            out.add("".join(w[0].lower() for w in words))
    return out


# --- how it is summarised: aggregation ----------------------------------------------------------

_AGGREGATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "time-to-event",
        re.compile(
            r"\btime (?:to|until|till|from)\b|\btime-to-|\b(?:progression|disease|event|"
            r"recurrence|relapse|metastas[ie]s|failure|leukemia)[- ]free survival\b|"
            r"\boverall survival\b|\bduration of (?:response|remission|disease control)|"
            r"\bkaplan|\bhazard ratio\b|\b(?:pfs|os|dfs|efs|rfs|ttp)\b"
        ),
    ),
    (
        "proportion",
        re.compile(
            r"\b(?:percent(?:age)?|proportion|number|fraction|share|count|rate) of "
            r"(?:the )?(?:participants|patients|subjects|people|persons|individuals|women|men|"
            r"children|infants|responders|eyes|cases|volunteers)\b|"
            r"\b(?:response|remission|responder|success|cure|abstinence|survival|"
            r"clearance|healing|closure|conversion|seroconversion|seroprotection|"
            r"complication|mortality|infection|recurrence|failure|control)[- ]rates?\b|"
            r"\bincidence\b|\bprevalence\b|\b(?:participants|patients|subjects) (?:with|who)\b|"
            r"\bresponders?\b|\bsurvival (?:at|rate)\b|[0-9] ?-?(?:year|month) survival\b|"
            r"\bmortality\b|\bodds\b|\brisk of\b"
        ),
    ),
    (
        "change",
        re.compile(
            r"\b(?:percent(?:age)? )?change[sd]? (?:from|in|of|between|since)\b|"
            r"\bchange from baseline\b|\b(?:reduction|decrease|increase|improvement|decline|"
            r"worsening|difference|reductions|increases|decreases)s? (?:from|in|of)\b|"
            r"\bfrom baseline\b|\bdelta\b"
        ),
    ),
    (
        "duration",
        re.compile(
            r"\blength of (?:[a-z]+ )?stay\b|\b(?:hospital|icu) stay\b|"
            r"\bduration of (?!response|remission|disease control)[a-z]+"
        ),
    ),
    (
        "count",
        re.compile(
            r"\bnumber of (?!participants|patients|subjects|people|persons|individuals|women|"
            r"men|children|infants|responders|eyes|cases|volunteers)[a-z]+|"
            r"\b(?:annuali[sz]ed|annual|yearly|monthly|weekly) (?:[a-z]+ )?rate\b|"
            r"\b(?:relapse|exacerbation|attack|seizure|event|episode|bleed|bleeding|"
            r"hospitali[sz]ation|admission)s? (?:rate|frequency|count)\b|\bfrequency of\b"
        ),
    ),
)
_THRESHOLD = re.compile(r"(?:[<>≤≥]=?|\bat least\b|\bmore than\b|\bless than\b)\s*[0-9]")


def aggregations(text: str | None) -> frozenset[str]:
    """The summary classes a text names: time-to-event, proportion, change, duration, count."""
    t = fold(text)
    if not t:
        return frozenset()
    found = {name for name, pattern in _AGGREGATIONS if pattern.search(t)}
    if (
        "time-to-event" in found
        and "proportion" in found
        and re.search(r"\bsurvival (?:at|rate)\b|[0-9] ?-?(?:year|month) survival\b", t)
    ):
        found.discard("time-to-event")  # "survival at 3 years" is a proportion
    return frozenset(found)


# Classes that are the same summary in other words ("proportion of responders" == "number of
# participants with a response" once results are posted).
_COMPATIBLE: tuple[frozenset[str], ...] = (frozenset({"proportion", "count"}),)


def aggregation_changed(old: frozenset[str], new: frozenset[str]) -> bool:
    """True when both name a summary class and they have nothing in common."""
    if not old or not new or old & new:
        return False
    return not any(old | new <= group for group in _COMPATIBLE)


# --- when it is assessed: time points ------------------------------------------------------------

UNIT_DAYS: dict[str, float] = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 30.44,
    "year": 365.25,
}
_UNIT_WORDS = (
    r"(?P<unit>min(?:ute)?s?|h(?:ou)?rs?|hours?|h|days?|d|weeks?|wks?|wk|w|months?|mos?|mths?|m|"
    r"years?|yrs?|y)"
)
_NUM = r"(?:[0-9]+(?:[.,][0-9]+)?|" + "|".join(_NUMBER_WORDS) + r"|a|an|one|half)"
_NUM_LIST = _NUM + r"(?:\s*(?:,|-|to|and|or|/|&|through|thru)\s*" + _NUM + r")*"
# "12 weeks", "6-8 months", "0, 4, 8 and 12 weeks", "12-week"
_POINTS_BEFORE = re.compile(
    r"(?<![a-z0-9.])(?<![a-z0-9]-)(?P<nums>"
    + _NUM_LIST
    + r")\s*-?\s*"
    + _UNIT_WORDS
    + r"(?![a-z0-9]|-[a-z0-9])"
)
# "Week 12", "weeks 9-12", "Day 1, 8 and 15", "month 6"
_POINTS_AFTER = re.compile(
    r"\b(?P<unit>days?|weeks?|wks?|wk|months?|years?|hours?|cycles?)\s*(?P<nums>"
    + _NUM_LIST
    + r")(?![0-9])"
)
# durations that are not assessment times
_NOT_ASSESSMENT = re.compile(
    r"(?:recruitment|enrol?l?ment|accrual|inclusion|analys[ie]s and reporting|overall|total|"
    r"study|trial|project)\s+(?:period|phase|duration|time)\b[^.;]*|"
    r"(?:overall|total|study|trial|expected) duration\b[^.;]*|"
    r"\b(?:mean|median|average|expected|anticipated|minimum)\s+(?:\w+\s+){0,2}?"
    r"(?:duration|follow[- ]?up|time on (?:study|treatment))\b[^.;]*|"
    r"\bdata cut[- ]?off\b[^.;]*|"
    r"\bcut[- ]?off date\b[^.;]*|"
    r"\b(?:each |one |a )?cycles? (?:is|=|of|lasts?|being)\s*[0-9]+\s*-?\s*days?|"
    r"\b[0-9]+[- ]day (?:treatment )?cycles?|"
    r"\b(?:aged?|age of|ages)\s*(?:between\s*)?[<>≤≥]?\s*[0-9]+[^a-z]*(?:to|-|and)?\s*[<>≤≥]?"
    r"\s*[0-9]*\s*(?:months?|years?|weeks?|days?)|"
    r"[0-9]+\s*(?:months?|years?|weeks?)\s*(?:of age|old|age\b)|"
    r"\bhalf[- ]life\b|"
    r"\bcompared (?:to|with) (?:the )?(?:previous|prior|last)\b[^.;]*|"
    r"\bprevious (?:[0-9]+ )?(?:days?|weeks?|months?)|\bpast (?:[0-9]+ )?(?:days?|weeks?|months?)"
    r"|\bper (?:day|week|month|year)\b|\b[0-9]+[- ](?:hours?|days?) (?:recall|diary|period)\b"
)
_SPLIT_NUMS = re.compile(r"\s*(?:,|-|to|and|or|/|&|through|thru)\s*")


def _unit(word: str) -> str | None:
    w = word.lower()
    if w.startswith("min"):
        return "minute"
    if w in ("h", "hr", "hrs") or w.startswith("hour"):
        return "hour"
    if w in ("d",) or w.startswith("day"):
        return "day"
    if w in ("w", "wk", "wks") or w.startswith("week"):
        return "week"
    if w in ("m", "mo", "mos", "mth", "mths") or w.startswith("month"):
        return "month"
    if w in ("y", "yr", "yrs") or w.startswith("year"):
        return "year"
    return None


def _number(s: str) -> float | None:
    s = s.strip().lower()
    if not s:
        return None
    if s in ("a", "an"):
        return 1.0
    if s == "half":
        return 0.5
    if s in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[s])
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


def time_points(text: str | None) -> list[float]:
    """The assessment times a text names, in days (sorted, unique within 5%)."""
    t = fold(text)
    if not t:
        return []
    t = _NOT_ASSESSMENT.sub(" ", t)
    points: list[float] = []
    taken: list[tuple[int, int]] = []
    for m in _POINTS_AFTER.finditer(t):
        unit = _unit(m.group("unit"))
        if unit is None:  # cycles: no length known here
            taken.append(m.span())
            continue
        for part in _SPLIT_NUMS.split(m.group("nums")):
            v = _number(part)
            if v is not None and v > 0 and not (unit == "day" and v <= 1):
                points.append(v * UNIT_DAYS[unit])
        taken.append(m.span())
    for m in _POINTS_BEFORE.finditer(t):
        if any(a <= m.start() < b for a, b in taken):
            continue
        unit_word = m.group("unit")
        unit = _unit(unit_word)
        if unit is None:
            continue
        # single letters only right after a number ("6m", "12w"), never "5 m" (metres)
        if len(unit_word) == 1 and not re.search(
            r"[0-9]" + unit_word + r"$", m.group(0).replace(" ", "")
        ):
            continue
        for part in _SPLIT_NUMS.split(m.group("nums")):
            v = _number(part)
            if v is not None and v > 0:
                points.append(v * UNIT_DAYS[unit])
    out: list[float] = []
    for p in sorted(points):
        if not out or not same_time(out[-1], p):
            out.append(p)
    return out


def same_time(a: float, b: float) -> bool:
    """Two times in days are the same point: within 10% (3 months == 12 weeks) or half a day."""
    return abs(a - b) <= max(0.5, 0.1 * max(a, b))


def _missing(points: Sequence[float], other: Sequence[float]) -> list[float]:
    return [p for p in points if not any(same_time(p, q) for q in other)]


def days_text(days: float) -> str:
    for unit, size in (("year", 365.25), ("month", 30.44), ("week", 7.0), ("day", 1.0)):
        if days >= size and abs(days / size - round(days / size)) < 0.05:
            n = round(days / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    if days < 1:
        hours = days * 24
        return f"{hours:g} hour{'s' if hours != 1 else ''}"
    return f"{days:.0f} days"


# --- outcomes and their comparison ---------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    section: str  # primary | secondary | other
    position: int
    measure: str = ""
    time_frame: str = ""
    description: str = ""

    @property
    def label(self) -> str:
        return f"{self.section} outcome {self.position + 1}"

    def text(self) -> str:
        return " ".join(x for x in (self.measure, self.time_frame, self.description) if x)


@dataclass(frozen=True)
class Change:
    """One change between two versions of an outcome list.

    ``kind``: added | removed | demoted | promoted | measure | aggregation | timing | reworded.
    ``section``: the list the rule is about (primary | secondary). ``column``: the field of the
    new outcome (or the old one, for removed) that carries the change."""

    kind: str
    section: str
    old: Outcome | None
    new: Outcome | None
    detail: str
    column: str = "measure"


@dataclass
class _Profile:
    outcome: Outcome
    measure_text: str  # the measure's words, abbreviations spelled out
    measure_key: dict[str, str]  # root -> word
    desc_key: dict[str, str]
    all_words: set[str]  # roots of every content word of the outcome
    all_text: str  # folded words of the whole outcome
    points: list[float]
    has_time_text: bool
    aggregation: frozenset[str]
    norm: str
    instruments: set[str]  # of the title
    mentions: set[str]  # every acronym or instrument of the whole outcome, and its initials


def _merge(points: Iterable[float]) -> list[float]:
    out: list[float] = []
    for p in sorted(points):
        if not out or not same_time(out[-1], p):
            out.append(p)
    return out


def _profile(o: Outcome, lex: Lexicon) -> _Profile:
    # assessment times: the time frame's, and those the title names (a day or longer: minutes
    # and hours in a title describe a test procedure: "20-minute glucagon stimulation test")
    points = time_points(o.time_frame) + [p for p in time_points(o.measure) if p >= 1]
    if not o.time_frame.strip():
        points += [p for p in time_points(o.description) if p >= 1]
    words = tokens(o.text())
    return _Profile(
        outcome=o,
        measure_text=" ".join(lex.expand(tokens(o.measure))),
        measure_key=key_terms(o.measure, lex),
        desc_key=key_terms(o.description, lex),
        all_words=set(content_words(o.text(), lex)),
        all_text=" ".join(words),
        points=_merge(points),
        has_time_text=bool(o.time_frame.strip()),
        aggregation=aggregations(o.measure) or aggregations(o.description[:300]),
        norm=" ".join(words),
        instruments=instruments(o.measure),
        mentions=instruments(o.text()) | _initial_runs(words),
    )


def _initial_runs(words: Sequence[str], longest: int = 6) -> set[str]:
    """Initials of every run of 2..``longest`` consecutive words: what an acronym of the text
    could stand for ('beck depression inventory' -> 'bdi')."""
    initials = [w[0] for w in words if w and not w[0].isdigit()]
    return {
        "".join(initials[i : i + k])
        for k in range(2, longest + 1)
        for i in range(len(initials) - k + 1)
    }


def _containment(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / (min(len(sa), len(sb)) + 1)


def similarity(a: _Profile, b: _Profile) -> float:
    """How likely two outcomes are the same outcome, 0..1 (content, not position)."""
    if a.norm == b.norm:
        return 1.0
    title = (
        fuzz.token_set_ratio(a.measure_text, b.measure_text) / 100
        if a.measure_text and b.measure_text
        else 0.0
    )
    ka, kb = set(a.measure_key), set(b.measure_key)
    # the title's terms found anywhere in the other outcome (a title may move into a description)
    cover = 0.0
    if ka and kb:
        inter = len(ka & b.all_words) + len(kb & a.all_words)
        cover = inter / (len(ka) + len(kb))
    contained = _containment(ka, kb)
    return max(0.6 * title + 0.4 * cover, cover, contained)


MATCH = 0.5  # lowest similarity at which two outcomes are taken for the same outcome
SPLIT = 0.45  # lowest similarity of an unpaired outcome to a paired one for a split or merge


def _rank(section: str) -> int:
    return 0 if section == "primary" else 1


def _time_overlap(a: _Profile, b: _Profile) -> float:
    if not a.points or not b.points:
        return 0.0
    return 1.0 - (len(_missing(a.points, b.points)) + len(_missing(b.points, a.points))) / (
        len(a.points) + len(b.points)
    )


def compare(
    old: Sequence[Outcome], new: Sequence[Outcome], lex: Lexicon | None = None
) -> list[Change]:
    """The changes from the ``old`` outcome list to the ``new`` one (all sections)."""
    if lex is None:
        lex = Lexicon.learn([o.text() for o in (*old, *new)])
    po = [_profile(o, lex) for o in old]
    pn = [_profile(o, lex) for o in new]
    scores: list[tuple[float, int, int]] = []
    for i, a in enumerate(po):
        for j, b in enumerate(pn):
            s = similarity(a, b)
            if s < SPLIT:
                continue
            bonus = 0.05 if _rank(a.outcome.section) == _rank(b.outcome.section) else 0.0
            bonus += 0.03 * _time_overlap(a, b)
            bonus -= 0.002 * abs(a.outcome.position - b.outcome.position)
            scores.append((s + bonus, i, j))
    scores.sort(key=lambda x: -x[0])
    pair_of_old: dict[int, int] = {}
    pair_of_new: dict[int, int] = {}
    for s, i, j in scores:
        if i in pair_of_old or j in pair_of_new or s < MATCH:
            continue
        pair_of_old[i], pair_of_new[j] = j, i
    # splits (one old outcome became several) and merges (several became one)
    extra_new: dict[int, int] = {}
    extra_old: dict[int, int] = {}
    for _, i, j in scores:
        same = _rank(po[i].outcome.section) == _rank(pn[j].outcome.section)
        if not same:
            continue
        if j not in pair_of_new and j not in extra_new and i in pair_of_old:
            extra_new[j] = i
        elif i not in pair_of_old and i not in extra_old and j in pair_of_new:
            extra_old[i] = j

    changes: list[Change] = []
    for i, a in enumerate(po):
        o = a.outcome
        if i in pair_of_old:
            changes += _pair_changes(a, pn[pair_of_old[i]], lex)
        elif i not in extra_old:  # (else merged into a paired outcome)
            section = "primary" if o.section == "primary" else "secondary"
            changes.append(
                Change("removed", section, o, None, f"'{_short(o.measure)}' is no longer listed")
            )
    for j, b in enumerate(pn):
        n = b.outcome
        if j in extra_new:
            changes += [
                c
                for c in _pair_changes(po[extra_new[j]], b, lex)
                if c.kind not in ("demoted", "promoted", "reworded")
            ]
        elif j not in pair_of_new:
            section = "primary" if n.section == "primary" else "secondary"
            changes.append(Change("added", section, None, n, f"'{_short(n.measure)}' is new"))
    return changes


def _short(text: str, n: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _pair_changes(a: _Profile, b: _Profile, lex: Lexicon) -> list[Change]:
    o, n = a.outcome, b.outcome
    out: list[Change] = []
    if _rank(o.section) != _rank(n.section):
        kind = "demoted" if o.section == "primary" else "promoted"
        where = "secondary" if kind == "demoted" else "primary"
        out.append(Change(kind, "primary", o, n, f"'{_short(o.measure)}' is now a {where} outcome"))
        if kind == "demoted":
            return out
    if a.norm == b.norm:
        return out
    section = "primary" if n.section == "primary" else "secondary"
    found = False
    measure = measurement_change(a, b, lex)
    if measure:
        out.append(Change("measure", section, o, n, measure, "measure"))
        found = True
    if aggregation_changed(a.aggregation, b.aggregation):
        out.append(
            Change(
                "aggregation",
                section,
                o,
                n,
                f"summarised as {' / '.join(sorted(b.aggregation))}, was "
                f"{' / '.join(sorted(a.aggregation))}",
                "measure",
            )
        )
        found = True
    timing = timing_change(a, b)
    if timing:
        out.append(Change("timing", section, o, n, timing, "time_frame"))
        found = True
    if not found:
        out.append(Change("reworded", section, o, n, "reworded; what, how and when are the same"))
    return out


# how a measurement is made: "measured by", "assessed using", "according to"
_METHOD = re.compile(
    r"(?i)\b(?:measured|assessed|evaluated|determined|quantified|scored|rated|graded|confirmed|"
    r"detected|documented|adjudicated|read)\s+(?:by|using|with|via|through|on|according to|per)"
    r"\b\s*(?:the\s+|a\s+|an\s+)?(?P<what>[^.;:,(]{3,80})"
)
_ANALYSIS = re.compile(
    r"\b(?:analys[ie]s|analy[sz]ed|algorithm|population|intent(?:ion)?[- ]to[- ]treat|itt|"
    r"statistic|model|imputation|method|snapshot|investigator|sponsor|site|visit)"
)
DEFINITION_TERMS = 15  # new terms a description must add to count as a new definition


def _expanded_abbreviation(word: str, text: str) -> bool:
    """A short word is spelled out in ``text`` by words whose initials it is ('lv' ->
    'left ventricular')."""
    letters = [c for c in word if c.isalpha()]
    if not 2 <= len(letters) <= 6:
        return False
    initials = "".join(w[0] for w in text.split() if w)
    return "".join(letters) in initials


def measurement_change(a: _Profile, b: _Profile, lex: Lexicon) -> str:
    """What measured variable or instrument changed, in words ('' when none did)."""
    gained = {r: w for r, w in b.measure_key.items() if r not in a.all_words}
    lost = {r: w for r, w in a.measure_key.items() if r not in b.all_words}
    gained = {r: w for r, w in gained.items() if not _expanded_abbreviation(w, a.all_text)}
    lost = {r: w for r, w in lost.items() if not _expanded_abbreviation(w, b.all_text)}
    replaced = (
        gained
        and lost
        and len(gained) >= 0.4 * len(b.measure_key)
        and len(lost) >= 0.4 * len(a.measure_key)
    )
    if gained and lost and len(gained) >= 0.5 * len(b.measure_key):
        replaced = True  # the new title names mostly other things
    if replaced:
        return (
            f"now measures {', '.join(sorted(gained.values()))} instead of "
            f"{', '.join(sorted(lost.values()))}"
        )
    # another named instrument: one the old title names is gone, and the new title names one
    # the old outcome never mentions
    gone = {i for i in a.instruments if not _mentioned(i, b)}
    came = {i for i in b.instruments if not _mentioned(i, a)}
    if gone and came:
        return f"now measured with {', '.join(sorted(came))}, was {', '.join(sorted(gone))}"
    new_text = (b.outcome.description or "") + " . " + (b.outcome.measure or "")
    if not _METHOD.search(fold(a.outcome.text())):
        for m in _METHOD.finditer(new_text):
            what = m.group("what")
            if _ANALYSIS.search(fold(what)):
                continue
            terms = {r for r in key_terms(what, lex) if r not in a.all_words}
            if not terms:
                continue
            return f"now says how it is measured: {' '.join(what.split())[:80]}"
    defined = {r: w for r, w in b.desc_key.items() if r not in a.all_words}
    if len(defined) >= DEFINITION_TERMS:
        return (
            "the description now defines what is measured ("
            + ", ".join(sorted(defined.values())[:8])
            + ", …)"
        )
    return ""


def _mentioned(instrument: str, p: _Profile) -> bool:
    """An instrument is mentioned by an outcome: its acronym, its letters (digits aside) as an
    acronym or as the initials of some words of the outcome."""
    if instrument in p.mentions or instrument in p.all_text.split():
        return True
    letters = re.sub(r"[0-9]", "", instrument)
    return len(letters) >= 2 and (
        letters in p.mentions or any(re.sub(r"[0-9]", "", m) == letters for m in p.mentions)
    )


_CALENDAR = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+([0-9]{4})\b|"
    r"\b([0-9]{4})-([0-9]{2})\b"
)


def calendar_dates(text: str | None) -> set[str]:
    """Calendar months a time frame names ('June 2010', '2010-06')."""
    out = set()
    for m in _CALENDAR.finditer(fold(text)):
        out.add(f"{m.group(1)} {m.group(2)}" if m.group(1) else f"{m.group(3)}-{m.group(4)}")
    return out


def timing_change(a: _Profile, b: _Profile) -> str:
    pa, pb = a.points, b.points
    # times under a day (sampling schedules: "0, 0.5, 1, 3 hours post-dose") count only when
    # neither version names a time of a day or more
    if any(p >= 1 for p in pa) or any(p >= 1 for p in pb):
        pa, pb = [p for p in pa if p >= 1], [p for p in pb if p >= 1]
    ca, cb = calendar_dates(a.outcome.time_frame), calendar_dates(b.outcome.time_frame)
    if ca and cb and ca != cb:
        return f"time frame now {b.outcome.time_frame.strip()[:60]!r}, was {a.outcome.time_frame.strip()[:60]!r}"
    if not pa and not pb:
        return ""
    now = ", ".join(days_text(p) for p in pb)
    was = ", ".join(days_text(p) for p in pa)
    if not pa:
        if a.has_time_text:
            return f"a time is now given: {now} (the time frame was {a.outcome.time_frame.strip()[:60]!r})"
        return f"a time frame is now given: {now}"
    if not pb:
        return f"no time point any more (was {was})"
    lost = _missing(pa, pb)
    gained = _missing(pb, pa)
    if not lost and not gained:
        return ""
    return f"assessed at {now}, was {was}"
