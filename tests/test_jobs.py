"""Checking chunks in worker processes gives exactly the serial result, in input order."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from trialint import check
from trialint.cli import main

INPUTS = [SEEDS, CORPUS / "ctgov_v2_json" / "studies.ndjson"]


def test_parallel_check_equals_serial_check():
    serial = check(INPUTS, chunk_size=400)
    parallel = check(INPUTS, chunk_size=400, jobs=2)
    assert len(serial.frame) > 100
    pd.testing.assert_frame_equal(serial.frame, parallel.frame)
    pd.testing.assert_frame_equal(serial.records, parallel.records)
    pd.testing.assert_frame_equal(serial.contexts, parallel.contexts)


def test_jobs_option_and_its_bounds():
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "-j", "2", "--format", "json", str(SEEDS)])
    assert ok.exit_code == 1 and '"records": 2' in ok.output, ok.output[-2000:]
    bad = runner.invoke(main, ["check", "--jobs", "-1", str(SEEDS)])
    assert bad.exit_code == 2 and "--jobs" in bad.output
