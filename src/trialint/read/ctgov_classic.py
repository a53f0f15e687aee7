"""The 2019-2023 "classic" ClinicalTrials.gov API JSON (capitalised keys:
``ProtocolSection.IdentificationModule.NCTId``), as ``FullStudiesResponse`` pages, single
``{"FullStudy": ...}`` / ``{"Study": ...}`` objects, arrays of them, or NDJSON of study objects.

Values are words ("Randomized", "Parallel Assignment", "July 2001") mapped to the API v2 codes
and partial ISO dates with the same helpers as the legacy XML and CSV readers. Decoding is
generic (dicts), so one field of an unexpected shape is ignored, never a lost record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from ..frames import LIST_FIELDS, MODULE_FIELDS
from .build import FrameBuilder
from .normalize import (
    code,
    norm_date,
    norm_design,
    norm_masking,
    norm_phases,
    norm_sex,
    norm_status,
    norm_study_type,
)
from .registry_ids import find_ids

FORMAT = "ctgov-classic-json"

_MODULES = {
    "IdentificationModule": "identificationModule",
    "StatusModule": "statusModule",
    "SponsorCollaboratorsModule": "sponsorCollaboratorsModule",
    "DescriptionModule": "descriptionModule",
    "ConditionsModule": "conditionsModule",
    "DesignModule": "designModule",
    "ArmsInterventionsModule": "armsInterventionsModule",
    "OutcomesModule": "outcomesModule",
    "EligibilityModule": "eligibilityModule",
}


def sniff(first: bytes) -> bool:
    """Classic API JSON: a study object (or page) with capitalised module keys."""
    head = first[:2000]
    return (
        b'"ProtocolSection"' in head or b'"FullStudiesResponse"' in head or (b'"FullStudy"' in head)
    )


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _s(v: Any) -> str | None:
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    return None


def _list(d: Any, *keys: str) -> list[Any]:
    v = _get(d, *keys)
    if isinstance(v, list):
        return v
    return [v] if v is not None else []


def _strs(d: Any, *keys: str) -> list[str]:
    return [s for s in (_s(x) for x in _list(d, *keys)) if s]


_MODEL = {
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
    "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER",
    "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
}
_ARM_TYPES = {"NO_INTERVENTION", "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR",
              "SHAM_COMPARATOR", "OTHER"}  # fmt: skip
_PARTY = {"SPONSOR": "SPONSOR", "PRINCIPAL_INVESTIGATOR": "PRINCIPAL_INVESTIGATOR",
          "SPONSOR_INVESTIGATOR": "SPONSOR_INVESTIGATOR"}  # fmt: skip


def _date_type(v: Any) -> str | None:
    s = _s(v)
    if not s:
        return None
    c = code(s)
    return "ESTIMATED" if c in ("ANTICIPATED", "ESTIMATE", "ESTIMATED") else c


def add_study(b: FrameBuilder, study: dict[str, Any], *, path: str, line: int | None,
              pointer: str, fallback_id: str) -> None:  # fmt: skip
    p = study.get("ProtocolSection") or {}
    ident = p.get("IdentificationModule") or {}
    st = p.get("StatusModule") or {}
    sp = p.get("SponsorCollaboratorsModule") or {}
    desc = p.get("DescriptionModule") or {}
    cond = p.get("ConditionsModule") or {}
    des = p.get("DesignModule") or {}
    di = des.get("DesignInfo") or {}
    mi = di.get("DesignMaskingInfo") or {}
    en = des.get("EnrollmentInfo") or {}
    el = p.get("EligibilityModule") or {}
    ai = p.get("ArmsInterventionsModule") or {}
    oc = p.get("OutcomesModule") or {}
    present = [
        n for k, m in _MODULES.items() if isinstance(p.get(k), dict) for n in MODULE_FIELDS[m]
    ]
    if st and des and el:
        present += [n for n in LIST_FIELDS if n not in present]
    present.append("secondary_ids")
    nct = _s(ident.get("NCTId"))
    rid = b.unique_id(nct or fallback_id)
    alloc = _s(di.get("DesignAllocation"))
    model = _s(di.get("DesignInterventionModel"))
    masking, who = norm_masking(_s(mi.get("DesignMasking")))
    who_list = [code(w) for w in _strs(mi, "DesignWhoMaskedList", "DesignWhoMasked")]
    if who_list:
        who = "|".join(who_list)
    purpose = _s(di.get("DesignPrimaryPurpose"))
    design = norm_design(f"Primary Purpose: {purpose}") if purpose else {}
    try:
        count = float(_s(en.get("EnrollmentCount")) or "")
    except ValueError:
        count = None
    hv = _s(el.get("HealthyVolunteers"))
    secondary = [
        i for x in _list(ident, "SecondaryIdInfoList", "SecondaryIdInfo")
        for i in find_ids(_s(_get(x, "SecondaryId")) or "")
    ]  # fmt: skip
    countries = list(
        dict.fromkeys(
            c for x in _list(p, "ContactsLocationsModule", "LocationList", "Location")
            if (c := _s(_get(x, "LocationCountry")))
        )
    )  # fmt: skip
    phases = norm_phases("|".join(_strs(des, "PhaseList", "Phase")))
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=nct,
        org_study_id=_s(_get(ident, "OrgStudyIdInfo", "OrgStudyId")),
        brief_title=_s(ident.get("BriefTitle")),
        official_title=_s(ident.get("OfficialTitle")),
        acronym=_s(ident.get("Acronym")),
        overall_status=norm_status(_s(st.get("OverallStatus")) or ""),
        why_stopped=_s(st.get("WhyStopped")),
        start_date=norm_date(_s(_get(st, "StartDateStruct", "StartDate")) or ""),
        start_date_type=_date_type(_get(st, "StartDateStruct", "StartDateType")),
        primary_completion_date=norm_date(
            _s(_get(st, "PrimaryCompletionDateStruct", "PrimaryCompletionDate")) or ""
        ),
        primary_completion_date_type=_date_type(
            _get(st, "PrimaryCompletionDateStruct", "PrimaryCompletionDateType")
        ),
        completion_date=norm_date(_s(_get(st, "CompletionDateStruct", "CompletionDate")) or ""),
        completion_date_type=_date_type(_get(st, "CompletionDateStruct", "CompletionDateType")),
        first_submit_date=norm_date(_s(st.get("StudyFirstSubmitDate")) or ""),
        last_update_date=norm_date(_s(st.get("LastUpdateSubmitDate")) or ""),
        brief_summary=_s(desc.get("BriefSummary")),
        detailed_description=_s(desc.get("DetailedDescription")),
        study_type=norm_study_type(_s(des.get("StudyType")) or ""),
        phases=phases,
        allocation=(
            "NA" if alloc and code(alloc) in ("N_A", "NA") else code(alloc) if alloc else None
        ),
        intervention_model=_MODEL.get(code(model), code(model)) if model else None,
        intervention_model_description=_s(di.get("DesignInterventionModelDescription")),
        primary_purpose=design.get("primary_purpose"),
        masking=masking,
        masking_description=_s(mi.get("DesignMaskingDescription")),
        who_masked=who,
        enrollment_count=count,
        enrollment_type=_date_type(en.get("EnrollmentType")),
        eligibility_criteria=_s(el.get("EligibilityCriteria")),
        sex=norm_sex(_s(el.get("Gender")) or ""),
        minimum_age=_s(el.get("MinimumAge")),
        maximum_age=_s(el.get("MaximumAge")),
        healthy_volunteers=(
            None if hv is None else "true" if hv.lower().startswith(("yes", "accepts")) else "false"
        ),
        lead_sponsor=_s(_get(sp, "LeadSponsor", "LeadSponsorName")),
        responsible_party=_PARTY.get(
            code(_s(_get(sp, "ResponsibleParty", "ResponsiblePartyType")) or "")
        ),
        secondary_ids="|".join(dict.fromkeys(secondary)) or None,
        countries="|".join(countries) or None,
        has_results=isinstance(study.get("ResultsSection"), dict),
        present_fields="|".join(dict.fromkeys([*present, "has_results", "countries"])),
    )
    b.add_source(rid, "", path=path, line=line, pointer=pointer)
    for kind, lst, item, pre in (
        ("primary", "PrimaryOutcomeList", "PrimaryOutcome", "PrimaryOutcome"),
        ("secondary", "SecondaryOutcomeList", "SecondaryOutcome", "SecondaryOutcome"),
        ("other", "OtherOutcomeList", "OtherOutcome", "OtherOutcome"),
    ):
        for i, o in enumerate(_list(oc, lst, item)):
            b.add_outcome(
                rid, kind, i, _s(_get(o, pre + "Measure")), _s(_get(o, pre + "Description")),
                _s(_get(o, pre + "TimeFrame")),
            )  # fmt: skip
    for i, a in enumerate(_list(ai, "ArmGroupList", "ArmGroup")):
        t = _s(_get(a, "ArmGroupType"))
        b.add_arm(
            rid, i, _s(_get(a, "ArmGroupLabel")),
            code(t) if t and code(t) in _ARM_TYPES else t,
            _s(_get(a, "ArmGroupDescription")),
            _strs(a, "ArmGroupInterventionList", "ArmGroupInterventionName"),
        )  # fmt: skip
    for i, iv in enumerate(_list(ai, "InterventionList", "Intervention")):
        t = _s(_get(iv, "InterventionType"))
        b.add_intervention(
            rid, i, code(t) if t else None, _s(_get(iv, "InterventionName")),
            _s(_get(iv, "InterventionDescription")),
            _strs(iv, "InterventionArmGroupLabelList", "InterventionArmGroupLabel"),
            _strs(iv, "InterventionOtherNameList", "InterventionOtherName"),
        )  # fmt: skip
    for i, c in enumerate(_strs(cond, "ConditionList", "Condition")):
        b.add_term(rid, "condition", i, c)
    for i, k in enumerate(_strs(cond, "KeywordList", "Keyword")):
        b.add_term(rid, "keyword", i, k)


def _studies(doc: Any) -> Iterable[tuple[str, Any]]:
    """(pointer, study object) for every study of a decoded document."""
    if isinstance(doc, list):
        for i, x in enumerate(doc):
            for ptr, s in _studies(x):
                yield f"/{i}{ptr}", s
        return
    if not isinstance(doc, dict):
        return
    if "ProtocolSection" in doc:
        yield "", doc
    elif "FullStudiesResponse" in doc:
        for i, fs in enumerate(_list(doc, "FullStudiesResponse", "FullStudies")):
            if isinstance(_get(fs, "Study"), dict):
                yield f"/FullStudiesResponse/FullStudies/{i}/Study", fs["Study"]
    elif isinstance(doc.get("FullStudy"), dict):
        yield from ((f"/FullStudy{p}", s) for p, s in _studies(doc["FullStudy"]))
    elif isinstance(doc.get("Study"), dict):
        yield from ((f"/Study{p}", s) for p, s in _studies(doc["Study"]))


def _add_doc(b: FrameBuilder, doc: Any, *, path: str, line: int | None, stem: str) -> None:
    found = False
    for ptr, study in _studies(doc):
        found = True
        add_study(b, study, path=path, line=line, pointer=ptr,
                  fallback_id=f"{stem}#{line}" if line else stem)  # fmt: skip
    if not found:
        b.add_error(
            path=path,
            line=line,
            reason="not a classic ClinicalTrials.gov API study: no ProtocolSection",
        )


def read_json(data: bytes, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as e:
        b.add_error(path=path, reason=f"invalid JSON: {e}")
        yield b
        return
    _add_doc(b, doc, path=path, line=None, stem=stem)
    yield b


def read_ndjson(
    lines: Iterator[bytes], path: str, stem: str, chunk_size: int
) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = msgspec.json.decode(line)
        except msgspec.DecodeError as e:
            b.add_error(path=path, line=lineno, reason=f"invalid JSON: {e}")
            continue
        _add_doc(b, doc, path=path, line=lineno, stem=stem)
        if len(b) >= chunk_size:
            yield b
            b = FrameBuilder()
    yield b
