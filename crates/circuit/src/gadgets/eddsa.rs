//! EdDSA-Poseidon verification in R1CS, stricter than circomlib's
//! `EdDSAPoseidonVerifier`.
//!
//! Twin: [`x402_zk_primitives::eddsa::PublicKey::verify`]. Constraints:
//!
//! 1. `A` and `R8` on the curve (circomlib checks neither);
//! 2. `A` not of small order: `x(4A) ≠ 0` (4A is the identity or the point of order
//!    2 exactly when the order of `A` divides 8);
//! 3. `S < l`: 251-bit decomposition and `S ≤ l − 1` (no malleable `S + l`);
//! 4. `h = Poseidon(R8x, R8y, Ax, Ay, msg)` with its 254 canonical bits (alias check);
//! 5. `S·Base8 = R8 + h·(8A)`;
//! 6. `R8` not of small order: `x(R8) ≠ 0`. By (5), `R8 = S·Base8 − h·8A` lies in the
//!    prime-order subgroup, whose only point with `x = 0` is the identity.

use super::{
    bits::{enforce_le_constant, to_bits, to_bits_strict},
    curve::{normalize, PointVar},
    poseidon::poseidon,
    scalar_mul::{fixed_base_mul, variable_base_mul_hinted, VariableBaseHints},
};
use crate::num::{Cs, Num};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::r1cs::SynthesisError;
use std::sync::OnceLock;
use x402_zk_primitives::babyjubjub::{base8, subgroup_order};

/// Bits of `S`: `l < 2^251`.
pub const S_BITS: usize = 251;

/// Bits of `h`, a field element: its canonical bits (`p < 2^254`).
const H_BITS: usize = ark_bn254::Fr::MODULUS_BIT_SIZE as usize;

/// Enforces that `(r8, s)` is a valid signature of `msg` under `a`.
pub fn verify(
    cs: &Cs,
    a: &PointVar,
    r8: &PointVar,
    s: &Num,
    msg: &Num,
) -> Result<(), SynthesisError> {
    a.enforce_on_curve(cs)?;
    r8.enforce_on_curve(cs)?;

    let a8 = a.enforce_not_small_order(cs)?;

    let s_bits = to_bits(cs, s, S_BITS)?;
    enforce_le_constant(cs, &s_bits, &(subgroup_order() - 1u32))?;

    let h = poseidon(
        cs,
        &[
            r8.x.clone(),
            r8.y.clone(),
            a.x.clone(),
            a.y.clone(),
            msg.clone(),
        ],
    )?;
    // The hints of `h·8A`'s ladder are the longest computation of a witness and
    // need only values known here: they are handed to the thread pool while this
    // thread synthesizes the constraints before the ladder. Another worker runs
    // them if one is free; otherwise a pool thread runs them itself at the scope's
    // end, and a thread outside the pool waits for a worker.
    let ladder = a8.value().zip(h.value());
    let ladder_hints = OnceLock::new();
    let (h_bits, left) = rayon::in_place_scope(|scope| {
        if let Some((base, h)) = ladder {
            let hints = &ladder_hints;
            scope.spawn(move |_| {
                let bits = h.into_bigint().to_bits_le();
                let _ = hints.set(VariableBaseHints::new(&base, &bits[..H_BITS]));
            });
        }
        let h_bits = to_bits_strict(cs, &h)?;
        let left = fixed_base_mul(cs, &s_bits, &base8())?;
        Ok::<_, SynthesisError>((h_bits, left))
    })?;
    let h_a8 = variable_base_mul_hinted(cs, &h_bits, &a8, ladder_hints.into_inner())?;
    // Twin of the last addition and of 1/x(R8), with one inversion.
    let hints = r8.value().zip(h_a8.value()).map(|(r, q)| {
        let mut inverse_x = [r.x];
        let sum = normalize(&[r.into_group() + q], &mut inverse_x)[0];
        (sum, inverse_x[0])
    });
    let right = r8.add_hinted(cs, &h_a8, hints.map(|h| h.0))?;
    left.enforce_equal(cs, &right)?;

    r8.x.enforce_nonzero_hinted(cs, hints.map(|h| h.1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::Fr;
    use ark_relations::r1cs::ConstraintSystem;
    use x402_zk_primitives::eddsa::SecretKey;

    fn satisfied(a: (Fr, Fr), r8: (Fr, Fr), s: Fr, msg: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let w = |v| Num::witness(&cs, Some(v)).unwrap();
        let a = PointVar {
            x: w(a.0),
            y: w(a.1),
        };
        let r8 = PointVar {
            x: w(r8.0),
            y: w(r8.1),
        };
        verify(&cs, &a, &r8, &w(s), &w(msg)).unwrap();
        cs.is_satisfied().unwrap()
    }

    /// Every hint the signature check's twins give is used: none falls back to
    /// an inversion (a miswired hint would only show up as lost speed).
    #[test]
    fn twins_hints_are_all_used() {
        use crate::num::HINT_MISSES;
        let sk = SecretKey::from_bytes([5; 32]);
        let pk = sk.public_key().point();
        let msg = Fr::from(1234u64);
        let sig = sk.sign(msg);
        HINT_MISSES.with(|m| m.set(0));
        assert!(satisfied((pk.x, pk.y), (sig.r8.x, sig.r8.y), sig.s.0, msg));
        assert_eq!(HINT_MISSES.with(|m| m.get()), 0);
    }

    #[test]
    fn agrees_with_native_verification() {
        let sk = SecretKey::from_bytes([3; 32]);
        let pk = sk.public_key().point();
        let msg = Fr::from(77u64);
        let sig = sk.sign(msg);
        let r8 = (sig.r8.x, sig.r8.y);
        assert!(satisfied((pk.x, pk.y), r8, sig.s.0, msg));
        assert!(!satisfied((pk.x, pk.y), r8, sig.s.0, msg + Fr::from(1u64)));
        assert!(!satisfied((pk.x, pk.y), r8, sig.s.0 + Fr::from(1u64), msg));
    }
}
