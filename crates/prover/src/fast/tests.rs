use super::*;
use crate::{setup_dev, Domain, ReceiptQap};
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use x402_zk_primitives::{eddsa::SecretKey, h2f, FieldElement, PayerSecret, ReceiptBody};
use x402_zk_verifier::{Verifier, VerifyingKey};

fn keys() -> &'static (ProvingKey, VerifyingKey, Prover) {
    static KEYS: OnceLock<(ProvingKey, VerifyingKey, Prover)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (pk, vk) = setup_dev(&mut ChaCha20Rng::seed_from_u64(11)).unwrap();
        let prover = Prover::new(&pk).unwrap();
        (pk, vk, prover)
    })
}

fn case(seed: u64) -> (Witness, Policy) {
    let issuer = SecretKey::from_bytes([seed as u8; 32]);
    let buyer = PayerSecret::from_field(FieldElement::from(1000 + seed));
    let dest = h2f::dest("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "USDC", "seller");
    let receipt = ReceiptBody {
        amount: 1_500_000 + seed * 7,
        dest,
        paid_at: 1_700_000_000 + seed,
        payment_id: h2f::payment_id("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", &seed.to_string()),
        payer_commitment: buyer.commitment(),
    }
    .sign(&issuer);
    let policy = Policy {
        dest,
        min_amount: 1_000_000,
        not_before: 1_699_999_000,
        issuer: issuer.public_key(),
        context: h2f::context("https://api.example/r", &seed.to_string()),
    };
    (
        Witness {
            receipt,
            payer_secret: buyer,
        },
        policy,
    )
}

/// The prover for [`keys`] on arkworks' field arithmetic alone, as on CPUs
/// without AVX-512 IFMA (where [`keys`] has it, it adds G1 points eight at a time).
fn portable_prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| {
        let prover = Prover::new_portable(&keys().0).unwrap();
        assert!(!prover.uses_ifma());
        assert_eq!(keys().2.uses_ifma(), Ifma::detect().is_some());
        prover
    })
}

/// A key from ark-groth16's own setup (its power-of-two domain, the same 4,096
/// points as ours for circuit v1, from the same root of unity).
fn power_of_two_keys() -> &'static (ProvingKey, Prover) {
    static KEYS: OnceLock<(ProvingKey, Prover)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (pk, _) = Groth16::<Bn254>::circuit_specific_setup(
            ReceiptCircuit::blank(),
            &mut ChaCha20Rng::seed_from_u64(14),
        )
        .unwrap();
        let pk = ProvingKey::from_ark(pk).unwrap();
        let prover = Prover::new(&pk).unwrap();
        (pk, prover)
    })
}

#[test]
fn byte_identical_to_ark_groth16_for_the_same_randomness_over_either_domain() {
    let (pk, _, prover) = keys();
    let (old_pk, old_prover) = power_of_two_keys();
    assert_eq!(pk.domain(), Domain::MixedRadix);
    assert_eq!(pk.0.h_query.len() + 1, 4096);
    assert_eq!(old_pk.domain(), Domain::MixedRadix, "the same points");
    assert_eq!(old_pk.0.h_query.len() + 1, Domain::PowerOfTwo.size());
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    for seed in 1..4 {
        let (witness, policy) = case(seed);
        let statement = witness.statement(&policy).unwrap();
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let circuit = || ReceiptCircuit::new(&statement, &witness);
        let ours = prover
            .prove_with_randomness(&statement, &witness, r, s)
            .unwrap();
        let stock =
            Groth16::<Bn254, ReceiptQap>::create_proof_with_reduction(circuit(), &pk.0, r, s)
                .unwrap();
        assert_eq!(ours, stock, "case {seed}, our setup");
        let portable = portable_prover()
            .prove_with_randomness(&statement, &witness, r, s)
            .unwrap();
        assert_eq!(portable, stock, "case {seed}, without AVX-512 IFMA");
        let ours = old_prover
            .prove_with_randomness(&statement, &witness, r, s)
            .unwrap();
        let stock =
            Groth16::<Bn254>::create_proof_with_reduction(circuit(), &old_pk.0, r, s).unwrap();
        assert_eq!(
            ours, stock,
            "case {seed}, ark-groth16's setup and reduction"
        );
    }
}

#[test]
fn power_of_two_keys_still_prove_and_verify() {
    let (old_pk, old_prover) = power_of_two_keys();
    let vk = old_pk.verifying_key().unwrap();
    let reloaded = ProvingKey::from_bytes(&old_pk.to_bytes()).unwrap();
    assert_eq!(reloaded.domain(), Domain::MixedRadix);
    let (witness, policy) = case(6);
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let (statement, proof) = old_prover.prove(&witness, &policy, &mut rng).unwrap();
    Verifier::new(&vk).verify(&statement, &proof).unwrap();
    let (statement, proof) = crate::prove(old_pk, &witness, &policy, &mut rng).unwrap();
    Verifier::new(&vk).verify(&statement, &proof).unwrap();
}

#[test]
fn a_key_over_another_domain_is_refused() {
    let mut pk = keys().0 .0.clone();
    pk.h_query.truncate(4000);
    assert!(matches!(
        ProvingKey::from_ark(pk),
        Err(ProveError::KeyMismatch)
    ));
}

