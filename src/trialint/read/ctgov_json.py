"""ClinicalTrials.gov API v2 study JSON: one object, an array, an API page, or NDJSON.

msgspec decodes only the fields trialint uses into typed structs (10x faster than flattening
generic dicts). That strict decoding is the fast path; a study it rejects is decoded again
leniently (``_Lenient``): generic JSON (Python's json for what msgspec refuses, such as lone
surrogate escapes or numbers out of range; values nested deeper than ``MAX_DEPTH`` cut off),
then converted field by field following the same structs. A field of an unexpected shape (an
object where the API has a list, a number where it has text, a null inside a list) is read as
far as it can be and becomes an issue of its field (reported by the `schema-field-shape`
rule); the rest of the record is read as usual. Only what is not JSON at all, or not a study
object, is a read error, and it names the record's id when the bytes show one.
"""

from __future__ import annotations

import gc
import json
import math
import re
import zlib
from collections.abc import Iterator
from typing import Any

import msgspec
import msgspec.inspect as msgspec_inspect

from ..frames import (
    LIST_FIELDS,
    MODULE_FIELDS,
    STUDY_FIELD_PATHS,
    arm_field,
    intervention_field,
    outcome_field,
    term_field,
)
from .build import FrameBuilder
from .limits import MAX_DEPTH, MAX_RECORD_BYTES, MAX_RECORD_ID_CHARS
from .registry_ids import find_ids

FORMAT = "ctgov-v2-json"

# A list of texts. Real files sometimes carry a bare string or an empty object instead: the
# strict decoder rejects those and the lenient one reads them, reporting the shape.
StrList = list[str] | None


def _as_list(v: Any) -> list[str | None]:
    """The items of a decoded list of texts (the lenient decoder may leave None placeholders
    for items it could not read, so that positions stay those of the JSON list)."""
    return v if isinstance(v, list) else []


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


# --- lenient decoding ----------------------------------------------------------------------------

_DEEP = "\x00trialint: nested too deep"  # what _cut_deep leaves in place of a too-deep value
_DEEP_JSON = b'"\\u0000trialint: nested too deep"'
# a JSON string (quotes and escapes skipped whole) or a bracket
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE = re.compile("[\ud800-\udfff]")
_NCT_IN = re.compile(rb'"nctId"\s*:\s*"([^"\\\r\n]{1,%d})"' % MAX_RECORD_ID_CHARS)
_BYTE_AT = re.compile(r"\(byte ([0-9]+)\)")


def _cut_deep(raw: bytes, limit: int = MAX_DEPTH) -> bytes:
    """The JSON text with every value nested deeper than ``limit`` replaced by a marker string,
    so that a decoder's recursion limit is never reached (linear: one regex scan)."""
    out: list[bytes] = []
    depth, last, cut_at = 0, 0, -1
    for m in _JSON_TOKEN.finditer(raw):
        c = raw[m.start()]
        if c == 0x22:  # a string
            continue
        if c in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth == limit + 1:
                cut_at = m.start()
        else:
            if depth == limit + 1 and cut_at >= 0:
                out += [raw[last:cut_at], _DEEP_JSON]
                last, cut_at = m.end(), -1
            depth -= 1
    out.append(raw[last:])
    return b"".join(out)


def _generic(raw: bytes) -> tuple[Any, str | None]:
    """Decode any JSON value: (value, None), or (None, why it is not JSON)."""
    try:
        return msgspec.json.decode(raw), None
    except RecursionError:
        return _generic(_cut_deep(raw))
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        first = str(e)
    # msgspec refuses some JSON that Python's json reads: lone surrogate escapes (\ud800),
    # numbers out of range (1e400); bytes that are not UTF-8 are kept as surrogates
    try:
        return json.loads(raw.decode("utf-8", "surrogateescape")), None
    except RecursionError:
        return _generic(_cut_deep(raw))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, first


