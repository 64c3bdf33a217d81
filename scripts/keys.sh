#!/usr/bin/env bash
# `make keys`: everything a secured deployment needs, into a secrets folder (git-ignored):
#   curve/<service>.key   each service's CURVE key pair (mode 0600)
#   curve/keyring         every public key with its role (mounted read-only by every service)
#   token-signing.key     the key that signs and checks HTTP bearer tokens (docs/security.md)
#   personal-data.key     intake's secret for callers' keyed hashes (repeat-call detection after redaction)
# Refuses to replace what exists: new keys mean every peer and every token must change.
set -euo pipefail
BIN=${1:-.build/debug}
OUT=${2:-secrets}
if [ -e "$OUT/token-signing.key" ] || [ -e "$OUT/curve/keyring" ]; then
  echo "$OUT already holds keys; move it away to make new ones" >&2
  exit 1
fi
mkdir -p "$OUT/curve"
chmod 700 "$OUT"
{
  echo "# made by make keys on $(date -u +%Y-%m-%dT%H:%M:%SZ): <name> <role> <public key> [topic prefixes]"
  for s in intake dispatch scoring liaison; do
    "$BIN/precinct" keys generate "$s" --role service --dir "$OUT/curve"
  done
  # The operator's own tools (precinct tail, load) connect as an operator key.
  "$BIN/precinct" keys generate operator --role operator --dir "$OUT/curve"
  # The console follows every service (replaying their outboxes, as an operator may); docs/console.md.
  "$BIN/precinct" keys generate console --role operator --dir "$OUT/curve"
} > "$OUT/curve/keyring"
"$BIN/precinct" tokens key --out "$OUT/token-signing.key" >/dev/null
# Same form (256 random bits, base64, 0600): the HMAC key of callers' phones.
"$BIN/precinct" tokens key --out "$OUT/personal-data.key" >/dev/null
# Compose bind-mounts secrets as they are: the image's user (10001) must own them to read them.
if [ -n "${PRECINCT_SECRETS_OWNER:-}" ]; then chown -R "$PRECINCT_SECRETS_OWNER" "$OUT"; fi
echo "wrote $OUT/curve/{intake,dispatch,scoring,liaison,operator,console}.key, $OUT/curve/keyring, $OUT/token-signing.key and $OUT/personal-data.key"
echo "issue a token: $BIN/precinct tokens issue --key $OUT/token-signing.key --subject <you> --role <role>"
