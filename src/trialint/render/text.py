"""Compiler-style text output: location, severity[rule], message, then the excerpt with the span marked."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan", "read-error": "red"}
_WS = re.compile(r"\s+")
# Record text is untrusted: terminal control sequences (ESC ...) and bidirectional overrides
# ("Trojan Source") are shown as escapes, never sent to the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """``text`` with control and bidi-override characters written as ``\\uXXXX`` escapes."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


CONTEXT = 50
MAX_SPAN = 160


def location(row: Any) -> str:
    path = row.source_path if isinstance(row.source_path, str) else row.record_id
    if not pd.isna(row.source_line):
        loc = f"{path}:{int(row.source_line)}"
        if not pd.isna(row.source_column):
            loc += f":{int(row.source_column)}"
        return loc
    return str(path)


def marked_excerpt(text: str | None, start: Any, end: Any) -> tuple[str, int, int] | None:
    """One line of the field text around the span, and the span's column and width in it."""
    if not isinstance(text, str) or pd.isna(start):
        return None
    s, e = int(start), int(end) if not pd.isna(end) else len(text)
    span = text[s:e]
    if len(span) > MAX_SPAN:
        span = span[: MAX_SPAN - 2] + " …"
    before = text[max(0, s - CONTEXT) : s]
    after = text[e : e + CONTEXT]
    prefix = ("…" if s > CONTEXT else "") + before
    suffix = after + ("…" if e + CONTEXT < len(text) else "")

    def flat(x: str) -> str:
        return safe(_WS.sub(" ", x))

    prefix, span, suffix = flat(prefix), flat(span), flat(suffix)
    return prefix + span + suffix, len(prefix), max(1, len(span))


def render(findings: Findings, color: bool = False, **_: Any) -> str:
    texts = {
        (r, f): t
        for r, f, t in zip(
            findings.contexts["record_id"],
            findings.contexts["field"],
            findings.contexts["text"],
            strict=True,
        )
    }

    def style(s: str, **kw: Any) -> str:
        return click.style(s, **kw) if color else s

    lines: list[str] = []
    for row in findings.frame.itertuples(index=False):
        sev = str(row.severity)
        head = (
            style(safe(location(row)), bold=True)
            + ": "
            + style(f"{sev}[{row.rule}]", fg=_COLOURS.get(sev, "white"), bold=True)
            + " "
            + safe(str(row.message))
        )
        lines.append(head)
        where = f"record {row.record_id}"
        if isinstance(row.field, str) and row.field:
            where += f", field {row.field}"
        lines.append(style(f"  --> {safe(where)}", dim=True))
        marked = marked_excerpt(texts.get((str(row.record_id), str(row.field))), row.start, row.end)
        if marked:
            line, col, width = marked
            lines.append("   | " + line)
            lines.append(
                "   | "
                + " " * col
                + style("^" * min(width, max(1, len(line) - col)), fg=_COLOURS.get(sev, "white"))
            )
        rule = findings.rules.get(str(row.rule))
        if rule is not None and rule.fix:
            lines.append(style(f"   = fix: {' '.join(rule.fix.split())}", dim=True))
        lines.append("")
    sup = findings.suppressed
    exempted = sup[sup["suppressed_by"] == "exemption"] if "suppressed_by" in sup else sup.iloc[0:0]
    for row in exempted.itertuples(
        index=False
    ):  # shown with their reason; baselined ones are counted
        lines.append(
            style(
                safe(
                    f"{location(row)}: suppressed[{row.rule}] {row.message} — exempt: {row.reason}"
                ),
                dim=True,
            )
        )
    if len(exempted):
        lines.append("")
    lines.append(summary_line(findings, style))
    if findings.thresholds:  # configured thresholds: say what the exit code is based on
        from ..thresholds import verdict_of

        verdict = verdict_of(findings)
        colour = {"pass": "green", "warn": "yellow", "fail": "red"}[verdict.status]
        lines.append(style(f"verdict: {verdict.explain()}", fg=colour))
    return "\n".join(lines) + "\n"


def summary_line(findings: Findings, style: Any = lambda s, **_: s) -> str:
    msg = findings.summary_text()
    if findings.problems():
        return style(msg, bold=True, fg="red")
    if len(findings):
        return style(msg, bold=True)
    return style(msg + " — all clear", fg="green")
