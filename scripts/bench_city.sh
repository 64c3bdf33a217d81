# Sourced by bench/quick.sh and scripts/bench.sh: which city a run uses.
#   city_dir demo   -> cities/demo (~100 units: under full load calls wait for a free unit)
#   city_dir big    -> .data/cities/big, generated now by scripts/gen_demo_city.py with
#                      BIG_DISTRICTS districts (default 12: 1,260 units), so units are not the bound
#   city_dir DIR    -> a city folder of your own
# Prints the folder as an absolute path (the services and the load generator are given the same);
# the generator's summary goes to stderr. Fails, with a message, on anything else.
city_dir() {
  local root name=${1:-demo}
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  case "$name" in
    demo) echo "$root/cities/demo" ;;
    big)
      # Regenerated every time (a few seconds, deterministic), so it never lags the generator.
      python3 "$root/scripts/gen_demo_city.py" --districts "${BIG_DISTRICTS:-12}" --out "$root/.data/cities/big" >&2 || return 1
      echo "$root/.data/cities/big" ;;
    *)
      if [ ! -f "$name/jurisdiction.json" ]; then
        echo "city '$name': not demo, big or a city folder (no jurisdiction.json there)" >&2
        return 1
      fi
      (cd "$name" && pwd) ;;
  esac
}
