"""Configuration: discovery, validation with file:line, precedence (command line > config >
defaults), `trialint config`, severity overrides, per-path ignores, exemptions, extend-checks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialint
from trialint.cli import main
from trialint.config import find_config_file, from_command_line, read_config_file, resolve
from trialint.errors import ConfigError, UnknownRuleError
from trialint.suppress import path_matches

BAD_STATUS = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT01234567", "briefTitle": "A study"},
        "statusModule": {"overallStatus": "Completed"},
    }
}
LONG_TITLE = {
    "protocolSection": {
        "identificationModule": {"nctId": "NCT07654321", "briefTitle": "Title " * 60},
        "statusModule": {"overallStatus": "COMPLETED"},
    }
}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A repository with two records: one with a bad status (error), one with a long title."""
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.json").write_text(json.dumps(BAD_STATUS), encoding="utf-8")
    (tmp_path / "records" / "legacy").mkdir()
    (tmp_path / "records" / "legacy" / "b.json").write_text(
        json.dumps(LONG_TITLE), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rules_of(result) -> list[tuple[str, str]]:
    doc = json.loads(result.output)
    return sorted((f["record"], f["rule"]) for f in doc["findings"])


# --- discovery ------------------------------------------------------------------------------


def test_discovery_walks_up_and_skips_pyproject_without_the_table(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.trialint]\nfail-on = "error"\n')
    _write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "x"\n')
    deep = tmp_path / "pkg" / "a" / "b"
    deep.mkdir(parents=True)
    cfg = find_config_file(deep)
    assert cfg is not None and cfg.path == tmp_path / "pyproject.toml"
    assert cfg.data == {"fail-on": "error"}


def test_trialint_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    _write(tmp_path / "pyproject.toml", '[tool.trialint]\nfail-on = "error"\n')
    _write(tmp_path / "trialint.toml", 'fail-on = "info"\n')
    assert find_config_file(tmp_path).path.name == "trialint.toml"


def test_no_config_means_defaults(tmp_path):
    settings = resolve(find_config_file(tmp_path), cwd=tmp_path)
    assert (
        settings.fail_on == "warning" and settings.format == "text" and settings["select"] is None
    )
    assert set(settings.origins.values()) == {"default"}


def test_explicit_pyproject_without_table_is_an_error(tmp_path):
    p = _write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[tool.trialint\] table"):
        read_config_file(p)


# --- validation: exit 2 naming file and line --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (
            '[tool.trialint]\nselect = ["schema-enum"]\nfail_on = "error"\n',
            3,
            r"unknown key 'fail_on' \(did you mean 'fail-on'\?\)",
        ),
        ('[tool.trialint]\nfail-on = "sometimes"\n', 2, "fail-on` must be one of"),
        ('[tool.trialint]\nselect = "schema-enum"\n', 2, "must be a list"),
        ('[tool.trialint]\nformat = "pdf"\n', 2, "unknown format 'pdf'"),
        (
            '[tool.trialint]\n\n[tool.trialint.severity]\nschema-enum = "fatal"\n',
            4,
            "severity of 'schema-enum'",
        ),
        (
            '[tool.trialint]\nper-path-ignores = {"a/*.json" = "schema-enum"}\n',
            2,
            "must be a list of rule ids",
        ),
        (
            '[tool.trialint]\nextend-checks = ["no-such-folder"]\n',
            2,
            "'no-such-folder' does not exist",
        ),
        (
            '[tool.trialint]\n\n[[tool.trialint.exemptions]]\nrule = "schema-enum"\nrecords = ["NCT01234567"]\n',
            3,
            "needs a `reason`",
        ),
        (
            '[tool.trialint]\n\n[[tool.trialint.exemptions]]\nrule = "schema-enum"\nrecords = ["NCT01234567"]\nreason = "  "\n',
            6,
            "needs a `reason`",
        ),
        (
            '[tool.trialint]\n\n[[tool.trialint.exemptions]]\nrule = "schema-enum"\nrecords = []\nreason = "x"\n',
            5,
            "non-empty list of record ids",
        ),
        (
            '[tool.trialint]\n\n[[tool.trialint.exemptions]]\nrule = "a"\nrecords = ["N"]\nreason = "x"\n\n[[tool.trialint.exemptions]]\nrule = "b"\nrecords = ["N"]\nreason = "x"\nuntil = "2025"\n',
            12,
            "unknown key 'until'",
        ),
        ('[tool.trialint]\nselect = ["a",\n', 2, "invalid TOML"),
        ("[tool.trialint]\nselect = [schema-enum]\n", 2, "invalid TOML"),
    ],
)
def test_structural_errors_name_file_and_line(project, text, line, match):
    _write(project / "pyproject.toml", text)
    with pytest.raises(ConfigError, match=match) as e:
        read_config_file(project / "pyproject.toml")
    assert str(e.value).startswith(f"{project / 'pyproject.toml'}:{line}: ")
    result = run("check", "records")
    assert result.exit_code == 2
    assert f"pyproject.toml:{line}: " in result.output


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[tool.trialint]\nselect = [\n  "schema-enum",\n  "schema-lenght",\n]\n', 4),
        ('[tool.trialint]\nignore = ["completenes"]\n', 2),
        ('[tool.trialint]\nextend-select = ["consistancy"]\n', 2),
        (
            '[tool.trialint]\n\n[tool.trialint.severity]\nschema-enum = "warning"\nschema-enun = "info"\n',
            5,
        ),
        (
            '[tool.trialint]\n\n[tool.trialint.per-path-ignores]\n"legacy/*.json" = ["schema-length", "schema-lenth"]\n',
            4,
        ),
        (
            '[tool.trialint]\n\n[[tool.trialint.exemptions]]\nrule = "schema-enumm"\nrecords = ["NCT01234567"]\nreason = "x"\n',
            4,
        ),
    ],
)
def test_unknown_rules_in_the_config_name_file_and_line(project, text, line):
    _write(project / "pyproject.toml", text)
    result = run("check", "records")
    assert result.exit_code == 2, result.output
    assert f"pyproject.toml:{line}: " in result.output and "did you mean" in result.output
    assert run("config").exit_code == 2


