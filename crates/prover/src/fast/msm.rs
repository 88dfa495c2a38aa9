//! Multi-scalar multiplication over the proving key's fixed points.
//!
//! The bases never change, so each is stored with its window shifts:
//! `T[k][j] = 2^(c·j)·Bₖ` for `j < w`, `c·w ≥ 255`. A scalar written in signed
//! base-`2^c` digits, `s = Σⱼ dⱼ·2^(c·j)` with `|dⱼ| ≤ 2^(c−1)`, then gives
//!
//! ```text
//! Σₖ sₖ·Bₖ = Σₖ Σⱼ dₖⱼ·T[k][j] = Σ_{m=1}^{2^(c−1)} m · (Σ_{dₖⱼ = ±m} ±T[k][j])
//! ```
//!
//! one bucket pass for all windows (Pippenger without the per-window bucket sums
//! and doublings). Zero scalars cost nothing, a scalar 1 one addition, a 64-bit
//! scalar at most `⌈65/c⌉` additions. Points are added to buckets in affine
//! coordinates, many at a time with one shared inversion (Montgomery's trick):
//! about 6 field multiplications per addition instead of 11 for mixed Jacobian.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// Additions collected before one shared inversion.
const BATCH: usize = 512;

/// Precomputed window shifts of fixed bases, and the MSM over them.
pub(crate) struct FixedBaseMsm<P: SWCurveConfig> {
    /// Window width `c` in bits.
    c: usize,
    /// Windows per scalar `w`.
    windows: usize,
    /// Position in the scalar vector of each kept base (identity bases are dropped).
    positions: Vec<u32>,
    /// `table[k·w + j] = 2^(c·j)·B_positions[k]`.
    table: Vec<Affine<P>>,
}

/// Where an addition goes: bucket `|d| − 1`, the table entry, and its sign.
#[derive(Clone, Copy)]
struct Entry {
    bucket: u32,
    /// Table index; the top bit set means the point is negated.
    point: u32,
}

const NEGATE: u32 = 1 << 31;

