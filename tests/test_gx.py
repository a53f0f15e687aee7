"""Great Expectations (the gx extra): the suites are equivalent to the pandera schemas, and GX
and pandera agree column by column on records of the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from trialint.cli import main
from trialint.frames import RecordSet
from trialint.gx import FRAMES, pandera_failures, schema_checks, validate_frames
from trialint.read import read_paths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SAMPLE = [
    CORPUS / "ctgov_v2_json" / "studies.ndjson",
    CORPUS / "ctgov_csv" / "BassKot__CT_Gov_B-Cell__SearchResults.csv",
    CORPUS / "ctgov_classic_json" / "studies.ndjson",
    CORPUS / "other_registries" / "who_ictrp" / "ICTRP-Results_18Mar2020.xml",
    CORPUS / "other_registries" / "ctrdata_demo_sqlite" / "records.ndjson",
]
_GX_KIND = {
    "expect_column_to_exist": "exists",
    "expect_column_values_to_not_be_null": "not_null",
    "expect_column_values_to_match_regex": "regex",
    "expect_column_values_to_be_in_set": "in_set",
    "expect_column_value_lengths_to_be_between": "max_length",
}


@pytest.fixture(scope="module")
def sample() -> RecordSet:
    rs = RecordSet.concat(read_paths([str(p) for p in SAMPLE]))
    # plus rows that break each kind of check, so agreement is shown on failures too
    st = rs.studies.head(3).copy()
    st["record_id"] = ["bad-1", "bad-2", "bad-3"]
    st["nct_id"] = ["NCT123", "nct04246242", None]
    st["overall_status"] = ["Recruiting", "COMPLETED", "DONE"]
    st["brief_title"] = ["x" * 400, None, "ok"]
    rs.studies = pd.concat([rs.studies, st], ignore_index=True)
    return rs


@pytest.fixture(scope="module")
def gx_result(sample):
    return validate_frames([{f: getattr(sample, f) for f in FRAMES}])


def test_suite_command_writes_a_suite_per_schema(tmp_path):
    res = CliRunner().invoke(main, ["gx", "suite", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    for frame in FRAMES:
        suite = json.loads((tmp_path / f"trialint-{frame}.json").read_text())
        assert suite["name"] == f"trialint-{frame}"
        kinds = [(e["kwargs"]["column"], _GX_KIND[e["type"]]) for e in suite["expectations"]]
        assert kinds == [(c.column, c.kind) for c in schema_checks(frame)]
    studies = json.loads((tmp_path / "trialint-studies.json").read_text())["expectations"]
    regex = {e["kwargs"]["column"]: e["kwargs"]["regex"] for e in studies if "regex" in e["kwargs"]}
    assert regex["nct_id"] == "^NCT[0-9]{8}$"


def test_gx_and_pandera_agree_per_column(sample, gx_result):
    assert gx_result.rows["studies"] == len(sample.studies)
    got = {(r.frame, r.column, _GX_KIND[r.expectation]): r.unexpected for r in gx_result.results}
    compared = 0
    for frame in FRAMES:
        theirs = pandera_failures(frame, getattr(sample, frame))
        for c in schema_checks(frame):
            assert got[(frame, c.column, c.kind)] == theirs.get((c.column, c.kind), 0), (
                frame, c.column, c.kind,
            )  # fmt: skip
            compared += 1
    assert compared > 60
    failing = {k for k, v in got.items() if v}
    assert ("studies", "nct_id", "regex") in failing
    assert ("studies", "overall_status", "in_set") in failing
    assert ("studies", "brief_title", "max_length") in failing


def test_validate_command_with_data_docs(tmp_path):
    docs = tmp_path / "docs"
    res = CliRunner().invoke(main, ["gx", "validate", str(SAMPLE[3]), "--data-docs", str(docs)])
    assert res.exit_code in (0, 1), res.output
    assert "expectations met" in res.output
    index = docs / "index.html"
    assert index.exists()
    assert "trialint-studies" in index.read_text(encoding="utf-8")


def test_gx_is_not_imported_by_a_check():
    import subprocess
    import sys

    code = (
        "import sys, trialint.cli, trialint.api; "
        "trialint.api.check([sys.argv[1]]); "
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE[3])], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
