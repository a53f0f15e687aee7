"""Kind `schema`: conformance of the canonical frames to the pandera schemas in schemas/.

The pandera schema of a frame is validated once per chunk (lazily, all failures collected);
each `schema-*` rule keeps the failure cases of the checks it names (`checks`: pandera check
names such as str_length, isin, str_matches) on the columns it names (`columns`, optional).

pandera itself costs about 0.3 s to import and load, more than the rest of a one-record check,
so a schema that uses only what ``plain_failures`` evaluates (nullable columns with isin,
str_matches and upper str_length checks: every built-in schema) is evaluated by the same pandas
calls pandera's checks make, with pandera's failure cases as the result (tests compare both on
the corpus); anything else (a missing column, a null in a non-nullable column, a column that
is not text) goes to pandera.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pandas as pd

from .. import cache
from ..findings import kind_frame
from ..frames import STUDY_FIELD_PATHS, RecordSet, arm_field, intervention_field
from ..resources import builtin_schemas_dir
from .base import FunctionKind, require_keys

FRAMES = ("studies", "arms", "interventions")
_CACHE_ATTR = "_schema_failures"


@functools.cache
def load_schema(name: str) -> Any:
    import pandera.pandas as pa

    return pa.DataFrameSchema.from_yaml(builtin_schemas_dir() / f"{name}.yaml")


FAILURE_COLUMNS = ["column", "check", "failure_case", "index"]


def failures(rs: RecordSet, frame: str) -> pd.DataFrame:
    """pandera failure cases for one frame of the chunk (cached on the RecordSet): the rows of
    the failing values (column, check, failure_case, index)."""
    cache: dict[str, pd.DataFrame] = rs.__dict__.setdefault(_CACHE_ATTR, {})
    if frame not in cache:
        df = getattr(rs, frame)
        plain = plain_failures(frame, df)
        cache[frame] = plain if plain is not None else pandera_failures(frame, df)
    return cache[frame]


def pandera_failures(frame: str, df: pd.DataFrame) -> pd.DataFrame:
    """The failing values of ``df`` under pandera's lazy validation of the frame's schema."""
    import pandera.errors as pe

    try:
        load_schema(frame).validate(df, lazy=True)
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    except pe.SchemaErrors as e:
        fc = e.failure_cases
        return fc[fc["index"].notna()].copy()


# A column of a plain schema: its name and its checks, each as pandera's name of the check,
# the function of a str Series giving True where a value passes (the pandas call pandera makes)
# and, where it gives the same answers value by value, the same test of one str (None: only
# the Series call gives pandera's answers, e.g. str_matches, which pandas may run in RE2).
_PlainCheck = tuple[str, Callable[[pd.Series], pd.Series], Callable[[str], bool] | None]
_PlainColumn = tuple[str, list[_PlainCheck]]
_PLAIN_KEYS = {"schema_type", "api", "name", "columns"}
SMALL_FRAME = 64  # rows up to which the checks that can are run value by value (no pandas call)


@functools.cache
def plain_schema(name: str) -> list[_PlainColumn] | None:
    """The frame's schema (schemas/NAME.yaml, pandera's YAML format) as plain checks, when it
    uses nothing but nullable columns without dtype and the checks isin(list), str_matches(pattern)
    and str_length(max_value); None otherwise (pandera evaluates it)."""
    text = (builtin_schemas_dir() / f"{name}.yaml").read_bytes()

    def parse() -> Any:
        import yaml

        return yaml.load(text.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    spec = cache.cached("schema", [text], parse, lambda v: isinstance(v, dict))
    if not isinstance(spec, dict) or set(spec) - _PLAIN_KEYS or spec.get("api") != "pandas":
        return None
    if spec.get("schema_type") != "dataframe" or not isinstance(spec.get("columns"), dict):
        return None
    out: list[_PlainColumn] = []
    for column, stats in spec["columns"].items():
        stats = stats or {}
        if not isinstance(column, str) or not isinstance(stats, dict):
            return None
        checks: list[_PlainCheck] = []
        for key, value in stats.items():
            if key == "nullable" and isinstance(value, bool):
                continue
            check = _plain_check(key, value)
            if check is None:
                return None
            checks.append(check)
        if checks and stats.get("nullable") is not True:
            return None  # pandera's not_nullable failures: not evaluated here
        out.append((column, checks))
    return out


def _plain_check(key: str, value: Any) -> _PlainCheck | None:
    """pandera's error text of a built-in check and the pandas call it makes (as in
    pandera.backends.pandas.builtin_checks), for the checks ``plain_schema`` evaluates."""
    if key == "isin" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        allowed = list(value)
        members = frozenset(allowed)  # pyarrow's is_in: exact equality, as str ==
        return f"isin({allowed})", lambda s: s.isin(allowed), members.__contains__
    if key == "str_matches" and isinstance(value, str):
        return f"str_matches('{value}')", lambda s: s.str.match(value, na=False), None
    if key == "str_length" and isinstance(value, dict):
        top = value.get("max_value")
        others = {k: v for k, v in value.items() if k != "max_value"}
        if (
            isinstance(top, int)
            and all(v is None for v in others.values())
            and set(others) <= {"min_value", "exact_value"}
        ):
            # pyarrow's utf8_length counts code points, as len() does
            return f"str_length(None, {top})", lambda s: s.str.len() <= top, lambda v: len(v) <= top
    return None


def plain_failures(frame: str, df: pd.DataFrame) -> pd.DataFrame | None:
    """``pandera_failures`` without pandera, for a plain schema (``plain_schema``) over str
    columns; None when pandera must judge (a column missing or not of the str dtype)."""
    schema = plain_schema(frame)
    if schema is None:
        return None
    columns: list[str] = []
    checks: list[str] = []
    cases: list[Any] = []
    index: list[Any] = []
    small = len(df) <= SMALL_FRAME
    for column, column_checks in schema:
        if column not in df.columns:
            return None  # pandera reports the column and checks the others: its way
        if not column_checks:
            continue
        s = df[column]
        if not isinstance(s.dtype, pd.StringDtype):
            return None
        # a nullable column: pandera checks the values that are there
        present = (
            [(i, v) for i, v in zip(s.index, s.tolist(), strict=True) if isinstance(v, str)]
            if small
            else None
        )
        if present is not None and not present:
            continue
        values: pd.Series | None = None
        for name, passes, passes_one in column_checks:
            if present is not None and passes_one is not None:
                failing = [(i, v) for i, v in present if not passes_one(v)]
                fail_index, fail_cases = [i for i, _ in failing], [v for _, v in failing]
            else:
                if values is None:
                    values = s[s.notna()]
                if values.empty:
                    break
                bad = values[~passes(values).to_numpy(dtype=bool, na_value=False)]
                fail_index, fail_cases = bad.index.tolist(), bad.tolist()
            columns += [column] * len(fail_cases)
            checks += [name] * len(fail_cases)
            cases += fail_cases
            index += fail_index
    return pd.DataFrame(
        {"column": columns, "check": checks, "failure_case": cases, "index": index},
        columns=FAILURE_COLUMNS,
    )


def _field(frame: str, column: str, row: pd.Series) -> str:
    if frame == "studies":
        return STUDY_FIELD_PATHS.get(column, column)
    if frame == "arms":
        return arm_field(int(row["position"]), column)
    return intervention_field(int(row["position"]), column)


def _length_limit(check: str) -> int:
    return int(check.split(",")[-1].strip(" )"))


def counted_length(text: str) -> int:
    """Characters as the registry counts them, whitespace runs once: exports re-wrap and indent
    text (legacy XML indents every line), so raw lengths overstate what the sponsor entered."""
    return len(" ".join(text.split()))


def _message(check: str, column: str, value: Any, field: str) -> str:
    name = field.rsplit(".", 1)[-1]
    if check.startswith("str_length"):
        return (
            f"{name} is {counted_length(str(value)):,} characters; "
            f"the registry limit is {_length_limit(check):,}"
        )
    if check.startswith("isin"):
        return f"{name} '{value}' is not a ClinicalTrials.gov API v2 value"
    if check.startswith("str_matches") and column == "nct_id":
        return f"NCT number '{value}' does not match NCT followed by 8 digits"
    if check.startswith("str_matches") and column.endswith("date"):
        return f"{name} '{value}' is not a date of the form yyyy, yyyy-MM or yyyy-MM-dd"
    if check.startswith("str_matches"):
        return f"{name} '{value}' has a value that is not a ClinicalTrials.gov API v2 value"
    return f"{name} '{value}' fails {check}"


def validate(params: dict[str, Any]) -> None:
    require_keys(params, {"frames", "checks", "columns"}, {"frames", "checks"})
    if not params["frames"] or any(f not in FRAMES for f in params["frames"]):
        raise ValueError(f"frames must list some of {', '.join(FRAMES)}")
    if not isinstance(params["checks"], list) or not params["checks"]:
        raise TypeError("checks must be a non-empty list of pandera check names")


def run(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    parts = [_run_frame(rs, frame, params) for frame in params["frames"]]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _run_frame(rs: RecordSet, frame: str, params: dict[str, Any]) -> pd.DataFrame:
    fc = failures(rs, frame)
    if fc.empty:
        return kind_frame([])
    names = tuple(params["checks"])
    keep = fc["check"].astype(str).str.startswith(names)
    if params.get("columns"):
        keep &= fc["column"].isin(params["columns"])
    fc = fc[keep]
    df = getattr(rs, frame)
    rows = []
    for column, check, value, idx in zip(
        fc["column"], fc["check"], fc["failure_case"], fc["index"], strict=True
    ):
        text = str(value)
        if str(check).startswith("str_length") and counted_length(text) <= _length_limit(
            str(check)
        ):
            continue  # over the limit only through the export's line wrapping
        src = df.loc[int(idx)]
        field = _field(frame, str(column), src)
        is_text = (column in STUDY_FIELD_PATHS and frame == "studies") or frame != "studies"
        rows.append(
            {
                "record_id": src["record_id"],
                "field": field,
                "start": 0 if is_text else None,
                "end": len(text) if is_text else None,
                "message": _message(str(check), str(column), value, field),
            }
        )
    return kind_frame(rows)


KINDS = (FunctionKind("schema", run, validate),)
