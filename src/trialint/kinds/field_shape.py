"""Kind `field-shape`: what the readers met in fields they read leniently.

A reader never drops a record for one odd field: a list where the data model has text, an
object where it has a list, a number where it has text, a null inside a list, text too long to
check. It reads what it can (the rest of the record as usual), and records the field and the
shape it found in ``RecordSet.issues``; this kind reports them, one finding per field.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..findings import kind_frame
from ..frames import RecordSet, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern


def validate(params: dict[str, Any]) -> None:
    require_keys(params, set())


_INDEX = LazyPattern(r"\[[0-9]+\]")
_ITEM = LazyPattern(r"\w+\[[0-9]+\]")


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    """One finding per record and field; the same field of several list items (every arm's
    `interventionNames` a bare text, say: one tool's doing) is one finding naming them all."""
    iss = rs.issues.drop_duplicates(["record_id", "field"])
    if iss.empty:
        return kind_frame([])
    rows = []
    generic = iss["field"].str.replace(_INDEX.pattern, "[]", regex=True)
    for (rid, _), grp in iss.groupby([iss["record_id"], generic], sort=False):
        fields = list(grp["field"])
        message = str(grp["message"].iloc[0])
        if len(fields) > 1:
            items = [(_ITEM.findall(f) or [f])[-1] for f in fields[1:4]]
            shown = ", ".join(items) + (", …" if len(fields) > 4 else "")
            message += f" (this field is odd in {len(fields) - 1} more: {shown})"
        rows.append(
            {"record_id": rid, "field": fields[0], "start": None, "end": None, "message": message}
        )
    return kind_frame(rows)


def prefilter(rs: RecordSet, params: dict[str, Any]) -> Any:
    return isin(rs.studies["record_id"], rs.issues["record_id"])


KINDS = (FunctionKind("field-shape", run, validate, prefilter),)
