"""Rule inconsistent-cycle-length: the cycle arithmetic, its tolerances, its scoping, the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.kinds.cycle_length import Tolerance, check_record, parse, validate
from trialint.read import example_recordset, read_paths
from trialint.rules import Rule, load_rule_file

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
RULE_FILE = Path(__file__).resolve().parents[1] / "checks" / "inconsistent-cycle-length.yaml"


@pytest.fixture(scope="module")
def rule() -> Rule:
    return load_rule_file(RULE_FILE)


TF = "outcomes[primary][0].time_frame"
MEASURE = "outcomes[primary][0].measure"


def findings(*texts: tuple[str, str], **kw: int) -> list[dict]:
    return check_record("R", list(texts), Tolerance(), **kw)


def messages(*texts: tuple[str, str], **kw: int) -> list[str]:
    return [r["message"] for r in findings(*texts, **kw)]


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("At the end of Cycle 6 (each cycle is 28 days)", (28.0,)),
        ("on Day 1 of each 21-day cycle", (21.0,)),
        ("4 weeks as a treatment cycle", (28.0,)),
        ("cycles of 3 weeks", (21.0,)),
        ("Cycle 1 (28 days)", (28.0,)),
        ("(1 cycle= 21 days)", (21.0,)),
        ("Cycles repeat every 28 days in the absence of disease progression", (28.0,)),
        ("each cycle is 21 or 28 days", (21.0, 28.0)),
        ("3 cycles (28 days each)", (28.0,)),
        ("during cycle 1 (cycle length = 28 days)", (28.0,)),
    ],
)
def test_cycle_lengths_are_parsed(text: str, days: tuple[float, ...]) -> None:
    assert [ln.days for ln in parse(text).lengths] == [days]


@pytest.mark.parametrize(
    "text",
    [
        "35 cycles (approximately 105 weeks) of study drug",  # a duration, not a length
        "on the 2nd day of a 28-day menstrual cycle",
        "oral drug daily for 14 days per cycle",
        "every week for 6 cycles",
    ],
)
def test_not_cycle_lengths(text: str) -> None:
    assert parse(text).lengths == []


def test_cycle_positions_and_durations() -> None:
    p = parse(
        "Following 3 or 6 cycles (each cycle is ~21 days), approximately 9 or 18 weeks overall"
    )
    assert [(pt.form, pt.items) for pt in p.points] == [("count", [(3, 0), (6, 0)])]
    assert [(d.values, d.unit, d.approx) for d in p.durations] == [([9.0, 18.0], "w", True)]
    p = parse("Cycle 3 Day 1, C5D8 and Day 1 of Cycle 7")
    assert [pt.items for pt in p.points] == [[(3, 1)], [(5, 8)], [(7, 1)]]


# --- time points -----------------------------------------------------------------------------


def test_seed_000_pattern_is_flagged_with_the_arithmetic() -> None:
    rows = findings(
        (MEASURE, "PFS rate at 18 weeks"),
        (TF, "At the end of Cycle 6 (each cycle is 28 days)"),
    )
    assert len(rows) == 1
    assert rows[0]["field"] == TF
    assert rows[0]["message"].endswith("18 weeks vs Cycle 6 × 28 days = 168 days = 24 weeks")
    assert rows[0]["related_field"] == MEASURE
    assert (rows[0]["start"], rows[0]["end"]) == (7, 21)  # "end of Cycle 6"


def test_consistent_title_and_time_frame_pass() -> None:
    assert not findings(
        (MEASURE, "PFS rate at 24 weeks"), (TF, "At the end of Cycle 6 (each cycle is 28 days)")
    )


def test_no_duration_means_nothing_to_compare() -> None:
    assert not findings(
        (MEASURE, "Overall response rate (ORR)"),
        (TF, "At the end of Cycle 6 (each cycle is 28 days)"),
    )


@pytest.mark.parametrize(
    ("time_frame", "flag"),
    [
        ("Cycle 3 Day 1 (Day 43); each cycle is 21 days", False),  # study day 43
        ("Cycle 3 Day 1 (i.e. 42 days after the first dose); each cycle is 21 days", False),
        ("Cycle 3 Day 1 (Week 7); each cycle is 21 days", False),
        ("Cycle 3 Day 1 (Week 6); each cycle is 21 days", False),  # 42 days: rounding to the week
        ("Cycle 3 Day 1 (Week 9); each cycle is 21 days", True),
        ("Cycle 3 Day 1 (Day 57); each cycle is 21 days", True),
    ],
)
def test_cycle_day_arithmetic(time_frame: str, flag: bool) -> None:
    msgs = messages((TF, time_frame))
    assert bool(msgs) is flag
    if flag:
        assert "day (3−1) × 21 + 1 = day 43" in msgs[0]


@pytest.mark.parametrize(
    ("time_frame", "flag"),
    [
        ("End of Cycle 4 (12 weeks); each cycle is 21 days", False),
        ("End of Cycle 4 (13 weeks); each cycle is 21 days", False),  # within a week
        ("End of Cycle 4 (14 weeks); each cycle is 21 days", True),
        ("End of Cycle 4 (approximately 14 weeks); each cycle is 21 days", False),  # approx slack
        ("End of Cycle 4 (approximately 16 weeks); each cycle is 21 days", True),
        ("End of Cycle 4 (3 months); each cycle is 21 days", False),  # 84 vs ~91 days
        ("End of Cycle 4 (6 months); each cycle is 21 days", True),
        ("Up to 6 cycles (up to 6 months); each cycle is 21 days", False),  # an upper bound
        ("Up to 6 cycles (up to 3 months); each cycle is 21 days", True),
    ],
)
def test_tolerances(time_frame: str, flag: bool) -> None:
    assert bool(findings((TF, time_frame))) is flag


def test_or_alternatives_pair_up_in_order() -> None:
    ok = "Following 3 or 6 cycles (each cycle is ~21 days) of the treatment, approximately 9 or 18 weeks overall"
    assert not findings((TF, ok))
    swapped = ok.replace("9 or 18 weeks", "18 or 9 weeks")
    msgs = messages((TF, swapped))
    assert len(msgs) == 1 and "Cycle 3 × 21 days = 63 days = 9 weeks" in msgs[0]


def test_cycle_length_from_elsewhere_in_the_record() -> None:
    iv = ("interventions[0].description", "Drug X IV on Day 1 in each 14-day cycle")
    assert not findings((TF, "From baseline to the end of cycle 2 (28 days)"), iv)
    iv28 = ("interventions[0].description", "Drug X IV on Day 1 in each 28-day cycle")
    # "(28 days)" right after "cycle 2" may be the cycle length itself: ambiguous, not flagged
    assert not findings((TF, "From baseline to the end of cycle 2 (28 days)"), iv28)
    iv21 = ("interventions[0].description", "Drug X IV on Day 1 in each 21-day cycle")
    assert findings((TF, "From baseline to the end of cycle 2 (28 days)"), iv21)  # 42 days, not 28


def test_any_stated_length_may_fit() -> None:
    tf = "Cycle 1 Day 1, Cycle 4 Day 1 (i.e. 42 days after 1st dose) (each cycle is 14 or 21 days)"
    assert not findings((TF, tf))


def test_cycles_of_different_lengths_are_not_checked() -> None:
    tf = "Cycle 5 Day 1 (Week 13) (Cycle 1 = 28 days; Cycle 2 onwards = 21 days)"
    assert not findings((TF, tf))


def test_durations_relative_to_something_else_are_not_compared() -> None:
    assert not findings((TF, "End of Cycle 2 (30 days after the last dose); each cycle is 21 days"))
    assert not findings((TF, "At the end of Cycle 2 (-7 days, each cycle is 21 days)"))
    assert not findings(
        (TF, "Day 1 of every 4 cycles from cycle 6 (up to 2 years) (each cycle is 21 days)")
    )


# --- cycle lengths ---------------------------------------------------------------------------

DD = "descriptionModule.detailedDescription"


def test_two_lengths_in_one_field_are_flagged() -> None:
    rows = findings(
        (DD, "Drug X on Day 1 of each 21-day cycle. Scans every 2 cycles; each cycle is 28 days.")
    )
    assert len(rows) == 1
    assert "28 days here" in rows[0]["message"] and "21 days" in rows[0]["message"]
    assert rows[0]["related_field"] == DD


@pytest.mark.parametrize(
    "text",
    [
        "Induction: Day 1 of each 21-day cycle for 4 cycles, followed by maintenance in 28-day cycles.",
        "AK104 every 2-week cycle plus anlotinib on Days 1-14 of every 3-week cycle.",
        "Arm A: 21-day cycles. Arm B: 28-day cycles.",
        "Cycles 1-4 are 21 days; cycles 5 onwards are 28 days.",
        "Each cycle is 21 or 28 days depending on the regimen.",
    ],
)
def test_lengths_told_apart_pass(text: str) -> None:
    assert not findings((DD, text))


def test_cross_field_lengths_only_for_a_single_arm() -> None:
    a = ("arms[0].description", "Drug X on Day 1 of each 21-day cycle.")
    b = (TF, "At the end of Cycle 1 (each cycle is 28 days)")
    assert findings(a, b, n_arms=1)
    assert not findings(a, b, n_arms=2)
    iv = ("interventions[1].description", "Drug Y on Day 1 of each 28-day cycle.")
    assert not findings(a, iv, n_arms=1, n_interventions=2)


# --- the rule through the engine -------------------------------------------------------------


def test_seeds(rule: Rule) -> None:
    rs = RecordSet.concat(read_paths([SEEDS]))
    found = check_recordset(rs, [rule])
    assert list(found["record_id"]) == ["000_f268d187f025ea9a"]
    row = found.iloc[0]
    assert row["field"] == "outcomes[primary][0].time_frame"
    assert "18 weeks vs Cycle 6 × 28 days = 168 days = 24 weeks" in row["message"]
    assert row["excerpt"].startswith("At the end of Cycle 6")
    assert row["related_field"] == "outcomes[primary][0].measure"


def test_rule_over_an_api_record(rule: Rule) -> None:
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000009", "briefTitle": "A Study"},
            "outcomesModule": {
                "primaryOutcomes": [
                    {"measure": "ORR", "timeFrame": "After 4 cycles (16 weeks); 21-day cycles"}
                ],
                "secondaryOutcomes": [
                    {"measure": "DCR", "timeFrame": "After 4 cycles (12 weeks); 21-day cycles"}
                ],
            },
        }
    }
    found = check_recordset(example_recordset({"record": record}), [rule])
    assert list(found["field"]) == ["outcomes[primary][0].time_frame"]
    assert "16 weeks vs Cycle 4 × 21 days = 84 days = 12 weeks" in found.iloc[0]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"bogus": 1},
        {"week_tolerance_days": -1},
        {"approx_slack": "a lot"},
        {"check_lengths": "yes"},
    ],
)
def test_bad_params(params: dict) -> None:
    with pytest.raises((KeyError, ValueError, TypeError)):
        validate(params)


def test_a_title_time_point_needs_to_match_one_time_frame_position() -> None:
    tf = (TF, "Cycle 1 Day 1 and Cycle 5 Day 1 (each cycle is 21 days)")
    assert not findings((MEASURE, "Change from baseline at week 12"), tf)  # C5D1 = day 85
    rows = findings((MEASURE, "Change from baseline at week 20"), tf)
    assert len(rows) == 1  # one finding, at the last position
    assert tf[1][rows[0]["start"] : rows[0]["end"]] == "Cycle 5 Day 1"
    assert (
        "week 20 vs Cycle 5 Day 1 of 21-day cycles = day (5−1) × 21 + 1 = day 85"
        in rows[0]["message"]
    )


@pytest.mark.parametrize(
    ("measure", "time_frame", "flag"),
    [
        ("ORR at 18 weeks", "At Cycle 6 (each cycle is 21 days)", False),  # days 106-126
        ("ORR at 18 weeks", "At Cycle 6 (each cycle is 28 days)", True),  # days 141-168
        (
            "DLT rate at Day 15",
            "Cycles 1-2 (each cycle is 28 days)",
            False,
        ),  # a period: not compared
        ("18-week PFS rate", "After 6 cycles (each cycle is 28 days)", True),
        (
            "PFS rate over 18 weeks",
            "After 6 cycles (each cycle is 28 days)",
            False,
        ),  # not a time point
    ],
)
def test_title_time_points(measure: str, time_frame: str, flag: bool) -> None:
    assert bool(findings((MEASURE, measure), (TF, time_frame))) is flag


@pytest.mark.parametrize(
    "time_frame",
    [
        "Cycle 3 Day 1 (within 3 days); each cycle is 21 days",
        "Cycle 3 Day 1 (± 3 days); each cycle is 21 days",
        "End of cycle 6 (7 days window), 21-day cycles",
        "Cycle 3 Day 1 (3 days); each cycle is 21 days",  # far too short to be the same point
    ],
)
def test_visit_windows_and_other_spans_are_not_time_points(time_frame: str) -> None:
    assert not findings((TF, time_frame))


# --- courses, dosing intervals, treatment days, scopes (round 2) ------------------------------


def _sev(rows: list[dict]) -> list[str]:
    return [r.get("severity", "error") for r in rows]


def test_courses_are_cycles() -> None:
    assert [ln.days for ln in parse("Filgrastim on days 3-10 of each 2 week course.").lengths] == [
        (14.0,)
    ]
    assert [ln.days for ln in parse("21-day courses").lengths] == [(21.0,)]
    # a single course of something is no repeating cycle
    assert not parse("a 5-day course of antibiotics; the time course of 28 days").lengths
    rows = findings(
        (DD, "Filgrastim is given on days 3-10 of each 2 week course."),
        (TF, "after 3 courses (12 weeks)"),
    )
    assert [r["field"] for r in rows] == [TF]
    assert "12 weeks vs Cycle 3 × 14 days = 42 days = 6 weeks" in rows[0]["message"]


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        # a dosing interval that does not fit the cycle length of its own sentence
        (
            "Participants receive M6223 IV at escalated doses Q2W on Day 1 of each Cycle "
            "(Each cycle is of 21 days) until disease progression.",
            "error",
        ),
        ("Drug X 75 mg/m2 IV every 3 weeks in 28-day cycles.", "error"),
        # ... or of the sentence that closes the regimen just after it
        (
            "Patients receive gemcitabine IV followed by cisplatin IV over 1 hour every 3 weeks. "
            "Treatment repeats every 4 weeks for 4 courses in the absence of progression.",
            "warning",
        ),
        # treatment days past the end of the cycle
        ("Drug X 20 mg PO daily on days 1-28 of each 21-day cycle.", "error"),
        (
            "Patients receive sapanisertib PO daily on days 1-28. Courses repeat every 3 weeks in "
            "the absence of disease progression or unacceptable toxicity.",
            "warning",
        ),
    ],
)
def test_schedules_that_do_not_fit_the_cycle(text: str, severity: str) -> None:
    rows = findings((DD, text))
    assert _sev(rows) == [severity], rows


@pytest.mark.parametrize(
    "text",
    [
        # whole multiples: weekly in 21-day cycles, every 6 weeks = every 2 cycles of 3 weeks
        "Drug X 80 mg/m2 IV weekly on days 1, 8 and 15 every week of each 21-day cycle.",
        "Drug Y 400 mg IV every 6 weeks; each cycle is 21 days.",
        # alternatives: either interval may be the one meant
        "M6223 IV every 2 weeks (Q2W) or every 3 weeks (Q3W) on Day 1 of each Cycle (Each cycle is of 14 days).",
        # assessments, not doses
        "Drug Z on Day 1 of each 21-day cycle. Tumor assessments every 8 weeks.",
        "Drug Z on Day 1 of each 21-day cycle; follow-up visits every 4 weeks after treatment.",
        # days within the cycle; hours after a dose
        "Drug X PO daily on days 1-14 of each 21-day cycle.",
        "PK samples on Day 1, 168 hours post-dose (1 cycle = 28 days) of drug X 10 mg IV.",
        # a stated rest explains the difference
        "Drug X 100 mg daily for 3 weeks followed by a 1-week rest; every 3 weeks in 28-day cycles.",
        # another arm between them
        "Arm A: drug X every 3 weeks. Arm B: drug X on Day 1 of each 28-day cycle.",
    ],
)
def test_schedules_that_fit_pass(text: str) -> None:
    assert not findings((DD, text))


def test_cycle_one_length_against_every_cycle() -> None:
    # one arm, no phases: "4-week cycles" and "the first cycle (6 weeks)"; the 14-day rest
    # explains the difference, so a warning that asks whether the cycle includes it
    rows = findings(
        (
            DD,
            "Participants receive up to four 4-week cycles of blinatumomab, each followed by an infusion-free period of 14 days.",
        ),
        (TF, "During the first cycle (6 weeks)"),
        n_arms=1,
    )
    assert _sev(rows) == ["warning"]
    assert rows[0]["message"].startswith("cycle 1 length stated as 42 days here")
    assert "rest period" in rows[0]["message"]
    # cycle 1 longer than the others, said so in one field: nothing
    assert not findings((DD, "Cycle 1 = 28 days; cycle 2 onwards = 21 days."), n_arms=1)


def test_outcomes_of_one_study_part_are_one_scope() -> None:
    m1, t1 = "outcomes[secondary][3].measure", "outcomes[secondary][3].time_frame"
    m2, t2 = "outcomes[secondary][4].measure", "outcomes[secondary][4].time_frame"
    a = [
        (m1, "Phase 1 (Dose Escalation): Serum Concentrations of Drug A"),
        (t1, "C1D1 and C5D1 pre-dose (Cycle 1= 28 days; Cycle 2 onwards= 21 days)"),
    ]
    b = [
        (m2, "Phase 1 (Dose Escalation): Serum Concentrations of Drug B"),
        (t2, "Cycle 1 Day 8 pre-dose and Cycle 5 Day 1 (each cycle = 21 days)"),
    ]
    rows = findings(*a, *b, n_arms=5)
    assert [(r["field"], r["severity"]) for r in rows] == [(t2, "warning")]
    assert "but cycle 1 as 28 days" in rows[0]["message"]
    other = [(m2, "Phase 1b (Dose Expansion): Serum Concentrations of Drug B"), b[1]]
    assert not findings(*a, *other, n_arms=5)


def test_dlt_window_against_the_first_cycle() -> None:
    desc = (
        DD,
        "Patients receive two infusions on Day 1 and 8 in a 21-day treatment cycle. "
        "Dose limiting toxicities (DLTs) will be assessed during the first cycle.",
    )
    m = ("outcomes[primary][0].measure", "Incidence of Dose Limiting Toxicity (DLT)")
    rows = findings(desc, m, (TF, "28 days after the first infusion."), n_arms=3)
    assert _sev(rows) == ["warning"] and "DLT window is 28 days" in rows[0]["message"]
    assert not findings(desc, m, (TF, "21 days after the first infusion."), n_arms=3)


def test_total_treatment_length_against_cycles() -> None:
    desc = (
        DD,
        "Treatment repeats every 28 days for 6 courses in the absence of disease progression.",
    )
    bad = ("outcomes[secondary][0].time_frame", "Weekly during 6 weeks of protocol treatment")
    rows = findings(desc, bad, n_arms=1)
    assert _sev(rows) == ["warning"] and "6 cycles of 28 days" in rows[0]["message"]
    good = ("outcomes[secondary][0].time_frame", "During 24 weeks of protocol treatment")
    assert not findings(desc, good, n_arms=1)


def _arm_record(arm_label: str, arm_desc: str, itv_desc: str) -> RecordSet:
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000010", "briefTitle": "Docetaxel schedules"},
            "armsInterventionsModule": {
                "armGroups": [
                    {"label": arm_label, "type": "EXPERIMENTAL", "description": arm_desc},
                    {
                        "label": "Docetaxel Weekly",
                        "type": "EXPERIMENTAL",
                        "description": "Docetaxel IV on days 1, 8, and 15. Courses repeat every 28 days.",
                    },
                ],
                "interventions": [
                    {
                        "type": "DRUG",
                        "name": "Docetaxel",
                        "description": itv_desc,
                        "armGroupLabels": [arm_label],
                    }
                ],
            },
        }
    }
    return example_recordset({"record": record})


def test_an_arm_and_its_linked_intervention_are_one_regimen(rule: Rule) -> None:
    rs = _arm_record(
        "Docetaxel Every 3 Weeks",
        "Docetaxel IV over 1 hour on day 1. Courses repeat every 28 days.",
        "75 mg/m2 IV over 1 hour on day 1, repeated every 21 days.",
    )
    found = check_recordset(rs, [rule])
    assert len(found) == 1  # one finding for the arm's regimen
    row = found.iloc[0]
    assert row["severity"] == "warning"
    assert row["related_field"] == "arms[0].description"
    assert "does not fit the cycle length 28 days" in row["message"]
    consistent = _arm_record(
        "Docetaxel Every 3 Weeks",
        "Docetaxel IV over 1 hour on day 1. Courses repeat every 21 days.",
        "75 mg/m2 IV over 1 hour on day 1, repeated every 21 days.",
    )
    assert check_recordset(consistent, [rule]).empty


def test_severity_is_the_findings_own_but_never_above_the_rules(rule: Rule) -> None:
    rs = _arm_record(
        "Docetaxel Every 3 Weeks",
        "Docetaxel 75 mg/m2 IV every 3 weeks in 28-day cycles.",
        "Docetaxel IV on day 1.",
    )
    found = check_recordset(rs, [rule])
    assert set(found["severity"]) == {"error"}  # one sentence: certain
    assert set(check_recordset(rs, [rule.with_severity("info")])["severity"]) == {"info"}
    warn = _arm_record(
        "Docetaxel Every 3 Weeks",
        "Docetaxel IV over 1 hour on day 1. Courses repeat every 28 days.",
        "75 mg/m2 IV over 1 hour on day 1, repeated every 21 days.",
    )
    assert set(check_recordset(warn, [rule])["severity"]) == {"warning"}


def test_full_width_and_cjk_punctuation_read_as_ascii() -> None:
    from trialint.kinds.cycle_length import normalize, parse_record

    raw = "At the end of Cycle 8（each cycle is 21 days）、Cycle 16；９ months，12months"
    assert len(normalize(raw)) == len(raw)  # offsets into the original stay valid
    assert normalize(raw).endswith("Cycle 16;9 months,12months")
    parsed = parse_record([("outcomes[primary][0].time_frame", raw)])
    _text, p = parsed["outcomes[primary][0].time_frame"]
    assert [ln.days for ln in p.lengths] == [(21.0,)]
    assert [d.values for d in p.durations] == [[9.0], [12.0]]
    assert raw[p.lengths[0].start : p.lengths[0].end] == "each cycle is 21 days"


def test_a_list_of_elapsed_time_points_is_paired_with_the_cycles_in_order() -> None:
    def found(desc: str, tf: str) -> list[str]:
        rows = check_record(
            "NCT00000099",
            [
                ("outcomes[secondary][0].measure", "ctDNA clearance"),
                ("outcomes[secondary][0].description", desc),
                ("outcomes[secondary][0].time_frame", tf),
            ],
        )
        return [r["message"] for r in rows]

    tf = "End of Cycle 8, Cycle 16 (each cycle is 21 days)"
    # 9 months is not Cycle 8 (24 weeks), even though it would fall near Cycle 16
    assert found("after treatment with drug Z for 9 months, 12 months", tf) == [
        "cycle arithmetic does not add up: 9 months vs Cycle 8 × 21 days = 168 days = 24 weeks"
    ]
    assert found("after treatment with drug Z for 6 months, 12 months", tf) == []
    # "for 9 months" without "after treatment" is a period, not a time point
    assert found("drug Z is given for 9 months, 12 months", tf) == []


def test_the_stopping_rule_and_the_combination_name_no_other_regimen() -> None:
    texts = [
        (
            "descriptionModule.detailedDescription",
            "Patients receive drug A on day 1. Treatment repeats every 21 days for 6 courses in "
            "the absence of disease progression or unacceptable toxicity.",
        ),
        ("arms[0].description", "Participants receive the combination in 28-day cycles."),
    ]
    rows = check_record("NCT00000098", texts, n_arms=1)
    assert [(r["field"], r["severity"]) for r in rows] == [("arms[0].description", "error")]
    # "or" between two regimens still tells them apart
    texts[0] = (
        "descriptionModule.detailedDescription",
        "Treatment repeats every 21 days or, for patients over 70, every 28 days.",
    )
    assert check_record("NCT00000098", texts[:1], n_arms=1) == []


def test_a_drug_named_regimen_spans_description_and_intervention() -> None:
    desc = (
        "Consolidation: patients receive cytarabine IV on days 1-5. Treatment repeats every 4 "
        "weeks for 3 courses."
    )
    texts = [
        ("descriptionModule.detailedDescription", desc),
        ("interventions[0].name", "cytarabine"),
        ("interventions[0].description", "chemotherapy is given every 21 days"),
        ("interventions[1].name", "filgrastim"),
        ("interventions[1].description", "chemotherapy is given every 21 days"),
    ]
    names = {0: "cytarabine", 1: "filgrastim"}
    rows = check_record("NCT00000097", texts, n_arms=2, n_interventions=2, names=names)
    assert [(r["field"], r["severity"]) for r in rows] == [
        ("interventions[0].description", "warning")
    ]  # filgrastim is not named with the 4-week courses
    maintenance = [
        *texts[:2],
        ("interventions[0].description", "maintenance is given every 21 days"),
    ]
    assert check_record("NCT00000097", maintenance, n_arms=2, names=names) == []
