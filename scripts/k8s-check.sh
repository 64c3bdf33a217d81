#!/usr/bin/env bash
# `make k8s-check`: the Kubernetes manifests (deploy/k8s), checked offline with no cluster.
#   1. kubernetes-validate (PyPI, in the project's Python env: scripts/requirements-test.txt)
#      validates every resource strictly (unknown fields fail) against the newest Kubernetes
#      schemas the package bundles. As root it runs in a network namespace of its own with no
#      network at all, which proves it downloads nothing.
#   2. scripts/check_k8s.py: what a schema cannot see (every kustomization's resources exist and
#      every manifest is in one; each service has its StatefulSet with a volume claim, probes on
#      /healthz and /readyz, requests and limits, a read-only root filesystem, its three Services
#      with matching ports; every PRECINCT_* variable set is one the executables read; the two
#      layouts' shared environments differ only in the dispatch endpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/pyenv.sh
PY=.build/pyenv/bin/python
KV=.build/pyenv/bin/kubernetes-validate
# The newest Kubernetes version whose schemas the package ships (folders vX.Y.Z-local-strict).
schemas=$("$PY" -c 'import kubernetes_validate, os; print(os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema"))')
version=$(ls "$schemas" | sed -nE 's/^v([0-9]+\.[0-9]+\.[0-9]+)-local-strict$/\1/p' | sort -V | tail -n 1)
[ -n "$version" ] || { echo "k8s-check: no bundled schemas found in $schemas" >&2; exit 1; }
mapfile -t files < <(find deploy/k8s -name '*.yaml' ! -name kustomization.yaml | sort)
offline=()
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
  offline=(unshare -n)
fi
"${offline[@]}" "$KV" --strict --quiet -k "$version" "${files[@]}"
echo "k8s-check: ${#files[@]} manifests valid (strict) against Kubernetes $version's schemas${offline:+, with no network}"
"$PY" scripts/check_k8s.py
