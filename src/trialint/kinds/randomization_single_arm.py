"""Kind ``randomization-in-single-arm``: a single-arm study whose own outcomes or procedures speak
of randomization ("from the date of randomization", "patients will be randomized to ...").

Flow (vectorized until the last step):
  1. the design frame: records declared single-arm (interventionModel SINGLE_GROUP, allocation not
     RANDOMIZED), plus records with no design fields at all whose titles/summary call the study
     single-arm (the inference is recorded and shown in the message);
  2. ``rs.texts()`` narrowed to those records and to the rule's fields, then a pyarrow regex
     prefilter for randomization wording;
  3. Python only on the candidate texts: each occurrence is classified (negation, background
     about other trials, a hedge such as "(if any)", the order of test conditions) and the first
     occurrence that speaks of the study's own participants is reported, one finding per field.

The classifier (:func:`own_randomization`) is shared with the ``allocation-model-conflict`` kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern

# --- pyarrow helpers -------------------------------------------------------------------------


def arrow_match(values: pd.Series, pattern: str) -> pd.Series:
    """Case-insensitive RE2 search over a str Series with pyarrow; missing values give False."""
    arr = pa.array(values.astype("str"), type=pa.large_string(), from_pandas=True)
    hit = pc.match_substring_regex(arr, pattern, ignore_case=True)
    return pd.Series(
        hit.fill_null(False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool
    )


# --- the occurrence classifier ---------------------------------------------------------------

# Every randomization wording the rule knows (Python re; the pyarrow prefilter is looser).
_WORDING = LazyPattern(
    r"(?<![A-Za-z])(?:"
    r"randomi[sz](?:ations?|ing|ed|es|e)(?![A-Za-z])"
    r"|random(?:ly)?[\s-]+(?:assign|allocat)(?:ed|ment|ion|ing|s)?"
    r"|(?:assigned|allocated)\s+(?:at\s+)?random(?:ly)?(?![A-Za-z])"
    r")",
    re.I,
)
PREFILTER = r"(^|[^a-z])(randomi[sz]|random(ly)?[ \t\r\n-]+(assign|allocat)|(assigned|allocated)[ \t\r\n]+(at[ \t\r\n]+)?random)"

# Sentence limits: . ! ? ; followed by space, a colon ending a line, blank lines, list items and
# bullets. A bare line break is not one: legacy XML text blocks are hard-wrapped mid-sentence.
_SENT_END = LazyPattern(
    r"[.!?;](?=\s|$)|[.!?](?=[A-Z][a-z])|:[ \t]*\n|\n[ \t]*\n|\n(?=[ \t]*(?:[*•\-–]|[0-9]+[.)]|[a-z][.)])[ \t])|•|\s\*\s|\s-\s(?=[A-Z])"
)

_NEGATION_BEFORE = LazyPattern(
    r"(?:(?<![A-Za-z])(?:non|un|not|no|never|without|neither|nor|absence\s+of|lack\s+of|instead\s+of|rather\s+than)"
    r"|not\s+(?:be\s+)?(?:subject(?:ed)?\s+to|undergo(?:ing)?|involv(?:e|ing)|requir(?:e|ing)|includ(?:e|ing))"
    r"|no\s+need\s+for|there\s+(?:is|will\s+be)\s+no"
    r"|(?:not|never|unwilling|refus\w*|declin\w*)\s+(?:(?:wish|want|willing|agree|consent)\w*\s+)?to\s+be)"
    r"[\s-]*(?:(?:be|been|being|any|a|an|the|formal|further|patient|participant|subject)\s+)*$",
    re.I,
)
_NEGATION_AFTER = LazyPattern(
    # the wording may head a coordination first: "randomization and blinding are not applicable"
    r"^(?:\s*(?:,|/|and/or|and|or|nor)\s*(?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+)?"
    r"\s*(?:(?:is|was|will|would|shall|are|were|has|have|had)\s+)?(?:(?:be|been)\s+)?(?:not|never)\s+"
    r"(?:be\s+|been\s+)?(?:performed|applicable|used|done|conducted|planned|required|possible|involved|"
    r"needed|applied|carried\s+out|undertaken|foreseen|intended|part\s+of)"
    r"|^(?:\s*(?:,|/|and/or|and|or|nor)\s*(?:[A-Za-z-]+\s+){0,3}?[A-Za-z-]+)?"
    r"\s*[:=-]\s*(?:none|no|n/?a|not\s+applicable)(?![A-Za-z])",
    re.I,
)
# Negation reaching through a coordination: "no blinding of subjects or randomization of
# treatment", "neither blinded nor randomized", "without masking, stratification or randomization",
# "not controlled or randomized". A negating word (not a prefix: "non-blinded, randomized" negates
# only "blinded") heads a list of at most a few conjuncts joined by "or"/"nor"/","/"and", with no
# clause boundary (a finite verb, "but", "which") between it and the wording.
_CLAUSE_BREAK = (
    r"(?:but|however|although|though|while|whereas|which|who|that|because|since|so|then|thus|"
    r"is|are|was|were|will|shall|would|can|could|may|must|has|have|had|do|does|did|"
    r"receive[sd]?|receiving|get|gets|got)"
)
# "(no blinding and) randomization was done by computer": the wording starts a new clause
_FINITE_AFTER = LazyPattern(
    r"^\s*(?:(?:is|are|was|were|will|shall|would|has|have|had)|(?:is|are|was|were)\s+done)(?![A-Za-z])",
    re.I,
)
_COORD_NEGATION_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:no|not|never|without|neither|nor|absence\s+of|lack\s+of|free\s+of)\s+"
    rf"(?:(?!{_CLAUSE_BREAK}(?![A-Za-z]))[A-Za-z][A-Za-z0-9-]*[\s,/]+){{1,7}}?"
    r"(?P<coord>or|nor|and/or|and|,|/)\s*(?:(?:any|a|an|the|of|by|formal|patient|participant|subject)\s+)*$",
    re.I,
)
# "from the first dose or random assignment (if any)": a hedge, not a claim
_HEDGE_AFTER = LazyPattern(
    r"^\s*(?:\(\s*(?:if|when|where|as)\s+(?:any|applicable|appropriate|relevant)\s*\)"
    r"|,?\s*(?:if|when|where)\s+(?:any|applicable)(?![A-Za-z]))",
    re.I,
)
_HEDGE_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:usually|typically|generally|e\.g\.,?|such\s+as|for\s+example|where\s+applicable|if\s+applicable)"
    r"\s+(?:the\s+)?(?:(?:date|time|day)\s+of\s+)?$",
    re.I,
)
# "From the date of randomization": the lead-in belongs to the reported span
_LEAD_IN = LazyPattern(
    r"(?:(?<![A-Za-z])(?:from|since|after|at|until|before|following|prior\s+to)\s+(?:the\s+)?"
    r"(?:(?:date|time|day)\s+of\s+)?|(?<![A-Za-z])(?:the\s+)?(?:date|time|day)\s+of\s+)$",
    re.I,
)
# an extension / rollover study: randomization wording there is the parent study's
_EXTENSION_STUDY = LazyPattern(
    r"(?<![A-Za-z])(?:(?<!dose )(?<!dose-)extension\s+(?:study|trial|protocol)|open[- ]label\s+extension"
    r"|roll-?over\s+(?:study|trial|protocol)|continuation\s+(?:study|trial)|OLE)(?![A-Za-z])",
    re.I,
)
_EXTENSION_PREFILTER = r"(extension|roll-?over|continuation)[ \t-]+(study|trial|protocol)|open[- ]label[ \t]+extension|(^|[^a-z])ole([^a-z]|$)"


def extension_studies(studies: pd.DataFrame) -> pd.Series:
    """Record ids of extension / rollover studies (by their titles): randomization wording there
    is usually the parent study's ("baseline before randomization in study X")."""
    titles = studies["brief_title"].fillna("") + " | " + studies["official_title"].fillna("")
    cand = arrow_match(titles, _EXTENSION_PREFILTER)
    ok = titles[cand].map(lambda t: bool(_EXTENSION_STUDY.search(t)))
    return studies.loc[ok[ok].index, "record_id"]


