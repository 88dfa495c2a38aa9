#!/usr/bin/env bash
# Times a whole ceremony for the receipt circuit with the release binary: init
# from a .ptau, three contributions, a beacon (2^20 SHA-256), verify (three
# runs), export; prints medians, peak memory and file sizes. For reference it
# times `snarkjs zkey contribute` on the circom peer's key of the same statement.
# Usage: bench/ceremony.sh [file.ptau]   (default: ../shared/peer/artifacts/pot13_final.ptau,
#        or a development phase 1 when that file is absent)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ptau="${1:-$root/../shared/peer/artifacts/pot13_final.ptau}"
target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release --locked -p x402-zk-cli >&2)
bin="$target/release/x402-zk"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
# run LABEL CMD… : appends "label seconds peak_kib" to times.txt
run() { local label=$1; shift
  /usr/bin/time -f "$label %e %M" -a -o times.txt "$@" >/dev/null 2>>log.txt \
    || { cat log.txt >&2; exit 1; }; }
if [ -f "$ptau" ]; then cp "$ptau" phase1.ptau; src="$(basename "$ptau")"
  run init "$bin" ceremony init --ptau phase1.ptau --out p0.params
else src="development phase 1 (no $ptau)"
  run init "$bin" ceremony init --dev-phase1 --ptau phase1.ptau --out p0.params
fi
for i in 0 1 2; do run contribute "$bin" ceremony contribute --params p$i.params --out p$((i+1)).params --name "bench $i"; done
run beacon "$bin" ceremony beacon --params p3.params --out p4.params --beacon-hex 8f1ecb2a55 --iterations-exp 20
for i in 1 2 3; do run verify "$bin" ceremony verify --ptau phase1.ptau --params p4.params; done
run export "$bin" ceremony export --ptau phase1.ptau --params p4.params --out-dir keys
snarkjs="$root/tools/snarkjs/node_modules/.bin/snarkjs"
zkey="$root/../shared/peer/artifacts/circuit_final.zkey"
if [ -x "$snarkjs" ] && [ -f "$zkey" ]; then
  for i in 1 2 3; do run snarkjs_contribute "$snarkjs" zkey contribute "$zkey" "sj$i.zkey" --name=bench -e="bench entropy $i"; done
fi
python3 - "$src" <<'PY'
import os, statistics, sys
rows = {}
for line in open("times.txt"):
    label, secs, kib = line.split()
    rows.setdefault(label, []).append((float(secs), int(kib)))
print(f"ceremony for receipt circuit v1 on {sys.argv[1]} ({os.cpu_count()} cores)\n")
print("| step | runs | median s | peak RSS MiB |")
print("|---|---|---|---|")
for label in ["init", "contribute", "beacon", "verify", "export", "snarkjs_contribute"]:
    if label in rows:
        r = rows[label]
        print(f"| {label.replace('_', ' ')} | {len(r)} | {statistics.median(s for s, _ in r):.2f} | {max(k for _, k in r) / 1024:.0f} |")
print("\n| file | bytes |")
print("|---|---|")
for f in ["phase1.ptau", "p0.params", "p4.params", "keys/proving.key", "keys/verifying.key",
          "keys/verification_key.json", "keys/verifying_key.onchain.json"]:
    print(f"| {f} | {os.path.getsize(f):,} |")
PY
