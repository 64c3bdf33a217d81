#!/usr/bin/env bash
# Multi-host test without Docker: each service on a "host" of its own (a network namespace with its
# own address), all of them on one switch (a bridge in a namespace of its own), a fifth namespace as
# the integrators' client. Configuration goes through PRECINCT_* environment variables only, as in
# a container, and the set is secured as compose runs it: CURVE on the bus, tokens on HTTP. The client runs `precinct load` through the set; while calls flow, one host is cut
# off the switch for a few seconds and plugged back in; the load's verification must then find
# nothing lost and nothing duplicated. Last, every service gets SIGTERM and must exit 0 in time.
#
#   scripts/netns-test.sh [BIN_DIR]          (default .build/debug; needs root and `ip netns`)
#
# Environment (all optional): NETNS_CALLS (300), NETNS_RATE (calls/s, 30), NETNS_CUT (the host
# cut off: intake, dispatch, scoring or liaison; default dispatch), NETNS_CUT_SECONDS (4),
# NETNS_GRACE_SECONDS (SIGTERM to exit, 20 like compose's stop_grace_period), NETNS_KEEP=1 (keep
# the temporary directory with data and logs).
#
# Nothing outside the namespaces this script creates is touched: the bridge, the veth pairs and
# every address live inside them; the host's own interfaces, routes and firewall are left alone.
# Every name carries this run's id, so two runs never collide; a trap removes all of it.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-${PRECINCT_BIN_DIR:-.build/debug}}
CALLS=${NETNS_CALLS:-300}
RATE=${NETNS_RATE:-30}
CUT=${NETNS_CUT:-dispatch}
CUT_SECONDS=${NETNS_CUT_SECONDS:-4}
GRACE=${NETNS_GRACE_SECONDS:-20}
SERVICES=(intake dispatch scoring liaison)

say() { echo "netns-test: $*"; }
skip() { echo "SKIP netns-test: $* (the multi-host test needs root and network namespaces; nothing was run)"; exit 0; }
fail() { echo "FAIL netns-test: $*" >&2; FAILED=1; exit 1; }

# --- can this machine do it? -----------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "not root"
if ! command -v ip >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing iproute2"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2; } >/dev/null 2>&1
  fi
  command -v ip >/dev/null 2>&1 || skip "'ip' (iproute2) is not installed and could not be installed"
fi
ip netns help >/dev/null 2>&1 || ip netns list >/dev/null 2>&1 || skip "this 'ip' has no netns support"
case " ${SERVICES[*]} " in *" $CUT "*) ;; *) echo "NETNS_CUT must be one of: ${SERVICES[*]}" >&2; exit 2 ;; esac
for b in precinct precinct-intake precinct-dispatch precinct-scoring precinct-liaison; do
  [ -x "$BIN/$b" ] || { echo "FAIL netns-test: $BIN/$b is missing: build first (swift build)" >&2; exit 1; }
done
BIN=$(cd "$BIN" && pwd)

