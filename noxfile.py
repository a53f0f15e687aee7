"""Sessions: tests, lint, typecheck, e2e (browser), bench, fuzz. `bash scripts/test.sh` runs the CI set."""

from __future__ import annotations

import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "e2e"]
nox.options.reuse_existing_virtualenvs = True


def _pytest(session: nox.Session, *args: str) -> None:
    # Only exit code 0 passes. pytest's 5 ("no tests collected") fails the session on purpose:
    # a test run that ran nothing must never look green.
    session.run("pytest", *args)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and integration tests (everything except the browser tests). The gx extra is
    installed so that the Great Expectations commands are tested too."""
    session.install("-e", ".[test,gx]")
    _pytest(session, "-m", "not e2e", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The fuzz suite at full size: >= 10,000 mutated real records of every format through
    trialint (tests/test_fuzz.py; the normal test session runs a fast subset). Writes the
    figures of the run to fuzz-report.json; docs/reliability.md quotes them."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "tests/test_fuzz.py",
        "-p",
        "no:cacheprovider",
        "-q",
        "-s",
        *session.posargs,
        env={"TRIALINT_FUZZ": "full", "TRIALINT_FUZZ_REPORT": "fuzz-report.json"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6", "import-linter==2.17")
    session.run("ruff", "check", "src", "tests", "bench", "tools", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "tools", "noxfile.py")
    # the layers contract in pyproject.toml: imports only go down, so no cycle can come back
    session.run("lint-imports", env={"PYTHONPATH": "src"})


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def e2e(session: nox.Session) -> None:
    """Browser end-to-end tests: Debian's chromium driven by playwright (no browser download)."""
    if not shutil.which("chromium"):
        session.run("bash", "scripts/install-chromium.sh", external=True)
    session.install("-e", ".[test,e2e]")
    _pytest(session, "-m", "e2e", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (not tests): throughput, memory, report size and open time."""
    if not shutil.which("chromium"):
        session.run("bash", "scripts/install-chromium.sh", external=True)
    session.install("-e", ".[test,e2e,gx,bench]")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def accuracy(session: nox.Session) -> None:
    """Precision and recall of the core rules on the labelled development set (tests/accuracy),
    with the records behind every false positive and false negative."""
    session.install("-e", ".")
    session.run("python", "tests/accuracy/harness.py", *session.posargs)


@nox.session(name="history-accuracy")
def history_accuracy(session: nox.Session) -> None:
    """Precision and recall of the history rules (`trialint diff`) on the rated version pairs of
    ../shared/corpus/outcome_history (development and held-back parts)."""
    session.install("-e", ".")
    session.run("python", "tests/history_accuracy/harness.py", *session.posargs)
