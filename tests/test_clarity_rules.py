"""The clarity rules condition-not-a-term and heading-fused-into-sentence (kinds/term_text.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SEEDS
from trialint.engine import check_recordset
from trialint.kinds import KINDS
from trialint.read import example_recordset, read_paths

CONDITION = "condition-not-a-term"
HEADING = "heading-fused-into-sentence"
SEED0 = "000_f268d187f025ea9a"
SEED1 = "001_935bea67f28f0090"


def _run(rules, rule_id: str, example: dict) -> pd.DataFrame:
    rs = example_recordset(example, name="t")
    assert not rs.errors, rs.errors
    found = check_recordset(rs, [rules[rule_id]])
    return found[found["rule"] == rule_id].reset_index(drop=True)


def _conditions(*terms: str, interventions: list[dict] | None = None) -> dict:
    proto: dict = {
        "identificationModule": {"nctId": "NCT09999999", "briefTitle": "A study"},
        "conditionsModule": {"conditions": list(terms)},
    }
    if interventions is not None:
        proto["armsInterventionsModule"] = {"interventions": interventions}
    return {"record": {"protocolSection": proto}}


def _text(field: str, text: str) -> dict:
    module, key = field.split(".")
    return {
        "record": {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT09999999", "briefTitle": "A study"},
                module: {key: text},
            }
        }
    }


def _seed_findings(rules, rule_id: str) -> pd.DataFrame:
    parts = [check_recordset(rs, [rules[rule_id]]) for rs in read_paths([SEEDS])]
    found = pd.concat(parts, ignore_index=True)
    return found[found["rule"] == rule_id].reset_index(drop=True)


# --- condition-not-a-term -------------------------------------------------------------------


def test_population_entry_points_at_the_population_word_and_suggests_the_condition(rules):
    found = _run(rules, CONDITION, _conditions("Colorectal Neoplasms", "Breast Cancer Patients"))
    assert len(found) == 1
    row = found.iloc[0]
    assert row["field"] == "conditions[1]"
    assert "Breast Cancer Patients"[row["start"] : row["end"]] == "Patients"
    assert "e.g. 'Breast Cancer'" in row["message"]


def test_patients_with_a_disease_suggests_the_disease(rules):
    found = _run(rules, CONDITION, _conditions("Patients With Alzheimer's Disease"))
    assert found["message"].str.contains("e.g. 'Alzheimer's Disease'", regex=False).all()


@pytest.mark.parametrize(
    "term",
    ["Asthmatic Patients", "Oncology Patients", "Agitation in Patients With Dementia"],
)
def test_no_suggestion_when_the_rest_is_not_a_condition(rules, term):
    found = _run(rules, CONDITION, _conditions(term))
    assert len(found) == 1
    assert "names a population" in found.loc[0, "message"]
    assert "e.g." not in found.loc[0, "message"]


@pytest.mark.parametrize(
    "term",
    [
        "Healthy Volunteers",
        "Healthy",
        "Healthy Japanese Subjects",
        "Normal Volunteers",
        "Patient Satisfaction",
        "Adherence, Patient",
        "Virtual Patient",
        "Inpatients",
        "Research Subjects",
        "Children",
        "Pregnant Women",
        "WHO Grade 4 Glioma",
        "Cardiac Autonomic Neuropathy (CAN)",
        "Test Anxiety",
        "Previously Treated Myelodysplastic Syndromes",
        "Autosomal Dominant Spinocerebellar Ataxia Due to Repeat Expansions That do Not Encode "
        "Polyglutamine",
        "Self Efficacy",
    ],
)
def test_terms_left_alone(rules, term):
    assert _run(rules, CONDITION, _conditions(term)).empty


@pytest.mark.parametrize(
    ("term", "says"),
    [
        ("To Assess Erectile Function in Patients Complaining of Penile Curvature", "title or aim"),
        ("Evaluation of the Relationship Between Serum Biomarkers and Doppler", "title or aim"),
        ("The Gestational Age of the Newborn is Between 28-37 Weeks", "is a sentence ('is')"),
        ("Participants Should Have no History of Stroke", "is a sentence ('Should')"),
        ("NCT01234567", "study identifier"),
        ("Randomized Controlled Trial", "study design"),
        ("Phase Two", "study design"),
        ("Hemodialysis Patient", "names a population ('Patient')"),
    ],
)
def test_each_check_and_one_finding_per_entry(rules, term, says):
    found = _run(rules, CONDITION, _conditions(term))
    assert len(found) == 1, found[["field", "message"]]
    assert says in found.loc[0, "message"]


def test_drug_name_beside_the_disease_is_flagged(rules):
    found = _run(
        rules,
        CONDITION,
        _conditions(
            "Colorectal Cancer",
            "Nivolumab",
            interventions=[{"type": "DRUG", "name": "nivolumab"}],
        ),
    )
    assert list(found["field"]) == ["conditions[1]"]
    assert "intervention (drug)" in found.loc[0, "message"]


@pytest.mark.parametrize(
    "example",
    [
        # the drug is the study's only focus (a healthy-volunteer pharmacology study)
        _conditions("Psilocybin", interventions=[{"type": "DRUG", "name": "Psilocybin"}]),
        # the intervention is named after the condition, not the other way round
        _conditions(
            "Heroin Dependence",
            "Opioid-Related Disorders",
            interventions=[{"type": "DRUG", "name": "Heroin Dependence"}],
        ),
        # a substance whose name also stands for its use
        _conditions("Smoking", "Cannabis", interventions=[{"type": "DRUG", "name": "cannabis"}]),
        # behavioural interventions may be the focus ("Physical Activity")
        _conditions(
            "Obesity",
            "Physical Activity",
            interventions=[{"type": "BEHAVIORAL", "name": "Physical Activity"}],
        ),
    ],
)
def test_intervention_names_left_alone(rules, example):
    assert _run(rules, CONDITION, example).empty


def test_csv_conditions(rules):
    csv = (
        "NCT Number,Study Title,Conditions,Interventions\n"
        'NCT01234567,A study,"Lung Cancer Patients|Healthy Volunteers",DRUG: X\n'
    )
    found = _run(rules, CONDITION, {"csv": csv})
    assert list(found["field"]) == ["conditions[0]"]
    assert "e.g. 'Lung Cancer'" in found.loc[0, "message"]


def test_seed_condition_findings(rules):
    found = _seed_findings(rules, CONDITION)
    assert list(found["record_id"]) == [SEED0]
    row = found.iloc[0]
    assert row["field"] == "conditions[0]"
    assert "e.g. 'MSS/pMMR Type Metastatic Colorectal Adenocarcinoma'" in row["message"]
    assert row["source_path"].endswith(f"{SEED0}.txt")
    assert row["source_line"] == 19


def test_term_pattern_validation():
    kind = KINDS["term_pattern"]
    with pytest.raises(ValueError, match="RE2"):
        kind.validate({"checks": [{"name": "x", "pattern": "(?<=a)b"}]})
    with pytest.raises(ValueError, match="kinds"):
        kind.validate({"kinds": ["disease"], "checks": [{"name": "x", "pattern": "a"}]})
    with pytest.raises(KeyError, match="unknown"):
        kind.validate({"checks": [{"name": "x", "pattern": "a", "colour": "red"}]})
    with pytest.raises(ValueError, match="span"):
        kind.validate({"checks": [{"name": "x", "pattern": "a", "span": "word"}]})


# --- heading-fused-into-sentence ------------------------------------------------------------


def test_seed0_study_endpoint_in_summary_and_description(rules):
    found = _seed_findings(rules, HEADING)
    assert set(found["record_id"]) == {SEED0}
    assert sorted(found["field"]) == [
        "descriptionModule.briefSummary",
        "descriptionModule.detailedDescription",
    ]
    for row in found.itertuples():
        assert "'Study endpoint'" in row.message and "TAS-102" in row.message
        assert row.source_column == 211
        assert row.end - row.start == len("Study endpoint")
    assert sorted(found["source_line"]) == [10, 31]


@pytest.mark.parametrize(
    ("field", "text", "heading"),
    [
        (
            "eligibilityModule.eligibilityCriteria",
            "Inclusion Criteria:\n\n* Use of contraception for the duration of the study "
            "Exclusion Criteria:\n* Pregnancy",
            "Exclusion Criteria",
        ),
        (
            # legacy XML: hard-wrapped, a list item glued to the heading, then a blank line
            "eligibilityModule.eligibilityCriteria",
            "Inclusion Criteria:\r\n\r\n          -  BMI > 19 and < 35\r\n\r\n"
            "          -  Age 18-30 Exclusion Criteria\r\n  \r\n          -  Smokers",
            "Exclusion Criteria",
        ),
        (
            "descriptionModule.briefSummary",
            "This study evaluates the pharmacokinetics of saxagliptin, a CYP3A4 substrate "
            "Subjects and Methods: Eighteen healthy volunteers will be recruited.",
            "Subjects and Methods",
        ),
        (
            "descriptionModule.detailedDescription",
            "The trial was run at the Medical School of São Paulo, Brazil Methods: Thirty "
            "patients were enrolled.",
            "Methods",
        ),
    ],
)
def test_fused_headings(rules, field, text, heading):
    found = _run(rules, HEADING, _text(field, text))
    assert len(found) == 1, found[["field", "message"]]
    row = found.iloc[0]
    assert row["field"] == field
    assert text[row["start"] : row["end"]] == heading


@pytest.mark.parametrize(
    "text",
    [
        "The primary study endpoint is PFS at 18 weeks.",
        "Background:\nColorectal cancer is common.",
        "Colorectal cancer is common.\nBackground: more text",
        "Patients were followed for 12 months. Primary Safety Endpoint: adverse events.",
        "Patients who satisfy the radiographic profile defined in the Inclusion Criteria\n"
        "9. Participant has an infection",
        "Erectile dysfunction cohort Inclusion Criteria:\n1. Adult men",
        "2. Method of Glycemic Control Hypothesis: with a target HbA1c below 7%",
        # a hard-wrapped legacy XML line that the next line continues
        "This is a multicenter, Prospective, Randomized, Open label, Blinded End point\r\n"
        "        (PROBE) trial of 3-year treatment",
        "Safety will be assessed by ECG, Vital Sign Measurements, and Neurological Examination "
        "Results",
        # a structured abstract: headings after a full stop, without a colon
        "The intervention reduces pain. Hypothesis Among adults, coaching lowers pain.",
        "Objective To assess the feasibility of an online course.",
    ],
)
def test_not_fused(rules, text):
    assert _run(rules, HEADING, _text("descriptionModule.briefSummary", text)).empty


def test_outcome_titles_are_not_read(rules):
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999999"},
            "outcomesModule": {
                "primaryOutcomes": [
                    {
                        "measure": "Adverse events reported during the study Primary Endpoint:",
                        "description": "Counted by the investigators in all arms Primary "
                        "Endpoint: number of events",
                        "timeFrame": "12 weeks",
                    }
                ]
            },
        }
    }
    found = _run(rules, HEADING, {"record": record})
    assert list(found["field"]) == ["outcomes[primary][0].description"]


def test_fused_heading_validation():
    kind = KINDS["fused_heading"]
    with pytest.raises(ValueError, match="unknown field"):
        kind.validate({"fields": ["brief_title_x"], "headings": ["Methods"]})
    with pytest.raises(ValueError, match="RE2"):
        kind.validate({"fields": ["brief_summary"], "headings": ["(?<=x)Methods"]})
    with pytest.raises(TypeError, match="stop_words"):
        kind.validate({"fields": ["brief_summary"], "headings": ["Methods"], "stop_words": [True]})
