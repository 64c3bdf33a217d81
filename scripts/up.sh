#!/usr/bin/env bash
# `make up`: the four services and the console on loopback with data under .data/, the demo city's
# calls with its field units played (docs/console.md), and the bus as it flows (`precinct tail`'s
# JSON lines in .data/logs/tail.jsonl). Ctrl-C stops everything cleanly.
set -uo pipefail
BIN=${1:-.build/debug}
DATA=${PRECINCT_DATA_DIR:-.data}
mkdir -p "$DATA/logs"
pids=()
stop() {
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  echo "stopped. Data kept in $DATA/ (delete it for a fresh city)."
  exit 0
}
trap stop INT TERM
echo "The console will be at http://127.0.0.1:8501 once the set is ready."
for s in intake dispatch scoring liaison; do
  "$BIN/precinct-$s" --data-dir "$DATA" > "$DATA/logs/$s.log" 2>&1 &
  pids+=($!)
done
"$BIN/precinct-console" > "$DATA/logs/console.log" 2>&1 &
pids+=($!)
echo "waiting for the services to be ready…"
for port in 8101 8201 8301 8401 8501; do
  for _ in $(seq 1 300); do
    "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1; then
    echo "a service on :$port did not become ready; see $DATA/logs/" >&2
    stop
  fi
done
cat <<MSG

  ==> The console: http://127.0.0.1:8501  (open it in a browser; keys 1–7 pages, L 中文/English)

Precinct is up (logs in $DATA/logs/):
  intake   http://127.0.0.1:8101   PUB tcp://127.0.0.1:7101  ROUTER tcp://127.0.0.1:7102
  dispatch http://127.0.0.1:8201   PUB tcp://127.0.0.1:7201  ROUTER tcp://127.0.0.1:7202
  scoring  http://127.0.0.1:8301   PUB tcp://127.0.0.1:7301  ROUTER tcp://127.0.0.1:7302
  liaison  http://127.0.0.1:8401   PUB tcp://127.0.0.1:7401  ROUTER tcp://127.0.0.1:7402
  integrator gateway tcp://127.0.0.1:7403 (enterprise alerts, JSON and CAP 1.2; plaintext here: README, "Securing the bus")
The demo plays the field units: crews sign off, arrive, report back and close; a few are late (the
next unit goes), one hands over to its station, the accident with casualties gets two units.
Every message on the bus, one JSON line each, goes to $DATA/logs/tail.jsonl (tail -f it, or run
$BIN/precinct tail '' yourself). Ctrl-C stops.
MSG
"$BIN/precinct" tail '' > "$DATA/logs/tail.jsonl" &
pids+=($!)
"$BIN/precinct" demo --interval 3 | sed 's/^/[demo] /'
echo "[demo] done: $(curl -s http://127.0.0.1:8401/v1/stats) — try: curl -s 127.0.0.1:8301/v1/rankings"
wait
