"""Legacy ClinicalTrials.gov `<clinical_study>` XML (public.xsd), one study per file.

Values are mapped to the API v2 vocabulary ("Single Group Assignment" -> SINGLE_GROUP); text
blocks are dedented. Sources point at an XPath-like path (`/clinical_study/brief_summary/textblock`).

Parsing is hardened: expat driven directly (no network, no external entities), an entity
declaration (`<!ENTITY ...>`, the way to an entity-expansion bomb) is refused, elements nested
deeper than MAX_DEPTH are not built, any encoding the XML declaration names is read (through
Python's codecs when expat does not know it, e.g. Shift_JIS), a prolog of any length (licence
comments, a DOCTYPE) and namespaces (a default namespace on the root, prefixes) are fine.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
from collections.abc import Iterator
from typing import Any

from .build import FrameBuilder
from .limits import MAX_DEPTH, MAX_RECORD_ID_CHARS
from .normalize import code, dedent, norm_date, norm_masking, norm_phases, norm_status
from .registry_ids import find_ids

FORMAT = "ctgov-xml"

_MODEL = {
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
}
_ALLOCATION = {"RANDOMIZED": "RANDOMIZED", "NON_RANDOMIZED": "NON_RANDOMIZED", "N_A": "NA"}
_STUDY_TYPE = {
    "INTERVENTIONAL": "INTERVENTIONAL",
    "OBSERVATIONAL": "OBSERVATIONAL",
    "OBSERVATIONAL_PATIENT_REGISTRY": "OBSERVATIONAL",
    "EXPANDED_ACCESS": "EXPANDED_ACCESS",
}
_DATE_TYPE = {
    "ACTUAL": "ACTUAL",
    "ANTICIPATED": "ESTIMATED",
    "ESTIMATE": "ESTIMATED",
    "ESTIMATED": "ESTIMATED",
}
_SEX = {"ALL": "ALL", "BOTH": "ALL", "FEMALE": "FEMALE", "MALE": "MALE"}
_NCT = re.compile(r"NCT[0-9]{8}")


_PROLOG_ITEM = re.compile(
    rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.S | re.I
)
_ROOT_TAG = re.compile(rb"\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# encodings expat reads itself; any other declared encoding is decoded with Python's codecs
_EXPAT_NATIVE = frozenset({"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii", "iso-8859-1"})  # fmt: skip
_DECLARED = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def _ascii_view(data: bytes) -> bytes:
    """The start of the document as bytes a regex can read (UTF-16 decoded, BOM dropped)."""
    if data[:2] in _UTF16:
        return data[: 1 << 20].decode("utf-16", "ignore").encode("utf-8", "replace")
    return data.removeprefix(codecs.BOM_UTF8)


def root_name(data: bytes) -> str | None:
    """The local name of the root element, after a prolog of any length."""
    view = _ascii_view(data)
    pos = 0
    while True:
        m = _PROLOG_ITEM.match(view, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    m = _ROOT_TAG.match(view, pos)
    return m.group(1).decode("ascii", "replace") if m else None


def sniff(data: bytes) -> bool:
    return root_name(data) == "clinical_study"


class _Refused(Exception):
    """What the hardened parser will not read (an entity declaration, an unknown encoding)."""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _prepare(data: bytes) -> tuple[bytes, str | None, str | None]:
    """(bytes for expat, the encoding to override the declaration with or None, a problem)."""
    if data[:2] in _UTF16 or data.startswith(codecs.BOM_UTF8):
        return data, None, None
    m = _DECLARED.match(data)
    declared = m.group(1).decode("ascii").lower() if m else None
    if declared is None or declared in _EXPAT_NATIVE:
        return data, None, None
    try:
        codec = codecs.lookup(declared)
    except LookupError:
        raise _Refused(
            f"the XML declares an encoding Python does not know ('{declared}')"
        ) from None
    try:
        return data.decode(codec.name).encode("utf-8"), "utf-8", None
    except UnicodeDecodeError as e:
        problem = (
            f"bytes that are not {declared} text as the XML declaration says (byte {e.start:,}): "
            "read with U+FFFD in their place"
        )
        return data.decode(codec.name, "replace").encode("utf-8"), "utf-8", problem


def parse(data: bytes) -> tuple[ET.Element, list[tuple[str, str]]]:
    """Parse hardened; returns the root and the problems met on the way ((element path,
    message): elements nested too deep). Raises ET.ParseError (with .position) or _Refused."""
    body, encoding, problem = _prepare(data)
    tb = ET.TreeBuilder()
    parser = expat.ParserCreate(encoding)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.ordered_attributes = False
    problems: list[tuple[str, str]] = [("/clinical_study", problem)] if problem else []
    stack: list[str] = []
    depth = 0

    def refuse_entity(name: str, *args: Any) -> None:
        raise _Refused(
            f"the XML declares an entity (<!ENTITY {name} ...>): refused, as entity expansion "
            "can make a small file huge"
        )

    def refuse_external(*args: Any) -> int:
        refuse_entity("(external)")
        return 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            if depth == MAX_DEPTH + 1:
                problems.append(
                    (
                        "/" + "/".join(stack[:2]),
                        f"elements nested more than {MAX_DEPTH} levels deep inside "
                        f"<{stack[1] if len(stack) > 1 else stack[0]}>: those are not read",
                    )
                )
            return
        tag = _local(name)
        stack.append(tag)
        tb.start(tag, {_local(k): v for k, v in attrs.items()})

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if depth >= MAX_DEPTH:
            return
        stack.pop()
        tb.end(_local(name))

    def text(data: str) -> None:
        if depth <= MAX_DEPTH:
            tb.data(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_external
    try:
        parser.Parse(body, True)
    except expat.ExpatError as e:
        err = ET.ParseError(expat.ErrorString(e.code))
        err.position = (e.lineno, e.offset)
        raise err from None
    return tb.close(), problems


def _replace_undecodable(data: bytes) -> bytes | None:
    """The document with undecodable bytes replaced (UTF-8 or the declared encoding), or None
    when every byte decodes (the parse error was something else)."""
    if data[:2] in _UTF16:
        return None
    m = _DECLARED.match(data)
    declared = m.group(1).decode("ascii").lower() if m else "utf-8"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        return None
    try:
        data.decode(codec)
        return None
    except UnicodeDecodeError:
        text = data.decode(codec, "replace")
    # as UTF-8 text, saying so in the declaration
    return re.sub(
        r"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""", r"\1UTF-8", text, count=1
    ).encode("utf-8")


