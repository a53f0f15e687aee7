"""The per-chunk pipeline and where it runs: read a task, check its chunks, summarise them.

Engines: ``local`` runs the tasks in this process (one job) or in a process pool (``jobs``
workers, started only when the input has more than one task, i.e. more than one chunk of
records); ``dask`` submits the same tasks to a dask.distributed cluster (``scheduler``
address, or a LocalCluster started for the run). Whatever the engine, the results come back in
input order and chunks are cut the same way (``trialint.read.tasks``), so the findings are the
same, byte for byte.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .engine import check_recordset, collect_keys, is_run_level
from .findings import RECORD_COLUMNS
from .frames import RecordSet
from .read.tasks import ReadTask, read_task
from .rules import Rule

ENGINES = ("local", "dask")


@dataclass
class Checked:
    """One chunk's findings, record summary, finding contexts, size, and (when profiling)
    seconds per stage and per rule."""

    findings: pd.DataFrame
    records: pd.DataFrame
    contexts: pd.DataFrame
    size: int
    timings: dict[str, float] = field(default_factory=dict)
    # the key rows of the run-level rules (rule id -> frame), judged once over the whole run
    keys: dict[str, pd.DataFrame] = field(default_factory=dict)


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
    """Check one chunk of records (in this process or in a worker)."""
    timings: dict[str, float] | None = {} if job.profile else None
    found = check_recordset(rs, job.rules, job.prefilter, run_level=False, timings=timings)
    if not job.wanted_builtin:
        found = found[found["rule"] != "read-error"]
    t0 = time.perf_counter()
    ctx = finding_contexts(found if job.contexts else found.iloc[:0], rs)
    out = Checked(found, record_summary(rs), ctx, len(rs) + len(rs.errors))
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
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        yield from _in_order(
            tasks,
            lambda t: _submit(pool, t, job),
            lambda f: f.result(),
            2 * workers,
        )


def _submit(pool: Any, task: ReadTask, job: Job) -> Any:
    with _main_hidden():  # the pool may start a worker here
        return pool.submit(check_task, task, job)


def _run_dask(
    tasks: Iterator[ReadTask], job: Job, scheduler: str | None, workers: int | None
) -> Iterator[Checked]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        from .errors import TrialintError

        raise TrialintError(
            "--engine dask needs dask.distributed: pip install 'trialint[dask]'"
        ) from e
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        n = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _in_order(
            tasks,
            lambda t: client.submit(check_task, t, job, pure=False),
            lambda f: f.result(),
            2 * n,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
