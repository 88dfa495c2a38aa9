//! BN254's `Fq12` with its twelve base-field coordinates in the lanes of two AVX-512
//! registers, multiplied with IFMA.
//!
//! Basis: `Fq12 = Fq2[w]/(w⁶ − ξ)` with `ξ = 9 + u`, `u² = −1`: arkworks' tower
//! `Fq6[w]/(w² − v)`, `Fq6 = Fq2[v]/(v³ − ξ)`, with `v = w²`. Coordinate `2k + t` is
//! component `t` (0 real, 1 imaginary) of the coefficient of `wᵏ`. Coordinates 0–7
//! are the lanes of the low register, 8–11 the first four of the high one (its other
//! four are zero). Each is in [`crate::fq8`]'s form (`c·2^260 mod p`, five 52-bit
//! limbs) and below `2p` between operations.
//!
//! A product `a·b = Σᵣ aᵣ·(wʳ·b)` is six *rounds*, one per coefficient `aᵣ ∈ Fq2`.
//! `wʳ·b` moves `b`'s coefficients up `r` places, and those passing `w⁵` come back
//! times `ξ` (`w⁶ = ξ`): a permutation of the lanes of `b` and `ξ·b`. Then
//! `aᵣ = x + y·u` multiplies it as `x·V + y·(u·V)`, where `u·(c + d·u) = −d + c·u` is
//! `V` with each pair of lanes swapped and the first of each pair negated (the sign
//! goes on the broadcast factor `y`). All the lane products are summed unreduced
//! (104-bit products in ten 52-bit limbs) and reduced once per coordinate.

use crate::fq8::{
    self, normalize, normalize_signed, splat, splat_limbs, Fq8, P, P16, P2, P24, P4, P8,
};
use core::arch::x86_64::*;

/// Twelve coordinates: 0–7 in `lo`, 8–11 in `hi` (whose lanes 4–7 are zero).
#[derive(Clone, Copy)]
pub(crate) struct Fq12x {
    pub(crate) lo: Fq8,
    pub(crate) hi: Fq8,
}

/// One round of a product: `s·wʳ·b` for `s = re + im·u`, given with `neg_im`, a
/// representative of `−im` (`2p − im`); all three at most `2p`.
#[derive(Clone, Copy)]
pub(crate) struct Round {
    pub(crate) shift: usize,
    pub(crate) re: [u64; 5],
    pub(crate) im: [u64; 5],
    pub(crate) neg_im: [u64; 5],
}

/// Where the lanes of one half of `wʳ·b` come from (half 0: coordinates 0–7; half 1:
/// 8–15, of which 12–15 are don't-cares), among three registers: `T₀` holds `b`'s
/// coordinates 0–7, `T₁` its 8–11 then `ξ·b`'s 8–11, `T₂` `ξ·b`'s 0–7. Lanes set in
/// `from_t2` are indexed by `t2` into `T₂ ‖ T₁`, the others by `t0` into `T₀ ‖ T₁`.
#[derive(Clone, Copy)]
struct Gather {
    t0: [u64; 8],
    t2: [u64; 8],
    from_t2: u8,
}

const fn gather(shift: usize, half: usize) -> Gather {
    let mut g = Gather {
        t0: [0; 8],
        t2: [0; 8],
        from_t2: 0,
    };
    let mut i = 0;
    while i < 8 {
        let m = half * 8 + i;
        if m < 12 {
            if m >= 2 * shift {
                // `b`'s coordinate m − 2r: T₀ for 0–7, T₁'s lanes 0–3 for 8–11.
                g.t0[i] = (m - 2 * shift) as u64;
            } else {
                // Wrapped past w⁵: `ξ·b`'s coordinate m + 12 − 2r.
                let t = m + 12 - 2 * shift;
                if t < 8 {
                    g.t2[i] = t as u64;
                    g.from_t2 |= 1 << i;
                } else {
                    g.t0[i] = (t + 4) as u64; // T₁'s lanes 4–7
                }
            }
        }
        i += 1;
    }
    g
}

