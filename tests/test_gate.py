"""The gate cannot pass by accident: an empty rule selection, nothing read or an input that could
not be read exit 2 (whatever --fail-on says); the command line's rule selection wins over the
config's (as in ruff); files that are plainly not registry records are skipped with a note; the
same input named twice is read once."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialint
from conftest import ROOT
from trialint.cli import main
from trialint.errors import EmptySelectionError
from trialint.rules import SelectionLayer, load_rules, select_layers

SEED = ROOT / "examples" / "000_f268d187f025ea9a.txt"
CLARITY_ONLY = "duplicate-summary-block"  # a clarity rule the seed trips


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with a config that ignores the clarity category and one seed record."""
    (tmp_path / "pyproject.toml").write_text('[tool.trialint]\nignore = ["clarity"]\n')
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / SEED.name).write_bytes(SEED.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- 1. an empty selection, the command line over the config, `trialint config` ----------------


def test_a_category_named_on_the_command_line_runs_though_the_config_ignores_it(repo):
    result = run("check", "records", "--select", "clarity", "--format", "json")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    rules = {f["rule"] for f in doc["findings"]}
    assert CLARITY_ONLY in rules
    assert rules <= {r.id for r in load_rules().values() if r.category == "clarity"}


def test_a_rule_named_by_extend_select_runs_though_the_config_ignores_its_category(repo):
    result = run("check", "records", "--extend-select", CLARITY_ONLY, "--format", "json")
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert CLARITY_ONLY in rules
    assert "outcome-title-abbreviation" not in rules  # the rest of clarity stays ignored


def test_config_shows_the_rules_that_will_run_with_the_command_line_winning(repo):
    result = run("config", "--select", "clarity")
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("# rules that run"))
    assert CLARITY_ONLY in line and "date-order" not in line
    assert "select replaces the selection of" in result.output
    plain = run("config")
    line = next(ln for ln in plain.output.splitlines() if ln.startswith("# rules that run"))
    assert CLARITY_ONLY not in line and "date-order" in line


def test_an_empty_rule_selection_exits_2_and_says_why(repo):
    (repo / "trialint.toml").write_text('select = ["clarity"]\nignore = ["clarity"]\n')
    result = run("check", "records", "--fail-on", "never")
    assert result.exit_code == 2
    assert "no rule to run: the selection is empty" in result.stderr
    assert 'select = ["clarity"], ignore = ["clarity"]' in result.stderr
    assert "all clear" not in result.output
    shown = run("config")
    assert shown.exit_code == 2
    assert "# rules that run (0): none" in shown.stdout and "no rule to run" in shown.stderr


def test_the_python_api_refuses_an_empty_selection(repo):
    with pytest.raises(EmptySelectionError):
        trialint.check(["records"], select=["clarity"], ignore=["clarity"])


def test_within_one_layer_the_more_specific_selector_wins_as_in_ruff():
    rules = load_rules()
    one = [SelectionLayer(("ALL",), (CLARITY_ONLY,), ("clarity",))]
    ids = {r.id for r in select_layers(rules, one)}
    assert CLARITY_ONLY in ids and "outcome-title-symbol" not in ids and "date-order" in ids
    # ignore beats select at the same specificity; a later layer's select starts afresh
    assert "date-order" not in {
        r.id for r in select_layers(rules, [SelectionLayer(("date-order",), (), ("date-order",))])
    }
    layers = [SelectionLayer(None, (), ("ALL",)), SelectionLayer(("date-order",))]
    assert [r.id for r in select_layers(rules, layers)] == ["date-order"]


# --- 1 + 3. nothing read, inputs that cannot be read ---------------------------------------------


