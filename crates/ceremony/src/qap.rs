//! The initial phase-2 parameters: the receipt circuit's QAP evaluated at the
//! phase-1 τ, exactly as ark-groth16's generator would with γ = δ = 1.
//!
//! ark-groth16's libsnark reduction (here over x402-zk's domain, the smallest
//! n = 2^a·3^b ≥ rows + inputs: `x402_zk_prover::ReceiptQap`) puts constraint i
//! at ω^i and the copy of instance variable j at ω^(m + j), m the number of
//! constraints, so with L_i the Lagrange basis of the domain of size n (read
//! from the `.ptau` for a power of two, else derived from the powers of τ):
//!
//! * A_j(τ) = Σ_i a_ij·L_i(τ) + [j instance]·L_(m+j)(τ), B_j, C_j likewise without the copy;
//! * a_query_j = A_j(τ)·G1, b_query_j = B_j(τ)·G1 and ·G2;
//! * IC_j (instance) and l_query_j (witness) = (β·A_j(τ) + α·B_j(τ) + C_j(τ))·G1,
//!   read from the α- and β-scaled Lagrange sections (divided by γ = 1 and δ = 1);
//! * h_query_i = Z(τ)·τ^i·G1 = (τ^(n+i) − τ^i)·G1 for i < n − 1, Z(X) = X^n − 1.
//!
//! So every point is a sparse combination of phase-1 points: no secret is needed.

use crate::{error::CeremonyError, ptau::Phase1};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, One, PrimeField, Zero};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rayon::prelude::*;
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_prover::mixed_radix_size;

/// The circuit's matrices by column: for every variable, its `(coefficient,
/// constraint)` terms in A, B and C.
pub(crate) struct Columns {
    pub(crate) num_instance: usize,
    pub(crate) num_constraints: usize,
    /// Points of the evaluation domain: the smallest `2^a·3^b` ≥ rows + inputs.
    pub(crate) domain_size: usize,
    a: Vec<Vec<(Fr, usize)>>,
    b: Vec<Vec<(Fr, usize)>>,
    c: Vec<Vec<(Fr, usize)>>,
}

impl Columns {
    /// Synthesizes the blank receipt circuit as ark-groth16's generator does
    /// (setup mode, optimised for constraints, linear combinations inlined).
    pub(crate) fn receipt_circuit() -> Result<Self, CeremonyError> {
        Self::of(ReceiptCircuit::blank())
    }

    /// The columns of any circuit (tests use another one).
    pub(crate) fn of(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Self, CeremonyError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit
            .generate_constraints(cs.clone())
            .map_err(|e| CeremonyError::Circuit(e.to_string()))?;
        cs.finalize();
        let m: ConstraintMatrices<Fr> = cs
            .to_matrices()
            .ok_or_else(|| CeremonyError::Circuit("no matrices".into()))?;
        let vars = m.num_instance_variables + m.num_witness_variables;
        let domain_size = mixed_radix_size(m.num_constraints + m.num_instance_variables);
        let by_column = |rows: &[Vec<(Fr, usize)>]| {
            let mut cols = vec![Vec::new(); vars];
            for (i, row) in rows.iter().enumerate() {
                for &(coeff, var) in row {
                    cols[var].push((coeff, i));
                }
            }
            cols
        };
        Ok(Columns {
            num_instance: m.num_instance_variables,
            num_constraints: m.num_constraints,
            domain_size,
            a: by_column(&m.a),
            b: by_column(&m.b),
            c: by_column(&m.c),
        })
    }

    /// log2 of the powers of τ the domain needs: `2^power ≥ domain_size`.
    pub(crate) fn power(&self) -> u32 {
        self.domain_size.next_power_of_two().trailing_zeros()
    }

    fn num_variables(&self) -> usize {
        self.a.len()
    }

