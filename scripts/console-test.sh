#!/usr/bin/env bash
# The console's browser tests: the four services and precinct-console as real processes on
# loopback, Debian's Chromium (headless) driven by Selenium (Tests/ConsoleBrowserTests).
# Screenshots of every page land in .build/console-screenshots/. Needs the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug}
for tool in chromium chromedriver; do
  command -v "$tool" >/dev/null || { echo "console-test: $tool is missing (make deps installs chromium and chromium-driver)" >&2; exit 1; }
done
for exe in precinct precinct-intake precinct-dispatch precinct-scoring precinct-liaison precinct-console; do
  [ -x "$BIN/$exe" ] || { echo "console-test: $BIN/$exe is missing: build first (swift build)" >&2; exit 1; }
done
bash scripts/pyenv.sh
cd Tests/ConsoleBrowserTests
PRECINCT_BIN_DIR="$(cd "../../$BIN" && pwd)" exec ../../.build/pyenv/bin/python -m unittest -v test_console
