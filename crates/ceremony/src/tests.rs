//! The ceremony against arkworks' own setup, a three-party run with a beacon,
//! and every kind of tampering `verify` must reject.

use crate::{
    ptau::{ptau_from_secrets, read_container, write_container},
    qap::Columns,
    *,
};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, One, UniformRand};
use ark_groth16::Groth16;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_prover::ReceiptQap;

const QUIET: &(dyn Fn(usize, usize) + Sync) = &|_, _| {};

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_entropy()
}

/// A development phase 1 of the receipt circuit's power with known τ, α, β.
struct Dev {
    secrets: (Fr, Fr, Fr),
    phase1: Phase1,
}

fn dev() -> &'static Dev {
    static DEV: OnceLock<Dev> = OnceLock::new();
    DEV.get_or_init(|| {
        let mut r = ChaCha20Rng::seed_from_u64(13);
        let secrets = (Fr::rand(&mut r), Fr::rand(&mut r), Fr::rand(&mut r));
        let ptau = ptau_from_secrets(RECEIPT_CIRCUIT_POWER, secrets.0, secrets.1, secrets.2);
        let phase1 = Phase1::from_ptau(&ptau, RECEIPT_CIRCUIT_POWER, &mut rng()).unwrap();
        Dev { secrets, phase1 }
    })
}

/// Three participants and a beacon on the dev phase 1.
fn ceremony() -> &'static Parameters {
    static PARAMS: OnceLock<Parameters> = OnceLock::new();
    PARAMS.get_or_init(|| {
        let mut params = Parameters::init(&dev().phase1).unwrap();
        for name in ["alice", "bob", ""] {
            contribute(&mut params, name, b"test entropy", &mut rng(), QUIET).unwrap();
        }
        beacon(&mut params, b"drand round 1234 randomness", 10, QUIET).unwrap();
        params
    })
}

#[test]
fn snarkjs_ptau_is_read_at_every_smaller_power() {
    let bytes = include_bytes!("../../../test-vectors/ptau/pot4_final.ptau");
    for power in 1..=4 {
        let p = Phase1::from_ptau(bytes, power, &mut rng()).unwrap();
        assert_eq!(p.lagrange.g1.len(), 1 << power);
        // Σ_i L_i(τ) = 1 on any domain.
        let sum: G1Projective = p.lagrange.g1.iter().map(|x| x.into_group()).sum();
        assert_eq!(sum.into_affine(), G1Affine::generator());
    }
    assert!(matches!(
        Phase1::from_ptau(bytes, 5, &mut rng()),
        Err(CeremonyError::PtauTooSmall { has: 4, needs: 5 })
    ));
}

#[test]
fn dev_ptau_has_the_snarkjs_layout() {
    let ours = dev_ptau(4, &mut rng()).unwrap();
    let theirs =
        read_container(include_bytes!("../../../test-vectors/ptau/pot4_final.ptau")).unwrap();
    let ours_sections = read_container(&ours).unwrap();
    for (id, data) in &theirs {
        if *id != 7 {
            assert_eq!(ours_sections[id].len(), data.len(), "section {id}");
        }
    }
    for power in 1..=4 {
        Phase1::from_ptau(&ours, power, &mut rng()).unwrap();
    }
}

/// Rewrites one section of a `.ptau` file.
fn edit_ptau(bytes: &[u8], edit: impl FnOnce(&mut Vec<(u32, Vec<u8>)>)) -> Vec<u8> {
    let mut sections: Vec<(u32, Vec<u8>)> = read_container(bytes)
        .unwrap()
        .into_iter()
        .map(|(id, d)| (id, d.to_vec()))
        .collect();
    edit(&mut sections);
    write_container(&sections)
}

fn section(sections: &mut [(u32, Vec<u8>)], id: u32) -> &mut Vec<u8> {
    &mut sections.iter_mut().find(|(i, _)| *i == id).unwrap().1
}

