//! The QAP evaluation domain of a proving key: the points the circuit's rows
//! (and the copies of its public inputs) sit at, which sizes the `H` query and
//! every transform of a proof.
//!
//! ark-groth16's own setup takes the power of two above rows + inputs: 4,096
//! points for circuit v1 (4,071 rows, 8 inputs), so `h` has 4,095
//! coefficients. BN254's scalar field also has roots of unity of order 3 and 9
//! (`r − 1 = 2^28·3^2·…`), so `2^a·3^b` points with `b ≤ 2` work as well: for a
//! circuit just above a power of two they are fewer (4,608 = 2^9·3^2 points
//! against 8,192 for the 4,361 rows circuit v1 had until its comparisons with
//! `l` and `p` were shortened). For circuit v1 now both are the same 4,096
//! points, built from the same root of unity. The proofs are Groth16 proofs like any other (the
//! verifying key does not depend on the domain beyond its points' values), and
//! keys of either domain prove with [`crate::prove`] and [`crate::Prover`].
//! [`crate::setup_dev`] and the ceremony make keys over the smaller one.

use crate::ntt::{Coefficient, Ntt};
use ark_bn254::Fr;
use ark_ff::{Field, PrimeField};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::{EvaluationDomain, MixedRadixEvaluationDomain};
use ark_relations::r1cs::{ConstraintMatrices, ConstraintSystemRef, SynthesisError};

/// The evaluation domain a proving key was made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// The power of two above rows + inputs (4,096 points for circuit v1), as
    /// ark-groth16's own setup makes.
    PowerOfTwo,
    /// The smallest `2^a·3^b ≥ rows + inputs` with `b ≤ 2` (4,096 points for
    /// circuit v1, as [`Domain::PowerOfTwo`]), as [`crate::setup_dev`] and the
    /// ceremony make.
    MixedRadix,
}

impl Domain {
    /// Points of the domain for the receipt circuit.
    pub fn size(self) -> usize {
        let rows = crate::key::circuit_rows_and_inputs();
        match self {
            Domain::PowerOfTwo => rows.next_power_of_two(),
            Domain::MixedRadix => mixed_radix_size(rows),
        }
    }

    /// The domain of a key whose `H` query has `h_query_len` points (one fewer
    /// than the domain), if it is one of the two.
    pub fn of_h_query_len(h_query_len: usize) -> Option<Self> {
        [Domain::MixedRadix, Domain::PowerOfTwo]
            .into_iter()
            .find(|d| d.size() == h_query_len + 1)
    }

    pub(crate) fn ntt(self) -> Ntt {
        Ntt::new(self.size()).expect("2^a·3^b points, b ≤ 2, within BN254's roots of unity")
    }
}

/// The smallest `2^a·3^b ≥ rows` with `b ≤ 2`: the points of a
/// [`Domain::MixedRadix`] domain for a circuit of `rows` rows and input copies.
pub fn mixed_radix_size(rows: usize) -> usize {
    [1, 3, 9]
        .into_iter()
        .map(|odd| odd * rows.max(1).div_ceil(odd).next_power_of_two())
        .min()
        .expect("three candidates")
}

/// Replaces `values`, the powers `[τ^m]` for `m < n`, by the Lagrange basis at
/// τ of the domain of `n` points: `[L_i(τ)] = (1/n)·Σₘ ω^(−i·m)·[τ^m]`, an
/// inverse transform. For the ceremony, which knows τ only in the exponent:
/// `values` may be field elements or curve points.
///
/// # Panics
/// If `n = values.len()` is not `2^a·3^b` with `a ≤ 28`, `b ≤ 2`.
pub fn lagrange_basis_from_powers<T: Coefficient>(values: &mut [T]) {
    let n = values.len();
    let ntt = Ntt::new(n).expect("a domain of 2^a·3^b points, a ≤ 28, b ≤ 2");
    ntt.dif_parallel(values, true);
    let scale = Fr::from(n as u64).inverse().expect("n is nonzero in Fr");
    let reversed = values.to_vec();
    for (j, v) in reversed.into_iter().enumerate() {
        values[ntt.reverse(j)] = v * scale;
    }
}

/// ark-groth16's libsnark reduction over [`Domain::MixedRadix`] instead of a
/// power of two: the same polynomials and `h`, on fewer points. Use it as
/// `Groth16::<Bn254, ReceiptQap>` for keys and proofs over that domain.
pub struct ReceiptQap;

impl R1CSToQAP for ReceiptQap {
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, MixedRadixEvaluationDomain<F>>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &ConstraintMatrices<F>,
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::witness_map_from_matrices::<F, MixedRadixEvaluationDomain<F>>(
            matrices,
            num_inputs,
            num_constraints,
            full_assignment,
        )
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        LibsnarkReduction::h_query_scalars::<F, MixedRadixEvaluationDomain<F>>(
            max_power,
            t,
            zt,
            delta_inverse,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn sizes_for_circuit_v1() {
        let rows = crate::key::circuit_rows_and_inputs();
        assert_eq!(rows, 4071 + 8);
        assert_eq!(Domain::PowerOfTwo.size(), 4096);
        assert_eq!(Domain::MixedRadix.size(), 4096);
        // The size ark-poly picks, so `ReceiptQap` and the fast prover agree.
        let ark = MixedRadixEvaluationDomain::<Fr>::new(rows).unwrap();
        assert_eq!(ark.size(), Domain::MixedRadix.size());
        // Both domains are the same points: a key of either is read as mixed-radix.
        assert_eq!(Domain::of_h_query_len(4095), Some(Domain::MixedRadix));
        assert_eq!(Domain::of_h_query_len(4096), None);
        assert_eq!(Domain::of_h_query_len(4607), None);
        for (rows, size) in [
            (1, 1),
            (2, 2),
            (3, 3),
            (5, 6),
            (7, 8),
            (10, 12),
            (19, 24),
            (4097, 4608),
        ] {
            assert_eq!(mixed_radix_size(rows), size, "{rows} rows");
        }
    }

    #[test]
    fn lagrange_basis_from_powers_matches_ark_poly() {
        let tau = Fr::rand(&mut rand_chacha::ChaCha20Rng::seed_from_u64(9));
        let n = Domain::MixedRadix.size();
        let mut values: Vec<Fr> = std::iter::successors(Some(Fr::from(1u64)), |p| Some(*p * tau))
            .take(n)
            .collect();
        lagrange_basis_from_powers(&mut values);
        let ark = MixedRadixEvaluationDomain::<Fr>::new(n).unwrap();
        assert_eq!(values, ark.evaluate_all_lagrange_coefficients(tau));
    }
}
