"""Progress on stderr for long runs: a live count of records checked, with the rate.

Shown only when stderr is a terminal, not in CI (``CI`` and the usual CI variables) and not
with ``--quiet``; nothing is drawn for runs shorter than ``delay`` seconds. The line is erased
when the run ends, so the output itself is never mixed with it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from typing import TextIO

CI_VARIABLES: tuple[str, ...] = (
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "CIRCLECI",
    "JENKINS_URL",
    "TF_BUILD",
    "TEAMCITY_VERSION",
)
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return any(env.get(k, "").strip().lower() not in ("", "0", "false", "no") for k in CI_VARIABLES)


def wanted(quiet: bool, stream: TextIO | None = None, env: Mapping[str, str] | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return not quiet and bool(isatty and isatty()) and not in_ci(env)


class Progress:
    """A callable for ``trialint.check(progress=...)``: add ``n`` records checked."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        delay: float = 0.5,
        interval: float = 0.1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.interval = interval
        self.count = 0
        self.started = time.monotonic()
        self.last_draw = 0.0
        self.width = 0
        self.frame = 0

    def __call__(self, n: int) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.started < self.delay or now - self.last_draw < self.interval:
            return
        self.last_draw = now
        rate = self.count / max(now - self.started, 1e-9)
        self.frame = (self.frame + 1) % len(_SPINNER)
        line = f"{_SPINNER[self.frame]} trialint: {self.count:,} records checked ({rate:,.0f}/s)"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = max(self.width, len(line))

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
