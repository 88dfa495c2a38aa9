//! The fast prover: the same Groth16 proofs as ark-groth16 (same key, same
//! equations, byte-identical for the same randomness), computed from a key
//! prepared once.
//!
//! Preparation compiles the circuit's matrices once (stock proving rebuilds them
//! for every proof) and stores every proving-key point with its window shifts
//! ([`msm`]). A proof is then: the witness (synthesis without matrices), `h` by
//! seven FFTs over the 2^13 domain, and five fixed-base MSMs, all run as
//! independent tasks on the thread pool.

mod msm;
mod ntt;
mod qap;

use crate::{ProveError, ProvingKey};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::UniformRand;
use ark_relations::r1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use msm::FixedBaseMsm;
use qap::Qap;
use rand::{CryptoRng, RngCore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_primitives::{Policy, Statement, Witness};
use x402_zk_verifier::Proof;

/// Window width (bits) of every query. The model `additions ≈ n·⌈255/c⌉ +
/// 2^(c−1)·(a reduction step ≈ 2.5 batched additions)` is flat from 12 to 14 at
/// these sizes; measured (`cargo test --release -p x402-zk-prover window_widths
/// -- --ignored --nocapture`), 13 is fastest for every query, G2 included.
const WINDOW: usize = 13;

/// A proving key prepared for fast proving. Build it once per process
/// ([`Prover::new`]) and share it (`&Prover` is `Sync`).
///
/// ```
/// use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, Policy, ReceiptBody, Witness};
/// use x402_zk_prover::{setup_dev, Prover};
/// use x402_zk_verifier::Verifier;
///
/// let mut rng = rand::thread_rng();
/// let (pk, vk) = setup_dev(&mut rng).unwrap(); // development keys: never in production
/// let prover = Prover::new(&pk).unwrap();
///
/// let issuer = SecretKey::generate();
/// let buyer = PayerSecret::generate();
/// let dest = h2f::dest("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "USDC", "seller");
/// let receipt = ReceiptBody {
///     amount: 1_500_000, dest, paid_at: 1_700_000_000,
///     payment_id: h2f::payment_id("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "tx"),
///     payer_commitment: buyer.commitment(),
/// }.sign(&issuer);
/// let policy = Policy {
///     dest, min_amount: 1_000_000, not_before: 1_699_000_000,
///     issuer: issuer.public_key(), context: h2f::context("https://api.example/r", "c"),
/// };
/// let witness = Witness { receipt, payer_secret: buyer };
/// let (statement, proof) = prover.prove(&witness, &policy, &mut rng).unwrap();
/// Verifier::new(&vk).verify(&statement, &proof).unwrap();
/// ```
pub struct Prover {
    qap: Qap,
    alpha_g1: G1Affine,
    beta_g1: G1Affine,
    beta_g2: G2Affine,
    delta_g1: G1Affine,
    delta_g2: G2Affine,
    a: FixedBaseMsm<ark_bn254::g1::Config>,
    b_g1: FixedBaseMsm<ark_bn254::g1::Config>,
    b_g2: FixedBaseMsm<ark_bn254::g2::Config>,
    l: FixedBaseMsm<ark_bn254::g1::Config>,
    h: FixedBaseMsm<ark_bn254::g1::Config>,
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("constraints", &self.qap.num_constraints())
            .field("precomputed_points", &self.precomputed_points())
            .finish()
    }
}

impl Prover {
    /// Prepares `pk`: compiles the circuit's matrices and precomputes the window
    /// tables of every query (a few hundred milliseconds on two cores; about
    /// 40 MB).
    pub fn new(pk: &ProvingKey) -> Result<Self, ProveError> {
        let pk = &pk.0;
        let qap = Qap::compile()?;
        if qap.num_variables() != pk.a_query.len() || qap.num_instance() != pk.vk.gamma_abc_g1.len()
        {
            return Err(ProveError::KeyMismatch);
        }
        if pk.h_query.len() + 1 != qap.domain_size() {
            return Err(ProveError::KeyMismatch);
        }
        // In the order `Qap::h_coefficients` gives h's coefficients.
        let h_query: Vec<G1Affine> = (0..qap.domain_size())
            .map(|j| {
                let i = qap.h_position(j);
                pk.h_query.get(i).copied().unwrap_or_default()
            })
            .collect();
        let ((a, b_g1), (b_g2, (l, h))) = rayon::join(
            || {
                rayon::join(
                    || FixedBaseMsm::new(&pk.a_query, WINDOW),
                    || FixedBaseMsm::new(&pk.b_g1_query, WINDOW),
                )
            },
            || {
                rayon::join(
                    || FixedBaseMsm::new(&pk.b_g2_query, WINDOW),
                    || {
                        rayon::join(
                            || FixedBaseMsm::new(&pk.l_query, WINDOW),
                            || FixedBaseMsm::new(&h_query, WINDOW),
                        )
                    },
                )
            },
        );
        Ok(Prover {
            qap,
            alpha_g1: pk.vk.alpha_g1,
            beta_g1: pk.beta_g1,
            beta_g2: pk.vk.beta_g2,
            delta_g1: pk.delta_g1,
            delta_g2: pk.vk.delta_g2,
            a,
            b_g1,
            b_g2,
            l,
            h,
        })
    }

