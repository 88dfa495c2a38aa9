//! [`Fq12Lanes`]: the public face of [`crate::fq12`].

use crate::Ifma;
use ark_bn254::{Fq, Fq12, Fq2, Fq6};
use ark_ff::Field;

/// An element of BN254's `Fq12` in the form the vector code multiplies: its twelve
/// base-field coordinates side by side in the lanes of two AVX-512 registers. A
/// product is 24 lane-wise products of five-limb numbers summed unreduced, then two
/// vector reductions, where arkworks does 18 `Fq2` products (Karatsuba over `Fq6`).
///
/// Made from arkworks' [`Fq12`] and turned back into one; the operations are those
/// the pairing's Miller loop and final exponentiation use.
///
/// ```
/// use ark_bn254::Fq12;
/// use ark_ff::{Field, UniformRand};
/// use x402_zk_ifma::{Fq12Lanes, Ifma};
///
/// let Some(ifma) = Ifma::detect() else { return }; // no AVX-512 IFMA on this CPU
/// let mut rng = ark_std::test_rng();
/// let (a, b) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
/// let product = Fq12Lanes::from_fq12(ifma, &a).mul(&Fq12Lanes::from_fq12(ifma, &b));
/// assert_eq!(product.to_fq12(), a * b);
/// assert_eq!(Fq12Lanes::from_fq12(ifma, &a).square().to_fq12(), a.square());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Fq12Lanes {
    /// Limbs 0–4 of coordinates 0–7, then of coordinates 8–11 (lanes 12–15 zero).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    lanes: [[u64; 8]; 10],
    ifma: Ifma,
}

/// The coordinates in lane order: component `t` of the coefficient of `wᵏ` at
/// `2k + t`, with `w⁰ … w⁵` arkworks' `c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2`.
fn coordinates(f: &Fq12) -> [Fq; 12] {
    let coefficients = [f.c0.c0, f.c1.c0, f.c0.c1, f.c1.c1, f.c0.c2, f.c1.c2];
    std::array::from_fn(|m| {
        let c = coefficients[m / 2];
        if m % 2 == 0 {
            c.c0
        } else {
            c.c1
        }
    })
}

fn from_coordinates(c: [Fq; 12]) -> Fq12 {
    let k = |k: usize| Fq2::new(c[2 * k], c[2 * k + 1]);
    Fq12::new(Fq6::new(k(0), k(2), k(4)), Fq6::new(k(1), k(3), k(5)))
}

#[cfg(target_arch = "x86_64")]
mod vector {
    use super::*;
    use crate::fq12::{self, Fq12x, Round};
    use crate::fq8;
    use ark_ff::{BigInt, PrimeField};
    use std::sync::LazyLock;

    /// The integer `2^e mod p` in 52-bit limbs.
    fn power_of_two(e: u64) -> [u64; 5] {
        fq8::limbs52(Fq::from(2u64).pow([e]).into_bigint().0)
    }

    /// Lanes of 64-bit limbs: limb `j` of coordinate `m` at `[4·(m/8) + j][m % 8]`.
    fn limbs64(c: &[[u64; 4]; 12]) -> [[u64; 8]; 8] {
        let mut lanes = [[0u64; 8]; 8];
        for (m, limbs) in c.iter().enumerate() {
            for (j, limb) in limbs.iter().enumerate() {
                lanes[4 * (m / 8) + j][m % 8] = *limb;
            }
        }
        lanes
    }

    /// Per Frobenius power `k`, the constants of [`crate::fq12::lanewise`]: each
    /// coefficient `c` of `wⁱ` goes to `γᵢ·c` (to `γᵢ·c̄` for odd `k`), with `γᵢ` the
    /// coefficient of `wⁱ` in the image of `wⁱ` (arkworks' map, so the two agree by
    /// construction).
    struct Frobenius {
        k1: [[u64; 8]; 10],
        k2: [[u64; 8]; 10],
    }

