#!/usr/bin/env bash
# Installs what a fresh machine lacks, and nothing it already has:
#   Debian packages (redis-server, bird2, gobgpd, pmacct, prometheus with promtool, iproute2, Java 17,
#   Maven) through apt-get,
#   the npm dependencies (npm ci, which also brings Node 22 into node_modules/.bin),
#   the Kafka broker's jars from Maven Central (cached once per machine, outside the repo),
#   the speaker's small socket-option addon (gcc, against the node-api-headers package).
# etcd, kube-apiserver, kubectl and helm are built by infra/kube/build.sh when the kube tests first
# run (test/run.sh), not here: `up --demo` and the unit tests never need them. Only Go is checked.
# Safe to run again; each step checks first. Exits non-zero, naming the step, if one fails.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf 'bootstrap: %s\n' "$*" >&2; }

missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have redis-server || missing+=(redis-server)
have bird && have birdc || missing+=(bird2)
have gobgpd && have gobgp || missing+=(gobgpd)
have pmbmpd || missing+=(pmacct)
have prometheus && have promtool || missing+=(prometheus)
have ip || missing+=(iproute2)
have gcc || missing+=(gcc)
have java || missing+=(openjdk-17-jre-headless)
have mvn || missing+=(maven)

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    step "missing Debian packages: ${missing[*]}"
    step "run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
  step "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install (or nothing is installed).
stamp=node_modules/.bootstrap-lock
if [ ! -x node_modules/.bin/node ] || ! cmp -s package-lock.json "$stamp"; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

step "Kafka jars"
bash infra/local/fetch-kafka-jars.sh >/dev/null

step "socket-option addon (TCP MD5, TTL, GTSM)"
bash speaker/transport/native/build.sh

step "Go for the Kubernetes binaries of the kube tests (infra/kube/build.sh)"
bash infra/kube/build.sh check || step "without Go the kube tests cannot run; everything else can"
step "ready"
