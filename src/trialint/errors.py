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


class InternalError(TrialintError):
    """A bug met while reading or checking an input (exit code 2). The message names the
    input; the cause (``__cause__``) carries the traceback that ``--debug`` shows."""
