"""JSON Lines: one finding per line, the same objects as the JSON contract's ``findings``.
With ``include_suppressed=True`` suppressed findings follow, each with a ``suppressed``
object (``by``: exemption | baseline, ``reason``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .json_out import finding_dicts

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings


def render(findings: Findings, include_suppressed: bool = False, **_: Any) -> str:
    lines = [json.dumps(d, ensure_ascii=False) for d in finding_dicts(findings)]
    sup = findings.suppressed
    if include_suppressed and len(sup):
        from dataclasses import replace

        shadow = replace(findings, frame=sup[list(findings.frame.columns)])
        for d, by, reason in zip(
            finding_dicts(shadow), sup["suppressed_by"], sup["reason"], strict=True
        ):
            d["suppressed"] = {"by": by, "reason": reason}
            lines.append(json.dumps(d, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