#[test]
fn inconsistent_or_unprepared_ptau_is_refused() {
    let good = include_bytes!("../../../test-vectors/ptau/pot4_final.ptau");
    type Edit<'a> = &'a dyn Fn(&mut Vec<(u32, Vec<u8>)>);
    let inconsistent = |edit: Edit| {
        let bytes = edit_ptau(good, edit);
        match Phase1::from_ptau(&bytes, 4, &mut rng()) {
            Err(CeremonyError::Phase1Inconsistent(_)) => {}
            other => panic!("expected an inconsistency, got {other:?}"),
        }
    };
    // τ^3·G1 replaced by τ^2·G1: valid points, wrong powers.
    inconsistent(&|s| {
        let d = section(s, 2);
        let p2 = d[128..192].to_vec();
        d[192..256].copy_from_slice(&p2);
    });
    // Two Lagrange points of the 2^4 domain swapped.
    inconsistent(&|s| {
        let d = section(s, 12);
        let at = 15 * 64;
        let (a, b) = (d[at..at + 64].to_vec(), d[at + 64..at + 128].to_vec());
        d[at..at + 64].copy_from_slice(&b);
        d[at + 64..at + 128].copy_from_slice(&a);
    });
    // β·G2 replaced by τ·G2.
    inconsistent(&|s| {
        let tau_g2 = section(s, 3)[128..256].to_vec();
        *section(s, 6) = tau_g2;
    });
    // α·τ^1 replaced by β·τ^1.
    inconsistent(&|s| {
        let b = section(s, 5)[64..128].to_vec();
        section(s, 4)[64..128].copy_from_slice(&b);
    });

    let unprepared = edit_ptau(good, |s| s.retain(|(id, _)| *id < 12));
    assert!(matches!(
        Phase1::from_ptau(&unprepared, 4, &mut rng()),
        Err(CeremonyError::PtauNotPrepared)
    ));
    let off_curve = edit_ptau(good, |s| section(s, 2)[70] ^= 1);
    assert!(matches!(
        Phase1::from_ptau(&off_curve, 4, &mut rng()),
        Err(CeremonyError::Malformed { .. })
    ));
    // τ·G2 replaced by a point of the twist outside G2.
    let outside = (1u64..)
        .filter_map(|i| {
            let x = ark_bn254::Fq2::new(i.into(), ark_bn254::Fq::one());
            let b = <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
            (x * x * x + b)
                .sqrt()
                .map(|y| ark_bn254::G2Affine::new_unchecked(x, y))
        })
        .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
        .unwrap();
    let mut encoded = Vec::new();
    for c in [outside.x.c0, outside.x.c1, outside.y.c0, outside.y.c1] {
        crate::ptau::fq_lem_bytes(&c, &mut encoded);
    }
    let outside_g2 = edit_ptau(good, |s| section(s, 3)[128..256].copy_from_slice(&encoded));
    match Phase1::from_ptau(&outside_g2, 4, &mut rng()) {
        Err(CeremonyError::Malformed { .. }) => {}
        other => panic!("expected a point outside G2 to be refused, got {other:?}"),
    }
    let other_field = edit_ptau(good, |s| section(s, 1)[4] ^= 1);
    assert!(matches!(
        Phase1::from_ptau(&other_field, 4, &mut rng()),
        Err(CeremonyError::Malformed { .. })
    ));
    assert!(matches!(
        Phase1::from_ptau(&good[..good.len() - 1], 4, &mut rng()),
        Err(CeremonyError::Malformed { .. })
    ));
}

#[test]
fn initial_parameters_equal_ark_groth16_setup_with_the_same_secrets() {
    let dev = dev();
    let (tau, alpha, beta) = dev.secrets;
    let ours = Parameters::init(&dev.phase1).unwrap();
    // ark-groth16 draws τ first from its rng: hand it one that yields our τ.
    let mut r = ChaCha20Rng::seed_from_u64(13);
    assert_eq!(Fr::rand(&mut r.clone()), tau);
    let theirs = Groth16::<Bn254, ReceiptQap>::generate_parameters_with_qap(
        ReceiptCircuit::blank(),
        alpha,
        beta,
        Fr::one(),
        Fr::one(),
        G1Projective::generator(),
        G2Projective::generator(),
        &mut r,
    )
    .unwrap();
    assert_eq!(ours.pk, theirs);
}

