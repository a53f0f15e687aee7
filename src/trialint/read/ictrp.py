"""WHO ICTRP exports: CSV, XLSX and XML (``<Trials_downloaded_from_ICTRP><Trial>...``).

One row (or ``<Trial>``) is one registration as its registry wrote it: ``TrialID`` is the record
id exactly as written (``ChiCTR2000029953``, ``EUCTR2020-000890-25-FR``, ``CTRI/2020/04/024775``)
and ``registry`` is the registry the id belongs to (``ctgov`` for ClinicalTrials.gov rows, whose
id also fills ``nct_id``).

ICTRP carries its fields as the registries wrote them. Mapped to the canonical frames:
titles, acronym, sponsor, registration and enrolment dates, target size (ChiCTR's
"group:200;group:200;" is summed), study type, phase, sex, age limits, countries, secondary ids
(the full export's "Secondary ID(s)" column), "results yes no"; the free-text "Study design" through
the vocabulary model of :mod:`design_text` (only what it states; nothing for observational
studies); outcomes, interventions and conditions split out of their packed cells
(:mod:`packed`; outcomes keep the item text in ``raw``, so rules that need separately entered
measure / description / time frame leave them alone); inclusion and exclusion criteria joined
into the eligibility criteria. ICTRP's own recruitment status words ("Not recruiting",
"Authorised") say nothing ClinicalTrials.gov's statuses can hold and stay null.

What a row does not carry (no summary or description, no arms, no secondary outcomes in the
COVID-19 export, dates other than the ones above) stays null and out of ``present_fields``, so
no completeness rule judges it.

XML is parsed with defusedxml: no DTD, no entity expansion, no network.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..lazy_pattern import LazyPattern
from .build import FrameBuilder
from .design_text import clean_markup, parse
from .normalize import clean, norm_date, norm_phases, norm_status
from .packed import split_conditions, split_countries, split_interventions, split_outcomes
from .registry_ids import SOURCE_REGISTERS, find_ids, registry_of

FORMAT_CSV = "who-ictrp-csv"
FORMAT_XLSX = "who-ictrp-xlsx"
FORMAT_XML = "who-ictrp-xml"

csv.field_size_limit(2**31 - 1)

# normalised header -> canonical role
_COLUMNS: dict[str, str] = {
    "trialid": "id",
    "public title": "public_title",
    "scientific title": "scientific_title",
    "acronym": "acronym",
    "primary sponsor": "sponsor",
    "date registration": "date_registration",
    "date registration3": "date_registration3",
    "source register": "source_register",
    "recruitment status": "status",
    "other records": "other_records",
    "inclusion agemin": "agemin",
    "inclusion agemax": "agemax",
    "inclusion gender": "gender",
    "date enrollement": "date_enrolment",
    "date enrolment": "date_enrolment",
    "target size": "target_size",
    "study type": "study_type",
    "study design": "study_design",
    "phase": "phase",
    "countries": "countries",
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "condition": "condition",
    "intervention": "intervention",
    "primary outcome": "primary_outcome",
    "secondary outcome": "secondary_outcome",
    "secondary outcomes": "secondary_outcome",
    "secondary ids": "secondary_ids",
    "secondary id": "secondary_ids",
    "secondaryids": "secondary_ids",
    "results yes no": "results",
    "bridging flag truefalse": "bridged",
}
_RECORD_ROLES = {"public_title", "scientific_title"}


def _norm_header(h: str) -> str:
    return " ".join(h.replace("_", " ").replace("\ufeff", "").split()).lower()


def is_ictrp_header(names: list[str]) -> bool:
    roles = {_COLUMNS.get(_norm_header(n)) for n in names}
    return "id" in roles and bool(roles & _RECORD_ROLES)


def is_derived_table(names: list[str]) -> bool:
    """A table keyed by ICTRP's TrialID that is not an export (curated analysis tables)."""
    roles = {_COLUMNS.get(_norm_header(n)) for n in names}
    return "id" in roles and not roles & _RECORD_ROLES


def sniff_xml(data: bytes) -> bool:
    head = data[:4096]
    return b"<Trials_downloaded_from_ICTRP" in head or (b"<Trial>" in head and b"<TrialID>" in head)


# --- values -----------------------------------------------------------------------------------


def _cell(v: Any) -> str | None:
    """A cell as text: spreadsheet dates as ISO dates, whole floats without '.0'."""
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        return v.date().isoformat()
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    s = str(v)
    return s if s.strip() else None


def _date(v: str | None) -> str | None:
    if not v:
        return None
    s = v.strip()
    m = re.match(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9:.]+)?$", s)
    if m:
        return m.group(1)
    m = re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", s)
    if m:
        return "-".join(m.groups())
    m = re.fullmatch(r"([0-9]{1,2}) ([A-Za-z]+) ([0-9]{4})", s)  # "17 February 2020"
    if m:
        s = f"{m.group(2)} {m.group(1)}, {m.group(3)}"
    return norm_date(s)


