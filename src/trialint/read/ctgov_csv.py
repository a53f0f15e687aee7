"""The ClinicalTrials.gov site's CSV (and TSV) download, in both layouts and any subset of columns.

2023+ layout: ``NCT Number,Study Title,Study URL,Acronym,Study Status,Brief Summary,...`` with
API enum values (``COMPLETED``, ``PHASE1|PHASE2``) and ISO dates. Pre-2023 layout:
``Rank,NCT Number,Title,Acronym,Status,...`` with words (``Completed``, ``Phase 1|Phase 2``) and
dates such as ``February 1, 2020``. Files saved by other tools keep some of these columns and add
their own (an unnamed index column, ``combined_text``); unknown columns are ignored.

Values become the canonical frames' API enums and partial ISO dates; a field whose column is
absent stays null and is left out of ``present_fields``. Cells can hold newlines, so the reader
tracks the physical line (and column) where every row and every text cell starts.

Parsing: the csv module over the file's physical lines (its ``line_num`` gives each row's line
span); a small regex scan of the row's raw text then finds where each cell starts.
"""

from __future__ import annotations

import csv
import gc
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import islice

from ..frames import STUDY_FIELD_PATHS, intervention_field, outcome_field, term_field
from .build import FrameBuilder
from .normalize import (
    NULLS,
    clean,
    norm_age,
    norm_date,
    norm_design,
    norm_enrollment,
    norm_phases,
    norm_results,
    norm_sex,
    norm_status,
    norm_study_type,
)
from .outcome_cells import split_cell, split_intervention, split_items

FORMAT = "ctgov-csv"
UNSPECIFIED = "unspecified"  # outcome kind of the pre-2023 "Outcome Measures" column

csv.field_size_limit(2**31 - 1)

# header (lower case) -> role
_HEADERS: dict[str, str] = {
    "nct number": "nct",
    "study title": "title",
    "title": "title",
    "acronym": "acronym",
    "study status": "status",
    "status": "status",
    "brief summary": "summary",
    "study results": "results",
    "conditions": "conditions",
    "interventions": "interventions",
    "primary outcome measures": "primary",
    "secondary outcome measures": "secondary",
    "other outcome measures": "other",
    "outcome measures": "outcomes_old",
    "sponsor": "sponsor",
    "sponsor/collaborators": "sponsor_collab",
    "sex": "sex",
    "gender": "sex",
    "age": "age",
    "phases": "phases",
    "phase": "phases",
    "enrollment": "enrollment",
    "study type": "study_type",
    "study design": "design",
    "study designs": "design",
    "other ids": "other_ids",
    "start date": "start",
    "primary completion date": "primary_completion",
    "completion date": "completion",
    "first posted": "first_posted",
    "last update posted": "last_update",
}
# headers only the pre-2023 layout has
_OLD_LAYOUT = {"rank", "title", "status", "gender", "outcome measures", "sponsor/collaborators",
               "study designs", "funded bys", "url"}  # fmt: skip

# role -> canonical names it carries (for present_fields)
_CARRIES: dict[str, tuple[str, ...]] = {
    "nct": ("nct_id",),
    "title": ("brief_title",),
    "acronym": ("acronym",),
    "status": ("overall_status",),
    "summary": ("brief_summary",),
    "results": ("has_results",),
    "conditions": ("conditions",),
    "interventions": ("interventions",),
    "primary": ("outcomes", "outcomes[primary]"),
    "secondary": ("outcomes[secondary]",),
    "other": ("outcomes[other]",),
    "outcomes_old": ("outcomes",),
    "sponsor": ("lead_sponsor",),
    "sponsor_collab": ("lead_sponsor",),
    "sex": ("sex",),
    "phases": ("phases",),
    "enrollment": ("enrollment_count",),
    "study_type": ("study_type",),
    "design": ("allocation", "intervention_model", "primary_purpose", "masking", "who_masked"),
    "other_ids": ("org_study_id",),
    "start": ("start_date",),
    "primary_completion": ("primary_completion_date",),
    "completion": ("completion_date",),
    "first_posted": ("first_submit_date",),
    "last_update": ("last_update_date",),
}

