"""The verdict of a run: pass, warn or fail against thresholds, like pointblank's action levels.

A threshold names a severity, a category or a rule and gives a ``warn`` and/or a ``fail`` level:
a number of records (``3``: three or more records with such a finding) or a share of the records
read (``"2%"``). Each finding is judged by the most specific entry that covers it: its rule's,
else its category's, else its severity's. Without an entry for a severity, ``fail-on`` gives one:
every severity at or above it fails at one record (what the exit code has always meant).
``fail-on = "never"`` adds none. Read errors are not judged here: they stop the run (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .findings import SEVERITIES, SEVERITY_RANK, FindingSet

STATUSES: tuple[str, ...] = ("pass", "warn", "fail")
_PCT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


@dataclass(frozen=True)
class Level:
    """At least ``count`` records, or at least ``share`` (0-1] of the records read."""

    count: int | None = None
    share: float | None = None

    @classmethod
    def parse(cls, value: Any) -> Level:
        """``3`` (records) or ``"2.5%"`` (of the records read); ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError(f"expected a number of records or a percentage, not {value!r}")
        if isinstance(value, int):
            if value < 1:
                raise ValueError(f"a number of records must be 1 or more, not {value}")
            return cls(count=value)
        if isinstance(value, str):
            m = _PCT.match(value)
            if m and 0 < float(m.group(1)) <= 100:
                return cls(share=float(m.group(1)) / 100)
        raise ValueError(
            f'expected a number of records (1 or more) or a percentage ("2%"), not {value!r}'
        )

    def reached(self, records: int, total: int) -> bool:
        if self.count is not None:
            return records >= self.count
        if self.share is not None:
            return total > 0 and records / total >= self.share - 1e-12
        return False

    def __str__(self) -> str:
        if self.count is not None:
            return f"{self.count} record{'s' if self.count != 1 else ''}"
        return f"{100 * (self.share or 0):g}% of records"


@dataclass(frozen=True)
class Threshold:
    selector: str  # a severity, a category or a rule id
    warn: Level | None = None
    fail: Level | None = None
    origin: str = ""  # file:line, "fail-on", ...

    @classmethod
    def parse(cls, selector: str, value: Mapping[str, Any], origin: str = "") -> Threshold:
        if not isinstance(value, Mapping) or not value:
            raise ValueError("a threshold is a table with `warn` and/or `fail`")
        unknown = [k for k in value if k not in ("warn", "fail")]
        if unknown:
            raise ValueError(f"unknown key '{unknown[0]}' in a threshold (expected warn, fail)")
        warn = Level.parse(value["warn"]) if "warn" in value else None
        fail = Level.parse(value["fail"]) if "fail" in value else None
        return cls(selector, warn, fail, origin)


@dataclass
class Check:
    """One judged threshold: how many records it covers and what that means."""

    selector: str
    scope: str  # "severity" | "category" | "rule"
    records: int
    findings: int
    total: int  # records read
    warn: Level | None
    fail: Level | None
    origin: str
    status: str = "pass"

    @property
    def share(self) -> float:
        return self.records / self.total if self.total else 0.0


@dataclass
class Verdict:
    status: str  # pass | warn | fail
    checks: list[Check] = field(default_factory=list)

    def failing(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    def warning(self) -> list[Check]:
        return [c for c in self.checks if c.status == "warn"]

    def explain(self) -> str:
        """One line: 'fail: 3 records with warning findings (fail at 1 record)', or 'pass'."""
        worst = self.failing() or self.warning()
        if not worst:
            return "pass"
        parts = [
            f"{c.records:,} record{'s' if c.records != 1 else ''} with {describe(c)} "
            f"({c.status} at {c.fail if c.status == 'fail' else c.warn})"
            for c in worst
        ]
        return f"{self.status}: " + "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checks": [
                {
                    "selector": c.selector,
                    "scope": c.scope,
                    "records": c.records,
                    "findings": c.findings,
                    "share": round(c.share, 6),
                    "warn": str(c.warn) if c.warn else None,
                    "fail": str(c.fail) if c.fail else None,
                    "status": c.status,
                    "origin": c.origin,
                }
                for c in self.checks
            ],
        }


def describe(c: Check) -> str:
    """'warning findings', 'clarity findings', 'date-order findings'."""
    return f"{c.selector} findings"


def effective_thresholds(thresholds: Iterable[Threshold], fail_on: str) -> dict[str, Threshold]:
    """Selector -> threshold: the configured ones, plus fail-on's default for each severity at or
    above it that has no entry of its own."""
    out = {t.selector: t for t in thresholds}
    if fail_on in SEVERITY_RANK:
        for sev in SEVERITIES:
            if SEVERITY_RANK[sev] >= SEVERITY_RANK[fail_on] and sev not in out:
                out[sev] = Threshold(sev, None, Level(count=1), f"fail-on = {fail_on}")
    return out


def judge(
    frame: pd.DataFrame,
    records_read: int,
    rule_categories: Mapping[str, str],
    thresholds: Iterable[Threshold],
    fail_on: str = "warning",
) -> Verdict:
    """The verdict of a findings frame (read errors left out) against ``thresholds``."""
    table = effective_thresholds(thresholds, fail_on)
    f = frame[frame["rule"] != "read-error"]
    rules = f["rule"].astype("str")
    cats = rules.map(lambda r: rule_categories.get(r, "")).astype("str")
    sevs = f["severity"].astype("str")
    # each finding to the most specific entry that covers it
    owner = pd.Series("", index=f.index, dtype="str")
    for series in (sevs, cats, rules):  # later (more specific) overwrite earlier
        has = series.isin(list(table))
        owner = owner.where(~has, series)
    checks: list[Check] = []
    for sel, th in table.items():
        mine = f[owner == sel]
        scope = (
            "severity"
            if sel in SEVERITIES
            else "category"
            if sel in set(rule_categories.values())
            else "rule"
        )
        n_rec = int(mine["record_id"].nunique()) if len(mine) else 0
        c = Check(sel, scope, n_rec, len(mine), records_read, th.warn, th.fail, th.origin)
        if th.fail is not None and th.fail.reached(n_rec, records_read):
            c.status = "fail"
        elif th.warn is not None and th.warn.reached(n_rec, records_read):
            c.status = "warn"
        checks.append(c)
    order = {"severity": 0, "category": 1, "rule": 2}
    checks.sort(
        key=lambda c: (
            order[c.scope],
            -SEVERITY_RANK.get(c.selector, 0),
            c.selector,
        )
    )
    status = max((c.status for c in checks), key=STATUSES.index, default="pass")
    return Verdict(status, checks)


def verdict_of(findings: FindingSet) -> Verdict:
    """The verdict of a run's findings against its thresholds and fail-on."""
    return judge(
        findings.frame,
        findings.record_count,
        {rid: str(getattr(r, "category", "")) for rid, r in findings.rules.items()},
        findings.thresholds,
        findings.fail_on,
    )
