"""Great Expectations (GX Core 1.x) for auditors who already use it: the pandera schemas of
schemas/ as GX Expectation Suites, validated in an ephemeral GX context.

great_expectations is an optional extra (``pip install 'trialint[gx]'``) and is imported only
here, only when a ``gx`` command runs (it takes seconds to import); its analytics and progress
bars are switched off.

Equivalence with the pandera schemas, check by check: a column's presence ->
``ExpectColumnToExist``; ``nullable: false`` -> ``ExpectColumnValuesToNotBeNull``;
``str_matches`` -> ``ExpectColumnValuesToMatchRegex``; ``isin`` -> ``ExpectColumnValuesToBeInSet``;
``str_length(max)`` -> ``ExpectColumnValueLengthsToBeBetween``. Both count raw characters (the
``schema-length`` rule of ``trialint check`` then forgives export line wrapping; GX and pandera
do not), and both skip missing values of nullable columns.

GX's Data Docs are HTML pages that load their stylesheets and scripts from CDNs: offline they
render unstyled. ``trialint report`` is the self-contained report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import TrialintError

FRAMES = ("studies", "arms", "interventions")


def _require_gx() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        import great_expectations as gx
    except ImportError as e:
        raise TrialintError(
            "the gx commands need Great Expectations: pip install 'trialint[gx]'"
        ) from e
    return gx


@dataclass(frozen=True)
class Check:
    """One pandera check of a frame, as GX will express it."""

    frame: str
    column: str
    kind: str  # exists | not_null | regex | in_set | max_length
    arg: Any = None


def schema_checks(frame: str) -> list[Check]:
    """Every check of schemas/<frame>.yaml (pandera), in order."""
    from .kinds.schema import load_schema

    out: list[Check] = []
    for name, col in load_schema(frame).columns.items():
        out.append(Check(frame, name, "exists"))
        if not col.nullable:
            out.append(Check(frame, name, "not_null"))
        for chk in col.checks:
            stats = chk.statistics
            if chk.name == "str_matches":
                out.append(Check(frame, name, "regex", stats["pattern"]))
            elif chk.name == "isin":
                out.append(Check(frame, name, "in_set", sorted(stats["allowed_values"])))
            elif chk.name == "str_length":
                out.append(Check(frame, name, "max_length", int(stats["max_value"])))
            else:  # a check this module cannot translate must not pass silently
                raise TrialintError(f"schemas/{frame}.yaml: no GX equivalent for check {chk.name}")
    return out


def _expectation(gx: Any, c: Check) -> Any:
    e = gx.expectations
    if c.kind == "exists":
        return e.ExpectColumnToExist(column=c.column)
    if c.kind == "not_null":
        return e.ExpectColumnValuesToNotBeNull(column=c.column)
    if c.kind == "regex":
        return e.ExpectColumnValuesToMatchRegex(column=c.column, regex=c.arg)
    if c.kind == "in_set":
        return e.ExpectColumnValuesToBeInSet(column=c.column, value_set=c.arg)
    return e.ExpectColumnValueLengthsToBeBetween(column=c.column, max_value=c.arg)


def build_suites(gx: Any | None = None) -> dict[str, Any]:
    """One ExpectationSuite per frame (``trialint-studies``, ...), equivalent to schemas/."""
    if gx is None:
        gx = _require_gx()
        _context(gx, None)  # GX 1.x builds suites inside an active (here ephemeral) context
    suites = {}
    for frame in FRAMES:
        suite = gx.ExpectationSuite(
            name=f"trialint-{frame}",
            meta={"source": f"trialint schemas/{frame}.yaml (pandera)"},
        )
        for c in schema_checks(frame):
            suite.add_expectation(_expectation(gx, c))
        suites[frame] = suite
    return suites


def write_suites(directory: str | Path) -> list[Path]:
    """Write the suites as GX JSON files (trialint-<frame>.json) into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, suite in build_suites().items():
        path = out / f"trialint-{frame}.json"
        tmp = path.with_name(f".{path.name}.partial")
        tmp.write_text(json.dumps(suite.to_json_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


# --- validation ---------------------------------------------------------------------------------


@dataclass
class ColumnResult:
    frame: str
    column: str
    expectation: str
    success: bool
    unexpected: int
    examples: list[Any] = field(default_factory=list)


@dataclass
class Validation:
    rows: dict[str, int]
    results: list[ColumnResult]
    data_docs: Path | None = None

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """GX's pandas engine works on object columns: the same values, pyarrow str -> object."""
    return df.astype({c: object for c in df.columns if str(df[c].dtype) == "str"})


def _context(gx: Any, data_docs: Path | None) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    if data_docs is not None:
        ctx.add_data_docs_site(
            site_name="trialint",
            site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs.resolve()),
                },
            },
        )
    return ctx


