#!/usr/bin/env bash
# `make container-test`: the project's own Dockerfile and docker-compose.yml, run for real on a
# Docker engine on this machine, offline (../shared/CONTAINERS.md has the measured recipe).
#
#   scripts/container-test.sh [BIN_DIR]      (BIN_DIR: where the host's `precinct` CLI is; .build/debug)
#
# 1. Installs docker.io, docker-compose and debootstrap when missing and starts dockerd with no
#    bridge, no iptables, no IP forwarding, published ports on 127.0.0.1; fails if
#    net.ipv4.ip_forward is not 0 once it runs. A trap stops the engine it started, whatever happened.
# 2. Makes the base images offline when missing: debian:bookworm-slim (debootstrap minbase from the
#    host's Debian mirror, imported as local/bookworm) and swift:6.3-bookworm (that base + Swift's
#    build dependencies + the host's Swift toolchain and local package copies, with the host's git
#    insteadOf rules). Checks every FROM image exists locally, then builds the Dockerfile with the
#    legacy builder (DOCKER_BUILDKIT=0, --network host): image size and build time.
# 3. Starts docker-compose.yml with deploy/compose/loopback.yml (every published port on 127.0.0.1;
#    checked) and waits for every service to be healthy.
# 4. `precinct load` from the host through the published ports, with verification (lost 0,
#    duplicated 0), while one service is killed (SIGKILL to its process, as a crash or the OOM
#    killer does) and its restart policy brings it back.
# 5. Another load while every service is recreated, one at a time (`up -d --force-recreate
#    --no-deps`): again lost 0, duplicated 0.
# 6. `down` then `up`: every service's data is still there (volumes); `down -v` removes them.
#
# Idempotent: base images, the image's layers and the engine's data stay in /var/lib/docker, so a
# second run skips what exists. Bounded: every wait is a condition with a deadline.
# Traffic: only between the project's containers and loopback (and the build's apt-get to the
# Debian mirror the host itself uses).
#
# Skipped (exit 0, one line) when not root, without apt-get/dockerd, when another dockerd already
# runs, or with CONTAINER_TEST=0. Environment (optional): CT_PROJECT (precinct-ct), CT_IMAGE
# (precinct:latest), CT_RATE (calls/s, 40), CT_KILL_CALLS (800), CT_ROLL_CALLS (2400),
# CT_KILL (service killed: dispatch), CT_PORT_PREFIX (2: host ports 28101, 27102, …), CT_KEEP=1 (keep logs), CT_UNTIL=build (stop after the build).
set -uo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS

BIN=${1:-${PRECINCT_BIN_DIR:-.build/debug}}
PROJECT=${CT_PROJECT:-precinct-ct}
IMAGE=${CT_IMAGE:-precinct:latest}
RATE=${CT_RATE:-40}
KILL_CALLS=${CT_KILL_CALLS:-800}
ROLL_CALLS=${CT_ROLL_CALLS:-2400}
KILL_SERVICE=${CT_KILL:-dispatch}
SERVICES=(intake dispatch scoring liaison)
OVERRIDE=deploy/compose/loopback.yml
# Host ports: the compose file's, with this prefix (2 → 28101, 27102, …), so the test's set never
# answers, or collides with, a development set or a test on the default ports of this host.
export HOST_PORT_PREFIX=${CT_PORT_PREFIX-2}
P=$HOST_PORT_PREFIX
FIGURES=.build/container-test/figures.txt

say() { echo "container-test: $*"; }
skip() { echo "SKIP container-test: $*"; exit 0; }
FAILED=0
fail() { echo "FAIL container-test: $*" >&2; FAILED=1; exit 1; }
figure() { say "$*"; echo "$*" >>"$WORK/figures"; }