#[test]
fn proofs_verify_and_refusals_match_the_stock_prover() {
    let (pk, vk, prover) = keys();
    let verifier = Verifier::new(vk);
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let (witness, policy) = case(5);
    let (statement, proof) = prover.prove(&witness, &policy, &mut rng).unwrap();
    verifier.verify(&statement, &proof).unwrap();
    // A proof is bound to its statement.
    let other = Policy {
        context: h2f::context("https://api.example/r", "other"),
        ..policy
    };
    let other_statement = witness.statement(&other).unwrap();
    assert!(verifier.verify(&other_statement, &proof).is_err());
    // A receipt that does not meet the policy gets the same precise error.
    let greedy = Policy {
        min_amount: 10_000_000,
        ..policy
    };
    let fast = prover.prove(&witness, &greedy, &mut rng).unwrap_err();
    let stock = crate::prove(pk, &witness, &greedy, &mut rng).unwrap_err();
    assert_eq!(fast.to_string(), stock.to_string());
    assert!(matches!(fast, ProveError::Witness(_)));
    // A receipt whose signature does not verify (checked beside the witness
    // generation) gives no proof, and the stock prover's error: the signature's,
    // also when the receipt fails the policy too.
    let mut forged = witness.clone();
    forged.receipt.body.amount += 1;
    for policy in [&policy, &greedy] {
        let fast = prover.prove(&forged, policy, &mut rng).unwrap_err();
        let stock = crate::prove(pk, &forged, policy, &mut rng).unwrap_err();
        assert_eq!(fast.to_string(), stock.to_string());
        assert!(fast.to_string().contains("signature"), "{fast}");
    }
}

#[test]
fn prover_is_shared_across_threads() {
    let (_, vk, prover) = keys();
    let verifier = Verifier::new(vk);
    std::thread::scope(|scope| {
        for seed in 20..22 {
            let verifier = &verifier;
            scope.spawn(move || {
                let (witness, policy) = case(seed);
                let mut rng = ChaCha20Rng::seed_from_u64(seed);
                let (statement, proof) = prover.prove(&witness, &policy, &mut rng).unwrap();
                verifier.verify(&statement, &proof).unwrap();
            });
        }
    });
}

/// Times each query's MSM for several window widths (see `WINDOW`).
#[test]
#[ignore = "timing survey, run by hand"]
fn window_widths() {
    let (pk, _, _) = keys();
    let (witness, policy) = case(3);
    let statement = witness.statement(&policy).unwrap();
    let z = full_assignment(&statement, &witness).unwrap();
    let full = |q: &[G1Affine]| {
        q.iter()
            .zip(&z)
            .filter(|(b, s)| {
                !ark_ec::AffineRepr::is_zero(*b)
                    && ark_ff::BigInteger::num_bits(&ark_ff::PrimeField::into_bigint(**s)) > 1
            })
            .count()
    };
    println!(
        "scalars other than 0 and 1: A {} B {}",
        full(&pk.0.a_query),
        full(&pk.0.b_g1_query)
    );
    for c in [9, 11, 12, 13, 14, 15] {
        let m = QueryMsm::new(Ifma::detect(), &pk.0.b_g2_query, c);
        let t = std::time::Instant::now();
        for _ in 0..5 {
            let _ = std::hint::black_box(m.msm(&z));
        }
        println!("B2 c={c}: {:.2} ms", t.elapsed().as_secs_f64() * 1e3 / 5.0);
    }
    for c in [11, 12, 13, 14, 15] {
        let m = QueryMsm::new(Ifma::detect(), &pk.0.a_query, c);
        let t = std::time::Instant::now();
        for _ in 0..5 {
            let _ = std::hint::black_box(m.msm(&z));
        }
        println!("A c={c}: {:.2} ms", t.elapsed().as_secs_f64() * 1e3 / 5.0);
    }
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    // One half of the H query, as the prover splits it.
    let half = pk.0.h_query.len().div_ceil(2);
    let h: Vec<Fr> = (0..half).map(|_| Fr::rand(&mut rng)).collect();
    for c in [12, 13, 14, 15, 16] {
        let m = QueryMsm::new(Ifma::detect(), &pk.0.h_query[..half], c);
        let t = std::time::Instant::now();
        for _ in 0..5 {
            let _ = std::hint::black_box(m.msm(&h));
        }
        println!("H c={c}: {:.2} ms", t.elapsed().as_secs_f64() * 1e3 / 5.0);
    }
}

/// The fast witness generator (no linear combinations, batched inversions) gives
/// exactly the assignment of a synthesis that builds the matrices.
#[test]
fn witness_generator_matches_full_synthesis() {
    for seed in 1..4 {
        let (witness, policy) = case(seed);
        let statement = witness.statement(&policy).unwrap();
        let cs = ConstraintSystem::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        ReceiptCircuit::new(&statement, &witness)
            .generate_constraints(cs.clone())
            .unwrap();
        assert!(cs.is_satisfied().unwrap());
        let cs = cs.into_inner().unwrap();
        let mut expected = cs.instance_assignment;
        expected.extend(cs.witness_assignment);
        assert_eq!(full_assignment(&statement, &witness).unwrap(), expected);
    }
}