# randomizing the order of test conditions inside one group is not allocation to arms
_ORDER_AFTER = LazyPattern(
    r"^\s*(?:of\s+(?:the\s+)?)?(?:order|sequence|sequencing)(?![A-Za-z])", re.I
)
# randomizing what is read or reviewed, not who is treated: "Masked Independent Randomized Radiology Review"
_MATERIAL_AFTER = LazyPattern(
    r"^(?:[\s,-]+[A-Za-z]+){0,3}?[\s,-]+(?:review|reviews|reading|reads|readers|images|slides|samples|specimens)(?![A-Za-z])",
    re.I,
)
_ORDER_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:order|sequence)(?:\s+of\s+[^.;]{1,80}?)?\s+(?:will\s+be|is|are|was|were|being|to\s+be)\s+"
    r"(?:[A-Za-z]+ly\s+)?$",
    re.I,
)
# a code naming a protocol: "ACP-103-069 is a randomized ...", "KEYNOTE-189 was a randomized ..."
_PROTOCOL_CODE = LazyPattern(
    r"(?<![A-Za-z0-9])(?:[A-Z][A-Za-z]*[- ]?[0-9][0-9A-Za-z-]*|NCT[0-9]{8})(?![A-Za-z0-9])"
)
# references to other trials, in the same sentence
_OTHER_TRIAL_SENTENCE = LazyPattern(
    r"(?<![A-Za-z])previously\s+(?:(?:been|were|was|had\s+been)\s+)?"
    r"(?:randomi|enrolled|participated|tested|studied|evaluated|treated\s+in\s+(?:a|the)\s+(?:randomi|study|trial))"
    r"|randomi[sz]ed\s+previously"
    r"|(?<![A-Za-z])(?:originally|initially)\s+(?:been\s+)?randomi"
    r"|randomi[sz]ed\s+(?:in|on|into|under)\s+(?:the\s+)?(?:study|protocol|trial)\s+(?-i:[A-Z0-9])"
    r"|(?<![A-Za-z])(?:parent|core|feeder|antecedent|original|preceding|predecessor|lead-in|previous|prior|earlier|index|qualifying)"
    r"(?:\s+[A-Za-z0-9-]+){0,2}\s+(?:study|studies|trial|trials|protocol)(?![A-Za-z])"
    r"|(?<![A-Za-z])et\s+al(?![A-Za-z])"
    r"|\((?-i:[A-Z])[^()]{0,40}?,?\s(?:19|20)[0-9]{2}[a-z]?\)|\((?:19|20)[0-9]{2}[a-z]?\)"
    r"|\[[0-9][0-9,\s-]*\]"
    r"|(?<![A-Za-z])(?:have|has|had)\s+(?:been\s+|also\s+|already\s+|recently\s+)?"
    r"(?:shown|demonstrated|reported|found|suggested|proven)"
    r"|(?<![A-Za-z])(?:showed|demonstrated|revealed)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:found|reported|concluded)\s+that(?![A-Za-z])",
    re.I,
)
_NCT = LazyPattern(r"NCT[0-9]{8}")
# a modifier placing the randomized trial elsewhere: "previous randomized", "a larger randomized"
_OTHER_MODIFIER_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:previous|prior|earlier|recent|past|published|large|larger|future|subsequent|eventual|"
    r"planned|upcoming|pivotal|landmark|separate|another|other|definitive|confirmatory|full[- ]?scale|"
    r"follow[- ]on|next|later|historical|well[- ]designed|several|many|numerous|few|full)"
    r"(?:[\s,/-]+[A-Za-z0-9-]+){0,3}[\s,/-]*$",
    re.I,
)
# "randomized (controlled) trials", "randomized data", "randomized trial (KEYNOTE-189)"
_PLURAL_AFTER = LazyPattern(
    r"^(?:[\s,/-]+(?!(?:trial|study|design)(?![A-Za-z]))[A-Za-z0-9-]+){0,4}?[\s,/-]+"
    r"(?:trials|studies|RCTs|data|evidence|comparisons|experience)(?![A-Za-z])"
    r"|^(?:[\s,/-]+[A-Za-z0-9-]+){0,4}?[\s,/-]+(?:trial|study)\s*\((?-i:[A-Z][A-Za-z]*[- ]?[0-9]+|NCT[0-9]{8})",
    re.I,
)
# a hypothetical trial: "a randomized trial may be feasible", "a randomized design would ..."
_HYPOTHETICAL_AFTER = LazyPattern(
    r"^(?:[\s,/-]+[A-Za-z0-9-]+){0,4}?[\s,/-]+(?:trial|study|design|RCT)\s+(?:may|might|could|would|should)(?![A-Za-z])",
    re.I,
)
# taking part in another (named) trial: "who completed the X Randomized Clinical Trial"
_OTHER_TRIAL_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:completed|finished|participated\s+in|enrolled\s+in|took\s+part\s+in|rolled\s+over\s+from)"
    r"\s+(?:the|a|an)(?![A-Za-z])[^.;]*$",
    re.I,
)
# a verb use: "patients will be randomized (to ...)", "randomized 1:1", "randomly assigned"
_VERB_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:be|been|being|is|are|was|were|get|gets|got|getting)\s+(?:[A-Za-z]+ly\s+)?$",
    re.I,
)
_VERB_AFTER = LazyPattern(
    r"^\s*(?:to|into|in\s+a|in\s+an|in\s+(?:a\s+)?[0-9]|in\s+equal|[0-9]+\s*:\s*[0-9]|between|among|across|"
    r"at\s+a\s+(?:[0-9]|ratio)|with\s+(?:a|an|equal)|equally|using|by\s+(?:a|an|the|computer|block|stratified)|"
    r"according|off|onto|within|on\s+a\s+[0-9])(?![A-Za-z])",
    re.I,
)
_DETERMINERS = LazyPattern(
    r"(?<![A-Za-z0-9])(this|these|those|that|the|a|an|our|its|their|his|her|each|every|any|such|another)(?![A-Za-z0-9])",
    re.I,
)
_OWN_DETERMINERS = {"this", "our", "its", "the"}
_OWN_SUBJECT = LazyPattern(r"(?<![A-Za-z])(?:this|our|present|current|proposed)(?![A-Za-z])", re.I)
_NP_BREAKERS = LazyPattern(
    r"(?<![A-Za-z])(?:of|in|on|for|to|with|by|from|is|are|was|were|be|will|that|which|who|than|as|at|after|before|"
    r"during|into|whether|if|and\s+then)(?![A-Za-z])",
    re.I,
)
# a trial still to be done or wished for: "a randomized trial is necessary", "to inform a future ..."
_PLANNED_TRIAL = LazyPattern(
    r"(?<![A-Za-z])(?:feasibility\s+of|necessary|needed|required|warranted|justif\w*|inform|prepar\w*|"
    r"plan(?:ning)?\s+(?:of|for)|design\s+of|propos\w*|support\w*|power\w*|decision|go/no-go|no-go|pave|"
    r"foundation\w*|future|next\s+(?:phase|step)|later|subsequent|eventual|would|could|should|might|never)(?![A-Za-z])",
    re.I,
)
_CONTRAST_BEFORE = LazyPattern(
    r"(?<![A-Za-z])(?:compared\s+(?:to|with)|versus|vs\.?|than|unlike|instead\s+of|rather\s+than|as\s+opposed\s+to)\s*$",
    re.I,
)
# the study speaking of itself: "we will perform a ...", "Part B will consist of a ..."
_OWN_STUDY_CUE = LazyPattern(
    r"(?<![A-Za-z])(?:we|our|investigators?|authors|this\s+(?:study|trial|project|protocol)|the\s+(?:study|trial|present)|"
    r"will\s+(?:be\s+)?(?:perform|conduct|carr|consist|compris|"
    r"recruit|enrol|includ|use|undertake)\w*|designed|consists?\s+of|comprises?|by\s+means\s+of)(?![A-Za-z])",
    re.I,
)
# "in a randomized, double-blind way", "according to a randomized schedule": this study's procedure
_MANNER_AFTER = LazyPattern(
    r"^(?:[\s,/-]+[A-Za-z0-9-]+){0,4}?[\s,/-]+(?:way|fashion|manner|schedule|scheme|sequence\s+list)(?![A-Za-z])",
    re.I,
)
# a heading or label before the sentence proper: "[Part 2] A placebo-controlled, randomized ..."
_LABEL_ONLY = LazyPattern(
    r"^\W*(?:\\?\[[^\]]{0,30}\\?\]|\([^)]{0,30}\)|(?:part|stage|phase|cohort|step|module)\s+[A-Za-z0-9]{1,4})?\W*$",
    re.I,
)
# an apposition to the study's name: "The goal of The BEGIN Study, a randomized controlled trial, ..."
_APPOSITION = LazyPattern(r"(?:study|trial)\s*(?:\([^()]{1,30}\))?\s*,\s*$", re.I)
_COPULA_BEFORE_ARTICLE = LazyPattern(
    r"(?:(?<![A-Za-z])(?:is|was|will\s+be|be|are|were|as|represents?|constitutes?|remains?)|[:])\s*$",
    re.I,
)