    /// The parameters before any contribution (γ = δ = 1).
    pub(crate) fn initial_key(&self, p1: &Phase1) -> Result<ProvingKey<Bn254>, CeremonyError> {
        if p1.power != self.power() {
            return Err(CeremonyError::InvalidArgument(format!(
                "phase 1 was read with 2^{} powers of τ but the circuit's domain needs 2^{}",
                p1.power,
                self.power()
            )));
        }
        let n = self.domain_size;
        let lagrange = p1.lagrange(n)?;
        let m = self.num_constraints;
        let copy = |j: usize| (j < self.num_instance).then_some(m + j);
        let vars: Vec<usize> = (0..self.num_variables()).collect();

        let a_query = G1Projective::normalize_batch(
            &vars
                .par_iter()
                .map(|&j| {
                    combine(&self.a[j], &lagrange.g1)
                        + copy(j).map_or(G1Projective::default(), |i| lagrange.g1[i].into())
                })
                .collect::<Vec<_>>(),
        );
        let b_g1_query = G1Projective::normalize_batch(
            &vars
                .par_iter()
                .map(|&j| combine(&self.b[j], &lagrange.g1))
                .collect::<Vec<_>>(),
        );
        let b_g2_query = G2Projective::normalize_batch(
            &vars
                .par_iter()
                .map(|&j| combine(&self.b[j], &lagrange.g2))
                .collect::<Vec<_>>(),
        );
        let abc = G1Projective::normalize_batch(
            &vars
                .par_iter()
                .map(|&j| {
                    combine(&self.a[j], &lagrange.beta_g1)
                        + copy(j).map_or(G1Projective::default(), |i| lagrange.beta_g1[i].into())
                        + combine(&self.b[j], &lagrange.alpha_g1)
                        + combine(&self.c[j], &lagrange.g1)
                })
                .collect::<Vec<_>>(),
        );
        let h_query = G1Projective::normalize_batch(
            &(0..n - 1)
                .into_par_iter()
                .map(|i| p1.tau_g1[n + i] - p1.tau_g1[i])
                .collect::<Vec<_>>(),
        );
        let (gamma_abc_g1, l_query) = abc.split_at(self.num_instance);
        Ok(ProvingKey {
            vk: VerifyingKey {
                alpha_g1: p1.alpha_tau_g1[0],
                beta_g2: p1.beta_g2,
                gamma_g2: G2Affine::generator(),
                delta_g2: G2Affine::generator(),
                gamma_abc_g1: gamma_abc_g1.to_vec(),
            },
            beta_g1: p1.beta_tau_g1[0],
            delta_g1: G1Affine::generator(),
            a_query,
            b_g1_query,
            b_g2_query,
            h_query,
            l_query: l_query.to_vec(),
        })
    }
}

/// Σ coeff·bases[i] over sparse terms. Most coefficients are ±1 or small
/// (±2^k from bit decompositions): an addition or a short double-and-add on
/// the smaller of c and −c. The few full-size constants go to one MSM.
fn combine<A>(terms: &[(Fr, usize)], bases: &[A]) -> A::Group
where
    A: AffineRepr<ScalarField = Fr>,
    A::Group: VariableBaseMSM<MulBase = A>,
{
    let mut acc = A::Group::zero();
    let (mut big_bases, mut big_scalars) = (Vec::new(), Vec::new());
    for &(coeff, i) in terms {
        let base = bases[i];
        let (plus, minus) = (coeff.into_bigint(), (-coeff).into_bigint());
        if plus.num_bits() <= 64 {
            acc += if coeff.is_one() {
                base.into_group()
            } else {
                base.mul_bigint(plus)
            };
        } else if minus.num_bits() <= 64 {
            acc -= if minus == Fr::one().into_bigint() {
                base.into_group()
            } else {
                base.mul_bigint(minus)
            };
        } else {
            big_bases.push(base);
            big_scalars.push(coeff);
        }
    }
    if !big_bases.is_empty() {
        acc += A::Group::msm_unchecked(&big_bases, &big_scalars);
    }
    acc
}
