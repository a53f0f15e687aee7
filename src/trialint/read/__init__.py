"""Readers: files -> RecordSet chunks. One module per input format; this module finds files,
opens containers (gzip, zip, stdin) and picks the reader by extension and content."""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import TrialintError, internal_error
from ..frames import RecordSet
from . import registries
from .build import FrameBuilder
from .limits import (
    MAX_ARCHIVE_DEPTH,
    MAX_RATIO,
    MAX_RECORD_BYTES,
    LimitExceeded,
    decompressed_limit,
)

DEFAULT_CHUNK = 5000
RECORD_EXTENSIONS = (
    ".json", ".ndjson", ".jsonl", ".xml", ".csv", ".tsv", ".txt", ".gz", ".zip",
    *registries.EXTENSIONS,
)  # fmt: skip


def _error_chunk(path: str, reason: str, line: int | None = None) -> FrameBuilder:
    b = FrameBuilder()
    b.add_error(path=path, reason=reason, line=line)
    return b


def _skip_chunk(path: str, reason: str) -> FrameBuilder:
    b = FrameBuilder()
    b.add_skip(path=path, reason=f"skipped: not a registry record ({reason})")
    return b


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    for ext in (".gz",):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base.rsplit(".", 1)[0] if "." in base else base


def _looks_ndjson(data: bytes) -> bool:
    first, _, rest = data.lstrip().partition(b"\n")
    if not first.strip().startswith(b"{") or not rest.strip():
        return False
    import msgspec

    try:
        msgspec.json.decode(first)
    except msgspec.DecodeError:
        return False
    return rest.lstrip().startswith(b"{")


def _coalesce(parts: Iterable[FrameBuilder | RecordSet], chunk_size: int) -> Iterator[RecordSet]:
    """Merge the readers' small builders (one per file, say) into chunks of about chunk_size records."""
    acc = FrameBuilder()
    for part in parts:
        if isinstance(part, RecordSet):  # a reader that builds its own frames
            if len(acc):
                yield acc.build()
                acc = FrameBuilder()
            yield part
            continue
        if len(acc) and not acc.ids.isdisjoint(part.ids):
            # the same trial in two files: keep the copies in different chunks, never merged
            yield acc.build()
            acc = FrameBuilder()
        acc.extend(part)
        if len(acc) >= chunk_size:
            yield acc.build()
            acc = FrameBuilder()
    if len(acc) or acc.skipped:
        yield acc.build()


def read_bytes(data: bytes, name: str, chunk_size: int = DEFAULT_CHUNK) -> Iterator[RecordSet]:
    """Read one file's content (already in memory) as RecordSet chunks."""
    yield from _coalesce(_parts(data, name, chunk_size), chunk_size)


def _gunzip(data: bytes) -> tuple[bytes, str | None, bool]:
    """Decompress gzip data (every member) within the decompression limit.

    Returns (content, problem, refused): a truncated or damaged stream gives the content
    before the damage and says so; one that would decompress past the limit is refused."""
    limit = decompressed_limit(len(data))
    out: list[bytes] = []
    size = 0
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=31)
        buf = rest
        while True:
            try:
                chunk = d.decompress(buf, limit + 1 - size)
            except zlib.error as e:
                return b"".join(out), f"damaged gzip data after {size:,} bytes: {e}", False
            out.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"", _bomb(len(data)), True
            if d.eof:
                rest = d.unused_data
                break
            if d.unconsumed_tail:
                buf = d.unconsumed_tail
                continue
            return b"".join(out), "the gzip data ends early (a truncated file?)", False
        if not rest.startswith(b"\x1f\x8b"):
            break  # trailing bytes that are not another gzip member (padding): ignored, as gzip does
    return b"".join(out), None, False


def _bomb(compressed: int) -> str:
    return (
        f"decompresses to more than {decompressed_limit(compressed) / 2**20:,.0f} MB "
        f"({MAX_RATIO}x its compressed size and more): refused as a possible decompression bomb"
    )


