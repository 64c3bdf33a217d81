#!/usr/bin/env bash
# `make compose-check`: validates docker-compose.yml with no Docker engine. Debian's docker-compose
# (v1, Python) parses, merges and validates the file against the Compose schema offline
# (`config`); it is installed when missing. Then two checks of our own:
#   - every PRECINCT_* variable the file sets is one the executables read (a typo would otherwise
#     be silently ignored and the default used);
#   - the commented two-dispatch example, uncommented in place of `dispatch`, is a valid file too.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-docker-compose.yml}

if ! command -v docker-compose >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "compose-check: installing Debian's docker-compose (no engine needed for 'config')"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
  else
    echo "compose-check: docker-compose is missing and apt-get is not available: install docker-compose" >&2
    exit 1
  fi
fi

docker-compose -f "$FILE" config -q
echo "compose-check: $FILE is valid ($(docker-compose -f "$FILE" config --services | tr '\n' ' '))"

# The loopback override (deploy/compose/loopback.yml) merges over it into a valid file whose
# network publishes on 127.0.0.1 only.
if [ -f deploy/compose/loopback.yml ]; then
  docker-compose -f "$FILE" -f deploy/compose/loopback.yml config -q
  merged=$(docker-compose -f "$FILE" -f deploy/compose/loopback.yml config)
  grep -q 'com.docker.network.bridge.host_binding_ipv4: 127.0.0.1' <<<"$merged" \
    || { echo "compose-check: deploy/compose/loopback.yml no longer binds published ports to 127.0.0.1" >&2; exit 1; }
  echo "compose-check: $FILE + deploy/compose/loopback.yml is valid (published ports on 127.0.0.1 only)"
fi

unknown=0
for v in $(docker-compose -f "$FILE" config | grep -oE 'PRECINCT_[A-Z0-9_]+' | sort -u); do
  if ! grep -rqwF "$v" Shared Services; then
    echo "compose-check: $FILE sets $v, which no executable reads" >&2
    unknown=1
  fi
done
[ $unknown -eq 0 ] || exit 1
echo "compose-check: every PRECINCT_* variable it sets is read by the executables"

# The commented example: its service blocks, uncommented, replace `dispatch`; the followers get
# the two-instance endpoint lists the comment gives.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$FILE" "$tmp/two-dispatch.yml" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
try:
    start = s.index("  # dispatch-north:")
    end = s.index("  # and under `volumes:`")
    rule = s.index("  # ----")
    pub = re.search(r"#\s+(PRECINCT_DISPATCH_PUB: dispatch-north=\S+)", s).group(1)
    router = re.search(r"#\s+(PRECINCT_DISPATCH_ROUTER: dispatch-north=\S+)", s).group(1)
except (ValueError, AttributeError):
    sys.exit("compose-check: the two-dispatch example's markers are gone (see docker-compose.yml's example comment)")
services = "\n".join(("  " + l[4:]) if l.startswith("  # ") else "" for l in s[start:end].splitlines())
base = re.sub(r"\n  dispatch:\n.*?(?=\n  # scoring and liaison)", "\n", s[:rule], flags=re.S)
for condition in ("service_healthy", "service_started"):
    base = base.replace(f"dispatch: {{condition: {condition}}}",
                        f"dispatch-north: {{condition: {condition}}}\n      dispatch-south: {{condition: {condition}}}")
for port in ("8101", "8301", "8401"):
    base = base.replace(f'      PRECINCT_HTTP_PORT: "{port}"\n', f'      PRECINCT_HTTP_PORT: "{port}"\n      {pub}\n      {router}\n')
volumes = s[s.index("\nvolumes:"):].replace("  dispatch-data:\n", "") + "  dispatch-north-data:\n  dispatch-south-data:\n"
open(sys.argv[2], "w").write(base + services + "\n" + volumes)
PY
docker-compose -f "$tmp/two-dispatch.yml" --project-directory . config -q
echo "compose-check: the two-dispatch example is valid once uncommented ($(docker-compose -f "$tmp/two-dispatch.yml" --project-directory . config --services | tr '\n' ' '))"