def _enrollment(v: str | None) -> float | None:
    """'500', '400 (200 in each arm)', ChiCTR's 'Case:200;Control:200;' (summed)."""
    if not v:
        return None
    s = clean_markup(v)
    groups = re.findall(r":\s*([0-9]+)\s*(?:;|$)", s)
    if len(groups) >= 1 and re.fullmatch(r"(?:[^:;]*:\s*[0-9]+\s*;?\s*)+", s):
        return float(sum(int(g) for g in groups))
    m = re.match(r"\s*([0-9][0-9,]*)\b", s)
    if m:
        try:
            return float(m.group(1).replace(",", ""))
        except ValueError:
            return None
    return None


def _study_type(v: str | None) -> str | None:
    if not v:
        return None
    s = v.strip().lower()
    if s.startswith("interventional") or s in ("intervention", "interventional study"):
        return "INTERVENTIONAL"
    if s.startswith("observational"):
        return "OBSERVATIONAL"
    if s.startswith("expanded access"):
        return "EXPANDED_ACCESS"
    return None


_PHASE_WORDS = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


def _phases(v: str | None) -> str | None:
    """ICTRP phase words -> PHASE codes; only what the cell states ('N/A' and 'Not applicable'
    -> NA; ChiCTR's '0' -> EARLY_PHASE1; EU CTR's yes/no list; a date or a free word -> None)."""
    if not v:
        return None
    s = clean_markup(v)
    low = s.lower()
    if ":" in s and re.search(r"\(phase [iv]+\)\s*:\s*(yes|no)", low):  # EU CTR
        found = [
            "PHASE" + _PHASE_WORDS[m.group(1)]
            for m in re.finditer(r"\(phase ([iv]+)\)\s*:\s*yes", low)
        ]
        return "|".join(found) or None
    if low in ("n/a", "na", "not applicable", "not applicable.", "n.a."):
        return "NA"
    if re.fullmatch(r"(?:phase[- ]?)?0", low):
        return "EARLY_PHASE1"
    if low == "early phase 1":
        return "EARLY_PHASE1"
    nums = re.fullmatch(
        r"(?:phase[- ]?)?([1-4]|i{1,3}|iv)(?:\s*(?:/|-|to|\+|and)\s*(?:phase[- ]?)?([1-4]|i{1,3}|iv))?[a-z]?",
        low,
    )
    if nums:
        out = ["PHASE" + _PHASE_WORDS.get(g, g) for g in nums.groups() if g is not None]
        return "|".join(dict.fromkeys(out))
    p = norm_phases(s.replace("/", "|").replace(" | ", "|"))
    if p and all(
        x in ("NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4") for x in p.split("|")
    ):
        return p
    return None


def _sex(v: str | None) -> str | None:
    if not v:
        return None
    s = clean_markup(v).lower()
    m = dict(re.findall(r"(female|male)\s*:\s*(yes|no)", s))
    if m:
        f, ma = m.get("female") == "yes", m.get("male") == "yes"
        return "ALL" if f and ma else "FEMALE" if f else "MALE" if ma else None
    if re.search(r"\bboth\b|\ball\b|male ?(?:and|/|&) ?female|female ?(?:and|/|&) ?male", s):
        return "ALL"
    if re.fullmatch(r"females?|f|women", s):
        return "FEMALE"
    if re.fullmatch(r"males?|m|men", s):
        return "MALE"
    return None


_AGE = LazyPattern(r"([0-9]+(?:\.[0-9]+)?)\s*([ymwd])[a-z]*", re.I)
_AGE_UNITS = {"y": "Years", "m": "Months", "w": "Weeks", "d": "Days"}


def _age(v: str | None) -> str | None:
    """'18 Years', '20 years', '15Y', '1years-old' -> '18 Years'; 'N/A', 'No limit' -> None."""
    if not v:
        return None
    m = _AGE.fullmatch(v.strip().lower().replace("-old", "").replace(" old", ""))
    if not m:
        return None
    n = m.group(1).removesuffix(".0")
    return f"{n} {_AGE_UNITS[m.group(2).lower()]}"


def _criteria(incl: str | None, excl: str | None) -> str | None:
    parts = []
    for raw, head in ((incl, "Inclusion criteria"), (excl, "Exclusion criteria")):
        if not raw:
            continue
        t = clean_markup(raw)
        if not t or re.fullmatch(rf"(?i){head}\s*:?", t):
            continue
        parts.append(t)
    return "\n\n".join(parts) or None


# --- one row ----------------------------------------------------------------------------------


