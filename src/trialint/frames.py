"""The canonical frames of a RecordSet and their column names: the one place that names them.

Every reader produces these frames; every rule kind reads them. Frames are long and tidy,
keyed by ``record_id``. Text columns use pandas' default ``str`` dtype (pyarrow-backed);
missing values are NaN. Multi-valued scalar fields (phases, who_masked) are joined with ``|``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# --- studies: one row per record -------------------------------------------------------------

STUDY_TEXT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "registry",  # ctgov | euctr | ctis | isrctn | chictr | ctri | irct | drks | ... (read.registry_ids)
    "source_format",  # ctgov-v2-json | ctgov-csv | ctgov-text | who-ictrp-csv | euctr-text | ...
    "nct_id",
    "org_study_id",
    "brief_title",
    "official_title",
    "acronym",
    "overall_status",
    "why_stopped",
    "start_date",
    "start_date_type",
    "primary_completion_date",
    "primary_completion_date_type",
    "completion_date",
    "completion_date_type",
    "first_submit_date",
    "last_update_date",
    "brief_summary",
    "detailed_description",
    "study_type",
    "phases",
    "allocation",
    "intervention_model",
    "intervention_model_description",
    "primary_purpose",
    "masking",
    "masking_description",
    "who_masked",
    "enrollment_type",
    "eligibility_criteria",
    "sex",
    "minimum_age",
    "maximum_age",
    "healthy_volunteers",
    "lead_sponsor",
    "responsible_party",
    # registration numbers the record gives for itself in other registries ('|'-joined, as
    # written: "EUCTR2020-001234-56", "ChiCTR2000029953"), and its countries ('|'-joined)
    "secondary_ids",
    "countries",
    # What the input carries for this record: '|'-joined study column names plus 'conditions',
    # 'interventions', 'arms', 'outcomes'; missing (NaN) = everything. See `carries()`.
    "present_fields",
)
STUDY_NUMERIC_COLUMNS: tuple[str, ...] = ("enrollment_count",)
# linked_elsewhere: the record says it is registered elsewhere without naming the registration
# (WHO ICTRP's bridging flag / "other records: Yes")
STUDY_BOOL_COLUMNS: tuple[str, ...] = ("has_results", "linked_elsewhere")
STUDY_COLUMNS: tuple[str, ...] = STUDY_TEXT_COLUMNS + STUDY_NUMERIC_COLUMNS + STUDY_BOOL_COLUMNS

OUTCOME_COLUMNS = ("record_id", "kind", "position", "measure", "description", "time_frame", "raw")
OUTCOME_KINDS = ("primary", "secondary", "other", "unspecified")  # unspecified: pre-2023 CSV
ARM_COLUMNS = ("record_id", "position", "label", "type", "description", "intervention_names")
INTERVENTION_COLUMNS = (
    "record_id",
    "position",
    "type",
    "name",
    "description",
    "arm_labels",
    "other_names",
)
TERM_COLUMNS = ("record_id", "kind", "position", "term")  # kind: condition | keyword
SOURCE_COLUMNS = ("record_id", "field", "path", "line", "column", "pointer")
# What a reader met in a field it read leniently (an odd shape, text cut to MAX_TEXT_CHARS):
# one row per field, reported by the `field-shape` kind. The rest of the record is read as usual.
ISSUE_COLUMNS = ("record_id", "field", "message")
# Longest text trialint checks in one field (the registry's longest limit is 32,000 characters);
# a longer text is cut here and the cut is reported, so no rule ever works on megabytes.
MAX_TEXT_CHARS = 100_000

# --- canonical field paths -------------------------------------------------------------------
# A finding's `field` is a canonical path: API v2 module paths for study fields, and
# `outcomes[<kind>][<0-based position>].<column>`, `arms[<i>].<column>`, ... for list items.

STUDY_FIELD_PATHS: dict[str, str] = {
    "nct_id": "identificationModule.nctId",
    "org_study_id": "identificationModule.orgStudyIdInfo.id",
    "brief_title": "identificationModule.briefTitle",
    "official_title": "identificationModule.officialTitle",
    "acronym": "identificationModule.acronym",
    "overall_status": "statusModule.overallStatus",
    "why_stopped": "statusModule.whyStopped",
    "start_date": "statusModule.startDateStruct.date",
    "start_date_type": "statusModule.startDateStruct.type",
    "primary_completion_date": "statusModule.primaryCompletionDateStruct.date",
    "primary_completion_date_type": "statusModule.primaryCompletionDateStruct.type",
    "completion_date": "statusModule.completionDateStruct.date",
    "completion_date_type": "statusModule.completionDateStruct.type",
    "first_submit_date": "statusModule.studyFirstSubmitDate",
    "last_update_date": "statusModule.lastUpdateSubmitDate",
    "brief_summary": "descriptionModule.briefSummary",
    "detailed_description": "descriptionModule.detailedDescription",
    "study_type": "designModule.studyType",
    "phases": "designModule.phases",
    "allocation": "designModule.designInfo.allocation",
    "intervention_model": "designModule.designInfo.interventionModel",
    "intervention_model_description": "designModule.designInfo.interventionModelDescription",
    "primary_purpose": "designModule.designInfo.primaryPurpose",
    "masking": "designModule.designInfo.maskingInfo.masking",
    "masking_description": "designModule.designInfo.maskingInfo.maskingDescription",
    "who_masked": "designModule.designInfo.maskingInfo.whoMasked",
    "enrollment_count": "designModule.enrollmentInfo.count",
    "enrollment_type": "designModule.enrollmentInfo.type",
    "eligibility_criteria": "eligibilityModule.eligibilityCriteria",
    "sex": "eligibilityModule.sex",
    "minimum_age": "eligibilityModule.minimumAge",
    "maximum_age": "eligibilityModule.maximumAge",
    "healthy_volunteers": "eligibilityModule.healthyVolunteers",
    "lead_sponsor": "sponsorCollaboratorsModule.leadSponsor.name",
    "responsible_party": "sponsorCollaboratorsModule.responsibleParty.type",
    "secondary_ids": "identificationModule.secondaryIdInfos",
    "countries": "contactsLocationsModule.locations",
}
FIELD_PATH_TO_COLUMN: dict[str, str] = {v: k for k, v in STUDY_FIELD_PATHS.items()}

# Narrative (free-text) study columns, in the order a reader meets them.
NARRATIVE_STUDY_COLUMNS: tuple[str, ...] = (
    "brief_title",
    "official_title",
    "brief_summary",
    "detailed_description",
    "intervention_model_description",
    "masking_description",
    "why_stopped",
)

LIST_FIELDS: tuple[str, ...] = ("conditions", "interventions", "arms", "outcomes")

# API v2 module -> the canonical names it carries (for `present_fields` of partial records)
MODULE_FIELDS: dict[str, tuple[str, ...]] = {}
for _col, _path in STUDY_FIELD_PATHS.items():
    MODULE_FIELDS.setdefault(_path.split(".", 1)[0], ())
    MODULE_FIELDS[_path.split(".", 1)[0]] += (_col,)
MODULE_FIELDS["conditionsModule"] = ("conditions",)
MODULE_FIELDS["armsInterventionsModule"] = ("arms", "interventions")
MODULE_FIELDS["outcomesModule"] = ("outcomes",)


# set by every reader for every record
ALWAYS_CARRIED = frozenset({"record_id", "registry", "source_format", "present_fields"})


def carries(studies: pd.DataFrame, name: str) -> pd.Series:
    """Whether each record's input format carries the field ``name`` (a study column or list field)."""
    if name in ALWAYS_CARRIED:
        return pd.Series(True, index=studies.index)
    pf = studies["present_fields"]
    has = ("|" + pf + "|").str.contains("|" + name + "|", regex=False)
    return has.fillna(True).astype(bool) | pf.isna()


