"""Read tasks: the input cut into independent pieces of reading work, in input order.

A task is small and picklable (a byte range of an NDJSON file, a block of lines of a
compressed one, a batch of file paths), so that a worker process or a dask worker reads and
checks it where it runs; the process that plans the tasks only finds line boundaries. Every
engine (one process, a local pool, dask) reads the same tasks into the same chunks, so
findings do not depend on the engine or the number of workers.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..frames import RecordSet
from .build import FrameBuilder

# a batch of small files is cut when it holds chunk_size files or this many bytes
BATCH_BYTES = 64 << 20
_BLOCK = 16 << 20  # bytes read at a time while finding line boundaries
_NDJSON = (".ndjson", ".jsonl")
_NDJSON_GZ = (".ndjson.gz", ".jsonl.gz")


@dataclass(frozen=True)
class NdjsonRange:
    """Lines ``first_line``... of a plain NDJSON file: bytes [start, end)."""

    name: str
    path: str
    start: int
    end: int
    first_line: int

    def parts(self, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
        from . import _error_chunk, _stem, ctgov_json

        try:
            fh = open(self.path, "rb", buffering=1 << 20)  # noqa: SIM115 (closed below)
        except OSError as e:
            yield _error_chunk(self.name, f"cannot read file: {e.strerror or e}")
            return
        with fh:
            fh.seek(self.start)
            yield from ctgov_json.read_ndjson(
                _lines_until(fh, self.end - self.start),
                self.name,
                _stem(self.name),
                chunk_size,
                first_line=self.first_line,
            )


@dataclass(frozen=True)
class NdjsonBlock:
    """Lines ``first_line``... of an NDJSON stream (a compressed file, stdin), as bytes."""

    name: str
    data: bytes
    first_line: int

    def parts(self, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
        from . import _stem, ctgov_json

        yield from ctgov_json.read_ndjson(
            iter(io.BytesIO(self.data)),
            self.name,
            _stem(self.name),
            chunk_size,
            first_line=self.first_line,
        )


@dataclass(frozen=True)
class Files:
    """Whole files, each read by its format's reader: (display name, path) pairs, or
    (name, content) for stdin; a ``problem`` alone is a read error found while planning."""

    files: tuple[tuple[str, str | bytes], ...] = ()
    problem: tuple[str, str, int | None] | None = None  # (name, reason, line)

    def parts(self, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
        from . import _error_chunk, _file_parts, _parts

        if self.problem is not None:
            yield _error_chunk(*self.problem)
        for name, where in self.files:
            if isinstance(where, bytes):
                yield from _parts(where, name, chunk_size)
            else:
                yield from _file_parts(name, Path(where), chunk_size)


ReadTask = NdjsonRange | NdjsonBlock | Files


def read_task(task: ReadTask, chunk_size: int) -> Iterator[RecordSet]:
    """The RecordSet chunks of one task (records of one task are never merged with another's)."""
    from . import _coalesce

    yield from _coalesce(task.parts(chunk_size), chunk_size)


def plan(paths: Iterable[str | Path], chunk_size: int) -> Iterator[ReadTask]:
    """The read tasks of ``paths``, in input order (directories expanded as ``read_paths`` does):
    an NDJSON file is cut every ``chunk_size`` lines, small files are batched."""
    from . import iter_files

    batch: list[tuple[str, str | bytes]] = []
    size = 0
    for name, path in iter_files(paths):
        lower = name.lower()
        ndjson = path is not None and lower.endswith(_NDJSON + _NDJSON_GZ)
        if ndjson and path is not None and _is_ctgov_v2(path):
            if batch:
                yield Files(tuple(batch))
                batch, size = [], 0
            if lower.endswith(_NDJSON):
                yield from _ndjson_ranges(name, path, chunk_size)
            else:
                yield from _ndjson_gz_blocks(name, path, chunk_size)
        elif ndjson:  # NDJSON of another format (read/registries.py): read whole, in one task
            if batch:
                yield Files(tuple(batch))
                batch, size = [], 0
            yield Files(((name, str(path)),))
        else:
            if path is None:
                data = sys.stdin.buffer.read()
                batch.append(("<stdin>", data))
                size += len(data)
            else:
                batch.append((name, str(path)))
                with contextlib.suppress(OSError):  # the reader reports it
                    size += path.stat().st_size
            if len(batch) >= chunk_size or size >= BATCH_BYTES:
                yield Files(tuple(batch))
                batch, size = [], 0
    if batch:
        yield Files(tuple(batch))


def _is_ctgov_v2(path: Path) -> bool:
    """Whether an NDJSON file's first record is read by the API v2 reader (the one that reads a
    task's lines from the middle of a file); a file that cannot be read says so in its task."""
    import gzip
    import zlib

    from . import registries

    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for line in fh:
                if line.strip():
                    return registries.ndjson_reader(line) is None
    except (OSError, EOFError, ValueError, zlib.error):
        return False
    return True


def _lines_until(fh: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of ``fh`` from its position on, ``limit`` bytes in all."""
    left = limit
    while left > 0:
        line = fh.readline()
        if not line:
            return
        left -= len(line)
        yield line


def _ndjson_ranges(name: str, path: Path, chunk_size: int) -> Iterator[ReadTask]:
    """Cut a plain NDJSON file every ``chunk_size`` lines, reading it once a block at a time
    (only the offsets are kept, so memory stays flat however large the file)."""
    try:
        fh = path.open("rb")
    except OSError as e:
        yield Files(problem=(name, f"cannot read file: {e.strerror or e}", None))
        return
    with fh:
        start = offset = 0
        first_line = 1
        lines = 0
        while True:
            try:
                block = fh.read(_BLOCK)
            except OSError as e:
                yield Files(problem=(name, f"cannot read file: {e.strerror or e}", None))
                return
            if not block:
                break
            pos = 0
            while True:
                j = block.find(b"\n", pos)
                if j < 0:
                    break
                pos = j + 1
                lines += 1
                if lines == chunk_size:
                    end = offset + pos
                    yield NdjsonRange(name, str(path), start, end, first_line)
                    start, first_line, lines = end, first_line + chunk_size, 0
            offset += len(block)
        if offset > start or offset == 0:
            yield NdjsonRange(name, str(path), start, offset, first_line)


def _ndjson_gz_blocks(name: str, path: Path, chunk_size: int) -> Iterator[ReadTask]:
    """Decompress a gzipped NDJSON file as a stream and cut it every ``chunk_size`` lines."""
    import gzip
    import zlib

    first_line = 1
    lines: list[bytes] = []
    try:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                lines.append(line)
                if len(lines) == chunk_size:
                    yield NdjsonBlock(name, b"".join(lines), first_line)
                    first_line += len(lines)
                    lines = []
    except (OSError, EOFError, zlib.error) as e:
        if lines:
            yield NdjsonBlock(name, b"".join(lines), first_line)
            first_line += len(lines)
        reason = getattr(e, "strerror", None) or e
        yield Files(problem=(name, f"cannot read file: {reason}", first_line))
        return
    if lines or first_line == 1:
        yield NdjsonBlock(name, b"".join(lines), first_line)