def add_row(
    b: FrameBuilder,
    row: Mapping[str, str | None],
    *,
    fmt: str,
    path: str,
    line: int | None = None,
    pointer: str | None = None,
    carried: frozenset[str],
) -> None:
    """One ICTRP row (role -> cell text) into the builder. ``carried``: the roles the file has."""
    tid = (row.get("id") or "").strip()
    if not tid:
        b.add_error(path=path, line=line, pointer=pointer, reason="ICTRP row without a TrialID")
        return
    registry = registry_of(tid) or SOURCE_REGISTERS.get(
        (row.get("source_register") or "").strip().lower(), "other"
    )
    rid = b.unique_id(tid)
    study_type = _study_type(row.get("study_type"))
    design = parse(row.get("study_design")).as_dict()
    if study_type in ("OBSERVATIONAL", "EXPANDED_ACCESS"):
        design = dict.fromkeys(design)  # design facets of interventional studies only
    status = norm_status(row.get("status") or "") if row.get("status") else None
    from .normalize import STATUSES

    if status not in STATUSES:
        status = None
    values: dict[str, Any] = {
        "nct_id": tid if registry == "ctgov" else None,
        "brief_title": clean(clean_markup(row.get("public_title") or "")),
        "official_title": clean(clean_markup(row.get("scientific_title") or "")),
        "acronym": clean(clean_markup(row.get("acronym") or "")),
        "lead_sponsor": clean(clean_markup(row.get("sponsor") or "")),
        "first_submit_date": _date(row.get("date_registration"))
        or _date(row.get("date_registration3")),
        "start_date": _date(row.get("date_enrolment")),
        "enrollment_count": _enrollment(row.get("target_size")),
        "study_type": study_type,
        "phases": _phases(row.get("phase")),
        "overall_status": status,
        "sex": _sex(row.get("gender")),
        "minimum_age": _age(row.get("agemin")),
        "maximum_age": _age(row.get("agemax")),
        "eligibility_criteria": _criteria(row.get("inclusion"), row.get("exclusion")),
        **design,
    }
    countries = split_countries(row.get("countries"))
    secondary = find_ids(row.get("secondary_ids") or "")
    secondary = [s for s in secondary if s != tid]
    results = (row.get("results") or "").strip().lower()
    has_results = True if results == "yes" else False if results == "no" else None
    # present: the columns the file has, and of the coded fields only those this row states
    coded = ("overall_status", "allocation", "intervention_model", "masking", "who_masked",
             "primary_purpose", "phases", "study_type", "sex", "minimum_age", "maximum_age",
             "enrollment_count")  # fmt: skip
    role_of = {
        "brief_title": "public_title",
        "official_title": "scientific_title",
        "acronym": "acronym",
        "lead_sponsor": "sponsor",
        "first_submit_date": "date_registration",
        "start_date": "date_enrolment",
        "eligibility_criteria": "inclusion",
    }
    present = [c for c, role in role_of.items() if role in carried]
    present += [c for c in coded if values.get(c) is not None]
    if registry == "ctgov":
        present.append("nct_id")
    if "condition" in carried:
        present.append("conditions")
    if "intervention" in carried:
        present.append("interventions")
    if "primary_outcome" in carried:
        present += ["outcomes", "outcomes[primary]"]
    if "secondary_outcome" in carried:
        present.append("outcomes[secondary]")
    if "countries" in carried:
        present.append("countries")
    if "secondary_ids" in carried:
        present.append("secondary_ids")
    if "results" in carried and has_results is not None:
        present.append("has_results")
    b.add_study(
        record_id=rid,
        registry=registry,
        source_format=fmt,
        **values,
        secondary_ids="|".join(secondary) or None,
        countries="|".join(countries) or None,
        linked_elsewhere=(row.get("bridged") or "").strip().lower() == "true"
        or (row.get("other_records") or "").strip().lower() == "yes",
        has_results=has_results,
        present_fields="|".join(dict.fromkeys(present)),
    )
    b.add_source(rid, "", path=path, line=line, pointer=pointer)
    for kind, role in (("primary", "primary_outcome"), ("secondary", "secondary_outcome")):
        for i, o in enumerate(split_outcomes(row.get(role), registry)):
            b.add_outcome(rid, kind, i, o.measure, o.description, o.time_frame, o.raw)
    for i, iv in enumerate(split_interventions(row.get("intervention"), registry)):
        b.add_intervention(rid, i, iv.type, iv.name, iv.description, None)
    conds, kws = split_conditions(row.get("condition"))
    for i, c in enumerate(conds):
        b.add_term(rid, "condition", i, c)
    for i, k in enumerate(kws):
        b.add_term(rid, "keyword", i, k)


# --- the three containers ---------------------------------------------------------------------


