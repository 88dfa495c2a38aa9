//! Phase 1 — the powers of tau — read from a snarkjs `.ptau` file and checked
//! before anything is built on it.
//!
//! Layout (snarkjs 0.7, `powersoftau_new.js`, `powersoftau_preparephase2.js`):
//! `"ptau" ‖ u32 version ‖ u32 sections`, then sections `u32 id ‖ u64 len ‖ data`.
//! Numbers are little-endian; field elements are little-endian Montgomery form;
//! points are affine `x ‖ y` (G2 coordinates `c0 ‖ c1`), all zeros for infinity.
//!
//! | id | content (file power `P`) |
//! |---|---|
//! | 1 | `u32 n8 = 32`, the base-field prime, `u32 P`, `u32 ceremony power` |
//! | 2 | τ^i·G1, i < 2^(P+1) − 1 |
//! | 3, 4, 5 | τ^i·G2, α·τ^i·G1, β·τ^i·G1, i < 2^P |
//! | 6 | β·G2 |
//! | 7 | the phase-1 contributions (not read: verify them with `snarkjs powersoftau verify`) |
//! | 12–15 | the same in the Lagrange basis, for every domain 2^p, p ≤ P (12 also P + 1) |
//!
//! A file with more powers than the circuit needs is fine: the first 2^p powers
//! of a larger ceremony are the powers of a smaller one, and its Lagrange
//! sections hold every smaller domain.

use crate::error::{malformed, CeremonyError};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::CanonicalSerialize;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use x402_zk_prover::{lagrange_basis_from_powers, mixed_radix_size, Coefficient};

const G1_BYTES: usize = 64;
const G2_BYTES: usize = 128;
/// BN254's 2-adicity: no larger radix-2 domain exists.
const MAX_POWER: u32 = 28;

/// The phase-1 points a QAP over at most `n = 2^power` points needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase1 {
    pub(crate) power: u32,
    /// τ^i·G1 for i < 2n − 1 (the H query needs τ^(n+i) − τ^i).
    pub(crate) tau_g1: Vec<G1Affine>,
    /// τ^i·G2, α·τ^i·G1, β·τ^i·G1 for i < n.
    pub(crate) tau_g2: Vec<G2Affine>,
    pub(crate) alpha_tau_g1: Vec<G1Affine>,
    pub(crate) beta_tau_g1: Vec<G1Affine>,
    pub(crate) beta_g2: G2Affine,
    /// The file's Lagrange basis, over the domain of size n.
    pub(crate) lagrange: Lagrange,
    /// The Lagrange basis of a smaller domain, derived from the powers once.
    derived: DerivedLagrange,
}

/// `L_i(τ)·G1`, `L_i(τ)·G2`, `α·L_i(τ)·G1`, `β·L_i(τ)·G1` over one domain.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lagrange {
    pub(crate) g1: Vec<G1Affine>,
    pub(crate) g2: Vec<G2Affine>,
    pub(crate) alpha_g1: Vec<G1Affine>,
    pub(crate) beta_g1: Vec<G1Affine>,
}

/// A cache: equal whatever it holds, since it follows from the powers.
#[derive(Clone, Debug, Default)]
struct DerivedLagrange(OnceLock<Lagrange>);

