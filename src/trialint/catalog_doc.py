"""docs/rules.md: the rule catalog as Markdown, generated from checks/ (measured figures included).

Regenerate with `trialint rules --format markdown > docs/rules.md`; tests/test_catalog_doc.py
keeps the file in sync.
"""

from __future__ import annotations

from .rules import CATEGORIES, Rule


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(rules: dict[str, Rule]) -> str:
    out = [
        "# trialint rules",
        "",
        "Generated from `checks/` by `trialint rules --format markdown`; do not edit by hand.",
        "Severity follows PRS review: error = Major comment, warning = Advisory, info = Note.",
        "*Precision* is what was measured on `../shared/corpus` by reading a random sample of up to",
        "30 hits (see each rule's notes: `trialint explain RULE`). Rules measured below ~0.9 are",
        "at info or off by default.",
        "",
    ]
    for cat in CATEGORIES:
        group = sorted((r for r in rules.values() if r.category == cat), key=lambda r: r.id)
        if not group:
            continue
        out += [
            f"## {cat.capitalize()}",
            "",
            "| rule | severity | default | summary | measured precision |",
            "|---|---|---|---|---|",
        ]
        for r in group:
            out.append(
                f"| `{r.id}` | {r.severity} | {'on' if r.enabled else 'off'} | {_cell(r.summary)} | "
                f"{_cell(r.precision) or '—'} |"
            )
        out.append("")
    out += [
        "## Built-in",
        "",
        "| rule | severity | summary |",
        "|---|---|---|",
        "| `read-error` | error | A file or record could not be read; the run goes on. |",
        "",
    ]
    return "\n".join(out)