    static FROBENIUS: LazyLock<[Frobenius; 12]> = LazyLock::new(|| {
        std::array::from_fn(|k| {
            let conjugates = k % 2 == 1;
            let mut k1 = [[0u64; 8]; 10];
            let mut k2 = [[0u64; 8]; 10];
            for i in 0..6 {
                let mut basis = [Fq::from(0u64); 12];
                basis[2 * i] = Fq::from(1u64);
                let image = from_coordinates(basis).frobenius_map(k);
                let image = coordinates(&image);
                let (g0, g1) = (image[2 * i], image[2 * i + 1]);
                // Real lane: x·g0 ∓ y·g1 (− without conjugation); imaginary lane:
                // ±y·g0 + x·g1, with x, y the lane and its pair-swapped neighbour.
                let (re1, re2, im1, im2) = if conjugates {
                    (g0, g1, -g0, g1)
                } else {
                    (g0, -g1, g0, g1)
                };
                for (m, (a, b)) in [(2 * i, (re1, re2)), (2 * i + 1, (im1, im2))] {
                    let (a, b) = (crate::to_vector_form(&a), crate::to_vector_form(&b));
                    let (a, b) = (fq8::limbs52(a), fq8::limbs52(b));
                    for j in 0..5 {
                        k1[5 * (m / 8) + j][m % 8] = a[j];
                        k2[5 * (m / 8) + j][m % 8] = b[j];
                    }
                }
            }
            Frobenius { k1, k2 }
        })
    });

