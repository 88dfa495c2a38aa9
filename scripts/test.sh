#!/usr/bin/env bash
# Runs every test of the workspace, the snarkjs interop tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
scripts/check-deps.sh
export X402ZK_REQUIRE_SNARKJS=1
export X402ZK_REQUIRE_SOLC=1
cargo test --workspace --locked "$@"
