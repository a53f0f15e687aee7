"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per
finding, on the file and line when known; then a plain summary line.

Escaping follows the workflow command rules: in the message, ``%``, CR and LF; in
properties, also ``:`` and ``,``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ci_common import display_path, ival, summary, val, where

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(findings: Findings, root: str | Path | None = None, **_: Any) -> str:
    lines = []
    for row in findings.frame.itertuples(index=False):
        props = []
        path = display_path(row.source_path, root)
        if path and not path.startswith("<"):
            props.append(f"file={escape_property(path)}")
            line, col = ival(row.source_line), ival(row.source_column)
            if line is not None:
                props.append(f"line={line}")
                end_line = ival(row.source_end_line)
                if end_line is not None and end_line != line:
                    props.append(f"endLine={end_line}")
                if col is not None:
                    props.append(f"col={col}")
                    end_col = ival(row.source_end_column)
                    if end_col is not None and end_line == line and end_col > col:
                        props.append(f"endColumn={end_col}")
        props.append(f"title={escape_property(str(row.rule))}")
        message = f"{row.message} ({where(row)})"
        excerpt = val(row.excerpt)
        if excerpt:
            message += f"\n{excerpt}"
        lines.append(
            f"::{COMMANDS.get(str(row.severity), 'warning')} {','.join(props)}::{escape_data(message)}"
        )
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"
