"""The language of outcome measures, for comparing two versions of a record's outcome lists.

An outcome measure says *what* is measured (a variable or instrument: "HbA1c", "Beck Depression
Inventory"), *how* it is summarised (its aggregation: change from baseline, proportion of
participants, time to an event, a rate) and *when* (its time points: "Week 12", "12 weeks",
"Day 85" are one point, 84 days within 3%; "3 months", 91 days, is another). This module models
each of the three, so that a new version of an outcome can be told apart from a reworded one:

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

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .patterns import LazyPattern

# --- text normalisation --------------------------------------------------------------------------

_SPELLING: tuple[tuple[LazyPattern, str], ...] = (
    (LazyPattern(r"(?<=[a-z])is(ation|e|ed|es|ing)(?=[^a-z]|$)"), r"iz\1"),
    (LazyPattern(r"(?<=[a-z])ys(e|ed|es|is|ing)(?=[^a-z]|$)"), r"yz\1"),
    (LazyPattern(r"haem"), "hem"),
    (LazyPattern(r"(?<=[a-z])aem"), "em"),
    (LazyPattern(r"oedema"), "edema"),
    (LazyPattern(r"oesophag"), "esophag"),
    (LazyPattern(r"tumour"), "tumor"),
    # -our words only (never "hour", "four", "your", "pour", "tour")
    (
        LazyPattern(
            r"(?<![a-z])(behavi|col|fav|hon|hum|lab|od|tum|vap|rum|neighb|harb|flav|vig|rig|sav|"
            r"endeav|arm|ferv|splend|ranc|clam)our(?=s?(?:[^a-z]|$)|ed|ing|ite|able)"
        ),
        r"\1or",
    ),
    (LazyPattern(r"(?<=[a-z])tre(s?)(?=[^a-z]|$)"), r"ter\1"),
    (LazyPattern(r"paediatr"), "pediatr"),
    (LazyPattern(r"questionn?aire"), "questionnaire"),
    (LazyPattern(r"randomi[sz]ation"), "randomization"),
)
_TOKEN = LazyPattern(r"[0-9]+[.,][0-9]+|[a-z0-9]+")
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
    return _fold(text)


@functools.lru_cache(maxsize=1 << 15)
def _fold(text: str) -> str:
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
_ABBR_AFTER = LazyPattern(r"\(\s*" + _ABBR + r"\s*[\),;]")  # long form (ABBR)
_ABBR_BEFORE = LazyPattern(r"\b" + _ABBR + r"\s*\(([^()]{3,80})\)")  # ABBR (long form)
_WORD = LazyPattern(r"[A-Za-z0-9]+")


def _is_abbreviation(s: str) -> bool:
    upper = sum(c.isupper() for c in s)
    return upper >= 2 or (upper >= 1 and any(c.isdigit() for c in s) and len(s) <= 6)


def _letters(abbr: str) -> str:
    return "".join(c for c in abbr.lower() if c.isalpha())


def long_form(abbr: str, text: str) -> str | None:
    """The shortest ending of ``text`` that ``abbr`` abbreviates (Schwartz & Hearst 2003): every
    letter and digit of the abbreviation is found in order, right to left, and its first one
    starts a word. 'forced expiratory volume in 1 second' for 'FEV1'; None when none is."""
    short = [c for c in abbr.lower() if c.isalnum()]
    low = text.lower()
    if not short or not low.strip():
        return None
    li = len(low) - 1
    for si in range(len(short) - 1, -1, -1):
        c = short[si]
        while li >= 0 and (low[li] != c or (si == 0 and li > 0 and low[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
    start = li + 1
    while start > 0 and low[start - 1].isalnum():
        start -= 1
    out = text[start:].strip()
    return out or None


# a version or item count at the end of an instrument's abbreviation ("ADHD-RS-IV", "PHQ-9",
# "BDI-II", "RECIST v1.1"): not letters of its long form
_VERSION = LazyPattern(
    r"(?:[-\s]?(?:v(?:ersion)?\s?)?[0-9]+(?:\.[0-9]+)*|[-\s](?:I{1,3}|IV|VI{0,3}))$"
)


_COMPOUND = LazyPattern(r"[0-9]+[.,][0-9]+|[a-z0-9]+(?:[-/][a-z0-9]+)*")


_NOT_ALNUM = LazyPattern(r"[^a-z0-9]")


def _key(abbr: str) -> str:
    """An abbreviation as a lexicon key: folded, letters and digits only ('HAM-D' -> 'hamd')."""
    return _NOT_ALNUM.sub("", fold(abbr))


_CLAUSE_END = LazyPattern(r"[.;:!?](?:\s|$)")


def _words_before(text: str, end: int, n: int) -> str:
    """The last ``n`` words of ``text[:end]`` within its sentence (the window a long form is
    looked for in: a long form does not run across a full stop, a semicolon or a colon)."""
    begin = max(0, end - 300)
    for m in _CLAUSE_END.finditer(text, begin, end):
        begin = m.end()
    words = list(_WORD.finditer(text, begin, end))
    if not words:
        return ""
    return text[words[max(0, len(words) - n)].start() : end]


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
            for m in _ABBR_AFTER.finditer(text):  # long form (ABBR)
                abbr = m.group(1)
                if not _is_abbreviation(abbr):
                    continue
                n = len([c for c in abbr if c.isalnum()])
                window = _words_before(text, m.start(), min(n + 5, 2 * n))
                lf = long_form(abbr, window) or long_form(_VERSION.sub("", abbr), window)
                # a long form never contains its abbreviation ('the OSDI and the SPEED ... (OSDI)')
                if lf and len(tokens(lf)) > 1 and _key(abbr) not in tokens(lf):
                    found[_key(abbr)] = " ".join(tokens(lf))
            for m in _ABBR_BEFORE.finditer(text):  # ABBR (long form)
                abbr, inside = m.group(1), m.group(2)
                if not _is_abbreviation(abbr):
                    continue
                lf = long_form(abbr, inside)
                # the whole parenthesis must be the long form (its first word starts it)
                if lf and lf.split()[0].lower() == inside.split()[0].lower():
                    found.setdefault(_key(abbr), " ".join(tokens(inside)))
        return cls(found)

    def words(self, text: str | None) -> list[str]:
        """The folded words of ``text``, each abbreviation followed by its long form's words
        (hyphenated ones too: 'ADHD-RS-IV')."""
        out: list[str] = []
        for m in _COMPOUND.finditer(fold(text)):
            parts = _TOKEN.findall(m.group(0))
            long = self.abbreviations.get(_NOT_ALNUM.sub("", m.group(0)))
            for w in parts:
                out.append(w)
                if long is None and len(parts) > 1:
                    part_long = self.abbreviations.get(w)
                    if part_long:
                        out.extend(part_long.split())
            if long:
                out.extend(long.split())
            elif len(parts) == 1:
                one = self.abbreviations.get(parts[0])
                if one:
                    out.extend(one.split())
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
        "through",
        "throughout",
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
        "frame",
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
        # the direction of a change the study hopes for: how it is summarised, not what is
        # measured ("a reduction in HF hospitalizations", "improvement of dry eye symptoms")
        "reduction",
        "reductions",
        "reduce",
        "reduced",
        "reducing",
        "increase",
        "increased",
        "increasing",
        "decrease",
        "decreased",
        "decreasing",
        "improvement",
        "improvements",
        "improve",
        "improved",
        "improving",
        "decline",
        # a co-primary endpoint is a primary endpoint ("Co-primary: progression-free survival")
        "co",
        "coprimary",
        # anchors of time points: when, not what ("post-randomization", "after enrollment")
        "randomization",
        "randomized",
        "enrollment",
        "enrolment",
        "post",
        "pre",
        # doses and regimens: how it is given, not what is measured
        "dose",
        "doses",
        "dosing",
        "multiple",
        "single",
        "regimen",
        "administration",
        "administered",
        # units
        "ml",
        "mg",
        "kg",
        "dl",
        "mmhg",
        "hg",
        "mm",
        "cm",
        "sec",
        "second",
        "seconds",
        "unit",
        "units",
        "volt",
        "volts",
        "millivolt",
        "millivolts",
        "gram",
        "grams",
        "milligram",
        "milligrams",
        "microgram",
        "micrograms",
        "kilogram",
        "kilograms",
        "liter",
        "liters",
        "litre",
        "litres",
        "milliliter",
        "milliliters",
        "millilitre",
        "millilitres",
        "millimeter",
        "millimeters",
        "millimetre",
        "millimetres",
        "centimeter",
        "centimeters",
        "centimetre",
        "centimetres",
        "meter",
        "meters",
        "metre",
        "metres",
    ]
)


def content_words(text: str | None, lex: Lexicon) -> dict[str, str]:
    """root -> a word of the text, for the content words of ``text`` (abbreviations also
    spelled out)."""
    out: dict[str, str] = {}
    for w in lex.words(text):
        if w in STOPWORDS or w[0].isdigit() or len(w) <= 1 or w in _NUMBER_WORDS:
            continue
        out.setdefault(root(w), w)
    return out


# a drug or compound code ("ACC-001", "MDX-010", "CAM2029"): letters and three digits in a row
_CODE_WORD = LazyPattern(r"(?<![A-Za-z0-9])[A-Za-z]+-?[0-9]{3,}[A-Za-z0-9]*(?![A-Za-z0-9])")


def key_terms(text: str | None, lex: Lexicon) -> dict[str, str]:
    """The words naming the measured variable or instrument (root -> word): no boilerplate,
    units or drug codes."""
    text = _CODE_WORD.sub(" ", text or "")
    return {r: w for r, w in content_words(text, lex).items() if r not in BOILERPLATE}


# Named instruments and measures: acronyms ("HAM-D", "SF-36", "EQ-5D-5L", "HbA1c", "eGFR") and
# capitalised names ending in an instrument word ("Beck Depression Inventory").
_ACRONYM = LazyPattern(r"(?<![A-Za-z0-9])([A-Za-z0-9]+(?:[-/][A-Za-z0-9]+)*)(?![A-Za-z0-9])")
_INSTRUMENT_WORDS = (
    r"Scale|Inventory|Questionnaire|Index|Test|Score|Assessment|Instrument|Survey|Checklist|"
    r"Profile|Criteria|Classification|Schedule|Battery|Rating|Measure"
)
_NAMED = LazyPattern(
    r"((?:[A-Z][A-Za-z'’]*(?:-[A-Za-z]+)*\s+(?:(?:of|for|the|and|in)\s+)?){1,10})("
    + _INSTRUMENT_WORDS
    + r")\b"
)
# words that start no instrument name ("Change From Baseline in Total Score", "Mean Score")
_NOT_NAME_WORDS = frozenset(
    [
        "change",
        "from",
        "baseline",
        "in",
        "total",
        "mean",
        "median",
        "overall",
        "percent",
        "percentage",
        "number",
        "of",
        "the",
        "a",
        "an",
        "primary",
        "secondary",
        "endpoint",
        "outcome",
        "with",
        "and",
        "at",
        "week",
        "day",
        "month",
        "year",
        "time",
        "composite",
        "final",
        "difference",
        "improvement",
        "reduction",
        "increase",
        "decrease",
        "absolute",
        "relative",
        "adjusted",
        "global",
        "average",
        "maximum",
        "minimum",
        "summary",
        "score",
        "scores",
        "sum",
    ]
)
# words after which an instrument's name starts
_BEFORE_NAME_WORDS = frozenset(
    [
        "baseline",
        "from",
        "in",
        "with",
        "by",
        "using",
        "on",
        "at",
        "achieving",
        "achieved",
        "participants",
        "patients",
        "subjects",
        "versus",
        "vs",
    ]
)
# acronyms that are units, routes, statistics, analysis sets, regulators or study words, not
# instruments
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
        "ug",
        "mcg",
        "ng",
        "pg",
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
        "sem",
        "iqr",
        "itt",
        "mitt",
        "pp",
        "pps",
        "fas",
        "saf",
        "locf",
        "bocf",
        "nri",
        "mmrm",
        "ancova",
        "anova",
        "km",
        "hr",
        "or",
        "rr",
        "pk",
        "pd",
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
        "ich",
        "gcp",
        "crf",
        "ecrf",
        "dsmb",
        "idmc",
        "irb",
        "usa",
        "uk",
        "eu",
        "icu",
        "er",
        "ed",
        "ii",
        "iii",
        "vi",
        "eot",
        "eos",
        "fu",
        "bl",
        "wk",
        "vs",
        "eg",
        "ie",
        "ms",
        "ns",
        "ok",
        "tbd",
        "na",
    ]
)
# a drug or compound code ("ACC-001", "MDX-010", "CAM2029"): three digits in a row
_CODE = LazyPattern(r"[0-9]{3}")


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters) and len(token) <= 16


def instrument_key(token: str) -> str:
    """An instrument as a key: folded letters and digits, without a version ('HAM-D' -> 'hamd',
    'BDI-II' -> 'bdi', 'RECIST v1.1' -> 'recist'; an item count stays: 'PHQ-9' -> 'phq9')."""
    return _key(_ROMAN_VERSION.sub("", token)) or _key(token)


_ROMAN_VERSION = LazyPattern(
    r"(?:[-\s](?:I{1,3}|IV|VI{0,3})|[-\s]?v(?:ersion)?\s?[0-9]+(?:\.[0-9]+)*)$"
)


def instruments(text: str | None, lex: Lexicon | None = None) -> dict[str, tuple[str, ...]]:
    """The named instruments and acronyms of a text: key -> the words of its long form where
    known ('HAM-D' -> 'hamd': ('hamilton', 'depression', 'rating', 'scale'))."""
    if not text:
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for m in _ACRONYM.finditer(text):
        token = m.group(1)
        if not _is_acronym(token) or _CODE.search(token):
            continue
        key = instrument_key(token)
        if key in NOT_INSTRUMENTS or key.isdigit() or len(key) < 2:
            continue
        long = lex.abbreviations.get(key) if lex is not None else None
        out[key] = tuple(long.split()) if long else ()
    for m in _NAMED.finditer(text):
        words = m.group(1).split()
        # a name starts after what a Title Case title says before it ("Change From Open-Label
        # Baseline in ...", "Participants Achieving ...")
        cut = [i for i, w in enumerate(words) if w.lower() in _BEFORE_NAME_WORDS]
        if cut:
            words = words[cut[-1] + 1 :]
        while words and words[0].lower() in _NOT_NAME_WORDS | STOPWORDS:
            words = words[1:]
        if any(_is_acronym(w) for w in words):
            continue  # an acronym and its score ('WFIRS-P Global Score'): the acronym names it
        name = [*words, m.group(2)]
        content = [w for w in name if w.lower() not in STOPWORDS]
        if len(content) < 2:
            continue
        key = "".join(w[0].lower() for w in content)
        if key not in out:
            out[key] = tuple(tokens(" ".join(name)))
    return out


# --- how it is summarised: aggregation ----------------------------------------------------------

# survival at a landmark time is a proportion ("survival at 3 years", "survival at month 12",
# "2-year survival", "survival rate"); "survival at the end of the study" is still time to death
_LANDMARK_SURVIVAL = (
    r"\bsurvival rate\b|\bsurvival (?:at|to) (?:(?:day|week|month|year)s? )?(?:[0-9]|one|two|"
    r"three|four|five|six|ten|twelve)|[0-9] ?-?(?:year|month) survival\b"
)
_AGGREGATIONS: tuple[tuple[str, LazyPattern], ...] = (
    (
        "time-to-event",
        LazyPattern(
            r"\btime (?:to|until|till|from)\b|\btime-to-|\b(?:progression|disease|event|"
            r"recurrence|relapse|metastas[ie]s|failure|leukemia)[- ]free survival\b|"
            r"\boverall survival\b|\bduration of (?:response|remission|disease control)|"
            r"\bkaplan|\bhazard ratio\b|\b(?:pfs|os|dfs|efs|rfs|ttp)\b"
        ),
    ),
    (
        "proportion",
        LazyPattern(
            r"\b(?:percent(?:age)?s?|proportions?|numbers?|fractions?|share|count|rate) of "
            r"(?:the )?(?:participants|patients|subjects|people|persons|individuals|women|men|"
            r"children|infants|responders|eyes|cases|volunteers)\b|"
            r"\b(?:response|remission|responder|success|cure|abstinence|survival|"
            r"clearance|healing|closure|conversion|seroconversion|seroprotection|"
            r"complication|mortality|infection|recurrence|failure|control)[- ]rates?\b|"
            r"\bincidence\b|\bprevalence\b|\b(?:participants|patients|subjects) (?:with|who)\b|"
            r"\bresponders?\b|" + _LANDMARK_SURVIVAL + r"|"
            r"\bmortality\b|\bodds\b|\brisk of\b|\b[a-z]+[- ]free (?:rate|proportion)\b|"
            r"\bratio of (?:the )?(?:participants|patients|subjects)\b"
        ),
    ),
    (
        "change",
        LazyPattern(
            r"\b(?:percent(?:age)? )?change[sd]? (?:from|in|of|between|since)\b|"
            r"\bchange from baseline\b|\b(?:reduction|decrease|increase|improvement|decline|"
            r"worsening|difference|reductions|increases|decreases)s? (?:from|in|of)\b|"
            r"\bfrom baseline\b|\bdelta\b|"
            r"\b(?:reduction|decrease|increase|improvement|decline)\b(?!\s+(?:of|in|from)\b)"
        ),
    ),
    (
        "duration",
        LazyPattern(
            r"\blength of (?:[a-z]+ )?stay\b|\b(?:hospital|icu) stay\b|"
            r"\bduration of (?!response|remission|disease control)[a-z]+"
        ),
    ),
    (
        "count",
        LazyPattern(
            r"\bnumber of (?!participants|patients|subjects|people|persons|individuals|women|"
            r"men|children|infants|responders|eyes|cases|volunteers)[a-z]+|"
            r"\b(?:annuali[sz]ed|annual|yearly|monthly|weekly) (?:[a-z]+ )?rate\b|"
            r"\b(?:relapse|exacerbation|attack|seizure|event|episode|bleed|bleeding|"
            r"hospitali[sz]ation|admission)s? (?:rate|frequency|count)\b|\bfrequency of\b|"
            r"\bexposure[- ]adjusted\b|\bincidence rate\b|"
            r"\b(?:per )?(?:[0-9]+ )?(?:patient|person|subject|participant)[- ]years?\b"
        ),
    ),
)
_THRESHOLD = LazyPattern(r"(?:[<>≤≥]=?|\bat least\b|\bmore than\b|\bless than\b)\s*[0-9]")


def aggregations(text: str | None) -> frozenset[str]:
    """The summary classes a text names: time-to-event, proportion, change, duration, count."""
    t = fold(text)
    if not t:
        return frozenset()
    found = {name for name, pattern in _AGGREGATIONS if pattern.search(t)}
    if "time-to-event" in found and "proportion" in found and re.search(_LANDMARK_SURVIVAL, t):
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
    r"(?P<unit>min(?:ute)?s?|h(?:ou)?rs?|hours?|h|days?|d|nights?|weeks?|wks?|wk|w|months?|mos?|"
    r"mths?|m|years?|yrs?|y)"
)
_NUM = r"(?:[0-9]+(?:[.,][0-9]+)?|" + "|".join(_NUMBER_WORDS) + r"|a|an|one|half)"
_NUM_LIST = _NUM + r"(?:\s*(?:,|-|to|and|or|/|&|through|thru)\s*" + _NUM + r")*"
# "12 weeks", "6-8 months", "0, 4, 8 and 12 weeks", "12-week"
_POINTS_BEFORE = LazyPattern(
    r"(?<![a-z0-9.])(?<![a-z0-9]-)(?P<nums>"
    + _NUM_LIST
    + r")\s*-?\s*"
    + _UNIT_WORDS
    + r"(?![a-z0-9]|-(?!follow|fu(?![a-z]))[a-z0-9])"
)
# "Week 12", "weeks 9-12", "Day 1, 8 and 15", "month 6", "Day +30" (days after a transplant),
# "W24"
_POINTS_AFTER = LazyPattern(
    r"\b(?P<unit>days?|weeks?|wks?|wk|w|months?|years?|hours?|cycles?)\s*\+?\s*(?P<nums>"
    + _NUM_LIST
    + r")(?![0-9a-z])"
)
# durations that are not assessment times
_NOT_ASSESSMENT = LazyPattern(
    r"(?:recruitment|enrol?l?ment|accrual|inclusion|analys[ie]s and reporting|overall|total|"
    r"study|trial|project)\s+(?:period|phase|duration|time)\b[^.;]*|"
    r"(?:overall|total|study|trial|expected) duration\b[^.;]*|"
    r"\b(?:an |on )?(?:average|mean|median) of (?:about |approximately )?[0-9.]+\s*[a-z]+|"
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
    # the day or week a time frame names as its baseline ("Baseline (Week 1)", "Day 1
    # (baseline)"): the reference of a change, not a time it is assessed at
    r"|\bbaseline\s*[(\[]\s*(?:visit\s*[0-9]+\s*,\s*)?(?:day|week|wk|month)\s*-?[0-9]+\s*[)\]]"
    r"|\b(?:day|week|wk|month)\s*-?[0-9]+\s*[(\[]\s*baseline\b"
)
_SPLIT_NUMS = LazyPattern(r"\s*(?:,|-|to|and|or|/|&|through|thru)\s*")


def _unit(word: str) -> str | None:
    w = word.lower()
    if w.startswith("min"):
        return "minute"
    if w in ("h", "hr", "hrs") or w.startswith("hour"):
        return "hour"
    if w in ("d",) or w.startswith(("day", "night")):
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


# a sentence that gives when the measure is taken ("The BAD scale will be completed at baseline,
# months 6, 12 and 18", "assessed at weeks 4, 8 and 12")
_SCHEDULE = LazyPattern(
    r"\b(?:assessed|measured|evaluated|completed|collected|performed|recorded|obtained|taken|"
    r"done|administered|determined|scored|rated|repeated|drawn)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:at|on|after|during|in|before)\b"
)


def schedule_points(text: str | None) -> list[float]:
    """The assessment times a description gives in a sentence that says when the measure is
    taken (the other times of a description are often of something else: a treatment, a
    washout, a definition's duration)."""
    out: list[float] = []
    for sentence in _SENTENCE.split(text or ""):
        if _SCHEDULE.search(fold(sentence)):
            out += time_points(sentence)
    return out


def same_time(a: float, b: float) -> bool:
    """Two times in days are the same point once their units are converted: within 3% or half
    a day ('Day 85' == 'Week 12', '1 year' == '52 weeks', '6 months' == '26 weeks'), but
    '3 months' (91 days) is not '12 weeks' (84 days), nor '18 months' '17 months'."""
    return abs(a - b) <= max(0.5, 0.03 * max(a, b))


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
class _Mentions:
    """What a text names, for asking whether it mentions an instrument or variable: its
    instruments' keys, the initials of its runs of words (an acronym spelled out), its words."""

    keys: set[str] = field(default_factory=set)
    initials: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # roots of its content words
    tokens: set[str] = field(default_factory=set)  # its folded words

    def __or__(self, other: _Mentions) -> _Mentions:
        return _Mentions(
            self.keys | other.keys,
            self.initials | other.initials,
            self.words | other.words,
            self.tokens | other.tokens,
        )

    def names(self, key: str, long: Sequence[str] = ()) -> bool:
        """The text names instrument ``key`` (long form ``long``): by its acronym (another
        version of it too), spelled out, or by the words of its long form."""
        if key in self.tokens or key in self.keys:
            return True
        # another item count or version of it ('PHQ-9', 'PHQ-8'), or spelled out
        letters = re.sub(r"[0-9]", "", key)
        if len(letters) >= 2 and (
            letters in self.initials or any(re.sub(r"[0-9]", "", k) == letters for k in self.keys)
        ):
            return True
        content = {root(w) for w in long if w not in STOPWORDS and not w[0].isdigit()}
        return bool(content) and len(content & self.words) >= 0.75 * len(content)


@dataclass
class _Profile:
    outcome: Outcome
    measure_text: str  # the measure's words, abbreviations spelled out
    measure_key: dict[str, str]  # root -> word: the words naming what the title measures
    desc_key: dict[str, str]
    all_words: set[str]  # roots of every content word of the outcome
    all_text: str  # folded words of the whole outcome
    points: list[float]
    has_time_text: bool
    aggregation: frozenset[str]
    norm: str
    instruments: dict[str, tuple[str, ...]]  # of the title: key -> long form words
    mentions: _Mentions  # of the whole outcome
    thresholds: frozenset[tuple[str, float]]  # of the title and description


def _merge(points: Iterable[float]) -> list[float]:
    out: list[float] = []
    for p in sorted(points):
        if not out or not same_time(out[-1], p):
            out.append(p)
    return out


def mentions(text: str, lex: Lexicon) -> _Mentions:
    words = lex.words(text)
    return _Mentions(
        set(instruments(text, lex)),
        _initial_runs(tokens(text)),
        set(content_words(text, lex)),
        {_NOT_ALNUM.sub("", w) for w in _COMPOUND.findall(fold(text))} | set(words),
    )


def _profile(o: Outcome, lex: Lexicon) -> _Profile:
    # assessment times: the time frame's, and those the title names (a day or longer: minutes
    # and hours in a title describe a test procedure: "20-minute glucagon stimulation test")
    points = time_points(o.time_frame) + [p for p in time_points(o.measure) if p >= 1]
    if not o.time_frame.strip():
        points += [p for p in time_points(o.description) if p >= 1]
    words = tokens(o.text())
    title = variable_phrase(o.measure)
    return _Profile(
        outcome=o,
        measure_text=" ".join(lex.words(o.measure)),
        measure_key=key_terms(title, lex),
        desc_key=key_terms(o.description, lex),
        all_words=set(content_words(o.text(), lex)),
        all_text=" ".join(words),
        points=_merge(points),
        has_time_text=bool(o.time_frame.strip()),
        # (who is measured is no summary: "... in patients with X" is not "patients with X")
        aggregation=aggregations(who_left_out(o.measure))
        or aggregations(who_left_out(o.description[:300])),
        norm=" ".join(words),
        instruments=instruments(title, lex),
        mentions=mentions(o.text(), lex),
        thresholds=thresholds(o.measure + " ; " + o.description),
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
    from rapidfuzz import fuzz  # imported on first use: a check of one version never needs it

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
    old, new = join_list_items(old), join_list_items(new)

    def text_of(o: Outcome) -> tuple[int, str, str, str]:
        return (_rank(o.section), o.measure, o.time_frame, o.description)

    # an outcome with an identical twin in the other version is that outcome, unchanged (most
    # outcomes of most records between two downloads): no need to model its language
    twins: dict[tuple[int, str, str, str], list[int]] = {}
    for j, n in enumerate(new):
        twins.setdefault(text_of(n), []).append(j)
    old_left = []
    for o in old:
        match = twins.get(text_of(o))
        if match:
            match.pop(0)
        else:
            old_left.append(o)
    new_left = [new[j] for js in twins.values() for j in js]
    new_left.sort(key=lambda n: (_rank(n.section), n.position))
    if not old_left and not new_left:
        return []
    if lex is None:
        lex = Lexicon.learn([o.text() for o in (*old, *new)])
    po = [_profile(o, lex) for o in old_left]
    pn = [_profile(o, lex) for o in new_left]
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

    # what each list of the new version names (an instrument dropped from one outcome may have
    # moved to another), made when first asked
    named_cache: dict[tuple[bool, int], _Mentions] = {}

    def named(rank: int, older: bool = False) -> Callable[[], _Mentions]:
        def get() -> _Mentions:
            if (older, rank) not in named_cache:
                m = _Mentions()
                for n in old if older else new:
                    if _rank(n.section) == rank:
                        m = m | mentions(n.text(), lex)
                named_cache[(older, rank)] = m
            return named_cache[(older, rank)]

        return get

    # an outcome split into several ("FEV1 at 48 weeks" -> "percent-predicted FEV1 at baseline"
    # and "change from baseline in percent-predicted FEV1 at week 48"): its parts together keep
    # its time points, or not
    parts: dict[int, list[int]] = {}
    for j, i in extra_new.items():
        parts.setdefault(i, [pair_of_old[i]]).append(j)
    split_same_time = {
        i: not _points_differ(po[i].points, [p for j in js for p in pn[j].points])
        for i, js in parts.items()
    }

    changes: list[Change] = []
    for i, a in enumerate(po):
        o = a.outcome
        if i in pair_of_old:
            b = pn[pair_of_old[i]]
            rank = _rank(b.outcome.section)
            found = _pair_changes(a, b, lex, named(rank), named(rank, older=True))
            if split_same_time.get(i):
                found = [c for c in found if c.kind != "timing"]
            changes += found
        elif i not in extra_old:  # (else merged into a paired outcome)
            section = "primary" if o.section == "primary" else "secondary"
            changes.append(
                Change("removed", section, o, None, f"'{_short(o.measure)}' is no longer listed")
            )
    for j, b in enumerate(pn):
        n = b.outcome
        if j in extra_new:
            rank = _rank(b.outcome.section)
            skip = {"demoted", "promoted", "reworded"}
            if split_same_time.get(extra_new[j]):
                skip.add("timing")
            changes += [
                c
                for c in _pair_changes(
                    po[extra_new[j]], b, lex, named(rank), named(rank, older=True)
                )
                if c.kind not in skip
            ]
        elif j not in pair_of_new:
            section = "primary" if n.section == "primary" else "secondary"
            changes.append(Change("added", section, None, n, f"'{_short(n.measure)}' is new"))
    return changes


def _points_differ(old: Sequence[float], new: Sequence[float]) -> bool:
    """The time points (of a day or more, when there are any) are not the same."""
    if any(p >= 1 for p in old) or any(p >= 1 for p in new):
        old, new = [p for p in old if p >= 1], [p for p in new if p >= 1]
    return bool(_missing(old, new) or _missing(new, old))


_ITEM = LazyPattern(r"^\s*(?:[-–•*·]|[0-9]{1,2}[.)]|[a-z][.)])\s+")


def join_list_items(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """One outcome for a heading entry ending in ':' and the list items that follow it as
    entries of their own ("Induction therapy:", "- Response Rate", "- Overall survival"): some
    registries split one outcome's list into entries."""
    out: list[Outcome] = []
    i = 0
    while i < len(outcomes):
        o = outcomes[i]
        j = i + 1
        if o.measure.rstrip().endswith(":") and not o.time_frame.strip():
            while (
                j < len(outcomes)
                and outcomes[j].section == o.section
                and _ITEM.match(outcomes[j].measure)
            ):
                j += 1
        if j > i + 1:
            items = outcomes[i:j]
            o = Outcome(
                o.section,
                o.position,
                " ".join(x.measure.strip() for x in items),
                " ".join(
                    dict.fromkeys(x.time_frame.strip() for x in items if x.time_frame.strip())
                ),
                " ".join(x.description.strip() for x in items if x.description.strip()),
            )
        out.append(o)
        i = j
    return out


def _short(text: str, n: int = 90) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _pair_changes(
    a: _Profile,
    b: _Profile,
    lex: Lexicon,
    rest: Callable[[], _Mentions] | None = None,
    rest_old: Callable[[], _Mentions] | None = None,
) -> list[Change]:
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
    measure = measurement_change(a, b, lex, rest, rest_old)
    if measure:
        out.append(Change("measure", section, o, n, measure, "measure"))
        found = True
    aggregation = aggregation_change(a, b)
    if aggregation:
        out.append(Change("aggregation", section, o, n, aggregation, "measure"))
        found = True
    timing = timing_change(a, b)
    if timing:
        out.append(Change("timing", section, o, n, timing, "time_frame"))
        found = True
    if not found:
        out.append(Change("reworded", section, o, n, "reworded; what, how and when are the same"))
    return out


# --- what is measured: the variable, its instrument, its criteria, its definition ---------------

# who is measured and in which analysis set: not what is measured ("in patients with mild to
# moderate AD", "(ITT population)", "Last Observation Carried Forward (LOCF)")
_POPULATION = LazyPattern(
    r"\b(?:in|among|for)\s+(?:the\s+|all\s+)?(?:[A-Za-z-]+\s+){0,2}?(?:subjects|patients|"
    r"participants|people|persons|individuals|adults|children|women|men|infants|volunteers|"
    r"population)\b(?:\s+(?:with|who|aged|undergoing|receiving|treated|having|on|"
    r"[a-z]+ed)\b(?:[^.;:()\[\]]|\([^()]*\))*)?",
    re.I,
)
# what an aim compares is the intervention, not the variable: "the efficacy of the combination
# of ABI-007 and gemcitabine versus gemcitabine alone in improving overall survival", "the
# effect of flavanols on endothelial function", "as compared to X in terms of PFS"
_INTERVENTION_OF = LazyPattern(
    r"\b(?:efficacy|effects?|effectiveness|impact|influence|benefits?|superiority|"
    r"non-?inferiority|equivalence)\s+of\s+[^.;:]{2,150}?\s+(?:in|on|upon|for)\s+"
    r"(?:(?:improving|reducing|increasing|decreasing|preventing|prolonging|lowering|raising|"
    r"delaying|terms\s+of)\s+)?",
    re.I,
)
# the event a time point is counted from: when, not what ("from day 35 after implantation",
# "12 months after transplantation", "from the day of informed consent")
_TIME_ANCHOR = LazyPattern(
    r"(?:\b(?:days?|weeks?|months?|years?|hours?)\s*[0-9]+|(?<![A-Za-z0-9.-])[0-9]+\s*-?\s*(?:days?|weeks?|"
    r"months?|years?|hours?|h|d))\s+(?:after|post|following|since|from|before|prior\s+to)\s+"
    r"(?:(?:the|a|an|first|last|each|every)\s+)*(?:(?!and\b|or\b|in\b|with\b)[A-Za-z-]+\b"
    r"\s*){1,3}|"
    r"\b(?:from|since|after)\s+(?:the\s+)?(?:day|date|time)\s+of\s+[^.;:,()\[\]]*",
    re.I,
)
_ANALYSIS_SET = LazyPattern(
    r"\b(?:(?:modified\s+)?intent(?:ion)?[- ]to[- ]treat|per[- ]protocol|full analysis|"
    r"safety analysis|m?itt|fas|pps|last observation carried forward|locf|"
    r"(?:fda[- ])?snapshot(?: analysis| algorithm)?|interim analysis|primary analysis|"
    r"final analysis)\b(?:\s+(?:population|set|analysis))?",
    re.I,
)


def who_left_out(title: str | None) -> str:
    """The title without who is measured and the analysis set."""
    t = _POPULATION.sub(" ", title or "")
    return _ANALYSIS_SET.sub(" ", t)


def variable_phrase(title: str | None) -> str:
    """The title without who is measured, the analysis set, the intervention an aim compares
    and the events its time points are counted from: what names the variable."""
    t = _INTERVENTION_OF.sub(" ", who_left_out(title))
    return _TIME_ANCHOR.sub(" ", t)


# Criteria of the measurement: a quantity with a unit ("0.5V", "> 10 ppm", "35 mg"), a share with
# a comparison or a change ("at least 75%", "a 20% reduction") or a grade ("grade >2").
_UNITS = (
    r"mg/dl|g/dl|mmol/l|[µμu]mol/l|ng/ml|pg/ml|[µμu]g/ml|iu/l|u/l|copies/ml|cells/(?:[µμu]l|mm3)|"
    r"mmhg|mg|g|kg|ml|dl|mm|cm|v|mv|ms|bpm|ppm|points?|x ?uln"
)
_COMPARISON = (
    r"[<>≤≥]=?|\?|(?:at least|more than|less than|greater than|fewer than|above|below|"
    r"exceeding|higher than|lower than)(?: or equal to)?"
)
_QUANTITY = LazyPattern(
    r"(?:(?P<cmp>" + _COMPARISON + r")\s*)?(?<![a-z0-9.])(?P<num>[0-9]+(?:[.,][0-9]+)?)\s*"
    r"(?P<unit>" + _UNITS + r")(?![a-z0-9])"
)
_SHARE = LazyPattern(
    r"(?:(?P<cmp>[<>≤≥?]=?|at least|more than|less than|greater than|fewer than|over|under|"
    r"above|below|exceeding|of)\s*)?(?<![0-9.])(?P<num>[0-9]+(?:[.,][0-9]+)?)\s*(?:%|percent)"
    r"(?:\s+(?P<what>reduction|improvement|increase|decrease|change|decline|response|loss|gain|"
    r"or (?:more|greater|less|higher|lower)))?"
)
_GRADE = LazyPattern(
    r"\bgrades?\s*(?P<cmp>[<>≤≥?]=?|of at least|at least)?\s*(?P<num>[0-9])(?![0-9])"
    r"(?:\s*(?P<or>or (?:higher|greater|more|above|worse)|\+))?"
)


def thresholds(text: str | None, compared: bool = False) -> frozenset[tuple[str, float]]:
    """The criteria a text states, as (unit, value); with ``compared`` only those stated as a
    comparison ('greater than 35 mg', '< 50 copies/mL', 'at least 75%', 'grade >2')."""
    t = fold(text)
    out: set[tuple[str, float]] = set()
    for m in _QUANTITY.finditer(t):
        v = _number(m.group("num"))
        if v is not None and (m.group("cmp") or not compared):
            out.add((m.group("unit").replace(" ", "").rstrip("s"), v))
    for m in _SHARE.finditer(t):
        v = _number(m.group("num"))
        if v is not None and (m.group("cmp") or (m.group("what") and not compared)):
            out.add(("%", v))
    for m in _GRADE.finditer(t):
        v = _number(m.group("num"))
        if v is not None and (m.group("cmp") or m.group("or")):
            out.add(("grade", v))
    return frozenset(out)


def threshold_change(a: frozenset[tuple[str, float]], b: frozenset[tuple[str, float]]) -> str:
    """A criterion of one unit moved ('0.75 V' -> '0.5 V'); '' when none did."""
    for unit in sorted({u for u, _ in a} & {u for u, _ in b}):
        va = {v for u, v in a if u == unit}
        vb = {v for u, v in b if u == unit}
        lost, gained = va - vb, vb - va
        if lost and gained:
            return (
                f"its criterion is now {', '.join(f'{v:g}' for v in sorted(gained))} {unit}, was "
                f"{', '.join(f'{v:g}' for v in sorted(lost))} {unit}"
            )
    return ""


def _criteria_text(o: Outcome) -> str:
    return o.measure + " ; " + o.description


def criterion_replaced(a: Outcome, b: Outcome) -> str:
    """The comparisons that define the measure were replaced by others ('at least 2 cm' ->
    'grade > 2'); '' when not."""
    ca, cb = thresholds(_criteria_text(a), compared=True), thresholds(_criteria_text(b), True)
    lost, gained = ca - cb, cb - ca
    if lost and gained:
        now = ", ".join(f"{v:g} {u}" for u, v in sorted(gained))
        was = ", ".join(f"{v:g} {u}" for u, v in sorted(lost))
        return f"its criterion is now {now}, was {was}"
    return ""


def aggregation_change(a: _Profile, b: _Profile) -> str:
    """How the outcome is summarised changed ('' when it did not): both versions name a summary
    and they have nothing in common. A summary named where the old version named none is left
    out: records add "Number of Participants With" or "Change From Baseline in" to a title once
    results are posted, and the raters of the history corpus mostly did not count that as a
    change (measured: 8 of 13 such pairs were rated a change)."""
    if aggregation_changed(a.aggregation, b.aggregation):
        return (
            f"summarised as {' / '.join(sorted(b.aggregation))}, was "
            f"{' / '.join(sorted(a.aggregation))}"
        )
    return ""


# how a measurement is made: "measured by", "assessed using", "according to", "X was used to
# measure"
_METHOD = LazyPattern(
    r"(?i)\b(?:measured|assessed|evaluated|determined|quantified|scored|rated|graded|confirmed|"
    r"detected|documented|adjudicated|read|calculated|estimated|obtained|recorded)\s+(?:by|using|"
    r"with|via|through|on|from|according to|per|based on)\b\s*(?:the\s+|a\s+|an\s+)?"
    r"(?P<what>[^.;:,(]{3,80})"
)
_METHOD_TOOL = LazyPattern(
    r"(?i)\b(?:used|using|with|by)\s+(?:the|a|an)\s+(?P<what>[^.;:,]{2,60}?\b(?:formula|"
    r"equation|device|instrument|assay|analy[sz]er|monitor|probe|meter|camera|software|kit|"
    r"technique|microscopy|microarrays?|oximetry|spirometry|ultrasound|tomography))\b"
)
_METHOD_USED = LazyPattern(
    r"(?i)(?:^|[.;:]\s*)(?:the\s+|a\s+|an\s+)?(?P<what>[a-z][^.;:,()]{2,60}?)\s+(?:was|were|is|are|"
    r"will be)\s+used\s+to\s+(?:assess|measure|determine|evaluate|quantify|calculate|estimate)|"
    # "using TempTest to assess critical temperature thresholds"
    r"\b(?:using|with)\s+(?:the\s+|a\s+|an\s+)?(?P<what2>[^.;:,()]{2,60}?)\s+to\s+"
    r"(?:assess|measure|determine|evaluate|quantify|calculate|estimate|detect)\b"
)
# what a method phrase names that is a scale's range or an analysis, not a way of measuring
_NOT_METHOD = LazyPattern(
    r"(?:\b[0-9]+[- ]?(?:point|item|mm|cm)\b|\bscale (?:of|from)\b|\b(?:analys[ie]s|analyzis|"
    r"algorithm|population|intent(?:ion)?[- ]to[- ]treat|itt|statistic|model|imputation|"
    r"method|snapshot|investigator|sponsor|site|visit|guideline|kaplan|formula of)\b)"
)
# a sentence ends at a full stop or semicolon, not at the stop of "i.e.", "e.g.", "vs." or "approx."
_SENTENCE = LazyPattern(
    r"(?<![^a-z]i\.e\.)(?<![^a-z]e\.g\.)(?<![^a-z]vs\.)(?<!approx\.)(?<=[.;])\s+|\n+", re.I
)
# sentences about the analysis (censoring, confidence intervals, imputation, algorithms): how the
# results were analysed, not what was measured
_ANALYSIS_SENTENCE = LazyPattern(
    r"\b(?:censor|confidence interval|kaplan|meier|imputed|imputation|impute|locf|"
    r"last observation|regression|ancova|anova|mmrm|algorithm|t-test|statistic|hazard ratio|"
    r"intent(?:ion)?[- ]to[- ]treat|per[- ]protocol|cut-?off date|database|snapshot|"
    r"analy[sz]ed (?:using|by|with)|analy[sz]is (?:population|set|method)|"
    r"(?:primary|final|interim) analy[sz]is)"
)
# sentences describing a rating scale (its range, items, scoring, direction)
_SCALE_WORDS = LazyPattern(r"\b(?:scores?|scales?|points?|rated|scored|questionnaires?|ratings?)\b")
_SCALE_SENTENCE = LazyPattern(
    r"\b(?:ranges?|ranging|higher|lower|items?|subscales?|sub-?scores?|domains?|likert|"
    r"consists? of|composed of|comprised of|indicat(?:e|es|ing)|sum|total|"
    r"(?:[0-9]+|four|five|seven|ten)[- ]point)\b|"
    r"\bfrom\s*[0-9]+\b[^.;]{0,80}?\bto\s*[0-9]+\b"  # a range: "ratings are from 0 (...) to 4"
)
# endpoints whose definition (what counts as the event) belongs to the trial, not to a
# standard instrument
_ENDPOINTS = frozenset(["pfs", "os", "dfs", "efs", "rfs", "orr", "ttp", "dor", "ae", "sae", "teae"])
# what makes a named thing a standard instrument or criterion, whose description in a later
# version does not change what is measured: a scale, index, questionnaire, score or criteria,
# or the body that set it (American College of Rheumatology, New York Heart Association)
_STANDARD = LazyPattern(
    r"\b(?:scale|index|inventory|questionnaire|score|criteria|classification|checklist|"
    r"profile|survey|college|society|association|group|organization|consortium)\b"
)


def _standard(key: str, long: Sequence[str]) -> bool:
    return key not in _ENDPOINTS and bool(long) and bool(_STANDARD.search(" ".join(long)))


def _is_scale_sentence(folded: str) -> bool:
    return bool(_SCALE_WORDS.search(folded) and _SCALE_SENTENCE.search(folded))


DEFINITION_TERMS = 4  # new terms a definition must bring to count as defining the measure


def _new_sentences(description: str, a: _Profile, lex: Lexicon) -> list[str]:
    """The sentences of a description that the old outcome does not already say."""
    out = []
    for sentence in _SENTENCE.split(description or ""):
        words = content_words(sentence, lex)
        if not words:
            continue
        known = sum(r in a.all_words for r in words)
        if known < 0.8 * len(words):
            out.append(sentence)
    return out


def _method_added(a: _Profile, b: _Profile, sentences: Sequence[str], lex: Lexicon) -> str:
    """The new version says with what it is measured, and that is new."""
    old = fold(a.outcome.text())
    if _METHOD.search(old) or _METHOD_USED.search(old) or _METHOD_TOOL.search(old):
        return ""
    for text in (b.outcome.measure, *sentences):
        if _ANALYSIS_SENTENCE.search(fold(text)):
            continue
        for m in (
            *_METHOD.finditer(text),
            *_METHOD_USED.finditer(text),
            *_METHOD_TOOL.finditer(text),
        ):
            what = m.group("what") or m.groupdict().get("what2") or ""
            if _NOT_METHOD.search(fold(what)):
                continue
            terms = {r for r in key_terms(what, lex) if r not in a.all_words}
            if terms:
                return f"now says how it is measured: {' '.join(what.split())[:80]}"
    return ""


# how a summary figure is computed (a percentage, a rate): aggregation detail, not what is measured
_CALCULATION = LazyPattern(
    r"\b(?:calculated (?:as|by|from)|divided by|dividing|multiplied by|[x×*] ?100\b|sum of|"
    r"summed|numerator|denominator)"
)
# what the study aims at, and its arms: neither defines the measure
_PURPOSE = LazyPattern(
    r"\b(?:objective|aim|purpose|hypothes[ie]s|to demonstrate|to evaluate|to assess|to compare|"
    r"to determine|to investigate)\b"
)
_COMPARATOR = LazyPattern(
    r"\b(?:versus|vs\.?|compared (?:to|with)|comparing|in comparison (?:to|with)|relative to)\b"
    r"[^.;]*"
)
# the term a sentence defines: "Complete clearance was defined as ...", "CCyR: ..."
_DEFINED = LazyPattern(
    r"^\W*(?:the\s+|a\s+)?(?P<subject>[^.;:]{2,80}?)\s+(?:is|was|were|are|will be)\s+"
    r"(?:defined|achieved|considered|classified|determined|based|the)\b|^\W*(?P<term>[^.;:]{2,40}):\s"
)


def _standard_measures(a: _Profile, b: _Profile) -> dict[str, tuple[str, ...]]:
    """The standard measures and instruments the old title names by an acronym or a name
    ('Major Molecular Response (MMR)', 'Psoriasis Area Severity Index'; also one the new title
    names whose words the old title has: 'apnea hypopnea index'): what a later description
    defines of them is their standard definition. Trial endpoints (PFS, OS) are not: what
    counts as their event is the trial's."""
    out = {
        k: v
        for k, v in a.instruments.items()
        if k not in _ENDPOINTS and (v or _is_named(k, a.outcome.measure))
    }
    title = mentions(a.outcome.measure, Lexicon())
    for k, v in b.instruments.items():
        if k not in _ENDPOINTS and v and k not in out and title.names("", v):
            out[k] = v
    return out


def _is_named(key: str, text: str) -> bool:
    return any(
        key in (_key(m.group(1)), instrument_key(m.group(1))) for m in _ACRONYM.finditer(text)
    )


def _definition_added(a: _Profile, b: _Profile, sentences: Sequence[str], lex: Lexicon) -> str:
    """The new description defines what is measured (the event, the response, how the value is
    made up), beyond the standard definition of a measure the old title named, the analysis,
    a rating scale's range or how a percentage is computed."""
    standard = _standard_measures(a, b)
    endpoint = "time-to-event" in aggregations(who_left_out(a.outcome.measure))
    new: dict[str, str] = {}
    for sentence in sentences:
        f = fold(sentence)
        if (
            _ANALYSIS_SENTENCE.search(f)
            or _is_scale_sentence(f)
            or _CALCULATION.search(f)
            or _PURPOSE.search(f)
        ):
            continue
        if standard:
            m = _DEFINED.match(sentence)
            subject = (m.group("subject") or m.group("term")) if m else ""
            if subject:
                about = mentions(subject, lex)
                if any(about.names(k, v) for k, v in standard.items()):
                    continue  # the standard measure's definition
            elif not endpoint or any(
                mentions(sentence, lex).names(k, v) for k, v in standard.items()
            ):
                # a sentence without a subject is about the standard measure, unless the old
                # title's measure is a time to an event and the sentence does not name the
                # standard: "The period from study entry until progression or death" defines
                # the PFS the old title judged 'based on RECIST'
                continue
        for r, w in key_terms(_COMPARATOR.sub(" ", variable_phrase(sentence)), lex).items():
            if r not in a.all_words and not _close_to_any(w, a.mentions.tokens):
                new[r] = w
    if len(new) >= DEFINITION_TERMS:
        return (
            "the description now defines what is measured ("
            + ", ".join(sorted(new.values())[:8])
            + (", …)" if len(new) > 8 else ")")
        )
    return ""


def _close_to_any(word: str, words: Iterable[str]) -> bool:
    """A misspelling of one of ``words`` ('occurence', 'occurrence')."""
    from rapidfuzz import fuzz

    if len(word) < 6:
        return False
    return any(
        abs(len(w) - len(word)) <= 2 and w[:2] == word[:2] and fuzz.ratio(w, word) >= 85
        for w in words
    )


def measurement_change(
    a: _Profile,
    b: _Profile,
    lex: Lexicon,
    rest: Callable[[], _Mentions] | None = None,
    rest_old: Callable[[], _Mentions] | None = None,
) -> str:
    """What measured variable or instrument changed, in words ('' when none did). ``rest``: what
    the outcomes of the new version's list name (an instrument that moved there was not
    dropped); ``rest_old``: the same of the old version's list (a measure that was already
    there was not added)."""
    spelled_new = _spelled_out(b.outcome.measure, a.mentions.keys)
    spelled_old = _spelled_out(a.outcome.measure, b.mentions.keys)
    gained = {
        r: w
        for r, w in b.measure_key.items()
        if r not in a.all_words
        and r not in spelled_new
        and not _expanded_abbreviation(w, a.all_text)
        and not _close_to_any(w, a.mentions.tokens)
    }
    lost = {
        r: w
        for r, w in a.measure_key.items()
        if r not in b.all_words
        and r not in spelled_old
        and not _expanded_abbreviation(w, b.all_text)
        and not _close_to_any(w, b.mentions.tokens)
    }
    # safety in other words (adverse events, toxicity): the same measure
    if SAFETY & a.all_words:
        gained = {r: w for r, w in gained.items() if r not in SAFETY}
    if SAFETY & b.all_words:
        lost = {r: w for r, w in lost.items() if r not in SAFETY}
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
    # an instrument of the old title that the new outcome does not name, and that is neither a
    # criterion's abbreviation nor moved to another outcome of the new list
    gone = {
        k: v
        for k, v in a.instruments.items()
        if not b.mentions.names(k, v)
        and not _in_criterion(k, a.outcome.measure)
        and (rest is None or not rest().names(k, v))
    }
    came = {k: v for k, v in b.instruments.items() if not a.mentions.names(k, v)}
    if gone and came:
        return f"now measured with {', '.join(sorted(came))}, was {', '.join(sorted(gone))}"
    criterion = threshold_change(a.thresholds, b.thresholds) or criterion_replaced(
        a.outcome, b.outcome
    )
    if criterion:
        return criterion
    # a criterion the new title states where the old outcome stated none of that unit
    units = {u for u, _ in a.thresholds} | {u for u, _ in thresholds(a.outcome.time_frame)}
    added = sorted(x for x in thresholds(b.outcome.measure, compared=True) if x[0] not in units)
    if added:
        return "the title now states a criterion: " + ", ".join(f"{v:g} {u}" for u, v in added)
    # ... or the description, unless the old title named a measure by its name or acronym,
    # whose own definition the criterion may be (a major molecular response is BCR-ABL <= 0.1%)
    added = sorted(x for x in thresholds(b.outcome.description, compared=True) if x[0] not in units)
    if added and not _standard_measures(a, b):
        return "the description now states a criterion: " + ", ".join(
            f"{v:g} {u}" for u, v in added
        )
    # dropped: a named measure (its long form known) the new list no longer names
    dropped = sorted(k for k, v in gone.items() if v)
    if dropped:
        return f"no longer measures {', '.join(dropped)}"
    narrower = qualifier_added(a, b, gained)
    if narrower:
        return narrower
    listed = list_item_change(a, b, lex, rest, rest_old)
    if listed:
        return listed
    sentences = _new_sentences(b.outcome.description, a, lex)
    return (
        _definition_cut(a, b, lex)
        or _method_added(a, b, sentences, lex)
        or _instrument_added(a, sentences, lex, rest_old)
        or _definition_added(a, b, sentences, lex)
    )


def _definition_cut(a: _Profile, b: _Profile, lex: Lexicon) -> str:
    """A sentence of the old description that the new one keeps, edited to define the measure
    more broadly: words of it that name what counts ("passage of solid stool" -> "passage of
    stool", "(lesion size to total labial tooth area, %)" dropped) are named nowhere in the new
    outcome, and the edit adds none. Sentences on how it is measured or analysed are left out
    (an instrument's edition, a method's detail)."""
    new_sentences = [
        (s, set(content_words(s, lex))) for s in _SENTENCE.split(b.outcome.description or "")
    ]
    for sentence in _SENTENCE.split(a.outcome.description or ""):
        f = fold(sentence)
        if (
            _ANALYSIS_SENTENCE.search(f)
            or _METHOD.search(sentence)
            or _METHOD_USED.search(sentence)
            or _METHOD_TOOL.search(sentence)
        ):
            continue
        words = set(content_words(sentence, lex))
        if len(words) < 3:
            continue
        best, kept = max(
            ((w, len(words & w)) for _, w in new_sentences), key=lambda x: x[1], default=(set(), 0)
        )
        if kept < 0.6 * len(words) or kept == len(words):
            continue
        if any(r not in a.all_words for r in best):
            continue  # the edit also adds words: a rewording
        lost = {
            r: w
            for r, w in key_terms(sentence, lex).items()
            if r not in b.all_words and not _close_to_any(w, b.mentions.tokens)
        }
        if lost:
            return (
                f"the description no longer says {', '.join(sorted(lost.values()))} "
                f"(of '{_short(sentence.strip(), 80)}')"
            )
    return ""


def _instrument_added(
    a: _Profile, sentences: Sequence[str], lex: Lexicon, rest_old: Callable[[], _Mentions] | None
) -> str:
    """A new sentence of the description names a standard instrument (a scale, an index, a
    questionnaire, with its name spelled out: "Glasgow Coma Scale (GCS)") that the old outcome
    and the rest of the old list never mention: it is now (also) measured with it."""
    if (
        not sentences
        or any(_standard(k, v) for k, v in a.instruments.items())
        or _STANDARD.search(fold(a.outcome.measure))
    ):
        return ""  # (the definition of a standard measure the old title names may name others)
    for sentence in sentences:
        if _ANALYSIS_SENTENCE.search(fold(sentence)):
            continue
        for k, v in instruments(sentence, lex).items():
            if not v or not _INSTRUMENT.search(" ".join(v)) or a.mentions.names(k, v):
                continue
            content = [w for w in v if w not in STOPWORDS and not w[0].isdigit()]
            if all(root(w) in a.all_words or _close_to_any(w, a.mentions.tokens) for w in content):
                continue  # named in other words, or misspelt ('apnea-hyopnea index')
            if rest_old is not None and rest_old().names(k, v):
                continue
            return f"the description now names {' '.join(v)}, which the older version does not"
    return ""


# the words that make a name an instrument's (not a body's: 'American Thoracic Society')
_INSTRUMENT = LazyPattern(
    r"\b(?:scale|index|inventory|questionnaire|score|test|survey|checklist|profile|instrument|"
    r"battery|assessment)\b"
)


# One title that lists several measures ("height SDS and height velocity SDS", "death,
# re-infarction or major bleeding", "precision and agreement of ..."): its items are the parts
# between the coordinators, parentheses (abbreviations, units, criteria) left out.
_BRACKETS = LazyPattern(r"\([^()]*\)|\[[^\[\]]*\]")
_COORDINATOR = LazyPattern(
    r"\s*(?:[,;&+]|\band/or\b|\band\b|\bor\b|\bas well as\b|\bplus\b)\s*", re.I
)
ITEM_ADDED_TERMS = 2  # new terms a listed item must bring to count as a new measure


# how and against what it is measured: a method, an analysis or a comparator, whose lists
# ("based on a GEE analysis including NIHSS, mRS and Barthel Index", "Food and Drug
# Administration (FDA)-Defined Snapshot Analysis", "compared with placebo, as determined by
# ...") are not the measures the title lists
_HOW_TAIL = LazyPattern(
    r"\b(?:using|based on|according to|(?:as\s+)?(?:determined|measured|assessed|evaluated|"
    r"calculated)\s+(?:by|using|with|according to)|versus|vs\.?|compared (?:to|with)|"
    r"in comparison (?:to|with)|relative to)\b[^.;]*",
    re.I,
)


# one measure in other words: safety and tolerability are measured as adverse events, side
# effects, toxicity
SAFETY = frozenset(
    root(w)
    for w in (
        "safety",
        "tolerability",
        "tolerance",
        "adverse",
        "event",
        "side",
        "effect",
        "toxicity",
        "toxicities",
        "reaction",
    )
)


# a word left hanging before a coordinator shares the word after it: one compound, not two
# measures ("System- or Implant-Related Complications", "pre- and post-operative pain")
_SUSPENDED = LazyPattern(r"(?<=[A-Za-z0-9])-\s+(?:and/or|and|or|to)\s+(?=[A-Za-z0-9])", re.I)


def list_items(title: str | None) -> list[str]:
    """The items of a title that lists measures (one item when it lists none)."""
    t = _HOW_TAIL.sub(" ", _BRACKETS.sub(" ", variable_phrase(title)))
    t = _SUSPENDED.sub("-", t)
    return [x.strip() for x in _COORDINATOR.split(t) if x.strip()]


def _item_terms_gone(
    a: _Profile, b: _Profile, lex: Lexicon, elsewhere: Callable[[], _Mentions] | None
) -> list[tuple[str, dict[str, str], int]]:
    """(item, its terms that ``b`` and the rest of its list do not name, how many terms it
    has) of every item of ``a``'s title, when that title lists two or more items."""
    items = list_items(a.outcome.measure)
    if len(items) < 2:
        return []
    out = []
    spelled = _spelled_out(a.outcome.measure, b.mentions.keys)
    for item in items:
        terms = key_terms(item, lex)
        gone = {
            r: w
            for r, w in terms.items()
            if r not in b.all_words
            and r not in spelled
            and not _expanded_abbreviation(w, b.all_text)
            and not _close_to_any(w, b.mentions.tokens)
        }
        if gone and elsewhere is not None:
            other = elsewhere()
            gone = {r: w for r, w in gone.items() if r not in other.words}
        if gone and set(gone) <= SAFETY and SAFETY & b.all_words:
            gone = {}  # adverse events are how safety is measured: the same measure
        if gone:
            out.append((item, gone, len(terms)))
    return out


def list_item_change(
    a: _Profile,
    b: _Profile,
    lex: Lexicon,
    rest: Callable[[], _Mentions] | None = None,
    rest_old: Callable[[], _Mentions] | None = None,
) -> str:
    """A measure of a listing title dropped (a term of one of its items is named nowhere in
    the new outcome or the rest of its list: "height SDS and height velocity SDS" -> "height
    SDS"), or one added (an item of the new title whose words are mostly new, two at least:
    "TOF-ratios" -> "precision and agreement of TOF-ratios"). An added item must bring more:
    titles grow words that only say more about the same measure."""
    dropped = _item_terms_gone(a, b, lex, rest)
    if dropped:
        item, gone, _ = dropped[0]
        return f"no longer measures {', '.join(sorted(gone.values()))} (of '{_short(item, 60)}')"
    for item, gained, n in _item_terms_gone(b, a, lex, rest_old):
        if len(gained) >= ITEM_ADDED_TERMS and 2 * len(gained) >= n:
            return f"now also measures {', '.join(sorted(gained.values()))} ('{_short(item, 60)}')"
    return ""


# words set before a variable that do not narrow it: verbs and participles ("achieve",
# "dose-normalized": how, not what), and the specimen an analyte is measured in ("plasma HIV
# RNA" is HIV RNA)
_NOT_QUALIFIER = LazyPattern(
    r"(?:[a-z]+(?:ed|ing)|achieve|attain|reach|experience|show|have|develop|require|receive|"
    r"undergo|underwent|undergone|maintain|plasma|serum|blood|urine|urinary|whole|venous|capillary|arterial)$"
)


def qualifier_added(a: _Profile, b: _Profile, gained: dict[str, str]) -> str:
    """The new title narrows the old one's variable by words set before it ("Blood Pressure
    Reduction" -> "Office Systolic Blood Pressure Reduction", "lymph cysts" -> "symptomatic
    lymph cysts"): new words of the title right before a word naming what the old title
    measured. Words in brackets, after 'using' / 'compared with', or spelling out an
    abbreviation the old outcome uses ('LV mass' -> 'left ventricular mass') are left out."""
    if not gained:
        return ""
    kept = set(a.measure_key) & set(b.measure_key)
    if not kept:
        return ""
    words = tokens(_HOW_TAIL.sub(" ", _BRACKETS.sub(" ", variable_phrase(b.outcome.measure))))
    run: list[str] = []
    for i, w in enumerate(words):
        if root(w) in gained and not _NOT_QUALIFIER.match(w):
            run.append(w)
            continue
        if run and root(w) in kept and not _spells_out(run, a.mentions.tokens):
            return f"now measures a narrower variable: {' '.join(run)} {' '.join(words[i : i + 3])}"
        run = []
    return ""


def _spells_out(run: Sequence[str], old_tokens: set[str]) -> bool:
    """The initials of the run's words (or of its last words) are a word of the old text: an
    abbreviation spelled out."""
    initials = "".join(w[0] for w in run)
    return any(initials[k:] in old_tokens for k in range(len(initials) - 1))


def _in_criterion(key: str, text: str) -> bool:
    """The abbreviation stands in a parenthesis that states a criterion ('(CL < 320 ms)'): a
    qualifier of the measure, not a measure of its own."""
    for m in re.finditer(r"\(([^()]*)\)", text):
        inside = m.group(1)
        if any(_key(t) == key for t in _ACRONYM.findall(inside)) and re.search(
            r"[0-9<>≤≥?=]",
            _ACRONYM.sub(lambda x: "" if _key(x.group(1)) == key else x.group(1), inside),
        ):
            return True
    return False


def _spelled_out(text: str, acronyms: Iterable[str]) -> set[str]:
    """Roots of the words of ``text`` that spell out an acronym the other version uses without
    defining it ('Heart Failure Hospitalization' where the other says 'HF hospitalizations'):
    runs of 2 to 6 content words whose initials are the acronym."""
    keys = {k for k in acronyms if k.isalpha() and 2 <= len(k) <= 6}
    if not keys:
        return set()
    words = [w for w in tokens(text) if w not in STOPWORDS and not w[0].isdigit()]
    out: set[str] = set()
    for k in range(2, 7):
        for i in range(len(words) - k + 1):
            run = words[i : i + k]
            if "".join(w[0] for w in run) in keys:
                out.update(root(w) for w in run)
    return out


def _expanded_abbreviation(word: str, text: str) -> bool:
    """A short word is spelled out in ``text`` by words whose initials it is ('lv' ->
    'left ventricular')."""
    letters = [c for c in word if c.isalpha()]
    if not 2 <= len(letters) <= 6:
        return False
    initials = "".join(w[0] for w in text.split() if w)
    return "".join(letters) in initials


_CALENDAR = LazyPattern(
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
        return _schedule_given(a, b)
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
        return _window_changed(a, b, now) or _schedule_dropped(a, b)
    if _schedule_moved(a, b, pb):
        return ""
    return f"assessed at {now}, was {was}"


def _schedule_moved(a: _Profile, b: _Profile, points: Sequence[float]) -> bool:
    """The new time frame gives exactly the assessment schedule the old description gave
    ("Pain level was evaluated before therapy, 12h, 24h, 48 and 72h after surgery" moved into
    the time frame): when it is assessed was already registered; the old time frame that
    disagreed with it is corrected, not changed. Every point of the schedule, and no other."""
    if not b.outcome.time_frame.strip():
        return False
    schedule = _merge(schedule_points(a.outcome.description))
    if len(schedule) < 2:
        return False
    if any(p >= 1 for p in schedule):
        schedule = [p for p in schedule if p >= 1]
    return not _missing(schedule, points) and not _missing(points, schedule)


# assessments counted or named by visit, session or cycle ("5 Visits", "after the second
# induction cycle", "Cycle 3 Day 1", "at each visit"), or a calendar month ("June 2010")
_ORDINALS = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|final|each|every"
)
_VISITS = LazyPattern(
    r"\b(?:[0-9]+|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:[a-z]+\s+)?"
    r"(?:visits?|sessions?|cycles?|courses?)\b|"
    r"\b(?:visits?|sessions?|cycles?|courses?)\s*[0-9]+|"
    r"\b(?:" + _ORDINALS + r")\s+(?:[a-z]+\s+)?(?:visits?|sessions?|cycles?|courses?)\b"
)


def _schedule_given(a: _Profile, b: _Profile) -> str:
    """The older version gave no time frame and no time at all; the newer time frame gives its
    assessments by visit, session or cycle ('5 Visits'), or a calendar month: a time frame is
    now given, though it names no duration."""
    if a.has_time_text or _VISITS.search(fold(a.outcome.text())):
        return ""
    tf = b.outcome.time_frame
    if _VISITS.search(fold(tf)) or calendar_dates(tf):
        return f"a time frame is now given: {tf.strip()[:60]!r}"
    return ""


# a period up to a time, rather than the time itself ("up to 2 days", "within 16 weeks")
_WINDOW = LazyPattern(r"\b(?:up to|within|until|till|throughout|no later than|at the latest)\b")


def _window_in_time_frame(time_frame: str) -> bool:
    """The time frame gives a period up to a time of a day or more ("up to 2 days")."""
    t = fold(time_frame)
    return any(
        any(p >= 1 for p in time_points(t[m.end() : m.end() + 30])) for m in _WINDOW.finditer(t)
    )


def _window_changed(a: _Profile, b: _Profile, now: str) -> str:
    """The same time, but the time frame now gives a period up to it where the outcome gave a
    time point, or the reverse ("2 days" -> "up to 2 days"). A period the title gives ("wound
    closure within the treatment time") counts for its side, but only a time frame's period
    makes a change."""
    wa_tf, wb_tf = (
        _window_in_time_frame(a.outcome.time_frame),
        _window_in_time_frame(b.outcome.time_frame),
    )
    wa = wa_tf or bool(_WINDOW.search(fold(a.outcome.measure)))
    wb = wb_tf or bool(_WINDOW.search(fold(b.outcome.measure)))
    if wb_tf and not wa:
        return f"now a period up to {now}, was a time point ({b.outcome.time_frame.strip()[:60]!r})"
    if wa_tf and not wb:
        return f"now a time point ({now}), was a period up to it ({a.outcome.time_frame.strip()[:60]!r})"
    return ""


def _schedule_dropped(a: _Profile, b: _Profile) -> str:
    """Time points of the old description's assessment schedule ("completed at baseline, months
    6, 12 and 18") that the new outcome names nowhere: assessments dropped. (Times a new
    description adds are mostly detail of the same time frame: not counted.)"""
    if not a.outcome.time_frame.strip():
        return ""  # the old description's times are already the old outcome's time points
    schedule = [p for p in schedule_points(a.outcome.description) if p >= 1]
    if not schedule:
        return ""
    anywhere = time_points(b.outcome.text())
    dropped = _missing(schedule, anywhere)
    if not dropped:
        return ""
    return (
        f"no longer assessed at {', '.join(days_text(p) for p in dropped)} (the older "
        f"description's schedule: {', '.join(days_text(p) for p in _merge(schedule))})"
    )
