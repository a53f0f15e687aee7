"""Regenerate schemas/*.yaml (pandera's YAML schema format) from the API v2 facts below.

Run: python tools/make_schemas.py. tests/test_schemas.py checks the files are in sync.
"""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa

ENUMS = {
    "overall_status": [
        "ACTIVE_NOT_RECRUITING",
        "COMPLETED",
        "ENROLLING_BY_INVITATION",
        "NOT_YET_RECRUITING",
        "RECRUITING",
        "SUSPENDED",
        "TERMINATED",
        "WITHDRAWN",
        "AVAILABLE",
        "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE",
        "APPROVED_FOR_MARKETING",
        "WITHHELD",
        "UNKNOWN",
    ],
    "study_type": ["INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"],
    "allocation": ["RANDOMIZED", "NON_RANDOMIZED", "NA"],
    "intervention_model": ["SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"],
    "primary_purpose": [
        "TREATMENT",
        "PREVENTION",
        "DIAGNOSTIC",
        "ECT",
        "SUPPORTIVE_CARE",
        "SCREENING",
        "HEALTH_SERVICES_RESEARCH",
        "BASIC_SCIENCE",
        "DEVICE_FEASIBILITY",
        "OTHER",
    ],
    "masking": ["NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"],
    "enrollment_type": ["ACTUAL", "ESTIMATED"],
    "start_date_type": ["ACTUAL", "ESTIMATED"],
    "primary_completion_date_type": ["ACTUAL", "ESTIMATED"],
    "completion_date_type": ["ACTUAL", "ESTIMATED"],
    "sex": ["ALL", "FEMALE", "MALE"],
}
PHASES = ["NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"]
WHO_MASKED = ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"]
ARM_TYPES = [
    "EXPERIMENTAL",
    "ACTIVE_COMPARATOR",
    "PLACEBO_COMPARATOR",
    "SHAM_COMPARATOR",
    "NO_INTERVENTION",
    "OTHER",
]
INTERVENTION_TYPES = [
    "BEHAVIORAL",
    "BIOLOGICAL",
    "COMBINATION_PRODUCT",
    "DEVICE",
    "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT",
    "DRUG",
    "GENETIC",
    "PROCEDURE",
    "RADIATION",
    "OTHER",
]
LENGTHS = {
    "brief_title": 300,
    "official_title": 600,
    "acronym": 14,
    "org_study_id": 30,
    "brief_summary": 5000,
    "detailed_description": 32000,
    "intervention_model_description": 1000,
    "eligibility_criteria": 20000,
}
DATE = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
DATES = [
    "start_date",
    "primary_completion_date",
    "completion_date",
    "first_submit_date",
    "last_update_date",
]


def _list_pattern(values: list[str]) -> str:
    alt = "|".join(values)
    return rf"^({alt})(\|({alt}))*$"


def studies() -> pa.DataFrameSchema:
    cols: dict[str, pa.Column] = {
        "record_id": pa.Column(None, nullable=False),
        "nct_id": pa.Column(None, pa.Check.str_matches(r"^NCT[0-9]{8}$"), nullable=True),
        "phases": pa.Column(None, pa.Check.str_matches(_list_pattern(PHASES)), nullable=True),
        "who_masked": pa.Column(
            None, pa.Check.str_matches(_list_pattern(WHO_MASKED)), nullable=True
        ),
    }
    for col, values in ENUMS.items():
        cols[col] = pa.Column(None, pa.Check.isin(values), nullable=True)
    for col, limit in LENGTHS.items():
        cols[col] = pa.Column(None, pa.Check.str_length(max_value=limit), nullable=True)
    for col in DATES:
        cols[col] = pa.Column(None, pa.Check.str_matches(DATE), nullable=True)
    return pa.DataFrameSchema(cols, name="studies", strict=False, coerce=False)


def arms() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "record_id": pa.Column(None),
            "type": pa.Column(None, pa.Check.isin(ARM_TYPES), nullable=True),
        },
        name="arms",
    )


def interventions() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "record_id": pa.Column(None),
            "type": pa.Column(None, pa.Check.isin(INTERVENTION_TYPES), nullable=True),
        },
        name="interventions",
    )


SCHEMAS = {"studies": studies, "arms": arms, "interventions": interventions}


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "schemas"
    for name, fn in SCHEMAS.items():
        (out / f"{name}.yaml").write_text(fn().to_yaml(), encoding="utf-8")


if __name__ == "__main__":
    main()
