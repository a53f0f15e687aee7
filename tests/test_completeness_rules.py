"""Completeness rules: eligibility-missing, eligibility-unstructured and the missing-* family."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from conftest import CORPUS, SEEDS
from trialint.engine import check_recordset
from trialint.errors import ConfigError
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.completeness import placeholder_mask
from trialint.read import example_recordset, read_bytes, read_paths

FDAAA_RULES = (
    "missing-primary-outcome",
    "missing-study-dates",
    "missing-design-info",
    "missing-registration-element",
)
ALL_RULES = (*FDAAA_RULES, "missing-trds-item", "eligibility-missing", "eligibility-unstructured")


def _check(rules: dict, rs: RecordSet, ids: tuple[str, ...] = ALL_RULES) -> pd.DataFrame:
    found = check_recordset(rs, [rules[i] for i in ids])
    return found[found["rule"] != "read-error"]


def _study(
    submitted: str | None = "2019-04-02",
    study_type: str = "INTERVENTIONAL",
    **modules: Any,
) -> dict[str, Any]:
    status: dict[str, Any] = {"overallStatus": "RECRUITING"}
    if submitted:
        status["studyFirstSubmitDate"] = submitted
    ps: dict[str, Any] = {
        "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A study"},
        "statusModule": status,
        "designModule": {"studyType": study_type},
    }
    ps.update(modules)
    return {"protocolSection": ps}


def _json_rs(study: dict[str, Any]) -> RecordSet:
    return RecordSet.concat(read_bytes(json.dumps(study).encode(), "x.json"))


# --- required_fields -------------------------------------------------------------------------


def test_message_names_the_element_and_its_sources(rules):
    rs = _json_rs(_study(outcomesModule={"secondaryOutcomes": [{"measure": "FEV1"}]}))
    found = _check(rules, rs, ("missing-primary-outcome",))
    assert list(found["field"]) == ["outcomesModule.primaryOutcomes"]
    msg = found["message"].iloc[0]
    assert "no primary outcome measure registered" in msg
    assert "WHO TRDS item 19" in msg and "42 CFR 11.28(a)(2)(i)(W)" in msg


def test_the_final_rule_date_splits_fdaaa_rules_from_the_who_rule(rules):
    outcomes = {"secondaryOutcomes": [{"measure": "FEV1"}]}
    before = _check(rules, _json_rs(_study("2017-01-17", outcomesModule=outcomes)))
    on = _check(rules, _json_rs(_study("2017-01-18", outcomesModule=outcomes)))
    assert "missing-trds-item" in set(before["rule"]) and not set(before["rule"]) & set(FDAAA_RULES)
    assert "missing-primary-outcome" in set(on["rule"]) and "missing-trds-item" not in set(
        on["rule"]
    )
    assert (before["severity"] == "info").all()


def test_partial_api_response_is_never_judged(rules):
    # a fields= query: the modules are there but hold only the selected fields
    partial = _study(
        submitted=None,
        eligibilityModule={"minimumAge": "5 Years"},
        outcomesModule={"secondaryOutcomes": [{"measure": "FEV1"}]},
        sponsorCollaboratorsModule={},
    )
    assert _check(rules, _json_rs(partial)).empty


def test_module_absent_means_not_carried(rules):
    # no outcomesModule, no armsInterventionsModule, no eligibilityModule, no sponsor module
    study = _study(designModule={"studyType": "INTERVENTIONAL", "phases": ["PHASE2"]})
    found = _check(rules, _json_rs(study))
    assert (
        not found["field"]
        .str.startswith(
            (
                "outcomesModule",
                "armsInterventionsModule",
                "eligibilityModule",
                "sponsorCollaborators",
            )
        )
        .any()
    ), found[["rule", "field"]]


_CSV_HEAD = "NCT Number,Study Title,Study Status,Study Type,Phases,Interventions,First Posted"


def test_a_csv_without_a_column_never_counts_as_missing_it(rules):
    # no design, outcome, sponsor, enrollment or date columns: none of those may be missing
    csv = (
        _CSV_HEAD
        + "\nNCT01234567,A study,COMPLETED,INTERVENTIONAL,PHASE2,DRUG: Aspirin,2019-11-25\n"
    )
    found = _check(rules, example_recordset({"csv": csv}, name="c"))
    assert found.empty, found[["rule", "field", "message"]]


def test_a_csv_column_that_is_there_but_empty_is_missing(rules):
    csv = (
        _CSV_HEAD + ",Study Design,Primary Outcome Measures\n"
        "NCT01234567,A study,COMPLETED,INTERVENTIONAL,PHASE2,DRUG: Aspirin,2019-11-25,"
        "Allocation: RANDOMIZED|Intervention Model: PARALLEL|Primary Purpose: TREATMENT,\n"
    )
    found = _check(rules, example_recordset({"csv": csv}, name="c"))
    assert set(zip(found["rule"], found["field"], strict=True)) == {
        ("missing-design-info", "designModule.designInfo.maskingInfo.masking"),
        ("missing-primary-outcome", "outcomesModule.primaryOutcomes"),
    }


def test_pre_2023_csv_unlabelled_outcomes_count_as_primary(rules):
    csv = (
        "Rank,NCT Number,Title,Status,Study Type,Outcome Measures,Sponsor/Collaborators,"
        "Start Date,Completion Date,Enrollment\n"
        "1,NCT01234567,A study,Completed,Interventional,Overall survival,Example Univ,"
        "March 2004,May 2008,58\n"
    )
    found = _check(rules, example_recordset({"csv": csv}, name="c"))
    assert found.empty, found[["rule", "field", "message"]]


def test_allocation_only_for_multi_arm_models(rules):
    design = {
        "studyType": "INTERVENTIONAL",
        "phases": ["PHASE1"],
        "designInfo": {
            "primaryPurpose": "TREATMENT",
            "maskingInfo": {"masking": "NONE"},
        },
    }
    fields = {}
    for model in ("SINGLE_GROUP", "SEQUENTIAL", "PARALLEL", "CROSSOVER", "FACTORIAL"):
        design["designInfo"]["interventionModel"] = model
        found = _check(rules, _json_rs(_study(designModule=design)), ("missing-design-info",))
        fields[model] = set(found["field"])
    assert fields["SINGLE_GROUP"] == fields["SEQUENTIAL"] == set()
    for model in ("PARALLEL", "CROSSOVER", "FACTORIAL"):
        assert fields[model] == {"designModule.designInfo.allocation"}


def test_expanded_access_and_withheld_records_are_skipped(rules):
    ea = _study(study_type="EXPANDED_ACCESS", sponsorCollaboratorsModule={})
    ea["protocolSection"]["statusModule"]["overallStatus"] = "AVAILABLE"
    assert _check(rules, _json_rs(ea)).empty
    withheld = _study(outcomesModule={}, sponsorCollaboratorsModule={})
    withheld["protocolSection"]["statusModule"]["overallStatus"] = "WITHHELD"
    assert _check(rules, _json_rs(withheld)).empty


def test_legacy_xml_record_missing_items(rules, tmp_path):
    xml = """<clinical_study>
  <id_info><org_study_id>X</org_study_id><nct_id>NCT00000999</nct_id></id_info>
  <brief_title>A study</brief_title>
  <sponsors><lead_sponsor><agency>NHLBI</agency></lead_sponsor></sponsors>
  <overall_status>Completed</overall_status>
  <study_type>Interventional</study_type>
  <eligibility><criteria><textblock>Please contact site for information.</textblock></criteria>
    <gender>All</gender></eligibility>
  <condition>Asthma</condition>
  <intervention><intervention_type>Drug</intervention_type><intervention_name>X</intervention_name></intervention>
  <study_first_submitted>November 2, 1999</study_first_submitted>
