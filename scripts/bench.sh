#!/usr/bin/env bash
# `make bench`: measures, on this machine, in one run:
#   1. raw libzmq PUB→SUB (C, two processes, 512-byte messages): the yardstick;
#   2. the bus layer alone (envelope + Swift wrapper, same shape);
#   3. the whole set end to end (four release services as separate processes, durability on):
#      max throughput (with each service's and the load generator's CPU, and perf profiles),
#      latency at several rates, then resident memory after BENCH_MEMORY_CALLS calls;
# and writes the figures with the machine's description into BENCHMARKS.md (and bench/latency.png).
# Shorter runs for a busy machine: BENCH_MAX_CALLS, BENCH_POWER_CALLS (the max-throughput run again at
# durability power, default 50,000), BENCH_LATENCY_CALLS, BENCH_MEMORY_CALLS,
# BENCH_RATES (calls/s of the latency table), BENCH_RATE_SECONDS, BENCH_BUS_ROUNDS, BENCH_BUS_COUNT;
# BENCH_NOTE is printed under the machine (e.g. that other builds were running).
# BENCH_CITY: the city of the max-throughput and memory runs, default big (generated, 1,260 units,
# so incidents do not wait for a free unit and the figures measure the services; BIG_DISTRICTS
# resizes it), or demo, or a city folder (scripts/bench_city.sh). The latency runs stay on the demo
# city, comparable with the figures before (BENCH_LATENCY_CITY to change).
set -euo pipefail
BIN=${1:-.build-bench/release}
source "$(dirname "$0")/bench_city.sh"
MAX_CITY=$(city_dir "${BENCH_CITY:-big}")
LAT_CITY=$(city_dir "${BENCH_LATENCY_CITY:-demo}")
units_of() { python3 -c "import json,sys;print(len(json.load(open(sys.argv[1]))['units']))" "$1/jurisdiction.json"; }
MAX_CALLS=${BENCH_MAX_CALLS:-200000}
LAT_CALLS=${BENCH_LATENCY_CALLS:-30000}
MEM_CALLS=${BENCH_MEMORY_CALLS:-1000000}
POWER_CALLS=${BENCH_POWER_CALLS:-50000}
RATES=${BENCH_RATES:-100 250 500 1000}
RATE_SECONDS=${BENCH_RATE_SECONDS:-30}
BUS_ROUNDS=${BENCH_BUS_ROUNDS:-3}
BUS_COUNT=${BENCH_BUS_COUNT:-1000000}
# Calls in flight per client: enough to keep the set busy, few enough that a call is not resent
# (after 3 s) only because it waited in a long queue — a resend is work the figures would count.
WINDOW=${BENCH_WINDOW:-64}
# Outbox retention by count and by age: a million-call run stays bounded on disk either way.
RETENTION=(--retention-events 300000 --retention-hours "${BENCH_RETENTION_HOURS:-0.1}")
WORK=$(mktemp -d /tmp/precinct-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"' EXIT
echo "$BUS_ROUNDS $BUS_COUNT $WINDOW ${BENCH_RETENTION_HOURS:-0.1}" > "$WORK/settings.txt"
echo "${BENCH_NOTE:-}" > "$WORK/note.txt"
echo "max throughput and memory: city ${BENCH_CITY:-big} ($(units_of "$MAX_CITY") units); latency: city ${BENCH_LATENCY_CITY:-demo} ($(units_of "$LAT_CITY") units)" | tee "$WORK/city.txt"

echo "== raw libzmq PUB→SUB (C)"
cc -O2 -o "$WORK/zmq_pubsub" bench/zmq_pubsub.c $(pkg-config --cflags --libs libzmq 2>/dev/null | sed 's/-isystem [^ ]*//g')
raw_rates=()
bus_rates=()
for i in $(seq 1 "$BUS_ROUNDS"); do
  "$WORK/zmq_pubsub" sub "tcp://127.0.0.1:5591" 512 "$BUS_COUNT" > "$WORK/raw.$i" & sleep 0.3
  "$WORK/zmq_pubsub" pub "tcp://127.0.0.1:5591" 512 "$BUS_COUNT"; wait
  raw_rates+=("$(cat "$WORK/raw.$i")")
  echo "== raw libzmq, the bus's three frames (like for like), round $i"
  "$WORK/zmq_pubsub" sub "tcp://127.0.0.1:5594" 512 "$BUS_COUNT" 3 > "$WORK/raw3.$i" & sleep 0.3
  "$WORK/zmq_pubsub" pub "tcp://127.0.0.1:5594" 512 "$BUS_COUNT" 3; wait
  echo "== bus layer (envelope + Swift wrapper), round $i"
  "$BIN/precinct" bench-bus sub --endpoint "tcp://127.0.0.1:5592" --count "$BUS_COUNT" > "$WORK/bus.$i" & sleep 0.3
  "$BIN/precinct" bench-bus pub --endpoint "tcp://127.0.0.1:5592" --count "$BUS_COUNT"; wait
  bus_rates+=("$(cat "$WORK/bus.$i")")
  echo "== bus layer with CURVE, round $i"
  rm -f "$WORK/curve.key"
  "$BIN/precinct" bench-bus sub --endpoint "tcp://127.0.0.1:5593" --count "$BUS_COUNT" --curve-key-file "$WORK/curve.key" > "$WORK/curve.$i" & sleep 0.3
  "$BIN/precinct" bench-bus pub --endpoint "tcp://127.0.0.1:5593" --count "$BUS_COUNT" --curve-key-file "$WORK/curve.key"; wait
  echo "   raw ${raw_rates[-1]} msgs/s, raw in three frames $(cat "$WORK/raw3.$i") msgs/s, bus ${bus_rates[-1]} msgs/s, bus with CURVE $(cat "$WORK/curve.$i") msgs/s"
done

# start_set DATA CITY [DURABILITY]: the four services on ipc endpoints under DATA.
start_set() {
  local data=$1 city=$2 durability=${3:-process}
  mkdir -p "$data"
  for s in intake dispatch scoring liaison; do
    args=(--data-dir "$data" --http-port 0 --log-level warning --city "$city" --durability "$durability" --bind-pub "ipc://$data/$s.pub" --bind-router "ipc://$data/$s.router" --bind-integrators "ipc://$data/$s.integrators" "${RETENTION[@]}")
    for p in intake dispatch scoring liaison; do
      [ "$p" = "$s" ] || args+=("--$p-pub" "ipc://$data/$p.pub" "--$p-router" "ipc://$data/$p.router")
    done
    "$BIN/precinct-$s" "${args[@]}" > "$data/$s.log" 2>&1 &
    echo $! > "$data/$s.pid"
  done
  for s in intake dispatch scoring liaison; do
    for _ in $(seq 1 300); do
      if [ -f "$data/$s.endpoints.json" ]; then
        url=$(python3 -c "import json,sys;print(json.load(open('$data/$s.endpoints.json'))['http'])")
        "$BIN/precinct" healthcheck "$url" >/dev/null 2>&1 && break
      fi
      sleep 0.1
    done
  done
}
stop_set() {
  local data=$1
  for s in intake dispatch scoring liaison; do kill -TERM "$(cat "$data/$s.pid")" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$(cat "$1/$2.pid")/status"; }
# CPU seconds (user + system) a service has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15) / hz}' "/proc/$(cat "$1/$2.pid")/stat"; }
# "intake 12.3, dispatch 45.6, …": each service's CPU seconds, as bench_report.py reads them.
cpu_of_set() {
  local line=""
  for s in intake dispatch scoring liaison; do line+="$s $(cpu "$1" $s), "; done
  echo "${line%, }"
}

# The load generator's lines as they come (it prints to a pipe). After a run at full speed the
# set still works through its backlog for minutes (dispatch's waiting needs, scoring behind it),
# so the load waits up to BENCH_SETTLE_SECONDS for every count to settle before it verifies. A
# run that does not pass is reported as such (FAIL, or NOT SETTLED) rather than ending the bench.
SETTLE=${BENCH_SETTLE_SECONDS:-900}
load() { stdbuf -oL "$BIN/precinct" load --enterprise-share 0.1 --settle-timeout "$SETTLE" "$@" || echo "== the load's verification did not pass (above); the report says so"; }

echo "== end to end, max throughput ($MAX_CALLS calls, city ${BENCH_CITY:-big})"
start_set "$WORK/max" "$MAX_CITY"
load --city "$MAX_CITY" --calls "$MAX_CALLS" --clients 4 --window "$WINDOW" --endpoints-dir "$WORK/max" --json "$WORK/max.json" | tee "$WORK/max.txt" &
load_pid=$!
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  # Where the time goes: 10 s of on-CPU samples of each service, once calls flow. The load
  # generator first builds its calls (seconds, more on a big city), so a fixed delay can sample
  # four idle services: wait until intake has spent 2 s of CPU (at most 3 minutes).
  intake_start=$(cpu "$WORK/max" intake)
  for _ in $(seq 1 1800); do
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) - float(sys.argv[2]) >= 2 else 1)" "$(cpu "$WORK/max" intake)" "$intake_start" && break
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.1
  done
  perf_pids=()
  # Attaching to a process whose threads come and go can fail at once: try again (3 times).
  for s in intake dispatch scoring liaison; do
    ( for _ in 1 2 3; do
        perf record -F 499 -g -p "$(cat "$WORK/max/$s.pid")" -o "$WORK/perf.$s" -- sleep 10 >"$WORK/perf.$s.log" 2>&1 && break
        sleep 0.5
      done ) &
    perf_pids+=($!)
  done
  wait "${perf_pids[@]}" 2>/dev/null || true
  for s in intake dispatch scoring liaison; do
    perf report -i "$WORK/perf.$s" --no-children --sort symbol --stdio -g none 2>/dev/null | grep '%' | head -25 \
      | swift demangle --simplified 2>/dev/null | cut -c1-150 > "$WORK/profile.$s.txt" || true
  done
