"""`trialint check` over every file of ../shared/corpus: no crash, every record read or reported.

One sweep (module scope) over the whole corpus with every default rule, the run-level
duplicate-registration included; slow-ish (about a minute and a half on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trialint import api
from trialint.cli import main
from trialint.frames import RecordSet
from trialint.read import RECORD_EXTENSIONS, read_paths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def sweep():
    return api.check([CORPUS], config=False)


def test_the_whole_corpus_is_checked(sweep):
    records = sweep.records
    assert len(records) > 40_000
    registries = set(records["registry"].dropna())
    assert {"ctgov", "euctr", "ctis", "isrctn", "chictr", "ctri", "irct", "drks", "anzctr",
            "jprn"} <= registries  # fmt: skip
    formats = set(records["source_format"].dropna())
    assert {"ctgov-v2-json", "ctgov-xml", "ctgov-csv", "ctgov-classic-json", "who-ictrp-csv",
            "who-ictrp-xlsx", "who-ictrp-xml", "euctr-text", "euctr-csv", "eudract-results-xml",
            "ctrdata-json"} <= formats  # fmt: skip
    f = sweep.frame
    assert (f["rule"] == "duplicate-registration").any()
    errors = f[f["rule"] == "read-error"]
    assert errors["source_path"].notna().all()
    # what is not read is a table of another kind, never a registry export
    bad_files = {Path(p).name for p in errors["source_path"]}
    assert not any(n.startswith(("COVID19-", "ICTRP-", "ctrdata", "euctr", "studies.ndjson",
                                 "records.ndjson")) for n in bad_files if "outcome_history" not in n)  # fmt: skip


def test_every_other_file_gives_a_read_error_or_a_skip_note_not_a_crash():
    others = [
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and not p.name.lower().endswith(RECORD_EXTENSIONS)
    ]
    assert others  # README.md, PROVENANCE.md, reference/*.yaml, *.xsd, the ChiCTR HTML page
    for p in others:
        rs = RecordSet.concat(read_paths([p]))
        assert len(rs) == 0 or rs.errors == [], p
        # plainly not a record (a schema, a README): skipped with a note; else a read error
        assert len(rs) or rs.errors or rs.skipped, p
        assert all(e["path"] == str(p) for e in [*rs.errors, *rs.skipped])


def test_the_command_line_on_a_registry_folder():
    res = CliRunner().invoke(
        main, ["check", str(CORPUS / "other_registries" / "eu_ctr"), "--isolated", "-q",
               "--statistics"],
    )  # fmt: skip
    assert res.exit_code in (0, 1), res.output
    assert "read-error" not in res.output
