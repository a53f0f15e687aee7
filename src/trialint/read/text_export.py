"""The plain-text export layout of the seeds: one field per line, in the CSV export's order.

  title
  brief summary            (may span several lines and paragraphs)
  conditions               (items joined by '|')
  interventions            ('TYPE: name|TYPE: name')
  primary outcomes         ('measure, description, time frame|...')
  secondary outcomes
  further description      (the rest of the file; becomes the detailed description)

The interventions line is the anchor: the first line after the title whose items all read
`TYPE: name` with a registry intervention type. Every field keeps its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..frames import STUDY_FIELD_PATHS, intervention_field, outcome_field, term_field
from ..lazy_pattern import LazyPattern
from .build import FrameBuilder
from .outcome_cells import INTERVENTION_TYPES, split_cell, split_intervention, split_simple_list

FORMAT = "ctgov-text"
_NCT = LazyPattern(r"\bNCT\d{8}\b")


def _is_interventions_line(line: str) -> bool:
    items = split_simple_list(line)
    return bool(items) and all(split_intervention(i)[0] in INTERVENTION_TYPES for i in items)


def _unify_newlines(text: str) -> str:
    """CRLF and lone CR (old Mac files) end lines as LF does; one character for one, so every
    line and column stays where it was."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff(text: str) -> bool:
    # the summary may be any number of lines long: look for the anchor in every line
    lines = _unify_newlines(text).split("\n")
    return len(lines) >= 4 and any(_is_interventions_line(ln) for ln in lines[2:])


def read_text(text: str, path: str, stem: str) -> Iterator[FrameBuilder]:
    b = FrameBuilder()
    text = _unify_newlines(text)
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    anchor = next((i for i in range(2, len(lines)) if _is_interventions_line(lines[i])), None)
    if anchor is None or not lines[0].strip():
        b.add_error(
            path=path,
            line=1,
            column=1,
            reason="not the plain-text export layout: no 'TYPE: name' interventions line after the title and summary",
        )
        yield b
        return
    m = _NCT.search(text[: starts[anchor]])
    rid = m.group(0) if m else stem
    rid = b.unique_id(rid)

    def block(first: int, last: int) -> str | None:  # lines first..last inclusive
        if first > last:
            return None
        s = "\n".join(lines[first : last + 1]).strip("\n")
        return s if s.strip() else None

    def src(field: str, line_idx: int, col: int = 0) -> None:
        b.add_source(rid, field, path=path, line=line_idx + 1, column=col + 1)

    title = lines[0].strip()
    summary = block(1, anchor - 2)
    conditions = lines[anchor - 1]
    primary = lines[anchor + 1] if anchor + 1 < len(lines) else ""
    secondary = lines[anchor + 2] if anchor + 2 < len(lines) else ""
    description = block(anchor + 3, len(lines) - 1)
    first_desc_line = next(
        (i for i in range(anchor + 3, len(lines)) if lines[i].strip()), anchor + 3
    )
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=m.group(0) if m else None,
        brief_title=title or None,
        brief_summary=summary,
        detailed_description=description,
        present_fields="brief_title|brief_summary|detailed_description|conditions|interventions|outcomes",
    )
    b.add_source(rid, "", path=path, line=1, column=1)
    src(STUDY_FIELD_PATHS["brief_title"], 0)
    first_sum_line = next((i for i in range(1, anchor - 1) if lines[i].strip()), 1)
    src(STUDY_FIELD_PATHS["brief_summary"], first_sum_line)
    src(STUDY_FIELD_PATHS["detailed_description"], first_desc_line)
    for pos, item in enumerate(split_simple_list(conditions)):
        b.add_term(rid, "condition", pos, item)
        src(term_field("condition", pos), anchor - 1, conditions.find(item))
    col = 0
    for i, item in enumerate(lines[anchor].split("|")):
        typ, name = split_intervention(item)
        b.add_intervention(rid, i, typ, name, None, None)
        src(intervention_field(i, "name"), anchor, col + item.find(name) if name else col)
        col += len(item) + 1
    for kind, idx, cell in (("primary", anchor + 1, primary), ("secondary", anchor + 2, secondary)):
        for i, it in enumerate(split_cell(cell)):
            b.add_outcome(
                rid, kind, i, it.measure.text, it.description.text, it.time_frame.text, it.raw
            )
            for column, part in (
                ("measure", it.measure),
                ("description", it.description),
                ("time_frame", it.time_frame),
            ):
                if part.text is not None:
                    src(outcome_field(kind, i, column), idx, it.offset + part.offset)
    yield b
