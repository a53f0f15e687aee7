"""EU Clinical Trials Register (EudraCT) formats.

- The register's full-text download (``.txt``): one block per country record ("Summary /
  EudraCT Number: ... / A. Protocol Information / A.1 Member State Concerned: ..."), fields as
  ``<code> <label>: <value>`` lines whose values run on over the following lines. The record id
  is written as WHO ICTRP writes EU CTR country records, ``EUCTR<EudraCT number>-<country>``;
  translations (``... (es):``) are left out.
- CSV tables of EU CTR trials: the register's search export (``EudraCT Number, Sponsor Name,
  Full Title, Medical Condition, Start Date``; its titles and conditions are cut at 200
  characters with "...") and tables keyed by ``trial_id`` (EudraCT numbers) with end-of-trial
  dates, countries and results type. Record id: the EudraCT number as written.
- EudraCT results XML (``clinical_trial_result`` schema): trial information, end points, arms.

The protocol sections map to the canonical frames through EudraCT's section codes
(:data:`PROTOCOL_CODES`), shared with the ctrdata JSON documents of EU CTR records.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..lazy_pattern import LazyPattern
from .build import FrameBuilder
from .design_text import clean_markup, parse
from .packed import numbered_items, split_conditions
from .registry_ids import find_ids

FORMAT_TEXT = "euctr-text"
FORMAT_CSV = "euctr-csv"
FORMAT_RESULTS_XML = "eudract-results-xml"

_STATUS = {
    "completed": "COMPLETED",
    "prematurely ended": "TERMINATED",
    "temporarily halted": "SUSPENDED",
    "ongoing": None,
}


def _yes(v: str | None) -> bool | None:
    if not v:
        return None
    s = v.strip().lower()
    return True if s.startswith("yes") else False if s.startswith("no") else None


def _count(v: str | None) -> float | None:
    if not v:
        return None
    m = re.match(r"\s*([0-9][0-9,]*)\s*$", v)
    return float(m.group(1).replace(",", "")) if m else None


def _endpoint_items(text: str | None) -> list[str]:
    if not text:
        return []
    t = clean_markup(text)
    return numbered_items(t) or [t]


def add_protocol(
    b: FrameBuilder,
    f: Mapping[str, str],
    *,
    record_id: str,
    fmt: str,
    path: str,
    line: int | None = None,
    pointer: str | None = None,
    status: str | None = None,
    first_submit: str | None = None,
    country: str | None = None,
) -> None:
    """One EU CTR protocol record from its fields by EudraCT section code ("A.3", "E.5.1")."""
    rid = b.unique_id(record_id)

    def g(code: str) -> str | None:
        v = f.get(code)
        if v is None:
            return None
        v = clean_markup(v)
        return v or None

    flags = {
        "Randomised": g("E.8.1.1"),
        "Open": g("E.8.1.2"),
        "Single blind": g("E.8.1.3"),
        "Double blind": g("E.8.1.4"),
        "Parallel group": g("E.8.1.5"),
        "Cross over": g("E.8.1.6"),
    }
    design = parse(
        "\n".join(f"{k}: {v.split()[0]}" for k, v in flags.items() if v and _yes(v) is not None)
    ).as_dict()
    phases = [
        p
        for code, p in (
            ("E.7.1", "PHASE1"),
            ("E.7.2", "PHASE2"),
            ("E.7.3", "PHASE3"),
            ("E.7.4", "PHASE4"),
        )
        if _yes(g(code))
    ]
    female, male = _yes(g("F.2.1")), _yes(g("F.2.2"))
    sex = "ALL" if female and male else "FEMALE" if female else "MALE" if male else None
    hv = _yes(g("F.3.1"))
    secondary = [
        i for code in ("A.5.1", "A.5.2", "A.5.3", "A.5.4") for i in find_ids(g(code) or "")
    ]
    incl, excl = g("E.3"), g("E.4")
    criteria = "\n\n".join(
        f"{head}:\n{text}"
        for head, text in (
            ("Principal inclusion criteria", incl),
            ("Principal exclusion criteria", excl),
        )
        if text
    )
    enrollment = _count(g("F.4.2.2")) or _count(g("F.4.2.1")) or _count(g("F.4.1"))
    present = [
        "brief_title", "official_title", "acronym", "org_study_id", "lead_sponsor",
        "brief_summary", "eligibility_criteria", "study_type", "sex", "healthy_volunteers",
        "enrollment_count", "conditions", "interventions", "outcomes", "outcomes[primary]",
        "outcomes[secondary]", "secondary_ids", "countries",
    ]  # fmt: skip
    present += [k for k, v in design.items() if v is not None]
    if phases:
        present.append("phases")
    if status is not None:
        present.append("overall_status")
    if first_submit:
        present.append("first_submit_date")
    b.add_study(
        record_id=rid,
        registry="euctr",
        source_format=fmt,
        org_study_id=g("A.4.1"),
        brief_title=g("A.3.1"),
        official_title=g("A.3"),
        acronym=g("A.3.2"),
        lead_sponsor=g("B.1.1"),
        overall_status=status,
        first_submit_date=first_submit,
        brief_summary=g("E.2.1"),
        study_type="INTERVENTIONAL",
        phases="|".join(phases) or None,
        eligibility_criteria=criteria or None,
        sex=sex,
        healthy_volunteers=None if hv is None else str(hv).lower(),
        enrollment_count=enrollment,
        secondary_ids="|".join(dict.fromkeys(secondary)) or None,
        countries=country,
        present_fields="|".join(present),
        **design,
    )
    b.add_source(rid, "", path=path, line=line, pointer=pointer)
    for kind, ep, tp in (("primary", "E.5.1", "E.5.1.1"), ("secondary", "E.5.2", "E.5.2.1")):
        tf = g(tp)
        for i, item in enumerate(_endpoint_items(g(ep))):
            b.add_outcome(rid, kind, i, item, None, tf, item)
    conds, kws = split_conditions(g("E.1.1"))
    for extra in (g("E.1.1.1"), g("E.1.1.2")):
        if extra:
            kws.append(extra)
    for i, c in enumerate(conds):
        b.add_term(rid, "condition", i, c)
    for i, k in enumerate(dict.fromkeys(kws)):
        b.add_term(rid, "keyword", i, k)
    for i, name in enumerate(n for n in f.get("_imps", "").split("\x1f") if n):
        b.add_intervention(rid, i, "DRUG", name, None, None)


# --- the full-text download -------------------------------------------------------------------


def sniff_text(text: str) -> bool:
    head = text[:3000]
    return "EudraCT Number:" in head and (
        "A. Protocol Information" in text[:20000] or "Summary\n" in head
    )


_FIELD = LazyPattern(
    r"^(?P<code>[A-P](?:\.[0-9]+)*|[A-P]\.IMP)\b[^:\n]*?(?P<lang> \([a-z]{2}\))?:[ \t]?(?P<val>.*)$"
)
_SUMMARY_FIELD = LazyPattern(
    r"^(EudraCT Number|Sponsor's Protocol Code Number|National Competent Authority|Clinical Trial Type"
    r"|Trial Status|Date on which this record was first entered in the EudraCT database|Link)\s*:\s*(.*)$"
)
_HEADING = LazyPattern(
    r"^(?:[A-P]\. [A-Z].*|Summary|Sponsor [0-9]+|MedDRA Classification|D\.IMP: [0-9]+)\s*$"
)


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of every country record: a block starts at the line
    'EudraCT Number:' (or at the 'Summary' heading just before it)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    begins = []
    for i, ln in enumerate(lines):
        if ln.startswith("EudraCT Number:"):
            begins.append(i - 1 if i > 0 and lines[i - 1].strip() == "Summary" else i)
    for k, begin in enumerate(begins):
        end = begins[k + 1] if k + 1 < len(begins) else len(lines)
        yield begin + 1, lines[begin:end]


def _fields(lines: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(fields by section code, summary fields by name): multi-line values joined; a code met
    twice keeps its first value (the first sponsor, the English text)."""
    fields: dict[str, str] = {}
    summary: dict[str, str] = {}
    imps: list[str] = []
    cur: tuple[dict[str, str], str] | None = None
    for ln in lines:
        m = _SUMMARY_FIELD.match(ln)
        if m:
            summary.setdefault(m.group(1), m.group(2).strip())
            cur = None
            continue
        m = _FIELD.match(ln)
        if m:
            code = m.group("code")
            if m.group("lang"):
                cur = None  # a translation: its continuation lines are skipped too
                continue
            if code in ("D.3.1", "D.2.1.1.1", "D.3.8") and m.group("val").strip():
                imps.append(m.group("val").strip())
            if code in fields:
                cur = None
                continue
            fields[code] = m.group("val")
            cur = (fields, code)
            continue
        if _HEADING.match(ln.strip()):
            cur = None
            continue
        if cur is not None:
            d, code = cur
            d[code] = d[code] + "\n" + ln
    # one name per product: product name, else trade name, else INN, in order of appearance
    fields["_imps"] = "\x1f".join(dict.fromkeys(imps))
    return fields, summary


