//! Poseidon over BN254 with circomlib's parameters (x^5, 8 full rounds, circomlib's
//! partial-round table, iden3 constants, state `[0, inputs…]`, output `state[0]`).
//! The constants come from light-poseidon; the permutation runs its partial rounds
//! in sparse form (`sparse.rs`), tested against the round-by-round schedule
//! ([`permute_reference`]) and light-poseidon's own hash.
//!
//! ```
//! use x402_zk_primitives::poseidon::poseidon;
//! use ark_bn254::Fr;
//! let h = poseidon(&[Fr::from(1u64), Fr::from(2u64)]);
//! assert_eq!(
//!     h.to_string(),
//!     "7853200120776062878684798364095072458815029376092732009249414926327459813530"
//! );
//! ```

use ark_bn254::Fr;
use ark_ff::Field;
use light_poseidon::{parameters::bn254_x5, PoseidonParameters};
use sparse::SparseConstants;
use std::convert::Infallible;
use std::sync::OnceLock;

mod sparse;

/// Most inputs a circomlib-compatible Poseidon takes here.
pub const MAX_INPUTS: usize = 12;

/// Poseidon hash of 1 to 12 field elements, identical to circomlib's `Poseidon(n)`.
///
/// # Panics
/// If `inputs` is empty or longer than [`MAX_INPUTS`]; every caller in this project
/// passes a fixed arity.
pub fn poseidon(inputs: &[Fr]) -> Fr {
    sparse(inputs.len())
        .permute(inputs, &mut |_, _, _| Ok::<(), Infallible>(()))
        .unwrap_or_else(|never| match never {})
}

/// Round constants and MDS matrix for a state of width `t = inputs + 1`, for the
/// in-circuit twin of [`poseidon`].
pub fn parameters(inputs: usize) -> &'static PoseidonParameters<Fr> {
    check_arity(inputs);
    // Built once per arity: parsing the constants costs more than a permutation.
    static CACHE: [OnceLock<PoseidonParameters<Fr>>; MAX_INPUTS] =
        [const { OnceLock::new() }; MAX_INPUTS];
    CACHE[inputs - 1].get_or_init(|| {
        bn254_x5::get_poseidon_parameters::<Fr>((inputs + 1) as u8).expect("width checked above")
    })
}

/// Panics unless `1 ≤ inputs ≤ 12`, before any table is indexed.
fn check_arity(inputs: usize) {
    assert!(
        (1..=MAX_INPUTS).contains(&inputs),
        "Poseidon takes 1..=12 inputs"
    );
}

/// The sparse form of the constants for `inputs` inputs, derived once per arity.
fn sparse(inputs: usize) -> &'static SparseConstants {
    check_arity(inputs);
    static CACHE: [OnceLock<SparseConstants>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
    CACHE[inputs - 1].get_or_init(|| SparseConstants::new(parameters(inputs)))
}

/// The permutation written out round by round, as the circuit gadget follows it:
/// add the round constants, apply `x ↦ x⁵` (every lane in the 4 + 4 full rounds,
/// lane 0 in the partial ones), multiply by the MDS matrix. [`poseidon`] computes
/// the same with sparse partial rounds (tested).
pub fn permute_reference(inputs: &[Fr]) -> Fr {
    reference_schedule(inputs, |_, _, _| ())
}

/// [`permute_reference`], calling `sbox(round, lane, x)` with every S-box input.
fn reference_schedule(inputs: &[Fr], mut sbox: impl FnMut(usize, usize, Fr)) -> Fr {
    let p = parameters(inputs.len());
    let t = p.width;
    let mut state = vec![Fr::from(0u64)];
    state.extend_from_slice(inputs);
    let half = p.full_rounds / 2;
    for round in 0..p.full_rounds + p.partial_rounds {
        for (i, s) in state.iter_mut().enumerate() {
            *s += p.ark[round * t + i];
        }
        let full = round < half || round >= half + p.partial_rounds;
        for (lane, s) in state.iter_mut().enumerate().take(if full { t } else { 1 }) {
            sbox(round, lane, *s);
            *s = s.pow([5]);
        }
        state = (0..t)
            .map(|i| (0..t).map(|j| p.mds[i][j] * state[j]).sum())
            .collect();
    }
    state[0]
}

/// [`poseidon`], calling `sbox(round, lane, [x², x⁴, x⁵])` for every S-box in
/// the order of [`permute_reference`] and with the same inputs (the circuit's
/// witness generator allocates its variables there); an error from `sbox` stops
/// the permutation.
///
/// # Panics
/// As [`poseidon`], for an arity outside `1..=12`.
pub fn permute_observed<E>(
    inputs: &[Fr],
    mut sbox: impl FnMut(usize, usize, [Fr; 3]) -> Result<(), E>,
) -> Result<Fr, E> {
    sparse(inputs.len()).permute(inputs, &mut sbox)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use light_poseidon::{Poseidon, PoseidonHasher};
    use rand::SeedableRng;

    fn light_poseidon(inputs: &[Fr]) -> Fr {
        Poseidon::<Fr>::new_circom(inputs.len())
            .expect("arity 1..=12")
            .hash(inputs)
            .expect("arity 1..=12")
    }

    #[test]
    fn sparse_and_reference_schedules_match_light_poseidon() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for n in 1..=MAX_INPUTS {
            let counting: Vec<Fr> = (1..=n as u64).map(Fr::from).collect();
            let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            for inputs in [counting, random, vec![Fr::from(0u64); n]] {
                let expected = light_poseidon(&inputs);
                assert_eq!(permute_reference(&inputs), expected, "reference, arity {n}");
                assert_eq!(poseidon(&inputs), expected, "sparse, arity {n}");
            }
        }
    }

    /// The witness generator relies on this: the sparse rounds see every S-box
    /// input the round-by-round schedule sees, in the same order.
    #[test]
    fn observed_sboxes_are_the_reference_schedules() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(6);
        for n in [1usize, 2, 5, 12] {
            let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let p = parameters(n);
            let mut expected = Vec::new();
            let reference = reference_schedule(&inputs, |round, lane, x| {
                expected.push((round, lane, [x.square(), x.square().square(), x.pow([5])]));
            });
            let mut seen = Vec::new();
            let out = permute_observed(&inputs, |round, lane, powers| {
                seen.push((round, lane, powers));
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(out, reference, "arity {n}");
            assert_eq!(
                seen.len(),
                p.width * p.full_rounds + p.partial_rounds,
                "arity {n}"
            );
            assert!(seen == expected, "arity {n}: S-box inputs differ");
        }
    }

    #[test]
    fn observer_error_stops_the_permutation() {
        let mut calls = 0;
        let result = permute_observed(&[Fr::from(1u64), Fr::from(2u64)], |round, _, _| {
            calls += 1;
            if round == 5 {
                Err(round)
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err(5));
        assert_eq!(
            calls,
            3 * 4 + 2,
            "four full rounds of three lanes, then rounds 4 and 5"
        );
    }
}
