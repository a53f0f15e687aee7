"""The findings frame: one row per finding. Its columns are the contract every renderer reads."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1}
FAIL_LEVELS: tuple[str, ...] = ("error", "warning", "info", "never")

# Findings that no rule file defines: (severity, category, summary).
BUILTIN_META: dict[str, tuple[str, str, str]] = {
    "read-error": ("error", "conformance", "A record or file could not be read."),
}

# What a rule kind returns (the engine fills in the rest).
KIND_COLUMNS: tuple[str, ...] = ("record_id", "field", "start", "end", "message")
# Optional columns a kind may add: a second place (the twin of a duplicate, say).
RELATED_COLUMNS: tuple[str, ...] = ("related_field", "related_start", "related_end")
# Optional: the finding's own severity, which can only lower the rule's (a kind that tells a
# certain case from a likely one); the engine drops the column after applying it.
OWN_SEVERITY_COLUMN = "severity"

FINDING_COLUMNS: tuple[str, ...] = (
    "record_id",
    "rule",
    "severity",
    "category",
    "field",
    "start",
    "end",
    "message",
    "excerpt",
    "source_path",
    "source_line",
    "source_column",
    "source_pointer",
    *RELATED_COLUMNS,
    "source_end_line",  # where the flagged span ends (the column just after it)
    "source_end_column",
)
_INT_COLS = {
    "start",
    "end",
    "source_line",
    "source_column",
    "related_start",
    "related_end",
    "source_end_line",
    "source_end_column",
}


def empty_findings() -> pd.DataFrame:
    return _empty().copy()


@functools.cache
def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: _typed([], c in _INT_COLS) for c in FINDING_COLUMNS}, columns=list(FINDING_COLUMNS)
    )


def _typed(values: Any, integer: bool) -> Any:
    """A findings column with its canonical dtype (Int64, or str) from a list or a Series."""
    if isinstance(values, pd.Series):
        if integer:
            return values if values.dtype == "Int64" else values.astype("Int64")
        return values if values.dtype == "str" else values.astype("str")
    if integer:
        return pd.Series(values, dtype=object).astype("Int64").array
    try:  # str and None only: straight into an Arrow array
        return pd.array(pa.array(values, type=pa.large_string()), dtype=_STR)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Series(values, dtype=object).astype("str").array


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))


def finding_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = list(rows)
    if not rows:
        return empty_findings()
    return pd.DataFrame(
        {c: _typed([r.get(c) for r in rows], c in _INT_COLS) for c in FINDING_COLUMNS},
        columns=list(FINDING_COLUMNS),
    )


def coerce_findings(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with exactly FINDING_COLUMNS, in order and with their dtypes (missing ones NA)."""
    out = {}
    for col in FINDING_COLUMNS:
        integer = col in _INT_COLS
        if col in df:
            out[col] = _typed(df[col], integer)
        else:
            out[col] = pd.Series(pd.NA, index=df.index, dtype="Int64" if integer else "str")
    return pd.DataFrame(out, index=df.index, columns=list(FINDING_COLUMNS))


def kind_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A rule kind's result frame from dict rows (record_id, field, start, end, message, ...)."""
    rows = list(rows)
    if not rows:  # what most kinds return for most chunks: a copy of one built once
        return _empty_kind().copy()
    optional = (*RELATED_COLUMNS, OWN_SEVERITY_COLUMN)
    cols = list(KIND_COLUMNS) + [c for c in optional if any(c in r for r in rows)]
    return pd.DataFrame(
        {c: _typed([r.get(c) for r in rows], c in _INT_COLS) for c in cols}, columns=cols
    )


@functools.cache
def _empty_kind() -> pd.DataFrame:
    return pd.DataFrame(
        {c: _typed([], c in _INT_COLS) for c in KIND_COLUMNS}, columns=list(KIND_COLUMNS)
    )


