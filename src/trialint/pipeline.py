"""The per-chunk pipeline and where it runs: read a task, check its chunks, summarise them.

Engines: ``local`` runs the tasks in this process (one job) or in a process pool (``jobs``
workers, started only when the input has more than one task, i.e. more than one chunk of
records); ``dask`` submits the same tasks to a dask.distributed cluster (``scheduler``
address, or a LocalCluster started for the run). Whatever the engine, the results come back in
input order and chunks are cut the same way (``trialint.read.tasks``), so the findings are the
same, byte for byte.

A bug met while reading or checking a chunk stops the run as an InternalError naming the
chunk's input (exit 2 on the command line); worker processes leave Ctrl-C to the parent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .engine import check_recordset, collect_keys, is_run_level
from .errors import TrialintError, internal_error
from .findings import RECORD_COLUMNS
from .frames import RecordSet
from .read.tasks import ReadTask, read_task
from .rules import Rule

ENGINES = ("local", "dask")


@dataclass
class Checked:
    """One chunk's findings, record summary, finding contexts, size (records + read errors,
    for the progress display), and (when profiling) seconds per stage and per rule."""

    findings: pd.DataFrame
    records: pd.DataFrame
    contexts: pd.DataFrame
    size: int
    timings: dict[str, float] = field(default_factory=dict)
    # the key rows of the run-level rules (rule id -> frame), judged once over the whole run
    keys: dict[str, pd.DataFrame] = field(default_factory=dict)
    # files skipped as plainly not registry records (dicts with path, reason)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    # items read, by unit (records, outcomes, arms, interventions, conditions)
    units: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """What every chunk of a run is checked with (sent once per task to a worker)."""

    rules: tuple[Rule, ...]
    wanted_builtin: bool = True
    prefilter: bool = True
    profile: bool = False
    chunk_size: int = 5000
    contexts: bool = True  # keep the full text of every flagged field (Findings.contexts)


def record_summary(rs: RecordSet) -> pd.DataFrame:
    st = rs.studies
    src = rs.sources
    rec_src = src[src["field"].isna() | (src["field"] == "")].drop_duplicates("record_id")
    paths = st[["record_id"]].merge(rec_src[["record_id", "path"]], on="record_id", how="left")[
        "path"
    ]
    out = pd.DataFrame({c: st[c] for c in RECORD_COLUMNS if c in st})
    out["source_path"] = pd.array(paths.to_numpy(), dtype="str")
    return out[list(RECORD_COLUMNS)]


def record_units(rs: RecordSet) -> dict[str, int]:
    """What a chunk holds, by unit (the coverage counts of the report)."""
    terms = rs.terms
    return {
        "records": len(rs),
        "outcomes": len(rs.outcomes),
        "arms": len(rs.arms),
        "interventions": len(rs.interventions),
        "conditions": int((terms["kind"] == "condition").sum()) if len(terms) else 0,
    }


def finding_contexts(found: pd.DataFrame, rs: RecordSet) -> pd.DataFrame:
    """The full text of every field a finding points at (its field and its related field)."""
    if found.empty:
        return pd.DataFrame({"record_id": [], "field": [], "text": []}, dtype="str")
    keys = (
        pd.concat(
            [
                found[["record_id", "field"]],
                found[["record_id", "related_field"]].rename(columns={"related_field": "field"}),
            ]
        )
        .dropna()
        .drop_duplicates()
    )
    return rs.located_texts().merge(keys, on=["record_id", "field"], how="inner")


def check_chunk(rs: RecordSet, job: Job) -> Checked:
    """Check one chunk of records (in this process or in a worker). A bug met on the way stops
    the run as an InternalError naming the chunk's input files."""
    try:
        return _check_chunk(rs, job)
    except TrialintError:
        raise
    except Exception as e:
        paths = sorted({str(p) for p in rs.sources["path"].dropna()}) or sorted(
            {str(err["path"]) for err in rs.errors if err.get("path")}
        )
        paths = paths or ["<records>"]
        where = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        raise internal_error(
            f"{where}: internal error while checking: {type(e).__name__}: {e}", e
        ) from e


def _check_chunk(rs: RecordSet, job: Job) -> Checked:
    timings: dict[str, float] | None = {} if job.profile else None
    found = check_recordset(rs, job.rules, job.prefilter, run_level=False, timings=timings)
    if not job.wanted_builtin:
        found = found[found["rule"] != "read-error"]
    t0 = time.perf_counter()
    ctx = finding_contexts(found if job.contexts else found.iloc[:0], rs)
    out = Checked(
        found,
        record_summary(rs),
        ctx,
        len(rs) + len(rs.errors),
        skipped=list(rs.skipped),
        units=record_units(rs),
    )
    if timings is not None:
        timings["summaries"] = time.perf_counter() - t0
    for rule in job.rules:
        if is_run_level(rule) and len(rs):
            t0 = time.perf_counter()
            out.keys.update(collect_keys(rs, [rule]))
            if timings is not None:
                timings[rule.id] = timings.get(rule.id, 0.0) + time.perf_counter() - t0
    if timings is not None:
        out.timings = timings
    return out


