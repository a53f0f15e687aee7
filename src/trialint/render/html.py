"""The HTML audit report: one self-contained file (inline CSS, JS and SVG; no network request).

Layout of the page (templates/report.html.j2):
  header    inputs, record count, rule set, date, version; totals by severity; clean records
  overview  findings per rule (sortable table + bar chart); breakdowns by registry, status,
            phase and start year (tables + inline SVG charts made here, at render time)
  findings  the explorer: records with their findings in context, filter/search, pagination,
            a per-record view (key fields, every finding with its field text highlighted)
  rules     each rule's documentation (summary, why, fix) and its first findings

How the data travels. Every finding is embedded once, as compact columnar JSON (strings
interned; the text of long fields cut to windows around the flagged spans, within a budget),
gzip-compressed and base64-encoded in a non-executed ``<script>`` block; the page inflates it
(DecompressionStream) and the explorer renders it a page at a time. Messages and field text are
most of the data and compress about 4:1, so the file stays small at scale (about 100 bytes per
finding: 9.5 MB for 100,000) and the DOM holds one page. Without JS the page is still a report:
header, overview and rule documentation are server-rendered, with the first findings of every
rule and the first records with all their findings, in context. CSV of any filter (the full
list of a rule included) is made in the page from the same data.

Record text is untrusted: Jinja2 autoescapes everything; the data block is base64, so nothing
in it can close its element; the JS builds nodes with ``textContent`` only (Trusted Types are
required by the CSP, so an accidental ``innerHTML`` throws); registry links are built only from
ids that match a registry's id pattern; CSV cells that a spreadsheet would run as formulas are
quoted; and the Content-Security-Policy allows the page's own inline script and style (by hash)
and nothing else: no remote source of any kind.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..coverage import coverage, describe
from ..findings import SEVERITIES, SEVERITY_RANK
from ..frames import FIELD_PATH_TO_COLUMN
from ..thresholds import verdict_of
from ..version import __version__

if TYPE_CHECKING:
    from ..findings import FindingSet as Findings

TEMPLATES = Path(__file__).resolve().parent / "templates"

PAGE_SIZE = 25  # records per page in the explorer
STATIC_FINDINGS = 300  # findings server-rendered (no-JS view) in the record list, whole records
PER_RULE = 10  # the rule cap: findings shown under a rule's documentation (all: explorer/CSV)
# How much of a flagged field's text is embedded: (a field up to this long is kept whole,
# else this many characters each side of each span). The first level within the budget is used.
CONTEXT_LEVELS: tuple[tuple[int, int], ...] = (
    (1500, 300),
    (1000, 200),
    (600, 140),
    (400, 100),
    (250, 70),
    (150, 40),
)
SPAN_KEEP = 400  # a longer span keeps this many characters of its head and of its tail
CONTEXT_BUDGET = 8_000_000  # characters of field text embedded at most
LIST_WINDOW = 110  # context shown each side of a span in lists
LIST_SPAN = 280  # a longer span is shown in lists by its head and tail

# Registry page links, built only from ids that match the registry's pattern.
_LINKS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"NCT[0-9]{8}"), "https://clinicaltrials.gov/study/{}", "ClinicalTrials.gov"),
    (re.compile(r"ISRCTN[0-9]{8}"), "https://www.isrctn.com/{}", "ISRCTN registry"),
    (
        re.compile(r"[0-9]{4}-[0-9]{6}-[0-9]{2}"),
        "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}",
        "EU Clinical Trials Register",
    ),
)
_WS = re.compile(r"\s")
_ENUM_RE = re.compile(r"[A-Z0-9_]+(\|[A-Z0-9_]+)*")
_BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("registry", "Registry"),
    ("overall_status", "Overall status"),
    ("phases", "Phase"),
    ("start_year", "Start year"),
)
_MAX_CATEGORIES = 12
NOT_GIVEN = "(not given)"
FILES_SHOWN = 2000  # input files listed with their sha256 (all of them go into the list digest)
_PRECISION = re.compile(r"^\s*(n/a|[01](?:\.[0-9]+)?(?:\s*[-–]\s*[01](?:\.[0-9]+)?)?)")


def precision_figure(text: str) -> str:
    """The measured precision's figure ('0.99', '0.97-1.00', 'n/a') from a rule's precision note."""
    m = _PRECISION.match(text or "")
    return m.group(1).replace(" ", "") if m else ("—" if not text else "see notes")


def _file_sha256(name: str) -> tuple[str | None, int | None]:
    try:
        with open(name, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        return digest, Path(name).stat().st_size
    except OSError:
        return None, None


def registry_link(record_id: Any) -> tuple[str, str] | None:
    """(url, registry name) for a record id that matches a registry's id pattern, else None."""
    if not isinstance(record_id, str):
        return None
    for pattern, url, name in _LINKS:
        if pattern.fullmatch(record_id):
            return url.format(record_id), name
    return None


def pretty(value: Any) -> str:
    """A registry enum for reading: NOT_YET_RECRUITING -> Not yet recruiting, PHASE1|PHASE2 ->
    Phase 1/Phase 2. Anything that is not an enum is returned as it is."""
    if not isinstance(value, str) or not value:
        return ""
    if not _ENUM_RE.fullmatch(value):
        return value
    parts = []
    for v in value.split("|"):
        if v == "NA":
            parts.append("Not applicable")
            continue
        v = re.sub(r"PHASE([0-9])", r"PHASE \1", v)
        words = v.replace("_", " ").lower()
        parts.append(words[:1].upper() + words[1:])
    return "/".join(parts)


# --- snippets: the field text around a span ---------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The embedded text of one flagged field: its length and the kept segments (offset, text)."""

    length: int
    segments: tuple[tuple[int, str], ...]


