//! Eight BN254 base-field elements at once, one per 64-bit lane of five AVX-512
//! registers: radix 2^52 (the width AVX-512 IFMA multiplies), Montgomery form with
//! `R = 2^260`.
//!
//! An element `a` is held as `a·2^260 mod p` in limbs `l₀ … l₄`, `Σ lⱼ·2^(52j)`.
//! Limbs are normalized (`< 2^52`) between operations, since IFMA reads only the low
//! 52 bits of its factors; values are kept in small multiples of `p`, each function
//! stating its bounds:
//!
//! - [`mul`] takes factors `< 4p` and returns `< 2p`: `(a·b + m·p)/2^260 < 16p²/2^260 + p
//!   < 2p`, as `16p < 2^260`;
//! - [`sub`] returns `a + k·p − b`, positive when `b < k·p`;
//! - [`reduce`] subtracts `k·p` where that leaves a non-negative value.
//!
//! Every function here is `#[target_feature(enable = "avx512f,avx512ifma")]`: call
//! them only from code that has checked for both features ([`crate::Ifma::detect`]).

use ark_bn254::Fq;
use ark_ff::PrimeField;
use core::arch::x86_64::*;

/// The low 52 bits of a limb.
pub(crate) const MASK: u64 = (1 << 52) - 1;

/// `p` in four 64-bit limbs.
const P64: [u64; 4] = <Fq as PrimeField>::MODULUS.0;

/// Splits a 256-bit integer into five 52-bit limbs.
pub(crate) const fn limbs52(a: [u64; 4]) -> [u64; 5] {
    [
        a[0] & MASK,
        (a[0] >> 52 | a[1] << 12) & MASK,
        (a[1] >> 40 | a[2] << 24) & MASK,
        (a[2] >> 28 | a[3] << 36) & MASK,
        a[3] >> 16,
    ]
}

/// `k·p` in 52-bit limbs (for `k·p < 2^260`).
const fn multiple_of_p(k: u64) -> [u64; 5] {
    let p = limbs52(P64);
    let mut out = [0u64; 5];
    let mut carry = 0u64;
    let mut j = 0;
    while j < 5 {
        let v = p[j] * k + carry;
        out[j] = v & MASK;
        carry = v >> 52;
        j += 1;
    }
    out[4] += carry << 52;
    out
}

pub(crate) const P: [u64; 5] = multiple_of_p(1);
pub(crate) const P2: [u64; 5] = multiple_of_p(2);
pub(crate) const P4: [u64; 5] = multiple_of_p(4);
pub(crate) const P8: [u64; 5] = multiple_of_p(8);
pub(crate) const P16: [u64; 5] = multiple_of_p(16);
pub(crate) const P24: [u64; 5] = multiple_of_p(24);

/// `2a mod p` for `a < p`.
const fn double_mod_p(a: [u64; 4]) -> [u64; 4] {
    let mut d = [0u64; 4];
    let mut carry = 0;
    let mut i = 0;
    while i < 4 {
        d[i] = a[i] << 1 | carry;
        carry = a[i] >> 63;
        i += 1;
    }
    let mut s = [0u64; 4];
    let mut borrow = false;
    let mut i = 0;
    while i < 4 {
        let (x, b1) = d[i].overflowing_sub(P64[i]);
        let (x, b2) = x.overflowing_sub(borrow as u64);
        s[i] = x;
        borrow = b1 || b2;
        i += 1;
    }
    if borrow {
        d
    } else {
        s
    }
}

/// `1` in this form, `2^260 mod p`: arkworks' `1` (`2^256 mod p`) doubled four times.
pub(crate) const ONE: [u64; 5] = {
    let mut r = <Fq as ark_ff::Field>::ONE.0 .0;
    let mut i = 0;
    while i < 4 {
        r = double_mod_p(r);
        i += 1;
    }
    limbs52(r)
};

