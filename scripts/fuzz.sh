#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/fuzz_targets: headers, payloads, proofs, keys,
# receipts, Solana payments, ceremony files, on-chain instruction data) with cargo-fuzz and
# libFuzzer, on the stable toolchain.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 60 s, every target
#
# Builds once (release, overflow checks and debug assertions on), then runs each target on a
# scratch copy of its seed corpus (fuzz/corpus/<target>, left untouched) and prints
# `target  executions  exec/s  result`. Exits nonzero if any target crashed, ran out of
# memory or timed out; the input that did it is kept under ~/.cache/x402-zk/fuzz-artifacts.
# Environment: X402ZK_FUZZ_SANITIZER (none | address; default none, see fuzz/README.md),
# CARGO_BUILD_JOBS to limit the build.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if [ $# -gt 0 ]; then shift; fi
case $seconds in
    '' | *[!0-9]* | 0) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

cache="$HOME/.cache/x402-zk"
tools="$cache/tools"
target_dir="$cache/fuzz-target"
artifacts="$cache/fuzz-artifacts"
logs="$cache/fuzz-logs"
export PATH="$tools/bin:$PATH"
# cargo-fuzz needs unstable rustc flags (-Cpasses=sancov-module, -Zsanitizer); the stable
# toolchain accepts them with this.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz into $tools" >&2
    cargo install cargo-fuzz --locked --root "$tools"
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$f" .rs)")
    done
fi
for t in "${targets[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
        echo "unknown target $t (see fuzz/fuzz_targets)" >&2
        exit 2
    fi
done

sanitizer=${X402ZK_FUZZ_SANITIZER:-none}
start=$(date +%s)
# fuzz/Cargo.lock must be current (cargo fuzz build has no --locked of its own).
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
cargo fuzz build -O --debug-assertions --sanitizer "$sanitizer" --target-dir "$target_dir"
echo "built in $(($(date +%s) - start)) s (sanitizer: $sanitizer)" >&2
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$target_dir/$triple/release"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts" "$logs"

summary=()
failed=0
for t in "${targets[@]}"; do
    corpus="$scratch/$t"
    mkdir -p "$corpus" "$artifacts/$t"
    if [ -d "fuzz/corpus/$t" ]; then
        cp -R "fuzz/corpus/$t/." "$corpus/"
    fi
    log="$logs/$t.log"
    echo "fuzzing $t for ${seconds} s (log: $log)" >&2
    rc=0
    "$bin_dir/$t" "$corpus" \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        -artifact_prefix="$artifacts/$t/" \
        >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        failed=1
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        if [ -n "$artifact" ]; then
            kind=$(basename "$artifact" | cut -d- -f1)
            result="$kind: $artifact"
        else
            result="failed (exit $rc, see $log)"
        fi
        {
            echo "== $t failed; from $log:"
            grep -m 1 -A 1 'panicked at' "$log" || grep -m 3 'ERROR' "$log" || tail -n 5 "$log"
        } >&2
    fi
    summary+=("$(printf '%-14s %12s %8s  %s' "$t" "${execs:-?}" "${rate:-?}" "$result")")
done

printf '\n%-14s %12s %8s  %s\n' target executions exec/s result
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "reproduce: $bin_dir/<target> <artifact>" >&2
    exit 1
fi
