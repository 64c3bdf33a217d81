# Precinct: one image holding all six executables (precinct-intake, -dispatch, -scoring,
# -liaison, -console and the precinct CLI). Compose, or any orchestrator, picks the service with the
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
# Plain Dockerfile syntax only (no `# syntax=` line, no RUN --mount): it builds with the legacy
# builder (DOCKER_BUILDKIT=0) and with BuildKit, with no registry reachable as long as both base
# images exist locally (scripts/container-test.sh makes them offline; README "Deploy").
#
# Data: /data (a volume: the service's SQLite file and its endpoints file). City: /app/cities/demo;
# mount your own city folder and set PRECINCT_CITY. Configuration: PRECINCT_* environment only
# (README.md, "Deploy"). Runs as the unprivileged user 10001 and needs no writable path but /data
# (and /tmp for SQLite's temporary files): run it with a read-only root filesystem.

# The toolchain the developers and CI use (Swift 6.3); bookworm to match the runtime image's libraries.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# Build-time headers only; versions come from the pinned base image's Debian release.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq3-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not resolve them again. Package.resolved pins them when
# the build context has it (the glob copies it if present and does not fail if it is not).
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
# Then the whole build context (.dockerignore keeps out build products, data, VCS, docs and
# deployment files): SwiftPM needs every declared target's folder, test and example targets
# included, and a restructure that moves or adds top-level folders needs no change here.
COPY . .
# One release build of every product; --static-swift-stdlib: the runtime image needs no Swift
# toolchain, only the C libraries below.
ARG PRODUCTS="precinct-intake precinct-dispatch precinct-scoring precinct-liaison precinct-console precinct"
# Product by product, not `swift build` of everything: the package also holds test-support
# targets (Swift Testing), which a static-stdlib build cannot compile and an image does not need.
RUN set -eu; \
    for p in ${PRODUCTS}; do swift build -c release --static-swift-stdlib --product "$p"; done; \
    bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"; \
    mkdir -p /out; \
    for p in ${PRODUCTS}; do install -m 0755 "$bin/$p" /out/; done
# No symbols or debug information in the runtime image: ≈ 135 MB → ≈ 77 MB a binary (most of
# what remains is the static Swift runtime and Foundation's ICU data, in each of the five).
RUN strip /out/*

FROM ${RUNTIME_IMAGE}
# Only what the binaries link against: libzmq5 (with libsodium, for CURVE), SQLite, and libcurl
# for the CLI's HTTP client (Foundation's URLSession: health check, load); ca-certificates for
# HTTPS URLs; tzdata so event times print in the operator's zone when TZ is set.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq5 libsqlite3-0 libcurl4 ca-certificates tzdata \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 precinct \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin precinct \
 && mkdir -p /data \
 && chown 10001:10001 /data
COPY --from=build /out/ /usr/local/bin/
COPY cities /app/cities
# The console's web app (HTML, CSS, JavaScript modules), served by precinct-console.
COPY Services/Console/Web /app/console-web
WORKDIR /app
ENV PRECINCT_DATA_DIR=/data \
    PRECINCT_CITY=/app/cities/demo \
    PRECINCT_HTTP_HOST=0.0.0.0 \
    PRECINCT_CONSOLE_WEB=/app/console-web
# The volume is declared after /data is owned by the service user, so a new volume inherits it.
VOLUME ["/data"]
USER 10001:10001
# Ops/API HTTP ports (/healthz, /readyz, /metrics, /v1/...) and the ZeroMQ PUB/ROUTER ports, by
# service: intake 8101/7101/7102, dispatch 8201/7201/7202, scoring 8301/7301/7302,
# liaison 8401/7401/7402 (+ 7403, the integrator gateway), the console 8501. Documentation only: compose or the
# orchestrator decides what is published.
EXPOSE 7101 7102 8101 7201 7202 8201 7301 7302 8301 7401 7402 7403 8401 8501
# The default health check asks the service's own /readyz: PRECINCT_HEALTH_URL when set, else the
# PRECINCT_HTTP_PORT the service listens on (compose and Kubernetes give their own checks/probes).
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/bin/sh", "-c", "precinct healthcheck \"${PRECINCT_HEALTH_URL:-http://127.0.0.1:${PRECINCT_HTTP_PORT:-8101}}\" >/dev/null"]
# SIGTERM drains (readiness false, engine commits and publishes what it holds, sockets close).
STOPSIGNAL SIGTERM
CMD ["precinct", "--help"]
