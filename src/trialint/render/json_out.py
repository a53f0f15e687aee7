"""The JSON output contract of docs/design.md (`trialint check --format json`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..thresholds import verdict_of
from ..version import __version__

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings


def _val(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and v != v:
        return None
    return v


def _opt_int(v: Any) -> int | None:
    v = _val(v)
    return None if v is None else int(v)


def finding_dicts(findings: Findings) -> list[dict[str, Any]]:
    from ..baseline import fingerprints

    f = findings.frame
    fps = fingerprints(f, findings.contexts).tolist() if len(f) else []
    out = []
    for row, fp in zip(f.itertuples(index=False), fps, strict=True):
        out.append(
            {
                "record": _val(row.record_id),
                "rule": row.rule,
                "severity": row.severity,
                "field": _val(row.field),
                "start": _opt_int(row.start),
                "end": _opt_int(row.end),
                "message": row.message,
                "excerpt": _val(row.excerpt) or "",
                "source": {
                    "path": _val(row.source_path),
                    "line": _opt_int(row.source_line),
                    "column": _opt_int(row.source_column),
                    "end_line": _opt_int(row.source_end_line),
                    "end_column": _opt_int(row.source_end_column),
                    "pointer": _val(row.source_pointer),
                },
                "fingerprint": fp,
            }
        )
    return out


def document(findings: Findings) -> dict[str, Any]:
    return {
        "tool": {"name": "trialint", "version": __version__},
        "summary": {
            "records": findings.record_count,
            "findings": len(findings),
            "by_severity": findings.by_severity(),
            "read_errors": len(findings.read_errors),
            "skipped": [dict(s) for s in findings.skipped],
            "verdict": verdict_of(findings).as_dict(),
        },
        "findings": finding_dicts(findings),
    }


def render(findings: Findings, **_: Any) -> str:
    return json.dumps(document(findings), ensure_ascii=False, indent=2) + "\n"
