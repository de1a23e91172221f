#!/usr/bin/env bash
# A local Kubernetes control plane for the tests and for trying the dev loop
# (.ci/local-cluster, docs/local-cluster.md): etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl and kwok (a fake node),
# built once from source with the Go toolchain into $FOPS_TOOLS_DIR/bin.
#
# Kubernetes and etcd are built from the wrapper modules in .ci/tools/kube/
# (go.mod and go.sum committed, built with -mod=readonly, so every machine
# builds the same dependency set); kwok with `go install` of its release.
# Idempotent: each group of binaries is stamped with its version and a hash
# of its wrapper module, and kept while they match. The first build takes
# several minutes on 2 cores and a build cache of ~4 GB: that cache and the
# downloaded modules live in a temporary directory removed afterwards; only
# the binaries (~400 MiB) are kept.
set -euo pipefail
K8S_VERSION=v1.34.12
ETCD_VERSION=v3.6.17
KWOK_VERSION=v0.7.0
: "${FOPS_TOOLS_DIR:=$HOME/.cache/fops/tools}"
here="$(cd "$(dirname "$0")" && pwd)/kube"
bin="$FOPS_TOOLS_DIR/bin"

module_hash() { # version + the files of a wrapper module, so an edit rebuilds
  (cd "$here/$1" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}
k8s_stamp="$K8S_VERSION $(module_hash kubernetes)"
etcd_stamp="$ETCD_VERSION $(module_hash etcd)"
kwok_stamp="$KWOK_VERSION"
current() { # current STAMPFILE STAMP BINARY...
  local stampfile="$bin/.kube-$1.version" stamp="$2"
  shift 2
  [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ] || return 1
  for b in "$@"; do [ -x "$bin/$b" ] || return 1; done
}
need_k8s=1 need_etcd=1 need_kwok=1
current kubernetes "$k8s_stamp" kube-apiserver kube-controller-manager kube-scheduler kubectl && need_k8s=0
current etcd "$etcd_stamp" etcd && need_etcd=0
current kwok "$kwok_stamp" kwok && need_kwok=0
((need_k8s + need_etcd + need_kwok)) || exit 0

# Without Go the cluster tests skip (saying why) instead of failing the rest
# of `make test`.
export PATH="/usr/local/go/bin:$PATH"
if ! command -v go >/dev/null; then
  echo "kube.sh: WARNING: go not found; the local Kubernetes cluster tests will be skipped" >&2
  exit 0
fi
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [ "${go_minor:-0}" -lt 26 ] 2>/dev/null; then
  echo "kube.sh: WARNING: $(go env GOVERSION) is too old for etcd $ETCD_VERSION (needs go1.26+);" \
       "the local Kubernetes cluster tests will be skipped" >&2
  exit 0
fi

mkdir -p "$bin"
work="$(mktemp -d "${TMPDIR:-/tmp}/fops-kube-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT  # -modcacherw below: the module cache is removable
# Build cache, module cache and Go's own config/telemetry files all go to
# the temporary directory; the user's go env file is still read.
export GOENV="$(go env GOENV)"
export GOCACHE="$work/cache" GOMODCACHE="$work/mod" GOPATH="$work/gopath"
export XDG_CONFIG_HOME="$work/config" GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="-modcacherw -buildvcs=false"
log="$work/build.log"
fail() {
  tail -n 40 "$log" >&2
  echo "kube.sh: WARNING: building $1 failed; the local Kubernetes cluster tests will be skipped" >&2
  exit 0
}
started=$SECONDS
peak=0
note_size() { local s; s=$(du -sm "$work" | cut -f1); ((s > peak)) && peak=$s; return 0; }

if ((need_k8s)); then
  echo "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager," \
       "kube-scheduler, kubectl) into $bin (once; several minutes)"
  ver="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
  ver+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34"
  ver+=" -X k8s.io/component-base/version.gitTreeState=clean"
  ver+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
  ver+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=34"
  ver+=" -X k8s.io/client-go/pkg/version.gitTreeState=clean"
  (cd "$here/kubernetes" &&
     go build -mod=readonly -trimpath -ldflags "-s -w $ver" -o "$work/out/" ./cmd/...) \
    >>"$log" 2>&1 || fail Kubernetes
  note_size
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    install -m 0755 "$work/out/$b" "$bin/$b"
  done
  echo "$k8s_stamp" >"$bin/.kube-kubernetes.version"
  rm -rf "$GOCACHE"
fi

if ((need_etcd)); then
  echo "building etcd $ETCD_VERSION into $bin"
  (cd "$here/etcd" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$work/out/etcd" .) \
    >>"$log" 2>&1 || fail etcd
  note_size
  install -m 0755 "$work/out/etcd" "$bin/etcd"
  echo "$etcd_stamp" >"$bin/.kube-etcd.version"
fi

if ((need_kwok)); then
  echo "building kwok $KWOK_VERSION into $bin"
  GOBIN="$work/out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
    >>"$log" 2>&1 || fail kwok
  note_size
  install -m 0755 "$work/out/kwok" "$bin/kwok"
  echo "$kwok_stamp" >"$bin/.kube-kwok.version"
fi

size=$(cd "$bin" && du -cm etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok | tail -n1 | cut -f1)
echo "kube.sh: built in $((SECONDS - started)) s; binaries ${size} MB in $bin;" \
     "the temporary build directory peaked at ${peak} MB (removed)"
"$bin/kube-apiserver" --version
