# syntax=docker/dockerfile:1
#
# nfv-records container image.
#
#   docker build -t nfv-records .
#   docker run -p 4012:4012 -v nfv-data:/data nfv-records                     # embedded store in /data
#   docker run -p 4012:4012 -e MONGO_URI=mongodb://mongo:27017 nfv-records    # a real MongoDB
#
# Or `docker compose up` (docker-compose.yml) for the service beside a MongoDB.

# ---- build: a static binary (CGO off: the SQLite driver, modernc.org/sqlite, is pure Go)
# GO_VERSION is go.mod's go line: bump them together. The golang images set
# GOTOOLCHAIN=local, so an older image fails with "go.mod requires go >= ...".
ARG GO_VERSION=1.26.8
ARG ALPINE_VERSION=3.22

FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Modules first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
# -buildvcs=false: .git is not in the context (.dockerignore) and the image has no git.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -buildvcs=false -ldflags='-s -w' -o /out/nfv-records .

# ---- run: alpine, for busybox wget in the HEALTHCHECK (distroless has no shell
# or HTTP client, and main.go has no probe mode). Runs as a non-root user.
FROM alpine:${ALPINE_VERSION}
# /data must exist, owned by the user, before VOLUME: a new named volume
# starts as a copy of it, with that owner.
RUN addgroup -S -g 10001 nfv \
 && adduser -S -D -H -u 10001 -G nfv -h /data -s /sbin/nologin nfv \
 && mkdir -p /data \
 && chown nfv:nfv /data \
 && chmod 0750 /data
COPY --from=build /out/nfv-records /usr/local/bin/nfv-records
ENV LISTEN_ADDR=:4012 \
    DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 4012
# /readyz is 200 while the database answers, 503 otherwise (busybox wget exits 1
# on any HTTP error); it needs no credentials. The port follows LISTEN_ADDR
# (":4012", "0.0.0.0:8080", ...), the scheme TLS_CERT_FILE (HTTPS on the same
# port; the probe does not check the certificate, which names the service's
# public host, not 127.0.0.1). start-period covers the embedded store's first
# start and MongoDB coming up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD if [ -n "$TLS_CERT_FILE" ]; then u="https"; f="--no-check-certificate"; else u="http"; f=""; fi; \
        wget -q $f -O /dev/null "$u://127.0.0.1:${LISTEN_ADDR##*:}/readyz" || exit 1
# SIGTERM (docker stop) triggers the graceful shutdown; SHUTDOWN_TIMEOUT (8s by
# default) stays below docker's 10s stop timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/nfv-records"]
