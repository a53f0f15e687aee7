"""The history rules stay at or above their measured floors on the rated version pairs
(../shared/corpus/outcome_history/pairs.jsonl), via the real `trialint diff` command."""

from __future__ import annotations

import pytest

from history_accuracy import harness


@pytest.fixture(scope="module")
def run():
    pairs = harness.load_pairs()
    return pairs, harness.run_diff(pairs)


def test_the_rated_pairs_are_there_and_split_by_trial():
    pairs = harness.load_pairs()
    assert len(pairs) >= 700
    parts: dict[str, set[str]] = {"dev": set(), "held": set()}
    for p in pairs:
        parts[harness.part_of(p)].add(p.get("trial") or p.get("title"))
    assert not parts["dev"] & parts["held"]  # a trial is on one side only
    share = len(parts["dev"]) / (len(parts["dev"]) + len(parts["held"]))
    assert 0.6 < share < 0.8


@pytest.mark.parametrize("part", ["dev", "held"])
def test_history_rules_at_or_above_their_floors(run, part):
    pairs, found = run
    s = harness.score(pairs, found, part)
    floor = harness.load_floors()[part]
    assert s.identical > 0 and len(s.identical_flagged) <= floor["identical_flagged"], (
        s.identical_flagged
    )
    for what in ("precision", "recall"):
        value = getattr(s, what)
        assert value is not None and value >= floor[what], (
            f"{part}: {what} {value} below the floor {floor[what]}; FP {s.fp[:10]} FN {s.fn[:10]}"
        )