</clinical_study>"""
    path = tmp_path / "NCT00000999.xml"
    path.write_text(xml)
    found = _check(rules, RecordSet.concat(read_paths([path])))
    trds = found[found["rule"] == "missing-trds-item"]
    assert set(trds["field"]) == {
        "identificationModule.officialTitle",
        "statusModule.startDateStruct.date",
        "designModule.enrollmentInfo.count",
        "outcomesModule.primaryOutcomes",
        "statusModule.completionDateStruct.date",
    }
    elig = found[found["rule"] == "eligibility-missing"]
    assert len(elig) == 1 and "Please contact site for information." in elig["message"].iloc[0]
    assert elig["excerpt"].iloc[0] == "Please contact site for information."
    assert "eligibility-unstructured" not in set(found["rule"])
    assert not set(found["rule"]) & set(FDAAA_RULES)


# --- placeholders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("Please contact site for information.", True),
        ("Inclusion Criteria:\n\nNil\n\nExclusion Criteria:\n\nNil", True),
        ("N/A", True),
        ("This information currently is not available.", True),
        ('See "Detailed Description"', True),
        ("No eligibility criteria", True),
        ("Inclusion Criteria:\n\n1. Male participants...", False),
        ("Men and women with sick sinus syndrome.", False),
        ("None of the patients may be pregnant.", False),
        ("Contact lens wearers aged 18-40", False),
    ],
)
def test_placeholders(rules, text, placeholder):
    patterns = rules["eligibility-missing"].params["elements"][0]["placeholders"]
    assert bool(placeholder_mask(pd.Series([text], dtype="str"), patterns).iloc[0]) is placeholder


def test_both_eligibility_rules_share_one_placeholder_list(rules):
    missing = rules["eligibility-missing"].params["elements"][0]["placeholders"]
    assert rules["eligibility-unstructured"].params["placeholders"] == missing


# --- eligibility_structure -------------------------------------------------------------------


def _elig(text: str, study_type: str) -> RecordSet:
    return _json_rs(_study(study_type=study_type, eligibilityModule={"eligibilityCriteria": text}))


def test_group_headings_count_as_structure_only_for_observational(rules):
    text = "Group A:\n\n* Adults with asthma\n\nGroup B:\n\n* Adults without lung disease"
    obs = _check(rules, _elig(text, "OBSERVATIONAL"), ("eligibility-unstructured",))
    inter = _check(rules, _elig(text, "INTERVENTIONAL"), ("eligibility-unstructured",))
    assert obs.empty
    assert len(inter) == 1
    assert inter["start"].iloc[0] == 0 and inter["end"].iloc[0] == len(text)
    assert "interventional study" in inter["message"].iloc[0]


@pytest.mark.parametrize(
    "text",
    [
        "Patients with a history of gout are excluded.",
        "Women were eligible if they were under 22 weeks pregnant.",
        "Key Criteria:\n* Age 4 to 8 years",
        "Exclusion Criteria:\n* Pregnancy",
    ],
)
def test_criteria_vocabulary_counts_as_structure(rules, text):
    assert _check(rules, _elig(text, "INTERVENTIONAL"), ("eligibility-unstructured",)).empty


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"elements": []},
        {"elements": [{"field": "nope", "label": "x", "ref": "y"}]},
        {"elements": [{"field": "phases", "label": "x"}]},
        {
            "elements": [
                {"field": "phases", "label": "x", "ref": "y", "when": [{"field": "phases"}]}
            ]
        },
        {"elements": [{"field": "phases", "label": "x", "ref": "y", "placeholders": ["n/a"]}]},
        {"elements": [{"field": "phases", "label": "x", "ref": "y"}], "message": "{text}"},
        {
            "elements": [{"field": "phases", "label": "x", "ref": "y"}],
            "when": [{"field": "zz", "in": [1]}],
        },
    ],
)
def test_required_fields_rejects_bad_params(params):
    with pytest.raises((ValueError, TypeError, KeyError)):
        KINDS["required_fields"].validate(params)


def test_structure_rejects_a_pattern_re2_cannot_run():
    with pytest.raises(ValueError, match="not an RE2 regex"):
        KINDS["eligibility_structure"].validate({"markers": ["(?<=x)y"]})


def test_a_bad_rule_file_is_a_config_error(tmp_path):
    from trialint.rules import load_rule_file

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad-rule\nseverity: info\nsummary: s\nwhy: w\nfix: f\nkind: required_fields\n"
        "params: {elements: [{field: nope, label: x, ref: y}]}\n"
        "examples: {flag: [{text: x}], pass: [{text: x}]}\n"
    )
    with pytest.raises(ConfigError, match="unknown field 'nope'"):
        load_rule_file(bad)


# --- corpus and seeds ------------------------------------------------------------------------


def test_seeds_get_nothing_from_these_rules(rules):
    found = pd.concat([_check(rules, rs) for rs in read_paths([SEEDS])], ignore_index=True)
    assert found.empty, found[["record_id", "rule", "message"]]


def test_api_v2_corpus_design_hits_are_the_records_without_arm_groups(rules):
    path = CORPUS / "ctgov_v2_json" / "studies.ndjson"
    found = pd.concat(
        [_check(rules, rs, FDAAA_RULES) for rs in read_paths([path])], ignore_index=True
    )
    assert set(found["record_id"]) == {
        "NCT03456479",
        "NCT04179266",
        "NCT04188236",
        "NCT04208100",
        "NCT04767165",
    }
    assert (found["field"] == "armsInterventionsModule.armGroups").all()
