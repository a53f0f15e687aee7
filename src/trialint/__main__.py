"""`trialint` (the console script) and `python -m trialint`: the command line, with Ctrl-C
handled from the very start (while pandas and the rules are still loading, too): exit 130 and
one line, never a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("\ntrialint: interrupted\n")
        sys.exit(130)
    cli_main()


if __name__ == "__main__":
    main()