# --- parts of this study: a later, separate randomized part is not the single arm's randomization

# A part of the study named by its number or place: "Part 2", "Stage B", "second stage", "the
# Phase 2 portion", "dose expansion", "escalation phase". ``_part_order`` says whether it is the
# first part (1) or a later one (2). Disease stages ("stage III", "stage 2 breast cancer") and
# trial phases ("a phase II trial") are not parts.
_UNIT = r"(?:parts?|stages?|periods?|steps?|portions?|segments?|modules?|sections?)"
_PART = LazyPattern(
    r"(?<![A-Za-z])(?:"
    r"(?:part|period|step|portion|segment|module)\s*[-:]?\s*(?P<num>[0-9]{1,2}|[A-F]|I{1,3}|IV|V|one|two|three|four)(?![A-Za-z0-9])"
    r"|stage\s*[-:]?\s*(?P<snum>[0-9]|one|two|three)(?![A-Za-z0-9.])"
    r"(?!\s*(?:[A-Ca-c](?![A-Za-z])|cancers?|carcinomas?|diseases?|tumou?rs?|lymphomas?|melanomas?|breast|colon|"
    r"rectal|lung|gastric|kidney|renal|heart|chronic|hypertension|ckd|nsclc|crc|hcc|patients?|or\s+(?:higher|greater)))"
    r"|phase\s*(?P<pnum>[0-9]|I{1,3}|one|two|three)[ab]?\s+" + _UNIT + r"(?![A-Za-z])"
    r"|phase\s*(?P<hnum>[0-9]|I{1,3})[ab]?\s*:"
    r"|(?P<ord>first|initial|1st|second|2nd|third|3rd|subsequent|next|later|final|last)\s+"
    r"(?:[A-Za-z-]+\s+)?(?:" + _UNIT + r"|phases?)(?![A-Za-z])"
    r"|(?P<named>(?:dose[- ])?expansion|extension|escalation|safety\s+run-?in|run-?in|lead-?in|dose[- ]finding)"
    r"(?:\s+(?:" + _UNIT + r"|phases?|cohorts?))?(?![A-Za-z])"
    r")",
    re.I,
)
_FIRST_WORDS = {"1", "a", "i", "one", "first", "initial", "1st"}
_FIRST_NAMED = LazyPattern(r"escalation|run-?in|lead-?in|dose[- ]finding", re.I)


