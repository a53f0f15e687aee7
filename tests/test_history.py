"""trialint diff / history: pairing, the history rules end to end, severity by phase, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import trialint
from trialint.cli import main
from trialint.kinds.outcome_change import phase_of
from trialint.kinds.outcome_language import (
    Lexicon,
    Outcome,
    aggregations,
    compare,
    fold,
    instruments,
    join_list_items,
    long_form,
    same_time,
    thresholds,
    time_points,
    variable_phrase,
)
from trialint.read.cthist import read_history, split_content

DATA = Path(__file__).parent / "data"
CTHIST = DATA / "cthist_example.csv"


def study(
    nct,
    primary,
    secondary=(),
    date="2019-06-01",
    status="RECRUITING",
    start="2019-01",
    pcd="2021-06",
):
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"},
            "statusModule": {
                "overallStatus": status,
                "lastUpdateSubmitDate": date,
                "startDateStruct": {"date": start},
                "primaryCompletionDateStruct": {"date": pcd},
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": m, "timeFrame": t} for m, t in primary],
                "secondaryOutcomes": [{"measure": m, "timeFrame": t} for m, t in secondary],
            },
        }
    }


@pytest.fixture
def downloads(tmp_path):
    """Two downloads of three records: one changed after its primary completion, one the same
    (reworded), one only in the old set and one only in the new set."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    a = [("Change from baseline in HbA1c", "12 weeks")]
    (old / "a.json").write_text(json.dumps(study("NCT00000101", a)))
    (new / "a.json").write_text(
        json.dumps(
            study(
                "NCT00000101",
                [("Change from baseline in HbA1c", "24 weeks")],
                date="2022-02-01",
                status="COMPLETED",
            )
        )
    )
    b_old = [("Apnea hypopnea index", "Two nights")]
    b_new = [("Apnea-Hypopnea Index (AHI)", "Two nights")]
    (old / "b.json").write_text(json.dumps(study("NCT00000102", b_old)))
    (new / "b.json").write_text(json.dumps(study("NCT00000102", b_new, date="2020-01-01")))
    (old / "c.json").write_text(json.dumps(study("NCT00000103", a)))
    (new / "d.json").write_text(json.dumps(study("NCT00000104", a, date="2020-01-01")))
    return old, new


def test_diff_pairs_by_id_and_reports_unpaired(downloads):
    old, new = downloads
    f = trialint.diff(old, new, config=False)
    rows = f.frame.set_index("record_id")
    assert rows.loc["NCT00000101", "rule"] == "primary-outcome-timing-changed"
    assert rows.loc["NCT00000101", "severity"] == "error"  # after the primary completion date
    assert "assessed at 24 weeks, was 12 weeks" in rows.loc["NCT00000101", "message"]
    assert rows.loc["NCT00000101", "field"] == "outcomes[primary][0].time_frame"
    assert rows.loc["NCT00000101", "source_path"].endswith("new/a.json")
    assert "NCT00000102" not in rows.index  # reworded: no finding (outcome-reworded is off)
    unpaired = f.frame[f.frame["rule"] == "record-not-paired"]
    assert set(unpaired["record_id"]) == {"NCT00000103", "NCT00000104"}
    assert set(unpaired["severity"]) == {"info"}
    # the before/after texts travel with the findings
    ch = f.changes.set_index("record_id").loc["NCT00000101"]
    assert "12 weeks" in ch["old_text"] and "24 weeks" in ch["new_text"]


