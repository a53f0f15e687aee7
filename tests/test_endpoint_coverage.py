"""endpoint-not-defined (kinds/endpoint_coverage.py): endpoints named in endpoint or objective
statements that no registered outcome measure measures."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from conftest import ROOT, SEEDS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds.endpoint_coverage import (
    _config,
    endpoint_statements,
    logical_lines,
    prefilter,
    record_meanings,
    validate,
)
from trialint.read import example_recordset, read_paths
from trialint.rules import Rule, load_rule_file

RULE_ID = "endpoint-not-defined"


@pytest.fixture(scope="module")
def rule() -> Rule:
    return load_rule_file(ROOT / "checks" / f"{RULE_ID}.yaml")


def _record(
    summary: str, outcomes: list[dict[str, str]], title: str = "Drug X in advanced lung cancer"
) -> dict:
    return {
        "record": {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT09999999", "briefTitle": title},
                "descriptionModule": {"briefSummary": summary},
                "outcomesModule": {
                    "primaryOutcomes": outcomes[:1],
                    "secondaryOutcomes": outcomes[1:],
                },
            }
        }
    }


def _found(rule: Rule, example: dict[str, Any] | RecordSet) -> pd.DataFrame:
    rs = example if isinstance(example, RecordSet) else example_recordset(example)
    out = check_recordset(rs, [rule])
    return out[out["rule"] == RULE_ID].reset_index(drop=True)


def _outcome(measure: str, description: str = "") -> dict[str, str]:
    return {"measure": measure, "description": description, "timeFrame": "Up to 2 years"}


# --- the seeds ---------------------------------------------------------------------------------


def test_seed_000_names_dcr_and_aes_once_each(rule: Rule) -> None:
    rs = RecordSet.concat(read_paths([SEEDS]))
    found = _found(rule, rs)
    assert set(found["record_id"]) == {"000_f268d187f025ea9a"}
    # PFS ("PFS rate at 18 weeks"), ORR and OS are registered; DCR and AEs are not
    assert len(found) == 2
    msgs = list(found["message"])
    assert msgs[0].startswith("DCR (disease control rate)")
    assert msgs[1].startswith("AEs (adverse events)")
    for m in msgs:
        assert 'under "Secondary endpoint:"' in m
        assert "none of the 3 registered outcome measures" in m
        assert '"PFS rate at 18 weeks"' in m
    # the description block repeats the summary: reported once, at the summary's mention
    assert set(found["field"]) == {"descriptionModule.briefSummary"}
    text = rs.studies.set_index("record_id").loc["000_f268d187f025ea9a", "brief_summary"]
    spans = [text[s:e] for s, e in zip(found["start"], found["end"], strict=True)]
    assert spans == ["DCR", "adverse events (AEs)"]
    assert all(found["source_line"] >= 1)


def test_seed_001_background_orrs_are_not_flagged(rule: Rule) -> None:
    rs = RecordSet.concat(read_paths([SEEDS / "001_935bea67f28f0090.txt"]))
    assert _found(rule, rs).empty


def test_seed_001_background_orrs_even_when_orr_is_not_registered(rule: Rule) -> None:
    rs = RecordSet.concat(read_paths([SEEDS / "001_935bea67f28f0090.txt"]))
    rs.outcomes = rs.outcomes[~rs.outcomes["measure"].str.contains("Response")].reset_index(
        drop=True
    )
    assert _found(rule, rs).empty


# --- what an endpoint statement is -------------------------------------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        "Drug X has been shown to improve OS in earlier studies. This study will evaluate the efficacy "
        "and safety of drug X.",
        "In a previous trial, median OS was 9.2 months with docetaxel. The primary endpoint is PFS.",
        "The trial met its primary endpoint, demonstrating an OS benefit (HR 0.71).",
        "Although many phase III trials evaluate overall survival as a secondary endpoint, few do so.",
        "Patients will receive drug X until disease progression or intolerable adverse events (AEs). "
        "The primary endpoint is PFS.",
        "An external committee to assess adverse events and main outcomes will be established. "
        "The primary endpoint is PFS.",
    ],
)
def test_background_and_procedural_mentions_are_not_endpoint_statements(
    rule: Rule, summary: str
) -> None:
    outcomes = [_outcome("Progression-free survival")]
    assert _found(rule, _record(summary, outcomes)).empty


@pytest.mark.parametrize(
    ("summary", "missing"),
    [
        ("The primary endpoint is PFS; secondary endpoints include OS and DCR.", ["OS", "DCR"]),
        (
            "Secondary Objectives:\n\n* To assess duration of response (DoR) and overall survival.",
            ["DoR", "overall survival"],
        ),
        (
            "The main questions it aims to answer are:\n\n1. Does drug X improve the disease control rate?",
            ["disease control rate"],
        ),
        (
            "PRIMARY OBJECTIVE:\n\nI. To determine PFS.\n\nSECONDARY OBJECTIVES:\n\nI. To determine the "
            "event-free survival.\n\nII. Time to treatment failure (TTF).",
            ["TTF"],
        ),
        (
            "Secondary endpoints include tumour response and adverse events (AEs).",
            ["adverse events"],
        ),
    ],
)
def test_endpoint_statements_flag_what_is_not_registered(
    rule: Rule, summary: str, missing: list[str]
) -> None:
    outcomes = [_outcome("Progression-free survival"), _outcome("Objective response rate")]
    found = _found(rule, _record(summary, outcomes))
    assert len(found) == len(missing), found["message"].tolist()
    for name, msg in zip(missing, found["message"], strict=True):
        assert name in msg


def test_heading_scope_ends_at_an_unrelated_heading(rule: Rule) -> None:
    cfg = _config(rule.params)
    text = "Secondary endpoints:\nORR and OS.\nOUTLINE:\nPatients receive drug X until PFS events."
    stmts = endpoint_statements(text, cfg)
    assert [text[s.start : s.end] for s in stmts] == ["ORR and OS."]
    assert stmts[0].label == "Secondary endpoints:"


def test_heading_scope_ends_at_a_plain_paragraph_after_a_blank_line(rule: Rule) -> None:
    cfg = _config(rule.params)
    text = "Primary endpoint:\n\nPFS at 1 year.\n\nThe drug is given until OS events occur."
    assert [text[s.start : s.end] for s in endpoint_statements(text, cfg)] == ["PFS at 1 year."]


def test_will_be_assessed_covers_only_what_comes_before_it(rule: Rule) -> None:
    outcomes = [_outcome("Change in FEV1")]
    found = _found(
        rule,
        _record(
            "The SGRQ will be assessed by a physician, who also records adverse events.", outcomes
        ),
    )
    assert len(found) == 1 and "SGRQ" in found["message"][0]


@pytest.mark.parametrize(
    "summary",
    [
        "Tumour response and adverse events will be evaluated every 6 weeks.",
        "Adverse events will be recorded and graded at every visit.",
        "Quality of life will be assessed at baseline and every 3 months.",
        "Patients will be evaluated for response every 8 weeks.",
        "The purpose of this study is to evaluate the safety and efficacy of drug X.",
    ],
)
def test_procedural_monitoring_and_generic_aims_are_not_defects(rule: Rule, summary: str) -> None:
    outcomes = [_outcome("Progression-free survival")]
    assert _found(rule, _record(summary, outcomes)).empty, summary


def test_hard_wrapped_paragraphs_are_joined(rule: Rule) -> None:
    cfg = _config(rule.params)
    text = (
        "OBJECTIVES:\r\n\r\n      I. Determine the pathological complete response rate, disease free\r\n"
        "      survival, and overall survival in patients treated with this regimen.\r\n"
    )
    lines = [span for span in logical_lines(text, cfg) if span]
    assert len(lines) == 2
    outcomes = [_outcome("Pathologic complete response"), _outcome("Overall survival")]
    found = _found(rule, _record(text, outcomes, title="Chemotherapy in ovarian cancer"))
    assert len(found) == 1 and found["message"][0].startswith('"disease free survival"')


def test_qualified_abbreviation_is_its_own_endpoint(rule: Rule) -> None:
    # "CNS ORR" is not the systemic ORR the outcome registers: it is judged as itself
    summary = "Secondary endpoints include CNS ORR."
    found = _found(rule, _record(summary, [_outcome("Objective response rate")]))
    assert len(found) == 1 and "CNS ORR" in found["message"][0]
    registered = [
        _outcome("Objective response rate"),
        _outcome("CNS objective response rate (CNS ORR)"),
    ]
    assert _found(rule, _record(summary, registered)).empty


# --- the record's own expansion ----------------------------------------------------------------


def test_own_expansion_is_matched_against_outcomes(rule: Rule) -> None:
    summary = "Primary endpoint: the annual rate of asthma exacerbations (AEs)."
    flagged = _found(
        rule, _record(summary, [_outcome("Change in FEV1")], title="Drug X in severe asthma")
    )
    assert flagged["message"].tolist()[0].startswith("AEs (asthma exacerbations)")
    covered = [_outcome("Annualized rate of severe asthma exacerbations")]
    assert _found(rule, _record(summary, covered, title="Drug X in severe asthma")).empty
    # adverse-event outcomes do not cover asthma exacerbations
    safety = [_outcome("Incidence of treatment-emergent adverse events")]
    assert not _found(rule, _record(summary, safety, title="Drug X in severe asthma")).empty


def test_own_expansion_that_is_the_condition_studied_is_not_an_endpoint(rule: Rule) -> None:
    summary = (
        "Diminished ovarian reserve (DOR) lowers fertility. This study will evaluate the efficacy "
        "of acupuncture on DOR."
    )
    outcomes = [_outcome("Anti-Mullerian hormone level")]
    assert _found(
        rule, _record(summary, outcomes, title="Acupuncture for diminished ovarian reserve")
    ).empty


def test_record_meanings(rule: Rule) -> None:
    cfg = _config(rule.params)
    m = record_meanings("the incidence of treatment-emergent adverse events (TEAEs) and SAEs", cfg)
    assert m["TEAE"] is not None and m["TEAE"].key == "AE" and m["TEAE"].abbr == "TEAEs"
    assert "SAE" not in m  # not defined in the record: the vocabulary's meaning applies
    other = record_meanings("the number of asthma exacerbations (AEs)", cfg)["AE"]
    assert (
        other is not None and other.endpoint is None and other.expansion == "asthma exacerbations"
    )
    # a definition that cannot be read leaves the abbreviation alone
    assert (
        record_meanings("advancements, electroacupuncture (AE) is used widely", cfg)["AE"] is None
    )
    # "(PFS, progression-free survival)" inside an outcome description
    pfs = record_meanings("Clinical response per RECIST (PFS, progression-free survival)", cfg)[
        "PFS"
    ]
    assert pfs is not None and pfs.key == "PFS"


def test_unexpanded_abbreviation_needs_its_context(rule: Rule) -> None:
    # OS in an erectile-function trial (IIEF "overall satisfaction") is not overall survival
    summary = "The primary outcome is the IIEF score; secondary outcomes are EF, IS and OS."
    assert _found(rule, _record(summary, [_outcome("IIEF score")], title="Tadalafil in ED")).empty


# --- coverage by meaning -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "outcome"),
    [
        ("The primary endpoint is ORR.", "Objective response rate"),
        ("The primary endpoint is ORR.", "Number of participants with a partial response"),
        ("Secondary endpoints include AEs.", "Incidence of treatment-emergent adverse events"),
        (
            "Secondary endpoints include AEs.",
            "Number of participants with dose-limiting toxicities",
        ),
        ("Secondary endpoints include OS.", "Duration of survival"),
        ("Secondary endpoints include DFS.", "Relapse-free survival"),
        ("Secondary endpoints include TTP.", "Progression-free survival"),
        ("Secondary endpoints include the duration of response.", "Response rate and duration"),
        (
            "Secondary endpoints include quality of life (QoL).",
            "EORTC QLQ-C30 global health status",
        ),
        ("Secondary endpoints include adverse drug reactions.", "Incidence of ADRs"),
    ],
)
def test_coverage_by_meaning(rule: Rule, summary: str, outcome: str) -> None:
    assert _found(rule, _record(summary, [_outcome(outcome)])).empty


@pytest.mark.parametrize(
    ("summary", "outcome"),
    [
        ("Secondary endpoints include OS.", "Progression-free survival"),
        ("Secondary endpoints include DCR.", "Clinical benefit rate"),
        ("Secondary endpoints include DCR.", "Objective response rate (CR or PR)"),
        ("Secondary endpoints include ORR.", "Pathological complete response rate"),
    ],
)
def test_no_coverage_between_different_endpoints(rule: Rule, summary: str, outcome: str) -> None:
    assert len(_found(rule, _record(summary, [_outcome(outcome)]))) == 1


def test_instrument_named_in_the_narrative_and_registered_covers(rule: Rule) -> None:
    summary = (
        "Exploratory outcomes include a Health-Related Quality of Life questionnaire (NEI-VFQ-25)."
    )
    outcomes = [_outcome("Visual function assessed by NEI-VFQ-25")]
    assert _found(rule, _record(summary, outcomes, title="Drug X in MS")).empty


# --- when the rule does not apply --------------------------------------------------------------


def test_no_registered_outcomes_no_finding(rule: Rule) -> None:
    ex = _record("The primary endpoint is ORR; secondary endpoints are DCR and OS.", [])
    ex["record"]["protocolSection"].pop("outcomesModule")
    assert _found(rule, ex).empty


def test_input_with_only_some_outcome_kinds_is_not_checked(rule: Rule) -> None:
    rs = example_recordset(
        _record("Secondary endpoints are DCR and OS.", [_outcome("Objective response rate")])
    )
    assert len(_found(rule, rs)) == 2
    # a CSV export with a primary outcome column only: its secondary outcomes are unknown
    rs.studies["present_fields"] = "brief_summary|outcomes|outcomes[primary]"
    assert _found(rule, rs).empty
    rs.studies["present_fields"] = (
        "brief_summary|outcomes|outcomes[primary]|outcomes[secondary]|outcomes[other]"
    )
    assert len(_found(rule, rs)) == 2


# --- params ------------------------------------------------------------------------------------


def test_validate_rejects_bad_params(rule: Rule) -> None:
    validate(rule.params)
    with pytest.raises(KeyError):
        validate({**rule.params, "bogus": 1})
    bad_case = [dict(rule.params["endpoints"][0], names="Objective Response Rate")]
    with pytest.raises(ValueError, match="lower case"):
        validate({**rule.params, "endpoints": bad_case})
    lookbehind = [dict(rule.params["endpoints"][0], names="(?<!best )objective response")]
    with pytest.raises(ValueError, match="RE2"):
        validate({**rule.params, "endpoints": lookbehind})
    with pytest.raises(ValueError, match="unknown study field"):
        validate({**rule.params, "fields": ["brief_summary", "no_such_field"]})


# --- open items: what a statement says is measured, beyond the vocabulary ----------------------


@pytest.mark.parametrize(
    ("summary", "outcomes", "missing"),
    [
        # named instruments and their subscales
        (
            "Secondary outcomes include the St George's Respiratory Questionnaire (SGRQ) and the "
            "physical functioning subscale of the SF-36.",
            ["Change in FEV1"],
            ["SGRQ", "physical functioning subscale"],
        ),
        # pharmacokinetics and pharmacodynamics
        (
            "SECONDARY OBJECTIVES:\n\nI. To characterize the pharmacokinetics and pharmacodynamics "
            "of drug X.",
            ["Objective response rate"],
            ["pharmacokinetics", "pharmacodynamics"],
        ),
        # biomarker and assay results
        (
            "The secondary objective is to evaluate changes in serum interleukin-6 (IL-6) levels.",
            ["DAS28 score"],
            ["interleukin-6"],
        ),
        # toxicity graded by a named criteria version, in an endpoint list
        (
            "Secondary endpoint: incidence of grade 3 or higher peripheral neuropathy per CTCAE v5.0.",
            ["Overall survival"],
            ["peripheral neuropathy"],
        ),
        # resection and complication rates, in a list framed by one measure
        (
            "OBJECTIVES:\n- Compare the mortality, deep vein thrombosis and infection rates in these "
            "patients.",
            ["Revision rate", "Mortality"],
            ["deep vein thrombosis", "infection rates"],
        ),
        # what a "whether X reduces Y" objective measures: Y
        (
            "To determine whether drug X reduces the incidence of postoperative delirium.",
            ["Length of hospital stay"],
            ["postoperative delirium"],
        ),
        # the instrument a "was used to assess" sentence names
        (
            "The Tampa Scale of Kinesiophobia (TSK) was used to assess fear of movement.",
            ["Shoulder pain and disability index"],
            ["Tampa Scale"],
        ),
    ],
)
def test_open_items_not_registered_are_flagged(
    rule: Rule, summary: str, outcomes: list[str], missing: list[str]
) -> None:
    found = _found(rule, _record(summary, [_outcome(o) for o in outcomes], title="Drug X"))
    msgs = found["message"].tolist()
    assert len(msgs) == len(missing), msgs
    for name, msg in zip(missing, msgs, strict=True):
        assert name in msg
        assert "registered outcome measure" in msg


@pytest.mark.parametrize(
    ("summary", "outcome"),
    [
        # abbreviation or spelled out, both ways
        (
            "Secondary outcomes include the SGRQ total score.",
            "St George's Respiratory Questionnaire",
        ),
        ("The secondary outcome is the 6-minute walk distance.", "6MWD at week 24"),
        # the record's own expansion of an outcome's abbreviation, or its initials
        (
            "The primary objective is to establish the mean change in the insulin-to-carbohydrate "
            "ratio.",
            "Mean ICR at week 12",
        ),
        # instrument vs its score; class by its instrument
        ("The secondary outcome is quality of life as assessed by the SF-36.", "SF-36 total score"),
        (
            "SECONDARY OBJECTIVES:\n\nI. To characterize the pharmacokinetics of drug X.",
            "Maximum plasma concentration (Cmax) of drug X",
        ),
        ("Secondary objectives include immunogenicity.", "Incidence of anti-drug antibodies"),
        # spelling variants, plural, word order (fuzzy)
        ("The secondary outcome is haemoglobin concentration.", "Change in hemoglobin"),
        ("Secondary outcomes include serum IL-6 levels.", "Levels of interleukin 6 in serum"),
        # part of what the outcome measures: no clear gap
        ("Secondary outcomes include bony fusion rates.", "Fusion status at 12 months"),
        # the condition studied, the treatment given: no measured thing
        (
            "The aim is to determine whether drug X reduces the incidence of asthma exacerbations.",
            "Annualised rate of asthma exacerbations",
        ),
    ],
)
def test_open_items_registered_under_any_wording_are_covered(
    rule: Rule, summary: str, outcome: str
) -> None:
    found = _found(rule, _record(summary, [_outcome(outcome)], title="Drug X in asthma"))
    assert found.empty, found["message"].tolist()


@pytest.mark.parametrize(
    "summary",
    [
        # background: a prior study's results
        "In 51 of the 56 patients, increased CKD values were measured before therapy.",
        # a baseline characteristic, not an endpoint
        "BMD was measured by DXA at baseline.",
        # a method, software, a sample collection
        "Data will be analyzed using SPSS software version 25.",
        "Blood samples will be collected to measure tryptase as per standard of care.",
        # what the treatment does, not what the study measures
        "Drug X is a medication which lowers estrogen levels in the blood.",
        # an unspecified marker set
        "The exploratory objective is to evaluate the relationship between immune markers and efficacy.",
        # covariates listed as moderators
        "We will explore moderating influences such as illness severity, religion and education.",
    ],
)
def test_open_items_ignore_what_is_not_a_measured_endpoint(rule: Rule, summary: str) -> None:
    found = _found(rule, _record(summary, [_outcome("Overall survival")], title="Drug X"))
    assert found.empty, found["message"].tolist()


def test_open_item_message_names_the_endpoint_and_where(rule: Rule) -> None:
    text = "PRIMARY OBJECTIVES:\n\nI. Determine the pharmacokinetics of drug X."
    found = _found(rule, _record(text, [_outcome("Maximum tolerated dose")], title="Drug X"))
    assert len(found) == 1
    msg = found["message"][0]
    assert msg.startswith(
        '"the pharmacokinetics" is named as an endpoint under "PRIMARY OBJECTIVES:"'
    )
    assert '("Determine the pharmacokinetics of drug X.")' in msg
    assert '"Maximum tolerated dose"' in msg
    start, end = int(found["start"][0]), int(found["end"][0])
    assert text[start:end] == "the pharmacokinetics"


# --- the prefilter -----------------------------------------------------------------------------


def test_prefilter_keeps_every_record_that_fires_on_the_corpus(rule: Rule) -> None:
    """The vectorized first stage drops only records the full check cannot flag: over the whole
    API v2, legacy XML and CSV corpus, every record the full check (prefilter off) flags is one
    the prefilter keeps, so findings are the same with and without it."""
    corpus = ROOT.parent / "shared" / "corpus"
    inputs = [
        [corpus / "ctgov_v2_json" / "studies.ndjson"],
        sorted((corpus / "ctgov_xml").glob("*.xml")),
        sorted((corpus / "ctgov_csv").glob("*.csv")),
    ]
    fired = 0
    for paths in inputs:
        rs = RecordSet.concat(read_paths(paths, chunk_size=100_000))
        full = check_recordset(rs, [rule], prefilter=False)
        full = full[full["rule"] == RULE_ID]
        kept = set(rs.studies["record_id"][prefilter(rs, rule.params)])
        assert set(full["record_id"]) <= kept, set(full["record_id"]) - kept
        assert len(kept) < len(rs.studies)  # it does drop records
        fired += len(full)
    assert fired > 0


# --- typed endpoint phrases: precision by construction ------------------------------------------


@pytest.mark.parametrize(
    ("summary", "missing"),
    [
        # a named instrument (title-case name ending in Index) and an analyte level in an aim
        (
            "The aim of this study is to evaluate the Psoriasis Area and Severity Index (PASI).",
            "Psoriasis Area and Severity Index",
        ),
        ("The aim of this study is to evaluate testosterone levels.", "testosterone levels"),
        # PK/PD parameters
        ("Secondary objectives are to determine the Cmax and half-life of drug X.", "Cmax"),
        ("The study will also evaluate the pharmacodynamic effects of drug X.", "pharmacodynamic"),
        # an explicit endpoint list naming a lung-function class
        ("Secondary outcomes will be spirometry and the ACQ.", "spirometry"),
        # an event rate and a response by named criteria
        ("Secondary endpoints include the R0 resection rate.", "R0 resection rate"),
    ],
)
def test_typed_phrases_not_registered_are_flagged(rule: Rule, summary: str, missing: str) -> None:
    found = _found(rule, _record(summary, [_outcome("Change in body weight")], title="Drug X"))
    assert any(missing in m for m in found["message"]), found["message"].tolist()


@pytest.mark.parametrize(
    "summary",
    [
        # statistics, a place, a hypothesis about direction, procedure, covariates, background
        "Sample size: the trial's sample size was calculated for the primary outcome.",
        "Patients will be recruited at the Sexology & STD's outpatient clinic to assess outcomes.",
        "We hypothesize that bracing will result in greater improvements to the curvature.",
        "The main outcomes will be established prior to study start.",
        "Input features will be collected, such as age, radiculopathy and BMI.",
        "Scoliosis affects growth, posture and self-image, which this study aims to address.",
        # a bare common noun phrase pulled out of an aim
        "The aim is reducing venom requirements and costs of treatment.",
        # a tool's purpose, monitoring, future studies
        "The feasibility of using an electronic tool to measure pain will be studied.",
        "Secondary objectives:\n* To monitor adverse events and changes in hemoglobin.",
        "New studies should be undertaken to evaluate the level of eosinophils.",
        # statistics sentence naming variables
        "Correlations between changes in PaO2/FIO2 and CI will be analyzed by linear regression.",
    ],
)
def test_false_hit_kinds_are_not_endpoints(rule: Rule, summary: str) -> None:
    found = _found(rule, _record(summary, [_outcome("Cobb angle")], title="Bracing in scoliosis"))
    assert found.empty, found["message"].tolist()


@pytest.mark.parametrize(
    ("summary", "outcome"),
    [
        # a category is covered by any outcome of its kind
        ("The study will evaluate changes in serum cytokines.", "Sputum IL-5 level"),
        # pharmacodynamics by an analyte outcome; relative bioavailability by Cmax/AUC
        ("The study will evaluate the pharmacodynamics of drug X.", "Serum free IgE concentration"),
        ("The aim is to assess the relative bioavailability of drug X.", "Cmax and AUC of drug X"),
        # members of a side-effect list by an adverse-event outcome
        (
            "The study will evaluate side effects such as sore throat and changes in white blood "
            "cell counts.",
            "Number of participants with treatment-related adverse events",
        ),
        # an antibody by an immune-response outcome; a plural code
        ("The study will determine the persistence of antibody.", "Immune response"),
        ("The study will determine the pharmacokinetics of drug X.", "PKs"),
    ],
)
def test_typed_phrases_covered_by_kind(rule: Rule, summary: str, outcome: str) -> None:
    found = _found(rule, _record(summary, [_outcome(outcome)], title="Drug X"))
    assert found.empty, found["message"].tolist()


def test_inline_enumeration_members_are_phrases_of_their_own(rule: Rule) -> None:
    # each member is cut where it ends, not where the first one does ("with a ..." ends i)
    summary = (
        "The main outcomes to be measured are: a) the coverage of drug X, b) the compliance "
        "with dosing, c) the infection prevalence and d) the haemoglobin level."
    )
    outcomes = [_outcome("Coverage of drug X"), _outcome("Compliance"), _outcome("Haemoglobin")]
    found = _found(rule, _record(summary, outcomes, title="Delivery of drug X in pregnancy"))
    assert len(found) == 1 and "infection prevalence" in found["message"][0], found["message"]


def test_inline_enumeration_continued_after_the_verb(rule: Rule) -> None:
    # "i) X and ii) Y will be assessed, iii) Z": the list goes on after the cue
    summary = (
        "Additionally, the i) percentage of participants with a 50% reduction in attacks and "
        "ii) attack pain intensity will be assessed over the treatment period, iii) number of "
        "patients with improvement in the Clinical Global Impressions Scale (CGI) by diary."
    )
    outcomes = [_outcome("Change in weekly attack frequency"), _outcome("Change in pain NRS")]
    found = _found(rule, _record(summary, outcomes, title="Drug X for cluster headache"))
    assert len(found) == 1 and "Clinical Global Impressions Scale" in found["message"][0]
    # registered: nothing to report
    outcomes.append(_outcome("Clinical Global Impression of Change"))
    assert _found(rule, _record(summary, outcomes, title="Drug X for cluster headache")).empty


def test_major_adverse_events_covered_by_an_adverse_event_outcome(rule: Rule) -> None:
    summary = "Secondary endpoints will be a) Incidence of MAE (Death, MI, Stroke), b) PSV."
    outcomes = [_outcome("PSV change"), _outcome("Adverse events", "cardiovascular events")]
    assert _found(rule, _record(summary, outcomes, title="Endovascular therapy")).empty


def test_data_collected_on_named_measures_are_endpoints(rule: Rule) -> None:
    # "to collect X data, including A and B": measured data, not a procedure; only named
    # things count (a synonym class here)
    summary = (
        "Wearable technology will be used to collect biometric health data, including heart "
        "rate and sleep, for up to 10 months."
    )
    outcomes = [_outcome("Heart rate variability")]
    found = _found(rule, _record(summary, outcomes, title="Meditation retreat"))
    assert len(found) == 1 and '"sleep"' in found["message"][0], found["message"]
    # collecting samples or unnamed data stays procedure
    for procedure in (
        "Nurses will be used to collect blood samples, including serum and plasma.",
        "A web form will be used to collect demographic data, including age and sex.",
    ):
        assert _found(rule, _record(procedure, outcomes, title="Meditation retreat")).empty


def test_analysis_of_named_data_is_an_endpoint_statement(rule: Rule) -> None:
    summary = "An interim analysis (IA1) on pharmacokinetic (PK) data was performed at Week 12."
    found = _found(rule, _record(summary, [_outcome("Tolerated dose")], title="Antibody Q"))
    assert len(found) == 1 and "pharmacokinetic" in found["message"][0], found["message"]
    outcomes = [_outcome("Tolerated dose"), _outcome("Cmax of antibody Q")]
    assert _found(rule, _record(summary, outcomes, title="Antibody Q")).empty


def test_what_defines_efficacy_is_an_endpoint_list(rule: Rule) -> None:
    # "Efficacy will be analyzed by X, Y and Z": the operational endpoints of the aim
    summary = "Efficacy will be analyzed by objective response rate and life-quality."
    found = _found(rule, _record(summary, [_outcome("Response rate")]))
    assert len(found) == 1 and "life-quality" in found["message"][0], found["message"]
    assert _found(rule, _record(summary, [_outcome("Response rate"), _outcome("QoL")])).empty
    # safety defined by adverse events is monitoring, even beside an efficacy definition
    summary = (
        "The efficacy is evaluated by the IIEF and the safety is evaluated by laboratory tests, "
        "vital signs and adverse events."
    )
    outcomes = [_outcome("Change in IIEF score")]
    assert _found(rule, _record(summary, outcomes, title="Drug X in erectile dysfunction")).empty


def test_a_name_inside_a_named_instrument_is_the_instrument(rule: Rule) -> None:
    summary = (
        "Clinical assessments will be measured using the Psoriasis Area and Severity Index "
        "(PASI) and the Dermatology Life Quality Index (DLQI)."
    )
    outcomes = [_outcome("Change in PASI")]
    found = _found(rule, _record(summary, outcomes, title="Diet in psoriasis"))
    assert len(found) == 1 and "Dermatology Life Quality Index" in found["message"][0]


def test_instrument_in_lower_case_listed_with_named_instruments(rule: Rule) -> None:
    # "through the Oswestry Disability Index, Physical activity survey and SF-36": an
    # instrument too, and a registered outcome must name it (function by the ODI is not it)
    summary = (
        "Assessment of daily living will be performed after 8 weeks through Oswestry Disability "
        "Index, Physical activity survey and SF-36 respectively."
    )
    outcomes = [_outcome("Oswestry Disability Index"), _outcome("SF-36 score")]
    found = _found(rule, _record(summary, outcomes, title="Exercise after microdiscectomy"))
    assert len(found) == 1 and "Physical activity survey" in found["message"][0]
    outcomes.append(_outcome("Physical activity survey score"))
    assert _found(rule, _record(summary, outcomes, title="Exercise after microdiscectomy")).empty
    # alone, a lower-case phrase is no named instrument
    alone = "Assessment of daily living will be performed through Physical activity survey."
    assert _found(rule, _record(alone, outcomes[:1], title="Exercise after microdiscectomy")).empty


# --- round 5: constructs seen in the held-back records' misses --------------------------------


@pytest.mark.parametrize(
    "summary",
    [
        # the study as the subject of a present-tense verb, with an adverb
        "The study primarily evaluates safety, tolerability, pharmacokinetics, "
        "pharmacodynamics, and preliminary efficacy.",
        # "a study examining ...": a participle after the study
        "This is a Phase 2, open-label, multicenter study examining the safety, "
        "pharmacokinetics and pharmacodynamics, and best overall response to escalating doses.",
    ],
)
def test_the_study_evaluates_or_a_study_examining_names_its_endpoints(
    rule: Rule, summary: str
) -> None:
    outcomes = [
        _outcome("Number of participants with adverse events"),
        _outcome("Cmax of drug X"),
        _outcome("Best overall response rate"),
    ]
    found = _found(rule, _record(summary, outcomes))
    assert len(found) == 1 and '"pharmacodynamics"' in found["message"][0]


@pytest.mark.parametrize(
    "summary",
    [
        "The purpose of this study is to evaluate the safety, pharmacokinetics (PK) "
        "pharmacodynamics and preliminary antitumor activity of drug X.",
        "This is a Phase II trial to evaluate the safety, efficacy, and PK/ pharmacodynamic "
        "profiles of drug X.",
    ],
)
def test_two_classes_run_together_are_two_endpoints(rule: Rule, summary: str) -> None:
    # a PK outcome measures pharmacokinetics, not the pharmacodynamics named beside it
    outcomes = [_outcome("Number of participants with adverse events"), _outcome("Cmax of drug X")]
    found = _found(rule, _record(summary, outcomes))
    assert len(found) == 1 and "pharmacodynamic" in found["message"][0]
    outcomes.append(_outcome("Change in serum IL-6 level"))
    assert _found(rule, _record(summary, outcomes)).empty


@pytest.mark.parametrize(
    "other",
    [
        "Mean trough concentration of drug X",  # the drug's own concentration: PK
        "Prostate-specific antigen (PSA) response rate",  # a tumour marker's response
        # "PD" in an outcome the record defines as progressive disease
        "Progression-free survival: time from first dose to first documented PD or death",
    ],
)
def test_what_does_not_measure_pharmacodynamics(rule: Rule, other: str) -> None:
    summary = (
        "The study is designed to characterize safety, pharmacokinetics (PK), and "
        "pharmacodynamics. Tumor assessments are performed until progressive disease (PD)."
    )
    outcomes = [
        _outcome("Number of participants with adverse events"),
        _outcome("Cmax"),
        _outcome(other),
    ]
    found = _found(rule, _record(summary, outcomes))
    assert len(found) == 1 and '"pharmacodynamics"' in found["message"][0]


def test_treatment_history_of_the_population_is_no_procedure(rule: Rule) -> None:
    # "who have previously received standard of care": the people, not how the study runs
    summary = (
        "This is a Phase II trial to evaluate the safety and pharmacokinetics of drug X in "
        "participants who have previously received standard of care (SOC) therapy."
    )
    outcomes = [_outcome("Overall survival")]
    found = _found(rule, _record(summary, outcomes))
    assert len(found) == 1 and "pharmacokinetics" in found["message"][0]
    per_soc = "Drug X will be given as per standard of care to evaluate the pharmacokinetics."
    assert _found(rule, _record(per_soc, outcomes)).empty


def test_the_maximum_tolerated_dose_is_an_endpoint_a_dlt_outcome_measures(rule: Rule) -> None:
    summary = (
        "OBJECTIVES:\n- Determine the maximum tolerated dose (MTD) of drug X in these patients."
    )
    found = _found(rule, _record(summary, [_outcome("Overall survival")]))
    assert len(found) == 1 and "maximum tolerated dose" in found["message"][0]
    dlt = [_outcome("Number of participants with dose-limiting toxicities")]
    assert _found(rule, _record(summary, dlt)).empty


@pytest.mark.parametrize(
    "summary",
    [
        "This is a randomized clinical trial evaluating RPT904, a next-generation anti-IgE "
        "monoclonal antibody, in people with food allergy.",
        "Several endpoints will be assessed.\n\nIn addition to the endpoints, the following "
        "input features will be collected:\n* Preoperative (baseline) VAS-BP",
    ],
)
def test_the_drug_and_a_baseline_covariate_are_no_endpoints(rule: Rule, summary: str) -> None:
    outcomes = [_outcome("Oswestry Disability Index"), _outcome("Tolerated dose of peanut protein")]
    assert _found(rule, _record(summary, outcomes, title="Drug X")).empty