#[test]
fn three_parties_and_a_beacon_verify_and_prove() {
    let params = ceremony();
    let report = verify(params, &dev().phase1, &mut rng()).unwrap();
    assert_eq!(report.contributions.len(), 4);
    let hashes = params.contribution_hashes();
    assert_eq!(
        report
            .contributions
            .iter()
            .map(|c| c.hash)
            .collect::<Vec<_>>(),
        hashes
    );
    assert!(matches!(
        report.contributions[3].kind,
        ContributionKind::Beacon { .. }
    ));
    // δ moved away from the generator, and the file form round-trips.
    assert_ne!(params.pk.delta_g1, G1Affine::generator());
    assert_eq!(&Parameters::from_bytes(&params.to_bytes()).unwrap(), params);

    let (pk, vk, _) = export_keys(params, &dev().phase1, &mut rng()).unwrap();
    let (witness, policy) = fixture::receipt_case();
    let statement = witness.statement(&policy).unwrap();
    let (s1, proof) = x402_zk_prover::prove(&pk, &witness, &policy, &mut rng()).unwrap();
    assert_eq!(s1, statement);
    x402_zk_verifier::verify(&vk, &statement, &proof).unwrap();
    let fast = x402_zk_prover::Prover::new(&pk).unwrap();
    let (_, proof) = fast.prove(&witness, &policy, &mut rng()).unwrap();
    x402_zk_verifier::verify(&vk, &statement, &proof).unwrap();
    // A proof under the dev phase 1's initial key (δ = 1) is not one under the final key.
    let initial =
        x402_zk_prover::ProvingKey::from_ark(Parameters::init(&dev().phase1).unwrap().pk).unwrap();
    let (_, stale) = x402_zk_prover::prove(&initial, &witness, &policy, &mut rng()).unwrap();
    assert!(x402_zk_verifier::verify(&vk, &statement, &stale).is_err());
    let onchain = OnchainVerifyingKey::new(&vk);
    assert_eq!(onchain.ic.len(), vk.num_public_inputs() + 1);
    assert_eq!(onchain.vk_hash, vk.hash_hex());
}

/// The receipt case the prover's bench proves.
#[path = "../../prover/fixtures/receipt_case.rs"]
mod fixture;

/// `verify` on a tampered copy of the ceremony.
fn verify_tampered(edit: impl FnOnce(&mut Parameters)) -> CeremonyError {
    let mut params = ceremony().clone();
    edit(&mut params);
    // Through the file form, as a verifier would receive it.
    let params = Parameters::from_bytes(&params.to_bytes()).unwrap();
    verify(&params, &dev().phase1, &mut rng()).unwrap_err()
}

fn double(p: G1Affine) -> G1Affine {
    (p + p).into_affine()
}

#[test]
fn altered_l_or_h_is_rejected() {
    let e = verify_tampered(|p| p.pk.l_query[100] = double(p.pk.l_query[100]));
    assert!(
        matches!(e, CeremonyError::FinalMismatch(m) if m.starts_with("L ")),
        "{e}"
    );
    let e = verify_tampered(|p| p.pk.h_query[7] = double(p.pk.h_query[7]));
    assert!(
        matches!(e, CeremonyError::FinalMismatch(m) if m.starts_with("H ")),
        "{e}"
    );
}

#[test]
fn proof_of_knowledge_that_does_not_match_is_rejected() {
    let e = verify_tampered(|p| {
        let c = &mut p.contributions[1];
        c.r_delta = (c.r_delta + c.r_delta).into_affine();
    });
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 2, reason } if reason.contains("proof of knowledge")),
        "{e}"
    );
    // A consistent proof for another δ' than the one applied to δ.
    let e = verify_tampered(|p| {
        let k = Fr::from(3u64);
        let c = &mut p.contributions[1];
        c.s_delta = (c.s_delta * k).into_affine();
        c.r_delta = (c.r_delta * k).into_affine();
    });
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 2, .. }),
        "{e}"
    );
}

#[test]
fn reordered_or_truncated_transcript_is_rejected() {
    let e = verify_tampered(|p| p.contributions.swap(0, 1));
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 1, .. }),
        "{e}"
    );
    let e = verify_tampered(|p| {
        p.contributions.pop();
    });
    assert!(matches!(e, CeremonyError::FinalMismatch(_)), "{e}");
    let e = verify_tampered(|p| {
        p.contributions.remove(1);
    });
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 2, .. }),
        "{e}"
    );
}

#[test]
fn beacon_that_does_not_follow_from_its_value_is_rejected() {
    let e = verify_tampered(|p| {
        if let ContributionKind::Beacon { value, .. } = &mut p.contributions[3].kind {
            value[0] ^= 1;
        }
    });
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 4, reason } if reason.contains("beacon")),
        "{e}"
    );
}

#[test]
fn altered_fixed_part_is_rejected() {
    let e = verify_tampered(|p| p.pk.a_query[3] = double(p.pk.a_query[3]));
    assert!(
        matches!(e, CeremonyError::CircuitMismatch("the A query")),
        "{e}"
    );
    let e = verify_tampered(|p| p.pk.vk.gamma_abc_g1[1] = double(p.pk.vk.gamma_abc_g1[1]));
    assert!(
        matches!(e, CeremonyError::CircuitMismatch("the IC points")),
        "{e}"
    );
}

/// x_(i+1) = x_i² for 4,500 steps: another circuit with the same domain size.
struct OtherCircuit;