fi
wait "$load_pid"
cpu_of_set "$WORK/max" > "$WORK/cpu.txt"
stop_set "$WORK/max"

# The same at durability power (every commit fsynced: survives a power cut, not only kill -9).
echo "== end to end, durability power ($POWER_CALLS calls, city ${BENCH_CITY:-big})"
start_set "$WORK/power" "$MAX_CITY" power
load --city "$MAX_CITY" --calls "$POWER_CALLS" --clients 4 --window "$WINDOW" --endpoints-dir "$WORK/power" --json "$WORK/power.json" | tee "$WORK/power.txt"
cpu_of_set "$WORK/power" > "$WORK/power-cpu.txt"
stop_set "$WORK/power"

for rate in $RATES; do
  calls=$(python3 -c "print(int($rate * $RATE_SECONDS))")
  [ "$rate" = 1000 ] && calls=$LAT_CALLS
  echo "== end to end, latency at $rate calls/s ($calls calls, city ${BENCH_LATENCY_CITY:-demo})"
  start_set "$WORK/lat$rate" "$LAT_CITY"
  load --city "$LAT_CITY" --calls "$calls" --rate "$rate" --clients 2 --endpoints-dir "$WORK/lat$rate" --json "$WORK/lat.$rate.json" | tee "$WORK/lat.$rate.txt"
  stop_set "$WORK/lat$rate"
  [ "$rate" = 1000 ] && cp "$WORK/lat.$rate.json" "$WORK/lat.json"
