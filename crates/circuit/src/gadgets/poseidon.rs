//! Poseidon with circomlib's parameters, in R1CS.
//!
//! Twin: [`x402_zk_primitives::poseidon::poseidon`] (schedule spelled out in
//! `permute_reference`). Each round adds constants and mixes with the MDS matrix,
//! both linear and free; each S-box `x ↦ x⁵` costs three products
//! (`x²`, `x⁴`, `x⁵`). Full rounds apply it to every lane, partial rounds to lane 0.
//! The first S-box of lane 0 acts on a constant and is free, so
//! `Poseidon(n)` costs `3·(8·(n+1) + R_P) − 3` constraints.

use crate::num::{enforce, Cs, Num};
use ark_bn254::Fr;
use ark_relations::r1cs::SynthesisError;
use x402_zk_primitives::poseidon::{parameters, permute_observed};

fn sbox(cs: &Cs, x: &Num) -> Result<Num, SynthesisError> {
    let x2 = x.square(cs)?;
    let x4 = x2.square(cs)?;
    x4.mul(cs, x)
}

/// `Poseidon(inputs)`, equal to circomlib's `Poseidon(n)` for `n = inputs.len()`.
pub fn poseidon(cs: &Cs, inputs: &[Num]) -> Result<Num, SynthesisError> {
    if !cs.should_construct_matrices() && inputs.iter().all(|x| !x.is_constant()) {
        if let Some(values) = inputs.iter().map(Num::value).collect::<Option<Vec<_>>>() {
            return poseidon_witness(cs, &values);
        }
    }
    let p = parameters(inputs.len());
    let t = p.width;
    let mut state = vec![Num::zero()];
    state.extend(inputs.iter().cloned());
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s = s.add_constant(p.ark[round * t + i]);
        }
        let full = round < half || round >= half + p.partial_rounds;
        for s in state.iter_mut().take(if full { t } else { 1 }) {
            *s = sbox(cs, s)?;
        }
        state = (0..t)
            .map(|i| {
                state
                    .iter()
                    .enumerate()
                    .fold(Num::zero(), |acc, (j, s)| acc.add(&s.scale(p.mds[i][j])))
            })
            .collect();
    }
    Ok(state.swap_remove(0))
}

/// [`poseidon`] for a constraint system that builds no matrices and inputs that
/// are all variables: the same witness variables (`x²`, `x⁴`, `x⁵` of every
/// S-box but the free first one of lane 0, whose input is a constant) and the
/// same number of constraints, with the values from the native permutation
/// ([`permute_observed`]) instead of through [`Num`].
fn poseidon_witness(cs: &Cs, inputs: &[Fr]) -> Result<Num, SynthesisError> {
    debug_assert!(!cs.should_construct_matrices(), "witness-only path");
    let out = permute_observed(inputs, |round, lane, powers| {
        if round > 0 || lane > 0 {
            for v in powers {
                let w = Num::witness(cs, Some(v))?;
                enforce(cs, &w, &w, &w)?; // counted only: no matrices
            }
        }
        Ok(())
    })?;
    Ok(Num::value_only(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::r1cs::ConstraintSystem;
    use x402_zk_primitives::poseidon::poseidon as native;

    #[test]
    fn witness_only_path_assigns_the_same_values() {
        use ark_relations::r1cs::SynthesisMode;
        for n in [1usize, 2, 5] {
            let run = |construct_matrices: bool| {
                let cs = ConstraintSystem::<Fr>::new_ref();
                cs.set_mode(SynthesisMode::Prove { construct_matrices });
                let mut inputs: Vec<Num> = (0..n as u64)
                    .map(|i| Num::witness(&cs, Some(Fr::from(77 + i))).unwrap())
                    .collect();
                // A linear-combination input; and for arity 2 a constant one,
                // which takes the generic path (its first S-box is free).
                inputs[0] = inputs[0].scale(Fr::from(3u64)).add_constant(Fr::from(5u64));
                if n == 2 {
                    inputs[1] = Num::constant(Fr::from(9u64));
                }
                let out = poseidon(&cs, &inputs).unwrap().value();
                let cs = cs.into_inner().unwrap();
                (out, cs.num_constraints, cs.witness_assignment)
            };
            assert_eq!(run(false), run(true), "arity {n}");
        }
    }

    #[test]
    fn matches_native_twin_and_counts() {
        for (n, expected_constraints) in [(1usize, 213usize), (2, 240), (5, 321)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let values: Vec<Fr> = (0..n as u64).map(|i| Fr::from(1000 + i)).collect();
            let inputs: Vec<Num> = values
                .iter()
                .map(|v| Num::witness(&cs, Some(*v)).unwrap())
                .collect();
            let out = poseidon(&cs, &inputs).unwrap();
            assert_eq!(out.value(), Some(native(&values)), "arity {n}");
            assert!(cs.is_satisfied().unwrap());
            assert_eq!(cs.num_constraints(), expected_constraints, "arity {n}");
            // A wrong output does not satisfy the system.
            let claimed = Num::witness(&cs, Some(native(&values) + Fr::from(1u64))).unwrap();
            out.enforce_equal(&cs, &claimed).unwrap();
            assert!(!cs.is_satisfied().unwrap());
        }
    }
}
