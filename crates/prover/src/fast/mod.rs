//! The fast prover: the same Groth16 proofs as ark-groth16 (same key, same
//! equations, byte-identical for the same randomness), computed from a key
//! prepared once.
//!
//! Preparation compiles the circuit's matrices once (stock proving rebuilds them
//! for every proof) and stores every proving-key point with its window shifts
//! ([`msm`]). A proof is then: the witness (synthesis without matrices, beside
//! the blinding terms and the signature check), `h` by seven transforms over the
//! key's domain ([`crate::Domain`]: 4,096 points for keys made here), and six fixed-base MSM tasks (`H` in two halves) taken
//! longest first by two workers.

mod msm;
mod qap;

use crate::{ProveError, ProvingKey};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::CurveGroup;
use ark_ff::PrimeField;
use ark_ff::UniformRand;
use ark_relations::r1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use msm::QueryMsm;
use qap::Qap;
use rand::{CryptoRng, RngCore};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_ifma::Ifma;
use x402_zk_primitives::{Policy, Statement, Witness, WitnessError};
use x402_zk_verifier::Proof;

/// Window width (bits) of every query. The model `additions ≈ n·⌈255/c⌉ +
/// 2^(c−1)·(a reduction step ≈ 2.5 batched additions)` is flat from 12 to 14 at
/// these sizes; measured (`cargo test --release -p x402-zk-prover window_widths
/// -- --ignored --nocapture`), 13 is fastest for every query, G2 included.
const WINDOW: usize = 13;