def test_unknown_rule_in_trialint_toml(project):
    _write(
        project / "trialint.toml", 'select = ["schema-enum"]\n\n[severity]\nschema-enumm = "info"\n'
    )
    result = run("check", "records")
    assert (
        result.exit_code == 2
        and "trialint.toml:4: unknown rule or category 'schema-enumm'" in result.output
    )


def test_unreadable_config_files_stop_the_run(project):
    (project / "trialint.toml").write_bytes(b'select = ["\xff"]\n')
    result = run("check", "records")
    assert result.exit_code == 2 and "trialint.toml:1: config file is not UTF-8" in result.output
    result = run("check", "records", "--config", "missing.toml")
    assert result.exit_code == 2 and "missing.toml: cannot read config file" in result.output


def test_a_bad_config_never_passes_even_if_records_are_clean(project):
    (project / "records" / "a.json").unlink()
    (project / "records" / "legacy" / "b.json").unlink()
    _write(project / "trialint.toml", 'selcet = ["schema-enum"]\n')
    result = run("check", "records")
    assert (
        result.exit_code == 2
        and "trialint.toml:1: unknown key 'selcet' (did you mean 'select'?)" in result.output
    )


# --- precedence -----------------------------------------------------------------------------


def test_config_values_apply(project):
    _write(
        project / "pyproject.toml", '[tool.trialint]\nselect = ["schema-length"]\nformat = "json"\n'
    )
    result = run("check", "records")
    assert result.exit_code == 1
    assert rules_of(result) == [("NCT07654321", "schema-length")]


def test_command_line_beats_config_beats_defaults(project):
    _write(
        project / "pyproject.toml",
        '[tool.trialint]\nselect = ["schema-length"]\nfail-on = "never"\nformat = "json"\n',
    )
    # config: only schema-length, never fails
    assert run("check", "records").exit_code == 0
    # command line select replaces the config's; --fail-on replaces fail-on
    result = run("check", "records", "--select", "schema-enum", "--fail-on", "error")
    assert result.exit_code == 1 and rules_of(result) == [("NCT01234567", "schema-enum")]
    # --isolated: defaults (every default rule, text output, fail-on warning)
    result = run("check", "records", "--isolated")
    assert result.exit_code == 1 and result.output.lstrip().startswith("records/")


def test_ignore_and_extend_select_add_to_the_config(project):
    _write(
        project / "trialint.toml",
        'select = ["schema-length"]\nextend-select = ["schema-enum"]\nignore = ["schema-nct-id"]\nformat = "json"\n',
    )
    assert rules_of(run("check", "records")) == [
        ("NCT01234567", "schema-enum"),
        ("NCT07654321", "schema-length"),
    ]
    assert rules_of(run("check", "records", "--ignore", "schema-length")) == [
        ("NCT01234567", "schema-enum")
    ]
    settings = from_command_line(None, ignore=["schema-length"])
    assert settings["ignore"] == ["schema-nct-id", "schema-length"]
    assert settings.origins["ignore"] == f"{project / 'trialint.toml'}:3 + command line"


