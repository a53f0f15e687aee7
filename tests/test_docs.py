"""The documentation works as written: the README's and docs' console examples are run and must
match today's output; rule sources name documents shipped in the repository; the versioning
convention (tag vX.Y.Z = the package version) holds across the recipes; a built wheel runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from trialint.cli import main
from trialint.rules import CATEGORIES, load_rules

BIN = Path(sys.executable).parent
ELLIPSIS = "…"


def console_examples(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, command, expected output lines) of every ```console block's `$ ` commands."""
    out: list[tuple[int, str, list[str]]] = []
    in_block = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() == "```console":
            in_block = True
            continue
        if in_block and line.strip() == "```":
            in_block = False
            continue
        if in_block:
            if line.startswith("$ "):
                out.append((n, line[2:], []))
            elif out:
                out[-1][2].append(line)
    return out


def expected_regex(lines: list[str]) -> re.Pattern[str]:
    """A line that is only '…' stands for any number of lines; '…' inside a line for any text."""
    parts = []
    for line in lines:
        line = line.rstrip()
        if line.strip() == ELLIPSIS:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in line.split(ELLIPSIS)) + r"[ \t]*\n")
    return re.compile("".join(parts))


def run_shell(command: str, cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    env.pop("CI", None)
    done = subprocess.run(
        command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    out = done.stdout + done.stderr
    return "\n".join(line.rstrip() for line in out.splitlines()) + "\n"


def test_expected_output_matching():
    pat = expected_regex(["a …", ELLIPSIS, "z"])
    assert pat.fullmatch("a b c\nx\ny\nz\n") and pat.fullmatch("a \nz\n")
    assert not pat.fullmatch("b\nz\n")


README_EXAMPLES = console_examples(ROOT / "README.md")


def test_the_readme_has_console_examples():
    commands = [c for _, c, _ in README_EXAMPLES]
    assert len(commands) >= 4 and all(c.startswith("trialint ") for c in commands)


@pytest.mark.parametrize(
    ("line", "command", "expected"), README_EXAMPLES, ids=[c for _, c, _ in README_EXAMPLES]
)
def test_readme_console_example(line, command, expected):
    got = run_shell(command, ROOT)
    assert expected_regex(expected).fullmatch(got), (
        f"README.md:{line}: `{command}` prints today:\n{got}\nUpdate the README's example."
    )


CI_EXAMPLES = console_examples(ROOT / "docs" / "ci.md")


@pytest.mark.parametrize(
    ("line", "command", "expected"), CI_EXAMPLES, ids=[c for _, c, _ in CI_EXAMPLES]
)
def test_ci_doc_console_example(line, command, expected, tmp_path):
    """docs/ci.md's examples run in a repository (/repo) holding its pyproject.toml example."""
    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    repo = tmp_path / "repo"
    (repo / "ci" / "trialint-rules").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(example, encoding="utf-8")
    got = run_shell(command, repo).replace(str(repo), "/repo")
    assert expected_regex(expected).fullmatch(got), f"docs/ci.md:{line}: `{command}` prints:\n{got}"


# --- rule sources ---------------------------------------------------------------------------------

_DOC_PATH = re.compile(r"(?<![\w/.])((?:\.\./)*[\w.-]+(?:/[\w.-]+)+\.(?:md|yaml|yml|json|xsd))")


def test_rule_sources_name_documents_shipped_in_the_repository():
    rules = load_rules()
    cited = set()
    for r in rules.values():
        text = "\n".join(
            (r.source, r.why)
        )  # what a rule cites (notes may name the corpus measured)
        assert "../" not in text, f"{r.path}: cites a file outside the repository"
        for m in _DOC_PATH.finditer(text):
            cited.add(m.group(1))
            assert (ROOT / m.group(1)).is_file(), f"{r.path}: cites {m.group(1)}, which is missing"
    assert {"docs/registry-rules.md", "docs/reference/ctg-oas-v2.yaml"} <= cited


# --- explain -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", CATEGORIES)
def test_explain_a_category_lists_its_rules(category):
    result = CliRunner().invoke(main, ["explain", category])
    assert result.exit_code == 0, result.output
    ids = sorted(r.id for r in load_rules().values() if r.category == category)
    listed = [ln.split()[0] for ln in result.output.splitlines() if ln.startswith("  ")]
    assert listed == ids


def test_explain_suggests_a_category_or_rule_for_a_typo():
    result = CliRunner().invoke(main, ["explain", "consistancy"])
    assert result.exit_code == 2 and "did you mean consistency" in result.stderr


# --- versions, tags and install recipes ---------------------------------------------------------------


def _project_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_recipes_use_the_tag_of_the_current_version():
    version = _project_version()
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    revs = re.findall(r"^\s*rev:\s*(\S+)", ci, re.M)
    assert revs and set(revs) == {f"v{version}"}
    pins = re.findall(r"trialint\.git@(v[0-9][^\s\"']*)", ci)
    assert pins and set(pins) == {f"v{version}"}
    wheels = re.findall(r"trialint-([0-9][^-\s]*)-py3-none-any\.whl", ci)
    assert wheels and set(wheels) == {version}
    assert "pip install trialint\n" not in ci and "pip install trialint " not in ci  # not on PyPI
    assert f"git tag -a v{version}" in ci


def test_a_built_wheel_installs_and_runs_outside_the_repository(tmp_path):
    """The wheel the docs tell users to build: the package, the rules and the entry point."""
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(ROOT)).build(
        directory=str(tmp_path / "dist"), versions=["standard"]
    )
    assert Path(wheel).name == f"trialint-{_project_version()}-py3-none-any.whl"
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert any(n.startswith("trialint/_data/checks/") and n.endswith(".yaml") for n in names)
        entry = zf.read(f"trialint-{_project_version()}.dist-info/entry_points.txt").decode()
        assert "trialint = trialint.__main__:main" in entry
        zf.extractall(site)
    away = tmp_path / "elsewhere"
    away.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import trialint, trialint.resources as r; "
        "assert trialint.__file__.startswith(sys.argv[1]), trialint.__file__; "
        "assert str(r.builtin_checks_dir()).startswith(sys.argv[1]); "
        "from trialint.cli import main; main(['check', '--isolated', sys.argv[2]])"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(site),
            str(ROOT / "examples" / "000_f268d187f025ea9a.txt"),
        ],
        cwd=away,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr  # findings at the default fail-on level
    assert "inconsistent-cycle-length" in done.stdout
