"""``trialint frames``: the canonical frames of the records read, and the findings table, as
Parquet or CSV files for pandas, DuckDB or Spark (docs/frames.md documents the columns).

Frames are written chunk by chunk (a Parquet row group, or CSV rows, per chunk of records), so a
whole-registry dump is exported in bounded memory. Every file is written under a temporary name
and renamed when complete: a failed export leaves no half-written file behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

FRAME_NAMES: tuple[str, ...] = ("studies", "outcomes", "arms", "interventions", "terms", "sources")
FORMATS = ("parquet", "csv")


@dataclass
class ExportResult:
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    read_errors: int = 0


class _Sink:
    """One output table: appends frames, writes under a temporary name, renames at close."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")
        self.fmt = fmt
        self.rows = 0
        self._writer: Any = None
        self._schema: Any = None
        self._header = True

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt == "csv":
            df.to_csv(self.tmp, mode="w" if self._header else "a", header=self._header, index=False)
            self._header = False
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._writer is None:
                self._schema = table.schema.remove_metadata()
                self._writer = pq.ParquetWriter(self.tmp, self._schema)
            self._writer.write_table(table.cast(self._schema))
        self.rows += len(df)

    def close(self, empty: pd.DataFrame) -> Path:
        if self.rows == 0 and (self._writer is None and self._header):
            self.write(empty)  # an empty table still has its columns
        if self._writer is not None:
            self._writer.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self.tmp.exists():
            self.tmp.unlink()


def export_frames(
    inputs: Iterable[str | Path],
    to: str | Path,
    fmt: str = "parquet",
    *,
    findings: bool = True,
    check_options: dict[str, Any] | None = None,
    chunk_size: int | None = None,
) -> ExportResult:
    """Write the canonical frames of ``inputs`` (and, with ``findings``, the findings table of
    ``trialint.check`` over them with ``check_options``) into directory ``to``."""
    from .api import check
    from .findings import FINDING_COLUMNS
    from .frames import RecordSet
    from .read import DEFAULT_CHUNK, read_paths

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = Path(to)
    out.mkdir(parents=True, exist_ok=True)
    paths = [str(p) for p in inputs]
    ext = "parquet" if fmt == "parquet" else "csv"
    sinks = {name: _Sink(out / f"{name}.{ext}", fmt) for name in FRAME_NAMES}
    result = ExportResult(directory=out)
    try:
        for rs in read_paths(paths, chunk_size=chunk_size or DEFAULT_CHUNK):
            result.read_errors += len(rs.errors)
            for name in FRAME_NAMES:
                frame = getattr(rs, name)
                if len(frame):
                    sinks[name].write(frame)
        empty = RecordSet()
        for name in FRAME_NAMES:
            result.files[name] = sinks[name].close(getattr(empty, name))
            result.rows[name] = sinks[name].rows
        if findings:
            found = check(paths, **(check_options or {}))
            sink = _Sink(out / f"findings.{ext}", fmt)
            try:
                frame = found.frame[list(FINDING_COLUMNS)]
                if len(frame):
                    sink.write(frame)
                result.files["findings"] = sink.close(frame.head(0))
                result.rows["findings"] = sink.rows
            except BaseException:
                sink.abort()
                raise
    except BaseException:
        for s in sinks.values():
            s.abort()
        raise
    return result
