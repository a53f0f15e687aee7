"""The plain-text export layout of the seeds: fields, splitting and file:line:column sources."""

from __future__ import annotations

from conftest import SEEDS
from trialint.frames import RecordSet
from trialint.read import read_paths
from trialint.read.outcome_cells import split_cell, split_intervention

SEED0 = SEEDS / "000_f268d187f025ea9a.txt"
SEED1 = SEEDS / "001_935bea67f28f0090.txt"


def _src(rs: RecordSet, field: str) -> tuple[int, int]:
    row = rs.sources[rs.sources["field"] == field].iloc[0]
    return int(row["line"]), int(row["column"])


def test_seed0_fields_and_lines():
    rs = RecordSet.concat(read_paths([SEED0]))
    st = rs.studies.iloc[0]
    assert st["record_id"] == "000_f268d187f025ea9a"
    assert st["brief_title"].startswith("A Prospective, Single Arm")
    assert st["brief_summary"].splitlines()[0] == st["brief_title"]
    assert st["brief_summary"].endswith("adverse events (AEs)")
    assert st["detailed_description"] == st["brief_summary"]
    assert list(rs.terms["term"]) == ["MSS/pMMR Type Metastatic Colorectal Adenocarcinoma Patients"]
    assert list(rs.interventions["name"]) == ["Ivonescimab,TAS-102"]
    assert list(rs.interventions["type"]) == ["DRUG"]
    oc = rs.outcomes
    assert list(zip(oc["kind"], oc["position"], strict=True)) == [
        ("primary", 0),
        ("secondary", 0),
        ("secondary", 1),
    ]
    assert oc.iloc[0]["time_frame"] == "At the end of Cycle 6 (each cycle is 28 days)"
    assert oc.iloc[2]["measure"] == "Overall survival (OS)"
    # where each field starts in the file (1-based line, column)
    assert _src(rs, "descriptionModule.briefSummary") == (2, 1)
    assert _src(rs, "descriptionModule.detailedDescription") == (23, 1)
    line21 = SEED0.read_text().split("\n")[20]
    assert _src(rs, "outcomes[primary][0].time_frame") == (
        21,
        line21.index("At the end of Cycle 6") + 1,
    )


def test_seed1_outcomes_split():
    rs = RecordSet.concat(read_paths([SEED1]))
    assert list(rs.outcomes["kind"]) == [
        "primary",
        "secondary",
        "secondary",
        "secondary",
        "secondary",
    ]
    assert rs.outcomes.iloc[3]["measure"] == "Progression-free Survival"
    assert rs.outcomes.iloc[3]["time_frame"].endswith("assessed up to 18 months")
    assert list(rs.interventions["type"]) == ["DRUG", "DRUG", "PROCEDURE"]


def test_split_cell_keeps_commas_inside_parts():
    items = split_cell(
        "Overall survival (OS), From the date of randomization until the date of death, "
        "From date of randomization to death from any cause, assessed up to 2 years"
    )
    (it,) = items
    assert it.measure.text == "Overall survival (OS)"
    assert it.description.text == "From the date of randomization until the date of death"
    assert (
        it.time_frame.text
        == "From date of randomization to death from any cause, assessed up to 2 years"
    )
    assert it.raw[it.time_frame.offset :].startswith("From date of randomization")


def test_split_intervention_types():
    assert split_intervention("DRUG: Ivonescimab") == ("DRUG", "Ivonescimab")
    assert split_intervention("Dietary Supplement: Vitamin D") == (
        "DIETARY_SUPPLEMENT",
        "Vitamin D",
    )
    assert split_intervention("Note: not a type") == (None, "Note: not a type")