def _roles(header: list[str]) -> list[str | None]:
    return [_COLUMNS.get(_norm_header(h)) for h in header]


def _derived_error(path: str, header: list[str], rows: int) -> FrameBuilder:
    b = FrameBuilder()
    b.add_error(
        path=path,
        line=1,
        reason=(
            f"a table keyed by ICTRP's TrialID ({rows:,} rows; columns: {', '.join(header[:8])}"
            f"{', ...' if len(header) > 8 else ''}), not an ICTRP export: it has no title "
            "columns, so its rows are not registry records; not read"
        ),
    )
    return b


def read_rows(
    header: list[str],
    rows: Iterator[tuple[int, list[Any]]],
    *,
    path: str,
    fmt: str,
    chunk_size: int,
    pointer_of: Any = None,
) -> Iterator[FrameBuilder]:
    """Rows (place, cells) under ``header`` -> builders of about chunk_size records."""
    roles = _roles(header)
    carried = frozenset(r for r in roles if r)
    b = FrameBuilder()
    for place, cells in rows:
        row: dict[str, str | None] = {}
        for role, v in zip(roles, cells, strict=False):
            if role and role not in row:
                row[role] = _cell(v)
        if not any(row.values()):
            continue
        if pointer_of is None:
            add_row(b, row, fmt=fmt, path=path, line=place, carried=carried)
        else:
            add_row(b, row, fmt=fmt, path=path, pointer=pointer_of(place), carried=carried)
        if len(b) >= chunk_size:
            yield b
            b = FrameBuilder()
    yield b


def read_csv(text: str, path: str, chunk_size: int) -> Iterator[FrameBuilder]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        b = FrameBuilder()
        b.add_error(path=path, line=1, reason=f"unreadable ICTRP CSV header: {e}")
        yield b
        return
    if is_derived_table(header):
        yield _derived_error(path, header, sum(1 for _ in reader))
        return

    def rows() -> Iterator[tuple[int, list[Any]]]:
        start = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                bad = FrameBuilder()
                bad.add_error(path=path, line=start, reason=f"unreadable CSV row: {e}")
                errors.append(bad)
                return
            yield start, cells
            start = reader.line_num + 1

    errors: list[FrameBuilder] = []
    yield from read_rows(header, rows(), path=path, fmt=FORMAT_CSV, chunk_size=chunk_size)
    yield from errors


def read_xlsx(data: bytes, path: str, chunk_size: int) -> Iterator[FrameBuilder]:
    """Every sheet whose first row is an ICTRP header; rows are placed by sheet and row number."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a declared dependency
        b = FrameBuilder()
        b.add_error(
            path=path, reason="reading XLSX needs python-calamine (pip install python-calamine)"
        )
        yield b
        return
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as e:  # calamine raises its own error types for broken workbooks
        b = FrameBuilder()
        b.add_error(path=path, reason=f"not a readable XLSX workbook: {e}")
        yield b
        return
    read_any = False
    for sheet in wb.sheet_names:
        try:
            table = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as e:
            b = FrameBuilder()
            b.add_error(path=path, pointer=sheet, reason=f"unreadable sheet '{sheet}': {e}")
            yield b
            continue
        if not table:
            continue
        header = [str(h) if h is not None else "" for h in table[0]]
        if not is_ictrp_header(header):
            continue
        read_any = True
        yield from read_rows(
            header,
            ((i + 1, list(r)) for i, r in enumerate(table) if i > 0),
            path=path,
            fmt=FORMAT_XLSX,
            chunk_size=chunk_size,
            pointer_of=lambda row, s=sheet: f"{s}!A{row}",
        )
    if not read_any:
        b = FrameBuilder()
        b.add_error(
            path=path,
            reason="no sheet of this workbook is a WHO ICTRP export (a first row with TrialID "
            "and the title columns)",
        )
        yield b


def read_xml(data: bytes, path: str, chunk_size: int) -> Iterator[FrameBuilder]:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException) as e:
        b = FrameBuilder()
        pos = getattr(e, "position", None)
        b.add_error(
            path=path,
            line=pos[0] if pos else None,
            column=pos[1] + 1 if pos else None,
            reason=f"not well-formed or unsafe XML: {e}",
        )
        yield b
        return
    trials = [root] if root.tag == "Trial" else list(root.iter("Trial"))
    header: list[str] = []
    for t in trials:
        for child in t:
            if child.tag not in header:
                header.append(child.tag)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for i, t in enumerate(trials, start=1):
            texts = {child.tag: "".join(child.itertext()) for child in t}
            yield i, [texts.get(h) for h in header]

    yield from read_rows(
        header,
        rows(),
        path=path,
        fmt=FORMAT_XML,
        chunk_size=chunk_size,
        pointer_of=lambda i: f"/{root.tag}/Trial[{i}]",
    )
