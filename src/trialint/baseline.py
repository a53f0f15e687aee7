"""Baselines: record today's findings so that later runs report only new ones.

A finding's key is (record id, rule, field, hash of the flagged text with whitespace
normalised). Line numbers and file paths are not part of it, so edits elsewhere in a record,
moving a file or reformatting it do not un-suppress anything. Keys carry counts, in the spirit
of ESLint's bulk suppressions: with a count of 2, the first two findings of that key are known
and a third is new. The file is JSON with one entry per line, sorted, so it diffs well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import MAX_FILE_NESTING, TrialintError, nesting_line

if TYPE_CHECKING:
    from .findings import FindingSet as Findings

FORMAT_KEY = "trialint-baseline"
FORMAT_VERSION = 1
HASH_LENGTH = 16
KEY_COLUMNS: tuple[str, ...] = ("record", "rule", "field", "hash")
ABOUT = (
    "Known findings that `trialint check --baseline` does not report. "
    "Write with --write-baseline FILE; drop fixed entries with --prune-baseline."
)


def normalise(text: str) -> str:
    return " ".join(text.split())


def text_hash(text: str) -> str:
    """Hash of a flagged text, whitespace-normalised (so re-wrapping a paragraph does not matter)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _int(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _text_map(contexts: pd.DataFrame) -> Mapping[tuple[str, str], str]:
    if contexts is None or contexts.empty:
        return {}
    return dict(
        zip(
            zip(contexts["record_id"], contexts["field"], strict=True),
            contexts["text"],
            strict=True,
        )
    )


def flagged_texts(frame: pd.DataFrame, contexts: pd.DataFrame) -> list[str]:
    """The text each finding flags: its span of the field text; else the excerpt; else the
    message (for findings about coded values or missing fields, which carry no text span)."""
    texts = _text_map(contexts)
    out: list[str] = []
    for r, f, s, e, excerpt, message in zip(
        frame["record_id"],
        frame["field"],
        frame["start"],
        frame["end"],
        frame["excerpt"],
        frame["message"],
        strict=True,
    ):
        t = texts.get((r, f)) if isinstance(f, str) else None
        if isinstance(t, str):
            span = t[_int(s) or 0 : _int(e) if _int(e) is not None else len(t)]
            if span.strip():
                out.append(span)
                continue
        if isinstance(excerpt, str) and excerpt.strip():
            out.append(excerpt)
        else:
            out.append(str(message) if isinstance(message, str) else "")
    return out


def finding_keys(frame: pd.DataFrame, contexts: pd.DataFrame) -> pd.DataFrame:
    """record, rule, field, hash for each row of a findings frame (same index)."""
    hashes = [text_hash(t) for t in flagged_texts(frame, contexts)]
    return pd.DataFrame(
        {
            "record": frame["record_id"].fillna("").astype(str).to_numpy(),
            "rule": frame["rule"].fillna("").astype(str).to_numpy(),
            "field": frame["field"].fillna("").astype(str).to_numpy(),
            "hash": hashes,
        },
        index=frame.index,
    )


def fingerprints(frame: pd.DataFrame, contexts: pd.DataFrame) -> pd.Series:
    """One stable fingerprint per finding: a hash of its baseline key (for SARIF partialFingerprints,
    GitLab fingerprints). Equal for findings that a baseline would treat as the same."""
    keys = finding_keys(frame, contexts)
    joined = keys["record"] + "\x1f" + keys["rule"] + "\x1f" + keys["field"] + "\x1f" + keys["hash"]
    return joined.map(_fingerprint)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a count")


def _entry_line(text: str, record: str, item: Any) -> int | None:
    """The line of a baseline entry: the line of its record's key, then of its hash."""
    at = text.find(json.dumps(record, ensure_ascii=False) + ":")
    if at < 0:
        at = text.find(json.dumps(record) + ":")
    if at < 0:
        return None
    h = item.get("hash") if isinstance(item, dict) else None
    if isinstance(h, str):
        hat = text.find(json.dumps(h), at)
        if hat >= 0:
            at = hat
    return text.count("\n", 0, at) + 1


def _empty_entries() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in KEY_COLUMNS}
        | {"count": pd.Series([], dtype="int64")}
    )


