"""The fuzz suite's machinery: real records from ../shared/corpus, seeded mutators, batches that
run in-process through ``trialint.check``, and the invariants every run must keep.

Used by tests/test_fuzz.py (hypothesis draws the mutations; ``TRIALINT_FUZZ=full`` for the
>= 10,000-case run of `nox -s fuzz`, a fast subset otherwise) and tests/test_reliability.py.
"""

from __future__ import annotations

import copy
import csv
import functools
import gzip
import io
import json
import random
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec.inspect as mi

from conftest import CORPUS, SEEDS

NDJSON = CORPUS / "ctgov_v2_json" / "studies.ndjson"
XML_DIR = CORPUS / "ctgov_xml"
CSV_DIR = CORPUS / "ctgov_csv"

# --- what the API v2 reader reads ---------------------------------------------------------------

TEXT, TEXTS, OBJECT, OBJECTS, NUMBER, BOOL = "text", "texts", "object", "objects", "number", "bool"
ANY = "any"  # a field read loosely: every shape is fine


@functools.cache
def read_schema() -> dict[tuple[str, ...], frozenset[str]]:
    """Generic path (list items as '[]') -> the shapes the reader takes there as they are, for
    every field of the API v2 study that trialint reads (from its msgspec structs)."""
    from trialint.read.ctgov_json import Study

    out: dict[tuple[str, ...], frozenset[str]] = {}

    def shape(a: Any) -> str:
        if isinstance(a, mi.AnyType):
            return ANY
        if isinstance(a, mi.StructType | mi.DictType):
            return OBJECT
        if isinstance(a, mi.ListType):
            return OBJECTS if isinstance(a.item_type, mi.StructType) else TEXTS
        if isinstance(a, mi.StrType):
            return TEXT
        if isinstance(a, mi.BoolType):
            return BOOL
        return NUMBER

    def walk(t: Any, path: tuple[str, ...]) -> None:
        types = t.types if isinstance(t, mi.UnionType) else (t,)
        alts = [a for a in types if not isinstance(a, mi.NoneType)]
        if path:
            out[path] = frozenset(shape(a) for a in alts)
        for a in alts:
            if isinstance(a, mi.StructType):
                for f in a.fields:
                    walk(f.type, (*path, f.encode_name))
            elif isinstance(a, mi.ListType):
                walk(a.item_type, (*path, "[]"))

    walk(mi.type_info(Study), ())
    return out


def generic(path: list[str | int]) -> tuple[str, ...]:
    return tuple("[]" if isinstance(p, int) else p for p in path)


def shape_ok(value: Any, allowed: frozenset[str]) -> bool:
    """Whether the reader takes ``value`` as it is where it allows ``allowed`` shapes."""
    if value is None or ANY in allowed:
        return True
    if isinstance(value, bool):
        return BOOL in allowed
    if isinstance(value, str):
        return TEXT in allowed and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, int | float):
        return NUMBER in allowed and value == value and abs(value) != float("inf")
    if isinstance(value, list):
        return TEXTS in allowed or OBJECTS in allowed
    return OBJECT in allowed


def leaves(study: dict[str, Any]) -> list[tuple[list[str | int], Any]]:
    """(path, value) of every value in a study object (root excluded)."""
    out: list[tuple[list[str | int], Any]] = []

    def walk(v: Any, path: list[str | int]) -> None:
        if path:
            out.append((path, v))
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, [*path, k])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, [*path, i])

    walk(study, [])
    return out


def read_fields(study: dict[str, Any]) -> list[tuple[list[str | int], Any]]:
    """The values of a study that trialint reads (their generic path is in read_schema)."""
    schema = read_schema()
    return [
        (p, v)
        for p, v in leaves(study)
        if generic(p) in schema and len(p) > 1 and not _loose(generic(p))
    ]


def _loose(path: tuple[str, ...]) -> bool:
    """Fields the reader takes loosely by design (ids and countries only, any shape)."""
    return "contactsLocationsModule" in path or "secondaryIdInfos" in path


def pointer(path: list[str | int]) -> str:
    return "/" + "/".join(str(x) for x in path)


