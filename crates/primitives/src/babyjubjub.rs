//! Baby Jubjub in circomlib's form: `a·x² + y² = 1 + d·x²·y²` over BN254's `Fr`
//! with `a = 168700`, `d = 168696`, base point `Base8` (EIP-2494).
//!
//! The curve has order `8·l`; `Base8` generates the subgroup of prime order `l`.

use ark_bn254::Fr;
use ark_ec::{twisted_edwards::TECurveConfig, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use num_bigint::BigUint;
pub use taceo_ark_babyjubjub::{EdwardsAffine as Point, EdwardsConfig, EdwardsProjective};

/// The curve coefficient `a`.
pub fn coeff_a() -> Fr {
    <EdwardsConfig as TECurveConfig>::COEFF_A
}

/// The curve coefficient `d`.
pub fn coeff_d() -> Fr {
    <EdwardsConfig as TECurveConfig>::COEFF_D
}

/// `Base8`, the generator of the prime-order subgroup used by circomlib's EdDSA.
pub fn base8() -> Point {
    <EdwardsConfig as TECurveConfig>::GENERATOR
}

/// The prime subgroup order `l`.
pub fn subgroup_order() -> BigUint {
    taceo_ark_babyjubjub::Fr::MODULUS.into()
}

/// Whether `a·x² + y² = 1 + d·x²·y²` holds (no subgroup check).
pub fn is_on_curve(p: &Point) -> bool {
    let (x2, y2) = (p.x * p.x, p.y * p.y);
    coeff_a() * x2 + y2 == Fr::from(1u64) + coeff_d() * x2 * y2
}

/// Whether `8·P` is the identity: `P` is one of the eight points of small order.
pub fn is_small_order(p: &Point) -> bool {
    p.into_group().double().double().double().is_zero()
}

/// Whether `l·P` is the identity (the point lies in the prime-order subgroup).
pub fn is_in_prime_subgroup(p: &Point) -> bool {
    mul(p, &subgroup_order()).is_zero()
}

/// `k·P` for any non-negative integer `k` (not reduced modulo `l`).
pub fn mul(p: &Point, k: &BigUint) -> Point {
    let mut acc = EdwardsProjective::zero();
    for i in (0..k.bits()).rev() {
        acc.double_in_place();
        if k.bit(i) {
            acc += p;
        }
    }
    acc.into_affine()
}

/// The integer value of a field element.
pub fn to_biguint(f: &Fr) -> BigUint {
    BigUint::from_bytes_be(&f.into_bigint().to_bytes_be())
}

use ark_ec::AdditiveGroup as _;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base8_has_prime_order() {
        let b = base8();
        assert!(is_on_curve(&b));
        assert!(!is_small_order(&b));
        assert!(is_in_prime_subgroup(&b));
    }
}
