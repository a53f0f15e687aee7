"""Write tests/data/cthist_example.csv: a small cthist-shaped version history built from rated
pairs of ../shared/corpus/outcome_history/pairs.jsonl (constructed, not downloaded).

Two trials, four versions each: the first registered version, the last version while
recruiting, a post-completion and a post-publication version, with the outcome lists of the
rated pairs (pair-0903..0905 and pair-0527..0529, chained: each pair's "after" is the next
pair's "before"). The NCT ids, dates and statuses are made up (the source pairs name the trials
by title only); the header and the outcome_measures JSON follow what cthist writes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT.parent / "shared" / "corpus" / "outcome_history" / "pairs.jsonl"
OUT = ROOT / "tests" / "data" / "cthist_example.csv"
HEADER = [
    "nctid",
    "version_number",
    "total_versions",
    "version_date",
    "overall_status",
    "study_start_date",
    "study_start_date_precision",
    "primary_completion_date",
    "primary_completion_date_precision",
    "primary_completion_date_type",
    "enrolment",
    "enrolment_type",
    "min_age",
    "max_age",
    "sex",
    "gender_based",
    "accepts_healthy_volunteers",
    "criteria",
    "outcome_measures",
    "contacts",
    "sponsor_collaborators",
]
TRIALS = (("NCT99000001", ("pair-0903", "pair-0904", "pair-0905")),
          ("NCT99000002", ("pair-0527", "pair-0528", "pair-0529")))  # fmt: skip
VERSIONS = (  # version date, status
    ("2008-01-10", "Not yet recruiting"),
    ("2009-06-01", "Recruiting"),
    ("2011-03-01", "Active, not recruiting"),
    ("2012-09-01", "Completed"),
)


def content(o: dict[str, str]) -> str:
    text = o["measure"]
    if o.get("time_frame"):
        text += f"\n[ Time Frame: {o['time_frame']} ]"
    if o.get("description"):
        text += f"\n\n{o['description']}"
    return text


def outcome_measures(primary: list[dict[str, str]], secondary: list[dict[str, str]]) -> str:
    items = [
        {"section": "Primary Outcome Measures:", "label": f"{i}.", "content": content(o)}
        for i, o in enumerate(primary, 1)
    ] + [
        {"section": "Secondary Outcome Measures:", "label": f"{i}.", "content": content(o)}
        for i, o in enumerate(secondary, 1)
    ]
    return json.dumps(items, ensure_ascii=False)


def main() -> None:
    pairs = {}
    with PAIRS.open(encoding="utf-8") as fh:
        for line in fh:
            p = json.loads(line)
            pairs[p["id"]] = p
    rows = []
    for nct, ids in TRIALS:
        chain = [pairs[i] for i in ids]
        lists = [(chain[0]["primary_before"], chain[0]["secondary_before"])] + [
            (p["primary_after"], p["secondary_after"]) for p in chain
        ]
        for n, ((date, status), (prim, sec)) in enumerate(zip(VERSIONS, lists, strict=True), 1):
            row = dict.fromkeys(HEADER, "")
            row.update(
                nctid=nct, version_number=str(n), total_versions=str(len(VERSIONS)),
                version_date=date, overall_status=status, study_start_date="2008-03-01",
                study_start_date_precision="month", primary_completion_date="2010-12-01",
                primary_completion_date_precision="month", primary_completion_date_type="Actual",
                enrolment="120", enrolment_type="Actual", min_age="18 Years", max_age="N/A",
                sex="All", accepts_healthy_volunteers="No",
                criteria="Inclusion Criteria:\n\n- adults\n\nExclusion Criteria:\n\n- none",
                outcome_measures=outcome_measures(prim, sec),
            )  # fmt: skip
            rows.append(row)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