def _shape(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"the value {'true' if v else 'false'}"
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            return "a number out of range"
        r = repr(v)
        return f"a number ({r if len(r) <= 24 else r[:20] + '…'})"
    if isinstance(v, str):
        return f"text ('{v if len(v) <= 40 else v[:37] + '…'}')"
    if isinstance(v, list):
        return "an empty list" if not v else f"a list of {len(v)} item{'s' if len(v) > 1 else ''}"
    if isinstance(v, dict):
        n = len(v)
        return "an empty object ({})" if not n else f"an object with {n} key{'s' if n > 1 else ''}"
    return type(v).__name__


def _alternatives(t: Any) -> tuple[Any, ...]:
    types = t.types if isinstance(t, msgspec_inspect.UnionType) else (t,)
    return tuple(a for a in types if not isinstance(a, msgspec_inspect.NoneType))


def _expected(alts: tuple[Any, ...]) -> str:
    a = alts[0]
    if isinstance(a, msgspec_inspect.StrType):
        return "text"
    if isinstance(a, msgspec_inspect.ListType):
        item = a.item_type
        return "a list of objects" if isinstance(item, msgspec_inspect.StructType) else "a list"
    if isinstance(a, msgspec_inspect.StructType):
        return "an object"
    if isinstance(a, msgspec_inspect.BoolType):
        return "true or false"
    return "a number"


def _fields(cls: type) -> list[tuple[str, str, Any]]:
    info = _FIELDS.get(cls)
    if info is None:
        ti = msgspec_inspect.type_info(cls)
        assert isinstance(ti, msgspec_inspect.StructType)
        info = _FIELDS[cls] = [(f.name, f.encode_name, f.type) for f in ti.fields]
    return info


_FIELDS: dict[type, list[tuple[str, str, Any]]] = {}


def _scrub(v: Any, depth: int = 0) -> Any:
    """A loosely read value with every lone surrogate replaced (no text reaches the frames
    that is not Unicode)."""
    if isinstance(v, str):
        return _SURROGATE.sub("\ufffd", v) if _SURROGATE.search(v) else v
    if depth > MAX_DEPTH:
        return None
    if isinstance(v, list):
        return [_scrub(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {k: _scrub(x, depth + 1) for k, x in v.items()}
    return v


class _Lenient:
    """Generic JSON -> the study structs, reading what fits and noting what does not.

    ``issues``: (API path, message, dropped): ``dropped`` when nothing of the value was kept
    (the field then counts as not carried, so no rule reports it missing as well)."""

    def __init__(self) -> None:
        self.issues: list[tuple[str, str, bool]] = []

    def note(
        self, path: str, value: Any, alts: tuple[Any, ...], action: str, dropped: bool
    ) -> None:
        name = path.rsplit(".", 1)[-1]
        self.issues.append(
            (
                path,
                f"{name} is {_shape(value)} where the API v2 data model has "
                f"{_expected(alts)}: {action}",
                dropped,
            )
        )

    def struct(self, d: dict[str, Any], cls: type, path: str) -> Any:
        kwargs = {}
        for name, key, t in _fields(cls):
            if key in d:
                kwargs[name] = self.value(d[key], t, f"{path}.{key}" if path else key)
        return cls(**kwargs)

    def text(self, s: str, path: str) -> str:
        if _SURROGATE.search(s) is None:
            return s
        self.issues.append(
            (
                path,
                f"{path.rsplit('.', 1)[-1]} holds characters that are not Unicode text (lone "
                "surrogate escapes or bytes that are not UTF-8): read with U+FFFD in their place",
                False,
            )
        )
        return _SURROGATE.sub("\ufffd", s)

    def value(self, v: Any, t: Any, path: str) -> Any:
        if v is None:
            return None
        alts = _alternatives(t)
        if v == _DEEP:
            self.issues.append(
                (
                    path,
                    f"{path.rsplit('.', 1)[-1]} is nested more than {MAX_DEPTH} levels deep: "
                    "not read",
                    True,
                )
            )
            return None
        if any(isinstance(a, msgspec_inspect.AnyType) for a in alts):
            return _scrub(v)  # a field read loosely (any shape)
        for a in alts:  # the shapes the data model allows
            if isinstance(a, msgspec_inspect.DictType) and isinstance(v, dict):
                return _scrub(v)
            if isinstance(a, msgspec_inspect.StructType) and isinstance(v, dict):
                return self.struct(v, a.cls, path)
            if isinstance(a, msgspec_inspect.ListType) and isinstance(v, list):
                return self.items(v, a.item_type, path)
            if isinstance(a, msgspec_inspect.StrType) and isinstance(v, str):
                return self.text(v, path)
            if isinstance(a, msgspec_inspect.BoolType) and isinstance(v, bool):
                return v
            if (
                isinstance(a, msgspec_inspect.IntType)
                and isinstance(v, int)
                and not isinstance(v, bool)
            ):
                return v
            if (
                isinstance(a, msgspec_inspect.FloatType)
                and isinstance(v, float)
                and math.isfinite(v)
            ):
                return v
        return self.coerce(v, alts, path)

    def coerce(self, v: Any, alts: tuple[Any, ...], path: str) -> Any:
        """A value of a shape the data model does not allow here: keep what can be kept."""
        a = alts[0]
        scalar = isinstance(v, str | int | float) and not (
            isinstance(v, float) and not math.isfinite(v)
        )
        if isinstance(a, msgspec_inspect.StrType):
            if scalar:
                text = str(v).lower() if isinstance(v, bool) else str(v)
                self.note(path, v, alts, f"read as the text '{text}'", False)
                return text
            if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
                self.note(path, v, alts, "read as its items, one per line", False)
                return self.text("\n".join(v), path)
        elif isinstance(a, msgspec_inspect.ListType):
            item = a.item_type
            of_objects = isinstance(item, msgspec_inspect.StructType)
            if isinstance(v, dict) and not v:
                self.note(path, v, alts, "read as an empty list", False)
                return []
            if isinstance(v, dict) and isinstance(item, msgspec_inspect.StructType):
                self.note(path, v, alts, "read as a list of that one object", False)
                return [self.struct(v, item.cls, f"{path}[0]")]
            if scalar and not of_objects:
                text = str(v).lower() if isinstance(v, bool) else str(v)
                self.note(path, v, alts, "read as a list of that one item", False)
                return [self.text(text, f"{path}[0]")]
        elif isinstance(a, msgspec_inspect.StructType):
            if isinstance(v, list) and len(v) == 1 and isinstance(v[0], dict):
                self.note(path, v, alts, "read as its one object", False)
                return self.struct(v[0], a.cls, path)
        elif (
            isinstance(a, msgspec_inspect.BoolType)
            and isinstance(v, str)
            and v.strip().lower() in ("true", "false")
        ):
            self.note(path, v, alts, f"read as {v.strip().lower()}", False)
            return v.strip().lower() == "true"
        self.note(path, v, alts, "not read", True)
        return None

    def items(self, v: list[Any], item_type: Any, path: str) -> list[Any]:
        """The items of a list; an item of the wrong shape is noted and left as None, so the
        positions of the others stay those of the JSON list."""
        out: list[Any] = []
        alts = _alternatives(item_type)
        for i, x in enumerate(v):
            where = f"{path}[{i}]"
            if x is None:
                self.note(where, x, alts, "skipped", False)
                out.append(None)
                continue
            out.append(self.value(x, item_type, where))
        return out


def _protocol_paths(api_path: str) -> str:
    return api_path.removeprefix("protocolSection.")


_CANONICAL = (
    (
        re.compile(r"outcomesModule\.(primary|secondary|other)Outcomes\[([0-9]+)\]\.(\w+)"),
        lambda m: outcome_field(
            m.group(1), int(m.group(2)), "time_frame" if m.group(3) == "timeFrame" else m.group(3)
        ),
    ),
    (
        re.compile(r"armsInterventionsModule\.armGroups\[([0-9]+)\]\.(label|type|description)"),
        lambda m: arm_field(int(m.group(1)), m.group(2)),
    ),
    (
        re.compile(r"armsInterventionsModule\.interventions\[([0-9]+)\]\.(name|type|description)"),
        lambda m: intervention_field(int(m.group(1)), m.group(2)),
    ),
    (
        re.compile(r"conditionsModule\.(condition|keyword)s\[([0-9]+)\]"),
        lambda m: term_field(m.group(1), int(m.group(2))),
    ),
)
_LIST_PATHS = {
    "conditionsModule.conditions": "conditions",
    "armsInterventionsModule.armGroups": "arms",
    "armsInterventionsModule.interventions": "interventions",
    "outcomesModule.primaryOutcomes": "outcomes",
    "outcomesModule.secondaryOutcomes": "outcomes",
    "outcomesModule.otherOutcomes": "outcomes",
}


def canonical_field(api_path: str) -> str:
    """The canonical field path of an API v2 path (``protocolSection.`` left out): outcome,
    arm, intervention and term items as the frames name them, everything else as written."""
    p = _protocol_paths(api_path)
    for pattern, make in _CANONICAL:
        m = pattern.fullmatch(p)
        if m:
            return make(m)
    return p


def _carried_names(api_path: str) -> set[str]:
    """Canonical names (study columns, list fields) whose values live at ``api_path``."""
    p = _protocol_paths(api_path)
    if "[" in p:
        return set()
    names = {c for c, fp in STUDY_FIELD_PATHS.items() if fp == p or fp.startswith(p + ".")}
    if p in _LIST_PATHS:
        names.add(_LIST_PATHS[p])
    return names


# --- building rows -------------------------------------------------------------------------------


def _record_id(nct: Any, fallback: str) -> str:
    if isinstance(nct, str) and nct.strip() and len(nct) <= MAX_RECORD_ID_CHARS:
        return nct
    return fallback


def add_study(
    b: FrameBuilder,
    study: Study,
    *,
    path: str,
    line: int | None,
    pointer: str,
    fallback_id: str,
    issues: list[tuple[str, str, bool]] | None = None,
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
    phases = [x for x in _as_list(des.phases) if x]
    count: float | None
    try:
        count = float(en.count) if en.count is not None and str(en.count).strip() else None
    except (ValueError, OverflowError):
        count = None
        issues = [
            *(issues or ()),
            (
                "protocolSection.designModule.enrollmentInfo.count",
                f"count is {_shape(en.count)} where the API v2 data model has a number: not read",
                True,
            ),
        ]
    if count is not None and not math.isfinite(count):
        count = None
    present = [
        name
        for module, names in MODULE_FIELDS.items()
        if getattr(p, _SNAKE[module], None) is not None
        for name in names
    ]
    if p.status_module and p.design_module and p.eligibility_module:
        # a whole protocol section: a list module it lacks is an empty list, not an unread one
        present += [n for n in LIST_FIELDS if n not in present]
    if issues:
        # a field whose value was not read at all is not carried: no rule reports it missing
        dropped = set().union(*(_carried_names(ip) for ip, _, lost in issues if lost))
        present = [n for n in present if n not in dropped]
    rid = b.unique_id(_record_id(ident.nct_id, fallback_id))
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
        who_masked="|".join(x for x in _as_list(mi.who_masked) if x) or None,
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
    for ip, message, _ in issues or ():
        b.add_issue(rid, canonical_field(ip), message)
    for kind, items in (
        ("primary", oc.primary_outcomes),
        ("secondary", oc.secondary_outcomes),
        ("other", oc.other_outcomes),
    ):
        for i, o in enumerate(items or ()):
            if o is not None:
                b.add_outcome(
                    rid, kind, i, _text(o.measure), _text(o.description), _text(o.time_frame)
                )
    for i, a in enumerate(ai.arm_groups or ()):
        if a is not None:
            b.add_arm(
                rid,
                i,
                _text(a.label),
                a.type,
                _text(a.description),
                _as_list(a.intervention_names),  # type: ignore[arg-type]  # None items: skipped
            )
    for i, iv in enumerate(ai.interventions or ()):
        if iv is not None:
            b.add_intervention(
                rid,
                i,
                iv.type,
                _text(iv.name),
                _text(iv.description),
                _as_list(iv.arm_group_labels),  # type: ignore[arg-type]
                _as_list(iv.other_names),  # type: ignore[arg-type]
            )
    for i, c in enumerate(_as_list(cond.conditions)):
        b.add_term(rid, "condition", i, c)
    for i, k in enumerate(_as_list(cond.keywords)):
        b.add_term(rid, "keyword", i, k)


def _id_in(raw: bytes) -> str | None:
    """The record's NCT id as its bytes show it, for a read error (first 1 MB searched)."""
    m = _NCT_IN.search(raw[: 1 << 20])
    return m.group(1).decode("utf-8", "replace") if m else None


def _decode_one(
    b: FrameBuilder,
    raw: bytes | msgspec.Raw,
    *,
    path: str,
    line: int | None,
    pointer: str,
    fallback_id: str,
) -> None:
    issues: list[tuple[str, str, bool]] | None = None
    try:
        study = _study_decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        data = bytes(raw)
        value, why = _generic(data)
        if why is not None or not isinstance(value, dict):
            reason = (
                f"invalid JSON: {why}"
                if why is not None
                else f"not an API v2 study: {_shape(value)}, not a study object"
            )
            m = _BYTE_AT.search(why or "")
            column = int(m.group(1)) + 1 if m and line is not None else None
            if line is None and not pointer and why is not None:
                # a whole file: where the damage is (the byte msgspec names, or the end of a
                # truncated file)
                at = int(m.group(1)) if m else len(data.rstrip())
                line = data.count(b"\n", 0, at) + 1
                column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            b.add_error(
                path=path,
                line=line,
                column=column,
                pointer=pointer or None,
                reason=reason,
                record_id=_id_in(data),
            )
            return
        conv = _Lenient()
        study = conv.struct(value, Study, "")
        issues = conv.issues
        if study.protocol_section is None and "protocolSection" in value:
            study.protocol_section = Protocol()  # an odd protocolSection: a record all the same
    if study.protocol_section is None:
        b.add_error(
            path=path,
            line=line,
            pointer=pointer or None,
            reason="not an API v2 study: no protocolSection",
            record_id=_id_in(bytes(raw)),
        )
        return
    add_study(
        b, study, path=path, line=line, pointer=pointer, fallback_id=fallback_id, issues=issues
    )


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def read_json(data: bytes, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    """One study object, an array of studies, or an API page {"studies": [...]}. A list that
    is cut short or broken gives the studies before the damage and a read error where it
    stops; a study nested too deep in a field trialint does not read costs nothing."""
    data = _strip_bom(data)
    b = FrameBuilder()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        items, base, problem = _items(data)
        if items is None:  # one study (or what is not a list of studies: reported as such)
            _decode_one(b, data, path=path, line=None, pointer="", fallback_id=stem)
            yield b
            return
        many = len(items) > 1 or problem is not None
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
        if problem is not None:
            at, reason = problem
            b.add_error(
                path=path,
                line=data.count(b"\n", 0, at) + 1,
                pointer=f"{base}{len(items)}",
                reason=reason,
                record_id=_id_in(data[at:]),
            )
        yield b
    finally:
        if gc_was:
            gc.enable()


_PAGE_HEAD = re.compile(rb'\s*\{\s*"studies"\s*:\s*\[')
_ITEM_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')
_Problem = tuple[int, str]  # (byte offset where reading stopped, reason)


def _items(data: bytes) -> tuple[list[Any] | None, str, _Problem | None]:
    """The raw studies of an array or an API page (None: the document is one study), their
    JSON pointer base, and the problem that stopped the list early, if any."""
    is_array = data.lstrip()[:1] == b"["
    for attempt in (data, None):
        body = attempt if attempt is not None else _cut_deep(data)
        try:
            if is_array:
                return _raw_list_decoder.decode(body), "/", None
            page = _page_decoder.decode(body)
            return (page.studies, "/studies/", None) if page.studies else (None, "", None)
        except RecursionError:
            continue  # values nested too deep: once more with them cut off
        except msgspec.ValidationError:
            if not is_array:
                return None, "", None  # JSON, not a page: one study
            break
        except msgspec.DecodeError:
            break
    if is_array:
        items, problem = _salvage(data, data.index(b"["))
        return items, "/", problem
    m = _PAGE_HEAD.match(data)
    if m is None:
        return None, "", None
    items, problem = _salvage(data, m.end() - 1)
    return items, "/studies/", problem


def _salvage(data: bytes, start: int) -> tuple[list[bytes], _Problem | None]:
    """The items of the JSON list opening at ``start`` that are there whole, split at its
    top-level commas (strings skipped whole); an item that is itself broken is read (and
    reported) on its own. A list that never closes is cut short: where it stops is reported."""
    depth, begin = 0, start + 1
    items: list[bytes] = []
    for m in _ITEM_TOKEN.finditer(data, start + 1):
        c = data[m.start()]
        if c == 0x22:  # a string
            continue
        if c in (0x5B, 0x7B):
            depth += 1
        elif c in (0x5D, 0x7D):
            if depth == 0:  # the end of the list
                last = data[begin : m.start()].strip()
                if last or items:
                    items.append(last)
                return items, None
            depth -= 1
        elif depth == 0:  # a comma between items
            items.append(data[begin : m.start()].strip())
            begin = m.end()
    while begin < len(data) and data[begin] in b" \t\r\n":
        begin += 1
    tail = data[begin:].strip()
    if tail and _generic(tail)[1] is None:  # cut just after a whole item: read it too
        items.append(tail)
        begin = len(data)
    return items, (
        begin,
        "the JSON ends early or is broken (a truncated file?): the studies before are read",
    )


def _why(data: bytes, e: BaseException) -> str:
    if isinstance(e, RecursionError):
        return f"nested more than {MAX_DEPTH} levels deep"
    return str(e)


class TooLong(bytes):
    """A line that was longer than MAX_RECORD_BYTES: its first bytes only (the rest skipped)."""

    size: int = 0


def read_ndjson(
    lines: Iterator[bytes], path: str, stem: str, chunk_size: int, first_line: int = 1
) -> Iterator[FrameBuilder]:
    """One study per line. A line that is not a study is a read error with its line number;
    a file that cannot be read to its end (a truncated or damaged gzip stream) gives the
    records before the damage and one read error saying where it stopped. ``first_line``
    numbers the first of ``lines`` (a read task that starts inside a file)."""
    b = FrameBuilder()
    gc_was = gc.isenabled()
    gc.disable()
    lineno = first_line - 1
    try:
        while True:
            try:
                line = next(lines)
            except StopIteration:
                break
            except (OSError, EOFError, ValueError, zlib.error) as e:
                b.add_error(
                    path=path,
                    line=lineno + 1,
                    reason=f"cannot read on after line {lineno}: {_io_reason(e)}; the records "
                    "before are read",
                )
                break
            lineno += 1
            if lineno == 1:
                line = _strip_bom(line)
            if isinstance(line, TooLong) or len(line) > MAX_RECORD_BYTES:
                size = line.size if isinstance(line, TooLong) else len(line)
                b.add_error(
                    path=path,
                    line=lineno,
                    reason=f"a record of {size / 2**20:,.1f} MB, more than the "
                    f"{MAX_RECORD_BYTES / 2**20:,.0f} MB trialint reads in one record: not read",
                    record_id=_id_in(line),
                )
                continue
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


def _io_reason(e: BaseException) -> str:
    if isinstance(e, EOFError):
        return "the compressed data ends early (a truncated file?)"
    return str(getattr(e, "strerror", None) or e)
