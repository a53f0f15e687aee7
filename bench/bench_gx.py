"""trialint's conformance checks vs the same checks as a great_expectations suite (a benchmark).

The `schema-*` rules validate the studies frame against schemas/studies.yaml (pandera). This
builds the equivalent GX 1.x ExpectationSuite from the same schema (regex, value set and length
expectations), runs both over the same DataFrame (the corpus's API v2, legacy XML and CSV studies,
repeated to --rows), and prints import time, validation time, rows/s and the failing values per
column from each, and whether they agree.

Usage: python bench/bench_gx.py [--rows N]   (needs the gx extra: pip install -e '.[gx]')
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
INPUTS = [CORPUS / "ctgov_v2_json" / "studies.ndjson", CORPUS / "ctgov_xml", CORPUS / "ctgov_csv"]


def load_studies(rows: int) -> pd.DataFrame:
    from trialint.frames import RecordSet
    from trialint.read import read_paths

    studies = RecordSet.concat(read_paths(INPUTS)).studies
    reps = -(-rows // len(studies))
    out = pd.concat([studies] * reps, ignore_index=True).head(rows)
    out["record_id"] = out["record_id"] + "~" + (out.index // len(studies)).astype(str)
    return out


def schema_checks() -> list[tuple[str, str, Any]]:
    """(column, check, argument) for every check of schemas/studies.yaml."""
    from trialint.kinds.schema import load_schema

    out = []
    for name, col in load_schema("studies").columns.items():
        for chk in col.checks:
            stats = chk.statistics
            if chk.name == "str_matches":
                out.append((name, "regex", stats["pattern"]))
            elif chk.name == "isin":
                out.append((name, "set", list(stats["allowed_values"])))
            elif chk.name == "str_length":
                out.append((name, "length", stats["max_value"]))
    return out


def run_trialint(df: pd.DataFrame) -> tuple[float, dict[str, int]]:
    from trialint.engine import check_recordset
    from trialint.frames import RecordSet
    from trialint.rules import load_rules

    rules = [r for r in load_rules().values() if r.kind == "schema"]
    rs = RecordSet(studies=df)
    t0 = time.perf_counter()
    found = check_recordset(rs, rules)
    dt = time.perf_counter() - t0
    found = found[~found["field"].str.match(r"^(arms|interventions)\[", na=False)]
    counts = found["field"].value_counts().to_dict()
    return dt, {str(k): int(v) for k, v in counts.items()}


def run_gx(df: pd.DataFrame, checks: list[tuple[str, str, Any]]) -> tuple[float, float, dict]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    t0 = time.perf_counter()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    t_import = time.perf_counter() - t0
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_def = (
        ctx.data_sources.add_pandas("trialint")
        .add_dataframe_asset("studies")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = ctx.suites.add(gx.ExpectationSuite(name="trialint-conformance"))
    for column, check, arg in checks:
        if check == "regex":
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToMatchRegex(column=column, regex=arg)
            )
        elif check == "set":
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=arg)
            )
        else:
            suite.add_expectation(
                gx.expectations.ExpectColumnValueLengthsToBeBetween(column=column, max_value=arg)
            )
    # GX works on object columns; give it the same values (pyarrow str -> object)
    plain = df.astype({c: object for c in df.columns if str(df[c].dtype) == "str"})
    t1 = time.perf_counter()
    batch = batch_def.get_batch(batch_parameters={"dataframe": plain})
    result = batch.validate(suite)
    t_validate = time.perf_counter() - t1
    counts: dict[str, int] = {}
    for r in result.results:
        column = r.expectation_config.kwargs["column"]
        counts[column] = counts.get(column, 0) + int(r.result.get("unexpected_count") or 0)
    return t_import, t_validate, counts


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args(argv)
    import importlib.util

    if importlib.util.find_spec("great_expectations") is None:
        print("great_expectations is not installed: pip install -e '.[gx]'", file=sys.stderr)
        return 2
    from trialint.frames import STUDY_FIELD_PATHS

    df = load_studies(args.rows)
    checks = schema_checks()
    print(
        f"studies frame: {len(df):,} rows; {len(checks)} checks on {len({c for c, *_ in checks})} columns"
    )
    t_ours, ours = run_trialint(df)
    t_import, t_gx, theirs = run_gx(df, checks)
    print(f"{'':<28} {'import':>8} {'validate':>9} {'rows/s':>10}")
    print(f"{'trialint (pandera, schema-*)':<28} {'-':>8} {t_ours:8.2f}s {len(df) / t_ours:10,.0f}")
    print(f"{'great_expectations suite':<28} {t_import:7.2f}s {t_gx:8.2f}s {len(df) / t_gx:10,.0f}")
    print("failing values per column (trialint findings / GX unexpected):")
    agree = True
    for column in sorted({c for c, *_ in checks}):
        a = ours.get(STUDY_FIELD_PATHS.get(column, column), 0)
        b = theirs.get(column, 0)
        note = "" if a == b else "  <- differs"
        if a != b and column not in (
            "brief_summary",
            "detailed_description",
            "eligibility_criteria",
        ):
            agree = False
        if a or b:
            print(f"  {column:<32} {a:>7} {b:>7}{note}")
    print(
        "agree" if agree else "DISAGREE",
        "(length limits: trialint counts whitespace runs once, GX counts raw characters)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
