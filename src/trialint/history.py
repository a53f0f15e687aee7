"""Diffs of two versions of records: pair them, run the ``history`` rules, locate the findings.

``pair_downloads(old, new)``: two RecordSets (an old and a new download of the same records)
paired by registry id; a record in one set only is a pair with one side (the ``record-not-paired``
rule reports it). ``stream_downloads(old, new)``: the same for inputs too large to hold twice:
the older download is kept as an index of what the rules read (status, dates, outcomes), the
newer one is streamed chunk by chunk. ``pair_history(rs, versions)``: consecutive versions of each trial of a cthist
version history. ``run(vp, rules)``: the pair rules over a :class:`VersionPairs`, giving the
located findings frame, the contexts (field texts of the newer versions) and the ``changes``
frame the HTML report shows as before/after.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from .engine import locate
from .findings import FINDING_COLUMNS, coerce_findings, empty_findings, sort_findings
from .frames import NARRATIVE_STUDY_COLUMNS, RecordSet
from .kinds import KINDS
from .rules import Rule
from .versions import VersionPairs, pair_frame

CHANGE_COLUMNS: tuple[str, ...] = (
    "record_id",
    "rule",
    "severity",
    "field",
    "old_field",
    "old_text",
    "new_text",
    "message",
)


def empty_changes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in CHANGE_COLUMNS})


def _registry_ids(rs: RecordSet) -> pd.Series:
    st = rs.studies
    nct = st["nct_id"].where(st["nct_id"].notna() & (st["nct_id"].str.len() > 0), st["record_id"])
    return nct.astype("str")


def _latest_first(rs: RecordSet) -> list[tuple[str, str, Any]]:
    """(registry id, record id, last update) of every record, the latest copy of an id first."""
    st = rs.studies
    rows = list(zip(_registry_ids(rs), st["record_id"], st["last_update_date"], strict=True))
    return sorted(rows, key=lambda r: str(r[2]) if isinstance(r[2], str) else "", reverse=True)


def pair_downloads(
    old: RecordSet, new: RecordSet, old_label: str = "older", new_label: str = "newer"
) -> VersionPairs:
    """Pair two downloads of the same records by registry id (NCT number, else record id).
    A registry id listed twice in one set: its latest copy is compared, the other is reported
    as not paired."""
    old_by: dict[str, tuple[str, Any]] = {}
    extra: list[dict[str, Any]] = []
    for reg, rid, date in _latest_first(old):
        if reg in old_by:
            extra.append({"record_id": rid, "old_id": rid, "old_version": old_label})
        else:
            old_by[reg] = (rid, date)
    new_by: dict[str, tuple[str, Any]] = {}
    for reg, rid, date in _latest_first(new):
        if reg in new_by:
            extra.append({"record_id": rid, "new_id": rid, "new_version": new_label})
        else:
            new_by[reg] = (rid, date)
    rows: list[dict[str, Any]] = []
    order = list(dict.fromkeys([*(r for r, _, _ in _latest_first(new)), *old_by]))
    for reg in sorted(order):
        o, n = old_by.get(reg), new_by.get(reg)
        rows.append(
            {
                "record_id": reg,
                "old_id": o[0] if o else None,
                "new_id": n[0] if n else None,
                "old_version": old_label if o else None,
                "new_version": new_label if n else None,
                "old_date": o[1] if o and isinstance(o[1], str) else None,
                "new_date": n[1] if n and isinstance(n[1], str) else None,
            }
        )
    return VersionPairs(old=old, new=new, pairs=pair_frame(rows + extra))


# --- streaming: the older download as an index, the newer one chunk by chunk ---------------------

# study columns the history rules and the report do not read of an older version
_SLIM_DROP = tuple(
    c for c in (*NARRATIVE_STUDY_COLUMNS, "eligibility_criteria") if c not in ("brief_title",)
)


def slim(rs: RecordSet) -> RecordSet:
    """What the history rules need of the older version of records: the study row without its
    long texts (summary, description, eligibility), the outcomes and the source map of the
    record and its outcomes. Arms, interventions, conditions and keywords are not kept."""
    st = rs.studies.copy()
    for c in _SLIM_DROP:
        if c in st:
            st[c] = pd.Series(pd.NA, index=st.index, dtype=st[c].dtype)
    src = rs.sources
    keep = src["field"].isna() | (src["field"] == "") | src["field"].str.startswith("outcomes")
    return RecordSet(
        studies=st, outcomes=rs.outcomes, sources=src[keep.fillna(True)], errors=rs.errors
    )


def _subset(rs: RecordSet, ids: Iterable[str]) -> RecordSet:
    ids = set(ids)
    return RecordSet(
        studies=rs.studies[rs.studies["record_id"].isin(ids)],
        outcomes=rs.outcomes[rs.outcomes["record_id"].isin(ids)],
        sources=rs.sources[rs.sources["record_id"].isin(ids)],
    )


def stream_downloads(
    old: Iterable[RecordSet],
    new: Iterable[RecordSet],
    old_label: str = "older",
    new_label: str = "newer",
) -> Iterator[tuple[VersionPairs, list[RecordSet]]]:
    """Pairs of two downloads, chunk by chunk of the newer one: (VersionPairs, the record sets
    whose read errors and records belong to the part). Memory: the older download's index
    (:func:`slim`) and one chunk of the newer one.

    The same as :func:`pair_downloads` but for one case: a registry id that the newer download
    lists twice in different chunks is compared in the copy read first (the later copy is
    reported as not paired); within a chunk, and in the older download, the latest copy is
    compared."""
    index = RecordSet.concat(slim(c) for c in old)
    old_by: dict[str, tuple[str, Any]] = {}
    old_extra: list[dict[str, Any]] = []
    for reg, rid, date in _latest_first(index):
        if reg in old_by:
            old_extra.append({"record_id": rid, "old_id": rid, "old_version": old_label})
        else:
            old_by[reg] = (rid, date)
    seen: set[str] = set()
    for chunk in new:
        rows: list[dict[str, Any]] = []
        for reg, rid, date in _latest_first(chunk):
            if reg in seen:
                rows.append({"record_id": rid, "new_id": rid, "new_version": new_label})
                continue
            seen.add(reg)
            o = old_by.get(reg)
            rows.append(
                {
                    "record_id": reg,
                    "old_id": o[0] if o else None,
                    "new_id": rid,
                    "old_version": old_label if o else None,
                    "new_version": new_label,
                    "old_date": o[1] if o and isinstance(o[1], str) else None,
                    "new_date": date if isinstance(date, str) else None,
                }
            )
        olds = [r["old_id"] for r in rows if isinstance(r.get("old_id"), str)]
        pairs = pair_frame(sorted(rows, key=lambda r: str(r["record_id"])))
        yield VersionPairs(old=_subset(index, olds), new=chunk, pairs=pairs), [chunk]
    # the older records the newer download does not have, and the older download's read errors
    rows = [
        {
            "record_id": reg,
            "old_id": rid,
            "old_version": old_label,
            "old_date": date if isinstance(date, str) else None,
        }
        for reg, (rid, date) in sorted(old_by.items())
        if reg not in seen
    ]
    rows += old_extra
    only_old = _subset(index, [r["old_id"] for r in rows])
    only_old.errors = index.errors
    yield VersionPairs(old=only_old, new=RecordSet(), pairs=pair_frame(rows)), [only_old]


def pair_history(rs: RecordSet, versions: pd.DataFrame) -> VersionPairs:
    """Consecutive versions of each trial in a version history (``versions``: record_id,
    registry_id, version, version_date), in version order."""
    rows: list[dict[str, Any]] = []
    if not versions.empty:
        v = versions.copy()
        v["_n"] = pd.to_numeric(v["version"], errors="coerce")
        v = v.sort_values(["registry_id", "_n"], kind="stable")
        for reg, group in v.groupby("registry_id", sort=True):
            ids, nums, dates = (
                list(group["record_id"]),
                list(group["version"]),
                list(group["version_date"]),
            )
            for k in range(1, len(ids)):
                rows.append(
                    {
                        "record_id": reg,
                        "old_id": ids[k - 1],
                        "new_id": ids[k],
                        "old_version": f"version {nums[k - 1]}",
                        "new_version": f"version {nums[k]}",
                        "old_date": dates[k - 1] if isinstance(dates[k - 1], str) else None,
                        "new_date": dates[k] if isinstance(dates[k], str) else None,
                    }
                )
    return VersionPairs(old=rs, new=rs, pairs=pair_frame(rows))


def _severities(raw: pd.DataFrame, rule: Rule, overridden: bool) -> list[str]:
    if overridden:
        return [rule.severity] * len(raw)
    when: Mapping[str, str] = rule.params.get("when") or {}
    return [
        when.get(p, rule.severity) if isinstance(p, str) else rule.severity for p in raw["phase"]
    ]


def run_rules(
    vp: VersionPairs, rules: Iterable[Rule], overridden: Iterable[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(findings, contexts, changes) of the pair rules over ``vp``."""
    overridden = set(overridden)
    parts: list[pd.DataFrame] = []
    for rule in rules:
        raw = KINDS[rule.kind].run_pair(vp, rule.params)  # type: ignore[attr-defined]
        if raw.empty:
            continue
        raw = raw.copy()
        raw["rule"] = rule.id
        raw["severity"] = _severities(raw, rule, rule.id in overridden)
        raw["category"] = rule.category
        parts.append(raw)
    if not parts:
        return empty_findings(), _contexts(vp, empty_findings()), empty_changes()
    raw = pd.concat(parts, ignore_index=True)
    pairs = vp.pairs
    pair_idx = raw["pair"].astype("int64").to_numpy()
    side_new = (raw["side"] == "new").to_numpy()
    raw["_loc_id"] = [
        pairs["new_id"].iloc[p] if is_new else pairs["old_id"].iloc[p]
        for p, is_new in zip(pair_idx, side_new, strict=True)
    ]
    located: list[pd.DataFrame] = []
    for is_new, rs in ((True, vp.new), (False, vp.old)):
        part = raw[side_new == is_new]
        if part.empty:
            continue
        f = coerce_findings(part.assign(record_id=part["_loc_id"]))
        f = locate(f, rs)
        f["record_id"] = part["record_id"].to_numpy()
        located.append(f)
    found = pd.concat(located).sort_index()
    # an outcome that is gone has no text in the newer version: its excerpt is the old title
    no_excerpt = found["excerpt"].isna() | (found["excerpt"] == "")
    old_head = pd.Series(
        [t.split("\n", 1)[0] if isinstance(t, str) else None for t in raw["old_text"]],
        index=raw.index,
        dtype="str",
    )
    found.loc[no_excerpt, "excerpt"] = old_head[no_excerpt].to_numpy()
    found = coerce_findings(found)
    changes = pd.DataFrame(
        {
            "record_id": raw["record_id"],
            "rule": raw["rule"],
            "severity": raw["severity"],
            "field": raw["field"],
            "old_field": raw["old_field"],
            "old_text": raw["old_text"],
            "new_text": raw["new_text"],
            "message": raw["message"],
        }
    ).astype("str")
    changes = changes[changes["old_text"].notna() | changes["new_text"].notna()]
    contexts = _contexts(vp, raw)
    return sort_findings(found[list(FINDING_COLUMNS)]), contexts, changes.reset_index(drop=True)


def _contexts(vp: VersionPairs, raw: pd.DataFrame) -> pd.DataFrame:
    """Texts of the flagged fields of the newer versions, under the registry id. A field that
    is flagged in several versions of one trial (a history) keeps no context: its texts
    differ, and each finding carries its own excerpt."""
    if raw.empty or "_loc_id" not in raw:
        return pd.DataFrame({"record_id": [], "field": [], "text": []}, dtype="str")
    keys = raw.loc[raw["side"] == "new", ["record_id", "_loc_id", "field"]].dropna()
    if keys.empty:
        return pd.DataFrame({"record_id": [], "field": [], "text": []}, dtype="str")
    texts = vp.new.located_texts().rename(columns={"record_id": "_loc_id"})
    ctx = keys.drop_duplicates().merge(texts, on=["_loc_id", "field"], how="inner")
    ctx = ctx.drop_duplicates(["record_id", "field", "text"])
    ctx = ctx[~ctx.duplicated(["record_id", "field"], keep=False)]
    return ctx[["record_id", "field", "text"]].astype("str").reset_index(drop=True)
