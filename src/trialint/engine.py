"""Run rules over RecordSets and return findings: the middle of the flow."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .findings import (
    BUILTIN_META,
    FINDING_COLUMNS,
    OWN_SEVERITY_COLUMN,
    SEVERITY_RANK,
    coerce_findings,
    empty_findings,
    sort_findings,
)
from .frames import RecordSet, json_pointer
from .kinds import KINDS
from .rules import Rule

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
    out = (
        ("…" if s > EXCERPT_CONTEXT else "")
        + before
        + span
        + after
        + ("…" if e + EXCERPT_CONTEXT < len(text) else "")
    )
    return " ".join(out.split())


def run_rule(rs: RecordSet, rule: Rule, prefilter: bool = True) -> pd.DataFrame:
    """One rule over one chunk: the kind's vectorized prefilter first (when it has one and
    ``prefilter`` is on), then the full check on the records it keeps."""
    kind = KINDS[rule.kind]
    if prefilter and len(rs):
        keep = kind.prefilter(rs, rule.params)
        if keep is not None:
            keep = np.asarray(keep, dtype=bool)
            if not keep.any():  # nothing to check: no narrowed copy of every frame
                return empty_findings()
            rs = rs.subset(keep)
    raw = kind.run(rs, rule.params)
    if raw.empty:
        return empty_findings()
    n = len(raw)
    out = raw.assign(
        rule=pd.array([rule.id] * n, dtype="str"),
        severity=pd.array([rule.severity] * n, dtype="str"),
        category=pd.array([rule.category] * n, dtype="str"),
    )
    if OWN_SEVERITY_COLUMN in raw:  # a finding's own severity lowers the rule's, never raises it
        own = raw[OWN_SEVERITY_COLUMN].map(SEVERITY_RANK)
        lower = (own.notna() & (own < SEVERITY_RANK[rule.severity])).to_numpy()
        out.loc[lower, "severity"] = raw.loc[lower, OWN_SEVERITY_COLUMN]
    return coerce_findings(out)


def locate(findings: pd.DataFrame, rs: RecordSet) -> pd.DataFrame:
    """Fill excerpt and source columns from the record set's texts and source map.

    A field-level source row (text and CSV inputs) gives the line and column where the field's
    text starts; the span's own line and column are counted from there. JSON inputs get a JSON
    pointer: the record's pointer in its file plus the field's path in the study object.
    """
    if findings.empty:
        return findings
    keys = findings[["record_id", "field"]].reset_index(drop=True)
    lt = rs.located_texts().drop_duplicates(["record_id", "field"], keep="last")
    texts_of = _aligned(keys, lt, ["record_id", "field"], ["text"])[0]
    src = rs.sources
    is_rec = src["field"].isna() | (src["field"] == "")
    rec_src = src.loc[is_rec, ["record_id", "path", "line", "pointer"]].drop_duplicates(
        "record_id", keep="last"
    )
    rec_path, rec_line, rec_ptr = _aligned(
        keys, rec_src, ["record_id"], ["path", "line", "pointer"]
    )
    fld_src = src.loc[~is_rec].drop_duplicates(["record_id", "field"], keep="last")
    f_found, f_path, f_line, f_col, f_ptr = _aligned(
        keys,
        fld_src.assign(found=True),
        ["record_id", "field"],
        ["found", "path", "line", "column", "pointer"],
    )
    st = rs.studies[["record_id", "source_format"]].drop_duplicates("record_id", keep="last")
    json_of = _aligned(
        keys, st.assign(json=st["source_format"].str.endswith("json")), ["record_id"], ["json"]
    )[0]
    excerpts, paths, lines, cols, pointers, end_lines, end_cols = [], [], [], [], [], [], []
    for i, (_, f, s, e) in enumerate(
        zip(
            findings["record_id"],
            findings["field"],
            findings["start"],
            findings["end"],
            strict=True,
        )
    ):
        text = texts_of[i]
        excerpts.append(make_excerpt(text, s, e))
        path, line, pointer = rec_path[i], rec_line[i], rec_ptr[i]
        col = end_line = end_col = None
        if f_found[i] is True:
            fpath, fline, fcol, fptr = f_path[i], f_line[i], f_col[i], f_ptr[i]
            path = fpath if isinstance(fpath, str) else path
            pointer = fptr if isinstance(fptr, str) else pointer
            if not pd.isna(fline):
                line, col = int(fline), None if pd.isna(fcol) else int(fcol)
                if isinstance(text, str) and not pd.isna(s) and col is not None:
                    stop = len(text) if pd.isna(e) else int(e)
                    end_line, end_col = _advance(text[:stop], line, col)
                    line, col = _advance(text[: int(s)], line, col)
        elif json_of[i] is True and isinstance(f, str):
            jp = json_pointer(f)
            if jp:
                pointer = (pointer if isinstance(pointer, str) else "") + jp
        paths.append(path if isinstance(path, str) else None)
        lines.append(None if line is None or pd.isna(line) else int(line))
        cols.append(col)
        end_lines.append(end_line)
        end_cols.append(end_col)
        pointers.append(pointer if isinstance(pointer, str) else None)
    findings = findings.copy()
    findings["excerpt"] = pd.array(excerpts, dtype="str")
    findings["source_path"] = pd.array(paths, dtype="str")
    findings["source_line"] = pd.array(lines, dtype="Int64")
    findings["source_column"] = pd.array(cols, dtype="Int64")
    findings["source_pointer"] = pd.array(pointers, dtype="str")
    findings["source_end_line"] = pd.array(end_lines, dtype="Int64")
    findings["source_end_column"] = pd.array(end_cols, dtype="Int64")
    return findings


def _advance(head: str, line: int, col: int) -> tuple[int, int]:
    """The line and column just after ``head``, a text that starts at (line, col)."""
    nl = head.count("\n")
    if nl:
        return line + nl, len(head) - head.rfind("\n")
    return line, col + len(head)


def _aligned(
    keys: pd.DataFrame, table: pd.DataFrame, on: list[str], columns: list[str]
) -> list[list[Any]]:
    """For each row of ``keys``, the ``columns`` of the ``table`` row with the same ``on``
    values (one row per key in ``table``), as Python lists; None where there is none."""
    merged = keys[on].merge(table[[*on, *columns]], on=on, how="left", sort=False)
    return [merged[c].astype(object).where(merged[c].notna(), None).tolist() for c in columns]


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


def check_recordset(
    rs: RecordSet,
    rules: Iterable[Rule],
    prefilter: bool = True,
    run_level: bool = True,
    *,
    timings: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Run ``rules`` over one chunk of records; returns located findings (read errors included).
    ``prefilter=False`` skips the kinds' first stage (for tests proving it drops nothing).
    Run-level rules see this record set as the whole run unless ``run_level=False`` (a caller
    checking many chunks collects their keys with ``collect_keys`` and runs them once).
    ``timings``: when given, seconds per rule id (and ``locate``) are added to it."""
    rules = list(rules)
    chunk_rules = [r for r in rules if not is_run_level(r)]
    parts = [read_error_findings(rs)]
    if len(rs):
        for rule in chunk_rules:
            t0 = time.perf_counter()
            parts.append(run_rule(rs, rule, prefilter))
            if timings is not None:
                timings[rule.id] = timings.get(rule.id, 0.0) + time.perf_counter() - t0
    t0 = time.perf_counter()
    parts = [p for p in parts if not p.empty]
    found = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    if not found.empty:
        ok = found["rule"] != "read-error"
        found = pd.concat([found[~ok], locate(found[ok], rs)], ignore_index=True)
    if timings is not None:
        timings["locate"] = timings.get("locate", 0.0) + time.perf_counter() - t0
    if run_level and len(rs):
        run_rules = [r for r in rules if is_run_level(r)]
        if run_rules:
            found = pd.concat(
                [found, run_level_findings(collect_keys(rs, run_rules), run_rules)],
                ignore_index=True,
            )
    return sort_findings(found) if not found.empty else empty_findings()


