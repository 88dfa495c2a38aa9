//! Work of one step (witness, proof, verification), to be counted in instructions
//! under valgrind's callgrind by `bench/work.sh`: on a noisy machine the count is
//! stable where times are not, so it can show a change of a few percent.
//!
//! `work_counts write DIR` makes a key, 16 proofs and their public signals in
//! `DIR`; `work_counts MODE DIR` loads them and runs `MODE` `REPS` times (env,
//! default 1): `load` (nothing more), `witness`, `prove`, `verify` (typed),
//! `verify-bytes`, `batch` (all 16 at once, once). Counting two `REPS` values and
//! subtracting removes the loading and the one-time tables.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::Path;
use x402_zk_primitives::{h2f, Policy, Statement};
use x402_zk_prover::{full_assignment, prove, setup_dev, Prover, ProvingKey};
use x402_zk_verifier::{Proof, Verifier, VerifyingKey};

#[path = "../fixtures/receipt_case.rs"]
mod fixture;
use fixture::receipt_case;

const PROOFS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: work_counts write|load|witness|prove|verify|verify-bytes|batch DIR");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let (witness, policy) = receipt_case();
    let policy_for = |i: usize| Policy {
        context: h2f::context("https://api.example/r", &i.to_string()),
        ..policy
    };
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    if mode == "write" {
        std::fs::create_dir_all(dir).expect("create the directory");
        let (pk, vk) = setup_dev(&mut rng).expect("setup");
        let mut proofs = Vec::new();
        let mut signals = String::new();
        for i in 0..PROOFS {
            let (statement, proof) = prove(&pk, &witness, &policy_for(i), &mut rng).expect("prove");
            proofs.extend(proof.to_bytes());
            let line: Vec<String> = statement
                .public_inputs()
                .iter()
                .map(|f| f.0.to_string())
                .collect();
            signals += &(line.join(" ") + "\n");
        }
        std::fs::write(dir.join("pk"), pk.to_bytes()).expect("write pk");
        std::fs::write(dir.join("vk"), vk.to_bytes()).expect("write vk");
        std::fs::write(dir.join("proofs"), proofs).expect("write proofs");
        std::fs::write(dir.join("signals"), signals).expect("write signals");
        return;
    }
    let read = |name: &str| std::fs::read(dir.join(name)).expect("run `write` first");
    let vk = VerifyingKey::from_bytes(&read("vk")).expect("vk");
    let raw = read("proofs");
    let len = raw.len() / PROOFS;
    let signals = String::from_utf8(read("signals")).expect("signals");
    let items: Vec<(Statement, Proof)> = signals
        .lines()
        .zip(raw.chunks(len))
        .map(|(line, bytes)| {
            let signals: Vec<&str> = line.split(' ').collect();
            let statement = Statement::from_decimal_signals(&signals).expect("signals");
            (statement, Proof::from_bytes(bytes).expect("proof"))
        })
        .collect();
    let verifier = Verifier::new(&vk);
    let nth = |i: usize| &items[i % PROOFS];
    match mode.as_str() {
        "load" => {}
        "witness" => {
            let statement = witness.statement(&policy).expect("statement");
            for _ in 0..reps {
                std::hint::black_box(full_assignment(&statement, &witness).expect("witness"));
            }
        }
        "prove" => {
            let pk = ProvingKey::from_bytes(&read("pk")).expect("pk");
            let prover = Prover::new(&pk).expect("prepare");
            for i in 0..reps {
                std::hint::black_box(
                    prover
                        .prove(&witness, &policy_for(i), &mut rng)
                        .expect("prove"),
                );
            }
        }
        "verify" => (0..reps).for_each(|i| verifier.verify(&nth(i).0, &nth(i).1).expect("verify")),
        "verify-bytes" => (0..reps).for_each(|i| {
            let bytes = &raw[(i % PROOFS) * len..][..len];
            verifier.verify_bytes(&nth(i).0, bytes).expect("verify")
        }),
        "batch" => (0..reps).for_each(|_| verifier.verify_batch(&items, &mut rng).expect("batch")),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}