impl<P: SWCurveConfig<ScalarField = Fr>> FixedBaseMsm<P> {
    /// Builds the window tables for `bases` with `c`-bit windows (2 ≤ c ≤ 20).
    pub(crate) fn new(bases: &[Affine<P>], c: usize) -> Self {
        assert!((2..=20).contains(&c), "window width out of range");
        let bits = Fr::MODULUS_BIT_SIZE as usize;
        // c·w ≥ bits + 1, so the last signed digit never carries out.
        let windows = (bits + c) / c;
        let positions: Vec<u32> = bases
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_zero())
            .map(|(i, _)| u32::try_from(i).expect("fewer than 2^31 bases"))
            .collect();
        assert!(
            positions.len() * windows < NEGATE as usize,
            "table too large"
        );
        let table = positions
            .par_chunks(64)
            .flat_map_iter(|chunk| {
                let mut shifted = Vec::with_capacity(chunk.len() * windows);
                for &i in chunk {
                    let mut p: Projective<P> = bases[i as usize].into();
                    for _ in 0..windows {
                        shifted.push(p);
                        for _ in 0..c {
                            p.double_in_place();
                        }
                    }
                }
                Projective::normalize_batch(&shifted)
            })
            .collect();
        FixedBaseMsm {
            c,
            windows,
            positions,
            table,
        }
    }

    /// Number of precomputed points.
    pub(crate) fn table_len(&self) -> usize {
        self.table.len()
    }

    /// `Σᵢ scalars[i]·Bᵢ` (`scalars` indexed like the bases given to [`Self::new`];
    /// missing trailing scalars count as zero).
    pub(crate) fn msm(&self, scalars: &[Fr]) -> Projective<P> {
        let half = 1u64 << (self.c - 1);
        let full = 1u64 << self.c;
        let mut ones = Projective::<P>::zero();
        let mut entries = Vec::with_capacity(self.positions.len() * 4);
        for (k, &position) in self.positions.iter().enumerate() {
            let Some(scalar) = scalars.get(position as usize) else {
                break;
            };
            if scalar.is_zero() {
                continue;
            }
            let row = k * self.windows;
            if scalar.is_one() {
                ones += &self.table[row];
                continue;
            }
            let limbs = scalar.into_bigint();
            let mut carry = 0u64;
            for j in 0..self.windows {
                let d = window_bits(limbs.as_ref(), j * self.c, self.c) + carry;
                let (magnitude, negative) = if d > half {
                    carry = 1;
                    (full - d, true)
                } else {
                    carry = 0;
                    (d, false)
                };
                if magnitude != 0 {
                    entries.push(Entry {
                        bucket: (magnitude - 1) as u32,
                        point: (row + j) as u32 | if negative { NEGATE } else { 0 },
                    });
                }
            }
            debug_assert_eq!(carry, 0, "c·w ≥ 255 leaves no final carry");
        }
        let buckets = self.accumulate(&entries, half as usize);
        weighted_sum(buckets) + ones
    }

    fn point(&self, entry: Entry) -> Affine<P> {
        let p = self.table[(entry.point & !NEGATE) as usize];
        if entry.point & NEGATE != 0 {
            -p
        } else {
            p
        }
    }

    /// Adds every entry's point into its bucket, in affine coordinates, `BATCH`
    /// additions (at most) per inversion. Two additions to one bucket never share
    /// a batch: the later one waits for the next.
    fn accumulate(&self, entries: &[Entry], num_buckets: usize) -> Vec<Affine<P>> {
        let mut buckets = vec![Affine::<P>::identity(); num_buckets];
        let mut busy = vec![false; num_buckets];
        let mut batch: Vec<(u32, Affine<P>)> = Vec::with_capacity(BATCH);
        let mut deferred: Vec<(u32, Affine<P>)> = Vec::new();
        let mut retry: Vec<(u32, Affine<P>)> = Vec::new();
        let mut scratch = Vec::with_capacity(BATCH);
        // A batch far smaller than the bucket count keeps collisions (and so
        // deferrals) rare; flushing when deferrals pile up bounds the re-queueing.
        let capacity = BATCH.min(num_buckets / 4).max(1);
        let mut next = entries.iter();
        loop {
            let (bucket, p) = if let Some(item) = retry.pop() {
                item
            } else if let Some(&entry) = next.next() {
                (entry.bucket, self.point(entry))
            } else if !batch.is_empty() || !deferred.is_empty() {
                add_batch(&mut buckets, &mut busy, &mut batch, &mut scratch);
                std::mem::swap(&mut retry, &mut deferred);
                continue;
            } else {
                break;
            };
            let b = bucket as usize;
            if busy[b] {
                deferred.push((bucket, p));
            } else if buckets[b].is_zero() {
                buckets[b] = p;
            } else {
                busy[b] = true;
                batch.push((bucket, p));
                if batch.len() == capacity || deferred.len() >= capacity {
                    add_batch(&mut buckets, &mut busy, &mut batch, &mut scratch);
                    retry.append(&mut deferred);
                }
            }
        }
        buckets
    }
}

/// `Σ_b (b + 1)·buckets[b]`. With `b = q·K + r` (`K` a power of two near
/// `√len`), row sums `R_q = Σ_r B_{qK+r}` and column sums `C_r = Σ_q B_{qK+r}`:
///
/// ```text
/// Σ_b (b + 1)·B_b = K·Σ_q q·R_q + Σ_r r·C_r + Σ_q R_q
/// ```
///
/// The `2·len` additions of the row and column sums are independent, so they run
/// in affine coordinates with batched inversions ([`group_sums`]); only the two
/// short weighted sums (running sums over `len/K` and `K` points) and `log K`
/// doublings are projective. The plain running sum over all buckets costs
/// `2·len` projective additions, about twice as much.
fn weighted_sum<P: SWCurveConfig>(buckets: Vec<Affine<P>>) -> Projective<P> {
    let len = buckets.len();
    let k = 1usize << (len.trailing_zeros() / 2);
    if len < 16 || !len.is_power_of_two() {
        let mut running = Projective::<P>::zero();
        let mut total = Projective::<P>::zero();
        for bucket in buckets.iter().rev() {
            running += bucket;
            total += &running;
        }
        return total;
    }
    let mut columns = vec![Affine::<P>::identity(); len];
    for (b, p) in buckets.iter().enumerate() {
        columns[(b % k) * (len / k) + b / k] = *p;
    }
    let rows = group_sums(buckets, k);
    let columns = group_sums(columns, len / k);
    let running_weighted = |sums: &[Affine<P>]| {
        let mut running = Projective::<P>::zero();
        let mut total = Projective::<P>::zero();
        for s in sums.iter().skip(1).rev() {
            running += s;
            total += &running;
        }
        total
    };
    let mut total = running_weighted(&rows);
    for _ in 0..k.trailing_zeros() {
        total.double_in_place();
    }
    total += running_weighted(&columns);
    for r in &rows {
        total += r;
    }
    total
}

