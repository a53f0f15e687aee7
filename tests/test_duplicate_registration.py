"""duplicate-registration: the run-level mechanism, the pair-level accuracy floor on the labelled
pairs, and the rule over a real export."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from trialint import api
from trialint.engine import check_recordset, collect_keys, run_level_findings
from trialint.frames import RecordSet
from trialint.kinds.duplicate_registration import candidate_pairs, keys
from trialint.read import read_paths
from trialint.rules import load_rules

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accuracy import duplicate_registration as acc

ICTRP = acc.CORPUS / "other_registries" / "who_ictrp"
RULES = load_rules()
RULE = RULES["duplicate-registration"]


@pytest.fixture(scope="module")
def corpus_keys() -> pd.DataFrame:
    return acc.collect_keys()


def test_labelled_pairs_are_many_and_balanced():
    labels = pd.read_csv(acc.PAIRS)
    assert len(labels) >= 150
    assert set(labels["same_trial"]) == {0, 1}
    assert labels["evidence"].str.len().min() > 10  # every label says why


def test_precision_floor_on_the_labelled_pairs(corpus_keys):
    r = acc.evaluate(corpus_keys)
    assert r.precision >= 0.9, (r.tp, r.fp)
    assert r.recall >= 0.75, (r.tp, r.fn)


def test_blocking_is_not_all_pairs(corpus_keys):
    pairs = candidate_pairs(corpus_keys, RULE.params)
    n = len(corpus_keys)
    assert len(pairs) < 2 * n  # near-linear: a few candidates per record, never n^2/2
    assert (pairs[:, 0] < pairs[:, 1]).all()


def test_chunked_run_equals_one_chunk():
    """Keys collected per chunk give the same findings as one record set: the run-level pass
    sees the whole run whatever the chunking."""
    path = ICTRP / "ICTRP-Results_18Mar2020.xml"
    whole = RecordSet.concat(read_paths([path]))
    one = check_recordset(whole, [RULE])
    chunks = list(read_paths([path], chunk_size=50))
    assert len(chunks) > 5
    k = {RULE.id: [collect_keys(rs, [RULE])[RULE.id] for rs in chunks]}
    many = run_level_findings(k, [RULE])
    cols = ["record_id", "message"]
    assert not one.empty
    assert sorted(map(tuple, one[cols].values)) == sorted(map(tuple, many[cols].values))


def test_check_reports_both_records_with_twin_evidence_and_place():
    found = api.check([ICTRP / "COVID19-web_22Jul2020.csv"], select=["duplicate-registration"])
    f = found.frame
    assert not f.empty
    row = f[f["record_id"] == "ChiCTR2000031319"].iloc[0]
    assert "NCT04336254" in row["message"] and "similarity" in row["message"]
    assert row["source_path"].endswith("COVID19-web_22Jul2020.csv") and row["source_line"] > 1
    assert row["excerpt"].startswith("Safety and Efficacy Study of Allogeneic")
    twin = f[f["record_id"] == "NCT04336254"]
    assert twin["message"].str.contains("ChiCTR2000031319").any()
    # the same registration in two files of one run is not a duplicate of itself
    both = api.check(
        [ICTRP / "COVID19-web_22Jul2020.csv", ICTRP / "COVID19-web_22Jul2020.xlsx"],
        select=["duplicate-registration"],
    ).frame
    assert (
        not both["message"]
        .str.contains(r"NCT04336254 \(", regex=True)[both["record_id"] == "NCT04336254"]
        .any()
    )
    # a record names each twin once, however many files hold the twin
    per = both.groupby(["record_id", "source_path"])["message"].apply(list)
    for msgs in per:
        twins = [m.split(":")[1].split("(")[0].strip() for m in msgs]
        assert len(twins) == len(set(twins))


def test_bridged_pairs_go_to_the_info_rule():
    bridged = RULES["duplicate-registration-bridged"]
    assert not bridged.enabled and bridged.severity == "info"
    rs = RecordSet.concat(read_paths([ICTRP / "COVID19-web_22Jul2020.csv"]))
    warn = check_recordset(rs, [RULE])
    info = check_recordset(rs, [bridged])
    assert not info.empty and info["message"].str.contains("WHO ICTRP links").any()
    pairs_w = {
        tuple(sorted((r, m.split(":")[1].split("(")[0].strip())))
        for r, m in zip(warn.record_id, warn.message, strict=True)
    }
    pairs_i = {
        tuple(sorted((r, m.split(": ")[1].split(" describes")[0].strip())))
        for r, m in zip(info.record_id, info.message, strict=True)
    }
    assert not pairs_w & pairs_i


def test_keys_are_small():
    rs = RecordSet.concat(read_paths([ICTRP / "ICTRP-Results_18Mar2020.xml"]))
    k = keys(rs, {})
    assert len(k) == len(rs)
    per_record = k.memory_usage(deep=True).sum() / len(k)
    assert per_record < 2000
