//! Contributions (BGM17 phase 2): a secret δ' multiplies δ and divides the L
//! and H queries; a proof of knowledge of δ' is appended to the transcript.
//!
//! Proof of knowledge: the contributor picks a random s ∈ G1, publishes s and
//! s·δ', and r·δ' where r = hash-to-G2(transcript, s, s·δ'). Anyone checks
//! e(s, r·δ') = e(s·δ', r) — the author knew δ' for this transcript — and
//! e(δ_before, r·δ') = e(δ_after, r) — δ was multiplied by that same δ'.

use crate::{
    error::CeremonyError,
    params::{pok_challenge, validate_kind, Contribution, ContributionKind, Parameters},
};
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, PrimeField, UniformRand, Zero};
use rand::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::ops::RangeInclusive;
use zeroize::Zeroize;

/// Allowed log2 of the beacon's SHA-256 iterations (2^10 … 2^30): enough
/// to make trying many beacons costly, bounded so a hostile transcript cannot
/// keep a verifier busy for days.
pub const BEACON_EXP_RANGE: RangeInclusive<u8> = 10..=30;

/// Points rescaled between two progress reports.
const PROGRESS_CHUNK: usize = 1024;

/// Adds a secret contribution. The secret δ' is derived from SHA-256 of 64
/// bytes of `os_rng` and of the optional `entropy` (with entropy, a weak OS
/// generator alone does not make it guessable); our copies of it are zeroized
/// after use. `progress(done, total)` reports the rescaled points. Returns the
/// new transcript hash, which the contributor publishes. Refused once a
/// beacon has closed the ceremony.
pub fn contribute<R: RngCore + CryptoRng>(
    params: &mut Parameters,
    name: &str,
    entropy: &[u8],
    os_rng: &mut R,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<[u8; 32], CeremonyError> {
    let kind = ContributionKind::Participant {
        name: name.to_string(),
    };
    validate_kind(&kind)?;
    refuse_after_beacon(params)?;
    let mut fresh = [0u8; 64];
    os_rng.fill_bytes(&mut fresh);
    let mut seed: [u8; 32] = Sha256::new()
        .chain_update(b"x402zk/phase2/v1/entropy")
        .chain_update(fresh)
        .chain_update(Sha256::digest(entropy))
        .finalize()
        .into();
    fresh.zeroize();
    let mut secret = secret_from_seed(&seed);
    seed.zeroize();
    let s = random_point(os_rng);
    let hash = apply(params, &mut secret, s, kind, progress);
    secret.zeroize();
    Ok(hash)
}

/// Adds the final public contribution derived from a beacon value, so nobody
/// (not even the coordinator) chose it: δ' comes from SHA-256 iterated
/// 2^`iterations_exp` times over `value`. Anyone can recompute it.
pub fn beacon(
    params: &mut Parameters,
    value: &[u8],
    iterations_exp: u8,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<[u8; 32], CeremonyError> {
    let kind = ContributionKind::Beacon {
        value: value.to_vec(),
        iterations_exp,
    };
    validate_kind(&kind)?;
    refuse_after_beacon(params)?;
    let (mut secret, s) = beacon_secret(value, iterations_exp);
    Ok(apply(params, &mut secret, s, kind, progress))
}

fn refuse_after_beacon(params: &Parameters) -> Result<(), CeremonyError> {
    match params.contributions.last().map(|c| &c.kind) {
        Some(ContributionKind::Beacon { .. }) => Err(CeremonyError::InvalidArgument(
            "a beacon has closed this ceremony: no contribution can follow it".into(),
        )),
        _ => Ok(()),
    }
}

/// δ' and s of a beacon contribution.
pub(crate) fn beacon_secret(value: &[u8], iterations_exp: u8) -> (Fr, G1Affine) {
    let mut h: [u8; 32] = Sha256::digest(value).into();
    for _ in 1..(1u64 << iterations_exp) {
        h = Sha256::digest(h).into();
    }
    let point_seed: [u8; 32] = Sha256::new()
        .chain_update(b"x402zk/phase2/v1/beacon-point")
        .chain_update(h)
        .finalize()
        .into();
    (
        secret_from_seed(&h),
        random_point(&mut ChaCha20Rng::from_seed(point_seed)),
    )
}

/// δ' ∉ {0, 1} from 512 bits hashed out of `seed` (bias below 2^-250).
fn secret_from_seed(seed: &[u8; 32]) -> Fr {
    for counter in 0u32.. {
        let mut wide = [0u8; 64];
        for (half, out) in wide.chunks_exact_mut(32).enumerate() {
            out.copy_from_slice(
                &Sha256::new()
                    .chain_update(b"x402zk/phase2/v1/secret")
                    .chain_update(seed)
                    .chain_update(counter.to_le_bytes())
                    .chain_update([half as u8])
                    .finalize(),
            );
        }
        let x = Fr::from_le_bytes_mod_order(&wide);
        wide.zeroize();
        if !x.is_zero() && !x.is_one() {
            return x;
        }
    }
    unreachable!("a hash output is 0 or 1 with probability 2^-253")
}

/// A random s ∈ G1 \ {0} (public: only s·δ' involves the secret).
fn random_point<R: RngCore>(rng: &mut R) -> G1Affine {
    loop {
        let p = G1Projective::rand(rng).into_affine();
        if !p.is_zero() {
            return p;
        }
    }
}

/// Applies δ' to the parameters and appends the contribution.
fn apply(
    params: &mut Parameters,
    secret: &mut Fr,
    s: G1Affine,
    kind: ContributionKind,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> [u8; 32] {
    let s_delta = (s * *secret).into_affine();
    let r = hash_to_g2(&pok_challenge(&params.last_transcript(), &s, &s_delta));
    let r_delta = (r * *secret).into_affine();
    let pk = &mut params.pk;
    pk.delta_g1 = (pk.delta_g1 * *secret).into_affine();
    pk.vk.delta_g2 = (pk.vk.delta_g2 * *secret).into_affine();

    let mut inverse = secret.inverse().expect("δ' ≠ 0");
    let total = pk.l_query.len() + pk.h_query.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    for query in [&mut pk.l_query, &mut pk.h_query] {
        let scaled: Vec<G1Projective> = query
            .par_chunks(PROGRESS_CHUNK)
            .flat_map_iter(|chunk| {
                let out: Vec<G1Projective> = chunk.iter().map(|p| *p * inverse).collect();
                let now = done.fetch_add(chunk.len(), std::sync::atomic::Ordering::Relaxed);
                progress(now + chunk.len(), total);
                out
            })
            .collect();
        *query = G1Projective::normalize_batch(&scaled);
    }
    inverse.zeroize();

    params.contributions.push(Contribution {
        delta_after: params.pk.delta_g1,
        s,
        s_delta,
        r_delta,
        kind,
    });
    params.last_transcript()
}

/// Hashes to a point of G2 whose discrete logarithm nobody knows: try-and-
/// increment on the x-coordinate (from SHA-256 of `msg` and a counter), then
/// clearing the cofactor. A point `k·G2` from a seeded scalar would not do:
/// its logarithm k would be public.
pub(crate) fn hash_to_g2(msg: &[u8; 32]) -> G2Affine {
    let coordinate = |counter: u32, part: u8| {
        let wide: Vec<u8> = [0u8, 1]
            .iter()
            .flat_map(|half| {
                Sha256::new()
                    .chain_update(b"x402zk/phase2/v1/hash-to-g2")
                    .chain_update(msg)
                    .chain_update(counter.to_le_bytes())
                    .chain_update([part, *half])
                    .finalize()
            })
            .collect();
        Fq::from_le_bytes_mod_order(&wide)
    };
    for counter in 0u32.. {
        let x = Fq2::new(coordinate(counter, 0), coordinate(counter, 1));
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, counter % 2 == 0) {
            let p = p.clear_cofactor();
            if !p.is_zero() {
                return p;
            }
        }
    }
    unreachable!("about half of all x are on the curve")
}
