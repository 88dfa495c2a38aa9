//! BN254's base field in four 64-bit limbs, in arkworks' Montgomery form
//! (`a·2^256 mod p`, so conversions copy limbs), always canonical (below `p`).
//!
//! A product is a [`Wide`] (512 bits) until [`Wide::reduce`]: [`super::fq2`] adds and
//! subtracts the products of an `Fq2` product before reducing each coordinate once,
//! and sums two elements without reducing them when the sum only enters a product.
//! Bounds: `p < 2^254`, so such a sum is below `2p < 2^255`, a product of two of
//! them is below `4p² < p·2^256`, and Montgomery's reduction of anything below
//! `p·2^256` is below `2p`, one conditional subtraction from canonical.

// Carry chains index several limb arrays in step.
#![allow(clippy::needless_range_loop)]

use ark_ff::{BigInt, MontConfig};

const P: [u64; 4] = <ark_bn254::FqConfig as MontConfig<4>>::MODULUS.0;
/// `−p⁻¹ mod 2^64`.
const INV: u64 = <ark_bn254::FqConfig as MontConfig<4>>::INV;
/// `p²`: added to a difference of two products below `p²` that came out negative.
const P_SQUARED: Wide = Wide::mul(&P, &P);

const _: () = assert!(P[3] < 1 << 62, "p < 2^254: the bounds above need it");

/// An element of `Fq`: `a·2^256 mod p` for the element `a`, below `p`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fq(pub(crate) [u64; 4]);

/// `a + b + carry` and its carry (how `u64::carrying_add` is written; `adc` on
/// x86-64 when no operand is a constant: see [`subtract_p_if_above`]).
#[inline(always)]
const fn adc(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(carry as u64);
    (s, c1 | c2)
}

/// `a − b − borrow` and its borrow.
#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: bool) -> (u64, bool) {
    let (d, b1) = a.overflowing_sub(b);
    let (d, b2) = d.overflowing_sub(borrow as u64);
    (d, b1 | b2)
}