_OUTCOME_JSON_KEY = {
    "primary": "primaryOutcomes",
    "secondary": "secondaryOutcomes",
    "other": "otherOutcomes",
}
_OUTCOME_COL_JSON = {"measure": "measure", "description": "description", "time_frame": "timeFrame"}
_ARM_COL_JSON = {"label": "label", "type": "type", "description": "description"}
_INTERVENTION_COL_JSON = {"name": "name", "type": "type", "description": "description"}


def outcome_field(kind: str, position: int, column: str) -> str:
    return f"outcomes[{kind}][{position}].{column}"


def arm_field(position: int, column: str) -> str:
    return f"arms[{position}].{column}"


def intervention_field(position: int, column: str) -> str:
    return f"interventions[{position}].{column}"


def term_field(kind: str, position: int) -> str:
    return f"{kind}s[{position}]"


_COLUMN_WORDS = {"time_frame": "time frame", "measure": "title", "label": "label", "name": "name"}


def field_label(field_path: str) -> str:
    """A canonical field path in words: 'Brief summary', 'Secondary outcome 2 time frame'."""
    import re

    column = FIELD_PATH_TO_COLUMN.get(field_path)
    if column is not None:
        return column.replace("_", " ").capitalize()
    m = re.fullmatch(r"outcomes\[([a-z]+)\]\[([0-9]+)\]\.(\w+)", field_path)
    if m:
        kind, pos, col = m.groups()
        name = "Outcome" if kind == "unspecified" else f"{kind.capitalize()} outcome"
        return f"{name} {int(pos) + 1} {_COLUMN_WORDS.get(col, col)}"
    m = re.fullmatch(r"(arms|interventions)\[([0-9]+)\]\.(\w+)", field_path)
    if m:
        frame, pos, col = m.groups()
        name = "Arm" if frame == "arms" else "Intervention"
        return f"{name} {int(pos) + 1} {_COLUMN_WORDS.get(col, col)}"
    return field_path


