"""The Python API: ``trialint.check(paths | RecordSet | DataFrame) -> Findings``. The CLI is a thin
layer over it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .engine import run_level_findings
from .findings import (
    BUILTIN_META,
    FINDING_COLUMNS,
    RECORD_COLUMNS,
    FindingSet,
    empty_findings,
    sort_findings,
)
from .frames import RecordSet
from .pipeline import Job, finding_contexts, record_summary, run
from .read import DEFAULT_CHUNK, STDIN_NAME, read_paths
from .read.tasks import plan
from .rules import Rule, load_rules, resolve_selectors

if TYPE_CHECKING:
    from .baseline import Baseline, Previous
    from .config import Exemption, Settings


@dataclass
class Findings(FindingSet):
    """Findings of one run (a :class:`~trialint.findings.FindingSet`) with the renderers attached.

    ``timings`` (with ``check(profile=True)``): seconds per rule id, summed over chunks and
    workers, plus the stages ``read``, ``locate``, ``summaries`` and ``total`` (wall clock)."""

    timings: dict[str, float] = field(default_factory=dict)

    def new_findings(self) -> pd.Series:
        """True for each finding that the previous audit (``since``) did not have; all False
        without one."""
        if self.previous is None:
            return pd.Series(False, index=self.frame.index, dtype=bool)
        return self.previous.new(self.frame, self.contexts)

    def verdict(self) -> Any:
        """pass / warn / fail against the thresholds and fail-on (trialint.thresholds.Verdict)."""
        from .thresholds import verdict_of

        return verdict_of(self)

    def fingerprints(self) -> pd.Series:
        """A stable fingerprint per finding (the hash of its baseline key), aligned with ``frame``."""
        from .baseline import fingerprints

        return fingerprints(self.frame, self.contexts)

    def render(self, fmt: str, **options: Any) -> str:
        from .render import render

        return render(self, fmt, **options)

    def render_chunks(self, fmt: str, **options: Any) -> Iterator[str]:
        """The text of ``render(fmt)`` in pieces, for writing large runs to a file."""
        from .render import render_chunks

        return render_chunks(self, fmt, **options)

    def to_json(self) -> str:
        return self.render("json")

    def to_text(self, color: bool = False) -> str:
        return self.render("text", color=color)

    def to_sarif(self) -> str:
        return self.render("sarif")

    def to_junit(self) -> str:
        return self.render("junit")

    def to_github(self) -> str:
        return self.render("github")

    def to_gitlab(self) -> str:
        return self.render("gitlab")

    def to_jsonl(self) -> str:
        return self.render("jsonl")

    def to_csv(self) -> str:
        return self.render("csv")

    def to_html(self, **options: Any) -> str:
        return self.render("html", **options)


def check(
    inputs: str | Path | Sequence[str | Path] | RecordSet | pd.DataFrame,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    rules: dict[str, Rule] | None = None,
    extend_checks: Iterable[str | Path] = (),
    severity_overrides: dict[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    per_path_ignores: Mapping[str, Iterable[str]] | None = None,
    exemptions: Iterable[Exemption | Mapping[str, Any]] | None = None,
    baseline: str | Path | Baseline | bool | None = None,
    config: Settings | str | Path | bool | None = None,
    jobs: int | None = 1,
    since: str | Path | Previous | None = None,
    thresholds: Mapping[str, Mapping[str, Any]] | None = None,
    fail_on: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    profile: bool = False,
    prefilter: bool = True,
    contexts: bool = True,
) -> Findings:
    """Lint registry records.

    ``inputs``: file/directory paths ('-' is stdin), a RecordSet, or a DataFrame of studies in the
    canonical ``studies`` layout (see trialint.frames). Returns a :class:`Findings`.

    ``config``: a config file path, True to discover ``trialint.toml`` / ``pyproject.toml``
    from the working directory, or a :class:`trialint.config.Settings`; the other arguments
    take precedence over it (as the command line does). ``per_path_ignores``: {glob: [rules]}
    (globs relative to the config's folder, else the working directory). ``exemptions``:
    [{rule, records, reason}]: such findings go to ``Findings.suppressed`` with the reason.
    ``baseline``: a baseline file or :class:`trialint.baseline.Baseline` (default: the
    config's ``baseline``; False: none): known findings go to ``Findings.suppressed``.
    ``jobs``: worker processes that read and check chunks in parallel (0: one per CPU; None:
    one per CPU when the input holds more than one chunk of records, else this process);
    results keep the input order and do not depend on it. ``engine='dask'`` runs the same
    chunks on a dask.distributed cluster (``scheduler`` address, or a local cluster of
    ``jobs`` workers); the workers read input files by path. ``since``: a previous audit (a
    baseline file or a ``--format json`` output) that findings are marked new against
    (``Findings.new_findings()``). ``thresholds`` ({selector: {warn, fail}}) and ``fail_on``:
    the verdict's levels (``trialint.thresholds.verdict_of(findings)``). ``profile``: time
    every rule (``Findings.timings``). ``prefilter=False`` runs every rule's full check on
    every record (for tests of the two-stage rule contract). ``contexts=False`` leaves
    ``Findings.contexts`` empty (the full texts of flagged fields, which the text, HTML, JSON,
    JSON Lines, SARIF and GitLab outputs (fingerprints), baselines and ``since`` need; CSV,
    JUnit and GitHub outputs do not): less memory for a whole registry.
    """
    import time

    started = time.perf_counter()
    from . import suppress
    from .baseline import Baseline, Previous
    from .config import settings_for

    settings = settings_for(
        config,
        {
            "select": list(select) if select else None,
            "ignore": list(ignore) if ignore else None,
            "extend-select": list(extend_select) if extend_select else None,
            "severity": dict(severity_overrides) if severity_overrides else None,
            "extend-checks": [str(p) for p in extend_checks] or None,
            "per-path-ignores": {g: list(r) for g, r in per_path_ignores.items()}
            if per_path_ignores
            else None,
            "exemptions": list(exemptions) if exemptions else None,
            "baseline": str(baseline) if isinstance(baseline, str | Path) else None,
            "thresholds": dict(thresholds) if thresholds else None,
            "fail-on": fail_on,
        },
    )
    all_rules = rules if rules is not None else load_rules(settings.extend_checks)
    settings.validate_rules(all_rules)
    # an empty selection: EmptySelectionError; rules that compare versions: diff/history
    chosen = _single_version_rules(settings.selected_rules(all_rules))
    overrides = settings.severity_overrides(all_rules)
    if overrides:
        chosen = [r.with_severity(overrides[r.id]) if r.id in overrides else r for r in chosen]
    wanted_builtin = settings.builtin_wanted("read-error")
    per_path = {g: resolve_selectors(r, all_rules) for g, r in settings["per-path-ignores"].items()}
    resolved_exemptions = [
        suppress.ResolvedExemption(
            frozenset(resolve_selectors([e.rule], all_rules)), frozenset(e.records), e.reason
        )
        for e in settings.exemptions
    ]
    previous = since if isinstance(since, Previous) or since is None else Previous.load(since)
    known: Baseline | None = None
    if isinstance(baseline, Baseline):
        known = baseline
    elif baseline is not False and settings.baseline is not None:
        known = Baseline.load(settings.baseline)

    stdin: bytes | None = None
    files: list[str] = []
    source: Iterable[Any]
    if isinstance(inputs, RecordSet):
        source = [inputs]
        names = ["<RecordSet>"]
    elif isinstance(inputs, pd.DataFrame):
        source = [RecordSet(studies=_studies_from_frame(inputs))]
        names = ["<DataFrame>"]
    else:
        paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
        if any(str(p) == "-" for p in paths):
            import sys

            stdin = sys.stdin.buffer.read()  # kept: the JSON position scan reads it again
        source = plan(paths, chunk_size, stdin=stdin, files=files)
        names = [str(p) for p in paths]

    # a baseline and a previous audit match findings on their flagged texts
    keep_contexts = contexts or known is not None or previous is not None
    job = Job(tuple(chosen), wanted_builtin, prefilter, profile, chunk_size, keep_contexts)
    found_parts: list[pd.DataFrame] = []
    record_parts: list[pd.DataFrame] = []
    context_parts: list[pd.DataFrame] = []
    skipped: list[dict[str, Any]] = []
    units: dict[str, int] = {}
    timings: dict[str, float] = {}
    run_keys: dict[str, list[pd.DataFrame]] = {}
    for checked in run(source, job, jobs=jobs, engine=engine, scheduler=scheduler):
        found_parts.append(checked.findings)
        record_parts.append(checked.records)
        context_parts.append(checked.contexts)
        skipped.extend(checked.skipped)
        for unit, n in checked.units.items():
            units[unit] = units.get(unit, 0) + n
        for rule_id, k in checked.keys.items():
            run_keys.setdefault(rule_id, []).append(k)
        for stage, sec in checked.timings.items():
            timings[stage] = timings.get(stage, 0.0) + sec
        if progress:
            progress(checked.size)
    if run_keys:  # run-level rules (duplicate registrations) over the whole run
        t0 = time.perf_counter()
        run_found = run_level_findings(run_keys, chosen)
        if profile:
            for rule_id in run_keys:
                timings[rule_id] = timings.get(rule_id, 0.0) + time.perf_counter() - t0
        if not run_found.empty:
            found_parts.append(run_found)
            context_parts.append(
                pd.DataFrame(
                    {
                        "record_id": run_found["record_id"],
                        "field": run_found["field"],
                        "text": run_found["excerpt"],
                    }
                ).astype("str")
            )
    records = (
        pd.concat(record_parts, ignore_index=True)
        if record_parts
        else pd.DataFrame(columns=list(RECORD_COLUMNS))
    )
    frame = pd.concat(found_parts, ignore_index=True) if found_parts else empty_findings()
    frame = sort_findings(place_json_findings(frame, records, stdin))
    texts = (
        pd.concat(context_parts, ignore_index=True)
        if context_parts
        else finding_contexts(empty_findings(), RecordSet())
    )
    frame, suppressed = suppress.apply(
        frame[list(FINDING_COLUMNS)],
        texts,
        per_path=per_path,
        exemptions=resolved_exemptions,
        baseline=known,
        root=settings.root,
    )
    used = {r.id: r for r in chosen}
    digests = {}
    if stdin is not None:
        import hashlib

        digests[STDIN_NAME] = hashlib.sha256(stdin).hexdigest()
    return Findings(
        frame=frame,
        rules=used,
        records=records,
        contexts=texts,
        inputs=names,
        suppressed=suppressed,
        baseline_path=str(known.path) if known is not None and known.path else None,
        skipped=skipped,
        files=files,
        checked=units,
        fail_on=settings.fail_on,
        thresholds=settings.thresholds,
        config={
            "file": str(settings.file.path) if settings.file is not None else None,
            "settings": settings.describe_shown(),
        },
        input_digests=digests,
        previous=previous,
        timings={**timings, "total": time.perf_counter() - started} if profile else {},
    )


def place_json_findings(
    frame: pd.DataFrame, records: pd.DataFrame, stdin: bytes | None = None
) -> pd.DataFrame:
    """Line and column (start and end) of the findings on JSON records, from their JSON pointer
    and span: each file with such findings is read once more (see trialint.read.positions)."""
    from .read.positions import Request, positions_in_file

    if frame.empty or records.empty:
        return frame
    fmt = records["source_format"].astype("str")
    json_paths = set(records.loc[fmt.str.endswith("json").fillna(False), "source_path"].dropna())
    if not json_paths:
        return frame
    mask = frame["source_path"].isin(json_paths) & frame["source_pointer"].notna()
    if not mask.any():
        return frame
    frame = frame.copy()
    sub = frame[mask]
    out: dict[str, list[Any]] = {
        c: [None if pd.isna(v) else int(v) for v in frame[c]]
        for c in ("source_line", "source_column", "source_end_line", "source_end_column")
    }

    def opt(v: Any) -> int | None:
        return None if v is None or pd.isna(v) else int(v)

    for path, idx in sub.groupby("source_path", sort=False).indices.items():
        rows = sub.iloc[idx]
        requests = [
            Request(str(ptr), opt(s), opt(e), opt(ln))
            for ptr, s, e, ln in zip(
                rows["source_pointer"],
                rows["start"],
                rows["end"],
                rows["source_line"],
                strict=True,
            )
        ]
        found = positions_in_file(str(path), requests, stdin)
        for pos_in_frame, position in zip(frame.index.get_indexer(rows.index), found, strict=True):
            if position is None:
                continue
            out["source_line"][pos_in_frame] = position.line
            out["source_column"][pos_in_frame] = position.column
            out["source_end_line"][pos_in_frame] = position.end_line
            out["source_end_column"][pos_in_frame] = position.end_column
    for c, values in out.items():
        frame[c] = pd.array(values, dtype="Int64")
    return frame


def _studies_from_frame(df: pd.DataFrame) -> pd.DataFrame:
    from .frames import STUDY_COLUMNS, typed_frame

    if "record_id" not in df:
        raise ValueError(
            "a studies DataFrame needs a 'record_id' column (see trialint.frames.STUDY_COLUMNS)"
        )
    rows = [
        {str(k): v for k, v in rec.items()}
        for rec in df.reindex(columns=list(STUDY_COLUMNS)).to_dict("records")
    ]
    return typed_frame(rows, STUDY_COLUMNS)


def builtin_rule_meta() -> dict[str, tuple[str, str, str]]:
    return dict(BUILTIN_META)


# --- diff and history: changes between versions of records (trialint.history) ----------------


def _single_version_rules(chosen: list[Rule]) -> list[Rule]:
    """The rules `check` runs: those that look at one version (history rules compare two)."""
    from .errors import TrialintError
    from .rules import is_pair_rule

    single = [r for r in chosen if not is_pair_rule(r)]
    if chosen and not single:
        raise TrialintError(
            "the selected rules compare two versions of a record: "
            "use `trialint diff OLD NEW` or `trialint history FILE`"
        )
    return single


def _chunks(
    inputs: str | Path | Sequence[str | Path] | RecordSet, what: str, chunk_size: int
) -> Iterator[RecordSet]:
    """The records of ``inputs`` chunk by chunk; nothing read (no record, no read error) fails
    loudly once the inputs are exhausted."""
    from .errors import TrialintError

    if isinstance(inputs, RecordSet):
        parts: Iterable[RecordSet] = [inputs]
        paths: list[str | Path] = []
    else:
        paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
        parts = read_paths(paths, chunk_size=chunk_size)
    read = 0
    for rs in parts:
        read += len(rs) + len(rs.errors)
        yield rs
    if not read:
        where = ", ".join(map(str, paths)) or "the record set given"
        raise TrialintError(f"{what}: no records read from {where}")


def _label(inputs: str | Path | Sequence[str | Path] | RecordSet, default: str) -> str:
    if isinstance(inputs, RecordSet):
        return default
    paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    return ", ".join(str(p) for p in paths) or default


def _run_pairs(
    build: Callable[[], tuple[list[str], Iterable[tuple[Any, list[RecordSet]]]]],
    *,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    extend_select: Iterable[str] | None,
    rules: dict[str, Rule] | None,
    extend_checks: Iterable[str | Path],
    severity_overrides: dict[str, str] | None,
    per_path_ignores: Mapping[str, Iterable[str]] | None,
    exemptions: Iterable[Exemption | Mapping[str, Any]] | None,
    baseline: str | Path | Baseline | bool | None,
    config: Settings | str | Path | bool | None,
) -> Findings:
    """The gate around the history rules: the same settings, selection, suppressions and
    baseline as ``check``."""
    from . import suppress
    from .baseline import Baseline
    from .config import settings_for
    from .errors import TrialintError
    from .history import run_rules
    from .rules import is_pair_rule

    settings = settings_for(
        config,
        {
            "select": list(select) if select else None,
            "ignore": list(ignore) if ignore else None,
            "extend-select": list(extend_select) if extend_select else None,
            "severity": dict(severity_overrides) if severity_overrides else None,
            "extend-checks": [str(p) for p in extend_checks] or None,
            "per-path-ignores": {g: list(r) for g, r in per_path_ignores.items()}
            if per_path_ignores
            else None,
            "exemptions": list(exemptions) if exemptions else None,
            "baseline": str(baseline) if isinstance(baseline, str | Path) else None,
        },
    )
    all_rules = rules if rules is not None else load_rules(settings.extend_checks)
    settings.validate_rules(all_rules)
    chosen = [r for r in settings.selected_rules(all_rules) if is_pair_rule(r)]
    if not chosen:
        raise TrialintError(
            "no history rule selected: `diff` and `history` run the rules of the 'history' "
            "category (add 'history' to select, or pass --select history)"
        )
    overrides = settings.severity_overrides(all_rules)
    chosen = [r.with_severity(overrides[r.id]) if r.id in overrides else r for r in chosen]
    wanted_builtin = settings.builtin_wanted("read-error")
    per_path = {g: resolve_selectors(r, all_rules) for g, r in settings["per-path-ignores"].items()}
    resolved_exemptions = [
        suppress.ResolvedExemption(
            frozenset(resolve_selectors([e.rule], all_rules)), frozenset(e.records), e.reason
        )
        for e in settings.exemptions
    ]
    known: Baseline | None = None
    if isinstance(baseline, Baseline):
        known = baseline
    elif baseline is not False and settings.baseline is not None:
        known = Baseline.load(settings.baseline)

    names, parts = build()
    from .engine import read_error_findings

    found_parts: list[pd.DataFrame] = []
    context_parts: list[pd.DataFrame] = []
    change_parts: list[pd.DataFrame] = []
    record_parts: list[pd.DataFrame] = []
    records_read = errors_read = 0
    for vp, read_sets in parts:
        found, contexts, changes = run_rules(vp, chosen, overridden=set(overrides))
        found_parts.append(found)
        context_parts.append(contexts)
        change_parts.append(changes)
        for rs in read_sets:
            records_read += len(rs)
            errors_read += len(rs.errors)
            if wanted_builtin:
                errs = read_error_findings(rs)
                if not errs.empty:
                    found_parts.append(errs)
            # one row per trial, under the id the findings name (a history's versions -> its
            # trial)
            summary = record_summary(rs)
            to_registry = {
                **dict(zip(vp.pairs["old_id"], vp.pairs["record_id"], strict=True)),
                **dict(zip(vp.pairs["new_id"], vp.pairs["record_id"], strict=True)),
            }
            summary["record_id"] = [to_registry.get(r, r) for r in summary["record_id"]]
            record_parts.append(summary)
    if not records_read and not errors_read:
        raise TrialintError(f"no records read from {' and '.join(names)}")
    found = sort_findings(pd.concat(found_parts, ignore_index=True))
    contexts = pd.concat(context_parts, ignore_index=True)
    changes = pd.concat(change_parts, ignore_index=True)
    records = pd.concat(record_parts, ignore_index=True)
    records = records.drop_duplicates("record_id", keep="last").reset_index(drop=True)
    frame, suppressed = suppress.apply(
        found[list(FINDING_COLUMNS)],
        contexts,
        per_path=per_path,
        exemptions=resolved_exemptions,
        baseline=known,
        root=settings.root,
    )
    kept = frame[["record_id", "rule", "field", "message"]].astype("str")
    changes = changes.merge(kept.drop_duplicates(), on=["record_id", "rule", "field", "message"])
    return Findings(
        frame=frame,
        rules={r.id: r for r in chosen},
        records=records,
        contexts=contexts,
        inputs=names,
        suppressed=suppressed,
        baseline_path=str(known.path) if known is not None and known.path else None,
        changes=changes.reset_index(drop=True),
    )


def diff(
    old: str | Path | Sequence[str | Path] | RecordSet,
    new: str | Path | Sequence[str | Path] | RecordSet,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    rules: dict[str, Rule] | None = None,
    extend_checks: Iterable[str | Path] = (),
    severity_overrides: dict[str, str] | None = None,
    per_path_ignores: Mapping[str, Iterable[str]] | None = None,
    exemptions: Iterable[Exemption | Mapping[str, Any]] | None = None,
    baseline: str | Path | Baseline | bool | None = None,
    config: Settings | str | Path | bool | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> Findings:
    """What changed between two versions of the same records (``old`` and ``new``: files,
    directories or RecordSets in any format trialint reads). Records pair by registry id; a
    record in one set only is reported (``record-not-paired``). Runs the ``history`` rules;
    the other arguments are those of :func:`check`. ``Findings.changes`` holds each change's
    outcome text before and after.

    Memory: the older download is kept as an index of what the history rules compare (each
    record's status, dates and outcomes, not its other texts); the newer one is read
    ``chunk_size`` records at a time."""
    from .history import stream_downloads

    def build() -> tuple[list[str], Iterable[tuple[Any, list[RecordSet]]]]:
        # the older download is read into an index of what the rules compare, the newer one is
        # streamed chunk by chunk (bounded memory on whole-registry downloads)
        parts = stream_downloads(
            _chunks(old, "OLD", chunk_size),
            _chunks(new, "NEW", chunk_size),
            _label(old, "older"),
            _label(new, "newer"),
        )
        return [_label(old, "<old>"), _label(new, "<new>")], parts

    return _run_pairs(
        build,
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        rules=rules,
        extend_checks=extend_checks,
        severity_overrides=severity_overrides,
        per_path_ignores=per_path_ignores,
        exemptions=exemptions,
        baseline=baseline,
        config=config,
    )


def history(
    inputs: str | Path | Sequence[str | Path],
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    rules: dict[str, Rule] | None = None,
    extend_checks: Iterable[str | Path] = (),
    severity_overrides: dict[str, str] | None = None,
    per_path_ignores: Mapping[str, Iterable[str]] | None = None,
    exemptions: Iterable[Exemption | Mapping[str, Any]] | None = None,
    baseline: str | Path | Baseline | bool | None = None,
    config: Settings | str | Path | bool | None = None,
) -> Findings:
    """What changed from each version to the next in version histories as the cthist R
    package writes them (one CSV row per version). Each finding names the two versions and
    their dates. Options as for :func:`check`."""
    from .history import pair_history
    from .read import iter_files
    from .read.cthist import read_history

    paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)

    def build() -> tuple[list[str], Iterable[tuple[Any, list[RecordSet]]]]:
        from .errors import TrialintError

        sets: list[RecordSet] = []
        tables: list[pd.DataFrame] = []
        for name, path in iter_files(paths):
            data = path.read_bytes() if path is not None else __import__("sys").stdin.buffer.read()
            text = data.decode("utf-8-sig", errors="replace")
            from .read.cthist import sniff

            if not sniff(text.split("\n", 1)[0]):
                raise TrialintError(
                    f"{name}: not a cthist version history (its header must start with "
                    "'nctid,version_number,')"
                )
            b, table = read_history(text, name)
            sets.append(b.build())
            tables.append(table)
        if not sets:
            raise TrialintError(f"no version history read from {', '.join(map(str, paths))}")
        rs = RecordSet.concat(sets)
        versions = pd.concat(tables, ignore_index=True)
        return [str(p) for p in paths], [(pair_history(rs, versions), [rs])]

    return _run_pairs(
        build,
        select=select,
        ignore=ignore,
        extend_select=extend_select,
        rules=rules,
        extend_checks=extend_checks,
        severity_overrides=severity_overrides,
        per_path_ignores=per_path_ignores,
        exemptions=exemptions,
        baseline=baseline,
        config=config,
    )
