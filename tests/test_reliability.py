"""Issue 12's promises, one test (or more) per row: no traceback and no exit 1 for a crash, no
record lost to one odd field, nothing lost silently, a damaged file gives what it holds, XML
without entity expansion, bounded inputs, atomic outputs, deterministic reports.
(The fuzz suite, tests/test_fuzz.py, tries the same promises on generated inputs.)"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from trialint.frames import MAX_TEXT_CHARS, RecordSet
from trialint.read import read_bytes, read_paths
from trialint.read.limits import MAX_RATIO

NDJSON = CORPUS / "ctgov_v2_json" / "studies.ndjson"
XML_DIR = CORPUS / "ctgov_xml"
XML_ONE = XML_DIR / "NCT00000102.xml"


def run(*args: str, input: str | None = None):
    from trialint.cli import main

    return CliRunner().invoke(main, list(args), input=input)


def _lines(n: int) -> list[bytes]:
    out = []
    with NDJSON.open("rb") as fh:
        for line in fh:
            out.append(line.rstrip(b"\n"))
            if len(out) == n:
                break
    return out


def _read(data: bytes, name: str) -> RecordSet:
    return RecordSet.concat(read_bytes(data, name))


def _one_line(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


# --- never a traceback; a crash is never exit 1 ---------------------------------------------------


def test_record_nested_1000_deep_in_an_unread_field_is_read(tmp_path):
    line = _lines(1)[0]
    deep = line[:-1] + b',"derivedSection":' + b"[" * 5000 + b"]" * 5000 + b"}"
    p = tmp_path / "deep.ndjson"
    p.write_bytes(deep + b"\n" + _lines(2)[1] + b"\n")
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 2 and not rs.errors and rs.issues.empty
    result = run("check", str(p), "-q", "--isolated")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_value_nested_too_deep_in_a_read_field_is_a_finding_not_a_lost_record():
    line = _lines(1)[0]
    deep = line.replace(
        b'"briefTitle":', b'"briefTitle":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b',"x":', 1
    )
    rs = _read(deep, "d.ndjson")
    assert len(rs) == 1 and not rs.errors
    assert list(rs.issues["field"]) == ["identificationModule.briefTitle"]


def test_xml_in_shift_jis_and_other_declared_encodings_is_read():
    good = XML_ONE.read_bytes()
    for enc in ("Shift_JIS", "EUC-JP", "windows-1252", "ISO-8859-15"):
        title = "日本語の試験" if "J" in enc else "Étude café"
        data = (
            good.decode("utf-8")
            .replace('encoding="UTF-8"', f'encoding="{enc}"')
            .replace("<brief_title>", f"<brief_title>{title} ", 1)
            .encode(enc)
        )
        rs = _read(data, "x.xml")
        assert len(rs) == 1 and not rs.errors, enc
        assert rs.studies["brief_title"].iloc[0].startswith(title), enc


def test_xml_with_an_unknown_encoding_is_a_read_error_naming_the_record():
    data = XML_ONE.read_bytes().replace(b'encoding="UTF-8"', b'encoding="x-no-such-codec"')
    rs = _read(data, "x.xml")
    assert len(rs) == 0 and len(rs.errors) == 1
    assert "x-no-such-codec" in rs.errors[0]["reason"]
    assert rs.errors[0]["record_id"] == "NCT00000102"


def _zip(members: dict[str, bytes], encrypt: set[str] = frozenset()) -> bytes:  # type: ignore[assignment]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    for name in encrypt:  # set the "encrypted" flag bit in both headers
        enc = name.encode()
        for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = 0
            while (at := raw.find(sig, at)) >= 0:
                name_at = at + (30 if sig == b"PK\x03\x04" else 46)
                if raw[name_at : name_at + len(enc)] == enc:
                    raw[at + flag_at] |= 0x01
                at += 4
    return bytes(raw)


def test_zip_with_a_corrupt_and_an_encrypted_member_reads_the_others(tmp_path):
    lines = _lines(3)
    data = bytearray(
        _zip({"a.json": lines[0], "b.json": lines[1], "c.json": lines[2]}, encrypt={"c.json"})
    )
    # damage b.json's compressed bytes (after its local header and name)
    at = data.find(b"PK\x03\x04", data.find(b"b.json") - 40)
    start = at + 30 + len(b"b.json")
    data[start + 5 : start + 25] = b"\x00" * 20
    p = tmp_path / "ctg-studies.json.zip"
    p.write_bytes(bytes(data))
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 1 and rs.sources["path"].iloc[0].endswith("!a.json")
    errors = {e["path"].rsplit("!", 1)[-1]: e["reason"] for e in rs.errors}
    assert set(errors) == {"b.json", "c.json"}
    assert "damaged" in errors["b.json"] and "encrypted" in errors["c.json"]
    result = run("check", str(p), "-q", "--isolated")
    # the readable member is checked; the unreadable ones make the run exit 2 (issue 11)
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("trialint.toml", "select = " + "[" * 3000 + "]" * 3000 + "\n", "trialint.toml:1:"),
        (
            "pyproject.toml",
            "[tool.trialint]\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
            "pyproject.toml:2:",
        ),
    ],
)
def test_config_nested_thousands_deep_exits_2_with_file_and_line(tmp_path, name, text, expect):
    (tmp_path / name).write_text(text)
    (tmp_path / "r.json").write_bytes(_lines(1)[0])
    result = run("check", str(tmp_path / "r.json"), "--config", str(tmp_path / name))
    assert result.exit_code == 2 and expect in result.output
    _one_line(result)


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b'{"trialint-baseline": 1, "records": ' + b"[" * 5000 + b"]" * 5000 + b"}", "bl.json:1:"),
        (
            b'{"trialint-baseline": 1, "records": {"NCT00000410": [\n'
            b'  {"rule": "x", "field": "", "hash": "abc", "count": 1e400}\n]}}\n',
            "bl.json:2:",
        ),
        (b'{"trialint-baseline": 1,\n "records": {"\xff\xfe": []}}', "bl.json:2:"),
    ],
)
def test_broken_baselines_exit_2_with_file_and_line(tmp_path, content, expect):
    (tmp_path / "bl.json").write_bytes(content)
    (tmp_path / "r.json").write_bytes(_lines(1)[0])
    result = run(
        "check", str(tmp_path / "r.json"), "--isolated", "--baseline", str(tmp_path / "bl.json")
    )
    assert result.exit_code == 2 and expect in result.output, result.output
    _one_line(result)


def _rule_file(tmp_path: Path, body: bytes) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "r.yaml").write_bytes(body)
    (tmp_path / "trialint.toml").write_text('extend-checks = ["rules"]\n')
    return folder / "r.yaml"


_RULE = (
    "id: my-rule\nseverity: error\nsummary: x\nwhy: x\nfix: x\nkind: {kind}\n"
    "params: {{frames: [studies], checks: [isin]}}\n"
    "examples: {{flag: [{{record: {{}}}}], pass: [{{record: {{}}}}]}}\n"
)


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        (_RULE.format(kind="[schema, other]").encode(), "r.yaml:6: `kind` must be a text"),
        (b"id: my-rule\nsummary: caf\xe9\n", "r.yaml:2: rule file is not UTF-8"),
        (b"id: my-rule\nsummary: a\x12b\n", "r.yaml:2:11: invalid YAML: character U+0012"),
        (("id: x\nsummary: " + "[" * 3000 + "]" * 3000 + "\n").encode(), "r.yaml:2:"),
        (
            (
                'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                + "".join(
                    f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]\n"
                    for i in range(1, 9)
                )
            ).encode(),
            "aliases expand to more than",
        ),
    ],
)
def test_broken_rule_files_exit_2_with_file_and_line(tmp_path, monkeypatch, body, expect):
    _rule_file(tmp_path, body)
    (tmp_path / "r.json").write_bytes(_lines(1)[0])
    monkeypatch.chdir(tmp_path)
    result = run("check", "r.json")
    assert result.exit_code == 2 and expect in result.output, result.output
    _one_line(result)


def test_internal_error_exits_2_in_one_line_naming_the_input_and_debug_shows_it(
    tmp_path, monkeypatch
):
    p = tmp_path / "r.ndjson"
    p.write_bytes(b"\n".join(_lines(2)) + b"\n")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    monkeypatch.setattr("trialint.engine.run_rule", boom)
    result = run("check", str(p), "--isolated", "-q")
    assert result.exit_code == 2
    _one_line(result)
    assert str(p) in result.output and "internal error" in result.output
    assert "RuntimeError: a bug" in result.output
    debug = run("--debug", "check", str(p), "--isolated", "-q")
    assert debug.exit_code == 2 and "Traceback" in debug.output and "boom" in debug.output


def test_internal_error_while_reading_names_the_file(tmp_path, monkeypatch):
    p = tmp_path / "r.ndjson"
    p.write_bytes(_lines(1)[0] + b"\n")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("unexpected")

    monkeypatch.setattr("trialint.read.ctgov_json.read_ndjson", boom)
    result = run("check", str(p), "--isolated", "-q")
    assert result.exit_code == 2 and f"{p}: internal error while reading" in result.output
    _one_line(result)


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _sigint_run(args: list[str], tmp_path: Path, delay: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialint", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
        # as a terminal starts a command: Ctrl-C not ignored. A test run started in the
        # background of a non-interactive shell (`cmd &`) hands SIGINT down ignored, and
        # trialint, like any program, keeps an ignored SIGINT ignored.
        preexec_fn=_sigint_default,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(("jobs", "delay"), [("1", 0.8), ("1", 5.0), ("2", 6.0)])
def test_ctrl_c_exits_130_without_traceback_and_leaves_no_partial_output(tmp_path, jobs, delay):
    """Ctrl-C while trialint is still loading (0.8 s), or well into reading and checking (the
    whole run takes far longer), in one process or with worker processes."""
    out = tmp_path / "out.json"
    out.write_text('{"previous": "report"}')
    done = _sigint_run(
        ["check", str(XML_DIR), "--isolated", "-q", "-j", jobs, "--format", "json", "-o", str(out)],
        tmp_path,
        delay,
    )
    assert done.returncode == 130, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "interrupted" in done.stderr
    assert out.read_text() == '{"previous": "report"}'
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- one odd field never loses a record ---------------------------------------------------------


def _odd_shapes(value):  # type: ignore[no-untyped-def]
    """Other real-world shapes of a value: list -> {} or a string, text -> a number,
    object -> a list of it or a string."""
    if isinstance(value, list):
        return [{}, "some text"]
    if isinstance(value, dict):
        return [[value, value], "some text"]
    if isinstance(value, str):
        return [12345]
    return [{"x": 1}]


def test_no_corpus_record_is_lost_to_one_odd_field():
    """Every API v2 record of the corpus, one field that trialint reads given another
    real-world shape: every record is read, none is a read error, and the odd field is
    reported at its JSON pointer (issue 14, part 3)."""
    import fuzzing as fz
    from trialint.frames import json_pointer
    from trialint.read.ctgov_json import canonical_field

    studies = fz.v2_studies()
    mutated, expected = [], []
    for n, study in enumerate(studies):
        fields = [(p, v) for p, v in fz.read_fields(study) if v is not None]
        path, value = fields[(n * 7919) % len(fields)]
        new = _odd_shapes(value)[n % len(_odd_shapes(value))]
        mutated.append(fz.dumps(fz.set_at(study, path, new)))
        odd = not fz.shape_ok(new, fz.read_schema()[fz.generic(path)])
        expected.append(fz.pointer(path) if odd else None)
    rs = _read(b"\n".join(mutated) + b"\n", "mutated.ndjson")
    assert not rs.errors
    assert len(rs) == len(studies) == 1919
    got: dict[str, list[str]] = {}
    for rid, fld in zip(rs.issues["record_id"], rs.issues["field"], strict=True):
        got.setdefault(rid, []).append(json_pointer(fld))
    assert sum(e is not None for e in expected) > 1700  # the others: a shape that field allows
    for rid, want in zip(rs.studies["record_id"], expected, strict=True):
        if want is not None:
            assert any(p == want or p.startswith(want + "/") for p in got.get(rid, ())), (
                rid,
                want,
                got.get(rid),
            )
    assert canonical_field("protocolSection.outcomesModule.primaryOutcomes[2].timeFrame") == (
        "outcomes[primary][2].time_frame"
    )


def test_odd_fields_in_legacy_xml_keep_the_record():
    good = XML_ONE.read_text()
    for odd in (
        good.replace('<enrollment type="Actual">', '<enrollment type="Actual">about ', 1),
        good.replace("<brief_title>", "<brief_title><b>bold</b> ", 1),
        good.replace("</brief_title>", "</brief_title><brief_title>again</brief_title>", 1),
        good.replace("<condition>", "<condition><![CDATA[<raw>]]> ", 1),
    ):
        rs = _read(odd.encode(), "x.xml")
        assert len(rs) == 1 and not rs.errors


def test_a_broken_json_line_is_a_read_error_with_the_record_id_and_a_column():
    line = _lines(1)[0]
    rs = _read(line[:-40] + b"\n" + _lines(2)[1] + b"\n", "x.ndjson")
    assert len(rs) == 1 and len(rs.errors) == 1
    err = rs.errors[0]
    assert (
        err["line"] == 1
        and err["record_id"] == json.loads(line)["protocolSection"]["identificationModule"]["nctId"]
    )


# --- nothing lost silently -----------------------------------------------------------------------


def test_stray_quote_in_the_last_csv_column_does_not_swallow_the_rows_below():
    text = (
        "NCT Number,Study Title,Conditions\n"
        "NCT00000001,Title one,Asthma\n"
        'NCT00000002,Title two,"Asthma\n'
        "NCT00000003,Title three,Diabetes\n"
        "NCT00000004,Title four,Flu\n"
    )
    rs = _read(text.encode(), "x.csv")
    assert list(rs.studies["record_id"]) == [f"NCT0000000{i}" for i in range(1, 5)]
    assert list(rs.terms["term"]) == ["Asthma", "Asthma", "Diabetes", "Flu"]
    assert list(rs.issues["record_id"]) == ["NCT00000002"]
    assert "never closed" in rs.issues["message"].iloc[0]


def test_stray_quote_mid_row_is_a_read_error_and_the_rows_below_are_read():
    text = (
        "NCT Number,Study Title,Conditions\n"
        "NCT00000001,Title one,Asthma\n"
        'NCT00000002,"Title two,Asthma\n'
        "NCT00000003,Title three,Diabetes\n"
    )
    rs = _read(text.encode(), "x.csv")
    assert list(rs.studies["record_id"]) == ["NCT00000001", "NCT00000003"]
    assert [e["record_id"] for e in rs.errors] == ["NCT00000002"]


def test_stray_quote_before_the_id_is_one_read_error_naming_the_record():
    # the quote opens the first cell, so the row's own quoted summary (with blank lines in it)
    # falls out of step: the lines after it are the rest of the same broken row, not rows
    text = (
        "NCT Number,Study Title,Brief Summary,Conditions\n"
        '"NCT00000002,Title two,"First paragraph.\n'
        "\n"
        'Second paragraph, with a comma.",Asthma\n'
        "NCT00000003,Title three,Summary three,Diabetes\n"
    )
    rs = _read(text.encode(), "x.csv")
    assert list(rs.studies["record_id"]) == ["NCT00000003"]
    assert [(e["record_id"], e["line"]) for e in rs.errors] == [("NCT00000002", 2)]


# --- a damaged file gives what it still holds ---------------------------------------------------


def test_a_json_array_cut_short_or_with_a_broken_item_gives_what_it_holds():
    lines = _lines(4)
    ids = [json.loads(x)["protocolSection"]["identificationModule"]["nctId"] for x in lines]
    cut = b"[\n" + b",\n".join(lines)[: -len(lines[3]) // 2]
    rs = _read(cut, "a.json")
    assert list(rs.studies["record_id"]) == ids[:3]
    (err,) = rs.errors
    assert err["pointer"] == "/3" and err["line"] == 5 and err["record_id"] == ids[3]
    assert "ends early" in err["reason"]
    broken = b"[" + b",".join([lines[0], b"{not json}", lines[2]]) + b"]"
    rs = _read(broken, "a.json")
    assert list(rs.studies["record_id"]) == [ids[0], ids[2]]
    assert [e["pointer"] for e in rs.errors] == ["/1"]
    page = b'{"studies": [' + b",".join(lines[:2])
    rs = _read(page, "page.json")
    assert list(rs.studies["record_id"]) == ids[:2] and len(rs.errors) == 1


def test_a_study_nested_too_deep_in_an_array_or_page_costs_only_that_field():
    lines = _lines(3)
    deep = lines[1][:-1] + b',"x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    for data in (
        b"[" + b",".join([lines[0], deep, lines[2]]) + b"]",
        b'{"studies": [' + b",".join([lines[0], deep, lines[2]]) + b"]}",
    ):
        rs = _read(data, "a.json")
        assert len(rs) == 3 and not rs.errors


@pytest.mark.parametrize("name", ["s.ndjson", "s.json"])
def test_utf8_bom_loses_nothing(tmp_path, name):
    lines = _lines(3)
    body = b"\n".join(lines) + b"\n" if name.endswith("ndjson") else b"[" + b",".join(lines) + b"]"
    p = tmp_path / name
    p.write_bytes(b"\xef\xbb\xbf" + body)
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 3 and not rs.errors
    rs16 = _read(body.decode().encode("utf-16"), name)
    assert len(rs16) == 3 and not rs16.errors


def test_truncated_gzip_gives_what_it_holds_and_an_error_with_its_place(tmp_path):
    lines = _lines(40)
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    cut = whole[: len(whole) * 2 // 3]
    p = tmp_path / "s.ndjson.gz"
    p.write_bytes(cut)
    streamed = RecordSet.concat(read_paths([p]))
    in_memory = _read(cut, "s.ndjson.gz")
    for rs in (streamed, in_memory):
        assert 10 < len(rs) < 40
        ids = list(rs.studies["record_id"])
        want = [json.loads(x)["protocolSection"]["identificationModule"]["nctId"] for x in lines]
        assert ids == want[: len(ids)]
        last = rs.errors[-1]
        assert last["line"] is not None and last["line"] >= len(ids)
        assert "ends early" in last["reason"]
    # without its 8-byte trailer only: every record is read, the missing trailer reported
    rs = _read(whole[:-8], "s.ndjson.gz")
    assert len(rs) == 40 and len(rs.errors) == 1


def test_xml_with_a_long_prolog_or_a_default_namespace_is_read():
    good = XML_ONE.read_bytes()
    licence = b"<!-- " + b"Licensed under the terms of a licence. " * 300 + b"-->\n"
    doctype = b'<!DOCTYPE clinical_study SYSTEM "public.dtd">\n'
    for data in (
        good.replace(b"<clinical_study>", licence + doctype + b"<clinical_study>", 1),
        good.replace(b"<clinical_study>", b'<clinical_study xmlns="urn:x-ctgov">', 1),
        good.replace(b"<clinical_study>", b'<ct:clinical_study xmlns:ct="urn:x">', 1).replace(
            b"</clinical_study>", b"</ct:clinical_study>"
        ),
    ):
        assert len(data) > 4096
        rs = _read(data, "x.xml")
        assert len(rs) == 1 and not rs.errors
        assert rs.studies["record_id"].iloc[0] == "NCT00000102"


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_text_layout_with_cr_or_crlf_and_a_long_summary_is_read(newline):
    seed = sorted(SEEDS.glob("*.txt"))[0]
    data = seed.read_bytes()
    base = _read(data, "s.txt")
    lines = data.split(b"\n")
    long = b"\n".join(
        [lines[0], *[b"Summary line %d of a long summary." % i for i in range(120)], *lines[1:]]
    )
    for d in (data, long):
        rs = _read(d.replace(b"\n", newline), "s.txt")
        assert len(rs) == 1 and not rs.errors
    rs = _read(data.replace(b"\n", newline), "s.txt")
    assert rs.sources.equals(base.sources) and rs.studies.equals(base.studies)


# --- XML without entity expansion ---------------------------------------------------------------


def test_xml_entity_declarations_are_refused():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE clinical_study [\n<!ENTITY a "'
        + b"x" * 1000
        + b'">\n'
        + b"".join(
            b'<!ENTITY %s "%s">\n' % (bytes([98 + i]), (b"&" + bytes([97 + i]) + b";") * 16)
            for i in range(6)
        )
        + b"]>\n<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        b"<brief_title>&g;</brief_title></clinical_study>"
    )
    assert len(bomb) < 16_000
    rs = _read(bomb, "bomb.xml")
    assert len(rs) == 0 and len(rs.errors) == 1
    assert "declares an entity" in rs.errors[0]["reason"]
    assert rs.errors[0]["record_id"] == "NCT00000001"
    external = (
        b'<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<clinical_study><brief_title>&x;</brief_title></clinical_study>"
    )
    rs = _read(external, "x.xml")
    assert len(rs) == 0 and "declares an entity" in rs.errors[0]["reason"]


# --- bounded time and memory --------------------------------------------------------------------


def test_a_10mb_field_is_cut_and_reported():
    line = json.loads(_lines(1)[0])
    line["protocolSection"]["descriptionModule"]["detailedDescription"] = "word " * 2_000_000
    rs = _read(json.dumps(line).encode(), "big.json")
    assert len(rs) == 1 and not rs.errors
    assert rs.studies["detailed_description"].str.len().iloc[0] == MAX_TEXT_CHARS
    assert list(rs.issues["field"]) == ["descriptionModule.detailedDescription"]
    assert "text of 10,000,000 characters" in rs.issues["message"].iloc[0]


def test_gzip_and_zip_bombs_are_refused():
    bomb = gzip.compress(b"\0" * (200 * 2**20))  # 200 MB of zeros in ~200 KB
    assert len(bomb) * MAX_RATIO < 200 * 2**20
    rs = _read(bomb, "bomb.ndjson.gz")
    assert len(rs) == 0 and "decompression bomb" in rs.errors[0]["reason"]
    zbomb = _zip({"a.json": b"{" + b" " * (200 * 2**20) + b"}"})
    rs = _read(zbomb, "bomb.zip")
    assert len(rs) == 0 and "decompression bomb" in rs.errors[0]["reason"]
    nested = _zip({"inner.zip": _zip({"a.zip": _zip({"b.json": _lines(1)[0]})})})
    rs = _read(nested, "nested.zip")
    assert len(rs) == 0 and "nested more than" in rs.errors[0]["reason"]


def test_streamed_gzip_bomb_is_stopped(tmp_path):
    p = tmp_path / "bomb.ndjson.gz"
    p.write_bytes(gzip.compress((b" " * 1023 + b"\n") * (200 * 1024)))
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 0 and "decompression bomb" in rs.errors[-1]["reason"]


def test_a_line_over_the_record_limit_is_skipped_with_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("trialint.read.MAX_RECORD_BYTES", 50_000)
    monkeypatch.setattr("trialint.read.ctgov_json.MAX_RECORD_BYTES", 50_000)
    lines = _lines(3)
    big = json.loads(lines[1])
    big["protocolSection"]["descriptionModule"]["briefSummary"] = "x" * 200_000
    p = tmp_path / "s.ndjson"
    p.write_bytes(b"\n".join([lines[0], json.dumps(big).encode(), lines[2]]) + b"\n")
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 2 and len(rs.errors) == 1
    assert (
        rs.errors[0]["line"] == 2
        and rs.errors[0]["record_id"] == big["protocolSection"]["identificationModule"]["nctId"]
    )


def test_span_index_finds_exactly_the_overlapping_spans():
    """The cycle-length scan's span index (non-overlapping matches, added in any order; linear
    scans of long texts) against brute force."""
    import random

    from trialint.kinds.cycle_length import _Spans

    rnd = random.Random(7)
    slots = list(range(0, 5000, 50))
    rnd.shuffle(slots)
    spans = _Spans()
    plain: list[tuple[int, int]] = []
    for s in slots:
        sp = (s + rnd.randrange(0, 10), s + 10 + rnd.randrange(0, 40))  # within its 50-char slot
        spans.add(sp)
        plain.append(sp)
        q = rnd.randrange(0, 5000)
        a = (q, q + rnd.randrange(0, 120))
        brute = sorted(e for s0, e in plain if a[0] < e and s0 < a[1])
        assert sorted(spans.hits(a)) == brute
        assert spans.overlaps(a) is bool(brute)


# --- outputs atomic -------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_output_and_no_temp_file(tmp_path, monkeypatch):
    from trialint import atomic

    target = tmp_path / "out.json"
    target.write_text("previous")

    class Full(OSError):
        pass

    def failing_fsync(fd: int) -> None:
        raise Full(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        atomic.write_text(target, "new content")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(target, "new content")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_ctrl_c_while_writing_the_report_keeps_the_previous_report(tmp_path, monkeypatch):
    from trialint import atomic

    rec = tmp_path / "r.json"
    rec.write_bytes(_lines(1)[0])
    report = tmp_path / "report.html"
    report.write_text("previous report")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    result = run("report", str(rec), "-o", str(report), "--isolated", "-q")
    assert result.exit_code == 130
    assert report.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "report.html"]


def test_write_keeps_permissions_and_writes_through_a_link(tmp_path):
    from trialint.atomic import write_text

    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{rec}", "-o", "{rec}"],
        ["check", "{rec}", "--write-baseline", "{rec}"],
        ["check", "{rec}", "--html", "{rec}"],
        ["report", "{rec}", "-o", "{rec}"],
        ["check", "{dir}", "-o", "{dir}/old-output.json"],
    ],
)
def test_an_output_that_is_an_input_is_refused(tmp_path, args):
    rec = tmp_path / "r.json"
    rec.write_bytes(_lines(1)[0])
    before = rec.read_bytes()
    (tmp_path / "old-output.json").write_text("{}")
    argv = [a.format(rec=rec, dir=tmp_path) for a in args]
    result = run(*argv, "--isolated", "-q")
    assert result.exit_code == 2, result.output
    _one_line(result)
    assert rec.read_bytes() == before
    assert (tmp_path / "old-output.json").read_text() == "{}"


# --- deterministic ----------------------------------------------------------------------------------


def test_html_report_is_byte_identical_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outs = []
    for i in range(2):
        out = tmp_path / f"r{i}.html"
        result = run("report", str(SEEDS), "-o", str(out), "--isolated", "-q")
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert b"2023-11-14" in outs[0]
