"""What a start of trialint imports (behaviour, not timing: the cold-start figures are in
bench/): the command line and a check of one record import no optional or report-only package,
and a check whose rule catalog is in the user cache does not parse YAML."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

# packages a check of one record never needs: reports, GX, dask, pandera (the schema kind
# evaluates the built-in schemas itself), the test-only hypothesis, the process pool
NEVER = {
    "great_expectations",
    "jinja2",
    "dask",
    "distributed",
    "pandera",
    "hypothesis",
    "concurrent.futures.process",
    "multiprocessing",
}


def _imported(code: str, env: dict[str, str] | None = None) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    names = set(out.stdout.split())
    return names | {n.split(".")[0] for n in names}


def test_the_command_line_imports_nothing_optional():
    imported = _imported("import trialint.cli")
    assert not imported & (NEVER | {"rapidfuzz", "yaml", "msgspec"})


def test_a_one_record_check_imports_only_what_it_uses(tmp_path):
    env = {**os.environ, "TRIALINT_CACHE_DIR": str(tmp_path / "cache")}
    record = ROOT / "examples" / "ctgov-v2-sample.ndjson"
    code = (
        "import trialint.api as api\n"
        f"f = api.check([{str(record)!r}], config=False)\n"
        "assert len(f.frame)\n"
        "f.render('json'); f.render('text')\n"
    )
    first = _imported(code, env)
    assert not first & NEVER
    assert "yaml" in first  # the rule files were parsed, and the catalog cached
    again = _imported(code, env)
    assert not again & (NEVER | {"yaml"})
