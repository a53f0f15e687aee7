"""Registry records as normalised JSON documents of the R package ctrdata: one object per line,
``{"_id": ..., "register": "EUCTR" | "CTIS" | "ISRCTN" | "CTGOV ...", "record": {...}}``.

- ``CTGOV``: the legacy ``<clinical_study>`` XML converted to JSON ("@attributes", "_" for text
  next to attributes, repeated elements as lists). It is turned back into that XML and read by
  the legacy XML reader, so both forms give the same frames.
- ``EUCTR``: one country record with EudraCT's section codes in the key names
  (``a3_full_title_of_the_trial``, ``e51_primary_end_points``); mapped through the same section
  codes as the EU CTR full-text download (:func:`euctr.add_protocol`).
- ``CTIS``: the EU Clinical Trials Information System record (part I of the authorised
  application: identifiers, objective, criteria, end points, conditions, phase).
- ``ISRCTN``: the ISRCTN registry's record.

Record ids are written as their registries write them: NCT numbers, ``EUCTR<EudraCT>-<country>``
(as WHO ICTRP writes EU CTR country records), CTIS numbers (``2022-500244-37-00``), ``ISRCTN``
plus the number.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import msgspec

from ..lazy_pattern import LazyPattern
from .build import FrameBuilder
from .design_text import clean_markup, parse
from .packed import numbered_items
from .registry_ids import find_ids

FORMAT = "ctrdata-json"


def sniff(head: bytes) -> bool:
    return b'"register"' in head[:400] and b'"record"' in head and b'"_id"' in head[:400]


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _s(v: Any) -> str | None:
    if isinstance(v, str):
        v = html.unescape(v)
        return v if v.strip() else None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    return None


def _list(v: Any) -> list[Any]:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


# --- CTGOV: back to the legacy XML ------------------------------------------------------------


def _to_xml(tag: str, value: Any, parent: Any) -> None:
    import xml.etree.ElementTree as ET

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", tag):
        return
    for v in _list(value):
        el = ET.SubElement(parent, tag)
        if isinstance(v, dict):
            for k, a in (v.get("@attributes") or {}).items():
                if isinstance(a, str | int | float):
                    el.set(str(k), str(a))
            if "_" in v:
                el.text = _s(v["_"]) or ""
            for k, sub in v.items():
                if k not in ("@attributes", "_"):
                    _to_xml(k, sub, el)
        elif v is not None:
            el.text = _s(v) or ""


def _ctgov(b: FrameBuilder, rec: dict[str, Any], *, path: str, line: int) -> None:
    import xml.etree.ElementTree as ET

    from . import ctgov_xml

    root = ET.Element("clinical_study")
    for k, v in rec.items():
        if k not in ("@attributes", "ctrname", "record_last_import", "comment"):
            _to_xml(k, v, root)
    data = ET.tostring(root, encoding="utf-8")
    fmt_i = _STUDY_INDEX["source_format"]
    for part in ctgov_xml.read_xml(data, path, f"line{line}"):
        # the legacy XML reader's rows, re-labelled as this format and placed at this line; a
        # record id already taken in this chunk gets the usual '#2'
        renamed: dict[str, str] = {}
        for old in [s[0] for s in part.studies]:
            new = b.unique_id(old)
            if new != old:
                renamed[old] = new
        for name in ("studies", "outcomes", "arms", "interventions", "terms", "sources"):
            rows = getattr(part, name)
            setattr(part, name, [(renamed.get(r[0], r[0]), *r[1:]) for r in rows])
        part.studies = [(*s[:fmt_i], FORMAT, *s[fmt_i + 1 :]) for s in part.studies]
        part.sources = [(r, f, path, line, c, None) for r, f, _p, _l, c, _ptr in part.sources]
        for e in part.errors:
            e["line"] = line
        part.ids = set()
        b.extend(part)


# --- EUCTR ------------------------------------------------------------------------------------

# EudraCT section code -> ctrdata key
_EU_KEYS = {
    "A.1": "a1_member_state_concerned",
    "A.2": "a2_eudract_number",
    "A.3": "a3_full_title_of_the_trial",
    "A.3.1": "a31_title_of_the_trial_for_lay_people_in_easily_understood_ie_nontechnical_language",
    "A.3.2": "a32_name_or_abbreviated_title_of_the_trial_where_available",
    "A.4.1": "a41_sponsors_protocol_code_number",
    "A.5.1": "a51_isrctn_international_standard_randomised_controlled_trial_number",
    "A.5.2": "a52_us_nct_clinicaltrialsgov_registry_number",
    "A.5.3": "a53_who_universal_trial_reference_number_utrn",
    "A.5.4": "a54_other_identifiers",
    "E.1.1": "e11_medical_conditions_being_investigated",
    "E.1.1.1": "e111_medical_condition_in_easily_understood_language",
    "E.1.1.2": "e112_therapeutic_area",
    "E.2.1": "e21_main_objective_of_the_trial",
    "E.3": "e3_principal_inclusion_criteria",
    "E.4": "e4_principal_exclusion_criteria",
    "E.5.1": "e51_primary_end_points",
    "E.5.1.1": "e511_timepoints_of_evaluation_of_this_end_point",
    "E.5.2": "e52_secondary_end_points",
    "E.5.2.1": "e521_timepoints_of_evaluation_of_this_end_point",
    "E.7.1": "e71_human_pharmacology_phase_i",
    "E.7.2": "e72_therapeutic_exploratory_phase_ii",
    "E.7.3": "e73_therapeutic_confirmatory_phase_iii",
    "E.7.4": "e74_therapeutic_use_phase_iv",
    "E.8.1.1": "e811_randomised",
    "E.8.1.2": "e812_open",
    "E.8.1.3": "e813_single_blind",
    "E.8.1.4": "e814_double_blind",
    "E.8.1.5": "e815_parallel_group",
    "E.8.1.6": "e816_cross_over",
    "F.2.1": "f21_female",
    "F.2.2": "f22_male",
    "F.3.1": "f31_healthy_volunteers",
    "F.4.1": "f41_in_the_member_state",
    "F.4.2.1": "f421_in_the_eea",
    "F.4.2.2": "f422_in_the_whole_clinical_trial",
}
_EU_STATUS = {
    "completed": "COMPLETED",
    "prematurely ended": "TERMINATED",
    "temporarily halted": "SUSPENDED",
}


def _euctr(b: FrameBuilder, rid: str, rec: dict[str, Any], *, path: str, line: int) -> None:
    from . import euctr

    fields = {code: v for code, key in _EU_KEYS.items() if (v := _s(rec.get(key)))}
    sponsors = _list(rec.get("b1_sponsor"))
    if sponsors and (name := _s(_get(sponsors[0], "b11_name_of_sponsor"))):
        fields["B.1.1"] = name
    imps = []
    for imp in _list(rec.get("dimp")):
        name = _s(_get(imp, "d31_product_name")) or _s(_get(imp, "d2111_trade_name"))
        if not name:
            for d in _list(_get(imp, "d38_imp_identification_details")):
                name = _s(_get(d, "d38_inn__proposed_inn"))
                if name:
                    break
        if name:
            imps.append(name)
    fields["_imps"] = "\x1f".join(dict.fromkeys(imps))
    number = _s(rec.get("a2_eudract_number")) or rid
    cc = (
        rid.rsplit("-", 1)[-1]
        if re.fullmatch(r"[0-9]{4}-[0-9]{6}-[0-9]{2}-[A-Z0-9]{2,3}", rid)
        else None
    )
    ms = _s(rec.get("a1_member_state_concerned")) or ""
    euctr.add_protocol(
        b,
        fields,
        record_id=f"EUCTR{number}" + (f"-{cc}" if cc else ""),
        fmt=FORMAT,
        path=path,
        line=line,
        status=_EU_STATUS.get((_s(rec.get("x5_trial_status")) or "").lower()),
        first_submit=_s(
            rec.get("x6_date_on_which_this_record_was_first_entered_in_the_eudract_database")
        ),
        country=ms.split(" - ")[0].strip() or None,
    )


# --- CTIS -------------------------------------------------------------------------------------


def _numbered(items: Any, key: str) -> list[str]:
    out = []
    for x in sorted(
        _list(items), key=lambda x: (_get(x, "number") or 0) if isinstance(x, dict) else 0
    ):
        t = _s(_get(x, key))
        if t:
            out.append(t)
    return out


_CTIS_PHASE = LazyPattern(r"\(Phase (I{1,3}|IV)\)")
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}


def _ctis(b: FrameBuilder, rid: str, rec: dict[str, Any], *, path: str, line: int) -> None:
    part = rec.get("authorizedPartI") or _get(rec, "authorizedApplication", "authorizedPartI") or {}
    td = part.get("trialDetails") or {}
    ids = td.get("clinicalTrialIdentifiers") or {}
    ti = td.get("trialInformation") or {}
    number = _s(rec.get("ctNumber")) or rid
    rid = b.unique_id(number)
    sec = ids.get("secondaryIdentifyingNumbers") or {}
    secondary = find_ids(
        " ".join(
            s
            for s in [_s(_get(sec, "nctNumber", "number")), _s(_get(sec, "isrctnNumber", "number"))]
            + [_s(_get(x, "number")) for x in _list(sec.get("additionalRegistries"))]
            if s
        )
    )
    euct = _s(_get(rec, "eudraCtInfo", "eudraCtCode"))
    if euct:
        secondary += find_ids(euct)
    incl = _numbered(
        _get(ti, "eligibilityCriteria", "principalInclusionCriteria"), "principalInclusionCriteria"
    )
    excl = _numbered(
        _get(ti, "eligibilityCriteria", "principalExclusionCriteria"), "principalExclusionCriteria"
    )
    criteria = "\n\n".join(
        head + ":\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(items, 1))
        for head, items in (
            ("Principal inclusion criteria", incl),
            ("Principal exclusion criteria", excl),
        )
        if items
    )
    phase_text = _s(_get(ti, "trialCategory", "trialPhase")) or _s(rec.get("trialPhase")) or ""
    phases = ["PHASE" + _ROMAN[m] for m in _CTIS_PHASE.findall(phase_text)]
    gender = (_s(rec.get("gender")) or "").lower()
    sex = ("ALL" if "male" in gender.replace("female", "") and "female" in gender
           else "FEMALE" if "female" in gender else "MALE" if "male" in gender else None)  # fmt: skip
    countries = [
        c
        for c in (
            x.split(":", 1)[0].strip() for x in (_s(rec.get("trialCountries")) or "").split(",")
        )
        if c
    ]
    title = _s(rec.get("title"))
    design_text = " ".join(t for t in (_s(ids.get("fullTitle")), title) if t)
    design = {
        k: None
        for k in ("allocation", "intervention_model", "masking", "who_masked", "primary_purpose")
    }
    sponsor = _s(_get(rec, "primarySponsor", "organisation", "name"))
    try:
        count = float(_s(rec.get("totalNumberEnrolled")) or "")
    except ValueError:
        count = None
    present = ["brief_title", "official_title", "acronym", "brief_summary", "eligibility_criteria",
               "conditions", "outcomes", "outcomes[primary]", "outcomes[secondary]",
               "secondary_ids", "countries", "study_type", "lead_sponsor", "first_submit_date"]  # fmt: skip
    if phases:
        present.append("phases")
    if sex:
        present.append("sex")
    del design_text
    b.add_study(
        record_id=rid,
        registry="ctis",
        source_format=FORMAT,
        brief_title=_s(ids.get("publicTitle")),
        official_title=_s(ids.get("fullTitle")) or title,
        acronym=_s(ids.get("shortTitle")),
        brief_summary=_s(_get(ti, "trialObjective", "mainObjective")),
        eligibility_criteria=criteria or None,
        study_type="INTERVENTIONAL",
        phases="|".join(phases) or None,
        sex=sex,
        lead_sponsor=sponsor,
        first_submit_date=_s(rec.get("submissionDate")),
        enrollment_count=count,
        secondary_ids="|".join(dict.fromkeys(secondary)) or None,
        countries="|".join(countries) or None,
        present_fields="|".join(present),
        **design,
    )
    b.add_source(rid, "", path=path, line=line)
    ep = ti.get("endPoint") or {}
    for kind, key in (("primary", "primaryEndPoints"), ("secondary", "secondaryEndPoints")):
        for i, text in enumerate(_numbered(ep.get(key), "endPoint")):
            b.add_outcome(rid, kind, i, text, None, None, text)
    conds = _list(_get(ti, "medicalCondition", "partIMedicalConditions")) or _list(
        part.get("medicalConditions")
    )
    for i, c in enumerate(t for t in (_s(_get(x, "medicalCondition")) for x in conds) if t):
        b.add_term(rid, "condition", i, c)


# --- ISRCTN -----------------------------------------------------------------------------------


def _isrctn(b: FrameBuilder, rid: str, rec: dict[str, Any], *, path: str, line: int) -> None:
    td = rec.get("trialDescription") or {}
    des = rec.get("trialDesign") or {}
    pa = rec.get("participants") or {}
    refs = rec.get("externalRefs") or {}
    number = _s(rec.get("isrctn")) or rid
    rid = b.unique_id(number if number.startswith("ISRCTN") else f"ISRCTN{number}")
    secondary = find_ids(
        " ".join(
            s
            for s in [_s(refs.get("clinicalTrialsGovNumber")), _s(refs.get("eudraCTNumber"))]
            + [_s(x) for x in _list(_get(refs, "secondaryNumbers", "secondaryNumber"))]
            if s
        )
    )
    ptype = (_s(des.get("primaryStudyDesign")) or "").lower()
    study_type = (
        "INTERVENTIONAL"
        if ptype.startswith("interventional")
        else ("OBSERVATIONAL" if ptype.startswith("observational") else None)
    )
    design = parse(
        " ".join(t for t in (_s(des.get("studyDesign")), _s(des.get("secondaryStudyDesign"))) if t)
    ).as_dict()
    if study_type != "INTERVENTIONAL":
        design = dict.fromkeys(design)
    ivs = _list(_get(rec, "interventions", "intervention"))
    phase = " ".join(_s(_get(iv, "phase")) or "" for iv in ivs).lower()
    phases = sorted(
        {"PHASE" + _ROMAN[m.upper()] for m in re.findall(r"phase (i{1,3}|iv)\b", phase)}
    )
    if not phases and "not applicable" in phase:
        phases = ["NA"]
    gender = (_s(pa.get("gender")) or "").lower()
    sex = {"both": "ALL", "all": "ALL", "female": "FEMALE", "male": "MALE"}.get(gender)
    incl, excl = _s(pa.get("inclusion")), _s(pa.get("exclusion"))
    criteria = "\n\n".join(
        f"{h}:\n{clean_markup(t)}"
        for h, t in (("Inclusion criteria", incl), ("Exclusion criteria", excl))
        if t
    )
    countries = [
        c for c in (_s(x) for x in _list(_get(pa, "recruitmentCountries", "country"))) if c
    ]
    try:
        count = float(re.sub(r"[^0-9.]", "", _s(pa.get("targetEnrolment")) or "") or "x")
    except ValueError:
        count = None
    present = ["brief_title", "official_title", "acronym", "brief_summary", "detailed_description",
               "eligibility_criteria", "conditions", "interventions", "outcomes",
               "outcomes[primary]", "outcomes[secondary]", "secondary_ids", "countries",
               "start_date", "completion_date", "enrollment_count", "study_type"]  # fmt: skip
    present += [k for k, v in design.items() if v is not None]
    if phases:
        present.append("phases")
    if sex:
        present.append("sex")

    def date(v: Any) -> str | None:
        s = _s(v)
        return s[:10] if s and re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s) else None

    b.add_study(
        record_id=rid,
        registry="isrctn",
        source_format=FORMAT,
        brief_title=_s(td.get("title")),
        official_title=_s(td.get("scientificTitle")),
        acronym=_s(td.get("acronym")),
        brief_summary=_s(td.get("plainEnglishSummary")),
        detailed_description=_s(td.get("studyHypothesis")),
        eligibility_criteria=criteria or None,
        study_type=study_type,
        phases="|".join(phases) or None,
        sex=sex,
        start_date=date(pa.get("recruitmentStart")) or date(des.get("overallStartDate")),
        completion_date=date(des.get("overallEndDate")),
        enrollment_count=count,
        secondary_ids="|".join(dict.fromkeys(secondary)) or None,
        countries="|".join(dict.fromkeys(countries)) or None,
        present_fields="|".join(present),
        **design,
    )
    b.add_source(rid, "", path=path, line=line)
    for kind, key in (("primary", "primaryOutcome"), ("secondary", "secondaryOutcome")):
        text = _s(td.get(key))
        if not text:
            continue
        t = clean_markup(text)
        for i, item in enumerate(numbered_items(t) or [t]):
            b.add_outcome(rid, kind, i, item, None, None, item)
    for i, iv in enumerate(ivs):
        b.add_intervention(
            rid, i, None, _s(_get(iv, "drugNames")), _s(_get(iv, "description")), None
        )
    for i, c in enumerate(
        t
        for t in (_s(_get(x, "description")) for x in _list(_get(rec, "conditions", "condition")))
        if t
    ):
        b.add_term(rid, "condition", i, c)


# --- dispatch ---------------------------------------------------------------------------------


def _add_doc(b: FrameBuilder, doc: Any, *, path: str, line: int) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("record"), dict):
        b.add_error(path=path, line=line, reason="not a ctrdata document: no 'record' object")
        return
    register = str(doc.get("register") or doc["record"].get("ctrname") or "").upper()
    rid = str(doc.get("_id") or f"line{line}")
    rec = doc["record"]
    if register.startswith("CTGOV"):
        _ctgov(b, rec, path=path, line=line)
    elif register.startswith("EUCTR"):
        _euctr(b, rid, rec, path=path, line=line)
    elif register.startswith("CTIS"):
        _ctis(b, rid, rec, path=path, line=line)
    elif register.startswith("ISRCTN"):
        _isrctn(b, rid, rec, path=path, line=line)
    else:
        b.add_error(
            path=path, line=line, reason=f"ctrdata document of an unknown register {register!r}"
        )


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
        _add_doc(b, doc, path=path, line=lineno)
        if len(b) >= chunk_size:
            yield b
            b = FrameBuilder()
    yield b


def read_json(data: bytes, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as e:
        b.add_error(path=path, reason=f"invalid JSON: {e}")
        yield b
        return
    for i, d in enumerate(doc if isinstance(doc, list) else [doc], start=1):
        _add_doc(b, d, path=path, line=i)
    yield b


from ..frames import STUDY_COLUMNS  # noqa: E402

_STUDY_INDEX = {c: i for i, c in enumerate(STUDY_COLUMNS)}
