"""duplicate-registration at registry scale (a benchmark, not a test).

The run-level pass works on key rows, one per record. This reads the WHO ICTRP and
ClinicalTrials.gov folders of the corpus once (timing the per-chunk key extraction), then
builds synthetic-from-real runs of growing size: the real key rows repeated, each copy with its
own registration numbers and its own spelling of every title, acronym, sponsor and intervention
word (``ozonated`` -> ``ozonated~3``), so a copy's records pair only within the copy, as in a
real registry where trials are distinct. It times blocking, scoring and the findings for each
size, prints candidate pairs per record (blocking must keep it flat: near-linear, no
all-pairs) and peak RSS, and projects the time for 1 million records from the largest size run.

Usage: python bench/bench_duplicates.py [--sizes 25000,100000,250000,1000000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pandas as pd

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = (
    "other_registries/who_ictrp/COVID19-web_22Jul2020.csv",
    "other_registries/who_ictrp/COVID19-1135-trials.csv",
    "other_registries/who_ictrp/ICTRP-Results_18Mar2020.xml",
    "ctgov_v2_json",
    "ctgov_xml",
    "ctgov_csv",
    "ctgov_classic_json",
)
WORD_COLUMNS = ("title", "title2", "words1", "words2", "sponsor", "interventions", "conditions")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_keys() -> tuple[pd.DataFrame, float, int]:
    from trialint.kinds.duplicate_registration import keys
    from trialint.read import read_paths

    parts, spent, n = [], 0.0, 0
    for rs in read_paths([str(CORPUS / f) for f in FOLDERS]):
        t0 = time.perf_counter()
        parts.append(keys(rs, {}))
        spent += time.perf_counter() - t0
        n += len(rs)
    return pd.concat(parts, ignore_index=True), spent, n


def replica(k: pd.DataFrame, r: int) -> pd.DataFrame:
    if r == 0:
        return k
    c = k.copy()
    suffix = f"~{r}"
    for col in ("record_id", "key"):
        c[col] = c[col] + suffix
    c["links"] = c["links"].str.replace(r"([^|]+)", r"\1" + suffix, regex=True)
    for col in WORD_COLUMNS:
        c[col] = c[col].str.replace(r"(\S+)", r"\1" + suffix, regex=True)
    c["acronym"] = c["acronym"].where(c["acronym"] == "", c["acronym"] + suffix)
    return c


def run(k: pd.DataFrame) -> dict[str, float]:
    from trialint.kinds.duplicate_registration import candidate_pairs, run_keys
    from trialint.rules import load_rules

    params = load_rules()["duplicate-registration"].params
    t0 = time.perf_counter()
    pairs = candidate_pairs(k, params)
    t1 = time.perf_counter()
    found = run_keys(k, params)
    t2 = time.perf_counter()
    return {
        "records": len(k),
        "pairs": len(pairs),
        "blocking_s": t1 - t0,
        "total_s": t2 - t0,
        "findings": len(found),
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="25000,100000,250000,1000000")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    base, spent, n = real_keys()
    print(
        f"key extraction (per chunk, during the check): {n:,} real records in {spent:.1f} s "
        f"({n / spent:,.0f} records/s); {base.memory_usage(deep=True).sum() / len(base):,.0f} "
        "bytes per key row"
    )
    print(f"{'records':>10} {'candidates':>11} {'per record':>10} {'blocking':>9} {'run':>8} "
          f"{'findings':>9} {'peak RSS':>9}")  # fmt: skip
    last = None
    for size in sizes:
        reps = -(-size // len(base))
        k = pd.concat([replica(base, r) for r in range(reps)], ignore_index=True).head(size)
        res = run(k)
        last = res
        print(
            f"{res['records']:>10,} {res['pairs']:>11,} {res['pairs'] / res['records']:>10.2f} "
            f"{res['blocking_s']:>8.1f}s {res['total_s']:>7.1f}s {res['findings']:>9,} "
            f"{_rss_mb():>8,.0f}M",
            flush=True,
        )
        del k
    if last is not None and last["records"] < 1_000_000:
        proj = last["total_s"] * 1_000_000 / last["records"]
        print(f"projected for 1,000,000 records (linear from the largest run): {proj:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
