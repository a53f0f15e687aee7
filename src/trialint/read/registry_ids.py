"""Trial registration numbers: which registry an id belongs to, the ids a free text names, and
the key that makes two spellings of one registration compare equal.

Ids are kept as each registry writes them (``ChiCTR2000029953``, ``EUCTR2020-000890-25-FR``,
``JPRN-UMIN000039686``, ``CTRI/2020/04/024775``). :func:`trial_key` maps the spellings of one
registration to one key: an EU CTR country record and the bare EudraCT number give
``EUDRACT:2020-000890-25``; ``JPRN-UMIN000039686`` and ``UMIN000039686`` give ``UMIN000039686``.
"""

from __future__ import annotations

from ..lazy_pattern import LazyPattern

# registry code -> pattern of its ids (anchored where used). Order matters for `registry_of`.
_ID_PATTERNS: tuple[tuple[str, str], ...] = (
    ("ctgov", r"NCT[0-9]{8}"),
    ("euctr", r"EUCTR[0-9]{4}-[0-9]{6}-[0-9]{2}(?:-(?:[A-Z]{2}|3RD))?"),
    ("ctis", r"[0-9]{4}-5[0-9]{5}-[0-9]{2}-[0-9]{2}"),
    ("euctr", r"(?:EudraCT[ :#-]*)?[0-9]{4}-[0-9]{6}-[0-9]{2}"),
    ("isrctn", r"ISRCTN[0-9]{8}"),
    ("chictr", r"ChiCTR(?:-[A-Z]{2,4}-)?[0-9]{8,10}"),
    ("ctri", r"CTRI/[0-9]{4}/[0-9]{2,3}/[0-9]{6}"),
    ("irct", r"IRCT[0-9]{6,14}N[0-9]{1,3}"),
    ("drks", r"DRKS[0-9]{8}"),
    ("anzctr", r"ACTRN[0-9]{14}"),
    ("jprn", r"(?:JPRN-)?(?:UMIN[0-9]{9}|jRCTs?[0-9]{9,10}|JapicCTI-[0-9]{6}|JMA-IIA[0-9]{5})"),
    ("ntr", r"(?:NTR[0-9]{3,5}|NL[0-9]{4,5}(?![0-9.]))"),
    ("rebec", r"RBR-[0-9a-z]{4,8}"),
    ("rpcec", r"RPCEC[0-9]{8}"),
    ("pactr", r"PACTR[0-9]{15,16}"),
    ("tctr", r"TCTR[0-9]{11}"),
    ("cris", r"KCT[0-9]{7}"),
    ("lbctr", r"LBCTR[0-9]{10}"),
    ("slctr", r"SLCTR/[0-9]{4}/[0-9]{3}"),
    ("repec", r"PER-[0-9]{3}-[0-9]{2}"),
)

REGISTRIES: tuple[str, ...] = tuple(dict.fromkeys(code for code, _ in _ID_PATTERNS))

_FULL = [(code, LazyPattern(pat)) for code, pat in _ID_PATTERNS]
# ids inside free text: not glued to other letters or digits
_ANY_ID = LazyPattern(
    r"(?<![A-Za-z0-9/-])(?:" + "|".join(f"(?:{p})" for _, p in _ID_PATTERNS) + r")(?![A-Za-z0-9])"
)
_EUDRACT = LazyPattern(r"[0-9]{4}-[0-9]{6}-[0-9]{2}")

# ICTRP's "Source Register" names -> registry codes
SOURCE_REGISTERS: dict[str, str] = {
    "clinicaltrials.gov": "ctgov",
    "chictr": "chictr",
    "ctri": "ctri",
    "irct": "irct",
    "eu clinical trials register": "euctr",
    "euctr": "euctr",
    "german clinical trials register": "drks",
    "drks": "drks",
    "isrctn": "isrctn",
    "anzctr": "anzctr",
    "jprn": "jprn",
    "netherlands trial register": "ntr",
    "ntr": "ntr",
    "rebec": "rebec",
    "rpcec": "rpcec",
    "pactr": "pactr",
    "tctr": "tctr",
    "repec": "repec",
    "cris": "cris",
    "lbctr": "lbctr",
    "slctr": "slctr",
}


def registry_of(record_id: str) -> str | None:
    """The registry code of an id written as the registry writes it, or None."""
    rid = record_id.strip()
    for code, rx in _FULL:
        if rx.fullmatch(rid):
            return code
    return None


def find_ids(text: str) -> list[str]:
    """Registration numbers named in a free text, in order, without repeats."""
    out: list[str] = []
    for m in _ANY_ID.finditer(text):
        s = m.group(0)
        if s not in out:
            out.append(s)
    return out


def trial_key(record_id: str) -> str:
    """One key for the spellings of one registration (see the module docstring)."""
    rid = record_id.strip().split("#", 1)[0]
    code = registry_of(rid)
    if code == "euctr":
        m = _EUDRACT.search(rid)
        if m:
            return "EUDRACT:" + m.group(0)
    if code == "jprn":
        return rid.removeprefix("JPRN-")
    if code == "ntr":
        return rid.upper()
    return rid