def read_text(text: str, path: str) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    any_block = False
    for line, block in _blocks(text):
        any_block = True
        fields, summary = _fields(block)
        number = summary.get("EudraCT Number") or fields.get("A.2", "").strip()
        m = re.search(r"[0-9]{4}-[0-9]{6}-[0-9]{2}", number)
        if not m:
            b.add_error(path=path, line=line, reason="EU CTR record without an EudraCT number")
            continue
        link = summary.get("Link", "")
        cc = re.search(r"/trial/[0-9-]+/([A-Z]{2,3})/?", link)
        ms = (fields.get("A.1") or "").strip()
        country_code = cc.group(1) if cc else None
        rid = f"EUCTR{m.group(0)}" + (f"-{country_code}" if country_code else "")
        status_word = (summary.get("Trial Status") or "").strip().lower()
        add_protocol(
            b,
            fields,
            record_id=rid,
            fmt=FORMAT_TEXT,
            path=path,
            line=line,
            status=_STATUS.get(status_word),
            first_submit=(
                summary.get("Date on which this record was first entered in the EudraCT database")
                or None
            ),
            country=ms.split(" - ")[0].strip() or None,
        )
    if not any_block:
        b.add_error(path=path, line=1, reason="no EU CTR record ('EudraCT Number:' line) found")
    yield b


