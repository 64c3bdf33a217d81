#!/usr/bin/env bash
# `make fuzz-api`: schemathesis against every service's OpenAPI document (GET /openapi.json), as
# anonymous and as each role: no 5xx, and every answer (4xx included) in the documented shape.
# Starts the four services on loopback (ipc:// bus, ephemeral HTTP ports) in a temporary folder
# with a token-signing key made here, and stops them at the end.
set -uo pipefail
BIN=${1:-.build/debug}
PY=.build/pyenv/bin
EXAMPLES=${FUZZ_EXAMPLES:-25}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/precinct-fuzz.XXXX")
DATA="$WORK/data"
mkdir -p "$DATA"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL fuzz-api: $*" >&2; exit 1; }
[ -x "$PY/schemathesis" ] || [ -x "$PY/st" ] || fail "schemathesis is missing from .build/pyenv (make pyenv)"
ST="$PY/schemathesis"; [ -x "$ST" ] || ST="$PY/st"

"$BIN/precinct" tokens key --out "$WORK/token.key" >/dev/null || fail "precinct tokens key"
export PRECINCT_TOKEN_KEY="$WORK/token.key"
services=(intake dispatch scoring liaison)
for s in "${services[@]}"; do
  args=(--data-dir "$DATA" --http-port 0 --log-level warning --bind-pub "ipc://$WORK/$s.pub" --bind-router "ipc://$WORK/$s.router"
        --bind-integrators "ipc://$WORK/$s.integrators")
  for p in "${services[@]}"; do [ "$p" = "$s" ] || args+=("--$p-pub" "ipc://$WORK/$p.pub" "--$p-router" "ipc://$WORK/$p.router"); done
  "$BIN/precinct-$s" "${args[@]}" >"$WORK/$s.log" 2>&1 &
  pids+=($!)
done
url() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$DATA/$1.endpoints.json" 2>/dev/null; }
for s in "${services[@]}"; do
  for _ in $(seq 1 600); do [ -n "$(url "$s")" ] && "$BIN/precinct" healthcheck "$(url "$s")" >/dev/null 2>&1 && break; sleep 0.2; done
  "$BIN/precinct" healthcheck "$(url "$s")" >/dev/null 2>&1 || fail "$s not ready (log: $(tail -n 3 "$WORK/$s.log"))"
done

roles=(anonymous call-taker dispatcher field-unit supervisor liaison-officer analyst integrator operator)
reader=$("$BIN/precinct" tokens issue --key "$PRECINCT_TOKEN_KEY" --subject fuzz-reader --role operator --ttl 1h)
failed=0
for s in "${services[@]}"; do
  base=$(url "$s")
  curl -fsS -H "Authorization: Bearer $reader" "$base/openapi.json" -o "$WORK/$s.openapi.json" || fail "GET $base/openapi.json"
  for role in "${roles[@]}"; do
    header=()
    if [ "$role" != anonymous ]; then
      extra=(); [ "$role" = field-unit ] && extra=(--unit U-fuzz)
      token=$("$BIN/precinct" tokens issue --key "$PRECINCT_TOKEN_KEY" --subject "fuzz-$role" --role "$role" "${extra[@]}" --ttl 1h)
      header=(-H "Authorization: Bearer $token")
    fi
    # not_a_server_error: no 5xx; response_schema_conformance / status_code_conformance: every
    # answer, 401 and 403 included, is documented and in the documented (error) shape.
    if ! "$ST" run "$WORK/$s.openapi.json" --url "$base" "${header[@]}" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
        --max-examples "$EXAMPLES" --phases examples,fuzzing --no-color >"$WORK/$s-$role.txt" 2>&1; then
      echo "fuzz-api: $s as $role: FAILED"; tail -n 40 "$WORK/$s-$role.txt"; failed=1
    else
      echo "fuzz-api: $s as $role: $(grep -E 'passed|Test cases' "$WORK/$s-$role.txt" | tail -n 1)"
    fi
  done
done
[ $failed -eq 0 ] || fail "schemathesis found problems (KEEP=1 keeps $WORK)"
echo "fuzz-api: every service's OpenAPI document fuzzed as anonymous and as each role: no 5xx, every answer in its documented shape"
