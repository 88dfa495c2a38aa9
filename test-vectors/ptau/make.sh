#!/usr/bin/env bash
# Regenerates the small snarkjs powers-of-tau files the ceremony tests read, with
# the pinned snarkjs (scripts/install-test-deps.sh installs it). Run on purpose
# only: the outputs are committed. Power 4: tiny, but made by snarkjs itself.
set -euo pipefail
cd "$(dirname "$0")"
SN="../../tools/snarkjs/node_modules/.bin/snarkjs"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
$SN powersoftau new bn128 4 "$tmp/pot4_0000.ptau"
$SN powersoftau contribute "$tmp/pot4_0000.ptau" "$tmp/pot4_0001.ptau" --name="x402-zk test vector" -e="x402-zk test-vector entropy (not secret)"
$SN powersoftau prepare phase2 "$tmp/pot4_0001.ptau" pot4_final.ptau
$SN powersoftau verify pot4_final.ptau
