"""The accuracy harness: precision and recall of the core rules on the labelled development set.

    python tests/accuracy/harness.py [--rule RULE] [--format v2|xml] [--details]

`nox -s accuracy` runs it. The development set (``labels.csv`` beside this file) holds real
records of ../shared/corpus (API v2 JSON and legacy XML, not the bundled examples), each labelled
for the four core defects by reading the record against ../shared/docs/defect-definitions.md,
with the evidence quoted: one row per (record, check), label 1 / 0 / unsure (unsure is not
scored). A record is predicted positive for a check when its rule reports at least one finding
on it. ``floors.json`` holds the precision/recall floors the test suite enforces
(tests/test_accuracy.py), so that a regression cannot land silently.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
LABELS = HERE / "labels.csv"
FLOORS = HERE / "floors.json"
CORE_RULES: tuple[str, ...] = (
    "duplicate-summary-block",
    "randomization-in-single-arm",
    "inconsistent-cycle-length",
    "endpoint-not-defined",
)


@dataclass
class Score:
    rule: str
    tp: list[str] = field(default_factory=list)
    fp: list[str] = field(default_factory=list)
    fn: list[str] = field(default_factory=list)
    tn: int = 0
    unsure: int = 0

    @property
    def precision(self) -> float | None:
        n = len(self.tp) + len(self.fp)
        return len(self.tp) / n if n else None

    @property
    def recall(self) -> float | None:
        n = len(self.tp) + len(self.fn)
        return len(self.tp) / n if n else None

    @property
    def positives(self) -> int:
        return len(self.tp) + len(self.fn)


PARTS: tuple[str, ...] = ("dev", "held", "held-open", "held-blind")


def _bucket(record_id: str) -> int:
    return int(hashlib.md5(record_id.encode()).hexdigest(), 16) % 10


def part_of(record_id: str) -> str:
    """'dev' (~70%, looked at while developing the rules) or 'held' (~30%): a fixed split by
    the MD5 of the record id, the one the rules' measured figures quote."""
    return "dev" if _bucket(record_id) < 7 else "held"


def in_part(record_id: str, part: str) -> bool:
    """Whether a record is in ``part``: 'dev' (MD5 % 10 in 0-6), 'held' (7-9), and the two
    slices of the held-back part: 'held-open' (7, 8: opened for development in round 5) and
    'held-blind' (9: never read; only its totals are printed)."""
    b = _bucket(record_id)
    return {
        "dev": b < 7,
        "held": b >= 7,
        "held-open": b in (7, 8),
        "held-blind": b == 9,
    }[part]


def load_labels(path: Path = LABELS) -> dict[str, dict[str, str]]:
    """{check: {record_id: label}} with label '1', '0' or 'unsure'."""
    out: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["check"], {})[row["nct_id"]] = row["label"].strip().lower()
    return out


