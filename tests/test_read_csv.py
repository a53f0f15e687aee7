"""The ClinicalTrials.gov site CSV/TSV export reader (read/ctgov_csv.py), on real exports."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from conftest import CORPUS
from trialint.frames import MAX_TEXT_CHARS, RecordSet
from trialint.read import read_bytes, read_paths
from trialint.read.build import FrameBuilder
from trialint.read.ctgov_csv import (
    norm_date,
    norm_design,
    norm_phases,
    norm_results,
    norm_status,
    norm_study_type,
    read_csv,
)

CSV_DIR = CORPUS / "ctgov_csv"
NEW = CSV_DIR / "aliza0811__Hypertension-Clinical-Trial-Analysis__ctg-studies.csv"  # 2023+
OLD = CSV_DIR / "BassKot__CT_Gov_B-Cell__SearchResults.csv"  # pre-2023
TSV = CSV_DIR / "dgg32__clinical-trials-public__SearchResults.tsv"  # pre-2023, tab-separated
DESCRIBE = CSV_DIR / "Rushigit1520__COVID-19-Clinical-Trials-Data-Analysis__categorical_summary.csv"

csv.field_size_limit(2**31 - 1)


def _csv_ids(path) -> list[str]:
    """The NCT Number column, counted independently with the csv module."""
    delim = "\t" if path.suffix == ".tsv" else ","
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh, delimiter=delim))
    i = rows[0].index("NCT Number")
    return [r[i].strip() for r in rows[1:] if any(c.strip() for c in r)]


def _read(path, chunk_size: int = 5000) -> RecordSet:
    return RecordSet.concat(read_paths([path], chunk_size=chunk_size))


def _read_text(text: str, name: str) -> RecordSet:
    b = FrameBuilder()
    for part in read_csv(text, name, name.rsplit(".", 1)[0], 10):
        b.extend(part)
    return b.build()


def _study(rs: RecordSet, nct: str) -> pd.Series:
    st = rs.studies[rs.studies["record_id"] == nct]
    assert len(st) == 1
    return st.iloc[0]


@pytest.mark.parametrize(("path", "count"), [(NEW, 121), (OLD, 723), (TSV, 30)])
def test_record_counts_and_ids_match_the_csv_module(path, count):
    rs = _read(path)
    ids = _csv_ids(path)
    assert len(ids) == count
    assert not rs.errors
    assert rs.studies["record_id"].tolist() == ids
    assert (rs.studies["source_format"] == "ctgov-csv").all()


def test_whole_folder_reads():
    files = sorted(p for p in CSV_DIR.iterdir() if p.suffix in (".csv", ".tsv", ".txt"))
    rs = _read(CSV_DIR)
    expected = sum(len(_csv_ids(p)) for p in files if p != DESCRIBE)
    assert len(rs) == expected > 11000
    # the one file that is not an export: pandas describe() statistics of one
    assert [e["path"] for e in rs.errors] == [str(DESCRIBE)]
    assert "describe()" in rs.errors[0]["reason"]
    assert rs.studies["nct_id"].str.fullmatch(r"NCT[0-9]{8}").all()
    dates = pd.concat(
        [rs.studies[c] for c in ("start_date", "completion_date", "last_update_date")]
    )
    assert dates.dropna().str.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?").all()


def test_2023_layout_values():
    rs = _read(NEW)
    s = _study(rs, "NCT03555344")
    assert s["brief_title"] == "Effect of Mantra on Hypertensive Patients"
    assert s["overall_status"] == "COMPLETED"
    assert s["phases"] == "NA"
    assert s["study_type"] == "INTERVENTIONAL"
    # this file writes the design items joined by ' | '
    assert (s["allocation"], s["intervention_model"], s["masking"], s["primary_purpose"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "NONE",
        "SUPPORTIVE_CARE",
    )
    assert pd.isna(s["who_masked"])
    assert (s["start_date"], s["primary_completion_date"]) == ("2017-10-28", "2018-05-15")
    assert (s["first_submit_date"], s["last_update_date"]) == ("2018-06-13", "2018-07-17")
    assert s["lead_sponsor"] == "NMP Medical Research Institute"
    assert s["org_study_id"] == "NMP/10164"
    assert pd.notna(s["has_results"]) and not s["has_results"]
    assert s["enrollment_count"] == 96
    assert s["sex"] == "ALL"
    assert pd.isna(s["minimum_age"])  # the 2023+ Age column holds categories only
    assert pd.isna(s["official_title"])  # not in the export, never guessed
    iv = rs.interventions[rs.interventions["record_id"] == "NCT03555344"]
    assert iv[["type", "name"]].values.tolist() == [["OTHER", "Mantra Chikitsa"]]
    terms = rs.terms[rs.terms["record_id"] == "NCT03555344"]
    assert terms["term"].tolist() == ["High Blood Pressure"]
    assert set(s["present_fields"].split("|")) >= {"brief_summary", "outcomes", "interventions"}


def test_outcome_cell_of_a_real_row_is_split():
    rs = _read(NEW)
    oc = rs.outcomes[rs.outcomes["record_id"] == "NCT03555344"]
    prim = oc[oc["kind"] == "primary"]
    assert prim["position"].tolist() == [0, 1]
    assert prim["measure"].tolist() == ["Systolic Blood Pressure", "Diastolic Blood Pressure"]
    assert prim["time_frame"].tolist() == ["Change from baseline to half an hour"] * 2
    assert prim["description"].isna().all()
    assert prim["raw"].iloc[0] == "Systolic Blood Pressure, Change from baseline to half an hour"
    # a three-part item: measure, description, time frame
    one = _read(CSV_DIR / "rohanramnarain__Trial2Vec-main-2__NCT05059223.csv").outcomes.iloc[0]
    assert (one["measure"], one["description"], one["time_frame"]) == (
        "Frequency of cataplexy attacks",
        "Average number of cataplexy attacks per week",
        "Change from Baseline to Week 5",
    )


def test_pre2023_layout_values():
    rs = _read(OLD)
    s = _study(rs, "NCT03670888")
    assert s["brief_title"].startswith(
        "A Study to Compare the Bioequivalence and Safety of JHL1101"
    )
    assert s["overall_status"] == "NOT_YET_RECRUITING"
    assert s["phases"] == "PHASE1"
    assert s["study_type"] == "INTERVENTIONAL"
    assert (s["allocation"], s["intervention_model"], s["masking"], s["who_masked"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "DOUBLE",
        "PARTICIPANT|INVESTIGATOR",
    )
    assert s["primary_purpose"] == "TREATMENT"
    assert (s["start_date"], s["completion_date"]) == ("2018-11-30", "2021-04-30")
    assert s["first_submit_date"] == "2018-09-14"
    assert (s["minimum_age"], s["maximum_age"]) == ("18 Years", "75 Years")
    assert s["lead_sponsor"] == "JHL Biotech, Inc."
    assert s["org_study_id"] == "JHL-CLIN-1101-02"
    assert s["enrollment_count"] == 128
    oc = rs.outcomes[rs.outcomes["record_id"] == "NCT03670888"]
    assert oc["kind"].unique().tolist() == ["unspecified"]
    assert oc["measure"].tolist() == ["AUC0~t", "AUC0-∞", "Cmax"]
    assert oc["raw"].tolist() == oc["measure"].tolist()
    assert oc["time_frame"].isna().all()
    iv = rs.interventions[rs.interventions["record_id"] == "NCT03670888"]
    assert iv[["type", "name"]].values.tolist() == [
        ["BIOLOGICAL", "JHL1101"],
        ["BIOLOGICAL", "Rituximab"],
    ]
    # 'null' written by a dataframe tool is no date
    assert rs.studies["start_date"].notna().sum() < len(rs.studies)


def test_tsv_values():
    rs = _read(TSV)
    s = _study(rs, "NCT03316586")
    assert pd.notna(s["has_results"]) and s["has_results"]
    assert s["lead_sponsor"] == "Dana-Farber Cancer Institute"  # first of Sponsor/Collaborators
    assert (s["allocation"], s["intervention_model"], s["masking"]) == (
        "NA",
        "SINGLE_GROUP",
        "NONE",
    )
    assert pd.isna(s["who_masked"])
    assert (s["sex"], s["phases"], s["minimum_age"]) == ("FEMALE", "PHASE2", "18 Years")
    assert pd.isna(s["maximum_age"])
    assert s["last_update_date"] == "2021-12-28"


def _file_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").split("\n")


def test_line_numbers_of_records_with_multiline_cells():
    rs = _read(NEW)
    src = rs.sources
    rec = src[src["field"] == ""].set_index("record_id")["line"]
    # read by eye: NCT01560637 starts on line 7, its outcome cells run to line 19
    assert rec["NCT01560637"] == 7
    assert rec["NCT00430716"] == 20
    assert rec["NCT01560624"] == 23
    lines = _file_lines(NEW)
    for rid, line in rec.items():
        assert lines[line - 1].startswith(rid + ","), (rid, line)
    tf = src[
        (src["record_id"] == "NCT01560637") & (src["field"] == "outcomes[secondary][3].time_frame")
    ]
    assert tf["line"].tolist() == [19]


@pytest.mark.parametrize("path", [NEW, OLD, TSV])
def test_every_text_source_points_at_its_text(path):
    rs = _read(path)
    texts = dict(rs.field_text())
    for r, pos, term in zip(
        rs.terms["record_id"], rs.terms["position"], rs.terms["term"], strict=True
    ):
        texts[(r, f"conditions[{pos}]")] = term
    lines = _file_lines(path)
    src = rs.sources[rs.sources["field"] != ""]
    checked = 0
    for r, f, line, col in zip(
        src["record_id"], src["field"], src["line"], src["column"], strict=True
    ):
        text = texts.get((r, f))
        if text is None:
            continue
        assert not pd.isna(col), (r, f)
        want = text.split("\n")[0][:40]
        got = lines[line - 1][col - 1 :].replace('""', '"')[: len(want)]
        assert got == want, (r, f, line, col)
        checked += 1
    assert checked > 5 * len(rs)


def test_broken_rows_become_read_errors_and_the_rest_loads(tmp_path):
    p = tmp_path / "broken.csv"
    p.write_text(
        "NCT Number,Study Title,Study Status,Brief Summary,Primary Outcome Measures\n"
        'NCT00000001,Good one,COMPLETED,"Summary\nover two lines","Pain, VAS score, Week 4"\n'
        "NCT00000002,Short row,COMPLETED\n"
        ",No id,COMPLETED,x,y\n"
        'NCT00000003,"Stray quote,COMPLETED,s,o\n'
        "NCT00000004,After stray,RECRUITING,s,o\n"
        'NCT00000005,Last,COMPLETED,"multi\nline ""quoted"" summary",o\n',
        encoding="utf-8",
    )
    rs = _read(p, chunk_size=2)
    assert rs.studies["record_id"].tolist() == ["NCT00000001", "NCT00000004", "NCT00000005"]
    errs = [(e["line"], e["record_id"]) for e in rs.errors]
    assert errs == [(4, "NCT00000002"), (5, "broken#3"), (6, "NCT00000003")]
    assert all(e["path"] == str(p) for e in rs.errors)
    assert "3 cells where the header has 5" in rs.errors[0]["reason"]
    assert "no NCT Number" in rs.errors[1]["reason"]
    src = rs.sources.set_index(["record_id", "field"])
    assert src.loc[("NCT00000004", ""), "line"] == 7
    assert src.loc[("NCT00000005", ""), "line"] == 8
    # 'Pain' on line 3, column 18; the last summary's outcome 'o' after an escaped quote
    assert tuple(src.loc[("NCT00000001", "outcomes[primary][0].measure"), ["line", "column"]]) == (
        3,
        18,
    )
    assert tuple(src.loc[("NCT00000005", "outcomes[primary][0].measure"), ["line", "column"]]) == (
        9,
        26,
    )
    assert _study(rs, "NCT00000005")["brief_summary"] == 'multi\nline "quoted" summary'


def test_an_export_without_its_id_column_is_one_read_error():
    rs = RecordSet.concat(read_bytes(b"Study Title,Conditions\nx,y\n", "other.csv"))
    assert len(rs) == 0
    assert [e["reason"] for e in rs.errors] == [
        "not a ClinicalTrials.gov CSV export: no 'NCT Number' column"
    ]


def test_a_csv_that_is_plainly_not_an_export_is_skipped_with_a_note():
    rs = RecordSet.concat(read_bytes(b"id,title\n1,x\n", "other.csv"))
    assert len(rs) == 0 and rs.errors == []
    assert [s["path"] for s in rs.skipped] == ["other.csv"]


def test_unknown_columns_and_leading_index_are_ignored(tmp_path):
    p = tmp_path / "extra.csv"
    p.write_text(
        ",NCT Number,Study Title,Phases,combined_text\n0,NCT00000009,A title,Phase 2|Phase 3,junk\n"
    )
    rs = _read(p)
    s = _study(rs, "NCT00000009")
    assert (s["brief_title"], s["phases"]) == ("A title", "PHASE2|PHASE3")
    assert s["present_fields"] == "brief_title|nct_id|phases"
    assert rs.sources.loc[
        rs.sources["field"] == "identificationModule.briefTitle", "column"
    ].tolist() == [15]


def test_present_fields_follow_the_columns():
    rs = _read(
        CSV_DIR
        / "michaelchang64__clinical_trial_trends__raw_csvs__2024-11-05_21-21-12__ct_us_latest.csv"
    )
    assert set(rs.studies["present_fields"]) == {
        "brief_title|completion_date|conditions|first_submit_date|last_update_date|lead_sponsor|"
        "nct_id|primary_completion_date|start_date"
    }
    assert rs.studies["brief_summary"].isna().all()
    assert rs.outcomes.empty and rs.interventions.empty


def test_chunks():
    chunks = list(read_paths([NEW], chunk_size=50))
    assert [len(c) for c in chunks] == [50, 50, 21]
    assert all(len(c.sources[c.sources["field"] == ""]) == len(c) for c in chunks)


def test_undecodable_row_is_an_error():
    text = b"NCT Number,Study Title\nNCT00000001,Caf\xe9\nNCT00000002,OK\n".decode(
        "utf-8", errors="surrogateescape"
    )
    rs = _read_text(text, "x.csv")
    assert rs.studies["record_id"].tolist() == ["NCT00000002"]
    assert rs.errors[0]["line"] == 2 and "not UTF-8" in rs.errors[0]["reason"]


def test_spreadsheet_dates_become_iso():
    rs = _read(CSV_DIR / "spikar__llama_parser__ctg-studies2.csv")
    s = _study(rs, "NCT03343093")
    assert s["start_date"] == "2019-01-01"  # written 1/1/2019 by a spreadsheet
    assert rs.studies["last_update_date"].str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").all()


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("February 1, 2020", "2020-02-01"),
        ("February 2020", "2020-02"),
        ("2020-02-01", "2020-02-01"),
        ("2020-02", "2020-02"),
        ("Sept 3, 2019", "2019-09-03"),
        ("12/31/2020", "2020-12-31"),
        ("31/12/2020", "2020-12-31"),
        ("null", None),
        ("", None),
        ("soon", "soon"),
    ],
)
def test_norm_date(raw, iso):
    assert norm_date(raw) == iso


def test_norm_enums():
    assert norm_status("Active, not recruiting") == "ACTIVE_NOT_RECRUITING"
    assert norm_status("Not yet recruiting") == "NOT_YET_RECRUITING"
    assert norm_status("Unknown status") == "UNKNOWN"
    assert norm_status("COMPLETED") == "COMPLETED"
    assert norm_status("Finished") == "Finished"  # not an enum: kept as written
    assert norm_phases("Phase 1|Phase 2") == "PHASE1|PHASE2"
    assert norm_phases("PHASE1|PHASE2") == "PHASE1|PHASE2"
    assert norm_phases("Early Phase 1") == "EARLY_PHASE1"
    assert norm_phases("Not Applicable") == norm_phases("NA") == "NA"
    assert norm_study_type("Observational [Patient Registry]") == "OBSERVATIONAL"
    assert norm_study_type("Expanded Access:Treatment IND/Protocol") == "EXPANDED_ACCESS"
    assert norm_results("Has Results") is True and norm_results("YES") is True
    assert norm_results("No Results Available") is False and norm_results("NO") is False
    assert norm_results("") is None


def test_norm_design():
    assert norm_design(
        "Allocation: RANDOMIZED|Intervention Model: PARALLEL|"
        "Masking: DOUBLE (PARTICIPANT, INVESTIGATOR)|Primary Purpose: TREATMENT"
    ) == {
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "DOUBLE",
        "who_masked": "PARTICIPANT|INVESTIGATOR",
        "primary_purpose": "TREATMENT",
    }
    assert norm_design(
        "Allocation: N/A|Intervention Model: Single Group Assignment|Masking: None (Open Label)|"
        "Primary Purpose: Supportive Care"
    ) == {
        "allocation": "NA",
        "intervention_model": "SINGLE_GROUP",
        "masking": "NONE",
        "primary_purpose": "SUPPORTIVE_CARE",
    }
    assert norm_design(
        "Masking: Quadruple (Participant, Care Provider, Investigator, Outcomes Assessor)"
    ) == {
        "masking": "QUADRUPLE",
        "who_masked": "PARTICIPANT|CARE_PROVIDER|INVESTIGATOR|OUTCOMES_ASSESSOR",
    }
    assert norm_design("Observational Model: Cohort|Time Perspective: Prospective") == {}
    assert norm_design("Observational Model: |Time Perspective: p") == {}


def test_field_size_limit_is_raised():
    big = "x" * 200_000  # longer than the csv module's default field limit
    text = f'NCT Number,Brief Summary\nNCT00000001,"{big}"\n'
    rs = _read_text(text, "big.csv")
    # read whole (no csv error); what rules check is cut at MAX_TEXT_CHARS, and the cut reported
    assert not rs.errors and len(rs.studies["brief_summary"].iloc[0]) == MAX_TEXT_CHARS
    assert list(rs.issues["field"]) == ["descriptionModule.briefSummary"]
    assert "text of 200,000 characters" in rs.issues["message"].iloc[0]


def test_non_utf8_bytes_fail_only_their_row(tmp_path):
    from trialint.frames import RecordSet
    from trialint.read import read_paths

    p = tmp_path / "latin.csv"
    p.write_bytes(
        b"NCT Number,Study Title\nNCT01234567,Good\nNCT01234568,Bad \xff title\nNCT01234569,Good too\n"
    )
    rs = RecordSet.concat(read_paths([p]))
    assert list(rs.studies["record_id"]) == ["NCT01234567", "NCT01234569"]
    assert [(e["line"], e["record_id"]) for e in rs.errors] == [(3, "NCT01234568")]


def test_a_trial_listed_twice_stays_two_records(tmp_path):
    """Rules group by record id: two copies of a trial must never merge into one record."""
    row = "NCT00000009,A title,{}\n"
    (tmp_path / "a.csv").write_text(
        "NCT Number,Study Title,Conditions\n" + row.format("Asthma") + row.format("Gout")
    )
    (tmp_path / "b.csv").write_text("NCT Number,Study Title,Conditions\n" + row.format("Acne"))
    chunks = list(read_paths([tmp_path]))
    ids = [rid for rs in chunks for rid in rs.studies["record_id"]]
    assert sorted(ids) == ["NCT00000009", "NCT00000009", "NCT00000009#2"]
    for rs in chunks:  # within a chunk every record id is unique, and so are its conditions
        assert rs.studies["record_id"].is_unique
        assert rs.terms.groupby("record_id")["term"].count().max() == 1
    conditions = {t for rs in chunks for t in rs.terms["term"]}
    assert conditions == {"Asthma", "Gout", "Acne"}
