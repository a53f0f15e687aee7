"""Readers of the other registries: every record of the corpus folders read (or a read error with
file and place), ids as each registry writes them, fields the format does not carry left null
and out of present_fields, packed lists split, XML parsed safely."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from trialint.engine import check_recordset
from trialint.frames import RecordSet, carries
from trialint.read import read_bytes, read_paths
from trialint.read.registry_ids import find_ids, registry_of, trial_key
from trialint.rules import load_rules

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
OTHER = CORPUS / "other_registries"
ICTRP = OTHER / "who_ictrp"
EUCTR = OTHER / "eu_ctr"

csv.field_size_limit(2**31 - 1)


def _read(*paths: Path) -> RecordSet:
    return RecordSet.concat(read_paths([str(p) for p in paths]))


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ictrp_csv() -> RecordSet:
    return _read(ICTRP / "COVID19-web_22Jul2020.csv")


@pytest.fixture(scope="module")
def ictrp_xlsx() -> RecordSet:
    return _read(ICTRP / "COVID19-web_22Jul2020.xlsx")


# --- every record read, counted per folder ----------------------------------------------------


def test_ictrp_csv_every_row_is_a_record(ictrp_csv):
    rows = _csv_rows(ICTRP / "COVID19-web_22Jul2020.csv")
    assert not ictrp_csv.errors
    assert len(ictrp_csv) == len(rows) == 4495
    # ids exactly as ICTRP writes them
    assert list(ictrp_csv.studies["record_id"]) == [r["TrialID"] for r in rows]
    other = _read(ICTRP / "COVID19-1135-trials.csv")
    assert len(other) == len(_csv_rows(ICTRP / "COVID19-1135-trials.csv")) == 1135


def test_ictrp_xlsx_and_csv_give_the_same_records(ictrp_csv, ictrp_xlsx):
    """The XLSX and its CSV conversion are one export: same ids, titles, designs and lists."""
    assert not ictrp_xlsx.errors
    a = ictrp_csv.studies.set_index("record_id")
    b = ictrp_xlsx.studies.set_index("record_id")
    assert list(a.index) == list(b.index)
    for col in ("registry", "brief_title", "allocation", "intervention_model", "masking",
                "phases", "enrollment_count", "first_submit_date", "countries"):  # fmt: skip
        pd.testing.assert_series_equal(a[col], b[col], check_names=False)
    assert len(ictrp_csv.interventions) == len(ictrp_xlsx.interventions)
    # the sheet's rows are the places
    src = ictrp_xlsx.sources
    assert src["pointer"].iloc[0] == "COVID19-web_22Jul2020!A2"


def test_ictrp_xml_every_trial_is_a_record():
    data = (ICTRP / "ICTRP-Results_18Mar2020.xml").read_bytes()
    rs = _read(ICTRP / "ICTRP-Results_18Mar2020.xml")
    assert not rs.errors
    assert len(rs) == data.count(b"<Trial>") == 578
    assert rs.studies["registry"].value_counts().to_dict() == {"chictr": 476, "ctgov": 102}
    assert rs.sources["pointer"].iloc[0] == "/Trials_downloaded_from_ICTRP/Trial[1]"


def test_ictrp_derived_tables_are_reported_per_file():
    folder = ICTRP / "ntd_landscape_curated"
    rs = _read(folder)
    files = sorted(str(p) for p in folder.glob("*.csv"))
    assert len(rs) == 0
    assert sorted(e["path"] for e in rs.errors) == files
    for e in rs.errors:
        assert e["line"] == 1
        rows = len(_csv_rows(Path(e["path"])))
        assert f"({rows:,} rows" in e["reason"]


def test_classic_json_every_line_is_a_record():
    path = CORPUS / "ctgov_classic_json" / "studies.ndjson"
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    rs = _read(path)
    assert not rs.errors
    assert len(rs) == len(lines) == 139
    first = json.loads(lines[0])["ProtocolSection"]
    row = rs.studies.iloc[0]
    assert row["record_id"] == first["IdentificationModule"]["NCTId"]
    assert row["source_format"] == "ctgov-classic-json"
    assert row["overall_status"] == "COMPLETED" and row["start_date"] == "2001-07"
    # words become API v2 codes
    assert set(rs.studies["allocation"].dropna()) <= {"RANDOMIZED", "NON_RANDOMIZED", "NA"}
    assert set(rs.studies["intervention_model"].dropna()) <= {
        "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"
    }  # fmt: skip
    assert rs.sources["line"].tolist()[:3] == [1, 2, 3]


def test_ctrdata_every_document_is_a_record():
    path = OTHER / "ctrdata_demo_sqlite" / "records.ndjson"
    docs = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    rs = _read(path)
    assert not rs.errors
    assert len(rs) == len(docs) == 92
    assert rs.studies["registry"].value_counts().to_dict() == {
        "ctgov": 48, "euctr": 25, "isrctn": 10, "ctis": 9
    }  # fmt: skip
    ids = set(rs.studies["record_id"])
    assert "EUCTR2012-003632-23-AT" in ids and "ISRCTN12949496" in ids
    assert "2022-500244-37-00" in ids  # CTIS numbers as CTIS writes them
    assert all(registry_of(i.split("#")[0]) for i in ids)


def test_ctrdata_ctgov_documents_read_like_the_legacy_xml():
    path = OTHER / "ctrdata_demo_sqlite" / "records.ndjson"
    rs = _read(path)
    st = rs.studies.set_index("record_id")
    row = st.loc["NCT00506441"]
    assert row["source_format"] == "ctrdata-json"
    assert row["overall_status"] == "COMPLETED" and row["phases"] == "PHASE3"
    assert row["brief_summary"].startswith("This is a phase III multi-centre study")
    assert "&#xD;" not in row["brief_summary"]
    assert len(rs.outcomes[rs.outcomes["record_id"] == "NCT00506441"]) >= 1


def test_eu_ctr_folder_every_record_is_read():
    rs = _read(EUCTR)
    assert not rs.errors
    fmt = rs.studies["source_format"].value_counts().to_dict()
    text = (EUCTR / "ctrdata_test_error_trials_euctr.txt").read_text()
    scrape = _csv_rows(EUCTR / "euctr_data_quality_results_scrape_dec_2020.csv")
    summary = _csv_rows(EUCTR / "michaelchang64_ct_eu_latest_2024-11-05.csv")
    assert fmt["euctr-text"] == len(re.findall(r"(?m)^EudraCT Number:", text)) == 10
    assert fmt["euctr-csv"] == len(scrape) + len(summary)
    assert fmt["eudract-results-xml"] == 2
    st = rs.studies.set_index("record_id")
    assert "EUCTR2022-002568-62-ES" in st.index
    es = st.loc["EUCTR2022-002568-62-ES"]
    assert es["official_title"].startswith("A Phase 1/2 Open-Label, Ascending Dose")
    assert es["lead_sponsor"] == "AviadoBio Ltd"
    assert es["phases"] == "PHASE1|PHASE2" and es["masking"] == "NONE"
    assert es["allocation"] == "NON_RANDOMIZED"
    assert (
        "(es)" not in es["eligibility_criteria"] and "Ser varón" not in es["eligibility_criteria"]
    )
    res = rs.studies[rs.studies["source_format"] == "eudract-results-xml"].set_index("record_id")
    res = res.loc["2007-001039-72"]
    assert res["secondary_ids"] == "ISRCTN91419926|NCT01581476"
    assert res["allocation"] == "RANDOMIZED"


def test_read_errors_name_file_and_place(tmp_path):
    bad = tmp_path / "bad.ndjson"
    good = (CORPUS / "ctgov_classic_json" / "studies.ndjson").read_text().splitlines()[0]
    bad.write_text(good + "\n{not json\n" + good + "\n")
    rs = _read(bad)
    assert len(rs) == 2
    assert [(e["path"], e["line"]) for e in rs.errors] == [(str(bad), 2)]
    html = OTHER / "chictr" / "ChiCTR2400084905_detail_page.html"
    rs = _read(html)
    assert len(rs) == 0 and rs.errors[0]["path"] == str(html)
    assert "HTML page" in rs.errors[0]["reason"]


# --- ids ----------------------------------------------------------------------------------------


def test_every_ictrp_id_has_its_registry(ictrp_csv):
    """Every TrialID of the export is recognised, and agrees with ICTRP's 'Source Register'."""
    names = {
        "ClinicalTrials.gov": "ctgov", "ChiCTR": "chictr", "CTRI": "ctri", "IRCT": "irct",
        "EU Clinical Trials Register": "euctr", "German Clinical Trials Register": "drks",
        "ISRCTN": "isrctn", "ANZCTR": "anzctr", "JPRN": "jprn", "Netherlands Trial Register": "ntr",
        "REBEC": "rebec", "RPCEC": "rpcec", "PACTR": "pactr", "TCTR": "tctr", "REPEC": "repec",
        "CRIS": "cris", "LBCTR": "lbctr", "SLCTR": "slctr",
    }  # fmt: skip
    rows = _csv_rows(ICTRP / "COVID19-web_22Jul2020.csv")
    for r in rows:
        assert registry_of(r["TrialID"]) == names[r["Source Register"]], r["TrialID"]
    assert (ictrp_csv.studies["registry"] == [names[r["Source Register"]] for r in rows]).all()
    nct = ictrp_csv.studies[ictrp_csv.studies["registry"] == "ctgov"]
    assert (nct["nct_id"] == nct["record_id"]).all()
    assert ictrp_csv.studies.loc[ictrp_csv.studies["registry"] != "ctgov", "nct_id"].isna().all()