def test_an_empty_folder_exits_2_saying_nothing_was_read(tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("check", "empty", "--isolated", "--fail-on", "never")
    assert result.exit_code == 2
    assert "no record was read (no record files in empty)" in result.stderr
    assert "all clear" not in result.stdout


def test_a_folder_of_files_that_are_not_records_exits_2(tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "repo" / "requirements.txt").write_text("pandas>=3\nclick\n")
    monkeypatch.chdir(tmp_path)
    result = run("check", "repo", "--isolated")
    assert result.exit_code == 2
    assert "no record was read (2 files skipped as not registry records)" in result.stderr


def test_an_unreadable_input_exits_2_even_with_fail_on_never(repo):
    (repo / "records" / "dump.json.gz").write_bytes(b"\x1f\x8b not really gzip")
    result = run("check", "records", "--fail-on", "never", "--isolated")
    assert result.exit_code == 2, result.output
    assert "1 input could not be read (read-error, in 1 file)" in result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.endswith("in 1 of 1 record; 1 read error (input not checked)")
    assert "dump.json.gz" in result.stdout  # the read error names the file


def test_the_summary_counts_read_records_only(tmp_path, monkeypatch):
    (tmp_path / "broken.json").write_text('{"protocolSection": {"identificationModule": ')
    monkeypatch.chdir(tmp_path)
    result = run("check", "broken.json", "--isolated")
    assert result.exit_code == 2
    last = result.stdout.strip().splitlines()[-1]
    assert (
        last
        == "0 findings (0 errors, 0 warnings, 0 info) in 0 of 0 records; 1 read error (input not checked)"
    )
    assert "could not be read" in result.stderr and "no record was read" in result.stderr


def test_ignoring_read_error_lets_a_run_with_records_pass(repo):
    (repo / "records" / "broken.json").write_text('{"protocolSection": ')
    result = run(
        "check", "records", "--isolated", "--select", "date-order", "--ignore", "read-error"
    )
    assert result.exit_code == 0, result.output


# --- 4. files that are not registry records --------------------------------------------------------


def test_package_json_and_requirements_txt_are_skipped_with_a_note(repo):
    (repo / "package.json").write_text('{"name": "site", "dependencies": {"react": "^18"}}')
    (repo / "requirements.txt").write_text("pandas>=3\n")
    (repo / "data.csv").write_text("a,b\n1,2\n")
    (repo / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>")
    result = run(
        "check", "package.json", "requirements.txt", "data.csv", "pom.xml",
        f"records/{SEED.name}", "--select", "date-order", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["summary"]["records"] == 1 and doc["summary"]["read_errors"] == 0
    skipped = {s["path"]: s["reason"] for s in doc["summary"]["skipped"]}
    assert set(skipped) == {"package.json", "requirements.txt", "data.csv", "pom.xml"}
    assert all(r.startswith("skipped: not a registry record") for r in skipped.values())
    for name in skipped:
        assert f"trialint: note: {name}: skipped: not a registry record" in result.stderr
    quiet = run("check", "package.json", f"records/{SEED.name}", "--select", "date-order", "-q")
    assert "note" not in quiet.stderr


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("NCT01234567.json", '{"protocolSection": {"identificationModule": {"nctId": "NCT0123'),
        (
            "study.json",
            '[{"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}} {"x"',
        ),
        ("classic.json", '{"FullStudiesResponse": {"FullStudies": []}}'),
        ("study.xml", "<clinical_study><id_info><nct_id>NCT01234567</nct_id>"),
        ("notes.txt", "Notes on NCT01234567 that are in no export layout."),
    ],
)
def test_a_file_that_looks_like_a_record_but_is_broken_stays_a_read_error(
    tmp_path, monkeypatch, name, content
):
    (tmp_path / name).write_text(content)
    monkeypatch.chdir(tmp_path)
    result = run("check", name, "--isolated", "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["summary"]["skipped"] == []
    assert [f["rule"] for f in doc["findings"]] == ["read-error"] * len(doc["findings"]) != []


def test_pass_on_no_records_for_hooks_but_read_errors_still_fail(repo):
    (repo / "package.json").write_text('{"name": "site"}')
    result = run("check", "package.json", "--pass-on-no-records")
    assert result.exit_code == 0 and "skipped: not a registry record" in result.stderr
    (repo / "bad.json").write_text('{"protocolSection": [')
    result = run("check", "package.json", "bad.json", "--pass-on-no-records")
    assert result.exit_code == 2


def test_the_pre_commit_hook_passes_a_commit_of_non_record_files(repo):
    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    _program, *args = hook["entry"].split()
    (repo / "package.json").write_text('{"name": "site"}')
    assert run(*args, "package.json").exit_code == 0
    # and still gates the records it is given
    assert (
        run(*args, "package.json", f"records/{SEED.name}", "--select", CLARITY_ONLY).exit_code == 1
    )


def test_ndjson_and_gzip_that_are_not_records_are_skipped(tmp_path, monkeypatch):
    (tmp_path / "events.jsonl").write_text('{"event": "click", "at": 1}\n{"event": "view"}\n')
    with gzip.open(tmp_path / "log.ndjson.gz", "wt") as fh:
        fh.write('{"level": "info"}\n')
    monkeypatch.chdir(tmp_path)
    f = trialint.check(["events.jsonl", "log.ndjson.gz"], select=["date-order"])
    assert len(f) == 0 and f.record_count == 0
    assert [s["path"] for s in f.skipped] == ["events.jsonl", "log.ndjson.gz"]


# --- 5. the same input twice ---------------------------------------------------------------------


def test_the_same_file_named_twice_or_with_its_folder_is_read_once(repo):
    seed = f"records/{SEED.name}"
    once = trialint.check([seed], select=["clarity"])
    for paths in (
        [seed, seed],
        ["records", seed],
        [seed, "./records/"],
        [seed, str(Path(seed).resolve())],
    ):
        f = trialint.check(paths, select=["clarity"])
        assert f.record_count == 1, paths
        assert len(f) == len(once), paths
    result = run("check", seed, "records", "--select", "clarity")
    assert "in 1 of 1 record" in result.stdout