def _part_order(m: re.Match[str]) -> int:
    """1 for the first part of a study, 2 for a later one."""
    named = m.group("named")
    if named:
        return 1 if _FIRST_NAMED.search(named) else 2
    for key in ("num", "snum", "pnum", "hnum", "ord"):
        v = m.group(key)
        if v:
            return 1 if v.lower() in _FIRST_WORDS else 2
    return 1


# what puts the randomized part after the rest: "followed by a second stage during which
# subjects will be randomized", "the study will proceed with a placebo-controlled randomized study"
_SEQUENCE = LazyPattern(
    r"(?<![A-Za-z])(?:followed\s+by|subsequently|thereafter|afterwards|after\s+which|"
    r"(?:proceed|continue|move|progress|advance)(?:s|ed|ing)?\s+(?:with|to|into|on\s+to))"
    r"\s*,?\s*(?:(?:a|an|the|this)\s+)?",
    re.I,
)
_UNIT_NOUN = LazyPattern(
    r"(?<![A-Za-z])(?:" + _UNIT + r"|phases?|study|trial|cohorts?|expansion)(?![A-Za-z])", re.I
)
_HEADING_END = LazyPattern(r"[^\n.;]{0,60}?(?::|\n|$)")  # used with .match(text, pos)


def later_part(text: str, start: int, end: int, s0: int, s1: int) -> bool:
    """Whether the wording at text[start:end] (sentence text[s0:s1]) describes a later, separate
    part of the study: named in its own sentence before it ("In Part 2, patients are randomized"),
    right after it ("randomized expansion cohort", "random assignment (dose expansion stage)"),
    introduced as a next step ("followed by a second stage during which ..."), or under a heading
    of a later part earlier in the field ("Part 2: Dose Expansion ... * Patients randomized")."""
    before = text[s0:start]
    parts = list(_PART.finditer(before))
    if parts:
        return _part_order(parts[-1]) > 1
    near = _PART.search(text, end, min(s1, end + 60))
    if near and _part_order(near) > 1 and len(text[end : near.start()].split()) <= 4:
        return True
    for seq in _SEQUENCE.finditer(text, s0, start):
        unit = _UNIT_NOUN.search(text, seq.end(), s1)
        if unit is None or len(text[seq.end() : unit.start()].split()) > 5:
            continue
        if unit.start() > start:
            return True  # "proceed with a placebo-controlled randomized study"
    # a heading earlier in the field: "Part 2: Dose Expansion (Phase Ib)" / "STAGE 2\n"
    heads = [
        m
        for m in _PART.finditer(text, 0, s0)
        if _HEADING_END.match(text, m.end())
        or text[max(0, m.start() - 3) : m.start()].strip() in ("", "*", "-", "•")
    ]
    return bool(heads) and _part_order(heads[-1]) > 1


