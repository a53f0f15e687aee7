"""The fuzz suite (issue 12): mutated real records of every format, run in-process through
``trialint.check`` (and the CLI runner), checked against invariants that must always hold:

- no exception out of trialint and no internal error; the CLI exits 0/1 only for a run that
  completed, 2 for a usage/config error, never with a traceback;
- records in = records checked + read errors, per file; a record that is JSON (or well-formed
  XML, a CSV row) is checked, never lost;
- a record with one odd field is checked, and the odd field is a `schema-field-shape` finding
  at its JSON pointer;
- neighbours' findings (and those of a record whose change keeps its meaning: a BOM, CRLF, a
  duplicate key, deep nesting in a field trialint does not read) are unchanged;
- peak memory <= 20x the largest input record plus a fixed base (in subprocesses).

``TRIALINT_FUZZ=full`` (what `nox -s fuzz` sets) runs >= 10,000 cases; otherwise a fast,
derandomized subset runs with the other tests. ``TRIALINT_FUZZ_REPORT=FILE`` writes the
figures of the run (cases per family) as JSON.
"""

from __future__ import annotations

import functools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import fuzzing as fz

FULL = os.environ.get("TRIALINT_FUZZ", "") == "full"
REPORT = os.environ.get("TRIALINT_FUZZ_REPORT")
MIN_CASES = 10_000 if FULL else 150


def _settings(full: int, fast: int) -> settings:
    return settings(
        max_examples=full if FULL else fast,
        deadline=None,
        derandomize=not FULL,
        database=None,
        # no shrinking: a case is one in-process run of many records, and the failure message
        # names the record and the mutation; hypothesis prints the example to reproduce it
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


TOTAL = fz.Stats()
FAMILIES: set[str] = set()
_STARTED = time.monotonic()


def _record(stats: fz.Stats, family: str) -> None:
    TOTAL.add(stats)
    FAMILIES.add(family)


def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="trialint-fuzz-"))


POOL = 1919 if FULL else 120  # API v2 corpus records the JSON mutations start from


@functools.cache
def _pool() -> tuple[list[int], dict[str, list[tuple[str, str, str]]]]:
    """The records the JSON mutations start from and their clean findings (one run). Records
    with an odd field of their own are left out (one mutation is then the only cause of a
    schema-field-shape finding), and so are ids that occur twice in the corpus."""
    studies = fz.v2_studies()[:POOL]
    counts = Counter(fz.nct_of(s) for s in fz.v2_studies())
    folder = _folder()
    p = folder / "pool.ndjson"
    p.write_bytes(b"\n".join(fz.dumps(s) for s in studies) + b"\n")
    clean = fz.clean_findings(p)
    usable = [
        i
        for i, s in enumerate(studies)
        if counts[fz.nct_of(s)] == 1
        and not any(k[0] == "schema-field-shape" for k in clean[fz.nct_of(s)])
    ]
    return usable, clean


# --- API v2 JSON: one odd field per record -------------------------------------------------------

BATCH = 50


@st.composite
def json_batches(draw: st.DrawFn) -> tuple[list[int], list[int], int]:
    pool = _pool()[0]
    picked = draw(st.lists(st.sampled_from(pool), min_size=BATCH, max_size=BATCH, unique=True))
    rest = [i for i in pool if i not in set(picked)]
    neighbours = draw(st.lists(st.sampled_from(rest), min_size=8, max_size=8, unique=True))
    seed = draw(st.integers(0, 2**32 - 1))
    return picked, neighbours, seed


@_settings(full=190, fast=2)
@given(json_batches())
def test_json_one_odd_field(batch: tuple[list[int], list[int], int]) -> None:
    picked, neighbours, seed = batch
    rnd = random.Random(seed)
    studies = fz.v2_studies()
    mutations = [fz.mutate_json(studies[i], rnd) for i in picked]
    clean = _pool()[1]
    stats = fz.run_json_batch(mutations, [studies[i] for i in neighbours], _folder(), clean)
    _record(stats, "json")


@st.composite
def record_sets(draw: st.DrawFn, low: int, high: int) -> list[int]:
    return draw(st.lists(st.sampled_from(_pool()[0]), min_size=low, max_size=high, unique=True))


@_settings(full=40, fast=1)
@given(record_sets(3, 8), st.integers(0, 2**32))
def test_json_whole_file_damage(indices: list[int], seed: int) -> None:
    rnd = random.Random(seed)
    studies = [fz.v2_studies()[i] for i in indices]
    variants = list(fz.write_json_file_variants(studies, _folder(), rnd))
    _record(fz.check_file_variants(variants, studies, _pool()[1]), "json-files")


