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


def _parts(
    data: bytes, name: str, chunk_size: int, as_name: str | None = None
) -> Iterator[FrameBuilder | RecordSet]:
    """Dispatch one file's content to its reader by name and content. ``as_name``: the name
    whose extension tells the format (a gzip file's name without ``.gz``); findings keep ``name``."""
    from . import ctgov_json, sniff, text_export

    lower = (as_name or name).lower()
    stem = _stem(name)
    if lower.endswith(".gz"):
        try:
            inner = gzip.decompress(data)
        except (OSError, EOFError) as e:
            yield _error_chunk(name, f"cannot decompress gzip: {e}")
            return
        yield from _parts(inner, name, chunk_size, as_name=lower[:-3])
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
    name of every file read, in order."""
    yield from _coalesce(_path_parts(paths, chunk_size, stdin, files), chunk_size)


def _path_parts(
    paths: Iterable[str | Path],
    chunk_size: int,
    stdin: bytes | None = None,
    files: list[str] | None = None,
) -> Iterator[FrameBuilder | RecordSet]:
    from . import ctgov_json, sniff

    for name, path in iter_files(paths):
        if files is not None:
            files.append(STDIN_NAME if path is None else name)
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
                    line_reader = registries.ndjson_reader(first[-1]) if first else None
                    why = sniff.not_a_record(b"".join(first), "json") if first else None
                    if line_reader is None and why is not None:
                        yield _skip_chunk(name, why)
                        continue
                    read_lines = line_reader or ctgov_json.read_ndjson
                    yield from read_lines(
                        itertools.chain(first, lines), name, _stem(name), chunk_size
                    )
            except (OSError, EOFError) as e:
                yield _error_chunk(name, f"cannot read file: {getattr(e, 'strerror', None) or e}")
            continue
        if path is None:
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            name = STDIN_NAME
        else:
            try:
                data = path.read_bytes()
            except OSError as e:
                yield _error_chunk(name, f"cannot read file: {e.strerror}")
                continue
        yield from _parts(data, name, chunk_size)