def validate_frames(
    chunks: Iterable[dict[str, pd.DataFrame]], data_docs: str | Path | None = None
) -> Validation:
    """Validate chunks of frames ({frame: DataFrame}) with the suites in one ephemeral GX
    context; counts of unexpected values add up over the chunks."""
    gx = _require_gx()
    docs = Path(data_docs) if data_docs is not None else None
    ctx = _context(gx, docs)
    source = ctx.data_sources.add_pandas("trialint")
    suites = build_suites(gx)
    checkpoints = {}
    for frame in FRAMES:
        batch_def = source.add_dataframe_asset(frame).add_batch_definition_whole_dataframe(frame)
        suite = ctx.suites.add(suites[frame])
        vd = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"trialint-{frame}", data=batch_def, suite=suite)
        )
        actions = []
        if docs is not None:
            from great_expectations.checkpoint import UpdateDataDocsAction

            actions.append(UpdateDataDocsAction(name="data_docs", site_names=["trialint"]))
        checkpoints[frame] = ctx.checkpoints.add(
            gx.Checkpoint(name=f"trialint-{frame}", validation_definitions=[vd], actions=actions)
        )
    totals: dict[tuple[str, str, str], ColumnResult] = {}
    rows = dict.fromkeys(FRAMES, 0)
    for chunk in chunks:
        for frame in FRAMES:
            df = chunk.get(frame)
            if df is None:
                continue
            rows[frame] += len(df)
            run = checkpoints[frame].run(batch_parameters={"dataframe": _plain(df)})
            for vr in run.run_results.values():
                for r in vr.results:
                    cfg = r.expectation_config
                    key = (frame, cfg.kwargs.get("column", ""), cfg.type)
                    res = r.result or {}
                    n = int(res.get("unexpected_count") or 0)
                    if cfg.type == "expect_column_to_exist" and not r.success:
                        n = max(n, 1)
                    cur = totals.setdefault(key, ColumnResult(frame, key[1], key[2], True, 0))
                    cur.success &= bool(r.success)
                    cur.unexpected += n
                    for v in res.get("partial_unexpected_list") or []:
                        if len(cur.examples) < 5 and v not in cur.examples:
                            cur.examples.append(v)
    index = None
    if docs is not None:
        ctx.build_data_docs(site_names=["trialint"])
        found = sorted(docs.rglob("index.html"))
        index = found[0] if found else docs
    return Validation(rows=rows, results=list(totals.values()), data_docs=index)


def frames_of(paths: Iterable[str | Path]) -> Iterator[dict[str, pd.DataFrame]]:
    """The studies, arms and interventions frames of the records under ``paths``, by chunk."""
    from .read import read_paths

    for rs in read_paths(list(paths)):
        yield {frame: getattr(rs, frame) for frame in FRAMES}


def pandera_failures(frame: str, df: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Failing values per (column, check kind) under the pandera schema (lazy validation)."""
    import pandera.errors as pe

    from .kinds.schema import load_schema

    try:
        load_schema(frame).validate(df, lazy=True)
        return {}
    except pe.SchemaErrors as e:
        fc = e.failure_cases
    out: dict[tuple[str, str], int] = {}
    kinds = {"str_matches": "regex", "isin": "in_set", "str_length": "max_length",
             "not_nullable": "not_null", "column_in_dataframe": "exists"}  # fmt: skip
    for col, check in zip(fc["column"], fc["check"], strict=True):
        name = str(check).split("(")[0]
        key = (str(col), kinds.get(name, name))
        out[key] = out.get(key, 0) + 1
    return out