def load_formats(path: Path = LABELS) -> dict[str, str]:
    """{record_id: source format} of the labelled records (a trial can be in both the API v2
    file and the legacy XML folder; the label is for the version named here)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["nct_id"]: row["source_format"] for row in csv.DictReader(fh)}


def corpus_recordsets(formats: dict[str, str]) -> list[object]:
    """The labelled records as RecordSets: one of the API v2 records, one of the XML records
    (kept apart: a RecordSet holds each record id once)."""
    from trialint.frames import RecordSet
    from trialint.read import read_paths

    v2 = {r for r, f in formats.items() if f.startswith("ctgov-v2")}
    xml = {r for r, f in formats.items() if f.startswith("ctgov-xml")}
    out = []
    if v2:
        rs = RecordSet.concat(
            read_paths([CORPUS / "ctgov_v2_json" / "studies.ndjson"], chunk_size=100_000)
        )
        out.append(rs.subset(rs.studies["record_id"].isin(v2).to_numpy()))
    if xml:
        paths = sorted(p for p in (CORPUS / "ctgov_xml").glob("NCT*.xml") if p.stem in xml)
        out.append(RecordSet.concat(read_paths(paths, chunk_size=100_000)))
    return out


def predictions(
    formats: dict[str, str], rules: Iterable[str] = CORE_RULES
) -> tuple[dict[str, set[str]], dict[str, str], object]:
    """({rule: record ids with a finding}, {record id: source format}, findings) for the
    labelled records ``formats`` ({record id: source format})."""
    import pandas as pd

    import trialint

    rules = tuple(rules)
    fired: dict[str, set[str]] = {r: set() for r in rules}
    fmt: dict[str, str] = {}
    frames = []
    for rs in corpus_recordsets(formats):
        st = rs.studies  # type: ignore[attr-defined]
        fmt.update(zip(st["record_id"], st["source_format"], strict=True))
        found = trialint.check(rs, select=list(rules), config=False, baseline=False)
        frames.append(found.frame)
        for rid, rule in zip(found.frame["record_id"], found.frame["rule"], strict=True):
            fired.setdefault(rule, set()).add(rid)

    class _Found:
        frame = pd.concat(frames, ignore_index=True) if frames else None

    return fired, fmt, _Found()


def score(
    labels: dict[str, dict[str, str]],
    fired: dict[str, set[str]],
    fmt: dict[str, str],
    only_format: str | None = None,
    part: str | None = None,
) -> dict[str, Score]:
    """Scores per rule; ``part``: only the records of that part (see ``in_part``)."""
    out: dict[str, Score] = {}
    for rule in fired:
        s = Score(rule)
        for rid, label in sorted(labels.get(rule, {}).items()):
            if rid not in fmt or (only_format and not fmt[rid].startswith(only_format)):
                continue
            if part is not None and not in_part(rid, part):
                continue
            hit = rid in fired[rule]
            if label == "unsure":
                s.unsure += 1
            elif label == "1":
                (s.tp if hit else s.fn).append(rid)
            elif hit:
                s.fp.append(rid)
            else:
                s.tn += 1
        out[rule] = s
    return out


def load_floors() -> dict[str, dict[str, float]]:
    return json.loads(FLOORS.read_text()) if FLOORS.exists() else {}


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.2f}"


def report(scores: dict[str, Score], found: object | None = None, details: bool = True) -> str:
    floors = load_floors()
    lines = [
        f"{'rule':32} {'prec':>5} {'recall':>6}  {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>5} {'unsure':>6}  floor (p/r)"
    ]
    for rule, s in scores.items():
        fl = floors.get(rule, {})
        lines.append(
            f"{rule:32} {_pct(s.precision)} {_pct(s.recall):>6}  {len(s.tp):4} {len(s.fp):4} {len(s.fn):4} {s.tn:5} {s.unsure:6}  "
            f"{fl.get('precision', '-')}/{fl.get('recall', '-')}"
        )
    if details:
        frame = getattr(found, "frame", None)
        for rule, s in scores.items():
            for what, ids in (("false positive", s.fp), ("false negative", s.fn)):
                blind = [rid for rid in ids if in_part(rid, "held-blind")]
                if blind:
                    lines.append(f"  {rule}: {what}: {len(blind)} in held-blind (not listed)")
                for rid in ids:
                    if in_part(rid, "held-blind"):
                        continue
                    lines.append(f"  {rule}: {what}: {rid}")
                    if frame is not None and what == "false positive":
                        hits = frame[(frame["record_id"] == rid) & (frame["rule"] == rule)]
                        for msg in hits["message"].head(3):
                            lines.append(f"      {str(msg)[:200]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", action="append", help="only this core rule (repeatable)")
    ap.add_argument("--format", choices=["v2", "xml"], help="only records of this format")
    ap.add_argument("--details", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument(
        "--part",
        choices=list(PARTS),
        help="only the development (~70%%), held-back (~30%%) records, or a slice of the"
        " held-back part: held-open (~20%%, opened in round 5) or held-blind (~10%%, totals"
        " only: its records are never listed) (split by MD5 of the id)",
    )
    args = ap.parse_args(argv)
    labels = load_labels()
    rules = tuple(args.rule or CORE_RULES)
    formats = load_formats()
    ids = {rid for check in rules for rid in labels.get(check, {})}
    fired, fmt, found = predictions({r: formats[r] for r in ids}, rules)
    prefix = {"v2": "ctgov-v2", "xml": "ctgov-xml"}.get(args.format or "")
    n = len({r for r in ids if r in fmt and (not prefix or fmt[r].startswith(prefix))})
    print(f"development set: {n} records ({LABELS.relative_to(ROOT)})")
    scores = score(labels, fired, fmt, prefix, args.part)
    if args.part:
        print(f"part: {args.part}")
    # the blind slice is never read: its totals only, never the records behind its errors
    print(report(scores, found, args.details and args.part != "held-blind"))
    if not args.part:
        for part in PARTS:
            for rule, s in score(labels, fired, fmt, prefix, part).items():
                print(
                    f"  {part:10} {rule:32} precision {_pct(s.precision)}  recall {_pct(s.recall)}"
                    f"  ({len(s.tp)} TP, {len(s.fp)} FP, {len(s.fn)} FN)"
                )
    failed = [
        f"{rule} {what} {getattr(s, what):.2f} < floor {floor}"
        for rule, s in scores.items()
        for what, floor in load_floors().get(rule, {}).items()
        if getattr(s, what) is not None and getattr(s, what) < floor
    ]
    for f in failed:
        print("BELOW FLOOR:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
