"""Accuracy of the history rules on rated version pairs: ``nox -s history-accuracy``.

    python tests/history_accuracy/harness.py [--part dev|held|all] [--details]

../shared/corpus/outcome_history/pairs.jsonl holds real pairs of versions of a trial's outcome
lists (ClinicalTrials.gov and DRKS), each rated by trained raters for what changed in the
primary outcomes (its README gives the fields and the taxonomy). Every pair is written as two
ClinicalTrials.gov API v2 records with one id (the older version in ``old/``, the newer in
``new/``, dated by the pair's transition), ``trialint diff old new --format json`` runs on them
(the real command), and a pair counts as flagged when any ``primary-outcome-*`` finding names it.

Scored: precision and recall on the pairs whose primary outcome text differs (rated change vs
rated no change), the findings on the pairs whose primary lists are identical (goal: none), and
per rated category how many pairs a primary rule flagged and which rules.

Development discipline: the rules were developed on a fixed ~70% of the trials (``dev``: the
first two bytes of sha256(trial id or title), as a number, modulo 100, below 70) and the other
~30% (``held``) was only measured; both figures are printed. ``floors.json`` holds the floors
tests/test_history_accuracy.py enforces.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAIRS = ROOT.parent / "shared" / "corpus" / "outcome_history" / "pairs.jsonl"
FLOORS = HERE / "floors.json"
DEV_SHARE = 70

# When each version was posted, by the pair's transition (start 2010-03, primary completion
# 2012-06): the first registered version before the start, the end of recruitment while the
# study runs, post-completion and post-publication versions after the primary completion.
_DATES = {
    "registration": "2010-01-15",
    "recruitment-end": "2011-09-01",
    "post-completion": "2013-02-01",
    "post-publication": "2014-05-01",
}
_TRANSITIONS = {
    "registration-to-recruitment-end": ("registration", "recruitment-end"),
    "recruitment-end-to-post-completion": ("recruitment-end", "post-completion"),
    "post-completion-to-post-publication": ("post-completion", "post-publication"),
    "to-postcompletion": ("post-completion", "post-completion"),
    "to-postpublication": ("post-publication", "post-publication"),
    "to-recruitment": ("registration", "recruitment-end"),
}


def load_pairs(path: Path = PAIRS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def part_of(pair: dict[str, Any]) -> str:
    """'dev' or 'held': a fixed split by trial (all pairs of a trial on one side)."""
    key = (pair.get("trial") or pair.get("title") or pair["id"]).encode("utf-8")
    return "dev" if int(hashlib.sha256(key).hexdigest()[:4], 16) % 100 < DEV_SHARE else "held"


def record_id(index: int) -> str:
    return f"NCT9{index:07d}"


def _outcomes(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for o in items:
        d = {"measure": o.get("measure") or ""}
        if o.get("time_frame"):
            d["timeFrame"] = o["time_frame"]
        if o.get("description"):
            d["description"] = o["description"]
        out.append(d)
    return out


def study(pair: dict[str, Any], index: int, side: str) -> dict[str, Any]:
    """One version of a pair as an API v2 study object."""
    phase = _TRANSITIONS.get(pair.get("transition", ""), ("registration", "recruitment-end"))
    date = _DATES[phase[0] if side == "before" else phase[1]]
    if phase[0] == phase[1] and side == "before":
        date = date[:4] + "-01-01" if date[5:7] != "01" else date
    outcomes: dict[str, Any] = {"primaryOutcomes": _outcomes(pair[f"primary_{side}"])}
    if pair.get(f"secondary_{side}"):
        outcomes["secondaryOutcomes"] = _outcomes(pair[f"secondary_{side}"])
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": record_id(index),
                "briefTitle": pair.get("title") or pair.get("trial") or pair["id"],
            },
            "statusModule": {
                "overallStatus": "RECRUITING" if date < "2012-06" else "COMPLETED",
                "startDateStruct": {"date": "2010-03", "type": "ACTUAL"},
                "primaryCompletionDateStruct": {"date": "2012-06", "type": "ACTUAL"},
                "lastUpdateSubmitDate": date,
            },
            "outcomesModule": outcomes,
        }
    }


def write_pairs(pairs: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    old, new = folder / "old.ndjson", folder / "new.ndjson"
    with old.open("w", encoding="utf-8") as fo, new.open("w", encoding="utf-8") as fn:
        for i, p in enumerate(pairs):
            fo.write(json.dumps(study(p, i, "before")) + "\n")
            fn.write(json.dumps(study(p, i, "after")) + "\n")
    return old, new


def run_diff(pairs: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Findings per pair index, from `trialint diff old new --format json` (the real command)."""
    with tempfile.TemporaryDirectory() as tmp:
        old, new = write_pairs(pairs, Path(tmp))
        cmd = [sys.executable, "-m", "trialint.cli", "diff", str(old), str(new)]
        cmd += ["--isolated", "--format", "json", "--fail-on", "never", "-q"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"trialint diff failed ({done.returncode}): {done.stderr[-2000:]}")
    by_id = {record_id(i): i for i in range(len(pairs))}
    out: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
    for f in json.loads(done.stdout)["findings"]:
        if f["record"] in by_id:
            out[by_id[f["record"]]].append(f)
    return out