def test_trial_keys_join_the_spellings_of_one_registration():
    assert (
        trial_key("EUCTR2020-000890-25-FR")
        == trial_key("2020-000890-25")
        == ("EUDRACT:2020-000890-25")
    )
    assert trial_key("JPRN-UMIN000039686") == trial_key("UMIN000039686")
    assert trial_key("NCT04246242#2") == "NCT04246242"
    assert find_ids("also registered as ChiCTR2000029953 and NCT04246242; EudraCT 2020-000890-25") == [
        "ChiCTR2000029953", "NCT04246242", "EudraCT 2020-000890-25"
    ]  # fmt: skip
    assert find_ids("phone 2020-000890-256, NCT123") == []


# --- what the format does not carry -----------------------------------------------------------


def test_ictrp_carries_no_summary_arms_or_secondary_outcomes(ictrp_csv):
    st = ictrp_csv.studies
    assert st["brief_summary"].isna().all() and st["detailed_description"].isna().all()
    assert ictrp_csv.arms.empty
    for name in ("brief_summary", "arms", "outcomes[secondary]", "why_stopped", "completion_date"):
        assert not carries(st, name).any(), name
    assert carries(st, "outcomes[primary]").all()
    # a coded field is carried only where the row states it
    assert (carries(st, "allocation") == st["allocation"].notna()).all()


