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

from ..frames import STUDY_FIELD_PATHS, RecordSet, intervention_field, outcome_field, term_field
from .build import FrameBuilder
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

# --- value normalisation -------------------------------------------------------------------------

# whole-cell placeholders written by dataframe tools, never by the registry
_NULLS = frozenset({"null", "NULL", "NaN", "nan"})

STATUSES = frozenset(
    {"ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
     "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
     "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN"}
)  # fmt: skip
PHASES = frozenset({"NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"})
STUDY_TYPES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
ALLOCATIONS = frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"})
MODELS = frozenset({"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"})
PURPOSES = frozenset(
    {"TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
     "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER"}
)  # fmt: skip
MASKINGS = frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"})
WHO_MASKED = frozenset({"PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"})
SEXES = frozenset({"ALL", "FEMALE", "MALE"})

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def _code(value: str) -> str:
    """'Active, not recruiting' -> 'ACTIVE_NOT_RECRUITING'."""
    return _NON_ALNUM.sub("_", value.upper()).strip("_")


def _clean(value: str) -> str | None:
    v = value.strip()
    return None if not v or v in _NULLS else v


def norm_status(value: str) -> str | None:
    v = _clean(value)
    if v is None:
        return None
    c = _code(v)
    if c == "UNKNOWN_STATUS":
        c = "UNKNOWN"
    return c if c in STATUSES else v


_PHASE_NUM = re.compile(r"PHASE_?([0-9])")


def norm_phases(value: str) -> str | None:
    """'Phase 1|Phase 2' or 'PHASE1|PHASE2' -> 'PHASE1|PHASE2'; 'Not Applicable' -> 'NA'."""
    v = _clean(value)
    if v is None:
        return None
    out = []
    for item in v.split("|"):
        item = item.strip()
        if not item:
            continue
        c = _PHASE_NUM.sub(r"PHASE\1", _code(item))
        if c in ("NOT_APPLICABLE", "N_A"):
            c = "NA"
        out.append(c if c in PHASES else item)
    return "|".join(out) or None


def norm_study_type(value: str) -> str | None:
    v = _clean(value)
    if v is None:
        return None
    c = _code(v)
    # pre-2023: 'Observational [Patient Registry]', 'Expanded Access:Treatment IND/Protocol'
    return next((t for t in STUDY_TYPES if c.startswith(t)), v)


def norm_sex(value: str) -> str | None:
    v = _clean(value)
    if v is None:
        return None
    return v.upper() if v.upper() in SEXES else v


def norm_results(value: str) -> bool | None:
    c = _code(value)
    if c in ("YES", "HAS_RESULTS"):
        return True
    if c in ("NO", "NO_RESULTS_AVAILABLE"):
        return False
    return None


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_DATE_WORDS = re.compile(r"([A-Za-z]+)\.? +(?:([0-9]{1,2}), *)?([0-9]{4})")
_DATE_ISO = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
_DATE_SLASH = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def norm_date(value: str) -> str | None:
    """'February 1, 2020' -> '2020-02-01'; 'February 2020' -> '2020-02'; ISO stays ISO.

    Spreadsheet re-saves ('2/1/2020') are read month first, as the US site writes them, unless
    the first number cannot be a month. Anything else is kept as written.
    """
    v = _clean(value)
    if v is None:
        return None
    if _DATE_ISO.fullmatch(v):
        return v
    m = _DATE_WORDS.fullmatch(v)
    if m and m.group(1).lower() in _MONTHS:
        month = _MONTHS[m.group(1).lower()]
        if m.group(2):
            return f"{m.group(3)}-{month:02d}-{int(m.group(2)):02d}"
        return f"{m.group(3)}-{month:02d}"
    m = _DATE_SLASH.fullmatch(v)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), m.group(3)
        month, day = (b, a) if a > 12 >= b else (a, b)
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year}-{month:02d}-{day:02d}"
    return v


def norm_enrollment(value: str) -> float | None:
    v = _clean(value)
    if v is None:
        return None
    try:
        return float(v.replace(",", ""))
    except ValueError:
        return None


_MASKING = re.compile(r"([^(]*?)\s*(?:\((.*)\))?\s*")