@dataclass
class Baseline:
    """Known findings: one row per key with a count."""

    entries: pd.DataFrame = field(default_factory=_empty_entries)
    path: Path | None = None

    def __len__(self) -> int:
        return int(self.entries["count"].sum()) if len(self.entries) else 0

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, contexts: pd.DataFrame) -> Baseline:
        if frame.empty:
            return cls()
        keys = finding_keys(frame, contexts)
        counts = keys.groupby(list(KEY_COLUMNS), sort=True).size().rename("count").reset_index()
        return cls(entries=counts.astype({"count": "int64"}))

    @classmethod
    def from_findings(cls, findings: Findings) -> Baseline:
        """Today's reported findings (exempted and per-path-ignored ones are not included)."""
        return cls.from_frame(findings.frame, findings.contexts)

    # --- file I/O ----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        p = Path(path)
        try:
            raw = p.read_bytes()
        except OSError as e:
            raise TrialintError(f"{p}: cannot read baseline: {e.strerror or e}") from e
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            at_line = raw.count(b"\n", 0, e.start) + 1
            raise TrialintError(
                f"{p}:{at_line}: baseline is not UTF-8 text (byte {e.start:,}): not a trialint "
                "baseline"
            ) from e
        deep = nesting_line(text)
        if deep is not None:
            raise TrialintError(
                f"{p}:{deep}: nested more than {MAX_FILE_NESTING} deep: not a trialint baseline"
            )
        try:
            doc = json.loads(text, parse_constant=_refuse_constant)
        except (json.JSONDecodeError, ValueError, RecursionError) as e:
            where = f":{e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
            raise TrialintError(f"{p}{where}: baseline is not valid JSON: {e}") from e
        if (
            not isinstance(doc, dict)
            or doc.get(FORMAT_KEY) != FORMAT_VERSION
            or not isinstance(doc.get("records"), dict)
        ):
            raise TrialintError(
                f"{p}: not a trialint baseline (version {FORMAT_VERSION}); write one with --write-baseline"
            )
        rows = []
        for record, items in doc["records"].items():
            if not isinstance(items, list):
                raise TrialintError(f"{p}: baseline entries of record '{record}' must be a list")
            for it in items:
                try:
                    count = it.get("count", 1)
                    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                        raise ValueError(f"count {count!r} is not a whole number of findings")
                    rows.append(
                        (
                            record,
                            str(it["rule"]),
                            str(it.get("field") or ""),
                            str(it["hash"]),
                            count,
                        )
                    )
                except (KeyError, TypeError, ValueError, AttributeError) as e:
                    shown = repr(it)
                    shown = shown if len(shown) <= 200 else shown[:197] + "..."
                    line = _entry_line(text, record, it)
                    raise TrialintError(
                        f"{p}{':' + str(line) if line else ''}: bad baseline entry for record "
                        f"'{record}': {shown}"
                    ) from e
        if not rows:
            return cls(path=p)
        entries = pd.DataFrame(rows, columns=[*KEY_COLUMNS, "count"])
        entries = entries.groupby(list(KEY_COLUMNS), sort=True)["count"].sum().reset_index()
        return cls(entries=entries.astype({"count": "int64"}), path=p)

    def dumps(self) -> str:
        """Stable JSON: records sorted, one entry per line."""
        lines = ["{", f'  "{FORMAT_KEY}": {FORMAT_VERSION},', f'  "about": {json.dumps(ABOUT)},']
        if self.entries.empty:
            lines.append('  "records": {}')
        else:
            lines.append('  "records": {')
            ordered = self.entries.sort_values(list(KEY_COLUMNS), kind="stable")
            groups = list(ordered.groupby("record", sort=True))
            for gi, (record, grp) in enumerate(groups):
                lines.append(f"    {json.dumps(record, ensure_ascii=False)}: [")
                items = [
                    "      "
                    + json.dumps(
                        {"rule": r, "field": f, "hash": h, "count": int(c)}, ensure_ascii=False
                    )
                    for r, f, h, c in zip(
                        grp["rule"], grp["field"], grp["hash"], grp["count"], strict=True
                    )
                ]
                lines.append(",\n".join(items))
                lines.append("    ]" + ("," if gi < len(groups) - 1 else ""))
            lines.append("  }")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path | None = None) -> Path:
        p = Path(path) if path is not None else self.path
        if p is None:
            raise TrialintError("no baseline file to write")
        from .atomic import write_text

        try:
            write_text(p, self.dumps(), make_parents=True)
        except OSError as e:
            raise TrialintError(f"{p}: cannot write baseline: {e.strerror or e}") from e
        self.path = p
        return p

    # --- matching ------------------------------------------------------------------------------

    def known(self, frame: pd.DataFrame, contexts: pd.DataFrame) -> pd.Series:
        """True for findings the baseline covers: per key, the first ``count`` occurrences."""
        if frame.empty or self.entries.empty:
            return pd.Series(False, index=frame.index, dtype=bool)
        keys = finding_keys(frame, contexts)
        occurrence = keys.groupby(list(KEY_COLUMNS), sort=False).cumcount()
        allowed = (
            keys.merge(self.entries, on=list(KEY_COLUMNS), how="left")["count"].fillna(0).to_numpy()
        )
        return pd.Series(occurrence.to_numpy() < allowed, index=frame.index, dtype=bool)

    def pruned(self, findings: Findings) -> Baseline:
        """This baseline without what is fixed: counts cut to what the run still finds
        (reported or baseline-suppressed findings), entries found no more dropped. Adds nothing."""
        sup = findings.suppressed
        if "suppressed_by" in sup:
            sup = sup[sup["suppressed_by"] == "baseline"]
        current = pd.concat([findings.frame, sup[findings.frame.columns]], ignore_index=True)
        now = Baseline.from_frame(current, findings.contexts).entries.rename(
            columns={"count": "now"}
        )
        merged = self.entries.merge(now, on=list(KEY_COLUMNS), how="inner")
        merged["count"] = merged[["count", "now"]].min(axis=1).astype("int64")
        merged = merged[merged["count"] > 0][[*KEY_COLUMNS, "count"]].reset_index(drop=True)
        return Baseline(entries=merged, path=self.path)