# --- physical lines and cell positions -----------------------------------------------------------

_CELL_RE: dict[str, re.Pattern[str]] = {}


def _cell_re(delim: str) -> re.Pattern[str]:
    if delim not in _CELL_RE:
        d = re.escape(delim)
        _CELL_RE[delim] = re.compile(rf'"[^"]*(?:""[^"]*)*"[^{d}\r\n]*|[^{d}\r\n]*')
    return _CELL_RE[delim]


def cell_starts(raw: str, delim: str) -> list[int]:
    """Offsets in a row's raw text where each cell starts (at its opening quote if quoted)."""
    pat = _cell_re(delim)
    starts = []
    pos, n = 0, len(raw)
    while True:
        starts.append(pos)
        m = pat.match(raw, pos)
        pos = m.end() if m else pos
        if pos < n and raw[pos] == delim:
            pos += 1
            continue
        return starts


def _split_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _delimiter(header_line: str, path: str) -> str:
    tabs, commas, semis = header_line.count("\t"), header_line.count(","), header_line.count(";")
    if path.lower().endswith(".tsv") and tabs:
        return "\t"
    if tabs > commas and tabs >= semis:
        return "\t"
    if semis > commas:
        return ";"
    return ","


_NCT = re.compile(r"NCT[0-9]{8}")
# undecodable bytes, when the caller decoded with errors="surrogateescape"
_SURROGATE = re.compile("[\udc80-\udcff]")
_DESCRIBE_LABELS = frozenset(
    {"count", "unique", "top", "freq", "mean", "std", "min", "max", "25%", "50%", "75%"}
)


_NL = re.compile("\n")


class _Row:
    """Where a row's cells sit in the file: physical line and column of any cell offset."""

    __slots__ = ("first_line", "newlines", "raw", "starts")

    def __init__(self, lines: list[str], first: int, end: int, delim: str, ncells: int) -> None:
        self.first_line = first + 1  # 1-based
        if end - first == 1:
            self.raw = lines[first]
            self.newlines: list[int] | None = None
        else:
            self.raw = "".join(lines[first:end])
            self.newlines = [m.start() for m in _NL.finditer(self.raw)]
        starts = cell_starts(self.raw, delim)
        self.starts: list[int] | None = starts if len(starts) >= ncells else None

    def locate(self, cell: int, value: str, offset: int = 0) -> tuple[int, int | None]:
        """(line, column) of character ``offset`` of cell ``cell``'s value."""
        starts = self.starts
        if starts is None or cell >= len(starts):
            return self.first_line, None
        raw = self.raw
        pos = starts[cell] + offset
        if raw.startswith('"', starts[cell]):
            pos += 1
            if offset and '"' in value:
                pos += value.count('"', 0, offset)  # each '"' of the value is written '""'
        if offset < len(value) and raw[pos : pos + 1] != value[offset]:
            return self.first_line, None  # the scan disagrees with the csv module: no column
        nls = self.newlines
        if not nls or pos <= nls[0]:
            return self.first_line, pos + 1
        k = bisect_right(nls, pos - 1)  # newlines before pos
        return self.first_line + k, pos - nls[k - 1]


# --- the reader ----------------------------------------------------------------------------------


def _text(value: str) -> str | None:
    return value if value.strip() and value.strip() not in NULLS else None


