"""Splitting the site export's outcome cells: items joined by '|', each 'measure, description, time frame'.

The export joins the three parts with ", ", which also occurs inside them, so the split is a
heuristic: a part boundary is ", " followed by an upper-case letter (parts start with a capital;
", assessed up to 2 years" does not), and a description usually ends with a full stop.
Offsets are kept so findings can point into the original line.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..lazy_pattern import LazyPattern

_BOUNDARY = LazyPattern(r", (?=[A-Z0-9\"'(\[])")


class Part(NamedTuple):
    text: str | None
    offset: int  # offset of the part in the item text (or -1 if absent)


class OutcomeItem(NamedTuple):
    measure: Part
    description: Part
    time_frame: Part
    raw: str
    offset: int  # offset of the item in the cell


def split_items(cell: str) -> list[tuple[str, int]]:
    """Split a cell on '|' into (item, offset) pairs, dropping empty items."""
    out: list[tuple[str, int]] = []
    pos = 0
    for piece in cell.split("|"):
        stripped = piece.strip()
        if stripped:
            out.append((stripped, pos + piece.index(stripped)))
        pos += len(piece) + 1
    return out


def split_item(item: str) -> tuple[Part, Part, Part]:
    cuts = [m.start() for m in _BOUNDARY.finditer(item)]
    spans: list[tuple[int, int]] = []
    prev = 0
    for c in cuts:
        spans.append((prev, c))
        prev = c + 2
    spans.append((prev, len(item)))
    none = Part(None, -1)

    def part(a: int, b: int) -> Part:
        return Part(item[a:b], a)

    if len(spans) == 1:
        return part(*spans[0]), none, none
    if len(spans) == 2:
        return part(*spans[0]), none, part(*spans[1])
    if len(spans) == 3:
        return part(*spans[0]), part(*spans[1]), part(*spans[2])
    # more than three: the description ends at the last part (before the final one) ending in "."
    k = len(spans) - 2
    for i in range(len(spans) - 2, 0, -1):
        a, b = spans[i]
        if item[a:b].rstrip().endswith("."):
            k = i
            break
    desc = (spans[1][0], spans[k][1])
    time = (spans[k + 1][0], spans[-1][1])
    return part(*spans[0]), part(*desc), part(*time)


def split_cell(cell: str) -> list[OutcomeItem]:
    out = []
    for item, off in split_items(cell):
        m, d, t = split_item(item)
        out.append(OutcomeItem(m, d, t, item, off))
    return out


def split_simple_list(cell: str) -> list[str]:
    return [s.strip() for s in cell.split("|") if s.strip()]


_INTERVENTION = LazyPattern(r"^\s*([A-Za-z_ ]+?)\s*:\s*(.*)$", re.S)


def split_intervention(item: str) -> tuple[str | None, str]:
    """'DRUG: name' -> ('DRUG', 'name'); 'Drug: name' (pre-2023) -> ('DRUG', 'name')."""
    m = _INTERVENTION.match(item)
    if m and m.group(1).strip().upper().replace(" ", "_") in INTERVENTION_TYPES:
        return m.group(1).strip().upper().replace(" ", "_"), m.group(2).strip()
    return None, item.strip()


INTERVENTION_TYPES = frozenset(
    {
        "BEHAVIORAL",
        "BIOLOGICAL",
        "COMBINATION_PRODUCT",
        "DEVICE",
        "DIAGNOSTIC_TEST",
        "DIETARY_SUPPLEMENT",
        "DRUG",
        "GENETIC",
        "PROCEDURE",
        "RADIATION",
        "OTHER",
    }
)