_UTF16_32_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def _transcode(data: bytes) -> bytes:
    """UTF-16/32 text (with its byte order mark) as UTF-8, for the JSON, CSV and text readers
    (the XML reader reads any encoding itself)."""
    for bom in _UTF16_32_BOMS:
        if data.startswith(bom):
            enc = "utf-32" if len(bom) == 4 else "utf-16"
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                return data
            return data if text.lstrip()[:1] == "<" else text.encode("utf-8")
    return data


def _parts(
    data: bytes, name: str, chunk_size: int, as_name: str | None = None, depth: int = 0
) -> Iterator[FrameBuilder | RecordSet]:
    """Dispatch one file's content to its reader by name and content. ``as_name``: the name
    whose extension tells the format (a gzip file's name without ``.gz``); findings keep ``name``.
    ``depth``: how deep in archives this content lies."""
    from . import ctgov_json, sniff, text_export

    lower = (as_name or name).lower()
    stem = _stem(name)
    if lower.endswith(".gz") or data[:2] == b"\x1f\x8b":
        if depth >= MAX_ARCHIVE_DEPTH:
            yield _error_chunk(
                name, f"an archive nested more than {MAX_ARCHIVE_DEPTH} deep: not read"
            )
            return
        inner, problem, refused = _gunzip(data)
        if refused:
            yield _error_chunk(name, f"gzip: {problem}")
            return
        if problem is not None and not inner.strip():
            yield _error_chunk(name, f"cannot decompress gzip: {problem}")
            return
        inner_as = lower[:-3] if lower.endswith(".gz") else lower
        yield from _parts(inner, name, chunk_size, as_name=inner_as, depth=depth + 1)
        if problem is not None:
            stop = inner.count(b"\n") + 1
            b = FrameBuilder()
            b.add_error(
                path=name,
                line=stop,
                reason=f"{problem}: what comes before is read (it stops in line {stop:,} of "
                f"the decompressed content, after {len(inner):,} bytes)",
            )
            yield b
        return
    # other registries (read/registries.py): XLSX before the zip check (an XLSX is a zip)
    other = registries.binary_reader(data, name, chunk_size)
    if other is not None:
        yield from other()
        return
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04":
        if depth >= MAX_ARCHIVE_DEPTH:
            yield _error_chunk(
                name, f"an archive nested more than {MAX_ARCHIVE_DEPTH} deep: not read"
            )
            return
        yield from _zip_parts(data, name, chunk_size, depth)
        return
    data = _transcode(data.removeprefix(codecs.BOM_UTF8))
    head = data.lstrip()[:1]
    if lower.endswith(".xml") or head == b"<" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        from . import ctgov_xml

        other = None if ctgov_xml.sniff(data) else registries.xml_reader(data, name, chunk_size)
        if other is not None:
            yield from other()
        elif ctgov_xml.sniff(data):
            yield from ctgov_xml.read_xml(data, name, stem)
        elif registries.is_html(data):
            yield _error_chunk(name, "an HTML page, not a registry record export")
        elif (why := sniff.not_a_record(data, "xml")) is not None:
            yield _skip_chunk(name, why)
        else:
            yield _error_chunk(
                name,
                "unknown XML format: expected a ClinicalTrials.gov <clinical_study> document, a "
                "WHO ICTRP export or EudraCT results XML",
            )
        return
    is_json = lower.endswith((".ndjson", ".jsonl", ".json")) or head in (b"{", b"[")
    if lower.endswith((".ndjson", ".jsonl")) or (head == b"{" and _looks_ndjson(data)):
        line_reader = registries.ndjson_reader(registries.first_json_line(data))
        if line_reader is None and (why := sniff.not_a_record(data, "json")) is not None:
            yield _skip_chunk(name, why)
            return
        read_lines = line_reader or ctgov_json.read_ndjson
        yield from read_lines(iter(data.splitlines()), name, stem, chunk_size)
        return
    if is_json:
        other = registries.json_reader(data, name, stem, chunk_size)
        if other is not None:
            yield from other()
            return
        if (why := sniff.not_a_record(data, "json")) is not None:
            yield _skip_chunk(name, why)
            return
        yield from ctgov_json.read_json(data, name, stem, chunk_size)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if not lower.endswith((".csv", ".tsv")):
            yield _error_chunk(name, f"not UTF-8 text (byte {e.start}): unknown format")
            return
        # the CSV reader reports the rows holding undecodable bytes and reads the rest
        text = data.decode("utf-8-sig", errors="surrogateescape")
    other = registries.text_reader(text, name, stem, chunk_size)
    if other is not None:
        yield from other()
        return
    first_line = text.split("\n", 1)[0]
    from . import cthist

    if cthist.sniff(first_line):  # a version history (cthist): every version is a record
        yield from cthist.read_cthist(text, name)
        return
    if lower.endswith((".csv", ".tsv")) or "NCT Number" in first_line:
        from . import ctgov_csv

        if (why := sniff.not_a_record(data, "csv")) is not None:
            yield _skip_chunk(name, why)
            return
        yield from ctgov_csv.read_csv(text, name, stem, chunk_size)
        return
    if text_export.sniff(text):
        yield from text_export.read_text(text, name, stem)
        return
    if (why := sniff.not_a_record(data, "text")) is not None:
        yield _skip_chunk(name, why)
        return
    yield _error_chunk(
        name,
        "unknown format: expected ClinicalTrials.gov API v2 JSON/NDJSON, legacy XML, the site's "
        "CSV export, or the plain-text export layout",
    )


