#!/usr/bin/env bash
# `make up`: the four services on loopback with data under .data/, the demo city's calls, and the
# bus shown as it flows. Ctrl-C stops everything cleanly (SIGTERM, services drain).
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
for s in intake dispatch scoring liaison; do
  "$BIN/precinct-$s" --data-dir "$DATA" > "$DATA/logs/$s.log" 2>&1 &
  pids+=($!)
done
echo "waiting for the services to be ready…"
for port in 8101 8201 8301 8401; do
  for _ in $(seq 1 300); do
    "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! "$BIN/precinct" healthcheck "http://127.0.0.1:$port" >/dev/null 2>&1; then
    echo "a service on :$port did not become ready; see $DATA/logs/" >&2
    stop
  fi
done
# Every HTTP route but health and metrics needs a bearer token. With no PRECINCT_TOKEN_KEY the
# services made a development signing key in $DATA on first start; the demo's tokens come from it.
KEY=${PRECINCT_TOKEN_KEY:-$DATA/token-signing.key}
DEMO_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo --role call-taker --ttl 8h) || stop
ANALYST_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo-analyst --role analyst --ttl 8h) || stop
SUPERVISOR_TOKEN=$("$BIN/precinct" tokens issue --key "$KEY" --subject demo-supervisor --role supervisor --ttl 8h) || stop
printf '%s\n' "$ANALYST_TOKEN" > "$DATA/analyst.token"
printf '%s\n' "$SUPERVISOR_TOKEN" > "$DATA/supervisor.token"
cat <<MSG
Precinct is up (logs in $DATA/logs/):
  intake   http://127.0.0.1:8101   PUB tcp://127.0.0.1:7101  ROUTER tcp://127.0.0.1:7102
  dispatch http://127.0.0.1:8201   PUB tcp://127.0.0.1:7201  ROUTER tcp://127.0.0.1:7202
  scoring  http://127.0.0.1:8301   PUB tcp://127.0.0.1:7301  ROUTER tcp://127.0.0.1:7302
  liaison  http://127.0.0.1:8401   PUB tcp://127.0.0.1:7401  ROUTER tcp://127.0.0.1:7402
  integrator gateway tcp://127.0.0.1:7403 (enterprise alerts, JSON and CAP 1.2; plaintext here: README, "Securing the bus")
HTTP needs a bearer token (docs/security.md): an analyst's is in $DATA/analyst.token, a supervisor's in
$DATA/supervisor.token; issue others with $BIN/precinct tokens issue --key $KEY --subject <you> --role <role>.
Every message on the bus follows, one JSON line each ($BIN/precinct tail ''). Ctrl-C stops.
MSG
"$BIN/precinct" tail '' &
pids+=($!)
PRECINCT_TOKEN=$DEMO_TOKEN "$BIN/precinct" demo --interval 1 | sed 's/^/[demo] /'
echo "[demo] done: $(curl -s -H "Authorization: Bearer $ANALYST_TOKEN" http://127.0.0.1:8401/v1/stats)"
echo "[demo] try: curl -s -H \"Authorization: Bearer \$(cat $DATA/analyst.token)\" 127.0.0.1:8301/v1/rankings"
wait
