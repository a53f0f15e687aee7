"""The core rules stay at or above their measured floors on the labelled development set."""

from __future__ import annotations

import pytest

from accuracy import harness


@pytest.fixture(scope="module")
def scored():
    labels = harness.load_labels()
    fired, fmt, _ = harness.predictions(harness.load_formats())
    return labels, harness.score(labels, fired, fmt)


def test_development_set_is_large_and_labelled_for_every_core_check():
    labels = harness.load_labels()
    for check in harness.CORE_RULES:
        assert len(labels[check]) >= 600, check
        assert set(labels[check].values()) <= {"1", "0", "unsure"}, check


@pytest.mark.parametrize("rule", harness.CORE_RULES)
def test_core_rule_at_or_above_its_floor(scored, rule):
    _, scores = scored
    s = scores[rule]
    floor = harness.load_floors()[rule]
    assert s.positives > 0, f"{rule}: no labelled positive in the development set"
    for what, minimum in floor.items():
        value = getattr(s, what)
        assert value is not None and value >= minimum, (
            f"{rule}: {what} {value} below the floor {minimum}; FP {s.fp[:10]} FN {s.fn[:10]}"
        )