impl PartialEq for DerivedLagrange {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Phase1 {
    /// Reads the first `2^power` powers (and `2^(power+1) − 1` of `τ·G1`) and
    /// the Lagrange basis of the domain of `2^power` points from a prepared
    /// `.ptau` file, validates every point, and checks they are consistent
    /// powers of one τ, α, β ([`Phase1::check`]).
    pub fn from_ptau<R: RngCore + CryptoRng>(
        bytes: &[u8],
        power: u32,
        rng: &mut R,
    ) -> Result<Self, CeremonyError> {
        let sections = read_container(bytes)?;
        let header = sections
            .get(&1)
            .ok_or_else(|| malformed(".ptau", "no header"))?;
        let file_power = read_header(header)?;
        if power == 0 {
            return Err(CeremonyError::InvalidArgument(
                "phase 1 is read for a domain of at least 2^1".into(),
            ));
        }
        if file_power < power {
            return Err(CeremonyError::PtauTooSmall {
                has: file_power,
                needs: power,
            });
        }
        let p = file_power as usize;
        let n = 1usize << power;
        let section = |id: u32, len: usize| -> Result<&[u8], CeremonyError> {
            let data = sections
                .get(&id)
                .ok_or_else(|| malformed(".ptau", format!("section {id} is missing")))?;
            if data.len() != len {
                return Err(malformed(
                    ".ptau",
                    format!("section {id} has {} bytes, expected {len}", data.len()),
                ));
            }
            Ok(data)
        };
        if !sections.contains_key(&12) {
            return Err(CeremonyError::PtauNotPrepared);
        }
        let tau_g1 = section(2, ((1 << (p + 1)) - 1) * G1_BYTES)?;
        let tau_g2 = section(3, (1 << p) * G2_BYTES)?;
        let alpha = section(4, (1 << p) * G1_BYTES)?;
        let beta = section(5, (1 << p) * G1_BYTES)?;
        let beta_g2 = section(6, G2_BYTES)?;
        // Lagrange sections hold the domains 2^0, 2^1, …: domain 2^power starts at
        // point n − 1.
        let lag_g1 = section(12, ((1 << (p + 2)) - 1) * G1_BYTES)?;
        let lag_g2 = section(13, ((1 << (p + 1)) - 1) * G2_BYTES)?;
        let lag_alpha = section(14, ((1 << (p + 1)) - 1) * G1_BYTES)?;
        let lag_beta = section(15, ((1 << (p + 1)) - 1) * G1_BYTES)?;
        let g1s = |data: &[u8], from: usize, count: usize, what| {
            g1_points(&data[from * G1_BYTES..(from + count) * G1_BYTES], what)
        };
        let g2s = |data: &[u8], from: usize, count: usize, what| {
            g2_points(&data[from * G2_BYTES..(from + count) * G2_BYTES], what)
        };
        let phase1 = Phase1 {
            power,
            tau_g1: g1s(tau_g1, 0, 2 * n - 1, "τ·G1")?,
            tau_g2: g2s(tau_g2, 0, n, "τ·G2")?,
            alpha_tau_g1: g1s(alpha, 0, n, "α·τ·G1")?,
            beta_tau_g1: g1s(beta, 0, n, "β·τ·G1")?,
            beta_g2: g2s(beta_g2, 0, 1, "β·G2")?[0],
            lagrange: Lagrange {
                g1: g1s(lag_g1, n - 1, n, "Lagrange τ·G1")?,
                g2: g2s(lag_g2, n - 1, n, "Lagrange τ·G2")?,
                alpha_g1: g1s(lag_alpha, n - 1, n, "Lagrange α·τ·G1")?,
                beta_g1: g1s(lag_beta, n - 1, n, "Lagrange β·τ·G1")?,
            },
            derived: DerivedLagrange::default(),
        };
        phase1.check(rng)?;
        Ok(phase1)
    }

    /// log2 of the largest domain these points serve.
    pub fn power(&self) -> u32 {
        self.power
    }

