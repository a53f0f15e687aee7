"""Regenerate docs/rules.md and the README's rule list from checks/ (tests keep them in sync)."""

from __future__ import annotations

from pathlib import Path

from trialint.catalog_doc import render_markdown, replace_rule_list
from trialint.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rules = load_rules()
    (ROOT / "docs" / "rules.md").write_text(render_markdown(rules), encoding="utf-8")
    readme = ROOT / "README.md"
    readme.write_text(
        replace_rule_list(readme.read_text(encoding="utf-8"), rules), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
