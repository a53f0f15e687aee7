"""Read tasks: the input cut into independent pieces of reading work, in input order.

A task is small and picklable (a byte range of an NDJSON file, a block of lines of a
compressed one, a batch of file paths), so that a worker process or a dask worker reads and
checks it where it runs; the process that plans the tasks only finds line boundaries. Every
engine (one process, a local pool, dask) reads the same tasks into the same chunks, so
findings do not depend on the engine or the number of workers.

Reading a task keeps every limit of reading a whole file (``read.limits``): no line longer
than MAX_RECORD_BYTES is held (it becomes a read error), a compressed stream stops at the
decompression limit, damage is reported with the line where reading stopped, and a bug met
while reading stops the run naming the input (``read.guarded``).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
        from . import _bounded_lines, _error_chunk, _stem, ctgov_json

        try:
            fh = open(self.path, "rb", buffering=1 << 20)  # noqa: SIM115 (closed below)
        except OSError as e:
            yield _error_chunk(self.name, f"cannot read file: {e.strerror or e}")
            return
        with fh:
            fh.seek(self.start)
            yield from ctgov_json.read_ndjson(
                _bounded_lines(fh, None, self.end - self.start),
                self.name,
                _stem(self.name),
                chunk_size,
                first_line=self.first_line,
            )


@dataclass(frozen=True)
class NdjsonBlock:
    """Lines ``first_line``... of a compressed NDJSON file, decompressed, as bytes. A line
    longer than MAX_RECORD_BYTES is not kept: it is an empty line in ``data`` and its head and
    size are in ``too_long`` (line number, first bytes, size), to be reported where it was."""

    name: str
    data: bytes
    first_line: int
    too_long: tuple[tuple[int, bytes, int], ...] = ()

    def parts(self, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
        from . import _stem, ctgov_json

        yield from ctgov_json.read_ndjson(
            self._lines(),
            self.name,
            _stem(self.name),
            chunk_size,
            first_line=self.first_line,
        )

    def _lines(self) -> Iterator[bytes]:
        from .ctgov_json import TooLong

        long = {line: (head, size) for line, head, size in self.too_long}
        for lineno, line in enumerate(io.BytesIO(self.data), start=self.first_line):
            if lineno in long:
                head, size = long[lineno]
                marked = TooLong(head)
                marked.size = size
                yield marked
            else:
                yield line


@dataclass(frozen=True)
class Files:
    """Whole files, each read by its format's reader: (display name, path) pairs, or
    (name, content) for stdin; a ``problem`` alone is a read error found while planning."""

    files: tuple[tuple[str, str | bytes], ...] = ()
    problem: tuple[str, str, int | None] | None = None  # (name, reason, line)

    def parts(self, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
        from . import STDIN_NAME, _error_chunk, _file_parts, guarded

        if self.problem is not None:
            yield _error_chunk(*self.problem)
        for name, where in self.files:
            if isinstance(where, bytes):
                yield from guarded(STDIN_NAME, _file_parts(name, None, chunk_size, where))
            else:
                yield from guarded(name, _file_parts(name, Path(where), chunk_size))


ReadTask = NdjsonRange | NdjsonBlock | Files


def read_task(task: ReadTask, chunk_size: int) -> Iterator[RecordSet]:
    """The RecordSet chunks of one task (records of one task are never merged with another's)."""
    from . import _coalesce, guarded

    if isinstance(task, Files):
        parts: Iterable[FrameBuilder | RecordSet] = task.parts(chunk_size)
    else:
        parts = guarded(task.name, task.parts(chunk_size))
    yield from _coalesce(parts, chunk_size)


def plan(
    paths: Iterable[str | Path],
    chunk_size: int,
    *,
    stdin: bytes | None = None,
    files: list[str] | None = None,
) -> Iterator[ReadTask]:
    """The read tasks of ``paths``, in input order (directories expanded as ``read_paths`` does):
    an API v2 NDJSON file is cut every ``chunk_size`` lines, small files are batched.
    ``stdin``: the bytes of '-' (default: read sys.stdin); ``files``: a list that collects the
    name of every file read, in order."""
    import sys

    from . import STDIN_NAME, iter_files

    batch: list[tuple[str, str | bytes]] = []
    size = 0
    for name, path in iter_files(paths):
        if files is not None:
            files.append(STDIN_NAME if path is None else name)
        lower = name.lower()
        ndjson = path is not None and lower.endswith(_NDJSON + _NDJSON_GZ)
        try:
            v2 = ndjson and path is not None and _is_ctgov_v2(path)
        except Exception as e:
            raise _planning_error(name, e) from e
        if v2 and path is not None:
            if batch:
                yield Files(tuple(batch))
                batch, size = [], 0
            if lower.endswith(_NDJSON):
                yield from _planned(name, _ndjson_ranges(name, path, chunk_size))
            else:
                yield from _planned(name, _ndjson_gz_blocks(name, path, chunk_size))
        elif ndjson:  # NDJSON of another format (read/registries.py), or not records: whole
            if batch:
                yield Files(tuple(batch))
                batch, size = [], 0
            yield Files(((name, str(path)),))
        else:
            if path is None:
                data = stdin if stdin is not None else sys.stdin.buffer.read()
                batch.append((STDIN_NAME, data))
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


def _planned(name: str, tasks: Iterator[ReadTask]) -> Iterator[ReadTask]:
    """The tasks of the input ``name``; a bug met while planning them stops the run as an
    InternalError naming the input (as one met while reading it does)."""
    from ..errors import TrialintError

    try:
        yield from tasks
    except TrialintError:
        raise
    except Exception as e:
        raise _planning_error(name, e) from e


def _planning_error(name: str, e: Exception) -> Exception:
    from ..errors import internal_error

    return internal_error(f"{name}: internal error while reading: {type(e).__name__}: {e}", e)


def _is_ctgov_v2(path: Path) -> bool:
    """Whether an NDJSON file is read by the API v2 reader (the one that reads a task's lines
    from the middle of a file): its first record is one, and it is no other JSON (a file that
    is not a registry record is skipped by the whole-file reader). A file that cannot be read
    to its first record is read whole too: that reader reports it."""
    import gzip
    import zlib

    from . import _bounded_lines, registries, sniff

    first: list[bytes] = []
    try:
        with path.open("rb") as raw:
            fh: IO[bytes] = (
                gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
                if path.name.lower().endswith(".gz")
                else raw
            )
            for line in _bounded_lines(fh, raw if fh is not raw else None):
                first.append(line)
                if line.strip():
                    break
    except (OSError, EOFError, ValueError, zlib.error):
        return False
    if not first:
        return True
    if registries.ndjson_reader(first[-1]) is not None:
        return False
    return sniff.not_a_record(b"".join(first), "json") is None


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
    """Decompress a gzipped NDJSON file as a stream (within the decompression limit, no line
    longer than MAX_RECORD_BYTES held) and cut it every ``chunk_size`` lines. Damage ends the
    file with a read error where reading stopped, the lines before are read."""
    import gzip
    import zlib

    from . import _bounded_lines
    from .ctgov_json import TooLong, _io_reason

    first_line = 1
    lines: list[bytes] = []
    too_long: list[tuple[int, bytes, int]] = []

    def block() -> NdjsonBlock:
        return NdjsonBlock(name, b"".join(lines), first_line, tuple(too_long))

    try:
        raw = path.open("rb")
    except OSError as e:
        yield Files(problem=(name, f"cannot read file: {e.strerror or e}", None))
        return
    with raw:
        fh = gzip.GzipFile(fileobj=raw, mode="rb")
        try:
            for line in _bounded_lines(fh, raw):  # type: ignore[arg-type]
                if isinstance(line, TooLong):
                    too_long.append((first_line + len(lines), bytes(line), line.size))
                    line = b"\n"
                lines.append(line)
                if len(lines) == chunk_size:
                    yield block()
                    first_line += len(lines)
                    lines, too_long = [], []
        except (OSError, EOFError, ValueError, zlib.error) as e:
            if lines:
                yield block()
                first_line += len(lines)
            read = first_line - 1
            reason = (
                f"cannot read on after line {read}: {_io_reason(e)}; the records before are read"
            )
            yield Files(problem=(name, reason, first_line))
            return
    if lines or first_line == 1:
        yield block()
