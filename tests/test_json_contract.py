"""The JSON output contract of docs/design.md: field names, types, summary and exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from trialint.cli import main

FINDING_KEYS = {
    "record",
    "rule",
    "severity",
    "field",
    "start",
    "end",
    "message",
    "excerpt",
    "source",
    "fingerprint",
}
SOURCE_KEYS = {"path", "line", "column", "end_line", "end_column", "pointer"}


def _run(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_contract_shape_on_seeds():
    code, doc = _run(str(SEEDS))
    assert set(doc) == {"tool", "summary", "findings"}
    assert doc["tool"]["name"] == "trialint" and isinstance(doc["tool"]["version"], str)
    s = doc["summary"]
    assert s["records"] == 2
    assert s["findings"] == len(doc["findings"]) > 0
    assert set(s["by_severity"]) == {"error", "warning", "info"}
    assert sum(s["by_severity"].values()) == s["findings"]
    for f in doc["findings"]:
        assert set(f) == FINDING_KEYS
        assert set(f["source"]) == SOURCE_KEYS
        assert f["severity"] in ("error", "warning", "info")
        assert (
            isinstance(f["start"], int)
            and isinstance(f["end"], int)
            and 0 <= f["start"] <= f["end"]
        )
    assert code == (1 if s["by_severity"]["error"] + s["by_severity"]["warning"] else 0)


def test_json_pointer_for_json_input(tmp_path):
    line = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text().splitlines()[0]
    study = json.loads(line)
    study["protocolSection"]["identificationModule"]["acronym"] = "A-VERY-LONG-ACRONYM"
    p = tmp_path / "page.json"
    p.write_text(json.dumps({"studies": [study]}))
    _, doc = _run("--select", "schema-length", str(p))
    (f,) = doc["findings"]
    text = p.read_text()
    at = text.index('"A-VERY-LONG-ACRONYM"') + 1  # the span starts after the opening quote
    assert f["source"] == {
        "path": str(p),
        "line": 1,
        "column": at + 1,
        "end_line": 1,
        "end_column": at + 1 + len("A-VERY-LONG-ACRONYM"),
        "pointer": "/studies/0/protocolSection/identificationModule/acronym",
    }
    assert f["field"] == "identificationModule.acronym"
    assert (f["start"], f["end"]) == (0, len("A-VERY-LONG-ACRONYM"))


def test_ndjson_findings_carry_the_line(tmp_path):
    lines = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text().splitlines()[:3]
    study = json.loads(lines[2])
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT123"
    p = tmp_path / "s.ndjson"
    p.write_text("\n".join([lines[0], lines[1], json.dumps(study)]) + "\n")
    _, doc = _run("--select", "schema-nct-id", str(p))
    (f,) = doc["findings"]
    assert f["record"] == "NCT123" and f["source"]["line"] == 3
    assert f["source"]["pointer"] == "/protocolSection/identificationModule/nctId"


def test_read_errors_are_findings_and_the_run_goes_on(tmp_path):
    good = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text().splitlines()[0]
    (tmp_path / "a.ndjson").write_text(good + "\n{broken\n")
    (tmp_path / "b.json").write_text('{"protocolSection": {"identificationModule": ')
    code, doc = _run(str(tmp_path))
    errs = [f for f in doc["findings"] if f["rule"] == "read-error"]
    assert {(e["source"]["path"].rsplit("/", 1)[-1], e["source"]["line"]) for e in errs} == {
        ("a.ndjson", 2),
        ("b.json", 1),  # a list that never closes: where it stops
    }
    assert all(e["severity"] == "error" for e in errs)
    assert doc["summary"]["records"] == 1 and doc["summary"]["read_errors"] == 2
    assert code == 2  # input that could not be read: the run cannot pass


def test_json_pointers_of_list_items_terms_and_whole_lists():
    from trialint.frames import json_pointer

    assert json_pointer("conditions[2]") == "/protocolSection/conditionsModule/conditions/2"
    assert (
        json_pointer("outcomes[secondary][1].time_frame")
        == "/protocolSection/outcomesModule/secondaryOutcomes/1/timeFrame"
    )
    assert (
        json_pointer("outcomesModule.primaryOutcomes")
        == "/protocolSection/outcomesModule/primaryOutcomes"
    )
    assert json_pointer("not.a.field") == ""
