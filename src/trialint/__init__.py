"""trialint: a linter and audit tool for clinical-trial registry records."""

from __future__ import annotations

from .api import Findings, check, diff, history
from .version import __version__

__all__ = ["Findings", "__version__", "check", "diff", "history"]