def norm_design(value: str) -> dict[str, str | None]:
    """'Allocation: RANDOMIZED|Intervention Model: PARALLEL|Masking: DOUBLE (PARTICIPANT, ...)|...'
    (or the pre-2023 words) -> allocation, intervention_model, masking, who_masked, primary_purpose."""
    out: dict[str, str | None] = {}
    v = _clean(value)
    if v is None:
        return out
    for item in v.split("|"):
        key, sep, val = item.partition(":")
        if not sep:
            continue
        key, val = key.strip().lower(), val.strip()
        if not val:
            continue
        c = _code(val)
        if key == "allocation":
            c = "NA" if c == "N_A" else c
            out["allocation"] = c if c in ALLOCATIONS else val
        elif key == "intervention model":
            c = c.removesuffix("_ASSIGNMENT")
            out["intervention_model"] = c if c in MODELS else val
        elif key == "primary purpose":
            c = "ECT" if c == "EDUCATIONAL_COUNSELING_TRAINING" else c
            out["primary_purpose"] = c if c in PURPOSES else val
        elif key == "masking":
            mm = _MASKING.fullmatch(val)
            level, who = (mm.group(1), mm.group(2)) if mm else (val, None)
            lc = _code(level)
            out["masking"] = lc if lc in MASKINGS else val
            roles = [_code(w) for w in (who or "").split(",")]
            roles = [r for r in roles if r in WHO_MASKED]
            if roles:
                out["who_masked"] = "|".join(roles)
    return out


_AGE = re.compile(
    r"(?:([0-9]+ [A-Za-z]+) to ([0-9]+ [A-Za-z]+)|([0-9]+ [A-Za-z]+) and older|up to ([0-9]+ [A-Za-z]+))"
)


def norm_age(value: str) -> tuple[str | None, str | None]:
    """Pre-2023 'Age': '18 Years to 65 Years   (Adult)' -> ('18 Years', '65 Years')."""
    m = _AGE.match(" ".join(value.split()))
    if not m:
        return None, None
    if m.group(1):
        return m.group(1), m.group(2)
    return m.group(3), m.group(4)


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
_DESCRIBE_LABELS = frozenset({"count", "unique", "top", "freq", "mean", "std", "min", "max", "25%", "50%", "75%"})


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
    return value if value.strip() and value.strip() not in _NULLS else None


def read_csv(text: str, path: str, stem: str, chunk_size: int) -> Iterator[RecordSet]:
    """Read a site CSV/TSV export; yield a RecordSet every ``chunk_size`` records.

    The cyclic garbage collector is paused while a chunk is built (millions of small tuples,
    no cycles) and runs again while the caller works on the chunk.
    """
    chunks = _read(text, path, stem, chunk_size)
    while True:
        gc_was = gc.isenabled()
        gc.disable()
        try:
            rs = next(chunks)
        except StopIteration:
            return
        finally:
            if gc_was:
                gc.enable()
        yield rs