class _Layout:
    """The columns one file carries: header names, the column of each role, present_fields."""

    def __init__(self, header: list[str], delim: str) -> None:
        self.header = header
        self.ncols = len(header)
        self.col: dict[str, int] = {}
        for i, h in enumerate(header):
            role = _HEADERS.get(h.lower())
            if role and role not in self.col:
                self.col[role] = i
        self.old = any(h.lower() in _OLD_LAYOUT for h in header)
        present: set[str] = set()
        for role in self.col:
            present.update(_CARRIES.get(role, ()))
        if self.old and "age" in self.col:
            present.update(("minimum_age", "maximum_age"))
        self.present_fields = "|".join(sorted(present))
        self.outcomes = [
            (kind, self.col[role])
            for kind, role in (
                ("primary", "primary"),
                ("secondary", "secondary"),
                ("other", "other"),
                (UNSPECIFIED, "outcomes_old"),
            )
            if role in self.col
        ]
        self.texts = [
            (column, self.col[role])
            for column, role in (
                ("brief_title", "title"),
                ("acronym", "acronym"),
                ("brief_summary", "summary"),
            )
            if role in self.col
        ]
        # a physical line that starts a row: the cells before 'NCT Number', then an NCT id
        d = re.escape(delim)
        nct = self.col.get("nct", 0)
        self.row_start = re.compile(
            rf'(?:"[^"\n]*"{d}|[^{d}"\n]*{d}){{{nct}}}"?NCT[0-9]{{8}}"?(?:{d}|\r?\n|$)'
        )


