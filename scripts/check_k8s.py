#!/usr/bin/env python3
"""What `make k8s-check` checks beyond the Kubernetes schemas (scripts/k8s-check.sh runs both).

- every kustomization's resources exist, and every manifest under deploy/k8s is in one;
- each of the two layouts (deploy/k8s and examples/dispatch-by-region) has, for each service
  instance, a StatefulSet with one replica, a volume claim template mounted at /data, liveness on
  /healthz and readiness on /readyz, requests and limits, a read-only root filesystem, non-root,
  and its three Services (-headless as the StatefulSet's serviceName, -bus for PUB/ROUTER with
  not-ready pods published, and the HTTP one) whose ports match the container's;
- every PRECINCT_* variable the manifests set is one the executables read;
- the bus endpoints in the shared environment name Services that exist, on their ports;
- secure by default: no PRECINCT_INSECURE, the keyring and token-signing key set in the shared
  environment and each StatefulSet's CURVE key, all files of required Secrets generated from
  what `make keys` writes (secretGenerator);
- the two layouts' shared environments differ only in PRECINCT_DISPATCH_PUB/_ROUTER, and the
  two-dispatch example sets PRECINCT_INSTANCE and PRECINCT_REGIONS on each instance.
"""
import os
import re
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
K8S = os.path.join(ROOT, "deploy", "k8s")
errors = []


def err(msg):
    errors.append(msg)


def load_kustomization(folder, seen_files):
    """All resources of a kustomization, recursively (folders are kustomizations themselves)."""
    path = os.path.join(folder, "kustomization.yaml")
    if not os.path.exists(path):
        err(f"{os.path.relpath(folder, ROOT)}: no kustomization.yaml")
        return []
    k = yaml.safe_load(open(path))
    docs = []
    for r in k.get("resources", []):
        p = os.path.normpath(os.path.join(folder, r))
        if os.path.isdir(p):
            docs += load_kustomization(p, seen_files)
        elif os.path.isfile(p):
            seen_files.add(p)
            docs += [d for d in yaml.safe_load_all(open(p)) if d]
        else:
            err(f"{os.path.relpath(path, ROOT)}: resource {r} does not exist")
    # Secrets made from files (`make keys`, git-ignored): their names and the files they hold.
    for g in k.get("secretGenerator", []):
        files = [os.path.basename(f.split("=", 1)[-1]) for f in g.get("files", [])]
        docs.append({"kind": "Secret", "metadata": {"name": g["name"]}, "generatedFiles": files})
    return docs


def executables_read():
    names = set()
    for base in ("Shared", "Services"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, base)):
            for f in files:
                if f.endswith(".swift"):
                    names |= set(re.findall(r"PRECINCT_[A-Z0-9_]+", open(os.path.join(dirpath, f)).read()))
    # Variables built from a prefix: "\(other.envPrefix)_PUB" etc.
    for peer in ("INTAKE", "DISPATCH", "SCORING", "LIAISON"):
        names |= {f"PRECINCT_{peer}_PUB", f"PRECINCT_{peer}_ROUTER"}
    return names