def test_diff_streams_the_newer_download_with_the_same_findings(tmp_path):
    """`diff` keeps the older download as an index and reads the newer one chunk by chunk: any
    chunk size gives the findings, changes, records and read errors of a run in one chunk."""
    old, new = tmp_path / "old.ndjson", tmp_path / "new.ndjson"
    olds, news = [], []
    for i in range(23):
        nct = f"NCT{10000000 + i:08d}"
        prim = [("Change from baseline in HbA1c", "12 weeks"), ("Body weight", "24 weeks")]
        olds.append(study(nct, prim, date="2019-06-01"))
        if i % 7 == 3:
            continue  # dropped from the newer download
        if i % 3 == 0:
            prim = [("Change from baseline in HbA1c", "52 weeks"), ("Body weight", "24 weeks")]
        news.append(study(nct, prim, date="2022-01-10", status="COMPLETED"))
    news.append(study("NCT20000001", [("HbA1c", "12 weeks")], date="2022-01-10"))  # new only
    news.append(study("NCT10000005", [("HbA1c", "12 weeks")], date="2021-01-10"))  # twice, older
    old.write_text("".join(json.dumps(s) + "\n" for s in olds) + "{broken\n")
    new.write_text("".join(json.dumps(s) + "\n" for s in news) + "not json either\n")
    whole = trialint.diff(old, new, config=False, chunk_size=10_000)
    for size in (1, 4):
        part = trialint.diff(old, new, config=False, chunk_size=size)
        cols = ["record_id", "rule", "severity", "field", "message", "excerpt", "source_path"]
        cols += ["source_line", "source_pointer"]
        order = ["record_id", "rule", "field", "message"]
        # (a reader tells copies of one id apart within a chunk: 'NCT10000005#2')
        a = whole.frame[cols].replace(r"(NCT[0-9]{8})#[0-9]+", r"\1", regex=True)
        b = part.frame[cols].replace(r"(NCT[0-9]{8})#[0-9]+", r"\1", regex=True)
        a = a.sort_values(order).reset_index(drop=True)
        b = b.sort_values(order).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
        ids = part.records["record_id"].str.replace(r"#[0-9]+$", "", regex=True)
        assert set(ids) == set(whole.records["record_id"].str.replace(r"#[0-9]+$", "", regex=True))
        assert len(part.changes) == len(whole.changes)
    rules = whole.frame.groupby("rule")["record_id"].nunique()
    assert rules["primary-outcome-timing-changed"] == 7  # ids 0, 6, 9, 12, 15, 18, 21
    assert rules["record-not-paired"] == 5  # 3, 10, 17 old only; the new-only; the 2nd copy
    assert rules["read-error"] == 2  # one in each download


def test_diff_reworded_rule_when_selected(downloads):
    old, new = downloads
    f = trialint.diff(old, new, config=False, extend_select=["outcome-reworded"])
    assert "outcome-reworded" in set(f.frame.loc[f.frame["record_id"] == "NCT00000102", "rule"])


def test_diff_cli_json_exit_codes_select_ignore(downloads):
    old, new = downloads
    r = CliRunner().invoke(main, ["diff", str(old), str(new), "--isolated", "--format", "json"])
    assert r.exit_code == 1, r.output
    data = json.loads(r.output)
    assert {x["rule"] for x in data["findings"]} == {
        "primary-outcome-timing-changed",
        "record-not-paired",
    }
    r = CliRunner().invoke(
        main,
        ["diff", str(old), str(new), "--isolated", "--ignore", "primary-outcome-timing-changed"],
    )
    assert r.exit_code == 0, r.output  # only info findings left
    assert "record-not-paired" in r.output
    # a selection without any history rule fails loudly
    r = CliRunner().invoke(main, ["diff", str(old), str(new), "--isolated", "--select", "clarity"])
    assert r.exit_code == 2
    assert "no history rule selected" in r.output


def test_diff_baseline_suppresses_known_changes(downloads, tmp_path):
    old, new = downloads
    base = tmp_path / "base.json"
    r = CliRunner().invoke(
        main, ["diff", str(old), str(new), "--isolated", "--write-baseline", str(base)]
    )
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        main, ["diff", str(old), str(new), "--isolated", "--baseline", str(base)]
    )
    assert r.exit_code == 0, r.output
    assert "primary-outcome-timing-changed" not in r.output


def test_diff_of_nothing_fails_loudly(tmp_path):
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(main, ["diff", str(tmp_path / "empty"), str(tmp_path / "empty")])
    assert r.exit_code == 2
    assert "no records read" in r.output


def test_check_does_not_run_history_rules(downloads):
    _, new = downloads
    r = CliRunner().invoke(main, ["check", str(new), "--isolated", "--select", "history"])
    assert r.exit_code == 2
    assert "trialint diff" in r.output
    f = trialint.check(new, config=False)
    assert not any(rule.startswith("primary-outcome-") for rule in f.rules)


@pytest.mark.parametrize(
    ("posted", "severity"),
    [("2018-12-01", "info"), ("2020-03-01", "warning"), ("2022-01-01", "error")],
)
def test_severity_by_when_the_change_was_posted(tmp_path, posted, severity):
    old = study("NCT00000201", [("Time to first relapse", "Up to 52 weeks")], date="2018-06-01")
    new = study(
        "NCT00000201",
        [("Percentage of participants with a relapse", "Up to 52 weeks")],
        date=posted,
    )
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    f = trialint.diff(tmp_path / "old.json", tmp_path / "new.json", config=False)
    row = f.frame[f.frame["rule"] == "primary-outcome-aggregation-changed"]
    assert list(row["severity"]) == [severity]