def test_no_completeness_finding_for_a_field_ictrp_cannot_carry(ictrp_csv):
    rules = load_rules()
    completeness = [r for r in rules.values() if r.category == "completeness"]
    found = check_recordset(ictrp_csv, completeness)
    uncarried = ("descriptionModule", "armGroups", "secondaryOutcomes", "whyStopped",
                 "completionDate", "primaryCompletionDate", "responsibleParty", "healthyVolunteers")  # fmt: skip
    hits = found[found["field"].str.contains("|".join(uncarried), na=False)]
    assert hits.empty, hits[["record_id", "rule", "field"]].head()
    # and the FDAAA rules never judge another registry's record
    fdaa = found[found["rule"].str.startswith("missing-")]
    assert set(fdaa["record_id"].map(registry_of)) <= {"ctgov"}


# --- packed lists -----------------------------------------------------------------------------


def test_ictrp_packed_lists_are_split(ictrp_csv):
    oc = ictrp_csv.outcomes.set_index("record_id")
    iv = ictrp_csv.interventions
    # ChiCTR: ';' items with a trailing ';'
    assert oc.loc["ChiCTR2000029953", "measure"].tolist() == [
        "duration of in hospital", "in hospital mortality",
        "the 28s day' mortality after admission", "duration of ICU stay",
    ]  # fmt: skip
    # IRCT: "measure. Timepoint: ... Method of measurement: ..."
    irct = oc.loc["IRCT20200310046736N1"].iloc[0]
    assert irct["measure"] == "complete remission of clinical signs of disease"
    assert irct["time_frame"] == "About one week after starting the treatment"
    assert irct["description"] == "Clinical and laboratory questionnaire"
    # ANZCTR: "measure[time frame]"
    anz = oc.loc["ACTRN12620000421932"]
    assert anz["measure"] == "Mortality"
    assert anz["time_frame"].startswith("At hospital discharge or 28 days")
    # EU CTR: the end point, not the objectives
    eu = oc.loc[["EUCTR2020-000890-25-FR"]]
    assert len(eu) == 1 and eu["measure"].iloc[0].startswith("Results of SARS-COV2 vi")
    assert eu["time_frame"].iloc[0] == "Day 1, Day 4, Day 7 and Day 14"
    # ClinicalTrials.gov rows: "Type: name" items, ICTRP's repeats dropped
    nct = iv[iv["record_id"] == "NCT04246242"]
    assert nct[["type", "name"]].values.tolist() == [
        ["DRUG", "Conventional treatment group"], ["DRUG", "arbidol,200mg,tid"],
        ["DRUG", "arbidol,400mg,tid"],
    ]  # fmt: skip
    # every split outcome keeps its item in raw: rules that need separate fields leave it alone
    assert ictrp_csv.outcomes["raw"].notna().all()


