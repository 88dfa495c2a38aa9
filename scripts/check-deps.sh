#!/usr/bin/env bash
# Dependency hygiene: one copy of every arkworks crate in the proof stack, and
# one-way crate edges (the verifier never links circuit or prover code; protocol
# types know no HTTP framework; libraries never link the CLI). The Solana runtime
# (x402-zk-svm, LiteSVM) brings its own arkworks 0.4 for its syscalls; it is kept
# out of the proof stack, which is what this checks.
set -euo pipefail
cd "$(dirname "$0")/.."
proof_stack="-p x402-zk-primitives -p x402-zk-circuit -p x402-zk-prover -p x402-zk-ceremony -p x402-zk-verifier -p x402-zk-protocol -p x402-zk-store -p x402-zk-facilitator -p x402-zk-axum -p x402-zk-evm -p x402-zk-solana-program"
# shellcheck disable=SC2086
dups=$(cargo tree $proof_stack -d --depth 0 --edges normal,build 2>/dev/null | grep -E '^ark-' | sort -u || true)
if [ -n "$dups" ]; then
  echo "error: more than one copy of arkworks crates (keep every ark-* on one release line):"
  echo "$dups"
  exit 1
fi
forbidden() { # crate, forbidden dependency
  if cargo tree -p "$1" --edges normal --prefix none 2>/dev/null | grep -q "^$2 "; then
    echo "error: $1 must not depend on $2"
    exit 1
  fi
}
forbidden x402-zk-verifier x402-zk-circuit
forbidden x402-zk-verifier x402-zk-prover
forbidden x402-zk-primitives x402-zk-circuit
forbidden x402-zk-circuit x402-zk-prover
forbidden x402-zk-protocol x402-zk-circuit
forbidden x402-zk-protocol x402-zk-prover
forbidden x402-zk-store x402-zk-circuit
forbidden x402-zk-facilitator x402-zk-circuit
forbidden x402-zk-facilitator x402-zk-prover
forbidden x402-zk-protocol axum
forbidden x402-zk-protocol reqwest
forbidden x402-zk-verifier litesvm
forbidden x402-zk-facilitator litesvm
forbidden x402-zk-axum litesvm
forbidden x402-zk-axum x402-zk-prover
forbidden x402-zk-client x402-zk-issuer
forbidden x402-zk-client litesvm
forbidden x402-zk-issuer litesvm
forbidden x402-zk-client x402-zk-facilitator
forbidden x402-zk-issuer x402-zk-prover
forbidden x402-zk-verifier x402-zk-ceremony
forbidden x402-zk-prover x402-zk-ceremony
forbidden x402-zk-facilitator x402-zk-ceremony
forbidden x402-zk-client x402-zk-ceremony
forbidden x402-zk-ceremony indicatif
# The on-chain verifiers: the Solana program links none of our crates (on-chain it
# links only solana-define-syscall); the EVM renderer knows no circuit, and the
# in-process EVM and Solana runtime stay in tests and the harness.
for ours in x402-zk-primitives x402-zk-circuit x402-zk-prover x402-zk-verifier; do
  forbidden x402-zk-solana-program "$ours"
done
forbidden x402-zk-solana-program litesvm
forbidden x402-zk-evm x402-zk-circuit
forbidden x402-zk-evm x402-zk-prover
forbidden x402-zk-evm revm
forbidden x402-zk-cli revm
forbidden x402-zk-cli x402-zk-solana-harness
echo "dependency checks passed: one copy of each ark-* crate in the proof stack, one-way crate graph"
