"""Kinds over what the arms and interventions of a record say about the drugs given.

Kind ``placebo_arm_active``: an arm of type Placebo Comparator whose interventions are all active
products (types in ``active_types``, e.g. DRUG, BIOLOGICAL) and where nothing in the arm or its
interventions says placebo, sham, vehicle or an inert substance (``inert``: regexes). The arm
either gives an active drug (its type is Active Comparator) or its placebo is missing from the
interventions. Params: ``active_types``, ``inert`` (regexes over the arm's label and description
and its interventions' names, descriptions and other names), ``message`` (``{arm}``,
``{interventions}``).

Kind ``drug_trial_phase_na``: an interventional study whose phases field is N/A while it
compares different drugs: two or more interventions of ``active_types``, none of them placebo
(``exclude``), given in different arms, whose names share no word (different products, not one
drug by two routes, doses or timings), and none of them named as a procedure (``procedure``:
regexes, "nerve block", "anesthesia"). The data element definitions keep N/A for trials without
phases (devices, behavioral interventions); a trial of drugs has a phase (Phase 4 for marketed
drugs). Params: ``active_types``, ``exclude``, ``procedure``, ``min_drugs`` (default 2),
``message`` (``{drugs}``).

Both need arm links, so they only judge records whose input carries arms and interventions
(API v2 JSON, legacy XML): the site CSV has no arm links. Vectorized prefilters narrow the chunk
to records with a Placebo Comparator arm / with phases N/A and two active interventions.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..findings import kind_frame
from ..frames import RecordSet, arm_field, isin
from .arms_links import arm_intervention_links
from .base import FunctionKind, require_keys
from .patterns import Carried, LazyPattern, alternatives, as_list, check_regex, compiled

_TYPES = (
    "DRUG",
    "BIOLOGICAL",
    "COMBINATION_PRODUCT",
    "DEVICE",
    "DIETARY_SUPPLEMENT",
    "GENETIC",
    "RADIATION",
    "PROCEDURE",
    "BEHAVIORAL",
    "DIAGNOSTIC_TEST",
    "OTHER",
)
_WORD = LazyPattern(r"[^\W\d_]{3,}")


def _check_types(params: dict[str, Any]) -> None:
    types = params.get("active_types", ["DRUG", "BIOLOGICAL"])
    if not isinstance(types, list) or not types or any(t not in _TYPES for t in types):
        raise ValueError(f"active_types must list some of {', '.join(_TYPES)}")


def _links(rs: RecordSet) -> pd.DataFrame:
    """(record_id, arm row, intervention row) pairs: by the intervention's arm labels, or by the
    arm's intervention names ('Type: Name') for interventions that list no arm."""
    return arm_intervention_links(
        rs.arms.reset_index(drop=True), rs.interventions.reset_index(drop=True)
    )


def _text(*values: Any) -> str:
    return " ".join(str(v) for v in values if isinstance(v, str))


# --- placebo_arm_active ----------------------------------------------------------------------

_PLACEBO_KEYS = {"active_types", "inert", "message"}
_PLACEBO_MESSAGE = (
    "arm '{arm}' is a Placebo Comparator, but its interventions ({interventions}) are active "
    "products and nothing in the arm or its interventions says placebo, sham or vehicle"
)


def validate_placebo(params: dict[str, Any]) -> None:
    require_keys(params, _PLACEBO_KEYS, {"inert"})
    _check_types(params)
    for i, rx in enumerate(as_list(params["inert"], "inert")):
        check_regex(rx, f"inert[{i}]", re2=False)
    params.get("message", _PLACEBO_MESSAGE).format(arm="", interventions="")


