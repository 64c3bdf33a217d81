#!/usr/bin/env bash
# Two builds end to end, in interleaved rounds (A B A B …) so that a change in the machine's load
# falls on both: runs bench/quick.sh on each directory of binaries ROUNDS times and prints every
# round's CPU per call by service, then the medians.
#   bash bench/quick-compare.sh /tmp/before /tmp/after [ROUNDS=3] [CALLS=5000]
set -euo pipefail
A=$1
B=$2
ROUNDS=${3:-3}
CALLS=${4:-5000}
here=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d /tmp/precinct-quick-compare.XXXXXX)
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    bin=$A
    [ "$side" = B ] && bin=$B
    bash "$here/quick.sh" "$bin" "$CALLS" "$OUT/$side.$r" > "$OUT/$side.$r.log" 2>&1
    grep -q "→ PASS" "$OUT/$side.$r.log" || { echo "round $r $side: verification did not pass (see $OUT/$side.$r.log and its data)"; exit 1; }
    # A passed run's figures are in its log and cpu.txt; its databases (hundreds of MB at 20,000
    # calls) would fill the disk over a few comparisons.
    rm -rf "$OUT/$side.$r/data"
    printf '%s round %s: %s\n' "$side" "$r" "$(grep -E '^  (intake|dispatch|scoring|liaison|all four):' "$OUT/$side.$r/cpu.txt" | sed -E 's/^  ([a-z ]+): .* ([0-9]+) µs per call.*/\1 \2/' | paste -sd' ')"
  done
done
python3 - "$OUT" "$ROUNDS" "$A" "$B" <<'PY'
import re, statistics, sys
out, rounds, a, b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
services = ["intake", "dispatch", "scoring", "liaison", "all four"]
def per(side):
    rows = {s: [] for s in services}
    for r in range(1, rounds + 1):
        for line in open(f"{out}/{side}.{r}/cpu.txt"):
            m = re.match(r"\s+([a-z ]+): .* (\d+) µs per call", line)
            if m and m.group(1) in rows: rows[m.group(1)].append(int(m.group(2)))
    return {s: statistics.median(v) for s, v in rows.items()}
ma, mb = per("A"), per("B")
print(f"median µs of CPU per call over {rounds} rounds — A: {a}, B: {b}")
for s in services:
    print(f"  {s:9} {ma[s]:7.0f} → {mb[s]:7.0f}  ({100 * (mb[s] - ma[s]) / ma[s]:+.0f} %)")
PY