const GATHERS: [[Gather; 2]; 6] = {
    let mut out = [[gather(0, 0), gather(0, 1)]; 6];
    let mut r = 1;
    while r < 6 {
        out[r] = [gather(r, 0), gather(r, 1)];
        r += 1;
    }
    out
};

/// The registers [`Gather`] indexes, per limb.
struct Tables {
    t0: [__m512i; 5],
    t1: [__m512i; 5],
    t2: [__m512i; 5],
}

/// Swaps the lanes of each pair (`2k ↔ 2k + 1`).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn swap_pairs(v: __m512i) -> __m512i {
    _mm512_shuffle_epi32::<0x4E>(v)
}

/// `ξ·c` for each coefficient `c = x + y·u` in the lanes (pairs `x, y`):
/// `(9x − y) + (x + 9y)·u`. Coordinates below `2p` give coordinates below `20p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn times_xi(v: &Fq8) -> Fq8 {
    times_small(v, 9, P2)
}

/// `(k + u)·c` for each coefficient `c = x + y·u`: `(kx − y) + (x + ky)·u` for
/// `k` in 9, 10, with `bias` (a multiple of `p` above every `y`) keeping `kx − y`
/// positive: below `(k + 1)·B + bias` for coordinates below `B`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn times_small(v: &Fq8, k: u64, bias: [u64; 5]) -> Fq8 {
    debug_assert!(k == 9 || k == 10);
    let mut out = v.0;
    for (j, limb) in out.iter_mut().enumerate() {
        let eight = _mm512_slli_epi64::<3>(v.0[j]);
        let rest = if k == 9 {
            v.0[j]
        } else {
            _mm512_slli_epi64::<1>(v.0[j])
        };
        let scaled = _mm512_add_epi64(eight, rest);
        let swapped = swap_pairs(v.0[j]);
        let minus = _mm512_sub_epi64(splat(bias[j]), swapped); // bias − y ≥ 0
        *limb = _mm512_add_epi64(scaled, _mm512_mask_blend_epi64(0xAA, minus, swapped));
    }
    Fq8(normalize_signed(out))
}

#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn tables(b: &Fq12x) -> Tables {
    let xi_lo = times_xi(&b.lo);
    let xi_hi = times_xi(&b.hi);
    Tables {
        t0: b.lo.0,
        // b's lanes 0–3, then ξ·b's lanes 0–3 (128-bit blocks 0, 1 of each).
        t1: core::array::from_fn(|j| _mm512_shuffle_i64x2::<0x44>(b.hi.0[j], xi_hi.0[j])),
        t2: xi_lo.0,
    }
}

/// Half `half` of `wʳ·b`, coordinates below `20p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn rotate(t: &Tables, shift: usize, half: usize) -> [__m512i; 5] {
    let g = &GATHERS[shift][half];
    let (i0, i2) = (fq8::load(&g.t0), fq8::load(&g.t2));
    core::array::from_fn(|j| {
        let from_b = _mm512_permutex2var_epi64(t.t0[j], i0, t.t1[j]);
        let from_xi = _mm512_permutex2var_epi64(t.t2[j], i2, t.t1[j]);
        _mm512_mask_blend_epi64(g.from_t2, from_b, from_xi)
    })
}

/// `acc += x·y` lane by lane, unreduced: the 104-bit product of limbs `xᵢ, yⱼ`
/// adds its low 52 bits to limb `i + j` and its high 52 to limb `i + j + 1`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mac(acc: &mut [__m512i; 10], x: &[__m512i; 5], y: &[__m512i; 5]) {
    for i in 0..5 {
        for j in 0..5 {
            acc[i + j] = _mm512_madd52lo_epu64(acc[i + j], x[i], y[j]);
            acc[i + j + 1] = _mm512_madd52hi_epu64(acc[i + j + 1], x[i], y[j]);
        }
    }
}