# --- run-level rules ---------------------------------------------------------------------------
# A run-level kind (``run_level = True``) judges records against each other across the whole
# run (duplicate registrations). Per chunk it extracts compact key rows (``keys(rs, params)``);
# once every chunk is read, ``run_keys(all keys, params)`` returns finished findings (already
# located: the key rows carry each record's source). Memory holds the keys, never the records.


def is_run_level(rule: Rule) -> bool:
    return bool(getattr(KINDS[rule.kind], "run_level", False))


def collect_keys(rs: RecordSet, rules: Iterable[Rule]) -> dict[str, pd.DataFrame]:
    """The key rows of one chunk for each run-level rule (by rule id)."""
    out: dict[str, pd.DataFrame] = {}
    for rule in rules:
        if is_run_level(rule) and len(rs):
            out[rule.id] = KINDS[rule.kind].keys(rs, rule.params)  # type: ignore[attr-defined]
    return out


def run_level_findings(
    keys: dict[str, pd.DataFrame] | dict[str, list[pd.DataFrame]], rules: Iterable[Rule]
) -> pd.DataFrame:
    """Findings of the run-level rules over the collected key rows (one frame or a list of
    chunk frames per rule id)."""
    parts = []
    for rule in rules:
        if not is_run_level(rule) or rule.id not in keys:
            continue
        k = keys[rule.id]
        frame = pd.concat(k, ignore_index=True) if isinstance(k, list) else k
        if frame.empty:
            continue
        raw = KINDS[rule.kind].run_keys(frame, rule.params)  # type: ignore[attr-defined]
        if raw.empty:
            continue
        raw = raw.copy()
        raw["rule"] = rule.id
        raw["severity"] = rule.severity
        raw["category"] = rule.category
        parts.append(coerce_findings(raw))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()
