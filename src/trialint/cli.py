"""The command line: thin. Parse options, call the library, pick a renderer, set the exit code."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from .errors import TrialintError, UnknownRuleError
from .findings import FAIL_LEVELS
from .version import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _fail(message: str) -> None:
    click.echo(f"trialint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _interrupted() -> None:
    click.echo("\ntrialint: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


class _Group(click.Group):
    """Whatever goes wrong, one line on stderr and exit code 2 (a usage, config or IO error, or
    an internal error naming the input); Ctrl-C exits 130. Never a traceback, never exit 1
    (CI reads 1 as "findings"): `trialint --debug ...` (or TRIALINT_DEBUG=1) shows it."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            _interrupted()
            raise  # unreachable: _interrupted exits

    def invoke(self, ctx: click.Context) -> Any:
        import os

        debug = bool(ctx.params.get("debug")) or os.environ.get("TRIALINT_DEBUG", "") not in (
            "",
            "0",
        )
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            _interrupted()
        except BrokenPipeError:
            # the reader of stdout went away (`trialint check ... | head`): stop quietly; point
            # stdout at /dev/null so that Python's exit flush raises nothing more
            import contextlib

            with contextlib.suppress(OSError, ValueError, AttributeError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_ERROR)
        except TrialintError as e:
            details = getattr(e, "details", "")  # an InternalError, met in a worker too
            if debug and details:
                click.echo(details, err=True, nl=False)
            elif debug and e.__cause__ is not None:
                import traceback

                traceback.print_exception(e.__cause__)
            _fail(str(e))
        except Exception as e:  # a bug: say where, in one line
            if debug:
                import traceback

                traceback.print_exc()
            inputs = ctx.meta.get("trialint.inputs")
            where = f" (inputs: {', '.join(inputs)})" if inputs else ""
            _fail(
                f"internal error{where}: {type(e).__name__}: {e} — a bug in trialint; "
                "`trialint --debug ...` shows the traceback"
            )


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trialint")
@click.option(
    "--debug",
    is_flag=True,
    help="Show the traceback of an internal error (also: TRIALINT_DEBUG=1).",
)
def main(debug: bool = False) -> None:
    """trialint: lint clinical-trial registry records before a registry reviewer does."""


