//! Number-theoretic transforms over a domain `D = ⟨ω⟩` of `n = 2^a·3^b` points
//! (`b ≤ 2`: BN254's scalar field has roots of unity of order `2^28·3^2`), with
//! the twiddles computed once.
//!
//! The transforms run in stages, the radix-3 ones first (outermost), then the
//! radix-2 ones. A decimation-in-frequency pass (natural order in) leaves its
//! output in digit-reversed order ([`Ntt::reverse`]: the stage digits read
//! backwards, bit reversal when `n` is a power of two), and the matching
//! decimation-in-time pass takes that order back to the natural one. Pairing
//! the two needs no permutation, and the per-element scalings (`1/n`, the coset
//! shift `gⁱ`, `1/Z(g)`) fold into one precomputed table in digit-reversed order.
//!
//! The passes work on anything with additions and a multiplication by a field
//! element: field elements for the prover, curve points for the ceremony (the
//! Lagrange basis at a secret τ from its powers).

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};
use rayon::prelude::*;
use std::ops::{Add, Mul, Sub};

/// What the transforms run on: field elements, or points of a curve over `Fr`.
pub trait Coefficient:
    Copy + Send + Sync + Add<Output = Self> + Sub<Output = Self> + Mul<Fr, Output = Self>
{
}

impl<T> Coefficient for T where
    T: Copy + Send + Sync + Add<Output = T> + Sub<Output = T> + Mul<Fr, Output = T>
{
}

pub(crate) struct Ntt {
    n: usize,
    /// Radix of each stage, outermost first: the 3s, then the 2s.
    radices: Vec<usize>,
    /// `ωⁱ` for `i < n`.
    roots: Vec<Fr>,
    /// `ω⁻ⁱ` for `i < n`.
    inverse_roots: Vec<Fr>,
}

impl Ntt {
    /// The transforms for `n` points, `n = 2^a·3^b` with `a ≤ 28` and `b ≤ 2`
    /// (BN254's roots of unity); `None` for any other `n`.
    pub(crate) fn new(n: usize) -> Option<Self> {
        if n == 0 {
            return None;
        }
        let omega = Fr::get_root_of_unity(n as u64)?;
        let (mut rest, mut radices) = (n, vec![]);
        while rest % 3 == 0 {
            radices.push(3);
            rest /= 3;
        }
        while rest % 2 == 0 {
            radices.push(2);
            rest /= 2;
        }
        if rest != 1 {
            return None;
        }
        let powers = |w: Fr| {
            std::iter::successors(Some(Fr::one()), move |p| Some(*p * w))
                .take(n)
                .collect()
        };
        Some(Ntt {
            n,
            radices,
            roots: powers(omega),
            inverse_roots: powers(omega.inverse()?),
        })
    }

    pub(crate) fn size(&self) -> usize {
        self.n
    }

    /// `a[j] ← Σᵢ aᵢ·ω^(±i·rev(j))` (sign `−` when `inverse`): natural order in,
    /// digit-reversed order out, unscaled (Gentleman–Sande butterflies).
    pub(crate) fn dif<T: Coefficient>(&self, a: &mut [T], inverse: bool) {
        self.dif_blocks(a, inverse, false);
    }

    /// [`Self::dif`] with the blocks of each stage spread over the thread pool:
    /// for curve points, where every butterfly is a scalar multiplication.
    pub(crate) fn dif_parallel<T: Coefficient>(&self, a: &mut [T], inverse: bool) {
        self.dif_blocks(a, inverse, true);
    }

