"""Hit samples of the non-core rules on the corpus, for reading: the figures behind `precision:`.

    python tests/accuracy/sample_hits.py [--rule RULE ...] [--n 30] [--cache DIR] [--dump DIR]

Runs the rules (default: every built-in rule except the four core ones, which
tests/accuracy/harness.py measures on a labelled set) over the corpus in ../shared/corpus: API v2
JSON (ctgov_v2_json/studies.ndjson), legacy XML (ctgov_xml/) and the site's CSV downloads
(ctgov_csv/). A sample is drawn per rule: records are the unit (a record pooled across formats;
the same trial in several files is one record), ``--n`` of them at random with a seed fixed by the
rule id, one finding each (picked at random among the record's findings, from its first format in
the order JSON, XML, CSV). The sample is written to ``rule_samples/<rule>.csv`` beside this script
with the columns record_id, format, field, excerpt, message, verdict, reason. Verdicts already in
the file are kept for rows whose record, field and message are unchanged; new rows get an empty
verdict, to be filled by reading the record: ``tp`` (a defect the sponsor should fix, as a PRS
reviewer would see it), ``fp`` (not a defect), ``unsure``. ``rule_samples/counts.csv`` gets the
number of findings and records per rule and format.

``--part RULE:NAME:REGEX`` also samples the findings of RULE whose message matches REGEX (a
sub-check, e.g. the text part of allocation-model-conflict) into ``rule_samples/RULE@NAME.csv``.
``--dump DIR`` also writes, per rule, every hit with more context (the whole field) for reading.
``--cache DIR`` keeps the parsed corpus (pickled RecordSets) between runs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import pickle
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLES = HERE / "rule_samples"
CORE_RULES = (
    "duplicate-summary-block",
    "randomization-in-single-arm",
    "inconsistent-cycle-length",
    "endpoint-not-defined",
)
FORMATS: dict[str, Path] = {
    "json": CORPUS / "ctgov_v2_json" / "studies.ndjson",
    "xml": CORPUS / "ctgov_xml",
    "csv": CORPUS / "ctgov_csv",
}
COLUMNS = ("record_id", "format", "field", "excerpt", "message", "verdict", "reason")

sys.path.insert(0, str(ROOT / "src"))


def load_corpus(cache: Path | None = None) -> dict[str, Any]:
    """The corpus as the reader's chunks of RecordSets per format (pickled in ``cache`` when
    given). Chunks are kept as read: copies of one trial in two CSV files sit in different
    chunks and are never merged."""
    from trialint.read import read_paths

    out: dict[str, Any] = {}
    for fmt, path in FORMATS.items():
        pkl = cache / f"corpus-{fmt}.pkl" if cache else None
        if pkl is not None and pkl.exists():
            with pkl.open("rb") as fh:
                out[fmt] = pickle.load(fh)
            continue
        rs = list(read_paths([path]))
        if pkl is not None:
            pkl.parent.mkdir(parents=True, exist_ok=True)
            with pkl.open("wb") as fh:
                pickle.dump(rs, fh)
        out[fmt] = rs
    return out


def rules_to_sample(names: list[str] | None) -> list[Any]:
    from trialint.rules import load_rules

    rules = load_rules()
    if names:
        unknown = [n for n in names if n not in rules]
        if unknown:
            raise SystemExit(f"unknown rule(s): {', '.join(unknown)}")
        return [rules[n] for n in names]
    # record-level rules only: the history rules judge pairs of versions and the
    # duplicate-registration rules pairs of records, each with its own labelled harness
    return [
        r
        for r in rules.values()
        if r.id not in CORE_RULES
        and r.category != "history"
        and not r.id.startswith("duplicate-registration")
    ]


def findings(corpus: dict[str, Any], rules: list[Any]) -> pd.DataFrame:
    """Every finding of ``rules`` on the corpus, with its format, de-duplicated across files
    (the CSV downloads overlap) by record, rule, field and message."""
    from trialint.engine import check_recordset

    parts = []
    for fmt, chunks in corpus.items():
        for chunk in chunks:
            f = check_recordset(chunk, rules)
            if len(f):
                parts.append(f.assign(format=fmt, chunk=id(chunk)))
    if not parts:
        return pd.DataFrame(columns=["record_id", "rule", "format", "field", "message", "excerpt"])
    out = pd.concat(parts, ignore_index=True)
    out = out[out["rule"] != "read-error"]
    return out.drop_duplicates(["record_id", "rule", "field", "message"]).reset_index(drop=True)


def _seed(rule: str) -> int:
    return int(hashlib.sha256(rule.encode()).hexdigest()[:12], 16)


def sample(hits: pd.DataFrame, rule: str, n: int) -> pd.DataFrame:
    """``n`` records at random, one finding each. A record's place in the draw is a hash of the
    rule id and the record id, so that a change to the rule that adds or drops a few records
    leaves the rest of the sample as it was (the verdicts already read stay valid)."""
    h = hits[hits["rule"] == rule]
    if h.empty:
        return h
    order = {"json": 0, "xml": 1, "csv": 2}
    rng = random.Random(_seed(rule))
    records = sorted(h["record_id"].unique(), key=lambda r: _seed(f"{rule}/{r}"))
    chosen = records[:n]
    rows = []
    for rid in chosen:
        mine = h[h["record_id"] == rid]
        first = min(mine["format"], key=order.__getitem__)
        mine = mine[mine["format"] == first].sort_values(["field", "message"])
        rows.append(mine.iloc[rng.randrange(len(mine))])
    return pd.DataFrame(rows)


def _keys(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A read row is the same finding when record and field agree and either the message or the
    excerpt (the flagged span in context) does: a message that gained "(also ...)" keeps its
    verdict."""
    rid, field = str(row["record_id"]), str(row["field"])
    excerpt = " ".join(str(row["excerpt"]).split())
    return [(rid, field, "m:" + str(row["message"])), (rid, field, "e:" + excerpt)]