def _engine_options(f: Any) -> Any:
    """How the run is spread over processes; shared by `check` and `report`."""
    options = [
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=0),
            default=None,
            help="Worker processes that read and check chunks of records in parallel (0: one "
            "per CPU; 1: none) [default: one per CPU when the input holds more than one chunk "
            "of records].",
        ),
        click.option(
            "--engine",
            type=click.Choice(["local", "dask"]),
            default="local",
            show_default=True,
            help="Where chunks are checked: this machine, or a dask.distributed cluster "
            "(pip install 'trialint[dask]'; the workers read the input files by path).",
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="The dask scheduler to use with --engine dask (default: a local cluster of "
            "--jobs workers).",
        ),
        click.option(
            "--profile",
            is_flag=True,
            help="Print the time spent in each rule and stage to stderr after the run.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _settings_options(f: Any) -> Any:
    """Options that override the config file; shared by `check` and `config`."""
    from .render import RENDERERS

    options = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(dir_okay=False),
            help="Config file (default: the nearest trialint.toml or pyproject.toml [tool.trialint]).",
        ),
        click.option("--isolated", is_flag=True, help="Ignore config files."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(list(RENDERERS)),
            default=None,
            help="Output format [default: text].",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="RULE,...",
            help="Run only these rules or categories.",
        ),
        click.option(
            "--extend-select",
            multiple=True,
            metavar="RULE,...",
            help="Run these rules or categories too.",
        ),
        click.option(
            "--ignore", multiple=True, metavar="RULE,...", help="Skip these rules or categories."
        ),
        click.option(
            "--fail-on",
            type=click.Choice(FAIL_LEVELS),
            default=None,
            help="Lowest severity that makes the exit code 1 [default: warning].",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False),
            help="Do not report the known findings in this baseline file.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _settings(
    config_file: str | None,
    isolated: bool,
    fmt: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
) -> Any:
    from .config import from_command_line

    return from_command_line(
        config_file,
        isolated=isolated,
        select=_split(select),
        extend_select=_split(extend_select),
        ignore=_split(ignore),
        fail_on=fail_on,
        fmt=fmt,
        baseline=baseline,
    )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_settings_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the output to FILE instead of stdout.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Record today's findings in FILE (later runs with --baseline report only new ones); exit 0.",
)
@click.option("--prune-baseline", is_flag=True, help="Drop fixed findings from the baseline file.")
@click.option(
    "--statistics",
    is_flag=True,
    help="Print the number of findings per rule instead of the findings.",
)
@click.option(
    "--show-suppressed",
    is_flag=True,
    help="Include suppressed findings (with their reason) in sarif, jsonl and csv output.",
)
@_engine_options
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no notes on stderr.")
@click.option(
    "--pass-on-no-records",
    is_flag=True,
    help="Exit 0 when no record is read (no record files, or only files that are not registry "
    "records): for hooks that pass whatever files changed. Read errors still exit 2.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write the HTML audit report to FILE.",
)
def check(
    paths: tuple[str, ...],
    config_file: str | None,
    isolated: bool,
    fmt: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
    output: str | None,
    write_baseline: str | None,
    prune_baseline: bool,
    statistics: bool,
    show_suppressed: bool,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    profile: bool,
    quiet: bool,
    pass_on_no_records: bool = False,
    html_file: str | None = None,
) -> None:
    """Lint registry records: files, directories (recursive) or '-' for stdin.

    Exit code: 0 the verdict passes (no finding at or above --fail-on, or within the configured
    thresholds); 1 it fails; 2 a usage or config error, an input that could not be read
    (read-error), no record read, or no rule selected."""
    from contextlib import nullcontext

    from . import progress as progress_mod
    from .api import check as run_check
    from .baseline import Baseline

    click.get_current_context().meta["trialint.inputs"] = list(paths)
    settings = _settings(
        config_file, isolated, fmt, select, extend_select, ignore, fail_on, baseline
    )
    _refuse_overwriting_inputs(
        paths, [("-o", output), ("--html", html_file), ("--write-baseline", write_baseline)]
    )
    if write_baseline and prune_baseline:
        _fail("--write-baseline and --prune-baseline cannot be used together")
    if prune_baseline and settings.baseline is None:
        _fail("--prune-baseline needs a baseline: --baseline FILE or `baseline` in the config")
    if scheduler and engine != "dask":
        _fail("--scheduler needs --engine dask")
    bar = progress_mod.Progress() if progress_mod.wanted(quiet) else None
    with bar if bar is not None else nullcontext():
        findings = run_check(
            list(paths),
            config=settings,
            baseline=False if write_baseline else None,
            progress=bar,
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            profile=profile,
            contexts=bool(
                html_file
                or write_baseline
                or prune_baseline
                or (not statistics and settings.format in _FORMATS_WITH_CONTEXTS)
            ),
        )
    problems = _problems(findings, pass_on_no_records)
    _notes(findings, quiet)
    if profile:
        click.echo(_profile_table(findings.timings, findings.record_count), err=True)
    if write_baseline:
        if not findings.record_count:
            _fail(f"not writing {write_baseline}: " + "; ".join(findings.problems()))
        written = Baseline.from_findings(findings)
        where = written.write(write_baseline)
        if not quiet:
            click.echo(
                f"trialint: wrote {len(written)} finding(s) of {findings.record_count} record(s) to {where}",
                err=True,
            )
        sys.exit(EXIT_OK)
    if prune_baseline and settings.baseline is not None:
        old = Baseline.load(settings.baseline)
        kept = old.pruned(findings)
        kept.write(settings.baseline)
        if not quiet:
            click.echo(
                f"trialint: pruned {len(old) - len(kept)} fixed finding(s) from {settings.baseline}; {len(kept)} remain",
                err=True,
            )
    fmt = settings.format
    color = fmt == "text" and output is None and sys.stdout.isatty()
    chunks: Iterable[str]
    if statistics:
        from .render import statistics as stats

        chunks = [stats.render(findings, fmt=fmt)]
    else:  # in pieces: the JSON of a whole registry is not held in memory twice
        chunks = findings.render_chunks(fmt, color=color, include_suppressed=show_suppressed)
    if output:
        from .atomic import write_text

        try:
            write_text(output, chunks)
        except OSError as e:
            _fail(f"{output}: cannot write: {e.strerror or e}")
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False, color=color)
    if html_file:
        _write_html(findings, Path(html_file), quiet)
    for problem in problems:
        click.echo(f"trialint: error: {problem}", err=True)
    if problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if _gate_fails(findings) else EXIT_OK)


