#!/usr/bin/env bash
# Instructions per step (witness, proof, verification), counted by valgrind's
# callgrind. On a noisy VM times of the same binary differ by tens of percent
# from run to run; instruction counts repeat to within ~0.1%, so they show a
# change of a few percent (run this before and after it). They count the work
# on both threads (RAYON_NUM_THREADS=2), not the time on the critical path, and
# an instruction is not a cycle: times still come from bench/compare.sh.
# Each step is counted at two repetition counts and the difference divided, which
# removes loading and one-time tables. Takes about 2 minutes once built.
# valgrind emulates no AVX-512, so the prover and verifier counted here take their
# portable paths (arkworks' field arithmetic), not the AVX-512 IFMA ones (x402-zk-ifma).
# Usage: bench/work.sh   (needs valgrind: apt-get install valgrind)
set -euo pipefail
shopt -s inherit_errexit # failures inside $(...) stop the script too
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
cargo build --release --locked -q -p x402-zk-prover --example work_counts
bin="$target/release/examples/work_counts"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$bin" write "$dir"

# Instructions of one run: MODE REPS.
count() {
  local n
  REPS=$2 RAYON_NUM_THREADS=2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    --log-file="$dir/valgrind.log" "$bin" "$1" "$dir" >"$dir/out.log" 2>&1 \
    || { cat "$dir/out.log" "$dir/valgrind.log" >&2; echo "work_counts $1 failed" >&2; exit 1; }
  n="$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$dir/valgrind.log")"
  [[ -n $n ]] || { cat "$dir/valgrind.log" >&2; echo "no instruction count for $1" >&2; exit 1; }
  echo "$n"
}

# Millions of instructions per step: MODE REPS_LOW REPS_HIGH STEPS_PER_REP.
per() {
  local low high
  low="$(count "$1" "$2")"
  high="$(count "$1" "$3")"
  awk -v l="$low" -v h="$high" -v r="$(($3 - $2))" -v s="$4" \
    'BEGIN { printf "%.3f", (h - l) / r / s / 1e6 }'
}

witness="$(per witness 1 6 1)"
prove="$(per prove 1 3 1)"
verify="$(per verify 2 12 1)"
verify_bytes="$(per verify-bytes 2 12 1)"
batch="$(per batch 1 3 16)"
cat <<TABLE
| step | million instructions |
|---|---|
| witness generation | $witness |
| prove, witness included | $prove |
| verify (typed) | $verify |
| verify (from bytes, all checks) | $verify_bytes |
| batch verify of 16, per proof | $batch |
TABLE