def snippet(
    ctx: Context, start: int, end: int, window: int, max_span: int
) -> list[tuple[str, str]]:
    """Pieces ('t' text | 'm' the flagged span | 'g' a gap) showing [start, end) with ``window``
    characters each side; a span longer than ``max_span`` shows its head and tail; no span
    (start < 0) shows the head of the field. Mirrors ``pieces()`` in report.js."""
    if start < 0:
        start = end = -1
        ranges = [(0, 2 * window)]
    elif end - start > max_span:
        half = max_span // 2
        ranges = [(start - window, start + half), (end - half, end + window)]
    else:
        ranges = [(start - window, end + window)]
    out: list[tuple[str, str]] = []
    last = -1
    for lo, hi in ranges:
        lo, hi = max(0, lo), min(ctx.length, hi)
        for off, text in ctx.segments:
            a, b = max(lo, off), min(hi, off + len(text))
            if a >= b and not (start == end and a == b == start):
                continue
            a = max(a, last)
            if a > b:
                continue
            if (last < 0 and a > 0) or (last >= 0 and a > last):
                out.append(("g", "…"))
            for x, y, kind in (
                (a, min(b, start), "t"),
                (max(a, start), min(b, end), "m"),
                (max(a, end), b, "t"),
            ):
                if x < y:
                    out.append((kind, text[x - off : y - off]))
                elif kind == "m" and start == end and a <= start <= b:
                    out.append(("m", ""))
            last = b
    if 0 <= last < ctx.length:
        out.append(("g", "…"))
    return _trim_words(out)


