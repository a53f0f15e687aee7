"""Design-wording and arms/interventions rules: kinds, formats that do not carry the fields, seeds."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import CORPUS, SEEDS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.arms_links import product_parts
from trialint.kinds.design_wording import _tokens_to_values
from trialint.read import example_recordset, read_paths

DESIGN_RULES = (
    "masking-wording-conflict",
    "phase-wording-conflict",
    "single-arm-wording-conflict",
    "single-arm-wording-multiple-arms",
    "observational-randomized-title",
)
ARM_RULES = (
    "arm-without-intervention",
    "intervention-without-arm",
    "arm-link-unmatched",
    "intervention-lumps-products",
)
PHASE_MAP = {"0": "EARLY_PHASE1", "1": "PHASE1", "I": "PHASE1", "Ⅱ": "PHASE2", "2": "PHASE2"}
PHASE_MAP |= {"II": "PHASE2", "3": "PHASE3", "III": "PHASE3", "4": "PHASE4", "IV": "PHASE4"}


def _run(rules, rule_id: str, rs: RecordSet) -> pd.DataFrame:
    found = check_recordset(rs, [rules[rule_id]])
    return found[found["rule"] == rule_id].reset_index(drop=True)


def _record(**modules) -> dict:
    ident = {"nctId": "NCT09999999", "briefTitle": "A Study of Drug X"}
    ident.update(modules.pop("identificationModule", {}))
    return {"record": {"protocolSection": {"identificationModule": ident, **modules}}}


def test_rules_are_registered_with_measurements(rules):
    for rid in DESIGN_RULES + ARM_RULES:
        rule = rules[rid]
        assert rule.precision and rule.notes, rid
    assert rules["single-arm-wording-multiple-arms"].enabled is False
    assert rules["single-arm-wording-multiple-arms"].severity == "info"
    assert rules["intervention-lumps-products"].severity == "info"  # below 0.9 measured
    assert {"design_wording", "arm_links", "lumped_interventions"} <= set(KINDS)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("I/II", {"PHASE1", "PHASE2"}),
        ("Ib/II", {"PHASE1", "PHASE2"}),
        ("1b/2a", {"PHASE1", "PHASE2"}),
        ("II - 4", {"PHASE2"}),  # NIDA's fourth phase II study: numerals of one system only
        ("Ⅱ", {"PHASE2"}),
        ("IIIb", {"PHASE3"}),
        ("0", {"EARLY_PHASE1"}),
    ],
)
def test_phase_tokens(raw, want):
    assert _tokens_to_values(raw, PHASE_MAP) == want


def test_design_wording_validation_errors():
    kind = KINDS["design_wording"]
    base = {"fields": ["brief_title"], "message": "{claim}"}
    with pytest.raises(KeyError):
        kind.validate({**base, "claim": "x"})  # no prefilter
    with pytest.raises(ValueError):
        kind.validate({**base, "claim": "x", "prefilter": "x", "classifier": "own-randomization"})
    with pytest.raises(KeyError):
        kind.validate({**base, "fields": ["no_such_column"], "claim": "x", "prefilter": "x"})
    with pytest.raises(ValueError):
        kind.validate(
            {
                **base,
                "claim": "phase (?P<v>[0-4])",
                "prefilter": "phase",
                "value": {"group": "w", "field": "phases", "map": {"1": "PHASE1"}},
            }
        )
    with pytest.raises(KeyError):
        kind.validate({**base, "claim": "x", "prefilter": "x", "message": "{nonsense}"})


def test_phase_conflict_counts_every_claimed_phase_and_registrable_combinations(rules):
    partial = _record(
        identificationModule={"officialTitle": "A Phase I/II Study of Drug X"},
        designModule={"studyType": "INTERVENTIONAL", "phases": ["PHASE1"]},
    )
    hit = _run(rules, "phase-wording-conflict", example_recordset(partial))
    assert list(hit["field"]) == ["identificationModule.officialTitle"]
    assert "lists PHASE1" in hit.loc[0, "message"] and hit.loc[0, "excerpt"].startswith(
        "A Phase I/II"
    )
    # "Phase 3b/4" cannot be entered as such: PHASE4 alone satisfies it, PHASE2 does not
    for phases, n in ((["PHASE4"], 0), (["PHASE2"], 1)):
        rec = _record(
            identificationModule={"briefTitle": "A Phase 3b/4 Study of Drug X"},
            designModule={"studyType": "INTERVENTIONAL", "phases": phases},
        )
        assert len(_run(rules, "phase-wording-conflict", example_recordset(rec))) == n


CSV_HEADER = "NCT Number,Study Title,Brief Summary,Interventions,Study Type"


def test_masking_rule_needs_the_masking_field(rules):
    summary = "This is a randomized, single-blind, controlled trial of drug X."
    without = f'{CSV_HEADER}\nNCT09999998,Drug X in Y,"{summary}",DRUG: Drug X,INTERVENTIONAL\n'
    rs = example_recordset({"csv": without})
    assert not rs.errors
    assert _run(rules, "masking-wording-conflict", rs).empty
    with_design = (
        f'{CSV_HEADER},Study Design\nNCT09999998,Drug X in Y,"{summary}",DRUG: Drug X,INTERVENTIONAL,'
        '"Allocation: RANDOMIZED|Intervention Model: PARALLEL|Masking: NONE|Primary Purpose: TREATMENT"\n'
    )
    hit = _run(rules, "masking-wording-conflict", example_recordset({"csv": with_design}))
    assert list(hit["field"]) == ["descriptionModule.briefSummary"]
    assert "'single-blind', but masking is NONE" in hit.loc[0, "message"]


def test_open_label_part_of_a_blinded_study_is_not_flagged(rules):
    rec = _record(
        identificationModule={
            "officialTitle": "A Randomized, Double-Blind Study With an Open-Label Extension"
        },
        descriptionModule={"briefSummary": "This is an open-label, randomized trial."},
        designModule={
            "studyType": "INTERVENTIONAL",
            "designInfo": {"maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT"]}},
        },
    )
    assert _run(rules, "masking-wording-conflict", example_recordset(rec)).empty
    # the same summary without any blinding wording in the record is a conflict
    rec["record"]["protocolSection"]["identificationModule"]["officialTitle"] = "Drug X in Y"
    assert len(_run(rules, "masking-wording-conflict", example_recordset(rec))) == 1


def test_legacy_xml_arm_without_intervention():
    """NCT02032589: its placebo-comparator arm is named by no intervention (XML links only
    from interventions to arms)."""
    from trialint.rules import load_rules

    rules = load_rules()
    rs = RecordSet.concat(read_paths([CORPUS / "ctgov_xml" / "NCT02032589.xml"]))
    hit = _run(rules, "arm-without-intervention", rs)
    assert list(hit["field"]) == ["arms[1].label"]
    assert "'memory training', PLACEBO_COMPARATOR" in hit.loc[0, "message"]
    assert _run(rules, "intervention-without-arm", rs).empty
    assert _run(rules, "arm-link-unmatched", rs).empty


def test_arm_rules_do_not_run_without_arms(rules):
    """CSV and plain text carry interventions but no arms: no arm-link finding, ever."""
    csv = f'{CSV_HEADER}\nNCT09999997,Drug X in Y,Summary.,"DRUG: Drug X|DRUG: Drug Y",INTERVENTIONAL\n'
    rs = example_recordset({"csv": csv})
    for rid in ("arm-without-intervention", "intervention-without-arm", "arm-link-unmatched"):
        assert _run(rules, rid, rs).empty


def test_intervention_without_arm_and_unmatched_links_api_v2(rules):
    rec = _record(
        designModule={"studyType": "INTERVENTIONAL"},
        armsInterventionsModule={
            "armGroups": [
                {
                    "label": "A",
                    "type": "EXPERIMENTAL",
                    "interventionNames": ["Drug: X", "Drug: Gone"],
                },
                {"label": "B", "type": "NO_INTERVENTION"},
            ],
            "interventions": [
                {"type": "DRUG", "name": "X", "armGroupLabels": ["A", "C"]},
                {"type": "DRUG", "name": "Y"},
            ],
        },
    )
    rs = example_recordset(rec)
    assert _run(rules, "arm-without-intervention", rs).empty  # B is a No Intervention arm
    lone = _run(rules, "intervention-without-arm", rs)
    assert list(lone["field"]) == ["interventions[1].name"]
    unmatched = _run(rules, "arm-link-unmatched", rs)
    assert sorted(unmatched["field"]) == ["arms[0].label", "interventions[0].name"]
    assert unmatched["message"].str.contains("'C'").any()
    assert unmatched["message"].str.contains("'Drug: Gone'").any()


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ivonescimab,TAS-102", ["Ivonescimab", "TAS-102"]),
        ("Bevacizumab + CAPEOX", ["Bevacizumab", "CAPEOX"]),
        ("Fludarabine, busulfan and melphalan", ["Fludarabine", "busulfan", "melphalan"]),
        ("AK104+anlotinib", ["AK104", "anlotinib"]),
        ("Iparomlimab/Tuvonralimab", []),
        ("Iparomlimab and Tuvonralimab (QL1706)", []),
        ("Trastuzumab or pertuzumab", []),
        ("Ketamine, 0.5 mg/kg", []),
        ("CAR-T cells targeting GPC3, Mesothelin, Claudin18.2", []),
        ("Interleukin-2, Polyethylene Glycolated", []),
        ("Rexlemestrocel-L + HA mixture", []),
        ("gpASIT+TM", []),
    ],
)
def test_product_parts(rules, name, parts):
    assert product_parts(name, rules["intervention-lumps-products"].params) == parts


def test_seeds_fire_only_the_lumped_products_rule(rules):
    rs = RecordSet.concat(read_paths([SEEDS]))
    assert not rs.errors and len(rs) == 2
    found = check_recordset(rs, [rules[r] for r in DESIGN_RULES + ARM_RULES])
    got = sorted(zip(found["record_id"], found["rule"], found["field"], strict=True))
    assert got == [
        ("000_f268d187f025ea9a", "intervention-lumps-products", "interventions[0].name"),
        ("001_935bea67f28f0090", "intervention-lumps-products", "interventions[1].name"),
    ]
    assert all(found["source_path"].str.endswith(".txt")) and found["source_line"].notna().all()
