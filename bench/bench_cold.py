"""Cold start: `trialint check one-record.json` in a fresh process (a benchmark, not a test).

The record is the corpus's first API v2 record. Bytecode caches are written by a first run (as
`pip install` writes them). Then, each the minimum of --repeat runs (wall clock and CPU time of
the process): with the rule catalog in the user cache (trialint.cache; what every run after the
first one gets) and with the cache off (TRIALINT_CACHE_DIR=''; a first run). Where the time goes:
`python -X importtime` over the whole run (the imports a check of one record makes, lazy ones
included; largest first), the stages of the run measured in-process (CPU time), and the rules
that take longest (`--profile`). bench_check.py puts the figures in its table; alone:
  python bench/run.py cold   or   python bench/bench_cold.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import GOALS, V2, Run, best, run

STAGES = """
import sys, time
c0 = time.process_time()
marks = []
def mark(name):
    marks.append((name, time.process_time()))
import pandas
mark("import pandas, pyarrow, numpy")
import trialint.cli, trialint.api
mark("import trialint (cli, api)")
from trialint.rules import load_rules
rules = load_rules()
mark("rule catalog (load_rules)")
f = trialint.api.check([sys.argv[1]], rules=rules, config=False)
mark("check (read, rules, locate)")
f.render("json")
mark("render JSON")
prev = c0
for name, c in marks:
    print(f"{name}\\t{c - prev:.3f}")
    prev = c
"""


def importtime(stderr: str, top: int = 12) -> tuple[float, list[tuple[str, float]]]:
    """Total import time (s) and the packages that take longest to import: each module's own
    time (not its imports') summed per top-level package, so pandas' numpy is numpy's."""
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \| \s*(\S+)", line)
        if m:
            name = m.group(2).split(".")[0]
            out[name] = out.get(name, 0.0) + int(m.group(1)) / 1e6
    ranked = sorted(out.items(), key=lambda kv: -kv[1])
    return sum(out.values()), ranked[:top]


def cold_start(out: Path, repeat: int = 5) -> dict[str, object]:
    """The cold-start figures (see the module docstring)."""
    one = out / "one-record.json"
    one.write_bytes(V2.read_bytes().splitlines()[0] + b"\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cache = tempfile.mkdtemp(prefix="trialint-bench-cache-")
    cached_env = {**env, "TRIALINT_CACHE_DIR": cache}
    no_cache_env = {**env, "TRIALINT_CACHE_DIR": ""}
    trialint_bin = str(Path(sys.executable).with_name("trialint"))
    cmd = [trialint_bin, "check", "--isolated", "-q", "--format", "json", str(one)]
    run(cmd, cached_env)  # bytecode caches, and the rule catalog into the user cache
    warm: Run = best([run(cmd, cached_env) for _ in range(max(1, repeat))])
    first: Run = best([run(cmd, no_cache_env) for _ in range(max(1, repeat))])
    py = [sys.executable, "-X", "importtime", "-m", "trialint", *cmd[1:]]
    total, imports = importtime(run(py, cached_env).stderr)
    stages = [
        tuple(line.split("\t"))
        for line in run([sys.executable, "-c", STAGES, str(one)], cached_env).stdout.splitlines()
    ]
    prof = run([*cmd, "--profile"], cached_env).stderr
    return {
        "cached": warm,
        "no_cache": first,
        "import_total": total,
        "imports": imports,
        "stages": stages,
        "profile": prof,
    }


def report(fig: dict[str, object], repeat: int) -> str:
    warm: Any = fig["cached"]
    first: Any = fig["no_cache"]
    goal = GOALS["cold_s"]
    imports = fig["imports"]
    assert isinstance(imports, list)
    stages = fig["stages"]
    assert isinstance(stages, list)
    lines = [
        f"cold `trialint check one-record.json --format json` (min of {repeat}):",
        f"  rule catalog in the user cache: {warm.wall:.2f} s wall, {warm.cpu:.2f} s CPU "
        f"(goal <= {goal} s wall: "
        + ("met" if warm.wall <= goal else f"{warm.wall / goal:.1f}x too slow")
        + ")",
        f"  cache off (a first run):        {first.wall:.2f} s wall, {first.cpu:.2f} s CPU",
        "  stages in-process (CPU s): " + ", ".join(f"{name} {float(s):.3f}" for name, s in stages),
        f"  python -X importtime over the run: {fig['import_total']:.2f} s of imports; by package "
        "(s, own time of its modules): " + ", ".join(f"{name} {s:.3f}" for name, s in imports),
    ]
    prof = str(fig["profile"]).strip().splitlines()
    if prof:
        lines.append("  --profile (s, largest first):")
        lines += [f"    {line}" for line in prof[:14]]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    print(report(cold_start(args.out, args.repeat), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
