//! Our verifier against the proof snarkjs made for the golden receipt, and the
//! malformed-input checks of every decoder.

use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ff::{BigInteger, Field, One, PrimeField};
use x402_zk_primitives::{field::modulus, ParseError, StatementError};
use x402_zk_verifier::{
    DecodeError, Proof, SnarkjsProof, SnarkjsVerifyingKey, Verifier, VerifyError, VerifyingKey,
};

const VK: &str = include_str!("../../../test-vectors/circomlibjs/snarkjs_verification_key.json");
const PROOF: &str = include_str!("../../../test-vectors/circomlibjs/snarkjs_proof.json");
const PUBLIC: &str = include_str!("../../../test-vectors/circomlibjs/snarkjs_public.json");

fn vk_json() -> SnarkjsVerifyingKey {
    serde_json::from_str(VK).unwrap()
}

fn proof_json() -> SnarkjsProof {
    serde_json::from_str(PROOF).unwrap()
}

fn signals() -> Vec<String> {
    serde_json::from_str(PUBLIC).unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(&VerifyingKey::from_snarkjs(&vk_json()).unwrap())
}

/// The verifier on this CPU's fastest arithmetic, and on the portable 64-bit one
/// (the same where the CPU has no AVX-512 IFMA).
fn both_verifiers() -> [Verifier; 2] {
    let vk = VerifyingKey::from_snarkjs(&vk_json()).unwrap();
    [Verifier::new(&vk), Verifier::new_portable(&vk)]
}

#[test]
fn accepts_the_snarkjs_proof() {
    let proof = Proof::from_snarkjs(&proof_json()).unwrap();
    for v in both_verifiers() {
        v.verify_signals(&signals(), &proof).unwrap();
    }
}

#[test]
fn rejects_it_with_any_public_signal_changed() {
    let proof = Proof::from_snarkjs(&proof_json()).unwrap();
    for v in both_verifiers() {
        rejects_changed_signals(&v, &proof);
    }
}

fn rejects_changed_signals(v: &Verifier, proof: &Proof) {
    for i in 0..7 {
        let mut s = signals();
        let n: num_bigint::BigUint = s[i].parse().unwrap();
        s[i] = (n + 1u32).to_string();
        let err = v.verify_signals(&s, proof).unwrap_err();
        if i >= 5 {
            // A changed issuer coordinate is no longer a curve point.
            assert!(err.is_malformed(), "signal {i}: {err}");
        } else {
            assert_eq!(err, VerifyError::InvalidProof, "signal {i}");
        }
    }
}

#[test]
fn malformed_public_inputs_are_told_apart() {
    let proof = Proof::from_snarkjs(&proof_json()).unwrap();
    let v = verifier();
    let mut s = signals();
    s[1] = modulus().to_string();
    assert!(matches!(
        v.verify_signals(&s, &proof),
        Err(VerifyError::MalformedInputs(StatementError::Input {
            index: 1,
            source: ParseError::NotInField,
            ..
        }))
    ));
    let mut s = signals();
    s[3] = "18446744073709551616".into();
    assert!(matches!(
        v.verify_signals(&s, &proof),
        Err(VerifyError::MalformedInputs(StatementError::Input {
            index: 3,
            source: ParseError::NotU64,
            ..
        }))
    ));
    assert_eq!(
        v.verify_signals(&signals()[..6], &proof),
        Err(VerifyError::MalformedInputs(StatementError::Count(6)))
    );
}

#[test]
fn proof_points_are_validated() {
    let mut p = proof_json();
    let y: num_bigint::BigUint = p.pi_a.0[1].parse().unwrap();
    p.pi_a.0[1] = (y + 1u32).to_string();
    assert_eq!(
        Proof::from_snarkjs(&p),
        Err(DecodeError::NotOnCurve("proof.pi_a"))
    );

    let mut p = proof_json();
    p.pi_c.0[0] = num_bigint::BigUint::from(Fq::MODULUS).to_string();
    assert_eq!(
        Proof::from_snarkjs(&p),
        Err(DecodeError::Coordinate("proof.pi_c"))
    );

    let mut p = proof_json();
    p.pi_a.0[2] = "0".into();
    assert_eq!(
        Proof::from_snarkjs(&p),
        Err(DecodeError::Infinity("proof.pi_a"))
    );

    // A point on the twist curve that is outside the order-r subgroup.
    let off = g2_outside_subgroup();
    let mut p = proof_json();
    p.pi_b.0[0] = [off.x.c0.to_string(), off.x.c1.to_string()];
    p.pi_b.0[1] = [off.y.c0.to_string(), off.y.c1.to_string()];
    assert_eq!(
        Proof::from_snarkjs(&p),
        Err(DecodeError::NotInSubgroup("proof.pi_b"))
    );
}

