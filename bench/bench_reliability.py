"""What hostile or damaged inputs cost (a benchmark, not a test): issue 12's bounds.

- reading API v2 records on the strict msgspec path vs. the lenient path (every record with
  one odd field), records/s;
- checking one record whose narrative fields hold 500 KB of repeated cycle wording (each
  field is cut to 100,000 characters and the cut reported; the scans are linear);
- peak RSS (VmHWM of a fresh process) for a 10 MB field, a 10 MB XML element, a gzip bomb and
  JSON nested 200,000 deep, next to one small record.

Usage: python bench/bench_reliability.py
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
NDJSON = CORPUS / "ctgov_v2_json" / "studies.ndjson"

_CHILD = """
import sys, trialint
f = trialint.check(sys.argv[1:], config=False)
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
print(len(f.records), int((f.frame["rule"] == "read-error").sum()), hwm // 1024)
"""


def _peak(path: Path) -> str:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    dt = time.perf_counter() - t0
    return f"{out[2]:>6} MB peak, {dt:5.1f} s, {out[0]} record(s), {out[1]} read error(s)"


def _odd(study: dict) -> dict:
    ps = study["protocolSection"]
    if "outcomesModule" in ps:
        ps["outcomesModule"]["secondaryOutcomes"] = {}
    else:
        ps["identificationModule"]["briefTitle"] = 2020
    return study


def main() -> None:
    from trialint.frames import RecordSet
    from trialint.read import read_bytes

    lines = [x for x in NDJSON.read_bytes().splitlines() if x.strip()]
    studies = [json.loads(x) for x in lines]
    strict = b"\n".join(lines * 5) + b"\n"
    lenient = b"\n".join(json.dumps(_odd(s)).encode() for s in studies) * 1
    lenient = b"\n".join([lenient] * 5) + b"\n"
    for label, data in (
        ("strict path (real records)", strict),
        ("lenient path (odd field each)", lenient),
    ):
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            rs = RecordSet.concat(read_bytes(data, "x.ndjson"))
            best = min(best, time.perf_counter() - t0)
        print(f"read {len(rs):,} API v2 records, {label:<32} {len(rs) / best:8,.0f} records/s")

    import trialint

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        study = studies[0]
        ps = study["protocolSection"]
        wording = "At the end of Cycle 6 (each cycle is 28 days), approximately 18 weeks. " * 7000
        big = json.loads(json.dumps(study))
        big["protocolSection"]["descriptionModule"]["detailedDescription"] = wording
        big["protocolSection"]["descriptionModule"]["briefSummary"] = wording
        for o in big["protocolSection"].get("outcomesModule", {}).get("primaryOutcomes", []):
            o["timeFrame"] = wording
        p = folder / "cycles.json"
        p.write_text(json.dumps(big))
        t0 = time.perf_counter()
        trialint.check([p], config=False)
        print(
            f"check one record with {len(wording) / 1e3:,.0f} KB of cycle wording per field: "
            f"{time.perf_counter() - t0:.1f} s"
        )

        small = folder / "small.json"
        small.write_text(json.dumps(study))
        print(f"one small record                {_peak(small)}")
        ten = json.loads(json.dumps(study))
        ten["protocolSection"]["descriptionModule"]["detailedDescription"] = "word " * 2_000_000
        p = folder / "ten.json"
        p.write_text(json.dumps(ten))
        print(f"10 MB field (API v2)            {_peak(p)}")
        xml = sorted((CORPUS / "ctgov_xml").glob("*.xml"))[0].read_bytes()
        p = folder / "ten.xml"
        p.write_bytes(xml.replace(b"<brief_title>", b"<brief_title>" + b"x" * 10_000_000, 1))
        print(f"10 MB element (legacy XML)      {_peak(p)}")
        p = folder / "bomb.ndjson.gz"
        p.write_bytes(gzip.compress(b"\0" * (1 << 30), 9))
        print(f"gzip bomb ({p.stat().st_size / 1e6:.1f} MB -> 1 GB)        {_peak(p)}")
        p = folder / "deep.ndjson"
        p.write_bytes(
            json.dumps(study).encode()[:-1] + b',"x":' + b"[" * 200_000 + b"]" * 200_000 + b"}\n"
        )
        print(f"JSON nested 200,000 deep        {_peak(p)}")
        del ps


if __name__ == "__main__":
    main()
