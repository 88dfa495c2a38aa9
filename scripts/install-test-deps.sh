#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain. Idempotent.
#  - snarkjs (npm, pinned in tools/snarkjs/package-lock.json) for the interop tests;
#  - solc-js (npm, pinned in tools/solc/package-lock.json) for the EVM verifier tests;
#  - Prometheus' promtool and Alertmanager's amtool (Debian's `prometheus`,
#    `prometheus-alertmanager`, needs root) for the deploy/ checks;
#  - PostgreSQL server binaries (Debian's `postgresql`, needs root) for the store tests,
#    which start a throwaway cluster with initdb/pg_ctl. Without them, and outside CI,
#    those tests say loudly that they were skipped;
#  - qemu's user-mode emulator (Debian's `qemu-user`, needs root), which runs the
#    `x402-zk` binary on CPU models without BMI2 and ADX for its start-up check.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x tools/snarkjs/node_modules/.bin/snarkjs ]; then
  echo "installing snarkjs (pinned in tools/snarkjs/package-lock.json)"
  npm ci --prefix tools/snarkjs --no-audit --no-fund --loglevel=error
fi
if [ ! -f tools/solc/node_modules/solc/package.json ]; then
  echo "installing solc-js (pinned in tools/solc/package-lock.json)"
  npm ci --prefix tools/solc --no-audit --no-fund --loglevel=error
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing PostgreSQL (Debian package postgresql)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "note: PostgreSQL binaries missing and not root; the PostgreSQL store tests will be skipped"
  fi
fi
if ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing promtool and amtool (Debian packages prometheus, prometheus-alertmanager)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      prometheus prometheus-alertmanager >/dev/null
  else
    echo "note: promtool/amtool missing and not root; the deploy/ checks will be skipped"
  fi
fi
if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing qemu-x86_64 (Debian package qemu-user)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user >/dev/null
  else
    echo "note: qemu-x86_64 missing and not root; the CPU-feature check test will be skipped"
  fi
fi