/// `acc·2^−260 mod p` (Montgomery): for each of the five low limbs, add `m·p` with
/// `m = −accᵢ·p⁻¹ mod 2^52`, which clears it, and carry its high bits up. The
/// result is below `acc/2^260 + p`; callers keep it below `2^260`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn montgomery(mut acc: [__m512i; 10]) -> Fq8 {
    let zero = _mm512_setzero_si512();
    let p = splat_limbs(P);
    let p_neg_inv = splat(fq8::P_NEG_INV);
    for i in 0..5 {
        let m = _mm512_madd52lo_epu64(zero, acc[i], p_neg_inv);
        for j in 0..5 {
            acc[i + j] = _mm512_madd52lo_epu64(acc[i + j], m, p[j]);
            acc[i + j + 1] = _mm512_madd52hi_epu64(acc[i + j + 1], m, p[j]);
        }
        acc[i + 1] = _mm512_add_epi64(acc[i + 1], _mm512_srli_epi64::<52>(acc[i]));
    }
    Fq8(normalize([acc[5], acc[6], acc[7], acc[8], acc[9]]))
}

/// From below `8p` to below `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn below_2p(v: &Fq8) -> Fq8 {
    fq8::reduce(&fq8::reduce(v, P4), P2)
}

/// `Σ sᵣ·w^shiftᵣ·b` over `rounds`, at most six. Bounds: a lane product is below
/// `2p·20p`, a coordinate sums at most twelve (`480p²`), so the reduction gives
/// below `480p²/2^260 + p < 7p` (`p < 2^253.6`), brought below `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn product(b: &Fq12x, rounds: &[Round]) -> Fq12x {
    debug_assert!(rounds.len() <= 6);
    let t = tables(b);
    let half = |h: usize| {
        let mut acc = [_mm512_setzero_si512(); 10];
        for round in rounds {
            let v = rotate(&t, round.shift, h);
            let swapped = v.map(|l| swap_pairs(l));
            let re = splat_limbs(round.re);
            // −im on the real lanes, im on the imaginary ones.
            let im: [__m512i; 5] = core::array::from_fn(|j| {
                _mm512_mask_blend_epi64(0xAA, splat(round.neg_im[j]), splat(round.im[j]))
            });
            mac(&mut acc, &re, &v);
            mac(&mut acc, &im, &swapped);
        }
        below_2p(&montgomery(acc))
    };
    let lo = half(0);
    let hi = half(1);
    Fq12x {
        lo,
        hi: Fq8(hi.0.map(|l| _mm512_maskz_mov_epi64(0x0F, l))),
    }
}

/// Products of `Fq2` elements lane-pair by lane-pair (`x + y·u` in lanes `2i, 2i + 1`):
/// `(x₀y₀ − x₁y₁) + (x₀y₁ + x₁y₀)·u` as `(x₀, x₀)·(y₀, y₁) + (−x₁, x₁)·(y₁, y₀)`, summed
/// unreduced. `neg` is a multiple of `p` above `a`'s coordinates; the result is below
/// `(A·B + neg·B)/2^260 + p` for `a` below `A`, `b` below `B`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul_pairs(a: &Fq8, b: &Fq8, neg: [u64; 5]) -> Fq8 {
    let real = a.0.map(|l| _mm512_shuffle_epi32::<0x44>(l));
    let imaginary = a.0.map(|l| _mm512_shuffle_epi32::<0xEE>(l));
    let negated = fq8::sub(&Fq8([_mm512_setzero_si512(); 5]), &Fq8(imaginary), neg);
    let signed: [__m512i; 5] =
        core::array::from_fn(|j| _mm512_mask_blend_epi64(0xAA, negated.0[j], imaginary[j]));
    let mut acc = [_mm512_setzero_si512(); 10];
    mac(&mut acc, &real, &b.0);
    mac(&mut acc, &signed, &b.0.map(|l| swap_pairs(l)));
    montgomery(acc)
}

/// `3·v` (limbs normalized).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn triple(v: &Fq8) -> Fq8 {
    fq8::add(&fq8::add(v, v), v)
}

