"""Every rule's examples run as tests: each 'flag' record must be flagged, each 'pass' must not."""

from __future__ import annotations

import pytest

from trialint.engine import check_recordset
from trialint.read import example_recordset
from trialint.rules import load_rules

_RULES = load_rules()
_CASES = [
    pytest.param(rule, verdict, i, ex, id=f"{rule.id}:{verdict}:{ex.get('name', i)}")
    for rule in _RULES.values()
    for verdict in ("flag", "pass")
    for i, ex in enumerate(rule.examples.get(verdict, []))
]


@pytest.mark.parametrize(("rule", "verdict", "index", "example"), _CASES)
def test_rule_example(rule, verdict, index, example):
    rs = example_recordset(example, name=f"{rule.id}-{verdict}-{index}")
    assert not rs.errors, f"example does not read: {rs.errors}"
    found = check_recordset(rs, [rule])
    found = found[found["rule"] == rule.id]
    if verdict == "pass":
        assert found.empty, (
            f"{rule.id} flagged a pass example:\n{found[['field', 'message']].to_string()}"
        )
        return
    assert not found.empty, f"{rule.id} missed a flag example"
    for want in example.get("expect", []):
        hit = found
        for key in ("field", "message_contains"):
            if key in want:
                hit = (
                    hit[hit["field"] == want[key]]
                    if key == "field"
                    else hit[hit["message"].str.contains(want[key], regex=False)]
                )
        assert not hit.empty, (
            f"no finding matches {want}; got:\n{found[['field', 'message']].to_string()}"
        )


def test_every_rule_has_flag_and_pass_examples():
    for rule in _RULES.values():
        assert rule.examples.get("flag") and rule.examples.get("pass"), rule.id
