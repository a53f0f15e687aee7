"""The bundled examples (examples/README.md) give the findings their README promises."""

from __future__ import annotations

from conftest import ROOT
from trialint import check

CORE = {
    "duplicate-summary-block",
    "randomization-in-single-arm",
    "inconsistent-cycle-length",
    "endpoint-not-defined",
}


def test_examples_show_each_core_defect_on_real_records():
    found = check([ROOT / "examples"])
    f = found.frame
    assert "read-error" not in set(f["rule"])
    core = f[f["rule"].isin(CORE)].groupby("record_id")["rule"].agg(set).to_dict()
    assert core["NCT00555971"] == {"duplicate-summary-block"}
    assert core["NCT03241758"] == {"endpoint-not-defined"}
    assert core["NCT05031416"] == {"randomization-in-single-arm"}
    assert core["NCT01891968"] == {"inconsistent-cycle-length"}
    clean = {"NCT07115342", "NCT07148791"}
    assert clean.isdisjoint(set(f["record_id"]))
    assert found.record_count == 8  # 2 seeds, 5 API v2 records, 1 legacy XML record
