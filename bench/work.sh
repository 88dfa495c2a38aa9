#!/usr/bin/env bash
# Instructions per step (witness, proof, verification), counted by valgrind's
# callgrind. On a noisy VM times of the same binary differ by tens of percent
# from run to run; instruction counts repeat to within ~0.1%, so they show a
# change of a few percent (run this before and after it). They count the work
# on both threads (RAYON_NUM_THREADS=2), not the time on the critical path, and
# an instruction is not a cycle: times still come from bench/compare.sh.
# Each step is counted at two repetition counts and the difference divided, which
# removes loading and one-time tables. Takes about 5 minutes.
# Usage: bench/work.sh   (needs valgrind: apt-get install valgrind)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
(cd "$root" && cargo build --release --locked -q -p x402-zk-prover --example work_counts)
bin="$target/release/examples/work_counts"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$bin" write "$dir"
count() { # REPS MODE
  REPS=$1 RAYON_NUM_THREADS=2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$bin" "$2" "$dir" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per() { # MODE REPS_LOW REPS_HIGH DIVISOR
  local low high
  low=$(count "$2" "$1")
  high=$(count "$3" "$1")
  python3 -c "print(f'{($high - $low) / ($3 - $2) / $4 / 1e6:.3f}')"
}
echo "| step | million instructions |"
echo "|---|---|"
echo "| witness generation | $(per witness 1 6 1) |"
echo "| prove, witness included | $(per prove 1 3 1) |"
echo "| verify (typed) | $(per verify 2 12 1) |"
echo "| verify (from bytes, all checks) | $(per verify-bytes 2 12 1) |"
echo "| batch verify of 16, per proof | $(per batch 1 3 16) |"