def sort_findings(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(
        ["source_path", "record_id", "source_line", "field", "start", "rule"],
        na_position="first",
        kind="stable",
    ).reset_index(drop=True)


def at_or_above(severity: pd.Series, level: str) -> pd.Series:
    if level == "never":
        return pd.Series(False, index=severity.index)
    threshold = SEVERITY_RANK[level]
    return severity.map(SEVERITY_RANK).fillna(0) >= threshold


# --- suppressed findings (baseline, exemptions): FINDING_COLUMNS + who suppressed them and why

SUPPRESSED_COLUMNS: tuple[str, ...] = (*FINDING_COLUMNS, "suppressed_by", "reason")
SUPPRESSED_BY: tuple[str, ...] = ("exemption", "baseline")


def suppressed_frame(
    frame: pd.DataFrame | None = None, by: str = "", reasons: Iterable[str] | str = ""
) -> pd.DataFrame:
    out = coerce_findings(
        frame.copy() if frame is not None else pd.DataFrame(columns=list(FINDING_COLUMNS))
    )
    out["suppressed_by"] = pd.Series([by] * len(out), index=out.index, dtype="str")
    reasons_list = [reasons] * len(out) if isinstance(reasons, str) else list(reasons)
    out["reason"] = pd.Series(reasons_list, index=out.index, dtype="str")
    return out


# Per-record key fields kept for reports (titles, status, design), whatever the rule set.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_id",
    "source_path",
    "registry",
    "source_format",
    "nct_id",
    "brief_title",
    "official_title",
    "overall_status",
    "study_type",
    "phases",
    "allocation",
    "intervention_model",
    "masking",
    "start_date",
)


