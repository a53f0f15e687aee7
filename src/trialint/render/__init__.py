"""Renderers: Findings -> text. One module per output format, registered here by name."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

# format name -> module in this package exporting `render(findings, **options) -> str`
RENDERERS: dict[str, str] = {
    "text": "text",
    "json": "json_out",
    "html": "html",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
    "jsonl": "jsonl",
    "csv": "csv_out",
}


def render(findings: Findings, fmt: str, **options: Any) -> str:
    if fmt not in RENDERERS:
        raise ValueError(f"unknown output format '{fmt}' (choose from {', '.join(RENDERERS)})")
    mod = importlib.import_module(f"{__name__}.{RENDERERS[fmt]}")
    out: str = mod.render(findings, **options)
    return out


def render_chunks(findings: Findings, fmt: str, **options: Any) -> Iterator[str]:
    """``render``'s text in pieces (a renderer may define ``render_chunks`` to write large runs
    without holding the whole text; the others give it in one piece)."""
    if fmt not in RENDERERS:
        raise ValueError(f"unknown output format '{fmt}' (choose from {', '.join(RENDERERS)})")
    mod = importlib.import_module(f"{__name__}.{RENDERERS[fmt]}")
    if hasattr(mod, "render_chunks"):
        yield from mod.render_chunks(findings, **options)
    else:
        yield mod.render(findings, **options)