/// The sum of every consecutive group of `size` points (a power of two), as a
/// pairwise tree: each level's additions are independent and share one
/// inversion ([`add_batch`]).
fn group_sums<P: SWCurveConfig>(mut points: Vec<Affine<P>>, size: usize) -> Vec<Affine<P>> {
    debug_assert!(size.is_power_of_two() && points.len() % size == 0);
    let mut busy = vec![false; points.len()];
    let mut batch = Vec::with_capacity(points.len() / 2);
    let mut scratch = Vec::with_capacity(points.len() / 2);
    let mut width = size;
    while width > 1 {
        let half = width / 2;
        for group in (0..points.len()).step_by(size) {
            for i in group..group + half {
                let p = points[i + half];
                if p.is_zero() {
                    continue;
                }
                if points[i].is_zero() {
                    points[i] = p;
                } else {
                    busy[i] = true;
                    batch.push((i as u32, p));
                }
            }
        }
        add_batch(&mut points, &mut busy, &mut batch, &mut scratch);
        width = half;
    }
    points.into_iter().step_by(size).collect()
}

/// `c` bits of the little-endian limbs starting at bit `start` (zero past the end).
fn window_bits(limbs: &[u64], start: usize, c: usize) -> u64 {
    let (limb, shift) = (start / 64, start % 64);
    let Some(&low) = limbs.get(limb) else {
        return 0;
    };
    let mut v = low >> shift;
    if shift + c > 64 {
        if let Some(&high) = limbs.get(limb + 1) {
            v |= high << (64 - shift);
        }
    }
    v & ((1 << c) - 1)
}

/// `buckets[b] += p` for every `(b, p)` in `batch` (distinct buckets, none the
/// identity), with one inversion for all slopes:
///
/// ```text
/// λ = (y₂ − y₁)/(x₂ − x₁)  (or (3x₁² + a)/(2y₁) when the points are equal)
/// x₃ = λ² − x₁ − x₂,  y₃ = λ·(x₁ − x₃) − y₁
/// ```
///
/// A point added to its negation leaves the identity.
fn add_batch<P: SWCurveConfig>(
    buckets: &mut [Affine<P>],
    busy: &mut [bool],
    batch: &mut Vec<(u32, Affine<P>)>,
    scratch: &mut Vec<P::BaseField>,
) {
    // scratch[i] = product of the denominators before i (Montgomery's trick).
    scratch.clear();
    let mut product = P::BaseField::one();
    for &(b, p) in batch.iter() {
        let q = buckets[b as usize];
        let den = if q.x != p.x {
            p.x - q.x
        } else if q.y == p.y && !q.y.is_zero() {
            q.y.double()
        } else {
            P::BaseField::one() // p = −q (or 2-torsion): the sum is the identity
        };
        scratch.push(product);
        product *= den;
    }
    let mut inverse = product
        .inverse()
        .expect("a product of nonzero denominators");
    for (i, &(b, p)) in batch.iter().enumerate().rev() {
        let bucket = &mut buckets[b as usize];
        let q = *bucket;
        let den_inverse = inverse * scratch[i];
        let sum = if q.x != p.x {
            inverse *= p.x - q.x;
            let lambda = (p.y - q.y) * den_inverse;
            affine_from_slope(lambda, &q, &p)
        } else if q.y == p.y && !q.y.is_zero() {
            inverse *= q.y.double();
            let x2 = q.x.square();
            let lambda = (x2.double() + x2 + P::COEFF_A) * den_inverse;
            affine_from_slope(lambda, &q, &p)
        } else {
            Affine::identity()
        };
        *bucket = sum;
        busy[b as usize] = false;
    }
    batch.clear();
}