    /// `2^264 mod p`: a Montgomery product with it takes arkworks' form (`c·2^256`)
    /// to ours (`c·2^260`).
    static TO_VECTOR: LazyLock<[u64; 5]> = LazyLock::new(|| power_of_two(264));
    /// `2^256 mod p`: takes ours to arkworks'.
    static TO_ARKWORKS: LazyLock<[u64; 5]> = LazyLock::new(|| power_of_two(256));

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn from_fq12(f: &Fq12) -> [[u64; 8]; 10] {
        let lanes = limbs64(&coordinates(f).map(|c| c.0 .0));
        let half =
            |h: usize| fq8::from_limbs64(std::array::from_fn(|j| fq8::load(&lanes[4 * h + j])));
        let raw = Fq12x {
            lo: half(0),
            hi: half(1),
        };
        fq12::store(&fq12::scale(&raw, *TO_VECTOR))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn to_fq12(lanes: &[[u64; 8]; 10]) -> Fq12 {
        let a = fq12::canonical(&fq12::scale(&fq12::load(lanes), *TO_ARKWORKS));
        let mut out = [[0u64; 8]; 8];
        for (h, half) in [a.lo, a.hi].iter().enumerate() {
            for (j, limb) in fq8::to_limbs64(half).into_iter().enumerate() {
                fq8::store(&mut out[4 * h + j], limb);
            }
        }
        from_coordinates(std::array::from_fn(|m| {
            let limbs = std::array::from_fn(|j| out[4 * (m / 8) + j][m % 8]);
            Fq::new_unchecked(BigInt::new(limbs))
        }))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn mul(a: &[[u64; 8]; 10], b: &[[u64; 8]; 10]) -> [[u64; 8]; 10] {
        fq12::store(&fq12::mul(&fq12::load(a), &fq12::load(b)))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn cyclotomic_square(a: &[[u64; 8]; 10]) -> [[u64; 8]; 10] {
        fq12::store(&fq12::cyclotomic_square(&fq12::load(a)))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn conjugate(a: &[[u64; 8]; 10]) -> [[u64; 8]; 10] {
        fq12::store(&fq12::conjugate(&fq12::load(a)))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn frobenius_map(a: &[[u64; 8]; 10], power: usize) -> [[u64; 8]; 10] {
        let k = &FROBENIUS[power % 12];
        let (k1, k2) = (fq12::load(&k.k1), fq12::load(&k.k2));
        fq12::store(&fq12::lanewise(&fq12::load(a), &k1, &k2))
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) fn mul_by_034_scaled(a: &[[u64; 8]; 10], line: [&Fq2; 3]) -> [[u64; 8]; 10] {
        let rounds = [(0, line[0]), (1, line[1]), (3, line[2])].map(|(shift, c)| {
            // Arkworks' limbs of c are `(c/16)·2^260`: c/16 in our form.
            let im = fq8::limbs52(c.c1.0 .0);
            Round {
                shift,
                re: fq8::limbs52(c.c0.0 .0),
                im,
                neg_im: negate(im),
            }
        });
        fq12::store(&fq12::product(&fq12::load(a), &rounds))
    }

    /// `2p − x` for `x < 2p`, in 52-bit limbs.
    fn negate(x: [u64; 5]) -> [u64; 5] {
        let mut out = [0u64; 5];
        let mut borrow = 0i64;
        for j in 0..5 {
            let d = fq8::P2[j] as i64 - x[j] as i64 + borrow;
            out[j] = (d as u64) & fq8::MASK;
            borrow = d >> 52;
        }
        out
    }
}

macro_rules! vector_call {
    ($ifma:expr, $call:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            let _: Ifma = $ifma;
            // SAFETY: an `Ifma` exists only where `detect` found AVX-512F and IFMA.
            unsafe { $call }
        }
        #[cfg(not(target_arch = "x86_64"))]
        match $ifma.never {}
    }};
}

impl Fq12Lanes {
    /// The lanes, for tests that set coordinates to other representatives.
    #[cfg(test)]
    pub(crate) fn lanes_mut(&mut self) -> &mut [[u64; 8]; 10] {
        &mut self.lanes
    }

    /// Converts from arkworks (two vector multiplications).
    pub fn from_fq12(ifma: Ifma, f: &Fq12) -> Self {
        let lanes = vector_call!(ifma, vector::from_fq12(f));
        Fq12Lanes { lanes, ifma }
    }

    /// `1`.
    pub fn one(ifma: Ifma) -> Self {
        Self::from_fq12(ifma, &Fq12::ONE)
    }

    /// Converts to arkworks (two vector multiplications).
    pub fn to_fq12(&self) -> Fq12 {
        vector_call!(self.ifma, vector::to_fq12(&self.lanes))
    }

    /// `self·other`.
    pub fn mul(&self, other: &Self) -> Self {
        let lanes = vector_call!(self.ifma, vector::mul(&self.lanes, &other.lanes));
        Fq12Lanes { lanes, ..*self }
    }

    /// `self²`.
    pub fn square(&self) -> Self {
        self.mul(self)
    }

    /// `self²` for `self` in the cyclotomic subgroup (the elements whose norm to
    /// `Fq6` is 1, where the final exponentiation's hard part works), by Granger and
    /// Scott's formulas: six `Fq2` products where [`Fq12Lanes::square`] takes 36. For other elements
    /// the result is not the square.
    pub fn cyclotomic_square(&self) -> Self {
        let lanes = vector_call!(self.ifma, vector::cyclotomic_square(&self.lanes));
        Fq12Lanes { lanes, ..*self }
    }

    /// The conjugate, `self^(p⁶)`: the inverse in the cyclotomic subgroup.
    pub fn conjugate(&self) -> Self {
        let lanes = vector_call!(self.ifma, vector::conjugate(&self.lanes));
        Fq12Lanes { lanes, ..*self }
    }

    /// `self^(p^power)`.
    pub fn frobenius_map(&self, power: usize) -> Self {
        let lanes = vector_call!(self.ifma, vector::frobenius_map(&self.lanes, power));
        Fq12Lanes { lanes, ..*self }
    }

    /// `self·ℓ/16` for the sparse `ℓ = c₀ + c₃·w + c₄·w³` (arkworks' `mul_by_034`,
    /// a Miller-loop line of BN254's D-type twist). The factor `1/16 ∈ Fq` spares
    /// converting the line's coefficients (arkworks' Montgomery form of `c` is ours of
    /// `c/16`); the final exponentiation sends every element of `Fq*` to 1, so a Miller
    /// loop may carry it.
    pub fn mul_by_034_scaled(&self, c0: &Fq2, c3: &Fq2, c4: &Fq2) -> Self {
        let lanes = vector_call!(
            self.ifma,
            vector::mul_by_034_scaled(&self.lanes, [c0, c3, c4])
        );
        Fq12Lanes { lanes, ..*self }
    }
}