# the free-text columns of the list frames that a rule's ``fields`` can name ("outcomes.measure")
LIST_TEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "outcomes": ("measure", "description", "time_frame"),
    "arms": ("label", "description"),
    "interventions": ("name", "description"),
}


def field_pattern(name: str) -> str:
    """The canonical field paths that a rule's ``fields`` entry names, as a regex: a study
    column ('brief_summary') or a list column ('outcomes.description', 'arms.description').
    An unknown name raises ValueError."""
    import re

    if name in STUDY_FIELD_PATHS:
        return re.escape(STUDY_FIELD_PATHS[name])
    frame, _, col = str(name).partition(".")
    if col not in LIST_TEXT_COLUMNS.get(frame, ()):
        raise ValueError(
            f"unknown field '{name}': use a study column or one of "
            + ", ".join(f"{k}.{c}" for k, cols in LIST_TEXT_COLUMNS.items() for c in cols)
        )
    if frame == "outcomes":
        return rf"outcomes\[[a-z]+\]\[[0-9]+\]\.{col}"
    return rf"{frame}\[[0-9]+\]\.{col}"


def json_pointer(field_path: str) -> str:
    """The JSON pointer inside an API v2 study object for a canonical field path."""
    import re

    m = re.fullmatch(r"outcomes\[(\w+)\]\[(\d+)\]\.(\w+)", field_path)
    if m:
        kind, pos, col = m.groups()
        return (
            f"/protocolSection/outcomesModule/{_OUTCOME_JSON_KEY.get(kind, kind)}/{pos}/"
            f"{_OUTCOME_COL_JSON.get(col, col)}"
        )
    m = re.fullmatch(r"arms\[(\d+)\]\.(\w+)", field_path)
    if m:
        pos, col = m.groups()
        return f"/protocolSection/armsInterventionsModule/armGroups/{pos}/{_ARM_COL_JSON.get(col, col)}"
    m = re.fullmatch(r"interventions\[(\d+)\]\.(\w+)", field_path)
    if m:
        pos, col = m.groups()
        return (
            f"/protocolSection/armsInterventionsModule/interventions/{pos}/"
            f"{_INTERVENTION_COL_JSON.get(col, col)}"
        )
    m = re.fullmatch(r"(condition|keyword)s\[(\d+)\]", field_path)
    if m:
        kind, pos = m.groups()
        return f"/protocolSection/conditionsModule/{kind}s/{pos}"
    head = re.split(r"[.\[]", field_path, maxsplit=1)[0]
    if field_path in FIELD_PATH_TO_COLUMN or head in MODULE_FIELDS or head in _OTHER_MODULES:
        # a study field, a module's list as a whole ("outcomesModule.primaryOutcomes"), or any
        # API path of a module with list indices ("armsInterventionsModule.armGroups[2].type")
        return "/protocolSection/" + re.sub(r"\[([0-9]+)\]", r".\1", field_path).replace(".", "/")
    if head in ("protocolSection", "hasResults"):
        return "/" + re.sub(r"\[([0-9]+)\]", r".\1", field_path).replace(".", "/")
    return ""


# API v2 protocol modules that carry no canonical column but can be named in a field path
_OTHER_MODULES = frozenset({"referencesModule", "contactsLocationsModule", "ipdSharingStatementModule", "oversightModule"})  # fmt: skip


# --- frame construction ----------------------------------------------------------------------