def _read(text: str, path: str, stem: str, chunk_size: int) -> Iterator[RecordSet]:
    b = FrameBuilder()
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = re.sub("\r(?!\n)", "\n", text)  # a lone CR ends a line, as in editors
    lines = _split_lines(text)
    if not lines:
        b.add_error(path=path, line=1, reason="not a ClinicalTrials.gov CSV export: empty file")
        yield b.build()
        return
    delim = _delimiter(lines[0], path)
    reader = csv.reader(iter(lines), delimiter=delim)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as e:
        b.add_error(path=path, line=1, reason=f"not a ClinicalTrials.gov CSV export: unreadable header ({e})")
        yield b.build()
        return
    header = [h.strip().removeprefix("\ufeff") for h in header]
    ncols = len(header)
    col: dict[str, int] = {}
    for i, h in enumerate(header):
        role = _HEADERS.get(h.lower())
        if role and role not in col:
            col[role] = i
    if "nct" not in col:
        b.add_error(path=path, line=1, reason="not a ClinicalTrials.gov CSV export: no 'NCT Number' column")
        yield b.build()
        return
    old_layout = any(h.lower() in _OLD_LAYOUT for h in header)
    present: list[str] = []
    for role in col:
        present.extend(_CARRIES.get(role, ()))
    if old_layout and "age" in col:
        present.extend(("minimum_age", "maximum_age"))
    present_fields = "|".join(sorted(set(present)))

    g = col.get
    i_nct = col["nct"]
    i_title, i_acr, i_status, i_sum = g("title"), g("acronym"), g("status"), g("summary")
    i_res, i_cond, i_int = g("results"), g("conditions"), g("interventions")
    i_spons, i_sc, i_sex, i_age = g("sponsor"), g("sponsor_collab"), g("sex"), g("age")
    i_ph, i_en, i_st, i_des, i_ids = g("phases"), g("enrollment"), g("study_type"), g("design"), g("other_ids")
    i_start, i_pc, i_comp = g("start"), g("primary_completion"), g("completion")
    i_fp, i_lu = g("first_posted"), g("last_update")
    outcome_cols = [(k, col[r]) for k, r in (("primary", "primary"), ("secondary", "secondary"),
                                             ("other", "other"), (UNSPECIFIED, "outcomes_old")) if r in col]  # fmt: skip
    text_cols = [(c, i) for c, i in (("brief_title", i_title), ("acronym", i_acr), ("brief_summary", i_sum)) if i is not None]
    row_start_re = re.compile(
        "".join(rf'(?:"[^"\n]*"|[^{re.escape(delim)}"\n]*){re.escape(delim)}' for _ in range(i_nct))
        + rf'"?NCT[0-9]{{8}}"?(?:{re.escape(delim)}|\r?\n|$)'
    )

    first_checked = False
    undecodable = _SURROGATE.search(text) is not None
    row_no = 0
    n_lines = len(lines)
    base = reader.line_num  # lines consumed by the header
    pos = base
    yielded = False
    while pos < n_lines:
        restart: int | None = None
        reader = csv.reader(islice(lines, pos, None), delimiter=delim)
        base = pos
        prev = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                first = base + prev
                prev = reader.line_num
                row_no += 1
                b.add_error(path=path, line=first + 1, record_id=f"{stem}#{row_no}",
                            reason=f"row {row_no} (line {first + 1}): unreadable CSV: {e}")  # fmt: skip
                continue
            first = base + prev
            prev = reader.line_num
            end = base + prev
            if not cells or not any(c.strip() for c in cells):
                continue  # blank line
            row_no += 1
            if not first_checked:
                first_checked = True
                if header[0] == "" and cells[0].strip() in _DESCRIBE_LABELS:
                    b = FrameBuilder()
                    b.add_error(path=path, line=first + 1,
                                reason="not a ClinicalTrials.gov CSV export: the rows are column "
                                f"statistics ({cells[0].strip()!r}, as written by pandas describe()), not records")  # fmt: skip
                    yield b.build()
                    return
            if len(cells) != ncols and (len(cells) < ncols or any(c.strip() for c in cells[ncols:])):
                nid = cells[i_nct].strip() if len(cells) > i_nct else ""
                b.add_error(path=path, line=first + 1,
                            record_id=nid if _NCT.fullmatch(nid) else f"{stem}#{row_no}",
                            reason=f"row {row_no} (line {first + 1}): {len(cells)} cells where the header "
                            f"has {ncols}; the row is skipped")  # fmt: skip
                if end - first > 1:
                    # a stray quote may have swallowed the rows that follow: go on from the
                    # first of them, else after this row
                    for k in range(first + 1, end):
                        if row_start_re.match(lines[k]):
                            restart = k
                            break
                    if restart is not None:
                        break
                continue
            nct = cells[i_nct].strip()
            if not nct:
                b.add_error(path=path, line=first + 1, record_id=f"{stem}#{row_no}",
                            reason=f"row {row_no} (line {first + 1}): no NCT Number; the row is skipped")  # fmt: skip
                continue
            if undecodable and any(_SURROGATE.search(c) for c in cells):
                b.add_error(path=path, line=first + 1, record_id=nct if _NCT.fullmatch(nct) else f"{stem}#{row_no}",
                            reason=f"row {row_no} (line {first + 1}): bytes that are not UTF-8 text; the row is skipped")  # fmt: skip
                continue
            _add_row(b, cells, _Row(lines, first, end, delim, ncols), path=path, stem=stem, row_no=row_no,
                     header=header, present_fields=present_fields, nct=nct, old_layout=old_layout,
                     idx=(i_title, i_acr, i_status, i_sum, i_res, i_cond, i_int, i_spons, i_sc, i_sex,
                          i_age, i_ph, i_en, i_st, i_des, i_ids, i_start, i_pc, i_comp, i_fp, i_lu),
                     outcome_cols=outcome_cols, text_cols=text_cols)  # fmt: skip
            if len(b) >= chunk_size:
                yield b.build()
                yielded = True
                b = FrameBuilder()
        if restart is None:
            break
        pos = restart
    if len(b) or not yielded:
        yield b.build()


