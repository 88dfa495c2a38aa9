//! Memory of proving, from the kernel's counters (Linux): resident set after each
//! step and the peak during one proof (`VmHWM`, reset before the proof).
//! Run: `cargo run --release -p x402-zk-prover --example prove_memory`.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use x402_zk_prover::{prove, setup_dev, Prover, ProvingKey};

/// `(VmRSS, VmHWM)` in MiB.
#[path = "../fixtures/receipt_case.rs"]
mod fixture;
use fixture::receipt_case;

fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak counter to the current resident set.
fn reset_peak() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("cannot reset VmHWM (not Linux?); peaks include earlier steps");
    }
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (pk, _) = setup_dev(&mut rng).expect("setup");
    let bytes = pk.to_bytes();
    drop(pk);
    let (witness, policy) = receipt_case();

    let start = Instant::now();
    let pk = ProvingKey::from_bytes(&bytes).expect("key");
    let load_ms = start.elapsed().as_secs_f64() * 1e3;
    drop(bytes);
    let (with_key, _) = memory();
    let start = Instant::now();
    let prover = Prover::new(&pk).expect("prepare");
    let prepare_ms = start.elapsed().as_secs_f64() * 1e3;
    let (prepared, _) = memory();

    reset_peak();
    let (before, _) = memory();
    prover.prove(&witness, &policy, &mut rng).expect("prove");
    let (_, fast_peak) = memory();

    reset_peak();
    let (stock_before, _) = memory();
    prove(&pk, &witness, &policy, &mut rng).expect("stock prove");
    let (_, stock_peak) = memory();

    println!(
        "proving key file: {:.2} MB, loaded in {load_ms:.1} ms",
        pk.to_bytes().len() as f64 / 1e6
    );
    println!("resident with the key loaded:           {with_key:7.1} MiB");
    println!("resident after preparing the fast prover: {prepared:5.1} MiB ({} precomputed points, {prepare_ms:.0} ms)", prover.precomputed_points());
    println!(
        "first fast proof: peak {fast_peak:.1} MiB, +{:.1} MiB over the {before:.1} MiB before it",
        fast_peak - before
    );
    println!("then one stock proof: peak {stock_peak:.1} MiB, +{:.1} MiB over the {stock_before:.1} MiB before it", stock_peak - stock_before);
}
