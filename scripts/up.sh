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
ready() {
  for port in "$@"; do
    for _ in $(seq 1 300); do
      "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1 && break
      sleep 0.2
    done
    if ! "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1; then
      echo "a service on :$port did not become ready; see $DATA/logs/" >&2
      stop
    fi
  done
}
echo "waiting for the services to be ready…"
ready 8101 8201 8301 8401
# Every HTTP route but health and metrics needs a bearer token. With no PRECINCT_TOKEN_KEY the
# services made a development signing key in $DATA on first start; the demo's tokens come from it.
KEY=${PRECINCT_TOKEN_KEY:-$DATA/token-signing.key}
# The demo takes calls and plays the field units (their reports go through the dispatcher's desk).
DEMO_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo --role call-taker --role dispatcher --ttl 8h) || stop
# The console acts with its own token for whoever has not signed in (people sign in with their own,
# docs/console.md). The services record an action under the token's subject (docs/security.md,
# "Who did it"): here the demo desk, dispatcher D01.
CONSOLE_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject D01 --role dispatcher --role supervisor --role analyst \
  --role call-taker --role liaison-officer --ttl 8h) || stop
ANALYST_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo-analyst --role analyst --ttl 8h) || stop
SUPERVISOR_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo-supervisor --role supervisor --ttl 8h) || stop
printf '%s\n' "$ANALYST_TOKEN" > "$DATA/analyst.token"
printf '%s\n' "$SUPERVISOR_TOKEN" > "$DATA/supervisor.token"
PRECINCT_CONSOLE_TOKEN=$CONSOLE_TOKEN "$BIN/precinct-console" > "$DATA/logs/console.log" 2>&1 &
pids+=($!)
ready 8501
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
HTTP needs a bearer token (docs/security.md): an analyst's is in $DATA/analyst.token, a supervisor's in
$DATA/supervisor.token; issue others with $BIN/precinct tokens issue --key $KEY --subject <you> --role <role>.
Every message on the bus, one JSON line each, goes to $DATA/logs/tail.jsonl (tail -f it, or run
$BIN/precinct tail '' yourself). Ctrl-C stops.
MSG
"$BIN/precinct" tail '' > "$DATA/logs/tail.jsonl" &
pids+=($!)
PRECINCT_TOKEN=$DEMO_TOKEN "$BIN/precinct" demo --interval 3 | sed 's/^/[demo] /'
echo "[demo] done: $(curl -s -H "Authorization: Bearer $ANALYST_TOKEN" http://127.0.0.1:8401/v1/stats)"
echo "[demo] try: curl -s -H \"Authorization: Bearer \$(cat $DATA/analyst.token)\" 127.0.0.1:8301/v1/rankings"
wait
