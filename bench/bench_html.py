"""Size and open time of the HTML report at scale (a benchmark, not a test).

Synthesizes a run of N findings over R records (default 100,000 over 20,000) from real records:
the API v2 corpus is read once and replicated with fresh NCT ids, and findings are placed on
random spans of the records' real field texts, spread over the real rule catalog with a skewed
(Zipf-like) distribution so that some rules pass the per-rule cap; 3% are long "duplicate" spans
with a second place. Then renders the report, and opens it in Debian's chromium (playwright):
time to the `load` event, time until the page's JS says it is ready, and a few interactions.

Usage: python bench/bench_html.py [--findings N] [--records R] [--runs K] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import trialint
from trialint.api import Findings
from trialint.engine import make_excerpt
from trialint.findings import coerce_findings, sort_findings
from trialint.frames import json_pointer
from trialint.read import read_paths
from trialint.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
STUDIES = CORPUS / "ctgov_v2_json" / "studies.ndjson"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def synthesize(n_findings: int = 100_000, n_records: int = 20_000, seed: int = 7) -> Findings:
    rng = np.random.default_rng(seed)
    rs = next(iter(read_paths([str(STUDIES)], chunk_size=10**7)))
    base = trialint.check(rs, rules={})  # the key fields of every record, no findings
    recs0, tx0 = base.records, rs.texts()
    n0 = len(recs0)
    copies = -(-n_records // n0)
    old_ids = recs0["record_id"].tolist()
    line_of = {rid: i + 1 for i, rid in enumerate(old_ids)}

    rec_parts, tx_parts = [], []
    for c in range(copies):
        ids = {rid: f"NCT{90000000 + c * n0 + i:08d}" for i, rid in enumerate(old_ids)}
        r = recs0.copy()
        r["record_id"] = r["nct_id"] = r["record_id"].map(ids)
        rec_parts.append(r)
        t = tx0.copy()
        t["line"] = t["record_id"].map(line_of)
        t["record_id"] = t["record_id"].map(ids)
        tx_parts.append(t)
    records = pd.concat(rec_parts, ignore_index=True).iloc[:n_records].reset_index(drop=True)
    keep = set(records["record_id"])
    texts = pd.concat(tx_parts, ignore_index=True)
    texts = texts[texts["record_id"].isin(keep)].reset_index(drop=True)

    rules = load_rules()
    rule_ids = sorted(rules)
    weights = 1.0 / np.arange(1, len(rule_ids) + 1) ** 1.1
    weights /= weights.sum()
    pick = rng.integers(0, len(texts), n_findings)
    chosen = texts.iloc[pick].reset_index(drop=True)
    lengths = chosen["text"].str.len().to_numpy()
    long = rng.random(n_findings) < 0.03
    span = np.where(long, rng.integers(300, 2000, n_findings), rng.integers(2, 60, n_findings))
    start = (rng.random(n_findings) * np.maximum(lengths - 1, 1)).astype(int)
    start = np.where(long, 0, start)
    end = np.minimum(lengths, start + span)
    rule = np.array(rule_ids)[rng.choice(len(rule_ids), n_findings, p=weights)]

    rows = []
    texts_by_rec = texts.groupby("record_id", sort=False).indices
    for i in range(n_findings):
        rid, fld, text = chosen.at[i, "record_id"], chosen.at[i, "field"], chosen.at[i, "text"]
        s, e = int(start[i]), int(end[i])
        r = rules[rule[i]]
        row = {
            "record_id": rid,
            "rule": r.id,
            "severity": r.severity,
            "category": r.category,
            "field": fld,
            "start": s,
            "end": e,
            "message": f"{r.summary.rstrip('.')}: '{text[s:e][:60]}'",
            "excerpt": make_excerpt(text, s, e),
            "source_path": str(STUDIES),
            "source_line": int(chosen.at[i, "line"]),
            "source_pointer": json_pointer(fld),
        }
        if long[i]:
            sib = texts_by_rec[rid]
            j = int(sib[rng.integers(0, len(sib))])
            other = texts.at[j, "text"]
            row.update(
                related_field=texts.at[j, "field"],
                related_start=0,
                related_end=min(len(other), e - s),
            )
        rows.append(row)
    frame = sort_findings(coerce_findings(pd.DataFrame(rows)))
    flagged = (
        pd.concat(
            [
                frame[["record_id", "field"]],
                frame[["record_id", "related_field"]].rename(columns={"related_field": "field"}),
            ]
        )
        .dropna()
        .drop_duplicates()
    )
    contexts = texts[["record_id", "field", "text"]].merge(
        flagged, on=["record_id", "field"], how="inner"
    )
    return Findings(
        frame=frame,
        rules={r: rules[r] for r in rule_ids},
        records=records,
        contexts=contexts,
        inputs=[f"{STUDIES} (replicated to {n_records:,} records)"],
    )


def open_times(path: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {
        k: [] for k in ("load", "ready", "js", "search", "open_record", "next_page")
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023
            t0 = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=120_000)
            out["load"].append(time.perf_counter() - t0)
            page.wait_for_selector("html[data-ready]", state="attached", timeout=120_000)
            out["ready"].append(time.perf_counter() - t0)
            out["js"].append(page.evaluate("window.trialintReport.readyMs") / 1000)
            before = page.inner_text("#status")
            t1 = time.perf_counter()
            page.fill("#q", "placebo")
            page.wait_for_function(
                "s => document.getElementById('status').textContent !== s", arg=before
            )
            out["search"].append(time.perf_counter() - t1 - 0.15)  # minus the input debounce
            t2 = time.perf_counter()
            page.click("#list .rec a.open")
            page.wait_for_selector("#recview:not([hidden]) .keyfields")
            out["open_record"].append(time.perf_counter() - t2)
            page.go_back()
            page.wait_for_selector("#recview", state="hidden")
            t3 = time.perf_counter()
            page.keyboard.press("n")
            page.wait_for_function(
                "() => /^Records 26/.test(document.getElementById('status').textContent)"
            )
            out["next_page"].append(time.perf_counter() - t3)
            if errors:
                raise RuntimeError(f"page errors: {errors}")
            page.close()
        browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "report-100k.html")
    args = ap.parse_args()

    t = time.perf_counter()
    findings = synthesize(args.findings, args.records)
    t_syn = time.perf_counter() - t
    t = time.perf_counter()
    html = findings.render("html")
    t_render = time.perf_counter() - t
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(html, encoding="utf-8")
    size = args.out.stat().st_size
    data_start = html.index(">", html.index('id="trialint-data"')) + 1
    data_size = len(html[data_start : html.index("</script>", data_start)])
    print(
        f"findings        {len(findings):>12,}  over {findings.record_count:,} records ({findings.frame['record_id'].nunique():,} flagged), {len(findings.rules)} rules"
    )
    print(f"synthesis       {t_syn:>11.1f}s")
    print(f"render          {t_render:>11.1f}s")
    print(
        f"file size       {size / 1e6:>11.1f} MB  ({size / max(1, len(findings)):.0f} bytes/finding; embedded data (JSON, gzip, base64) {data_size / 1e6:.1f} MB)"
    )
    print(f"file            {args.out}")
    times = open_times(args.out, args.runs)
    for key, label in (
        ("load", "open: load event"),
        ("ready", "open: page ready"),
        ("js", "  of which JS"),
        ("search", "search 'placebo'"),
        ("open_record", "open a record"),
        ("next_page", "next page (n)"),
    ):
        vals = times[key]
        print(
            f"{label:<16}{statistics.median(vals):>11.2f}s  (median of {len(vals)}; min {min(vals):.2f}, max {max(vals):.2f})"
        )


if __name__ == "__main__":
    sys.exit(main())
