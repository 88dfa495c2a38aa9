#!/usr/bin/env bash
# The main job for now: an end-to-end sample of the proof core with the real CLI.
# Issuer key, buyer secret, a signed receipt, development keys, a proof, its
# verification (by us and, if installed, by snarkjs), with the time of each step.
# Usage: scripts/sample.sh [work-dir]   (default: a fresh temporary directory)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release --locked -q -p x402-zk-cli --manifest-path "$root/Cargo.toml"
bin="${CARGO_TARGET_DIR:-$root/target}/release/x402-zk"
dir="${1:-$(mktemp -d)}"
mkdir -p "$dir" && cd "$dir"
exec 3>&1 # step timings go to the terminal even when a step's output is redirected
step() { # name, command…
  local name=$1; shift
  local t0=$(date +%s%N)
  "$@"
  printf '  %-44s %8.1f ms\n' "$name" "$(( ($(date +%s%N) - t0) / 1000 ))e-3" >&3
}
echo "x402-zk sample in $dir"
step "issuer keygen" "$bin" issuer keygen --force >issuer.pub.json 2>/dev/null
step "payer secret (buyer)" "$bin" payer secret --force >commitment.json 2>/dev/null
commitment=$(sed -n 's/.*"payerCommitment":"\([0-9]*\)".*/\1/p' commitment.json)
now=$(date +%s)
cat >payment.json <<JSON
{ "network": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "asset": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  "payTo": "SellerWallet1111111111111111111111111111111", "amount": "1500000", "paidAt": "$now",
  "transaction": "sample-transaction-signature", "payerCommitment": "$commitment" }
JSON
step "issuer sign (receipt)" "$bin" issuer sign --payment payment.json 2>/dev/null
step "setup --dev (single-party keys)" "$bin" setup --dev 2>/dev/null
cat >policy.json <<JSON
{ "network": "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "asset": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  "payTo": "SellerWallet1111111111111111111111111111111", "minAmount": "1000000", "notBefore": "$((now - 300))",
  "issuer": $(cat issuer.pub.json), "resource": "https://api.example/report", "challenge": "sample-challenge" }
JSON
step "prove (process: load key + prove)" "$bin" prove --receipt receipt.json --secret payer.secret --policy policy.json
step "verify (process: load key + verify)" "$bin" verify --policy policy.json >verify.out
cat verify.out
step "export snarkjs" "$bin" export snarkjs --proof proof.json --out-dir snarkjs 2>/dev/null
snarkjs="$root/tools/snarkjs/node_modules/.bin/snarkjs"
if [ -x "$snarkjs" ]; then
  step "snarkjs groth16 verify (our proof)" "$snarkjs" groth16 verify snarkjs/verification_key.json snarkjs/public.json snarkjs/proof.json
else
  echo "  (snarkjs not installed: scripts/install-test-deps.sh adds it)"
fi
echo "files: $(ls | tr '\n' ' ')"
