#!/usr/bin/env bash
# Criterion benches of the proof core; prints the median of each.
# Usage: scripts/bench.sh [extra criterion args]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p x402-zk-prover --bench prove_verify -- "$@"
target="${CARGO_TARGET_DIR:-target}"
echo
echo "medians:"
for f in "$target"/criterion/receipt/*/new/estimates.json; do
  name=$(basename "$(dirname "$(dirname "$f")")")
  python3 -c "import json,sys; e=json.load(open(sys.argv[1])); print('  %-62s %10.3f ms' % (sys.argv[2], e['median']['point_estimate']/1e6))" "$f" "$name"
done