def test_no_packed_item_is_an_exact_repeat_within_a_record(ictrp_csv):
    """ICTRP repeats ClinicalTrials.gov items per arm, and EU CTR products carry their name as
    trade and product name: neither may become two entries. (Two EU CTR products of one name in
    two pharmaceutical forms are two entries: their descriptions differ.)"""
    for frame, cols in (
        (ictrp_csv.outcomes, ["measure", "time_frame"]),
        (ictrp_csv.interventions, ["name", "description"]),
    ):
        f = frame.dropna(subset=[cols[0]])
        keys = {c: f[c].fillna("").str.lower().str.split().str.join(" ") for c in cols}
        assert not pd.DataFrame({"r": f["record_id"], **keys}).duplicated().any()


def test_ictrp_markup_is_gone(ictrp_csv):
    t = ictrp_csv.texts()["text"]
    assert not t.str.contains("_x000D_|<br", regex=True).any()


def test_ictrp_values(ictrp_csv):
    st = ictrp_csv.studies.set_index("record_id")
    chictr = st.loc["ChiCTR2000029953"]
    assert chictr["enrollment_count"] == 400  # "survival group:200;died:200;"
    assert chictr["study_type"] == "OBSERVATIONAL"
    assert pd.isna(chictr["intervention_model"])  # "Factorial" of an observational study
    assert st.loc["SLCTR/2020/011", "enrollment_count"] == 400  # "400 (200 in each arm)"
    assert st.loc["ACTRN12620000421932", "countries"].split("|")[:2] == [
        "Australia", "Hong Kong"
    ]  # fmt: skip
    assert "Taiwan, Province Of China" in st.loc["ACTRN12620000421932", "countries"].split("|")
    assert st.loc["EUCTR2020-000890-25-FR", "phases"] == "PHASE3"
    assert st.loc["EUCTR2020-000890-25-FR", "sex"] == "ALL"
    assert st.loc["JPRN-UMIN000039686", "minimum_age"] == "1 Years"
    assert pd.isna(st.loc["IRCT20200310046736N1", "phases"])  # a date in the Phase column
    assert st.loc["NCT04246242", "overall_status"] != st.loc["NCT04246242", "overall_status"]  # NaN
    assert st.loc["ISRCTN50189673", "linked_elsewhere"]


# --- XML safety -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<Trials_downloaded_from_ICTRP><Trial><TrialID>NCT04246242</TrialID>"
        b"<Public_title>&b;</Public_title></Trial></Trials_downloaded_from_ICTRP>",
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<Trials_downloaded_from_ICTRP><Trial><TrialID>NCT04246242</TrialID>"
        b"<Public_title>&x;</Public_title></Trial></Trials_downloaded_from_ICTRP>",
    ],
)
def test_ictrp_xml_with_a_dtd_is_refused(doc):
    rs = RecordSet.concat(read_bytes(doc, "attack.xml"))
    assert len(rs) == 0
    assert rs.errors and rs.errors[0]["path"] == "attack.xml"
    assert "unsafe" in rs.errors[0]["reason"] or "DTD" in rs.errors[0]["reason"]


def test_results_xml_with_a_dtd_is_refused():
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://example.invalid/">]>'
        b'<ns3:result xmlns:ns3="http://eudract.ema.europa.eu/schema/clinical_trial_result" '
        b'eudractNumber="2007-001039-72"><trialInformation><fullTitle>&x;</fullTitle>'
        b"</trialInformation></ns3:result>"
    )
    rs = RecordSet.concat(read_bytes(doc, "r.xml"))
    assert len(rs) == 0 and rs.errors