def check_layout(name, folder, read):
    seen = set()
    docs = load_kustomization(folder, seen)
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    services = by_kind.get("Service", {})
    sets = by_kind.get("StatefulSet", {})
    config = by_kind.get("ConfigMap", {}).get("precinct-env")
    if not config:
        err(f"{name}: no ConfigMap precinct-env")
        return seen, {}
    env = config["data"]
    for v in env:
        if v.startswith("PRECINCT_") and v not in read:
            err(f"{name}: ConfigMap sets {v}, which no executable reads")
    if not sets:
        err(f"{name}: no StatefulSet")
    for sname, s in sets.items():
        where = f"{name}: StatefulSet {sname}"
        spec = s["spec"]
        pod = spec["template"]["spec"]
        if spec.get("replicas") != 1:
            err(f"{where}: replicas must be 1 (one writer per SQLite file)")
        claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
        if not claims:
            err(f"{where}: no volumeClaimTemplates")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            err(f"{where}: not runAsNonRoot")
        (c,) = pod["containers"]
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if mounts.get("/data") not in claims:
            err(f"{where}: /data is not its volume claim")
        if not c.get("securityContext", {}).get("readOnlyRootFilesystem"):
            err(f"{where}: root filesystem not read-only")
        if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
            err(f"{where}: liveness probe is not /healthz")
        if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
            err(f"{where}: readiness probe is not /readyz")
        res = c.get("resources", {})
        if not res.get("requests") or not res.get("limits"):
            err(f"{where}: resources need requests and limits")
        cenv = {e["name"]: e.get("value") for e in c.get("env", [])}
        for v in cenv:
            if v.startswith("PRECINCT_") and v not in read:
                err(f"{where}: sets {v}, which no executable reads")
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        if cenv.get("PRECINCT_HTTP_PORT") != str(ports.get("http")):
            err(f"{where}: PRECINCT_HTTP_PORT {cenv.get('PRECINCT_HTTP_PORT')} is not the http port {ports.get('http')}")
        for key, port in (("PRECINCT_BIND_PUB", "pub"), ("PRECINCT_BIND_ROUTER", "router")):
            if cenv.get(key) != f"tcp://*:{ports.get(port)}":
                err(f"{where}: {key} {cenv.get(key)} does not bind the {port} port {ports.get(port)}")
        if spec["serviceName"] != f"{sname}-headless":
            err(f"{where}: serviceName should be {sname}-headless")
        labels = spec["template"]["metadata"]["labels"]
        for svc, want, ready_only in ((f"{sname}-headless", set(ports), False), (f"{sname}-bus", set(ports) - {"http"}, False), (sname, {"http"}, True)):
            d = services.get(svc)
            if not d:
                err(f"{where}: no Service {svc}")
                continue
            sel = d["spec"].get("selector", {})
            if any(labels.get(k) != v for k, v in sel.items()) or not sel:
                err(f"{name}: Service {svc} does not select {sname}'s pods")
            got = {p["name"]: p["port"] for p in d["spec"]["ports"]}
            if set(got) != want or any(got[n] != ports[n] for n in got):
                err(f"{name}: Service {svc} ports {got} do not match the container's {ports} (want {sorted(want)})")
            if ready_only == bool(d["spec"].get("publishNotReadyAddresses")):
                err(f"{name}: Service {svc}: publishNotReadyAddresses should be {not ready_only}")
        if "dispatch" in sname and sname != "dispatch":
            if cenv.get("PRECINCT_INSTANCE") != sname or not cenv.get("PRECINCT_REGIONS"):
                err(f"{where}: a dispatch instance needs PRECINCT_INSTANCE={sname} and PRECINCT_REGIONS")
    # The bus endpoints name existing -bus Services on their ports.
    for key, value in env.items():
        m = re.match(r"PRECINCT_(INTAKE|DISPATCH|SCORING|LIAISON)_(PUB|ROUTER)$", key)
        if not m:
            continue
        for item in value.split(","):
            endpoint = item.split("=", 1)[-1]
            mm = re.match(r"tcp://([a-z0-9-]+):(\d+)$", endpoint)
            if not mm:
                err(f"{name}: {key}: {endpoint} is not tcp://service:port")
                continue
            svc = services.get(mm.group(1))
            if not svc or int(mm.group(2)) not in [p["port"] for p in svc["spec"]["ports"]]:
                err(f"{name}: {key}: no Service {mm.group(1)} with port {mm.group(2)}")
    for ing in by_kind.get("Ingress", {}).values():
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                b = p["backend"]["service"]
                if b["name"] not in services:
                    err(f"{name}: Ingress routes {rule['host']}{p['path']} to a missing Service {b['name']}")
    if not by_kind.get("PodDisruptionBudget"):
        err(f"{name}: no PodDisruptionBudget")
    secrets = by_kind.get("Secret", {})
    if "precinct-curve" not in secrets:
        err(f"{name}: no Secret precinct-curve (CURVE keys)")
    # Secure by default: CURVE and tokens on, the keys from required Secrets `make keys` fills.
    held = {f for d in secrets.values() for f in d.get("generatedFiles", [])}
    for f in ("keyring", "token-signing.key", "personal-data.key"):
        if f not in held:
            err(f"{name}: no Secret holds {f} (make keys)")
    if "PRECINCT_INSECURE" in env:
        err(f"{name}: PRECINCT_INSECURE is set: the bus must not be plaintext")
    if env.get("PRECINCT_CURVE_KEYRING", "").split("/")[-1] != "keyring" or not env.get("PRECINCT_TOKEN_KEY", "").endswith("/token-signing.key"):
        err(f"{name}: precinct-env must set PRECINCT_CURVE_KEYRING (…/keyring) and PRECINCT_TOKEN_KEY (…/token-signing.key)")
    # Every workload (the services' StatefulSets, the console's Deployment) reads the keyring from
    # precinct-env, so each must name its own key pair in a generated Secret it mounts.
    workloads = [("StatefulSet", n, w) for n, w in sets.items()] + [("Deployment", n, w) for n, w in by_kind.get("Deployment", {}).items()]
    for kind, sname, s in workloads:
        pod = s["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        cenv = {e["name"]: e.get("value") for e in c.get("env", [])}
        key = cenv.get("PRECINCT_CURVE_KEY") or ""
        if key.split("/")[-1] not in held:
            err(f"{name}: {kind} {sname}: PRECINCT_CURVE_KEY {key!r} is not a file of the generated Secrets")
        mounted = {m["mountPath"] for m in c.get("volumeMounts", [])}
        if key and os.path.dirname(key) not in mounted:
            err(f"{name}: {kind} {sname}: PRECINCT_CURVE_KEY {key!r} is in no mounted volume")
        for v in pod.get("volumes", []):
            secret = v.get("secret")
            if secret and (secret.get("optional") or secret.get("secretName") not in secrets):
                err(f"{name}: {kind} {sname}: volume {v['name']} must be a required Secret the layout makes")
    return seen, env


read = executables_read()
seen_main, env_main = check_layout("deploy/k8s", K8S, read)
seen_ex, env_ex = check_layout("examples/dispatch-by-region", os.path.join(K8S, "examples", "dispatch-by-region"), read)
diff = {k for k in set(env_main) | set(env_ex) if env_main.get(k) != env_ex.get(k)}
if diff - {"PRECINCT_DISPATCH_PUB", "PRECINCT_DISPATCH_ROUTER"}:
    err(f"the two layouts' shared environments differ beyond the dispatch endpoints: {sorted(diff)}")
all_files = set()
for dirpath, _, files in os.walk(K8S):
    all_files |= {os.path.normpath(os.path.join(dirpath, f)) for f in files if f.endswith(".yaml") and f != "kustomization.yaml"}
for f in sorted(all_files - seen_main - seen_ex):
    err(f"{os.path.relpath(f, ROOT)} is in no kustomization")

if errors:
    for e in errors:
        print(f"k8s-check: {e}", file=sys.stderr)
    sys.exit(1)
print(
    "k8s-check: both layouts complete (StatefulSets, volume claims, probes, limits, Services, PDB, Secrets, Ingress), "
    "CURVE and tokens on with keys from required Secrets; every PRECINCT_* set is read")