# --- legacy XML ----------------------------------------------------------------------------------


@_settings(full=40, fast=1)
@given(st.lists(st.integers(0, 4916), min_size=25, max_size=25, unique=True), st.integers(0, 2**32))
def test_xml_odd_records(indices: list[int], seed: int) -> None:
    rnd = random.Random(seed)
    files = fz.xml_files()
    cases = []
    for k, i in enumerate(indices):
        src = files[i]
        data = src.read_bytes()
        if k < 5:
            cases.append(("neighbour", data, True, src.stem, src))
            continue
        kind, mutated, must = fz.mutate_xml(data, rnd)
        cases.append((kind, mutated, must, src.stem, src))
    _record(fz.run_xml_batch(cases, _folder()), "xml")


# --- site CSV ------------------------------------------------------------------------------------


@_settings(full=50, fast=1)
@given(st.lists(st.integers(0, 10_000), min_size=3, max_size=3), st.integers(0, 2**32))
def test_csv_stray_quotes_and_line_ends(which: list[int], seed: int) -> None:
    rnd = random.Random(seed)
    files = fz.csv_files()
    cases = []
    for w in dict.fromkeys(x % len(files) for x in which):
        src = files[w]
        rows = fz.csv_rows(src)
        kind, text, touched = fz.mutate_csv(rows, rnd)
        cases.append((kind, text, src, rows, touched))
    _record(fz.run_csv_cases(cases, _folder()), "csv")


# --- the plain-text layout -----------------------------------------------------------------------


@_settings(full=30, fast=1)
@given(st.integers(0, 2**32))
def test_text_layout(seed: int) -> None:
    rnd = random.Random(seed)
    seeds = sorted(fz.SEEDS.glob("*.txt"))
    cases = []
    for k in range(6):
        src = seeds[k % len(seeds)]
        kind, data, must, same = fz.mutate_text(src.read_bytes(), rnd)
        cases.append((kind, data, must, same, src))
    _record(fz.run_text_cases(cases, _folder()), "text")


# --- archives and hostile containers -------------------------------------------------------------


@_settings(full=25, fast=1)
@given(record_sets(3, 6), st.integers(0, 2**32))
def test_archives(indices: list[int], seed: int) -> None:
    studies = [fz.v2_studies()[i] for i in indices]
    cases = fz.archive_cases(studies, random.Random(seed))
    _record(fz.run_archive_cases(cases, _folder(), _pool()[1]), "archives")


# --- configs, baselines and rule files -----------------------------------------------------------


@pytest.fixture(scope="module")
def config_sources() -> dict[str, bytes]:
    import trialint
    from trialint.baseline import Baseline
    from trialint.resources import builtin_checks_dir

    found = trialint.check(sorted(fz.SEEDS.glob("*.txt")), config=False)
    return {
        "config": fz._CONFIG.encode(),
        "baseline": Baseline.from_findings(found).dumps().encode(),
        "rule": (builtin_checks_dir() / "inconsistent-cycle-length.yaml").read_bytes(),
    }


@_settings(full=300, fast=30)
@given(st.sampled_from(["config", "baseline", "rule"]), st.integers(0, 2**32))
def test_broken_configs_baselines_rule_files(config_sources, what: str, seed: int) -> None:
    kind, data = fz.mutate_bytes(config_sources[what], random.Random(seed))
    _record(fz.run_config_case(what, kind, data, _folder()), "configs")


# --- the command line ------------------------------------------------------------------------------


