"""`trialint` (the console script) and `python -m trialint`: the command line, with Ctrl-C
handled from the very start (while pandas and the rules are still loading, too): exit 130 and
one line, never a traceback."""

from __future__ import annotations

import contextlib
import os
import sys

EXIT_INTERRUPTED = 130


def _leave_interrupted() -> None:
    """End an interrupted run now. The run has already stopped its workers and kept or removed
    its outputs; what is left is the interpreter's own shutdown (joining the worker pool's
    threads, whose reads of a terminated worker can still print a traceback), so skip it."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(EXIT_INTERRUPTED)


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ntrialint: interrupted\n")
        _leave_interrupted()
    try:
        cli_main()
    except SystemExit as e:
        if e.code == EXIT_INTERRUPTED:
            _leave_interrupted()
        raise


if __name__ == "__main__":
    main()