def _add_row(
    b: FrameBuilder,
    cells: list[str],
    row: _Row,
    *,
    path: str,
    stem: str,
    row_no: int,
    header: list[str],
    present_fields: str,
    nct: str,
    old_layout: bool,
    idx: tuple[int | None, ...],
    outcome_cols: list[tuple[str, int]],
    text_cols: list[tuple[str, int]],
) -> None:
    (i_title, i_acr, i_status, i_sum, i_res, i_cond, i_int, i_spons, i_sc, i_sex,
     i_age, i_ph, i_en, i_st, i_des, i_ids, i_start, i_pc, i_comp, i_fp, i_lu) = idx  # fmt: skip
    rid = nct if _NCT.fullmatch(nct) else f"{stem}#{row_no}"

    def cell(i: int | None) -> str:
        return cells[i] if i is not None else ""

    def src(field: str, i: int, value: str, offset: int = 0) -> None:
        line, column = row.locate(i, value, offset)
        b.add_source(rid, field, path=path, line=line, column=column, pointer=header[i])

    lead = _clean(cell(i_spons)) if i_spons is not None else None
    if lead is None and i_sc is not None:
        lead = _clean(cell(i_sc).split("|", 1)[0])
    org_id = _clean(cell(i_ids).split("|", 1)[0]) if i_ids is not None else None
    design = norm_design(cell(i_des)) if i_des is not None else {}
    min_age = max_age = None
    if old_layout and i_age is not None:
        min_age, max_age = norm_age(cell(i_age))
    b.add_study(
        record_id=rid,
        registry="ctgov",
        source_format=FORMAT,
        nct_id=nct,
        org_study_id=org_id,
        brief_title=_text(cell(i_title)),
        acronym=_text(cell(i_acr)),
        overall_status=norm_status(cell(i_status)),
        start_date=norm_date(cell(i_start)),
        primary_completion_date=norm_date(cell(i_pc)),
        completion_date=norm_date(cell(i_comp)),
        first_submit_date=norm_date(cell(i_fp)),
        last_update_date=norm_date(cell(i_lu)),
        brief_summary=_text(cell(i_sum)),
        study_type=norm_study_type(cell(i_st)),
        phases=norm_phases(cell(i_ph)),
        enrollment_count=norm_enrollment(cell(i_en)),
        sex=norm_sex(cell(i_sex)),
        minimum_age=min_age,
        maximum_age=max_age,
        lead_sponsor=lead,
        has_results=norm_results(cell(i_res)) if i_res is not None else None,
        present_fields=present_fields,
        **design,
    )
    b.add_source(rid, "", path=path, line=row.first_line, column=None, pointer=None)
    for column, i in text_cols:
        v = cells[i]
        if _text(v) is not None:
            src(STUDY_FIELD_PATHS[column], i, v)
    if i_cond is not None:
        v = cells[i_cond]
        if v.strip() not in _NULLS:
            for pos, (item, off) in enumerate(split_items(v)):
                b.add_term(rid, "condition", pos, item)
                src(term_field("condition", pos), i_cond, v, off)
    if i_int is not None:
        v = cells[i_int]
        if v.strip() not in _NULLS and v.strip() != "N/A":
            for pos, (item, off) in enumerate(split_items(v)):
                typ, name = split_intervention(item)
                b.add_intervention(rid, pos, typ, name or None, None, None)
                if name:
                    at = item.find(name, item.index(":") + 1 if typ else 0)
                    src(intervention_field(pos, "name"), i_int, v, off + max(at, 0))
    for kind, i in outcome_cols:
        v = cells[i]
        if v.strip() in _NULLS:
            continue
        if kind == UNSPECIFIED:
            for pos, (item, off) in enumerate(split_items(v)):
                b.add_outcome(rid, kind, pos, item, None, None, item)
                src(outcome_field(kind, pos, "measure"), i, v, off)
            continue
        for pos, it in enumerate(split_cell(v)):
            b.add_outcome(rid, kind, pos, it.measure.text, it.description.text, it.time_frame.text, it.raw)
            for name, part in (("measure", it.measure), ("description", it.description), ("time_frame", it.time_frame)):
                if part.text is not None:
                    src(outcome_field(kind, pos, name), i, v, it.offset + part.offset)