RUN="pn$$$(printf '%04x' $((RANDOM)))"      # this run's id: in every namespace name
NET="$RUN-net"                                # the switch: a bridge, one veth end per host
ns() { echo "$RUN-$1"; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/precinct-netns-$RUN.XXXX")
declare -A ADDR=([intake]=10.77.0.11 [dispatch]=10.77.0.12 [scoring]=10.77.0.13 [liaison]=10.77.0.14 [client]=10.77.0.100)
declare -A BASE=([intake]=7100 [dispatch]=7200 [scoring]=7300 [liaison]=7400)
declare -A PID=()
CREATED=()
FAILED=0

cleanup() {
  local rc=$?
  for s in "${!PID[@]}"; do kill -KILL "${PID[$s]}" 2>/dev/null; done
  # Anything still running inside our namespaces was started by this script.
  for n in "${CREATED[@]}"; do
    for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  for n in "${CREATED[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    for s in "${SERVICES[@]}" load; do
      [ -f "$WORK/$s.log" ] && { echo "--- $s.log (last 15 lines)"; tail -n 15 "$WORK/$s.log"; }
    done
  fi
  if [ "${NETNS_KEEP:-0}" = 1 ]; then echo "netns-test: kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the network: a switch namespace with a bridge, one namespace and veth pair per host ---------
mkns() {
  ip netns add "$1" 2>"$WORK/ip.err" || return 1
  CREATED+=("$1")
  ip -n "$1" link set lo up
}
mkns "$NET" || skip "cannot create a network namespace here: $(cat "$WORK/ip.err")"
ip -n "$NET" link add br0 type bridge 2>"$WORK/ip.err" || skip "cannot create a bridge inside a namespace: $(cat "$WORK/ip.err")"
ip -n "$NET" link set br0 up
for h in "${SERVICES[@]}" client; do
  mkns "$(ns "$h")" || fail "ip netns add $(ns "$h"): $(cat "$WORK/ip.err")"
  # One end (eth0) in the host's namespace, the other (p-<host>) plugged into the switch.
  ip -n "$NET" link add "p-$h" type veth peer name eth0 netns "$(ns "$h")" || fail "veth for $h"
  ip -n "$NET" link set "p-$h" master br0 up
  ip -n "$(ns "$h")" addr add "${ADDR[$h]}/24" dev eth0
  ip -n "$(ns "$h")" link set eth0 up
done
say "run $RUN: switch $NET; hosts $(for h in "${SERVICES[@]}" client; do printf '%s=%s ' "$h" "${ADDR[$h]}"; done)"

inns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
pub() { echo "tcp://${ADDR[$1]}:$((BASE[$1] + 1))"; }
router() { echo "tcp://${ADDR[$1]}:$((BASE[$1] + 2))"; }
url() { echo "http://${ADDR[$1]}:$((BASE[$1] + 1001))"; }

# --- the services: each in its own namespace, configured by environment only ---------------------
# Secured as a real multi-host set is (docs/security.md): `make keys` for this run, CURVE on every
# socket across the switch, bearer tokens on HTTP (the load mints its own from the signing key).
# The load has a key of its own with role `service`: it plays every call-taker and crew at once.
bash scripts/keys.sh "$BIN" "$WORK/secrets" >"$WORK/keys.log" 2>&1 || fail "make keys: $(tail -n 3 "$WORK/keys.log")"
"$BIN/precinct" keys generate load --role service --dir "$WORK/secrets/curve" >>"$WORK/secrets/curve/keyring" \
  || fail "precinct keys generate load"
start() {
  local s=$1
  mkdir -p "$WORK/$s-data"
  local envs=(PRECINCT_DATA_DIR="$WORK/$s-data" PRECINCT_CITY="$PWD/cities/demo" PRECINCT_LOG_LEVEL=info
              PRECINCT_HEARTBEAT_MS=200 PRECINCT_HTTP_HOST="${ADDR[$s]}" PRECINCT_HTTP_PORT=$((BASE[$s] + 1001))
              PRECINCT_BIND_PUB="$(pub "$s")" PRECINCT_BIND_ROUTER="$(router "$s")"
              PRECINCT_TOKEN_KEY="$WORK/secrets/token-signing.key"
              PRECINCT_CURVE_KEY="$WORK/secrets/curve/$s.key" PRECINCT_CURVE_KEYRING="$WORK/secrets/curve/keyring")
  for p in "${SERVICES[@]}"; do
    [ "$p" = "$s" ] && continue
    envs+=("PRECINCT_${p^^}_PUB=$(pub "$p")" "PRECINCT_${p^^}_ROUTER=$(router "$p")")
  done
  # `ip netns exec` execs the service: $! is the service's own pid, so SIGTERM reaches it.
  ip netns exec "$(ns "$s")" env "${envs[@]}" "$BIN/precinct-$s" >>"$WORK/$s.log" 2>&1 &
  PID[$s]=$!
}
for s in "${SERVICES[@]}"; do start "$s"; done

ready() { inns client "$BIN/precinct" healthcheck "$(url "$1")" >/dev/null 2>&1; }
wait_ready() {
  local deadline=$((SECONDS + $1))
  for s in "${SERVICES[@]}"; do
    until ready "$s"; do
      kill -0 "${PID[$s]}" 2>/dev/null || fail "$s exited during start-up"
      [ $SECONDS -lt "$deadline" ] || fail "$s not ready at $(url "$s") after $1 s"
      sleep 0.3
    done
  done
}
wait_ready 90
say "all four ready, each answering /readyz from the client host over the switch"

# --- calls through the set, one host cut off meanwhile ------------------------------------------
PEERS=()
for p in "${SERVICES[@]}"; do PEERS+=("--$p-pub" "$(pub "$p")" "--$p-url" "$(url "$p")"); done
PEERS+=(--intake-router "$(router intake)" --dispatch-router "$(router dispatch)" --liaison-router "$(router liaison)")
inns client env PRECINCT_TOKEN_KEY="$WORK/secrets/token-signing.key" PRECINCT_CURVE_KEY="$WORK/secrets/curve/load.key" \
  PRECINCT_CURVE_KEYRING="$WORK/secrets/curve/keyring" "$BIN/precinct" load --calls "$CALLS" --rate "$RATE" --clients 2 --retry-after 2 --settle-timeout 120 \
  --city cities/demo --run-id "netns-$RUN" "${PEERS[@]}" >"$WORK/load.log" 2>&1 &
LOAD=$!
sleep 2
kill -0 $LOAD 2>/dev/null || fail "precinct load ended before the cut: $(tail -n 5 "$WORK/load.log")"
say "cutting $CUT (${ADDR[$CUT]}) off the switch for ${CUT_SECONDS}s while calls flow"
ip -n "$NET" link set "p-$CUT" down
sleep "$CUT_SECONDS"
ready "$CUT" && fail "$CUT still answered from the client host while cut off: the cut did not cut"
ip -n "$NET" link set "p-$CUT" up
say "$CUT plugged back in"
wait $LOAD
LOAD_RC=$?
tail -n 12 "$WORK/load.log" | sed 's/^/  load| /'
[ $LOAD_RC -eq 0 ] || fail "precinct load exited with $LOAD_RC"
grep -q "lost: 0  duplicated: 0" "$WORK/load.log" || fail "the load's verification did not find 'lost: 0  duplicated: 0'"
for s in "${SERVICES[@]}"; do kill -0 "${PID[$s]}" 2>/dev/null || fail "$s died during the run"; done
wait_ready 30
say "after the cut every service is ready again and nothing was lost or duplicated"

# --- SIGTERM: each service drains and exits 0 within the grace period --------------------------
for s in liaison scoring dispatch intake; do
  t0=$SECONDS
  kill -TERM "${PID[$s]}"
  deadline=$((SECONDS + GRACE))
  while kill -0 "${PID[$s]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if kill -0 "${PID[$s]}" 2>/dev/null; then fail "$s still running ${GRACE}s after SIGTERM"; fi
  wait "${PID[$s]}"
  rc=$?
  unset "PID[$s]"
  [ $rc -eq 0 ] || fail "$s exited with $rc after SIGTERM"
  grep -q "stopped" "$WORK/$s.log" || fail "$s logged no 'stopped' line"
  say "$s: SIGTERM → exit 0 in $((SECONDS - t0))s"
done
echo "PASS netns-test: $CALLS calls through 4 hosts, $CUT cut off for ${CUT_SECONDS}s: lost 0, duplicated 0; all exited 0 on SIGTERM"
