#!/usr/bin/env bash
# Builds, once per machine and outside the repo, what a real Kubernetes API needs here, from the Go
# module proxy (no other download site is reachable from the machines this runs on):
#   kube-<v>/bin/{kube-apiserver,kubectl}   k8s.io/kubernetes (version set through ldflags)
#   etcd-<v>/bin/etcd                       go.etcd.io/etcd/server/v3 through a four-line main module
#   helm-<v>/bin/helm                       helm.sh/helm/v4/cmd/helm
#   keda-<v>/crds/*.yaml                    KEDA's CRDs (github.com/kedacore/keda/v2, config/crd/bases)
#   knative-operator-<v>/crds/*.yaml        Knative Serving, Eventing and KafkaSource CRDs, from the
#                                           release manifests the Knative operator module carries
# all under ${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/bgpcast}; versions in versions.env.
#
# Usage: infra/kube/build.sh [kube] [etcd] [helm] [keda] [knative]     (no argument: all of them)
# Idempotent: each part is checked first and a COMPLETE marker (holding the build's time and size)
# makes a rerun a no-op in well under a second. Concurrent runs (two test runs on one machine) wait
# for each other on a lock instead of building twice. Go's own caches (GOMODCACHE, GOCACHE) are
# the ones `go env` names. Prints KEY=path lines on stdout; progress and timings go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
base="${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bgpcast}"
GO_MIN_MINOR=24 # k8s.io/kubernetes v1.34 declares go 1.24.0

say() { printf 'kube-build: %s\n' "$*" >&2; }
fail() { say "$*"; exit 1; }

targets=("$@")
((${#targets[@]})) || targets=(kube etcd helm keda knative)
for t in "${targets[@]}"; do
  case "$t" in kube | etcd | helm | keda | knative) ;; *) fail "unknown part '$t' (kube, etcd, helm, keda, knative)" ;; esac
done

complete() { [[ -f "$1/COMPLETE" ]]; }
kube_dir="$base/kube-$KUBERNETES_VERSION"
etcd_dir="$base/etcd-$ETCD_VERSION"
helm_dir="$base/helm-$HELM_VERSION"
keda_dir="$base/keda-$KEDA_VERSION"
knative_dir="$base/knative-operator-$KNATIVE_OPERATOR_VERSION"
dir_of() {
  case "$1" in
    kube) echo "$kube_dir" ;; etcd) echo "$etcd_dir" ;; helm) echo "$helm_dir" ;;
    keda) echo "$keda_dir" ;; knative) echo "$knative_dir" ;;
  esac
}

report() {
  for t in "${targets[@]}"; do
    case "$t" in
      kube) printf 'KUBE_APISERVER=%s\nKUBECTL=%s\n' "$kube_dir/bin/kube-apiserver" "$kube_dir/bin/kubectl" ;;
      etcd) printf 'ETCD=%s\n' "$etcd_dir/bin/etcd" ;;
      helm) printf 'HELM=%s\n' "$helm_dir/bin/helm" ;;
      keda) printf 'KEDA_CRDS=%s\n' "$keda_dir/crds" ;;
      knative) printf 'KNATIVE_CRDS=%s\n' "$knative_dir/crds" ;;
    esac
  done
}

