//! Setup, prove, verify, and every way a proof must fail to verify.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use x402_zk_primitives::{
    eddsa::SecretKey, h2f, FieldElement, PayerSecret, Policy, Witness, WitnessError,
};
use x402_zk_prover::{prove, setup_dev, ProveError, ProvingKey};
use x402_zk_verifier::{verify, Proof, VerifyError, VerifyingKey};

fn keys() -> &'static (ProvingKey, VerifyingKey) {
    static KEYS: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    KEYS.get_or_init(|| setup_dev(&mut ChaCha20Rng::seed_from_u64(7)).unwrap())
}

/// The receipt case the bench proves too.
#[path = "../fixtures/receipt_case.rs"]
mod shared;

fn fixture() -> (Witness, Policy) {
    shared::receipt_case()
}

#[test]
fn proof_verifies_and_binds_every_public_input() {
    let (pk, vk) = keys();
    let (witness, policy) = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (statement, proof) = prove(pk, &witness, &policy, &mut rng).unwrap();
    verify(vk, &statement, &proof).unwrap();
    statement.satisfies(&policy).unwrap();
    assert_eq!(
        statement.nullifier,
        witness
            .payer_secret
            .nullifier(witness.receipt.body.payment_id)
    );

    // Another request's context, another price, another nullifier: all false.
    let mut other = statement;
    other.context = h2f::context("https://api.example/report", "challenge-2");
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));
    let mut other = statement;
    other.min_amount -= 1;
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));
    let mut other = statement;
    other.nullifier = FieldElement::from(1u64);
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));
    let mut other = statement;
    other.not_before += 1;
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));
    let mut other = statement;
    other.dest = FieldElement::from(5u64);
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));
    let mut other = statement;
    other.issuer = SecretKey::from_bytes([2; 32]).public_key();
    assert_eq!(verify(vk, &other, &proof), Err(VerifyError::InvalidProof));

    // Two proofs of one receipt share the nullifier but differ (re-randomised).
    let (statement2, proof2) = prove(pk, &witness, &policy, &mut rng).unwrap();
    assert_eq!(statement2.nullifier, statement.nullifier);
    assert_ne!(proof2.to_bytes(), proof.to_bytes());

    // A proof under another key is false.
    let (_, other_vk) = setup_dev(&mut ChaCha20Rng::seed_from_u64(8)).unwrap();
    assert_eq!(
        verify(&other_vk, &statement, &proof),
        Err(VerifyError::InvalidProof)
    );

    // The bytes survive a round trip.
    verify(
        vk,
        &statement,
        &Proof::from_bytes(&proof.to_bytes()).unwrap(),
    )
    .unwrap();
}

#[test]
fn prover_refuses_receipts_that_do_not_meet_the_policy() {
    let (pk, _) = keys();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (witness, policy) = fixture();
    let expensive = Policy {
        min_amount: 2_000_000,
        ..policy
    };
    assert!(matches!(
        prove(pk, &witness, &expensive, &mut rng),
        Err(ProveError::Witness(WitnessError::AmountTooLow { .. }))
    ));
    let recent = Policy {
        not_before: 1_700_000_001,
        ..policy
    };
    assert!(matches!(
        prove(pk, &witness, &recent, &mut rng),
        Err(ProveError::Witness(WitnessError::TooOld { .. }))
    ));
    let other_issuer = Policy {
        issuer: SecretKey::from_bytes([3; 32]).public_key(),
        ..policy
    };
    assert!(matches!(
        prove(pk, &witness, &other_issuer, &mut rng),
        Err(ProveError::Witness(WitnessError::WrongIssuer))
    ));
    let mut wrong_secret = witness.clone();
    wrong_secret.payer_secret = PayerSecret::from_field(FieldElement::from(100u64));
    assert!(matches!(
        prove(pk, &wrong_secret, &policy, &mut rng),
        Err(ProveError::Witness(WitnessError::WrongSecret))
    ));
}

