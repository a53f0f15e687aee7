"""The verdict (pass / warn / fail) against thresholds, "new since the last audit", and what each
rule checked: the pieces of the audit report that are not layout (the browser tests see those)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import trialint
from conftest import ROOT
from trialint.baseline import Baseline, Previous
from trialint.cli import main
from trialint.coverage import coverage, unit_of
from trialint.errors import ConfigError, TrialintError
from trialint.findings import finding_frame
from trialint.thresholds import Level, Threshold, judge

SEED = ROOT / "examples" / "000_f268d187f025ea9a.txt"
SAMPLE = ROOT / "examples" / "ctgov-v2-sample.ndjson"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _frame(rows):
    return finding_frame(
        [
            {"record_id": r, "rule": rule, "severity": sev, "field": "f", "message": "m"}
            for r, rule, sev in rows
        ]
    )


# --- thresholds -------------------------------------------------------------------------------


def test_levels_are_record_counts_or_shares():
    assert Level.parse(3) == Level(count=3) and Level.parse("2.5%") == Level(share=0.025)
    for bad in (0, -1, "2", "0%", "120%", True, 1.5):
        with pytest.raises(ValueError):
            Level.parse(bad)
    assert Level(count=2).reached(2, 10) and not Level(count=2).reached(1, 10)
    assert Level(share=0.1).reached(1, 10) and not Level(share=0.1).reached(1, 11)


def test_each_finding_counts_for_its_most_specific_threshold():
    cats = {"a": "clarity", "b": "clarity", "c": "consistency"}
    f = _frame(
        [
            ("r1", "a", "warning"),
            ("r2", "a", "warning"),
            ("r3", "b", "warning"),
            ("r4", "c", "error"),
        ]
    )
    th = [
        Threshold("warning", fail=Level(count=1)),
        Threshold("clarity", warn=Level(count=1), fail=Level(count=2)),
        Threshold("a", warn=Level(count=5)),
    ]
    v = judge(f, 10, cats, th, fail_on="never")
    by = {c.selector: c for c in v.checks}
    assert by["a"].records == 2 and by["a"].status == "pass"  # judged by its own entry alone
    assert by["clarity"].records == 1 and by["clarity"].status == "warn"  # only rule b
    assert by["warning"].records == 0 and by["warning"].status == "pass"
    assert v.status == "warn"
    # fail-on adds a fail-at-1 threshold to each severity without an entry of its own
    v = judge(f, 10, cats, th, fail_on="error")
    assert {c.selector: c.status for c in v.checks}["error"] == "fail" and v.status == "fail"
    assert "1 record with error findings (fail at 1 record)" in v.explain()


def test_thresholds_from_the_config_decide_the_exit_code(tmp_path, monkeypatch):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / SEED.name).write_bytes(SEED.read_bytes())
    monkeypatch.chdir(tmp_path)
    sel = ["--select", "duplicate-summary-block,heading-fused-into-sentence"]  # a warning, infos
    assert run("check", "r", *sel).exit_code == 1  # fail-on = warning by default
    (tmp_path / "trialint.toml").write_text('[thresholds]\nwarning = { warn = 1, fail = "50%" }\n')
    result = run("check", "r", *sel, "--format", "json")
    assert result.exit_code == 1  # 1 of 1 record = 100% >= 50%
    verdict = json.loads(result.stdout)["summary"]["verdict"]
    assert verdict["status"] == "fail"
    (check,) = [c for c in verdict["checks"] if c["selector"] == "warning"]
    assert check["origin"].endswith("trialint.toml:2") and check["records"] == 1
    text = run("check", "r", *sel).stdout.splitlines()
    assert text[-1] == "verdict: fail: 1 record with warning findings (fail at 50% of records)"
    (tmp_path / "trialint.toml").write_text("[thresholds]\nwarning = { warn = 1, fail = 2 }\n")
    result = run("check", "r", *sel, "--format", "json")
    assert (
        result.exit_code == 0
        and json.loads(result.stdout)["summary"]["verdict"]["status"] == "warn"
    )
    assert run("check", "r", *sel, "--fail-on", "never").exit_code == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[thresholds]\nwarning = { fail = 0 }\n",
            "trialint.toml:2: threshold of 'warning': a number of records must be 1 or more",
        ),
        (
            "[thresholds]\nwarning = { stop = 1 }\n",
            "trialint.toml:2: threshold of 'warning': unknown key 'stop'",
        ),
        (
            '[thresholds]\nclartiy = { fail = "5%" }\n',
            "trialint.toml:2: thresholds: unknown rule or category 'clartiy' (did you mean clarity?)",
        ),
        ("thresholds = 3\n", "trialint.toml:1: `thresholds` must be a table"),
    ],
)
def test_bad_thresholds_name_the_file_and_line(tmp_path, monkeypatch, body, message):
    (tmp_path / "trialint.toml").write_text(body)
    monkeypatch.chdir(tmp_path)
    result = run("check", str(SEED))
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_the_python_api_takes_thresholds():
    f = trialint.check(
        [str(SEED)], select=["duplicate-summary-block"], thresholds={"warning": {"fail": 2}}
    )
    assert f.verdict().status == "pass"
    with pytest.raises((ValueError, ConfigError)):
        trialint.check([str(SEED)], thresholds={"warning": {"fail": "lots"}})


# --- new since the last audit -------------------------------------------------------------------


FEW = ["outcome-title-abbreviation", "duplicate-summary-block", "heading-fused-into-sentence"]


def test_new_since_a_previous_json_output_or_baseline(tmp_path):
    before = trialint.check([str(SEED)], select=FEW)
    (tmp_path / "prev.json").write_text(before.to_json())
    Baseline.from_findings(before).write(tmp_path / "base.json")
    for prev in ("prev.json", "base.json"):
        now = trialint.check([str(SEED), str(SAMPLE)], select=FEW, since=tmp_path / prev)
        new = now.new_findings()
        assert set(now.frame.loc[new, "source_path"]) == {str(SAMPLE)}
        assert not new[now.frame["source_path"] == str(SEED)].any()
        assert now.previous.gone(now.frame, now.contexts) == 0
    fixed = trialint.check([str(SAMPLE)], select=FEW, since=tmp_path / "prev.json")
    assert fixed.previous.gone(fixed.frame, fixed.contexts) == len(before)


def test_a_file_that_is_no_previous_audit_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": 1}')
    with pytest.raises(TrialintError, match="not a previous audit"):
        Previous.load(tmp_path / "x.json")
    old = {"tool": {"name": "trialint"}, "findings": [{"record": "x", "rule": "y"}]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    with pytest.raises(TrialintError, match="no fingerprint"):
        Previous.load(tmp_path / "old.json")


def test_report_since_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sel = ["--isolated", "--select", ",".join(FEW)]
    prev = run("check", str(SEED), *sel, "--format", "json", "-o", "prev.json")
    assert prev.exit_code == 1
    result = run("report", str(SEED), str(SAMPLE), *sel, "--since", "prev.json", "-o", "r.html")
    assert result.exit_code == 0, result.output
    assert "verdict: fail" in result.stderr
    html = (tmp_path / "r.html").read_text()
    assert 'id="since"' in html and "prev.json" in html and 'id="f-new"' in html


# --- what each rule checked ---------------------------------------------------------------------


def test_rules_know_their_unit(rules):
    assert unit_of(rules["outcome-title-purpose"]) == "outcomes"
    assert unit_of(rules["arm-without-intervention"]) == "arms"
    assert unit_of(rules["intervention-without-arm"]) == "interventions"
    assert unit_of(rules["condition-not-a-term"]) == "conditions"
    assert unit_of(rules["duplicate-summary-block"]) == "records"


def test_coverage_counts_items_read_and_items_failing(tmp_path):
    # the sample plus one record whose outcome titles use a scale abbreviation never expanded
    first = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    first["protocolSection"]["identificationModule"]["nctId"] = "NCT09999999"
    first["protocolSection"]["outcomesModule"] = {
        "primaryOutcomes": [
            {"measure": "Change in IIEF-5 Score", "timeFrame": "Week 12"},
            {"measure": "IIEF-5 Score at Week 24", "timeFrame": "Week 24"},
        ]
    }
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps(first), encoding="utf-8")
    f = trialint.check(
        [str(SAMPLE), str(extra)],
        select=["outcome-title-abbreviation", "randomization-in-single-arm"],
    )
    assert f.checked["records"] == 6 and f.checked["outcomes"] > 6
    cov = coverage(f)
    abbr = cov["outcome-title-abbreviation"]
    assert abbr["unit"] == "outcomes" and abbr["checked"] == f.checked["outcomes"]
    flagged = f.frame[f.frame["rule"] == "outcome-title-abbreviation"]
    items = flagged["field"].str.extract(r"^(outcomes\[[a-z]+\]\[[0-9]+\])", expand=False)
    assert abbr["failing"] == (flagged["record_id"] + items).nunique() >= 1
    rand = cov["randomization-in-single-arm"]
    assert rand["unit"] == "records" and rand["checked"] == 6 and rand["failing"] == rand["records"]


def test_header_facts_of_the_report():
    from trialint.render.html import _Model

    f = trialint.check([str(SEED), str(SAMPLE)], select=["clarity"])
    m = _Model(f, title=None, per_rule=10, static_findings=300, budget=10**6)
    h = m.header()
    assert h["files"]["count"] == 2 and len(h["files"]["digest"]) == 64
    import hashlib

    assert h["files"]["rows"][0]["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert h["ruleset"]["count"] == len(f.rules) and len(h["ruleset"]["digest"]) == 64
    keys = [row["key"] for row in h["config"]["rows"]]
    assert keys[:3] == ["select", "extend-select", "ignore"] and "thresholds" in keys
    assert h["verdict"]["status"] in ("pass", "warn", "fail")