impl ConstraintSynthesizer<Fr> for OtherCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        use ark_relations::lc;
        let mut x = cs.new_input_variable(|| Ok(Fr::from(3u64)))?;
        for _ in 0..4_000 {
            let y = cs.new_witness_variable(|| Ok(Fr::from(0u64)))?;
            cs.enforce_constraint(lc!() + x, lc!() + x, lc!() + y)?;
            x = y;
        }
        Ok(())
    }
}

#[test]
fn parameters_for_another_circuit_are_rejected() {
    let columns = Columns::of(OtherCircuit).unwrap();
    assert_eq!(columns.power(), RECEIPT_CIRCUIT_POWER);
    assert_eq!(columns.domain_size, 4096);
    let mut params = Parameters::init_with(&columns, &dev().phase1).unwrap();
    contribute(&mut params, "mallory", b"", &mut rng(), QUIET).unwrap();
    let e = verify(&params, &dev().phase1, &mut rng()).unwrap_err();
    assert!(matches!(e, CeremonyError::CircuitMismatch(_)), "{e}");
}

#[test]
fn a_phase1_that_is_not_the_claimed_one_is_rejected() {
    let other = dev_ptau(RECEIPT_CIRCUIT_POWER, &mut rng()).unwrap();
    let other = Phase1::from_ptau(&other, RECEIPT_CIRCUIT_POWER, &mut rng()).unwrap();
    let e = verify(ceremony(), &other, &mut rng()).unwrap_err();
    assert!(matches!(e, CeremonyError::Phase1Mismatch), "{e}");
}

#[test]
fn a_larger_ptau_of_the_same_secrets_is_the_same_phase1() {
    let (tau, alpha, beta) = (Fr::from(5u64), Fr::from(7u64), Fr::from(11u64));
    let small = ptau_from_secrets(4, tau, alpha, beta);
    let large = ptau_from_secrets(6, tau, alpha, beta);
    let read = |b: &[u8]| Phase1::from_ptau(b, 4, &mut rng()).unwrap();
    assert_eq!(read(&small), read(&large));
    assert_eq!(read(&small).digest(), read(&large).digest());
    assert_ne!(
        read(&small).digest(),
        read(&ptau_from_secrets(4, tau + Fr::one(), alpha, beta)).digest()
    );
}

#[test]
fn keys_are_refused_before_any_secret_contribution() {
    let mut params = Parameters::init(&dev().phase1).unwrap();
    assert!(matches!(
        export_keys(&params, &dev().phase1, &mut rng()),
        Err(CeremonyError::NoContribution)
    ));
    beacon(&mut params, b"public", 10, QUIET).unwrap();
    assert!(matches!(
        export_keys(&params, &dev().phase1, &mut rng()),
        Err(CeremonyError::NoContribution)
    ));
}

#[test]
fn bad_arguments_and_corrupt_files_get_clear_errors() {
    let mut params = ceremony().clone();
    for (value, exp) in [(&b""[..], 10), (&b"x"[..], 9), (&b"x"[..], 41)] {
        assert!(matches!(
            beacon(&mut params, value, exp, QUIET),
            Err(CeremonyError::InvalidArgument(_))
        ));
    }
    let long_name = "n".repeat(300);
    assert!(matches!(
        contribute(&mut params, &long_name, b"", &mut rng(), QUIET),
        Err(CeremonyError::InvalidArgument(_))
    ));
    assert_eq!(&params, ceremony(), "a refused step changes nothing");

    let bytes = ceremony().to_bytes();
    let mut flipped = bytes.clone();
    flipped[5000] ^= 1;
    for bad in [
        &bytes[..bytes.len() - 1],
        &flipped[..],
        &bytes[..20],
        b"x402zkPK",
    ] {
        assert!(matches!(
            Parameters::from_bytes(bad),
            Err(CeremonyError::Malformed { .. })
        ));
    }
}

#[test]
fn hash_to_g2_is_deterministic_and_in_the_subgroup() {
    use crate::contribute::hash_to_g2;
    let a = hash_to_g2(&[1; 32]);
    assert_eq!(a, hash_to_g2(&[1; 32]));
    assert_ne!(a, hash_to_g2(&[2; 32]));
    assert!(a.is_on_curve() && a.is_in_correct_subgroup_assuming_on_curve() && !a.is_zero());
}

