"""Shared pieces of the CI renderers (sarif, junit, github, gitlab, jsonl, csv)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings


def val(v: Any) -> Any:
    """None for missing values (NaN, NA), the value otherwise."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and v != v:
        return None
    return v


def ival(v: Any) -> int | None:
    v = val(v)
    return None if v is None else int(v)


def display_path(path: Any, root: str | Path | None = None) -> str | None:
    """A finding's path for CI tools: relative to ``root`` (default: the working directory)
    when the file is inside it, with forward slashes; as given otherwise."""
    p = val(path)
    if not isinstance(p, str) or not p:
        return None
    if p.startswith("<"):  # <stdin>, <DataFrame>
        return p
    return _display_path(p, str(root) if root is not None else str(Path.cwd()))


@functools.lru_cache(maxsize=4096)
def _display_path(p: str, root: str) -> str:
    base = Path(root)
    candidate = Path(p)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(base.resolve()).as_posix()
        except ValueError:
            try:
                return candidate.resolve().relative_to(base.resolve()).as_posix()
            except (ValueError, OSError):
                return candidate.as_posix()
    return candidate.as_posix().removeprefix("./")


def rows(findings: Findings, frame: pd.DataFrame | None = None) -> Iterator[tuple[Any, str]]:
    """(row, fingerprint) for each finding of ``frame`` (default: the reported findings)."""
    from ..baseline import fingerprints

    f = findings.frame if frame is None else frame
    if f.empty:
        return iter(())
    fps = fingerprints(f, findings.contexts)
    return zip(f.itertuples(index=False), fps.tolist(), strict=True)


def rule_summary(findings: Findings, rule_id: str) -> str:
    from ..findings import BUILTIN_META

    r = findings.rules.get(rule_id)
    if r is not None:
        return r.summary
    return BUILTIN_META.get(rule_id, ("", "", rule_id))[2]


def where(row: Any) -> str:
    """'record X, field Y' for messages."""
    out = f"record {row.record_id}"
    if isinstance(row.field, str) and row.field:
        out += f", field {row.field}"
    return out


def summary(findings: Findings) -> str:
    """One plain line: counts by severity, records, read errors, skipped files, suppressed."""
    return "trialint: " + findings.summary_text()
