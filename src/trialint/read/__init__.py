"""Readers: files -> RecordSet chunks. One module per input format; this module finds files,
opens containers (gzip, zip, stdin) and picks the reader by extension and content."""

from __future__ import annotations

import gzip
import io
import itertools
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import TrialintError
from ..frames import RecordSet
from . import registries
from .build import FrameBuilder

DEFAULT_CHUNK = 5000
RECORD_EXTENSIONS = (
    ".json", ".ndjson", ".jsonl", ".xml", ".csv", ".tsv", ".txt", ".gz", ".zip",
    *registries.EXTENSIONS,
)  # fmt: skip


def _error_chunk(path: str, reason: str, line: int | None = None) -> FrameBuilder:
    b = FrameBuilder()
    b.add_error(path=path, reason=reason, line=line)
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
    if len(acc):
        yield acc.build()


def read_bytes(data: bytes, name: str, chunk_size: int = DEFAULT_CHUNK) -> Iterator[RecordSet]:
    """Read one file's content (already in memory) as RecordSet chunks."""
    yield from _coalesce(_parts(data, name, chunk_size), chunk_size)


def _parts(data: bytes, name: str, chunk_size: int) -> Iterator[FrameBuilder | RecordSet]:
    """Dispatch one file's content to its reader by name and content."""
    from . import ctgov_json, text_export

    lower = name.lower()
    stem = _stem(name)
    if lower.endswith(".gz"):
        try:
            inner = gzip.decompress(data)
        except (OSError, EOFError) as e:
            yield _error_chunk(name, f"cannot decompress gzip: {e}")
            return
        yield from _parts(inner, name[:-3], chunk_size)
        return
    # other registries (read/registries.py): XLSX before the zip check (an XLSX is a zip)
    other = registries.binary_reader(data, name, chunk_size)
    if other is not None:
        yield from other()
        return
    if lower.endswith(".zip") or data[:4] == b"PK\x03\x04":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as e:
            yield _error_chunk(name, f"not a readable zip archive: {e}")
            return
        with zf:
            for member in sorted(zf.namelist()):
                if member.endswith("/") or not member.lower().endswith(RECORD_EXTENSIONS):
                    continue
                yield from _parts(zf.read(member), f"{name}!{member}", chunk_size)
        return
    head = data.lstrip()[:1]
    if lower.endswith(".xml") or head == b"<":
        from . import ctgov_xml

        other = None if ctgov_xml.sniff(data) else registries.xml_reader(data, name, chunk_size)
        if other is not None:
            yield from other()
        elif ctgov_xml.sniff(data):
            yield from ctgov_xml.read_xml(data, name, stem)
        elif registries.is_html(data):
            yield _error_chunk(name, "an HTML page, not a registry record export")
        else:
            yield _error_chunk(
                name,
                "unknown XML format: expected a ClinicalTrials.gov <clinical_study> document, a "
                "WHO ICTRP export or EudraCT results XML",
            )
        return
    if lower.endswith((".ndjson", ".jsonl")) or (head == b"{" and _looks_ndjson(data)):
        line_reader = registries.ndjson_reader(registries.first_json_line(data))
        read_lines = line_reader or ctgov_json.read_ndjson
        yield from read_lines(iter(data.splitlines()), name, stem, chunk_size)
        return
    if lower.endswith(".json") or head in (b"{", b"["):
        other = registries.json_reader(data, name, stem, chunk_size)
        yield from (
            other() if other is not None else ctgov_json.read_json(data, name, stem, chunk_size)
        )
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

        yield from ctgov_csv.read_csv(text, name, stem, chunk_size)
        return
    if text_export.sniff(text):
        yield from text_export.read_text(text, name, stem)
        return
    yield _error_chunk(
        name,
        "unknown format: expected ClinicalTrials.gov API v2 JSON/NDJSON, legacy XML, the site's "
        "CSV export, or the plain-text export layout",
    )


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
    """Expand paths: files as given, directories recursively by extension, '-' for stdin."""
    for p in paths:
        if str(p) == "-":
            yield "-", None
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if (
                    f.is_file()
                    and f.name.lower().endswith(RECORD_EXTENSIONS)
                    and not f.name.startswith(".")
                ):
                    yield str(f), f
        elif path.exists():
            yield str(path), path
        else:
            raise TrialintError(f"{p}: no such file or directory")


def read_paths(paths: Iterable[str | Path], chunk_size: int = DEFAULT_CHUNK) -> Iterator[RecordSet]:
    """Read every record under ``paths`` as RecordSet chunks. Bad files become read errors.

    The input is cut into read tasks (see ``read.tasks``) read one after the other: the same
    chunks that worker processes or a dask cluster read from the same tasks."""
    from .tasks import plan, read_task

    for task in plan(paths, chunk_size):
        yield from read_task(task, chunk_size)


def _file_parts(
    name: str, path: Path | None, chunk_size: int
) -> Iterator[FrameBuilder | RecordSet]:
    """One file (or stdin when ``path`` is None), read by its format's reader."""
    from . import ctgov_json

    lower = name.lower()
    if path is not None and lower.endswith((".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")):
        # stream line by line: NDJSON dumps of a whole registry do not fit in memory
        opener = gzip.open if lower.endswith(".gz") else open
        try:
            with opener(path, "rb") as fh:
                lines = iter(fh)
                first: list[bytes] = []
                for line in lines:  # the first record picks the reader (read/registries.py)
                    first.append(line)
                    if line.strip():
                        break
                read_lines = (
                    registries.ndjson_reader(first[-1]) if first else None
                ) or ctgov_json.read_ndjson
                yield from read_lines(itertools.chain(first, lines), name, _stem(name), chunk_size)
        except (OSError, EOFError) as e:
            yield _error_chunk(name, f"cannot read file: {getattr(e, 'strerror', None) or e}")
        return
    if path is None:
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            yield _error_chunk(name, f"cannot read file: {e.strerror}")
            return
    yield from _parts(data, name, chunk_size)
