"""Kind ``design_conflict``: the design fields contradict each other or the record's own text.

Sub-checks (``params.checks``; each measured separately, see checks/allocation-model-conflict.yaml):
  - ``randomized-single-group``: allocation RANDOMIZED with interventionModel SINGLE_GROUP (a
    single group has no one to be randomized against);
  - ``randomization-not-in-allocation``: allocation NON_RANDOMIZED or NA while the record's own text
    describes randomizing its participants ("patients are randomized in two arms"). For
    SINGLE_GROUP records only the titles are looked at here: their other text is the
    ``randomization_single_arm`` kind's;
  - ``single-group-multiple-arms``: SINGLE_GROUP (allocation not RANDOMIZED) with more than one
    arm group (weak: cohorts, within-participant comparisons; off unless asked);
  - ``non-randomized-single-group``: allocation NON_RANDOMIZED with SINGLE_GROUP, where the data
    element definitions ask for N/A (a formality; off unless asked).

Vectorized over the studies/arms frames; the text sub-check reuses the pyarrow prefilter and the
occurrence classifier of :mod:`randomization_single_arm`, in Python only on candidate texts.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, carries, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern
from .randomization_single_arm import (
    candidate_texts,
    extension_studies,
    field_phrase,
    item_names,
    own_ids_by_record,
    own_randomization,
)

CHECKS = (
    "randomized-single-group",
    "randomization-not-in-allocation",
    "single-group-multiple-arms",
    "non-randomized-single-group",
)
DEFAULT_CHECKS = ("randomized-single-group", "randomization-not-in-allocation")
DEFAULT_FIELDS = (
    r"^identificationModule\.(briefTitle|officialTitle)$",
    r"^descriptionModule\.(briefSummary|detailedDescription)$",
    r"^designModule\.designInfo\.interventionModelDescription$",
    r"^arms\[[0-9]+\]\.(label|description)$",
    r"^outcomes\[[a-z]+\]\[[0-9]+\]\.(measure|description|time_frame)$",
)
# fields of SINGLE_GROUP records the randomization_single_arm kind does not read
DEFAULT_SINGLE_GROUP_FIELDS = (r"^identificationModule\.(briefTitle|officialTitle)$",)
_ALLOWED = {"checks", "fields", "single_group_fields", "max_arm_labels"}

ALLOCATION = STUDY_FIELD_PATHS["allocation"]
MODEL = STUDY_FIELD_PATHS["intervention_model"]


def validate(params: dict[str, Any]) -> None:
    require_keys(params, _ALLOWED)
    checks = params.get("checks", DEFAULT_CHECKS)
    if not isinstance(checks, list | tuple) or not checks:
        raise TypeError("checks must be a non-empty list")
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown check(s) {sorted(unknown)}; known: {', '.join(CHECKS)}")
    for key, default in (
        ("fields", DEFAULT_FIELDS),
        ("single_group_fields", DEFAULT_SINGLE_GROUP_FIELDS),
    ):
        fields = params.get(key, default)
        if not isinstance(fields, list | tuple):
            raise TypeError(
                f"{key} must be a list of regular expressions over canonical field paths"
            )
        for f in fields:
            try:
                re.compile(f)
            except re.error as e:
                raise ValueError(f"bad field pattern {f!r}: {e}") from e
    n = params.get("max_arm_labels", 3)
    if not isinstance(n, int) or n < 0:
        raise TypeError("max_arm_labels must be a non-negative integer")


def _arm_summary(
    rs: RecordSet, record_ids: pd.Series, max_labels: int
) -> dict[str, tuple[int, str]]:
    """record_id -> (number of arm groups, "'A', 'B', ...") for the records given."""
    arms = rs.arms[isin(rs.arms["record_id"], record_ids)]
    out: dict[str, tuple[int, str]] = {}
    for rid, grp in arms.groupby("record_id", sort=False):
        labels = [f"'{x}'" for x in grp["label"].dropna().astype(str).head(max_labels)]
        more = ", ..." if len(grp) > max_labels else ""
        out[str(rid)] = (len(grp), ", ".join(labels) + more)
    return out


def _design_rows(rs: RecordSet, checks: set[str], max_labels: int) -> list[dict[str, Any]]:
    st = rs.studies
    alloc, model = st["allocation"], st["intervention_model"]
    single = (model == "SINGLE_GROUP").fillna(False)
    rows: list[dict[str, Any]] = []
    rand_sg = st.loc[single & (alloc == "RANDOMIZED").fillna(False), "record_id"]
    has_arms = carries(st, "arms")
    if "randomized-single-group" in checks and len(rand_sg):
        arms = _arm_summary(rs, rand_sg, max_labels)
        carried = dict(zip(st["record_id"], has_arms, strict=True))
        for rid in rand_sg:
            n, labels = arms.get(rid, (0, ""))
            if n > 1:
                listed = f"; the record lists {n} arm groups ({labels})"
                advice = (
                    "If participants are randomized between these groups, the model is PARALLEL "
                    "(or CROSSOVER/FACTORIAL); if everyone receives the same intervention, allocation is N/A."
                )
            else:
                listed = "; the record lists one arm group" if n == 1 else ""
                if not carried.get(rid, True):
                    listed = ""
                advice = (
                    "If everyone receives the same intervention, allocation is N/A; if participants are "
                    "randomized to different interventions, orders or sides, name those arms and pick the "
                    "model that fits (PARALLEL, CROSSOVER, FACTORIAL)."
                )
            rows.append(
                {
                    "record_id": rid,
                    "field": ALLOCATION,
                    "start": None,
                    "end": None,
                    "message": (
                        "Allocation is RANDOMIZED but the intervention model is SINGLE_GROUP: a single group "
                        f"has nobody to be randomized against{listed}. {advice}"
                    ),
                    "related_field": MODEL,
                }
            )
    if "single-group-multiple-arms" in checks:
        sg = st.loc[single & ~(alloc == "RANDOMIZED").fillna(False), "record_id"]
        arms = _arm_summary(rs, sg, max_labels)
        for rid in sg:
            n, labels = arms.get(rid, (0, ""))
            if n > 1:
                rows.append(
                    {
                        "record_id": rid,
                        "field": MODEL,
                        "start": None,
                        "end": None,
                        "message": (
                            f"The intervention model is SINGLE_GROUP but the record lists {n} arm groups "
                            f"({labels}): a single-group study has one arm. Merge the arms, or pick the model "
                            "that fits (PARALLEL or SEQUENTIAL for cohorts)."
                        ),
                        "related_field": "arms[1].label",
                    }
                )
    if "non-randomized-single-group" in checks:
        for rid in st.loc[single & (alloc == "NON_RANDOMIZED").fillna(False), "record_id"]:
            rows.append(
                {
                    "record_id": rid,
                    "field": ALLOCATION,
                    "start": None,
                    "end": None,
                    "message": (
                        "Allocation is NON_RANDOMIZED with a SINGLE_GROUP model: with one group nobody is "
                        "allocated to anything, and the data element definitions ask for N/A."
                    ),
                    "related_field": MODEL,
                }
            )
    return rows


def _text_rows(rs: RecordSet, params: dict[str, Any]) -> list[dict[str, Any]]:
    st = rs.studies
    alloc, model = st["allocation"], st["intervention_model"]
    not_rand = alloc.isin(["NON_RANDOMIZED", "NA"])
    single = (model == "SINGLE_GROUP").fillna(False)
    ext = extension_studies(st)
    keep = ~st["record_id"].isin(ext)
    parts = []
    multi_ids = st.loc[not_rand & ~single & keep, "record_id"]
    if len(multi_ids):
        parts.append(candidate_texts(rs, multi_ids, list(params.get("fields", DEFAULT_FIELDS))))
    sg_fields = list(params.get("single_group_fields", DEFAULT_SINGLE_GROUP_FIELDS))
    sg_ids = st.loc[not_rand & single & keep, "record_id"]
    if len(sg_ids) and sg_fields:
        parts.append(candidate_texts(rs, sg_ids, sg_fields))
    parts = [p for p in parts if len(p)]
    if not parts:
        return []
    cand = pd.concat(parts, ignore_index=True)
    ids = own_ids_by_record(st[isin(st["record_id"], cand["record_id"])])
    design = dict(zip(st["record_id"], alloc.fillna("") + "|" + model.fillna(""), strict=True))
    names = item_names(rs, cand["record_id"], cand["field"])
    # one cause per record: the first place that randomizes, naming the others
    places: dict[str, list[tuple[str, Any, int]]] = {}
    for rid, field, text in zip(cand["record_id"], cand["field"], cand["text"], strict=True):
        own = [
            o
            for o in own_randomization(text, ids.get(rid, (rid,)))
            if not _alternative_start(text, o.start, o.end)
        ]
        if own:
            places.setdefault(rid, []).append((field, own[0], len(own)))
    rows: list[dict[str, Any]] = []
    for rid, found in places.items():
        field, first, count = found[0]
        al, mo = design[rid].split("|")
        more = f" ({count} places in this field)" if count > 1 else ""
        model_part = f" (intervention model {mo})" if mo else ""
        others = [field_phrase(f, names.get((rid, f), "")) for f, _, _ in found[1:]]
        also = ""
        if others:
            shown = "; ".join(others[:3]) + (
                f"; and {len(others) - 3} more" if len(others) > 3 else ""
            )
            also = f" The record says so in {len(others)} more field{'s' if len(others) > 1 else ''} too: {shown}."
        rows.append(
            {
                "record_id": rid,
                "field": field,
                "start": first.start,
                "end": first.end,
                "message": (
                    f"Allocation is {al}{model_part}, but {field_phrase(field, names.get((rid, field), ''))} "
                    f"describes randomizing this study's participants ('{first.wording}'){more}.{also} If "
                    "participants are randomized, set allocation to RANDOMIZED; if not, correct the wording."
                ),
                "related_field": ALLOCATION,
            }
        )
    return rows


# A time frame template that offers randomization as one of two start events, for whichever part
# of the study applies: "from random assignment (dose expansion) or first dose (dose escalation)",
# "From the randomization/first dose", "date of randomization (1a) or recruitment (1b)",
# "randomisation/start of dosing", "enrollment or randomization". Not a claim that this study
# randomizes.
_START_EVENT = (
    r"(?:the\s+)?(?:(?:date|day|time)\s+of\s+)?(?:first|initial|1st|start|beginning|begin|"
    r"enrol(?:l)?(?:ment|ed)?|registration|registered|recruitment|inclusion|study\s+entry|entry|"
    r"day\s*1|baseline|initiation|dosing|dose|treatment|allocation|assignment|consent|surgery|"
    r"transplant|study\s+drug|cohort)"
)
_ALT_AFTER = LazyPattern(
    rf"\s*(?:\([^()]{{0,60}}\)\s*)?(?:/|\bor\b|\band/or\b)\s*{_START_EVENT}", re.I
)
_ALT_BEFORE = LazyPattern(
    rf"{_START_EVENT}[a-z]*(?:\s+\w+){{0,2}}\s*(?:\([^()]{{0,60}}\)\s*)?(?:/|\bor\b|\band/or\b)\s*"
    r"(?:the\s+)?(?:(?:date|day|time)\s+of\s+)?$",
    re.I,
)


def _alternative_start(text: str, start: int, end: int) -> bool:
    """Is the randomization wording at text[start:end] one of two start events offered by a
    template ("randomization or first dose")?"""
    return bool(
        _ALT_AFTER.match(text, end, min(len(text), end + 100))
        or _ALT_BEFORE.search(text, max(0, start - 80), start)
    )


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    checks = set(params.get("checks", DEFAULT_CHECKS))
    if rs.studies.empty:
        return kind_frame([])
    rows = _design_rows(rs, checks, int(params.get("max_arm_labels", 3)))
    if "randomization-not-in-allocation" in checks:
        rows += _text_rows(rs, params)
    return kind_frame(rows)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records a sub-check can flag: by the design fields (vectorized), and for the text
    sub-check the records whose named fields hold randomization wording (RE2)."""
    checks = set(params.get("checks", DEFAULT_CHECKS))
    st = rs.studies
    alloc, model = st["allocation"], st["intervention_model"]
    single = (model == "SINGLE_GROUP").fillna(False).to_numpy(dtype=bool)
    keep = np.zeros(len(st), dtype=bool)
    if "randomized-single-group" in checks:
        keep |= single & (alloc == "RANDOMIZED").fillna(False).to_numpy(dtype=bool)
    if "single-group-multiple-arms" in checks:
        keep |= single & ~(alloc == "RANDOMIZED").fillna(False).to_numpy(dtype=bool)
    if "non-randomized-single-group" in checks:
        keep |= single & (alloc == "NON_RANDOMIZED").fillna(False).to_numpy(dtype=bool)
    if "randomization-not-in-allocation" in checks:
        not_rand = alloc.isin(["NON_RANDOMIZED", "NA"]).to_numpy(dtype=bool)
        fields = list(params.get("fields", DEFAULT_FIELDS)) + list(
            params.get("single_group_fields", DEFAULT_SINGLE_GROUP_FIELDS)
        )
        ids = st["record_id"][not_rand]
        if len(ids):
            cand = candidate_texts(rs, ids, fields)
            keep |= isin(st["record_id"], cand["record_id"])
    return keep


KINDS = (
    FunctionKind(name="design_conflict", run_fn=run, validate_fn=validate, prefilter_fn=prefilter),
)
