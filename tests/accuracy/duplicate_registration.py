"""Pair-level accuracy of duplicate-registration on the labelled candidate pairs.

tests/accuracy/duplicate_pairs.csv: 160 candidate pairs from the WHO ICTRP and ClinicalTrials.gov
folders of ../shared/corpus, each labelled by reading both records (``same_trial`` 1/0, with
the evidence). This reads those folders, runs the rule's own matching (key rows, blocking,
scoring, threshold) and compares: a labelled pair is *predicted* when the rule matches it
(reported by duplicate-registration, or by duplicate-registration-bridged when linked).

Usage: python tests/accuracy/duplicate_registration.py [--threshold T]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared" / "corpus"
PAIRS = HERE / "duplicate_pairs.csv"
FOLDERS = (
    "other_registries/who_ictrp/COVID19-web_22Jul2020.csv",
    "other_registries/who_ictrp/COVID19-1135-trials.csv",
    "other_registries/who_ictrp/ICTRP-Results_18Mar2020.xml",
    "ctgov_v2_json",
    "ctgov_xml",
    "ctgov_csv",
    "ctgov_classic_json",
)


@dataclass
class Result:
    tp: int
    fp: int
    fn: int
    labelled: int
    predicted: pd.DataFrame  # the labelled pairs with score and prediction

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def collect_keys() -> pd.DataFrame:
    from trialint.kinds.duplicate_registration import keys
    from trialint.read import read_paths

    parts = [keys(rs, {}) for rs in read_paths([str(CORPUS / f) for f in FOLDERS])]
    return pd.concat(parts, ignore_index=True)


def evaluate(k: pd.DataFrame, params: dict | None = None) -> Result:
    from trialint.kinds.duplicate_registration import matches, scored_pairs
    from trialint.read.registry_ids import trial_key
    from trialint.rules import load_rules

    rule = load_rules()["duplicate-registration"]
    p = {**rule.params, **(params or {})}
    sp = scored_pairs(k, p)
    sp["hit"] = matches(sp, p)
    sp["pk"] = [
        tuple(sorted((trial_key(a), trial_key(b)))) for a, b in zip(sp.a, sp.b, strict=True)
    ]
    best = sp.sort_values(["hit", "score"], ascending=False).drop_duplicates("pk")
    labels = pd.read_csv(PAIRS)
    labels["pk"] = [
        tuple(sorted((trial_key(a), trial_key(b))))
        for a, b in zip(labels.record_a, labels.record_b, strict=True)
    ]
    m = labels.merge(best[["pk", "score", "title", "hit", "bridge"]], on="pk", how="left")
    m["hit"] = m["hit"].fillna(False).astype(bool)  # not a candidate of the blocking: a miss
    pos = m["same_trial"] == 1
    return Result(
        tp=int((m.hit & pos).sum()),
        fp=int((m.hit & ~pos).sum()),
        fn=int((~m.hit & pos).sum()),
        labelled=len(m),
        predicted=m,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threshold", type=float, default=None)
    args = ap.parse_args(argv)
    params = {} if args.threshold is None else {"threshold": args.threshold}
    k = collect_keys()
    r = evaluate(k, params)
    print(
        f"records: {len(k):,}; labelled pairs: {r.labelled} ({int((r.predicted.same_trial == 1).sum())} same trial)"
    )
    print(
        f"precision {r.precision:.3f} ({r.tp}/{r.tp + r.fp})   recall {r.recall:.3f} ({r.tp}/{r.tp + r.fn})"
    )
    cols = ["record_a", "record_b", "score", "evidence"]
    fp = r.predicted[r.predicted.hit & (r.predicted.same_trial == 0)]
    fn = r.predicted[~r.predicted.hit & (r.predicted.same_trial == 1)]
    if len(fp):
        print("\nfalse positives:\n" + fp[cols].to_string(index=False))
    if len(fn):
        print("\nmissed duplicates:\n" + fn[cols].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    sys.exit(main())
