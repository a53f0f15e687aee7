"""SARIF 2.1.0 (one run) for code-scanning tools such as GitHub code scanning.

Rules: every rule that ran, with short/full description (summary, why), help (fix) and
default level. Results: rule, level, message, the file with line and column when known,
a logical location (record id / field), and a partial fingerprint that stays the same while
the flagged text does (the baseline hash). With ``include_suppressed=True`` exempted and
baselined findings are added with a SARIF ``suppressions`` entry carrying the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..findings import BUILTIN_META
from ..version import __version__
from .ci_common import display_path, ival, rows, val

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "trialintKey/v1"


def _uri(path: str) -> str:
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(path, safe="/!:@$&'()*+,;=-._~")


def _rule_descriptors(findings: Findings, extra: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for rid in sorted(findings.rules):
        r = findings.rules[rid]
        d: dict[str, Any] = {
            "id": r.id,
            "name": "".join(w.capitalize() for w in r.id.split("-")),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.why or r.summary},
            "defaultConfiguration": {"level": LEVELS.get(r.severity, "warning")},
            "properties": {"category": r.category, "tags": [r.category]},
        }
        if r.fix:
            d["help"] = {"text": r.fix}
        out.append(d)
    for rid in sorted(extra - set(findings.rules)):
        sev, cat, summary = BUILTIN_META.get(rid, ("warning", "", rid))
        out.append(
            {
                "id": rid,
                "name": "".join(w.capitalize() for w in rid.split("-")),
                "shortDescription": {"text": summary},
                "fullDescription": {"text": summary},
                "defaultConfiguration": {"level": LEVELS.get(sev, "warning")},
                "properties": {"category": cat, "tags": [cat] if cat else []},
            }
        )
    return out


def _result(
    row: Any, fingerprint: str, rule_index: dict[str, int], root: str | Path | None
) -> dict[str, Any]:
    location: dict[str, Any] = {}
    path = display_path(row.source_path, root)
    if path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path)}}
        line, col = ival(row.source_line), ival(row.source_column)
        if line is not None:
            region: dict[str, Any] = {"startLine": line}
            if col is not None:
                region["startColumn"] = col
            end_line, end_col = ival(row.source_end_line), ival(row.source_end_column)
            if end_line is not None and end_line >= line:
                region["endLine"] = end_line
                if end_col is not None and col is not None:
                    region["endColumn"] = max(end_col, col + 1 if end_line == line else 1)
            physical["region"] = region
        location["physicalLocation"] = physical
    logical: dict[str, Any] = {"name": str(row.record_id), "kind": "object"}
    field = val(row.field)
    if field:
        logical = {
            "name": field,
            "fullyQualifiedName": f"{row.record_id}/{field}",
            "kind": "member",
        }
    location["logicalLocations"] = [logical]
    props: dict[str, Any] = {"record": str(row.record_id)}
    if field:
        props["field"] = field
    for key, value in (
        ("start", ival(row.start)),
        ("end", ival(row.end)),
        ("excerpt", val(row.excerpt) or None),
        ("jsonPointer", val(row.source_pointer) or None),
    ):
        if value is not None:
            props[key] = value
    result: dict[str, Any] = {
        "ruleId": row.rule,
        "ruleIndex": rule_index[row.rule],
        "level": LEVELS.get(row.severity, "warning"),
        "message": {"text": str(row.message)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": props,
    }
    related = val(row.related_field)
    if related:
        result["relatedLocations"] = [
            {
                "id": 1,
                "message": {"text": f"related place: {related}"},
                "logicalLocations": [
                    {
                        "name": related,
                        "fullyQualifiedName": f"{row.record_id}/{related}",
                        "kind": "member",
                    }
                ],
            }
        ]
    return result


def document(
    findings: Findings, include_suppressed: bool = False, root: str | Path | None = None
) -> dict[str, Any]:
    sup = findings.suppressed if include_suppressed else findings.suppressed.iloc[0:0]
    extra = set(findings.frame["rule"]) | set(sup["rule"])
    descriptors = _rule_descriptors(findings, extra)
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = [_result(row, fp, rule_index, root) for row, fp in rows(findings)]
    if len(sup):
        for row, fp in rows(findings, sup[list(findings.frame.columns)]):
            results.append(_result(row, fp, rule_index, root))
        for res, by, reason in zip(
            results[len(findings.frame) :], sup["suppressed_by"], sup["reason"], strict=True
        ):
            res["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": str(reason) if isinstance(reason, str) else "",
                    "properties": {"suppressedBy": str(by)},
                }
            ]
    counts = findings.suppressed_counts()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "trialint",
                "version": __version__,
                "semanticVersion": __version__.split("+")[0],
                "rules": descriptors,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "records": findings.record_count,
            "suppressedByExemptions": counts["exemption"],
            "suppressedByBaseline": counts["baseline"],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(
    findings: Findings, include_suppressed: bool = False, root: str | Path | None = None, **_: Any
) -> str:
    return (
        json.dumps(document(findings, include_suppressed, root), ensure_ascii=False, indent=2)
        + "\n"
    )