/// `a²` for `a` in the cyclotomic subgroup, by Granger and Scott's formulas (as
/// arkworks' `cyclotomic_square`). With `Fq12` seen over `Fq4 = Fq2[w³]`, the pairs
/// `(cₖ, cₖ₊₃)` for `k = 0, 1, 2` (coefficients of `wᵏ`, `wᵏ⁺³`) are squared in
/// `Fq4`: with `tₖ = cₖ·cₖ₊₃` and `sₖ = (cₖ + cₖ₊₃)(cₖ + ξ·cₖ₊₃)`, the square's
/// parts are `eₖ = sₖ − (1 + ξ)·tₖ` and `oₖ = 2tₖ`, and the result's coefficient of
/// `wʲ` is `3qⱼ − 2cⱼ` for even `j`, `3qⱼ + 2cⱼ` for odd, with
/// `q = (e₀, ξ·o₂, e₁, o₀, e₂, o₁)`. Six `Fq2` products in two registers where a
/// general square takes 36: the factor 3 goes into the products' left factors, and
/// one product by 1 at the end (the Montgomery form of 1) brings every coordinate
/// back below `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn cyclotomic_square(a: &Fq12x) -> Fq12x {
    let low = a.lo; // c₀, c₁, c₂ in lanes 0–5 (c₃ in 6–7, unused)
    let high = Fq8(core::array::from_fn(|j| {
        let index = fq8::load(&[6, 7, 8, 9, 10, 11, 0, 0]);
        _mm512_permutex2var_epi64(a.lo.0[j], index, a.hi.0[j])
    })); // c₃, c₄, c₅
    let xi_high = times_xi(&high); // < 20p
    let sum = fq8::add(&low, &high); // < 4p
    let twisted = fq8::add(&low, &xi_high); // < 22p
                                            // 3tₖ: (6p·2p + 8p·2p)/2^260 + p < 2p.
    let t3 = below_2p(&mul_pairs(&triple(&low), &high, P8));
    // 3sₖ: (12p·22p + 16p·22p)/2^260 + p < 8.3p.
    let s3 = below_2p(&fq8::reduce(&mul_pairs(&triple(&sum), &twisted, P16), P8));
    let e3 = fq8::sub(&s3, &times_small(&t3, 10, P2), P24); // < 26p
    let o3 = fq8::add(&t3, &t3); // < 4p
    let xi_o3 = times_small(&o3, 9, P4); // < 40p
                                         // `o₀, o₁` and `ξ·o₂` in one register: lanes 0–3 of o3, 4–5 of xi_o3.
    let odd = Fq8(core::array::from_fn(|j| {
        _mm512_mask_blend_epi64(0x30, o3.0[j], xi_o3.0[j])
    }));
    let place = |index: [u64; 8], plus: u8, c: &Fq8| {
        let index = fq8::load(&index);
        let twice = fq8::add(c, c); // < 4p
        let minus = fq8::sub(&Fq8([_mm512_setzero_si512(); 5]), &twice, P4);
        let mut out = [_mm512_setzero_si512(); 5];
        for (j, limb) in out.iter_mut().enumerate() {
            let q = _mm512_permutex2var_epi64(e3.0[j], index, odd.0[j]);
            let signed = _mm512_mask_blend_epi64(plus, minus.0[j], twice.0[j]);
            *limb = _mm512_add_epi64(q, signed);
        }
        // Below 44p (ξ·o₂ + 2c₁), so one product by 1 brings it below 2p.
        fq8::mul(&Fq8(normalize(out)), &Fq8(splat_limbs(fq8::ONE)))
    };
    // w⁰…w³ = e₀, ξo₂, e₁, o₀; w⁴, w⁵ = e₂, o₁. Odd powers add 2c, even subtract.
    let lo = place([0, 1, 12, 13, 2, 3, 8, 9], 0xCC, &a.lo);
    let hi = place([4, 5, 10, 11, 0, 0, 0, 0], 0x0C, &a.hi);
    Fq12x {
        lo,
        hi: Fq8(hi.0.map(|l| _mm512_maskz_mov_epi64(0x0F, l))),
    }
}

