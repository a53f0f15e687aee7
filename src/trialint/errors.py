"""Errors that stop a run (exit code 2). Bad *records* never raise: they become findings."""

from __future__ import annotations


class TrialintError(Exception):
    """A usage, config or IO error that stops the run (exit code 2)."""


class ConfigError(TrialintError):
    """A bad configuration or rule file. The message names the file and, if known, the line."""


class UnknownRuleError(TrialintError):
    """A rule id or category that does not exist; carries close matches."""

    def __init__(self, name: str, suggestions: list[str]):
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown rule or category '{name}'{hint}")
        self.name = name
        self.suggestions = suggestions


class EmptySelectionError(ConfigError):
    """The rule selection is empty: the run would check nothing (exit code 2)."""


class NothingReadError(TrialintError):
    """No record was read from the inputs: the run checked nothing (exit code 2)."""


class InternalError(TrialintError):
    """A bug met while reading or checking an input (exit code 2). The message names the
    input; ``details`` holds the bug's traceback as text (what ``--debug`` shows), which, unlike
    ``__cause__``, survives the way back from a worker process or a dask worker."""

    details: str = ""


def internal_error(message: str, cause: BaseException) -> InternalError:
    """An InternalError saying ``message``, carrying the traceback of ``cause`` (raise it
    ``from cause``)."""
    import traceback

    err = InternalError(message)
    err.details = "".join(traceback.format_exception(cause))
    return err


MAX_FILE_NESTING = 100  # config, baseline and rule files: deeper brackets are refused


def nesting_line(text: str, limit: int = MAX_FILE_NESTING) -> int | None:
    """The 1-based line where brackets (``[`` ``{``, outside quoted strings) first nest deeper
    than ``limit`` in a TOML/JSON/YAML text, or None: where a too-deep file goes wrong."""
    import re

    depth = 0
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[\[\]{}]', text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, m.start()) + 1
        elif c in "]}":
            depth = max(0, depth - 1)
    return None
