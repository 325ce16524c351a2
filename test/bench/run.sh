#!/usr/bin/env bash
# Every benchmark: each script directly under test/bench/ (helpers live in test/bench/support/)
# runs with node and prints its own figures and the baseline it measured in the same run.
# Nothing here asserts on time. Run with `npm run bench`.
set -euo pipefail
cd "$(dirname "$0")/../.."
for script in test/bench/*.ts; do
  echo "=== ${script}"
  node "$script"
  echo
done
