#!/usr/bin/env bash
# Builds the socket-option addon (sockopt.c) with gcc alone — no node-gyp, which would download
# Node's headers. Node-API is ABI-stable, so headers of any Node version with Node-API 8 do:
# the npm package node-api-headers when installed, else Debian's (/usr/include/node, package
# nodejs). Idempotent: does nothing when the output is newer than the source.
# Output: speaker/transport/native/build/sockopt.node (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/build/sockopt.node"
src="$here/sockopt.c"

if [[ -f "$out" && "$out" -nt "$src" && "${1:-}" != "--force" ]]; then
  exit 0
fi

include=""
for dir in "$root/node_modules/node-api-headers/include" /usr/include/node; do
  if [[ -f "$dir/node_api.h" ]]; then include="$dir"; break; fi
done
if [[ -z "$include" ]]; then
  echo "build.sh: no node_api.h found (npm i -D node-api-headers, or apt-get install nodejs)" >&2
  exit 1
fi
cc="${CC:-gcc}"
mkdir -p "$here/build"
tmp="$out.tmp.$$"
"$cc" -shared -fPIC -O2 -Wall -Wextra -Wno-unused-parameter -I"$include" -o "$tmp" "$src"
mv -f "$tmp" "$out"
echo "built $out against $include" >&2
