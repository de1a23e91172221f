#!/usr/bin/env bash
# Builds a minimal OpenTelemetry Collector (OTLP receiver + file exporter)
# with the collector builder, once, into $FOPS_TOOLS_DIR/bin/otelcol-fops.
# The telemetry tests (tests/python/test_telemetry_otelcol.py) start it to
# receive the OTLP/HTTP logs of a real `fops ci` run. Idempotent: a binary
# stamped with the pinned version is kept (the cache, outside the repo), so
# only the first run on a machine pays the few minutes the build takes.
set -euo pipefail
: "${FOPS_TOOLS_DIR:=$HOME/.cache/fops/tools}"
# Core and contrib release in lock step; v0.165.0 builds with Go 1.26.
OTELCOL_VERSION="${OTELCOL_VERSION:-0.165.0}"
export PATH="/usr/local/go/bin:$PATH"
bin="$FOPS_TOOLS_DIR/bin/otelcol-fops"
stamp="$FOPS_TOOLS_DIR/bin/.otelcol-fops.version"

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$OTELCOL_VERSION" ]; then
  exit 0
fi
# Without a recent enough Go the collector tests skip (saying why) rather
# than failing every other test of `make test`.
if ! command -v go >/dev/null; then
  echo "otelcol.sh: WARNING: go not found; the OpenTelemetry Collector tests will be skipped" >&2
  exit 0
fi
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [ "${go_minor:-0}" -lt 25 ] 2>/dev/null; then
  echo "otelcol.sh: WARNING: $(go env GOVERSION) is too old for collector v$OTELCOL_VERSION" \
       "(needs go1.25+); the OpenTelemetry Collector tests will be skipped" >&2
  exit 0
fi

mkdir -p "$FOPS_TOOLS_DIR/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
  tail -n 40 "$work/build.log" >&2
  echo "otelcol.sh: WARNING: the collector build failed; the OpenTelemetry Collector tests" \
       "will be skipped" >&2
  exit 0
}
echo "building otelcol-fops v$OTELCOL_VERSION (collector builder; takes a few minutes once)"
GOBIN="$work/gobin" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION" \
  >"$work/build.log" 2>&1 || fail
cat >"$work/manifest.yaml" <<MANIFEST
dist:
  name: otelcol-fops
  description: fops test collector (OTLP receiver, file exporter)
  output_path: $work/dist
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v$OTELCOL_VERSION
exporters:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter v$OTELCOL_VERSION
MANIFEST
# The builder's own `go mod tidy` also fetches the test-only deps of the
# components, and the module proxy does not serve all of them (e.g.
# otlpencodingextension's zip): so the builder's tidy step may fail after
# it has generated the sources, and `go build -mod=mod` then resolves just
# what the binary imports.
"$work/gobin/builder" --config="$work/manifest.yaml" --skip-compilation \
  >>"$work/build.log" 2>&1 || [ -f "$work/dist/go.mod" ] || fail
(cd "$work/dist" && go build -mod=mod -trimpath -ldflags="-s -w" -o otelcol-fops .) \
  >>"$work/build.log" 2>&1 || fail
install -m 0755 "$work/dist/otelcol-fops" "$bin"
echo "$OTELCOL_VERSION" >"$stamp"
echo "otelcol-fops v$OTELCOL_VERSION -> $bin"
