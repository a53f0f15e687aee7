"""``--statistics``: how many findings each rule gave, most frequent first (like ruff's)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings


def render(findings: Findings, fmt: str = "text", **_: Any) -> str:
    st = findings.statistics()
    if fmt in ("json", "jsonl"):
        items = [
            {"rule": r, "severity": s, "count": int(c), "summary": m}
            for r, s, c, m in zip(
                st["rule"], st["severity"], st["count"], st["summary"], strict=True
            )
        ]
        if fmt == "jsonl":
            return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items)
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if st.empty:
        out = "no findings"
    else:
        width_n = max(len(str(int(c))) for c in st["count"])
        width_r = max(len(r) for r in st["rule"])
        out = "\n".join(
            f"{int(c):>{width_n}}  {r:<{width_r}}  {s:<7}  {m}".rstrip()
            for r, s, c, m in zip(
                st["rule"], st["severity"], st["count"], st["summary"], strict=True
            )
        )
    note = findings.suppressed_note()
    return out + (f"\n{note}" if note else "") + "\n"