def _problems(findings: Any, pass_on_no_records: bool = False) -> list[str]:
    """Why the run must exit 2: read errors, no record read (unless allowed)."""
    problems: list[str] = findings.problems()
    if pass_on_no_records and not len(findings.read_errors):
        problems = [p for p in problems if not p.startswith("no record was read")]
    return problems


def _gate_fails(findings: Any) -> bool:
    """The verdict fails: a finding at or above fail-on, or a configured threshold reached.
    ``fail-on = never``: the exit code never reports findings."""
    from .thresholds import verdict_of

    if findings.fail_on == "never":
        return False
    return bool(verdict_of(findings).status == "fail")


def _notes(findings: Any, quiet: bool) -> None:
    """Files skipped as not registry records, on stderr (not with --quiet)."""
    if quiet:
        return
    for item in findings.skipped:
        click.echo(f"trialint: note: {item['path']}: {item['reason']}", err=True)


# output formats that show or hash the full text of flagged fields (Findings.contexts): the
# fingerprints of json, jsonl, sarif and gitlab hash it
_FORMATS_WITH_CONTEXTS = frozenset({"text", "html", "json", "jsonl", "sarif", "gitlab"})


def _profile_table(timings: dict[str, float], records: int) -> str:
    """Seconds per rule (summed over chunks and workers), costliest first, then the stages."""
    stages = ("read", "locate", "summaries", "total")
    rules = sorted(((k, v) for k, v in timings.items() if k not in stages), key=lambda kv: -kv[1])
    rule_sum = sum(v for _, v in rules)
    lines = [f"profile: {records:,} records; seconds (summed over chunks and workers)"]
    lines += [
        f"  {rule:<40} {sec:9.3f}  {100 * sec / rule_sum if rule_sum else 0:5.1f}%"
        for rule, sec in rules
    ]
    lines.append(f"  {'all rules':<40} {rule_sum:9.3f}")
    lines += [f"  {stage:<40} {timings[stage]:9.3f}" for stage in stages if stage in timings]
    return "\n".join(lines)


@main.command("config")
@_settings_options
def show_config(
    config_file: str | None,
    isolated: bool,
    fmt: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
) -> None:
    """Print the effective configuration, where each value came from, and the rules that run."""
    from .config import effective

    text, problem = effective(
        _settings(config_file, isolated, fmt, select, extend_select, ignore, fail_on, baseline)
    )
    click.echo(text, nl=False)
    if problem:
        _fail(problem)


@main.command("rules")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True
)
def list_rules(fmt: str) -> None:
    """List every rule by category: id, severity and summary."""
    from .rules import CATEGORIES, load_rules

    rules = load_rules()
    if fmt == "markdown":
        from .catalog_doc import render_markdown

        click.echo(render_markdown(rules), nl=False)
        return
    for cat in CATEGORIES:
        group = sorted((r for r in rules.values() if r.category == cat), key=lambda r: r.id)
        if not group:
            continue
        click.echo(click.style(cat, bold=True))
        for r in group:
            off = "" if r.enabled else "  (off by default)"
            click.echo(f"  {r.id:<34} {r.severity:<8} {r.summary}{off}")


