#!/usr/bin/env bash
# The test command: installs what the tests need and runs lint, type checks, tests and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-nox
.venv-nox/bin/pip install -q --disable-pip-version-check "nox>=2024.4" "uv>=0.4"
exec .venv-nox/bin/nox "$@"