fn g2_outside_subgroup() -> G2Affine {
    let b = <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
    for i in 1u64.. {
        let x = Fq2::new(Fq::from(i), Fq::one());
        if let Some(y) = (x * x * x + b).sqrt() {
            let p = G2Affine::new_unchecked(x, y);
            assert!(p.is_on_curve());
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
    }
    unreachable!()
}

#[test]
fn binary_and_json_round_trips() {
    let vk = VerifyingKey::from_snarkjs(&vk_json()).unwrap();
    assert_eq!(VerifyingKey::from_bytes(&vk.to_bytes()).unwrap(), vk);
    let ours = vk.to_snarkjs();
    let theirs = vk_json();
    assert_eq!(ours.vk_alpha_1, theirs.vk_alpha_1);
    assert_eq!(ours.vk_beta_2, theirs.vk_beta_2);
    assert_eq!(ours.ic, theirs.ic);
    assert_eq!(
        ours.vk_alphabeta_12, theirs.vk_alphabeta_12,
        "e(α, β) laid out as snarkjs does"
    );
    assert_eq!(vk.hash_hex().len(), 64);

    let proof = Proof::from_snarkjs(&proof_json()).unwrap();
    assert_eq!(proof.to_snarkjs(), proof_json());
    let bytes = proof.to_bytes();
    assert_eq!(Proof::from_bytes(&bytes).unwrap(), proof);
    assert!(matches!(
        Proof::from_bytes(&bytes[..200]),
        Err(DecodeError::Length { .. })
    ));
    let mut wrong_version = bytes.clone();
    wrong_version[0] = 2;
    assert!(matches!(
        Proof::from_bytes(&wrong_version),
        Err(DecodeError::UnsupportedVersion { .. })
    ));
    // Every single-bit flip of the points is refused, as malformed or as false.
    let v = verifier();
    for byte in (1..bytes.len()).step_by(7) {
        let mut flipped = bytes.clone();
        flipped[byte] ^= 1 << (byte % 8);
        let result = Proof::from_bytes(&flipped)
            .map_err(VerifyError::MalformedProof)
            .and_then(|p| v.verify_signals(&signals(), &p));
        assert!(result.is_err(), "flip at byte {byte} accepted");
    }
    let mut bad_magic = vk.to_bytes();
    bad_magic[0] = b'X';
    assert_eq!(
        VerifyingKey::from_bytes(&bad_magic),
        Err(DecodeError::BadMagic("verifying key"))
    );
}

#[test]
fn batch_of_the_snarkjs_proof() {
    use x402_zk_primitives::Statement;
    use x402_zk_verifier::BatchError;
    let proof = Proof::from_snarkjs(&proof_json()).unwrap();
    let statement = Statement::from_decimal_signals(&signals()).unwrap();
    let mut other = statement;
    other.min_amount += 1;
    let mut rng = rand::rngs::OsRng;
    for v in both_verifiers() {
        v.verify_batch(
            &[(statement, proof.clone()), (statement, proof.clone())],
            &mut rng,
        )
        .unwrap();
        let items = [
            (statement, proof.clone()),
            (other, proof.clone()),
            (statement, proof.clone()),
        ];
        assert_eq!(
            v.verify_batch(&items, &mut rng),
            Err(BatchError::Invalid { invalid: vec![1] })
        );
    }
}

/// `verify_bytes` (subgroup check beside the pairing) gives the verdict of
/// `from_bytes` then `verify` for a valid proof, a false one and a `B` outside
/// the subgroup (a unit test in `verify.rs` covers a pairing that holds beside
/// such a `B`).
#[test]
fn verify_bytes_agrees_with_decode_then_verify() {
    for v in both_verifiers() {
        verify_bytes_agrees_on(&v);
    }
}

fn verify_bytes_agrees_on(v: &Verifier) {
    use x402_zk_primitives::Statement;
    let statement = Statement::from_decimal_signals(&signals()).unwrap();
    let bytes = Proof::from_snarkjs(&proof_json()).unwrap().to_bytes();
    v.verify_bytes(&statement, &bytes).unwrap();

    let mut other = signals();
    other[1] = "12345".into();
    let other = Statement::from_decimal_signals(&other).unwrap();
    assert_eq!(
        v.verify_bytes(&other, &bytes),
        Err(VerifyError::InvalidProof)
    );

    // B replaced by an on-curve point outside the subgroup: 128 bytes at 65.
    let off = g2_outside_subgroup();
    let mut bad = bytes.clone();
    for (i, f) in [off.x.c1, off.x.c0, off.y.c1, off.y.c0].iter().enumerate() {
        let be = f.into_bigint().to_bytes_be();
        bad[65 + 32 * i..65 + 32 * (i + 1)].copy_from_slice(&be);
    }
    let expected = DecodeError::NotInSubgroup("proof.B");
    assert_eq!(Proof::from_bytes(&bad), Err(expected.clone()));
    for s in [&statement, &other] {
        assert_eq!(
            v.verify_bytes(s, &bad),
            Err(VerifyError::MalformedProof(expected.clone()))
        );
    }

    // Other malformations are refused before any pairing, as by from_bytes:
    // the last byte of A, of B (its y.c0) and of C, off the curve.
    for byte in [64, 192, 256] {
        let mut off_curve = bytes.clone();
        off_curve[byte] ^= 1;
        let expected = Proof::from_bytes(&off_curve).unwrap_err();
        assert!(matches!(expected, DecodeError::NotOnCurve(_)), "{expected}");
        assert_eq!(
            v.verify_bytes(&statement, &off_curve),
            Err(VerifyError::MalformedProof(expected)),
            "byte {byte}"
        );
    }
    assert!(v
        .verify_bytes(&statement, &bytes[1..])
        .unwrap_err()
        .is_malformed());
}