done
[ -f "$WORK/lat.json" ] || cp "$WORK/lat.$(echo $RATES | awk '{print $NF}').json" "$WORK/lat.json"

echo "== memory after $MEM_CALLS calls (city ${BENCH_CITY:-big})"
start_set "$WORK/mem" "$MAX_CITY"
# Resident memory every 10 s during the run: "flat under a backlog" is read from these, not
# from the figure after the run alone.
( while true; do
    line=""; for s in intake dispatch scoring liaison; do line+="$(rss "$WORK/mem" $s) "; done
    echo "$line" >> "$WORK/mem-rss.txt"; sleep 10
  done ) &
rss_sampler=$!
load --city "$MAX_CITY" --calls "$MEM_CALLS" --clients 4 --window "$WINDOW" --endpoints-dir "$WORK/mem" --json "$WORK/mem.json" | tee "$WORK/mem.txt"
kill "$rss_sampler" 2>/dev/null || true
mem_line=""
for s in intake dispatch scoring liaison; do mem_line+="$s $(rss "$WORK/mem" $s) MB, "; done
cpu_of_set "$WORK/mem" > "$WORK/mem-cpu.txt"
disk_line=$(du -sh "$WORK/mem" | cut -f1)
stop_set "$WORK/mem"

python3 scripts/bench_report.py "$WORK" "${raw_rates[*]}" "${bus_rates[*]}" "${mem_line%, }" "$disk_line" "$MEM_CALLS" "$RATES" > "$WORK/BENCHMARKS.md"
cp "$WORK/BENCHMARKS.md" BENCHMARKS.md
[ -f "$WORK/latency.png" ] && cp "$WORK/latency.png" bench/latency.png
echo "== wrote BENCHMARKS.md"
sed -n '1,40p' BENCHMARKS.md