/// The scalar count ark-ec sizes δ's tables for: `256` gives 5-bit windows (about
/// 0.3 MB for G1 and G2 together, 51 additions per blinding term).
const DELTA_TABLE_SCALARS: usize = 256;

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
    /// Window tables of δ in G1 and G2, for the blinding terms.
    delta_g1_table: BatchMulPreprocessing<G1Projective>,
    delta_g2_table: BatchMulPreprocessing<G2Projective>,
    a: QueryMsm<ark_bn254::g1::Config>,
    b_g1: QueryMsm<ark_bn254::g1::Config>,
    b_g2: QueryMsm<ark_bn254::g2::Config>,
    l: QueryMsm<ark_bn254::g1::Config>,
    /// The `H` query in digit-reversed order (see `Qap::h_coefficients`), in halves.
    h: [QueryMsm<ark_bn254::g1::Config>; 2],
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
    /// tables of every query (about a second on two cores; about 40 MB). On CPUs
    /// with AVX-512 IFMA the MSMs add their points eight at a time
    /// (`x402_zk_ifma`); elsewhere with arkworks' field arithmetic.
    pub fn new(pk: &ProvingKey) -> Result<Self, ProveError> {
        Self::prepare(pk, Ifma::detect())
    }

    /// [`Self::new`] without AVX-512 IFMA, on any CPU: the same proofs, for
    /// comparisons and tests.
    pub fn new_portable(pk: &ProvingKey) -> Result<Self, ProveError> {
        Self::prepare(pk, None)
    }

    /// Whether the MSMs run on AVX-512 IFMA.
    pub fn uses_ifma(&self) -> bool {
        self.a.uses_ifma()
    }

    fn prepare(pk: &ProvingKey, ifma: Option<Ifma>) -> Result<Self, ProveError> {
        let qap = Qap::compile(pk.domain())?;
        let pk = &pk.0;
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
                let i = qap.h_coefficient_at(j);
                pk.h_query.get(i).copied().unwrap_or_default()
            })
            .collect();
        let (h_low, h_high) = h_query.split_at(h_query.len() / 2);
        let ((a, b_g1), (b_g2, (l, h))) = rayon::join(
            || {
                rayon::join(
                    || QueryMsm::new(ifma, &pk.a_query, WINDOW),
                    || QueryMsm::new(ifma, &pk.b_g1_query, WINDOW),
                )
            },
            || {
                rayon::join(
                    || QueryMsm::new(ifma, &pk.b_g2_query, WINDOW),
                    || {
                        rayon::join(
                            || QueryMsm::new(ifma, &pk.l_query, WINDOW),
                            || {
                                let (low, high) = rayon::join(
                                    || QueryMsm::new(ifma, h_low, WINDOW),
                                    || QueryMsm::new(ifma, h_high, WINDOW),
                                );
                                [low, high]
                            },
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
            delta_g1_table: BatchMulPreprocessing::with_num_scalars_and_scalar_size(
                pk.delta_g1.into(),
                DELTA_TABLE_SCALARS,
                Fr::MODULUS_BIT_SIZE as usize,
            ),
            delta_g2_table: BatchMulPreprocessing::with_num_scalars_and_scalar_size(
                pk.vk.delta_g2.into(),
                DELTA_TABLE_SCALARS,
                Fr::MODULUS_BIT_SIZE as usize,
            ),
            a,
            b_g1,
            b_g2,
            l,
            h,
        })
    }

    /// Points held in the window tables (G1 and G2).
    pub fn precomputed_points(&self) -> usize {
        [&self.a, &self.b_g1, &self.l, &self.h[0], &self.h[1]]
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
        // The signature, and that the circuit's bounds admit it, are checked on the
        // core that is otherwise idle while the witness is generated; no proof is
        // returned unless both hold. A receipt that also fails the policy reports
        // its signature first, as `Witness::statement` does.
        let signature = || {
            witness
                .receipt
                .verify()
                .map_err(|e| ProveError::from(WitnessError::from(e)))
        };
        let provable = || {
            signature()?;
            if crate::within_circuit_bounds(witness) {
                Ok(())
            } else {
                Err(ProveError::OutsideCircuitBounds)
            }
        };
        let statement = match witness.statement_unverified(policy) {
            Ok(statement) => statement,
            Err(refused) => {
                signature()?;
                return Err(refused.into());
            }
        };
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let proof = self.prove_checked(&statement, witness, r, s, &provable)?;
        Ok((statement, Proof::from_ark(proof)?))
    }

    /// [`Self::prove_checked`] with no side check.
    #[cfg(test)]
    pub(crate) fn prove_with_randomness(
        &self,
        statement: &Statement,
        witness: &Witness,
        r: Fr,
        s: Fr,
    ) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, ProveError> {
        self.prove_checked(statement, witness, r, s, &|| Ok(()))
    }

    /// The proof with blinding factors `r`, `s` (ark-groth16's equations):
    ///
    /// ```text
    /// A = α + Σ zᵢ·Aᵢ + r·δ          B = β + Σ zᵢ·Bᵢ + s·δ   (in G2, and in G1 for C)
    /// C = Σ_{witness} zᵢ·Lᵢ + Σ hⱼ·Hⱼ + s·A + r·B₁ − r·s·δ
    /// ```
    ///
    /// `check` runs beside the witness generation; its error is returned.
    pub(crate) fn prove_checked(
        &self,
        statement: &Statement,
        witness: &Witness,
        r: Fr,
        s: Fr,
        check: &(dyn Fn() -> Result<(), ProveError> + Sync),
    ) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, ProveError> {
        // The blinding terms need no witness: computed while it is generated,
        // from window tables of δ.
        let (z, (checked, blinding)) = rayon::join(
            || full_assignment(statement, witness),
            || {
                let g1 = self.delta_g1_table.batch_mul(&[r, r * s, s]);
                let g2 = self.delta_g2_table.batch_mul(&[s]);
                (check(), (g1, g2))
            },
        );
        checked?;
        let z = z?;
        let ([r_delta, rs_delta, s_delta], [s_delta_g2]) = (
            <[G1Affine; 3]>::try_from(blinding.0).expect("three scalars"),
            <[G2Affine; 1]>::try_from(blinding.1).expect("one scalar"),
        );
        if z.len() != self.qap.num_variables() {
            return Err(ProveError::Synthesis(format!(
                "the circuit assigned {} variables, the key has {}",
                z.len(),
                self.qap.num_variables()
            )));
        }
        let witness_part = &z[self.qap.num_instance()..];
        // Six tasks, longest first, taken in turn by two workers (greedy
        // longest-processing-time scheduling; nested joins left one core idle).
        // The `H` MSM is split in two halves so the loads even out; the task for
        // the second half joins the front of the queue once the first task has
        // the coefficients (nothing ever blocks waiting for it).
        let (h_low, h_high, l_sum, a, b_g1, b_g2): Results = Default::default();
        let half = self.qap.domain_size() / 2;
        let queue = Mutex::new(VecDeque::from([
            Task::HLow,
            Task::BG2,
            Task::L,
            Task::BG1,
            Task::A,
        ]));
        let pop = || queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let worker = || {
            while let Some(task) = pop() {
                match task {
                    Task::HLow => {
                        let h = Arc::new(self.qap.h_coefficients(&z));
                        queue
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push_front(Task::HHigh(h.clone()));
                        let _ = h_low.set(self.h[0].msm(&h[..half]));
                    }
                    Task::HHigh(h) => {
                        let _ = h_high.set(self.h[1].msm(&h[half..]));
                    }
                    Task::BG2 => {
                        let b = self.b_g2.msm(&z) + self.beta_g2 + s_delta_g2;
                        let _ = b_g2.set(b.into_affine());
                    }
                    Task::L => {
                        let _ = l_sum.set(self.l.msm(witness_part));
                    }
                    Task::BG1 => {
                        let b = self.b_g1.msm(&z) + self.beta_g1 + s_delta;
                        let _ = b_g1.set(b * r);
                    }
                    Task::A => {
                        let a_sum = self.a.msm(&z) + self.alpha_g1 + r_delta;
                        let _ = a.set((a_sum, a_sum * s));
                    }
                }
            }
        };
        rayon::join(worker, worker);
        let done = "every task ran";
        let (a, a_s) = a.into_inner().expect(done);
        let c = h_low.into_inner().expect(done)
            + h_high.into_inner().expect(done)
            + l_sum.into_inner().expect(done)
            + a_s
            + b_g1.into_inner().expect(done)
            - rs_delta;
        let [a, c] =
            <[G1Affine; 2]>::try_from(G1Projective::normalize_batch(&[a, c])).expect("two points");
        Ok(ark_groth16::Proof {
            a,
            b: b_g2.into_inner().expect(done),
            c,
        })
    }
}

/// The results of the six proving tasks: `H` over each half, `L`, `(A, s·A)`,
/// `r·B₁`, `B₂`.
type Results = (
    OnceLock<G1Projective>,
    OnceLock<G1Projective>,
    OnceLock<G1Projective>,
    OnceLock<(G1Projective, G1Projective)>,
    OnceLock<G1Projective>,
    OnceLock<G2Affine>,
);

/// The proving tasks; `HHigh` carries `h`'s coefficients, computed by `HLow`.
enum Task {
    HLow,
    HHigh(Arc<Vec<Fr>>),
    BG2,
    L,
    BG1,
    A,
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