def test_severity_override_wins_over_phase(tmp_path):
    old = study("NCT00000202", [("HbA1c", "12 weeks")])
    new = study("NCT00000202", [("HbA1c", "26 weeks")], date="2022-01-01")
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    f = trialint.diff(
        tmp_path / "old.json",
        tmp_path / "new.json",
        config=False,
        severity_overrides={"primary-outcome-timing-changed": "info"},
    )
    assert list(f.frame["severity"]) == ["info"]


def test_phase_of_dates_and_statuses():
    assert phase_of("2015-01-01", "2015-06", "2017-01")[0] == "before-start"
    assert phase_of("2016-01-01", "2015-06", "2017-01")[0] == "recruiting"
    assert phase_of("2017-03-01", "2015-06", "2017-01")[0] == "after-primary-completion"
    assert phase_of(None, None, None, "COMPLETED")[0] == "after-primary-completion"
    assert phase_of(None, None, None, "NOT_YET_RECRUITING")[0] == "before-start"
    assert phase_of(None, None, None, None)[0] == "unknown"


# --- cthist version histories ---------------------------------------------------------------


def test_cthist_reader_versions_and_outcomes():
    b, versions = read_history(CTHIST.read_text(encoding="utf-8"), str(CTHIST))
    rs = b.build()
    assert not rs.errors
    assert len(rs) == 8
    assert list(versions["version"][:4]) == ["1", "2", "3", "4"]
    assert set(versions["registry_id"]) == {"NCT99000001", "NCT99000002"}
    first = rs.outcomes[rs.outcomes["record_id"] == "NCT99000001@v1"].iloc[0]
    assert first["measure"] == "Hospital length of stay due to worsened heart failure"
    assert first["time_frame"] == "15 months"
    st = rs.studies.set_index("record_id")
    assert st.loc["NCT99000001@v1", "overall_status"] == "NOT_YET_RECRUITING"
    assert st.loc["NCT99000001@v3", "last_update_date"] == "2011-03-01"


def test_cthist_content_layout():
    assert split_content("HbA1c\n[ Time Frame: 12 weeks ]\n\nGlycated haemoglobin") == (
        "HbA1c",
        "12 weeks",
        "Glycated haemoglobin",
    )
    assert split_content("HbA1c") == ("HbA1c", "", "")


def test_cthist_bad_outcome_json_is_a_read_error_not_a_lost_version(tmp_path):
    text = CTHIST.read_text(encoding="utf-8").splitlines(keepends=True)
    header = text[0]
    bad = header + 'NCT99000009,1,1,2010-01-01,Recruiting,,,,,,,,,,,,,,"[not json",,\n'
    p = tmp_path / "bad.csv"
    p.write_text(bad)
    b, versions = read_history(bad, str(p))
    rs = b.build()
    assert len(rs) == 1 and len(versions) == 1
    assert rs.errors and "outcome_measures" in rs.errors[0]["reason"]
    assert rs.errors[0]["line"] == 2


def test_history_cli_names_versions_and_dates():
    r = CliRunner().invoke(main, ["history", str(CTHIST), "--isolated", "--format", "json"])
    assert r.exit_code == 1, r.output
    findings = json.loads(r.output)["findings"]
    one = [f for f in findings if f["record"] == "NCT99000001"]
    assert one, findings
    msg = one[0]["message"]
    assert "version 2, 2009-06-01 → version 3, 2011-03-01" in msg
    assert one[0]["severity"] == "error"  # posted after the primary completion date
    assert one[0]["source"]["path"].endswith("cthist_example.csv")
    assert one[0]["source"]["line"] is not None


