#!/usr/bin/env bash
# The main job: install trialint and lint the bundled example records (text output + HTML report).
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check .
.venv/bin/trialint check examples/
code=$?
echo
echo "trialint exited with $code (0 = clean, 1 = findings at or above --fail-on, 2 = error)."
.venv/bin/trialint report --quiet examples/ -o reports/examples.html || exit 2
echo "HTML audit report: reports/examples.html (one offline file; open it in a browser)."
echo
echo "trialint is installed in .venv: run it as .venv/bin/trialint (e.g. .venv/bin/trialint explain clarity),"
echo "or activate the environment with 'source .venv/bin/activate' and type trialint."
[ "$code" -le 1 ] || exit "$code"
