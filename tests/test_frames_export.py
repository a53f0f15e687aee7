"""`trialint frames`: the canonical frames and the findings table as Parquet or CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from trialint import api
from trialint.cli import main
from trialint.frames import RecordSet
from trialint.read import read_paths

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
INPUTS = [
    CORPUS / "other_registries" / "who_ictrp" / "ICTRP-Results_18Mar2020.xml",
    CORPUS / "ctgov_classic_json" / "studies.ndjson",
]
NAMES = ("studies", "outcomes", "arms", "interventions", "terms", "sources")


@pytest.fixture(scope="module")
def expected() -> RecordSet:
    return RecordSet.concat(read_paths([str(p) for p in INPUTS]))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_frames_command_writes_every_frame_and_the_findings(tmp_path, expected, fmt):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        main, ["frames", *map(str, INPUTS), "--to", str(out), "--format", fmt, "--isolated"]
    )
    assert res.exit_code == 0, res.output
    for name in NAMES:
        path = out / f"{name}.{fmt}"
        got = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
        want = getattr(expected, name)
        assert list(got.columns) == list(want.columns), name
        assert len(got) == len(want), name
        assert list(got["record_id"]) == list(want["record_id"]), name
    findings = (
        pd.read_parquet(out / "findings.parquet")
        if fmt == "parquet"
        else pd.read_csv(out / "findings.csv")
    )
    want = api.check([str(p) for p in INPUTS], config=False).frame
    assert len(findings) == len(want) > 0
    assert sorted(findings["rule"].unique()) == sorted(want["rule"].unique())
    assert not list(out.glob(".*partial"))  # nothing half-written left behind


def test_parquet_types_follow_the_frames(tmp_path, expected):
    out = tmp_path / "out"
    CliRunner().invoke(main, ["frames", *map(str, INPUTS), "--to", str(out), "--no-findings"])
    schema = pq.read_schema(out / "studies.parquet")
    assert str(schema.field("enrollment_count").type) == "double"
    assert str(schema.field("has_results").type) == "bool"
    assert str(schema.field("record_id").type) in ("string", "large_string")
    assert str(pq.read_schema(out / "outcomes.parquet").field("position").type) == "int64"
    assert not (out / "findings.parquet").exists()
    back = pd.read_parquet(out / "studies.parquet")
    pd.testing.assert_series_equal(
        back["enrollment_count"], expected.studies["enrollment_count"].astype("float64"),
        check_names=False,
    )  # fmt: skip


def test_every_column_is_documented(tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(main, ["frames", str(INPUTS[0]), "--to", str(out)])
    doc = (ROOT / "docs" / "frames.md").read_text()
    for path in out.glob("*.parquet"):
        section = doc.split(f"### {path.stem}", 1)[1].split("\n### ", 1)[0]
        for col in pq.read_schema(path).names:
            assert re.search(rf"`{col}`", section), (path.stem, col)


def test_nothing_read_fails_loudly(tmp_path):
    empty = tmp_path / "empty.ndjson"
    empty.write_text("")
    res = CliRunner().invoke(main, ["frames", str(empty), "--to", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "no record read" in res.output


def test_chunks_make_row_groups(tmp_path, expected):
    from trialint.export import export_frames

    out = tmp_path / "o"
    result = export_frames([str(p) for p in INPUTS], out, findings=False, chunk_size=100)
    meta = pq.ParquetFile(out / "studies.parquet").metadata
    assert meta.num_row_groups > 1
    assert result.rows["studies"] == len(expected)
