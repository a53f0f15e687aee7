"""GitLab Code Quality report (a JSON array; ``artifacts: reports: codequality``).

Each finding: description, check_name (the rule), fingerprint (unique per finding, stable
while the flagged text does not change), severity (error -> major, warning -> minor,
info -> info; a file that cannot be read -> critical), location.path + lines.begin.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ci_common import display_path, ival, rows, where

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}


def _lines(row: Any) -> dict[str, int]:
    begin = ival(row.source_line) or 1
    end = ival(row.source_end_line)
    return {"begin": begin, "end": end} if end is not None and end > begin else {"begin": begin}


def issues(findings: Findings, root: str | Path | None = None) -> list[dict[str, Any]]:
    out = []
    seen: dict[str, int] = {}
    for row, fp in rows(findings):
        n = seen.get(fp, 0)  # several findings with the same key: keep fingerprints unique
        seen[fp] = n + 1
        fingerprint = fp if n == 0 else hashlib.sha256(f"{fp}#{n}".encode()).hexdigest()[:32]
        severity = "critical" if row.rule == "read-error" else SEVERITIES.get(row.severity, "minor")
        out.append(
            {
                "type": "issue",
                "description": f"{row.message} ({where(row)})",
                "check_name": str(row.rule),
                "fingerprint": fingerprint,
                "severity": severity,
                "categories": ["Style"],
                "location": {
                    "path": display_path(row.source_path, root) or str(row.record_id),
                    "lines": _lines(row),
                },
            }
        )
    return out


def render(findings: Findings, root: str | Path | None = None, **_: Any) -> str:
    return json.dumps(issues(findings, root), ensure_ascii=False, indent=2) + "\n"
