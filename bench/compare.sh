#!/usr/bin/env bash
# Side-by-side benchmark in one run: stock ark-groth16 proving our circuit (its own
# setup over 2^12 points and its own prover), our
# fast prover and verifier (criterion medians), and the circom + snarkjs peer of
# the same statement (../shared/peer/bench.sh, warm, in-process). Prints a table
# of medians and ratios.
# Usage: bench/compare.sh [peer runs]   (PEER_DIR overrides ../shared/peer)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
peer="${PEER_DIR:-$root/../shared/peer}"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$(mktemp -d)"
echo "== ours and stock ark-groth16 (criterion, cargo bench)" >&2
(cd "$root" && cargo bench --locked -p x402-zk-prover --bench prove_verify >"$out/ours.log" 2>&1) \
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
fmt = lambda v: f"{v:.2f}" if v is not None else "—"
ratio = lambda a, b: f"{a / b:.1f}×" if a and b else "—"
stock_prove = ours("prove (witness + Groth16, stock ark-groth16)")
fast_prove = ours("prove (witness + Groth16, fast prover)")
per64 = lambda v: v / 64 if v else None
batch = ours("verify batch of 64 (random linear combination)")
rows = [
    ("prove, witness included", stock_prove, fast_prove, p("groth16_fullProve"), "≤ 60"),
    ("prove, fast prover without AVX-512 IFMA", stock_prove,
     ours("prove (witness + Groth16, fast prover, no AVX-512 IFMA)"), p("groth16_fullProve"), "—"),
    ("witness generation", None, ours("witness generation (synthesis, no matrices)"), p("witness_calc"), "≤ 1"),
    ("verify one proof (prepared, typed)", ours("verify (stock ark-groth16, prepared key)"),
     ours("verify (prepared key, typed statement)"), p("groth16_verify"), "≤ 1.0"),
    ("verify one proof, without AVX-512 IFMA", ours("verify (stock ark-groth16, prepared key)"),
     ours("verify (prepared key, typed statement, no AVX-512 IFMA)"), p("groth16_verify"), "—"),
    ("verify one proof (from bytes, all checks)", None,
     ours("verify (decode proof bytes + decimal signals + checks)"), p("groth16_verify"), "—"),
    ("verify one proof (from bytes, all checks), without AVX-512 IFMA", None,
     ours("verify from bytes (all checks, no AVX-512 IFMA)"), p("groth16_verify"), "—"),
    ("batch verify, per proof at 64", None, per64(batch), None, "≤ 0.3"),
    ("batch verify, per proof at 64, without AVX-512 IFMA", None,
     per64(ours("verify batch of 64 (random linear combination, no AVX-512 IFMA)")), None, "—"),
    ("load proving key (file bytes → key)", None, ours("load proving key"), None, "≤ 20"),
    ("prepare fast prover (once per process)", None, ours("prepare fast prover (window tables, matrices)"), None, "—"),
]
print()
print("| median, ms | stock ark-groth16 | x402-zk | snarkjs peer | stock / x402-zk | snarkjs / x402-zk | goal |")
print("|---|---|---|---|---|---|---|")
for name, stock, ours_v, peer_v, goal in rows:
    print(f"| {name} | {fmt(stock)} | {fmt(ours_v)} | {fmt(peer_v)} | {ratio(stock, ours_v)} | {ratio(peer_v, ours_v)} | {goal} |")
t = ours("throughput (8 concurrent proofs, fast prover)")
if t:
    print(f"\nthroughput, 8 concurrent proofs on the pool: {8000 / t:.1f} proofs/s (fast prover)")
w, pr = p("witness_calc"), p("groth16_prove")
if w and pr:
    print(f"snarkjs detail: witness {w:.1f} ms + prove {pr:.1f} ms; peer threads: {peer.get('threads')}, node {peer.get('node')}")
print(f"cores: {os.cpu_count()}")
PY
