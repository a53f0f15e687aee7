"""The installed version of trialint (the package metadata's, or a local marker in a source tree)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialint")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
