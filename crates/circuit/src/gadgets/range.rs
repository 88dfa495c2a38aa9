//! 64-bit range checks and comparisons.
//!
//! Twin: Rust's `u64` and `>=`.

use super::bits::{alloc_bits, to_bits};
use crate::num::{Bit, Cs, Num};
use ark_bn254::Fr;
use ark_relations::r1cs::SynthesisError;

/// A private `u64` allocated as its 64 bits: the returned `Num` is their packing,
/// so it is `< 2^64` with no further constraint (64 constraints).
pub fn alloc_u64(cs: &Cs, value: Option<Fr>) -> Result<(Num, Vec<Bit>), SynthesisError> {
    alloc_bits(cs, value, 64)
}

/// Constrains `x < 2^64` (65 constraints).
pub fn enforce_u64(cs: &Cs, x: &Num) -> Result<(), SynthesisError> {
    to_bits(cs, x, 64).map(|_| ())
}

/// Constrains `a ≥ b` for `a, b` already known to be `< 2^64` (65 constraints).
///
/// `a − b` lies in `(−2^64, 2^64)`; it has a 64-bit decomposition exactly when it
/// is non-negative, since a negative difference is `p − k` with `1 ≤ k ≤ 2^64 − 1`, far
/// above `2^64` in the field.
pub fn enforce_ge_u64(cs: &Cs, a: &Num, b: &Num) -> Result<(), SynthesisError> {
    to_bits(cs, &a.sub(b), 64).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::r1cs::ConstraintSystem;

    fn ge(a: Fr, b: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = Num::witness(&cs, Some(a)).unwrap();
        let b = Num::witness(&cs, Some(b)).unwrap();
        enforce_u64(&cs, &a).unwrap();
        enforce_u64(&cs, &b).unwrap();
        enforce_ge_u64(&cs, &a, &b).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn comparison_matches_u64() {
        let cases = [
            (0u64, 0u64),
            (1, 0),
            (0, 1),
            (u64::MAX, 0),
            (0, u64::MAX),
            (u64::MAX, u64::MAX),
            (7, 8),
        ];
        for (a, b) in cases {
            assert_eq!(ge(Fr::from(a), Fr::from(b)), a >= b, "{a} >= {b}");
        }
    }

    #[test]
    fn out_of_range_operands_are_refused() {
        let two_64 = Fr::from(u64::MAX) + Fr::from(1u64);
        assert!(!ge(two_64, Fr::from(0u64)), "2^64 is not a u64");
        assert!(!ge(-Fr::from(1u64), Fr::from(0u64)), "p - 1 is not a u64");
    }
}