def check_task(task: ReadTask, job: Job) -> list[Checked]:
    """Read one task and check its chunks: the unit of work a worker runs."""
    out: list[Checked] = []
    chunks = read_task(task, job.chunk_size)
    while True:
        t0 = time.perf_counter()
        rs = next(chunks, None)
        t_read = time.perf_counter() - t0
        if rs is None:
            break
        checked = check_chunk(rs, job)
        if job.profile:
            checked.timings["read"] = checked.timings.get("read", 0.0) + t_read
        out.append(checked)
    return out


def default_workers() -> int:
    """Worker processes for ``jobs=0`` or auto: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(
    source: Iterable[ReadTask] | Iterable[RecordSet],
    job: Job,
    *,
    jobs: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> Iterator[Checked]:
    """Checked chunks of ``source`` in input order.

    ``source``: read tasks (files) or RecordSets (already in memory: always checked here).
    ``jobs``: None = auto (every CPU when there is more than one task, else this process);
    0 = every CPU; 1 = this process; n = n workers. ``engine``: 'local' or 'dask'.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    items = iter(source)
    head = [x for _, x in zip(range(2), items, strict=False)]
    if head and isinstance(head[0], RecordSet):
        for rs in [*head, *items]:
            assert isinstance(rs, RecordSet)
            yield check_chunk(rs, job)
        return
    tasks: Iterator[ReadTask] = _chain(head, items)
    if engine == "dask":
        workers = None if jobs in (None, 0) else jobs
        yield from _run_dask(tasks, job, scheduler, workers)
        return
    if jobs is None:
        jobs = default_workers() if len(head) > 1 else 1
    elif jobs == 0:
        jobs = default_workers()
    if jobs == 1:
        for task in tasks:
            yield from check_task(task, job)
        return
    yield from _run_pool(tasks, job, jobs)


def _chain(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start workers without the main module: a spawned worker would otherwise import the
    caller's script again (running an unguarded script's top level a second time, or failing
    for ``python -``). Workers need only trialint's own modules."""
    import sys
    import types

    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _in_order(
    tasks: Iterator[ReadTask],
    submit: Callable[[ReadTask], Any],
    result: Callable[[Any], Any],
    ahead: int,
) -> Iterator[Checked]:
    """Submit tasks with at most ``ahead`` in flight (memory stays bounded however large the
    input); yield their results in submission order."""
    pending: deque[Any] = deque()
    for task in tasks:
        pending.append(submit(task))
        if len(pending) >= ahead:
            yield from result(pending.popleft())
    while pending:
        yield from result(pending.popleft())


def _run_pool(tasks: Iterator[ReadTask], job: Job, workers: int) -> Iterator[Checked]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent's pyarrow thread pools do not survive a fork
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_ignore_sigint)
    try:
        yield from _in_order(
            tasks,
            lambda t: _submit(pool, t, job),
            lambda f: f.result(),
            2 * workers,
        )
    except BaseException:
        # Ctrl-C, an internal error, an output that stopped reading: stop now, without
        # finishing (or starting) the tasks in flight
        _stop(pool)
        raise
    pool.shutdown()


def _stop(pool: Any) -> None:
    """Cancel a pool's queued tasks and end its workers (they hold no output of the run)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(5)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops the run (no traceback per worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _submit(pool: Any, task: ReadTask, job: Job) -> Any:
    with _main_hidden():  # the pool may start a worker here
        return pool.submit(check_task, task, job)


def _run_dask(
    tasks: Iterator[ReadTask], job: Job, scheduler: str | None, workers: int | None
) -> Iterator[Checked]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        raise TrialintError(
            "--engine dask needs dask.distributed: pip install 'trialint[dask]'"
        ) from e
    cluster = client = None
    try:
        if scheduler:
            try:
                client = Client(scheduler)
            except OSError as e:  # no scheduler there, or it did not answer in time
                raise TrialintError(f"dask scheduler {scheduler}: cannot connect: {e}") from e
        else:
            with _sigint_held():  # Ctrl-C while the cluster starts: stop once it can be closed
                cluster = LocalCluster(
                    n_workers=workers or default_workers(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # the workers' own log (a failed task's traceback): trialint reports what
                    # went wrong itself, in one line (--debug: the traceback)
                    silence_logs=logging.CRITICAL,
                )
                client = Client(cluster)
        n = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _in_order(
            tasks,
            lambda t: client.submit(check_task, t, job, pure=False),
            lambda f: f.result(),
            2 * n,
        )
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block ends: it then interrupts the run as usual.
    Processes started in the block (a local cluster's workers) keep it held: they leave Ctrl-C
    to this process, which closes them."""
    import signal
    import threading

    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
