"""The `schema` kind's own evaluation of the pandera schemas (no pandera import on a check) gives
pandera's failure cases, value for value and in pandera's order; what it does not evaluate goes
to pandera."""

from __future__ import annotations

import itertools
from collections import Counter

import pandas as pd
import pytest

from conftest import CORPUS, ROOT
from trialint.kinds import schema
from trialint.read import read_paths

# values a registry export really has in coded, date, id and text columns, and near misses
ODD_VALUES = [
    "RECRUITING",
    "recruiting",
    "RECRUITING ",
    " RECRUITING",
    "RECRUITING\n",
    "RÉCRUITING",
    "Recruiting",
    "",
    "NA",
    "N/A",
    "PHASE1|PHASE2",
    "PHASE1|",
    "Phase 2",
    "PHASE1|PHASE2\n",
    "PARTICIPANT|OUTCOMES_ASSESSOR",
    "2020",
    "2020-01",
    "2020-01-31",
    "2020-13-01",
    "2020-02-30",
    "2020-01-31\n",
    "January 2020",
    "２０２０-01-01",
    "NCT01234567",
    "NCT0123456",
    "NCT012345678",
    "nct01234567",
    "NCT01234567\n",
    "x" * 14,
    "x" * 15,
    "é" * 15,
    "a\u00a0b" * 10,
    "word " * 70,
    "long " * 1300,
    "EXPERIMENTAL",
    "DRUG",
    "Drug",
    "ACTIVE_COMPARATOR",
    "ALL",
    "FEMALE",
    "male",
    "ACTUAL",
    "ESTIMATED",
    "Anticipated",
    None,
]


def _rows(fc: pd.DataFrame) -> list[list[str]]:
    return [list(map(str, r)) for r in fc[schema.FAILURE_COLUMNS].itertuples(index=False)]


def _mangled(df: pd.DataFrame, offset: int) -> pd.DataFrame:
    """``df``'s first rows with every text column but record_id filled with the odd values
    (rotated)."""
    out = df.head(80).copy()
    cycle = itertools.cycle(ODD_VALUES[offset:] + ODD_VALUES[:offset])
    for col in out.columns:
        if col != "record_id" and isinstance(out[col].dtype, pd.StringDtype):
            out[col] = pd.array([next(cycle) for _ in range(len(out))], dtype=out[col].dtype)
    return out


@pytest.fixture(scope="module")
def chunks():
    paths = [
        CORPUS / "ctgov_v2_json",
        CORPUS / "ctgov_classic_json",
        CORPUS / "other_registries",
        CORPUS / "ctgov_csv",
        ROOT / "examples",
    ]
    return list(read_paths([str(p) for p in paths]))


@pytest.fixture(scope="module")
def cases(chunks):
    """(frame name, frame, pandera's failing values): every frame of the real records, and
    the first rows of each with the odd values."""
    out = []
    for i, rs in enumerate(chunks):
        for frame in schema.FRAMES:
            for df in (getattr(rs, frame), _mangled(getattr(rs, frame), i)):
                out.append((frame, df, _rows(schema.pandera_failures(frame, df))))
    return out


def test_every_builtin_schema_is_evaluated_without_pandera():
    for frame in schema.FRAMES:
        assert schema.plain_schema(frame), frame


# a chunk's checks run value by value up to SMALL_FRAME rows, as pandas calls above: both ways
@pytest.mark.parametrize("small_frame", [0, 10**9], ids=["pandas", "by-value"])
def test_plain_failures_equal_pandera(cases, small_frame, monkeypatch):
    monkeypatch.setattr(schema, "SMALL_FRAME", small_frame)
    rows: Counter[str] = Counter()
    failing: Counter[str] = Counter()
    for frame, df, expected in cases:
        plain = schema.plain_failures(frame, df)
        assert plain is not None
        assert _rows(plain) == expected, frame
        rows[frame] += len(df)
        failing[frame] += len(expected)
    assert min(rows.values()) > 1000
    assert min(failing.values()) > 100  # the odd values do fail, in every frame


def test_what_the_plain_path_does_not_evaluate_goes_to_pandera(chunks):
    studies = chunks[0].studies
    # a missing column: pandera reports it (no failing value) and checks the other columns
    assert schema.plain_failures("studies", studies.drop(columns=["overall_status"])) is None
    # a column that is not text (a DataFrame given to the API)
    odd = studies.assign(acronym=studies["acronym"].astype(object))
    assert schema.plain_failures("studies", odd) is None
    bad = odd.assign(overall_status="recruiting")
    fc = schema.failures(type(chunks[0])(studies=bad), "studies")
    status = fc[fc["column"] == "overall_status"]
    assert set(status["failure_case"]) == {"recruiting"}
    assert len(status) == len(bad)
