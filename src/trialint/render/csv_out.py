"""CSV: a header and one row per finding (spreadsheets, pandas). With ``include_suppressed=True``
suppressed findings follow, with ``suppressed_by`` and ``reason`` filled in."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from .ci_common import ival, val

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

COLUMNS: tuple[str, ...] = (
    "record",
    "rule",
    "severity",
    "category",
    "field",
    "start",
    "end",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "pointer",
    "message",
    "excerpt",
    "suppressed_by",
    "reason",
)


def _row(row: Any, by: str = "", reason: str = "") -> list[Any]:
    def s(v: Any) -> str:
        v = val(v)
        return "" if v is None else str(v)

    def i(v: Any) -> str:
        n = ival(v)
        return "" if n is None else str(n)

    return [
        s(row.record_id),
        s(row.rule),
        s(row.severity),
        s(row.category),
        s(row.field),
        i(row.start),
        i(row.end),
        s(row.source_path),
        i(row.source_line),
        i(row.source_column),
        i(row.source_end_line),
        i(row.source_end_column),
        s(row.source_pointer),
        s(row.message),
        s(row.excerpt),
        by,
        reason,
    ]


def render(findings: Findings, include_suppressed: bool = False, **_: Any) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for row in findings.frame.itertuples(index=False):
        w.writerow(_row(row))
    sup = findings.suppressed
    if include_suppressed and len(sup):
        for row in sup.itertuples(index=False):
            w.writerow(_row(row, str(row.suppressed_by), str(row.reason)))
    return buf.getvalue()
