#!/usr/bin/env bash
# The bus layer before and after a change, like for like, in interleaved rounds on one machine:
# raw libzmq in one frame and in the bus's three frames (bench/zmq_pubsub.c), then
# `precinct bench-bus` from each of two builds, plaintext (with each side's CPU per message) and
# with CURVE. Not the bench of record (`make bench`): a tool for measuring one change.
#   bash bench/bus-compare.sh BEFORE/precinct AFTER/precinct   (ROUNDS=3 COUNT=1000000 PORT=26000)
set -euo pipefail
BEFORE=$1
AFTER=$2
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-1000000}
PORT=${PORT:-26000}
WORK=$(mktemp -d /tmp/precinct-bus-compare.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/zmq_pubsub" bench/zmq_pubsub.c $(pkg-config --cflags --libs libzmq 2>/dev/null | sed 's/-isystem [^ ]*//g')
next() { PORT=$((PORT + 1)); echo "tcp://127.0.0.1:$PORT"; }
per_message() { awk -v n="$COUNT" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$1"; }
echo "round | raw, 1 frame | raw, 3 frames | before (sub/pub µs per msg) | after (sub/pub µs per msg) | CURVE before | CURVE after"
for i in $(seq 1 "$ROUNDS"); do
  e=$(next); "$WORK/zmq_pubsub" sub "$e" 512 "$COUNT" > "$WORK/raw1" & sleep 0.3; "$WORK/zmq_pubsub" pub "$e" 512 "$COUNT"; wait
  e=$(next); "$WORK/zmq_pubsub" sub "$e" 512 "$COUNT" 3 > "$WORK/raw3" & sleep 0.3; "$WORK/zmq_pubsub" pub "$e" 512 "$COUNT" 3; wait
  row="$i | $(cat "$WORK/raw1") | $(cat "$WORK/raw3")"
  for bin in "$BEFORE" "$AFTER"; do
    e=$(next)
    /usr/bin/time -f "%U %S" -o "$WORK/sub.cpu" "$bin" bench-bus sub --endpoint "$e" --count "$COUNT" > "$WORK/bus" & sleep 0.3
    /usr/bin/time -f "%U %S" -o "$WORK/pub.cpu" "$bin" bench-bus pub --endpoint "$e" --count "$COUNT"; wait
    row="$row | $(cat "$WORK/bus") ($(per_message "$WORK/sub.cpu") / $(per_message "$WORK/pub.cpu"))"
  done
  for bin in "$BEFORE" "$AFTER"; do
    e=$(next); rm -f "$WORK/curve.key"
    "$bin" bench-bus sub --endpoint "$e" --count "$COUNT" --curve-key-file "$WORK/curve.key" > "$WORK/curve" & sleep 0.3
    "$bin" bench-bus pub --endpoint "$e" --count "$COUNT" --curve-key-file "$WORK/curve.key"; wait
    row="$row | $(cat "$WORK/curve")"
  done
  echo "$row"
done
