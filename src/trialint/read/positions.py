"""Line and column in a JSON file of a JSON pointer, and of a span inside the string it names.

Findings on JSON records carry a JSON pointer (``/studies/3/protocolSection/.../timeFrame``) and
a span of character offsets in the decoded string. Editors, SARIF viewers, GitHub annotations
and GitLab want a line and column of the file. :func:`locate` maps them for every JSON layout
trialint reads: one study, an array, an API page (``{"studies": [...]}``) and NDJSON (the
pointer is then inside the record's line), in plain, gzip and zip files.

How it stays fast. It runs only on files with findings, and reads such a file once. Descending
a pointer does not tokenize the document in Python: msgspec decodes an object or array level as
``msgspec.Raw`` values (C speed), whose byte lengths give each member's place, and only the
levels on the way to a wanted value are decoded (cached: many findings share a prefix). Inside
the target string, JSON escapes (``\\n``, ``\\"``, ``\\uXXXX``, surrogate pairs) are walked so
that a decoded character offset becomes a byte offset. Byte offsets become lines and columns in
one sorted sweep. Columns count Unicode code points from 1 (SARIF's ``unicodeCodePoints``); an
end column is the column just after the span.

A pointer that does not exist (a missing field: "no primary outcome") resolves to its deepest
existing ancestor (the module, or the record), so such findings still land on their record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import msgspec

_OBJ = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ARR = msgspec.json.Decoder(list[msgspec.Raw])
_WS = re.compile(rb"[ \t\r\n]*")
_SEP = re.compile(rb"[ \t\r\n]*[,:]?[ \t\r\n]*")
_KEY = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
# inside a string literal: a surrogate pair, any other escape, or a run of plain bytes
_PIECE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.|[^\"\\]+",
    re.S,
)


@dataclass(frozen=True)
class Request:
    """Where a finding points: a JSON pointer (from the document root, or from the start of its
    NDJSON line when ``line`` is given) and an optional span in the decoded string."""

    pointer: str
    start: int | None = None
    end: int | None = None
    line: int | None = None  # NDJSON: the 1-based line holding the record


@dataclass(frozen=True)
class Position:
    line: int
    column: int
    end_line: int
    end_column: int


def unescape_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]


class _Doc:
    """One JSON text (a document or one NDJSON line) with cached member offsets."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.view = memoryview(buf)
        self._members: dict[int, dict[str, tuple[int, int]] | None] = {}
        m = _WS.match(buf)
        self.root = (m.end() if m else 0, len(buf.rstrip()))

    def children(self, start: int, end: int) -> dict[str, tuple[int, int]] | None:
        """Key (or array index as text) -> (start, end) byte offsets of the member values."""
        if start in self._members:
            return self._members[start]
        first = self.buf[start : start + 1]
        out: dict[str, tuple[int, int]] | None
        try:
            if first == b"{":
                out = self._object(start, end)
            elif first == b"[":
                out = self._array(start, end)
            else:
                out = None
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, RecursionError):
            out = None
        self._members[start] = out
        return out

    def _object(self, start: int, end: int) -> dict[str, tuple[int, int]] | None:
        members = _OBJ.decode(self.view[start:end])
        out: dict[str, tuple[int, int]] = {}
        pos = start + 1
        buf = self.buf
        for key, raw in members.items():
            pos = _SEP.match(buf, pos).end()  # type: ignore[union-attr]
            m = _KEY.match(buf, pos)
            if m is None:
                return self._object_slow(start, end)
            token = m.group()
            same = (
                token[1:-1] == key.encode("utf-8")
                if b"\\" not in token
                else msgspec.json.decode(token) == key
            )
            if not same:
                return self._object_slow(start, end)  # repeated keys: the dict lost one
            pos = _SEP.match(buf, m.end()).end()  # type: ignore[union-attr]
            out[key] = (pos, pos + len(raw))
            pos += len(raw)
        if _WS.match(buf, pos).end() != end - 1:  # type: ignore[union-attr]
            return self._object_slow(start, end)  # members left over: repeated keys
        return out

    def _object_slow(self, start: int, end: int) -> dict[str, tuple[int, int]] | None:
        """Members of an object with repeated keys: each value measured on its own; the last
        occurrence of a key wins, as in the decoded record."""
        out: dict[str, tuple[int, int]] = {}
        buf = self.buf
        pos = start + 1
        while True:
            pos = _SEP.match(buf, pos).end()  # type: ignore[union-attr]
            if buf[pos : pos + 1] == b"}" or pos >= end:
                return out
            m = _KEY.match(buf, pos)
            if m is None:
                return None
            key = msgspec.json.decode(m.group())
            pos = _SEP.match(buf, m.end()).end()  # type: ignore[union-attr]
            length = _value_length(self.view, pos, end)
            if length is None:
                return None
            out[key] = (pos, pos + length)
            pos += length

    def _array(self, start: int, end: int) -> dict[str, tuple[int, int]]:
        items = _ARR.decode(self.view[start:end])
        out: dict[str, tuple[int, int]] = {}
        pos = start + 1
        for i, raw in enumerate(items):
            pos = _SEP.match(self.buf, pos).end()  # type: ignore[union-attr]
            out[str(i)] = (pos, pos + len(raw))
            pos += len(raw)
        return out

    def resolve(self, pointer: str) -> tuple[int, int, bool]:
        """(start, end, found) of the value at ``pointer``; the deepest existing ancestor's
        value with found=False when the pointer does not exist."""
        start, end = self.root
        for part in unescape_pointer(pointer):
            kids = self.children(start, end)
            if kids is None or part not in kids:
                return start, end, False
            start, end = kids[part]
        return start, end, True

    def span(self, start: int, end: int, s: int | None, e: int | None) -> tuple[int, int]:
        """Byte offsets of the decoded characters [s, e) of the string literal at [start, end);
        the whole literal when there is no span or it is not a string."""
        buf = self.buf
        if s is None or buf[start : start + 1] != b'"':
            return start, end
        e = s if e is None else e
        cp, pos = 0, start + 1
        at_s = at_e = None
        for m in _PIECE.finditer(buf, pos, end - 1):
            piece = m.group()
            if piece[:1] == b"\\":
                n = 1
                if at_s is None and cp == s:
                    at_s = m.start()
                if at_e is None and cp == e:
                    at_e = m.start()
                cp += n
            else:
                text = piece.decode("utf-8", "replace")
                n = len(text)
                if at_s is None and cp <= s < cp + n:
                    at_s = m.start() + len(text[: s - cp].encode("utf-8"))
                if at_e is None and cp <= e < cp + n:
                    at_e = m.start() + len(text[: e - cp].encode("utf-8"))
                cp += n
            if at_s is not None and at_e is not None:
                break
        close = end - 1  # the closing quote
        if at_s is None:
            at_s = close if cp <= s else start
        if at_e is None:
            at_e = close
        return at_s, max(at_s, at_e)


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|[^,:\[\]{}"\s]+|[,:\s]+', re.S)


def _value_length(view: memoryview, pos: int, end: int) -> int | None:
    """Length in bytes of the JSON value starting at ``pos`` (the slow path, for objects with
    repeated keys): tokens are counted until the value's brackets close."""
    buf = bytes(view[pos:end])
    depth = 0
    for m in _TOKEN.finditer(buf):
        t = m.group()[:1]
        if t in (b"{", b"["):
            depth += 1
        elif t in (b"}", b"]"):
            depth -= 1
            if depth < 0:
                return None
        elif t in (b",", b":", b" ", b"\t", b"\r", b"\n"):
            if depth == 0:
                return m.start()
            continue
        if depth == 0:
            return m.end()
    return None


def _columns(buf: bytes, offsets: Iterable[int], first_line: int = 1) -> dict[int, tuple[int, int]]:
    """Byte offset -> (line, column), both 1-based, columns in code points; one sorted sweep."""
    out: dict[int, tuple[int, int]] = {}
    line, line_start, prev, prev_col = first_line, 0, 0, 1
    for off in sorted(set(offsets)):
        nl = buf.count(b"\n", prev, off)
        if nl:
            line += nl
            line_start = buf.rfind(b"\n", prev, off) + 1
            col = 1 + len(buf[line_start:off].decode("utf-8", "replace"))
        else:
            col = prev_col + len(buf[prev:off].decode("utf-8", "replace"))
        out[off] = (line, col)
        prev, prev_col = off, col
    return out


def locate_in_text(buf: bytes, requests: Sequence[Request], first_line: int = 1) -> list[Position]:
    """Positions of ``requests`` (pointers from the root of ``buf``) in one JSON text."""
    doc = _Doc(buf)
    spans = []
    for r in requests:
        start, end, found = doc.resolve(r.pointer)
        spans.append(doc.span(start, end, r.start, r.end) if found else (start, start))
    cols = _columns(buf, [o for ab in spans for o in ab], first_line)
    return [Position(*cols[a], *cols[b]) for a, b in spans]


def locate(
    document: bytes | None,
    requests: Sequence[Request],
    lines: Iterable[bytes] | None = None,
) -> list[Position | None]:
    """Positions of ``requests`` in a JSON file: ``document`` (the whole text) for requests
    without a line; ``lines`` (the file's lines, in order: NDJSON) for requests with one. A
    request that cannot be placed gets None."""
    out: list[Position | None] = [None] * len(requests)
    whole = [i for i, r in enumerate(requests) if r.line is None]
    if whole and document is not None:
        for i, pos in zip(
            whole, locate_in_text(document, [requests[i] for i in whole]), strict=True
        ):
            out[i] = pos
    by_line: dict[int, list[int]] = {}
    for i, r in enumerate(requests):
        if r.line is not None:
            by_line.setdefault(r.line, []).append(i)
    if by_line and lines is not None:
        last = max(by_line)
        for n, text in enumerate(lines, start=1):
            if n in by_line:
                idx = by_line[n]
                text = text.rstrip(b"\r\n")
                try:
                    found = locate_in_text(text, [requests[i] for i in idx], first_line=n)
                except (
                    msgspec.DecodeError,
                    ValueError,
                    RecursionError,
                ):  # a position is best-effort
                    continue
                for i, pos in zip(idx, found, strict=True):
                    out[i] = pos
            if n >= last:
                break
    return out


STREAMED = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")


def positions_in_file(
    name: str, requests: Sequence[Request], stdin: bytes | None = None
) -> list[Position | None]:
    """:func:`locate` on the file a finding names: a path, ``archive.zip!member``, a gzip file,
    or ``<stdin>`` (its bytes given). The file is read as its reader read it: NDJSON files by
    name are streamed line by line, other content is read whole. Unreadable: all None."""
    import gzip
    import zipfile
    from pathlib import Path

    none: list[Position | None] = [None] * len(requests)
    data: bytes | None = None
    try:
        if name == "<stdin>":
            data = stdin
        elif "!" in name and not Path(name).exists():
            archive, _, member = name.partition("!")
            with zipfile.ZipFile(archive) as zf:
                data = zf.read(member)
        elif name.lower().endswith(STREAMED) and Path(name).is_file():
            opener = gzip.open if name.lower().endswith(".gz") else open
            with opener(name, "rb") as fh:
                return locate(None, requests, lines=iter(fh))
        else:
            data = Path(name).read_bytes()
    except (OSError, EOFError, KeyError, zipfile.BadZipFile):
        return none
    if data is None:
        return none
    if name.lower().endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return none
    data = data.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is no column
    by_line = any(r.line is not None for r in requests)  # NDJSON read from memory
    return locate(data, requests, lines=data.splitlines() if by_line else None)
