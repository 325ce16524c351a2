#!/usr/bin/env bash
# The whole test suite: typecheck, unit tests (pure code), then integration tests against a real
# Kafka broker, a real Redis and real BGP daemons that the global setup starts and stops, then the
# kube tests against a real etcd + kube-apiserver, whose binaries infra/kube/build.sh builds first
# (once per machine, ~9 min on 2 cores; milliseconds once cached).
# Ends with one plain summary line, "N passed, N failed", over the vitest projects.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

tsc -p tsconfig.json
status=0
for project in unit integration kube; do
  if [ "$project" = kube ]; then bash infra/kube/build.sh >&2 || { status=$?; break; }; fi
  vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="$results/$project.json" || status=$?
  [ "$status" -eq 0 ] || break
done

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`Tests: ${passed} passed, ${failed} failed`);
' "$results"
exit "$status"
