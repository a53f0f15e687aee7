"""What each rule checked: its unit (records, outcomes, arms, interventions, conditions), how many
of them the run read, and how many failed. An auditor reads "12 findings" beside "12 of 4,210
outcome measures checked", as in pointblank's or Great Expectations' validation reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

UNITS: tuple[str, ...] = ("records", "outcomes", "arms", "interventions", "conditions")
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "records": ("record", "records"),
    "outcomes": ("outcome measure", "outcome measures"),
    "arms": ("arm group", "arm groups"),
    "interventions": ("intervention", "interventions"),
    "conditions": ("condition", "conditions"),
}
# the kinds that judge one list item at a time
_KIND_UNITS: dict[str, str] = {
    "outcome_pattern": "outcomes",
    "outcome_abbreviation": "outcomes",
    "repeated_outcome_description": "outcomes",
    "arm_description_copied": "arms",
    "lumped_interventions": "interventions",
}
_ARM_LINK_UNITS = {"arm-without-intervention": "arms", "intervention-without-arm": "interventions"}
_ITEM = {
    "outcomes": re.compile(r"^(outcomes\[[a-z]+\]\[[0-9]+\])"),
    "arms": re.compile(r"^(arms\[[0-9]+\])"),
    "interventions": re.compile(r"^(interventions\[[0-9]+\])"),
    "conditions": re.compile(r"^(conditions\[[0-9]+\])"),
}


def unit_of(rule: Any) -> str:
    """The unit a rule judges: one of UNITS."""
    kind = str(getattr(rule, "kind", ""))
    params: Mapping[str, Any] = getattr(rule, "params", {}) or {}
    if kind in _KIND_UNITS:
        return _KIND_UNITS[kind]
    if kind == "arm_links":
        return _ARM_LINK_UNITS.get(str(params.get("check", "")), "records")
    if kind == "term_pattern" and list(params.get("kinds", ["condition"])) == ["condition"]:
        return "conditions"
    return "records"


def failing_items(frame: pd.DataFrame, unit: str) -> int:
    """How many distinct items of ``unit`` the findings in ``frame`` (one rule's) flag. A finding
    whose field is not such an item counts its record."""
    if frame.empty:
        return 0
    rid = frame["record_id"].astype("str")
    if unit == "records":
        return int(rid.nunique())
    item = frame["field"].astype("str").str.extract(_ITEM[unit], expand=False)
    keys = rid + "\x1f" + item.fillna("")
    return int(keys.nunique())


def coverage(findings: Any) -> dict[str, dict[str, Any]]:
    """Rule id -> {unit, checked (items of the unit read), failing (items flagged), records
    (records flagged)} for every rule that ran."""
    f = findings.frame
    checked: Mapping[str, int] = findings.checked or {}
    by_rule = dict(tuple(f.groupby("rule", sort=False))) if len(f) else {}
    out: dict[str, dict[str, Any]] = {}
    for rid, rule in findings.rules.items():
        unit = unit_of(rule)
        mine = by_rule.get(rid, f.iloc[0:0])
        out[rid] = {
            "unit": unit,
            "checked": int(checked.get(unit, findings.record_count if unit == "records" else 0)),
            "failing": failing_items(mine, unit),
            "records": int(mine["record_id"].nunique()) if len(mine) else 0,
        }
    return out


def describe(n: int, unit: str) -> str:
    one, many = UNIT_WORDS.get(unit, (unit, unit))
    return f"{n:,} {one if n == 1 else many}"
