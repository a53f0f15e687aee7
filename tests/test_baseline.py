"""Baselines: write today's findings, see only new ones later, prune fixed ones; matching by
record + rule + field + hash of the flagged text, with counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialint
from trialint.baseline import Baseline, text_hash
from trialint.cli import main

RULES = "schema-enum,schema-length"


def record(
    nct: str,
    title: str = "A short title",
    status: str = "COMPLETED",
    phases: list[str] | None = None,
    summary: str = "A summary.",
) -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": title},
            "statusModule": {"overallStatus": status},
            "descriptionModule": {"briefSummary": summary},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": phases or ["PHASE2"]},
        }
    }


LONG = "An overly long title " * 20  # over the 300-character limit


def write(path: Path, rec: dict, indent: int | None = None) -> None:
    path.write_text(json.dumps(rec, indent=indent), encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def findings_of(result) -> list[tuple[str, str, str]]:
    return sorted(
        (f["record"], f["rule"], f["field"]) for f in json.loads(result.output)["findings"]
    )


@pytest.fixture
def repo(tmp_path, monkeypatch):
    rec = tmp_path / "records"
    rec.mkdir()
    write(rec / "a.json", record("NCT00000001", status="Completed"))
    write(rec / "b.json", record("NCT00000002", title=LONG))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_round_trip_write_change_see_only_the_new_finding_prune(repo):
    rec = repo / "records"
    # 1. today: two findings, recorded in the baseline; writing exits 0
    first = run("check", "records", "--select", RULES, "--format", "json")
    assert first.exit_code == 1 and len(findings_of(first)) == 2
    result = run("check", "records", "--select", RULES, "--write-baseline", "baseline.json")
    assert result.exit_code == 0 and result.stdout == ""
    assert "wrote 2 finding(s) of 2 record(s) to baseline.json" in result.stderr
    assert len(Baseline.load(repo / "baseline.json")) == 2

    # 2. with the baseline, nothing is reported, and the summary says what it suppressed
    result = run("check", "records", "--select", RULES, "--baseline", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "0 findings" in result.output and "2 suppressed (2 by the baseline)" in result.output

    # 3. unrelated edits (summary text, JSON layout) and one new defect in a.json
    write(
        rec / "a.json",
        record("NCT00000001", status="Completed", phases=["PHASE9"], summary="Rewritten summary."),
        indent=4,
    )
    result = run(
        "check", "records", "--select", RULES, "--baseline", "baseline.json", "--format", "json"
    )
    assert result.exit_code == 1
    assert findings_of(result) == [("NCT00000001", "schema-enum", "designModule.phases")]

    # 4. fix the long title; prune drops its entry and keeps the rest
    write(rec / "b.json", record("NCT00000002"))
    result = run(
        "check",
        "records",
        "--select",
        RULES,
        "--baseline",
        "baseline.json",
        "--prune-baseline",
        "--format",
        "json",
    )
    assert result.exit_code == 1  # the new phases finding is still reported
    kept = Baseline.load(repo / "baseline.json")
    assert kept.entries[["record", "rule", "field"]].values.tolist() == [
        ["NCT00000001", "schema-enum", "statusModule.overallStatus"]
    ]
    # pruning never adds: the new finding is still new
    result = run(
        "check", "records", "--select", RULES, "--baseline", "baseline.json", "--format", "json"
    )
    assert findings_of(result) == [("NCT00000001", "schema-enum", "designModule.phases")]


def test_a_changed_flagged_text_is_a_new_finding(repo):
    run("check", "records", "--select", RULES, "--write-baseline", "baseline.json")
    write(repo / "records" / "b.json", record("NCT00000002", title=LONG + " and more"))
    result = run(
        "check", "records", "--select", RULES, "--baseline", "baseline.json", "--format", "json"
    )
    assert findings_of(result) == [
        ("NCT00000002", "schema-length", "identificationModule.briefTitle")
    ]


def test_rewrapping_the_flagged_text_is_not_a_change(repo):
    run("check", "records", "--select", RULES, "--write-baseline", "baseline.json")
    write(
        repo / "records" / "b.json",
        record("NCT00000002", title=LONG.replace(" ", "  ").replace("long title", "long\ntitle")),
    )
    result = run("check", "records", "--select", RULES, "--baseline", "baseline.json")
    assert result.exit_code == 0, result.output


def test_moving_a_file_keeps_its_findings_baselined(repo):
    run("check", "records", "--select", RULES, "--write-baseline", "baseline.json")
    (repo / "records" / "old").mkdir()
    (repo / "records" / "b.json").rename(repo / "records" / "old" / "renamed.json")
    assert run("check", "records", "--select", RULES, "--baseline", "baseline.json").exit_code == 0


def test_counts_more_findings_of_one_key_than_baselined_are_new(repo):
    rec = repo / "records"
    run("check", "records", "--select", RULES, "--write-baseline", "baseline.json")
    # the same record (same id, same defect) in a second file: the key's count goes from 1 to 2
    write(rec / "copy.json", record("NCT00000001", status="Completed"))
    f = trialint.check("records", select=RULES.split(","), baseline="baseline.json")
    assert list(f.frame["record_id"]) == ["NCT00000001"] and len(f.suppressed) == 2
    Baseline.from_findings(trialint.check("records", select=RULES.split(","))).write(
        "baseline.json"
    )
    assert '"count": 2' in (repo / "baseline.json").read_text()
    assert len(trialint.check("records", select=RULES.split(","), baseline="baseline.json")) == 0


def test_baseline_file_is_stable_and_sorted(repo):
    run("check", "records", "--select", RULES, "--write-baseline", "one.json")
    run(
        "check",
        "records/b.json",
        "records/a.json",
        "--select",
        RULES,
        "--write-baseline",
        "two.json",
    )
    one = (repo / "one.json").read_text()
    assert one == (repo / "two.json").read_text()
    doc = json.loads(one)
    assert doc["trialint-baseline"] == 1
    assert list(doc["records"]) == sorted(doc["records"])
    entry = doc["records"]["NCT00000001"][0]
    assert entry == {
        "rule": "schema-enum",
        "field": "statusModule.overallStatus",
        "hash": entry["hash"],
        "count": 1,
    }
    assert len(entry["hash"]) == 16
    assert all(line.count("{") <= 1 for line in one.splitlines()[4:])  # one entry per line


def test_baseline_from_the_config_is_relative_to_it(repo):
    (repo / "ci").mkdir()
    (repo / "ci" / "trialint.toml").write_text(
        'baseline = "known.json"\nselect = ["schema-enum", "schema-length"]\n'
    )
    result = run(
        "check", "records", "--config", "ci/trialint.toml", "--write-baseline", "ci/known.json"
    )
    assert result.exit_code == 0
    result = run("check", "records", "--config", "ci/trialint.toml")
    assert result.exit_code == 0 and "2 suppressed (2 by the baseline)" in result.output
    # --write-baseline does not read the configured baseline (it would suppress everything)
    result = run(
        "check", "records", "--config", "ci/trialint.toml", "--write-baseline", "ci/again.json"
    )
    assert len(Baseline.load(repo / "ci" / "again.json")) == 2
    # prune uses the configured baseline
    write(repo / "records" / "b.json", record("NCT00000002"))
    result = run("check", "records", "--config", "ci/trialint.toml", "--prune-baseline")
    assert result.exit_code == 0 and len(Baseline.load(repo / "ci" / "known.json")) == 1


def test_exempted_findings_are_not_written_to_the_baseline(repo):
    (repo / "trialint.toml").write_text(
        'select = ["schema-enum", "schema-length"]\n\n[[exemptions]]\nrule = "schema-enum"\nrecords = ["NCT00000001"]\nreason = "agreed with the registry"\n'
    )
    run("check", "records", "--write-baseline", "baseline.json")
    assert Baseline.load(repo / "baseline.json").entries["rule"].tolist() == ["schema-length"]
    f = trialint.check("records", config=True, baseline="baseline.json")
    assert f.suppressed_counts() == {"exemption": 1, "baseline": 1}
    assert f.suppressed_note() == "2 suppressed (1 by the baseline, 1 by exemption)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "baseline is not valid JSON"),
        ('{"records": {}}', "not a trialint baseline"),
        ('{"trialint-baseline": 1, "records": {"N": [{"field": "x"}]}}', "bad baseline entry"),
    ],
)
def test_bad_baseline_files_exit_2(repo, content, message):
    if content is not None:
        (repo / "baseline.json").write_text(content)
    result = run("check", "records", "--baseline", "baseline.json")
    assert result.exit_code == 2 and message in result.output and "baseline.json" in result.output


def test_baseline_option_conflicts_exit_2(repo):
    result = run("check", "records", "--write-baseline", "a.json", "--prune-baseline")
    assert result.exit_code == 2 and "cannot be used together" in result.output
    result = run("check", "records", "--prune-baseline")
    assert result.exit_code == 2 and "needs a baseline" in result.output


def test_text_hash_normalises_whitespace():
    assert text_hash("a  b\n c ") == text_hash("a b c")
    assert text_hash("a b c") != text_hash("a b d")


def test_empty_baseline_round_trip(tmp_path):
    b = Baseline()
    b.write(tmp_path / "empty.json")
    assert len(Baseline.load(tmp_path / "empty.json")) == 0