def test_history_rejects_a_file_that_is_not_a_history(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("NCT Number,Study Title\nNCT00000001,A\n")
    r = CliRunner().invoke(main, ["history", str(p)])
    assert r.exit_code == 2
    assert "not a cthist version history" in r.output


def test_check_reads_a_history_as_one_record_per_version():
    f = trialint.check(CTHIST, config=False)
    assert f.record_count == 8


# --- the language model ----------------------------------------------------------------------


def test_time_points_in_days():
    (w12,) = time_points("12 weeks")
    assert time_points("Week 12") == [w12]
    (m3,) = time_points("3 months")
    assert not same_time(w12, m3)  # 91 days is not 84 days
    (d85,) = time_points("Day 85")
    assert same_time(w12, d85)  # a visit day for week 12
    assert same_time(time_points("1 year")[0], time_points("Week 52")[0])
    assert same_time(time_points("6 months")[0], time_points("26 weeks")[0])
    assert not same_time(time_points("18 months")[0], time_points("17 months")[0])
    assert time_points("Baseline to Week 16") == time_points("16 weeks")
    assert time_points("0, 4, 8 and 12 weeks") == [28.0, 56.0, 84.0]
    assert time_points("EQ-5D-5L at 6 months") == time_points("6 months")
    assert time_points("Recruitment period: 2 years. Follow-up: 1 year") == time_points("1 year")
    assert time_points("each cycle is 21 days, up to 6 months") == time_points("6 months")
    # the day or week a time frame names as its baseline is the reference, not a time point
    assert time_points("Baseline (Week 1)") == []
    assert time_points("Day 1 (Baseline), Week 24") == time_points("Week 24")
    assert time_points("Baseline (Visit 2, Week 0), Week 12") == time_points("12 weeks")
    # a follow-up joined to its duration is still that time ("after 1 year-follow-up")
    assert time_points("after 1 year-follow-up") == time_points("1 year")
    assert time_points("6-month-old infants") == []
    # ... but a baseline listed beside a week is not a label of it
    assert time_points("Baseline, Week 12") == time_points("12 weeks")


def test_time_words_survive_spelling_folding():
    # British -our spellings fold to -or, but "hour" and "four" are not such words
    assert fold("colour behaviour tumour hour four") == "color behavior tumor hour four"
    assert time_points("Baseline, 2 hour and 24 hour") == time_points("2 h and 24 h")
    assert time_points("four weeks") == time_points("28 days")


def test_nights_transplant_days_and_week_codes_are_times():
    assert time_points("Two nights") == [2.0] and time_points("One night") == [1.0]
    assert time_points("Day + 30 post HSCT") == [30.0] and time_points("day +100") == [100.0]
    assert time_points("at W24 and W48") == time_points("weeks 24 and 48")
    assert time_points("vitamin D3 level") == []
    # a study-level average is not an assessment time
    assert time_points("through study completion, an average of 1 year") == []


def test_abbreviations_learnt_from_their_long_forms():
    assert long_form("FEV1", "Forced expiratory volume in 1 second") == (
        "Forced expiratory volume in 1 second"
    )
    assert long_form("LDL", "high density lipoprotein (HDL), low density lipoprotein") == (
        "low density lipoprotein"
    )
    assert long_form("AHI", "Total sleep time") is None
    lex = Lexicon.learn(
        [
            "Attention Deficit Hyperactivity Disorder Rating Scale-IV (ADHD-RS-IV)",
            "total cholesterol, high density lipoprotein (HDL), low density lipoprotein (LDL)",
        ]
    )
    assert lex.abbreviations["ldl"] == "low density lipoprotein"  # not just 'lipoprotein'
    assert "hyperactivity" in lex.words("ADHD-RS-IV total score")


def test_instruments_are_acronyms_and_named_scales_not_units_codes_or_sets():
    found = instruments(
        "Change From Baseline in Beck Depression Inventory (BDI-II) and HbA1c, "
        "HIV-1 RNA < 50 Copies/mL, ACC-001 dose, ITT population, LOCF"
    )
    assert {"bdi", "hba1c", "hiv1"} <= set(found)
    assert not {"copiesml", "acc001", "itt", "locf", "mg"} & set(found)
    # a Title Case name starts after what the title says before it, and an acronym with its
    # score is the acronym's instrument
    assert set(
        instruments(
            "Change From Open-Label Baseline in Attention Deficit Hyperactivity Disorder Rating "
            "Scale-Fourth Edition (ADHD-RS-IV) Total Score"
        )
    ) == {"adhdrs"}
    assert set(instruments("Change From Baseline in the SGRQ Total Score")) == {"sgrq"}
    assert set(
        instruments("Percentage of Participants Achieving Psoriasis Area Severity Index 75")
    ) == {"pasi"}


def test_criteria_are_comparisons_and_units_not_doses_of_time():
    assert thresholds("an increase of less than or equal to 0.75V") == {("v", 0.75)}
    assert thresholds("at least a 75% improvement in PASI") == {("%", 75.0)}
    assert thresholds("CTCAE grade >2") == {("grade", 2.0)}
    assert thresholds("95% confidence interval at 12 weeks") == frozenset()
    assert thresholds("5 mg tablets", compared=True) == frozenset()


def test_list_entries_under_a_heading_are_one_outcome():
    entries = [
        _o("primary", 0, "Induction therapy:"),
        _o("primary", 1, "- Response Rate"),
        _o("primary", 2, "- Overall survival"),
        _o("primary", 3, "Maintenance therapy:"),
        _o("primary", 4, "- Progression-free survival"),
    ]
    joined = join_list_items(entries)
    assert [o.measure for o in joined] == [
        "Induction therapy: - Response Rate - Overall survival",
        "Maintenance therapy: - Progression-free survival",
    ]
    new = [
        _o("primary", 0, "Induction therapy: response rate, overall survival"),
        _o("primary", 1, "Maintenance therapy: progression-free survival"),
    ]
    assert {c.kind for c in compare(entries, new)} <= {"reworded"}


def _primary_changes(old, new):
    return {c.kind for c in compare(old, new) if c.section == "primary" and c.kind != "reworded"}


def test_measurement_changes():
    # a criterion of the measure moved
    old = [
        _o("primary", 0, "Proportion with an increase of at most 0.75V in thresholds", "1 month")
    ]
    new = [_o("primary", 0, "Proportion with an increase of at most 0.5V in thresholds", "1 month")]
    assert _primary_changes(old, new) == {"measure"}
    # an instrument of the title dropped (not moved to another primary outcome)
    old = [
        _o(
            "primary",
            0,
            "Beck Depression Inventory (BDI), Beck Anxiety Inventory (BAI)",
            "6 months",
        )
    ]
    new = [_o("primary", 0, "Beck Depression Inventory (BDI)", "6 months")]
    assert _primary_changes(old, new) == {"measure"}
    moved = [*new, _o("primary", 1, "Beck Anxiety Inventory (BAI)", "6 months")]
    assert "measure" not in _primary_changes(old, moved)
    # the new version says with what it is measured
    old = [_o("primary", 0, "Transepidermal water loss (TEWL) at the forearm", "day 28")]
    new = [
        _o("primary", 0, old[0].measure, "day 28", "TEWL was measured using the Tewameter TM300.")
    ]
    assert _primary_changes(old, new) == {"measure"}
    # a definition of what counts as the event
    old = [_o("primary", 0, "Amount of study drug required to achieve hemodynamic stabilization")]
    new = [
        _o(
            "primary",
            0,
            old[0].measure,
            "",
            "Hemodynamic stabilization was defined as normalization of mean arterial pressure and "
            "at least two of central venous pressure, urine output and central venous oxygen "
            "saturation, maintained over four hours without vasopressors.",
        )
    ]
    assert _primary_changes(old, new) == {"measure"}


def test_added_detail_that_is_not_a_change():
    scale = "Psoriasis Area Severity Index (PASI)"
    old = [_o("primary", 0, f"Proportion with a 75% improvement in {scale}", "Week 16")]
    new = [
        _o(
            "primary",
            0,
            f"Percentage of Participants With a 75% Improvement in the {scale} at Week 16",
            "Baseline to Week 16",
            "PASI scores range from 0 to 72, with higher scores reflecting greater severity. "
            "Erythema, thickness and scaling are scored on a scale of 0 (none) to 4 (very "
            "severe). Missing values were imputed by last observation carried forward.",
        )
    ]
    assert _primary_changes(old, new) == set()
    # a standard measure's definition, spelled out once results are posted
    old = [_o("primary", 0, "Major Molecular Response (MMR) rate", "12 months")]
    new = [
        _o(
            "primary",
            0,
            "Major Molecular Response (MMR) Rate at 12 Months",
            "12 months",
            "Major molecular response is a ratio of BCR-ABL to ABL transcripts of 0.1% or less "
            "on the international scale, in peripheral blood, from transcript quantification.",
        )
    ]
    assert _primary_changes(old, new) == set()
    # the analysis set and the population are not what is measured
    old = [_o("primary", 0, "Percentage change in FEV1", "3 months")]
    new = [_o("primary", 0, "Percentage Change in FEV1 (ITT Population)", "3 months")]
    assert _primary_changes(old, new) == set()


def test_variable_phrase_leaves_out_who_the_intervention_and_time_anchors():
    def words(t):
        return variable_phrase(t).split()

    assert words("Overall survival in patients with metastatic disease") == ["Overall", "survival"]
    assert words("ALP in patients with primary biliary cirrhosis (PBC) taking UDCA") == ["ALP"]
    assert words("The effect of drug A versus placebo on systolic blood pressure") == [
        "The",
        "systolic",
        "blood",
        "pressure",
    ]
    assert "implantation" not in words("Death from day 35 after implantation")
    assert "consent" not in words("Death from the day of informed consent")
    assert "procedure." not in words("Death at 12 months ±3 months post procedure.")
    # a time inside a token is no anchor: 'AUC0-4h After MMT' keeps its name
    assert "AUC0-4h" in words("Insulin AUC0-4h After MMT")


def test_aggregation_classes():
    assert aggregations("Overall survival at the end of the study") == {"time-to-event"}
    assert aggregations("Survival at month 12") == {"proportion"}
    assert aggregations("Time to first relapse") == {"time-to-event"}
    assert aggregations("Percentage of Participants With a Relapse") == {"proportion"}
    assert aggregations("Change From Baseline in HbA1c") == {"change"}
    assert aggregations("Annualized relapse rate") == {"count"}
    assert aggregations("Survival at 3 years") == {"proportion"}


def _o(section, i, measure, tf="", desc=""):
    return Outcome(section, i, measure, tf, desc)


def test_matching_by_content_not_position():
    old = [_o("primary", 0, "Body weight", "24 weeks"), _o("primary", 1, "HbA1c", "24 weeks")]
    new = [
        _o("primary", 0, "Glycated Hemoglobin (HbA1c)", "Week 24"),
        _o("primary", 1, "Body Weight", "24 weeks"),
    ]
    kinds = {c.kind for c in compare(old, new)}
    assert kinds == {"reworded"}


def test_split_is_not_an_added_outcome():
    old = [_o("primary", 0, "Systolic and diastolic blood pressure", "12 weeks")]
    new = [
        _o("primary", 0, "Systolic blood pressure", "12 weeks"),
        _o("primary", 1, "Diastolic blood pressure", "12 weeks"),
    ]
    assert not [c for c in compare(old, new) if c.kind in ("added", "removed")]


def test_time_frame_moved_into_the_description():
    old = [_o("primary", 0, "Pain on a 0-10 numeric rating scale", "12 weeks")]
    new = [_o("primary", 0, "Pain on a 0-10 Numeric Rating Scale", "", "Pain assessed at week 12.")]
    assert {c.kind for c in compare(old, new)} == {"reworded"}


def test_demoted_and_promoted():
    old = [_o("primary", 0, "HbA1c", "24 weeks"), _o("secondary", 0, "Body weight", "24 weeks")]
    new = [_o("primary", 0, "Body weight", "24 weeks"), _o("secondary", 0, "HbA1c", "24 weeks")]
    kinds = sorted(c.kind for c in compare(old, new))
    assert kinds == ["demoted", "promoted"]


def test_report_diff_has_the_changes_view_word_by_word(downloads, tmp_path):
    old, new = downloads
    out = tmp_path / "changes.html"
    r = CliRunner().invoke(
        main, ["report", "--diff", str(old), str(new), "--isolated", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert 'id="changes"' in html and 'href="#changes"' in html
    assert "<del>12</del>" in html and "<ins>24</ins>" in html
    r = CliRunner().invoke(main, ["report", "--diff", str(old), "-o", str(out)])
    assert r.exit_code == 2 and "two paths" in r.output


def test_changes_view_escapes_record_text(tmp_path):
    evil = "<script>alert(1)</script> HbA1c"
    (tmp_path / "old.json").write_text(json.dumps(study("NCT00000301", [(evil, "12 weeks")])))
    (tmp_path / "new.json").write_text(
        json.dumps(study("NCT00000301", [(evil, "52 weeks")], date="2022-01-01"))
    )
    f = trialint.diff(tmp_path / "old.json", tmp_path / "new.json", config=False)
    html = f.to_html()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_check_report_has_no_changes_view(downloads):
    _, new = downloads
    html = trialint.check(new, config=False).to_html()
    assert 'id="changes"' not in html
