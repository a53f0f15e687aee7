"""The vectorized prefilters of the core kinds drop no record that would fire: over the whole
corpus (API v2 JSON, legacy XML, site CSV), findings with and without the prefilter are equal."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from conftest import CORPUS
from trialint.engine import check_recordset
from trialint.frames import RecordSet
from trialint.read import read_paths

RULES = ("duplicate-summary-block", "randomization-in-single-arm", "inconsistent-cycle-length")
KEY = ["record_id", "rule", "severity", "field", "start", "end", "message"]


@cache
def _corpus(fmt: str) -> RecordSet:
    if fmt == "v2":
        paths = [CORPUS / "ctgov_v2_json" / "studies.ndjson"]
    elif fmt == "xml":
        paths = sorted((CORPUS / "ctgov_xml").glob("*.xml"))
    else:
        paths = sorted((CORPUS / "ctgov_csv").glob("*.csv"))
    return RecordSet.concat(read_paths(paths, chunk_size=100_000))


def _rows(found: pd.DataFrame) -> list[tuple]:
    return sorted(map(tuple, found[KEY].astype("str").itertuples(index=False)))


@pytest.mark.parametrize("fmt", ["v2", "xml", "csv"])
def test_prefilters_drop_no_finding(rules, fmt: str) -> None:
    rs = _corpus(fmt)
    chosen = [rules[r] for r in RULES]
    with_pf = check_recordset(rs, chosen, prefilter=True)
    without = check_recordset(rs, chosen, prefilter=False)
    assert _rows(with_pf) == _rows(without)
    # and the corpus does exercise them
    if fmt != "csv":
        assert set(with_pf["rule"]) == set(RULES)


@pytest.mark.parametrize("rule_id", RULES)
def test_prefilters_drop_most_records(rules, rule_id: str) -> None:
    from trialint.kinds import KINDS

    rs = _corpus("v2")
    rule = rules[rule_id]
    keep = KINDS[rule.kind].prefilter(rs, rule.params)
    assert keep is not None and len(keep) == len(rs.studies)
    assert 0 < int(pd.Series(keep).sum()) < len(rs.studies)