[ "${CONTAINER_TEST:-1}" != 0 ] || skip "CONTAINER_TEST=0"
[ "$(id -u)" -eq 0 ] || skip "not root (the Docker engine is installed and started as root)"
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || skip "no dockerd/docker-compose/debootstrap and no apt-get to install them"
fi
[ "$(uname -s)" = Linux ] || skip "not Linux"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/precinct-ct.XXXX")
: >"$WORK/figures"
DOCKERD_PID=""
LOAD_PID=""
DC=(docker-compose -p "$PROJECT" -f docker-compose.yml -f "$OVERRIDE" --compatibility)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$LOAD_PID" ] && kill -KILL "$LOAD_PID" 2>/dev/null
  if [ -n "$DOCKERD_PID" ]; then
    if [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
      for s in "${SERVICES[@]}"; do
        echo "--- $s (last 10 log lines)"; timeout 20 "${DC[@]}" logs --no-color --tail 10 "$s" 2>/dev/null
      done
    fi
    timeout 120 "${DC[@]}" down -v --remove-orphans -t 20 >"$WORK/down.log" 2>&1
    say "stopping the engine (dockerd pid $DOCKERD_PID)"
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    local deadline=$((SECONDS + 60))
    while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$DOCKERD_PID" 2>/dev/null; then say "dockerd did not stop in 60 s: SIGKILL"; kill -KILL "$DOCKERD_PID"; fi
    wait "$DOCKERD_PID" 2>/dev/null
    if mountpoint -q /run/docker/netns/default 2>/dev/null; then umount /run/docker/netns/default 2>/dev/null; fi
  fi
  [ -s "$WORK/figures" ] && mkdir -p "$(dirname "$FIGURES")" && cp "$WORK/figures" "$FIGURES" 2>/dev/null
  if [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
    for f in "$WORK"/load-*.log; do [ -f "$f" ] && { echo "--- $(basename "$f") (last 25 lines)"; tail -n 25 "$f"; }; done
    [ -f "$WORK/dockerd.log" ] && { echo "--- dockerd.log (last 10 lines)"; tail -n 10 "$WORK/dockerd.log"; }
  fi
  if [ "${CT_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# waitfor SECONDS WHAT COMMAND...: runs COMMAND until it succeeds, fails at the deadline.
waitfor() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not after $limit s"
    sleep 0.5
  done
}

# --- 1. the engine ----------------------------------------------------------------------------------
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  t=$SECONDS
  { timeout 600 apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$WORK/apt.log" 2>&1 \
    || fail "apt-get install ${need[*]}: $(tail -n 3 "$WORK/apt.log")"
  figure "engine packages installed in $((SECONDS - t)) s"
fi
if pgrep -x dockerd >/dev/null 2>&1; then
  skip "a Docker engine this test did not start is already running (pid $(pgrep -x dockerd | head -n 1)): only one dockerd may use /var/lib/docker"
fi
[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "net.ipv4.ip_forward is already 1 on this host: containers' packets could leave the machine"
dockerd --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip=127.0.0.1 >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
deadline=$((SECONDS + 60))
until docker info >/dev/null 2>&1; do
  kill -0 "$DOCKERD_PID" 2>/dev/null || { DOCKERD_PID=""; fail "dockerd exited at start: $(tail -n 3 "$WORK/dockerd.log")"; }
  [ $SECONDS -lt $deadline ] || fail "dockerd did not answer in 60 s"
  sleep 0.2
done
[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "net.ipv4.ip_forward is 1 with dockerd running (it must be started with --ip-forward=false)"
say "engine up (dockerd pid $DOCKERD_PID, $(docker version -f '{{.Server.Version}}' 2>/dev/null), ip_forward 0)"

have() { docker image inspect "$1" >/dev/null 2>&1; }

# --- 2. base images, offline --------------------------------------------------------------------------
# The Debian mirror apt already uses (deb822 .sources or one-line .list).
mirror() {
  local m
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n 1)
  [ -n "$m" ] || m=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | grep -v security | awk '{print $2}' | head -n 1)
  echo "${m:-http://deb.debian.org/debian}"
}
if ! have debian:bookworm-slim; then
  if ! have local/bookworm; then
    t=$SECONDS
    ROOTFS="$WORK/rootfs"
    say "making local/bookworm: debootstrap --variant=minbase bookworm from $(mirror)"
    timeout 900 debootstrap --variant=minbase bookworm "$ROOTFS" "$(mirror)" >"$WORK/debootstrap.log" 2>&1 \
      || fail "debootstrap: $(tail -n 3 "$WORK/debootstrap.log")"
    rm -f "$ROOTFS/etc/apt/sources.list"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] && cp "$f" "$ROOTFS$f"
    done
    cp -n /etc/apt/apt.conf.d/* "$ROOTFS/etc/apt/apt.conf.d/" 2>/dev/null
    # Slim, as Debian's own -slim images are: no documentation, manual pages or translations, now
    # or in any package installed later.
    mkdir -p "$ROOTFS/etc/dpkg/dpkg.cfg.d"
    printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
      'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
      'path-exclude /usr/share/lintian/*' >"$ROOTFS/etc/dpkg/dpkg.cfg.d/slim"
    find "$ROOTFS/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null
    find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null
    rm -rf "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian/*
    find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/log/*.log
    tar -C "$ROOTFS" -c . | docker import --change 'CMD ["bash"]' - local/bookworm >/dev/null || fail "docker import local/bookworm"
    rm -rf --one-file-system "$ROOTFS"
    figure "base image local/bookworm made in $((SECONDS - t)) s"
  fi
  docker tag local/bookworm debian:bookworm-slim
fi
if ! have swift:6.3-bookworm; then
  t=$SECONDS
  swift_bin=$(readlink -f "$(command -v swift || true)")
  [ -x "$swift_bin" ] || fail "no host Swift toolchain to put in the builder image"
  TOOLCHAIN=$(dirname "$(dirname "$(dirname "$swift_bin")")")     # …/usr/bin/swift-driver → the toolchain root
  swift --version 2>&1 | grep -q 'Swift version 6\.3' || say "warning: the host's Swift is not 6.3 ($(swift --version 2>&1 | head -n 1))"
  RULES=$(git config --system --get-regexp 'url\..*\.insteadof' || true)
  PACKAGES=$(echo "$RULES" | sed -nE 's/^url\.(.*)\.insteadof .*/\1/p' | head -n 1)
  PACKAGES=${PACKAGES%/}
  say "making swift:6.3-bookworm: local/bookworm + build dependencies + $TOOLCHAIN${PACKAGES:+ + $PACKAGES}"
  docker rm -f precinct-ct-builder >/dev/null 2>&1
  mounts=(-v "$TOOLCHAIN:/mnt/toolchain:ro")
  [ -n "$PACKAGES" ] && [ -d "$PACKAGES" ] && mounts+=(-v "$PACKAGES:/mnt/packages:ro")
  # The git rules only (never a credential helper), one `git config --add` per rule.
  gitrules=$(echo "$RULES" | awk 'NF==2 {printf "git config --system --add %s %s\n", $1, $2}')
  timeout 1200 docker run --name precinct-ct-builder --network host "${mounts[@]}" local/bookworm bash -euc "
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      binutils-gold libicu-dev libcurl4-openssl-dev libedit-dev libsqlite3-dev libncurses-dev libpython3-dev \
      libxml2-dev pkg-config uuid-dev tzdata git gcc libc6-dev libstdc++-12-dev ca-certificates libzmq3-dev >/dev/null
    apt-get clean; rm -rf /var/lib/apt/lists/*
    mkdir -p '$(dirname "$TOOLCHAIN")'; cp -a /mnt/toolchain '$TOOLCHAIN'
    if [ -d /mnt/packages ]; then mkdir -p '$(dirname "$PACKAGES")'; cp -a /mnt/packages '$PACKAGES'; fi
    $gitrules
  " >"$WORK/builder.log" 2>&1 || fail "making the builder image: $(tail -n 3 "$WORK/builder.log")"
  docker commit --change "ENV PATH=$TOOLCHAIN/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'CMD ["bash"]' precinct-ct-builder swift:6.3-bookworm >/dev/null || fail "docker commit swift:6.3-bookworm"
  docker rm precinct-ct-builder >/dev/null
  figure "builder image swift:6.3-bookworm made in $((SECONDS - t)) s"
fi

# Every FROM image must exist here: a missing one makes the engine try a registry.
declare -A ARGS=()
STAGES=" "
while read -r kw rest; do
  case "${kw^^}" in
    ARG) [[ "$rest" == *=* ]] && ARGS[${rest%%=*}]=${rest#*=} ;;
    FROM)
      read -r ref _ stage <<<"$rest"
      for k in "${!ARGS[@]}"; do ref=${ref//\$\{$k\}/${ARGS[$k]}}; ref=${ref//\$$k/${ARGS[$k]}}; done
      if [[ "$STAGES" != *" $ref "* ]]; then have "$ref" || fail "FROM $ref: no such image here (nothing can be pulled)"; fi
      [ -n "${stage:-}" ] && STAGES+="$stage "
      ;;
  esac
done < <(grep -E '^(ARG|FROM)[[:space:]]' Dockerfile)

# --- the project's image ------------------------------------------------------------------------------
t=$SECONDS
say "building $IMAGE (DOCKER_BUILDKIT=0 docker build --network host; log in $WORK/build.log)"
DOCKER_BUILDKIT=0 timeout 2400 docker build --network host -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
  || fail "docker build: $(tail -n 15 "$WORK/build.log")"
BUILD_SECONDS=$((SECONDS - t))
cached=$(grep -c 'Using cache' "$WORK/build.log")
steps=$(grep -cE '^Step [0-9]+/' "$WORK/build.log")
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
figure "image $IMAGE built in $BUILD_SECONDS s ($cached of $steps steps from cache); size $((size / 1000000)) MB ($size bytes)"
docker run --rm --read-only --entrypoint precinct "$IMAGE" --help >/dev/null 2>&1 || fail "the image's CLI does not run"
[ "$(docker image inspect -f '{{.Config.User}}' "$IMAGE")" = "10001:10001" ] || fail "the image does not run as user 10001"
[ "${CT_UNTIL:-}" = build ] && { say "CT_UNTIL=build: stopping after the build"; exit 0; }

# --- 3. compose up, every service healthy ----------------------------------------------------------------
container() { "${DC[@]}" ps -q "$1" 2>/dev/null; }
health() { local c; c=$(container "$1"); [ -n "$c" ] && docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$c" 2>/dev/null; }
wait_healthy() {  # SECONDS [SERVICE...]
  local limit=$1; shift
  local list=("$@"); [ ${#list[@]} -gt 0 ] || list=("${SERVICES[@]}")
  local deadline=$((SECONDS + limit)) s
  for s in "${list[@]}"; do
    until [ "$(health "$s")" = healthy ]; do
      [ $SECONDS -lt $deadline ] || fail "$s not healthy after $limit s (health: $(health "$s"))"
      sleep 0.5
    done
  done
}
volumes() { docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | sort; }

# The host's CLI drives the load (built before the set starts, if the build did not leave it).
CLI="$BIN/precinct"
if [ ! -x "$CLI" ]; then
  say "building the host CLI (swift build --product precinct)"
  swift build --product precinct >"$WORK/cli-build.log" 2>&1 || fail "swift build --product precinct: $(tail -n 5 "$WORK/cli-build.log")"
  CLI=.build/debug/precinct
fi

# The set's secrets (docs/security.md), made for this run, readable by the image's user; the
# load and the checks below carry tokens signed with its token key.
PRECINCT_SECRETS_OWNER=10001 bash scripts/keys.sh "$BIN" "$WORK/secrets" >"$WORK/keys.log" 2>&1 || fail "make keys: $(tail -n 3 "$WORK/keys.log")"
export PRECINCT_SECRETS="$WORK/secrets"
# The host's load generator connects over CURVE like any client: a key of its own in the keyring,
# with role `service`, because one load plays every call-taker and every crew at once.
"$CLI" keys generate load --role service --dir "$WORK/secrets/curve" >>"$WORK/secrets/curve/keyring" 2>"$WORK/keys-load.log" \
  || fail "precinct keys generate load: $(tail -n 3 "$WORK/keys-load.log")"
CURVE=(--curve-key "$WORK/secrets/curve/load.key" --curve-keyring "$WORK/secrets/curve/keyring")
export PRECINCT_TOKEN_KEY="$WORK/secrets/token-signing.key"
TOKEN=$("$CLI" tokens issue --key "$PRECINCT_TOKEN_KEY" --subject container-test --role call-taker --role analyst --role supervisor --role operator) \
  || fail "precinct tokens issue"
AUTH=(-H "Authorization: Bearer $TOKEN")
timeout 120 "${DC[@]}" down -v --remove-orphans -t 20 >/dev/null 2>&1    # what an interrupted run left
# The host ports the set publishes must be free (`make up` on loopback uses the same ones).
if command -v ss >/dev/null 2>&1; then
  for port in 7102 7201 7202 7401 7402 7403 8101 8201 8301 8401; do
    port=$P$port
    if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
      fail "port $port is already in use on this host ($(ss -Hltnp "sport = :$port" | grep -o 'users:.*' | head -n 1)): stop what uses it (make up?)"
    fi
  done
fi
t=$SECONDS
timeout 300 "${DC[@]}" up -d --no-build >"$WORK/up.log" 2>&1 || fail "compose up: $(tail -n 5 "$WORK/up.log")"
wait_healthy 240
figure "compose up → all four healthy in $((SECONDS - t)) s"
# Secure by default: every service says its bus is CURVE, and a plaintext client gets no answer
# from a published ROUTER (the CURVE handshake never completes; ZAP never sees it).
for s in intake dispatch scoring liaison; do
  # Read whole, then searched: under pipefail `docker logs | grep -q` fails when grep stops at its
  # match and docker logs, still writing, gets SIGPIPE (it did, on a log that said the right thing).
  logs=$(docker logs "$(container "$s")" 2>&1)
  grep -q "bus is CURVE-encrypted" <<<"$logs" || fail "$s did not start its bus with CURVE: $(grep -m1 'bus is' <<<"$logs" || echo 'no bus line')"
done
if [ -x .build/pyenv/bin/python ]; then
  .build/pyenv/bin/python - "tcp://127.0.0.1:${P}7102" <<'PY' || fail "a plaintext client was answered by intake's ROUTER: the bus is not CURVE"
import sys, zmq
s = zmq.Context().socket(zmq.REQ); s.setsockopt(zmq.LINGER, 0); s.setsockopt(zmq.RCVTIMEO, 3000)
s.connect(sys.argv[1]); s.send(b'{"op":"ping","id":"plain"}')
try:
    s.recv(); sys.exit(1)
except zmq.Again:
    sys.exit(0)
PY
  say "bus: CURVE on every service; a plaintext client at intake's ROUTER got no answer in 3 s"
fi
# Published ports: every one on 127.0.0.1, none on 0.0.0.0 or ::.
ports=$(docker ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Ports}}' | tr ',' '\n' | grep -- '->' | sed 's/^ *//')
[ -n "$ports" ] || fail "no published ports"
bad=$(echo "$ports" | grep -v '^127\.0\.0\.1:' || true)
[ -z "$bad" ] || fail "ports published beyond loopback: $bad"
if command -v ss >/dev/null 2>&1; then    # and what really listens: the engine's port proxies
  wide=$(ss -Hltnp 2>/dev/null | grep docker-proxy | awk '{print $4}' | grep -v '^127\.0\.0\.1:' || true)
  [ -z "$wide" ] || fail "docker-proxy listens beyond loopback: $wide"
fi
say "published, loopback only: $(echo "$ports" | sed 's/->.*//' | sort -u | tr '\n' ' ')"
[ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$(container intake)")" = true ] && say "root filesystems read-only; /data is each service's volume"

# --- 4. load with verification, one service killed meanwhile -----------------------------------------------
PEERS=(--intake-router "tcp://127.0.0.1:${P}7102" --dispatch-pub "tcp://127.0.0.1:${P}7201" --dispatch-router "tcp://127.0.0.1:${P}7202"
       --liaison-pub "tcp://127.0.0.1:${P}7401" --liaison-router "tcp://127.0.0.1:${P}7402"
       --intake-url "http://127.0.0.1:${P}8101" --dispatch-url "http://127.0.0.1:${P}8201"
       --scoring-url "http://127.0.0.1:${P}8301" --liaison-url "http://127.0.0.1:${P}8401")
RUN="ct$$"
start_load() {  # NAME CALLS
  : >"$WORK/load-$1.log"
  "$CLI" load --calls "$2" --rate "$RATE" --clients 2 --retry-after 2 --settle-timeout 180 \
    --city cities/demo --run-id "$RUN-$1" --json "$WORK/load-$1.json" "${PEERS[@]}" "${CURVE[@]}" >>"$WORK/load-$1.log" 2>&1 &
  LOAD_PID=$!
}
recorded() { curl -fsS "${AUTH[@]}" "http://127.0.0.1:${P}8101/v1/calls/count?clientRefPrefix=$RUN-$1-" 2>/dev/null | sed -nE 's/.*"count":"?([0-9]+).*/\1/p'; }
sending() { [ "$(recorded "$1")" -ge "$2" ] 2>/dev/null; }    # calls recorded by intake (the load's own output is buffered)
finish_load() {  # NAME CALLS: waits for the load (deadline), then checks its verification
  local name=$1 deadline=$((SECONDS + $2 / RATE + 420))
  while kill -0 "$LOAD_PID" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "precinct load ($name) still running after its deadline"
    sleep 0.5
  done
  wait "$LOAD_PID"; local rc=$?
  LOAD_PID=""
  [ -f "$WORK/load-$name.json" ] || fail "precinct load ($name) exited $rc without its report"
  local line
  line=$(python3 - "$WORK/load-$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
checks = r.get("verification", {}).get("checks", [])
lost = sum(max(0, c["expected"] - c["found"]) for c in checks)
dup = sum(max(0, c["found"] - c["expected"]) for c in checks)
rec = next((c["found"] for c in checks if c["check"].startswith("acknowledged calls")), 0)
inc = next((c["found"] for c in checks if c["check"].startswith("opened incidents")), 0)
cred = next((c["found"] for c in checks if c["check"].startswith("dispatched incidents credited")), 0)
alerts = next((c["found"] for c in checks if c["check"].startswith("enterprise alerts")), 0)
ok = r.get("verification", {}).get("passed", False)
print(f"{'PASS' if ok else 'FAIL'} calls sent {r['calls']}, acknowledged {r['acked']}, recorded {rec} (resent {r['retries']}); "
      f"incidents {inc}, credited {cred}, alerts {alerts}; lost {lost}, duplicated {dup}; {r['ackRate']:.0f} calls/s acknowledged")
PY
)
  figure "load $name: ${line#* }"
  [ "$rc" -eq 0 ] && [ "${line%% *}" = PASS ] || fail "load $name: verification failed (exit $rc): $(grep -A8 '^verification' "$WORK/load-$name.log")"
}

cid=$(container "$KILL_SERVICE")
restarts=$(docker inspect -f '{{.RestartCount}}' "$cid")
start_load kill "$KILL_CALLS"
waitfor 90 "load (kill) sending" sending kill $((KILL_CALLS / 4))
# The crash: SIGKILL to the service's process from outside, as an OOM kill or a fault looks to the
# engine. (`docker kill` itself is an operator's stop for Docker 20.10: it marks the container
# manually stopped, and no restart policy, not even `always`, restarts it.)
pid=$(docker inspect -f '{{.State.Pid}}' "$cid")
[ "${pid:-0}" -gt 1 ] 2>/dev/null || fail "$KILL_SERVICE has no running process (pid '$pid')"
say "SIGKILL to $KILL_SERVICE (pid $pid) mid-load ($(recorded kill) of $KILL_CALLS calls recorded)"
t=$SECONDS
kill -KILL "$pid" || fail "kill -KILL $pid ($KILL_SERVICE)"
back() { [ "$(docker inspect -f '{{.RestartCount}} {{.State.Running}}' "$cid")" = "$((restarts + 1)) true" ]; }
waitfor 60 "$KILL_SERVICE restarted by its restart policy" back
wait_healthy 120 "$KILL_SERVICE"
figure "$KILL_SERVICE killed (SIGKILL) → restarted by the policy and healthy again in $((SECONDS - t)) s"
kill -0 "$LOAD_PID" 2>/dev/null && say "the load was still running when $KILL_SERVICE was back"
finish_load kill "$KILL_CALLS"

# --- 5. rolling restart of every service, under load ---------------------------------------------------------
start_load roll "$ROLL_CALLS"
waitfor 90 "load (roll) sending" sending roll 100
t=$SECONDS
for s in "${SERVICES[@]}"; do
  old=$(container "$s")
  timeout 120 "${DC[@]}" up -d --no-build --no-deps --force-recreate "$s" >>"$WORK/roll.log" 2>&1 || fail "recreating $s: $(tail -n 3 "$WORK/roll.log")"
  [ "$(container "$s")" != "$old" ] || fail "$s was not recreated"
  wait_healthy 120 "$s"
  say "  $s recreated and healthy ($((SECONDS - t)) s in; $(recorded roll) of $ROLL_CALLS calls recorded)"
done
ROLL_SECONDS=$((SECONDS - t))
under="under load"
kill -0 "$LOAD_PID" 2>/dev/null || under="NOT entirely under load (the load had ended: raise CT_ROLL_CALLS)"
figure "rolling restart of all four services in $ROLL_SECONDS s, $under"
finish_load roll "$ROLL_CALLS"
[ "$under" = "under load" ] || fail "the rolling restart outlasted the load"

# What Prometheus would scrape (after the loads, so that the metrics made on first use exist):
# every metric name the running services export, compared with
# deploy/prometheus/metrics.txt (the names the alert rules and the Grafana dashboard may use).
: >"$WORK/metrics.prom"
for port in 8101 8201 8301 8401; do
  curl -fsS "http://127.0.0.1:$P$port/metrics" >>"$WORK/metrics.prom" || fail "GET 127.0.0.1:$P$port/metrics"
done
sed -nE 's/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-z]+).*/\1 \2/p' "$WORK/metrics.prom" | sort -u >"$WORK/metrics-live.txt"
mkdir -p "$(dirname "$FIGURES")" && cp "$WORK/metrics-live.txt" "$(dirname "$FIGURES")/metrics-live.txt"
python3 scripts/check_metrics.py --compare "$WORK/metrics-live.txt" || fail "deploy/prometheus/metrics.txt and the running services disagree"

# --- 6. volumes: down/up keeps the data, down -v removes it ----------------------------------------------------
counts() {
  local s
  for s in "${SERVICES[@]}"; do
    printf '%s ' "$s"; curl -fsS "${AUTH[@]}" "http://127.0.0.1:$P$(case $s in intake) echo 8101;; dispatch) echo 8201;; scoring) echo 8301;; liaison) echo 8401;; esac)/v1/stats" | python3 -c '
import json, sys
d = json.load(sys.stdin)
# What the volume holds; not what the clock changes (breached timers, the queue, pending work).
print(" ".join(f"{k}={v}" for k, v in sorted(d.items()) if isinstance(v, (int, float)) and not isinstance(v, bool)
               and not k.startswith(("breaches_", "queue", "pending"))))'
  done
  echo "calls kill=$(recorded kill) roll=$(recorded roll)"
}
# The services' logs and the loads' reports stay in .build/container-test/ for a look afterwards.
timeout 60 "${DC[@]}" logs --no-color >"$WORK/compose.log" 2>&1
cp "$WORK/compose.log" "$WORK"/load-*.log "$(dirname "$FIGURES")/" 2>/dev/null
before=$(counts) || fail "reading /v1/stats before down"
timeout 120 "${DC[@]}" down -t 20 >>"$WORK/down.log" 2>&1 || fail "compose down"
[ "$(volumes | wc -l)" -eq ${#SERVICES[@]} ] || fail "volumes after down: $(volumes | tr '\n' ' ') (expected ${#SERVICES[@]})"
t=$SECONDS
timeout 300 "${DC[@]}" up -d --no-build >>"$WORK/up.log" 2>&1 || fail "compose up after down: $(tail -n 5 "$WORK/up.log")"
wait_healthy 240
figure "down → up (data kept) → all healthy in $((SECONDS - t)) s"
after=$(counts) || fail "reading /v1/stats after up"
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") >&2
  fail "the services' data differ across down/up"
fi
say "down then up kept every service's data: $(echo "$after" | tail -n 1)"
timeout 120 "${DC[@]}" down -v -t 20 >>"$WORK/down.log" 2>&1 || fail "compose down -v"
[ -z "$(volumes)" ] || fail "down -v left volumes: $(volumes | tr '\n' ' ')"
say "down -v removed every volume"
[ "$(sysctl -n net.ipv4.ip_forward)" = 0 ] || fail "net.ipv4.ip_forward became 1 during the test"

figure "container test passed in $((SECONDS - START)) s"
