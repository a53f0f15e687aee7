"""The outcome-measure rules (kinds `outcome_pattern` and `outcome_abbreviation`, checks/outcome-*)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.outcome_text import _core_token, _expanded, _masked
from trialint.read import example_recordset, read_bytes, read_paths

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CORPUS_JSON = ROOT.parent / "shared" / "corpus" / "ctgov_v2_json" / "studies.ndjson"

MINE = (
    "outcome-multiple-measures",
    "outcome-time-frame-missing",
    "outcome-time-frame-numeral",
    "outcome-time-frame-vague",
    "outcome-title-abbreviation",
    "outcome-title-non-specific",
    "outcome-title-not-neutral",
    "outcome-title-purpose",
    "outcome-title-symbol",
)


def _study(outcomes: dict, **modules) -> dict:
    proto = {"identificationModule": {"nctId": "NCT09999999", "briefTitle": "A study"}}
    proto["outcomesModule"] = outcomes
    proto.update(modules)
    return {"protocolSection": proto}


def _run(
    rules,
    rule_id: str,
    record: dict | None = None,
    *,
    text: str | None = None,
    csv: str | None = None,
):
    example = (
        {"record": record}
        if record is not None
        else {"text": text}
        if text is not None
        else {"csv": csv}
    )
    rs = example_recordset(example)
    assert not rs.errors, rs.errors
    found = check_recordset(rs, [rules[rule_id]])
    return found[found["rule"] == rule_id]


# --- the kinds ---------------------------------------------------------------------------------


def test_kinds_are_registered():
    assert "outcome_pattern" in KINDS
    assert "outcome_abbreviation" in KINDS


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"fields": ["title"], "pattern": "x"}, ValueError),  # not an outcome column
        ({"fields": ["measure"]}, KeyError),  # no pattern
        ({"fields": ["measure"], "pattern": "x", "missing": True}, ValueError),
        ({"fields": ["measure"], "pattern": "(?<=a)b"}, ValueError),  # RE2 has no lookbehind
        ({"fields": ["measure"], "pattern": "x", "match": "exact"}, ValueError),
        ({"fields": ["measure"], "pattern": "x", "kinds": ["tertiary"]}, ValueError),
        ({"fields": ["measure"], "pattern": "x", "colour": "red"}, KeyError),
        ({"fields": ["measure"], "pattern": "x", "message": "{nope}"}, KeyError),
    ],
)
def test_outcome_pattern_rejects_bad_params(params, error):
    with pytest.raises(error):
        KINDS["outcome_pattern"].validate(params)


def test_outcome_pattern_accepts_a_word_list_with_prefix():
    KINDS["outcome_pattern"].validate(
        {
            "fields": ["time_frame"],
            "pattern": ["end of study", "visit [0-9]+"],
            "prefix": "baseline and ",
            "match": "full",
        }
    )


def test_full_match_span_is_the_trimmed_field(rules):
    rec = _study(
        {"primaryOutcomes": [{"measure": "Pain score", "timeFrame": '  "End of study."  '}]}
    )
    found = _run(rules, "outcome-time-frame-vague", rec)
    assert len(found) == 1
    row = found.iloc[0]
    text = '  "End of study."  '
    assert text[row["start"] : row["end"]] == "End of study"
    assert row["field"] == "outcomes[primary][0].time_frame"
    assert row["source_pointer"].endswith(
        "/protocolSection/outcomesModule/primaryOutcomes/0/timeFrame"
    )


def test_search_span_points_at_the_match(rules):
    measure = "Number of Participants With HbA1c < 7 Percent"
    found = _run(
        rules,
        "outcome-title-symbol",
        _study({"primaryOutcomes": [{"measure": measure, "timeFrame": "Week 24"}]}),
    )
    assert len(found) == 1
    assert measure[found.iloc[0]["start"] : found.iloc[0]["end"]] == "<"


def test_masked_keeps_offsets_and_enumerators():
    text = "Max (Cmax) and (i) AUC (area (under) curve) [x]"
    out = _masked(text)
    assert len(out) == len(text)
    assert "Cmax" not in out and "area" not in out and "[x]" not in out
    assert "(i) AUC" in out


# --- input formats -----------------------------------------------------------------------------

_TEXT_EXPORT = """Example Study Title
A short summary of the study.
Diabetes
DRUG: Metformin
Change in HbA1c
Body weight, Weight in kilograms., 12
"""


def test_time_frame_rules_skip_heuristic_splits(rules):
    rs = RecordSet.concat(read_bytes(_TEXT_EXPORT.encode(), "x.txt"))
    oc = rs.outcomes
    assert oc["raw"].notna().all()  # the reader split the cells
    assert oc["time_frame"].isna().any()  # "Change in HbA1c": no time frame found
    assert (oc["time_frame"] == "12").any()  # a split that ends in a bare number
    for rule_id in ("outcome-time-frame-missing", "outcome-time-frame-numeral"):
        assert check_recordset(rs, [rules[rule_id]]).empty, rule_id


def test_time_frame_missing_in_json(rules):
    rec = _study(
        {
            "primaryOutcomes": [
                {"measure": "Overall survival"},
                {"measure": "PFS", "timeFrame": "Up to 2 years"},
            ]
        }
    )
    found = _run(rules, "outcome-time-frame-missing", rec)
    assert found["field"].tolist() == ["outcomes[primary][0].time_frame"]
    assert found.iloc[0]["message"] == "Primary outcome 1 has no time frame"


_OLD_CSV = (
    "Rank,NCT Number,Title,Status,Conditions,Interventions,Outcome Measures\n"
    '1,NCT09999998,A Study,Completed,Asthma,Drug: X,"Safety|Change in FEV1 Measured by Spirometry"\n'
)


def test_pre_2023_csv_outcomes(rules):
    rs = example_recordset({"csv": _OLD_CSV})
    assert set(rs.outcomes["kind"]) == {"unspecified"}
    found = check_recordset(rs, [rules["outcome-title-non-specific"]])
    assert found["field"].tolist() == ["outcomes[unspecified][0].measure"]
    assert found.iloc[0]["message"].startswith("Outcome 1 title 'Safety'")
    assert check_recordset(rs, [rules["outcome-time-frame-missing"]]).empty
    # the CSV carries no detailed description: an unexpanded FEV1 proves nothing there
    assert check_recordset(rs, [rules["outcome-title-abbreviation"]]).empty


# --- the rules on tricky but correct records ---------------------------------------------------


@pytest.mark.parametrize(
    "time_frame",
    [
        "Baseline",
        "Week 6",
        "Up to 10 minutes",
        "Hospital admission to discharge (about 3 days)",
        "Through study completion, an average of 1 year",
        "Visit 3 (week 12)",
        "During surgery",
        "From start to end of surgery.",
        "From randomization until death from any cause, assessed up to 5 years",
        "From randomization until death, up to five years",
        "12 weeks",
    ],
)
def test_specific_time_frames_pass(rules, time_frame):
    rec = _study({"primaryOutcomes": [{"measure": "Score", "timeFrame": time_frame}]})
    for rule_id in ("outcome-time-frame-vague", "outcome-time-frame-numeral"):
        assert _run(rules, rule_id, rec).empty, (rule_id, time_frame)


@pytest.mark.parametrize(
    "time_frame",
    [
        "Visit 1",
        "Visits 2 and 5",
        "End of study",
        "Post-intervention",
        "During hospitalization",
        "Baseline and end of study",
        "Through study completion",
        "Throughout the study",
        "Perioperative/Periprocedural",
        "Assessed during study visit",
        "From date of randomization until the date of death from any cause",
    ],
)
def test_vague_time_frames_flag(rules, time_frame):
    rec = _study({"primaryOutcomes": [{"measure": "Score", "timeFrame": time_frame}]})
    assert len(_run(rules, "outcome-time-frame-vague", rec)) == 1, time_frame


@pytest.mark.parametrize(
    ("measure", "rule_id", "flagged"),
    [
        ("Safety", "outcome-title-non-specific", True),
        ("Pharmacokinetics of Drug X", "outcome-title-non-specific", True),
        ("Immunogenicity", "outcome-title-non-specific", True),
        ("Safety as Assessed by the Number of Adverse Events", "outcome-title-non-specific", False),
        ("Satisfaction With the Exercise Program", "outcome-title-non-specific", False),
        ("Tolerance to Baked Milk", "outcome-title-non-specific", False),
        ("To Evaluate the Efficacy of Drug X", "outcome-title-purpose", True),
        ("Describe the Relationship Between Dose and Response", "outcome-title-purpose", True),
        ("Assessment of Pain Intensity on a 0-10 Scale", "outcome-title-purpose", False),
        ("Improvement in EASI Score", "outcome-title-not-neutral", True),
        (
            "Percentage of Participants With at Least 50 Percent Reduction in Pain",
            "outcome-title-not-neutral",
            False,
        ),
        ("Number of Participants With Improvement in IGA", "outcome-title-not-neutral", False),
        ("Incidence and Severity of Adverse Events", "outcome-multiple-measures", True),
        ("Cmax and AUC of Drug X", "outcome-multiple-measures", True),
        ("Maximum Plasma Concentration (Cmax)", "outcome-multiple-measures", False),
        (
            "Number of Participants With Death or Hospitalization",
            "outcome-multiple-measures",
            False,
        ),
        ("Incidence and Severity of MACE", "outcome-multiple-measures", False),
        ("Change in Pain Score (Items 1, 2 and 3)", "outcome-multiple-measures", False),
    ],
)
def test_title_rules(rules, measure, rule_id, flagged):
    rec = _study({"primaryOutcomes": [{"measure": measure, "timeFrame": "Week 12"}]})
    assert (not _run(rules, rule_id, rec).empty) is flagged, (rule_id, measure)


# --- abbreviations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abbr", "text"),
    [
        ("PFS", "Progression-free survival (PFS) is the time from ..."),
        ("PFS", "PFS (progression-free survival) is ..."),
        ("PFS", "Time to progression or death (progression-free survival)."),
        ("AUC", "Area under the plasma concentration-time curve (AUC∞)"),
        ("AUC", "AUC(0-last): Area Under the Concentration-Time Curve"),
        ("HbA1c", "Glycated haemoglobin A1c will be measured"),
        ("QoL", "Quality of life questionnaire"),
        ("PK", "Pharmacokinetic sampling on day 1"),
        ("CRP", "C-reactive protein in serum"),
        ("SAEs", "Serious adverse events (SAE) are ..."),
        ("IIEF-5", "International Index of Erectile Function (IIEF) short form"),
        ("OES18", "EORTC Esophageal Module (EORTC OES18)"),
    ],
)
def test_expanded(abbr, text):
    assert _expanded(abbr, text)


@pytest.mark.parametrize(
    ("abbr", "text"),
    [
        ("PFS", "Change in PFS at 6 months"),
        ("PFS", "until disease progression, unacceptable toxicity, or death"),
        ("IIEF", "The IIEF score will be recorded"),
        ("CTCAE", "graded by CTCAE v5.0"),
    ],
)
def test_not_expanded(abbr, text):
    assert not _expanded(abbr, text)


@pytest.mark.parametrize(
    ("token", "core"),
    [
        ("IgE-mediated", "IgE"),
        ("Pharmacokinetic-AUC", "AUC"),
        ("PlusTM", "Plus"),
        ("microRNA", "RNA"),
        ("IIEF-5", "IIEF-5"),
    ],
)
def test_core_token(token, core):
    assert _core_token(token) == core


def test_abbreviation_rule_skips_names_and_codes(rules):
    rec = _study(
        {
            "primaryOutcomes": [
                {"measure": "Plasma AZD8205 Concentration", "timeFrame": "Day 1"},
                {"measure": "UTAA06 Persistence", "timeFrame": "Day 28"},
                {"measure": "SPORT Score", "timeFrame": "Week 4"},
                {"measure": "EuroQol Visual Analogue Scale", "timeFrame": "Week 4"},
                {"measure": "HIV-1 RNA Below 50 Copies", "timeFrame": "Week 48"},
                {"measure": "Change in NRS Pain", "timeFrame": "Week 4"},
            ]
        },
        armsInterventionsModule={
            "interventions": [{"type": "BIOLOGICAL", "name": "UTAA06 injection"}]
        },
        descriptionModule={"briefSummary": "A trial.", "detailedDescription": "More detail."},
    )
    rec["protocolSection"]["identificationModule"]["acronym"] = "SPORT"
    found = _run(rules, "outcome-title-abbreviation", rec)
    assert found["message"].tolist() == [
        "Primary outcome 6 title uses the abbreviation 'NRS', which the record never spells out"
    ]
    assert found.iloc[0]["field"] == "outcomes[primary][5].measure"


@pytest.mark.parametrize(
    "measure",
    [
        "Change in Serum SHBG",  # a protein named by its symbol
        "TIGIT and PD-1 Expression on Regulatory T Cells",  # gene symbols, coordinated
        "Hormonal Levels (Prolactin, Estradiol, FSH, LH)",  # a list of analytes
        "Plasma Concentration of Drug Y HCl",  # a salt
        "Skin Texture by VISIA® Imaging",  # a brand
        "Response to o-CRH Stimulation",  # a species-prefixed hormone
        'Time to Recovery in the "FASTRACK" Arm',  # a quoted name
        "ADVERSE EVENTS of special interest",  # a word in capitals the record writes in lower case
        "IL-6 and TNF-α",  # molecules by their naming convention
    ],
)
def test_abbreviation_rule_leaves_symbols_and_names_alone(rules, measure):
    rec = _study(
        {"primaryOutcomes": [{"measure": measure, "timeFrame": "Week 4"}]},
        descriptionModule={
            "briefSummary": "A trial of adverse events and more.",
            "detailedDescription": "x",
        },
    )
    assert _run(rules, "outcome-title-abbreviation", rec).empty, measure


@pytest.mark.parametrize(
    ("measure", "description"),
    [
        ("KINDL Questionnaire", "For assessing health-related quality of life in children."),
        ("PDS", "PDS, which measures the response to trauma, range 0-51."),
        ("HAMD Total Score", "HAMD is the clinician-rated depression scale, 17 items."),
        ("ACTH - adrenocorticotropic hormone", "Morning value."),
    ],
)
def test_abbreviation_explained_in_words_is_left_alone(rules, measure, description):
    rec = _study(
        {
            "primaryOutcomes": [
                {"measure": measure, "description": description, "timeFrame": "Week 4"}
            ]
        },
        descriptionModule={"briefSummary": "A trial.", "detailedDescription": "x"},
    )
    assert _run(rules, "outcome-title-abbreviation", rec).empty, measure


def test_abbreviation_rule_reports_a_record_once(rules):
    rec = _study(
        {
            "primaryOutcomes": [
                {"measure": "HAMD Total Score", "timeFrame": "Week 4"},
                {"measure": "Toxicity graded by CTCAE v5.0", "timeFrame": "Week 4"},
            ],
            "secondaryOutcomes": [{"measure": "MADRS", "timeFrame": "Week 8"}],
        },
        descriptionModule={"briefSummary": "A trial.", "detailedDescription": "x"},
    )
    found = _run(rules, "outcome-title-abbreviation", rec)
    assert len(found) == 1
    row = found.iloc[0]
    assert row["field"] == "outcomes[primary][0].measure"
    assert row["message"].endswith(
        "also 'CTCAE' (primary outcome 2), 'MADRS' (secondary outcome 1)"
    ), row["message"]


def test_abbreviation_rule_needs_the_narrative(rules):
    outcomes = {"primaryOutcomes": [{"measure": "Change in NRS Pain", "timeFrame": "Week 4"}]}
    partial = _study(outcomes)  # no descriptionModule: the expansion could be there
    assert _run(rules, "outcome-title-abbreviation", partial).empty
    full = _study(outcomes, descriptionModule={"briefSummary": "A trial of X."})
    assert len(_run(rules, "outcome-title-abbreviation", full)) == 1


# --- seeds and corpus ------------------------------------------------------------------------


def test_seeds(rules):
    """On the two seeds only seed 001's 'Perioperative/Periprocedural' time frame is flagged;
    seed 000's PFS is spelled out in its description ("progression free survival rate (PFS)")."""
    rs = RecordSet.concat(read_paths([SEEDS]))
    found = check_recordset(rs, [rules[r] for r in MINE])
    got = sorted(zip(found["record_id"], found["rule"], found["field"], strict=True))
    assert got == [
        ("001_935bea67f28f0090", "outcome-time-frame-vague", "outcomes[secondary][1].time_frame")
    ]
    row = found.iloc[0]
    assert row["excerpt"] == "Perioperative/Periprocedural"
    assert row["source_line"] == 6