@_settings(full=20, fast=1)
@given(st.lists(st.integers(0, 1918), min_size=20, max_size=20, unique=True), st.integers(0, 2**32))
def test_cli_exit_codes(indices: list[int], seed: int) -> None:
    """A batch of mutated records through the command line: exit 0 or 1 (the run completed),
    the JSON output parses and counts every record, stderr has no traceback."""
    from click.testing import CliRunner

    from trialint.cli import main

    rnd = random.Random(seed)
    studies = fz.v2_studies()
    lines = [
        m.raw if m.raw is not None else fz.dumps(m.study)
        for m in (fz.mutate_json(studies[i], rnd) for i in indices)
    ]
    folder = _folder()
    p = folder / "batch.ndjson"
    p.write_bytes(b"\n".join(lines) + b"\n")
    out = folder / "out.json"
    result = CliRunner().invoke(
        main, ["check", str(p), "--isolated", "-q", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    doc = json.loads(out.read_text())
    assert doc["summary"]["records"] == len(lines)
    stats = fz.Stats(records=len(lines), checked=len(lines))
    stats.cases["cli:mutated record"] += len(lines)
    _record(stats, "cli")


# --- memory ---------------------------------------------------------------------------------------------

_CHILD = """
import sys, trialint
f = trialint.check(sys.argv[1:], config=False)
# VmHWM: this program's own peak (ru_maxrss would also count the pages of the parent it was
# forked from, before exec)
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
print(len(f.records), int((f.frame["rule"] == "read-error").sum()), hwm * 1024)
"""


def _peak_rss(paths: list[Path]) -> tuple[int, int, int]:
    """(records checked, read errors, peak RSS in bytes) of a fresh process checking ``paths``."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    checked, errors, peak = map(int, done.stdout.split()[-3:])
    return checked, errors, peak


def _memory_cases(folder: Path) -> list[tuple[str, Path, int]]:
    """(kind, file, size of its largest record in bytes)."""
    study = fz.v2_studies()[0]
    out = []
    for kind, text in (
        ("10mb-field", "word " * 2_000_000),
        ("cycle-wording-500kb", "At the end of Cycle 6 (each cycle is 28 days), 18 weeks. " * 9000),
    ):
        s = fz.set_at(study, ["protocolSection", "descriptionModule", "detailedDescription"], text)
        p = folder / f"{kind}.json"
        p.write_bytes(fz.dumps(s))
        out.append((kind, p, p.stat().st_size))
    xml = (
        fz.xml_files()[0]
        .read_bytes()
        .replace(b"<brief_title>", b"<brief_title>" + b"x" * 10_000_000, 1)
    )
    p = folder / "big.xml"
    p.write_bytes(xml)
    out.append(("10mb-xml-field", p, len(xml)))
    p = folder / "bomb.ndjson.gz"
    import gzip

    p.write_bytes(gzip.compress(b"\0" * (400 * 2**20), 9))
    out.append(("gzip-bomb", p, p.stat().st_size))
    deep = fz.dumps(study)[:-1] + b',"x":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    p = folder / "deep.ndjson"
    p.write_bytes(deep + b"\n")
    out.append(("deep-nesting", p, len(deep)))
    return out


# what a process that imports trialint (pandas, pyarrow, pandera) and checks a small record
# takes, with room to spare: measured 150-250 MB on the development machine
FIXED_BASE = 400 * 2**20


def test_peak_memory_is_bounded() -> None:
    """Peak RSS <= 20x the largest input record + a fixed base, for the inputs that cost the
    most: a 10 MB field (JSON and XML), 500 KB of cycle wording, a gzip bomb, deep nesting."""
    folder = _folder()
    cases = _memory_cases(folder)
    if not FULL:
        cases = cases[:1]
    else:
        small = folder / "small.json"
        small.write_bytes(fz.dumps(fz.v2_studies()[0]))
        TOTAL.cases["memory-peak-MB:one small record"] = _peak_rss([small])[2] // 2**20
    stats = fz.Stats()
    for kind, p, largest in cases:
        checked, errors, peak = _peak_rss([p])
        bound = FIXED_BASE + 20 * largest
        assert peak <= bound, (kind, peak // 2**20, bound // 2**20)
        assert checked + errors >= 1
        stats.cases[f"memory:{kind}"] += 1
        TOTAL.cases[f"memory-peak-MB:{kind}"] = peak // 2**20
    _record(stats, "memory")


# --- the figures of the run ---------------------------------------------------------------------------

ALL_FAMILIES = {"json", "json-files", "xml", "csv", "text", "archives", "configs", "cli", "memory"}


def test_zz_case_count_and_report() -> None:
    """Runs last: every family ran; the run made at least MIN_CASES cases; the figures."""
    if FAMILIES != ALL_FAMILIES:
        pytest.skip(f"only part of the fuzz suite ran ({', '.join(sorted(FAMILIES))})")
    cases = sum(
        n
        for k, n in TOTAL.cases.items()
        if not k.startswith("memory-peak") and not k.endswith("neighbour")
    )
    figures = {
        "mode": "full" if FULL else "fast",
        "cases": cases,
        "records_in": TOTAL.records,
        "records_checked": TOTAL.checked,
        "read_errors": TOTAL.read_errors,
        "odd_fields_reported": TOTAL.shape_findings,
        "seconds": round(time.monotonic() - _STARTED),
        "peak_rss_mb_of_this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "by_kind": dict(sorted(Counter(TOTAL.cases).items())),
    }
    if REPORT:
        Path(REPORT).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "by_kind"}))
    assert cases >= MIN_CASES, cases
