# Precinct — the two commands: `make up` and `make test`. Everything else is a helper.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release
# How many process-level tests run at once (make test).
INTEGRATION_WIDTH ?= 4

.PHONY: format pyenv up test deps build build-release build-bench bench chaos compose-check dockerfile-lint deploy-check netns-test catalogue-check catalogue-lock clean help
.PHONY: keys role-table fuzz-api

help:
	@echo "make up      install what is missing, build, start the four services on loopback, run the demo"
	@echo "make test    install what is missing, build, run every test"
	@echo "make bench   release build, load the set, write BENCHMARKS.md"
	@echo "make chaos   a long kill -9 run under load; prints lost/duplicated counts"
	@echo "make compose-check     validate docker-compose.yml (no Docker engine needed)"
	@echo "make dockerfile-lint   lint the Dockerfile (hadolint from PyPI)"
	@echo "make k8s-check         validate deploy/k8s offline (kubernetes-validate) and check its consistency"
	@echo "make prom-check        promtool: deploy/prometheus config, alert rules and their unit tests; the Grafana dashboard"
	@echo "make container-test    build the image and run the compose set on a real Docker engine, under load (root; skipped otherwise)"
	@echo "make netns-test        multi-host test: one network namespace per service (root; skipped otherwise)"
	@echo "make catalogue-check   docs/asyncapi.yaml against the code's events, versioning lock, CloudEvents (needs the built CLI)"
	@echo "make catalogue-lock    record new event versions and additive schema changes in docs/schemas.lock.json"
	@echo "make console-test      the console in headless Chromium (Selenium) against the running set; screenshots in .build/console-screenshots"
	@echo "make keys              CURVE keys, keyring and the token-signing key into secrets/ (git-ignored; docs/security.md)"
	@echo "make role-table        regenerate docs/security.md's role × operation table from the running services"
	@echo "make fuzz-api          schemathesis on every service's /openapi.json, anonymous and as each role (needs the build)"

## Installs the system packages the build needs (libzmq3-dev, SQLite headers, pkg-config) when missing.
deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

build-release: deps
	$(SWIFT) build -c release

up: build
	@bash scripts/up.sh $(BIN)

# The deployment checks and the multi-host test run first; then the fast offline suite (plain
# `swift test`: no child process, no network); then the process-level tests (real executables:
# clusters, chaos, fuzzing), whose summary is the last thing `make test` prints.
test: deps pyenv
	$(SWIFT) build --build-tests
	@$(MAKE) --no-print-directory catalogue-check
	@$(MAKE) --no-print-directory deploy-check
	@$(MAKE) --no-print-directory netns-test
	@$(MAKE) --no-print-directory container-test
	@$(MAKE) --no-print-directory fuzz-api
	@# Serial: on two cores the cooperative pool has two threads, and the CPU-heavy suites (a synthetic
	@# day, a year of calendar minutes) starved the socket tests' deadlines when run alongside them
	@# (80 s, two failures); one at a time the 418 tests take ~16 s.
	$(SWIFT) test --skip-build --no-parallel
	@$(MAKE) --no-print-directory console-test
	@# At most $(INTEGRATION_WIDTH) process-level tests at once: each starts up to five processes, and with all
	@# 46 at once on two cores their deadlines measured the machine, not the code (CI, 8 timeouts).
	PRECINCT_INTEGRATION=1 $(SWIFT) test --skip-build --filter IntegrationTests --experimental-maximum-parallelization-width $(INTEGRATION_WIDTH)

## The PyPI packages some tests use (pyzmq, a CAP 1.2 parser, jsonschema ...), in .build/pyenv.
pyenv:
	@bash scripts/pyenv.sh

## Every handled event type in its core's appliedTypes (scripts/check_applied_types.py); the event catalogue (docs/asyncapi.yaml, docs/integrators.md): every example of `precinct catalogue`
## validated, the versioning rules against docs/schemas.lock.json, the CloudEvents mapping; then the
## checker's own tests. Builds nothing: it uses the CLI the build left in $(BIN).
catalogue-check: pyenv
	@python3 scripts/check_applied_types.py
	@.build/pyenv/bin/python scripts/check_catalogue.py --precinct $(BIN)/precinct
	@PRECINCT_BIN=$(BIN)/precinct .build/pyenv/bin/python -m unittest discover -s scripts -p 'test_check_catalogue.py'

## Adds new (type, version) schemas and additive changes to docs/schemas.lock.json; refuses breaking ones.
catalogue-lock: pyenv
	@.build/pyenv/bin/python scripts/check_catalogue.py --precinct $(BIN)/precinct --update-lock

## Secrets for a deployment (docs/security.md): a CURVE key pair per service, the keyring, and the
## token-signing key, into secrets/ (git-ignored). Refuses to replace existing keys.
SECRETS ?= secrets
keys: build
	@bash scripts/keys.sh $(BIN) $(SECRETS)

## docs/security.md's role table, generated from the roles the running services declare (the
## same test, without PRECINCT_UPDATE_ROLE_TABLE, fails when the two differ).
role-table:
	$(SWIFT) build --build-tests
	PRECINCT_INTEGRATION=1 PRECINCT_UPDATE_ROLE_TABLE=1 $(SWIFT) test --skip-build --filter RoleTableTests

## schemathesis (PyPI) against every service's OpenAPI document, anonymous and as each role: no
## 5xx, every answer in its documented shape (docs/security.md). Uses the binaries in $(BIN).
fuzz-api: pyenv
	@bash scripts/fuzz-api.sh $(BIN)

## The deployment files, checked without a Docker engine or a cluster (README.md, "Deploy").
deploy-check: compose-check dockerfile-lint k8s-check prom-check

compose-check:
	@bash scripts/compose-check.sh docker-compose.yml

dockerfile-lint:
	@bash scripts/dockerfile-lint.sh

.PHONY: k8s-check prom-check container-test console-test

## The console in a real browser (headless Chromium + Selenium) against the real processes; screenshots
## of every page in .build/console-screenshots/.
console-test: pyenv
	@bash scripts/console-test.sh $(BIN)

## The Kubernetes manifests, validated offline against the bundled schemas of a current Kubernetes.
k8s-check: pyenv
	@bash scripts/k8s-check.sh

## Prometheus scrape configs, alert rules and their unit tests (promtool); the Grafana dashboard's metrics.
prom-check:
	@bash scripts/prom-check.sh

## The image built and the compose set run on a real Docker engine, offline, under load (root; skipped
## otherwise with a one-line reason). Uses the host CLI the build left in $(BIN).
container-test:
	@bash scripts/container-test.sh $(BIN)

## Each service in a network namespace of its own, a host cut off under load (needs the built binaries).
netns-test:
	@bash scripts/netns-test.sh $(BIN)

## The bench's release build has its own scratch path, so it never fights a debug build.
build-bench: deps
	$(SWIFT) build -c release --scratch-path .build-bench

bench: build-bench
	@bash scripts/bench.sh .build-bench/release

chaos: build-release
	@bash scripts/chaos.sh $(RELEASE_BIN)

## Formats every Swift file with the checked-in .swift-format (lines of at most 150 columns).
format:
	$(SWIFT) format format -i -r --parallel Shared Services Tests Examples

clean:
	rm -rf .build .data