@pytest.fixture(scope="module")
def corpus_findings(rules):
    rs = RecordSet.concat(read_paths([CORPUS_JSON]))
    found = check_recordset(rs, [rules[r] for r in MINE])
    return found


@pytest.mark.parametrize(
    ("record_id", "rule_id", "field"),
    [
        ("NCT00804895", "outcome-time-frame-numeral", "outcomes[primary][0].time_frame"),  # "2009"
        (
            "NCT00226057",
            "outcome-time-frame-vague",
            "outcomes[secondary][2].time_frame",
        ),  # "End of study"
        ("NCT00122499", "outcome-time-frame-missing", "outcomes[primary][0].time_frame"),
        ("NCT00343200", "outcome-title-non-specific", None),  # "Safety and Tolerability"
        (
            "NCT00443625",
            "outcome-multiple-measures",
            "outcomes[primary][0].measure",
        ),  # "AUC, Cmax, Tmax"
    ],
)
def test_corpus_known_defects(corpus_findings, record_id, rule_id, field):
    hit = corpus_findings[
        (corpus_findings["record_id"] == record_id) & (corpus_findings["rule"] == rule_id)
    ]
    assert not hit.empty
    if field:
        assert field in hit["field"].tolist()


def test_corpus_flag_rates_stay_low(corpus_findings):
    """Real defects are rare: no rule may flag more than a fifth of the 1,919 records."""
    per_rule = corpus_findings.groupby("rule")["record_id"].nunique()
    assert set(per_rule.index) == set(MINE)
    assert per_rule.max() <= 1919 // 5, per_rule.to_dict()
