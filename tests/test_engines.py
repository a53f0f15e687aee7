"""The same findings however a run is carried out: with or without the kinds' prefilters, in one
process or in worker processes, on the local engine or on a dask cluster; over the whole corpus."""

from __future__ import annotations

import gzip
import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import CORPUS, SEEDS
from trialint import check
from trialint.cli import main
from trialint.read import read_paths
from trialint.read.tasks import NdjsonRange, plan

# every format the readers know, and every rule (also those off by default)
INPUTS = [
    SEEDS,
    CORPUS / "ctgov_v2_json" / "studies.ndjson",
    CORPUS / "ctgov_classic_json" / "studies.ndjson",
    CORPUS / "ctgov_xml",
    CORPUS / "ctgov_csv",
]
CHUNK = 2500  # several chunks per input, so that workers share the work


def _run(**kwargs):
    return check(INPUTS, select=["ALL"], chunk_size=CHUNK, **kwargs)


@pytest.fixture(scope="module")
def serial():
    """The reference: one process, prefilters on."""
    return _run(jobs=1)


def _same(a, b):
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.contexts, b.contexts)


def test_the_reference_run_is_substantial(serial):
    assert serial.record_count > 15_000
    assert len(serial.frame) > 10_000
    assert serial.frame["rule"].nunique() > 30


def test_prefilters_drop_nothing_and_workers_change_nothing(serial):
    """Every rule's full check on every record (no prefilter), in 2 worker processes, finds
    exactly what the two-stage run in one process finds."""
    _same(serial, _run(jobs=2, prefilter=False))


def test_dask_engine_on_a_local_cluster_is_byte_identical(serial):
    """The dask engine on a LocalCluster with 2 workers: the same findings, and the same bytes
    of JSON output as the local engine."""
    pytest.importorskip("distributed")
    on_dask = _run(engine="dask", jobs=2)
    _same(serial, on_dask)
    assert on_dask.render("json") == serial.render("json")


def test_profile_times_every_rule():
    found = check([SEEDS], profile=True, jobs=1)
    assert set(found.rules) <= set(found.timings)
    assert {"read", "locate", "total"} <= set(found.timings)
    assert all(v >= 0 for v in found.timings.values())
    assert check([SEEDS]).timings == {}


def test_cli_profile_and_engine_options(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["check", "--profile", "-j", "1", "--format", "json", str(SEEDS)])
    assert out.exit_code == 1
    assert "profile: 2 records" in out.stderr and "inconsistent-cycle-length" in out.stderr
    bad = runner.invoke(main, ["check", "--scheduler", "tcp://127.0.0.1:1", str(SEEDS)])
    assert bad.exit_code == 2 and "--engine dask" in bad.output


def test_cli_dask_engine_writes_what_the_local_engine_writes(tmp_path):
    pytest.importorskip("distributed")
    runner = CliRunner()
    local = runner.invoke(main, ["check", "--isolated", "--format", "json", str(SEEDS)])
    dask = runner.invoke(
        main, ["check", "--isolated", "--engine", "dask", "-j", "2", "--format", "json", str(SEEDS)]
    )
    assert local.exit_code == dask.exit_code == 1
    assert dask.stdout == local.stdout and '"records": 2' in local.stdout


def test_ndjson_is_cut_into_line_ranges_with_their_line_numbers(tmp_path):
    lines = (CORPUS / "ctgov_v2_json" / "studies.ndjson").read_bytes().splitlines(keepends=True)
    src = tmp_path / "s.ndjson"
    src.write_bytes(b"".join(lines[:25]) + b"\n" + b"not json\n" + lines[25].rstrip(b"\n"))
    tasks = list(plan([src], 10))
    assert all(isinstance(t, NdjsonRange) for t in tasks)
    assert [t.first_line for t in tasks] == [1, 11, 21]
    chunks = list(read_paths([src], chunk_size=10))
    assert [len(c) for c in chunks] == [10, 10, 6]
    assert chunks[2].errors[0]["line"] == 27
    lines_of = [c.sources["line"].tolist() for c in chunks]
    assert lines_of[0] == list(range(1, 11)) and lines_of[2] == [21, 22, 23, 24, 25, 28]
    # a gzipped copy is cut the same way and reads the same records on the same lines
    gz = tmp_path / "s.ndjson.gz"
    with src.open("rb") as fh, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(fh, out)
    gz_chunks = list(read_paths([gz], chunk_size=10))
    assert [c.sources["line"].tolist() for c in gz_chunks] == lines_of
    assert gz_chunks[2].errors[0]["line"] == 27


