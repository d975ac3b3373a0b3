#!/bin/sh
# Builds the Grafana Pyroscope server that test/integration/pyroscope.test.ts
# pushes to. `go install github.com/grafana/pyroscope/cmd/pyroscope@v1.12.0`
# fails (the module's replace directives, and its nested api module is not in
# the module's zip), so this takes the module's source from the Go module
# proxy, puts the api module beside it at ./api and builds in that tree.
# About 10 minutes on 2 cores; needs ~1.6 GB of module cache and ~1 GB of
# build cache. Prints the binary's path; point FLAME_PYROSCOPE_BIN at it.
#
#   test/integration/build-pyroscope.sh [OUT_DIR]     (default /tmp/flame-pyroscope)
set -eu
VERSION=v1.12.0
API_VERSION=v1.2.0
OUT=${1:-/tmp/flame-pyroscope}
GO=${GO:-go}
command -v "$GO" >/dev/null 2>&1 || GO=/usr/local/go/bin/go
command -v "$GO" >/dev/null 2>&1 || { echo "error: Go not found: install Go 1.23 or newer, or set GO=/path/to/go" >&2; exit 1; }

moddir() { "$GO" mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p'; }
SRC_MOD=$(moddir "github.com/grafana/pyroscope@$VERSION")
API_MOD=$(moddir "github.com/grafana/pyroscope/api@$API_VERSION")
[ -d "$SRC_MOD" ] && [ -d "$API_MOD" ] || { echo "error: go mod download did not give the module directories" >&2; exit 1; }

SRC=$OUT/src
mkdir -p "$OUT"
rm -rf "$SRC"
cp -r "$SRC_MOD" "$SRC"
chmod -R u+w "$SRC"
rm -rf "$SRC/api"
cp -r "$API_MOD" "$SRC/api"
chmod -R u+w "$SRC/api"
(cd "$SRC" && GOWORK=off GOFLAGS=-mod=mod "$GO" build -o "$OUT/pyroscope" ./cmd/pyroscope)
echo "$OUT/pyroscope"
