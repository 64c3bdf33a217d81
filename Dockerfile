# syntax=docker/dockerfile:1
# Precinct: one image holding all five executables (precinct-intake, -dispatch, -scoring,
# -liaison and the precinct CLI). Compose, or any orchestrator, picks the service with the
# container's command, and scales each service on its own: scaling is per container, not per image.
#
# Why one image: one build instead of five (the services share almost all their code, so five
# images would be five copies of the same statically linked Swift runtime and modules), one set of
# layers to ship and scan, one tag that pins a consistent set, and the `precinct` CLI — the
# container health check (`precinct healthcheck`) and operator tools (`tail`, `load`) — is in every
# container. Nothing else differs between the services.
#
# A single-service image, when wanted (e.g. to keep the CLI's libcurl out of it), is a build
# argument away; the CLI stays in, since the health check needs it:
#   docker build -t precinct .                                                  # all five
#   docker build --build-arg PRODUCTS="precinct-dispatch precinct" -t precinct-dispatch .
#   docker run --rm precinct precinct-intake --help
#
# Data: /data (a volume: the service's SQLite file and its endpoints file). City: /app/cities/demo;
# mount your own city folder and set PRECINCT_CITY. Configuration: PRECINCT_* environment only
# (README.md, "Deploy"). Runs as the unprivileged user 10001.

# The toolchain the developers and CI use (Swift 6.3); bookworm to match the runtime image's libraries.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
ARG PRODUCTS="precinct-intake precinct-dispatch precinct-scoring precinct-liaison precinct"
# Build-time headers only; versions come from the pinned base image's Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq3-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them. Package.resolved pins them when the
# build context has it (the glob copies it if present and does not fail if it is not).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
# SwiftPM needs every declared target's folder, the test targets' too (they are not built here).
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
# --static-swift-stdlib: the runtime image needs no Swift toolchain, only the C libraries below.
RUN set -eu; mkdir -p /out; \
    for p in ${PRODUCTS}; do swift build -c release --static-swift-stdlib --product "$p"; done; \
    bin="$(swift build -c release --show-bin-path)"; \
    for p in ${PRODUCTS}; do install -m 0755 "$bin/$p" /out/; done

FROM ${RUNTIME_IMAGE}
# Only what the binaries link against: libzmq5 (with libsodium, for CURVE), SQLite, and libcurl
# for the CLI's HTTP client (Foundation's URLSession: health check, load); ca-certificates for
# HTTPS URLs; tzdata so event times print in the operator's zone when TZ is set.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq5 libsqlite3-0 libcurl4 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 precinct \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin precinct \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /out/ /usr/local/bin/
COPY cities /app/cities
WORKDIR /app
ENV PRECINCT_DATA_DIR=/data \
    PRECINCT_CITY=/app/cities/demo \
    PRECINCT_HTTP_HOST=0.0.0.0
# The volume is declared after /data is owned by the service user, so a new volume inherits it.
VOLUME ["/data"]
USER 10001:10001
# Ops/API HTTP ports (/healthz, /readyz, /metrics, /v1/...) and the ZeroMQ PUB/ROUTER ports, by
# service: intake 8101/7101/7102, dispatch 8201/7201/7202, scoring 8301/7301/7302,
# liaison 8401/7401/7402. Documentation only: compose decides what is published.
EXPOSE 7101 7102 8101 7201 7202 8201 7301 7302 8301 7401 7402 8401
# SIGTERM drains (readiness false, engine commits and publishes what it holds, sockets close).
STOPSIGNAL SIGTERM
CMD ["precinct", "--help"]