/// `a·b + c + carry` as low and high words (never overflows 128 bits).
#[inline(always)]
const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 * b as u128 + c as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a + b` for `a, b < 2^255`: no carry out.
#[inline(always)]
fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut r = [0; 4];
    let mut carry = false;
    for i in 0..4 {
        (r[i], carry) = adc(a[i], b[i], carry);
    }
    debug_assert!(!carry);
    r
}

/// `2^256 − p`: adding it to `a < 2^256` carries out exactly when `a ≥ p`.
const MINUS_P: [u64; 4] = {
    let mut r = [0; 4];
    let mut borrow = false;
    let mut i = 0;
    while i < 4 {
        (r[i], borrow) = sbb(0, P[i], borrow);
        i += 1;
    }
    r
};

/// `a − p` if `a ≥ p`, else `a`, without a branch: canonical for `a < 2p`.
#[inline(always)]
fn subtract_p_if_above(a: [u64; 4]) -> [u64; 4] {
    // Through `black_box`, which returns its argument: with constant limbs LLVM
    // breaks the carry chain into compares and flag moves (a fifth more
    // instructions for a whole `Fq12` product); with opaque ones it emits `adc`.
    let minus_p = std::hint::black_box(MINUS_P);
    let mut d = [0; 4];
    let mut carry = false;
    for i in 0..4 {
        (d[i], carry) = adc(a[i], minus_p[i], carry);
    }
    let keep_a = (carry as u64).wrapping_sub(1); // all ones when a < p
    std::array::from_fn(|i| d[i] ^ ((d[i] ^ a[i]) & keep_a))
}

/// `⌊2^282/p⌋`, for [`quotient_estimate`] (checked in the tests).
const FLOOR_2_282_OVER_P: u64 = 355_015_960;

/// `q ≤ ⌊t/p⌋ ≤ q + 1` for `t < 2^258` in five limbs: with `h = ⌊t/2^250⌋ < 2^8`,
/// `q = ⌊h·⌊2^282/p⌋/2^32⌋`. Below `h·2^250/p` by less than `1 + h/2^32`, while
/// `t/p` is above it by less than `2^250/p < 0.09`: so `t − q·p < 2p`.
#[inline(always)]
fn quotient_estimate(t: &[u64; 5]) -> u64 {
    let h = (t[4] << 6) | (t[3] >> 58);
    (h * FLOOR_2_282_OVER_P) >> 32
}

impl Fq {
    pub(crate) const ZERO: Fq = Fq([0; 4]);

    pub(crate) fn from_ark(a: &ark_bn254::Fq) -> Fq {
        Fq(a.0 .0)
    }

    pub(crate) fn to_ark(self) -> ark_bn254::Fq {
        ark_bn254::Fq::new_unchecked(BigInt(self.0))
    }

    #[inline(always)]
    pub(crate) fn add(self, b: Fq) -> Fq {
        Fq(subtract_p_if_above(add_limbs(&self.0, &b.0)))
    }

    #[inline(always)]
    pub(crate) fn sub(self, b: Fq) -> Fq {
        let mut d = [0; 4];
        let mut borrow = false;
        for i in 0..4 {
            (d[i], borrow) = sbb(self.0[i], b.0[i], borrow);
        }
        let mask = 0u64.wrapping_sub(borrow as u64); // all ones when a < b: add p back
        let mut carry = false;
        for i in 0..4 {
            (d[i], carry) = adc(d[i], P[i] & mask, carry);
        }
        Fq(d)
    }

    #[inline(always)]
    pub(crate) fn neg(self) -> Fq {
        Fq::ZERO.sub(self)
    }

    /// `k·self + c` for `k < 16`: one pass of small products, then the multiple
    /// of `p` that [`quotient_estimate`] gives, then one conditional subtraction.
    #[inline(always)]
    pub(crate) fn mul_small_add(self, k: u64, c: Fq) -> Fq {
        debug_assert!(k < 16);
        let mut t = [0; 5];
        let mut carry = 0;
        for i in 0..4 {
            (t[i], carry) = mac(self.0[i], k, c.0[i], carry);
        }
        t[4] = carry; // t < 16p < 2^258
        let q = quotient_estimate(&t);
        let mut qp = [0; 5];
        carry = 0;
        for i in 0..4 {
            (qp[i], carry) = mac(q, P[i], 0, carry);
        }
        qp[4] = carry;
        let mut r = [0; 5];
        let mut borrow = false;
        for i in 0..5 {
            (r[i], borrow) = sbb(t[i], qp[i], borrow);
        }
        debug_assert!(!borrow && r[4] == 0, "the estimate is never above t/p");
        Fq(subtract_p_if_above([r[0], r[1], r[2], r[3]]))
    }

    /// `self + b` left unreduced (below `2p`), as a factor of a [`Wide::mul`].
    #[inline(always)]
    pub(crate) fn add_unreduced(self, b: Fq) -> [u64; 4] {
        add_limbs(&self.0, &b.0)
    }
}

/// A 512-bit integer, congruent to `x·2^512` for the element `x` it stands for: a
/// product of two Montgomery forms, or a sum or difference of such products.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wide([u64; 8]);

impl Wide {
    /// `a·b`, schoolbook. Below `p·2^256` whenever [`Wide::reduce`] is to follow.
    #[inline(always)]
    pub(crate) const fn mul(a: &[u64; 4], b: &[u64; 4]) -> Wide {
        let mut r = [0; 8];
        let mut i = 0;
        while i < 4 {
            let mut carry = 0;
            let mut j = 0;
            while j < 4 {
                (r[i + j], carry) = mac(a[i], b[j], r[i + j], carry);
                j += 1;
            }
            r[i + 4] = carry;
            i += 1;
        }
        Wide(r)
    }

    /// `self − b` and whether it went below zero (then it is that plus `2^512`).
    #[inline(always)]
    fn sub_with_borrow(self, b: &Wide) -> (Wide, bool) {
        let mut r = [0; 8];
        let mut borrow = false;
        for i in 0..8 {
            (r[i], borrow) = sbb(self.0[i], b.0[i], borrow);
        }
        (Wide(r), borrow)
    }

    /// `self − b`; the caller knows `b ≤ self`.
    #[inline(always)]
    pub(crate) fn sub(self, b: &Wide) -> Wide {
        let (r, negative) = self.sub_with_borrow(b);
        debug_assert!(!negative);
        r
    }

    /// `self − b`, plus `p²` if that is negative: non-negative and below `p²` for
    /// `self, b < p²`.
    #[inline(always)]
    pub(crate) fn sub_or_add_p_squared(self, b: &Wide) -> Wide {
        let (d, negative) = self.sub_with_borrow(b);
        let mask = 0u64.wrapping_sub(negative as u64);
        let mut r = [0; 8];
        let mut carry = false;
        for i in 0..8 {
            (r[i], carry) = adc(d.0[i], P_SQUARED.0[i] & mask, carry);
        }
        Wide(r)
    }

    /// `self·2^−256 mod p`, canonical, for `self < p·2^256`: Montgomery's reduction
    /// (each step adds the multiple of `p` that clears the lowest limb, below
    /// `2^64·p`, so the sum stays below `2p·2^256` and the result below `2p`), then
    /// one conditional subtraction.
    #[inline(always)]
    pub(crate) fn reduce(self) -> Fq {
        let mut t = self.0;
        let mut top_carry = false;
        for i in 0..4 {
            let m = t[i].wrapping_mul(INV);
            let mut carry = 0;
            for j in 0..4 {
                (t[i + j], carry) = mac(m, P[j], t[i + j], carry);
            }
            (t[i + 4], top_carry) = adc(t[i + 4], carry, top_carry);
        }
        debug_assert!(!top_carry, "reduce's input must be below p·2^256");
        Fq(subtract_p_if_above([t[4], t[5], t[6], t[7]]))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};
    use rand::{rngs::StdRng, SeedableRng};

    /// Elements that stress carries and bounds, then random ones.
    pub(crate) fn samples(seed: u64) -> Vec<ark_bn254::Fq> {
        let minus = |k: u64| -ark_bn254::Fq::from(k);
        let mut v = vec![
            ark_bn254::Fq::from(0u64),
            ark_bn254::Fq::from(1u64),
            ark_bn254::Fq::from(2u64),
            minus(1),
            minus(2),
            // Montgomery forms 1 and p − 1 (raw limbs at the ends of the range).
            ark_bn254::Fq::new_unchecked(BigInt([1, 0, 0, 0])),
            ark_bn254::Fq::new_unchecked(BigInt([P[0] - 1, P[1], P[2], P[3]])),
            ark_bn254::Fq::new_unchecked(BigInt([u64::MAX, u64::MAX, u64::MAX, P[3] - 1])),
        ];
        let mut rng = StdRng::seed_from_u64(seed);
        v.extend((0..24).map(|_| ark_bn254::Fq::rand(&mut rng)));
        v
    }

    #[test]
    fn constants_are_bn254s() {
        use num_bigint::BigUint;
        assert_eq!(P[0].wrapping_mul(INV), u64::MAX, "p·INV ≡ −1 mod 2^64");
        let p = big(&P);
        assert_eq!(big(&P_SQUARED.0), &p * &p);
        let two_282 = BigUint::from(1u8) << 282;
        assert_eq!(&two_282 / &p, FLOOR_2_282_OVER_P.into());
    }

    fn big(limbs: &[u64]) -> num_bigint::BigUint {
        let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
        num_bigint::BigUint::from_bytes_le(&bytes)
    }

    /// The estimate depends on `h = ⌊t/2^250⌋` alone, and `⌊t/p⌋` grows with `t`:
    /// checking both ends of every `h`'s interval (up to `t = 16p − 1`) checks
    /// `q ≤ ⌊t/p⌋ ≤ q + 1` for every `t` [`Fq::mul_small_add`] forms.
    #[test]
    fn quotient_estimate_is_at_most_one_short() {
        use num_bigint::BigUint;
        let p = big(&P);
        let limit = BigUint::from(16u8) * &p; // t < 16p
        let step = BigUint::from(1u8) << 250;
        let limbs = |t: &BigUint| -> [u64; 5] {
            let mut d = t.to_u64_digits();
            d.resize(5, 0);
            [d[0], d[1], d[2], d[3], d[4]]
        };
        let mut h = 0u32;
        loop {
            let low = &step * h;
            if low >= limit {
                break;
            }
            let end: BigUint = &low + &step - 1u8;
            let high = end.min(&limit - 1u8);
            let q = BigUint::from(quotient_estimate(&limbs(&low)));
            assert_eq!(q, BigUint::from(quotient_estimate(&limbs(&high))));
            assert!(q <= &low / &p, "h = {h}: above ⌊t/p⌋");
            assert!(&high / &p <= &q + 1u8, "h = {h}: more than one short");
            h += 1;
        }
        assert_eq!(h, 194, "every h up to ⌊(16p − 1)/2^250⌋ = 193");
    }

    #[test]
    fn agrees_with_arkworks() {
        let samples = samples(1);
        for a in &samples {
            let x = Fq::from_ark(a);
            assert_eq!(x.to_ark(), *a);
            assert_eq!(x.neg().to_ark(), -*a);
            for b in &samples {
                let y = Fq::from_ark(b);
                for k in [0u64, 1, 2, 3, 9, 15] {
                    let expected = *a * ark_bn254::Fq::from(k) + b;
                    assert_eq!(x.mul_small_add(k, y).to_ark(), expected, "{k}·a + b");
                }
                assert_eq!(x.add(y).to_ark(), *a + b);
                assert_eq!(x.sub(y).to_ark(), *a - b);
                assert_eq!(Wide::mul(&x.0, &y.0).reduce().to_ark(), *a * b);
                // Unreduced sums as factors, and p² added to negative differences.
                let sum = Fq(x.add_unreduced(y));
                assert_eq!(
                    Wide::mul(&sum.0, &sum.0).reduce().to_ark(),
                    (*a + b).square()
                );
                let (xx, yy) = (Wide::mul(&x.0, &x.0), Wide::mul(&y.0, &y.0));
                assert_eq!(
                    xx.sub_or_add_p_squared(&yy).reduce().to_ark(),
                    a.square() - b.square()
                );
                let s2 = Wide::mul(&sum.0, &sum.0);
                assert_eq!(
                    s2.sub(&xx).reduce().to_ark(),
                    (*a + b).square() - a.square()
                );
            }
        }
    }
}
