# Precinct — the two commands: `make up` and `make test`. Everything else is a helper.
SHELL := /bin/bash
SWIFT ?= swift
BIN := .build/debug
RELEASE_BIN := .build/release

.PHONY: up test deps build build-release bench chaos compose-check clean help

help:
	@echo "make up      install what is missing, build, start the four services on loopback, run the demo"
	@echo "make test    install what is missing, build, run every test"
	@echo "make bench   release build, load the set, write BENCHMARKS.md"
	@echo "make chaos   a long kill -9 run under load; prints lost/duplicated counts"

## Installs the system packages the build needs (libzmq3-dev, SQLite headers, pkg-config) when missing.
deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

build-release: deps
	$(SWIFT) build -c release

up: build
	@bash scripts/up.sh $(BIN)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: build-release
	@bash scripts/bench.sh $(RELEASE_BIN)

chaos: build-release
	@bash scripts/chaos.sh $(RELEASE_BIN)

clean:
	rm -rf .build .data
