"""Lists packed into one text cell (WHO ICTRP, EU CTR): outcomes, interventions, conditions,
countries, split into items the way each registry packs them.

Every registry joins its items differently: ClinicalTrials.gov rows of ICTRP use ';' and
"Drug: name"; ChiCTR ';' with a trailing ';'; IRCT "X. Timepoint: Y. Method of measurement:
Z.;..."; ANZCTR and TCTR "measure[time frame]"; CTRI "measureTimepoint: ..."; EU CTR keyed
segments ("Primary end point(s): ...;Timepoint(s) of evaluation of this end point: ..."); JPRN
and ISRCTN numbered lines. A registry not known to pack a list gives one item. Exact repeats
inside one cell (ICTRP repeats a ClinicalTrials.gov intervention per arm) are dropped: they are
an artefact of the export, not two entries of the record.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..lazy_pattern import LazyPattern
from .design_text import clean_markup

# registries whose ICTRP cells separate items with ';'
_SEMICOLON_LISTS = frozenset({"ctgov", "chictr", "irct", "cris", "pactr", "tctr"})


class OutcomeItem(NamedTuple):
    measure: str | None
    description: str | None
    time_frame: str | None
    raw: str


class InterventionItem(NamedTuple):
    type: str | None
    name: str | None
    description: str | None


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for it in items:
        key = " ".join(it.split()).casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(it.strip())
    return out


_NUMBERED = LazyPattern(r"(?m)^\s*(?:\(?([0-9]{1,2})[.)]|[-•*·])\s+")


def numbered_items(text: str) -> list[str] | None:
    """Lines of a numbered (1., 2., ...) or bulleted list, each with its continuation lines; None
    when the text is not such a list (fewer than two items, or numbers out of order)."""
    marks = list(_NUMBERED.finditer(text))
    if len(marks) < 2:
        return None
    nums = [m.group(1) for m in marks]
    if all(n is not None for n in nums):
        if [int(n) for n in nums] != list(range(int(nums[0]), int(nums[0]) + len(nums))):
            return None
    elif any(n is not None for n in nums):
        return None
    head = text[: marks[0].start()].strip()
    if head and not head.endswith(":"):
        return None  # a paragraph that happens to contain a list: one item
    items = [
        text[m.end() : (marks[i + 1].start() if i + 1 < len(marks) else len(text))]
        for i, m in enumerate(marks)
    ]
    return [" ".join(i.split()) for i in items if i.strip()]


def split_items(text: str | None, registry: str | None) -> list[str]:
    """The items of a packed list cell (outcomes, conditions, interventions)."""
    if not text:
        return []
    t = clean_markup(text)
    if not t:
        return []
    if registry == "irct" and re.search(r"\.;", t):
        parts = re.split(r"(?<=\.);", t)
    elif registry in _SEMICOLON_LISTS and ";" in t:
        parts = t.split(";")
    else:
        parts = numbered_items(t) or [t]
    return _dedupe([p for p in parts if p.strip(" ;")])


# --- outcomes ---------------------------------------------------------------------------------

_BRACKET_TF = LazyPattern(
    r"^(?P<m>.*?)\s*\[\s*(?:time ?frame\s*:?\s*)?(?P<tf>[^\[\]]+?)\s*\]\s*$", re.I | re.S
)
_TF_KEY = LazyPattern(
    r"\s*(?:\.\s*)?(?:Timepoints?|Time points?|Timepoint\(s\)|Measurement time|Time ?frame)\s*:\s*",
    re.I,
)
_METHOD_KEY = LazyPattern(r"\s*(?:\.\s*)?Method of measurement\s*:\s*", re.I)
_LEAD = LazyPattern(
    r"^\s*(?:primary|secondary|key secondary)?\s*outcomes?\s*(?:measures?)?\s*[-:]\s*", re.I
)


def outcome_parts(item: str) -> OutcomeItem:
    """measure / description / time frame of one packed outcome item."""
    raw = item
    text = _LEAD.sub("", item).strip()
    desc: str | None = None
    tf: str | None = None
    m = _METHOD_KEY.search(text)
    if m:
        desc = text[m.end() :].strip(" .;") or None
        text = text[: m.start()]
    m = _TF_KEY.search(text)
    if m and m.start() > 0:
        tf = text[m.end() :].strip(" .;") or None
        text = text[: m.start()]
    else:
        b = _BRACKET_TF.match(text)
        if b and b.group("m").strip():
            text, tf = b.group("m"), b.group("tf").strip(" .;") or None
    measure = text.strip(" ;") or None
    return OutcomeItem(measure, desc, tf, raw)


# EU CTR packs its end points as keyed segments
_EU_KEYS = LazyPattern(
    r"(?i)(Main Objective|Secondary Objective|Primary end point\(s\)|Secondary end point\(s\)"
    r"|Timepoint\(s\) of evaluation of this end point)\s*:\s*"
)


def eu_endpoints(text: str) -> dict[str, str]:
    """EU CTR keyed segments: objective, end points, time points -> their text."""
    t = clean_markup(text)
    marks = list(_EU_KEYS.finditer(t))
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(t)
        val = t[m.end() : end].strip(" ;\n")
        key = m.group(1).lower()
        if val and key not in out:
            out[key] = val
    return out


def split_outcomes(text: str | None, registry: str | None) -> list[OutcomeItem]:
    if not text or not text.strip():
        return []
    segs = eu_endpoints(text)
    if segs and any(k.endswith("end point(s)") for k in segs):
        tf = segs.get("timepoint(s) of evaluation of this end point")
        out = []
        for key in ("primary end point(s)", "secondary end point(s)"):
            if key in segs:
                out.append(OutcomeItem(segs[key], None, tf, segs[key]))
        return out
    t = clean_markup(text)
    if re.search(
        r"(?i)\bName\s*:.*\bTimepoints?\s*:", t, re.S
    ):  # LBCTR "Name: ...;Timepoints: ...;Measure: ..."
        out = []
        for chunk in re.split(r"(?i)(?:^|;)\s*(?=Name\s*:)", t):
            fields = dict(
                (k.strip().lower(), v.strip())
                for k, v in re.findall(
                    r"(?i)(Name|Timepoints?|Measure)\s*:\s*(.*?)(?=;\s*(?:Name|Timepoints?|Measure)\s*:|$)",
                    chunk,
                    re.S,
                )
            )
            if fields.get("name"):
                out.append(
                    OutcomeItem(
                        fields["name"],
                        fields.get("measure") or None,
                        fields.get("timepoints") or fields.get("timepoint") or None,
                        chunk.strip(" ;"),
                    )
                )
        if out:
            return out
    return [outcome_parts(item) for item in split_items(text, registry)]


# --- interventions ----------------------------------------------------------------------------

_CTGOV_TYPES = {
    "drug": "DRUG",
    "biological": "BIOLOGICAL",
    "device": "DEVICE",
    "procedure": "PROCEDURE",
    "procedure/surgery": "PROCEDURE",
    "other": "OTHER",
    "behavioral": "BEHAVIORAL",
    "dietary supplement": "DIETARY_SUPPLEMENT",
    "radiation": "RADIATION",
    "genetic": "GENETIC",
    "diagnostic test": "DIAGNOSTIC_TEST",
    "combination product": "COMBINATION_PRODUCT",
}
_CTGOV_ITEM = LazyPattern(
    r"(?i)^(" + "|".join(re.escape(k) for k in _CTGOV_TYPES) + r")\s*:\s*(.+)$", re.S
)
_GROUP_MARK = LazyPattern(
    r"(?i)(?:^|\s)(?=(?:Intervention|Control(?: Intervention)?|Group)\s*[0-9]+\s*:)"
)
_EU_PRODUCT = LazyPattern(r"(?im)^(?:Trade Name|Product Name|INN or Proposed INN)\s*:")
_EU_NAME = LazyPattern(r"(?im)^(?:Product Name|Trade Name|INN or Proposed INN)\s*:\s*(.+)$")

NAME_MAX = 150  # a longer (or multi-line) item is a description of the intervention, not its name


def split_interventions(text: str | None, registry: str | None) -> list[InterventionItem]:
    if not text or not text.strip():
        return []
    t = clean_markup(text)
    if not t:
        return []
    if _EU_PRODUCT.search(t):
        # one product per paragraph: "Trade Name: ...\nProduct Name: ...\n...\n\nTrade Name: ..."
        blocks = [b.strip() for b in re.split(r"\n\s*\n", t) if _EU_PRODUCT.search(b)]
        out = []
        for b in _dedupe(blocks):
            names: dict[str, str] = {}
            for line in b.split("\n"):
                k, _, v = line.partition(":")
                names.setdefault(k.strip().lower(), v.strip())
            name = (
                names.get("product name")
                or names.get("trade name")
                or names.get("inn or proposed inn")
            )
            out.append(InterventionItem("DRUG", name or None, b))
        return out
    if registry == "ctgov" or _CTGOV_ITEM.match(t):
        items = split_items(t, "ctgov")
        if items and all(_CTGOV_ITEM.match(i) for i in items):
            out = []
            for i in items:
                m = _CTGOV_ITEM.match(i)
                assert m is not None
                out.append(
                    InterventionItem(_CTGOV_TYPES[m.group(1).lower()], m.group(2).strip(), None)
                )
            return out
    if registry in ("irct", "drks", "cris") and len(_GROUP_MARK.findall(t)) >= 2:
        items = _dedupe([p for p in _GROUP_MARK.split(t) if p.strip()])
    else:
        items = split_items(t, registry)
    return [
        InterventionItem(None, i, None)
        if len(i) <= NAME_MAX and "\n" not in i
        else InterventionItem(None, None, i)
        for i in items
    ]


# --- conditions and countries -----------------------------------------------------------------


def split_conditions(text: str | None) -> tuple[list[str], list[str]]:
    """(conditions, keywords): items separated by ';' or line breaks; EU CTR's "Therapeutic area:
    ..." classification goes to keywords."""
    if not text:
        return [], []
    t = clean_markup(text)
    conds, kws = [], []
    for part in re.split(r"[;\n]", t):
        p = part.strip(" .")
        if not p:
            continue
        m = re.match(r"(?i)therapeutic area\s*:\s*(.+)", p)
        if m:
            kws.append(m.group(1).strip())
        else:
            conds.append(p)
    return _dedupe(conds), _dedupe(kws)


# a comma inside a country name: "Korea, Republic of", "Iran (Islamic Republic of)", ...
_COUNTRY_TAIL = LazyPattern(
    r"^(?:Republic|Province|Islamic|Democratic|Federated|Plurinational|Bolivarian|United Republic|"
    r"The|Hong Kong|Macao|Taiwan|SAR|Former|People)\b",
    re.I,
)


def split_countries(text: str | None) -> list[str]:
    if not text:
        return []
    t = clean_markup(text)
    parts = re.split(r"[;\n]", t) if re.search(r"[;\n]", t) else t.split(",")
    out: list[str] = []
    for p in parts:
        p = p.strip(" .")
        if not p:
            continue
        if out and (_COUNTRY_TAIL.match(p) or p[:1].islower()) and ";" not in t:
            out[-1] = out[-1] + ", " + p
        else:
            out.append(p)
    return _dedupe(out)
