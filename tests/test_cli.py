"""The `check` command: exit codes, rule selection errors, --fail-on, --output, stdin,
directory recursion, formats, --statistics, progress and --quiet."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import ROOT
from trialint.cli import main
from trialint.progress import Progress, in_ci, wanted
from trialint.render import RENDERERS

WARN_ONLY = {
    "protocolSection": {"identificationModule": {"nctId": "NCT00000001", "briefTitle": "A title"}}
}
BAD_STATUS = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT00000002", "briefTitle": "A title"},
        "statusModule": {"overallStatus": "Completed"},
    }
}
CLEAN = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT00000003", "briefTitle": "A title"},
        "statusModule": {"overallStatus": "COMPLETED"},
    }
}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "records" / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "records" / "clean.json").write_text(json.dumps(CLEAN))
    (tmp_path / "records" / "deep" / "deeper" / "bad.json").write_text(json.dumps(BAD_STATUS))
    (tmp_path / "records" / "deep" / "notes.md").write_text("not a record")
    (tmp_path / "records" / ".hidden.json").write_text("{broken")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_exit_0_when_clean(tree):
    result = run("check", "records/clean.json", "--select", "schema-enum")
    assert result.exit_code == 0, result.output
    assert "all clear" in result.output


def test_exit_1_when_a_finding_is_at_the_fail_level(tree):
    result = run("check", "records", "--select", "schema-enum")
    assert result.exit_code == 1
    assert "records/deep/deeper/bad.json" in result.output and "error[schema-enum]" in result.output


def test_directories_are_recursed_by_extension_skipping_hidden_and_other_files(tree):
    result = run("check", "records", "--select", "schema-enum", "--format", "json")
    doc = json.loads(result.output)
    assert doc["summary"]["records"] == 2
    assert [f["source"]["path"] for f in doc["findings"]] == ["records/deep/deeper/bad.json"]


def test_stdin(tree):
    result = run(
        "check", "-", "--select", "schema-enum", "--format", "jsonl", input=json.dumps(BAD_STATUS)
    )
    assert result.exit_code == 1
    finding = json.loads(result.stdout.splitlines()[0])
    assert finding["record"] == "NCT00000002" and finding["source"]["path"] == "<stdin>"
    result = run("check", "-", "--select", "schema-enum", input=json.dumps(CLEAN))
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("option", "value", "suggestion"),
    [
        ("--select", "schema-enun", "schema-enum"),
        ("--ignore", "consistancy", "consistency"),
        ("--extend-select", "schema-lenght", "schema-length"),
    ],
)
def test_unknown_rule_is_exit_2_with_a_suggestion(tree, option, value, suggestion):
    result = run("check", "records", option, value)
    assert result.exit_code == 2
    assert f"unknown rule or category '{value}'" in result.output and suggestion in result.output


def test_missing_input_is_exit_2(tree):
    result = run("check", "nothing-here.json")
    assert result.exit_code == 2 and "nothing-here.json: no such file or directory" in result.output


def test_bad_option_value_is_exit_2(tree):
    assert run("check", "records", "--fail-on", "sometimes").exit_code == 2
    assert run("check", "records", "--format", "pdf").exit_code == 2


def test_fail_on_levels(tree):
    # one warning-level finding only: make the status an error, then lower it to warning/info via config
    (tree / "trialint.toml").write_text(
        'select = ["schema-enum"]\n\n[severity]\nschema-enum = "warning"\n'
    )
    assert run("check", "records").exit_code == 1  # default fail-on: warning
    assert run("check", "records", "--fail-on", "error").exit_code == 0
    assert run("check", "records", "--fail-on", "warning").exit_code == 1
    assert run("check", "records", "--fail-on", "never").exit_code == 0
    (tree / "trialint.toml").write_text(
        'select = ["schema-enum"]\n\n[severity]\nschema-enum = "info"\n'
    )
    assert run("check", "records").exit_code == 0  # info never fails unless asked
    assert run("check", "records", "--fail-on", "info").exit_code == 1


def test_output_file(tree):
    result = run(
        "check", "records", "--select", "schema-enum", "--format", "sarif", "-o", "out/report.sarif"
    )
    assert result.exit_code == 2  # the folder does not exist: a clear IO error, not a traceback
    assert "out/report.sarif: cannot write" in result.output
    (tree / "out").mkdir()
    result = run(
        "check", "records", "--select", "schema-enum", "--format", "sarif", "-o", "out/report.sarif"
    )
    assert result.exit_code == 1 and result.stdout == ""
    doc = json.loads((tree / "out" / "report.sarif").read_text())
    assert doc["runs"][0]["results"][0]["ruleId"] == "schema-enum"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_runs_from_the_command_line(tree, fmt):
    result = run("check", "records", "--select", "schema-enum", "--format", fmt)
    assert result.exit_code == 1, result.output
    assert "NCT00000002" in result.stdout or "bad.json" in result.stdout


def test_statistics(tree):
    (tree / "records" / "two.json").write_text(json.dumps({"studies": [BAD_STATUS, {**WARN_ONLY}]}))
    result = run("check", "records", "--select", "schema-enum,schema-length", "--statistics")
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0].split()
    assert first[:3] == ["2", "schema-enum", "error"]
    result = run("check", "records", "--select", "schema-enum", "--statistics", "--format", "json")
    assert json.loads(result.stdout) == [
        {
            "rule": "schema-enum",
            "severity": "error",
            "count": 2,
            "summary": json.loads(result.stdout)[0]["summary"],
        }
    ]


def test_no_progress_output_when_stderr_is_not_a_terminal(tree):
    result = run("check", "records", "--select", "schema-enum", "--format", "json")
    assert result.stderr == ""
    json.loads(result.stdout)


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_outside_ci_and_not_quiet():
    assert wanted(False, _TTY(), env={})
    assert not wanted(True, _TTY(), env={})
    assert not wanted(False, io.StringIO(), env={})
    assert not wanted(False, _TTY(), env={"CI": "true"})
    assert not wanted(False, _TTY(), env={"GITHUB_ACTIONS": "true"})
    assert wanted(False, _TTY(), env={"CI": "false"})
    assert in_ci({"GITLAB_CI": "1"}) and not in_ci({})


def test_progress_draws_a_count_and_erases_it():
    stream = _TTY()
    with Progress(stream, delay=0, interval=0) as bar:
        bar(1000)
        bar(500)
    out = stream.getvalue()
    assert "1,500 records checked" in out
    assert out.endswith("\r")  # the line is erased: the report itself is never mixed with it
    quiet = _TTY()
    with Progress(quiet, delay=60) as bar:  # short runs draw nothing
        bar(10)
    assert quiet.getvalue() == ""


def test_quiet_silences_notes_on_stderr(tree):
    result = run("check", "records", "--select", "schema-enum", "--write-baseline", "b.json", "-q")
    assert result.exit_code == 0 and result.stderr == "" and Path("b.json").exists()


def test_show_suppressed_adds_exempted_findings_to_machine_formats(tree):
    (tree / "trialint.toml").write_text(
        'select = ["schema-enum"]\n\n[[exemptions]]\nrule = "schema-enum"\nrecords = ["NCT00000002"]\nreason = "known"\n'
    )
    result = run("check", "records", "--format", "csv")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1  # header only
    result = run("check", "records", "--format", "csv", "--show-suppressed")
    assert result.exit_code == 0 and result.stdout.splitlines()[1].endswith(",exemption,known")


def test_pre_commit_hook_runs_trialint_on_record_files(tree):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "trialint" and hook["language"] == "python"
    files = re.compile(hook["files"])
    names = ("a.json", "b/c.ndjson", "d.csv", "e.txt", "f.json.gz", "NCT01234567.xml")
    assert all(files.search(n) for n in names)
    assert not files.search("README.md") and not files.search("x.yaml")
    program, *args = hook["entry"].split()
    assert program == "trialint"
    result = run(
        *args, "records/clean.json", "records/deep/deeper/bad.json", "--select", "schema-enum"
    )
    assert result.exit_code == 1 and "bad.json" in result.stdout


def test_the_config_example_in_the_docs_is_valid(tmp_path, monkeypatch):
    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    (tmp_path / "ci" / "trialint-rules").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = run("config")
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'pyproject.toml'}:" in result.output