@main.command()
@click.argument("rule_id", metavar="RULE|CATEGORY")
def explain(rule_id: str) -> None:
    """Show a rule's documentation (what it does, why, how to fix, examples, measured
    precision), or list a category's rules."""
    import difflib

    import yaml

    from .findings import BUILTIN_META
    from .rules import CATEGORIES, CATEGORY_DOCS, load_rules

    rules = load_rules()
    if rule_id in CATEGORIES:
        group = sorted((r for r in rules.values() if r.category == rule_id), key=lambda r: r.id)
        lines = [
            click.style(rule_id, bold=True) + f"  ({len(group)} rules)",
            "",
            textwrap.fill(CATEGORY_DOCS.get(rule_id, ""), 96),
            "",
        ]
        width = max(len(r.id) for r in group) if group else 0
        for r in group:
            off = "  (off by default)" if not r.enabled else ""
            lines.append(f"  {r.id:<{width}}  {r.severity:<7}  {r.summary}{off}")
        lines += [
            "",
            f"Select the category with --select {rule_id}; `trialint explain RULE` shows a rule.",
        ]
        click.echo("\n".join(lines))
        return
    if rule_id in BUILTIN_META:
        sev, cat, summary = BUILTIN_META[rule_id]
        click.echo(
            click.style(rule_id, bold=True)
            + f"  ({sev}, {cat}, built in)\n\n{summary}\n\n"
            + "An input that trialint could not read: a file (not UTF-8, invalid JSON, XML or "
            "gzip, an unknown layout) or one record in it. Its findings name the file and place. "
            "The run goes on, and exits with code 2: input that was not checked never passes. "
            "`--ignore read-error` accepts such inputs."
        )
        return
    if rule_id not in rules:
        raise UnknownRuleError(
            rule_id,
            difflib.get_close_matches(rule_id, [*rules, *CATEGORIES], n=3, cutoff=0.5),
        )
    r = rules[rule_id]
    out = [
        click.style(f"{r.id}", bold=True)
        + f"  ({r.severity}, {r.category}{'' if r.enabled else ', off by default'})",
        "",
        r.summary,
        "",
        click.style("Why it matters", bold=True),
        textwrap.indent(r.why, "  "),
    ]
    if r.source:
        out += ["", click.style("Source", bold=True), textwrap.indent(r.source, "  ")]
    out += ["", click.style("How to fix", bold=True), textwrap.indent(r.fix, "  ")]
    for verdict, title in (("flag", "Flagged"), ("pass", "Passes")):
        for ex in r.examples.get(verdict, [])[:2]:
            shown = (
                {"old": ex["old"], "new": ex["new"]}
                if "old" in ex
                else ex.get("record", ex.get("csv"))
            )
            body = ex.get("text") or yaml.safe_dump(
                shown, sort_keys=False, allow_unicode=True, width=96
            )
            out += [
                "",
                click.style(f"Example — {title}: {ex.get('name', '')}", bold=True),
                textwrap.indent(str(body).rstrip(), "  "),
            ]
    if r.precision or r.notes:
        out += [
            "",
            click.style("Measured precision", bold=True),
            textwrap.indent((r.precision + "\n" + r.notes).strip(), "  "),
        ]
    click.echo("\n".join(out))


def _default_report_path(paths: tuple[str, ...]) -> Path:
    """reports/trialint-<name of the first input>[-and-N-more].html"""
    import re

    first = paths[0].rstrip("/\\") if paths else ""
    stem = "stdin" if first in ("", "-") else Path(first).name.split(".")[0]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "records"
    if len(paths) > 1:
        stem += f"-and-{len(paths) - 1}-more"
    return Path("reports") / f"trialint-{stem}.html"


def _refuse_overwriting_inputs(
    paths: tuple[str, ...], outputs: list[tuple[str, str | None]]
) -> None:
    from .atomic import refuse_overwriting_inputs
    from .read import RECORD_EXTENSIONS

    refuse_overwriting_inputs(outputs, paths, RECORD_EXTENSIONS)