def read_csv(text: str, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    """Read a site CSV/TSV export; yield a FrameBuilder every ``chunk_size`` records (read_paths
    coalesces them into RecordSet chunks).

    The cyclic garbage collector is paused while a chunk is filled (many small tuples, no
    cycles) and runs again while the caller works on the chunk.
    """
    chunks = _read(text, path, stem, chunk_size)
    while True:
        gc_was = gc.isenabled()
        gc.disable()
        try:
            part = next(chunks)
        except StopIteration:
            return
        finally:
            if gc_was:
                gc.enable()
        yield part


def _file_error(path: str, reason: str, line: int = 1) -> FrameBuilder:
    b = FrameBuilder()
    b.add_error(path=path, line=line, reason=f"not a ClinicalTrials.gov CSV export: {reason}")
    return b


def _read(text: str, path: str, stem: str, chunk_size: int) -> Iterator[FrameBuilder]:
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = re.sub("\r(?!\n)", "\n", text)  # a lone CR ends a line, as in editors
    lines = _split_lines(text)
    if not lines:
        yield _file_error(path, "empty file")
        return
    delim = _delimiter(lines[0], path)
    reader = csv.reader(iter(lines), delimiter=delim)
    try:
        header = [h.strip().removeprefix("\ufeff") for h in next(reader)]
    except (csv.Error, StopIteration) as e:
        yield _file_error(path, f"unreadable header ({e})")
        return
    lay = _Layout(header, delim)
    if "nct" not in lay.col:
        yield _file_error(path, "no 'NCT Number' column")
        return
    i_nct = lay.col["nct"]
    undecodable = _SURROGATE.search(text) is not None
    b = FrameBuilder()
    yielded = False
    row_no = 0
    pos = reader.line_num  # lines taken by the header
    while pos < len(lines):
        # one pass of the csv module from line `pos`; a stray quote that swallowed the rows
        # after it makes the loop start a new pass at the first of those rows
        restart: int | None = None
        reader = csv.reader(islice(lines, pos, None), delimiter=delim)
        base, taken = pos, 0
        after_broken = False
        while True:
            first = base + taken
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                taken = reader.line_num
                row_no += 1
                b.add_error(
                    path=path,
                    line=first + 1,
                    record_id=f"{stem}#{row_no}",
                    reason=f"row {row_no} (line {first + 1}): unreadable CSV: {e}",
                )
                continue
            taken = reader.line_num
            end = base + taken
            if not any(c.strip() for c in cells):
                continue  # blank line
            row_no += 1
            where = f"row {row_no} (line {first + 1})"
            if row_no == 1 and header[0] == "" and cells[0].strip() in _DESCRIBE_LABELS:
                yield _file_error(
                    path,
                    f"the rows are column statistics ({cells[0].strip()!r}, as pandas describe() "
                    "writes them), not records",
                    line=first + 1,
                )
                return
            swallowed = _swallowed_row(lines, first, end, delim, lay) if end - first > 1 else None
            note = None
            if swallowed is not None:
                # a quote opened in the row and never closed took in the rows below: read the
                # row as if the quote closed at the end of its line, and those rows as rows
                restart = swallowed
                salvaged = _salvage(lines, first, swallowed, delim, lay.ncols)
                if salvaged is None:
                    b.add_error(
                        path=path,
                        line=first + 1,
                        record_id=_row_id(cells, i_nct, stem, row_no),
                        reason=f"{where}: a quote is never closed and the row runs on into the "
                        f"next row (line {swallowed + 1}); the row is skipped",
                    )
                    break
                cells, column = salvaged
                note = (
                    lay.header[column] or f"column {column + 1}",
                    f"a quote opens this cell and is never closed, so it took in the rows "
                    f"below (from line {swallowed + 1}): the cell is read to the end of line "
                    f"{swallowed}, the rows below as rows",
                )
                end = swallowed
            nct = cells[i_nct].strip() if len(cells) > i_nct else ""
            rid = _row_id(cells, i_nct, stem, row_no)
            broken = len(cells) < lay.ncols or any(c.strip() for c in cells[lay.ncols :])
            if broken and after_broken and not lay.row_start.match(lines[first]):
                # lines that do not start like a row, right after a row that could not be
                # read: the rest of that row (its quotes out of step), already reported
                row_no -= 1
                continue
            after_broken = broken
            if broken:
                b.add_error(
                    path=path,
                    line=first + 1,
                    record_id=rid,
                    reason=f"{where}: {len(cells)} cells where the header has {lay.ncols}"
                    + (
                        f" (it runs on to line {end}: a quote may be unbalanced)"
                        if end - first > 1
                        else ""
                    )
                    + "; the row is skipped",
                )
                if end - first > 1:
                    restart = next(
                        (k for k in range(first + 1, end) if lay.row_start.match(lines[k])), None
                    )
                    if restart is not None:
                        break
                continue
            if not nct:
                b.add_error(
                    path=path,
                    line=first + 1,
                    record_id=rid,
                    reason=f"{where}: no NCT Number; the row is skipped",
                )
                if note is not None:
                    break
                continue
            if undecodable and any(_SURROGATE.search(c) for c in cells):
                b.add_error(
                    path=path,
                    line=first + 1,
                    record_id=rid,
                    reason=f"{where}: bytes that are not UTF-8 text; the row is skipped",
                )
                if note is not None:
                    break
                continue
            row = _Row(lines, first, end, delim, lay.ncols)
            rid = b.unique_id(rid)
            _add_row(b, cells, row, lay, rid=rid, nct=nct, path=path)
            if note is not None:
                b.add_issue(rid, *note)
                break
            if len(b) >= chunk_size:
                yield b
                yielded = True
                b = FrameBuilder()
        if restart is None:
            break
        pos = restart
    if len(b) or not yielded:
        yield b


def _row_id(cells: list[str], i_nct: int, stem: str, row_no: int) -> str:
    nct = cells[i_nct].strip() if len(cells) > i_nct else ""
    if _NCT.fullmatch(nct):
        return nct
    # a cell that only starts with the id (a stray quote ran the next cells into it) still
    # names the record
    head = re.match(r'"?(NCT[0-9]{8})(?![0-9])', nct)
    return head.group(1) if head else f"{stem}#{row_no}"


def _swallowed_row(lines: list[str], first: int, end: int, delim: str, lay: _Layout) -> int | None:
    """The first physical line inside a multi-line row that starts a whole row of its own
    (an NCT id where the layout has it, and the full number of cells): the sign of a stray
    quote that swallowed the rows after it."""
    for k in range(first + 1, end):
        if lay.row_start.match(lines[k]):
            try:
                cells = next(csv.reader(islice(lines, k, None), delimiter=delim), [])
            except csv.Error:
                continue
            if len(cells) == lay.ncols:
                return k
    return None


def _salvage(
    lines: list[str], first: int, stop: int, delim: str, ncols: int
) -> tuple[list[str], int] | None:
    """The cells of lines first..stop-1 read as one row whose unclosed quote closes at their
    end, and the column of that quote; None when that does not give a whole row."""
    raw = "".join(lines[first:stop]).rstrip("\r\n")
    try:
        cells = next(csv.reader([raw + '"'], delimiter=delim), [])
    except csv.Error:
        return None
    if len(cells) != ncols:
        return None
    quoted = [i for i, at in enumerate(cell_starts(raw, delim)) if raw.startswith('"', at)]
    return cells, (quoted[-1] if quoted and quoted[-1] < ncols else ncols - 1)


def _add_row(
    b: FrameBuilder, cells: list[str], row: _Row, lay: _Layout, *, rid: str, nct: str, path: str
) -> None:
    col = lay.col

    def cell(role: str) -> str:
        i = col.get(role)
        return cells[i] if i is not None else ""

    def src(field: str, i: int, value: str, offset: int = 0) -> None:
        line, column = row.locate(i, value, offset)
        b.add_source(rid, field, path=path, line=line, column=column, pointer=lay.header[i])

    lead = clean(cell("sponsor"))
    if lead is None and "sponsor_collab" in col:
        lead = clean(cell("sponsor_collab").split("|", 1)[0])
    min_age = max_age = None
    if lay.old and "age" in col:
        min_age, max_age = norm_age(cell("age"))
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=nct,
        org_study_id=clean(cell("other_ids").split("|", 1)[0]),
        brief_title=_text(cell("title")),
        acronym=_text(cell("acronym")),
        overall_status=norm_status(cell("status")),
        start_date=norm_date(cell("start")),
        primary_completion_date=norm_date(cell("primary_completion")),
        completion_date=norm_date(cell("completion")),
        first_submit_date=norm_date(cell("first_posted")),
        last_update_date=norm_date(cell("last_update")),
        brief_summary=_text(cell("summary")),
        study_type=norm_study_type(cell("study_type")),
        phases=norm_phases(cell("phases")),
        enrollment_count=norm_enrollment(cell("enrollment")),
        sex=norm_sex(cell("sex")),
        minimum_age=min_age,
        maximum_age=max_age,
        lead_sponsor=lead,
        has_results=norm_results(cell("results")),
        present_fields=lay.present_fields,
        **norm_design(cell("design")),
    )
    b.add_source(rid, "", path=path, line=row.first_line, column=None, pointer=None)
    enrollment = cell("enrollment")
    if clean(enrollment) is not None and norm_enrollment(enrollment) is None:
        b.add_issue(
            rid,
            lay.header[col["enrollment"]],
            f"enrollment is text ('{enrollment.strip()[:40]}') where the data model has a "
            "number: not read",
        )
    for column, i in lay.texts:
        v = cells[i]
        if _text(v) is not None:
            src(STUDY_FIELD_PATHS[column], i, v)
    ic = col.get("conditions")
    if ic is not None and cells[ic].strip() not in NULLS:
        v = cells[ic]
        for pos, (item, off) in enumerate(split_items(v)):
            b.add_term(rid, "condition", pos, item)
            src(term_field("condition", pos), ic, v, off)
    ii = col.get("interventions")
    # 'N/A' as the whole cell is a dataframe tool's fill value: the export writes 'TYPE: name'
    if ii is not None and cells[ii].strip() not in NULLS and cells[ii].strip() != "N/A":
        v = cells[ii]
        for pos, (item, off) in enumerate(split_items(v)):
            typ, name = split_intervention(item)
            b.add_intervention(rid, pos, typ, name or None, None, None)
            if name:
                at = item.find(name, item.index(":") + 1 if typ else 0)
                src(intervention_field(pos, "name"), ii, v, off + max(at, 0))
    for kind, i in lay.outcomes:
        v = cells[i]
        if v.strip() in NULLS:
            continue
        if kind == UNSPECIFIED:  # pre-2023: measure titles only
            for pos, (item, off) in enumerate(split_items(v)):
                b.add_outcome(rid, kind, pos, item, None, None, item)
                src(outcome_field(kind, pos, "measure"), i, v, off)
            continue
        for pos, it in enumerate(split_cell(v)):
            b.add_outcome(
                rid, kind, pos, it.measure.text, it.description.text, it.time_frame.text, it.raw
            )
            for name, part in (
                ("measure", it.measure),
                ("description", it.description),
                ("time_frame", it.time_frame),
            ):
                if part.text is not None:
                    src(outcome_field(kind, pos, name), i, v, it.offset + part.offset)
