"""A small vocabulary model of free-text study designs -> API v2 design codes.

WHO ICTRP exports carry each registry's design as one free-text cell: "Randomized parallel
controlled trial", "Single arm", "Allocation: Randomized. Intervention model: Parallel Assignment.
Masking: None (Open Label).", "Controlled: yes<br>Randomised: yes<br>Open: no<br>Double blind: yes",
"Randomization: Randomized, Blinding: Double blinded, ... Assignment: Parallel, Purpose:
Treatment", "Randomized, Parallel Group, Placebo Controlled Trial / Method of ...". :func:`parse`
reads allocation, intervention model, masking (with who is masked) and primary purpose from it
**only where the text says so**: a facet the text does not name, names only vaguely ("Blinded
(masking used)", "Assignment: Other", "Not selected") or names in two contradicting ways stays
None.

Three layers, each only for the facets still open:
1. ``Key: yes|no`` flags (EU CTR "Randomised: yes", NTR "Randomized: No");
2. ``Key: value`` pairs (``Allocation:``, ``Randomization:``, ``Intervention model:``,
   ``Assignment:``, ``Masking:``, ``Blinding:``, ``Purpose:``); the value is read with the
   facet's vocabulary;
3. the phrases of the whole text ("non-randomised", "single-arm", "double-blind",
   "open-label"), a negated phrase ("non-randomized", "not blinded") winning over the plain one
   inside it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..lazy_pattern import LazyPattern

FACETS = ("allocation", "intervention_model", "masking", "who_masked", "primary_purpose")


@dataclass(frozen=True)
class Design:
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    who_masked: str | None = None
    primary_purpose: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f: getattr(self, f) for f in FACETS}


_MARKUP = LazyPattern(r"[<&\r\n\t]|_x000D_|  ")


def clean_markup(text: str) -> str:
    """Export markup out: ``<br>`` and Excel's ``_x000D_`` become line breaks, entities decoded,
    every line stripped."""
    if not _MARKUP.search(text):
        return text.strip()
    t = text.replace("_x000D_", "")
    t = re.sub(r"(?i)<br\s*/?\s*>", "\n", t)
    t = html.unescape(t).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in t.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- facet vocabularies: (code, pattern) tried in order; a negated form comes first. A pattern
# anchored with ^ ("N/A", "None", "Single", "Double") reads only the value of a "Key:", never
# the whole text: a bare "N/A" design names no allocation.

_ALLOCATION: tuple[tuple[str, str], ...] = (
    ("NA", r"^(?:n/?a|not applicable)\b"),
    ("NON_RANDOMIZED", r"\b(?:non|not|quasi)[- ]?randomi[sz](?:ed|ation)\b|\bwithout randomi[sz]ation\b"),
    ("RANDOMIZED", r"\brandomi[sz]ed\b|\brandomly (?:allocated|assigned)\b|\brct\b"),
)  # fmt: skip
_MODEL: tuple[tuple[str, str], ...] = (
    ("SINGLE_GROUP", r"\bsingle[- ]?(?:arm(?:ed)?|group)\b|\bone[- ]arm\b"),
    ("SINGLE_GROUP", r"^single\b(?! *blind)"),
    ("PARALLEL", r"\bparallel\b|\bparerel\b"),
    ("CROSSOVER", r"\bcross[- ]?over\b"),
    ("FACTORIAL", r"\bfactorial\b"),
    ("SEQUENTIAL", r"\bsequential\b"),
)
_MASKING: tuple[tuple[str, str], ...] = (
    ("NONE", r"\bopen(?:[- ]label)?\b(?! *\(masking used)|\b(?:not|non|un)[- ]?blind(?:ed)?\b"
             r"|\bmasking not used\b|\bno masking\b"),
    ("NONE", r"^none\b"),
    ("QUADRUPLE", r"\bquadruple\b"),
    ("TRIPLE", r"\btriple(?:[- ](?:blind(?:ed)?|mask(?:ed|ing)?))?\b"),
    ("DOUBLE", r"\bdouble[- ](?:blind(?:ed)?|mask(?:ed|ing)?)\b"),
    ("DOUBLE", r"^double\b(?! *dummy)"),
    ("SINGLE", r"\bsingle[- ](?:blind(?:ed)?|mask(?:ed|ing)?)\b"),
    ("SINGLE", r"^single\b(?! *(?:arm|group))"),
)  # fmt: skip
_PURPOSE: tuple[tuple[str, str], ...] = (
    ("TREATMENT", r"^treatment\b"),
    ("PREVENTION", r"^prevention\b"),
    ("DIAGNOSTIC", r"^diagnos(?:tic|is)\b"),
    ("SUPPORTIVE_CARE", r"^supportive\b"),
    ("SCREENING", r"^screening\b"),
    ("HEALTH_SERVICES_RESEARCH", r"^health[- ]?(?:services?|care)[- ]?(?:research|reaserch|system)?\b"),
    ("BASIC_SCIENCE", r"^basic[- ]?(?:science|research)\b"),
    ("ECT", r"^educational\b"),
    ("OTHER", r"^other\b"),
)  # fmt: skip
_VOCAB = {
    "allocation": _ALLOCATION,
    "intervention_model": _MODEL,
    "masking": _MASKING,
    "primary_purpose": _PURPOSE,
}
_COMPILED = {
    facet: tuple((code, LazyPattern(p, re.IGNORECASE | re.MULTILINE)) for code, p in vocab)
    for facet, vocab in _VOCAB.items()
}

# who is masked, in CT.gov's words (the parenthesis after "Masking: Double (...)")
_ROLES = (
    ("PARTICIPANT", r"participant|patient|subject"),
    ("CARE_PROVIDER", r"care provider|therapist"),
    ("INVESTIGATOR", r"investigator"),
    ("OUTCOMES_ASSESSOR", r"outcomes? assessor|assessor"),
)

# --- layer 1: yes/no flags ----------------------------------------------------------------------

_FLAG = LazyPattern(
    r"(?im)\b(randomi[sz]ed|controlled|open|single blind|double blind|parallel group|cross over)"
    r"\s*:\s*(yes|no)\b"
)
_FLAG_CODES = {
    ("randomized", "yes"): ("allocation", "RANDOMIZED"),
    ("randomized", "no"): ("allocation", "NON_RANDOMIZED"),
    ("open", "yes"): ("masking", "NONE"),
    ("single blind", "yes"): ("masking", "SINGLE"),
    ("double blind", "yes"): ("masking", "DOUBLE"),
    ("parallel group", "yes"): ("intervention_model", "PARALLEL"),
    ("cross over", "yes"): ("intervention_model", "CROSSOVER"),
}

# --- layer 2: Key: value ------------------------------------------------------------------------

_KEY_FACET = (
    ("allocation", r"allocation|randomi[sz]ation"),
    ("intervention_model", r"intervention model|assignment"),
    ("masking", r"masking|blinding(?: and masking)?"),
    ("primary_purpose", r"(?:primary |study design )?purpose"),
)
_KEY = LazyPattern(
    r"(?i)(?<![A-Za-z])(" + "|".join(f"(?P<{f}>{p})" for f, p in _KEY_FACET) + r")\s*:\s*"
)
# where a value ends: the next "Word(s):" key, a sentence or item break
_VALUE_END = LazyPattern(
    r"(?:[.;,]\s+|[;\n]|\s/\s|\s{2,})(?=[A-Za-z][A-Za-z /()-]{0,40}:)|[;\n]|\.\s|$"
)


def _classify(facet: str, value: str, keyed: bool = True) -> str | None:
    """The one code of ``facet`` that ``value`` names (None when none or two). ``keyed``: the
    value of a "Key:" of this facet, where the anchored short forms count too."""
    found: list[str] = []
    span_taken: list[tuple[int, int]] = []
    for code, rx in _COMPILED[facet]:
        if not keyed and rx.pattern.startswith("^"):
            continue
        for m in rx.finditer(value):
            if any(a <= m.start() < b or a < m.end() <= b for a, b in span_taken):
                continue  # inside a negated form already counted ("non-randomized")
            span_taken.append(m.span())
            if code not in found:
                found.append(code)
    return found[0] if len(found) == 1 else None


def _roles(text: str) -> str | None:
    m = re.search(r"(?i)masking:\s*[a-z]+\s*\(([^)]*)\)", text)
    if not m:
        return None
    inner = m.group(1).lower()
    roles = [code for code, p in _ROLES if re.search(p, inner)]
    return "|".join(roles) or None


def parse(text: str | None) -> Design:
    """The design facets a free-text design states (see the module docstring)."""
    if not text or not text.strip():
        return Design()
    t = clean_markup(text)
    out: dict[str, str | None] = {}
    conflicts: set[str] = set()

    def put(facet: str, code: str | None) -> None:
        if code is None or facet in conflicts:
            return
        if facet in out and out[facet] != code:
            conflicts.add(facet)
            out.pop(facet)
            return
        out[facet] = code

    # 1. yes/no flags
    flags = False
    for m in _FLAG.finditer(t):
        key = re.sub(r"randomi[sz]ed", "randomized", m.group(1).lower())
        hit = _FLAG_CODES.get((key, m.group(2).lower()))
        flags = True
        if hit:
            put(*hit)
    if flags:
        # a flag the rest of the text contradicts says nothing: NTR's export writes
        # "Randomized: No" for every record, "Type: 2 or more arms, randomized" included
        rest = _FLAG.sub(" ", t)
        for facet in ("allocation", "intervention_model", "masking"):
            if facet in out:
                other = _classify(facet, rest, keyed=False)
                if other is not None and other != out[facet]:
                    out.pop(facet)
                    conflicts.add(facet)
    # 2. Key: value pairs (a value may name another facet: "Allocation: Single arm study")
    keyed: set[str] = set()
    for m in _KEY.finditer(t):
        facet = next(f for f, _ in _KEY_FACET if m.group(f))
        rest = t[m.end() :]
        end = _VALUE_END.search(rest)
        value = rest[: end.start() if end else len(rest)].strip(" .;,")
        keyed.add(facet)
        code = _classify(facet, value)
        if code is not None:
            put(facet, code)
        elif facet != "primary_purpose":
            for other in ("allocation", "intervention_model", "masking"):
                if other != facet:
                    put(other, _classify(other, value, keyed=False))
    # ISRCTN: the purpose in a closing parenthesis, "... trial (Treatment)"
    if "primary_purpose" not in out and "primary_purpose" not in keyed:
        tail = re.search(r"\(([A-Za-z /-]+)\)\s*$", t)
        if tail:
            put("primary_purpose", _classify("primary_purpose", tail.group(1).strip()))
    # 3. phrases of the whole text, for facets no flag or key settled
    if not flags:
        for facet in ("allocation", "intervention_model", "masking"):
            if facet not in out and facet not in conflicts and facet not in keyed:
                put(facet, _classify(facet, t, keyed=False))
    if out.get("masking") not in (None, "NONE"):
        out["who_masked"] = _roles(t)
    return Design(**{f: out.get(f) for f in FACETS})
