"""Throughput and memory of `trialint.check` over real records (a benchmark, not a test).

Builds a large NDJSON input by repeating the API v2 corpus with fresh NCT ids (default 20,000
records), then times reading alone and the full check, and reports records/s, MB/s and peak RSS.
Also times the XML and CSV corpus folders. Usage: python bench/bench_check.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_ndjson(n: int, out: Path) -> int:
    lines = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text(encoding="utf-8").splitlines()
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        while written < n:
            for line in lines:
                if written >= n:
                    break
                study = json.loads(line)
                study["protocolSection"]["identificationModule"]["nctId"] = (
                    f"NCT{90000000 + written:08d}"
                )
                fh.write(json.dumps(study, ensure_ascii=False) + "\n")
                written += 1
    return out.stat().st_size


def timed(label: str, fn, records: int, size: int | None = None) -> None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    extra = f", {size / dt / 1e6:6.1f} MB/s" if size else ""
    print(
        f"{label:<38} {dt:7.2f} s  {records / dt:8.0f} records/s{extra}  peak RSS {_rss_mb():6.0f} MB"
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    args = ap.parse_args()
    import trialint
    from trialint.frames import RecordSet
    from trialint.read import read_paths

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.ndjson"
        size = make_ndjson(args.records, big)
        print(
            f"input: {args.records:,} API v2 records, {size / 1e6:.1f} MB (trialint {trialint.__version__})"
        )
        timed(
            "read only (API v2 NDJSON)",
            lambda: sum(len(rs) for rs in read_paths([big])),
            args.records,
            size,
        )
        f = timed(
            "check, all rules (API v2 NDJSON)", lambda: trialint.check([big]), args.records, size
        )
        print(f"  -> {len(f):,} findings in {f.frame['record_id'].nunique():,} records")
        by_rule = f.frame["rule"].value_counts()
        print("  " + ", ".join(f"{r}={n}" for r, n in by_rule.items()))
        timed(
            "check, all rules, --jobs 0 (all CPUs)",
            lambda: trialint.check([big], jobs=0),
            args.records,
            size,
        )
    xml = CORPUS / "ctgov_xml"
    n_xml = len(list(xml.glob("*.xml")))
    timed("check, all rules (legacy XML folder)", lambda: trialint.check([xml]), n_xml)
    csv_dir = CORPUS / "ctgov_csv"
    n_csv = len(RecordSet.concat(read_paths([csv_dir])))
    timed("check, all rules (CSV folder)", lambda: trialint.check([csv_dir]), n_csv)
    # per-rule cost on the API v2 corpus
    from trialint.engine import run_rule
    from trialint.rules import load_rules

    rs = RecordSet.concat(read_paths([CORPUS / "ctgov_v2_json" / "studies.ndjson"]))
    print(f"per rule over {len(rs):,} API v2 records:")
    for rule in load_rules().values():
        t0 = time.perf_counter()
        run_rule(rs, rule)
        print(f"  {rule.id:<36} {1000 * (time.perf_counter() - t0):8.1f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
