"""docs/rules.md is generated from checks/ and must stay in sync with it."""

from __future__ import annotations

from conftest import ROOT
from trialint.catalog_doc import render_markdown


def test_rules_doc_is_in_sync(rules):
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == render_markdown(rules), (
        "regenerate: trialint rules --format markdown > docs/rules.md"
    )


def test_every_rule_is_listed_with_its_precision(rules):
    doc = render_markdown(rules)
    for r in rules.values():
        assert f"`{r.id}`" in doc
        if r.precision:
            assert " ".join(r.precision.split()) in doc