# --- the previous audit: what "new since the last audit" is measured against ----------------------


@dataclass
class Previous:
    """The findings of a previous run, as fingerprints with counts: from a baseline file or from
    the JSON output of ``trialint check --format json`` (whose findings carry fingerprints)."""

    path: Path
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def load(cls, path: str | Path) -> Previous:
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except OSError as e:
            raise TrialintError(f"{p}: cannot read the previous audit: {e.strerror or e}") from e
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TrialintError(f"{p}: the previous audit is not valid JSON: {e}") from e
        if isinstance(doc, dict) and doc.get(FORMAT_KEY) == FORMAT_VERSION:
            ent = Baseline.load(p).entries
            keys = (
                ent["record"] + "\x1f" + ent["rule"] + "\x1f" + ent["field"] + "\x1f" + ent["hash"]
            )
            counts: dict[str, int] = {}
            for key, n in zip(keys, ent["count"], strict=True):
                key_fp = _fingerprint(key)
                counts[key_fp] = counts.get(key_fp, 0) + int(n)
            return cls(p, counts)
        findings = doc.get("findings") if isinstance(doc, dict) else None
        if not isinstance(findings, list) or (doc.get("tool") or {}).get("name") != "trialint":
            raise TrialintError(
                f"{p}: not a previous audit: give a trialint baseline (--write-baseline) or the "
                "JSON output of `trialint check --format json`"
            )
        counts = {}
        for item in findings:
            fp: Any = item.get("fingerprint") if isinstance(item, dict) else None
            if not isinstance(fp, str):
                raise TrialintError(
                    f"{p}: its findings carry no fingerprint (written by an older trialint); "
                    "run `trialint check --format json` again or give a baseline"
                )
            counts[fp] = counts.get(fp, 0) + 1
        return cls(p, counts)

    def new(self, frame: pd.DataFrame, contexts: pd.DataFrame) -> pd.Series:
        """True for findings that the previous audit did not have (per fingerprint, the first
        ``count`` occurrences are known, as in a baseline)."""
        if frame.empty:
            return pd.Series(False, index=frame.index, dtype=bool)
        fps = fingerprints(frame, contexts)
        occurrence = fps.groupby(fps, sort=False).cumcount()
        allowed = fps.map(lambda f: self.counts.get(f, 0))
        return pd.Series(occurrence.to_numpy() >= allowed.to_numpy(), index=frame.index)

    def gone(self, frame: pd.DataFrame, contexts: pd.DataFrame) -> int:
        """How many of the previous findings are found no more."""
        if frame.empty:
            return self.total
        now = fingerprints(frame, contexts).value_counts()
        return sum(max(0, n - int(now.get(fp, 0))) for fp, n in self.counts.items())


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
