"""Version histories as the ``cthist`` R package writes them (``clinicaltrials_gov_download()``):
a CSV with one row per version of a ClinicalTrials.gov record.

Header: ``nctid,version_number,total_versions,version_date,overall_status,study_start_date,
study_start_date_precision,primary_completion_date,primary_completion_date_precision,
primary_completion_date_type,enrolment,enrolment_type,min_age,max_age,sex,gender_based,
accepts_healthy_volunteers,criteria,outcome_measures,contacts,sponsor_collaborators``.
``outcome_measures`` is a JSON list of ``{"section": "Primary Outcome Measures:", "label": "1.",
"content": "<measure>\\n[ Time Frame: <time frame> ]\\n\\n<description>"}``.

Each version becomes a record ``<nctid>@v<version_number>`` (so ``trialint check`` lints every
version); ``read_history`` also returns the versions table (record id, registry id, version
number and date) that ``trialint history`` walks.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..lazy_pattern import LazyPattern
from .build import FrameBuilder
from .normalize import norm_status

FORMAT = "cthist-csv"
COLUMNS: tuple[str, ...] = (
    "nctid",
    "version_number",
    "total_versions",
    "version_date",
    "overall_status",
    "study_start_date",
    "study_start_date_precision",
    "primary_completion_date",
    "primary_completion_date_precision",
    "primary_completion_date_type",
    "enrolment",
    "enrolment_type",
    "min_age",
    "max_age",
    "sex",
    "gender_based",
    "accepts_healthy_volunteers",
    "criteria",
    "outcome_measures",
    "contacts",
    "sponsor_collaborators",
)
VERSION_COLUMNS: tuple[str, ...] = ("record_id", "registry_id", "version", "version_date", "line")
_SECTIONS = {"primary": "primary", "secondary": "secondary", "other": "other"}
_CONTENT = LazyPattern(
    r"^(?P<measure>.*?)\s*(?:\[\s*Time Frame:\s*(?P<tf>.*?)\s*\]\s*)?(?:\n\s*\n(?P<desc>.*))?$",
    re.S,
)
_PRESENT = (
    "nct_id|overall_status|start_date|primary_completion_date|primary_completion_date_type|"
    "last_update_date|enrollment_count|enrollment_type|minimum_age|maximum_age|sex|"
    "healthy_volunteers|eligibility_criteria|outcomes"
)


def sniff(first_line: str) -> bool:
    """A cthist CSV starts with its header (fields possibly quoted)."""
    head = first_line.replace('"', "").replace("\ufeff", "").strip()
    return head.startswith("nctid,version_number,")


def split_content(content: str) -> tuple[str, str, str]:
    """'<measure>\\n[ Time Frame: <tf> ]\\n\\n<description>' -> (measure, time frame, description)."""
    text = content.replace("\r\n", "\n").strip()
    m = _CONTENT.match(text)
    if not m:
        return text, "", ""
    return (
        (m.group("measure") or "").strip(),
        (m.group("tf") or "").strip(),
        (m.group("desc") or "").strip(),
    )


def _section(value: Any) -> str | None:
    s = str(value or "").strip().lower()
    for key, kind in _SECTIONS.items():
        if s.startswith(key):
            return kind
    return None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    return None if not v or v in ("NA", "null", "NULL") else v


def _number(value: str | None) -> float | None:
    v = _clean(value)
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        return None


def read_history(text: str, path: str) -> tuple[FrameBuilder, pd.DataFrame]:
    """The versions of a cthist CSV as records (``<nctid>@v<n>``) and the versions table."""
    b = FrameBuilder()
    versions: list[dict[str, Any]] = []
    rows = _rows(text)
    try:
        header, _ = next(rows)
    except StopIteration:
        b.add_error(path=path, reason="empty cthist CSV", line=1)
        return b, pd.DataFrame(columns=list(VERSION_COLUMNS))
    except csv.Error as e:
        b.add_error(path=path, reason=f"not a readable CSV: {e}", line=1)
        return b, pd.DataFrame(columns=list(VERSION_COLUMNS))
    index = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
    missing = [c for c in ("nctid", "version_number", "outcome_measures") if c not in index]
    if missing:
        b.add_error(
            path=path, reason=f"cthist CSV without the column(s) {', '.join(missing)}", line=1
        )
        return b, pd.DataFrame(columns=list(VERSION_COLUMNS))
    while True:
        try:
            row, line = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            b.add_error(path=path, reason=f"unreadable CSV row: {e}", line=None)
            break
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str | None:
            i = index.get(name)
            return _clean(row[i]) if i is not None and i < len(row) else None

        nct = cell("nctid")
        version = cell("version_number")
        if not nct or not version:
            b.add_error(path=path, reason="row without nctid or version_number", line=line)
            continue
        rid = b.unique_id(f"{nct}@v{version}")
        present = _PRESENT
        outcomes: list[tuple[str, str, str, str]] = []
        raw = cell("outcome_measures")
        if raw is not None:
            try:
                items = json.loads(raw)
                if not isinstance(items, list):
                    raise ValueError("not a JSON list")
            except ValueError as e:
                b.add_error(
                    path=path,
                    reason=f"outcome_measures is not the cthist JSON list: {e}",
                    line=line,
                    record_id=rid,
                )
                items = []
                present = present.replace("|outcomes", "")
            for item in items:
                if not isinstance(item, dict):
                    continue
                kind = _section(item.get("section"))
                content = item.get("content")
                if kind is None or not isinstance(content, str):
                    continue
                outcomes.append((kind, *split_content(content)))
        positions: dict[str, int] = {}
        for kind, measure, tf, desc in outcomes:
            pos = positions.get(kind, 0)
            positions[kind] = pos + 1
            b.add_outcome(rid, kind, pos, measure or None, desc or None, tf or None)
        status = cell("overall_status")
        healthy = cell("accepts_healthy_volunteers")
        b.add_study(
            record_id=rid,
            registry="ctgov",
            source_format=FORMAT,
            nct_id=nct,
            overall_status=norm_status(status) if status else None,
            start_date=cell("study_start_date"),
            primary_completion_date=cell("primary_completion_date"),
            primary_completion_date_type=(cell("primary_completion_date_type") or "").upper()
            or None,
            last_update_date=cell("version_date"),
            enrollment_count=_number(cell("enrolment")),
            enrollment_type=(cell("enrolment_type") or "").upper() or None,
            minimum_age=cell("min_age"),
            maximum_age=cell("max_age"),
            sex=(cell("sex") or "").upper() or None,
            healthy_volunteers=(healthy or "").upper() or None,
            eligibility_criteria=cell("criteria"),
            present_fields=present,
        )
        b.add_source(rid, "", path=path, line=line, column=None, pointer=None)
        versions.append(
            {
                "record_id": rid,
                "registry_id": nct,
                "version": version,
                "version_date": cell("version_date"),
                "line": line,
            }
        )
    return b, pd.DataFrame.from_records(versions, columns=list(VERSION_COLUMNS))


def _rows(text: str) -> Iterator[tuple[list[str], int]]:
    """CSV rows with the line each starts on (cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    for row in reader:
        yield row, last + 1
        last = reader.line_num


def read_cthist(text: str, path: str) -> Iterator[FrameBuilder]:
    """The dispatcher's entry point (``trialint check``): every version as a record."""
    b, _ = read_history(text, path)
    yield b
