"""Kind `schema`: conformance of the canonical frames to the pandera schemas in schemas/.

The pandera schema of a frame is validated once per chunk (lazily, all failures collected);
each `schema-*` rule keeps the failure cases of the checks it names (`checks`: pandera check
names such as str_length, isin, str_matches) on the columns it names (`columns`, optional).
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, arm_field, intervention_field
from ..resources import builtin_schemas_dir
from .base import FunctionKind, require_keys

FRAMES = ("studies", "arms", "interventions")
_CACHE_ATTR = "_schema_failures"


@functools.cache
def load_schema(name: str) -> Any:
    import pandera.pandas as pa

    return pa.DataFrameSchema.from_yaml(builtin_schemas_dir() / f"{name}.yaml")


def failures(rs: RecordSet, frame: str) -> pd.DataFrame:
    """pandera failure cases for one frame of the chunk (cached on the RecordSet)."""
    import pandera.errors as pe

    cache: dict[str, pd.DataFrame] = rs.__dict__.setdefault(_CACHE_ATTR, {})
    if frame not in cache:
        df = getattr(rs, frame)
        try:
            load_schema(frame).validate(df, lazy=True)
            cache[frame] = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
        except pe.SchemaErrors as e:
            fc = e.failure_cases
            cache[frame] = fc[fc["index"].notna()].copy()
    return cache[frame]


def _field(frame: str, column: str, row: pd.Series) -> str:
    if frame == "studies":
        return STUDY_FIELD_PATHS.get(column, column)
    if frame == "arms":
        return arm_field(int(row["position"]), column)
    return intervention_field(int(row["position"]), column)


def _length_limit(check: str) -> int:
    return int(check.split(",")[-1].strip(" )"))


def counted_length(text: str) -> int:
    """Characters as the registry counts them, whitespace runs once: exports re-wrap and indent
    text (legacy XML indents every line), so raw lengths overstate what the sponsor entered."""
    return len(" ".join(text.split()))


def _message(check: str, column: str, value: Any, field: str) -> str:
    name = field.rsplit(".", 1)[-1]
    if check.startswith("str_length"):
        return (
            f"{name} is {counted_length(str(value)):,} characters; "
            f"the registry limit is {_length_limit(check):,}"
        )
    if check.startswith("isin"):
        return f"{name} '{value}' is not a ClinicalTrials.gov API v2 value"
    if check.startswith("str_matches") and column == "nct_id":
        return f"NCT number '{value}' does not match NCT followed by 8 digits"
    if check.startswith("str_matches") and column.endswith("date"):
        return f"{name} '{value}' is not a date of the form yyyy, yyyy-MM or yyyy-MM-dd"
    if check.startswith("str_matches"):
        return f"{name} '{value}' has a value that is not a ClinicalTrials.gov API v2 value"
    return f"{name} '{value}' fails {check}"


def validate(params: dict[str, Any]) -> None:
    require_keys(params, {"frames", "checks", "columns"}, {"frames", "checks"})
    if not params["frames"] or any(f not in FRAMES for f in params["frames"]):
        raise ValueError(f"frames must list some of {', '.join(FRAMES)}")
    if not isinstance(params["checks"], list) or not params["checks"]:
        raise TypeError("checks must be a non-empty list of pandera check names")


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    parts = [_run_frame(rs, frame, params) for frame in params["frames"]]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _run_frame(rs: RecordSet, frame: str, params: dict[str, Any]) -> pd.DataFrame:
    fc = failures(rs, frame)
    if fc.empty:
        return kind_frame([])
    names = tuple(params["checks"])
    keep = fc["check"].astype(str).str.startswith(names)
    if params.get("columns"):
        keep &= fc["column"].isin(params["columns"])
    fc = fc[keep]
    df = getattr(rs, frame)
    rows = []
    for column, check, value, idx in zip(
        fc["column"], fc["check"], fc["failure_case"], fc["index"], strict=True
    ):
        text = str(value)
        if str(check).startswith("str_length") and counted_length(text) <= _length_limit(
            str(check)
        ):
            continue  # over the limit only through the export's line wrapping
        src = df.loc[int(idx)]
        field = _field(frame, str(column), src)
        is_text = (column in STUDY_FIELD_PATHS and frame == "studies") or frame != "studies"
        rows.append(
            {
                "record_id": src["record_id"],
                "field": field,
                "start": 0 if is_text else None,
                "end": len(text) if is_text else None,
                "message": _message(str(check), str(column), value, field),
            }
        )
    return kind_frame(rows)


KINDS = (FunctionKind("schema", run, validate),)