@dataclass(frozen=True)
class Occurrence:
    start: int
    end: int
    wording: str
    verdict: str  # "own" or the reason it is not about the study's own participants


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    s = 0
    for m in _SENT_END.finditer(text, 0, start):
        s = m.end()
    m2 = _SENT_END.search(text, end)
    return s, (m2.start() if m2 else len(text))


def _title_case(text: str) -> bool:
    """Text written in title case (a title), where capitals do not mark names."""
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def classify(text: str, start: int, end: int, own_ids: tuple[str, ...] = ()) -> str:
    """Why the randomization wording at text[start:end] is (``"own"``) or is not about the study's
    own participants: ``negated``, ``hedged``, ``material`` (what is read or reviewed),
    ``other-trial``, ``later-part`` (a later, separate part of this study), ``background``; or
    ``order``: the order of the conditions each participant goes through is randomized (no
    allocation to arms, but a randomized procedure of this study all the same)."""
    word = text[start:end]
    s0, s1 = _sentence_bounds(text, start, end)
    before, after, sentence = text[s0:start], text[end:s1], text[s0:s1]
    low = word.lower()
    if _NEGATION_BEFORE.search(before[-60:]) or _NEGATION_AFTER.search(after):
        return "negated"
    coord = _COORD_NEGATION_BEFORE.search(before[-100:])
    if coord and not (
        coord.group("coord").lower() in ("and", ",")
        and (_VERB_AFTER.search(after) or _FINITE_AFTER.search(after))
    ):
        return "negated"  # "no blinding of subjects or randomization of treatment"
    if _HEDGE_AFTER.search(after) or _HEDGE_BEFORE.search(before):
        return "hedged"
    if _MATERIAL_AFTER.search(after):
        return "material"
    if _ORDER_AFTER.search(after) or _ORDER_BEFORE.search(before):
        return "order"
    if _OTHER_TRIAL_SENTENCE.search(sentence):
        return "other-trial"
    if later_part(text, start, end, s0, s1):
        return "later-part"
    if any(n not in own_ids for n in _NCT.findall(sentence)):
        return "other-trial"
    if low not in ("randomized", "randomised"):
        return "own"  # a noun ("from randomization"), "randomly assigned", "to randomize"
    # "randomized" / "randomised": a verb ("will be randomized to") or an adjective ("a randomized trial")
    if _VERB_BEFORE.search(before) or _VERB_AFTER.search(after):
        return "own"
    if (
        _PLURAL_AFTER.search(after)
        or _OTHER_MODIFIER_BEFORE.search(before[-80:])
        or _HYPOTHETICAL_AFTER.search(after)
    ):
        return "background"
    if _OTHER_TRIAL_BEFORE.search(before):
        return "other-trial"
    if (
        word[0].isupper()
        and before.strip()
        and not before.rstrip().endswith((":", "("))
        and not _title_case(sentence)
    ):
        nxt = re.match(r"[\s-]+([A-Za-z]+)", after)
        if nxt and nxt.group(1)[0].isupper() and not _OWN_SUBJECT.search(before[-40:]):
            return "other-trial"  # a name in title case: "the SPIRIT III Randomized Control Trial"
    if _MANNER_AFTER.search(after):
        return "own"  # "in a randomized, double-blind way", "according to a randomized schedule"
    dets = list(_DETERMINERS.finditer(before))
    if not dets:
        return "own"  # "Randomized phase II trial to study ...", "Prospective, randomized, ..."
    det = dets[-1]
    between = before[det.end() :]
    if _NP_BREAKERS.search(between) or len(between.split()) > 6:
        return "own"  # the determiner belongs to another phrase
    d = det.group(1).lower()
    if d in _OWN_DETERMINERS:
        return "own"
    if d in ("a", "an"):
        head = before[: det.start()]
        if not head.strip() or _LABEL_ONLY.match(head) or _APPOSITION.search(head):
            return "own"  # "A randomized, double-blind study to ..."
        cop = _COPULA_BEFORE_ARTICLE.search(head)
        if not cop:
            if _PLANNED_TRIAL.search(sentence) or _CONTRAST_BEFORE.search(head):
                return "background"  # "... go/no-go decision on performing a randomized trial"
            if _OWN_STUDY_CUE.search(head):
                return "own"  # "We will perform a randomised trial", "Part B will consist of a randomized ..."
            return "background"  # "In a randomized phase III trial, drug Y improved survival"
        subject = head[: cop.start()]
        codes = [
            c
            for c in _PROTOCOL_CODE.findall(subject)
            if not any(c in i or i in c for i in own_ids if i)
        ]
        if codes and not _OWN_SUBJECT.search(subject):
            return "other-trial"  # "ACP-103-069 is a 6-week, randomized ..." in its extension study
        return "own"  # "This is a randomized ..."
    return "background"  # these / those / such / another ... randomized trials


