//! Median prove (witness generation included) and verify times for one receipt:
//! stock ark-groth16 beside the fast prover, and the parts of each.
//! Run: `cargo bench -p x402-zk-prover --bench prove_verify`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_prover::{full_assignment, prove, setup_dev, Prover, ProvingKey};
use x402_zk_verifier::{Proof, Verifier, VerifyingKey};

#[path = "../fixtures/receipt_case.rs"]
mod fixture;
use fixture::receipt_case;
use x402_zk_primitives::{h2f, Policy, Statement};

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (pk, vk) = setup_dev(&mut rng).unwrap();
    let (witness, policy) = receipt_case();
    let (statement, proof) = prove(&pk, &witness, &policy, &mut rng).unwrap();
    let verifier = Verifier::new(&vk);

    // Stock ark-groth16 end to end: its own setup (over the power of two above the
    // rows, 2^12 points, the same as ours) and its own prover, as anyone would run it.
    let (stock_pk, _) =
        Groth16::<Bn254>::circuit_specific_setup(ReceiptCircuit::blank(), &mut rng).unwrap();

    let mut g = c.benchmark_group("receipt");
    g.sample_size(20);
    g.bench_function("prove (witness + Groth16, stock ark-groth16)", |b| {
        b.iter(|| {
            let statement = witness.statement(&policy).unwrap();
            let circuit = ReceiptCircuit::new(&statement, &witness);
            Groth16::<Bn254>::prove(&stock_pk, circuit, &mut rng).unwrap()
        })
    });
    let prover = Prover::new(&pk).unwrap();
    g.sample_size(50);
    g.bench_function("prove (witness + Groth16, fast prover)", |b| {
        b.iter(|| prover.prove(&witness, &policy, &mut rng).unwrap())
    });
    if prover.uses_ifma() {
        // What the G1 additions on AVX-512 IFMA gain, on the same key.
        let portable = Prover::new_portable(&pk).unwrap();
        g.bench_function(
            "prove (witness + Groth16, fast prover, no AVX-512 IFMA)",
            |b| b.iter(|| portable.prove(&witness, &policy, &mut rng).unwrap()),
        );
    }
    let statement_for_witness = witness.statement(&policy).unwrap();
    g.bench_function("witness generation (synthesis, no matrices)", |b| {
        b.iter(|| full_assignment(&statement_for_witness, &witness).unwrap())
    });
    // Throughput: 8 proofs at once on the thread pool (both cores); proofs/s = 8 / time.
    g.sample_size(10);
    g.bench_function("throughput (8 concurrent proofs, fast prover)", |b| {
        b.iter(|| {
            (0..8u64).into_par_iter().for_each(|i| {
                let mut rng = ChaCha20Rng::seed_from_u64(i);
                prover.prove(&witness, &policy, &mut rng).unwrap();
            })
        })
    });
    g.bench_function("prepare fast prover (window tables, matrices)", |b| {
        b.iter(|| Prover::new(&pk).unwrap())
    });
    g.sample_size(100);
    g.bench_function("verify (prepared key, typed statement)", |b| {
        b.iter(|| verifier.verify(&statement, &proof).unwrap())
    });
    // What the pairing's Fq12 arithmetic on AVX-512 IFMA gains, same key.
    let portable_verifier = verifier.uses_ifma().then(|| Verifier::new_portable(&vk));
    if let Some(portable) = &portable_verifier {
        g.bench_function(
            "verify (prepared key, typed statement, no AVX-512 IFMA)",
            |b| b.iter(|| portable.verify(&statement, &proof).unwrap()),
        );
    }
    // Where verification time goes: the public-input MSM, then the pairing check.
    {
        use ark_bn254::{Bn254, Fr};
        use ark_groth16::Groth16;
        let pvk = ark_groth16::prepare_verifying_key(vk.as_ark());
        let inputs: Vec<Fr> = statement.public_inputs().iter().map(|f| f.0).collect();
        g.bench_function(
            "verify part: public-input MSM, stock double-and-add (7 inputs)",
            |b| b.iter(|| Groth16::<Bn254>::prepare_inputs(&pvk, &inputs).unwrap()),
        );
        g.bench_function("verify (stock ark-groth16, prepared key)", |b| {
            b.iter(|| {
                assert!(Groth16::<Bn254>::verify_proof(&pvk, proof.as_ark(), &inputs).unwrap())
            })
        });
        let prepared = Groth16::<Bn254>::prepare_inputs(&pvk, &inputs).unwrap();
        g.bench_function(
            "verify part: pairing check (3 Miller loops + final exp)",
            |b| {
                b.iter(|| {
                    Groth16::<Bn254>::verify_proof_with_prepared_inputs(
                        &pvk,
                        proof.as_ark(),
                        &prepared,
                    )
                    .unwrap()
                })
            },
        );
        g.bench_function("verify part: decode proof (G2 subgroup check)", |b| {
            let bytes = proof.to_bytes();
            b.iter(|| Proof::from_bytes(&bytes).unwrap())
        });
    }
    let bytes = proof.to_bytes();
    let signals: Vec<String> = statement
        .public_inputs()
        .iter()
        .map(|f| f.to_string())
        .collect();
    // From the wire: decimal signals and proof bytes, every check included; the
    // G2 subgroup check runs beside the final exponentiation (`verify_bytes`).
    g.bench_function(
        "verify (decode proof bytes + decimal signals + checks)",
        |b| {
            b.iter(|| {
                let statement = Statement::from_decimal_signals(&signals).unwrap();
                verifier.verify_bytes(&statement, &bytes).unwrap()
            })
        },
    );
    if let Some(portable) = &portable_verifier {
        g.bench_function("verify from bytes (all checks, no AVX-512 IFMA)", |b| {
            b.iter(|| {
                let statement = Statement::from_decimal_signals(&signals).unwrap();
                portable.verify_bytes(&statement, &bytes).unwrap()
            })
        });
    }
    g.bench_function("verify (Proof::from_bytes, then verify_signals)", |b| {
        b.iter(|| {
            verifier
                .verify_signals(&signals, &Proof::from_bytes(&bytes).unwrap())
                .unwrap()
        })
    });
    // Batch verification: 64 proofs of one receipt for 64 contexts.
    let batch: Vec<_> = (0..64)
        .map(|i| {
            let policy = Policy {
                context: h2f::context("https://api.example/r", &i.to_string()),
                ..policy
            };
            prover.prove(&witness, &policy, &mut rng).unwrap()
        })
        .collect();
    g.sample_size(20);
    g.bench_function("verify batch of 64 (random linear combination)", |b| {
        b.iter(|| verifier.verify_batch(&batch, &mut rng).unwrap())
    });
    if let Some(portable) = &portable_verifier {
        g.bench_function(
            "verify batch of 64 (random linear combination, no AVX-512 IFMA)",
            |b| b.iter(|| portable.verify_batch(&batch, &mut rng).unwrap()),
        );
    }
    let pk_bytes = pk.to_bytes();
    g.sample_size(10);
    g.bench_function("load proving key", |b| {
        b.iter(|| ProvingKey::from_bytes(&pk_bytes).unwrap())
    });
    let vk_bytes = vk.to_bytes();
    g.bench_function("load verifying key", |b| {
        b.iter(|| VerifyingKey::from_bytes(&vk_bytes).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