    /// The Lagrange basis of the domain of `n ≤ 2^power` points (`n = 2^a·3^b`):
    /// the file's sections when `n = 2^power`, otherwise derived from the
    /// powers by an inverse transform over the curve points (the ceremony's
    /// slowest step: about 4·n·log₂(n)/2 scalar multiplications, a G2 one
    /// costing about three G1 ones), once per `Phase1`.
    pub(crate) fn lagrange(&self, n: usize) -> Result<Cow<'_, Lagrange>, CeremonyError> {
        if n == 1 << self.power {
            return Ok(Cow::Borrowed(&self.lagrange));
        }
        if n > 1 << self.power || mixed_radix_size(n) != n {
            return Err(CeremonyError::InvalidArgument(format!(
                "no domain of {n} points from a phase 1 of power {}",
                self.power
            )));
        }
        // Z(τ) = τ^n − 1 must not vanish, or every H point is the identity.
        if self.tau_g1[n] == G1Affine::generator() {
            return Err(CeremonyError::Phase1Inconsistent(
                "τ is in the evaluation domain",
            ));
        }
        if let Some(cached) = self.derived.0.get().filter(|l| l.g1.len() == n) {
            return Ok(Cow::Borrowed(cached));
        }
        let derived = derive_lagrange(self, n);
        // The cache holds one size; a basis of another size is handed back owned.
        Ok(match self.derived.0.set(derived) {
            Ok(()) => Cow::Borrowed(self.derived.0.get().expect("just set")),
            Err(ours) => Cow::Owned(ours),
        })
    }

    /// SHA-256 over every point used, in a fixed order: what the parameters
    /// record so `verify` can tell "another phase 1" from "another circuit".
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"x402zk/phase1/v1");
        h.update(self.power.to_le_bytes());
        fn put(h: &mut Sha256, p: &impl CanonicalSerialize) {
            let mut buf = Vec::with_capacity(p.uncompressed_size());
            p.serialize_uncompressed(&mut buf).expect("Vec write");
            h.update(&buf);
        }
        put(&mut h, &self.tau_g1);
        put(&mut h, &self.tau_g2);
        put(&mut h, &self.alpha_tau_g1);
        put(&mut h, &self.beta_tau_g1);
        put(&mut h, &self.beta_g2);
        put(&mut h, &self.lagrange.g1);
        put(&mut h, &self.lagrange.g2);
        put(&mut h, &self.lagrange.alpha_g1);
        put(&mut h, &self.lagrange.beta_g1);
        h.finalize().into()
    }

    /// Checks the points are powers of one τ, α, β and that the Lagrange
    /// sections are those powers in the Lagrange basis, by random linear
    /// combinations (a forged file passes with probability ≤ 2n/r):
    ///
    /// * e(Σ ρ_i·τ^i·G1, τ·G2) = e(Σ ρ_i·τ^(i+1)·G1, G2), and the same for G2;
    /// * e(Σ ρ_i·ατ^i·G1, G2) = e(α·G1, Σ ρ_i·τ^i·G2), the same for β, and
    ///   e(β·G1, G2) = e(G1, β·G2);
    /// * for p(X) = Σ ρ_k X^k of degree < n, p(τ) = Σ_i p(ω^i)·L_i(τ): so
    ///   Σ ρ_k·τ^k·G = Σ_i FFT(ρ)_i·L_i(τ)·G in each of the four sections.
    pub fn check<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<(), CeremonyError> {
        use CeremonyError::Phase1Inconsistent as Bad;
        let n = 1usize << self.power;
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        if self.tau_g1[0] != g1 || self.tau_g2[0] != g2 {
            return Err(Bad("τ^0 is not the generator"));
        }
        if self.tau_g1[1].is_zero() || self.tau_g1[1] == g1 || self.tau_g1[n] == g1 {
            return Err(Bad("τ is 0, 1, or in the evaluation domain"));
        }
        if self.alpha_tau_g1[0].is_zero() || self.beta_tau_g1[0].is_zero() {
            return Err(Bad("α or β is 0"));
        }
        let rho = |len: usize, rng: &mut R| (0..len).map(|_| Fr::rand(rng)).collect::<Vec<_>>();
        let msm1 = |bases: &[G1Affine], s: &[Fr]| G1Projective::msm_unchecked(bases, s);
        let msm2 = |bases: &[G2Affine], s: &[Fr]| G2Projective::msm_unchecked(bases, s);
        let same_ratio =
            |a1: G1Projective, b2: G2Projective, b1: G1Projective, a2: G2Projective| {
                // e(a1, b2) == e(b1, a2)
                Bn254::multi_pairing([a1, -b1], [b2, a2]).is_zero()
            };

        {
            let r = rho(2 * n - 2, rng);
            let lo = msm1(&self.tau_g1[..2 * n - 2], &r);
            let hi = msm1(&self.tau_g1[1..], &r);
            if !same_ratio(lo, self.tau_g2[1].into(), hi, g2.into()) {
                return Err(Bad("τ·G1 are not successive powers"));
            }
            let r = rho(n - 1, rng);
            let lo = msm2(&self.tau_g2[..n - 1], &r);
            let hi = msm2(&self.tau_g2[1..], &r);
            if !same_ratio(self.tau_g1[1].into(), lo, g1.into(), hi) {
                return Err(Bad("τ·G2 are not successive powers"));
            }
        }
        for (section, base, what) in [
            (&self.alpha_tau_g1, self.alpha_tau_g1[0], "α·τ·G1"),
            (&self.beta_tau_g1, self.beta_tau_g1[0], "β·τ·G1"),
        ] {
            let r = rho(n, rng);
            if !same_ratio(
                msm1(section, &r),
                g2.into(),
                base.into(),
                msm2(&self.tau_g2, &r),
            ) {
                return Err(Bad(what));
            }
        }
        if !same_ratio(
            self.beta_tau_g1[0].into(),
            g2.into(),
            g1.into(),
            self.beta_g2.into(),
        ) {
            return Err(Bad("β·G2 does not match β·G1"));
        }

        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("power ≤ 28");
        let r = rho(n, rng);
        let evals = domain.fft(&r);
        let checks = [
            (msm1(&self.tau_g1[..n], &r), msm1(&self.lagrange.g1, &evals)),
            (
                msm1(&self.alpha_tau_g1, &r),
                msm1(&self.lagrange.alpha_g1, &evals),
            ),
            (
                msm1(&self.beta_tau_g1, &r),
                msm1(&self.lagrange.beta_g1, &evals),
            ),
        ];
        if checks.iter().any(|(a, b)| a != b)
            || msm2(&self.tau_g2, &r) != msm2(&self.lagrange.g2, &evals)
        {
            return Err(Bad(
                "the Lagrange sections are not the powers in Lagrange basis",
            ));
        }
        Ok(())
    }
}