def test_an_empty_ndjson_file_reads_as_nothing(tmp_path):
    (tmp_path / "e.ndjson").write_bytes(b"")
    assert list(read_paths([tmp_path / "e.ndjson"])) == []


def test_record_text_and_record_mask_for_prefilters():
    from trialint.frames import RecordSet
    from trialint.kinds.patterns import literals_pattern, record_mask

    rs = RecordSet.concat(read_paths([SEEDS, CORPUS / "ctgov_v2_json" / "studies.ndjson"]))
    joined = rs.record_text()
    assert len(joined) == len(rs) and joined.index.equals(rs.studies.index)
    texts = rs.located_texts()
    words = ["date of randomization", "Overall Survival (OS)", "(each cycle is 28 days)"]
    want = texts[
        texts["text"].str.lower().str.contains("|".join(map(re.escape, [w.lower() for w in words])))
    ]["record_id"]
    got = record_mask(rs, literals_pattern(words))
    assert got.sum() > 10
    assert set(rs.studies["record_id"][got]) == set(want)
    # anchors need multi-line mode in the joined text
    assert record_mask(rs, "(?m)^Single Arm").sum() >= 1
    assert rs.derived("n", len) == len(rs) and rs.derived("n", lambda _: -1) == len(rs)


def test_workers_only_for_inputs_of_more_than_one_chunk(monkeypatch):
    """Auto (jobs=None, the command line's default): a pool for more than one chunk of records,
    this process for one; jobs=1 never starts one."""
    from trialint import pipeline

    pooled: list[int] = []

    def fake_pool(tasks, job, workers):
        pooled.append(workers)
        for task in tasks:
            yield from pipeline.check_task(task, job)

    monkeypatch.setattr(pipeline, "_run_pool", fake_pool)
    v2 = CORPUS / "ctgov_v2_json" / "studies.ndjson"
    one = check([v2], select=["schema-nct-id"], jobs=None)
    assert pooled == [] and one.record_count > 1000
    many = check([v2], select=["schema-nct-id"], jobs=None, chunk_size=500)
    if pipeline.default_workers() > 1:  # a machine of one CPU has nothing to share
        assert pooled == [pipeline.default_workers()]
    assert many.record_count == one.record_count
    check([v2], select=["schema-nct-id"], jobs=1, chunk_size=500)
    assert len(pooled) <= 1


def test_lazy_pattern_compiles_on_first_use():
    from trialint.kinds.patterns import LazyPattern

    p = LazyPattern(r"cycle\s+([0-9]+)", re.IGNORECASE)
    assert p._compiled is None
    assert p.search("At the end of CYCLE 6").group(1) == "6"
    assert p.compiled() is p.compiled() and p.sub("#", "cycle 2, cycle 3") == "#, #"


def test_without_contexts_the_same_json_and_no_texts_kept():
    """JSON output needs no flagged-field texts: check(contexts=False) keeps none, writes the
    same bytes; a baseline (which matches on those texts) keeps them all the same."""
    full = check([SEEDS], jobs=1)
    lean = check([SEEDS], jobs=1, contexts=False)
    assert len(full.contexts) > 3 and lean.contexts.empty
    assert lean.render("json") == full.render("json")
    assert lean.render("jsonl") == full.render("jsonl")
