#!/usr/bin/env bash
# Resolve the Kafka 4.1.2 broker classpath from Maven Central once per machine, outside the repo.
# Idempotent: a marker file written after a complete copy makes later runs a no-op.
#   BGPCAST_CACHE_DIR  base cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/bgpcast)
# Prints the libs directory on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=4.1.2
base="${BGPCAST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bgpcast}"
dest="$base/kafka-$version"
libs="$dest/libs"
marker="$dest/COMPLETE"

if [[ -f "$marker" ]]; then
  echo "$libs"
  exit 0
fi

command -v mvn >/dev/null || { echo "kafka: mvn not found: apt-get install -y maven" >&2; exit 1; }

# Copy into a scratch dir and rename, so an interrupted run never leaves a half classpath
# that looks complete.
mkdir -p "$dest"
tmp="$(mktemp -d "$dest/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "kafka: resolving kafka_2.13:$version jars into $libs (one-time, ~50 MB)" >&2
mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
ls "$tmp"/kafka_2.13-"$version".jar >/dev/null
rm -rf "$libs"
mv "$tmp" "$libs"
trap - EXIT
date -u +%FT%TZ > "$marker"
echo "$libs"