def test_unknown_rule_on_the_command_line_is_exit_2_with_a_suggestion(project):
    _write(project / "trialint.toml", 'select = ["schema-length"]\n')
    result = run("check", "records", "--ignore", "schema-lenght")
    assert (
        result.exit_code == 2
        and "unknown rule or category 'schema-lenght' (did you mean schema-length" in result.output
    )


def test_trialint_config_prints_values_and_origins(project):
    _write(
        project / "pyproject.toml",
        """
        [project]
        name = "x"

        [tool.trialint]
        select = ["schema-length", "schema-enum"]
        fail-on = "error"

        [tool.trialint.severity]
        schema-enum = "warning"

        [[tool.trialint.exemptions]]
        rule = "schema-enum"
        records = ["NCT01234567"]
        reason = "status wording fixed upstream"
        """,
    )
    result = run("config", "--fail-on", "info", "--ignore", "schema-nct-id")
    assert result.exit_code == 0, result.output
    lines = {
        line.split("=")[0].strip(): line
        for line in result.output.splitlines()
        if "=" in line and not line.startswith("#")
    }
    cfg = str(project / "pyproject.toml")
    assert lines["select"].endswith(f'["schema-length", "schema-enum"]  # {cfg}:5')
    assert lines["fail-on"].endswith('"info"  # command line')
    assert lines["ignore"].endswith('["schema-nct-id"]  # command line')
    assert lines["severity"].endswith(f'{{"schema-enum" = "warning"}}  # {cfg}:8')
    assert lines["format"].endswith('"text"  # default')
    assert "schema-enum for NCT01234567: status wording fixed upstream" in result.output
    assert "# rules that run (2): schema-enum, schema-length" in result.output
    assert result.output.startswith(f"# config file: {cfg} [tool.trialint]")


def test_python_api_takes_a_config_and_arguments_win(project):
    _write(project / "trialint.toml", 'select = ["schema-length"]\n')
    assert sorted(trialint.check("records", config=True).frame["rule"]) == ["schema-length"]
    assert sorted(
        trialint.check("records", config="trialint.toml", select=["schema-enum"]).frame["rule"]
    ) == ["schema-enum"]
    assert sorted(
        trialint.check("records", select=["schema-length", "schema-enum"]).frame["rule"]
    ) == ["schema-enum", "schema-length"]


# --- severity, per-path ignores, exemptions, extend-checks ----------------------------------------


def test_severity_overrides_from_config_and_a_rule_beats_its_category(project):
    _write(
        project / "trialint.toml",
        'select = ["conformance"]\nformat = "json"\n\n[severity]\nconformance = "info"\nschema-length = "warning"\n',
    )
    doc = json.loads(run("check", "records").output)
    sev = {f["rule"]: f["severity"] for f in doc["findings"]}
    assert sev == {"schema-enum": "info", "schema-length": "warning"}
    assert run("check", "records", "--fail-on", "error").exit_code == 0
    assert run("check", "records").exit_code == 1


def test_unknown_rule_in_api_severity_overrides_raises():
    with pytest.raises(UnknownRuleError):
        trialint.check(json_frame(), severity_overrides={"no-such-rule": "info"})


def json_frame():
    import pandas as pd

    return pd.DataFrame({"record_id": ["r1"], "brief_title": ["A title"]})


@pytest.mark.parametrize(
    ("path", "pattern", "hit"),
    [
        ("records/legacy/b.json", "records/legacy/*.json", True),
        ("records/legacy/b.json", "records/*.json", False),
        ("records/legacy/b.json", "records/**/*.json", True),
        ("records/legacy/b.json", "**/legacy/*", True),
        ("records/legacy/b.json", "legacy", True),
        ("records/legacy/b.json", "records/legacy/", True),
        ("records/legacy/b.json", "b.json", True),
        ("records/legacy/b.json", "*.csv", False),
        ("records/a.json", "records/[ab].json", True),
        ("records/c.json", "records/[!ab].json", True),
        ("archive.zip!NCT1.json", "archive.zip", True),
        ("records/a.json", "./records/a.json", True),
    ],
)
def test_path_globs(path, pattern, hit):
    assert path_matches(path, pattern) is hit


