# One image holding all five executables (precinct-intake, -dispatch, -scoring, -liaison and the
# precinct CLI); compose picks the service with `command:`. One build instead of five, one set of
# layers to ship and scan, and the healthcheck tool is in every container.
#
#   docker build -t precinct .
#   docker run --rm precinct precinct-intake --help

ARG SWIFT_IMAGE=swift:6.2-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq3-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Shared ./Shared
COPY Services ./Services
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib \
 && mkdir -p /out \
 && for p in precinct-intake precinct-dispatch precinct-scoring precinct-liaison precinct; do \
      cp "$(swift build -c release --show-bin-path)/$p" /out/; \
    done

FROM ${RUNTIME_IMAGE}
# libzmq5 (with libsodium for CURVE), SQLite, and libcurl for the CLI's HTTP client.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzmq5 libsqlite3-0 libcurl4 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin precinct \
 && mkdir -p /data && chown precinct /data
COPY --from=build /out/ /usr/local/bin/
COPY cities /app/cities
WORKDIR /app
USER precinct
VOLUME ["/data"]
ENV PRECINCT_DATA_DIR=/data \
    PRECINCT_CITY=/app/cities/demo \
    PRECINCT_HTTP_HOST=0.0.0.0
CMD ["precinct", "--help"]