def isin(column: pd.Series, values: Iterable[Any]) -> Any:
    """``column.isin(values).to_numpy()`` (the same answers: a missing value matches when
    ``values`` holds one; values that are not text never match a text column), as a numpy mask,
    computed by one pyarrow ``is_in``. For a text column and many values (a chunk's record ids,
    keys): pandas converts each value to a pyarrow scalar in Python first, which costs far more
    than the test."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.dtype != "str":
        return column.isin(list(values)).to_numpy(dtype=bool)
    texts: set[str] = set()
    missing = False
    for v in values:
        if isinstance(v, str):
            texts.add(v)
        elif v is None or v is pd.NA or (isinstance(v, float) and v != v):
            missing = True
    arr = pa.array(column.array, from_pandas=True)
    wanted = pa.array([*texts, *([None] if missing else [])], type=arr.type)
    hit = pc.is_in(arr, value_set=wanted, skip_nulls=False)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    return typed_frame([], tuple(columns))


_INT_COLUMNS = {"position", "line", "column"}


def typed_frame(
    rows: list[dict[str, Any]] | list[tuple[Any, ...]], columns: tuple[str, ...]
) -> pd.DataFrame:
    """Build a frame with canonical dtypes: str for text, Int64 for ints, Float64 for numbers.

    Tuple rows (what the readers append) are transposed and each column is built in one call
    (pyarrow for text: no intermediate object frame); dict rows go through ``from_records``."""
    if rows and isinstance(rows[0], dict):
        df = pd.DataFrame.from_records(rows, columns=list(columns))
        data: dict[str, Any] = {c: df[c] for c in columns}
    else:
        cols = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
        data = dict(zip(columns, cols, strict=True))
    return pd.DataFrame(
        {col: _typed_column(col, values) for col, values in data.items()}, columns=list(columns)
    )


def _typed_column(col: str, values: Any) -> Any:
    if col in _INT_COLUMNS:
        return pd.Series(list(values), dtype=object).astype("Int64").array
    if col in STUDY_NUMERIC_COLUMNS:
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("Float64")
    if col in STUDY_BOOL_COLUMNS:
        return pd.array(list(values), dtype="boolean")
    if not isinstance(values, pd.Series):
        import pyarrow as pa

        try:
            # str and None only (what readers give): straight into an Arrow array
            return pd.array(pa.array(values, type=pa.large_string()), dtype=_STR)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = pd.Series(list(values), dtype=object)
    return values.astype("str").array


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))


@dataclass
class RecordSet:
    """A chunk of records as canonical frames. See the module docstring."""

    studies: pd.DataFrame = field(default_factory=lambda: empty_frame(STUDY_COLUMNS))
    outcomes: pd.DataFrame = field(default_factory=lambda: empty_frame(OUTCOME_COLUMNS))
    arms: pd.DataFrame = field(default_factory=lambda: empty_frame(ARM_COLUMNS))
    interventions: pd.DataFrame = field(default_factory=lambda: empty_frame(INTERVENTION_COLUMNS))
    terms: pd.DataFrame = field(default_factory=lambda: empty_frame(TERM_COLUMNS))
    sources: pd.DataFrame = field(default_factory=lambda: empty_frame(SOURCE_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: empty_frame(ISSUE_COLUMNS))
    # read errors met while building this chunk: dicts with path, line, column, pointer, reason
    errors: list[dict[str, Any]] = field(default_factory=list)
    # files skipped as plainly not registry records: dicts with path, reason
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.studies)

    @property
    def record_ids(self) -> pd.Series:
        return self.studies["record_id"]

    @classmethod
    def concat(cls, parts: Iterable[RecordSet]) -> RecordSet:
        parts = list(parts)
        if not parts:
            return cls()

        def cat(name: str) -> pd.DataFrame:
            frames = [getattr(p, name) for p in parts]
            return pd.concat(frames, ignore_index=True) if frames else getattr(cls(), name)

        out = cls(
            studies=cat("studies"),
            outcomes=cat("outcomes"),
            arms=cat("arms"),
            interventions=cat("interventions"),
            terms=cat("terms"),
            sources=cat("sources"),
            issues=cat("issues"),
        )
        for p in parts:
            out.errors.extend(p.errors)
            out.skipped.extend(p.skipped)
        return out

    def subset(self, keep: Any) -> RecordSet:
        """The records selected by ``keep`` (a boolean mask over ``studies`` rows), every frame
        narrowed to them; read errors are not carried over."""
        import numpy as np

        mask = np.asarray(keep, dtype=bool)
        if mask.all():
            return self
        wanted = set(self.studies["record_id"][mask])

        def narrow(df: pd.DataFrame) -> pd.DataFrame:
            if df.empty:
                return df
            return df[isin(df["record_id"], wanted)].reset_index(drop=True)

        return RecordSet(
            studies=self.studies[mask].reset_index(drop=True),
            outcomes=narrow(self.outcomes),
            arms=narrow(self.arms),
            interventions=narrow(self.interventions),
            terms=narrow(self.terms),
            sources=narrow(self.sources),
            issues=narrow(self.issues),
        )

    def texts(self) -> pd.DataFrame:
        """All free text as one long frame: record_id, field (canonical path), text.

        Empty and missing texts are left out. Order: study narrative fields, then outcomes,
        arms, interventions. Cached on first use.
        """
        cached = getattr(self, "_texts", None)
        if cached is not None:
            return cached
        parts: list[pd.DataFrame] = []
        st = self.studies
        for col in (*NARRATIVE_STUDY_COLUMNS, "eligibility_criteria"):
            if col in st:
                parts.append(
                    pd.DataFrame(
                        {
                            "record_id": st["record_id"],
                            "field": STUDY_FIELD_PATHS[col],
                            "text": st[col],
                        }
                    )
                )
        oc = self.outcomes
        if len(oc):
            for col in ("measure", "description", "time_frame"):
                fld = "outcomes[" + oc["kind"] + "][" + oc["position"].astype("str") + "]." + col
                parts.append(
                    pd.DataFrame({"record_id": oc["record_id"], "field": fld, "text": oc[col]})
                )
        for name, frame, cols in (
            ("arms", self.arms, ("label", "description")),
            ("interventions", self.interventions, ("name", "description")),
        ):
            if len(frame):
                for col in cols:
                    fld = name + "[" + frame["position"].astype("str") + "]." + col
                    parts.append(
                        pd.DataFrame(
                            {"record_id": frame["record_id"], "field": fld, "text": frame[col]}
                        )
                    )
        if parts:
            out = pd.concat(parts, ignore_index=True)
            out = out[out["text"].notna() & (out["text"].str.len() > 0)].reset_index(drop=True)
        else:
            out = pd.DataFrame({"record_id": [], "field": [], "text": []})
        out = out.astype({"record_id": "str", "field": "str", "text": "str"})
        object.__setattr__(self, "_texts", out)
        return out

    def located_texts(self) -> pd.DataFrame:
        """``texts()`` plus the condition and keyword terms (``conditions[0]``, ...): every text
        a finding can point into (record_id, field, text)."""
        cached = getattr(self, "_located_texts", None)
        if cached is not None:
            return cached
        t = self.texts()
        terms = self.terms.dropna(subset=["term"])
        if not terms.empty:
            fields = terms["kind"] + "s[" + terms["position"].astype(str) + "]"
            extra = pd.DataFrame(
                {"record_id": terms["record_id"], "field": fields, "text": terms["term"]}
            ).astype("str")
            t = pd.concat([t, extra], ignore_index=True)
        object.__setattr__(self, "_located_texts", t)
        return t

    def record_text(self) -> pd.Series:
        """Every text of each record (``located_texts``) joined by newlines, aligned with the
        ``studies`` rows ('' for a record without text). Cached: one string per record for
        the kinds' prefilters (one vectorized regex pass gives a mask over records)."""
        cached = getattr(self, "_record_text", None)
        if cached is not None:
            return cached
        lt = self.located_texts()
        if lt.empty:
            out = pd.Series([""] * len(self.studies), dtype="str")
        else:
            joined = lt.groupby("record_id", sort=False)["text"].agg("\n".join)
            out = (
                joined.reindex(self.studies["record_id"].to_numpy())
                .fillna("")
                .astype("str")
                .reset_index(drop=True)
            )
        object.__setattr__(self, "_record_text", out)
        return out

    def derived(self, key: str, build: Callable[[RecordSet], Any]) -> Any:
        """A value computed from this chunk once and kept with it (``build(self)`` on first
        use): for data several rules derive the same way (lower-cased texts, token arrays)."""
        cache: dict[str, Any] = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = build(self)
        return cache[key]

    def field_text(self) -> Mapping[tuple[str, str], str]:
        """(record_id, field) -> text, for excerpts and highlighting."""
        t = self.located_texts()
        return dict(zip(zip(t["record_id"], t["field"], strict=True), t["text"], strict=True))