    /// Points held in the window tables (G1 and G2).
    pub fn precomputed_points(&self) -> usize {
        [&self.a, &self.b_g1, &self.l, &self.h]
            .iter()
            .map(|m| m.table_len())
            .sum::<usize>()
            + self.b_g2.table_len()
    }

    /// Proves that `witness` meets `policy`, like [`crate::prove`] (same checks,
    /// same errors, proofs for the same key).
    pub fn prove<R: RngCore + CryptoRng>(
        &self,
        witness: &Witness,
        policy: &Policy,
        rng: &mut R,
    ) -> Result<(Statement, Proof), ProveError> {
        let statement = witness.statement(policy)?;
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let proof = self.prove_with_randomness(&statement, witness, r, s)?;
        Ok((statement, Proof::from_ark(proof)?))
    }

    /// The proof with blinding factors `r`, `s` (ark-groth16's equations):
    ///
    /// ```text
    /// A = α + Σ zᵢ·Aᵢ + r·δ          B = β + Σ zᵢ·Bᵢ + s·δ   (in G2, and in G1 for C)
    /// C = Σ_{witness} zᵢ·Lᵢ + Σ hⱼ·Hⱼ + s·A + r·B₁ − r·s·δ
    /// ```
    pub(crate) fn prove_with_randomness(
        &self,
        statement: &Statement,
        witness: &Witness,
        r: Fr,
        s: Fr,
    ) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, ProveError> {
        // The blinding terms need no witness: computed while it is generated.
        let (z, (r_delta, (s_delta, s_delta_g2))) = rayon::join(
            || full_assignment(statement, witness),
            || {
                let delta = G1Projective::from(self.delta_g1);
                rayon::join(
                    || delta * r,
                    || (delta * s, G2Projective::from(self.delta_g2) * s),
                )
            },
        );
        let z = z?;
        if z.len() != self.qap.num_variables() {
            return Err(ProveError::Synthesis(format!(
                "the circuit assigned {} variables, the key has {}",
                z.len(),
                self.qap.num_variables()
            )));
        }
        let witness_part = &z[self.qap.num_instance()..];
        // Five independent tasks, longest first, taken in turn by two workers
        // (greedy longest-processing-time scheduling; nested joins measured 100 ms
        // against 88 ms for this, one core idling while the other finished).
        let (h_sum, l_sum, a, b_g1, b_g2) = (
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        );
        let tasks: [&(dyn Fn() + Sync); 5] = [
            &|| {
                let _ = h_sum.set(self.h.msm(&self.qap.h_coefficients(&z)));
            },
            &|| {
                let _ = b_g2.set(self.b_g2.msm(&z));
            },
            &|| {
                let _ = l_sum.set(self.l.msm(witness_part));
            },
            &|| {
                let _ = b_g1.set(self.b_g1.msm(&z));
            },
            &|| {
                let _ = a.set(self.a.msm(&z));
            },
        ];
        let next = AtomicUsize::new(0);
        let worker = || {
            while let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) {
                task();
            }
        };
        rayon::join(worker, worker);
        let done = "every task ran";
        let (h_sum, l_sum) = (
            h_sum.into_inner().expect(done),
            l_sum.into_inner().expect(done),
        );
        let a = a.into_inner().expect(done) + self.alpha_g1 + r_delta;
        let b_g2 = b_g2.into_inner().expect(done) + self.beta_g2 + s_delta_g2;
        let b_g1 = b_g1.into_inner().expect(done) + self.beta_g1 + s_delta;
        let c = h_sum + l_sum + a * s + b_g1 * r - r_delta * s;
        let [a, c] =
            <[G1Affine; 2]>::try_from(G1Projective::normalize_batch(&[a, c])).expect("two points");
        Ok(ark_groth16::Proof {
            a,
            b: b_g2.into_affine(),
            c,
        })
    }
}

/// The values of every circuit variable, `z = (1, public inputs, witness)`, as
/// the fast prover computes them (the circuit synthesized without matrices). The
/// caller is responsible for `witness` meeting `statement`.
pub fn full_assignment(statement: &Statement, witness: &Witness) -> Result<Vec<Fr>, ProveError> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
    });
    ReceiptCircuit::new(statement, witness)
        .generate_constraints(cs.clone())
        .map_err(|e| ProveError::Synthesis(e.to_string()))?;
    let cs = cs
        .into_inner()
        .ok_or_else(|| ProveError::Synthesis("constraint system still shared".into()))?;
    let mut z = cs.instance_assignment;
    z.extend(cs.witness_assignment);
    Ok(z)
}

#[cfg(test)]
mod tests;