def _write_html(findings: Any, path: Path, quiet: bool = False, title: str | None = None) -> None:
    from .atomic import write_text

    try:
        write_text(path, findings.render("html", title=title), make_parents=True)
    except OSError as e:
        _fail(f"{path}: cannot write: {e.strerror or e}")
    if not quiet:
        verdict = findings.verdict()
        click.echo(
            f"trialint: wrote the HTML report ({len(findings)} finding(s) in "
            f"{findings.record_count} record(s); verdict: {verdict.status}) to {path}",
            err=True,
        )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the report to FILE [default: reports/trialint-<input>.html].",
)
@click.option("--title", help="The report's title [default: trialint audit report].")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file (default: the nearest trialint.toml or pyproject.toml [tool.trialint]).",
)
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option(
    "--select", multiple=True, metavar="RULE,...", help="Run only these rules or categories."
)
@click.option(
    "--extend-select", multiple=True, metavar="RULE,...", help="Run these rules or categories too."
)
@click.option("--ignore", multiple=True, metavar="RULE,...", help="Skip these rules or categories.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_LEVELS),
    default=None,
    help="Lowest severity that fails the verdict (with the configured thresholds) [default: warning].",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Do not report the known findings in this baseline file.",
)
@click.option(
    "--since",
    type=click.Path(dir_okay=False, exists=True),
    metavar="FILE",
    help="Mark the findings that are new since a previous audit: a baseline file or the JSON "
    "output of `trialint check --format json`.",
)
@_engine_options
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no notes on stderr.")
@click.option(
    "--diff",
    "as_diff",
    is_flag=True,
    help="PATHS are OLD NEW: report what changed between the two versions (trialint diff).",
)
@click.option(
    "--history",
    "as_history",
    is_flag=True,
    help="PATHS are cthist version histories: report what changed from version to version.",
)
def report(
    paths: tuple[str, ...],
    output: str | None,
    title: str | None,
    config_file: str | None,
    isolated: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
    since: str | None,
    jobs: int | None,
    engine: str,
    scheduler: str | None,
    profile: bool,
    quiet: bool,
    as_diff: bool = False,
    as_history: bool = False,
) -> None:
    """Write the HTML audit report of PATHS: one self-contained file that opens offline.

    With --diff (PATHS: OLD NEW) or --history (cthist files) the report shows what changed
    between versions, each change with its words before and after. The report gives the
    verdict (pass / warn / fail against fail-on and the configured thresholds); the exit code
    is 0 when the report is written, 2 when the run could not check its inputs (the report is
    written all the same)."""
    from contextlib import nullcontext

    from . import progress as progress_mod
    from .api import check as run_check

    click.get_current_context().meta["trialint.inputs"] = list(paths)
    settings = _settings(
        config_file, isolated, None, select, extend_select, ignore, fail_on, baseline
    )
    target = Path(output) if output else _default_report_path(paths)
    _refuse_overwriting_inputs(paths, [("-o", str(target))])
    if as_diff or as_history:
        _report_changes(paths, settings, as_diff, as_history, output, title, quiet)
        return
    if scheduler and engine != "dask":
        _fail("--scheduler needs --engine dask")
    bar = progress_mod.Progress() if progress_mod.wanted(quiet) else None
    with bar if bar is not None else nullcontext():
        findings = run_check(
            list(paths),
            config=settings,
            progress=bar,
            jobs=jobs,
            since=since,
            engine=engine,
            scheduler=scheduler,
            profile=profile,
        )
    if profile:
        click.echo(_profile_table(findings.timings, findings.record_count), err=True)
    _notes(findings, quiet)
    _write_html(findings, target, quiet, title)
    problems = _problems(findings)
    for problem in problems:
        click.echo(f"trialint: error: {problem}", err=True)
    if problems:
        sys.exit(EXIT_ERROR)