    fn dif_blocks<T: Coefficient>(&self, a: &mut [T], inverse: bool, parallel: bool) {
        assert_eq!(a.len(), self.n, "one value per domain point");
        let roots = self.roots(inverse);
        let mut block = self.n;
        for &radix in &self.radices {
            // Blocks of `block` values, each `radix` rows of `m`: a size-`radix`
            // DFT down each column `j`, then its output `u` times `ω_block^(u·j)`.
            let m = block / radix;
            let stride = self.n / block;
            let run = |chunk: &mut [T]| {
                if radix == 3 {
                    let (p0, rest) = chunk.split_at_mut(m);
                    let (p1, p2) = rest.split_at_mut(m);
                    for j in 0..m {
                        let [y0, y1, y2] = self.dft3(p0[j], p1[j], p2[j], roots);
                        p0[j] = y0;
                        p1[j] = twiddle(y1, roots, j * stride);
                        p2[j] = twiddle(y2, roots, 2 * j * stride);
                    }
                } else {
                    let (lo, hi) = chunk.split_at_mut(m);
                    for (j, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                        let (x, y) = (*u, *v);
                        *u = x + y;
                        *v = twiddle(x - y, roots, j * stride);
                    }
                }
            };
            if parallel {
                a.par_chunks_exact_mut(block).for_each(run);
            } else {
                a.chunks_exact_mut(block).for_each(run);
            }
            block = m;
        }
    }

    /// `a[k] ← Σⱼ a[j]·ω^(±rev(j)·k)`: digit-reversed order in, natural order
    /// out, unscaled (Cooley–Tukey butterflies: the stages of [`Self::dif`]
    /// undone in reverse order, so `dit(dif(a, true))` is `n·a`).
    pub(crate) fn dit<T: Coefficient>(&self, a: &mut [T], inverse: bool) {
        assert_eq!(a.len(), self.n, "one value per domain point");
        let roots = self.roots(inverse);
        let mut m = 1;
        for &radix in self.radices.iter().rev() {
            let block = m * radix;
            let stride = self.n / block;
            for chunk in a.chunks_exact_mut(block) {
                if radix == 3 {
                    let (p0, rest) = chunk.split_at_mut(m);
                    let (p1, p2) = rest.split_at_mut(m);
                    for j in 0..m {
                        let x1 = twiddle(p1[j], roots, j * stride);
                        let x2 = twiddle(p2[j], roots, 2 * j * stride);
                        [p0[j], p1[j], p2[j]] = self.dft3(p0[j], x1, x2, roots);
                    }
                } else {
                    let (lo, hi) = chunk.split_at_mut(m);
                    for (j, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                        let (x, y) = (*u, twiddle(*v, roots, j * stride));
                        *u = x + y;
                        *v = x - y;
                    }
                }
            }
            m = block;
        }
    }

    /// `(yᵤ) = (Σₜ xₜ·ρ^(t·u))` for the cube root of unity `ρ = roots[n/3]`, with
    /// one multiplication: `ρ² = −1 − ρ` gives `y₁ = x₀ − x₂ + ρ(x₁ − x₂)` and
    /// `y₂ = x₀ − x₁ − ρ(x₁ − x₂)`.
    fn dft3<T: Coefficient>(&self, x0: T, x1: T, x2: T, roots: &[Fr]) -> [T; 3] {
        let t = (x1 - x2) * roots[self.n / 3];
        [x0 + x1 + x2, x0 - x2 + t, x0 - x1 - t]
    }

    fn roots(&self, inverse: bool) -> &[Fr] {
        if inverse {
            &self.inverse_roots
        } else {
            &self.roots
        }
    }

    /// `table[j] = c·s^rev(j)` for `j < n`: a scaling of the coefficient `rev(j)`,
    /// which a [`Self::dif`] pass leaves at position `j`.
    pub(crate) fn digit_reversed_powers(&self, s: Fr, c: Fr) -> Vec<Fr> {
        let natural: Vec<Fr> = std::iter::successors(Some(c), |p| Some(*p * s))
            .take(self.n)
            .collect();
        (0..self.n).map(|j| natural[self.reverse(j)]).collect()
    }

    /// The index whose value [`Self::dif`] leaves at position `j`: `j`'s stage
    /// digits (most significant first, radices as the stages) read as the
    /// index's digits least significant first.
    pub(crate) fn reverse(&self, j: usize) -> usize {
        let (mut rest, mut index, mut weight) = (j, 0, self.n);
        for &radix in self.radices.iter().rev() {
            weight /= radix;
            index += (rest % radix) * weight;
            rest /= radix;
        }
        index
    }
}

