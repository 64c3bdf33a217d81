#!/usr/bin/env bash
# A short end-to-end measurement for iterating on speed (not the bench of record, `make bench`):
# starts the four services from BIN on ipc endpoints, sends CALLS calls at full speed, and prints
# each service's CPU time per call (and the load generator's). With PROFILE=1 it also records
# on-CPU call graphs of the services (perf, PERF_HZ samples a second, default 299) into OUT/perf.<service>.
#   bash bench/quick.sh .build-bench/release 10000 /tmp/quick   (WINDOW=n: calls in flight per client, default 64)
# CITY picks the city for the services and the load generator alike: demo (default), big (a
# generated city of 1,260 units, BIG_DISTRICTS to resize; see scripts/bench_city.sh) or a folder.
set -euo pipefail
BIN=${1:-.build-bench/release}
CALLS=${2:-10000}
OUT=${3:-$(mktemp -d /tmp/precinct-quick.XXXXXX)}
mkdir -p "$OUT"
source "$(dirname "$0")/../scripts/bench_city.sh"
CITY_DIR=$(city_dir "${CITY:-demo}")
echo "city: ${CITY:-demo} ($CITY_DIR, $(python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['units']))" "$CITY_DIR/jurisdiction.json") units)" | tee "$OUT/city.txt"
DATA="$OUT/data"
rm -rf "$DATA"
mkdir -p "$DATA"
trap 'for s in intake dispatch scoring liaison; do [ -f "$DATA/$s.pid" ] && kill -TERM "$(cat "$DATA/$s.pid")" 2>/dev/null; done; wait 2>/dev/null || true' EXIT
for s in intake dispatch scoring liaison; do
  args=(--data-dir "$DATA" --http-port 0 --log-level warning --city "$CITY_DIR" --bind-pub "ipc://$DATA/$s.pub" --bind-router "ipc://$DATA/$s.router" --bind-integrators "ipc://$DATA/$s.integrators")
  for p in intake dispatch scoring liaison; do
    [ "$p" = "$s" ] || args+=("--$p-pub" "ipc://$DATA/$p.pub" "--$p-router" "ipc://$DATA/$p.router")
  done
  "$BIN/precinct-$s" "${args[@]}" > "$DATA/$s.log" 2>&1 &
  echo $! > "$DATA/$s.pid"
done
for s in intake dispatch scoring liaison; do
  for _ in $(seq 1 600); do
    if [ -f "$DATA/$s.endpoints.json" ]; then
      url=$(python3 -c "import json;print(json.load(open('$DATA/$s.endpoints.json'))['http'])")
      "$BIN/precinct" healthcheck "$url" >/dev/null 2>&1 && break
    fi
    sleep 0.1
  done
done
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$(cat "$DATA/$1.pid")/stat"; }
declare -A before
for s in intake dispatch scoring liaison; do before[$s]=$(cpu $s); done
perf_pids=()
if [ -n "${PROFILE:-}" ]; then
  for s in intake dispatch scoring liaison; do
    perf record -F ${PERF_HZ:-299} -g -p "$(cat "$DATA/$s.pid")" -o "$OUT/perf.$s" >/dev/null 2>&1 &
    perf_pids+=($!)
  done
fi
stdbuf -oL /usr/bin/time -f "load generator: %U s user, %S s system, max RSS %M KB" \
  stdbuf -oL "$BIN/precinct" load --city "$CITY_DIR" --calls "$CALLS" --clients 4 --window "${WINDOW:-64}" --enterprise-share 0.1 --settle-timeout "${SETTLE:-120}" --endpoints-dir "$DATA" --json "$OUT/load.json" \
  2>&1 | tee "$OUT/load.txt"
for p in "${perf_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
for p in "${perf_pids[@]}"; do wait "$p" 2>/dev/null || true; done
total=0
{
  echo "CPU per call ($CALLS calls):"
  for s in intake dispatch scoring liaison; do
    used=$(python3 -c "print(round($(cpu $s) - ${before[$s]}, 2))")
    total=$(python3 -c "print(round($total + $used, 2))")
    echo "  $s: $used s, $(python3 -c "print(round($used * 1e6 / $CALLS))") µs per call, RSS $(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$(cat "$DATA/$s.pid")/status") MB"
  done
  echo "  all four: $total s, $(python3 -c "print(round($total * 1e6 / $CALLS))") µs per call"
} | tee "$OUT/cpu.txt"
