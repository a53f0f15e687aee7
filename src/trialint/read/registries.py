"""Recognising the formats of registries other than today's ClinicalTrials.gov (and the classic
ClinicalTrials.gov API) by file name and content; ``read/__init__.py`` asks here first.

Each ``*_reader`` returns the reader to use, or None when the content is not one of these
formats (the caller then tries the ClinicalTrials.gov readers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .build import FrameBuilder

Reader = Callable[[], Iterator[FrameBuilder]]
LineReader = Callable[[Iterator[bytes], str, str, int], Iterator[FrameBuilder]]

# extensions read here on top of the ClinicalTrials.gov ones
EXTENSIONS = (".xlsx",)


def _is_xlsx(data: bytes, lower: str) -> bool:
    return lower.endswith(".xlsx") or (data[:4] == b"PK\x03\x04" and b"xl/workbook" in data[:65536])


def binary_reader(data: bytes, name: str, chunk_size: int) -> Reader | None:
    """Containers that are not text: XLSX workbooks (WHO ICTRP exports)."""
    if _is_xlsx(data, name.lower()):
        from . import ictrp

        return lambda: ictrp.read_xlsx(data, name, chunk_size)
    return None


def xml_reader(data: bytes, name: str, chunk_size: int) -> Reader | None:
    from . import euctr, ictrp

    if ictrp.sniff_xml(data):
        return lambda: ictrp.read_xml(data, name, chunk_size)
    if euctr.sniff_results_xml(data):
        return lambda: euctr.read_results_xml(data, name)
    return None


def first_json_line(data: bytes) -> bytes:
    return data.lstrip().split(b"\n", 1)[0]


def ndjson_reader(first_line: bytes) -> LineReader | None:
    """The reader of an NDJSON stream whose first record is ``first_line``."""
    from . import ctgov_classic, ctrdata

    if ctrdata.sniff(first_line):
        return ctrdata.read_ndjson
    if ctgov_classic.sniff(first_line):
        return ctgov_classic.read_ndjson
    return None


def json_reader(data: bytes, name: str, stem: str, chunk_size: int) -> Reader | None:
    from . import ctgov_classic, ctrdata

    head = data[:4000]
    if ctrdata.sniff(head):
        return lambda: ctrdata.read_json(data, name, stem, chunk_size)
    if ctgov_classic.sniff(head):
        return lambda: ctgov_classic.read_json(data, name, stem, chunk_size)
    return None


def _header(text: str) -> list[str]:
    import csv
    import io

    first = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        return next(csv.reader(io.StringIO(first)))
    except (StopIteration, csv.Error):
        return []


def text_reader(text: str, name: str, stem: str, chunk_size: int) -> Reader | None:
    """CSV exports of WHO ICTRP and the EU CTR, and the EU CTR full-text download."""
    from . import euctr, ictrp

    if euctr.sniff_text(text):
        return lambda: euctr.read_text(text, name)
    header = _header(text)
    if euctr.is_csv_header(header):
        return lambda: euctr.read_csv(text, name, chunk_size)
    if ictrp.is_ictrp_header(header) or ictrp.is_derived_table(header):
        return lambda: ictrp.read_csv(text, name, chunk_size)
    return None


def is_html(data: bytes) -> bool:
    return re.match(rb"\s*(?:<!DOCTYPE html|<html)", data[:512], re.I) is not None