def prefilter_placebo(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    arms = rs.arms
    ids = arms.loc[arms["type"] == "PLACEBO_COMPARATOR", "record_id"]
    return isin(rs.studies["record_id"], ids)


def run_placebo(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    arms = rs.arms.reset_index(drop=True)
    itv = rs.interventions.reset_index(drop=True)
    placebo_arms = arms.index[(arms["type"] == "PLACEBO_COMPARATOR").to_numpy()]
    if not len(placebo_arms):
        return kind_frame([])
    carried = Carried(rs.studies)
    ok_ids = set(rs.studies["record_id"][(carried("arms") & carried("interventions")).to_numpy()])
    links = _links(rs)
    links = links[links["arm"].isin(placebo_arms)]
    active = set(params.get("active_types", ["DRUG", "BIOLOGICAL"]))
    inert = compiled(alternatives(as_list(params["inert"], "inert")), re.IGNORECASE)
    message = params.get("message", _PLACEBO_MESSAGE)
    # plain lists: per-row .loc on frames is what makes such loops slow
    a_rid, a_label = arms["record_id"].tolist(), arms["label"].tolist()
    a_desc, a_pos = arms["description"].tolist(), arms["position"].tolist()
    i_name, i_type = itv["name"].tolist(), itv["type"].tolist()
    i_desc, i_other = itv["description"].tolist(), itv["other_names"].tolist()
    by_arm: dict[int, list[int]] = {}
    for arm, it in zip(links["arm"].tolist(), links["itv"].tolist(), strict=True):
        by_arm.setdefault(int(arm), []).append(int(it))
    rows = []
    for arm, its in by_arm.items():
        if a_rid[arm] not in ok_ids or not all(i_type[i] in active for i in its):
            continue
        text = " ".join(
            [_text(a_label[arm], a_desc[arm])]
            + [_text(i_name[i], i_desc[i], i_other[i]) for i in its]
        )
        if inert.search(text):
            continue
        names = ", ".join(f"'{i_name[i]}' ({str(i_type[i]).lower()})" for i in its)
        rows.append(
            {
                "record_id": a_rid[arm],
                "field": arm_field(int(a_pos[arm]), "type"),
                "start": None,
                "end": None,
                "message": message.format(arm=a_label[arm], interventions=names),
            }
        )
    return kind_frame(rows)


# --- drug_trial_phase_na ---------------------------------------------------------------------

_PHASE_KEYS = {"active_types", "exclude", "procedure", "min_drugs", "message"}
_PHASE_MESSAGE = (
    "the phases field is N/A, but the study compares drugs ({drugs}): N/A is for trials without "
    "phases (devices, behavioral interventions)"
)


def validate_phase(params: dict[str, Any]) -> None:
    require_keys(params, _PHASE_KEYS)
    _check_types(params)
    for key in ("exclude", "procedure"):
        for i, rx in enumerate(as_list(params.get(key), key)):
            check_regex(rx, f"{key}[{i}]", re2=False)
    n = params.get("min_drugs", 2)
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError("min_drugs must be an integer >= 2")
    params.get("message", _PHASE_MESSAGE).format(drugs="")


def prefilter_phase(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    st = rs.studies
    na = ((st["phases"] == "NA") & (st["study_type"] == "INTERVENTIONAL")).fillna(False)
    itv = rs.interventions
    active = itv[itv["type"].isin(params.get("active_types", ["DRUG", "BIOLOGICAL"]))]
    counts = active.groupby("record_id").size()
    enough = st["record_id"].map(counts).fillna(0) >= int(params.get("min_drugs", 2))
    return (na & enough).to_numpy(dtype=bool, copy=True)


def run_phase(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    keep = prefilter_phase(rs, params)
    carried = Carried(rs.studies)
    keep &= (carried("arms") & carried("interventions") & carried("phases")).to_numpy()
    if not keep.any():
        return kind_frame([])
    ids = set(rs.studies["record_id"][keep])
    itv = rs.interventions.reset_index(drop=True)
    active_types = set(params.get("active_types", ["DRUG", "BIOLOGICAL"]))
    exclude = as_list(params.get("exclude"), "exclude")
    procedure = as_list(params.get("procedure"), "procedure")
    excl = compiled(alternatives(exclude), re.IGNORECASE) if exclude else None
    proc = compiled(alternatives(procedure), re.IGNORECASE) if procedure else None
    links = _links(rs)
    links = links[isin(links["record_id"], ids)]
    message = params.get("message", _PHASE_MESSAGE)
    rows = []
    for rid, group in links.groupby("record_id"):
        drugs: dict[int, frozenset[int]] = {}
        for it, g in group.groupby("itv"):
            row = itv.loc[it]
            if row["type"] not in active_types:
                continue
            text = _text(row["name"], row["description"], row["other_names"])
            if excl is not None and excl.search(text):
                continue
            if proc is not None and proc.search(_text(row["name"])):
                drugs = {}
                break  # a procedure typed as a drug: the study compares techniques
            drugs[int(str(it))] = frozenset(g["arm"].tolist())
        if len(drugs) < int(params.get("min_drugs", 2)):
            continue
        # different products in different arms: two drugs whose arm sets differ and whose names
        # share no word
        words = {it: {w.lower() for w in _WORD.findall(str(itv.loc[it, "name"]))} for it in drugs}
        pair = next(
            (
                (i, j)
                for i in drugs
                for j in drugs
                if i < j
                and drugs[i] != drugs[j]
                and words[i]
                and words[j]
                and not words[i] & words[j]
            ),
            None,
        )
        if pair is None:
            continue
        names = ", ".join(f"'{itv.loc[i, 'name']!s}'" for i in sorted(drugs))
        rows.append(
            {
                "record_id": rid,
                "field": "designModule.phases",
                "start": None,
                "end": None,
                "message": message.format(drugs=names),
            }
        )
    return kind_frame(rows)


KINDS = (
    FunctionKind("placebo_arm_active", run_placebo, validate_placebo, prefilter_placebo),
    FunctionKind("drug_trial_phase_na", run_phase, validate_phase, prefilter_phase),
)