def occurrences(text: str, own_ids: tuple[str, ...] = ()) -> list[Occurrence]:
    """Every randomization wording in ``text`` with its verdict; a lead-in such as "from the date
    of" joins the span."""
    out = []
    for m in _WORDING.finditer(text):
        start = m.start()
        lead = _LEAD_IN.search(text, max(0, start - 40), start)
        if lead and lead.end() == start:
            start = lead.start()
        out.append(
            Occurrence(
                start, m.end(), text[start : m.end()], classify(text, m.start(), m.end(), own_ids)
            )
        )
    return out


def own_randomization(text: str, own_ids: tuple[str, ...] = ()) -> list[Occurrence]:
    """The occurrences of randomization wording in ``text`` that speak of the study's own participants.
    ``own_ids``: the record's own identifiers (NCT number, org study id), not references to others."""
    return [o for o in occurrences(text, own_ids) if o.verdict == "own"]


def own_ids(row: Any) -> tuple[str, ...]:
    """A study row's own identifiers: record id, NCT number, the sponsor's protocol id."""
    return tuple(
        str(row[c])
        for c in ("record_id", "nct_id", "org_study_id")
        if isinstance(row.get(c), str) and row[c]
    )


def own_ids_by_record(studies: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    cols = [c for c in ("record_id", "nct_id", "org_study_id") if c in studies]
    return {
        str(vals[0]): tuple(str(v) for v in vals if isinstance(v, str) and v)
        for vals in studies[cols].itertuples(index=False, name=None)
    }


# --- design: declared or inferred single-arm -------------------------------------------------

_SINGLE_ARM = LazyPattern(
    r"(?<![A-Za-z0-9])(?:single[\s-]?(?:arm|group|cohort)|one-arm|1-arm|uni-?arm)(?:ed)?(?![A-Za-z0-9])",
    re.I,
)
SINGLE_ARM_PREFILTER = (
    r"(^|[^a-z0-9])(single[ \t\r\n-]?(arm|group|cohort)|one-arm|1-arm|uni-?arm)([^a-z0-9]|$)"
)
_MULTI_ARM = LazyPattern(
    r"(?<![A-Za-z0-9])(?:two|2|three|3|four|4|multi|multiple|dual|double|parallel)[\s-]?(?:arms?|groups?)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:versus|vs\.?|compared\s+(?:with|to)|against)(?![A-Za-z])",
    re.I,
)
_COMPARATOR_BEFORE = LazyPattern(
    r"(?:versus|vs\.?|compared\s+(?:with|to)|against|than|or)\s+(?:an?\s+|the\s+)?$", re.I
)
_PLURAL_SINGLE_ARM_AFTER = LazyPattern(
    r"^\s*(?:[A-Za-z-]+\s+){0,2}?(?:trials|studies|data)(?![A-Za-z])", re.I
)
_NOT_INTERVENTIONAL = {"OBSERVATIONAL", "EXPANDED_ACCESS"}
_INFER_FROM = (
    ("brief_title", "the title"),
    ("official_title", "the official title"),
    ("brief_summary", "the brief summary"),
)


def _single_arm_claim(text: str) -> re.Match[str] | None:
    """The wording calling the study single-arm, when it describes this study's own design."""
    for m in _SINGLE_ARM.finditer(text):
        s0, s1 = _sentence_bounds(text, m.start(), m.end())
        sentence = text[s0:s1]
        if _COMPARATOR_BEFORE.search(text[s0 : m.start()]) or _PLURAL_SINGLE_ARM_AFTER.search(
            text[m.end() : s1]
        ):
            continue
        if _MULTI_ARM.search(sentence) or _OTHER_TRIAL_SENTENCE.search(sentence):
            continue
        if own_randomization(sentence):
            continue
        return m
    return None


def single_arm_design(rs: RecordSet) -> pd.DataFrame:
    """record_id -> how the study is known to be single-arm (a phrase for the message).

    Declared: interventionModel SINGLE_GROUP and allocation not RANDOMIZED. Inferred: allocation
    and interventionModel both missing, not an observational/expanded-access record, and the
    title, official title or brief summary calls the study single-arm (and no title claims a
    randomized or multi-arm design)."""
    st = rs.studies
    if st.empty:
        return pd.DataFrame(
            {"record_id": pd.Series([], dtype="str"), "design": pd.Series([], dtype="str")}
        )
    model, alloc = st["intervention_model"], st["allocation"]
    declared = (model == "SINGLE_GROUP").fillna(False) & ~(alloc == "RANDOMIZED").fillna(False)
    dec = st.loc[declared, ["record_id", "allocation"]]
    rows: list[dict[str, str]] = [
        {
            "record_id": rid,
            "design": "single-arm study (interventionModel SINGLE_GROUP, allocation "
            + (al if isinstance(al, str) else "not given")
            + ")",
        }
        for rid, al in zip(dec["record_id"], dec["allocation"], strict=True)
    ]
    absent = model.isna() & alloc.isna() & ~st["study_type"].isin(list(_NOT_INTERVENTIONAL))
    cand = st.loc[absent]
    if len(cand):
        hit = pd.Series(False, index=cand.index)
        for col, _ in _INFER_FROM:
            hit |= arrow_match(cand[col], SINGLE_ARM_PREFILTER)
        cand = cand.loc[hit]
    for _, r in cand.iterrows():
        titles = " | ".join(
            t for t in (r["brief_title"], r["official_title"]) if isinstance(t, str)
        )
        if _MULTI_ARM.search(titles) and not _single_arm_claim(titles):
            continue
        if own_randomization(titles, own_ids(r)):
            continue
        for col, where in _INFER_FROM:
            text = r[col]
            if not isinstance(text, str):
                continue
            m = _single_arm_claim(text)
            if m:
                rows.append(
                    {
                        "record_id": r["record_id"],
                        "design": f"single-arm study (design inferred from {where} ('{m.group(0)}'))",
                    }
                )
                break
    return (
        pd.DataFrame(rows, columns=["record_id", "design"])
        .drop_duplicates("record_id")
        .astype("str")
    )


# --- the kind --------------------------------------------------------------------------------

# the verdicts this rule reports: the study's own randomization, including a randomized order of
# the conditions every participant goes through (a single group that randomizes the sequence of
# its interventions is, in the registry's terms, a crossover design)
_FLAGGED = ("own", "order")
DEFAULT_FIELDS = (
    r"^identificationModule\.(briefTitle|officialTitle)$",
    r"^outcomes\[[a-z]+\]\[[0-9]+\]\.(measure|description|time_frame)$",
    r"^descriptionModule\.(briefSummary|detailedDescription)$",
    r"^designModule\.designInfo\.interventionModelDescription$",
    r"^arms\[[0-9]+\]\.(label|description)$",
)
_ALLOWED = {"fields"}


_OUTCOME_FIELD = LazyPattern(r"outcomes\[([a-z]+)\]\[([0-9]+)\]\.([a-z_]+)$")
_ARM_FIELD = LazyPattern(r"arms\[([0-9]+)\]\.([a-z_]+)$")


def _short(text: str | None, limit: int = 60) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def item_names(
    rs: RecordSet, record_ids: pd.Series, fields: pd.Series
) -> dict[tuple[str, str], str]:
    """(record_id, field) -> the outcome's measure or the arm's label, for the fields given."""
    keys = fields.str.replace(r"\.(description|time_frame|measure)$", ".measure", regex=True)
    keys = keys.str.replace(r"^(arms\[[0-9]+\])\.(label|description)$", r"\1.label", regex=True)
    t = rs.texts()
    t = t[isin(t["record_id"], record_ids) & t["field"].isin(keys)]
    names = dict(zip(zip(t["record_id"], t["field"], strict=True), t["text"], strict=True))
    return {
        (r, f): _short(names.get((r, k)))
        for r, f, k in zip(record_ids, fields, keys, strict=True)
        if names.get((r, k))
    }


def field_phrase(field: str, name: str = "") -> str:
    """'the time frame of secondary outcome 2 ('Overall survival')', 'the brief summary', ..."""
    named = f" ('{name}')" if name else ""
    m = _OUTCOME_FIELD.match(field)
    if m:
        kind, pos, col = m.groups()
        part = {"time_frame": "time frame", "measure": "title", "description": "description"}.get(
            col, col
        )
        return f"the {part} of {kind} outcome {int(pos) + 1}{named}"
    m = _ARM_FIELD.match(field)
    if m:
        return f"the {m.group(2)} of arm {int(m.group(1)) + 1}{named}"
    col = {v: k for k, v in STUDY_FIELD_PATHS.items()}.get(field, field)
    return "the " + col.replace("_", " ")


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _ALLOWED)
    fields = params.get("fields", DEFAULT_FIELDS)
    if not isinstance(fields, list | tuple) or not fields:
        raise TypeError(
            "fields must be a non-empty list of regular expressions over canonical field paths"
        )
    for f in fields:
        try:
            re.compile(f)
        except re.error as e:
            raise ValueError(f"bad field pattern {f!r}: {e}") from e


