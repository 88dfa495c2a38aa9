//! Verification of a whole ceremony from its public data: the `.ptau` file, the
//! circuit compiled now, and the final parameters with their transcript.

use crate::{
    contribute::{beacon_secret, hash_to_g2},
    error::CeremonyError,
    params::{circuit_hash, contribution_hash, pok_challenge, ContributionKind, Parameters},
    ptau::Phase1,
    qap::Columns,
};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{UniformRand, Zero};
use rand::{CryptoRng, RngCore};

/// One verified contribution, for printing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedContribution {
    /// Who made it.
    pub kind: ContributionKind,
    /// The transcript hash after it (what its author published).
    pub hash: [u8; 32],
}

/// What `verify` established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Every contribution, oldest first.
    pub contributions: Vec<VerifiedContribution>,
    /// SHA-256 of the initial parameters (circuit and phase 1).
    pub circuit_hash: [u8; 32],
}

impl Report {
    /// True when at least one contribution had a secret: then one honest
    /// participant among them makes the keys sound.
    pub fn has_secret_contribution(&self) -> bool {
        self.contributions
            .iter()
            .any(|c| matches!(c.kind, ContributionKind::Participant { .. }))
    }
}

/// e(a1, b2) = e(b1, a2), with no identity allowed.
fn same_ratio(a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine) -> bool {
    if a1.is_zero() || b1.is_zero() || a2.is_zero() || b2.is_zero() {
        return false;
    }
    Bn254::multi_pairing([a1, (-b1.into_group()).into_affine()], [b2, a2]).is_zero()
}

/// Checks the parameters against `phase1` and the circuit compiled now:
///
/// 1. they were initialised from this phase 1 and this circuit: the initial
///    parameters are rebuilt and everything a contribution may not touch (α,
///    β, γ, IC, the A and B queries) is compared point by point;
/// 2. each contribution's proof of knowledge, and that it moved δ by the same
///    secret; a beacon may only come last, and is recomputed from its value;
/// 3. the final δ is the last one of the chain, in G1 and G2;
/// 4. L and H are the initial ones divided by δ: for random ρ,
///    e(Σ ρ_i·L_i, δ·G2) = e(Σ ρ_i·L⁰_i, G2), the same for H.
pub fn verify<R: RngCore + CryptoRng>(
    params: &Parameters,
    phase1: &Phase1,
    rng: &mut R,
) -> Result<Report, CeremonyError> {
    use CeremonyError::{CircuitMismatch, FinalMismatch};
    let columns = Columns::receipt_circuit()?;
    if phase1.digest() != params.phase1_digest {
        return Err(CeremonyError::Phase1Mismatch);
    }
    let init = columns.initial_key(phase1)?;
    if circuit_hash(&init) != params.circuit_hash {
        return Err(CircuitMismatch("the recorded circuit hash differs"));
    }
    let pk = &params.pk;
    let fixed = [
        (pk.vk.alpha_g1 == init.vk.alpha_g1, "α"),
        (
            pk.beta_g1 == init.beta_g1 && pk.vk.beta_g2 == init.vk.beta_g2,
            "β",
        ),
        (pk.vk.gamma_g2 == init.vk.gamma_g2, "γ"),
        (pk.vk.gamma_abc_g1 == init.vk.gamma_abc_g1, "the IC points"),
        (pk.a_query == init.a_query, "the A query"),
        (pk.b_g1_query == init.b_g1_query, "the B query in G1"),
        (pk.b_g2_query == init.b_g2_query, "the B query in G2"),
        (pk.l_query.len() == init.l_query.len(), "the L query length"),
        (pk.h_query.len() == init.h_query.len(), "the H query length"),
    ];
    if let Some((_, what)) = fixed.iter().find(|(ok, _)| !ok) {
        return Err(CircuitMismatch(what));
    }

    let mut transcript = params.initial_transcript();
    let mut delta = G1Affine::generator();
    let mut verified = Vec::with_capacity(params.contributions.len());
    for (i, c) in params.contributions.iter().enumerate() {
        let bad = |reason| CeremonyError::BadContribution {
            index: i + 1,
            reason,
        };
        let is_beacon = matches!(c.kind, ContributionKind::Beacon { .. });
        if is_beacon && i + 1 != params.contributions.len() {
            return Err(bad("a beacon must be the last contribution"));
        }
        let r = hash_to_g2(&pok_challenge(&transcript, &c.s, &c.s_delta));
        if !same_ratio(c.s, c.s_delta, r, c.r_delta) {
            return Err(bad("its proof of knowledge does not match"));
        }
        if !same_ratio(delta, c.delta_after, r, c.r_delta) {
            return Err(bad("δ was not moved by the secret it proves"));
        }
        if let ContributionKind::Beacon {
            value,
            iterations_exp,
        } = &c.kind
        {
            let (secret, s) = beacon_secret(value, *iterations_exp);
            if c.s != s || c.delta_after != (delta * secret).into_affine() {
                return Err(bad("it does not follow from its beacon value"));
            }
        }
        transcript = contribution_hash(&transcript, c);
        delta = c.delta_after;
        verified.push(VerifiedContribution {
            kind: c.kind.clone(),
            hash: transcript,
        });
    }

    if pk.delta_g1 != delta {
        return Err(FinalMismatch(
            "δ·G1 is not the last contribution's (truncated transcript?)",
        ));
    }
    if !same_ratio(
        G1Affine::generator(),
        pk.delta_g1,
        G2Affine::generator(),
        pk.vk.delta_g2,
    ) {
        return Err(FinalMismatch("δ·G2 does not match δ·G1"));
    }
    for (now, before, what) in [
        (
            &pk.l_query,
            &init.l_query,
            "L is not the initial L divided by δ",
        ),
        (
            &pk.h_query,
            &init.h_query,
            "H is not the initial H divided by δ",
        ),
    ] {
        let rho: Vec<Fr> = (0..now.len()).map(|_| Fr::rand(rng)).collect();
        let now = G1Projective::msm_unchecked(now, &rho).into_affine();
        let before = G1Projective::msm_unchecked(before, &rho).into_affine();
        // e(Σρ·L, δ·G2) = e(Σρ·L⁰, G2)
        let lhs = Bn254::multi_pairing(
            [now, (-before.into_group()).into_affine()],
            [pk.vk.delta_g2, G2Affine::generator()],
        );
        if !lhs.is_zero() || now.is_zero() {
            return Err(FinalMismatch(what));
        }
    }
    Ok(Report {
        contributions: verified,
        circuit_hash: params.circuit_hash,
    })
}
