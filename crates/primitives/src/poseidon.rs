//! Poseidon over BN254 with circomlib's parameters (x^5, 8 full rounds, circomlib's
//! partial-round table, iden3 constants, state `[0, inputs…]`, output `state[0]`).
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
use light_poseidon::{parameters::bn254_x5, Poseidon, PoseidonHasher, PoseidonParameters};
use std::sync::OnceLock;

/// Most inputs a circomlib-compatible Poseidon takes here.
pub const MAX_INPUTS: usize = 12;

/// Poseidon hash of 1 to 12 field elements, identical to circomlib's `Poseidon(n)`.
///
/// # Panics
/// If `inputs` is empty or longer than [`MAX_INPUTS`]; every caller in this project
/// passes a fixed arity.
pub fn poseidon(inputs: &[Fr]) -> Fr {
    assert!(
        (1..=MAX_INPUTS).contains(&inputs.len()),
        "Poseidon takes 1..=12 inputs"
    );
    // `new_circom` without re-parsing the constants on every call.
    let p = parameters(inputs.len());
    let params = PoseidonParameters::new(
        p.ark.clone(),
        p.mds.clone(),
        p.full_rounds,
        p.partial_rounds,
        p.width,
        p.alpha,
    );
    Poseidon::<Fr>::new(params)
        .hash(inputs)
        .expect("arity checked above")
}

/// Round constants and MDS matrix for a state of width `t = inputs + 1`, for the
/// in-circuit twin of [`poseidon`].
pub fn parameters(inputs: usize) -> &'static PoseidonParameters<Fr> {
    assert!(
        (1..=MAX_INPUTS).contains(&inputs),
        "Poseidon takes 1..=12 inputs"
    );
    // Built once per arity: parsing the constants costs more than a permutation.
    static CACHE: [OnceLock<PoseidonParameters<Fr>>; MAX_INPUTS] =
        [const { OnceLock::new() }; MAX_INPUTS];
    CACHE[inputs - 1].get_or_init(|| {
        bn254_x5::get_poseidon_parameters::<Fr>((inputs + 1) as u8).expect("width checked above")
    })
}

/// The permutation written out round by round: the reference the circuit gadget
/// follows. Equal to [`poseidon`] (tested), kept to document the exact schedule.
pub fn permute_reference(inputs: &[Fr]) -> Fr {
    permute_observed(inputs, |_, _, _| Ok::<(), std::convert::Infallible>(()))
        .unwrap_or_else(|never| match never {})
}

/// [`permute_reference`], calling `sbox(round, lane, [x², x⁴, x⁵])` for every
/// S-box in order (the circuit's witness generator allocates its variables
/// there); an error from `sbox` stops the permutation.
pub fn permute_observed<E>(
    inputs: &[Fr],
    mut sbox: impl FnMut(usize, usize, [Fr; 3]) -> Result<(), E>,
) -> Result<Fr, E> {
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
            let s2 = *s * *s;
            let s4 = s2 * s2;
            let s5 = s4 * *s;
            sbox(round, lane, [s2, s4, s5])?;
            *s = s5;
        }
        state = (0..t)
            .map(|i| (0..t).map(|j| p.mds[i][j] * state[j]).sum())
            .collect();
    }
    Ok(state[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_schedule_matches_light_poseidon() {
        for n in [1usize, 2, 5] {
            let inputs: Vec<Fr> = (1..=n as u64).map(Fr::from).collect();
            assert_eq!(permute_reference(&inputs), poseidon(&inputs), "arity {n}");
        }
    }
}
