#!/usr/bin/env bash
# Builds the Solana program as an sBPF ELF with the stable toolchain only (no
# Solana platform-tools): upstream `bpfel-unknown-none`, a core/alloc sysroot
# rebuilt from the toolchain's own sources (tools/sbf-sysroot), linked by
# sbpf-linker 0.1.9 (the release on rustc 1.95's LLVM 22). Installs both when
# missing (~2 min and ~10 min, once). Prints the ELF's path.
# Users with Solana's toolchain run `cargo build-sbf` in crates/solana-program instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v sbpf-linker >/dev/null; then
  echo "installing sbpf-linker 0.1.9 (once, ~10 min)" >&2
  cargo install sbpf-linker@0.1.9 --locked >&2
fi
SYSROOT=$(tools/sbf-sysroot/setup-sysroot.sh)
export CARGO_TARGET_DIR="${SBF_TARGET_DIR:-$HOME/.cache/x402-zk/sbf-target}"
RUSTFLAGS="--sysroot=$SYSROOT -C linker=sbpf-linker -C panic=abort -C relocation-model=static -C link-arg=--llvm-args=-bpf-stack-size=4096" \
  cargo build --locked --profile sbf --target bpfel-unknown-none -p x402-zk-solana-program >&2
out="$CARGO_TARGET_DIR/bpfel-unknown-none/sbf"
cp "$out/deps/libx402_zk_solana_program.so" "$out/x402_zk_solana_program.so"
echo "$out/x402_zk_solana_program.so"
