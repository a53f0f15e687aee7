"""Findings on JSON records land on the right line and column of the file, in every JSON layout
trialint reads (one study, an array, an API page, NDJSON; plain, gzip, zip, stdin), and every
output format carries them (text, SARIF region, GitHub, GitLab, JUnit, JSON)."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import trialint
from conftest import CORPUS
from trialint.cli import main
from trialint.read import positions as positions_mod
from trialint.read.positions import Request, locate

STUDIES = CORPUS / "ctgov_v2_json" / "studies.ndjson"
N = 80  # corpus records per layout (line 72 has two repeated passages in one field)


def _source_slice(text: str, line: int, col: int, end_line: int, end_col: int) -> str:
    """The characters of ``text`` from (line, col) to just before (end_line, end_col)."""
    lines = text.split("\n")
    if line == end_line:
        return lines[line - 1][col - 1 : end_col - 1]
    parts = [
        lines[line - 1][col - 1 :],
        *lines[line : end_line - 1],
        lines[end_line - 1][: end_col - 1],
    ]
    return "\n".join(parts)


# --- the scanner on its own ----------------------------------------------------------------------


def test_escapes_surrogate_pairs_and_multibyte_text():
    value = 'Line one\nsays "hello" to café 😀 and ≥ 5 ½ units\ttab \\ slash'
    doc = {"a": {"b": [0, {"c": value}]}}
    for ensure_ascii in (True, False):
        text = json.dumps(doc, ensure_ascii=ensure_ascii, indent=2)
        for word in ("hello", "café", "😀", "≥ 5", "tab", "slash"):
            s = value.index(word)
            (p,) = locate(text.encode(), [Request("/a/b/1/c", s, s + len(word))])
            source = _source_slice(text, p.line, p.column, p.end_line, p.end_column)
            assert json.loads(f'"{source}"') == word, (ensure_ascii, word, source)


def test_pretty_printed_array_and_page_layouts_and_ndjson_lines():
    study = {"protocolSection": {"identificationModule": {"acronym": "ABC-DEF"}}}
    for doc, ptr in (
        ([{"x": 1}, study], "/1"),
        ({"studies": [{"x": 1}, {"x": 2}, study]}, "/studies/2"),
    ):
        text = json.dumps(doc, indent=4)
        (p,) = locate(
            text.encode(), [Request(ptr + "/protocolSection/identificationModule/acronym", 4, 7)]
        )
        line = text.split("\n")[p.line - 1]
        assert line[p.column - 1 : p.end_column - 1] == "DEF"
    lines = [b'{"x": 1}', json.dumps(study).encode()]
    (p,) = locate(
        None, [Request("/protocolSection/identificationModule/acronym", 0, 3, line=2)], lines
    )
    assert p.line == 2 and lines[1].decode()[p.column - 1 : p.end_column - 1] == "ABC"


def test_a_missing_pointer_lands_on_its_deepest_existing_ancestor():
    text = '{\n  "protocolSection": {\n    "statusModule": {"overallStatus": "X"}\n  }\n}'
    (p,) = locate(text.encode(), [Request("/protocolSection/outcomesModule/primaryOutcomes")])
    assert (p.line, p.column) == (2, 22)  # the protocolSection object


def test_repeated_keys_use_the_value_the_reader_used():
    text = '{"p": {"a": "first", "b": [1, 2], "a": "last value"}}'
    (p,) = locate(text.encode(), [Request("/p/a", 0, 4)])
    assert text[p.column - 1 : p.end_column - 1] == "last"


# --- end to end: every layout of real records ---------------------------------------------------


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[str, Path]:
    lines = STUDIES.read_text(encoding="utf-8").splitlines()[:N]
    studies = [json.loads(line) for line in lines]
    d = tmp_path_factory.mktemp("layouts")
    out: dict[str, Path] = {}
    one = d / "one"
    one.mkdir()
    for s in studies[:40]:  # one study per file, as repositories keep them (pretty-printed)
        nct = s["protocolSection"]["identificationModule"]["nctId"]
        (one / f"{nct}.json").write_text(json.dumps(s, indent=2, ensure_ascii=False), "utf-8")
    out["one"] = one
    out["array"] = d / "download.json"
    out["array"].write_text(json.dumps(studies, indent=1, ensure_ascii=True), "utf-8")
    out["page"] = d / "page.json"
    out["page"].write_text(json.dumps({"studies": studies, "nextPageToken": "x"}), "utf-8")
    out["ndjson"] = d / "dump.ndjson"
    out["ndjson"].write_text("\n".join(lines) + "\n", "utf-8")
    out["gz"] = d / "dump.ndjson.gz"
    out["gz"].write_bytes(gzip.compress(out["ndjson"].read_bytes()))
    out["jsongz"] = d / "page.json.gz"
    out["jsongz"].write_bytes(gzip.compress(out["page"].read_bytes()))
    out["zip"] = d / "site.zip"
    with zipfile.ZipFile(out["zip"], "w") as zf:
        for s in studies[:30]:
            nct = s["protocolSection"]["identificationModule"]["nctId"]
            zf.writestr(f"{nct}.json", json.dumps(s, indent=2))
    return out


def _file_text(path: str) -> str:
    if "!" in path:
        archive, member = path.split("!", 1)
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member).decode("utf-8")
    data = Path(path).read_bytes()
    return (gzip.decompress(data) if path.endswith(".gz") else data).decode("utf-8")


_CHECKED: dict[str, trialint.Findings] = {}


def _checked(layouts, layout: str) -> trialint.Findings:
    if layout not in _CHECKED:
        _CHECKED[layout] = trialint.check([str(layouts[layout])], select=["ALL"])
    return _CHECKED[layout]


@pytest.mark.parametrize("layout", ["one", "array", "page", "ndjson", "gz", "jsongz", "zip"])
def test_every_finding_points_at_its_text(layouts, layout):
    f = _checked(layouts, layout)
    frame = f.frame[f.frame["rule"] != "read-error"]
    assert len(frame) > 20
    assert frame["source_line"].notna().all() and frame["source_column"].notna().all()
    assert frame["source_end_line"].notna().all() and frame["source_end_column"].notna().all()
    texts = f.contexts.set_index(["record_id", "field"])["text"].to_dict()
    files: dict[str, str] = {}
    checked = 0
    for row in frame.itertuples(index=False):
        text = texts.get((row.record_id, row.field))
        if text is None or row.start is None or row.start != row.start:
            continue
        body = files.setdefault(row.source_path, _file_text(row.source_path))
        src = _source_slice(
            body,
            int(row.source_line),
            int(row.source_column),
            int(row.source_end_line),
            int(row.source_end_column),
        )
        end = len(text) if row.end != row.end or row.end is None else int(row.end)
        assert json.loads(f'"{src}"') == text[int(row.start) : end], (row.rule, row.field)
        checked += 1
    assert checked > 20


@pytest.fixture(scope="module")
def flagged_file(layouts) -> Path:
    """A one-study file with an outcome-title-abbreviation finding."""
    return next(
        p
        for p in sorted(layouts["one"].iterdir())
        if len(trialint.check([str(p)], select=["outcome-title-abbreviation"]))
    )


def test_stdin_findings_get_positions_too(flagged_file):
    one = flagged_file
    result = CliRunner().invoke(
        main,
        ["check", "-", "--isolated", "--format", "json", "--select", "ALL"],
        input=one.read_text("utf-8"),
    )
    doc = json.loads(result.stdout)
    located = [x for x in doc["findings"] if x["rule"] != "read-error"]
    assert located and all(
        x["source"]["path"] == "<stdin>" and x["source"]["line"] for x in located
    )


def test_no_two_findings_of_one_rule_in_one_field_say_the_same(layouts):
    f = _checked(layouts, "ndjson")
    same = f.frame.groupby(["record_id", "rule", "field", "message"]).size()
    assert (same == 1).all(), same[same > 1]


def test_only_files_with_findings_are_scanned(layouts, monkeypatch):
    seen: list[str] = []
    real = positions_mod.positions_in_file

    def spy(name, requests, stdin=None):
        seen.append(name)
        return real(name, requests, stdin)

    monkeypatch.setattr(positions_mod, "positions_in_file", spy)
    f = trialint.check(
        [str(layouts["one"])], select=["schema-nct-id", "outcome-title-abbreviation"]
    )
    flagged = set(f.frame["source_path"])
    assert seen and set(seen) == flagged  # one scan per flagged file, none for the others
    assert len(seen) == len(set(seen)) < len(list(layouts["one"].iterdir()))


# --- every output format carries the place ------------------------------------------------------


@pytest.fixture(scope="module")
def one_file(flagged_file) -> trialint.Findings:
    return trialint.check([str(flagged_file)], select=["outcome-title-abbreviation"])


def test_outputs_carry_line_and_column(one_file):
    row = one_file.frame.iloc[0]
    line, col = int(row["source_line"]), int(row["source_column"])
    end_line, end_col = int(row["source_end_line"]), int(row["source_end_column"])
    path = row["source_path"]
    assert one_file.to_text().startswith(f"{path}:{line}:{col}: ")
    region = json.loads(one_file.to_sarif())["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]["region"]
    assert region == {
        "startLine": line,
        "startColumn": col,
        "endLine": end_line,
        "endColumn": end_col,
    }
    gh = one_file.to_github().splitlines()[0]
    assert f",line={line}," in gh and f",col={col}," in gh and f",endColumn={end_col}," in gh
    gl = json.loads(one_file.to_gitlab())[0]
    assert gl["location"]["lines"]["begin"] == line
    junit = ET.fromstring(one_file.to_junit())
    failure_text = "".join(junit.itertext())
    assert f":{line}:{col}" in failure_text
    src = json.loads(one_file.to_json())["findings"][0]["source"]
    assert (src["line"], src["column"], src["end_line"], src["end_column"]) == (
        line,
        col,
        end_line,
        end_col,
    )
