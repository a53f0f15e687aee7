"""The product's first promise: the seeds give exactly their core findings."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import SEEDS
from trialint.cli import main

CORE = {
    "duplicate-summary-block",
    "randomization-in-single-arm",
    "inconsistent-cycle-length",
    "endpoint-not-defined",
}


def _seed_findings() -> list[dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", str(SEEDS)])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)["findings"]


def test_seeds_give_exactly_the_core_findings():
    got = {(f["record"], f["rule"]) for f in _seed_findings() if f["rule"] in CORE}
    want = {("000_f268d187f025ea9a", r) for r in CORE} | {
        ("001_935bea67f28f0090", "duplicate-summary-block")
    }
    assert got == want


def test_seed_findings_point_at_file_line_column():
    findings = [f for f in _seed_findings() if f["rule"] in CORE]
    for f in findings:
        assert f["source"]["path"].endswith(".txt")
        assert f["source"]["line"] >= 1 and f["source"]["column"] >= 1
        assert f["excerpt"]


def test_seed0_messages_are_specific():
    by_rule: dict[str, list[dict]] = {}
    for f in _seed_findings():
        if f["record"] == "000_f268d187f025ea9a":
            by_rule.setdefault(f["rule"], []).append(f)
    missing = " ".join(f["message"] for f in by_rule["endpoint-not-defined"])
    assert "DCR" in missing and "AE" in missing
    assert any("24 weeks" in f["message"] for f in by_rule["inconsistent-cycle-length"])
    assert any(
        "inferred" in f["message"] and "title" in f["message"]
        for f in by_rule["randomization-in-single-arm"]
    )
    assert any(
        f["field"].startswith("outcomes[secondary][1]")
        for f in by_rule["randomization-in-single-arm"]
    )
