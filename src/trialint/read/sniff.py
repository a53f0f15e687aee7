"""Is a file a registry record at all? Decided by its structure, never by its name.

A hook that passes every changed ``.json``/``.txt``/``.csv``/``.xml`` file (pre-commit) hands
trialint ``package.json`` and ``requirements.txt`` too. Such a file is *skipped with a note*,
not reported as a read error. A file that shows any sign of being a registry record (a
registry's structure: ``protocolSection``, ``<clinical_study>``, a registry CSV header, the
plain-text export layout (checked by its reader); or a trial id of any registry) is read, and stays a read error if it
cannot be: a broken record is never skipped.
"""

from __future__ import annotations

import re

# Trial ids of ClinicalTrials.gov, ISRCTN, EudraCT/EU CT and the WHO primary registries.
REGISTRY_ID = re.compile(
    rb"(?<![A-Za-z0-9])(?:"
    rb"NCT[0-9]{8}"
    rb"|ISRCTN[0-9]{8}"
    rb"|(?:19|20)[0-9]{2}-[0-9]{6}-[0-9]{2}(?:-[0-9]{2})?"
    rb"|ACTRN[0-9]{14}|ChiCTR[-0-9A-Z]{6,}|CTRI/[0-9]{4}/[0-9]+/[0-9]+|DRKS[0-9]{8}"
    rb"|IRCT[0-9A-Z]{8,}|JPRN-[A-Za-z]+[0-9]+|KCT[0-9]{7}|NTR[0-9]{3,}|NL-OMON[0-9]+"
    rb"|PACTR[0-9]{15}|RBR-[0-9a-z]{6,}|RPCEC[0-9]{8}|SLCTR/[0-9]{4}/[0-9]+"
    rb"|TCTR[0-9]{11}|PER-[0-9]{3}-[0-9]{2}|LBCTR[0-9]{10}|ITMCTR[0-9]+|CTIS[0-9]+"
    rb")(?![0-9])"
)

# Keys and element names that registry records (of any registry, any API version) carry.
RECORD_MARKERS: tuple[bytes, ...] = (
    b"protocolSection",
    b"ProtocolSection",
    b"identificationModule",
    b"derivedSection",
    b"resultsSection",
    b"FullStudies",
    b"StudyFieldsResponse",
    b"nctId",
    b"NCTId",
    b"clinical_study",
    b"TrialID",
    b"trial_id",
    b"Trials_downloaded_from_ICTRP",
    b"Public_title",
    b"Scientific_title",
    b"eudract",
    b"EudraCT",
    b"ctrname",
    b"trialIdentifier",
)

# Column headers of registry CSV exports (lower case): ClinicalTrials.gov's two layouts, WHO ICTRP.
CSV_HEADERS: frozenset[str] = frozenset(
    {
        "nct number",
        "nct id",
        "nctid",
        "study title",
        "brief summary",
        "primary outcome measures",
        "outcome measures",
        "study status",
        "trialid",
        "trial id",
        "public_title",
        "scientific_title",
        "eudract number",
    }
)


def has_registry_id(data: bytes) -> bool:
    return REGISTRY_ID.search(data) is not None


def looks_like_record(data: bytes) -> bool:
    """Any sign of a registry record: a record's key or element name, or a trial id."""
    return any(m in data for m in RECORD_MARKERS) or has_registry_id(data)


def looks_like_csv_export(first_line: str) -> bool:
    """A header row with a column that registry CSV exports have."""
    cells = {c.strip().strip('"').strip().lower() for c in re.split(r"[,\t;]", first_line)}
    return not cells.isdisjoint(CSV_HEADERS)


def not_a_record(data: bytes, kind: str) -> str | None:
    """Why ``data`` (a file's content, of ``kind`` json|xml|csv|text) is plainly not a registry
    record, or None when it may be one (then its reader decides, and reports what it cannot read)."""
    if not data.strip():
        return None  # an empty file: a truncated record as much as anything; the reader says so
    if looks_like_record(data):
        return None
    if kind == "csv":
        first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
        if looks_like_csv_export(first):
            return None
        return "a CSV file with no registry export column and no trial id"
    if kind == "text":
        return "a text file in no registry export layout, with no trial id"
    if kind == "xml":
        return "an XML document with no registry record element and no trial id"
    return "JSON with no registry record key such as protocolSection, and no trial id"
