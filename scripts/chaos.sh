#!/usr/bin/env bash
# `make chaos`: a long kill -9 run under load (release build). Prints the kills and the
# verification: lost and duplicated must both be 0.
set -euo pipefail
BIN=${1:-.build/release}
"$BIN/precinct" chaos --bin-dir "$BIN" --calls "${CHAOS_CALLS:-100000}" --rate "${CHAOS_RATE:-2000}" --clients 4 \
  --min-pause 0.5 --max-pause 3 --seed "${CHAOS_SEED:-$RANDOM}" --deadline 1800