/// The Lagrange basis of the domain of `n` points from the first `n` powers.
pub(crate) fn derive_lagrange(p1: &Phase1, n: usize) -> Lagrange {
    fn transform<A: AffineRepr<ScalarField = Fr>>(powers: &[A]) -> Vec<A>
    where
        A::Group: Coefficient,
    {
        let mut values: Vec<A::Group> = powers.iter().map(|p| p.into_group()).collect();
        lagrange_basis_from_powers(&mut values);
        A::Group::normalize_batch(&values)
    }
    // G2 costs about as much as the three G1 transforms together.
    let (g2, (g1, (alpha_g1, beta_g1))) = rayon::join(
        || transform(&p1.tau_g2[..n]),
        || {
            rayon::join(
                || transform(&p1.tau_g1[..n]),
                || {
                    rayon::join(
                        || transform(&p1.alpha_tau_g1[..n]),
                        || transform(&p1.beta_tau_g1[..n]),
                    )
                },
            )
        },
    );
    Lagrange {
        g1,
        g2,
        alpha_g1,
        beta_g1,
    }
}

/// Writes a prepared `.ptau` file of power `power` from a phase 1 made here
/// with fresh τ, α, β. **Development only**: this process knew τ, α, β.
pub fn dev_ptau<R: RngCore + CryptoRng>(power: u32, rng: &mut R) -> Result<Vec<u8>, CeremonyError> {
    if !(1..MAX_POWER).contains(&power) {
        return Err(CeremonyError::InvalidArgument(format!(
            "phase-1 power {power} is out of range 1..{MAX_POWER}"
        )));
    }
    let tau = Fr::rand(rng);
    let alpha = Fr::rand(rng);
    let beta = Fr::rand(rng);
    Ok(ptau_from_secrets(power, tau, alpha, beta))
}

