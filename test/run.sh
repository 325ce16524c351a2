#!/usr/bin/env bash
# The whole test suite: typecheck, unit tests (pure code), then integration tests against a real
# Kafka broker, a real Redis and real BGP daemons that the global setup starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
tsc -p tsconfig.json
vitest run --project unit
vitest run --project integration