#[test]
fn hostile_lengths_in_a_parameters_file_are_refused_without_allocating() {
    use sha2::{Digest, Sha256};
    let mut bytes = ceremony().to_bytes();
    // The IC vector's length: header 41, digests 64, key length 8, α 64, β γ δ 384.
    let at = 41 + 64 + 8 + 64 + 384;
    bytes[at..at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    let sum = Sha256::digest(&bytes[41..]);
    bytes[9..41].copy_from_slice(&sum);
    assert!(matches!(
        Parameters::from_bytes(&bytes),
        Err(CeremonyError::Malformed { .. })
    ));
}

#[test]
fn a_beacon_closes_the_ceremony() {
    let mut params = ceremony().clone();
    assert!(matches!(
        contribute(&mut params, "late", b"", &mut rng(), QUIET),
        Err(CeremonyError::InvalidArgument(m)) if m.contains("beacon")
    ));
    assert!(matches!(
        beacon(&mut params, b"again", 10, QUIET),
        Err(CeremonyError::InvalidArgument(_))
    ));
    assert_eq!(&params, ceremony());
    let e = verify_tampered(|p| p.contributions.swap(2, 3));
    assert!(
        matches!(e, CeremonyError::BadContribution { index: 3, reason } if reason.contains("last")),
        "{e}"
    );
}

#[test]
fn degenerate_tau_is_refused() {
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    // τ = ω, a 16th root of unity: Z(τ) = 0 on the domain of 16, so H would vanish.
    let omega = Radix2EvaluationDomain::<Fr>::new(16).unwrap().group_gen();
    let bytes = ptau_from_secrets(4, omega, Fr::from(2u64), Fr::from(3u64));
    assert!(matches!(
        Phase1::from_ptau(&bytes, 4, &mut rng()),
        Err(CeremonyError::Phase1Inconsistent(m)) if m.contains("domain")
    ));
    assert!(matches!(
        Phase1::from_ptau(&bytes, 0, &mut rng()),
        Err(CeremonyError::InvalidArgument(_))
    ));
    // τ a 12th root of unity passes for 16 points but not for a domain of 12.
    let root12 = ark_ff::FftField::get_root_of_unity(12).unwrap();
    let bytes = ptau_from_secrets(4, root12, Fr::from(2u64), Fr::from(3u64));
    let phase1 = Phase1::from_ptau(&bytes, 4, &mut rng()).unwrap();
    assert!(matches!(
        phase1.lagrange(12),
        Err(CeremonyError::Phase1Inconsistent(m)) if m.contains("domain")
    ));
    assert!(phase1.lagrange(6).is_ok());
    // Only 2^a·3^b points up to 2^power.
    for n in [5, 18, 32] {
        assert!(
            matches!(phase1.lagrange(n), Err(CeremonyError::InvalidArgument(_))),
            "{n}"
        );
    }
}

/// On a real snarkjs file: the basis derived from the powers is the file's own
/// Lagrange section, and a mixed domain's basis sums to the generator
/// (Σ L_i = 1); a second request is served from the cache.
#[test]
fn derived_lagrange_basis_matches_a_snarkjs_file() {
    let bytes = include_bytes!("../../../test-vectors/ptau/pot4_final.ptau");
    let phase1 = Phase1::from_ptau(bytes, 4, &mut rng()).unwrap();
    let from_file = phase1.lagrange(16).unwrap().into_owned();
    assert_eq!(crate::ptau::derive_lagrange(&phase1, 16), from_file);
    let twelve = phase1.lagrange(12).unwrap();
    let sum: G1Projective = twelve.g1.iter().map(|p| p.into_group()).sum();
    assert_eq!(sum.into_affine(), G1Affine::generator());
    assert!(matches!(twelve, std::borrow::Cow::Borrowed(_)));
    assert!(matches!(
        phase1.lagrange(12).unwrap(),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn derived_lagrange_basis_is_the_basis_at_tau() {
    use ark_ec::scalar_mul::ScalarMul;
    use ark_poly::{EvaluationDomain, MixedRadixEvaluationDomain};
    let (tau, alpha, beta) = (Fr::from(5u64), Fr::from(7u64), Fr::from(11u64));
    let phase1 = Phase1::from_ptau(&ptau_from_secrets(5, tau, alpha, beta), 5, &mut rng()).unwrap();
    for n in [9, 12, 18, 24] {
        let l = MixedRadixEvaluationDomain::<Fr>::new(n)
            .unwrap()
            .evaluate_all_lagrange_coefficients(tau);
        let scaled = |k: Fr| l.iter().map(|x| *x * k).collect::<Vec<_>>();
        let lagrange = phase1.lagrange(n).unwrap();
        assert_eq!(lagrange.g1, G1Projective::generator().batch_mul(&l), "{n}");
        assert_eq!(lagrange.g2, G2Projective::generator().batch_mul(&l), "{n}");
        assert_eq!(
            lagrange.alpha_g1,
            G1Projective::generator().batch_mul(&scaled(alpha))
        );
        assert_eq!(
            lagrange.beta_g1,
            G1Projective::generator().batch_mul(&scaled(beta))
        );
    }
}
