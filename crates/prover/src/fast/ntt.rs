//! Radix-2 number-theoretic transforms over the proving domain `D = ⟨ω⟩`,
//! `|D| = n = 2^k`, with the twiddles computed once.
//!
//! Pairing a decimation-in-frequency pass (natural order in, bit-reversed out)
//! with a decimation-in-time pass (bit-reversed in, natural out) needs no
//! bit-reversal permutation, and the per-element scalings (`1/n`, the coset
//! shift `gⁱ`, `1/Z(g)`) fold into one precomputed table in bit-reversed order.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One};

pub(crate) struct Ntt {
    log_n: u32,
    /// `ωⁱ` for `i < n/2`.
    roots: Vec<Fr>,
    /// `ω⁻ⁱ` for `i < n/2`.
    inverse_roots: Vec<Fr>,
}

impl Ntt {
    /// The transforms for `n = 2^log_n` (`log_n ≤ 28`, BN254's two-adicity).
    pub(crate) fn new(log_n: u32) -> Option<Self> {
        let n = 1u64 << log_n;
        let omega = Fr::get_root_of_unity(n)?;
        let powers = |w: Fr| {
            std::iter::successors(Some(Fr::one()), move |p| Some(*p * w))
                .take((n / 2) as usize)
                .collect()
        };
        Some(Ntt {
            log_n,
            roots: powers(omega),
            inverse_roots: powers(omega.inverse()?),
        })
    }

    pub(crate) fn size(&self) -> usize {
        1 << self.log_n
    }

    /// `a[rev(k)] ← Σᵢ aᵢ·ω^(±ik)` (sign `−` when `inverse`): natural order in,
    /// bit-reversed order out, unscaled (Gentleman–Sande butterflies).
    pub(crate) fn dif(&self, a: &mut [Fr], inverse: bool) {
        let n = self.size();
        assert_eq!(a.len(), n, "one value per domain point");
        let roots = if inverse {
            &self.inverse_roots
        } else {
            &self.roots
        };
        let mut half = n / 2;
        while half >= 1 {
            let stride = n / (2 * half);
            for block in a.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for (j, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    let (x, y) = (*u, *v);
                    *u = x + y;
                    *v = if j == 0 {
                        x - y
                    } else {
                        (x - y) * roots[j * stride]
                    };
                }
            }
            half /= 2;
        }
    }

    /// `a[k] ← Σᵢ a[rev(i)]·ω^(ik)`: bit-reversed order in, natural order out
    /// (Cooley–Tukey butterflies).
    pub(crate) fn dit(&self, a: &mut [Fr]) {
        let n = self.size();
        assert_eq!(a.len(), n, "one value per domain point");
        let mut half = 1;
        while half < n {
            let stride = n / (2 * half);
            for block in a.chunks_exact_mut(2 * half) {
                let (lo, hi) = block.split_at_mut(half);
                for (j, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    let x = *u;
                    let y = if j == 0 {
                        *v
                    } else {
                        *v * self.roots[j * stride]
                    };
                    *u = x + y;
                    *v = x - y;
                }
            }
            half *= 2;
        }
    }

    /// `table[j] = c·s^rev(j)` for `j < n`: a scaling of the coefficient `rev(j)`,
    /// which a [`Self::dif`] pass leaves at position `j`.
    pub(crate) fn bit_reversed_powers(&self, s: Fr, c: Fr) -> Vec<Fr> {
        let natural: Vec<Fr> = std::iter::successors(Some(c), |p| Some(*p * s))
            .take(self.size())
            .collect();
        (0..self.size()).map(|j| natural[self.reverse(j)]).collect()
    }

    /// `j` with its `log_n` bits reversed.
    pub(crate) fn reverse(&self, j: usize) -> usize {
        if self.log_n == 0 {
            return 0;
        }
        j.reverse_bits() >> (usize::BITS - self.log_n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use rand::SeedableRng;

    #[test]
    fn agrees_with_ark_poly() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        for log_n in [0u32, 1, 2, 5, 10] {
            let ntt = Ntt::new(log_n).unwrap();
            let domain = Radix2EvaluationDomain::<Fr>::new(1 << log_n).unwrap();
            let values: Vec<Fr> = (0..1 << log_n).map(|_| Fr::rand(&mut rng)).collect();

            // Forward: DIF gives the evaluations in bit-reversed order.
            let mut dif = values.clone();
            ntt.dif(&mut dif, false);
            let expected = domain.fft(&values);
            for (j, v) in dif.iter().enumerate() {
                assert_eq!(*v, expected[ntt.reverse(j)], "n = 2^{log_n}, j = {j}");
            }

            // DIT of the bit-reversed input gives the same evaluations in order.
            let mut dit: Vec<Fr> = (0..values.len()).map(|j| values[ntt.reverse(j)]).collect();
            ntt.dit(&mut dit);
            assert_eq!(dit, expected, "n = 2^{log_n}");

            // Inverse: n·coefficients, bit-reversed.
            let mut inv = expected.clone();
            ntt.dif(&mut inv, true);
            let n = Fr::from(1u64 << log_n);
            for (j, v) in inv.iter().enumerate() {
                assert_eq!(*v, values[ntt.reverse(j)] * n);
            }
        }
    }
}
