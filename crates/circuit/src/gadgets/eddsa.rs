//! EdDSA-Poseidon verification in R1CS, stricter than circomlib's
//! `EdDSAPoseidonVerifier`.
//!
//! Twin: [`x402_zk_primitives::eddsa::PublicKey::verify`]. Constraints:
//!
//! 1. `A` and `R8` on the curve (circomlib checks neither);
//! 2. `A` not of small order: `x(4A) ≠ 0` (4A is the identity or the point of order
//!    2 exactly when the order of `A` divides 8);
//! 3. `S < l`: 251-bit decomposition and `S ≤ S_MAX` ([`s_max`]; no malleable `S + l`);
//! 4. `h = Poseidon(R8x, R8y, Ax, Ay, msg)` with 254 bits whose integer is at most
//!    `H_MAX < p` ([`h_max`]): its canonical bits (no alias `h + p`);
//! 5. `S·Base8 = R8 + h·(8A)`;
//! 6. `R8` not of small order: `x(R8) ≠ 0`. By (5), `R8 = S·Base8 − h·8A` lies in the
//!    prime-order subgroup, whose only point with `x = 0` is the identity.
//!
//! The bounds of (3) and (4) sit a little below `l` and `p` and end in 156 and 159
//! ones (bits 150–155 of `l` and 153–158 of `p` are 0), which a comparison with a
//! constant does not read: it reads the top 95 bits (61 constraints each, against
//! 173 and 152 for `l − 1` and `p − 1`). Every accepted `S` and `h` still lies below
//! `l` and `p`, so the statement is the same; what is lost is completeness for a
//! fraction below `2^−101` of valid signatures each (an honest `S` or `h` is
//! uniform below `l` or `p`; [`within_bounds`] tells the prover before it proves).

use super::{
    bits::{bound_with_free_low_bits, enforce_le_constant, to_bits, to_bits_at_most},
    curve::{normalize, PointVar},
    poseidon::poseidon,
    scalar_mul::{fixed_base_mul, variable_base_mul_hinted, VariableBaseHints},
};
use crate::num::{Cs, Num};
use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::r1cs::SynthesisError;
use num_bigint::BigUint;
use std::sync::OnceLock;
use x402_zk_primitives::babyjubjub::{base8, subgroup_order};

/// Bits of `S`: `l < 2^251`.
pub const S_BITS: usize = 251;

/// Bits of `h`, a field element: its canonical bits (`p < 2^254`).
const H_BITS: usize = Fr::MODULUS_BIT_SIZE as usize;

/// Low bits of `S_MAX` that are ones by construction (six more follow, as bits
/// 150–155 of `l` are 0): the fewest constraints for a loss below `2^−100`,
/// `(l mod 2^150)/l < 2^−101`.
const S_FREE_LOW_BITS: u32 = 150;

/// Low bits of `H_MAX` that are ones by construction (six more follow):
/// `(p mod 2^153)/p < 2^−101`.
const H_FREE_LOW_BITS: u32 = 153;

/// The largest `S` the circuit accepts: `⌊l / 2^150⌋·2^150 − 1 < l` (computed
/// once per process).
pub fn s_max() -> &'static BigUint {
    static S_MAX: OnceLock<BigUint> = OnceLock::new();
    S_MAX.get_or_init(|| bound_with_free_low_bits(&subgroup_order(), S_FREE_LOW_BITS))
}

/// The largest `h` the circuit accepts: `⌊p / 2^153⌋·2^153 − 1 < p` (computed
/// once per process).
pub fn h_max() -> &'static BigUint {
    static H_MAX: OnceLock<BigUint> = OnceLock::new();
    H_MAX.get_or_init(|| bound_with_free_low_bits(&BigUint::from(Fr::MODULUS), H_FREE_LOW_BITS))
}

/// Whether a signature's `S` and challenge `h` are within the circuit's bounds:
/// every valid signature but a fraction below `2^−100` is. Provers check it first,
/// so such a receipt gets an error rather than a proof that does not verify. `h`
/// is [`x402_zk_primitives::eddsa::challenge`], the value [`verify`] constrains
/// (its twin test compares the two verifications).
pub fn within_bounds(s: Fr, h: Fr) -> bool {
    BigUint::from(s.into_bigint()) <= *s_max() && BigUint::from(h.into_bigint()) <= *h_max()
}

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
    enforce_le_constant(cs, &s_bits, s_max())?;

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
        let h_bits = to_bits_at_most(cs, &h, h_max())?;
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

    /// The bounds lie below `l` and `p`, lose less than `2^−101` of the values
    /// below them each, and `within_bounds` draws the line where the gadget does.
    #[test]
    fn bounds_are_below_l_and_p_and_lose_under_2_pow_minus_101() {
        let p = BigUint::from(Fr::MODULUS);
        let l = subgroup_order();
        for (max, limit) in [(s_max(), &l), (h_max(), &p)] {
            assert!(max < limit);
            let lost = limit - max - 1u32;
            assert!(lost << 101u32 < *limit, "loses 2^-101 or more");
        }
        let fr = |v: &BigUint| Fr::from(v.clone());
        let (s, h) = (s_max(), h_max());
        assert!(within_bounds(fr(s), fr(h)));
        assert!(!within_bounds(fr(&(s + 1u32)), fr(h)));
        assert!(!within_bounds(fr(s), fr(&(h + 1u32))));
        // The S comparison in constraints: S_MAX passes, S_MAX + 1 (< l) fails.
        for (s, ok) in [(s.clone(), true), (s + 1u32, false)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let bits = to_bits(&cs, &Num::witness(&cs, Some(fr(&s))).unwrap(), S_BITS).unwrap();
            enforce_le_constant(&cs, &bits, s_max()).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), ok, "S = {s}");
        }
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
