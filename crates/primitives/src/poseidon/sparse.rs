//! circomlib's permutation with its partial rounds in sparse form (the Poseidon
//! paper's appendix B; circomlibjs's `poseidon_opt` does the same): the same
//! output and the same S-box inputs, with `2t − 1` multiplications per partial
//! round instead of `t²`.
//!
//! A round is `x ← M·S(x + c)`; in a partial round `S` touches lane 0 only.
//! Write `M = [[m, rᵀ], [k, M̂]]` (`m` a scalar, `M̂` the lower-right block).
//!
//! 1. Constants. In a partial round the constants of lanes `1..t` commute with
//!    `S`, so they are carried through `M` into the next round: each partial
//!    round adds one scalar to lane 0, and the first full round after them adds
//!    what is left over.
//! 2. Matrices. `M = M''·M'` with `M' = diag(1, M̂)` and the sparse
//!    `M'' = [[m, rᵀM̂⁻¹], [k, I]]`. `M'` acts only on lanes `1..t`, so it
//!    commutes with lane 0's S-box and constant and moves into the previous
//!    round's matrix, which is factored the same way. Walking back from the last
//!    partial round, round `i` of `n` uses `[[m, rᵀM̂^−(n−i)], [M̂^(n−1−i)·k, I]]`,
//!    and the last full round before them `diag(1, M̂ⁿ)·M`.
//!
//! Lane 0 is never transformed, so every S-box sees the value it sees in
//! [`super::permute_reference`] (tests compare outputs and S-box inputs).

use ark_bn254::Fr;
use ark_ff::{Field, Zero};
use light_poseidon::PoseidonParameters;

/// The permutation's constants in sparse form, for one width `t`.
pub(super) struct SparseConstants {
    width: usize,
    full_rounds: usize,
    partial_rounds: usize,
    /// `t` constants per full round, in order; the first of the second half
    /// includes the carry out of the partial rounds.
    full_ark: Vec<Fr>,
    /// One constant (lane 0) per partial round.
    partial_ark: Vec<Fr>,
    /// `M`, row-major.
    mds: Vec<Fr>,
    /// `diag(1, M̂ⁿ)·M`, row-major: the last full round before the partial ones.
    pre_partial: Vec<Fr>,
    /// Per partial round, lane 0's new value `Σⱼ rowⱼ·xⱼ` (`t` entries).
    rows: Vec<Fr>,
    /// Per partial round, `xₗ += colₗ·x₀` for lanes `1..t` (`t − 1` entries).
    cols: Vec<Fr>,
}

impl SparseConstants {
    /// Derives the sparse form of `p` (circomlib's constants for one width).
    pub(super) fn new(p: &PoseidonParameters<Fr>) -> Self {
        let (t, n, half) = (p.width, p.partial_rounds, p.full_rounds / 2);
        let mds: Vec<Fr> = p.mds.iter().flatten().copied().collect();
        let at = |i: usize, j: usize| mds[i * t + j];
        let hat = Square::from_fn(t - 1, |i, j| at(i + 1, j + 1));
        let hat_inverse = hat
            .inverse()
            .expect("the MDS matrix's lower-right block is invertible (a Cauchy matrix)");

        // 1. Constants carried forward through the partial rounds.
        let mut carry = vec![Fr::zero(); t];
        let mut partial_ark = Vec::with_capacity(n);
        for round in half..half + n {
            let c: Vec<Fr> = (0..t).map(|i| p.ark[round * t + i] + carry[i]).collect();
            partial_ark.push(c[0]);
            carry = (0..t)
                .map(|i| (1..t).map(|j| at(i, j) * c[j]).sum())
                .collect();
        }
        let mut full_ark = p.ark[..half * t].to_vec();
        full_ark.extend((0..t).map(|i| p.ark[(half + n) * t + i] + carry[i]));
        full_ark.extend_from_slice(&p.ark[(half + n + 1) * t..]);

        // 2. Sparse matrices, from the last partial round back.
        let mut rows = vec![Fr::zero(); n * t];
        let mut cols = vec![Fr::zero(); n * (t - 1)];
        let mut row: Vec<Fr> = (1..t).map(|j| at(0, j)).collect(); // rᵀ·M̂^−(n−i), after the step
        let mut col: Vec<Fr> = (1..t).map(|i| at(i, 0)).collect(); // M̂^(n−1−i)·k
        for i in (0..n).rev() {
            row = hat_inverse.left_mul(&row);
            rows[i * t] = at(0, 0);
            rows[i * t + 1..(i + 1) * t].copy_from_slice(&row);
            cols[i * (t - 1)..(i + 1) * (t - 1)].copy_from_slice(&col);
            col = hat.mul_vec(&col);
        }
        let mut power = Square::identity(t - 1); // M̂ⁿ
        for _ in 0..n {
            power = power.mul(&hat);
        }
        let mut pre_partial = mds.clone();
        for i in 1..t {
            for j in 0..t {
                pre_partial[i * t + j] = (1..t).map(|l| power.at(i - 1, l - 1) * at(l, j)).sum();
            }
        }
        SparseConstants {
            width: t,
            full_rounds: p.full_rounds,
            partial_rounds: n,
            full_ark,
            partial_ark,
            mds,
            pre_partial,
            rows,
            cols,
        }
    }