/// `x·roots[e]`, skipping the multiplication by `ω⁰ = 1`.
fn twiddle<T: Coefficient>(x: T, roots: &[Fr], e: usize) -> T {
    if e == 0 {
        x
    } else {
        x * roots[e]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Projective;
    use ark_ec::PrimeGroup;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, MixedRadixEvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    /// `Σᵢ vᵢ·ωᵢₖ` for every `k`, the definition.
    fn naive_dft(values: &[Fr], omega: Fr) -> Vec<Fr> {
        (0..values.len())
            .map(|k| {
                let w = omega.pow([k as u64]);
                values
                    .iter()
                    .rev()
                    .fold(Fr::from(0u64), |acc, v| acc * w + v)
            })
            .collect()
    }

    /// Checks the three passes of an `n`-point `Ntt` against `expected`, the
    /// forward transform of `values`.
    fn check(n: usize, values: &[Fr], expected: &[Fr]) {
        let ntt = Ntt::new(n).unwrap();
        // `reverse` is a permutation.
        let mut seen = vec![false; n];
        for j in 0..n {
            assert!(
                !std::mem::replace(&mut seen[ntt.reverse(j)], true),
                "n = {n}"
            );
        }
        // Forward: DIF gives the evaluations in digit-reversed order.
        let mut dif = values.to_vec();
        ntt.dif(&mut dif, false);
        for (j, v) in dif.iter().enumerate() {
            assert_eq!(*v, expected[ntt.reverse(j)], "n = {n}, j = {j}");
        }
        // DIT of the digit-reversed input gives the same evaluations in order.
        let mut dit: Vec<Fr> = (0..n).map(|j| values[ntt.reverse(j)]).collect();
        ntt.dit(&mut dit, false);
        assert_eq!(dit, expected, "n = {n}");
        // Inverse: n·coefficients, digit-reversed; and the forward DIT undoes it.
        let mut inv = expected.to_vec();
        ntt.dif(&mut inv, true);
        let scale = Fr::from(n as u64);
        for (j, v) in inv.iter().enumerate() {
            assert_eq!(*v, values[ntt.reverse(j)] * scale, "n = {n}, j = {j}");
        }
        let mut back = inv.clone();
        ntt.dit(&mut back, false);
        assert!(
            back.iter().zip(expected).all(|(b, e)| *b == *e * scale),
            "n = {n}"
        );
        // The inverse DIT: the inverse transform from digit-reversed input.
        let mut dit_inverse: Vec<Fr> = (0..n).map(|j| expected[ntt.reverse(j)]).collect();
        ntt.dit(&mut dit_inverse, true);
        assert!(
            dit_inverse
                .iter()
                .zip(values)
                .all(|(d, v)| *d == *v * scale),
            "n = {n}"
        );
    }

    #[test]
    fn agrees_with_the_definition_for_every_radix_mix() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for n in [1, 2, 3, 4, 6, 8, 9, 12, 18, 36, 72, 144, 288] {
            let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let omega = Fr::get_root_of_unity(n as u64).unwrap();
            check(n, &values, &naive_dft(&values, omega));
        }
    }

    #[test]
    fn agrees_with_ark_poly_at_the_circuit_sizes() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let values: Vec<Fr> = (0..8192).map(|_| Fr::rand(&mut rng)).collect();
        let radix2 = Radix2EvaluationDomain::<Fr>::new(8192).unwrap();
        check(8192, &values, &radix2.fft(&values));
        let mixed = MixedRadixEvaluationDomain::<Fr>::new(4608).unwrap();
        assert_eq!(mixed.size(), 4608);
        check(4608, &values[..4608], &mixed.fft(&values[..4608]));
    }

    #[test]
    fn transforms_curve_points_as_their_discrete_logarithms() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let ntt = Ntt::new(36).unwrap();
        let logs: Vec<Fr> = (0..36).map(|_| Fr::rand(&mut rng)).collect();
        let mut points: Vec<G1Projective> =
            logs.iter().map(|l| G1Projective::generator() * l).collect();
        let mut expected = logs.clone();
        ntt.dif(&mut expected, true);
        ntt.dif_parallel(&mut points, true);
        for (p, l) in points.iter().zip(&expected) {
            assert_eq!(*p, G1Projective::generator() * l);
        }
    }

    #[test]
    fn other_sizes_are_refused() {
        for n in [0, 5, 27, 10, 7 * 64, 1 << 29] {
            assert!(Ntt::new(n).is_none(), "n = {n}");
        }
    }
}
