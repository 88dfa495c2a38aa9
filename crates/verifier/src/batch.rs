//! Batch verification of many proofs under one key with a random linear
//! combination: for random 128-bit `zⱼ`,
//!
//! ```text
//! Πⱼ e(zⱼ·Aⱼ, Bⱼ) · e(Σⱼ zⱼ·IC(xⱼ), −γ) · e(Σⱼ zⱼ·Cⱼ, −δ) · e((Σⱼ zⱼ)·α, −β) = 1
//! ```
//!
//! `n + 3` Miller loops (as one chain per thread, [`crate::miller`]) and one
//! final exponentiation instead of `n` of each. If
//! every proof is valid the product is 1; if one is not, it is 1 with probability
//! at most about `2^-128` over the coefficients, which come from a CSPRNG the
//! prover cannot predict. A failing batch falls back to checking each proof, so the
//! error names the false ones.

use crate::miller::{lines_per_pair, Part};
use crate::{Proof, Verifier, VerifyError};
use ark_bn254::{Bn254, Fq12, Fr, G1Projective};
use ark_ec::{pairing::Pairing, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use rand::{CryptoRng, Rng, RngCore};
use rayon::prelude::*;
use x402_zk_primitives::Statement;

/// Why a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// These proofs (positions in the batch) are false; the others are valid.
    #[error("{} of the proofs in the batch do not verify, at positions {invalid:?}", invalid.len())]
    Invalid {
        /// Positions of the false proofs, ascending.
        invalid: Vec<usize>,
    },
}

impl Verifier {
    /// Verifies every `(statement, proof)` pair at once; on failure, names the
    /// false proofs. `rng` must be a cryptographically secure generator.
    pub fn verify_batch<R: RngCore + CryptoRng>(
        &self,
        items: &[(Statement, Proof)],
        rng: &mut R,
    ) -> Result<(), BatchError> {
        if items.is_empty() || self.batch_holds(items, rng) {
            return Ok(());
        }
        let invalid: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, (s, p))| matches!(self.verify(s, p), Err(VerifyError::InvalidProof)))
            .map(|(i, _)| i)
            .collect();
        if invalid.is_empty() {
            // Impossible for valid proofs (the combination of true equations holds).
            return Err(BatchError::Invalid {
                invalid: (0..items.len()).collect(),
            });
        }
        Err(BatchError::Invalid { invalid })
    }

    fn batch_holds<R: RngCore + CryptoRng>(
        &self,
        items: &[(Statement, Proof)],
        rng: &mut R,
    ) -> bool {
        let z: Vec<Fr> = items
            .iter()
            .map(|_| loop {
                let c = Fr::from(rng.gen::<u128>());
                if !c.is_zero() {
                    break c;
                }
            })
            .collect();
        let z_sum: Fr = z.iter().sum();
        // Σⱼ zⱼ·IC(xⱼ) = (Σ zⱼ)·IC₀ + Σᵢ (Σⱼ zⱼ·xⱼᵢ)·ICᵢ₊₁.
        let ic = &self.pvk.vk.gamma_abc_g1;
        let mut ic_scalars = vec![z_sum];
        ic_scalars.resize(ic.len(), Fr::zero());
        for ((statement, _), zj) in items.iter().zip(&z) {
            for (i, x) in statement.public_inputs().iter().enumerate() {
                ic_scalars[i + 1] += *zj * x.0;
            }
        }
        let ic_sum = G1Projective::msm_unchecked(ic, &ic_scalars);
        let c: Vec<_> = items.iter().map(|(_, p)| p.as_ark().c).collect();
        let c_sum = G1Projective::msm_unchecked(&c, &z);
        let alpha = self.pvk.vk.alpha_g1 * z_sum;

        // The per-proof work (z·A, preparing B) is spread over the thread pool.
        let (mut g1, mut g2): (Vec<G1Projective>, Vec<<Bn254 as Pairing>::G2Prepared>) = items
            .par_iter()
            .zip(&z)
            .map(|((_, p), zj)| (p.as_ark().a * zj, p.as_ark().b.into()))
            .unzip();
        g1.extend([ic_sum, c_sum, alpha]);
        let g1 = G1Projective::normalize_batch(&g1);
        g2.extend([
            self.pvk.gamma_g2_neg_pc.clone(),
            self.pvk.delta_g2_neg_pc.clone(),
            self.beta_neg.clone(),
        ]);
        // One chain of Miller loops per thread: each runs the 63 squarings once for
        // its share of the pairs (arkworks' loop runs them once per four pairs), and
        // no chain has fewer than four pairs, so many threads do not mean more work.
        let n = lines_per_pair();
        let per_chain = g1
            .len()
            .div_ceil(rayon::current_num_threads().max(1))
            .max(4);
        let product: Fq12 = g1
            .par_chunks(per_chain)
            .zip(g2.par_chunks(per_chain))
            .map(|(p, q)| {
                let parts: Vec<Part<'_>> = p
                    .iter()
                    .zip(q)
                    .map(|(p, q)| Part {
                        p: *p,
                        q,
                        range: 0..n,
                    })
                    .collect();
                self.backend.chain(&parts)
            })
            .product();
        crate::final_exp::easy_part(product).is_some_and(|r| self.backend.hard_part(r).is_one())
    }
}