def set_at(study: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    s = copy.deepcopy(study)
    target: Any = s
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return s


def nct_of(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


# --- the corpus -------------------------------------------------------------------------------------


@functools.cache
def v2_studies() -> list[dict[str, Any]]:
    return [json.loads(x) for x in NDJSON.read_bytes().splitlines() if x.strip()]


@functools.cache
def xml_files() -> list[Path]:
    return sorted(XML_DIR.glob("*.xml"))


@functools.cache
def csv_files() -> list[Path]:
    """Site CSV exports of the corpus that read without any read error (the fuzzed ones)."""
    from trialint.frames import RecordSet
    from trialint.read import read_paths

    out = []
    for p in sorted(CSV_DIR.glob("*.csv")):
        if p.stat().st_size > 400_000:
            continue
        rs = RecordSet.concat(read_paths([p]))
        if len(rs) and not rs.errors and rs.issues.empty:
            out.append(p)
    return out


@functools.cache
def seed_texts() -> list[bytes]:
    return [p.read_bytes() for p in sorted(SEEDS.glob("*.txt"))]


# --- odd shapes ---------------------------------------------------------------------------------------


def odd_values(value: Any, rnd: random.Random) -> Any:
    """Another real-world shape for ``value`` (list -> {} or a string, text -> a number,
    object -> a list or a string, a null in a list, a huge number, a lone surrogate)."""
    if isinstance(value, list):
        choices: list[Any] = [{}, "a single text", [*value[:1], None, *value[1:]], 1e400]
        if value and isinstance(value[0], dict):
            choices.append(value[0])
        return rnd.choice(choices)
    if isinstance(value, dict):
        return rnd.choice([[value], "a text", [], 12, None, True])
    if isinstance(value, str):
        return rnd.choice(
            [
                12345,
                -1.5e308,
                10**30,
                1e400,
                True,
                [value],
                {},
                {"text": value},
                value[:10] + "\ud800" + value[10:],
            ]
        )
    return rnd.choice(["text", [], {"x": 1}, 1e400])


@dataclass
class Mutation:
    """One change to one record: where, what, and what the reader must then report."""

    study: dict[str, Any]  # the record as mutated (or the original when ``raw`` has it)
    kind: str
    path: list[str | int] = field(default_factory=list)
    expect_pointer: str | None = None  # a schema-field-shape finding at (or under) it
    original_id: str = ""
    same_findings: bool = False  # the record's findings stay those of the original
    raw: bytes | None = None  # the record's bytes when not plain json.dumps


def dumps(study: dict[str, Any]) -> bytes:
    # lone surrogates go out as \ud800 escapes (ensure_ascii), as JSON writers do
    return json.dumps(study, ensure_ascii=True).encode()


def mutate_json(study: dict[str, Any], rnd: random.Random) -> Mutation:
    """One odd thing in one real API v2 record."""
    m = _mutate_json(study, rnd)
    m.original_id = nct_of(study)
    return m


def _mutate_json(study: dict[str, Any], rnd: random.Random) -> Mutation:
    roll = rnd.random()
    if roll < 0.06:  # a duplicate key whose first copy is odd: the last copy wins, as in JSON
        raw = dumps(study)
        key = rnd.choice([b'"briefTitle":', b'"overallStatus":', b'"phases":'])
        if key in raw:
            raw = raw.replace(key, key + b'{"odd": 1},' + key, 1)
            return Mutation(study, "duplicate-key", raw=raw, same_findings=True)
    if roll < 0.10:  # deep nesting in a field trialint does not read
        raw = dumps(study)
        depth = rnd.choice([500, 2000, 20000])
        raw = raw[:-1] + b',"derivedSection2":' + b"[" * depth + b"]" * depth + b"}"
        return Mutation(study, "deep-unread", raw=raw, same_findings=True)
    if roll < 0.14:  # invalid UTF-8 bytes in a text field trialint reads
        texts = [(p, v) for p, v in read_fields(study) if isinstance(v, str) and len(v) > 3]
        if texts:
            path, value = rnd.choice(texts)
            marker = "\x00MARK\x00"
            raw = dumps(set_at(study, path, value[:2] + marker + value[2:]))
            raw = raw.replace(b"\\u0000MARK\\u0000", b"\xff\xfe", 1)
            return Mutation(study, "bad-utf8", path, expect_pointer=pointer(path), raw=raw)
    fields = [(p, v) for p, v in read_fields(study) if v is not None]
    path, value = rnd.choice(fields)
    new = odd_values(value, rnd)
    odd = not shape_ok(new, read_schema()[generic(path)])
    if isinstance(path[-1], int) and new is None:
        odd = True  # a null inside a list
    return Mutation(
        set_at(study, path, new),
        "one-odd-field",
        path,
        expect_pointer=pointer(path) if odd else None,
    )


# --- running a batch and its invariants ---------------------------------------------------------------


@dataclass
class Stats:
    cases: Counter[str] = field(default_factory=Counter)
    records: int = 0
    checked: int = 0
    read_errors: int = 0
    shape_findings: int = 0

    def add(self, other: Stats) -> None:
        self.cases.update(other.cases)
        self.records += other.records
        self.checked += other.checked
        self.read_errors += other.read_errors
        self.shape_findings += other.shape_findings


def finding_keys(frame: Any, rid: str) -> list[tuple[str, str, str]]:
    sub = frame[frame["record_id"] == rid]
    return sorted(zip(sub["rule"], sub["field"].fillna(""), sub["message"], strict=True))


_CLEAN: dict[str, dict[str, list[tuple[str, str, str]]]] = {}


def clean_findings(*paths: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Findings of unmutated corpus files (record id -> keys), each file checked once."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    todo = [p for p in paths if str(p) not in _CLEAN]
    if todo:
        found = check_files(todo)
        per: dict[str, dict[str, list[tuple[str, str, str]]]] = {str(p): {} for p in todo}
        for rid, src in zip(found.records["record_id"], found.records["source_path"], strict=True):
            per.setdefault(str(src), {})[str(rid)] = finding_keys(found.frame, str(rid))
        _CLEAN.update(per)
    for p in paths:
        out.update(_CLEAN[str(p)])
    return out


def check_files(paths: list[Path]) -> Any:
    import trialint

    return trialint.check([str(p) for p in paths], config=False)


def records_per_file(findings: Any) -> Counter[str]:
    return Counter(str(p) for p in findings.records["source_path"])


def read_errors_per_file(findings: Any) -> Counter[str]:
    f = findings.frame
    errs = f[f["rule"] == "read-error"]
    return Counter(str(p).split("!", 1)[0] for p in errs["source_path"])


def assert_no_internal_errors(findings: Any) -> None:
    f = findings.frame
    bad = f[f["message"].str.contains("internal error", regex=False)]
    assert bad.empty, bad["message"].tolist()


def run_json_batch(
    mutations: list[Mutation],
    neighbours: list[dict[str, Any]],
    folder: Path,
    clean: dict[str, list[tuple[str, str, str]]],
) -> Stats:
    """Mutated records interleaved with untouched neighbours in one NDJSON file, checked in one
    in-process run. Invariants: every record in is checked (none lost, no read error for a
    record that is JSON), each odd field is a schema-field-shape finding at its JSON pointer,
    a record whose change keeps it the same keeps its findings, neighbours keep theirs."""
    lines: list[bytes] = []
    order: list[tuple[str, Mutation | None, dict[str, Any]]] = []
    for i, m in enumerate(mutations):
        lines.append(m.raw if m.raw is not None else dumps(m.study))
        order.append(("m", m, m.study))
        if i < len(neighbours):
            lines.append(dumps(neighbours[i]))
            order.append(("n", None, neighbours[i]))
    p = folder / "batch.ndjson"
    p.write_bytes(b"\n".join(lines) + b"\n")
    found = check_files([p])
    assert_no_internal_errors(found)
    f = found.frame
    errors = f[f["rule"] == "read-error"]
    assert errors.empty, errors[["source_line", "message"]].to_string()
    ids = [str(r) for r in found.records["record_id"]]
    assert len(ids) == len(lines), (len(ids), len(lines))
    stats = Stats(records=len(lines), checked=len(ids))
    shape = f[f["rule"] == "schema-field-shape"]
    for (role, m, study), rid in zip(order, ids, strict=True):
        original = m.original_id if m is not None else nct_of(study)
        if role == "n" or (m is not None and m.same_findings):
            assert rid == original
            assert finding_keys(f, rid) == clean[original], (role, m.kind if m else "", rid)
        if m is None:
            continue
        stats.cases[f"json:{m.kind}"] += 1
        if m.expect_pointer is not None:
            ptrs = shape.loc[shape["record_id"] == rid, "source_pointer"].fillna("").tolist()
            want = m.expect_pointer
            assert any(x == want or x.startswith(want + "/") for x in ptrs), (
                m.kind,
                rid,
                want,
                ptrs,
            )
            stats.shape_findings += 1
    return stats


def write_json_file_variants(
    studies: list[dict[str, Any]], folder: Path, rnd: random.Random
) -> Iterator[tuple[str, Path, int, bool]]:
    """Whole-file changes that must lose nothing: (kind, path, records, whole) where ``whole``
    says every record must be checked with its clean findings (else: a prefix, plus a read
    error with its line)."""
    body = b"\n".join(dumps(s) for s in studies) + b"\n"
    n = len(studies)
    p = folder / "bom.ndjson"
    p.write_bytes(b"\xef\xbb\xbf" + body)
    yield "bom-ndjson", p, n, True
    p = folder / "bom-array.json"
    p.write_bytes(b"\xef\xbb\xbf[" + b",\n".join(dumps(s) for s in studies) + b"]")
    yield "bom-json", p, n, True
    p = folder / "crlf.ndjson"
    p.write_bytes(body.replace(b"\n", b"\r\n"))
    yield "crlf-ndjson", p, n, True
    p = folder / "utf16.json"
    p.write_bytes(("[" + ",".join(json.dumps(s) for s in studies) + "]").encode("utf-16"))
    yield "utf16-json", p, n, True
    p = folder / "page.json"
    p.write_bytes(json.dumps({"studies": studies, "nextPageToken": "x"}).encode())
    yield "api-page", p, n, True
    cut = rnd.randrange(len(body) // 4, len(body) - 2)
    p = folder / "cut.ndjson"
    p.write_bytes(body[:cut])
    yield "truncated-ndjson", p, sum(1 for x in body[:cut].split(b"\n") if x.strip()), False
    parts = [dumps(s) for s in studies]
    array = b"[\n" + b",\n".join(parts) + b"\n]"
    cut = rnd.randrange(3, len(array) - 2)
    ends, at = [], 2
    for part in parts:
        at += len(part)
        ends.append(at)
        at += 2
    p = folder / "cut-array.json"
    p.write_bytes(array[:cut])
    yield "truncated-array", p, sum(1 for e in ends if e <= cut), False
    gz = gzip.compress(body)
    p = folder / "cut.ndjson.gz"
    p.write_bytes(gz[: rnd.randrange(len(gz) // 3, len(gz) - 1)])
    yield "truncated-gzip", p, -1, False
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for s in studies:
            zf.writestr(f"{nct_of(s)}.json", dumps(s))
    data = bytearray(buf.getvalue())
    victim = rnd.randrange(len(studies))
    name = f"{nct_of(studies[victim])}.json".encode()
    at = data.find(name)  # the victim's name in its local header
    start = at + len(name)
    for k in range(start + 2, min(start + 40, len(data))):
        data[k] = rnd.randrange(256)
    p = folder / "damaged.zip"
    p.write_bytes(bytes(data))
    yield "damaged-zip", p, n, False


def _of_file(found: Any, p: Path) -> tuple[list[str], Any]:
    """(record ids, read-error rows) of one input file (zip members included) of a run."""
    f = found.frame
    src = found.records["source_path"].astype(str)
    mine = (src == str(p)) | src.str.startswith(str(p) + "!")
    ids = [str(r) for r in found.records.loc[mine, "record_id"]]
    esrc = f["source_path"].astype(str)
    errors = f[(f["rule"] == "read-error") & ((esrc == str(p)) | esrc.str.startswith(str(p) + "!"))]
    return ids, errors


def check_file_variants(
    variants: list[tuple[str, Path, int, bool]],
    studies: list[dict[str, Any]],
    clean: dict[str, list[tuple[str, str, str]]],
) -> Stats:
    """All the variants of one set of records in one run, judged file by file."""
    found = check_files([p for _k, p, _n, _w in variants])
    assert_no_internal_errors(found)
    f = found.frame
    want = [nct_of(s) for s in studies]
    stats = Stats()
    for kind, p, n_in, whole in variants:
        ids, errors = _of_file(found, p)
        stats.records += max(n_in, 0)
        stats.checked += len(ids)
        stats.read_errors += len(errors)
        stats.cases[f"file:{kind}"] += 1
        if whole:
            assert ids == want, kind
            assert errors.empty, errors["message"].tolist()
        elif kind == "damaged-zip":
            # every member but the damaged one is read; it is read or a read error naming it
            assert len(ids) + len(errors) >= len(want) and len(ids) >= len(want) - 1
            assert set(ids) <= set(want)
        else:
            assert ids == want[: len(ids)], kind  # what comes before the damage, in order
            assert len(errors) >= 1 and errors["source_line"].notna().all(), kind
            if kind == "truncated-array":  # every item that is there whole is read
                assert len(ids) == n_in, (kind, len(ids), n_in)
            elif n_in >= 0:
                assert len(ids) + len(errors) == n_in, (kind, len(ids), len(errors), n_in)
        # every record read keeps the findings of the clean record
        src = f["source_path"].astype(
            str
        )  # this file or its members, not cut.ndjson.gz for cut.ndjson
        sub = f[(src == str(p)) | src.str.startswith(str(p) + "!")]
        sub = sub[sub["rule"] != "read-error"]
        for rid in ids:
            assert finding_keys(sub, rid) == clean[rid], (kind, rid)
    return stats


# --- legacy XML ------------------------------------------------------------------------------------

_XML_TEXT_ELEMENT = re.compile(
    rb"<(brief_title|official_title|condition|keyword|measure|time_frame|description|enrollment|phase|overall_status|start_date|criteria)\b[^>]*>"
)


def mutate_xml(data: bytes, rnd: random.Random) -> tuple[str, bytes, bool]:
    """(kind, bytes, must_read): one odd thing in one real XML record; ``must_read`` when the
    record must still be read (else a read error is right: the XML is not well-formed)."""
    hits = list(_XML_TEXT_ELEMENT.finditer(data))
    m = rnd.choice(hits) if hits else None
    roll = rnd.random()
    if roll < 0.1:
        return (
            "declared-encoding",
            _reencode(data, rnd.choice(["Shift_JIS", "windows-1252", "UTF-16", "ISO-8859-1"])),
            True,
        )
    if roll < 0.18:
        licence = b"<!-- " + b"licence text " * rnd.randrange(300, 3000) + b"-->\n"
        return (
            "long-prolog",
            data.replace(b"<clinical_study>", licence + b"<clinical_study>", 1),
            True,
        )
    if roll < 0.24:
        return (
            "default-namespace",
            data.replace(b"<clinical_study>", b'<clinical_study xmlns="urn:x-ctgov">', 1),
            True,
        )
    if roll < 0.30:
        return "bom-crlf", b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), True
    if roll < 0.36:
        cut = rnd.randrange(len(data) // 3, len(data) - 20)
        return "truncated", data[:cut], False
    if roll < 0.42:
        bomb = (
            b'<!DOCTYPE clinical_study [<!ENTITY a "'
            + b"x" * 500
            + b'"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        )
        body = data.split(b"?>", 1)[-1] if data.startswith(b"<?xml") else data
        return (
            "entity-bomb",
            b'<?xml version="1.0"?>\n'
            + bomb
            + body.replace(b"<brief_title>", b"<brief_title>&b;", 1),
            False,
        )
    if m is None:
        return "unchanged", data, True
    at = m.end()
    roll = rnd.random()
    if roll < 0.2:
        return "nested-markup", data[:at] + b"<b>bold <i>and</i></b> " + data[at:], True
    if roll < 0.35:
        return (
            "deep-nesting",
            data[:at] + b"<x>" * 3000 + b"deep" + b"</x>" * 3000 + data[at:],
            True,
        )
    if roll < 0.5:
        return "bad-bytes", data[:at] + b"\xff\xfe\x80" + data[at:], True
    if roll < 0.6:
        return "cdata", data[:at] + b"<![CDATA[ <a & b> ]]>" + data[at:], True
    if roll < 0.7:
        return (
            "non-number",
            data.replace(b'<enrollment type="Actual">', b'<enrollment type="Actual">about ', 1),
            True,
        )
    if roll < 0.8:
        return "undefined-entity", data[:at] + b"&nbsp;" + data[at:], False
    if roll < 0.9:
        return "huge-text", data[:at] + b"long " * rnd.randrange(30_000, 250_000) + data[at:], True
    tag = m.group(1)
    return (
        "duplicate-element",
        data[:at] + data[m.start() : m.end()] + b"again</" + tag + b">" + data[at:],
        True,
    )


def _reencode(data: bytes, enc: str) -> bytes:
    text = data.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{enc}"', 1)
    return text.encode(enc, "replace") if enc != "UTF-16" else text.encode("utf-16")


def run_xml_batch(cases: list[tuple[str, bytes, bool, str, Path]], folder: Path) -> Stats:
    """XML files, each with one odd thing (or none: a neighbour), checked in one run: a record
    that must be read is read (with its NCT id), any other is exactly one read error naming
    the file; no file is lost, none gives more than one record; neighbours keep their
    findings. ``cases``: (kind, bytes, must be read, NCT id, the corpus file it came from)."""
    paths = []
    for i, (_kind, data, _must, _nct, _src) in enumerate(cases):
        p = folder / f"x{i:04d}.xml"
        p.write_bytes(data)
        paths.append(p)
    found = check_files(paths)
    assert_no_internal_errors(found)
    per_file = records_per_file(found)
    errs = read_errors_per_file(found)
    clean = clean_findings(*[src for kind, _d, _m, _n, src in cases if kind == "neighbour"])
    stats = Stats(records=len(cases))
    for p, (kind, _data, must, nct, _src) in zip(paths, cases, strict=True):
        stats.cases[f"xml:{kind}"] += 1
        n, e = per_file.get(str(p), 0), errs.get(str(p), 0)
        assert n + e >= 1 and n <= 1, (kind, n, e)  # in = checked + read errors
        if must:
            assert n == 1, (kind, p, e)
            rec = found.records[found.records["source_path"] == str(p)]
            assert rec["record_id"].iloc[0] == nct, kind
        if kind == "neighbour":
            assert e == 0 and finding_keys(found.frame, nct) == clean[nct]
        stats.checked += n
        stats.read_errors += e
    return stats


# --- site CSV -------------------------------------------------------------------------------------


def csv_rows(p: Path) -> list[list[str]]:
    text = p.read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def mutate_csv(rows: list[list[str]], rnd: random.Random) -> tuple[str, str, set[int]]:
    """(kind, text, touched rows): a site CSV with stray quotes, CR/CRLF, a BOM, odd cells.
    ``touched``: data rows (0-based) whose findings may change."""
    header, body = rows[0], rows[1:]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    text = out.getvalue()
    roll = rnd.random()
    if roll < 0.15:
        return "bom-crlf", "\ufeff" + text.replace("\n", "\r\n"), set()
    if roll < 0.25:
        return "lone-cr", text.replace("\r\n", "\n").replace("\n", "\r"), set()
    # a stray quote at the start of one cell (often the last) of one row
    r = rnd.randrange(len(body))
    c = len(header) - 1 if rnd.random() < 0.6 else rnd.randrange(len(header))
    pieces = io.StringIO()
    w = csv.writer(pieces, lineterminator="\n")
    w.writerow(header)
    lines = [pieces.getvalue()]
    for i, row in enumerate(body):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(row)
        line = buf.getvalue()
        if i == r:
            cells = _split_top(line.rstrip("\n"))
            if c < len(cells) and not cells[c].startswith('"'):
                cells[c] = '"' + cells[c]
                line = ",".join(cells) + "\n"
        lines.append(line)
    return "stray-quote", "".join(lines), {r}


def _split_top(line: str) -> list[str]:
    """Split one CSV line at its top-level commas (quoted cells kept whole)."""
    cells, cur, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    cells.append("".join(cur))
    return cells


def run_csv_cases(
    cases: list[tuple[str, str, Path, list[list[str]], set[int]]], folder: Path
) -> Stats:
    """No row lost silently: every data row is checked or a read error (with its record id),
    and the rows not touched keep their findings. One run for all the cases."""
    paths = []
    for i, (_kind, text, _src, _rows, _touched) in enumerate(cases):
        p = folder / f"export{i}.csv"
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    found = check_files(paths)
    assert_no_internal_errors(found)
    f = found.frame
    clean_findings(*{src for _k, _t, src, _r, _x in cases})  # the clean runs, in one go
    stats = Stats()
    for p, (kind, _text, source, rows, touched) in zip(paths, cases, strict=True):
        ids, errors = _of_file(found, p)
        n_rows = sum(1 for r in rows[1:] if any(c.strip() for c in r))
        stats.records += n_rows
        stats.checked += len(ids)
        stats.read_errors += len(errors)
        stats.cases[f"csv:{kind}"] += 1
        assert len(ids) + len(errors) == n_rows, (kind, len(ids), len(errors), n_rows)
        assert errors["source_line"].notna().all()
        nct_col = [h.strip().lower() for h in rows[0]].index("nct number")
        clean = clean_findings(source)
        everywhere = Counter(str(r) for r in found.records["record_id"])
        for i, row in enumerate(rows[1:]):
            if i in touched or not any(c.strip() for c in row):
                continue
            rid = row[nct_col].strip()
            if rid in clean and ids.count(rid) == 1 and everywhere[rid] == 1:
                assert finding_keys(f, rid) == clean[rid], (kind, rid)
    return stats


# --- the plain-text layout -----------------------------------------------------------------------


def mutate_text(data: bytes, rnd: random.Random) -> tuple[str, bytes, bool, bool]:
    """(kind, bytes, must be read, same findings as the original)."""
    roll = rnd.random()
    if roll < 0.2:
        return "crlf", data.replace(b"\n", b"\r\n"), True, True
    if roll < 0.35:
        return "cr", data.replace(b"\n", b"\r"), True, True
    if roll < 0.45:
        return "bom", b"\xef\xbb\xbf" + data, True, True
    lines = data.split(b"\n")
    if roll < 0.65:
        extra = [
            b"A summary line, number %d, of a long summary." % i
            for i in range(rnd.randrange(60, 400))
        ]
        return "long-summary", b"\n".join([lines[0], *extra, *lines[1:]]), True, False
    if roll < 0.8:
        at = rnd.randrange(1, len(lines))
        return (
            "huge-line",
            b"\n".join([*lines[:at], b"words " * rnd.randrange(20_000, 200_000), *lines[at:]]),
            False,
            False,
        )
    cut = rnd.randrange(1, len(data))
    return "truncated", data[:cut], False, False


def run_text_cases(cases: list[tuple[str, bytes, bool, bool, Path]], folder: Path) -> Stats:
    """Each case one file: one record or one read error; a case that must be read is read, and
    one whose change keeps the record (CR, CRLF, a BOM) keeps its findings."""
    paths = []
    for i, (_kind, data, _must, _same, _src) in enumerate(cases):
        p = folder / f"record{i}.txt"
        p.write_bytes(data)
        paths.append(p)
    found = check_files(paths)
    assert_no_internal_errors(found)
    clean_findings(*{src for *_x, src in cases})
    stats = Stats()
    for p, (kind, _data, must, same, _src) in zip(paths, cases, strict=True):
        ids, errors = _of_file(found, p)
        n, e = len(ids), len(errors)
        stats.records += 1
        stats.checked += n
        stats.read_errors += e
        stats.cases[f"text:{kind}"] += 1
        # a cut that leaves no trial id and no export layout is not a record any more: it is
        # skipped with a note naming the file (as every non-record file is), never silently
        skipped = [x for x in found.skipped if x["path"] == str(p)]
        assert n + e + len(skipped) >= 1 and n <= 1, (kind, n, e, skipped)
        if skipped:
            assert kind == "truncated" and str(p) in skipped[0]["path"], (kind, skipped)
            assert "not a registry record" in skipped[0]["reason"]
        if must:
            assert n == 1 and e == 0, kind
        if same:
            sub = found.frame[found.frame["source_path"].astype(str) == str(p)]
            (want,) = _CLEAN[str(_src)].values()  # the one record of the original file
            assert finding_keys(sub, ids[0]) == want, kind
    return stats


# --- archives and hostile containers -------------------------------------------------------------


def zip_of(members: dict[str, bytes], encrypted: set[str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    for name in encrypted or ():
        enc = name.encode()
        for sig, flag_at, name_off in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
            at = 0
            while (at := raw.find(sig, at)) >= 0:
                if raw[at + name_off : at + name_off + len(enc)] == enc:
                    raw[at + flag_at] |= 0x01
                at += 4
    return bytes(raw)


def archive_cases(
    studies: list[dict[str, Any]], rnd: random.Random
) -> list[tuple[str, str, bytes, set[str]]]:
    """(kind, file name, bytes, NCT ids that must be read with their clean findings)."""
    ids = [nct_of(s) for s in studies]
    members = {f"{i}.json": dumps(s) for i, s in zip(ids, studies, strict=True)}
    out: list[tuple[str, str, bytes, set[str]]] = []
    bad = rnd.choice(ids)
    data = bytearray(zip_of(members))
    at = data.find(f"{bad}.json".encode()) + len(bad) + 5
    for k in range(at + 4, min(at + 30, len(data))):
        data[k] ^= rnd.randrange(1, 256)
    out.append(("zip-corrupt-member", "a.zip", bytes(data), set(ids) - {bad}))
    enc = rnd.choice(ids)
    out.append(
        ("zip-encrypted-member", "b.zip", zip_of(members, {f"{enc}.json"}), set(ids) - {enc})
    )
    whole = zip_of(members)
    out.append(("zip-truncated", "c.zip", whole[: rnd.randrange(10, len(whole) - 10)], set()))
    size = rnd.choice([40, 120]) * 2**20  # 40 MB of zeros: ~40 KB, a ratio of 1,000
    out.append(("gzip-bomb", "d.ndjson.gz", gzip.compress(b"\0" * size, 9), set()))
    out.append(("zip-bomb", "e.zip", zip_of({"big.json": b"[" + b" " * size + b"]"}), set()))
    nested = zip_of({"n.zip": zip_of({"m.zip": zip_of(members)})})
    out.append(("zip-nested-3", "f.zip", nested, set()))
    out.append(("zip-nested-2", "g.zip", zip_of({"n.zip": zip_of(members)}), set(ids)))
    body = b"\n".join(dumps(s) for s in studies) + b"\n"
    gz = gzip.compress(body)
    out.append(("json-gz-no-trailer", "h.ndjson.gz", gz[:-8], set(ids)))
    out.append(("gzip-garbage", "i.json.gz", bytes(rnd.randrange(256) for _ in range(200)), set()))
    return out


def run_archive_cases(
    cases: list[tuple[str, str, bytes, set[str]]],
    folder: Path,
    clean: dict[str, list[tuple[str, str, str]]],
) -> Stats:
    paths = []
    for _kind, name, data, _must in cases:
        p = folder / name
        p.write_bytes(data)
        paths.append(p)
    found = check_files(paths)
    assert_no_internal_errors(found)
    stats = Stats()
    for p, (kind, _name, _data, must) in zip(paths, cases, strict=True):
        ids, errors = _of_file(found, p)
        stats.checked += len(ids)
        stats.read_errors += len(errors)
        stats.cases[f"archive:{kind}"] += 1
        assert must <= set(ids), (kind, must - set(ids))
        for rid in must:
            sub = found.frame[found.frame["source_path"].astype(str).str.startswith(str(p))]
            assert finding_keys(sub, rid) == clean[rid], (kind, rid)
        if kind.endswith("bomb"):
            assert not ids and errors["message"].str.contains("decompression bomb").all(), kind
        if not must:
            assert len(errors) >= 1, kind  # never a silent nothing
    return stats


# --- configs, baselines, rule files ----------------------------------------------------------------

_CONFIG = """[tool.trialint]
select = ["ALL"]
ignore = ["clarity"]
fail-on = "error"
severity = { "endpoint-not-defined" = "warning" }

[tool.trialint.per-path-ignores]
"drafts/*" = ["schema-length"]

[[tool.trialint.exemptions]]
rule = "randomization-in-single-arm"
records = ["NCT01234567"]
reason = "randomization refers to the parent trial"
"""


def mutate_bytes(data: bytes, rnd: random.Random) -> tuple[str, bytes]:
    roll = rnd.random()
    if roll < 0.15:
        at = rnd.randrange(len(data))
        return "byte-flip", data[:at] + bytes([rnd.randrange(256)]) + data[at + 1 :]
    if roll < 0.3:
        return "truncated", data[: rnd.randrange(len(data))]
    if roll < 0.45:
        at = rnd.randrange(len(data))
        depth = rnd.choice([50, 500, 5000])
        return "deep", data[:at] + b"[" * depth + b"]" * depth + data[at:]
    if roll < 0.55:
        at = rnd.randrange(len(data))
        return "not-utf8", data[:at] + b"\xff\xfe\xc3" + data[at:]
    if roll < 0.7:
        return "huge-number", re.sub(rb"\b[0-9]+\b", b"1e400", data, count=1) if re.search(
            rb"\b[0-9]+\b", data
        ) else data + b"\n1e400"
    if roll < 0.85:
        # a value of another type: a list, a table, a number
        new = rnd.choice([b"[1, 2]", b"{}", b"12", b'["a", ["b"]]', b"true"])
        return "value-type", re.sub(rb'"[^"\n]*"', new, data, count=rnd.randrange(1, 4))
    return "bom-crlf", b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")


def run_config_case(what: str, kind: str, data: bytes, folder: Path) -> Stats:
    """Loading a broken config, baseline or rule file gives a clean error naming the file (exit
    2 in the CLI) or loads: never another exception."""
    from trialint.baseline import Baseline
    from trialint.config import read_config_file
    from trialint.errors import TrialintError
    from trialint.rules import load_rule_file

    name = {"config": "pyproject.toml", "baseline": "baseline.json", "rule": "rule.yaml"}[what]
    p = folder / name
    p.write_bytes(data)
    stats = Stats()
    stats.cases[f"{what}:{kind}"] += 1
    try:
        if what == "config":
            read_config_file(p)
        elif what == "baseline":
            Baseline.load(p)
        else:
            load_rule_file(p)
    except TrialintError as e:
        assert str(e).startswith(str(p)), str(e)
        assert "\n" not in str(e).strip()
        stats.read_errors += 1
    return stats
