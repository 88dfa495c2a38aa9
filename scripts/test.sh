#!/usr/bin/env bash
# Runs every test of the workspace: the snarkjs interop tests, the Solana program's ELF in
# LiteSVM and the EVM verifiers in revm (solc-js) included, all mandatory here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
scripts/check-deps.sh
# The Solana program's ELF for the LiteSVM tests (installs sbpf-linker and the
# sysroot once: ~12 min cold, seconds after).
X402ZK_SOLANA_ELF=$(scripts/build-sbf.sh)
export X402ZK_SOLANA_ELF X402ZK_REQUIRE_SBF=1
export X402ZK_REQUIRE_SNARKJS=1
export X402ZK_REQUIRE_SOLC=1
export X402ZK_REQUIRE_PROMTOOL=1
export X402ZK_REQUIRE_QEMU=1
cargo test --workspace --locked "$@"
