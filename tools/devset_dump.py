"""Build the candidate pool of the accuracy development set and dump records for labelling.

Not part of the product. Usage:
    python tools/devset_dump.py sample OUT.csv          # choose the dev-set records (seeded)
    python tools/devset_dump.py dump LIST.csv OUTDIR    # one readable text file per record

Candidates are chosen by broad wording searches that are deliberately independent of the
rules (and wider than them), plus a random sample so that negatives are real.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from trialint.frames import RecordSet
from trialint.read import read_paths

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLES = {p.stem for p in (ROOT / "examples").glob("NCT*.xml")}


def load() -> RecordSet:
    parts = list(read_paths([CORPUS / "ctgov_v2_json" / "studies.ndjson"], chunk_size=100_000))
    parts += list(read_paths([CORPUS / "ctgov_xml"], chunk_size=100_000))
    return RecordSet.concat(parts)


def record_texts(rs: RecordSet) -> dict[str, str]:
    t = rs.texts()
    return t.groupby("record_id", sort=False)["text"].agg(lambda s: "\n".join(s)).to_dict()


_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def longest_shared_run(a: list[str], b: list[str], same: bool = False) -> int:
    """Length of the longest common run of words (a, b) — or repeated within a when same."""
    if not a or not b:
        return 0
    k = 8
    index: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(b) - k + 1):
        index.setdefault(tuple(b[i : i + k]), []).append(i)
    best = 0
    for i in range(len(a) - k + 1):
        for j in index.get(tuple(a[i : i + k]), ()):
            if same and j <= i + best and j <= i:  # one field: later, non-overlapping copies
                continue
            n = k
            while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
                if same and i + n >= j:
                    break
                n += 1
            best = max(best, n)
    return best


def shared_runs(a: list[str], b: list[str], same: bool, k: int = 8) -> list[tuple[int, int, int]]:
    """Maximal shared word runs (i in a, j in b, length) of at least k words; within one field
    (same) only copies that start later and do not overlap."""
    index: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(b) - k + 1):
        index.setdefault(tuple(b[j : j + k]), []).append(j)
    runs = []
    for i in range(len(a) - k + 1):
        for j in index.get(tuple(a[i : i + k]), ()):
            if same and j <= i:
                continue
            if i > 0 and j > 0 and a[i - 1] == b[j - 1] and not (same and j - 1 <= i - 1):
                continue  # not maximal on the left
            n = k
            while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
                if same and i + n >= j:
                    break
                n += 1
            runs.append((i, j, n))
    return runs


def coverage(a: list[str], runs: list[tuple[int, int, int]]) -> float:
    covered = set()
    for i, _, n in runs:
        covered.update(range(i, i + n))
    return len(covered) / len(a) if a else 0.0


def dup_aid(rs: RecordSet, rid: str) -> str:
    t = rs.texts()
    t = t[(t["record_id"] == rid) & ~t["field"].str.startswith("eligibility")]
    t = t[~t["field"].str.endswith(".label") & ~t["field"].str.endswith(".name")]
    fields = list(t["field"])
    ws = [words(x) for x in t["text"]]
    lines = []
    for i in range(len(ws)):
        for j in range(i, len(ws)):
            runs = shared_runs(ws[i], ws[j], same=(i == j))
            if not runs:
                continue
            longest = max(runs, key=lambda r: r[2])
            shorter = min(len(ws[i]), len(ws[j]))
            cov = (
                coverage(
                    ws[i] if len(ws[i]) <= len(ws[j]) else ws[j],
                    runs if len(ws[i]) <= len(ws[j]) else [(jj, ii, n) for ii, jj, n in runs],
                )
                if i != j
                else 0.0
            )
            if longest[2] >= 25 or (i != j and cov >= 0.6 and shorter >= 10):
                where = "within" if i == j else "between"
                lines.append(
                    f"  {where} {fields[i]}{'' if i == j else ' and ' + fields[j]}: longest shared run {longest[2]} words"
                    + (
                        f", covers {cov:.0%} of the shorter field ({shorter} words)"
                        if i != j
                        else ""
                    )
                    + f'; starts: "{" ".join(ws[i][longest[0] : longest[0] + 12])} ..."'
                )
    if not lines:
        return "--- DUPLICATE AID (mechanical, verify by reading): no shared run of 25+ words between or within narrative fields ---\n"
    return "--- DUPLICATE AID (mechanical, verify by reading) ---\n" + "\n".join(lines) + "\n"


def narrative(rs: RecordSet) -> pd.DataFrame:
    t = rs.texts()
    keep = (
        ~t["field"].str.contains("time_frame|eligibility", regex=True)
        & ~t["field"].str.endswith(".label")
        & ~t["field"].str.endswith(".name")
        & ~t["field"].str.endswith(".measure")
    )
    return t[keep]


def dup_scores(rs: RecordSet) -> dict[str, int]:
    out: dict[str, int] = {}
    nar = narrative(rs)
    for rid, g in nar.groupby("record_id", sort=False):
        ws = [words(x) for x in g["text"]]
        best = 0
        for i in range(len(ws)):
            best = max(best, longest_shared_run(ws[i], ws[i], same=True))
            for j in range(i + 1, len(ws)):
                best = max(best, longest_shared_run(ws[i], ws[j]))
        out[str(rid)] = best
    return out


CYCLE = re.compile(
    r"\b(\d+|one|two|three|four|six|seven)[- ]?(day|week)s?[- ]cycles?|cycles?\s+(is|are|of|=|lasts?|every|repeats?|repeated)\b"
    r"|\bcycle\s*\d+|\bq\s*[1-4]\s*w\b|every\s+(21|28|14|3|4|2)\s+(days|weeks)",
    re.I,
)
RANDOM = re.compile(r"randomi[sz]|random(ly)? (assign|allocat)", re.I)
SINGLE_WORD = re.compile(r"single[- ]arm|single[- ]group|one[- ]arm|open[- ]label, single", re.I)
ENDPOINT = re.compile(
    r"endpoints?|end points?|objectives?|outcomes? (measures?|will)|\b(ORR|DCR|PFS|OS|DoR|DOR|CBR|pCR|MPR|EFS|DFS|RFS|TTP|TTF|AEs?|TEAEs?|QoL|HRQoL)\b"
    r"|response rate|survival|questionnaire|scale|score|index|pharmacokinetic",
)


def sample(out: Path) -> None:
    rs = load()
    st = rs.studies
    st = st[~st["record_id"].isin(EXAMPLES)]
    texts = record_texts(rs)
    ids = [str(x) for x in st["record_id"]]
    fmt = dict(zip(st["record_id"], st["source_format"], strict=True))
    rng = random.Random(20261203)
    single = (
        ((st["intervention_model"] == "SINGLE_GROUP") & (st["allocation"] != "RANDOMIZED"))
        | st["brief_title"].fillna("").str.contains(SINGLE_WORD)
        | st["official_title"].fillna("").str.contains(SINGLE_WORD)
    )
    single_ids = set(st.loc[single, "record_id"])
    strata: dict[str, set[str]] = {k: set() for k in ("cycle", "random", "dup", "endpoint", "rand")}
    for rid in ids:
        tx = texts.get(rid, "")
        if len(CYCLE.findall(tx)) >= 2:
            strata["cycle"].add(rid)
        if rid in single_ids and RANDOM.search(tx):
            strata["random"].add(rid)
    dup = dup_scores(rs.subset(st["record_id"].isin(ids).to_numpy()) if False else rs)
    dup_c = [r for r, n in dup.items() if n >= 20 and r in set(ids)]
    strata["dup"] = set(rng.sample(sorted(dup_c), min(170, len(dup_c))))
    end_c = sorted(r for r in ids if len(ENDPOINT.findall(texts.get(r, ""))) >= 3)
    strata["endpoint"] = set(rng.sample(end_c, min(200, len(end_c))))
    cyc = sorted(strata["cycle"])
    strata["cycle"] = set(rng.sample(cyc, min(150, len(cyc))))
    strata["rand"] = set(rng.sample(sorted(ids), 170))
    chosen: dict[str, list[str]] = {}
    for name, s in strata.items():
        for rid in s:
            chosen.setdefault(rid, []).append(name)
    with out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["nct_id", "source_format", "strata", "dup_run_words"])
        for rid in sorted(chosen):
            w.writerow([rid, fmt[rid], "|".join(sorted(chosen[rid])), dup.get(rid, 0)])
    print({k: len(v) for k, v in strata.items()}, "total", len(chosen), file=sys.stderr)
    print(
        "candidate pools: dup",
        len(dup_c),
        "endpoint",
        len(end_c),
        "cycle",
        len(cyc),
        file=sys.stderr,
    )


def _block(label: str, text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    return f"--- {label} ---\n{text.strip()}\n"


def dump(listing: Path, outdir: Path) -> None:
    rows = list(csv.DictReader(listing.open()))
    wanted = [r["nct_id"] for r in rows]
    fmt = {r["nct_id"]: r.get("source_format") for r in rows}
    rs = load()
    st0 = rs.studies
    keep = st0["record_id"].isin(set(wanted)).to_numpy() & np.array(
        [
            fmt.get(r) in (None, f)
            for r, f in zip(st0["record_id"], st0["source_format"], strict=True)
        ]
    )
    rs = rs.subset(keep)
    outdir.mkdir(parents=True, exist_ok=True)
    st = rs.studies.set_index("record_id")
    for rid in wanted:
        if rid not in st.index:
            continue
        s = st.loc[rid]
        lines = [f"RECORD {rid}  (format: {s['source_format']})"]
        for col in (
            "study_type",
            "phases",
            "allocation",
            "intervention_model",
            "masking",
            "primary_purpose",
            "overall_status",
            "has_results",
        ):
            lines.append(f"{col}: {s[col]}")
        text = "\n".join(lines) + "\n"
        text += _block("brief_title", s["brief_title"]) + _block(
            "official_title", s["official_title"]
        )
        text += _block("brief_summary", s["brief_summary"])
        text += _block("detailed_description", s["detailed_description"])
        text += _block("intervention_model_description", s["intervention_model_description"])
        for _, a in rs.arms[rs.arms["record_id"] == rid].iterrows():
            text += _block(
                f"arms[{a['position']}] label={a['label']!s} type={a['type']!s} interventions={a['intervention_names']!s}",
                a["description"] if isinstance(a["description"], str) else "(no description)",
            )
        for _, iv in rs.interventions[rs.interventions["record_id"] == rid].iterrows():
            text += _block(
                f"interventions[{iv['position']}] {iv['type']!s}: {iv['name']!s} (arms: {iv['arm_labels']!s})",
                iv["description"] if isinstance(iv["description"], str) else "(no description)",
            )
        oc = rs.outcomes[rs.outcomes["record_id"] == rid]
        if oc.empty:
            text += "--- OUTCOMES: none registered ---\n"
        for _, o in oc.iterrows():
            text += (
                f"--- outcomes[{o['kind']}][{o['position']}] ---\n"
                f"  measure: {o['measure']}\n  description: {o['description']}\n"
                f"  time_frame: {o['time_frame']}\n"
            )
        text += dup_aid(rs, rid)
        (outdir / f"{rid}.txt").write_text(text)
    print(len(wanted), "records dumped to", outdir, file=sys.stderr)


def main(argv: Iterable[str]) -> None:
    args = list(argv)
    if args[:1] == ["sample"]:
        sample(Path(args[1]))
    elif args[:1] == ["dump"]:
        dump(Path(args[1]), Path(args[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