/// The prepared `.ptau` file for known τ, α, β.
pub(crate) fn ptau_from_secrets(power: u32, tau: Fr, alpha: Fr, beta: Fr) -> Vec<u8> {
    let n = 1usize << power;
    let powers: Vec<Fr> = std::iter::successors(Some(Fr::one()), |x| Some(*x * tau))
        .take(2 * n)
        .collect();
    let scaled = |s: &[Fr], k: Fr| s.iter().map(|x| *x * k).collect::<Vec<_>>();
    // Lagrange coefficients of every domain 2^0 … 2^last, concatenated.
    let lagrange = |last: u32| -> Vec<Fr> {
        (0..=last)
            .flat_map(|q| {
                Radix2EvaluationDomain::<Fr>::new(1 << q)
                    .expect("q ≤ 28")
                    .evaluate_all_lagrange_coefficients(tau)
            })
            .collect()
    };
    let lag_long = lagrange(power + 1);
    let lag = &lag_long[..(1 << (power + 1)) - 1];

    let mut sections: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut header = Vec::new();
    header.extend_from_slice(&32u32.to_le_bytes());
    header.extend_from_slice(&Fq::MODULUS.to_bytes_le());
    header.extend_from_slice(&power.to_le_bytes());
    header.extend_from_slice(&power.to_le_bytes());
    sections.push((1, header));
    sections.push((2, g1_bytes(&g1_batch(&powers[..2 * n - 1]))));
    sections.push((3, g2_bytes(&g2_batch(&powers[..n]))));
    sections.push((4, g1_bytes(&g1_batch(&scaled(&powers[..n], alpha)))));
    sections.push((5, g1_bytes(&g1_batch(&scaled(&powers[..n], beta)))));
    sections.push((6, g2_bytes(&g2_batch(&[beta]))));
    sections.push((7, 0u32.to_le_bytes().to_vec()));
    sections.push((12, g1_bytes(&g1_batch(&lag_long))));
    sections.push((13, g2_bytes(&g2_batch(lag))));
    sections.push((14, g1_bytes(&g1_batch(&scaled(lag, alpha)))));
    sections.push((15, g1_bytes(&g1_batch(&scaled(lag, beta)))));
    write_container(&sections)
}

fn g1_batch(s: &[Fr]) -> Vec<G1Affine> {
    use ark_ec::scalar_mul::ScalarMul;
    G1Projective::generator().batch_mul(s)
}

fn g2_batch(s: &[Fr]) -> Vec<G2Affine> {
    use ark_ec::scalar_mul::ScalarMul;
    G2Projective::generator().batch_mul(s)
}

/// The header's power, after checking the field is BN254's.
fn read_header(h: &[u8]) -> Result<u32, CeremonyError> {
    if h.len() != 4 + 32 + 8 {
        return Err(malformed(".ptau", "header has the wrong length"));
    }
    let n8 = u32::from_le_bytes(h[..4].try_into().expect("4 bytes"));
    if n8 != 32 || h[4..36] != Fq::MODULUS.to_bytes_le()[..] {
        return Err(malformed(
            ".ptau",
            "it is not for BN254 (bn128): use a bn128 powers-of-tau file",
        ));
    }
    let power = u32::from_le_bytes(h[36..40].try_into().expect("4 bytes"));
    if power == 0 || power > MAX_POWER {
        return Err(malformed(".ptau", format!("power {power} is out of range")));
    }
    Ok(power)
}

