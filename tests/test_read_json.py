"""API v2 JSON in every container the issue lists: object, array, API page, NDJSON, gzip, zip, stdin."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest

from conftest import CORPUS
from trialint.frames import RecordSet
from trialint.read import read_bytes, read_paths

NDJSON = CORPUS / "ctgov_v2_json" / "studies.ndjson"


def _lines(n: int) -> list[bytes]:
    out = []
    with NDJSON.open("rb") as fh:
        for line in fh:
            out.append(line.rstrip(b"\n"))
            if len(out) == n:
                break
    return out


def _ids(lines: list[bytes]) -> list[str]:
    return [json.loads(x)["protocolSection"]["identificationModule"]["nctId"] for x in lines]


def _read(data: bytes, name: str) -> RecordSet:
    return RecordSet.concat(read_bytes(data, name))


def test_whole_corpus_ndjson_loads_with_every_record():
    expected = sum(1 for line in NDJSON.open("rb") if line.strip())
    rs = RecordSet.concat(read_paths([NDJSON], chunk_size=500))
    assert len(rs) == expected == 1919
    assert not rs.errors
    assert rs.studies["record_id"].str.match(r"^NCT[0-9]{8}$").all()
    # partial records (some modules missing) are normal and keep null fields
    assert rs.studies["brief_summary"].isna().sum() >= 1


def test_chunks_stream_in_bounded_sizes():
    sizes = [len(rs) for rs in read_paths([NDJSON], chunk_size=300)]
    assert max(sizes) <= 300
    assert sum(sizes) == 1919


@pytest.mark.parametrize("container", ["object", "array", "page", "ndjson", "gzip", "zip"])
def test_containers(container, tmp_path):
    lines = _lines(3)
    ids = _ids(lines)
    studies = [json.loads(x) for x in lines]
    if container == "object":
        data, name, ids = json.dumps(studies[0]).encode(), "one.json", ids[:1]
    elif container == "array":
        data, name = json.dumps(studies).encode(), "ctg-studies.json"
    elif container == "page":
        data, name = json.dumps({"studies": studies, "nextPageToken": "abc"}).encode(), "page.json"
    elif container == "ndjson":
        data, name = b"\n".join(lines) + b"\n", "s.ndjson"
    elif container == "gzip":
        data, name = gzip.compress(b"\n".join(lines)), "s.ndjson.gz"
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for i, s in zip(ids, studies, strict=True):
                zf.writestr(f"{i}.json", json.dumps(s))
        data, name = buf.getvalue(), "ctg-studies.json.zip"
    path = tmp_path / name
    path.write_bytes(data)
    rs = RecordSet.concat(read_paths([path]))
    assert sorted(rs.studies["record_id"]) == sorted(ids)
    assert not rs.errors


def test_source_pointer_for_array_items(tmp_path):
    studies = [json.loads(x) for x in _lines(2)]
    p = tmp_path / "a.json"
    p.write_text(json.dumps(studies))
    rs = RecordSet.concat(read_paths([p]))
    rec = rs.sources[rs.sources["field"].isna() | (rs.sources["field"] == "")]
    assert list(rec["pointer"]) == ["/0", "/1"]


def test_broken_record_becomes_read_error_and_run_goes_on(tmp_path):
    """Only what is not JSON is a read error (with its line); a record with an odd field is
    read, the field an issue naming its path and the shape found."""
    lines = _lines(3)
    bad = b'{"protocolSection": {"identificationModule": {"nctId": 5}}}'
    p = tmp_path / "mixed.ndjson"
    p.write_bytes(b"\n".join([lines[0], b"{not json", bad, lines[1]]) + b"\n")
    rs = RecordSet.concat(read_paths([p]))
    assert list(rs.studies["record_id"]) == [_ids(lines)[0], "5", _ids(lines)[1]]
    assert [e["line"] for e in rs.errors] == [2]
    assert all(e["path"] == str(p) for e in rs.errors)
    issue = rs.issues.iloc[0]
    assert issue["field"] == "identificationModule.nctId"
    assert "a number (5)" in issue["message"]


def test_unknown_format_names_the_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("notes on NCT01234567\nnothing else\n")  # a trial id: it may be a record
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 0
    assert rs.errors and rs.errors[0]["path"] == str(p)
    assert "unknown format" in rs.errors[0]["reason"]


def test_a_text_file_that_is_plainly_not_a_record_is_skipped_with_a_note(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just some notes\nnothing else\n")
    rs = RecordSet.concat(read_paths([p]))
    assert len(rs) == 0 and rs.errors == []
    assert [s["path"] for s in rs.skipped] == [str(p)]
    assert "not a registry record" in rs.skipped[0]["reason"]


def test_record_id_falls_back_to_file_name(tmp_path):
    p = tmp_path / "draft-study.json"
    p.write_text(json.dumps({"protocolSection": {"identificationModule": {"briefTitle": "Draft"}}}))
    rs = RecordSet.concat(read_paths([p]))
    assert list(rs.studies["record_id"]) == ["draft-study"]


def test_several_records_without_ids_get_numbered(tmp_path):
    p = tmp_path / "drafts.json"
    p.write_text(
        json.dumps([{"protocolSection": {"identificationModule": {"briefTitle": t}}} for t in "AB"])
    )
    rs = RecordSet.concat(read_paths([p]))
    assert list(rs.studies["record_id"]) == ["drafts#1", "drafts#2"]


def test_stdin(monkeypatch):
    line = _lines(1)[0]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(line + b"\n")))
    rs = RecordSet.concat(read_paths(["-"]))
    assert list(rs.studies["record_id"]) == _ids([line])


def test_frames_carry_outcomes_arms_interventions_terms():
    rs = RecordSet.concat(read_paths([NDJSON]))
    assert set(rs.outcomes["kind"].unique()) == {"primary", "secondary", "other"}
    assert len(rs.arms) > 1000 and len(rs.interventions) > 1000 and len(rs.terms) > 1000
    assert rs.studies["enrollment_count"].dtype == "Float64"
    assert str(rs.studies["brief_summary"].dtype) == "str"


def test_present_fields_of_whole_and_partial_records():
    """A whole protocol section without an outcomes module has no outcomes (carried, empty);
    a partial API response (some modules only) does not carry what it left out."""
    whole = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001"},
            "statusModule": {"overallStatus": "COMPLETED"},
            "designModule": {"studyType": "INTERVENTIONAL"},
            "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria: adults"},
        }
    }
    partial = {"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}}}
    data = (json.dumps(whole) + "\n" + json.dumps(partial) + "\n").encode()
    pf = _read(data, "x.ndjson").studies.set_index("record_id")["present_fields"].str.split("|")
    assert {"outcomes", "arms", "interventions", "conditions"} <= set(pf["NCT00000001"])
    assert {"outcomes", "arms", "brief_summary", "overall_status"}.isdisjoint(pf["NCT00000002"])
    assert "brief_title" in pf["NCT00000002"]
