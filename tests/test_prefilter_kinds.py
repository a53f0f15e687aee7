"""The vectorized first stage of the non-core kinds drops no record that the full check flags:
on the whole corpus (API v2 JSON, legacy XML, site CSV), checking with the prefilter gives the
same findings as checking without it, for every rule of these kinds (default-off rules too)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trialint.engine import check_recordset
from trialint.kinds import KINDS
from trialint.read import read_paths

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PREFILTERED_KINDS = (
    "outcome_abbreviation",
    "repeated_outcome_description",
    "arm_description_copied",
    "sentence_pattern",
    "design_wording",
    "field_conditions",
    "placebo_arm_active",
    "drug_trial_phase_na",
    "outcome_pattern",
    "design_conflict",
    "field-shape",
)
COLUMNS = ["record_id", "rule", "field", "start", "end", "message"]


def test_these_kinds_declare_a_prefilter():
    for name in PREFILTERED_KINDS:
        assert getattr(KINDS[name], "prefilter_fn", None) is not None, name


@pytest.fixture(scope="module")
def chunks():
    paths = [
        CORPUS / "ctgov_v2_json" / "studies.ndjson",
        CORPUS / "ctgov_xml",
        CORPUS / "ctgov_csv",
    ]
    return [chunk for path in paths for chunk in read_paths([path])]


def _found(chunks, rules, prefilter: bool) -> pd.DataFrame:
    parts = [check_recordset(c, rules, prefilter=prefilter) for c in chunks]
    out = pd.concat(parts, ignore_index=True)
    out = out[out["rule"] != "read-error"][COLUMNS].astype("str")
    return out.sort_values(COLUMNS).reset_index(drop=True)


@pytest.mark.parametrize("kind", PREFILTERED_KINDS)
def test_prefilter_drops_nothing_the_check_flags(rules, chunks, kind):
    chosen = [r for r in rules.values() if r.kind == kind]
    assert chosen, kind
    with_prefilter = _found(chunks, chosen, True)
    without = _found(chunks, chosen, False)
    pd.testing.assert_frame_equal(with_prefilter, without)
    # the comparison means something: the corpus has hits for every kind but the rarest
    if kind not in ("arm_description_copied",):
        assert len(without) > 0, kind


def test_carried_answers_as_frames_carries(chunks):
    from trialint.frames import LIST_FIELDS, STUDY_COLUMNS, carries
    from trialint.kinds.patterns import Carried

    for chunk in chunks:
        carried = Carried(chunk.studies)
        for name in (*STUDY_COLUMNS, *LIST_FIELDS, "has_results"):
            expected = carries(chunk.studies, name).to_numpy()
            assert (carried(name).to_numpy() == expected).all(), name
