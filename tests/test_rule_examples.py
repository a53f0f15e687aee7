"""Every rule's examples run as tests: each 'flag' record must be flagged, each 'pass' must not.

A history rule's example is a pair of versions (``old`` and ``new``: API v2 study objects),
compared as ``trialint diff`` compares two downloads."""

from __future__ import annotations

import pytest

from trialint.engine import check_recordset
from trialint.history import pair_downloads, run_rules
from trialint.read import example_recordset
from trialint.rules import is_pair_rule, load_rules

_RULES = load_rules()
_CASES = [
    pytest.param(rule, verdict, i, ex, id=f"{rule.id}:{verdict}:{ex.get('name', i)}")
    for rule in _RULES.values()
    for verdict in ("flag", "pass")
    for i, ex in enumerate(rule.examples.get(verdict, []))
]


def _found(rule, verdict, index, example):
    name = f"{rule.id}-{verdict}-{index}"
    if is_pair_rule(rule):
        assert "old" in example and "new" in example, "a history rule's example is an old/new pair"
        old = example_recordset({"record": example["old"]}, name=f"{name}-old")
        new = example_recordset({"record": example["new"]}, name=f"{name}-new")
        assert not old.errors and not new.errors, (
            f"example does not read: {old.errors + new.errors}"
        )
        found, _, _ = run_rules(pair_downloads(old, new), [rule])
        return found
    rs = example_recordset(example, name=name)
    assert not rs.errors, f"example does not read: {rs.errors}"
    return check_recordset(rs, [rule])


@pytest.mark.parametrize(("rule", "verdict", "index", "example"), _CASES)
def test_rule_example(rule, verdict, index, example):
    found = _found(rule, verdict, index, example)
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