@dataclass
class Score:
    tp: list[str] = field(default_factory=list)
    fp: list[str] = field(default_factory=list)
    fn: list[str] = field(default_factory=list)
    tn: list[str] = field(default_factory=list)
    identical: int = 0
    identical_flagged: list[str] = field(default_factory=list)
    categories: dict[str, collections.Counter[str]] = field(default_factory=dict)
    category_pairs: collections.Counter[str] = field(default_factory=collections.Counter)
    category_flagged: collections.Counter[str] = field(default_factory=collections.Counter)
    rule_pairs: collections.Counter[str] = field(default_factory=collections.Counter)
    rule_right: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def precision(self) -> float | None:
        n = len(self.tp) + len(self.fp)
        return len(self.tp) / n if n else None

    @property
    def recall(self) -> float | None:
        n = len(self.tp) + len(self.fn)
        return len(self.tp) / n if n else None


def primary_rules(findings: list[dict[str, Any]]) -> set[str]:
    return {f["rule"] for f in findings if f["rule"].startswith("primary-outcome-")}


def score(
    pairs: list[dict[str, Any]], found: dict[int, list[dict[str, Any]]], part: str = "all"
) -> Score:
    s = Score()
    for i, p in enumerate(pairs):
        if part != "all" and part_of(p) != part:
            continue
        rules = primary_rules(found.get(i, []))
        flagged = bool(rules)
        if p["primary_before"] == p["primary_after"]:
            s.identical += 1
            if flagged:
                s.identical_flagged.append(p["id"])
            continue
        changed = p["labels"] != ["no_change"]
        bucket = s.tp if flagged and changed else s.fp if flagged else s.fn if changed else s.tn
        bucket.append(p["id"])
        for label in p["labels"]:
            s.category_pairs[label] += 1
            s.category_flagged[label] += flagged
            s.categories.setdefault(label, collections.Counter()).update(rules)
        for r in rules:
            s.rule_pairs[r] += 1
            s.rule_right[r] += changed
    return s


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def report(s: Score, name: str) -> str:
    lines = [
        f"== {name}: pairs whose primary text differs: {len(s.tp) + len(s.fp) + len(s.fn) + len(s.tn)}"
        f" ({len(s.tp) + len(s.fn)} rated a change)",
        f"   precision {_fmt(s.precision)} ({len(s.tp)}/{len(s.tp) + len(s.fp)})   "
        f"recall {_fmt(s.recall)} ({len(s.tp)}/{len(s.tp) + len(s.fn)})",
        f"   identical primary lists: {s.identical}, flagged {len(s.identical_flagged)}",
        "   per rated category (pairs; share flagged by a primary rule; rules that fired):",
    ]
    for label, n in s.category_pairs.most_common():
        top = ", ".join(
            f"{r.removeprefix('primary-outcome-')} {c}"
            for r, c in s.categories[label].most_common(4)
        )
        lines.append(f"     {label:<24} {n:>4}  {s.category_flagged[label] / n:5.0%}  {top}")
    lines.append("   per rule (pairs flagged; share rated a change):")
    for rule, n in s.rule_pairs.most_common():
        lines.append(
            f"     {rule:<40} {n:>4}  {s.rule_right[rule] / n:5.0%} ({s.rule_right[rule]}/{n})"
        )
    return "\n".join(lines)


def load_floors() -> dict[str, dict[str, float]]:
    return json.loads(FLOORS.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--part", choices=("dev", "held", "all"), default=None)
    ap.add_argument("--details", action="store_true", help="list the pair ids of every error")
    args = ap.parse_args(argv)
    pairs = load_pairs()
    found = run_diff(pairs)
    parts = [args.part] if args.part else ["dev", "held", "all"]
    for part in parts:
        s = score(pairs, found, part)
        print(report(s, part))
        if args.details:
            print("   false positives:", " ".join(s.fp))
            print("   false negatives:", " ".join(s.fn))
            print("   identical but flagged:", " ".join(s.identical_flagged))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
