"""Run rules over RecordSets and return findings: the middle of the flow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .findings import FINDING_COLUMNS, coerce_findings, empty_findings, sort_findings
from .frames import RecordSet, json_pointer
from .kinds import KINDS
from .rules import BUILTIN_META, Rule

EXCERPT_CONTEXT = 60  # characters of context on each side of a span in an excerpt
EXCERPT_MAX_SPAN = 240  # a longer span is shown by its head and tail


def make_excerpt(text: str | float | None, start: Any, end: Any) -> str:
    """A one-line excerpt around [start, end): the span itself, with a little context."""
    if not isinstance(text, str) or not text:
        return ""
    s = 0 if pd.isna(start) else int(start)
    e = len(text) if pd.isna(end) else int(end)
    span = text[s:e]
    if len(span) > EXCERPT_MAX_SPAN:
        half = EXCERPT_MAX_SPAN // 2
        span = span[:half] + " … " + span[-half:]
    before = text[max(0, s - EXCERPT_CONTEXT) : s]
    after = text[e : e + EXCERPT_CONTEXT]
    out = ("…" if s > EXCERPT_CONTEXT else "") + before + span + after + ("…" if e + EXCERPT_CONTEXT < len(text) else "")
    return " ".join(out.split())


def run_rule(rs: RecordSet, rule: Rule) -> pd.DataFrame:
    raw = KINDS[rule.kind].run(rs, rule.params)
    if raw.empty:
        return empty_findings()
    out = raw.copy()
    out["rule"] = rule.id
    out["severity"] = rule.severity
    out["category"] = rule.category
    return coerce_findings(out)


def locate(findings: pd.DataFrame, rs: RecordSet) -> pd.DataFrame:
    """Fill excerpt and source columns from the record set's texts and source map."""
    if findings.empty:
        return findings
    texts = rs.field_text()
    findings = findings.copy()
    findings["excerpt"] = [
        make_excerpt(texts.get((r, f)), s, e)
        for r, f, s, e in zip(findings["record_id"], findings["field"], findings["start"], findings["end"], strict=True)
    ]
    src = rs.sources
    rec_src = src[src["field"].isna() | (src["field"] == "")].drop_duplicates("record_id").set_index("record_id")
    fld_src = src[src["field"].notna() & (src["field"] != "")].drop_duplicates(["record_id", "field"])
    fld_src = fld_src.set_index(["record_id", "field"])
    paths, lines, cols, pointers = [], [], [], []
    for r, f, s in zip(findings["record_id"], findings["field"], findings["start"], strict=True):
        path = line = col = pointer = None
        if r in rec_src.index:
            base = rec_src.loc[r]
            path, line, pointer = base["path"], base["line"], base["pointer"]
        key = (r, f)
        if key in fld_src.index:
            row = fld_src.loc[key]
            path = row["path"] if isinstance(row["path"], str) else path
            pointer = row["pointer"] if isinstance(row["pointer"], str) else pointer
            if not pd.isna(row["line"]):
                line, col = int(row["line"]), None if pd.isna(row["column"]) else int(row["column"])
                text = texts.get(key)
                if isinstance(text, str) and not pd.isna(s) and col is not None:
                    # move from the field's start to the span's start
                    head = text[: int(s)]
                    nl = head.count("\n")
                    if nl:
                        line, col = line + nl, len(head) - head.rfind("\n")
                    else:
                        col = col + len(head)
        elif isinstance(pointer, str) and pointer.startswith(("/", "")) and not pointer.endswith(":"):
            jp = json_pointer(f) if isinstance(f, str) else ""
            if jp and rs.studies.loc[rs.studies["record_id"] == r, "source_format"].astype(str).str.contains("json").any():
                pointer = (pointer.rstrip("/") if pointer else "") + jp
        paths.append(path)
        lines.append(line)
        cols.append(col)
        pointers.append(pointer)
    findings["source_path"] = pd.array(paths, dtype="str")
    findings["source_line"] = pd.array([None if pd.isna(x) else int(x) for x in lines], dtype="Int64")
    findings["source_column"] = pd.array([None if pd.isna(x) else int(x) for x in cols], dtype="Int64")
    findings["source_pointer"] = pd.array(pointers, dtype="str")
    return findings


def read_error_findings(rs: RecordSet) -> pd.DataFrame:
    if not rs.errors:
        return empty_findings()
    sev, cat, _ = BUILTIN_META["read-error"]
    rows = [
        {
            "record_id": e.get("record_id") or e.get("path"),
            "rule": "read-error",
            "severity": sev,
            "category": cat,
            "field": e.get("field", ""),
            "message": e["reason"],
            "excerpt": e.get("excerpt", ""),
            "source_path": e.get("path"),
            "source_line": e.get("line"),
            "source_column": e.get("column"),
            "source_pointer": e.get("pointer"),
        }
        for e in rs.errors
    ]
    return coerce_findings(pd.DataFrame.from_records(rows, columns=list(FINDING_COLUMNS)))


def check_recordset(rs: RecordSet, rules: Iterable[Rule]) -> pd.DataFrame:
    """Run ``rules`` over one chunk of records; returns located findings (read errors included)."""
    parts = [read_error_findings(rs)]
    if len(rs):
        parts += [run_rule(rs, rule) for rule in rules]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_findings()
    found = pd.concat(parts, ignore_index=True)
    ok = found["rule"] != "read-error"
    located = locate(found[ok], rs)
    return sort_findings(pd.concat([found[~ok], located], ignore_index=True))
