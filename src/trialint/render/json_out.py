"""The JSON output contract of docs/design.md (`trialint check --format json`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring
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


def _texts(col: pd.Series) -> list[str | None]:
    """A text column as Python values, missing ones None (one conversion per column)."""
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in col.tolist()]


def _ints(col: pd.Series) -> list[int | None]:
    return [None if v is None or v is pd.NA else int(v) for v in col.astype(object).tolist()]


def _columns(findings: Findings, frame: pd.DataFrame | None = None) -> tuple[list[Any], ...]:
    """The values of each finding (of ``frame``, default the reported findings), column by
    column, in the order of the JSON contract; the last column holds the fingerprints."""
    from ..baseline import fingerprints

    f = findings.frame if frame is None else frame
    fps = fingerprints(f, findings.contexts).tolist() if len(f) else []
    return (
        _texts(f["record_id"]),
        _texts(f["rule"]),
        _texts(f["severity"]),
        _texts(f["field"]),
        _ints(f["start"]),
        _ints(f["end"]),
        _texts(f["message"]),
        [v or "" for v in _texts(f["excerpt"])],
        _texts(f["source_path"]),
        _ints(f["source_line"]),
        _ints(f["source_column"]),
        _ints(f["source_end_line"]),
        _ints(f["source_end_column"]),
        _texts(f["source_pointer"]),
        fps,
    )


def finding_dicts(findings: Findings) -> list[dict[str, Any]]:
    return [
        {
            "record": rec,
            "rule": rule,
            "severity": sev,
            "field": fld,
            "start": start,
            "end": end,
            "message": msg,
            "excerpt": exc,
            "source": {
                "path": path,
                "line": line,
                "column": col,
                "end_line": end_line,
                "end_column": end_col,
                "pointer": ptr,
            },
            "fingerprint": fp,
        }
        for (
            rec,
            rule,
            sev,
            fld,
            start,
            end,
            msg,
            exc,
            path,
            line,
            col,
            end_line,
            end_col,
            ptr,
            fp,
        ) in zip(*_columns(findings), strict=True)
    ]


def document_head(findings: Findings) -> dict[str, Any]:
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
    }


def document(findings: Findings) -> dict[str, Any]:
    return {**document_head(findings), "findings": finding_dicts(findings)}


def render(findings: Findings, **options: Any) -> str:
    """``json.dumps(document(findings), ensure_ascii=False, indent=2)``, byte for byte."""
    return "".join(render_chunks(findings, **options))


BATCH = 20_000  # findings turned into text at a time (memory stays flat for large runs)


def render_chunks(findings: Findings, **_: Any) -> Iterator[str]:
    """``render``'s text in pieces, for writing a large run without holding it all: the
    findings are written by a template (json's indenting encoder is pure Python, 20x slower)."""
    head = document_head(findings)
    if not len(findings):
        yield json.dumps({**head, "findings": []}, ensure_ascii=False, indent=2) + "\n"
        return
    opening = json.dumps({**head, "findings": [0]}, ensure_ascii=False, indent=2)
    before, after = opening.rsplit("0", 1)
    yield before
    frame = findings.frame
    for start in range(0, len(frame), BATCH):
        columns = _columns(findings, frame.iloc[start : start + BATCH])
        text = ",\n    ".join(
            _FINDING
            % (
                _j(rec),
                _j(rule),
                _j(sev),
                _j(fld),
                _n(begin),
                _n(end),
                _j(msg),
                encode_basestring(exc),
                _j(path),
                _n(line),
                _n(col),
                _n(end_line),
                _n(end_col),
                _j(ptr),
                encode_basestring(fp),
            )
            for (
                rec,
                rule,
                sev,
                fld,
                begin,
                end,
                msg,
                exc,
                path,
                line,
                col,
                end_line,
                end_col,
                ptr,
                fp,
            ) in zip(*columns, strict=True)
        )
        yield text if start == 0 else ",\n    " + text
    yield after + "\n"


def _j(v: str | None) -> str:
    return "null" if v is None else encode_basestring(v)


def _n(v: int | None) -> str:
    return "null" if v is None else str(v)


_FINDING = """{
      "record": %s,
      "rule": %s,
      "severity": %s,
      "field": %s,
      "start": %s,
      "end": %s,
      "message": %s,
      "excerpt": %s,
      "source": {
        "path": %s,
        "line": %s,
        "column": %s,
        "end_line": %s,
        "end_column": %s,
        "pointer": %s
      },
      "fingerprint": %s
    }"""