def _report_changes(
    paths: tuple[str, ...],
    settings: Any,
    as_diff: bool,
    as_history: bool,
    output: str | None,
    title: str | None,
    quiet: bool,
) -> None:
    """`report --diff OLD NEW` / `report --history FILE...`: the HTML report of the changes."""
    if as_diff and as_history:
        _fail("--diff and --history cannot be used together")
    if as_diff:
        if len(paths) != 2:
            _fail(f"report --diff takes two paths, OLD and NEW (got {len(paths)})")
        from .api import diff as run_diff

        findings = run_diff(paths[0], paths[1], config=settings)
    else:
        from .api import history as run_history

        findings = run_history(list(paths), config=settings)
    _write_html(findings, Path(output) if output else _default_report_path(paths), quiet, title)


# --- diff and history: what changed between versions of records ------------------------------


def _output_options(f: Any) -> Any:
    """The output options `diff` and `history` share with `check`."""
    options = [
        click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, writable=True),
            help="Write the output to FILE instead of stdout.",
        ),
        click.option(
            "--write-baseline",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Record today's findings in FILE (later runs with --baseline report only new ones); exit 0.",
        ),
        click.option(
            "--statistics", is_flag=True, help="Print the number of findings per rule instead."
        ),
        click.option(
            "--show-suppressed",
            is_flag=True,
            help="Include suppressed findings (with their reason) in sarif, jsonl and csv output.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No notes on stderr."),
        click.option(
            "--html",
            "html_file",
            type=click.Path(dir_okay=False),
            metavar="FILE",
            help="Also write the HTML report (with the before/after changes view) to FILE.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _finish(
    findings: Any,
    settings: Any,
    output: str | None,
    write_baseline: str | None,
    statistics: bool,
    show_suppressed: bool,
    quiet: bool,
    html_file: str | None,
) -> None:
    """Render the findings of `diff` / `history` as `check` does, and exit."""
    from .baseline import Baseline

    if write_baseline:
        written = Baseline.from_findings(findings)
        where = written.write(write_baseline)
        if not quiet:
            click.echo(f"trialint: wrote {len(written)} finding(s) to {where}", err=True)
        sys.exit(EXIT_OK)
    fmt = settings.format
    color = fmt == "text" and output is None and sys.stdout.isatty()
    chunks: Iterable[str]
    if statistics:
        from .render import statistics as stats

        chunks = [stats.render(findings, fmt=fmt)]
    else:  # in pieces: the JSON of a whole registry is not held in memory twice
        chunks = findings.render_chunks(fmt, color=color, include_suppressed=show_suppressed)
    if output:
        from .atomic import write_text

        try:
            write_text(output, chunks)
        except OSError as e:
            _fail(f"{output}: cannot write: {e.strerror or e}")
    else:
        for chunk in chunks:
            click.echo(chunk, nl=False, color=color)
    if html_file:
        _write_html(findings, Path(html_file), quiet)
    sys.exit(EXIT_FINDINGS if findings.failed(settings.fail_on) else EXIT_OK)


@main.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@_settings_options
@_output_options
def diff(
    old: str,
    new: str,
    config_file: str | None,
    isolated: bool,
    fmt: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
    output: str | None,
    write_baseline: str | None,
    statistics: bool,
    show_suppressed: bool,
    quiet: bool,
    html_file: str | None,
) -> None:
    """What changed in the outcome measures between two versions of the same records.

    OLD and NEW are files or directories in any format trialint reads (two downloads of the
    same records at different dates); records pair by registry id. Runs the 'history' rules.
    OLD is kept as an index of each record's status, dates and outcomes; NEW is read in chunks,
    so whole-registry downloads diff in bounded memory.
    """
    from .api import diff as run_diff

    click.get_current_context().meta["trialint.inputs"] = [old, new]
    settings = _settings(
        config_file, isolated, fmt, select, extend_select, ignore, fail_on, baseline
    )
    _refuse_overwriting_inputs(
        (old, new),
        [("-o", output), ("--html", html_file), ("--write-baseline", write_baseline)],
    )
    findings = run_diff(old, new, config=settings, baseline=False if write_baseline else None)
    _finish(
        findings, settings, output, write_baseline, statistics, show_suppressed, quiet, html_file
    )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_settings_options
