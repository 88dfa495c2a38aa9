#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain: the pinned snarkjs (npm)
# used by the interop tests. Idempotent; needs node and npm with the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/snarkjs/node_modules/.bin/snarkjs ]; then
  echo "installing snarkjs (pinned in tools/snarkjs/package-lock.json)"
  npm ci --prefix tools/snarkjs --no-audit --no-fund --loglevel=error
fi
