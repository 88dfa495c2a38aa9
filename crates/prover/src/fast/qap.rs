//! The circuit's R1CS matrices, compiled once, and the quotient `h` of a full
//! assignment (the libsnark reduction ark-groth16 keys are made for).

use crate::ntt::Ntt;
use crate::{Domain, ProveError};
use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
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
    ntt: Ntt,
    /// `g^rev(j)/n`: onto the coset `g·D` (with the inverse transform's `1/n`).
    to_coset: Vec<Fr>,
    /// `g^−rev(j)/(n·Z(g))`: back from the coset, divided by `Z = Xⁿ − 1`.
    from_coset: Vec<Fr>,
}

impl Qap {
    /// Synthesizes the blank circuit as key generation does (setup mode,
    /// optimised for constraints) and keeps its matrices, for a key over `domain`.
    pub(crate) fn compile(domain: Domain) -> Result<Self, ProveError> {
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
        let ntt = domain.ntt();
        if ntt.size() < num_constraints + num_instance_variables {
            return Err(ProveError::KeyMismatch);
        }
        let (g, n) = (Fr::GENERATOR, Fr::from(ntt.size() as u64));
        let vanishing = g.pow([ntt.size() as u64]) - Fr::one();
        let inverse = |x: Fr| x.inverse().expect("n and Z(g) are nonzero");
        Ok(Qap {
            to_coset: ntt.digit_reversed_powers(g, inverse(n)),
            from_coset: ntt.digit_reversed_powers(inverse(g), inverse(n * vanishing)),
            ntt,
            a: SparseRows::new(&a),
            b: SparseRows::new(&b),
            c: SparseRows::new(&c),
            num_instance: num_instance_variables,
            num_variables: num_instance_variables + num_witness_variables,
            num_constraints,
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

    /// Domain size `n`; `h` has `n − 1` coefficients (the `n`-th entry of
    /// [`Self::h_coefficients`] is zero for a satisfying assignment, and has no
    /// base: the key's `H` query has `n − 1` points).
    pub(crate) fn domain_size(&self) -> usize {
        self.ntt.size()
    }

    /// Which coefficient of `h` [`Self::h_coefficients`] leaves at position `j`:
    /// that of `X^rev(j)`, `rev` the transforms' digit reversal.
    pub(crate) fn h_coefficient_at(&self, j: usize) -> usize {
        self.ntt.reverse(j)
    }

    /// Coefficients of `h = (a·b − c)/Z` for the full assignment `z`, in
    /// digit-reversed order ([`Self::h_coefficient_at`]), where `a`, `b`, `c` interpolate
    /// the rows' values over the domain (and `a` also the instance values after
    /// the last row, which is what binds them), computed on the coset `g·D` where
    /// `Z = gⁿ − 1` is a nonzero constant. Seven transforms, as ark-groth16's
    /// reduction, with no permutation and one scaling per transform pair.
    pub(crate) fn h_coefficients(&self, z: &[Fr]) -> Vec<Fr> {
        let n = self.ntt.size();
        let rows = self.num_constraints;
        let evaluate = |matrix: &SparseRows, instance_rows: bool| {
            let mut v = vec![Fr::from(0u64); n];
            matrix.mul_into(z, &mut v[..rows]);
            if instance_rows {
                v[rows..rows + self.num_instance].copy_from_slice(&z[..self.num_instance]);
            }
            self.ntt.dif(&mut v, true); // n·coefficients, digit-reversed
            for (x, s) in v.iter_mut().zip(&self.to_coset) {
                *x *= s; // coefficients of a(g·X)
            }
            self.ntt.dit(&mut v, false); // a on g·D, in order
            v
        };
        let ((mut ab, b), c) = rayon::join(
            || rayon::join(|| evaluate(&self.a, true), || evaluate(&self.b, false)),
            || evaluate(&self.c, false),
        );
        ab.par_iter_mut()
            .zip(b.par_iter().zip(c.par_iter()))
            .with_min_len(512)
            .for_each(|(ab, (b, c))| *ab = *ab * b - c);
        self.ntt.dif(&mut ab, true);
        for (x, s) in ab.iter_mut().zip(&self.from_coset) {
            *x *= s;
        }
        ab
    }
}