# --- CSV tables -------------------------------------------------------------------------------

_CSV_ROLES = {
    "eudract number": "id",
    "trial id": "id",
    "sponsor name": "sponsor",
    "full title": "title",
    "medical condition": "condition",
    "start date": "start",
    "trial start date": "start",
    "global end of trial date": "end",
    "trial countries": "countries",
    "results type": "results_type",
}


def _norm(h: str) -> str:
    return " ".join(h.replace("_", " ").lower().split())


def is_csv_header(header: list[str]) -> bool:
    roles = {_CSV_ROLES.get(_norm(h)) for h in header}
    names = {_norm(h) for h in header}
    return "eudract number" in names or ("id" in roles and "end" in roles)


_CC = LazyPattern(r"'([A-Z]{2})'")


def read_csv(text: str, path: str, chunk_size: int) -> Iterator[FrameBuilder]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = next(reader)
    roles = [_CSV_ROLES.get(_norm(h)) for h in header]
    carried = {r for r in roles if r}
    present = [
        name
        for role, name in (
            ("sponsor", "lead_sponsor"),
            ("title", "official_title"),
            ("condition", "conditions"),
            ("start", "start_date"),
            ("end", "completion_date"),
            ("countries", "countries"),
            ("results_type", "has_results"),
        )
        if role in carried
    ]
    b = FrameBuilder()
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            b.add_error(path=path, line=start, reason=f"unreadable CSV row: {e}")
            break
        row = {r: (c.strip() or None) for r, c in zip(roles, cells, strict=False) if r}
        line, start = start, reader.line_num + 1
        if not any(row.values()):
            continue
        ids = find_ids(row.get("id") or "")
        if not ids:
            b.add_error(
                path=path, line=line, reason=f"row without an EudraCT number: {row.get('id')!r}"
            )
            continue
        rid = b.unique_id(ids[0])
        countries = _CC.findall(row.get("countries") or "")
        b.add_study(
            record_id=rid,
            registry="euctr",
            source_format=FORMAT_CSV,
            lead_sponsor=row.get("sponsor"),
            official_title=row.get("title"),
            start_date=row.get("start"),
            completion_date=row.get("end"),
            countries="|".join(countries) or None,
            has_results=True if row.get("results_type") else None,
            present_fields="|".join(present),
        )
        b.add_source(rid, "", path=path, line=line)
        if row.get("condition"):
            b.add_term(rid, "condition", 0, row["condition"])
        if len(b) >= chunk_size:
            yield b
            b = FrameBuilder()
    yield b


# --- EudraCT results XML ----------------------------------------------------------------------


