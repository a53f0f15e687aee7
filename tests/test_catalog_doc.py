"""docs/rules.md is generated from checks/ and must stay in sync with it."""

from __future__ import annotations

from conftest import ROOT
from trialint.catalog_doc import render_markdown, replace_rule_list


def test_rules_doc_is_in_sync(rules):
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == render_markdown(rules), "regenerate: python tools/sync_docs.py"


def test_every_rule_is_listed_with_its_precision(rules):
    doc = render_markdown(rules)
    for r in rules.values():
        assert f"`{r.id}`" in doc
        if r.precision:
            assert " ".join(r.precision.split()) in doc


def test_readme_rule_list_is_in_sync(rules):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == replace_rule_list(readme, rules), "regenerate: python tools/sync_docs.py"
    for r in rules.values():
        assert f"`{r.id}`" in readme
