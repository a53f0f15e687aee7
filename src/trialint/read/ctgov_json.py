"""ClinicalTrials.gov API v2 study JSON: one object, an array, an API page, or NDJSON.

msgspec decodes only the fields trialint uses into typed structs (10x faster than flattening
generic dicts). A study that does not fit the structs becomes a read error naming the JSON path.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from ..frames import LIST_FIELDS, MODULE_FIELDS
from .build import FrameBuilder
from .registry_ids import find_ids

FORMAT = "ctgov-v2-json"


# real records sometimes carry a bare string or an empty object where the API has a list
StrList = list[str] | str | dict[str, Any] | None


def _as_list(v: StrList) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


class _Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    pass


class DateStruct(_Struct):
    date: str | None = None
    type: str | None = None


class OrgStudyIdInfo(_Struct):
    id: str | None = None


# read leniently (any shape): only the ids and countries are taken, never a reason to reject
Loose = list[Any] | dict[str, Any] | str | None


class _Location(_Struct):
    country: Any = None


class _ContactsLocations(_Struct):
    locations: list[_Location | str | None] | dict[str, Any] | str | None = None


def _countries(module: _ContactsLocations | list[Any] | str | None) -> list[str]:
    if not isinstance(module, _ContactsLocations) or not isinstance(module.locations, list):
        return []
    return [
        x.country
        for x in module.locations
        if isinstance(x, _Location) and isinstance(x.country, str) and x.country.strip()
    ]


def _loose_values(v: Loose, key: str) -> list[str]:
    """``key`` of each object in a list (or of one object): secondary ids, location countries."""
    items = v if isinstance(v, list) else [v] if isinstance(v, dict) else []
    return [x[key] for x in items if isinstance(x, dict) and isinstance(x.get(key), str)]


class Identification(_Struct):
    nct_id: str | None = None
    secondary_id_infos: Loose = None
    org_study_id_info: OrgStudyIdInfo | None = None
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None


class Status(_Struct):
    overall_status: str | None = None
    why_stopped: str | None = None
    start_date_struct: DateStruct | None = None
    primary_completion_date_struct: DateStruct | None = None
    completion_date_struct: DateStruct | None = None
    study_first_submit_date: str | None = None
    last_update_submit_date: str | None = None


class Description(_Struct):
    brief_summary: str | None = None
    detailed_description: str | None = None


class Conditions(_Struct):
    conditions: StrList = None
    keywords: StrList = None


class MaskingInfo(_Struct):
    masking: str | None = None
    masking_description: str | None = None
    who_masked: StrList = None


class DesignInfo(_Struct):
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    primary_purpose: str | None = None
    masking_info: MaskingInfo | None = None


class EnrollmentInfo(_Struct):
    count: int | float | str | None = None
    type: str | None = None


class Design(_Struct):
    study_type: str | None = None
    phases: StrList = None
    design_info: DesignInfo | None = None
    enrollment_info: EnrollmentInfo | None = None


class ArmGroup(_Struct):
    label: str | None = None
    type: str | None = None
    description: str | None = None
    intervention_names: StrList = None


class Intervention(_Struct):
    type: str | None = None
    name: str | None = None
    description: str | None = None
    arm_group_labels: StrList = None
    other_names: StrList = None


class ArmsInterventions(_Struct):
    arm_groups: list[ArmGroup] | None = None
    interventions: list[Intervention] | None = None


class Outcome(_Struct):
    measure: str | None = None
    description: str | None = None
    time_frame: str | None = None


class Outcomes(_Struct):
    primary_outcomes: list[Outcome] | None = None
    secondary_outcomes: list[Outcome] | None = None
    other_outcomes: list[Outcome] | None = None


class Eligibility(_Struct):
    eligibility_criteria: str | None = None
    sex: str | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    healthy_volunteers: bool | str | None = None


class Party(_Struct):
    name: str | None = None
    type: str | None = None


class Sponsors(_Struct):
    lead_sponsor: Party | None = None
    responsible_party: Party | None = None


class Protocol(_Struct):
    identification_module: Identification | None = None
    status_module: Status | None = None
    sponsor_collaborators_module: Sponsors | None = None
    description_module: Description | None = None
    conditions_module: Conditions | None = None
    design_module: Design | None = None
    arms_interventions_module: ArmsInterventions | None = None
    outcomes_module: Outcomes | None = None
    eligibility_module: Eligibility | None = None
    contacts_locations_module: _ContactsLocations | list[Any] | str | None = None


class Study(_Struct):
    protocol_section: Protocol | None = None
    has_results: bool | None = None


class Page(_Struct):
    studies: list[msgspec.Raw] = []


_SNAKE = {m: re.sub(r"([A-Z])", r"_\1", m).lower() for m in MODULE_FIELDS}
_study_decoder = msgspec.json.Decoder(Study)
_raw_list_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_page_decoder = msgspec.json.Decoder(Page)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v)
    return s if s.strip() else None


def add_study(
    b: FrameBuilder, study: Study, *, path: str, line: int | None, pointer: str, fallback_id: str
) -> None:
    p = study.protocol_section or Protocol()
    ident = p.identification_module or Identification()
    st = p.status_module or Status()
    desc = p.description_module or Description()
    des = p.design_module or Design()
    di = des.design_info or DesignInfo()
    mi = di.masking_info or MaskingInfo()
    en = des.enrollment_info or EnrollmentInfo()
    el = p.eligibility_module or Eligibility()
    sp = p.sponsor_collaborators_module or Sponsors()
    cond = p.conditions_module or Conditions()
    ai = p.arms_interventions_module or ArmsInterventions()
    oc = p.outcomes_module or Outcomes()
    phases = _as_list(des.phases)
    present = [
        name
        for module, names in MODULE_FIELDS.items()
        if getattr(p, _SNAKE[module], None) is not None
        for name in names
    ]
    if p.status_module and p.design_module and p.eligibility_module:
        # a whole protocol section: a list module it lacks is an empty list, not an unread one
        present += [n for n in LIST_FIELDS if n not in present]
    rid = ident.nct_id or fallback_id
    rid = b.unique_id(rid)
    count: float | None
    try:
        count = float(en.count) if en.count is not None and str(en.count).strip() else None
    except ValueError:
        count = None
    hv = el.healthy_volunteers
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=ident.nct_id,
        org_study_id=(ident.org_study_id_info.id if ident.org_study_id_info else None),
        brief_title=_text(ident.brief_title),
        official_title=_text(ident.official_title),
        acronym=_text(ident.acronym),
        overall_status=st.overall_status,
        why_stopped=_text(st.why_stopped),
        start_date=st.start_date_struct.date if st.start_date_struct else None,
        start_date_type=st.start_date_struct.type if st.start_date_struct else None,
        primary_completion_date=(
            st.primary_completion_date_struct.date if st.primary_completion_date_struct else None
        ),
        primary_completion_date_type=(
            st.primary_completion_date_struct.type if st.primary_completion_date_struct else None
        ),
        completion_date=st.completion_date_struct.date if st.completion_date_struct else None,
        completion_date_type=st.completion_date_struct.type if st.completion_date_struct else None,
        first_submit_date=st.study_first_submit_date,
        last_update_date=st.last_update_submit_date,
        brief_summary=_text(desc.brief_summary),
        detailed_description=_text(desc.detailed_description),
        study_type=des.study_type,
        phases="|".join(phases) if phases else None,
        allocation=di.allocation,
        intervention_model=di.intervention_model,
        intervention_model_description=_text(di.intervention_model_description),
        primary_purpose=di.primary_purpose,
        masking=mi.masking,
        masking_description=_text(mi.masking_description),
        who_masked="|".join(_as_list(mi.who_masked)) or None,
        enrollment_count=count,
        enrollment_type=en.type,
        eligibility_criteria=_text(el.eligibility_criteria),
        sex=el.sex,
        minimum_age=el.minimum_age,
        maximum_age=el.maximum_age,
        healthy_volunteers=None if hv is None else str(hv).lower(),
        lead_sponsor=sp.lead_sponsor.name if sp.lead_sponsor else None,
        responsible_party=sp.responsible_party.type if sp.responsible_party else None,
        has_results=study.has_results,
        secondary_ids="|".join(
            i for x in _loose_values(ident.secondary_id_infos, "id") for i in find_ids(x)
        )
        or None,
        countries="|".join(dict.fromkeys(_countries(p.contacts_locations_module))) or None,
        present_fields="|".join(present),
    )
    b.add_source(rid, "", path=path, line=line, column=None, pointer=pointer)
    for kind, items in (
        ("primary", oc.primary_outcomes),
        ("secondary", oc.secondary_outcomes),
        ("other", oc.other_outcomes),
    ):
        for i, o in enumerate(items or ()):
            b.add_outcome(rid, kind, i, _text(o.measure), _text(o.description), _text(o.time_frame))
    for i, a in enumerate(ai.arm_groups or ()):
        b.add_arm(
            rid, i, _text(a.label), a.type, _text(a.description), _as_list(a.intervention_names)
        )
    for i, iv in enumerate(ai.interventions or ()):
        b.add_intervention(
            rid,
            i,
            iv.type,
            _text(iv.name),
            _text(iv.description),
            _as_list(iv.arm_group_labels),
            _as_list(iv.other_names),
        )
    for i, c in enumerate(_as_list(cond.conditions)):
        b.add_term(rid, "condition", i, c)
    for i, k in enumerate(_as_list(cond.keywords)):
        b.add_term(rid, "keyword", i, k)


def _decode_one(
    b: FrameBuilder,
    raw: bytes | msgspec.Raw,
    *,
    path: str,
    line: int | None,
    pointer: str,
    fallback_id: str,
) -> None:
    try:
        study = _study_decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as e:
        b.add_error(path=path, line=line, pointer=pointer, reason=f"not an API v2 study: {e}")
        return
    if study.protocol_section is None:
        b.add_error(
            path=path, line=line, pointer=pointer, reason="not an API v2 study: no protocolSection"
        )
        return
    add_study(b, study, path=path, line=line, pointer=pointer, fallback_id=fallback_id)


def read_json(data: bytes, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    """One study object, an array of studies, or an API page {"studies": [...]}."""
    head = data.lstrip()[:1]
    b = FrameBuilder()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        if head == b"[":
            try:
                items = _raw_list_decoder.decode(data)
            except msgspec.DecodeError as e:
                b.add_error(path=path, reason=f"invalid JSON: {e}")
                yield b
                return
            base = "/"
        else:
            try:
                page = _page_decoder.decode(data)
            except (msgspec.DecodeError, msgspec.ValidationError) as e:
                b.add_error(path=path, reason=f"invalid JSON: {e}")
                yield b
                return
            if page.studies:
                items, base = page.studies, "/studies/"
            else:
                _decode_one(b, data, path=path, line=None, pointer="", fallback_id=stem)
                yield b
                return
        many = len(items) > 1
        for i, raw in enumerate(items):
            _decode_one(
                b,
                raw,
                path=path,
                line=None,
                pointer=f"{base}{i}",
                fallback_id=f"{stem}#{i + 1}" if many else stem,
            )
            if len(b) >= chunk_size:
                yield b
                b = FrameBuilder()
        yield b
    finally:
        if gc_was:
            gc.enable()


def read_ndjson(
    lines: Iterator[bytes], path: str, stem: str, chunk_size: int, first_line: int = 1
) -> Iterator[FrameBuilder]:
    """One study per line; ``first_line`` numbers the first of ``lines`` (a read task that
    starts inside a file)."""
    b = FrameBuilder()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for lineno, line in enumerate(lines, start=first_line):
            if not line.strip():
                continue
            _decode_one(b, line, path=path, line=lineno, pointer="", fallback_id=f"{stem}#{lineno}")
            if len(b) >= chunk_size:
                yield b
                b = FrameBuilder()
        yield b
    finally:
        if gc_was:
            gc.enable()