# Fast path, no Go needed: everything asked for is already there.
todo=()
for t in "${targets[@]}"; do complete "$(dir_of "$t")" || todo+=("$t"); done
if ((${#todo[@]} == 0)); then
  report
  exit 0
fi

need_go() {
  local v minor
  if command -v go >/dev/null 2>&1; then
    v="$(go env GOVERSION 2>/dev/null || true)" # go1.26.8
    minor="$(sed -E 's/^go1\.([0-9]+).*/\1/' <<<"$v")"
    [[ "$minor" =~ ^[0-9]+$ ]] && ((minor >= GO_MIN_MINOR)) && return 0
    say "found $v on PATH; building Kubernetes $KUBERNETES_VERSION needs Go >= 1.$GO_MIN_MINOR"
  else
    say "go not found on PATH; building Kubernetes $KUBERNETES_VERSION needs Go >= 1.$GO_MIN_MINOR"
  fi
  cat >&2 <<EOF
kube-build: Debian 12's golang-go is Go 1.19, too old to build it, and go.dev's tarballs may not be
kube-build: reachable; the Go module proxy carries every Go release as a module, and Go 1.19 can
kube-build: download it (then put its bin/ first on PATH and run this script again):
  apt-get install -y golang-go
  GOPATH=\$HOME/.cache/go-bootstrap GOFLAGS=-modcacherw /usr/lib/go-1.19/bin/go mod download -json \\
    golang.org/toolchain@v0.0.1-go1.26.8.linux-amd64    # prints "Dir": the new GOROOT
  chmod +x <Dir>/bin/* <Dir>/pkg/tool/*/*
  export PATH=<Dir>/bin:\$PATH
EOF
  exit 1
}
need_go
export CGO_ENABLED=0 # static binaries, as Kubernetes' and etcd's releases; no C toolchain needed
mkdir -p "$base"

# One builder at a time per cache dir; whoever waited finds the work done below.
exec 9>"$base/.kube-build.lock"
if ! flock -n 9; then
  say "another build holds $base/.kube-build.lock; waiting for it"
  flock 9
fi

# Runs "$@", then prints how long it took; the seconds are left in $took.
took=0
timed() {
  local what="$1" start=$SECONDS
  shift
  "$@"
  took=$((SECONDS - start))
  say "$what: ${took} s"
}
size_of() { du -sh "$@" | awk '{print $1}' | paste -sd' '; }
# The directory `go mod download` unpacked a module into.
module_dir() {
  local json
  json="$(go mod download -json "$1")"
  if grep -q '"Error"' <<<"$json"; then fail "go mod download $1: $(sed -n 's/.*"Error": "\(.*\)",*/\1/p' <<<"$json")"; fi
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$json"
}
json_field() { sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",*\$/\1/p" <<<"$1" | head -1; }

# --- kube-apiserver and kubectl ------------------------------------------------------------------
# The k8s.io/kubernetes module zip has neither staging/ (nested modules are left out of module zips)
# nor the vendor/ symlinks into it: copy the module, drop vendor/ and go.work*, and point each
# `k8s.io/X => ./staging/src/k8s.io/X` replace at the published k8s.io/X v0.<minor>.<patch>.
build_kube() {
  local v="$KUBERNETES_VERSION" dest="$kube_dir" major minor patch info src staging commit ldflags pkg
  IFS=. read -r major minor patch <<<"$v"
  staging="v0.$minor.$patch"
  mkdir -p "$dest/bin"
  if [[ -x "$dest/bin/kube-apiserver" && -x "$dest/bin/kubectl" ]]; then
    verify_kube "$dest"
    return
  fi
  say "building kube-apiserver and kubectl $v (one-time: ~4 min on 2 cores, ~1.2 GB of Go caches)"
  info="$(go mod download -json "k8s.io/kubernetes@v$v")"
  src="$(json_field "$info" Dir)"
  [[ -n "$src" ]] || fail "go mod download k8s.io/kubernetes@v$v: $info"
  # The tag's commit, when the proxy records the module's origin; otherwise left empty rather than
  # the source's "$Format:%H$" placeholder.
  commit="$(json_field "$info" Hash)"

  local work
  work="$(mktemp -d "$dest/src.tmp.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: $work is local
  trap "rm -rf '$work'" EXIT
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  rm -rf "$work/vendor" "$work"/go.work*
  (
    cd "$work"
    local mods m
    mods="$(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/k8s\.io/.*#\1#p' go.mod)"
    [[ -n "$mods" ]] || fail "no staging replaces found in k8s.io/kubernetes@v$v go.mod"
    for m in $mods; do go mod edit "-replace=$m=$m@$staging"; done
  )

  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    ldflags+=" -X $pkg.gitCommit=$commit"
  done
  local cmd
  for cmd in kube-apiserver kubectl; do
    [[ -x "$dest/bin/$cmd" ]] && continue
    (cd "$work" && timed "go build ./cmd/$cmd" \
      env GOFLAGS="${GOFLAGS:-} -mod=mod" go build -trimpath -ldflags "$ldflags" -o "$dest/bin/$cmd.tmp" "./cmd/$cmd")
    mv "$dest/bin/$cmd.tmp" "$dest/bin/$cmd"
    say "$cmd: $(size_of "$dest/bin/$cmd")"
  done
  rm -rf "$work"
  trap - EXIT
  verify_kube "$dest"
}

verify_kube() {
  local dest="$1" out
  out="$("$dest/bin/kube-apiserver" --version)"
  [[ "$out" == "Kubernetes v$KUBERNETES_VERSION" ]] || fail "kube-apiserver --version says '$out', expected v$KUBERNETES_VERSION"
  out="$("$dest/bin/kubectl" version --client -o yaml)"
  grep -q "gitVersion: v$KUBERNETES_VERSION\$" <<<"$out" || fail "kubectl version --client says: $out"
  printf 'kube-apiserver %s, kubectl %s; built %s\n' "$(size_of "$dest/bin/kube-apiserver")" \
    "$(size_of "$dest/bin/kubectl")" "$(date -u +%FT%TZ)" >"$dest/COMPLETE"
}

# --- etcd ----------------------------------------------------------------------------------------
# `go install go.etcd.io/etcd/server/v3@v…` is refused (its go.mod has replace directives), so a
# main module of our own imports etcdmain, as etcd's own main package does.
build_etcd() {
  local v="$ETCD_VERSION" dest="$etcd_dir" work
  mkdir -p "$dest/bin"
  if [[ ! -x "$dest/bin/etcd" ]]; then
    say "building etcd $v (one-time: ~1 min on 2 cores)"
    work="$(mktemp -d "$dest/src.tmp.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" EXIT
    cat >"$work/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    (
      cd "$work"
      go mod init bgpcast.local/etcd >/dev/null 2>&1
      go get "go.etcd.io/etcd/server/v3@v$v" >/dev/null 2>&1 || go get "go.etcd.io/etcd/server/v3@v$v"
      go mod tidy >/dev/null 2>&1 || go mod tidy
      timed "go build etcd" go build -trimpath -ldflags "-s -w" -o "$dest/bin/etcd.tmp" .
    )
    mv "$dest/bin/etcd.tmp" "$dest/bin/etcd"
    rm -rf "$work"
    trap - EXIT
  fi
  local out
  out="$("$dest/bin/etcd" --version)"
  grep -q "^etcd Version: $v\$" <<<"$out" || fail "etcd --version says: $out"
  printf 'etcd %s; built %s\n' "$(size_of "$dest/bin/etcd")" "$(date -u +%FT%TZ)" >"$dest/COMPLETE"
}

# --- helm ----------------------------------------------------------------------------------------
build_helm() {
  local v="$HELM_VERSION" dest="$helm_dir" out pkg=helm.sh/helm/v4/internal/version
  mkdir -p "$dest/bin"
  if [[ ! -x "$dest/bin/helm" ]]; then
    say "building helm $v (one-time: ~3 min on 2 cores)"
    # The version through ldflags, as Helm's Makefile sets it for a tag (else it says "v4.3").
    timed "go install helm" env GOBIN="$dest/bin" go install -trimpath \
      -ldflags "-s -w -X $pkg.version=v$v -X $pkg.metadata= -X $pkg.gitTreeState=clean" "helm.sh/helm/v4/cmd/helm@v$v"
  fi
  out="$("$dest/bin/helm" version --short)"
  [[ "$out" == "v$v" ]] || fail "helm version says '$out', expected v$v (remove $dest/bin/helm to rebuild it)"
  printf 'helm %s; built %s\n' "$(size_of "$dest/bin/helm")" "$(date -u +%FT%TZ)" >"$dest/COMPLETE"
}

# --- KEDA's CRDs ---------------------------------------------------------------------------------
# The module declares go 1.27.4: a local older Go refuses to unpack it, so the download runs under
# that toolchain, which the go command itself fetches from the module proxy (~250 MB, once).
build_keda() {
  local v="$KEDA_VERSION" dest="$keda_dir" src n
  mkdir -p "$dest"
  say "copying KEDA $v CRDs"
  src="$(GOTOOLCHAIN=go1.27.4 module_dir "github.com/kedacore/keda/v2@v$v")"
  [[ -d "$src/config/crd/bases" ]] || fail "no config/crd/bases in $src"
  rm -rf "$dest/crds"
  cp -r "$src/config/crd/bases" "$dest/crds.tmp"
  chmod -R u+w "$dest/crds.tmp"
  mv "$dest/crds.tmp" "$dest/crds"
  n="$(find "$dest/crds" -name '*.yaml' | wc -l)"
  ((n > 0)) || fail "no CRD files copied from $src/config/crd/bases"
  printf 'keda CRDs: %s files; copied %s\n' "$n" "$(date -u +%FT%TZ)" >"$dest/COMPLETE"
}

# --- Knative's CRDs ------------------------------------------------------------------------------
# knative.dev/serving's config/ has Serving's CRDs, but knative.dev/eventing and
# knative.dev/eventing-kafka-broker (KafkaSource) are not served by the module proxy reachable here.
# The Knative operator's module carries whole release manifests (cmd/operator/kodata) for Serving,
# Eventing and the Kafka source: the CustomResourceDefinition documents of the newest release it
# carries are copied out, one file per component.
build_knative() {
  local v="$KNATIVE_OPERATOR_VERSION" dest="$knative_dir" src kodata tmp serving eventing kafka n
  mkdir -p "$dest"
  say "copying Knative CRDs from knative.dev/operator $v"
  src="$(module_dir "knative.dev/operator@v$v")"
  kodata="$src/cmd/operator/kodata"
  newest() { find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -1; }
  serving="$(newest "$kodata/knative-serving")"
  eventing="$(newest "$kodata/knative-eventing")"
  kafka="$(newest "$kodata/eventing-source")"
  [[ -n "$serving" && -n "$eventing" && -n "$kafka" ]] || fail "no release manifests under $kodata"
  tmp="$(mktemp -d "$dest/crds.tmp.XXXXXX")"
  crd_documents "$kodata/knative-serving/$serving/"*-serving-crds.yaml >"$tmp/knative-serving-$serving.yaml"
  crd_documents "$kodata/knative-eventing/$eventing/"*-eventing-crds.yaml >"$tmp/knative-eventing-$eventing.yaml"
  crd_documents "$kodata/eventing-source/$kafka/kafka/"*.yaml >"$tmp/knative-eventing-kafka-$kafka.yaml"
  grep -q '^  name: kafkasources.sources.knative.dev$' "$tmp"/knative-eventing-kafka-*.yaml ||
    fail "no KafkaSource CRD in $kodata/eventing-source/$kafka/kafka"
  chmod 755 "$tmp"
  rm -rf "$dest/crds"
  mv "$tmp" "$dest/crds"
  n="$(cat "$dest/crds"/*.yaml | grep -c '^kind: CustomResourceDefinition$')"
  printf 'knative CRDs: %s (serving %s, eventing %s, eventing-kafka %s); copied %s\n' \
    "$n" "$serving" "$eventing" "$kafka" "$(date -u +%FT%TZ)" >"$dest/COMPLETE"
}

# The CustomResourceDefinition documents of multi-document YAML files.
crd_documents() {
  awk '
    function flush() { if (doc ~ /\nkind: CustomResourceDefinition\n/) printf "---%s", doc; doc = "\n" }
    BEGIN { doc = "\n" }
    /^---/ { flush(); next }
    { doc = doc $0 "\n" }
    END { flush() }
  ' "$@"
}

for t in "${todo[@]}"; do
  complete "$(dir_of "$t")" && continue # built by a run we waited for
  timed "$t" "build_$t"
  sed -i "1s/\$/; took ${took} s/" "$(dir_of "$t")/COMPLETE"
done
for t in "${todo[@]}"; do say "$t: $(cat "$(dir_of "$t")/COMPLETE")"; done
report
