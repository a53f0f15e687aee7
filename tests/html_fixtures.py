"""Shared by test_html.py and test_e2e_browser.py: a hostile record (XSS payloads in every text
field) and helpers that add findings on it whatever the rule set finds."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd

from trialint.api import Findings
from trialint.findings import finding_frame, sort_findings
from trialint.read import read_paths
from trialint.rules import Rule

# Each payload sets window.__pwned (or opens a dialog) if it ever runs.
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "</textarea><svg onload=window.__pwned=3>",
    '<a href="javascript:window.__pwned=4">click me</a>',
    "</script><script>window.__pwned=5</script>",
    '<iframe src="https://example.com/"></iframe>',
    "<style>body{display:none}</style>",
    "{{7*7}} ${7*7} <!--<script>alert(6)</script>",
    "</title><body onload=alert(7)>",
)
XSS_ID = "NCT09999999"
BAD_ID = 'NCT1"><img src=x onerror=window.__pwned=20>'


def xss_study() -> dict:
    p = PAYLOADS
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": XSS_ID,
                "briefTitle": f"Hostile title {p[0]} {p[1]}",
                "officialTitle": f"Official {p[2]} {p[8]}",
            },
            "statusModule": {
                "overallStatus": p[1],
                "startDateStruct": {"date": "javascript:window.__pwned=8"},
            },
            "descriptionModule": {
                "briefSummary": "Summary. "
                + " ".join(p)
                + " The same sentence is repeated here for a twin.",
                "detailedDescription": "Details with "
                + p[4]
                + " and "
                + p[3]
                + ". The same sentence is repeated here for a twin.",
            },
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": [p[0]],
                "designInfo": {
                    "allocation": 'RANDOMIZED" onmouseover="window.__pwned=9',
                    "maskingInfo": {"masking": "NONE"},
                },
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {
                        "label": "Arm " + p[0],
                        "type": "EXPERIMENTAL",
                        "description": p[1] + " arm text",
                    }
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": [
                    {"measure": p[0] + " measure", "description": p[5], "timeFrame": p[8]}
                ],
            },
        }
    }


def bad_id_study() -> dict:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": BAD_ID, "briefTitle": "javascript:window.__pwned=21"},
            "statusModule": {"overallStatus": "COMPLETED"},
        }
    }


def write_xss(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / "xss_study.json", folder / "xss_bad_id.json"
    a.write_text(json.dumps(xss_study()), encoding="utf-8")
    b.write_text(json.dumps(bad_id_study()), encoding="utf-8")
    return [a, b]


HOSTILE_RULE = Rule(
    id="hostile-doc",
    severity="warning",
    summary=f"Summary with {PAYLOADS[0]}",
    why=f"Why with {PAYLOADS[1]}\n\nand {PAYLOADS[4]}",
    fix=f"Fix with {PAYLOADS[3]}",
    kind="schema",
    category="clarity",
    source=PAYLOADS[2],
)


def add_hostile_findings(findings: Findings, paths: list[Path]) -> Findings:
    """``findings`` plus, for every text field of the records in ``paths``, a finding whose span is
    the first '<' run of the field and whose message carries a payload; one finding has a second
    place (a duplicate). Guarantees findings on hostile text whatever the rule set finds."""
    texts = pd.concat([rs.texts() for rs in read_paths([str(p) for p in paths])], ignore_index=True)
    rows = []
    for k, (rid, fld, text) in enumerate(
        zip(texts["record_id"], texts["field"], texts["text"], strict=True)
    ):
        s = text.find("<")
        s = 0 if s < 0 else s
        e = min(len(text), s + 40)
        rows.append(
            {
                "record_id": rid,
                "rule": HOSTILE_RULE.id,
                "severity": "warning" if k % 2 else "error",
                "category": "clarity",
                "field": fld,
                "start": s,
                "end": e,
                "message": f"message {k} quoting {PAYLOADS[k % len(PAYLOADS)]}",
                "excerpt": text[s:e],
                "source_path": str(paths[0]),
            }
        )
    twin = "The same sentence is repeated here for a twin."
    summary = texts[
        (texts["record_id"] == XSS_ID) & (texts["field"] == "descriptionModule.briefSummary")
    ]["text"].iloc[0]
    detail = texts[
        (texts["record_id"] == XSS_ID) & (texts["field"] == "descriptionModule.detailedDescription")
    ]["text"].iloc[0]
    rows.append(
        {
            "record_id": XSS_ID,
            "rule": HOSTILE_RULE.id,
            "severity": "info",
            "category": "clarity",
            "field": "descriptionModule.detailedDescription",
            "start": detail.index(twin),
            "end": detail.index(twin) + len(twin),
            "message": "This passage is also in the brief summary",
            "related_field": "descriptionModule.briefSummary",
            "related_start": summary.index(twin),
            "related_end": summary.index(twin) + len(twin),
        }
    )
    extra = finding_frame(rows)
    frame = sort_findings(pd.concat([findings.frame, extra], ignore_index=True))
    keys = pd.concat(
        [
            extra[["record_id", "field"]],
            extra[["record_id", "related_field"]].rename(columns={"related_field": "field"}),
        ]
    ).dropna()
    ctx = texts.merge(keys.drop_duplicates(), on=["record_id", "field"])
    contexts = pd.concat([findings.contexts, ctx], ignore_index=True).drop_duplicates(
        ["record_id", "field"]
    )
    return replace(
        findings,
        frame=frame,
        rules={**findings.rules, HOSTILE_RULE.id: HOSTILE_RULE},
        contexts=contexts.reset_index(drop=True),
    )