/// Limb `j` of every coordinate.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn coordinates(a: &Fq12x) -> [[u64; 5]; 12] {
    let lanes = store(a);
    core::array::from_fn(|m| {
        let (half, lane) = (m / 8, m % 8);
        core::array::from_fn(|j| lanes[5 * half + j][lane])
    })
}

/// `−a` as `2p − a` (coordinates in `(0, 2p]`).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn negate_loose(v: &Fq8) -> Fq8 {
    fq8::sub(&Fq8([_mm512_setzero_si512(); 5]), v, P2)
}

/// `a·b`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: &Fq12x, b: &Fq12x) -> Fq12x {
    let coords = coordinates(a);
    let negated = coordinates(&Fq12x {
        lo: negate_loose(&a.lo),
        hi: negate_loose(&a.hi),
    });
    let rounds: [Round; 6] = core::array::from_fn(|r| Round {
        shift: r,
        re: coords[2 * r],
        im: coords[2 * r + 1],
        neg_im: negated[2 * r + 1],
    });
    product(b, &rounds)
}

/// The conjugate `a^(p⁶)`: the coefficients of odd powers of `w` negated.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn conjugate(a: &Fq12x) -> Fq12x {
    let negate_odd = |v: &Fq8, odd: u8| {
        let negated = fq8::reduce(&negate_loose(v), P2);
        Fq8(core::array::from_fn(|j| {
            _mm512_mask_blend_epi64(odd, v.0[j], negated.0[j])
        }))
    };
    // Coordinates 2, 3, 6, 7 and 10, 11.
    Fq12x {
        lo: negate_odd(&a.lo, 0xCC),
        hi: negate_odd(&a.hi, 0x0C),
    }
}

/// `x·k₁ + swap(x)·k₂` lane by lane (constants below `p`, `x` below `2p`): the
/// Frobenius maps, whose action on each coefficient is a product by a constant of
/// `Fq2`, after conjugation for odd powers.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn lanewise(a: &Fq12x, k1: &Fq12x, k2: &Fq12x) -> Fq12x {
    let half = |x: &Fq8, k1: &Fq8, k2: &Fq8| {
        let mut acc = [_mm512_setzero_si512(); 10];
        mac(&mut acc, &x.0, &k1.0);
        mac(&mut acc, &x.0.map(|l| swap_pairs(l)), &k2.0);
        below_2p(&montgomery(acc))
    };
    Fq12x {
        lo: half(&a.lo, &k1.lo, &k2.lo),
        hi: half(&a.hi, &k1.hi, &k2.hi),
    }
}

/// Montgomery products by one constant in every lane (the conversions).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn scale(a: &Fq12x, k: [u64; 5]) -> Fq12x {
    let k = Fq8(splat_limbs(k));
    Fq12x {
        lo: fq8::mul(&a.lo, &k),
        hi: fq8::mul(&a.hi, &k),
    }
}

/// Subtracts `p` from the coordinates at or above it (from below `2p` to canonical).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn canonical(a: &Fq12x) -> Fq12x {
    Fq12x {
        lo: fq8::reduce(&a.lo, P),
        hi: fq8::reduce(&a.hi, P),
    }
}

/// Loads from ten registers' worth of lanes (limbs of `lo`, then of `hi`).
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn load(lanes: &[[u64; 8]; 10]) -> Fq12x {
    Fq12x {
        lo: Fq8(core::array::from_fn(|j| fq8::load(&lanes[j]))),
        hi: Fq8(core::array::from_fn(|j| fq8::load(&lanes[5 + j]))),
    }
}

/// Stores as [`load`] reads.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn store(a: &Fq12x) -> [[u64; 8]; 10] {
    let mut lanes = [[0u64; 8]; 10];
    for j in 0..5 {
        fq8::store(&mut lanes[j], a.lo.0[j]);
        fq8::store(&mut lanes[5 + j], a.hi.0[j]);
    }
    lanes
}
