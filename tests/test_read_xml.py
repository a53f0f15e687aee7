"""Legacy <clinical_study> XML: the whole corpus folder loads, values map to API v2 codes."""

from __future__ import annotations

from conftest import CORPUS
from trialint.frames import RecordSet
from trialint.read import read_paths

XML = CORPUS / "ctgov_xml"


def test_xml_folder_loads_every_file():
    files = sorted(XML.glob("*.xml"))
    rs = RecordSet.concat(read_paths([XML]))
    assert len(rs) == len(files) == 4917
    assert not rs.errors
    assert sorted(rs.studies["record_id"]) == [f.stem for f in files]


def test_xml_values_are_api_codes():
    rs = RecordSet.concat(read_paths([XML / "NCT00000102.xml"]))
    st = rs.studies.iloc[0]
    assert st["overall_status"] == "COMPLETED"
    assert st["phases"] == "PHASE1|PHASE2"
    assert st["intervention_model"] == "PARALLEL"
    assert st["masking"] == "DOUBLE"
    assert st["study_type"] == "INTERVENTIONAL"
    assert st["brief_summary"].startswith(
        "This study will test the ability of extended release nifedipine"
    )
    assert list(rs.interventions["type"]) == ["DRUG"]
    src = rs.sources.iloc[0]
    assert src["path"].endswith("NCT00000102.xml") and src["pointer"] == "/clinical_study"


def test_not_applicable_phase_and_broken_xml(tmp_path):
    good = (
        (XML / "NCT00000102.xml")
        .read_text()
        .replace("<phase>Phase 1/Phase 2</phase>", "<phase>N/A</phase>")
    )
    (tmp_path / "a.xml").write_text(good)
    (tmp_path / "b.xml").write_text("<clinical_study><brief_title>cut off")
    rs = RecordSet.concat(read_paths([tmp_path]))
    assert list(rs.studies["phases"]) == ["NA"]
    assert (
        len(rs.errors) == 1 and rs.errors[0]["path"].endswith("b.xml") and rs.errors[0]["line"] == 1
    )


def test_legacy_primary_purpose_words_map_to_api_codes():
    """Legacy 'Educational/Counseling/Training' is API v2's ECT, not an unknown value."""
    rs = RecordSet.concat(read_paths([CORPUS / "ctgov_xml" / "NCT00004366.xml"]))
    assert rs.studies["primary_purpose"].tolist() == ["ECT"]


def test_older_schema_dates_are_read():
    """Before 2017 the XML named them firstreceived_date / lastchanged_date."""
    rs = RecordSet.concat(read_paths([CORPUS / "ctgov_xml" / "NCT00077454.xml"]))
    s = rs.studies.iloc[0]
    assert (s["first_submit_date"], s["last_update_date"]) == ("2004-02-10", "2013-06-04")
