#!/usr/bin/env bash
# Dependency hygiene: one copy of every arkworks crate, and one-way crate edges
# (the verifier never links circuit or prover code; libraries never link the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
dups=$(cargo tree --workspace -d --depth 0 --edges normal,build 2>/dev/null | grep -E '^ark-' | sort -u || true)
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
echo "dependency checks passed: one copy of each ark-* crate, one-way crate graph"