def _trim_words(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Cut the partial word a window leaves next to a gap ('…ry endpoint' -> '… endpoint')."""
    out = list(pieces)
    for i, (kind, text) in enumerate(out):
        if kind != "t":
            continue
        if i > 0 and out[i - 1][0] == "g":
            cut = _WS.search(text[:25])
            if cut and cut.start() > 0:
                text = text[cut.start() :]
        if i + 1 < len(out) and out[i + 1][0] == "g":
            tail = text[-25:]
            cuts = list(_WS.finditer(tail))
            if cuts and cuts[-1].end() < len(tail):
                text = text[: len(text) - len(tail) + cuts[-1].end()]
        out[i] = (kind, text)
    return out


def merged_windows(
    cid: np.ndarray, start: np.ndarray, end: np.ndarray, length: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The text kept of long fields: ``window`` characters each side of every span (a span longer
    than 2*SPAN_KEEP keeps its head and tail), clipped to the field and merged per field.
    Returns (cid, a, b) of the merged intervals, sorted by cid then a. Vectorized."""
    if not len(cid):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    big = (start >= 0) & (end - start > 2 * SPAN_KEEP)
    none = start < 0
    a1 = np.where(none, 0, start - window)
    b1 = np.where(none, 2 * window, np.where(big, start + SPAN_KEEP + window, end + window))
    A = np.concatenate([a1, (end - SPAN_KEEP - window)[big]])
    B = np.concatenate([b1, (end + window)[big]])
    C = np.concatenate([cid, cid[big]])
    lc = length[C]
    A, B = np.clip(A, 0, lc), np.clip(B, 0, lc)
    order = np.lexsort((A, C))
    A, B, C = A[order], B[order], C[order]
    shift = C.astype(np.int64) << 32  # running max of B within each field
    run = np.maximum.accumulate(B + shift) - shift
    new = np.ones(len(C), dtype=bool)
    new[1:] = (C[1:] != C[:-1]) | (A[1:] > run[:-1] + 40)  # join windows closer than a phrase
    starts = np.flatnonzero(new)
    return C[starts], A[starts], np.maximum.reduceat(B, starts)


# --- helpers ----------------------------------------------------------------------------------


def _obj(s: pd.Series) -> np.ndarray:
    """A str column as an object array with '' for missing (fast: no per-item pandas access)."""
    return s.astype("str").fillna("").to_numpy(dtype=object)


def _int_arr(s: pd.Series) -> np.ndarray:
    return s.astype("Int64").to_numpy(dtype="int64", na_value=-1)


def _int_or(v: Any, default: int = -1) -> int:
    return default if v is None or pd.isna(v) else int(v)


def _str_or_empty(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _paragraphs(text: str) -> list[str]:
    paras = re.split(r"\n[ \t]*\n", text.strip()) if text else []
    return [" ".join(p.split()) for p in paras if p.strip()]


def _fmt_created(created: str) -> str:
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?Z", created or "")
    return f"{m.group(1)} {m.group(2)} UTC" if m else str(created)


def _pretty_col(s: pd.Series) -> pd.Series:
    vals = s.astype("str")
    uniq = vals.dropna().unique()
    return vals.map(dict(zip(uniq, (pretty(u) for u in uniq), strict=True)))


def _intern(columns: dict[str, pd.Series]) -> tuple[dict[str, list[int]], list[str]]:
    """Codes into one shared string table for several columns ('' and missing: -1)."""
    if not columns:
        return {}, []
    parts = [c.astype("str").reset_index(drop=True) for c in columns.values()]
    allv = pd.concat(parts, ignore_index=True)
    allv = allv.where(allv != "")
    codes, uniques = pd.factorize(allv, use_na_sentinel=True)
    out, pos = {}, 0
    for name, part in zip(columns, parts, strict=True):
        out[name] = codes[pos : pos + len(part)].tolist()
        pos += len(part)
    return out, [str(u) for u in uniques]


def _location(path: Any, line: Any, column: Any, pointer: Any, own_path: Any = None) -> str:
    """Where a finding is in its file; without the file when it is the record's own (``own_path``)."""
    p = path if isinstance(path, str) else ""
    if p and p == own_path:
        p = ""
    if _int_or(line) >= 0:
        return (
            (f"{p}:" if p else "line ")
            + str(int(line))
            + (f":{int(column)}" if _int_or(column) >= 0 else "")
        )
    return f"{p} {pointer}" if p and isinstance(pointer, str) and pointer else p


def _rule_meta(findings: Findings, rule_id: str) -> dict[str, Any]:
    from ..findings import BUILTIN_META

    r = findings.rules.get(rule_id)
    if r is not None:
        return {
            "id": r.id,
            "severity": r.severity,
            "category": r.category,
            "summary": r.summary,
            "why": _paragraphs(r.why),
            "fix": _paragraphs(r.fix),
            "source": r.source,
            "precision": r.precision,
            "notes": _paragraphs(r.notes),
        }
    sev, cat, summary = BUILTIN_META.get(rule_id, ("warning", "", ""))
    return {
        "id": rule_id,
        "severity": sev,
        "category": cat,
        "summary": summary,
        "why": [],
        "fix": [],
        "source": "",
        "precision": "",
        "notes": [],
    }


def _svg_bars(
    rows: Sequence[dict[str, Any]], value_key: str = "value", width: int = 480
) -> dict[str, Any]:
    """Geometry of a horizontal bar chart: one bar per row, stacked by severity when given."""
    label_w, count_w, bar_h, gap = 214, 56, 18, 6
    top = max((r[value_key] for r in rows), default=0) or 1
    plot_w = width - label_w - count_w
    bars = []
    for i, r in enumerate(rows):
        y = i * (bar_h + gap)
        x = label_w
        parts = []
        for sev in r.get("stack", ()):  # (severity, value)
            w = plot_w * sev[1] / top
            if w > 0:
                parts.append(
                    {"x": round(x, 1), "w": round(max(w, 1.0), 1), "sev": sev[0], "n": sev[1]}
                )
                x += w
        if not parts:
            w = plot_w * r[value_key] / top
            parts.append(
                {
                    "x": label_w,
                    "w": round(max(w, 1.0 if r[value_key] else 0.0), 1),
                    "sev": r.get("sev", "none"),
                    "n": r[value_key],
                }
            )
        bars.append(
            {
                "y": y,
                "ty": y + bar_h - 5,
                "label": r["label"],
                "short": r["label"] if len(r["label"]) <= 26 else r["label"][:24] + "…",
                "value": r[value_key],
                "vx": round(max(p["x"] + p["w"] for p in parts) + 6, 1),
                "parts": parts,
                "title": r.get("title", f"{r['label']}: {r[value_key]:,}"),
            }
        )
    return {
        "width": width,
        "height": max(len(rows), 1) * (bar_h + gap),
        "bars": bars,
        "bar_h": bar_h,
        "label_w": label_w,
    }


def _svg_columns(
    rows: Sequence[dict[str, Any]], width: int = 480, height: int = 150
) -> dict[str, Any]:
    """Geometry of a column chart (start years): one stacked column per row."""
    n = max(len(rows), 1)
    pad_b, pad_t = 22, 8
    pad_x = 18  # room for the first and last axis labels, centred under their columns
    slot = (width - 2 * pad_x) / n
    col_w = max(2.0, min(24.0, slot * 0.75))
    top = max((r["value"] for r in rows), default=0) or 1
    plot_h = height - pad_b - pad_t
    cols = []
    every = max(1, round(n / 12))
    shown = set(range(0, n, every)) | {n - 1}
    last_regular = max(range(0, n, every))
    if last_regular != n - 1 and (n - 1 - last_regular) < max(1, every * 0.6):
        shown.discard(last_regular)  # it would collide with the last label
    for i, r in enumerate(rows):
        x = pad_x + i * slot + (slot - col_w) / 2
        y = height - pad_b
        parts = []
        for sev, v in r.get("stack", ()):
            h = plot_h * v / top
            if h > 0:
                y -= h
                parts.append({"y": round(y, 1), "h": round(max(h, 1.0), 1), "sev": sev, "n": v})
        if not parts and r["value"]:
            h = plot_h * r["value"] / top
            y -= h
            parts.append(
                {"y": round(y, 1), "h": round(max(h, 1.0), 1), "sev": "none", "n": r["value"]}
            )
        cols.append(
            {
                "x": round(x, 1),
                "w": round(col_w, 1),
                "cx": round(x + col_w / 2, 1),
                "parts": parts,
                "label": r["label"],
                "show_label": i in shown,
                "title": r.get("title", f"{r['label']}: {r['value']:,}"),
            }
        )
    return {"width": width, "height": height, "cols": cols, "base": height - pad_b}


# --- the model --------------------------------------------------------------------------------


class _Model:
    """Everything the template and the page's JS need, computed once from a Findings."""

    def __init__(
        self,
        findings: Findings,
        *,
        title: str | None,
        per_rule: int,
        static_findings: int,
        budget: int,
    ) -> None:
        self.findings = findings
        self.title = title or "trialint audit report"
        self.per_rule = per_rule
        self.static_findings = static_findings
        f = findings.frame.reset_index(drop=True)
        self.f = f
        read = findings.records.drop_duplicates("record_id").reset_index(drop=True)
        self.read = read
        ids = set(f["record_id"].dropna())
        # records named by findings but not read (read errors): a stub row each
        missing = sorted(ids - set(read["record_id"]))
        recs = read
        if missing:
            first = f.drop_duplicates("record_id").set_index("record_id")
            stub = pd.DataFrame(
                {"record_id": missing, "source_path": first.loc[missing, "source_path"].to_numpy()}
            )
            recs = pd.concat([read, stub.astype("str")], ignore_index=True)
        self.recs = recs[recs["record_id"].isin(ids)].reset_index(
            drop=True
        )  # flagged, in read order
        self.rec_pos = pd.Series(np.arange(len(self.recs)), index=self.recs["record_id"].to_numpy())
        self.col: dict[str, list[Any]] = {c: f[c].tolist() for c in f.columns}
        self._source_of = dict(zip(self.recs["record_id"], self.recs["source_path"], strict=True))
        self.groups: dict[str, np.ndarray] = (
            {str(k): np.asarray(v) for k, v in f.groupby("record_id", sort=False).indices.items()}
            if len(f)
            else {}
        )
        self.new: np.ndarray | None = None
        if getattr(findings, "previous", None) is not None:
            self.new = findings.previous.new(f, findings.contexts).to_numpy(dtype=bool)
        self.coverage = coverage(findings)
        self.verdict = verdict_of(findings)
        self._contexts(budget)
        self._rule_rows = self._make_rule_rows()

    # -- the text of flagged fields --

    def _contexts(self, budget: int) -> None:
        f, n = self.f, len(self.f)
        both = pd.DataFrame(
            {
                "row": np.concatenate([np.arange(n), np.arange(n)]),
                "role": np.repeat([0, 1], n),
                "record_id": pd.concat([f["record_id"], f["record_id"]], ignore_index=True),
                "field": pd.concat([f["field"], f["related_field"]], ignore_index=True),
                "s": np.concatenate([_int_arr(f["start"]), _int_arr(f["related_start"])]),
                "e": np.concatenate([_int_arr(f["end"]), _int_arr(f["related_end"])]),
            }
        )
        both = both[both["field"].notna() & (both["field"] != "")]
        pairs = both[["record_id", "field"]].drop_duplicates()
        texts = self.findings.contexts[["record_id", "field", "text"]]
        # key fields (status, phases, dates, ...) are not free text: their value is the context
        key_cols = {
            p: c
            for p, c in FIELD_PATH_TO_COLUMN.items()
            if c in self.read.columns and c != "record_id"
        }
        wanted = [p for p in pairs["field"].unique() if p in key_cols]
        extra = [
            pd.DataFrame(
                {"record_id": self.read["record_id"], "field": p, "text": self.read[key_cols[p]]}
            )
            for p in wanted
        ]
        texts = (
            pd.concat([texts, *extra], ignore_index=True).astype("str")
            if extra
            else texts.astype("str")
        )
        texts = texts[texts["text"].notna() & (texts["text"] != "")].drop_duplicates(
            ["record_id", "field"]
        )
        keyed = pairs.merge(texts, on=["record_id", "field"], how="inner").reset_index(drop=True)
        keyed["cid"] = np.arange(len(keyed))
        self.ctx_text = _obj(keyed["text"])
        length = keyed["text"].str.len().to_numpy(dtype="int64", na_value=0)
        both = both.merge(
            keyed[["record_id", "field", "cid"]], on=["record_id", "field"], how="left"
        )
        both["cid"] = both["cid"].fillna(-1).astype("int64")
        c = np.full(n, -1, dtype=np.int64)
        rc = np.full(n, -1, dtype=np.int64)
        prim, rel = both[both["role"] == 0], both[both["role"] == 1]
        c[prim["row"].to_numpy()] = prim["cid"].to_numpy()
        rc[rel["row"].to_numpy()] = rel["cid"].to_numpy()
        self.c, self.rc = c, rc

        spans = both[both["cid"] >= 0]
        cid = spans["cid"].to_numpy()
        s = spans["s"].to_numpy()
        e = spans["e"].to_numpy()
        e = np.where((e < 0) & (s >= 0), length[cid], e)  # an open span runs to the field's end
        s = np.where(s >= 0, np.minimum(s, length[cid]), -1)
        e = np.where(s >= 0, np.clip(e, s, length[cid]), -1)
        for full, window in CONTEXT_LEVELS:
            long = length[cid] > full
            merged = merged_windows(cid[long], s[long], e[long], length, window)
            if int(length[length <= full].sum()) + int((merged[2] - merged[1]).sum()) <= budget:
                break
        self.window, self.full_text = window, full
        flat: list[list[Any]] = [[int(n_)] for n_ in length.tolist()]
        for k in np.flatnonzero(length <= full).tolist():
            flat[k] += [0, self.ctx_text[k]]
        for k, a, b in zip(*(m.tolist() for m in merged), strict=True):
            flat[k] += [a, self.ctx_text[k][a:b]]
        self.ctx_flat = flat

    def context(self, cid: int) -> Context | None:
        if cid < 0:
            return None
        flat = self.ctx_flat[cid]
        return Context(flat[0], tuple(zip(flat[1::2], flat[2::2], strict=True)))

    # -- header and overview --

    def header(self) -> dict[str, Any]:
        fnd = self.findings
        n_rec = len(self.read)
        flagged = len(self.groups)
        clean = n_rec - int(self.read["record_id"].isin(self.groups.keys()).sum())
        return {
            "title": self.title,
            "inputs": list(fnd.inputs),
            "records": n_rec,
            "findings": len(self.f),
            "flagged": flagged,
            "clean": clean,
            "clean_pct": f"{100 * clean / n_rec:.1f}" if n_rec else "0.0",
            "by_severity": [(s, fnd.by_severity()[s]) for s in SEVERITIES],
            "rules": sorted(fnd.rules),
            "created": _fmt_created(fnd.created),
            "created_iso": fnd.created,
            "version": __version__,
            "suppressed": len(fnd.suppressed),
            "window": self.window,
            "full_text": self.full_text,
            "verdict": self.verdict_view(),
            "problems": fnd.problems(),
            "skipped": list(fnd.skipped),
            "since": self.since_view(),
            "config": self.config_view(),
            "files": self.files_view(),
            "ruleset": self.ruleset_view(),
        }

    def verdict_view(self) -> dict[str, Any]:
        v = self.verdict
        problems = self.findings.problems()
        status = "error" if problems else v.status
        label = {
            "pass": "Pass",
            "warn": "Pass with warnings",
            "fail": "Fail",
            "error": "Incomplete",
        }
        rows = [
            {
                "selector": c.selector,
                "scope": c.scope,
                "records": c.records,
                "findings": c.findings,
                "share": f"{100 * c.share:.1f}",
                "warn": str(c.warn) if c.warn else "—",
                "fail": str(c.fail) if c.fail else "—",
                "status": c.status,
                "origin": c.origin,
            }
            for c in v.checks
        ]
        why = problems if problems else [v.explain()] if v.status != "pass" else []
        return {"status": status, "label": label[status], "why": why, "checks": rows}

    def since_view(self) -> dict[str, Any] | None:
        prev = getattr(self.findings, "previous", None)
        if prev is None or self.new is None:
            return None
        new = int(self.new.sum())
        new_records = int(self.f.loc[self.new, "record_id"].nunique()) if new else 0
        return {
            "path": str(prev.path),
            "name": Path(str(prev.path)).name,
            "new": new,
            "new_records": new_records,
            "previous": prev.total,
            "gone": prev.gone(self.f, self.findings.contexts),
        }

    def config_view(self) -> dict[str, Any]:
        cfg = getattr(self.findings, "config", None) or {}
        rows = [
            {"key": key, "value": str(value), "origin": origin}
            for key, value, origin in cfg.get("settings", [])
        ]
        return {"file": cfg.get("file"), "rows": rows, "fail_on": self.findings.fail_on}

    def files_view(self, cap: int = FILES_SHOWN) -> dict[str, Any]:
        """Every input file with its size and sha256, and one digest of the whole list."""
        digests = getattr(self.findings, "input_digests", {}) or {}
        rows = []
        for name in self.findings.files:
            sha, size = digests.get(name), None
            if sha is None:
                sha, size = _file_sha256(name)
            rows.append({"path": name, "sha256": sha or "(unreadable)", "size": size})
        listing = "".join(f"{r['sha256']}  {r['path']}\n" for r in rows)
        return {
            "count": len(rows),
            "rows": rows[:cap],
            "more": max(0, len(rows) - cap),
            "digest": hashlib.sha256(listing.encode("utf-8")).hexdigest() if rows else "",
        }

    def ruleset_view(self) -> dict[str, Any]:
        """The rules that ran, with their severity and measured precision, and a fingerprint of
        the rule set's definitions (id, severity, kind, parameters)."""
        rules = self.findings.rules
        canon = [
            {
                "id": r.id,
                "severity": getattr(r, "severity", ""),
                "kind": getattr(r, "kind", ""),
                "params": getattr(r, "params", {}),
            }
            for r in (rules[k] for k in sorted(rules))
        ]
        blob = json.dumps(canon, sort_keys=True, default=str, ensure_ascii=False)
        return {
            "count": len(rules),
            "digest": hashlib.sha256(blob.encode("utf-8")).hexdigest(),
            "rules": [
                {
                    "id": r.id,
                    "severity": getattr(r, "severity", ""),
                    "category": getattr(r, "category", ""),
                    "precision": precision_figure(getattr(r, "precision", "")),
                }
                for r in (rules[k] for k in sorted(rules))
            ],
        }

    def _make_rule_rows(self) -> list[dict[str, Any]]:
        f = self.f
        n_rec = max(1, len(self.read))
        counts = f["rule"].value_counts()
        recs = f.groupby("rule")["record_id"].nunique() if len(f) else pd.Series(dtype="int64")
        sev = (
            f.drop_duplicates("rule").set_index("rule")["severity"]
            if len(f)
            else pd.Series(dtype="str")
        )
        new_counts = (
            f.loc[self.new, "rule"].value_counts()
            if self.new is not None
            else pd.Series(dtype="int64")
        )
        rows = []
        for rid in dict.fromkeys([*counts.index, *sorted(self.findings.rules)]):
            meta = _rule_meta(self.findings, rid)
            n, nr = int(counts.get(rid, 0)), int(recs.get(rid, 0))
            cov = self.coverage.get(rid)
            rows.append(
                {
                    **meta,
                    "severity": sev.get(rid, meta["severity"]),
                    "count": n,
                    "records": nr,
                    "pct": 100 * nr / n_rec,
                    "new": int(new_counts.get(rid, 0)),
                    "unit": cov["unit"] if cov else "",
                    "checked": cov["checked"] if cov else None,
                    "checked_text": describe(cov["checked"], cov["unit"]) if cov else "—",
                    "failing": cov["failing"] if cov else nr,
                    "failing_pct": (
                        100 * cov["failing"] / cov["checked"] if cov and cov["checked"] else 0.0
                    ),
                    "precision_figure": precision_figure(meta["precision"]),
                }
            )
        rows.sort(key=lambda r: (-r["count"], -SEVERITY_RANK.get(r["severity"], 0), r["id"]))
        return rows

    def rule_rows(self) -> list[dict[str, Any]]:
        return self._rule_rows

    def rule_chart(self) -> dict[str, Any]:
        hit = [r for r in self._rule_rows if r["count"]][:40]
        return _svg_bars(
            [
                {
                    "label": r["id"],
                    "value": r["count"],
                    "sev": r["severity"],
                    "title": f"{r['id']} ({r['severity']}): {r['count']:,} findings in {r['records']:,} records",
                }
                for r in hit
            ]
        )

    def breakdowns(self) -> list[dict[str, Any]]:
        recs = self.read.copy()
        if recs.empty:
            return []
        sd = (
            recs["start_date"].astype("str")
            if "start_date" in recs
            else pd.Series(pd.NA, index=recs.index, dtype="str")
        )
        recs["start_year"] = sd.str.extract(r"^([0-9]{4})", expand=False)
        f = self.f
        per = (
            f.groupby(["record_id", "severity"]).size().unstack(fill_value=0)
            if len(f)
            else pd.DataFrame()
        )
        for s in SEVERITIES:
            if s not in per:
                per[s] = 0
        per = per[list(SEVERITIES)]
        out = []
        for col, title in _BREAKDOWNS:
            if col not in recs or not recs[col].notna().any():
                continue
            vals = recs[col] if col in ("registry", "start_year") else _pretty_col(recs[col])
            frame = pd.DataFrame(
                {
                    "record_id": recs["record_id"].to_numpy(),
                    "value": vals.fillna(NOT_GIVEN).to_numpy(),
                }
            )
            frame = frame.join(per, on="record_id").fillna({s: 0 for s in SEVERITIES})
            frame["n"] = frame[list(SEVERITIES)].sum(axis=1)
            frame["flag"] = (frame["n"] > 0).astype("int64")
            g = frame.groupby("value").agg(
                records=("record_id", "size"),
                flagged=("flag", "sum"),
                findings=("n", "sum"),
                error=("error", "sum"),
                warning=("warning", "sum"),
                info=("info", "sum"),
            )
            if col == "start_year":  # every year from the first to the last, then "not given"
                years = sorted(int(v) for v in g.index if v != NOT_GIVEN)
                span = years[-1] - years[0] if years else 0
                full = (
                    [str(y) for y in range(years[0], years[-1] + 1)]
                    if years and span <= 80
                    else [str(y) for y in years]
                )
                g = g.reindex(full + ([NOT_GIVEN] if NOT_GIVEN in g.index else []), fill_value=0)
            else:
                g = g.sort_values(["records", "findings"], ascending=False)
                if len(g) > _MAX_CATEGORIES:
                    head, tail = g.iloc[: _MAX_CATEGORIES - 1], g.iloc[_MAX_CATEGORIES - 1 :]
                    g = pd.concat([head, tail.sum().to_frame(f"{len(tail)} others").T])
            rows: list[dict[str, Any]] = [
                {
                    "label": str(v),
                    "records": int(r["records"]),
                    "flagged": int(r["flagged"]),
                    "pct": 100 * int(r["flagged"]) / max(1, int(r["records"])),
                    "findings": int(r["findings"]),
                    "sev": {s: int(r[s]) for s in SEVERITIES},
                }
                for v, r in g.iterrows()
            ]
            chart_rows = [
                {
                    "label": "n/a"
                    if col == "start_year" and r["label"] == NOT_GIVEN
                    else r["label"],
                    "value": r["findings"],
                    "stack": [(s, r["sev"][s]) for s in SEVERITIES],
                    "title": f"{r['label']}: {r['findings']:,} findings ("
                    + ", ".join(f"{r['sev'][s]:,} {s}" for s in SEVERITIES)
                    + f") in {r['flagged']:,} of {r['records']:,} records",
                }
                for r in rows
            ]
            if col == "start_year" and len(rows) > 8:
                chart, kind = _svg_columns(chart_rows), "columns"
            else:
                chart, kind = _svg_bars(chart_rows), "bars"
            out.append(
                {
                    "id": col.replace("_", "-"),
                    "title": title,
                    "rows": rows,
                    "chart": chart,
                    "kind": kind,
                }
            )
        return out

    # -- server-rendered findings (the page without JS) --

    def _record_view(self, rid: str, idx: Sequence[int]) -> dict[str, Any]:
        pos = self.rec_pos.get(rid)
        rec: dict[str, Any] = (
            {str(k): v for k, v in self.recs.iloc[int(pos)].to_dict().items()}
            if pos is not None
            else {"record_id": rid}
        )
        link = registry_link(rid)
        design = [pretty(rec.get(c)) for c in ("study_type", "allocation", "intervention_model")]
        masking = rec.get("masking")
        sev_of = self.col["severity"]
        counts = dict.fromkeys(SEVERITIES, 0)
        for i in idx:
            counts[sev_of[i]] = counts.get(sev_of[i], 0) + 1
        brief = _str_or_empty(rec.get("brief_title"))
        official = _str_or_empty(rec.get("official_title"))
        return {
            "id": rid,
            "link": link[0] if link else None,
            "registry": link[1] if link else None,
            "title": brief,
            "official": official if official != brief else "",
            "status": pretty(rec.get("overall_status")),
            "phase": pretty(rec.get("phases")),
            "design": ", ".join(d for d in design if d)
            + (
                f", masking: {pretty(masking).lower()}"
                if isinstance(masking, str) and masking
                else ""
            ),
            "start": _str_or_empty(rec.get("start_date")),
            "counts": [(s, n) for s, n in counts.items() if n],
            "source": _str_or_empty(rec.get("source_path")),
            "findings": [self._finding_view(i, in_record=True) for i in idx],
        }

    def _finding_view(self, i: int, in_record: bool = False) -> dict[str, Any]:
        c = self.col
        pieces: list[tuple[str, str]] = []
        ctx = self.context(int(self.c[i]))
        s, e = _int_or(c["start"][i]), _int_or(c["end"][i])
        if ctx is not None:
            pieces = snippet(ctx, s, e if e >= 0 or s < 0 else ctx.length, LIST_WINDOW, LIST_SPAN)
        elif isinstance(c["excerpt"][i], str) and c["excerpt"][i]:
            pieces = [("t", c["excerpt"][i])]
        rel = None
        rf = c["related_field"][i]
        if isinstance(rf, str) and rf:
            rctx = self.context(int(self.rc[i]))
            rs, re_ = _int_or(c["related_start"][i]), _int_or(c["related_end"][i])
            rel = {
                "field": rf,
                "pieces": snippet(
                    rctx, rs, re_ if re_ >= 0 or rs < 0 else rctx.length, LIST_WINDOW, LIST_SPAN
                )
                if rctx
                else [],
            }
        return {
            "record": c["record_id"][i],
            "rule": c["rule"][i],
            "severity": c["severity"][i],
            "message": _str_or_empty(c["message"][i]),
            "field": _str_or_empty(c["field"][i]),
            "location": _location(
                c["source_path"][i],
                c["source_line"][i],
                c["source_column"][i],
                c["source_pointer"][i],
                self._source_of.get(c["record_id"][i]) if in_record else None,
            ),
            "pieces": pieces,
            "related": rel,
            "new": bool(self.new[i]) if self.new is not None else False,
        }

    def static_records(self) -> tuple[list[dict[str, Any]], int]:
        """The first records (read order) with all their findings, up to ``static_findings``."""
        out: list[dict[str, Any]] = []
        shown = 0
        for rid in self.recs["record_id"]:
            idx = self.groups[rid]
            if out and shown + len(idx) > self.static_findings:
                break
            out.append(self._record_view(rid, idx.tolist()))
            shown += len(idx)
        return out, shown

    def rule_docs(self) -> list[dict[str, Any]]:
        by_rule = self.f.groupby("rule", sort=False).indices if len(self.f) else {}
        docs = []
        for r in self._rule_rows:
            idx = np.asarray(by_rule.get(r["id"], []), dtype=np.int64)[: self.per_rule].tolist()
            sample = [self._finding_view(i) for i in idx]
            docs.append({**r, "sample": sample, "more": r["count"] - len(sample)})
        return docs

    def suppressed_rows(self, cap: int = 500) -> list[dict[str, str]]:
        sup = self.findings.suppressed
        if sup is None or sup.empty:
            return []
        cols = [
            c for c in ("record_id", "rule", "severity", "field", "message", "reason") if c in sup
        ]
        return [
            {c: _str_or_empty(v) for c, v in zip(cols, row, strict=True)}
            for row in sup[cols].head(cap).itertuples(index=False)
        ]

    # -- the data the page's JS reads --

    def data(self) -> dict[str, Any]:
        f, recs = self.f, self.recs
        rule_ids = [r["id"] for r in self._rule_rows]

        def rcol(name: str) -> pd.Series:
            return recs[name] if name in recs else pd.Series(pd.NA, index=recs.index, dtype="str")

        brief, official = _obj(rcol("brief_title")), _obj(rcol("official_title"))
        codes, table = _intern(
            {
                "st": _pretty_col(rcol("overall_status")),
                "ty": _pretty_col(rcol("study_type")),
                "ph": _pretty_col(rcol("phases")),
                "al": _pretty_col(rcol("allocation")),
                "im": _pretty_col(rcol("intervention_model")),
                "mk": _pretty_col(rcol("masking")),
                "sd": rcol("start_date"),
                "rg": rcol("registry"),
                "sp": rcol("source_path"),
                "fsp": f["source_path"],
                "fl": f["field"],
                "rf": f["related_field"],
                "pt": f["source_pointer"],
            }
        )
        rec_index = self.rec_pos.reindex(f["record_id"].to_numpy()).to_numpy(dtype="int64")
        rec_sp = np.asarray(codes["sp"], dtype=np.int64)
        fsp = np.asarray(codes.pop("fsp"), dtype=np.int64)
        fsp = np.where(
            (fsp == rec_sp[rec_index]) if len(fsp) else fsp, -2, fsp
        )  # -2: the record's path
        msg_codes, messages = pd.factorize(f["message"].astype("str").fillna(""))
        exc = f["excerpt"].astype("str").where(pd.Series(self.c < 0, index=f.index))
        exc = exc.where(exc != "")
        exc_codes, exc_uniques = pd.factorize(exc, use_na_sentinel=True)
        m_table = [str(m) for m in messages]
        x = np.where(exc_codes >= 0, exc_codes + len(m_table), -1)
        m_table += [str(u) for u in exc_uniques]
        rule_index = {r: i for i, r in enumerate(rule_ids)}
        sev_index = {s: i for i, s in enumerate(SEVERITIES)}
        read_ids = set(self.groups)
        return {
            "v": 1,
            "version": __version__,
            "sev": list(SEVERITIES),
            "page": PAGE_SIZE,
            "win": [LIST_WINDOW, LIST_SPAN],
            "rules": [
                [r["id"], r["severity"], r["category"], r["summary"]] for r in self._rule_rows
            ],
            "S": table,
            "M": m_table,
            "rec": {
                "id": recs["record_id"].tolist(),
                "t": brief.tolist(),
                "o": np.where(official == brief, "", official).tolist(),
                **{k: codes[k] for k in ("st", "ty", "ph", "al", "im", "mk", "sd", "rg", "sp")},
            },
            "clean": [r for r in self.read["record_id"].tolist() if r not in read_ids],
            "f": {
                "r": rec_index.tolist(),
                "u": f["rule"].map(rule_index).fillna(-1).astype("int64").tolist(),
                "s": f["severity"].map(sev_index).fillna(1).astype("int64").tolist(),
                "fl": codes["fl"],
                "a": _int_arr(f["start"]).tolist(),
                "b": _int_arr(f["end"]).tolist(),
                "m": msg_codes.tolist(),
                "c": self.c.tolist(),
                "rf": codes["rf"],
                "ra": _int_arr(f["related_start"]).tolist(),
                "rb": _int_arr(f["related_end"]).tolist(),
                "rc": self.rc.tolist(),
                "x": x.tolist(),
                "sp": fsp.tolist(),
                "ln": _int_arr(f["source_line"]).tolist(),
                "co": _int_arr(f["source_column"]).tolist(),
                "pt": codes["pt"],
                "n": self.new.astype("int64").tolist() if self.new is not None else [],
            },
            "since": self.since_view(),
            "ctx": self.ctx_flat,
        }


def pack(data: Any) -> str:
    """The page's data: JSON, gzip-compressed, base64 (only [A-Za-z0-9+/=]: nothing in it can end
    the <script> element it sits in). The page inflates it with DecompressionStream."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def unpack(text: str) -> Any:
    """The inverse of :func:`pack` (for tests and tools)."""
    return json.loads(gzip.decompress(base64.b64decode(text)).decode("utf-8"))


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode(
        "ascii"
    )


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "svg"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda v: f"{int(v):,}"
    env.filters["pct"] = lambda v: f"{v:.1f}"
    env.filters["plural"] = lambda n, word: (
        f"{int(n):,} {word}{'' if int(n) == 1 or word == 'info' else 's'}"
    )
    env.filters["record_href"] = lambda rid: "#record=" + urllib.parse.quote(str(rid), safe="")
    env.filters["precision_key"] = _precision_key
    return env


def _precision_key(figure: str) -> float:
    """A precision figure as a number to sort by ('0.97-1.00' by its lower end; none: -1)."""
    m = re.match(r"[01](?:\.[0-9]+)?", figure or "")
    return float(m.group()) if m else -1.0


def content_security_policy(js: str, css: str) -> str:
    """No remote source of any kind: only this page's own inline script and style (by hash)."""
    return (
        "default-src 'none'; "
        f"script-src '{_sha256(js)}'; "
        f"style-src '{_sha256(css)}'; "
        "img-src data:; "
        "base-uri 'none'; form-action 'none'; "
        "require-trusted-types-for 'script'; trusted-types 'none'"
    )


# --- the changes view (trialint diff / history): each change's words before and after --------

CHANGES_SHOWN = 2000  # changes server-rendered at most (the rest: the findings list, JSON)
CHANGE_TEXT_MAX = 4000  # characters of each version's text compared word by word
_DIFF_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(before: str, after: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Word-level diff: (before pieces, after pieces), each piece ('same' | 'del' | 'ins', text)."""
    import difflib

    a = _DIFF_TOKEN.findall(before[:CHANGE_TEXT_MAX])
    b = _DIFF_TOKEN.findall(after[:CHANGE_TEXT_MAX])
    old: list[tuple[str, str]] = []
    new: list[tuple[str, str]] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            old.append(("same", "".join(a[i1:i2])))
            new.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            old.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            new.append(("ins", "".join(b[j1:j2])))
    return old, new


def change_rows(findings: Findings, cap: int = CHANGES_SHOWN) -> tuple[list[dict[str, Any]], int]:
    """The changes view: one row per reported change (most severe first), with the outcome's
    text before and after as word-level pieces; and the number of changes in all."""
    ch = getattr(findings, "changes", None)
    if ch is None or ch.empty:
        return [], 0
    order = ch.assign(_rank=ch["severity"].map(SEVERITY_RANK).fillna(0)).sort_values(
        ["_rank", "record_id"], ascending=[False, True], kind="stable"
    )
    rows: list[dict[str, Any]] = []
    for rec in order.head(cap).itertuples(index=False):
        before = rec.old_text if isinstance(rec.old_text, str) else ""
        after = rec.new_text if isinstance(rec.new_text, str) else ""
        old, new = word_diff(before, after)
        rows.append(
            {
                "record": rec.record_id,
                "rule": rec.rule,
                "severity": rec.severity,
                "message": rec.message,
                "field": rec.field if isinstance(rec.field, str) else "",
                "old_field": rec.old_field if isinstance(rec.old_field, str) else "",
                "before": old,
                "after": new,
            }
        )
    return rows, len(ch)


def render(
    findings: Findings,
    *,
    title: str | None = None,
    per_rule: int = PER_RULE,
    static_findings: int = STATIC_FINDINGS,
    context_budget: int = CONTEXT_BUDGET,
    **_: Any,
) -> str:
    """The report as one self-contained HTML document.

    ``per_rule``: findings shown under each rule's documentation (the rest: the findings list
    and CSV); ``static_findings``: findings server-rendered for reading without JS;
    ``context_budget``: characters of field text embedded at most."""
    model = _Model(
        findings,
        title=title,
        per_rule=per_rule,
        static_findings=static_findings,
        budget=context_budget,
    )
    static, shown = model.static_records()
    changes, changes_total = change_rows(findings)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - our own files
        raise ValueError("report.js/report.css must not contain a closing tag")
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            h=model.header(),
            rules=model.rule_rows(),
            rule_chart=model.rule_chart(),
            breakdowns=model.breakdowns(),
            rule_docs=model.rule_docs(),
            static_records=static,
            static_shown=shown,
            static_records_total=len(model.recs),
            suppressed=model.suppressed_rows(),
            data=pack(model.data()),
            css=Markup(css),  # our own file, hashed in the CSP
            js=Markup(js),  # our own file, hashed in the CSP
            csp=content_security_policy(js, css),
            severities=SEVERITIES,
            per_rule=per_rule,
            changes=changes,
            changes_total=changes_total,
        )
    )
