"""The cost of placing JSON findings on their line and column (a benchmark, not a test).

Writes the API v2 corpus (repeated to --records) as one pretty-printed API page and as NDJSON,
checks each with every rule, and times the position scan (`trialint.api.place_json_findings`)
apart from the rest. Usage: python bench/bench_positions.py [--records N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5_000)
    args = ap.parse_args()
    import trialint
    import trialint.api as api

    lines = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_text(encoding="utf-8").splitlines()
    studies = [json.loads(line) for line in lines]
    studies = (studies * (args.records // len(studies) + 1))[: args.records]
    spent: dict[str, float] = {}
    real = api.place_json_findings

    def timed_place(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        out = real(*a, **k)
        spent["positions"] = time.perf_counter() - t0
        return out

    api.place_json_findings = timed_place  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.json"
        page.write_text(json.dumps({"studies": studies}, indent=2, ensure_ascii=False), "utf-8")
        nd = Path(tmp) / "dump.ndjson"
        nd.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in studies), "utf-8")
        for label, path in (("API page, pretty-printed", page), ("NDJSON", nd)):
            t0 = time.perf_counter()
            f = trialint.check([str(path)], select=["ALL"])
            total = time.perf_counter() - t0
            mb = path.stat().st_size / 1e6
            print(
                f"{label:<26} {len(studies):>6} records {mb:6.0f} MB  {len(f):>6} findings  "
                f"check {total:6.2f} s, of which positions {spent['positions']:5.2f} s "
                f"({100 * spent['positions'] / total:4.1f}%)"
            )


if __name__ == "__main__":
    main()
