"""The performance table (issue 13), measured in one run: a benchmark, not a test.

A scale corpus is built from the corpus's API v2 records (../shared/corpus) repeated with fresh
NCT ids, as NDJSON. Then, each timed as the wall clock and the CPU time (user + system of every
process) of a `trialint` command run in a child process, with the peak resident memory of the
whole process tree (sampled):

- the bare parse (`orjson.loads` of every line, the floor) and reading alone, at 20,000 records;
- end to end (`trialint check FILE --format json -o OUT`, all default rules) at 20,000 records
  in one process (the ratio to the bare parse) with `--profile` (seconds per rule);
- end to end at 10k / 30k / 100k records with `-j 1` and with every core (`-j 0`), and the
  projection of the whole registry (600,000 records) from the largest run;
- the legacy XML and CSV folders of the corpus;
- a cold one-record check, and what `python -X importtime` says the import costs;
- the `schema-*` checks (pandera) against the same checks as a great_expectations suite.

Wall times on a shared machine are noisy: every figure is the minimum of --repeat runs, and the
CPU time is printed beside it. Usage:
  python bench/bench_check.py [--sizes 10000,30000,100000] [--repeat 1] [--out bench/results]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("TRIALINT_CORPUS", ROOT.parent / "shared" / "corpus"))
V2 = CORPUS / "ctgov_v2_json" / "studies.ndjson"
REGISTRY = 600_000  # studies on ClinicalTrials.gov, about
GOALS = {"ratio": 2.0, "registry_s": 120.0, "rss_mb": 2048.0, "cold_s": 0.8}


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    stdout: str = ""
    stderr: str = ""


def build_corpus(n: int, out: Path) -> Path:
    """``n`` API v2 records: the corpus's records again and again, each with a fresh NCT id."""
    import orjson

    if out.exists() and out.stat().st_size and sum(1 for _ in out.open("rb")) == n:
        return out
    lines = V2.read_bytes().splitlines()
    studies = [orjson.loads(line) for line in lines if line.strip()]
    with out.open("wb") as fh:
        for i in range(n):
            study = studies[i % len(studies)]
            ident = study.setdefault("protocolSection", {}).setdefault("identificationModule", {})
            ident["nctId"] = f"NCT{90000000 + i:08d}"
            fh.write(orjson.dumps(study) + b"\n")
    return out


def head(src: Path, n: int, out: Path) -> Path:
    if not out.exists():
        with src.open("rb") as fh, out.open("wb") as dst:
            for i, line in enumerate(fh):
                if i >= n:
                    break
                dst.write(line)
    return out


def _tree_rss(pid: int) -> float:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for q in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += q.memory_info().rss
    return total / 2**20


def run(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``cmd``; wall clock, CPU of the process tree, peak RSS of the tree (sampled)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-3000:]}")
    return Run(wall, cpu, peak[0], out, err)


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.wall)


def trialint_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "trialint.cli", "check", "--isolated", "-q", *args]