def created_now() -> str:
    """The run's timestamp (UTC); ``SOURCE_DATE_EPOCH`` (reproducible builds) fixes it, so the
    same input gives byte-identical reports."""
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = _dt.datetime.now(_dt.UTC)
    if epoch:
        import contextlib

        # not a number of seconds: the current time, as without it
        with contextlib.suppress(ValueError, OverflowError, OSError):
            when = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FindingSet:
    """Findings of one run, backed by a DataFrame (``.frame``): the model every renderer reads.

    ``trialint.api.Findings`` adds the renderers (``to_json()``, ...) on top.
    """

    frame: pd.DataFrame
    rules: Mapping[str, Any]  # rule id -> trialint.rules.Rule
    records: pd.DataFrame  # one row per record read: RECORD_COLUMNS
    contexts: pd.DataFrame  # record_id, field, text: the full text of every flagged field
    inputs: list[str] = field(default_factory=list)
    created: str = field(default_factory=lambda: created_now())
    # findings not reported: FINDING_COLUMNS + suppressed_by ('exemption' | 'baseline') + reason
    suppressed: pd.DataFrame = field(default_factory=lambda: suppressed_frame())
    baseline_path: str | None = None  # the baseline file applied, if any
    # `trialint diff` / `history` only: one row per reported change, with the outcome's text
    # before and after (record_id, rule, severity, field, old_field, old_text, new_text,
    # message; see trialint.history.CHANGE_COLUMNS); None for `check`
    changes: pd.DataFrame | None = None
    # files skipped as plainly not registry records: {"path", "reason"}
    skipped: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every input file read, in order
    # items read, by unit: records, outcomes, arms, interventions, conditions
    checked: dict[str, int] = field(default_factory=dict)
    fail_on: str = "warning"
    thresholds: list[Any] = field(default_factory=list)  # trialint.thresholds.Threshold
    # the configuration used: {"file": path | None, "settings": [(key, value, origin)]}
    config: dict[str, Any] = field(default_factory=dict)
    # the previous audit (a trialint.baseline.Previous) that "new" findings are new against
    previous: Any = None
    input_digests: dict[str, str] = field(default_factory=dict)  # path -> sha256 (stdin etc.)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def record_count(self) -> int:
        return len(self.records)

    def by_severity(self) -> dict[str, int]:
        counts = self.frame["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def failed(self, fail_on: str = "warning") -> bool:
        return bool(at_or_above(self.frame["severity"], fail_on).any())

    @property
    def read_errors(self) -> pd.DataFrame:
        """The reported read-error findings: inputs (files or records) that were not checked."""
        return self.frame[self.frame["rule"] == "read-error"]

    def problems(self) -> list[str]:
        """Why this run cannot pass whatever its findings (exit code 2): inputs that could not
        be read, or no record read at all. Empty when the run checked what it was given."""
        out = []
        errs = self.read_errors
        if len(errs):
            paths = errs["source_path"].fillna(errs["record_id"]).nunique()
            out.append(
                f"{len(errs):,} input{'s' if len(errs) != 1 else ''} could not be read "
                f"(read-error, in {paths:,} file{'s' if paths != 1 else ''})"
            )
        if not self.record_count:
            why = []
            if self.skipped:
                n = len(self.skipped)
                why.append(f"{n:,} file{'s' if n != 1 else ''} skipped as not registry records")
            if not self.files and not len(errs):
                why.append("no record files in " + ", ".join(self.inputs or ["the inputs"]))
            out.append("no record was read" + (f" ({'; '.join(why)})" if why else ""))
        return out

    def counts(self) -> dict[str, Any]:
        """The numbers a summary line gives: findings (read errors apart), by severity, records
        read and flagged, read errors, files skipped."""
        f = self.frame
        ok = f[f["rule"] != "read-error"]
        vc = ok["severity"].value_counts()
        read_ids = set(self.records["record_id"]) if len(self.records) else set()
        flagged = int(ok["record_id"].isin(read_ids).groupby(ok["record_id"]).any().sum())
        return {
            "findings": len(ok),
            "by_severity": {s: int(vc.get(s, 0)) for s in SEVERITIES},
            "records": self.record_count,
            "flagged": flagged,
            "read_errors": int((f["rule"] == "read-error").sum()),
            "skipped": len(self.skipped),
        }

    def summary_text(self) -> str:
        """'7 findings (3 errors, 3 warnings, 1 info) in 1 of 2 records', then read errors,
        skipped files and suppressed findings when there are any."""
        c = self.counts()
        sev = c["by_severity"]
        parts = [f"{sev[s]} {s}{'s' if sev[s] != 1 and s != 'info' else ''}" for s in SEVERITIES]
        n, recs = c["findings"], c["records"]
        out = (
            f"{n:,} finding{'s' if n != 1 else ''} ({', '.join(parts)}) in {c['flagged']:,} of "
            f"{recs:,} record{'s' if recs != 1 else ''}"
        )
        if c["read_errors"]:
            k = c["read_errors"]
            out += f"; {k:,} read error{'s' if k != 1 else ''} (input not checked)"
        if c["skipped"]:
            k = c["skipped"]
            out += f"; {k:,} file{'s' if k != 1 else ''} skipped (not registry records)"
        if len(self.suppressed):
            out += f"; {self.suppressed_note()}"
        return out

    def suppressed_counts(self) -> dict[str, int]:
        """How many findings each mechanism suppressed: {'exemption': n, 'baseline': m}."""
        by = (
            self.suppressed["suppressed_by"]
            if "suppressed_by" in self.suppressed
            else pd.Series([], dtype="str")
        )
        counts = by.value_counts()
        return {k: int(counts.get(k, 0)) for k in ("exemption", "baseline")}

    def suppressed_note(self) -> str:
        """'3 suppressed (2 by the baseline, 1 by exemptions)', or '' when nothing was."""
        n = len(self.suppressed)
        if not n:
            return ""
        c = self.suppressed_counts()
        parts = [f"{c['baseline']} by the baseline"] if c["baseline"] else []
        parts += (
            [f"{c['exemption']} by exemption{'s' if c['exemption'] != 1 else ''}"]
            if c["exemption"]
            else []
        )
        return f"{n} suppressed ({', '.join(parts)})" if parts else f"{n} suppressed"

    def statistics(self) -> pd.DataFrame:
        """Findings per rule: rule, severity, count, summary; most frequent first."""
        f = self.frame
        if f.empty:
            return pd.DataFrame({"rule": [], "severity": [], "count": [], "summary": []}).astype(
                {"rule": "str", "severity": "str", "count": "int64", "summary": "str"}
            )
        st = f.groupby(["rule", "severity"], sort=False).size().rename("count").reset_index()
        st["summary"] = [
            self.rules[r].summary if r in self.rules else BUILTIN_META.get(r, ("", "", ""))[2]
            for r in st["rule"]
        ]
        return st.sort_values(
            ["count", "rule"], ascending=[False, True], kind="stable"
        ).reset_index(drop=True)
