"""JUnit XML for CI test reports (GitLab, Jenkins, Azure, ...).

One ``testsuite`` per input file, one ``testcase`` per record (records without findings pass),
one ``failure`` per error or warning finding. Info findings are listed in the testcase's
``system-out`` and do not fail it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ci_common import display_path, ival, val

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FAILING = ("error", "warning")


def _x(s: Any) -> str:
    text = "" if s is None else str(s).replace("\r\n", "\n").replace("\r", "\n")
    return _INVALID_XML.sub("\ufffd", text)


def _details(row: Any, path: str | None, fix: str) -> str:
    loc = path or str(row.record_id)
    line, col = ival(row.source_line), ival(row.source_column)
    if line is not None:
        loc += f":{line}" + (f":{col}" if col is not None else "")
    lines = [f"{row.severity}[{row.rule}] {row.message}", f"at {loc}", f"record {row.record_id}"]
    if isinstance(row.field, str) and row.field:
        lines[-1] += f", field {row.field}"
    if val(row.source_pointer):
        lines.append(f"pointer {row.source_pointer}")
    if val(row.excerpt):
        lines.append(f"excerpt: {row.excerpt}")
    if fix:
        lines.append(f"fix: {fix.strip().splitlines()[0]}")
    return "\n".join(lines)


def render(findings: Findings, root: str | Path | None = None, **_: Any) -> str:
    f = findings.frame
    rec = findings.records
    # (suite, record) pairs: every record read, plus records only known from findings (read errors)
    pairs: dict[str, dict[str, None]] = {}  # suite -> ordered set of record ids
    for rid, src in [
        *zip(rec["record_id"], rec["source_path"], strict=True),
        *zip(f["record_id"], f["source_path"], strict=True),
    ]:
        pairs.setdefault(display_path(src, root) or "<input>", {})[str(rid)] = None
    by_case: dict[tuple[str, str], list[Any]] = {}
    for row in f.itertuples(index=False):
        by_case.setdefault(
            (display_path(row.source_path, root) or "<input>", str(row.record_id)), []
        ).append(row)

    top = ET.Element("testsuites", name="trialint")
    total_tests = total_failures = 0
    for suite_name in sorted(pairs):
        suite = ET.SubElement(top, "testsuite", name=_x(suite_name))
        tests = failures = 0
        for rid in pairs[suite_name]:
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=_x(suite_name), name=_x(rid))
            if not suite_name.startswith("<"):
                case.set("file", _x(suite_name))
            found = by_case.get((suite_name, rid), [])
            failed = False
            notes = []
            for row in found:
                rule = findings.rules.get(row.rule)
                body = _details(row, suite_name, rule.fix if rule is not None else "")
                if row.severity in FAILING:
                    failed = True
                    el = ET.SubElement(
                        case, "failure", message=_x(f"{row.rule}: {row.message}"), type=_x(row.rule)
                    )
                    el.text = _x(body)
                else:
                    notes.append(body)
            if notes:
                ET.SubElement(case, "system-out").text = _x("\n\n".join(notes))
            failures += failed
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total_tests += tests
        total_failures += failures
    top.set("tests", str(total_tests))
    top.set("failures", str(total_failures))
    top.set("errors", "0")
    ET.indent(top, space="  ")
    body = ET.tostring(top, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
