"""The findings frame: one row per finding. Its columns are the contract every renderer reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1}
FAIL_LEVELS: tuple[str, ...] = ("error", "warning", "info", "never")

# What a rule kind returns (the engine fills in the rest).
KIND_COLUMNS: tuple[str, ...] = ("record_id", "field", "start", "end", "message")
# Optional columns a kind may add: a second place (the twin of a duplicate, say).
RELATED_COLUMNS: tuple[str, ...] = ("related_field", "related_start", "related_end")

FINDING_COLUMNS: tuple[str, ...] = (
    "record_id",
    "rule",
    "severity",
    "category",
    "field",
    "start",
    "end",
    "message",
    "excerpt",
    "source_path",
    "source_line",
    "source_column",
    "source_pointer",
    *RELATED_COLUMNS,
)
_INT_COLS = {"start", "end", "source_line", "source_column", "related_start", "related_end"}


def empty_findings() -> pd.DataFrame:
    return finding_frame([])


def finding_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(list(rows), columns=list(FINDING_COLUMNS))
    return coerce_findings(df)


def coerce_findings(df: pd.DataFrame) -> pd.DataFrame:
    for col in FINDING_COLUMNS:
        if col not in df:
            df[col] = pd.NA
    df = df[list(FINDING_COLUMNS)].copy()
    for col in FINDING_COLUMNS:
        df[col] = df[col].astype("Int64") if col in _INT_COLS else df[col].astype("str")
    return df


def kind_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A rule kind's result frame from dict rows (record_id, field, start, end, message, ...)."""
    rows = list(rows)
    cols = list(KIND_COLUMNS) + [c for c in RELATED_COLUMNS if any(c in r for r in rows)]
    df = pd.DataFrame.from_records(rows, columns=cols)
    for col in cols:
        df[col] = df[col].astype("Int64") if col in _INT_COLS else df[col].astype("str")
    return df


def sort_findings(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(
        ["source_path", "record_id", "source_line", "field", "start", "rule"],
        na_position="first",
        kind="stable",
    ).reset_index(drop=True)


def at_or_above(severity: pd.Series, level: str) -> pd.Series:
    if level == "never":
        return pd.Series(False, index=severity.index)
    threshold = SEVERITY_RANK[level]
    return severity.map(SEVERITY_RANK).fillna(0) >= threshold
