"""Findings that are not reported: per-path ignores (dropped, as in ruff's per-file-ignores),
per-record exemptions and baseline entries (kept in ``Findings.suppressed`` with a reason)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .baseline import Baseline
from .findings import (  # noqa: F401 (re-exported)
    FINDING_COLUMNS,
    SUPPRESSED_BY,
    SUPPRESSED_COLUMNS,
    coerce_findings,
    suppressed_frame,
)


@functools.cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: ``*`` and ``?`` stay within one folder, ``**`` crosses folders."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 2)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _candidates(rel: str, pattern: str) -> list[str]:
    """The strings a pattern is tried against: the path, its parent folders (a folder pattern
    covers what is inside it), the container of a zip member, and the file name when the
    pattern has no slash."""
    out = [rel]
    if "!" in rel:
        out.append(rel.split("!", 1)[0])
    parts = rel.split("/")
    out += ["/".join(parts[:k]) for k in range(1, len(parts))]
    if "/" not in pattern.rstrip("/"):
        out += [p for p in parts if p]
    return out


def path_matches(rel: str, pattern: str) -> bool:
    pat = pattern.strip()
    if pat.startswith("./"):
        pat = pat[2:]
    rx = glob_regex(pat.rstrip("/") or pat)
    return any(rx.match(c) for c in _candidates(rel, pat))


def relative_path(path: str, root: Path, cwd: Path | None = None) -> str:
    """``path`` relative to ``root`` with forward slashes; the path as given when outside it."""
    if not path:
        return ""
    p = Path(path)
    if not p.is_absolute():
        p = (cwd or Path.cwd()) / p
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return Path(path).as_posix()


def per_path_mask(frame: pd.DataFrame, ignores: Mapping[str, set[str]], root: Path) -> pd.Series:
    """True for findings whose rule is ignored for their file by a per-path glob."""
    mask = pd.Series(False, index=frame.index, dtype=bool)
    if frame.empty or not ignores:
        return mask
    paths = frame["source_path"].fillna("").astype(str)
    unique = [p for p in paths.unique() if p]
    relative = {p: relative_path(p, root) for p in unique}
    for pattern, ids in ignores.items():
        hits = [p for p, rel in relative.items() if rel and path_matches(rel, pattern)]
        if hits and ids:
            mask |= paths.isin(hits) & frame["rule"].isin(ids)
    return mask


@dataclass(frozen=True)
class ResolvedExemption:
    rules: frozenset[str]
    records: frozenset[str]
    reason: str


def exemption_reasons(frame: pd.DataFrame, exemptions: Iterable[ResolvedExemption]) -> pd.Series:
    """The exemption reason of each finding ('' when none applies; the first one wins)."""
    reasons = pd.Series("", index=frame.index, dtype=object)
    for ex in exemptions:
        hit = frame["record_id"].isin(ex.records) & frame["rule"].isin(ex.rules) & (reasons == "")
        reasons[hit] = ex.reason
    return reasons


def apply(
    frame: pd.DataFrame,
    contexts: pd.DataFrame,
    *,
    per_path: Mapping[str, set[str]] | None = None,
    exemptions: Iterable[ResolvedExemption] = (),
    baseline: Baseline | None = None,
    root: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reported findings, suppressed findings with suppressed_by and reason)."""
    parts: list[pd.DataFrame] = []
    if per_path:
        frame = frame[~per_path_mask(frame, per_path, root or Path.cwd())]
    exemptions = list(exemptions)
    if exemptions and not frame.empty:
        reasons = exemption_reasons(frame, exemptions)
        hit = reasons != ""
        if hit.any():
            parts.append(suppressed_frame(frame[hit], "exemption", reasons[hit].tolist()))
            frame = frame[~hit]
    if baseline is not None and not frame.empty:
        known = baseline.known(frame, contexts)
        if known.any():
            where = str(baseline.path) if baseline.path else "the baseline"
            parts.append(suppressed_frame(frame[known], "baseline", f"known finding in {where}"))
            frame = frame[~known]
    suppressed = pd.concat(parts, ignore_index=True) if parts else suppressed_frame()
    return frame.reset_index(drop=True), suppressed
