"""Limits that keep reading bounded in time and memory whatever the input (hostile or damaged).

Real registry records are far inside every one of them: the largest API v2 study is about
1 MB, the registry's longest text field 32,000 characters, and no record nests deeper than
about 10 levels. An input beyond a limit is reported (a read error, or an issue of the field),
never silently cut.
"""

from __future__ import annotations

MAX_RECORD_BYTES = 32 * 2**20  # one JSON record (an NDJSON line, an array item)
MAX_RECORD_ID_CHARS = 100  # a longer "id" is not used as the record id
MAX_DEPTH = 64  # JSON values nested deeper are cut off (XML elements likewise)

# Decompression (gzip, zip members): at most RATIO times the compressed size, plus an
# allowance for small, highly compressible inputs. Real JSON, XML and CSV compress 5-15x.
MAX_RATIO = 100
RATIO_ALLOWANCE = 16 * 2**20
MAX_ARCHIVE_DEPTH = 2  # a zip inside a zip (or a .gz inside a zip) is read; deeper is not


def decompressed_limit(compressed_size: int) -> int:
    """How many bytes ``compressed_size`` bytes of gzip/zip data may decompress to."""
    return RATIO_ALLOWANCE + MAX_RATIO * compressed_size


class LimitExceeded(ValueError):
    """An input went past one of these limits (the message says which and where)."""