fn affine_from_slope<P: SWCurveConfig>(
    lambda: P::BaseField,
    q: &Affine<P>,
    p: &Affine<P>,
) -> Affine<P> {
    let x = lambda.square() - q.x - p.x;
    let y = lambda * (q.x - x) - q.y;
    Affine::new_unchecked(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// Scalars of every kind the prover meets: 0, 1, small, 64-bit, p − 1, random.
    fn scalars(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 7 {
                0 => Fr::zero(),
                1 => Fr::one(),
                2 => Fr::from(rng.gen_range(2u64..1000)),
                3 => Fr::from(rng.gen::<u64>()),
                4 => -Fr::one(),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    fn check<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[Fr], c: usize)
    where
        Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr>,
    {
        let msm = FixedBaseMsm::new(bases, c);
        let expected = Projective::<P>::msm(bases, scalars).unwrap();
        assert_eq!(msm.msm(scalars), expected, "c = {c}");
    }

    #[test]
    fn agrees_with_arkworks_on_g1_and_g2() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let g1: Vec<G1Affine> = (0..700).map(|_| G1Affine::rand(&mut rng)).collect();
        let s = scalars(&mut rng, g1.len());
        for c in [2, 5, 8, 11, 13] {
            check(&g1, &s, c);
        }
        let g2: Vec<G2Affine> = (0..150).map(|_| G2Affine::rand(&mut rng)).collect();
        check(&g2, &scalars(&mut rng, g2.len()), 9);
    }

    #[test]
    fn exceptional_bucket_additions() {
        // Equal bases with equal scalars meet in one bucket (doubling); a base and its
        // negation cancel (identity); identity bases are skipped.
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let p = G1Affine::rand(&mut rng);
        let q = G1Affine::rand(&mut rng);
        let mut bases = vec![p, p, -p, q, G1Affine::identity(), q, p];
        bases.extend((0..50).map(|_| p));
        let mut s = vec![Fr::from(5u64); bases.len()];
        s[3] = Fr::from(77u64);
        s[4] = Fr::from(3u64);
        check(&bases, &s, 4);
        check(&bases, &vec![Fr::from(9u64); bases.len()], 6);
        assert_eq!(
            FixedBaseMsm::new(&[p, -p], 8).msm(&[Fr::from(3u64), Fr::from(3u64)]),
            G1Projective::zero()
        );
        assert_eq!(
            FixedBaseMsm::new(&bases, 8).msm(&[]),
            G1Projective::zero(),
            "no scalars"
        );
        let g2 = G2Affine::rand(&mut rng);
        assert_eq!(
            FixedBaseMsm::new(&[g2, g2], 5).msm(&[Fr::from(6u64), Fr::from(6u64)]),
            G2Projective::from(g2) * Fr::from(12u64)
        );
    }

    /// The row/column reduction against the plain running sum, with empty,
    /// equal and opposite buckets (doublings and cancellations inside its trees).
    #[test]
    fn weighted_sum_matches_running_sum() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let p = G1Affine::rand(&mut rng);
        let q = G1Affine::rand(&mut rng);
        for len in [16usize, 32, 64, 4096] {
            let mut buckets: Vec<G1Affine> = (0..len)
                .map(|b| match b % 5 {
                    0 => G1Affine::identity(),
                    1 | 3 => p,
                    2 => -p,
                    _ => G1Affine::rand(&mut rng),
                })
                .collect();
            buckets[len - 1] = q;
            let expected: G1Projective = buckets
                .iter()
                .enumerate()
                .map(|(b, point)| *point * Fr::from(b as u64 + 1))
                .sum();
            assert_eq!(weighted_sum(buckets), expected, "len = {len}");
        }
        let all_equal = vec![p; 64];
        assert_eq!(
            weighted_sum(all_equal),
            G1Projective::from(p) * Fr::from(64u64 * 65 / 2)
        );
    }

    #[test]
    fn window_bits_cross_limbs() {
        let limbs = [u64::MAX, 0b101, 0, 1 << 63];
        assert_eq!(window_bits(&limbs, 60, 8), 0b0101_1111);
        assert_eq!(window_bits(&limbs, 255, 4), 1);
        assert_eq!(window_bits(&limbs, 256, 4), 0);
    }
}