def _zip_parts(
    data: bytes, name: str, chunk_size: int, depth: int
) -> Iterator[FrameBuilder | RecordSet]:
    """Every record file in a zip archive; a member that cannot be read (damaged, encrypted,
    an unsupported method, over the decompression limit) is a read error naming it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = sorted(zf.infolist(), key=lambda i: i.filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        yield _error_chunk(name, f"not a readable zip archive: {e}")
        return
    with zf:
        for info in infos:
            member = info.filename
            if info.is_dir() or not member.lower().endswith(RECORD_EXTENSIONS):
                continue
            where = f"{name}!{member}"
            if info.flag_bits & 0x1:
                yield _error_chunk(where, "an encrypted zip member: not read (no password)")
                continue
            if info.file_size > decompressed_limit(info.compress_size):
                yield _error_chunk(where, f"zip member {_bomb(info.compress_size)}")
                continue
            try:
                content = zf.read(info)
            except (
                zipfile.BadZipFile,
                zlib.error,
                RuntimeError,
                NotImplementedError,
                OSError,
                EOFError,
                ValueError,
            ) as e:
                yield _error_chunk(where, f"a damaged zip member: {e}")
                continue
            yield from _parts(content, where, chunk_size, depth=depth + 1)


def example_recordset(example: dict[str, Any], name: str = "example") -> RecordSet:
    """The RecordSet of a rule example: ``record`` (an API v2 study object), ``records`` (several,
    for rules that compare records), ``text`` (the plain-text export layout) or ``csv`` (a site
    CSV export with header)."""
    import json

    if "record" in example:
        data, fname = json.dumps(example["record"]).encode(), f"{name}.json"
    elif "records" in example:
        data, fname = json.dumps(list(example["records"])).encode(), f"{name}.json"
    elif "text" in example:
        data, fname = str(example["text"]).encode(), f"{name}.txt"
    elif "csv" in example:
        data, fname = str(example["csv"]).encode(), f"{name}.csv"
    else:
        raise ValueError("an example needs 'record', 'records', 'text' or 'csv'")
    return RecordSet.concat(read_bytes(data, fname))


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None]]:
    """Expand paths: files as given, directories recursively by extension, '-' for stdin.
    Each file comes once, however often it is named (a path twice, a folder and a file in it):
    under the name it was first met by."""
    seen: set[Path | None] = set()

    def first(path: Path | None) -> bool:
        key = None if path is None else _identity(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    for p in paths:
        if str(p) == "-":
            if first(None):
                yield "-", None
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if (
                    f.is_file()
                    and f.name.lower().endswith(RECORD_EXTENSIONS)
                    and not f.name.startswith(".")
                    and first(f)
                ):
                    yield str(f), f
        elif path.exists():
            if first(path):
                yield str(path), path
        else:
            raise TrialintError(f"{p}: no such file or directory")


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # pragma: no cover - a path that cannot be resolved: as given
        return path.absolute()


STDIN_NAME = "<stdin>"


def read_paths(
    paths: Iterable[str | Path],
    chunk_size: int = DEFAULT_CHUNK,
    *,
    stdin: bytes | None = None,
    files: list[str] | None = None,
) -> Iterator[RecordSet]:
    """Read every record under ``paths`` as RecordSet chunks. Bad files become read errors;
    files that are plainly not registry records are skipped with a note (``RecordSet.skipped``).
    ``stdin``: the bytes of '-' (default: read sys.stdin); ``files``: a list that collects the
    name of every file read, in order.

    The input is cut into read tasks (see ``read.tasks``) read one after the other: the same
    chunks that worker processes or a dask cluster read from the same tasks."""
    from .tasks import plan, read_task

    for task in plan(paths, chunk_size, stdin=stdin, files=files):
        yield from read_task(task, chunk_size)


def guarded(
    name: str, parts: Iterable[FrameBuilder | RecordSet]
) -> Iterator[FrameBuilder | RecordSet]:
    """``parts`` of the input ``name``; a bug met while reading them stops the run (exit 2) as
    an InternalError naming the input."""
    try:
        yield from parts
    except TrialintError:
        raise
    except Exception as e:
        raise internal_error(
            f"{name}: internal error while reading: {type(e).__name__}: {e}", e
        ) from e


def _file_parts(
    name: str, path: Path | None, chunk_size: int, stdin: bytes | None = None
) -> Iterator[FrameBuilder | RecordSet]:
    """One file (or stdin when ``path`` is None: ``stdin``, else sys.stdin), read by its
    format's reader."""
    from . import ctgov_json, sniff

    lower = name.lower()
    if path is not None and lower.endswith((".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")):
        # stream line by line: NDJSON dumps of a whole registry do not fit in memory
        try:
            raw = path.open("rb")
        except OSError as e:
            yield _error_chunk(name, f"cannot read file: {e.strerror or e}")
            return
        with raw:
            fh: IO[bytes] = (
                gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
                if lower.endswith(".gz")
                else raw
            )
            lines = _bounded_lines(fh, raw if fh is not raw else None)
            first: list[bytes] = []
            damage: BaseException | None = None
            try:
                for line in lines:  # the first record picks the reader (read/registries.py)
                    first.append(line)
                    if line.strip():
                        break
            except (OSError, EOFError, ValueError, zlib.error) as e:
                damage = e  # handed on: the reader reports it with its line

            def rest() -> Iterator[bytes]:
                if damage is not None:
                    raise damage
                yield from lines

            line_reader = registries.ndjson_reader(first[-1]) if first else None
            why = sniff.not_a_record(b"".join(first), "json") if first else None
            if line_reader is None and why is not None and damage is None:
                yield _skip_chunk(name, why)
                return
            read_lines = line_reader or ctgov_json.read_ndjson
            yield from read_lines(itertools.chain(first, rest()), name, _stem(name), chunk_size)
        return
    if path is None:
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        name = STDIN_NAME
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            yield _error_chunk(name, f"cannot read file: {e.strerror or e}")
            return
    yield from _parts(data, name, chunk_size)


def _bounded_lines(
    fh: IO[bytes], compressed: IO[bytes] | None, limit: int | None = None
) -> Iterator[bytes]:
    """The lines of a stream, each at most MAX_RECORD_BYTES (a longer one is skipped and given
    as a ``TooLong`` head); a compressed stream is stopped past the decompression limit.
    ``limit``: read at most that many bytes (a byte range of a file that ends a line)."""
    from .ctgov_json import TooLong

    total = 0
    left = -1 if limit is None else limit

    def check() -> None:
        if compressed is not None and total > decompressed_limit(compressed.tell()):
            raise LimitExceeded(f"gzip: {_bomb(compressed.tell())}")

    def readline(size: int) -> bytes:
        nonlocal left
        if left < 0:
            return fh.readline(size)
        if left == 0:
            return b""
        line = fh.readline(min(size, left))
        left -= len(line)
        return line

    while True:
        line = readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        total += len(line)
        check()
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            size = len(line)
            while True:  # skip the rest of the line, a MB at a time
                more = readline(1 << 20)
                total += len(more)
                size += len(more)
                check()
                if not more or more.endswith(b"\n"):
                    break
            head = TooLong(line[: 1 << 16])
            head.size = size
            yield head
            continue
        yield line
