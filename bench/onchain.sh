#!/usr/bin/env bash
# On-chain costs, exactly: the Solana program's compute units per instruction and
# batch size (its sBPF ELF in LiteSVM, the Agave 4.2 runtime), and the EVM
# verifiers' gas beside the snarkjs verifier of the same key (solc 0.8.37 in revm).
# Builds what it needs: sbpf-linker 0.1.9 and the sBPF sysroot (once, ~12 min),
# solc-js and snarkjs (npm, pinned). Costs are deterministic: one run suffices.
# Usage: bench/onchain.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh >&2
echo "== building the Solana program (scripts/build-sbf.sh)" >&2
X402ZK_SOLANA_ELF=$(scripts/build-sbf.sh)
export X402ZK_SOLANA_ELF
echo "== Solana: compute units" >&2
cargo run --quiet --locked --release -p x402-zk-solana-harness --example cu
echo
echo "== EVM: gas" >&2
cargo run --quiet --locked --release -p x402-zk-evm --example gas