#[test]
fn proving_key_files_are_checked() {
    let (pk, vk) = keys();
    let bytes = pk.to_bytes();
    let loaded = ProvingKey::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.verifying_key().unwrap(), *vk);
    let mut corrupted = bytes.clone();
    let n = corrupted.len();
    corrupted[n / 2] ^= 1;
    assert!(matches!(
        ProvingKey::from_bytes(&corrupted),
        Err(ProveError::Decode(_))
    ));
    assert!(matches!(
        ProvingKey::from_bytes(&bytes[..1000]),
        Err(ProveError::Decode(_))
    ));
    assert!(matches!(
        ProvingKey::from_bytes(b"not a key at all, clearly not a key"),
        Err(ProveError::Decode(_))
    ));
    // Found by `scripts/fuzz.sh` (target pk): the hash has no key, so a hostile
    // file can pass it and declare a vector of 2^64 - 1 points. It used to panic
    // (capacity overflow) inside arkworks; now its layout is refused first.
    let hostile = |body: &[u8]| {
        use sha2::{Digest, Sha256};
        let mut file = x402_zk_prover::PK_MAGIC.to_vec();
        file.push(x402_zk_prover::PK_FORMAT_V1);
        file.extend_from_slice(&Sha256::digest(body));
        file.extend_from_slice(body);
        file
    };
    let mut body = vec![0u8; 448];
    body.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        ProvingKey::from_bytes(&hostile(&body)),
        Err(ProveError::Decode(_))
    ));
    // A length just beyond the bytes present, and trailing bytes, too.
    let mut body = vec![0u8; 448];
    body.extend_from_slice(&1u64.to_le_bytes());
    body.extend_from_slice(&[0; 63]);
    assert!(ProvingKey::from_bytes(&hostile(&body)).is_err());
    let mut trailing = bytes[41..].to_vec();
    trailing.push(0);
    assert!(ProvingKey::from_bytes(&hostile(&trailing)).is_err());
    assert!(x402_zk_prover::check_uncompressed_layout(&bytes[41..]).is_ok());
}

#[test]
fn batch_verification_accepts_valid_batches_and_names_false_proofs() {
    use x402_zk_verifier::Verifier;
    let (pk, vk) = keys();
    let (witness, policy) = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let items: Vec<_> = (0..6)
        .map(|i| {
            let policy = Policy {
                context: h2f::context("https://api.example/report", &format!("c{i}")),
                ..policy
            };
            prove(pk, &witness, &policy, &mut rng).unwrap()
        })
        .collect();
    // On this CPU's fastest arithmetic and on arkworks' (the same without IFMA).
    for verifier in [Verifier::new(vk), Verifier::new_portable(vk)] {
        batch_verdicts(&verifier, items.clone(), &mut rng);
    }
}

fn batch_verdicts(
    verifier: &x402_zk_verifier::Verifier,
    mut items: Vec<(x402_zk_primitives::Statement, Proof)>,
    rng: &mut ChaCha20Rng,
) {
    use x402_zk_verifier::BatchError;
    verifier.verify_batch(&items, rng).unwrap();
    verifier.verify_batch(&[], rng).unwrap();

    // Swap two proofs' contexts: both become false, and the fallback names them.
    let (c1, c4) = (items[1].0.context, items[4].0.context);
    items[1].0.context = c4;
    items[4].0.context = c1;
    assert_eq!(
        verifier.verify_batch(&items, rng),
        Err(BatchError::Invalid {
            invalid: vec![1, 4]
        })
    );
    // A duplicated valid pair is still valid (replay is the nullifier store's job).
    items[1].0.context = c1;
    items[4].0.context = c4;
    items.push(items[0].clone());
    verifier.verify_batch(&items, rng).unwrap();
}

/// The provers' bounds check reads the receipt's own `S` (and `h`): an honest
/// receipt is within the circuit's bounds, and moving `S` to the bound and one
/// past it crosses the line where the circuit does (`eddsa::s_max`).
#[test]
fn bounds_check_reads_the_receipts_s() {
    use x402_zk_circuit::gadgets::eddsa::s_max;
    use x402_zk_prover::within_circuit_bounds;
    let (mut witness, _) = fixture();
    assert!(within_circuit_bounds(&witness));
    witness.receipt.signature.s = FieldElement(ark_bn254::Fr::from(s_max().clone()));
    assert!(within_circuit_bounds(&witness), "S = S_MAX is provable");
    witness.receipt.signature.s = FieldElement(ark_bn254::Fr::from(s_max() + 1u32));
    assert!(!within_circuit_bounds(&witness), "S = S_MAX + 1 is not");
}
