//! Times each ceremony step on the shared pot13 file: `cargo run --release -p
//! x402-zk-ceremony --example ceremony_timing [path.ptau]`.
use std::time::Instant;
use x402_zk_ceremony::*;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/peer/artifacts/pot13_final.ptau".into());
    let mut rng = rand::rngs::OsRng;
    let quiet = |_: usize, _: usize| {};
    let t = Instant::now();
    let ptau = std::fs::read(&path).expect("read .ptau");
    let phase1 = Phase1::from_ptau(&ptau, RECEIPT_CIRCUIT_POWER, &mut rng).expect("phase 1");
    println!("read + check .ptau: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut params = Parameters::init(&phase1).expect("init");
    println!("init: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    contribute(&mut params, "timing", b"", &mut rng, &quiet).expect("contribute");
    println!("contribute: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let bytes = params.to_bytes();
    let back = Parameters::from_bytes(&bytes).expect("parse");
    println!(
        "write + parse {} bytes: {:.2} s",
        bytes.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let report = verify(&back, &phase1, &mut rng).expect("verify");
    println!(
        "verify (without reading the .ptau): {:.2} s, {} contributions",
        t.elapsed().as_secs_f64(),
        report.contributions.len()
    );
}
