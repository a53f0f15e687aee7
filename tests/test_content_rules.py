"""The content rules (kind `sentence_pattern`): results-in-protocol-text, participant-payment-amount."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import SEEDS
from trialint.engine import check_recordset
from trialint.errors import ConfigError
from trialint.kinds import KINDS
from trialint.kinds.content_text import protocol_only, sentences
from trialint.read import example_recordset, read_paths
from trialint.rules import load_rule_file

RESULTS = "results-in-protocol-text"
PAYMENT = "participant-payment-amount"


def _record(has_results: bool | None = False, status: str = "COMPLETED", **modules) -> dict:
    proto = {
        "identificationModule": {"nctId": "NCT09999999", "briefTitle": "A study"},
        "statusModule": {"overallStatus": status},
    }
    proto.update(modules)
    rec: dict = {"protocolSection": proto}
    if has_results is not None:
        rec["hasResults"] = has_results
    return rec


def _desc(summary: str | None = None, detailed: str | None = None) -> dict:
    d = {}
    if summary is not None:
        d["briefSummary"] = summary
    if detailed is not None:
        d["detailedDescription"] = detailed
    return {"descriptionModule": d}


def _run(rules, rule_id: str, example: dict) -> pd.DataFrame:
    rs = example_recordset(example)
    assert not rs.errors, rs.errors
    found = check_recordset(rs, [rules[rule_id]])
    return found[found["rule"] == rule_id]


# --- sentences ---------------------------------------------------------------------------------


def test_sentences_keep_offsets_and_skip_abbreviations():
    text = "Rates were 100% vs. 88% (p=0.007). Smith et al. reported it.\n\nResults: done."
    spans = sentences(text)
    parts = [text[s:e] for s, e in spans]
    assert parts == [
        "Rates were 100% vs. 88% (p=0.007).",
        "Smith et al. reported it.",
        "Results: done.",
    ]


def test_sentences_join_hard_wrapped_lines_and_split_at_abstract_headings():
    text = "Eyes were observed\n      for five years. At 5 years the rates\n      were equal testing Results: The rates rose."
    parts = [text[s:e] for s, e in sentences(text)]
    assert parts[0] == "Eyes were observed\n      for five years."
    assert parts[1].startswith("At 5 years") and parts[1].endswith("testing")
    assert parts[2] == "Results: The rates rose."


# --- which records are protocol-only ----------------------------------------------------------


def test_protocol_only_reads_has_results_status_and_what_the_input_carries():
    st = pd.DataFrame(
        {
            "has_results": pd.array([False, True, None, None, None, True], dtype="boolean"),
            "present_fields": pd.array(
                ["nct_id", "nct_id", "nct_id|has_results", "nct_id", None, "nct_id"], dtype="str"
            ),
            "overall_status": pd.array(
                ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "RECRUITING"],
                dtype="str",
            ),
        }
    )
    got = protocol_only(st, ["RECRUITING"]).tolist()
    # no results; posted results; unknown but the input has the column (CSV); unknown and the
    # input does not say (partial API record); legacy XML (carries everything); posted results
    # win over a status
    assert got == [True, False, True, False, True, False]


_ABSTRACT = (
    "Methods: Sixty adults were randomized to exercise or usual care.\n\n"
    "Results: Pain was significantly lower with exercise (p = 0.03)."
)


@pytest.mark.parametrize(
    ("has_results", "status", "flagged"),
    [
        (False, "COMPLETED", True),
        (True, "COMPLETED", False),
        (None, "COMPLETED", False),  # a partial API record: the input does not say
        (None, "RECRUITING", True),  # results cannot be posted before recruitment ends
    ],
)
def test_results_only_in_records_without_posted_results(rules, has_results, status, flagged):
    rec = _record(has_results, status, **_desc(summary=_ABSTRACT))
    assert (not _run(rules, RESULTS, {"record": rec}).empty) is flagged


def test_results_csv_judged_only_with_a_results_column_or_telling_status(rules):
    head_with = "NCT Number,Study Title,Study Status,Brief Summary,Study Results\n"
    head_without = "NCT Number,Study Title,Study Status,Brief Summary\n"
    cell = '"' + _ABSTRACT.replace('"', '""') + '"'
    with_col = head_with + f"NCT09999999,A study,COMPLETED,{cell},NO\n"
    without_col = head_without + f"NCT09999999,A study,COMPLETED,{cell}\n"
    recruiting = head_without + f"NCT09999999,A study,RECRUITING,{cell}\n"
    assert len(_run(rules, RESULTS, {"csv": with_col})) == 1
    assert _run(rules, RESULTS, {"csv": without_col}).empty
    assert len(_run(rules, RESULTS, {"csv": recruiting})) == 1


# --- results-in-protocol-text: what ties a finding to this study ------------------------------


def test_results_finding_points_at_the_first_result_sentence(rules):
    text = (
        "Background: knee pain is common.\n\n"
        "Results: Pain was significantly lower with exercise (p = 0.03). "
        "There was no significant difference in walking distance."
    )
    found = _run(rules, RESULTS, {"record": _record(**_desc(detailed=text))})
    assert len(found) == 1
    row = found.iloc[0]
    assert row["field"] == "descriptionModule.detailedDescription"
    assert text[row["start"] : row["end"]] == (
        "Results: Pain was significantly lower with exercise (p = 0.03)."
    )
    assert "2 result sentence(s)" in row["message"]


@pytest.mark.parametrize(
    "text",
    [
        # a cited study, then "This study showed" about it
        "In a previous study, 8 patients received drug X. This study showed that lesions healed"
        " faster. The present trial will test drug X in 150 patients.",
        # background with a citation year
        "A randomized trial (Smith 2019) found that pain was significantly lower with drug X.",
        # "has been shown", "previous studies"
        "Drug X has been shown to significantly reduce pain. Previous studies showed p < 0.01.",
        # hypothesis and planned analysis
        "We hypothesize that pain will be significantly lower. p < 0.05 was considered significant.",
        # a results heading that is about the future or a pilot
        "Expected results: pain was significantly lower in the pilot study.",
        # a finding with no tie to this study at all
        "Pain was significantly lower with exercise (p = 0.03) in adults over 60.",
    ],
)
def test_results_leaves_background_plans_and_untied_findings_alone(rules, text):
    rec = _record(False, "RECRUITING", **_desc(summary=text))
    assert _run(rules, RESULTS, {"record": rec}).empty


def test_results_conduct_sentence_ties_later_findings_but_not_after_background(rules):
    tied = "We enrolled 80 adults with migraine. We found that drug X reduced migraine days."
    rec = _record(**_desc(detailed=tied))
    assert len(_run(rules, RESULTS, {"record": rec})) == 1
    cut = (
        "We enrolled 80 adults with migraine. Earlier, other studies reported on drug Y. "
        "Pain was significantly reduced with drug Y."
    )
    rec = _record(**_desc(detailed=cut))
    assert _run(rules, RESULTS, {"record": rec}).empty


def test_results_reads_outcome_and_arm_descriptions_not_titles(rules):
    rec = _record(
        outcomesModule={
            "primaryOutcomes": [
                {
                    "measure": "Results: pain was significantly lower (p=0.01)",
                    "description": "Results: pain was significantly lower (p=0.01).",
                    "timeFrame": "Week 12",
                }
            ]
        },
    )
    found = _run(rules, RESULTS, {"record": rec})
    assert found["field"].tolist() == ["outcomes[primary][0].description"]
    assert found.iloc[0]["message"].startswith("Primary outcome 1 description reports results")


# --- participant-payment-amount -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Participants receive a $50 gift card after each visit.", "$50"),
        ("Each subject will be compensated US$ 100 for the two visits.", "US$ 100"),
        ("Volunteers are paid 20 euros per visit.", "20 euros"),
        ("A £25 voucher is offered to every participant.", "£25"),
        ("Participants will receive Rs. 500 for travel.", "Rs. 500"),
        ("Subjects who complete all parts will receive a total of $930.00.", "$930.00"),
    ],
)
def test_payment_flags_amounts_tied_to_participants(rules, text, match):
    found = _run(rules, PAYMENT, {"record": _record(**_desc(summary=text))})
    assert len(found) == 1
    row = found.iloc[0]
    assert text[row["start"] : row["end"]] == match
    assert f"'{match}'" in row["message"]


@pytest.mark.parametrize(
    "text",
    [
        "Drug X costs $100 per dose and is reimbursed by insurers.",
        "The study is funded by a $500,000 grant; participants receive no payment.",
        "Heart failure costs Canada $2.8 billion per year.",
        "The intervention should be cost-effective (<$10,000 per QALY).",
        "Participants earn $2.50 vouchers for each cocaine-negative urine sample.",
        "Participants who lose 10 pounds receive counselling.",
        "Patients receive warfarin (target INR 2.0 to 3.0).",
        "Patients who received creatinine £ 125 µmol/L were included.",
        "Participants receive rs12936231 genotyping.",
        "Participants will be compensated for their time.",
        "Households earning less than $30,000 are eligible.",
    ],
)
def test_payment_leaves_costs_funding_and_lookalikes_alone(rules, text):
    assert _run(rules, PAYMENT, {"record": _record(**_desc(summary=text))}).empty


def test_payment_does_not_read_outcomes_or_interventions(rules):
    rec = _record(
        outcomesModule={
            "primaryOutcomes": [
                {
                    "measure": "Payment",
                    "description": "Participants are paid $20 per completed diary",
                    "timeFrame": "Week 4",
                }
            ]
        },
        armsInterventionsModule={
            "interventions": [
                {
                    "type": "BEHAVIORAL",
                    "name": "Incentive",
                    "description": "Participants receive $20",
                }
            ]
        },
    )
    assert _run(rules, PAYMENT, {"record": rec}).empty


# --- the kind's parameters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"fields": ["brief_summary"]}, KeyError),
        ({"fields": ["nonsense"], "pattern": "x"}, ValueError),
        ({"fields": ["outcomes.nonsense"], "pattern": "x"}, ValueError),
        ({"fields": ["brief_summary"], "pattern": "(?<=a)b"}, ValueError),  # not RE2
        ({"fields": ["brief_summary"], "pattern": "x", "exclude": "("}, ValueError),
        (
            {"fields": ["brief_summary"], "pattern": "x", "anchor": {"context_window": 2}},
            ValueError,
        ),
        (
            {"fields": ["brief_summary"], "pattern": "x", "anchor": {"sentence": "x", "bad": 1}},
            KeyError,
        ),
        ({"fields": ["brief_summary"], "pattern": "x", "span": "word"}, ValueError),
        ({"fields": ["brief_summary"], "pattern": "x", "message": "{nope}"}, KeyError),
    ],
)
def test_sentence_pattern_rejects_bad_params(params, error):
    with pytest.raises(error):
        KINDS["sentence_pattern"].validate(params)


def test_bad_params_are_a_config_error_with_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "id: bad-rule\nseverity: info\nsummary: s\nwhy: w\nfix: f\nkind: sentence_pattern\n"
        "params: {fields: [brief_summary], pattern: '(?<=a)b'}\n"
        "examples: {flag: [{record: {}}], pass: [{record: {}}]}\n"
    )
    with pytest.raises(ConfigError, match="RE2"):
        load_rule_file(bad)


# --- the seeds ------------------------------------------------------------------------------


def test_seeds_get_nothing_from_these_rules(rules):
    for rs in read_paths([SEEDS]):
        found = check_recordset(rs, [rules[RESULTS], rules[PAYMENT]])
        assert found.empty, found[["record_id", "rule", "message"]].to_string()
