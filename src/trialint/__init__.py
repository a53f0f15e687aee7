"""trialint: a linter and audit tool for clinical-trial registry records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .api import Findings, check, diff, history

__all__ = ["Findings", "__version__", "check", "diff", "history"]


def __getattr__(name: str) -> Any:
    # imported on first use: `import trialint` stays light (pandas and the rules load with the
    # API), so that the command line can catch Ctrl-C from its very start and `trialint
    # --version`, `trialint rules` and option parsing do not pay for it
    if name in ("Findings", "check", "diff", "history"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'trialint' has no attribute {name!r}")