/// `−p⁻¹ mod 2^52`, by Newton's iteration (each step doubles the correct low bits;
/// `p·p ≡ 1 mod 8` starts with three).
pub(crate) const P_NEG_INV: u64 = {
    let p0 = P64[0];
    let mut x = p0;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg() & MASK
};

/// Eight field elements, limb `j` of lane `i` in lane `i` of register `j`.
#[derive(Clone, Copy)]
pub(crate) struct Fq8(pub(crate) [__m512i; 5]);

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn splat(v: u64) -> __m512i {
    _mm512_set1_epi64(v as i64)
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn splat_limbs(limbs: [u64; 5]) -> [__m512i; 5] {
    limbs.map(|l| splat(l))
}

/// The Montgomery product `a·b·2^−260 mod p`, for `a, b < 4p`; the result is `< 2p`.
///
/// Operand scanning with the reduction interleaved: for each limb `aᵢ`, add
/// `aᵢ·b`, then `m·p` with `m = −t₀·p⁻¹ mod 2^52`, which clears the lowest limb,
/// and drop it. IFMA adds the low (`madd52lo`) and high (`madd52hi`) 52 bits of a
/// 104-bit product into a 64-bit lane, so the limbs of `t` stay unnormalized (at most
/// twenty terms below 2^52 each, far from overflowing 64 bits) until the end.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: &Fq8, b: &Fq8) -> Fq8 {
    let zero = _mm512_setzero_si512();
    let p = splat_limbs(P);
    let p_neg_inv = splat(P_NEG_INV);
    let mut t = [zero; 6];
    for i in 0..5 {
        let ai = a.0[i];
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], ai, b.0[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], ai, b.0[j]);
        }
        let m = _mm512_madd52lo_epu64(zero, t[0], p_neg_inv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, p[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, p[j]);
        }
        // t₀ ≡ 0 mod 2^52 now: carry its high bits and shift one limb down.
        t[1] = _mm512_add_epi64(t[1], _mm512_srli_epi64::<52>(t[0]));
        t = [t[1], t[2], t[3], t[4], t[5], zero];
    }
    Fq8(normalize([t[0], t[1], t[2], t[3], t[4]]))
}

/// `a + b`, limb by limb.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn add(a: &Fq8, b: &Fq8) -> Fq8 {
    let mut t = a.0;
    for (j, limb) in t.iter_mut().enumerate() {
        *limb = _mm512_add_epi64(*limb, b.0[j]);
    }
    Fq8(normalize(t))
}

/// `(a₀ + a₁u)(b₀ + b₁u)` with `u² = −1`, by Karatsuba: `a₀b₀ − a₁b₁` and
/// `(a₀ + a₁)(b₀ + b₁) − a₀b₀ − a₁b₁`. Components of `a`, `b` below `2p` (so the
/// sums stay below `4p`); the result's are below `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul_fq2(a: &[Fq8; 2], b: &[Fq8; 2]) -> [Fq8; 2] {
    let v0 = mul(&a[0], &b[0]);
    let v1 = mul(&a[1], &b[1]);
    let s = mul(&add(&a[0], &a[1]), &add(&b[0], &b[1]));
    // v₀ + 2p − v₁ ∈ (0, 4p); s + 4p − v₀ − v₁ ∈ (0, 6p).
    let c0 = reduce(&sub(&v0, &v1, P2), P2);
    let c1 = reduce(&reduce(&sub2(&s, &v0, &v1, P4), P4), P2);
    [c0, c1]
}

/// Carries every limb's bits above 52 into the next (limbs non-negative).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn normalize(mut t: [__m512i; 5]) -> [__m512i; 5] {
    let mask = splat(MASK);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srli_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], mask);
    }
    t
}

/// As [`normalize`], for limbs that may be negative (as two's complement); the
/// value itself must be non-negative for the top limb to come out so.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn normalize_signed(mut t: [__m512i; 5]) -> [__m512i; 5] {
    let mask = splat(MASK);
    for j in 0..4 {
        t[j + 1] = _mm512_add_epi64(t[j + 1], _mm512_srai_epi64::<52>(t[j]));
        t[j] = _mm512_and_si512(t[j], mask);
    }
    t
}

