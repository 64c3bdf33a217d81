#!/usr/bin/env python3
"""Every metric the alert rules and the Grafana dashboard name is one that exists.

The services' metrics are listed in deploy/prometheus/metrics.txt (one name a line, with its
type), as read from /metrics of the running containers by `make container-test`, which fails when
the list and the services disagree. Besides those, only a few metrics of standard tools may be
named: Prometheus's `up`, the blackbox exporter's `probe_success`, kube-state-metrics'
`kube_pod_status_ready`.

  check_metrics.py                      check the rules and the dashboard against metrics.txt
  check_metrics.py --compare FILE       also compare metrics.txt with FILE ("name type" lines read
                                        from /metrics of the running services)
"""
import json
import os
import re
import sys

import_yaml = None
try:
    import yaml as import_yaml
except ImportError:
    pass

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LIST = os.path.join(ROOT, "deploy", "prometheus", "metrics.txt")
RULES = os.path.join(ROOT, "deploy", "prometheus", "precinct-alerts.yml")
DASHBOARDS = os.path.join(ROOT, "deploy", "grafana")
STANDARD = {"up", "probe_success", "kube_pod_status_ready"}
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}


def exported():
    names = set()
    for line in open(LIST):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, kind = (line.split() + ["untyped"])[:2]
        names.add(name)
        names |= {name + s for s in SUFFIXES.get(kind, ())}
    return names


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers that are not functions, keywords or labels."""
    expr = re.sub(r"\{[^}]*\}", "", expr)          # label matchers
    expr = re.sub(r'"[^"]*"', "", expr)           # strings
    expr = re.sub(r"\[[^\]]*\]", "", expr)         # ranges
    expr = re.sub(r"\boffset\s+\S+", "", expr)     # offsets
    expr = re.sub(r"\b\d+(\.\d+)?([smhdwy]|ms)?\b", "", expr)   # numbers and durations
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        word = m.group(0)
        rest = expr[m.end():].lstrip()
        if rest.startswith("("):
            continue                               # a function or aggregation
        if word in {"and", "or", "unless", "offset", "bool", "vector", "inf", "nan"}:
            continue
        names.add(word)
    return names


def exprs_of_rules():
    if import_yaml is None:
        text = open(RULES).read()
        return [(f"rule {i}", e.strip()) for i, e in enumerate(re.findall(r"^\s*expr:\s*(.+)$", text, re.M))]
    doc = import_yaml.safe_load(open(RULES))
    return [(f"alert {r['alert']}", r["expr"]) for g in doc["groups"] for r in g["rules"]]


def exprs_of_dashboards():
    out = []
    for f in sorted(os.listdir(DASHBOARDS)):
        if not f.endswith(".json"):
            continue
        try:
            d = json.load(open(os.path.join(DASHBOARDS, f)))
        except json.JSONDecodeError as e:
            sys.exit(f"check-metrics: deploy/grafana/{f} is not valid JSON: {e}")
        for key in ("title", "panels", "uid", "schemaVersion"):
            if key not in d:
                sys.exit(f"check-metrics: deploy/grafana/{f} has no '{key}': not a Grafana dashboard")

        def walk(panels):
            for p in panels:
                for t in p.get("targets", []):
                    out.append((f"{f}: panel '{p.get('title')}'", t["expr"]))
                walk(p.get("panels", []))
        walk(d["panels"])
    return out


def main():
    known = exported() | STANDARD
    errors = []
    rules, panels = exprs_of_rules(), exprs_of_dashboards()
    for where, expr in rules + panels:
        names = metric_names(expr)
        if not names:
            errors.append(f"{where}: names no metric: {expr}")
        for n in sorted(names - known):
            errors.append(f"{where}: {n} is not a metric the services export (deploy/prometheus/metrics.txt)")
    if len(sys.argv) == 3 and sys.argv[1] == "--compare":
        listed = {l.split()[0] for l in open(LIST) if l.strip() and not l.startswith("#")}
        live = {l.split()[0] for l in open(sys.argv[2]) if l.strip()}
        source = ""
        for base in ("Shared", "Services"):
            for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
                source += "".join(open(os.path.join(dirpath, f)).read() for f in files if f.endswith(".swift"))
        lazy = []
        for n in sorted(listed - live):
            # swift-metrics makes a metric on its first use (a dead letter, a breached timer): one
            # the running set has not exported yet must at least be named in the code.
            if f'"{n}"' in source:
                lazy.append(n)
            else:
                errors.append(f"metrics.txt lists {n}, which no running service exports and the code does not name")
        if lazy:
            print(f"check-metrics: not exported yet by the running set (made on first use, named in the code): {' '.join(lazy)}")
        for n in sorted(live - listed):
            errors.append(f"the services export {n}, missing from deploy/prometheus/metrics.txt")
    if errors:
        for e in errors:
            print(f"check-metrics: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"check-metrics: {len(rules)} alert expressions and {len(panels)} dashboard queries name only exported metrics")


main()
