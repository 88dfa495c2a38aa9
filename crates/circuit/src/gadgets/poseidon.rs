//! Poseidon with circomlib's parameters, in R1CS.
//!
//! Twin: [`x402_zk_primitives::poseidon::poseidon`] (schedule spelled out in
//! `permute_reference`). Each round adds constants and mixes with the MDS matrix,
//! both linear and free; each S-box `x ↦ x⁵` costs three products
//! (`x²`, `x⁴`, `x⁵`). Full rounds apply it to every lane, partial rounds to lane 0.
//! The first S-box of lane 0 acts on a constant and is free, so
//! `Poseidon(n)` costs `3·(8·(n+1) + R_P) − 3` constraints.

use crate::num::{Cs, Num};
use ark_relations::r1cs::SynthesisError;
use x402_zk_primitives::poseidon::parameters;

fn sbox(cs: &Cs, x: &Num) -> Result<Num, SynthesisError> {
    let x2 = x.square(cs)?;
    let x4 = x2.square(cs)?;
    x4.mul(cs, x)
}

/// `Poseidon(inputs)`, equal to circomlib's `Poseidon(n)` for `n = inputs.len()`.
pub fn poseidon(cs: &Cs, inputs: &[Num]) -> Result<Num, SynthesisError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_relations::r1cs::ConstraintSystem;
    use x402_zk_primitives::poseidon::poseidon as native;

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