/// The snarkjs `.ptau` container: `"ptau"`, `u32` version 1, `u32` section
/// count, then `u32 id ‖ u64 length ‖ data` per section.
pub(crate) fn read_container(bytes: &[u8]) -> Result<BTreeMap<u32, &[u8]>, CeremonyError> {
    let bad = |reason: &str| malformed(".ptau", reason.to_string());
    if bytes.len() < 12 || &bytes[..4] != b"ptau" {
        return Err(bad("it does not start with the snarkjs magic \"ptau\""));
    }
    let version = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes"));
    if version != 1 {
        return Err(bad("only version 1 is supported"));
    }
    let count = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    let mut at = 12usize;
    let mut sections = BTreeMap::new();
    for _ in 0..count {
        let head = bytes
            .get(at..at + 12)
            .ok_or_else(|| bad("truncated section header"))?;
        let id = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let len = u64::from_le_bytes(head[4..].try_into().expect("8 bytes"));
        let len = usize::try_from(len).map_err(|_| bad("section too long"))?;
        at += 12;
        let end = at.checked_add(len).ok_or_else(|| bad("section too long"))?;
        let data = bytes.get(at..end).ok_or_else(|| bad("truncated section"))?;
        if sections.insert(id, data).is_some() {
            return Err(bad("a section appears twice"));
        }
        at = end;
    }
    if at != bytes.len() {
        return Err(bad("trailing bytes after the last section"));
    }
    Ok(sections)
}

pub(crate) fn write_container(sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"ptau");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (id, data) in sections {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        out.extend_from_slice(data);
    }
    out
}

/// A base-field element in little-endian Montgomery form, refusing values ≥ q.
fn fq_lem(b: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(b.chunks_exact(8)) {
        *limb = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    let big = BigInt(limbs);
    (big < Fq::MODULUS).then(|| Fq::new_unchecked(big))
}

pub(crate) fn fq_lem_bytes(x: &Fq, out: &mut Vec<u8>) {
    for limb in x.0 .0 {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

fn g1_points(data: &[u8], what: &'static str) -> Result<Vec<G1Affine>, CeremonyError> {
    data.par_chunks_exact(G1_BYTES)
        .map(|b| {
            if b.iter().all(|&x| x == 0) {
                return Ok(G1Affine::zero());
            }
            let (x, y) = fq_lem(&b[..32])
                .zip(fq_lem(&b[32..]))
                .ok_or_else(|| malformed(what, "a coordinate is not below the field prime"))?;
            let p = G1Affine::new_unchecked(x, y);
            if !p.is_on_curve() {
                return Err(malformed(what, "a point is not on the curve"));
            }
            Ok(p)
        })
        .collect()
}

fn g2_points(data: &[u8], what: &'static str) -> Result<Vec<G2Affine>, CeremonyError> {
    data.par_chunks_exact(G2_BYTES)
        .map(|b| {
            if b.iter().all(|&x| x == 0) {
                return Ok(G2Affine::zero());
            }
            let c = |i: usize| fq_lem(&b[32 * i..32 * (i + 1)]);
            let (x0, x1, y0, y1) = match (c(0), c(1), c(2), c(3)) {
                (Some(a), Some(b), Some(c), Some(d)) => (a, b, c, d),
                _ => return Err(malformed(what, "a coordinate is not below the field prime")),
            };
            let p = G2Affine::new_unchecked(Fq2::new(x0, x1), Fq2::new(y0, y1));
            if !p.is_on_curve() || !x402_zk_verifier::is_in_g2(&p) {
                return Err(malformed(what, "a point is not in the G2 subgroup"));
            }
            Ok(p)
        })
        .collect()
}

fn g1_bytes(points: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * G1_BYTES);
    for p in points {
        match p.xy() {
            Some((x, y)) => {
                fq_lem_bytes(&x, &mut out);
                fq_lem_bytes(&y, &mut out);
            }
            None => out.extend_from_slice(&[0; G1_BYTES]),
        }
    }
    out
}

fn g2_bytes(points: &[G2Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * G2_BYTES);
    for p in points {
        match p.xy() {
            Some((x, y)) => {
                for c in [x.c0, x.c1, y.c0, y.c1] {
                    fq_lem_bytes(&c, &mut out);
                }
            }
            None => out.extend_from_slice(&[0; G2_BYTES]),
        }
    }
    out
}
