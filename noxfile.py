"""Sessions: tests, lint, typecheck, e2e (browser), bench. `bash scripts/test.sh` runs the CI set."""

from __future__ import annotations

import shutil

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests", "e2e"]
nox.options.reuse_existing_virtualenvs = True

PYTEST_NO_TESTS = 5


def _pytest(session: nox.Session, *args: str) -> None:
    # pytest exits 5 when it collected no test: for us that is a failure, never a silent pass
    code = session.run("pytest", *args, success_codes=[0, PYTEST_NO_TESTS])
    if code == PYTEST_NO_TESTS:  # session.run returns the exit code only when it is not 0 in some versions
        session.error("pytest collected no tests")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and integration tests (everything except the browser tests)."""
    session.install("-e", ".[test]")
    _pytest(session, "-m", "not e2e", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "bench", "tools", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "tools", "noxfile.py")


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
    session.install("-e", ".[test,e2e,gx]")
    session.run("python", "bench/run.py", *session.posargs)
