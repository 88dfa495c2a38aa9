#!/usr/bin/env bash
# Load and stress figures on this machine (loopback only), with a release build:
#  1. prover service (its own process, `serve prover`) at saturation;
#  2. its stress ramp to the breaking point and the level beyond it;
#  3. overload: far more clients than the pool holds (503 + Retry-After);
#  4. the facilitator's /verify throughput (in-process, SQLite);
#  5. the whole paid-route flow (buy, prove, pay, verify, settle);
# then the prover process' peak RSS and a graceful stop (SIGTERM).
# Usage: bench/loadtest.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/x402-zk/target}"
cargo build --release --locked -q -p x402-zk-cli
bin="$CARGO_TARGET_DIR/release/x402-zk"
keys=target/x402-zk-demo-keys
[ -f "$keys/proving.key" ] || "$bin" loadtest prover -n 1 -c 1 --keys "$keys" >/dev/null
port=$((20000 + RANDOM % 20000))
# All load clients share 127.0.0.1, so the per-client rate limit is off here.
X402ZK_LOG_FORMAT=json RUST_LOG=warn "$bin" serve prover --bind "127.0.0.1:$port" \
  --proving-key "$keys/proving.key" --rate-limit-per-second 0 2>/tmp/x402zk-prover.log &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
url="http://127.0.0.1:$port"
echo "== 1. prover service at saturation (16 clients, queue 32, ${secs} s)"
"$bin" loadtest prover --url "$url" -c 16 -d "$secs"
echo "== 2. prover service stress ramp (p99 limit 1000 ms, errors 1%)"
"$bin" loadtest prover --url "$url" --stress -c 1 --max-concurrency 256 --step-seconds 5
echo "== 3a. prover service overloaded (128 clients: 34 fit in 2 workers + queue 32, ${secs} s; clients honour Retry-After)"
"$bin" loadtest prover --url "$url" -c 128 -d "$secs"
echo "== 3b. the same with clients that ignore Retry-After"
"$bin" loadtest prover --url "$url" -c 128 -d "$secs" --no-backoff
echo "== prover process: peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$pid/status)"
echo "== 4. facilitator /verify (in-process, 8 clients, ${secs} s)"
"$bin" loadtest facilitator -c 8 -d "$secs" --distinct 64 --keys "$keys"
echo "== 5. paid route, whole flow (4 clients, 40 requests)"
"$bin" loadtest paid-route -c 4 -n 40 --keys "$keys"
kill -TERM $pid
wait $pid && echo "== prover stopped gracefully (exit 0)"