    /// The permutation of `[0, inputs…]`, calling `sbox(round, lane, [x², x⁴, x⁵])`
    /// for every S-box in order; returns lane 0.
    pub(super) fn permute<E>(
        &self,
        inputs: &[Fr],
        sbox: &mut impl FnMut(usize, usize, [Fr; 3]) -> Result<(), E>,
    ) -> Result<Fr, E> {
        let t = self.width;
        debug_assert_eq!(inputs.len() + 1, t);
        let half = self.full_rounds / 2;
        let mut state = [Fr::zero(); MAX_WIDTH];
        state[1..t].copy_from_slice(inputs);
        let state = &mut state[..t];
        for k in 0..half {
            let matrix = if k + 1 == half {
                &self.pre_partial
            } else {
                &self.mds
            };
            self.full_round(k, k, matrix, state, sbox)?;
        }
        for i in 0..self.partial_rounds {
            let x0 = power5(state[0] + self.partial_ark[i], |p| sbox(half + i, 0, p))?;
            state[0] = x0;
            let lane0 = dot(&self.rows[i * t..(i + 1) * t], state);
            for (x, c) in state[1..].iter_mut().zip(&self.cols[i * (t - 1)..]) {
                *x += *c * x0;
            }
            state[0] = lane0;
        }
        for k in half..self.full_rounds {
            self.full_round(self.partial_rounds + k, k, &self.mds, state, sbox)?;
        }
        Ok(state[0])
    }

    /// Full round `round` (the `k`-th full one): constants, every lane's S-box, `matrix`.
    fn full_round<E>(
        &self,
        round: usize,
        k: usize,
        matrix: &[Fr],
        state: &mut [Fr],
        sbox: &mut impl FnMut(usize, usize, [Fr; 3]) -> Result<(), E>,
    ) -> Result<(), E> {
        let t = self.width;
        for (lane, x) in state.iter_mut().enumerate() {
            *x = power5(*x + self.full_ark[k * t + lane], |p| sbox(round, lane, p))?;
        }
        let mut next = [Fr::zero(); MAX_WIDTH];
        for (out, row) in next.iter_mut().zip(matrix.chunks_exact(t)) {
            *out = dot(row, state);
        }
        state.copy_from_slice(&next[..t]);
        Ok(())
    }
}

/// `Σᵢ aᵢ·bᵢ`.
#[inline]
fn dot(a: &[Fr], b: &[Fr]) -> Fr {
    a.iter().zip(b).map(|(x, y)| *x * y).sum()
}

/// Widest state: 12 inputs and the capacity lane.
const MAX_WIDTH: usize = super::MAX_INPUTS + 1;

/// `x⁵`, reporting `[x², x⁴, x⁵]` to `observe` first.
#[inline]
fn power5<E>(x: Fr, observe: impl FnOnce([Fr; 3]) -> Result<(), E>) -> Result<Fr, E> {
    let x2 = x.square();
    let x4 = x2.square();
    let x5 = x4 * x;
    observe([x2, x4, x5])?;
    Ok(x5)
}

/// A small square matrix over `Fr`, row-major.
#[derive(Clone)]
struct Square {
    n: usize,
    m: Vec<Fr>,
}

impl Square {
    fn from_fn(n: usize, mut f: impl FnMut(usize, usize) -> Fr) -> Self {
        Square {
            n,
            m: (0..n * n).map(|k| f(k / n, k % n)).collect(),
        }
    }

    fn identity(n: usize) -> Self {
        Self::from_fn(n, |i, j| Fr::from(u64::from(i == j)))
    }

    fn at(&self, i: usize, j: usize) -> Fr {
        self.m[i * self.n + j]
    }

    fn mul(&self, other: &Square) -> Square {
        Self::from_fn(self.n, |i, j| {
            (0..self.n).map(|l| self.at(i, l) * other.at(l, j)).sum()
        })
    }

    /// `A·v`.
    fn mul_vec(&self, v: &[Fr]) -> Vec<Fr> {
        (0..self.n)
            .map(|i| (0..self.n).map(|j| self.at(i, j) * v[j]).sum())
            .collect()
    }

    /// `vᵀ·A`.
    fn left_mul(&self, v: &[Fr]) -> Vec<Fr> {
        (0..self.n)
            .map(|j| (0..self.n).map(|i| v[i] * self.at(i, j)).sum())
            .collect()
    }

    /// Gauss–Jordan elimination; `None` if singular.
    fn inverse(&self) -> Option<Square> {
        let n = self.n;
        let mut a = self.clone();
        let mut inv = Square::identity(n);
        for col in 0..n {
            let pivot = (col..n).find(|&r| !a.at(r, col).is_zero())?;
            for k in 0..n {
                a.m.swap(col * n + k, pivot * n + k);
                inv.m.swap(col * n + k, pivot * n + k);
            }
            let scale = a.at(col, col).inverse()?;
            for k in 0..n {
                a.m[col * n + k] *= scale;
                inv.m[col * n + k] *= scale;
            }
            for r in (0..n).filter(|&r| r != col) {
                let factor = a.at(r, col);
                if factor.is_zero() {
                    continue;
                }
                for k in 0..n {
                    let (ak, ik) = (a.at(col, k), inv.at(col, k));
                    a.m[r * n + k] -= factor * ak;
                    inv.m[r * n + k] -= factor * ik;
                }
            }
        }
        Some(inv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn inverse_of_a_small_matrix() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in 1..6 {
            let a = Square::from_fn(n, |_, _| Fr::rand(&mut rng));
            let product = a.mul(&a.inverse().expect("random matrices are invertible"));
            assert!(product.m == Square::identity(n).m, "n = {n}");
        }
        let singular = Square::from_fn(2, |i, _| Fr::from(i as u64 + 1));
        assert!(singular.inverse().is_none());
    }
}