def candidate_texts(
    rs: RecordSet, record_ids: pd.Series, fields: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """texts() of ``record_ids`` in ``fields`` that contain randomization wording (pyarrow prefilter)."""
    t = rs.texts()
    t = t[isin(t["record_id"], record_ids)]
    if t.empty:
        return t
    t = t[arrow_match(t["field"], "|".join(f"(?:{f})" for f in fields))]
    if t.empty:
        return t
    return t[arrow_match(t["text"], PREFILTER)]


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    fields = list(params.get("fields", DEFAULT_FIELDS))
    design = single_arm_design(rs)
    design = design[~design["record_id"].isin(extension_studies(rs.studies))]
    if design.empty:
        return kind_frame([])
    cand = candidate_texts(rs, design["record_id"], fields)
    if cand.empty:
        return kind_frame([])
    how = dict(zip(design["record_id"], design["design"], strict=True))
    ids = own_ids_by_record(rs.studies[isin(rs.studies["record_id"], cand["record_id"])])
    names = item_names(rs, cand["record_id"], cand["field"])
    rows: list[dict[str, Any]] = []
    for rid, field, text in zip(cand["record_id"], cand["field"], cand["text"], strict=True):
        own = [o for o in occurrences(text, ids.get(rid, (rid,))) if o.verdict in _FLAGGED]
        if not own:
            continue
        first = own[0]
        more = f" ({len(own)} places in this field)" if len(own) > 1 else ""
        fix = (
            "Time it from an event the study has (enrollment, first dose)"
            if field.startswith("outcomes[")
            else "Remove the randomization wording"
        )
        if first.verdict == "order":
            fix = (
                "A single group whose participants receive the conditions in a randomized order "
                "is a crossover assignment: register the intervention model as CROSSOVER with "
                "allocation RANDOMIZED, or remove the randomization wording"
            )
        rows.append(
            {
                "record_id": rid,
                "field": field,
                "start": first.start,
                "end": first.end,
                "message": (
                    f"{how[rid][0].upper()}{how[rid][1:]}, but {field_phrase(field, names.get((rid, field), ''))} "
                    f"speaks of randomization ('{first.wording}'){more}: nobody is randomized in a single-arm "
                    f"study. {fix}{'' if first.verdict == 'order' else ', or correct the design if participants are in fact randomized'}."
                ),
            }
        )
    return kind_frame(rows)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> pd.Series:
    """Records that may fire: declared single-group and not randomized, or without design fields
    (where single-arm may be inferred), with randomization wording in some text of the rule's
    fields (the pyarrow regex ``PREFILTER``, looser than the classifier)."""
    st = rs.studies
    model, alloc = st["intervention_model"], st["allocation"]
    declared = (model == "SINGLE_GROUP").fillna(False) & ~(alloc == "RANDOMIZED").fillna(False)
    absent = model.isna() & alloc.isna() & ~st["study_type"].isin(list(_NOT_INTERVENTIONAL))
    maybe = st.loc[(declared | absent).to_numpy(), "record_id"]
    fields = list(params.get("fields", DEFAULT_FIELDS))
    cand = candidate_texts(rs, maybe, fields)
    return st["record_id"].isin(cand["record_id"])


KINDS = (
    FunctionKind(
        name="randomization_single_arm", run_fn=run, validate_fn=validate, prefilter_fn=prefilter
    ),
)