def write_sample(rule: str, picked: pd.DataFrame) -> Path:
    path = SAMPLES / f"{rule}.csv"
    old: dict[tuple[str, str, str], dict[str, str]] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                for k in _keys(r):
                    old.setdefault(k, r)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for _, r in picked.iterrows():
            row = {c: r.get(c, "") for c in COLUMNS[:5]}
            row["excerpt"] = " ".join(str(row["excerpt"]).split())
            prev = next((old[k] for k in _keys(row) if k in old), {})
            row["verdict"] = prev.get("verdict", "")
            row["reason"] = prev.get("reason", "")
            w.writerow(row)
    return path


def write_counts(hits: pd.DataFrame, rules: list[Any], corpus: dict[str, Any]) -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    path = SAMPLES / "counts.csv"
    rows: dict[str, dict[str, Any]] = {}
    if path.exists():
        with path.open(newline="", encoding="utf-8") as fh:
            rows = {r["rule"]: r for r in csv.DictReader(fh)}
    by = defaultdict(dict)
    for (rule, fmt), g in hits.groupby(["rule", "format"]):
        by[rule][fmt] = (len(g), g["record_id"].nunique())
    for rule in rules:
        row: dict[str, Any] = {"rule": rule.id}
        for fmt in FORMATS:
            f, r = by[rule.id].get(fmt, (0, 0))
            row[f"{fmt}_findings"], row[f"{fmt}_records"] = f, r
            row[f"{fmt}_of"] = sum(len(c) for c in corpus[fmt])
        row["records"] = hits.loc[hits["rule"] == rule.id, "record_id"].nunique()
        rows[rule.id] = row
    cols = ["rule"] + [f"{f}_{k}" for f in FORMATS for k in ("findings", "records", "of")]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[*cols, "records"])
        w.writeheader()
        for rule in sorted(rows):
            w.writerow(rows[rule])


def dump(hits: pd.DataFrame, rule: str, corpus: dict[str, Any], out: Path) -> None:
    """Every hit of ``rule`` with its whole field, for reading."""
    h = hits[hits["rule"] == rule]
    texts: dict[int, Any] = {}
    chunks = {id(c): c for cs in corpus.values() for c in cs}
    out.mkdir(parents=True, exist_ok=True)
    with (out / f"{rule}.txt").open("w", encoding="utf-8") as fh:
        for _, r in h.iterrows():
            fmt, ck = r["format"], r["chunk"]
            if ck not in texts:
                texts[ck] = chunks[ck].field_text()
            text = texts[ck].get((r["record_id"], r["field"]), "")
            fh.write(f"=== {r['record_id']} [{fmt}] {r['field']}\n{r['message']}\n")
            fh.write(f"--- {' '.join(str(text).split())[:1500]}\n\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rule", action="append", help="rule id (repeatable); default: all non-core")
    ap.add_argument("--n", type=int, default=30, help="records sampled per rule")
    ap.add_argument("--cache", type=Path, help="folder for the parsed corpus (pickles)")
    ap.add_argument("--dump", type=Path, help="folder for every hit with its whole field")
    ap.add_argument("--part", action="append", default=[], help="RULE:NAME:REGEX sub-check sample")
    args = ap.parse_args()
    corpus = load_corpus(args.cache)
    rules = rules_to_sample(args.rule)
    hits = findings(corpus, rules)
    write_counts(hits, rules, corpus)
    for rule in rules:
        picked = sample(hits, rule.id, args.n)
        n_rec = hits.loc[hits["rule"] == rule.id, "record_id"].nunique()
        if len(picked):
            write_sample(rule.id, picked)
        if args.dump:
            dump(hits, rule.id, corpus, args.dump)
        print(f"{rule.id:<38} {n_rec:6} records flagged, {len(picked):3} sampled")
    for part in args.part:
        rule_id, name, regex = part.split(":", 2)
        sub = hits[(hits["rule"] == rule_id) & hits["message"].str.contains(regex, regex=True)]
        picked = sample(sub, rule_id, args.n)
        if len(picked):
            write_sample(f"{rule_id}@{name}", picked)
        print(
            f"{rule_id}@{name:<20} {sub['record_id'].nunique():6} records, {len(picked):3} sampled"
        )


if __name__ == "__main__":
    main()
