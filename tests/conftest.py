from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"

# trialint's user cache (trialint.cache: the parsed rule catalog) goes to a folder of this test
# session, for the trialint processes the tests start too: nothing written to the home folder
_CACHE = tempfile.mkdtemp(prefix="trialint-test-cache-")
os.environ["TRIALINT_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def rules():
    from trialint.rules import load_rules

    return load_rules()
