#!/usr/bin/env bash
# `make prom-check`: what an operator watches, checked offline.
#   - promtool (Debian's `prometheus` package, installed with --no-install-recommends when missing)
#     checks both scrape configurations (compose, Kubernetes) and the alert rules, and runs the
#     rules' unit tests (deploy/prometheus/tests);
#   - scripts/check_metrics.py: the Grafana dashboard is well-formed JSON, and every metric the
#     dashboard and the rules name is one the services export (deploy/prometheus/metrics.txt, which
#     `make container-test` compares with /metrics of the running containers).
# Skipped with one line when promtool is missing and cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "prom-check: installing Debian's prometheus package (for promtool)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >/dev/null 2>&1 || true
  fi
  command -v promtool >/dev/null 2>&1 || { echo "SKIP prom-check: no promtool (install Debian's prometheus package)"; exit 0; }
fi
P=deploy/prometheus
for c in "$P/prometheus.yml" "$P/prometheus-k8s.yml"; do
  promtool check config "$c" >/dev/null || { promtool check config "$c"; exit 1; }
done
promtool check rules "$P/precinct-alerts.yml" >/dev/null || { promtool check rules "$P/precinct-alerts.yml"; exit 1; }
out=$(promtool test rules "$P"/tests/*.test.yml 2>&1) || { echo "$out"; exit 1; }
rules=$(grep -c '^ *- alert:' "$P/precinct-alerts.yml")
tests=$(grep -c 'alertname:' "$P"/tests/*.test.yml)
echo "prom-check: promtool $(promtool --version 2>&1 | sed -nE 's/.*version ([0-9.]+).*/\1/p' | head -n 1): 2 scrape configs and $rules alert rules valid; promtool test rules: $tests alert expectations pass"
python3 scripts/check_metrics.py
