"""Pairs of versions of the same records: the model the ``history`` rules read.

``VersionPairs`` holds the older and the newer records (two RecordSets) and a ``pairs`` frame,
one row per compared pair: the registry id findings are reported under, the record ids of the
two versions in ``old`` and ``new`` (the same id when two downloads are compared; per-version ids
such as ``NCT01234567@v3`` for a cthist history), each version's label and date. A row with
only one side is a record that has no counterpart in the other set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .frames import RecordSet

PAIR_COLUMNS: tuple[str, ...] = (
    "record_id",  # the registry id findings name
    "old_id",  # record id in ``old`` (NaN: only in the new set)
    "new_id",  # record id in ``new`` (NaN: only in the old set)
    "old_version",  # label: 'version 3', or the input path of a download
    "new_version",
    "old_date",  # the version's date (cthist version date, else the record's last update)
    "new_date",
)


def pair_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(PAIR_COLUMNS))
    return df.astype("str")


@dataclass
class VersionPairs:
    old: RecordSet
    new: RecordSet
    pairs: pd.DataFrame = field(default_factory=lambda: pair_frame([]))
    # per-run results shared by the rules of one run (the comparison is made once)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.pairs)
