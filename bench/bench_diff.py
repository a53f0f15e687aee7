"""Time and memory of `trialint.diff` on two large downloads (a benchmark, not a test).

Builds an OLD and a NEW NDJSON download of N records (default 20,000: the API v2 corpus repeated
with fresh NCT ids; in NEW every fifth record's primary time frames moved and every fiftieth
record dropped), then runs `trialint.diff` in a fresh process twice: streaming (the default:
OLD kept as an index of status, dates and outcomes, NEW read 5,000 records at a time) and with
one chunk as large as the input (everything in memory at once, as before streaming). Reports
time, records/s and peak RSS of each. Usage: python bench/bench_diff.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

RUN = """
import resource, sys, time, trialint
old, new, chunk = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
f = trialint.diff(old, new, config=False, chunk_size=chunk)
dt = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{dt:.2f} {rss:.0f} {len(f)} {f.frame['record_id'].nunique()}")
"""


def make_downloads(n: int, old: Path, new: Path) -> int:
    lines = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text(encoding="utf-8").splitlines()
    written = 0
    with old.open("w", encoding="utf-8") as fo, new.open("w", encoding="utf-8") as fn:
        while written < n:
            for line in lines:
                if written >= n:
                    break
                study = json.loads(line)
                ps = study.setdefault("protocolSection", {})
                ps.setdefault("identificationModule", {})["nctId"] = f"NCT{90000000 + written:08d}"
                fo.write(json.dumps(study, ensure_ascii=False) + "\n")
                if written % 50 != 49:
                    if written % 5 == 0:
                        for o in ps.get("outcomesModule", {}).get("primaryOutcomes", []):
                            o["timeFrame"] = "Week 104"
                    fn.write(json.dumps(study, ensure_ascii=False) + "\n")
                written += 1
    return old.stat().st_size + new.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp) / "old.ndjson", Path(tmp) / "new.ndjson"
        size = make_downloads(args.records, old, new)
        print(f"input: 2 downloads of {args.records:,} API v2 records, {size / 1e6:.1f} MB")
        for label, chunk in (("streaming (chunks of 5,000)", 5000), ("one chunk", args.records)):
            out = subprocess.run(
                [sys.executable, "-c", RUN, str(old), str(new), str(chunk)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            dt, rss, findings, records = float(out[0]), out[1], int(out[2]), int(out[3])
            print(
                f"diff, {label:<28} {dt:7.2f} s  {args.records / dt:7.0f} records/s  "
                f"peak RSS {rss:>5} MB  ({findings:,} findings in {records:,} records)"
            )


if __name__ == "__main__":
    main()
