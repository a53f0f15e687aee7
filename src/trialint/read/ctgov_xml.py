"""Legacy ClinicalTrials.gov `<clinical_study>` XML (public.xsd), one study per file.

Values are mapped to the API v2 vocabulary ("Single Group Assignment" -> SINGLE_GROUP); text
blocks are dedented. Sources point at an XPath-like path (`/clinical_study/brief_summary/textblock`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from .build import FrameBuilder
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


def sniff(data: bytes) -> bool:
    return b"<clinical_study" in data[:4096]


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
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        line, col = e.position
        b.add_error(path=path, line=line, column=col + 1, reason=f"invalid XML: {e}")
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
    rid = nct if nct and _NCT.fullmatch(nct) else (nct or stem)
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