@_output_options
def history(
    paths: tuple[str, ...],
    config_file: str | None,
    isolated: bool,
    fmt: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    baseline: str | None,
    output: str | None,
    write_baseline: str | None,
    statistics: bool,
    show_suppressed: bool,
    quiet: bool,
    html_file: str | None,
) -> None:
    """What changed from version to version in version histories written by the cthist R
    package (one CSV row per version): consecutive versions are compared."""
    from .api import history as run_history

    click.get_current_context().meta["trialint.inputs"] = list(paths)
    settings = _settings(
        config_file, isolated, fmt, select, extend_select, ignore, fail_on, baseline
    )
    _refuse_overwriting_inputs(
        paths, [("-o", output), ("--html", html_file), ("--write-baseline", write_baseline)]
    )
    findings = run_history(list(paths), config=settings, baseline=False if write_baseline else None)
    _finish(
        findings, settings, output, write_baseline, statistics, show_suppressed, quiet, html_file
    )


# --- frames and Great Expectations (issue 10) --------------------------------------------------


@main.command("frames")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--to",
    "to_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Directory to write the frames into (created if missing).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format of the frames.",
)
@click.option("--no-findings", is_flag=True, help="Write the frames only, not findings.<ext>.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file for the findings (default: the nearest trialint.toml or pyproject.toml).",
)
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option("--select", multiple=True, metavar="RULE,...", help="Findings of these rules only.")
@click.option("--ignore", multiple=True, metavar="RULE,...", help="Skip these rules.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def frames_command(
    paths: tuple[str, ...],
    to_dir: str,
    fmt: str,
    no_findings: bool,
    config_file: str | None,
    isolated: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    quiet: bool,
) -> None:
    """Write the canonical frames of PATHS (studies, outcomes, arms, interventions, terms,
    sources) and the findings table as Parquet or CSV files (docs/frames.md)."""
    from .export import export_frames

    settings = _settings(config_file, isolated, None, select, (), ignore, None, None)
    result = export_frames(
        list(paths),
        to_dir,
        fmt,
        findings=not no_findings,
        check_options={"config": settings},
    )
    if not quiet:
        rows = ", ".join(f"{name} {n:,}" for name, n in result.rows.items())
        click.echo(f"trialint: wrote {result.directory}: {rows}", err=True)
    if result.rows.get("studies", 0) == 0:
        _fail("no record read: nothing to export (see findings for read errors)")


@main.group("gx")
def gx_group() -> None:
    """Great Expectations (optional extra: pip install 'trialint[gx]')."""


@gx_group.command("suite")
@click.option(
    "-o",
    "--to",
    "to_dir",
    default="gx",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory for the suite files (trialint-<frame>.json).",
)
def gx_suite(to_dir: str) -> None:
    """Write GX 1.x Expectation Suites equivalent to the pandera schemas in schemas/."""
    from .gx import write_suites

    for path in write_suites(to_dir):
        click.echo(str(path))


@gx_group.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--data-docs",
    type=click.Path(file_okay=False),
    help="Also build GX Data Docs into DIR (they load styles from CDNs: unstyled offline).",
)
def gx_validate(paths: tuple[str, ...], data_docs: str | None) -> None:
    """Validate the frames of PATHS with the suites in an ephemeral GX context. Exit 1 when an
    expectation fails."""
    from .gx import frames_of, validate_frames

    result = validate_frames(frames_of(paths), data_docs=data_docs)
    if sum(result.rows.values()) == 0:
        _fail("no record read: nothing to validate")
    click.echo("rows: " + ", ".join(f"{frame} {n:,}" for frame, n in result.rows.items()))
    failed = [r for r in result.results if not r.success]
    for r in sorted(failed, key=lambda r: (r.frame, r.column, r.expectation)):
        examples = ", ".join(repr(v)[:60] for v in r.examples[:3])
        click.echo(
            f"FAIL {r.frame}.{r.column} {r.expectation}: {r.unexpected:,} unexpected ({examples})"
        )
    click.echo(f"{len(result.results) - len(failed)} of {len(result.results)} expectations met")
    if result.data_docs is not None:
        click.echo(f"data docs: {result.data_docs}")
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