def test_per_path_ignores_are_relative_to_the_config_folder(project):
    sub = project / "sub"
    sub.mkdir()
    _write(
        project / "trialint.toml",
        'format = "json"\nselect = ["schema-length", "schema-enum"]\n\n[per-path-ignores]\n"records/legacy/*.json" = ["schema-length"]\n',
    )
    assert rules_of(run("check", "records")) == [("NCT01234567", "schema-enum")]
    # from a sub-folder, paths are given differently but the glob still means the same files
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(sub)
        result = run("check", "../records")
        assert rules_of(result) == [("NCT01234567", "schema-enum")]
        result = run("check", str(project / "records"))
        assert rules_of(result) == [("NCT01234567", "schema-enum")]


def test_per_path_ignores_in_the_python_api(project):
    f = trialint.check(
        "records",
        select=["schema-length", "schema-enum"],
        per_path_ignores={"legacy/": ["conformance"]},
    )
    assert list(f.frame["rule"]) == ["schema-enum"] and len(f.suppressed) == 0


def test_exemptions_are_suppressed_with_their_reason(project):
    _write(
        project / "trialint.toml",
        """
        select = ["schema-enum", "schema-length"]

        [[exemptions]]
        rule = "schema-enum"
        records = ["NCT01234567"]
        reason = "the status is migrated by the registry in 2025"
        """,
    )
    result = run("check", "records")
    assert result.exit_code == 1  # schema-length in the other record still fails
    assert (
        "suppressed[schema-enum]" in result.output
        and "exempt: the status is migrated by the registry in 2025" in result.output
    )
    assert "1 suppressed (1 by exemption)" in result.output
    result = run("check", "records", "--ignore", "schema-length")
    assert result.exit_code == 0, result.output
    f = trialint.check("records", config=True)
    assert f.suppressed[["record_id", "rule", "suppressed_by", "reason"]].values.tolist() == [
        [
            "NCT01234567",
            "schema-enum",
            "exemption",
            "the status is migrated by the registry in 2025",
        ]
    ]


def test_exemption_by_category_in_the_api(project):
    ex = [{"rule": "conformance", "records": ["NCT07654321"], "reason": "legacy record"}]
    f = trialint.check("records", select=["schema-enum", "schema-length"], exemptions=ex)
    assert list(f.frame["rule"]) == ["schema-enum"]
    assert list(f.suppressed["reason"]) == ["legacy record"]
    with pytest.raises(ValueError, match="reason"):
        trialint.check("records", exemptions=[{"rule": "schema-enum", "records": ["X"]}])


def test_extend_checks_adds_the_teams_own_rules(project):
    _write(
        project / "team-rules" / "team-title-length.yaml",
        """
        id: team-title-length
        severity: warning
        category: clarity
        summary: Our titles are short.
        why: House style (internal guide, section 2).
        fix: Shorten the title.
        kind: schema
        params:
          frames: [studies]
          checks: [str_length]
          columns: [brief_title]
        examples:
          flag:
            - name: long title
              record: {protocolSection: {identificationModule: {nctId: NCT01234567, briefTitle: x}}}
          pass:
            - name: short title
              record: {protocolSection: {identificationModule: {nctId: NCT01234567, briefTitle: x}}}
        """,
    )
    _write(
        project / "trialint.toml",
        'extend-checks = ["team-rules"]\nselect = ["team-title-length"]\nformat = "json"\n',
    )
    result = run("check", "records")
    assert rules_of(result) == [("NCT07654321", "team-title-length")]
    assert json.loads(result.output)["findings"][0]["severity"] == "warning"
    # relative to the config file, wherever trialint runs
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project / "records")
        assert rules_of(run("check", ".")) == [("NCT07654321", "team-title-length")]


def test_api_arguments_on_top_of_command_line_settings_keep_both(project):
    from trialint.config import settings_for

    _write(project / "trialint.toml", 'select = ["schema-length"]\n')
    cli = from_command_line(None, fail_on="error", ignore=["schema-nct-id"])
    merged = settings_for(cli, {"select": ["schema-enum"], "ignore": None})
    assert merged.fail_on == "error" and merged["select"] == ["schema-enum"]
    assert merged["ignore"] == ["schema-nct-id"]
    assert settings_for(cli, {"select": None}) is cli
    assert list(trialint.check("records", config=cli, select=["schema-enum"]).frame["rule"]) == [
        "schema-enum"
    ]
