"""Output formats: golden files from the seeds, SARIF against the official schema, and the
properties each CI tool relies on (escaping, well-formed XML, unique fingerprints, ...).

The golden files hold the rendering of a fixed findings set: the seeds (plus one unreadable
file) checked with the fixture rules in tests/golden/checks/ only. Their kind, golden-literal,
is registered by this module and flags a literal string in one field, so the goldens do not
move when the built-in rules change. Regenerate after an intended change with

    TRIALINT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_formats.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import trialint
from conftest import ROOT, SEEDS, SHARED
from trialint import __version__
from trialint.findings import kind_frame
from trialint.frames import RecordSet
from trialint.kinds import KINDS
from trialint.kinds.base import FunctionKind
from trialint.render import RENDERERS
from trialint.render import statistics as stats_renderer
from trialint.render.github import escape_data, escape_property
from trialint.rules import load_rules

GOLDEN = ROOT / "tests" / "golden"
GOLDEN_RULES = ["golden-cycle", "golden-endpoint", "golden-note", "golden-randomization"]
SEED1 = "001_935bea67f28f0090"
EXEMPTION = {
    "rule": "golden-note",
    "records": [SEED1],
    "reason": "MSS is spelled out in the protocol, 2024-03",
}
UPDATE = os.environ.get("TRIALINT_UPDATE_GOLDEN") == "1"
CI_FORMATS = ("sarif", "junit", "github", "gitlab", "jsonl", "csv")
GOLDEN_FILES = {
    "sarif": "seeds.sarif",
    "junit": "seeds.junit.xml",
    "github": "seeds.github.txt",
    "gitlab": "seeds.gitlab.json",
    "jsonl": "seeds.jsonl",
    "csv": "seeds.csv",
}


def _literal_validate(params: dict[str, Any]) -> None:
    for key in ("field", "find", "message"):
        if not isinstance(params.get(key), str):
            raise ValueError(f"golden-literal needs '{key}'")


def _literal_run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    t = rs.texts()
    t = t[(t["field"] == params["field"]) & t["text"].str.contains(params["find"], regex=False)]
    rows = []
    for rid, text in zip(t["record_id"], t["text"], strict=True):
        start = text.find(params["find"])
        rows.append(
            {
                "record_id": rid,
                "field": params["field"],
                "start": start,
                "end": start + len(params["find"]),
                "message": params["message"],
            }
        )
    return kind_frame(rows)


@pytest.fixture
def golden_rules(monkeypatch):
    monkeypatch.setitem(
        KINDS, "golden-literal", FunctionKind("golden-literal", _literal_run, _literal_validate)
    )
    return load_rules([GOLDEN / "checks"])


def _make_records(folder: Path) -> Path:
    """The seeds and one unreadable file under folder/records."""
    rec = folder / "records"
    rec.mkdir()
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, rec / seed.name)
    (rec / "broken.json").write_text(
        '{"protocolSection": {"identificationModule": ', encoding="utf-8"
    )
    return rec


@pytest.fixture
def records_dir(tmp_path, monkeypatch):
    """./records in a fresh working directory (relative paths: stable goldens)."""
    rec = _make_records(tmp_path)
    monkeypatch.chdir(tmp_path)
    return rec


@pytest.fixture(scope="module")
def golden_findings(tmp_path_factory):
    """The fixed findings set of the golden files (built once; its paths are relative)."""
    folder = tmp_path_factory.mktemp("golden")
    _make_records(folder)
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(
            KINDS, "golden-literal", FunctionKind("golden-literal", _literal_run, _literal_validate)
        )
        mp.chdir(folder)
        rules = load_rules([GOLDEN / "checks"])
        return trialint.check(["records"], rules=rules, select=GOLDEN_RULES, exemptions=[EXEMPTION])


def _normalise(text: str) -> str:
    return text.replace(f'"{__version__}"', '"<VERSION>"').replace(
        f'"{__version__.split("+")[0]}"', '"<VERSION>"'
    )


def _compare(name: str, got: str) -> None:
    path = GOLDEN / name
    got = _normalise(got)
    if UPDATE:
        path.write_text(got, encoding="utf-8", newline="")
    assert path.exists(), (
        f"{path} is missing: run TRIALINT_UPDATE_GOLDEN=1 pytest tests/test_formats.py"
    )
    want = path.read_bytes().decode("utf-8")
    assert got == want, f"{name} differs from the golden file (TRIALINT_UPDATE_GOLDEN=1 to accept)"


def test_the_golden_findings_set_is_what_the_goldens_claim(golden_findings):
    f = golden_findings
    got = sorted(zip(f.frame["record_id"], f.frame["rule"], strict=True))
    assert got == [
        ("000_f268d187f025ea9a", "golden-cycle"),
        ("000_f268d187f025ea9a", "golden-endpoint"),
        ("000_f268d187f025ea9a", "golden-note"),
        ("000_f268d187f025ea9a", "golden-randomization"),
        ("records/broken.json", "read-error"),
    ]
    assert f.suppressed[["record_id", "rule", "suppressed_by", "reason"]].values.tolist() == [
        [SEED1, "golden-note", "exemption", EXEMPTION["reason"]]
    ]
    assert f.record_count == 2


@pytest.mark.parametrize("fmt", CI_FORMATS)
def test_golden(golden_findings, fmt):
    _compare(GOLDEN_FILES[fmt], golden_findings.render(fmt))


def test_golden_sarif_with_suppressed(golden_findings):
    _compare("seeds.suppressed.sarif", golden_findings.render("sarif", include_suppressed=True))


def test_golden_statistics(golden_findings):
    _compare("seeds.statistics.txt", stats_renderer.render(golden_findings))


@pytest.mark.parametrize("fmt", CI_FORMATS)
def test_to_format_methods_match_render(golden_findings, fmt):
    assert getattr(golden_findings, f"to_{fmt}")() == golden_findings.render(fmt)


def test_every_ci_format_is_registered():
    assert set(CI_FORMATS) <= set(RENDERERS)


# --- SARIF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    import jsonschema

    schema = json.loads(
        (SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("include_suppressed", [False, True])
def test_sarif_is_valid_against_the_official_schema(
    golden_findings, sarif_validator, include_suppressed
):
    doc = json.loads(golden_findings.render("sarif", include_suppressed=include_suppressed))
    errors = sorted(sarif_validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_sarif_validator_rejects_a_broken_document(golden_findings, sarif_validator):
    doc = json.loads(golden_findings.to_sarif())
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert list(sarif_validator.iter_errors(doc))


def test_sarif_content(golden_findings):
    doc = json.loads(golden_findings.to_sarif())
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(GOLDEN_RULES) | {"read-error"} == set(rules)
    assert rules["golden-note"]["defaultConfiguration"]["level"] == "note"
    assert rules["golden-cycle"]["help"]["text"] == "Make the weeks and the cycles agree."
    cycle = next(r for r in run["results"] if r["ruleId"] == "golden-cycle")
    assert cycle["level"] == "error"
    assert run["tool"]["driver"]["rules"][cycle["ruleIndex"]]["id"] == "golden-cycle"
    loc = cycle["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "records/000_f268d187f025ea9a.txt"
    region = loc["physicalLocation"]["region"]
    seed_line = (
        (SEEDS / "000_f268d187f025ea9a.txt")
        .read_text(encoding="utf-8")
        .splitlines()[region["startLine"] - 1]
    )
    assert seed_line[region["startColumn"] - 1 :].startswith("At the end of Cycle 6")
    assert (
        loc["logicalLocations"][0]["fullyQualifiedName"]
        == "000_f268d187f025ea9a/outcomes[primary][0].time_frame"
    )
    assert len(cycle["partialFingerprints"]["trialintKey/v1"]) == 32
    broken = next(r for r in run["results"] if r["ruleId"] == "read-error")
    # the damage is where the truncated document ends: line 1, its last character
    assert broken["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": len('{"protocolSection": {"identificationModule": '),
    }
    assert all("suppressions" not in r for r in run["results"])
    assert run["properties"]["suppressedByExemptions"] == 1


def test_sarif_suppressed_results_carry_the_reason(golden_findings):
    run = json.loads(golden_findings.render("sarif", include_suppressed=True))["runs"][0]
    sup = [r for r in run["results"] if "suppressions" in r]
    assert len(sup) == 1
    assert sup[0]["suppressions"][0]["justification"] == EXEMPTION["reason"]
    assert sup[0]["properties"]["record"] == SEED1


# --- JUnit ----------------------------------------------------------------------------------


def test_junit_is_well_formed_with_a_testcase_per_record(golden_findings):
    root = ET.fromstring(golden_findings.to_junit())
    assert root.tag == "testsuites"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"000_f268d187f025ea9a", SEED1, "records/broken.json"}
    seed0 = cases["000_f268d187f025ea9a"]
    failures = seed0.findall("failure")
    assert sorted(f.get("type") for f in failures) == [
        "golden-cycle",
        "golden-endpoint",
        "golden-randomization",
    ]
    assert "golden-note" in seed0.find("system-out").text  # info: listed, not a failure
    assert not cases[SEED1].findall("failure")  # its only finding is exempted
    assert root.get("tests") == "3" and root.get("failures") == "2"
    endpoint = next(f for f in failures if f.get("type") == "golden-endpoint")
    assert "<b>cases</b> & more" in endpoint.get("message")


def test_junit_survives_control_characters(golden_findings):
    from dataclasses import replace

    frame = golden_findings.frame.copy()
    frame.loc[frame["rule"] == "golden-cycle", "message"] = (
        "bell \x07, nul \x00 and a form feed \x0c"
    )
    root = ET.fromstring(replace(golden_findings, frame=frame).to_junit())
    assert any("bell" in (f.get("message") or "") for f in root.iter("failure"))


# --- GitHub ---------------------------------------------------------------------------------


def test_github_workflow_commands(golden_findings):
    lines = golden_findings.to_github().splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(golden_findings)
    cycle = next(line for line in commands if "title=golden-cycle" in line)
    assert cycle.startswith("::error file=records/000_f268d187f025ea9a.txt,line=21,col=")
    assert "\n" not in cycle and "\r" not in cycle and "%0Asecond line" in cycle
    endpoint = next(line for line in commands if "title=golden-endpoint" in line)
    assert endpoint.startswith("::warning ") and "50%25 of" in endpoint
    note = next(line for line in commands if "title=golden-note" in line)
    assert note.startswith("::notice ")
    broken = next(line for line in commands if "title=read-error" in line)
    assert broken.startswith("::error file=records/broken.json,line=1,col=45,title=read-error::")
    assert lines[-1].startswith(
        "trialint: 4 findings (2 errors, 1 warning, 1 info) in 1 of 2 records; 1 read error"
    )


def test_github_escaping_rules():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%d\ne") == "a%2Cb%3Ac%25d%0Ae"


# --- GitLab ---------------------------------------------------------------------------------


def test_gitlab_code_quality(golden_findings):
    issues = json.loads(golden_findings.to_gitlab())
    assert isinstance(issues, list) and len(issues) == len(golden_findings)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    sev = {i["check_name"]: i["severity"] for i in issues}
    assert sev == {
        "golden-cycle": "major",
        "golden-randomization": "major",
        "golden-endpoint": "minor",
        "golden-note": "info",
        "read-error": "critical",
    }


def test_gitlab_fingerprints_are_unique_for_repeated_findings(golden_rules, records_dir):
    seed0 = Path("records/000_f268d187f025ea9a.txt")
    copy = seed0.with_name("copy_of_000.txt")
    copy.write_bytes(seed0.read_bytes())  # the same record in two files: two findings, one key
    twice = trialint.check([seed0, copy], rules=golden_rules, select=["golden-cycle"])
    issues = json.loads(twice.to_gitlab())
    assert len(issues) == 2 and issues[0]["fingerprint"] != issues[1]["fingerprint"]


# --- JSON Lines and CSV -------------------------------------------------------------------


def test_jsonl_objects_are_the_json_contracts_findings(golden_findings):
    lines = golden_findings.to_jsonl().splitlines()
    assert [json.loads(line) for line in lines] == json.loads(golden_findings.to_json())["findings"]


def test_jsonl_with_suppressed(golden_findings):
    last = json.loads(golden_findings.render("jsonl", include_suppressed=True).splitlines()[-1])
    assert last["suppressed"] == {"by": "exemption", "reason": EXEMPTION["reason"]}


def test_csv_has_a_header_and_one_row_per_finding(golden_findings):
    table = list(csv.DictReader(io.StringIO(golden_findings.to_csv())))
    assert len(table) == len(golden_findings)
    cycle = next(r for r in table if r["rule"] == "golden-cycle")
    assert (
        cycle["message"].startswith("18 weeks vs Cycle 6 × 28 days")
        and "\nsecond line" in cycle["message"]
    )
    assert cycle["line"] == "21" and cycle["path"] == "records/000_f268d187f025ea9a.txt"
    df = pd.read_csv(io.StringIO(golden_findings.to_csv()))
    assert list(df["rule"]) == list(golden_findings.frame["rule"])


def test_statistics_counts_per_rule(golden_rules, records_dir):
    # a file named twice (on its own and in its folder) is read once
    f = trialint.check(
        ["records", "records/000_f268d187f025ea9a.txt"], rules=golden_rules, select=GOLDEN_RULES
    )
    st = f.statistics()
    counts = dict(zip(st["rule"], st["count"], strict=True))
    assert counts == {
        "golden-note": 2,
        "golden-cycle": 1,
        "golden-endpoint": 1,
        "golden-randomization": 1,
        "read-error": 1,
    }
    assert st["rule"].iloc[0] == "golden-note"
    assert json.loads(stats_renderer.render(f, fmt="json"))[0] == {
        "rule": "golden-note",
        "severity": "info",
        "count": 2,
        "summary": "Golden fixture: an abbreviation worth spelling out.",
    }


def test_empty_findings_render_in_every_format(tmp_path):
    f = trialint.check(
        pd.DataFrame({"record_id": ["r1"], "brief_title": ["A title"]}), select=["schema-length"]
    )
    assert len(f) == 0
    for fmt in CI_FORMATS:
        out = f.render(fmt)
        assert out.endswith("\n") or (fmt == "jsonl" and out == "")
    assert json.loads(f.to_sarif())["runs"][0]["results"] == []
    assert json.loads(f.to_gitlab()) == []
    assert f.to_jsonl() == ""
    assert ET.fromstring(f.to_junit()).get("tests") == "1"


def test_absolute_paths_are_made_relative_to_the_working_directory(golden_rules, records_dir):
    f = trialint.check([str(records_dir.resolve())], rules=golden_rules, select=["golden-cycle"])
    assert f.frame["source_path"].iloc[0].startswith("/")
    assert "file=records/000_f268d187f025ea9a.txt," in f.to_github()
    uri = json.loads(f.to_sarif())["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"]
    assert uri == "records/000_f268d187f025ea9a.txt"


def test_golden_files_are_normalised():
    for name in [*GOLDEN_FILES.values(), "seeds.suppressed.sarif"]:
        text = (GOLDEN / name).read_text(encoding="utf-8")
        assert str(Path.cwd().anchor + "tmp") not in text and str(ROOT) not in text