def py(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


BARE = """
import sys, orjson
with open(sys.argv[1], 'rb') as fh:
    for line in fh:
        if line.strip():
            orjson.loads(line)
"""
READ = """
import sys
from trialint.read import read_paths
print(sum(len(rs) for rs in read_paths([sys.argv[1]])))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--ratio-records", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure (the minimum is kept)")
    ap.add_argument("--cold-repeat", type=int, default=5)
    ap.add_argument("--gx-rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str, str, str, str, str]] = []
    notes: list[str] = []

    def row(work: str, n: int | None, r: Run | None, note: str = "") -> None:
        if r is None:
            rows.append((work, f"{n:,}" if n else "", "", "", "", "", note))
            return
        rate = f"{n / r.wall:,.0f}" if n else ""
        rows.append(
            (
                work,
                f"{n:,}" if n else "",
                f"{r.wall:.2f}",
                f"{r.cpu:.2f}",
                rate,
                f"{r.rss_mb:,.0f}" if r.rss_mb else "",
                note,
            )
        )
        print(
            f"  {work} ({n or ''}): {r.wall:.2f} s wall, {r.cpu:.2f} s CPU, "
            f"peak RSS {r.rss_mb:,.0f} MB {note}",
            flush=True,
        )

    import trialint

    cores = len(os.sched_getaffinity(0))
    print(f"trialint {trialint.__version__}; {cores} cores; load {os.getloadavg()[0]:.1f}")
    top = max([*sizes, args.ratio_records])
    big = build_corpus(top, args.out / f"scale-{top}.ndjson")
    files = {n: head(big, n, args.out / f"scale-{n}.ndjson") for n in {*sizes, args.ratio_records}}
    reps = max(1, args.repeat)

    # --- the ratio at 20k -------------------------------------------------------------------
    n = args.ratio_records
    f = files[n]
    bare = best([run(py(BARE, str(f))) for _ in range(reps)])
    row("bare parse (orjson.loads per line)", n, bare, f"{f.stat().st_size / 1e6:,.0f} MB")
    read = best([run(py(READ, str(f))) for _ in range(reps)])
    row("read only (NDJSON -> RecordSet chunks)", n, read, f"{read.wall / bare.wall:.1f}x bare")
    e2e = best(
        [
            run(
                trialint_cmd(
                    "-j",
                    "1",
                    "--profile",
                    "--format",
                    "json",
                    "-o",
                    str(args.out / "out.json"),
                    str(f),
                )
            )
            for _ in range(reps)
        ]
    )
    ratio, cpu_ratio = e2e.wall / bare.wall, e2e.cpu / bare.cpu
    row(
        "end to end, all default rules, JSON out, -j 1",
        n,
        e2e,
        f"ratio to bare parse {ratio:.1f} (CPU {cpu_ratio:.1f}); goal <= {GOALS['ratio']:.0f}",
    )
    profile = e2e.stderr

    # --- scale ----------------------------------------------------------------------------
    scale: dict[tuple[int, str], Run] = {}
    for n in sizes:
        for jobs in ("1", "0"):
            r = best(
                [
                    run(
                        trialint_cmd(
                            "-j",
                            jobs,
                            "--format",
                            "json",
                            "-o",
                            str(args.out / "out.json"),
                            str(files[n]),
                        )
                    )
                    for _ in range(reps)
                ]
            )
            scale[(n, jobs)] = r
            label = "-j 1" if jobs == "1" else f"-j 0 ({cores} cores)"
            row(f"end to end, {label}", n, r)
    n_top = max(sizes)
    r_top = scale[(n_top, "0")]
    projected = REGISTRY / n_top * r_top.wall
    projected_cpu = REGISTRY / n_top * r_top.cpu
    rss = [scale[(n, "0")].rss_mb for n in sizes]
    if len(sizes) > 1:
        slope = (rss[-1] - rss[0]) / (sizes[-1] - sizes[0])
        rss_600k = rss[-1] + slope * (REGISTRY - sizes[-1])
    else:
        rss_600k = rss[-1]
    quiet = REGISTRY / n_top * r_top.cpu / cores  # all cores busy with this run alone
    rows.append(
        (
            f"whole registry, projected from {n_top:,} (CPU time / {cores} cores)",
            f"{REGISTRY:,}",
            f"{quiet:,.0f}",
            "",
            f"{REGISTRY / quiet:,.0f}",
            "",
            "what a quiet machine gives: the wall clock of a shared machine is no measure",
        )
    )
    rows.append(
        (
            f"whole registry, projected from {n_top:,} on {cores} cores",
            f"{REGISTRY:,}",
            f"{projected:,.0f}",
            f"{projected_cpu:,.0f}",
            f"{REGISTRY / projected:,.0f}",
            f"{rss_600k:,.0f}",
            f"goal <= {GOALS['registry_s']:.0f} s wall, <= {GOALS['rss_mb']:,.0f} MB "
            f"(RSS: linear in records, fitted over {', '.join(f'{s:,}' for s in sizes)})",
        )
    )

    # --- other formats ----------------------------------------------------------------------
    for label, path in (
        ("legacy XML folder", CORPUS / "ctgov_xml"),
        ("CSV folder", CORPUS / "ctgov_csv"),
    ):
        n_rec = int(run(py(READ, str(path))).stdout.strip() or 0)
        r_read = run(py(READ, str(path)))
        row(f"read only, {label}", n_rec, r_read)
        r = best(
            [
                run(
                    trialint_cmd(
                        "-j", "1", "--format", "json", "-o", str(args.out / "out.json"), str(path)
                    )
                )
                for _ in range(reps)
            ]
        )
        row(f"end to end, {label}, -j 1", n_rec, r)

    # --- cold start (bench_cold.py) ---------------------------------------------------------
    from bench_cold import cold_start
    from bench_cold import report as cold_report

    cold_fig = cold_start(args.out, args.cold_repeat)
    cold: Any = cold_fig["cached"]  # a Run (of the module bench_cold imported)
    row(
        "cold `trialint check one-record.json`",
        1,
        cold,
        f"goal <= {GOALS['cold_s']} s (min of {args.cold_repeat}; rule catalog in the user cache)",
    )
    no_cache: Any = cold_fig["no_cache"]
    row("cold, the user cache off (a first run)", 1, no_cache)
    notes.append(cold_report(cold_fig, args.cold_repeat).replace("\n", "\n  "))

    # --- GX ---------------------------------------------------------------------------------
    gx = run([sys.executable, str(ROOT / "bench" / "bench_gx.py"), "--rows", str(args.gx_rows)])
    m_ours = re.search(r"trialint \(pandera, schema-\*\)\s+-\s+([\d.]+)s", gx.stdout)
    m_gx = re.search(r"great_expectations suite\s+([\d.]+)s\s+([\d.]+)s", gx.stdout)
    agree = "agree" if "\nagree" in gx.stdout else "DISAGREE"
    if m_ours and m_gx:
        rows.append(
            (
                "schema checks (pandera, schema-*) vs the same as a GX suite",
                f"{args.gx_rows:,} rows",
                f"{m_ours.group(1)} vs {m_gx.group(2)}",
                "",
                "",
                "",
                f"GX import {m_gx.group(1)} s more; failing values {agree}",
            )
        )

    # --- print ------------------------------------------------------------------------------
    table = [
        "| work | records | wall s | CPU s | records/s | peak RSS MB | note |",
        "|---|---:|---:|---:|---:|---:|---|",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    goals = [
        f"- ratio to the bare parse: {ratio:.1f} (goal <= {GOALS['ratio']:.0f}): "
        + ("met" if ratio <= GOALS["ratio"] else f"{ratio / GOALS['ratio']:.1f}x too slow"),
        f"- whole registry on {cores} cores: {projected:,.0f} s wall, {quiet:,.0f} s from CPU "
        f"time (goal <= {GOALS['registry_s']:.0f} s): "
        + (
            "met"
            if quiet <= GOALS["registry_s"]
            else f"{quiet / GOALS['registry_s']:.1f}x too slow"
        )
        + f"; peak RSS {rss_600k:,.0f} MB (goal <= {GOALS['rss_mb']:,.0f}): "
        + ("met" if rss_600k <= GOALS["rss_mb"] else "over"),
        f"- cold one-record check: {cold.wall:.2f} s (goal <= {GOALS['cold_s']} s): "
        + (
            "met"
            if cold.wall <= GOALS["cold_s"]
            else f"{cold.wall / GOALS['cold_s']:.1f}x too slow"
        ),
    ]
    text = "\n".join(
        [
            f"trialint {trialint.__version__}, {cores} cores, load average at the end "
            f"{os.getloadavg()[0]:.1f}; minimum of {reps} run(s) per figure",
            "",
            *table,
            "",
            *goals,
            *(f"- {n}" for n in notes),
            "",
            f"Seconds per rule at {args.ratio_records:,} records (`trialint check --profile`, -j 1):",
            "",
            "```",
            profile.strip(),
            "```",
        ]
    )
    print()
    print(text)
    (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