/// `a + k − b` for `k` a multiple of `p` in limbs; the caller ensures `b < a + k`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn sub(a: &Fq8, b: &Fq8, k: [u64; 5]) -> Fq8 {
    let mut t = a.0;
    for (j, limb) in t.iter_mut().enumerate() {
        *limb = _mm512_sub_epi64(_mm512_add_epi64(*limb, splat(k[j])), b.0[j]);
    }
    Fq8(normalize_signed(t))
}

/// `a + k − b − c`, as [`sub`] with two subtrahends (`b + c < a + k`).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn sub2(a: &Fq8, b: &Fq8, c: &Fq8, k: [u64; 5]) -> Fq8 {
    let mut t = a.0;
    for (j, limb) in t.iter_mut().enumerate() {
        let plus = _mm512_add_epi64(*limb, splat(k[j]));
        *limb = _mm512_sub_epi64(_mm512_sub_epi64(plus, b.0[j]), c.0[j]);
    }
    Fq8(normalize_signed(t))
}

/// `v − k` in the lanes where that is non-negative, `v` in the others.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn reduce(v: &Fq8, k: [u64; 5]) -> Fq8 {
    let mut d = v.0;
    for (j, limb) in d.iter_mut().enumerate() {
        *limb = _mm512_sub_epi64(*limb, splat(k[j]));
    }
    let d = normalize_signed(d);
    let negative = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
    let mut out = d;
    for (j, limb) in out.iter_mut().enumerate() {
        *limb = _mm512_mask_blend_epi64(negative, d[j], v.0[j]);
    }
    Fq8(out)
}

/// Eight 256-bit integers from four registers of 64-bit limbs.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn from_limbs64(a: [__m512i; 4]) -> Fq8 {
    let mask = splat(MASK);
    let join = |lo: __m512i, lo_shift: u32, hi: __m512i, hi_shift: u32| {
        let lo = _mm512_srlv_epi64(lo, splat(u64::from(lo_shift)));
        let hi = _mm512_sllv_epi64(hi, splat(u64::from(hi_shift)));
        _mm512_and_si512(_mm512_or_si512(lo, hi), mask)
    };
    Fq8([
        _mm512_and_si512(a[0], mask),
        join(a[0], 52, a[1], 12),
        join(a[1], 40, a[2], 24),
        join(a[2], 28, a[3], 36),
        _mm512_srli_epi64::<16>(a[3]),
    ])
}

/// Four registers of 64-bit limbs from normalized 52-bit limbs (values `< 2^256`).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn to_limbs64(v: &Fq8) -> [__m512i; 4] {
    let l = v.0;
    let join = |lo: __m512i, lo_shift: u32, hi: __m512i, hi_shift: u32| {
        let lo = _mm512_srlv_epi64(lo, splat(u64::from(lo_shift)));
        _mm512_or_si512(lo, _mm512_sllv_epi64(hi, splat(u64::from(hi_shift))))
    };
    [
        _mm512_or_si512(l[0], _mm512_slli_epi64::<52>(l[1])),
        join(l[1], 12, l[2], 40),
        join(l[2], 24, l[3], 28),
        join(l[3], 36, l[4], 16),
    ]
}

/// Loads eight 64-bit lanes.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn load(src: &[u64; 8]) -> __m512i {
    // SAFETY: `src` is 64 readable bytes; the load is unaligned.
    unsafe { _mm512_loadu_si512(src.as_ptr().cast()) }
}

/// Stores eight 64-bit lanes.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn store(dst: &mut [u64; 8], v: __m512i) {
    // SAFETY: `dst` is 64 writable bytes; the store is unaligned.
    unsafe { _mm512_storeu_si512(dst.as_mut_ptr().cast(), v) }
}
