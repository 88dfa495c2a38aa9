//! The circuit's R1CS matrices, compiled once, and the quotient `h` of a full
//! assignment (the libsnark reduction ark-groth16 keys are made for).

use crate::ProveError;
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use rayon::prelude::*;
use x402_zk_circuit::ReceiptCircuit;

/// One sparse matrix in compressed rows: row `i` is
/// `terms[starts[i]..starts[i + 1]]`, each `(coefficient, variable)`.
struct SparseRows {
    starts: Vec<u32>,
    terms: Vec<(Fr, u32)>,
}

impl SparseRows {
    fn new(rows: &[Vec<(Fr, usize)>]) -> Self {
        let mut starts = Vec::with_capacity(rows.len() + 1);
        let mut terms = Vec::new();
        starts.push(0);
        for row in rows {
            terms.extend(row.iter().map(|&(c, v)| (c, v as u32)));
            starts.push(terms.len() as u32);
        }
        SparseRows { starts, terms }
    }

    /// `out[i] = ⟨row i, z⟩` for every row.
    fn mul_into(&self, z: &[Fr], out: &mut [Fr]) {
        out.par_iter_mut()
            .zip(self.starts.par_windows(2))
            .with_min_len(256)
            .for_each(|(out, w)| {
                *out = self.terms[w[0] as usize..w[1] as usize]
                    .iter()
                    .map(|(c, v)| {
                        let value = z[*v as usize];
                        if c.is_one() {
                            value
                        } else {
                            value * c
                        }
                    })
                    .sum();
            });
    }
}

pub(crate) struct Qap {
    a: SparseRows,
    b: SparseRows,
    c: SparseRows,
    num_instance: usize,
    num_variables: usize,
    num_constraints: usize,
    domain: GeneralEvaluationDomain<Fr>,
}

impl Qap {
    /// Synthesizes the blank circuit as key generation does (setup mode,
    /// optimised for constraints) and keeps its matrices.
    pub(crate) fn compile() -> Result<Self, ProveError> {
        let cs = ConstraintSystem::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        ReceiptCircuit::blank()
            .generate_constraints(cs.clone())
            .map_err(|e| ProveError::Synthesis(e.to_string()))?;
        cs.finalize();
        let ConstraintMatrices {
            num_instance_variables,
            num_witness_variables,
            num_constraints,
            a,
            b,
            c,
            ..
        } = cs
            .to_matrices()
            .ok_or_else(|| ProveError::Synthesis("no matrices in setup mode".into()))?;
        let domain = GeneralEvaluationDomain::new(num_constraints + num_instance_variables)
            .ok_or_else(|| ProveError::Synthesis("circuit too large for BN254's FFT".into()))?;
        Ok(Qap {
            a: SparseRows::new(&a),
            b: SparseRows::new(&b),
            c: SparseRows::new(&c),
            num_instance: num_instance_variables,
            num_variables: num_instance_variables + num_witness_variables,
            num_constraints,
            domain,
        })
    }

    /// Instance variables, the constant 1 included.
    pub(crate) fn num_instance(&self) -> usize {
        self.num_instance
    }

    /// All variables: instance and witness.
    pub(crate) fn num_variables(&self) -> usize {
        self.num_variables
    }

    pub(crate) fn num_constraints(&self) -> usize {
        self.num_constraints
    }

    /// Coefficients of `h = (a·b − c)/Z` for the full assignment `z`, where `a`,
    /// `b`, `c` interpolate the rows' values over the domain (and `a` also the
    /// instance values after the last row, which is what binds them), computed on
    /// the coset `g·D` where `Z = gⁿ − 1` is a nonzero constant.
    pub(crate) fn h_coefficients(&self, z: &[Fr]) -> Vec<Fr> {
        let n = self.domain.size();
        let rows = self.num_constraints;
        let coset = self
            .domain
            .get_coset(Fr::GENERATOR)
            .expect("the generator is a coset offset");
        let evaluate = |matrix: &SparseRows, instance_rows: bool| {
            let mut v = vec![Fr::from(0u64); n];
            matrix.mul_into(z, &mut v[..rows]);
            if instance_rows {
                v[rows..rows + self.num_instance].copy_from_slice(&z[..self.num_instance]);
            }
            self.domain.ifft_in_place(&mut v);
            coset.fft_in_place(&mut v);
            v
        };
        let ((mut ab, b), c) = rayon::join(
            || rayon::join(|| evaluate(&self.a, true), || evaluate(&self.b, false)),
            || evaluate(&self.c, false),
        );
        let z_inverse = self
            .domain
            .evaluate_vanishing_polynomial(Fr::GENERATOR)
            .inverse()
            .expect("Z is nonzero off the domain");
        ab.par_iter_mut()
            .zip(b.par_iter().zip(c.par_iter()))
            .with_min_len(512)
            .for_each(|(ab, (b, c))| *ab = (*ab * b - c) * z_inverse);
        coset.ifft_in_place(&mut ab);
        ab
    }
}