def sniff_results_xml(data: bytes) -> bool:
    head = data[:2048]
    return b"clinical_trial_result" in head and b"eudractNumber" in head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(e: Any, name: str) -> Any:
    for c in e:
        if _local(c.tag) == name:
            return c
    return None


def _text(e: Any, *path: str) -> str | None:
    for name in path:
        if e is None:
            return None
        e = _child(e, name)
    if e is None:
        return None
    t = "".join(e.itertext()).strip()
    return t or None


_ALLOC = {
    "ALLOCATION.randControlled": "RANDOMIZED",
    "ALLOCATION.nonRandControlled": "NON_RANDOMIZED",
}
_BLIND = {"BLINDING.not": "NONE", "BLINDING.single": "SINGLE", "BLINDING.double": "DOUBLE"}


def read_results_xml(data: bytes, path: str) -> Iterator[FrameBuilder]:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    b = FrameBuilder()
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException) as e:
        pos = getattr(e, "position", None)
        b.add_error(
            path=path, line=pos[0] if pos else None, reason=f"not well-formed or unsafe XML: {e}"
        )
        yield b
        return
    number = root.get("eudractNumber")
    if not number:
        b.add_error(path=path, reason="EudraCT results XML without an eudractNumber")
        yield b
        return
    ti = _child(root, "trialInformation")
    rid = b.unique_id(number)
    secondary = [
        i
        for tag in ("isrctnIdentifier", "usctnIdentifier", "whoIdentifier")
        for i in find_ids(_text(ti, tag) or "")
    ]
    period = None
    for node in root.iter():
        if _local(node.tag) == "postAssignmentPeriod":
            period = node
            break
    alloc = _ALLOC.get(_text(period, "allocation", "value") or "") if period is not None else None
    blind = _BLIND.get(_text(period, "blindingType", "value") or "") if period is not None else None
    sponsor = root.get("sponsor")
    for node in ti.iter() if ti is not None else ():
        if _local(node.tag) == "organisationName" and (node.text or "").strip():
            sponsor = (node.text or "").strip()
            break

    def date(v: str | None) -> str | None:
        return v[:10] if v and re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v) else None

    present = ["official_title", "org_study_id", "lead_sponsor", "brief_summary", "start_date",
               "primary_completion_date", "completion_date", "has_results", "outcomes",
               "outcomes[primary]", "outcomes[secondary]", "outcomes[other]", "arms",
               "secondary_ids", "study_type"]  # fmt: skip
    if alloc:
        present.append("allocation")
    if blind:
        present.append("masking")
    b.add_study(
        record_id=rid,
        registry="euctr",
        source_format=FORMAT_RESULTS_XML,
        official_title=_text(ti, "fullTitle"),
        org_study_id=_text(ti, "sponsorProtocolCode"),
        lead_sponsor=sponsor,
        brief_summary=_text(ti, "mainObjective"),
        start_date=date(_text(ti, "recruitmentStartDate")),
        start_date_type="ACTUAL" if _text(ti, "recruitmentStartDate") else None,
        primary_completion_date=date(_text(ti, "primaryCompletionDate")),
        primary_completion_date_type="ACTUAL" if _text(ti, "primaryCompletionDate") else None,
        completion_date=date(_text(ti, "globalEndOfTrialDate")),
        completion_date_type="ACTUAL" if _text(ti, "globalEndOfTrialDate") else None,
        study_type="INTERVENTIONAL",
        allocation=alloc,
        masking=blind,
        secondary_ids="|".join(dict.fromkeys(secondary)) or None,
        has_results=True,
        present_fields="|".join(present),
    )
    b.add_source(rid, "", path=path, pointer="/result")
    positions: dict[str, int] = {}
    for ep in root.iter():
        if _local(ep.tag) != "endPoint":
            continue
        kind = (_text(ep, "type", "value") or "").rsplit(".", 1)[-1].lower()
        kind = kind if kind in ("primary", "secondary") else "other"
        pos = positions.get(kind, 0)
        positions[kind] = pos + 1
        b.add_outcome(
            rid, kind, pos, _text(ep, "title"), _text(ep, "description"), _text(ep, "timeFrame")
        )
    if period is not None:
        arms = [a for a in period.iter() if _local(a.tag) == "arm"]
        for i, a in enumerate(arms):
            b.add_arm(rid, i, _text(a, "title"), None, _text(a, "description"), None)
    yield b
