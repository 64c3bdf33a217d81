#!/usr/bin/env bash
# Installs what the build and the tests need, if it is missing: libzmq (with CURVE), SQLite
# headers, pkg-config, Chromium, its driver and a CJK font (the console's browser tests). Debian/Ubuntu only; elsewhere it says what to install.
set -euo pipefail
need=()
pkg-config --exists libzmq 2>/dev/null || need+=(libzmq3-dev)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v curl >/dev/null || need+=(curl)
# The console's browser tests drive the system's Chromium (headless) through its driver.
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
# A CJK font, so the console's Chinese renders in the headless browser's screenshots.
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "Please install: ${need[*]} (libzmq >= 4.3 with CURVE, SQLite 3 headers, pkg-config)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
