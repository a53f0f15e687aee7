"""randomization-in-single-arm and allocation-model-conflict: the classifier, the design
inference, the seeds, real corpus records, and the design_conflict sub-checks."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from conftest import CORPUS, SEEDS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.randomization_single_arm import (
    classify,
    occurrences,
    own_randomization,
    single_arm_design,
)
from trialint.read import example_recordset, read_paths


def _verdicts(text: str, own_ids: tuple[str, ...] = ()) -> list[str]:
    return [o.verdict for o in occurrences(text, own_ids)]


# --- the occurrence classifier, on wording taken from real records ---------------------------

OWN = [
    "From the date of randomization until the date of death",
    "OS is defined as the time from the date of randomisation until death due to any cause.",
    "PFS was defined as the time from random assignment or first dose to PD or death from any cause.",
    "the time from baseline (at randomization) to the first onset of a 10-point decrease",
    "This is a pilot randomized clinical trial testing an implementation intervention.",
    "The purpose of this prospective, randomized, multicenter study is to demonstrate superiority.",
    "For this randomized clinical trial, 10 patients from a private Urology clinic will be selected.",
    "Patients randomized to this arm of the study will interact with the BT-001 software program.",
    "A total of 240 potent patients are randomized in two arms.",
    "PURPOSE: Randomized phase II trial to study the effectiveness of toremifene.",
    "A randomized, double-blind study to evaluate drug X.",
    "Participants will be randomly assigned to one of two doses.",
    "Disease Control Rate (DCR): Percentage of all randomized subjects who rated the best overall response.",
    "This is a Phase III, two-arm, randomized, double-blind, global, multicenter study.",
    "We will perform an open-label randomised trial with two parallel arms in two departments.",
    "If eligibility has been confirmed, randomization to one of the 2 treatment arms will be conducted.",
    "PURPOSE: This randomized phase II trial studies L-arginine in survivors previously treated with radiation.",
    "Time from randomization to death, assessed until the end of trial declaration (in 2031)",
    # negation does not reach past its clause or through a prefix
    "There was no blinding and randomization was done by computer.",
    "This study is open-label and non-blinded, but patients are randomized to two doses.",
    "An open-label, non-blinded and randomized study.",
    # the first part is not a later one; a disease stage is not a study part
    "In Part 1, patients will be randomized to A or B.",
    "Patients with stage 2 breast cancer will be randomized to A or B.",
    "After screening, patients will be randomized to X or Y.",
    # a hard-wrapped legacy XML text block: the line break is not a sentence end
    "This is a\n      randomized, open-label, multicenter study.",
]
NOT_OWN = [
    ("This is a non-randomized, open-label, single-arm study.", "negated"),
    ("It is a pilot study with no randomisation.", "negated"),
    ("As a result, they will not be subject to randomization.", "negated"),
    (
        "This study will be conducted open label with no random assignment or stratification.",
        "negated",
    ),
    ("many patients do not wish to be randomised and therefore refuse participation", "negated"),
    (
        "Randomised controlled trials (RCTs) offer the best method for minimising bias.",
        "background",
    ),
    ("A randomized trial may be feasible if a pragmatic design is adopted.", "background"),
    ("This pilot will inform an eventual larger randomized controlled trial.", "background"),
    (
        "This single-arm pilot study will be used as a go vs. no-go decision on performing a randomized-controlled trial.",
        "background",
    ),
    (
        "Identify promising regimens for later validation in randomized clinical trials.",
        "background",
    ),
    ("and more rapid accrual compared to a randomised design.", "background"),
    (
        "To recommend this as a universal treatment, a randomized, controlled, clinical trial is necessary.",
        "background",
    ),
    (
        "NAC has been safely used in a large group of ESRD patients in a prospective randomized trial.",
        "background",
    ),
    ("SloMo was previously tested in a randomised trial of 361 people.", "other-trial"),
    ("Subjects who were randomised in study TR002 and completed all dosing visits.", "other-trial"),
    (
        "Participants of the LEAP study who were originally randomized to peanut avoidance.",
        "other-trial",
    ),
    (
        "who have recently completed the Click Therapeutics Randomized Clinical Trial NCT05838625.",
        "other-trial",
    ),
    (
        "An initial pragmatic randomized control trial found that IMGV led to significant improvement.",
        "other-trial",
    ),
    (
        "ACP-103-069 is a 6-week, randomized, double-blind, placebo controlled, parallel group study.",
        "other-trial",
    ),
    ("subjects who previously were randomized and have completed the VIPES study", "other-trial"),
    (
        "PFS is defined as the time from first dose or random assignment (if any) to PD or death.",
        "hedged",
    ),
    (
        "The time from a specified starting point (usually randomization or first dose) to death.",
        "hedged",
    ),
    ("The order of the hearing aid programs will be randomized across participants.", "order"),
    ("Randomisation of the order of visually aroused erection will be conducted.", "order"),
    ("Masked Independent Randomized Radiology and Oncology Review (MIRROR) Panel", "material"),
    # negation reaching through a coordination
    ("There is no blinding of subjects or randomization of treatment.", "negated"),
    ("The study is neither randomized nor blinded.", "negated"),
    ("Patients were not blinded or randomized.", "negated"),
    ("This is a non-randomized, open-label study.", "negated"),
    ("Open-label, without masking, stratification or randomization.", "negated"),
    ("Randomization and blinding are not applicable.", "negated"),
    ("Randomisation and blinding will not be performed in this pilot.", "negated"),
    ("Randomization / masking: none", "negated"),
    # a later, separate randomized part of this study
    (
        "The first stage is a dose escalation, followed by a second stage during which subjects "
        "will be randomized to up to 3 dose arms.",
        "later-part",
    ),
    (
        "Subsequently, the study will proceed with a placebo-controlled randomized study "
        "according to the results of the pilot study.",
        "later-part",
    ),
    (
        "Part 1: Dose Escalation\n* 3+3 design\nPart 2: Dose Expansion (Phase Ib)\n"
        "* 40-180 patients\n* Patients randomized to 2-3 recommended doses.",
        "later-part",
    ),
    ("A randomized expansion cohort will enroll 40 patients at two doses.", "later-part"),
    ("In Part B, participants are randomly assigned to one of two doses.", "later-part"),
]


@pytest.mark.parametrize("text", OWN)
def test_own_randomization_is_recognised(text: str) -> None:
    assert "own" in _verdicts(text), _verdicts(text)


@pytest.mark.parametrize(("text", "reason"), NOT_OWN)
def test_other_uses_are_left_alone(text: str, reason: str) -> None:
    verdicts = _verdicts(text)
    assert verdicts and "own" not in verdicts
    assert reason in verdicts


def test_own_protocol_code_is_not_another_trial() -> None:
    text = "ABC-123 is a randomized, open-label study."
    assert _verdicts(text, ("NCT00000001", "ABC-123")) == ["own"]
    assert _verdicts(text, ("NCT00000001", "XYZ-9")) == ["other-trial"]


def test_span_includes_the_lead_in() -> None:
    text = "Overall survival, From the date of randomization until the date of death"
    (occ,) = own_randomization(text)
    assert text[occ.start : occ.end] == "From the date of randomization"
    i = text.index("randomization")
    assert classify(text, i, i + len("randomization")) == "own"


def test_no_wording_no_occurrence() -> None:
    assert (
        occurrences("Patients will be randomly selected for audit; a random effects model is used.")
        == []
    )


# --- design: declared or inferred ------------------------------------------------------------


def _record(design: dict[str, Any] | None, title: str, **modules: Any) -> dict[str, Any]:
    ps: dict[str, Any] = {
        "identificationModule": {"nctId": "NCT00000001", "briefTitle": title},
        **modules,
    }
    if design is not None:
        ps["designModule"] = {
            "studyType": design.pop("studyType", "INTERVENTIONAL"),
            "designInfo": design,
        }
    return {"record": {"protocolSection": ps}}


def _design(example: dict[str, Any]) -> list[str]:
    return single_arm_design(example_recordset(example)).design.tolist()


def test_declared_single_group_not_randomized() -> None:
    assert _design(
        _record({"allocation": "NA", "interventionModel": "SINGLE_GROUP"}, "Drug X")
    ) == ["single-arm study (interventionModel SINGLE_GROUP, allocation NA)"]
    assert (
        _design(
            _record({"allocation": "RANDOMIZED", "interventionModel": "SINGLE_GROUP"}, "Drug X")
        )
        == []
    )
    assert (
        _design(
            _record(
                {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL"}, "A Single-arm Study"
            )
        )
        == []
    )


def test_design_inferred_from_the_title_only_without_design_fields() -> None:
    assert _design(_record(None, "A Phase II, Single-arm Study of Drug X")) == [
        "single-arm study (design inferred from the title ('Single-arm'))"
    ]
    assert (
        _design(_record({"studyType": "OBSERVATIONAL"}, "A Single-arm Registry of Device X")) == []
    )
    assert (
        _design(
            _record(
                None, "A Randomized Phase II Study of Drug X Versus Single-arm Historical Control"
            )
        )
        == []
    )
    assert _design(_record(None, "A Two-arm Study of X and a Single Arm Extension")) == []
    assert _design(_record(None, "Drug X in Gastric Cancer")) == []


def test_design_inferred_from_the_summary() -> None:
    summary = {
        "descriptionModule": {
            "briefSummary": "Background. This is a single-center, single-arm study of X."
        }
    }
    assert _design(_record(None, "Drug X in Gastric Cancer", **summary)) == [
        "single-arm study (design inferred from the brief summary ('single-arm'))"
    ]
    background = {
        "descriptionModule": {"briefSummary": "Single-arm studies have shown activity of X."}
    }
    assert _design(_record(None, "Drug X in Gastric Cancer", **background)) == []


# --- the rules through the engine ------------------------------------------------------------


@cache
def _rules() -> dict[str, Any]:
    from trialint.rules import load_rules

    return load_rules()


def _check(rs: RecordSet, rule_id: str):
    rule = _rules()[rule_id]
    found = check_recordset(rs, [rule])
    return found[found["rule"] == rule_id].reset_index(drop=True)


def test_seed_000_is_flagged_on_overall_survival_and_seed_001_is_not() -> None:
    rs = RecordSet.concat(read_paths([SEEDS]))
    found = _check(rs, "randomization-in-single-arm")
    assert set(found["record_id"]) == {"000_f268d187f025ea9a"}
    assert set(found["field"]) == {
        "outcomes[secondary][1].description",
        "outcomes[secondary][1].time_frame",
    }
    texts = rs.field_text()
    for row in found.itertuples():
        span = texts[(row.record_id, row.field)][row.start : row.end]
        assert span in ("From the date of randomization", "From date of randomization")
        assert "design inferred from the title ('Single Arm')" in row.message
        assert "Overall survival (OS)" in row.message
        assert row.source_path.endswith(".txt") and row.source_line >= 1 and row.source_column >= 1


def test_one_finding_per_field_with_the_count() -> None:
    ex = _record(
        {"allocation": "NA", "interventionModel": "SINGLE_GROUP"},
        "Drug X",
        descriptionModule={
            "detailedDescription": "This is a randomized study. Children are randomized to X or Y."
        },
    )
    found = _check(example_recordset(ex), "randomization-in-single-arm")
    assert len(found) == 1
    assert (found.loc[0, "start"], found.loc[0, "end"]) == (10, 20)
    assert "(2 places in this field)" in found.loc[0, "message"]


def test_empty_recordset() -> None:
    for kind in ("randomization_single_arm", "design_conflict"):
        assert KINDS[kind].run(RecordSet(), {}).empty


# --- allocation-model-conflict sub-checks ----------------------------------------------------


def _conflict(design: dict[str, Any], checks: list[str], **modules: Any):
    rs = example_recordset(_record(design, "Drug X", **modules))
    return KINDS["design_conflict"].run(rs, {"checks": checks})


def test_randomized_single_group_names_the_arms() -> None:
    arms = {
        "armsInterventionsModule": {
            "armGroups": [{"label": "A"}, {"label": "B"}, {"label": "C"}, {"label": "D"}]
        }
    }
    found = _conflict(
        {"allocation": "RANDOMIZED", "interventionModel": "SINGLE_GROUP"},
        ["randomized-single-group"],
        **arms,
    )
    assert found["field"].tolist() == ["designModule.designInfo.allocation"]
    assert found["related_field"].tolist() == ["designModule.designInfo.interventionModel"]
    assert "4 arm groups ('A', 'B', 'C', ...)" in found.loc[0, "message"]
    one = _conflict(
        {"allocation": "RANDOMIZED", "interventionModel": "SINGLE_GROUP"},
        ["randomized-single-group"],
    )
    assert "allocation is N/A" in one.loc[0, "message"]
    assert _conflict(
        {"allocation": "NA", "interventionModel": "SINGLE_GROUP"}, ["randomized-single-group"]
    ).empty


def test_optional_sub_checks() -> None:
    arms = {
        "armsInterventionsModule": {"armGroups": [{"label": "Cohort 1"}, {"label": "Cohort 2"}]}
    }
    design = {"allocation": "NON_RANDOMIZED", "interventionModel": "SINGLE_GROUP"}
    multi = _conflict(dict(design), ["single-group-multiple-arms"], **arms)
    assert multi["field"].tolist() == ["designModule.designInfo.interventionModel"]
    assert "2 arm groups" in multi.loc[0, "message"]
    nr = _conflict(dict(design), ["non-randomized-single-group"])
    assert nr["field"].tolist() == ["designModule.designInfo.allocation"]
    assert _conflict(
        dict(design), ["randomized-single-group", "randomization-not-in-allocation"], **arms
    ).empty


def test_randomization_in_text_of_a_non_randomized_study() -> None:
    desc = {
        "descriptionModule": {
            "briefSummary": "Patients are randomized 1:1 to X or Y. This is not a randomized trial of Z."
        }
    }
    found = _conflict(
        {"allocation": "NON_RANDOMIZED", "interventionModel": "PARALLEL"},
        ["randomization-not-in-allocation"],
        **desc,
    )
    assert found["field"].tolist() == ["descriptionModule.briefSummary"]
    assert (found.loc[0, "start"], found.loc[0, "end"]) == (13, 23)
    # single-group records: only the titles here; the rest belongs to randomization-in-single-arm
    assert _conflict(
        {"allocation": "NA", "interventionModel": "SINGLE_GROUP"},
        ["randomization-not-in-allocation"],
        **desc,
    ).empty


@pytest.mark.parametrize(
    "params",
    [
        {"checks": ["no-such-check"]},
        {"checks": []},
        {"fields": ["("]},
        {"max_arm_labels": -1},
        {"colour": "red"},
    ],
)
def test_design_conflict_rejects_bad_params(params: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError, KeyError)):
        KINDS["design_conflict"].validate(params)


def test_randomization_single_arm_rejects_bad_params() -> None:
    for params in ({"fields": []}, {"fields": ["("]}, {"severity": "x"}):
        with pytest.raises((ValueError, TypeError, KeyError)):
            KINDS["randomization_single_arm"].validate(params)


# --- real records ------------------------------------------------------------------------------


@cache
def _corpus() -> RecordSet:
    return RecordSet.concat(read_paths([CORPUS / "ctgov_v2_json" / "studies.ndjson"]))


def test_corpus_single_arm_hits_are_the_known_defects() -> None:
    found = _check(_corpus(), "randomization-in-single-arm")
    flagged = set(found["record_id"])
    # single-group studies timing outcomes from randomization / calling themselves randomized
    for rid in (
        "NCT05277701",
        "NCT06221670",
        "NCT04007835",
        "NCT05094401",
        "NCT05118607",
        "NCT06134466",
    ):
        assert rid in flagged, rid
    # a randomized order of the conditions every participant goes through (a crossover in
    # registry terms), and a title calling the single-arm study randomized
    assert "NCT05183581" in flagged
    assert "crossover" in found.loc[found["record_id"] == "NCT05183581", "message"].iloc[0]
    assert "identificationModule.officialTitle" in set(
        found.loc[found["record_id"] == "NCT06134466", "field"]
    )
    # background, other trials, negations, hedges, a later randomized part: left alone
    for rid in (
        "NCT01339377",
        "NCT01194648",
        "NCT06568081",
        "NCT01955109",
        "NCT05375500",
        "NCT07181473",
    ):
        assert rid not in flagged, rid
    assert "eligibilityModule.eligibilityCriteria" not in set(found["field"])


def test_corpus_allocation_conflicts() -> None:
    found = _check(_corpus(), "allocation-model-conflict")
    alloc = found[found["field"] == "designModule.designInfo.allocation"]
    st = _corpus().studies
    want = set(
        st.loc[
            (st["allocation"] == "RANDOMIZED") & (st["intervention_model"] == "SINGLE_GROUP"),
            "record_id",
        ]
    )
    assert set(alloc["record_id"]) == want and len(want) > 10
    text = set(found.loc[found["field"] != "designModule.designInfo.allocation", "record_id"])
    assert {"NCT03830788", "NCT01447784", "NCT03228641"} <= text
    # an extension study recalling its parent studies' randomization
    assert "NCT03478930" not in text


def test_findings_serialise() -> None:
    ex = _record({"allocation": "RANDOMIZED", "interventionModel": "SINGLE_GROUP"}, "Drug X")
    found = _check(example_recordset(ex), "allocation-model-conflict")
    row = found.iloc[0]
    assert row["severity"] == "error"
    assert row["source_pointer"].endswith("/protocolSection/designModule/designInfo/allocation")
    json.dumps({k: (None if v != v else v) for k, v in row.to_dict().items()}, default=str)