_NCT_IN = re.compile(rb"<(?:\w+:)?nct_id>\s*(NCT[0-9]{8})\s*<")


def _text(el: ET.Element | None, path: str = "") -> str | None:
    node = el.find(path) if (el is not None and path) else el
    if node is None:
        return None
    tb = node.find("textblock")
    raw = "".join((tb if tb is not None else node).itertext())
    txt = dedent(raw.strip("\n")).strip()
    return txt or None


def _enum(value: str | None, table: dict[str, str]) -> str | None:
    if value is None:
        return None
    c = code(value)
    return table.get(c, c) if c else None


def read_xml(data: bytes, path: str, stem: str) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    m = _NCT_IN.search(data[: 1 << 20])
    found_id = m.group(1).decode("ascii") if m else None
    try:
        try:
            root, problems = parse(data)
        except ET.ParseError as e:
            # bytes that are not text in the document's encoding: read the rest all the same
            fixed = _replace_undecodable(data)
            if fixed is None:
                raise
            root, problems = parse(fixed)
            line, col = e.position
            problems.append(
                (
                    "/clinical_study",
                    f"bytes that are not text in the document's encoding (line {line}, "
                    f"column {col + 1}): read with U+FFFD in their place",
                )
            )
    except ET.ParseError as e:
        line, col = e.position
        b.add_error(
            path=path, line=line, column=col + 1, reason=f"invalid XML: {e}", record_id=found_id
        )
        yield b
        return
    except _Refused as e:
        b.add_error(path=path, reason=f"XML not read: {e}", record_id=found_id)
        yield b
        return
    if root.tag != "clinical_study":
        b.add_error(
            path=path,
            reason=f"not a ClinicalTrials.gov <clinical_study> document (root <{root.tag}>)",
        )
        yield b
        return
    nct = _text(root, "id_info/nct_id")
    rid = nct if nct and len(nct) <= MAX_RECORD_ID_CHARS and "\n" not in nct else stem
    rid = b.unique_id(rid)
    design = root.find("study_design_info")
    masking, who = norm_masking(_text(design, "masking")) if design is not None else (None, None)
    enrollment = root.find("enrollment")
    count: float | None = None
    if enrollment is not None and enrollment.text and enrollment.text.strip():
        try:
            count = float(enrollment.text.strip())
        except ValueError:
            count = None
            shown = enrollment.text.strip()
            problems.append(
                (
                    "designModule.enrollmentInfo.count",
                    f"enrollment is text ('{shown[:40]}') where the data model has a number: "
                    "not read",
                )
            )

    def date(tag: str) -> tuple[str | None, str | None]:
        el = root.find(tag)
        if el is None or not (el.text or "").strip():
            return None, None
        return norm_date(el.text or ""), _enum(el.get("type"), _DATE_TYPE)

    start, start_t = date("start_date")
    pcd, pcd_t = date("primary_completion_date")
    cd, cd_t = date("completion_date")
    elig = root.find("eligibility")
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=nct,
        org_study_id=_text(root, "id_info/org_study_id"),
        brief_title=_text(root, "brief_title"),
        official_title=_text(root, "official_title"),
        acronym=_text(root, "acronym"),
        overall_status=norm_status(_text(root, "overall_status") or ""),
        why_stopped=_text(root, "why_stopped"),
        start_date=start,
        start_date_type=start_t,
        primary_completion_date=pcd,
        primary_completion_date_type=pcd_t,
        completion_date=cd,
        completion_date_type=cd_t,
        # the older schema (before 2017) calls them firstreceived_date / lastchanged_date
        first_submit_date=norm_date(
            _text(root, "study_first_submitted") or _text(root, "firstreceived_date") or ""
        ),
        last_update_date=norm_date(
            _text(root, "last_update_submitted") or _text(root, "lastchanged_date") or ""
        ),
        brief_summary=_text(root, "brief_summary"),
        detailed_description=_text(root, "detailed_description"),
        study_type=_enum(_text(root, "study_type"), _STUDY_TYPE),
        phases=norm_phases(re.sub(r"/(?=[ ]*(?:Early )?Phase)", "|", _text(root, "phase") or "")),
        allocation=_enum(_text(design, "allocation"), _ALLOCATION) if design is not None else None,
        intervention_model=_enum(_text(design, "intervention_model"), _MODEL)
        if design is not None
        else None,
        intervention_model_description=_text(design, "intervention_model_description")
        if design is not None
        else None,
        primary_purpose=_enum(
            _text(design, "primary_purpose"), {"EDUCATIONAL_COUNSELING_TRAINING": "ECT"}
        )
        if design is not None
        else None,
        masking=masking,
        masking_description=_text(design, "masking_description") if design is not None else None,
        who_masked=who,
        enrollment_count=count,
        enrollment_type=_enum(
            enrollment.get("type") if enrollment is not None else None, _DATE_TYPE
        ),
        eligibility_criteria=_text(elig, "criteria") if elig is not None else None,
        sex=_enum(_text(elig, "gender"), _SEX) if elig is not None else None,
        minimum_age=_text(elig, "minimum_age") if elig is not None else None,
        maximum_age=_text(elig, "maximum_age") if elig is not None else None,
        healthy_volunteers=(_text(elig, "healthy_volunteers") or "").lower() or None
        if elig is not None
        else None,
        lead_sponsor=_text(root, "sponsors/lead_sponsor/agency"),
        responsible_party=_enum(_text(root, "responsible_party/responsible_party_type"), {}),
        has_results=root.find("clinical_results") is not None,
        secondary_ids="|".join(
            i for x in root.findall("id_info/secondary_id") for i in find_ids(_text(x) or "")
        )
        or None,
        countries="|".join(
            c for c in (_text(x) for x in root.findall("location_countries/country")) if c
        )
        or None,
    )
    b.add_source(rid, "", path=path, pointer="/clinical_study")
    for where, message in problems:
        b.add_issue(rid, where, message)
    for kind in ("primary", "secondary", "other"):
        for i, o in enumerate(root.findall(f"{kind}_outcome")):
            b.add_outcome(
                rid, kind, i, _text(o, "measure"), _text(o, "description"), _text(o, "time_frame")
            )
    for i, a in enumerate(root.findall("arm_group")):
        b.add_arm(
            rid,
            i,
            _text(a, "arm_group_label"),
            _enum(_text(a, "arm_group_type"), {}),
            _text(a, "description"),
            None,
        )
    for i, iv in enumerate(root.findall("intervention")):
        b.add_intervention(
            rid,
            i,
            _enum(_text(iv, "intervention_type"), {}),
            _text(iv, "intervention_name"),
            _text(iv, "description"),
            [t for t in (_text(x) for x in iv.findall("arm_group_label")) if t],
            [t for t in (_text(x) for x in iv.findall("other_name")) if t],
        )
    # arms list their interventions in the API; in XML the link is on the intervention side
    for i, c in enumerate(root.findall("condition")):
        b.add_term(rid, "condition", i, _text(c))
    for i, k in enumerate(root.findall("keyword")):
        b.add_term(rid, "keyword", i, _text(k))
    yield b
