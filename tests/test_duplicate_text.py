"""duplicate-summary-block (kinds/duplicate_text.py) and its two info companions
(kinds/repeated_text.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from conftest import SEEDS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.duplicate_text import Tokens, common_runs, runs_frame, written_words
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


def test_a_short_summary_reproduced_whole_in_the_description_is_flagged(rules):
    # the definitions: one field holding >= 80% of the other is a duplicate, however short
    rs = _record(
        descriptionModule={
            "briefSummary": SENTENCE,
            "detailedDescription": SENTENCE + " " + LONG_SUMMARY + " " + PASSAGE,
        }
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert found.loc[0, "message"].startswith("detailed description repeats the brief summary (")
    # a short paraphrase whose 8-word runs cover 80% only when hyphens split words (the bundled
    # example NCT00555971 is such a record)
    a = "This is a 24 week double-blind study in which subjects receive drug X or placebo every 2-4 weeks for sixteen weeks."
    b = "This is a 24 week double blind study consisting of visits; subjects receive drug X or placebo every 2-4 weeks for sixteen weeks, then aspirin."
    rs = _record(descriptionModule={"briefSummary": a, "detailedDescription": b})
    assert len(_findings(rs, SUMMARY_RULE, rules)) == 1


def test_a_standard_sentence_shared_by_a_longer_summary_is_not_flagged(rules):
    summary = SENTENCE + " Participants take one capsule daily for twelve weeks and visit monthly."
    rs = _record(
        descriptionModule={
            "briefSummary": summary,
            "detailedDescription": SENTENCE + " " + LONG_SUMMARY + " " + PASSAGE,
        }
    )
    assert len(Tokens.of(SENTENCE)) / len(Tokens.of(summary)) < 0.8
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


def test_a_long_passage_repeated_inside_sentences_of_one_field_counts(rules):
    # a >= 40-word passage twice in one field, even where it does not start a sentence
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
    assert len(body.split()) >= 40
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert found.loc[0, "start"] == desc.rindex(body)
    assert "appears twice in it" in found.loc[0, "message"]
    # under 40 words written out, it is a shared phrase
    short = " ".join(body.split()[:30])
    desc = f"Before treatment, {short} at week 0.\n\nAfter treatment, the same {short} at week 6."
    rs = _record(
        descriptionModule={"briefSummary": "Spinal decompression.", "detailedDescription": desc}
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


def test_words_are_counted_as_written(rules):
    # "IFN-A" and "post-surgical" are one word each, a stand-alone "=" is none; a hyphen does
    # not break a verbatim copy ("post-surgical" / "postsurgical")
    words = PASSAGE.split()
    assert len(words) >= 40
    spaced = " = ".join(words[:30])  # 30 words, 29 "=" signs between them
    rs = _record(
        descriptionModule={
            "briefSummary": "Drug X.",
            "detailedDescription": "Blood is drawn as follows: " + spaced + " for all patients.",
        },
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "X", "description": "Method: " + spaced + ".", "timeFrame": "Day 1"}
            ]
        },
    )
    assert len(spaced.split()) >= 40 and _findings(rs, SUMMARY_RULE, rules).empty
    hyphened = PASSAGE.replace("peripheral blood", "peripheral-blood").replace(
        "baseline", "base-line"
    )
    rs = _record(
        descriptionModule={"briefSummary": "Drug X.", "detailedDescription": "Intro. " + PASSAGE},
        outcomesModule={
            "primaryOutcomes": [{"measure": "X", "description": hyphened, "timeFrame": "Day 1"}]
        },
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert found["field"].tolist() == ["outcomes[primary][0].description"]


def test_one_passage_in_many_fields_is_reported_once(rules):
    outcomes = [
        {"measure": f"Score {i}", "description": PASSAGE, "timeFrame": f"Week {i}"}
        for i in range(1, 6)
    ]
    rs = _record(outcomesModule={"primaryOutcomes": outcomes})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    assert f["field"] == "outcomes[primary][1].description"
    assert f["related_field"] == "outcomes[primary][0].description"
    assert "(and in 3 more fields: outcomes[primary][2].description" in f["message"]


def test_hard_wrapped_legacy_paragraph_is_one_paragraph(rules):
    # legacy XML text: lines wrapped inside a paragraph, paragraphs apart by blank lines (CRLF)
    para = (
        "Injection drug users represent an increasing proportion of HIV-infected persons. Since daily\r\n"
        "      methadone maintenance is the major chemical treatment for injection drug abuse, it is\r\n"
        "      important to determine the impact of methadone on AZT absorption, distribution, and\r\n"
        "      elimination."
    )
    summary = (
        "To determine whether methadone maintenance alters the pharmacokinetics of zidovudine, "
        "whether any such effect is time dependent, and whether a metabolic interaction between "
        "AZT and methadone exists in opiate users.\r\n\r\n      " + para
    )
    desc = para + (
        "\r\n\r\n      After 6 days of inpatient detoxification with clonidine, patients are\r\n"
        "      given oral or intravenous AZT, followed by plasma and urine sampling; they then\r\n"
        "      begin methadone maintenance with AZT for 7 days of inpatient treatment."
    )
    assert len(para.split()) < 40 and len(" ".join(para.split())) >= 250
    rs = _record(descriptionModule={"briefSummary": summary, "detailedDescription": desc})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert "paragraph (275 characters) of the brief summary" in found.loc[0, "message"]


# --- outcome-description-repeated --------------------------------------------------------------

VAGUE = "It will be measured via a venous blood sample taken after an overnight fast."


def test_one_measures_description_under_a_parallel_measure_is_info(rules):
    # a generic shared text under measures whose titles say what each is: left alone
    generic = _record(
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Triglycerides", "description": VAGUE, "timeFrame": "Week 12"}
            ],
            "secondaryOutcomes": [
                {"measure": "HDL cholesterol", "description": VAGUE, "timeFrame": "Week 12"},
            ],
        }
    )
    assert _findings(generic, OUTCOME_RULE, rules).empty
    leg = "Leg pain on a 0-10 visual analogue scale, 0 no pain, 10 worst imaginable pain."
    rs = _record(
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Leg pain intensity", "description": leg, "timeFrame": "Week 12"}
            ],
            "secondaryOutcomes": [
                {"measure": "Back pain intensity", "description": leg, "timeFrame": "Week 12"},
                {"measure": "Leg pain intensity", "description": leg, "timeFrame": "Week 24"},
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
    assert "names nothing of 'Back pain intensity'" in f["message"]
    assert "outcomes[secondary][1].description" in f["message"]
    assert (f["start"], f["end"]) == (0, len(leg))


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


def test_a_long_outcome_description_repeated_is_also_a_duplicate_block(rules):
    # the definitions count a >= 40-word passage in any two narrative fields; the info rule
    # outcome-description-repeated reports the same repetition of whole outcome descriptions
    rs = _record(
        descriptionModule={"briefSummary": LONG_SUMMARY},
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Attacks", "description": PASSAGE, "timeFrame": "Week 4"},
                {"measure": "Attacks", "description": PASSAGE, "timeFrame": "Week 4"},
            ]
        },
    )
    found = _findings(rs, SUMMARY_RULE, rules)
    assert found["field"].tolist() == ["outcomes[primary][1].description"]
    assert len(_findings(rs, OUTCOME_RULE, rules)) == 1
    # a short one is only the info rule's
    rs = _record(
        outcomesModule={
            "primaryOutcomes": [
                {"measure": "Attacks", "description": VAGUE, "timeFrame": "Week 4"},
                {"measure": "Pain", "description": VAGUE, "timeFrame": "Week 4"},
            ]
        },
    )
    assert _findings(rs, SUMMARY_RULE, rules).empty


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
    # one arm with one intervention described the same way twice: correct repetition
    assert _findings(_arms(ARM_TEXT, ARM_TEXT), ARM_RULE, rules).empty
    # a copy that changes a number: the arm and the intervention disagree
    itv = ARM_TEXT.replace("300 shocks", "500 shocks")
    found = _findings(_arms(ARM_TEXT, itv), ARM_RULE, rules)
    assert len(found) == 1
    f = found.iloc[0]
    assert f["severity"] == "info"
    assert f["field"] == "interventions[0].description"
    assert f["related_field"] == "arms[0].description"
    assert "copies the description of arm 'Shockwave'" in f["message"]
    assert "changes a number ('500' where the arm says '300')" in f["message"]


def test_arm_and_intervention_not_linked_or_different_are_left_alone(rules):
    assert _findings(_arms(ARM_TEXT, ARM_TEXT, linked=False), ARM_RULE, rules).empty
    other = "LI-ESWT device, 0.09 mJ/mm2, 1,500 pulses per session, six weekly sessions."
    assert _findings(_arms(ARM_TEXT, other), ARM_RULE, rules).empty
    # the summary rule reports an arm description copied into an intervention only when the
    # copy is a >= 40-word passage (or a whole paragraph of >= 250 characters)
    assert _findings(_arms(ARM_TEXT, ARM_TEXT), SUMMARY_RULE, rules).empty
    copied = _findings(_arms(PASSAGE, PASSAGE), SUMMARY_RULE, rules)
    assert copied["field"].tolist() == ["interventions[0].description"]


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
    n_words = written_words(PARAGRAPH)
    assert len(PARAGRAPH) >= 250 and n_words < 40
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
        f"a {n_words}-word paragraph ({len(PARAGRAPH)} characters) of the detailed description "
        f'("{" ".join(PARAGRAPH.split()[:6])}…") appears again in '
        "the intervention model description"
    )
    # a paragraph of one long sentence is a paragraph too; one under 250 characters is not
    one_sentence = PARAGRAPH.replace(". ", ", ")
    shorter = PARAGRAPH[: PARAGRAPH.rindex(". ") + 1]
    assert len(shorter) < 250
    for para, flagged in ((one_sentence, True), (shorter, False)):
        rs = _record(
            descriptionModule={
                "briefSummary": "Drug X after prostatectomy.",
                "detailedDescription": para + "\n\nParticipants are followed for one year.",
            },
            designModule={"designInfo": {"interventionModelDescription": para}},
        )
        assert _findings(rs, SUMMARY_RULE, rules).empty is not flagged


def test_vectorized_runs_equal_common_runs():
    # the vectorized stage gives the same maximal runs as the word-by-word one, on pairs of
    # texts and on repeats inside one text (random texts over a small vocabulary)
    import random

    import numpy as np

    from trialint.kinds.duplicate_text import _shingles

    rng = random.Random(7)
    vocab = ["a", "b", "c", "d", "e"]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(5, 60))) for _ in range(40)]
    sh, _ = _shingles(pd.Series(texts, dtype="str"), 3, with_pos=True)
    rec = np.zeros(len(texts), dtype="int64")  # one record: every pair may be compared
    pairs = pd.DataFrame(
        {
            "a": [i for i in range(40) for j in range(i, 40)],
            "b": [j for i in range(40) for j in range(i, 40)],
        }
    )
    got = runs_frame(sh, rec, pairs, 3)
    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        want = common_runs(texts[a].split(), texts[b].split(), 3, same=a == b)
        sub = got[(got["a"] == a) & (got["b"] == b)]
        assert sorted(want) == sorted(zip(sub["i"], sub["j"], sub["n"], strict=True)), (a, b)


def test_hyphen_or_space_both_count_as_the_same_words(rules):
    # "double-blind" in one field and "double blind" in the other: ignoring punctuation may join
    # or split the words; the share of the summary found in the description takes the larger
    summary = LONG_SUMMARY.replace("drug-resistant", "drug resistant")
    desc = "Background. " + LONG_SUMMARY + " Visits are at weeks 2 and 4."
    assert "drug-resistant" in desc and "drug resistant" in summary
    rs = _record(descriptionModule={"briefSummary": summary, "detailedDescription": desc})
    found = _findings(rs, SUMMARY_RULE, rules)
    assert len(found) == 1
    assert found.loc[0, "message"].startswith("detailed description repeats the brief summary (")
    # a short paraphrase whose 8-word runs cover 80% only when hyphens split words (the bundled
    # example NCT00555971 is such a record)
    a = "This is a 24 week double-blind study in which subjects receive drug X or placebo every 2-4 weeks for sixteen weeks."
    b = "This is a 24 week double blind study consisting of visits; subjects receive drug X or placebo every 2-4 weeks for sixteen weeks, then aspirin."
    rs = _record(descriptionModule={"briefSummary": a, "detailedDescription": b})
    assert len(_findings(rs, SUMMARY_RULE, rules)) == 1


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
