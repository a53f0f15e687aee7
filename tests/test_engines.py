"""The same findings however a run is carried out: with or without the kinds' prefilters, in one
process or in worker processes, on the local engine or on a dask cluster; over the whole corpus."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys

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


def test_without_contexts_the_same_outputs_where_no_text_is_needed(tmp_path):
    """CSV, JUnit and GitHub outputs need no flagged-field texts: check(contexts=False) keeps
    none and writes the same bytes. The JSON, JSON Lines, SARIF and GitLab outputs hash those
    texts into their fingerprints: the command line keeps them for those formats, and a
    baseline (which matches on them) keeps them whatever is asked."""
    from trialint.cli import _FORMATS_WITH_CONTEXTS

    full = check([SEEDS], jobs=1)
    lean = check([SEEDS], jobs=1, contexts=False)
    assert len(full.contexts) > 3 and lean.contexts.empty
    for fmt in ("csv", "junit", "github"):
        assert fmt not in _FORMATS_WITH_CONTEXTS
        assert lean.render(fmt) == full.render(fmt), fmt
    assert {"json", "jsonl", "sarif", "gitlab"} <= _FORMATS_WITH_CONTEXTS
    assert lean.render("json") != full.render("json")  # the fingerprints hash the texts
    runner = CliRunner()
    out = runner.invoke(main, ["check", "--isolated", "--format", "json", "-j", "1", str(SEEDS)])
    assert out.stdout == full.render("json")
    baseline = tmp_path / "b.json"
    runner.invoke(main, ["check", "--isolated", "--write-baseline", str(baseline), str(SEEDS)])
    kept = check([SEEDS], jobs=1, contexts=False, baseline=baseline)
    assert len(kept.contexts) == len(full.contexts) and len(kept.suppressed) == len(full.frame)


# --- the same on inputs that go wrong: read errors, limits, files that are not records ----------

V2 = CORPUS / "ctgov_v2_json" / "studies.ndjson"
BOMB_BYTES = 40 << 20  # compresses to ~40 kB: far past the decompression limit (16 MB + 100x)


def _v2_lines(n: int) -> list[bytes]:
    out: list[bytes] = []
    with V2.open("rb") as fh:
        for line in fh:
            out.append(line.rstrip(b"\n"))
            if len(out) == n:
                break
    return out


@pytest.fixture(scope="module")
def odd_inputs(tmp_path_factory):
    """Good records beside every way reading goes wrong: a line that is not JSON inside an
    NDJSON file cut in several tasks, a broken JSON document, UTF-16 and a UTF-8 BOM, a gzip
    bomb streamed line by line and one read whole, a truncated gzip stream, an XML entity
    bomb, and files that are plainly not registry records (skipped, not read errors)."""
    d = tmp_path_factory.mktemp("odd")
    lines = _v2_lines(40)
    (d / "a.ndjson").write_bytes(b"\n".join(lines[:25]) + b"\nnot json\n" + lines[25] + b"\n")
    (d / "broken.json").write_bytes(lines[26][:300])
    (d / "utf16.json").write_bytes(lines[27].decode("utf-8").encode("utf-16"))
    (d / "bom.json").write_bytes(b"\xef\xbb\xbf" + lines[28])
    with gzip.open(d / "bomb.ndjson.gz", "wb") as fh:
        fh.write(lines[29] + b"\n" + lines[30] + b"\n" + b" " * BOMB_BYTES + b"\n" + lines[31])
    (d / "bomb.json.gz").write_bytes(gzip.compress(b"[" + b" " * BOMB_BYTES + b"]"))
    whole = gzip.compress(b"\n".join(lines[32:40]) + b"\n")
    (d / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    (d / "laughs.xml").write_bytes(
        b'<?xml version="1.0"?>\n<!DOCTYPE clinical_study [\n<!ENTITY a "xxxxxxxxxx">\n'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
        b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        b"<brief_title>&b;</brief_title></clinical_study>"
    )
    (d / "package.json").write_text('{"name": "site", "dependencies": {"react": "^18"}}')
    (d / "requirements.txt").write_text("pandas>=3\nclick\n")
    (d / "events.jsonl").write_text('{"level": "info", "msg": "a"}\n{"level": "info"}\n')
    return d


def _odd_check(path, **kwargs):
    return check([path], select=["ALL"], chunk_size=10, **kwargs)


@pytest.fixture(scope="module")
def odd_serial(odd_inputs):
    return _odd_check(odd_inputs, jobs=1)


def test_odd_inputs_are_read_as_the_serial_reader_reads_them(odd_inputs, odd_serial):
    """The reference run itself: every limit and sniff applies (the tasks of the parallel
    path are what the serial path reads, so this is what every engine must give)."""
    errs = odd_serial.read_errors
    names = [p.rsplit("/", 1)[-1] for p in errs["source_path"]]
    reasons = dict(zip(names, errs["message"], strict=True))
    assert set(reasons) == {
        "a.ndjson",
        "broken.json",
        "bomb.ndjson.gz",
        "bomb.json.gz",
        "cut.ndjson.gz",
        "laughs.xml",
    }, reasons
    assert "decompression bomb" in reasons["bomb.ndjson.gz"]
    assert "decompression bomb" in reasons["bomb.json.gz"]
    assert "declares an entity" in reasons["laughs.xml"]
    lines = dict(zip(names, errs["source_line"], strict=True))
    assert lines["a.ndjson"] == 26 and lines["bomb.ndjson.gz"] == 3
    assert {s["path"].rsplit("/", 1)[-1] for s in odd_serial.skipped} == {
        "package.json",
        "requirements.txt",
        "events.jsonl",
    }
    # 26 of a.ndjson, the UTF-16 and BOM records, 2 before the bomb, those before the cut
    assert 30 <= odd_serial.record_count < 38
    assert odd_serial.checked["records"] == odd_serial.record_count
    assert len(odd_serial.files) == 11 and odd_serial.problems()


def _same_run(a, b):
    _same(a, b)
    assert a.skipped == b.skipped and a.files == b.files and a.checked == b.checked
    assert a.render("json") == b.render("json")
    assert a.render("sarif") == b.render("sarif")


def test_odd_inputs_give_the_same_run_in_worker_processes(odd_inputs, odd_serial):
    _same_run(odd_serial, _odd_check(odd_inputs, jobs=2))


def test_odd_inputs_give_the_same_run_on_dask(odd_inputs, odd_serial):
    pytest.importorskip("distributed")
    _same_run(odd_serial, _odd_check(odd_inputs, engine="dask", jobs=2))


def test_cli_exit_code_and_outputs_do_not_depend_on_the_engine(odd_inputs, tmp_path):
    """Read errors make the run exit 2 whatever the engine; stdout, the notes on stderr and the
    written output are the same bytes."""
    runs = {}
    for name, opts in {
        "serial": ["-j", "1"],
        "pool": ["-j", "2"],
        "dask": ["--engine", "dask", "-j", "2"],
    }.items():
        out = tmp_path / f"{name}.json"
        runs[name] = subprocess.run(
            [sys.executable, "-m", "trialint", "check", str(odd_inputs), "--isolated",
             "--select", "ALL", "-o", str(out), *opts],
            capture_output=True,
            text=True,
            timeout=600,
        )  # fmt: skip
        runs[name].written = out.read_text()  # type: ignore[attr-defined]
    ref = runs["serial"]
    assert ref.returncode == 2 and "could not be read" in ref.stderr
    assert "package.json: skipped: not a registry record" in ref.stderr
    for name, done in runs.items():
        assert done.returncode == ref.returncode, (name, done.stderr[-2000:])
        assert done.stdout == ref.stdout and done.written == ref.written, name
        assert _trialint_lines(done.stderr) == _trialint_lines(ref.stderr), name


def _trialint_lines(stderr: str) -> list[str]:
    """trialint's own lines on stderr (a dask cluster may log lines of its own)."""
    return [ln for ln in stderr.splitlines() if ln.startswith("trialint:")]


