"""trialint: a linter and audit tool for clinical-trial registry records."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialint")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

from .api import Findings, check

__all__ = ["Findings", "__version__", "check"]
