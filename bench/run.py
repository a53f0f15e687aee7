"""Run the benchmarks (not tests): every bench/bench_<name>.py, each in its own process.

Usage: python bench/run.py [NAME ...]   e.g. `python bench/run.py html` runs bench/bench_html.py.
Without names, runs all of them in name order (but `gx` and `cold`, whose figures
bench_check.py's table includes). A benchmark prints its figures to stdout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    found = {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}
    names = argv or [n for n in found if n not in ("gx", "cold")]
    unknown = [n for n in names if n not in found]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)} (have: {', '.join(found)})",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        print(f"== bench {name} ==", flush=True)
        status |= subprocess.call([sys.executable, str(found[name])])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
