"""duplicate-summary-block and its two info companions (kinds/duplicate_text.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from conftest import SEEDS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.duplicate_text import Tokens, common_runs
from trialint.read import example_recordset, read_paths

SUMMARY_RULE = "duplicate-summary-block"
OUTCOME_RULE = "outcome-description-repeated"
ARM_RULE = "arm-description-copied"

PASSAGE = (
    "Patients will be evaluated and will have a blood sample collected on three occasions: at "
    "the beginning, two months after baseline and at the end of the study. Blood samples will "
    "always be collected one week after the last omalizumab dose, and RNA expression of the "
    "selected genes will be measured in peripheral blood cells."
)
SENTENCE = (
    "The purpose of this study is to determine whether daily vitamin D improves wound healing "
    "in diabetic patients with chronic foot ulcers."
)
LONG_SUMMARY = (
    "Chronic cluster headache is a rare primary headache disorder defined by attacks that occur "
    "for more than one year without remission. In some cases patients become drug-resistant and "
    "continue to suffer almost daily attacks. Ketamine appears to be effective in several chronic "
    "pain conditions. This study tests whether a single ketamine infusion reduces the number of "
    "attacks over four weeks."
)


def _record(nct: str = "NCT09999999", **modules: Any) -> RecordSet:
    section: dict[str, Any] = {"identificationModule": {"nctId": nct, "briefTitle": "A study"}}
    section.update(modules)
    rs = example_recordset({"record": {"protocolSection": section}}, name=nct)
    assert not rs.errors, rs.errors
    return rs


def _findings(rs: RecordSet, rule_id: str, rules: dict) -> pd.DataFrame:
    found = check_recordset(rs, [rules[rule_id]])
    return found[found["rule"] == rule_id].reset_index(drop=True)


def _text(rs: RecordSet, field: str) -> str:
    return rs.field_text()[(rs.studies["record_id"].iloc[0], field)]


# --- duplicate-summary-block ------------------------------------------------------------------


def test_both_seeds_are_flagged_once_at_the_detailed_description(rules):
    rs = RecordSet.concat(read_paths([str(SEEDS)]))
    found = _findings(rs, SUMMARY_RULE, rules)
    assert sorted(found["record_id"]) == sorted(rs.studies["record_id"])  # one finding per seed
    assert set(found["field"]) == {"descriptionModule.detailedDescription"}
    assert found["message"].str.contains("detailed description equals the brief summary").all()
    assert set(found["related_field"]) == {"descriptionModule.briefSummary"}
    for _, f in found.iterrows():
        desc = rs.field_text()[(f["record_id"], f["field"])]
        assert (f["start"], f["end"]) == (0, len(desc))


def test_seed_000_title_line_inside_the_summary_is_not_a_finding_on_its_own(rules):
    rs = RecordSet.concat(read_paths([str(SEEDS)]))
    seed0 = rs.studies[rs.studies["record_id"].str.startswith("000")]
    title, summary = seed0["brief_title"].iloc[0], seed0["brief_summary"].iloc[0]
    assert summary.startswith(title)  # the situation this test is about
    found = _findings(rs, SUMMARY_RULE, rules)
    assert not (found["field"] == "descriptionModule.briefSummary").any()
    assert not found["related_field"].str.startswith("identificationModule").any()


def test_summary_opening_with_the_title_is_not_flagged(rules):
    title = "A Phase II Study of Drug X Combined With Drug Y in Refractory Colorectal Cancer"
    rs = _record(
        identificationModule={"nctId": "NCT09999998", "briefTitle": title, "officialTitle": title},
        descriptionModule={"briefSummary": f"{title}\n\nMain purpose: {SENTENCE}"},
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_short_shared_phrase_is_not_flagged(rules):
    rs = _record(
        descriptionModule={
            "briefSummary": "This study evaluates the efficacy and safety of drug X in adults with asthma.",
            "detailedDescription": (
                "Asthma is common. The efficacy and safety of drug X in adults with asthma is "
                "unknown; participants receive drug X or placebo for twelve weeks and lung "
                "function is measured every four weeks by spirometry."
            ),
        },
        outcomesModule={
            "primaryOutcomes": [
                {
                    "measure": "FEV1",
                    "description": "the efficacy and safety of drug X",
                    "timeFrame": "Week 12",
                }
            ]
        },
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_one_standard_sentence_reused_by_a_longer_description_is_not_flagged(rules):
    rs = _record(
        descriptionModule={
            "briefSummary": SENTENCE,
            "detailedDescription": SENTENCE + " " + LONG_SUMMARY + " " + PASSAGE,
        }
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_empty_or_missing_description_is_not_flagged(rules):
    for desc in ("", None):
        module = {"briefSummary": LONG_SUMMARY}
        if desc is not None:
            module["detailedDescription"] = desc
        rs = _record(descriptionModule=module)
        assert _findings(rs, SUMMARY_RULE, rules).empty


def test_equal_fields_ignore_case_whitespace_and_punctuation(rules):
    copy = LONG_SUMMARY.upper().replace(". ", ".\n\n").replace(",", "")
    rs = _record(descriptionModule={"briefSummary": LONG_SUMMARY, "detailedDescription": copy})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert found.loc[0, "message"].startswith("detailed description equals the brief summary (")


def test_description_holding_the_summary_reports_the_share_of_its_words(rules):
    desc = "Background first. " + LONG_SUMMARY + " Follow-up visits are at weeks 2 and 4."
    rs = _record(descriptionModule={"briefSummary": LONG_SUMMARY, "detailedDescription": desc})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    assert f["field"] == "descriptionModule.detailedDescription"
    assert f["message"] == "detailed description repeats the brief summary (100% of its words)"
    core = LONG_SUMMARY.rstrip(".")  # spans run from the first to the last word
    assert desc[f["start"] : f["end"]] == core
    assert (f["related_start"], f["related_end"]) == (0, len(core))


def test_passage_repeated_in_an_outcome_description_points_at_the_copy(rules):
    desc = "Severe asthma is common in adults. " + PASSAGE + " Other procedures follow usual care."
    outcome = "Measured as follows. " + PASSAGE
    rs = _record(
        descriptionModule={
            "briefSummary": "Omalizumab and RNA expression.",
            "detailedDescription": desc,
        },
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "RNA expression", "description": outcome, "timeFrame": "Month 6"}
            ]
        },
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    n_words = len(Tokens.of(PASSAGE))
    assert n_words >= 40
    assert f["field"] == "outcomes[primary][0].description"
    opening = " ".join(PASSAGE.split()[:6])
    assert f["message"] == (
        f'a {n_words}-word passage of the detailed description ("{opening}…") appears again in '
        "outcomes[primary][0].description"
    )
    passage_core = PASSAGE.rstrip(".")  # the span runs from the first to the last word
    assert outcome[f["start"] : f["end"]] == passage_core
    assert f["related_field"] == "descriptionModule.detailedDescription"
    assert desc[f["related_start"] : f["related_end"]] == passage_core
    assert "Patients will be evaluated" in f["excerpt"]  # the engine made the excerpt from the span


def test_passage_shorter_than_40_words_is_not_flagged(rules):
    short = " ".join(PASSAGE.split()[:30])
    rs = _record(
        descriptionModule={
            "briefSummary": "Omalizumab.",
            "detailedDescription": "Intro. " + short + " More.",
        },
        outcomesModule={
            "primaryOutcomes": [{"measure": "RNA", "description": short, "timeFrame": "Month 6"}]
        },
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_passage_repeated_inside_the_same_field_is_flagged_at_the_second_copy(rules):
    desc = PASSAGE + "\n\nSafety is reviewed monthly by a committee.\n\n" + PASSAGE
    rs = _record(descriptionModule={"briefSummary": "Omalizumab.", "detailedDescription": desc})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    second = desc.rindex(PASSAGE)
    assert f["field"] == f["related_field"] == "descriptionModule.detailedDescription"
    assert f["start"] == second and f["related_start"] == 0
    assert "appears twice in it (first at character 0)" in f["message"]


def test_parallel_wording_inside_sentences_is_not_a_repeat(rules):
    body = (
        "assessments will include 3D motion capture of functional tasks, electromyography of the "
        "lower back and legs, myotonometer tonometry, range of motion and sensorimotor reflexes, "
        "and the participant will complete online questionnaires on pain interference, physical "
        "function, central sensitization and disability"
    )
    desc = f"Before treatment, {body} at week 0.\n\nAfter treatment, the same {body} at week 6."
    rs = _record(
        descriptionModule={"briefSummary": "Spinal decompression.", "detailedDescription": desc}
    )
    assert len(Tokens.of(body)) >= 40
    assert _findings(rs, SUMMARY_RULE, rules).empty


# --- outcome-description-repeated --------------------------------------------------------------

VAGUE = "It will be measured via a venous blood sample taken after an overnight fast."


def test_same_description_under_different_measures_is_info(rules):
    rs = _record(
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Triglycerides", "description": VAGUE, "timeFrame": "Week 12"}
            ],
            "secondaryOutcomes": [
                {"measure": "HDL cholesterol", "description": VAGUE, "timeFrame": "Week 12"},
                {"measure": "LDL cholesterol", "description": VAGUE, "timeFrame": "Week 24"},
            ],
        }
    )
    found = _findings(rs, OUTCOME_RULE, rules)
    assert len(found) == 1  # one finding per group of repeats
    f = found.iloc[0]
    assert f["severity"] == "info"
    assert f["field"] == "outcomes[secondary][0].description"
    assert f["related_field"] == "outcomes[primary][0].description"
    assert "used by 3 outcome measures" in f["message"]
    assert "outcomes[secondary][1].description" in f["message"]
    assert (f["start"], f["end"]) == (0, len(VAGUE))


def test_one_measure_at_several_time_points_and_short_descriptions_are_left_alone(rules):
    rs = _record(
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "IIEF score at week 4", "description": VAGUE, "timeFrame": "Week 4"},
                {"measure": "IIEF score at week 12", "description": VAGUE, "timeFrame": "Week 12"},
                {"measure": "Cmax", "description": "Blood samples", "timeFrame": "Day 1"},
                {"measure": "AUC", "description": "Blood samples", "timeFrame": "Day 1"},
            ]
        }
    )
    assert _findings(rs, OUTCOME_RULE, rules).empty


def test_repeated_outcome_description_is_not_the_summary_rule(rules):
    rs = _record(
        descriptionModule={"briefSummary": LONG_SUMMARY},
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Attacks", "description": PASSAGE, "timeFrame": "Week 4"},
                {"measure": "Pain", "description": PASSAGE, "timeFrame": "Week 4"},
            ]
        },
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty
    assert len(_findings(rs, OUTCOME_RULE, rules)) == 1


# --- arm-description-copied ----------------------------------------------------------------------

ARM_TEXT = (
    "Gel is spread around the penis and on the shock wave applicator; twelve sessions in total of "
    "300 shocks per site on five penile anatomical sites."
)


def _arms(arm_desc: str, itv_desc: str, linked: bool = True) -> RecordSet:
    return _record(
        armsInterventionsModule={
            "armGroups": [
                {
                    "label": "Shockwave",
                    "type": "EXPERIMENTAL",
                    "description": arm_desc,
                    "interventionNames": ["Device: LI-ESWT"] if linked else ["Device: Other"],
                }
            ],
            "interventions": [
                {
                    "type": "DEVICE",
                    "name": "LI-ESWT",
                    "description": itv_desc,
                    "armGroupLabels": ["Shockwave"] if linked else [],
                }
            ],
        }
    )


def test_arm_description_copied_into_its_intervention_is_info(rules):
    itv = "Device: Omnispec ED1000. " + ARM_TEXT.replace("twelve", "12")
    found = _findings(_arms(ARM_TEXT, itv), ARM_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    assert f["severity"] == "info"
    assert f["field"] == "interventions[0].description"
    assert f["related_field"] == "arms[0].description"
    assert "copies the description of arm 'Shockwave'" in f["message"]
    assert itv[f["start"] : f["end"]].startswith("Gel is spread")
    word_for_word = _findings(_arms(ARM_TEXT, ARM_TEXT), ARM_RULE, rules)
    assert word_for_word["message"].str.contains("word for word").all()


def test_arm_and_intervention_not_linked_or_different_are_left_alone(rules):
    assert _findings(_arms(ARM_TEXT, ARM_TEXT, linked=False), ARM_RULE, rules).empty
    other = "LI-ESWT device, 0.09 mJ/mm2, 1,500 pulses per session, six weekly sessions."
    assert _findings(_arms(ARM_TEXT, other), ARM_RULE, rules).empty
    # and the summary rule does not report arm/intervention copies
    assert _findings(_arms(PASSAGE, PASSAGE), SUMMARY_RULE, rules).empty


# --- helpers and params -------------------------------------------------------------------------


def test_common_runs_finds_maximal_runs_in_both_directions():
    a = ["x", "y", "a", "b", "c", "d", "e", "f", "g", "z"]
    b = [
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "q",
        "x",
        "y",
    ]  # the shared run sits later in a than in b
    assert common_runs(a, b, 3) == [(2, 0, 7)]
    words = ["a", "b", "c", "d", "e", "f", "a", "b", "c", "d", "e", "f"]
    assert common_runs(words, words, 3, same=True) == [(0, 6, 6)]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("duplicate_narrative", {"containment_ratio": 1.5}),
        ("duplicate_narrative", {"shingle_words": 50}),
        ("duplicate_narrative", {"unknown": 1}),
        ("repeated_outcome_description", {"column": "title"}),
        ("arm_description_copied", {"min_ratio": 0}),
    ],
)
def test_bad_params_are_rejected(kind, params):
    with pytest.raises((ValueError, TypeError, KeyError)):
        KINDS[kind].validate(params)


PARAGRAPH = (
    "Prospective, multicentre, double-blind, placebo-controlled, randomised parallel-group "
    "investigation. Covariate-adaptive randomisation will be implemented. Stratification "
    "covariates comprise investigational centre, pre-existing diabetes mellitus, and previous "
    "radical prostatectomy."
)


def test_whole_paragraph_of_250_chars_counts_even_under_40_words(rules):
    assert len(PARAGRAPH) >= 250 and len(Tokens.of(PARAGRAPH)) < 40
    design = {"designInfo": {"interventionModelDescription": PARAGRAPH}}
    rs = _record(
        descriptionModule={
            "briefSummary": "Drug X after prostatectomy.",
            "detailedDescription": PARAGRAPH + "\n\nParticipants are followed for one year.",
        },
        designModule=design,
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert found.loc[0, "field"] == "designModule.designInfo.interventionModelDescription"
    assert found.loc[0, "message"].startswith(
        f"a {len(Tokens.of(PARAGRAPH))}-word paragraph ({len(PARAGRAPH)} characters) of the "
        f'detailed description ("{" ".join(PARAGRAPH.split()[:6])}…") appears again in the '
        "intervention model description"
    )
    # one long sentence is not a paragraph-sized block
    one_sentence = PARAGRAPH.replace(". ", ", ")
    rs = _record(
        descriptionModule={
            "briefSummary": "Drug X after prostatectomy.",
            "detailedDescription": one_sentence + "\n\nParticipants are followed for one year.",
        },
        designModule={"designInfo": {"interventionModelDescription": one_sentence}},
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_two_passages_repeated_in_one_field_each_name_their_passage(rules):
    """Several findings of one cause in one field say what differs: each quotes its passage."""
    other = (
        "Blood samples are drawn at every visit and stored at minus eighty degrees for later "
        "analysis of cytokines, immunoglobulin E, eosinophil counts and markers of airway "
        "inflammation, and each participant keeps a daily symptom diary for the whole study period."
    )
    desc = PASSAGE + "\n\n" + other
    outcome = PASSAGE + " Then, separately: " + other
    rs = _record(
        descriptionModule={"briefSummary": "Omalizumab.", "detailedDescription": desc},
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "RNA expression", "description": outcome, "timeFrame": "Month 6"}
            ]
        },
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 2
    assert found["field"].nunique() == 1 and found["message"].nunique() == 2
    assert any('("Patients will be evaluated' in m for m in found["message"])
    assert any('("Blood samples are drawn at' in m for m in found["message"])
