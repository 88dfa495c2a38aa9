#!/usr/bin/env bash
# Side-by-side benchmark in one run: our prover and verifier (criterion medians),
# and the circom + snarkjs peer of the same statement (../shared/peer/bench.sh,
# warm, in-process). Prints a table of medians and ratios.
# Usage: bench/compare.sh [peer runs]   (PEER_DIR overrides ../shared/peer)
# Our prover is stock ark-groth16 (LibsnarkReduction) over our circuit, so the
# "stock ark-groth16" row is the same measurement until a faster prover lands.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
peer="${PEER_DIR:-$root/../shared/peer}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$(mktemp -d)"
echo "== ours (criterion)" >&2
(cd "$root" && cargo bench --locked -p x402-zk-prover --bench prove_verify -- 'prove|verify' >"$out/ours.log" 2>&1) \
  || { cat "$out/ours.log" >&2; exit 1; }
echo "== peer: circom + snarkjs ($peer/bench.sh)" >&2
if [ -x "$peer/bench.sh" ]; then
  "$peer/bench.sh" "${1:-20}" >"$out/peer.json"
else
  echo "peer not found at $peer; set PEER_DIR" >&2
  echo '{}' >"$out/peer.json"
fi
python3 - "$target/criterion/receipt" "$out/peer.json" <<'PY'
import json, os, sys
crit, peer_file = sys.argv[1], sys.argv[2]
def ours(name):
    f = os.path.join(crit, name, "new", "estimates.json")
    return json.load(open(f))["median"]["point_estimate"] / 1e6 if os.path.exists(f) else None
peer = json.load(open(peer_file))
def p(key):
    return peer.get(key, {}).get("median_ms")
rows = [
    ("prove, witness included", ours("prove (witness + Groth16, stock ark-groth16)"), p("groth16_fullProve"), "snarkjs fullProve"),
    ("verify one proof (all checks)", ours("verify (decode proof bytes + decimal signals + checks)"), p("groth16_verify"), "snarkjs verify"),
    ("verify one proof (prepared, typed)", ours("verify (prepared key, typed statement)"), p("groth16_verify"), "snarkjs verify"),
]
b = ours("verify batch of 64 (random linear combination)")
print()
print("| what | x402-zk (median ms) | stock ark-groth16 | snarkjs peer (median ms) | snarkjs / x402-zk |")
print("|---|---|---|---|---|")
for name, o, s, sname in rows:
    ratio = f"{s / o:.1f}×" if o and s else "n/a"
    fmt = lambda v: f"{v:.2f}" if v is not None else "n/a"
    print(f"| {name} | {fmt(o)} | {fmt(o)} (same code) | {fmt(s)} ({sname}) | {ratio} |")
if b:
    print(f"| verify batch of 64, per proof | {b / 64:.3f} | — | — | — |")
w, pr = p("witness_calc"), p("groth16_prove")
if w and pr:
    print(f"\nsnarkjs detail: witness {w:.1f} ms + prove {pr:.1f} ms; peer threads: {peer.get('threads')}, node {peer.get('node')}")
PY