_BUG_HOOK = """\
import os
if os.environ.get("TRIALINT_TEST_BUG"):
    import trialint.engine

    def boom(*args, **kwargs):
        raise RuntimeError("a bug in a rule")

    trialint.engine.run_rule = boom
"""


@pytest.mark.parametrize("opts", [["-j", "1"], ["-j", "2"], ["--engine", "dask", "-j", "2"]])
def test_a_bug_in_a_worker_is_one_line_naming_the_input_and_debug_shows_it(tmp_path, opts):
    """A bug met while checking (a rule raising, here in every process, workers too: a
    sitecustomize hook replaces the rule runner) exits 2 with one line naming the input;
    --debug shows the traceback of the bug, wherever it was met."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_BUG_HOOK)
    rec = tmp_path / "r.ndjson"
    rec.write_bytes(b"\n".join(_v2_lines(3)) + b"\n")
    env = {
        **os.environ,
        "TRIALINT_TEST_BUG": "1",
        "PYTHONPATH": os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("TRIALINT_DEBUG", None)
    base = [sys.executable, "-m", "trialint"]
    args = ["check", str(rec), "--isolated", "-q", *opts]
    done = subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]
    line = _trialint_lines(done.stderr)
    assert len(line) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"{rec}: internal error while checking: RuntimeError: a bug in a rule" in line[0]
    debug = subprocess.run(
        [*base, "--debug", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr and "in boom" in debug.stderr, debug.stderr[-3000:]


def test_cli_a_scheduler_that_does_not_answer_is_a_clear_error(tmp_path):
    pytest.importorskip("distributed")
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    done = subprocess.run(
        [sys.executable, "-m", "trialint", "check", str(SEEDS), "--isolated", "-q",
         "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert _trialint_lines(done.stderr) == [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert "dask scheduler tcp://127.0.0.1:1: cannot connect" in done.stderr


def test_worker_processes_from_a_script_on_stdin_or_without_a_main_guard(tmp_path):
    """Spawned workers never import the caller's script again: not for `python -` (no file to
    import) nor for a script without `if __name__ == "__main__"` (its top level would run in
    every worker)."""
    script = (
        "import trialint\n"
        f"f = trialint.check([{str(SEEDS)!r}], jobs=2)\n"
        "print('findings', len(f.frame), f.record_count)\n"
    )
    piped = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300
    )
    assert piped.returncode == 0, piped.stderr[-2000:]
    (tmp_path / "unguarded.py").write_text(script)
    run_file = subprocess.run(
        [sys.executable, "unguarded.py"], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert run_file.returncode == 0, run_file.stderr[-2000:]
    assert piped.stdout == run_file.stdout == f"findings {len(check([SEEDS]).frame)} 2\n"
