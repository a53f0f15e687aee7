"""The command line: thin. Parse options, call the library, pick a renderer, set the exit code."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import TrialintError, UnknownRuleError
from .findings import FAIL_LEVELS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _fail(message: str) -> None:
    click.echo(f"trialint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrialintError as e:
            _fail(str(e))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trialint")
def main() -> None:
    """trialint: lint clinical-trial registry records before a registry reviewer does."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--select", multiple=True, metavar="RULE,...", help="Run only these rules or categories.")
@click.option("--ignore", multiple=True, metavar="RULE,...", help="Skip these rules or categories.")
@click.option("--fail-on", type=click.Choice(FAIL_LEVELS), default="warning", show_default=True, help="Lowest severity that makes the exit code 1.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the output to FILE instead of stdout.")
def check(paths: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str, output: str | None) -> None:
    """Lint registry records: files, directories (recursive) or '-' for stdin."""
    from .api import check as run_check

    findings = run_check(list(paths), select=_split(select) or None, ignore=_split(ignore) or None)
    color = fmt == "text" and output is None and sys.stdout.isatty()
    text = findings.render(fmt, color=color)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            _fail(f"{output}: cannot write: {e.strerror}")
    else:
        click.echo(text, nl=False, color=color)
    sys.exit(EXIT_FINDINGS if findings.failed(fail_on) else EXIT_OK)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
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
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Show a rule's documentation: what it does, why, how to fix, examples."""
    import difflib

    import yaml

    from .rules import load_rules

    rules = load_rules()
    if rule_id not in rules:
        raise UnknownRuleError(rule_id, difflib.get_close_matches(rule_id, list(rules), n=3, cutoff=0.5))
    r = rules[rule_id]
    out = [
        click.style(f"{r.id}", bold=True) + f"  ({r.severity}, {r.category}{'' if r.enabled else ', off by default'})",
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
            body = ex.get("text") or yaml.safe_dump(ex.get("record", ex.get("csv")), sort_keys=False, allow_unicode=True, width=96)
            out += ["", click.style(f"Example — {title}: {ex.get('name', '')}", bold=True), textwrap.indent(str(body).rstrip(), "  ")]
    if r.precision or r.notes:
        out += ["", click.style("Measured precision", bold=True), textwrap.indent((r.precision + "\n" + r.notes).strip(), "  ")]
    click.echo("\n".join(out))


if __name__ == "__main__":  # pragma: no cover
    main()
