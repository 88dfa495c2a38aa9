#!/usr/bin/env bash
# The main job: the whole system on loopback in one process (an embedded Solana
# chain with the SPL Token program, the issuer, the facilitator on SQLite, a seller
# with a paid route) and a buyer paying five times privately; prints what each
# party saw and the time of each step, and shows a replayed proof refused.
# Usage: scripts/demo.sh [--payments N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --locked -q -p x402-zk-cli --manifest-path "$root/Cargo.toml"
exec "$target/release/x402-zk" demo --keys "$target/x402-zk-demo-keys" "$@"
