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
# Installs Debian packages as root; otherwise prints which tests will be skipped.
# Usage: apt_install WHAT SKIPPED [APT-GET OPTION...] PACKAGE...
apt_install() {
  local what=$1 skipped=$2
  shift 2
  if [ "$(id -u)" = 0 ]; then
    echo "installing $what (apt-get install $*)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "note: $what missing and not root; $skipped will be skipped"
  fi
}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  apt_install "PostgreSQL" "the PostgreSQL store tests" postgresql
fi
if ! command -v promtool >/dev/null 2>&1 || ! command -v amtool >/dev/null 2>&1; then
  apt_install "promtool and amtool" "the deploy/ checks" --no-install-recommends \
    prometheus prometheus-alertmanager
fi
if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  apt_install "qemu-x86_64" "the CPU-feature check test" --no-install-recommends qemu-user
fi
