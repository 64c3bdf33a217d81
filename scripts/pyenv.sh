#!/usr/bin/env bash
# The Python environment the tests use: a venv under .build/ with scripts/requirements-test.txt.
# Re-created only when the requirements change. Prints nothing on success.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.build/pyenv
REQ=scripts/requirements-test.txt
STAMP="$VENV/.requirements"
if [[ -x "$VENV/bin/python" ]] && cmp -s "$REQ" "$STAMP"; then exit 0; fi
LOG="${TMPDIR:-/tmp}/precinct-pyenv.$$.log"
rm -rf "$VENV"
if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"; } >"$LOG" 2>&1; then
    echo "pyenv: could not install the test's Python packages from PyPI (log follows)" >&2
    cat "$LOG" >&2
    exit 1
fi
cp "$REQ" "$STAMP"
rm -f "$LOG"
