#!/usr/bin/env bash
# Helm, pinned, built from source with the Go toolchain (no Debian package
# here). fops renders `helm upgrade --install` argv; the tests run the real
# `helm lint` and `helm template` on the example charts with exactly those
# flags. Built once into $FOPS_TOOLS_DIR/bin and reused while the version
# matches. The version is stamped with -ldflags because `go install` does
# not record it (it would print "v3.19").
set -euo pipefail
HELM_VERSION=v3.19.5
: "${FOPS_TOOLS_DIR:=$HOME/.cache/fops/tools}"
bin="$FOPS_TOOLS_DIR/bin"
if [ -x "$bin/helm" ] &&
   [ "$("$bin/helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]; then
  exit 0
fi
GO="$(command -v go || echo /usr/local/go/bin/go)"
if [ ! -x "$GO" ]; then
  echo "helm.sh: go not found; the real-Helm tests (helm lint/template) will be skipped" >&2
  exit 0
fi
echo "building helm $HELM_VERSION into $bin (once; a minute or two)"
mkdir -p "$bin"
GOBIN="$bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 "$GO" install \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
"$bin/helm" version --short
