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
use std::marker::PhantomData;
use x402_zk_ifma::{BatchAdder, G1Point, G2Point, Ifma};

/// How points are stored and added into buckets: arkworks' affine points and field
/// arithmetic ([`Scalar`]), or, for G1 on CPUs with AVX-512 IFMA, eight additions
/// per vector operation ([`Vector`]).
pub(crate) trait Buckets: Send + Sync {
    type Curve: SWCurveConfig<ScalarField = Fr>;
    type Point: Copy + Send + Sync;
    /// Additions collected before one shared inversion (at most a quarter of the
    /// buckets): where additions are cheaper, the inversion weighs more.
    const BATCH: usize;
    /// Buffers kept across the batches of one MSM.
    type Adder;
    fn adder(&self) -> Self::Adder;
    fn from_affine(p: &Affine<Self::Curve>) -> Self::Point;
    fn to_affine(p: &Self::Point) -> Affine<Self::Curve>;
    fn identity() -> Self::Point;
    fn is_identity(p: &Self::Point) -> bool;
    fn neg(p: &Self::Point) -> Self::Point;
    /// `buckets[b] += p` for every `(b, p)` in `batch` (distinct buckets).
    fn add_batch(
        adder: &mut Self::Adder,
        buckets: &mut [Self::Point],
        batch: &[(u32, Self::Point)],
    );
}

/// arkworks' points and field arithmetic, one addition at a time.
pub(crate) struct Scalar<P>(PhantomData<P>);

impl<P> Default for Scalar<P> {
    fn default() -> Self {
        Scalar(PhantomData)
    }
}

impl<P: SWCurveConfig<ScalarField = Fr>> Buckets for Scalar<P> {
    type Curve = P;
    type Point = Affine<P>;
    const BATCH: usize = 512;
    type Adder = Vec<P::BaseField>;
    fn adder(&self) -> Self::Adder {
        Vec::with_capacity(Self::BATCH)
    }
    fn from_affine(p: &Affine<P>) -> Affine<P> {
        *p
    }
    fn to_affine(p: &Affine<P>) -> Affine<P> {
        *p
    }
    fn identity() -> Affine<P> {
        Affine::identity()
    }
    fn is_identity(p: &Affine<P>) -> bool {
        p.is_zero()
    }
    fn neg(p: &Affine<P>) -> Affine<P> {
        -*p
    }
    fn add_batch(
        scratch: &mut Vec<P::BaseField>,
        buckets: &mut [Affine<P>],
        batch: &[(u32, Affine<P>)],
    ) {
        add_batch(buckets, batch, scratch);
    }
}

/// Additions eight at a time on AVX-512 IFMA (`x402_zk_ifma`): `D = 1` for G1,
/// `D = 2` for G2.
pub(crate) struct Vector<const D: usize>(pub(crate) Ifma);

/// `Buckets` for `Vector<D>`: the same code for G1 and G2.
macro_rules! vector_buckets {
    ($d:literal, $curve:ty, $point:ty, $affine:ty) => {
        impl Buckets for Vector<$d> {
            type Curve = $curve;
            type Point = $point;
            const BATCH: usize = 1024;
            type Adder = BatchAdder<$d>;
            fn adder(&self) -> BatchAdder<$d> {
                BatchAdder::new(self.0)
            }
            fn from_affine(p: &$affine) -> $point {
                <$point>::from_affine(p)
            }
            fn to_affine(p: &$point) -> $affine {
                p.to_affine()
            }
            fn identity() -> $point {
                <$point>::IDENTITY
            }
            fn is_identity(p: &$point) -> bool {
                p.is_identity()
            }
            fn neg(p: &$point) -> $point {
                p.neg()
            }
            fn add_batch(
                adder: &mut BatchAdder<$d>,
                buckets: &mut [$point],
                batch: &[(u32, $point)],
            ) {
                adder.add(buckets, batch);
            }
        }
    };
}

vector_buckets!(1, ark_bn254::g1::Config, G1Point, ark_bn254::G1Affine);
vector_buckets!(2, ark_bn254::g2::Config, G2Point, ark_bn254::G2Affine);

/// A curve whose bucket additions also run on AVX-512 IFMA.
pub(crate) trait VectorCurve: SWCurveConfig<ScalarField = Fr> {
    type Vector: Buckets<Curve = Self>;
    fn vector(ifma: Ifma) -> Self::Vector;
}

impl VectorCurve for ark_bn254::g1::Config {
    type Vector = Vector<1>;
    fn vector(ifma: Ifma) -> Vector<1> {
        Vector(ifma)
    }
}

impl VectorCurve for ark_bn254::g2::Config {
    type Vector = Vector<2>;
    fn vector(ifma: Ifma) -> Vector<2> {
        Vector(ifma)
    }
}

/// Precomputed window shifts of fixed bases, and the MSM over them.
pub(crate) struct FixedBaseMsm<B: Buckets> {
    backend: B,
    /// Window width `c` in bits.
    c: usize,
    /// Windows per scalar `w`.
    windows: usize,
    /// Position in the scalar vector of each kept base (identity bases are dropped).
    positions: Vec<u32>,
    /// `table[k·w + j] = 2^(c·j)·B_positions[k]`.
    table: Vec<B::Point>,
}

/// Where an addition goes: bucket `|d| − 1`, the table entry, and its sign.
#[derive(Clone, Copy)]
struct Entry {
    bucket: u32,
    /// Table index; the top bit set means the point is negated.
    point: u32,
}

const NEGATE: u32 = 1 << 31;

impl<B: Buckets> FixedBaseMsm<B> {
    /// Builds the window tables for `bases` with `c`-bit windows (2 ≤ c ≤ 20).
    pub(crate) fn new(backend: B, bases: &[Affine<B::Curve>], c: usize) -> Self {
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
                    let mut p: Projective<B::Curve> = bases[i as usize].into();
                    for _ in 0..windows {
                        shifted.push(p);
                        for _ in 0..c {
                            p.double_in_place();
                        }
                    }
                }
                Projective::normalize_batch(&shifted)
                    .iter()
                    .map(B::from_affine)
                    .collect::<Vec<_>>()
            })
            .collect();
        FixedBaseMsm {
            backend,
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
    pub(crate) fn msm(&self, scalars: &[Fr]) -> Projective<B::Curve> {
        let half = 1u64 << (self.c - 1);
        let full = 1u64 << self.c;
        let mut ones = Vec::new();
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
                ones.push(self.table[row]);
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
        let mut adder = self.backend.adder();
        let buckets = self.accumulate(&mut adder, &entries, half as usize);
        weighted_sum::<B>(&mut adder, buckets) + sum::<B>(&mut adder, ones)
    }

    fn point(&self, entry: Entry) -> B::Point {
        let p = self.table[(entry.point & !NEGATE) as usize];
        if entry.point & NEGATE != 0 {
            B::neg(&p)
        } else {
            p
        }
    }

    /// Adds every entry's point into its bucket, in affine coordinates, `BATCH`
    /// additions (at most) per inversion. Two additions to one bucket never share
    /// a batch: the later one waits for the next.
    fn accumulate(
        &self,
        adder: &mut B::Adder,
        entries: &[Entry],
        num_buckets: usize,
    ) -> Vec<B::Point> {
        let mut buckets = vec![B::identity(); num_buckets];
        let mut busy = vec![false; num_buckets];
        let mut batch: Vec<(u32, B::Point)> = Vec::with_capacity(B::BATCH);
        let mut deferred: Vec<(u32, B::Point)> = Vec::new();
        let mut retry: Vec<(u32, B::Point)> = Vec::new();
        // A batch far smaller than the bucket count keeps collisions (and so
        // deferrals) rare; flushing when deferrals pile up bounds the re-queueing.
        let capacity = B::BATCH.min(num_buckets / 4).max(1);
        let mut flush =
            |buckets: &mut [B::Point], batch: &mut Vec<(u32, B::Point)>, busy: &mut [bool]| {
                B::add_batch(adder, buckets, batch);
                for (b, _) in batch.drain(..) {
                    busy[b as usize] = false;
                }
            };
        let mut next = entries.iter();
        loop {
            let (bucket, p) = if let Some(item) = retry.pop() {
                item
            } else if let Some(&entry) = next.next() {
                (entry.bucket, self.point(entry))
            } else if !batch.is_empty() || !deferred.is_empty() {
                flush(&mut buckets, &mut batch, &mut busy);
                std::mem::swap(&mut retry, &mut deferred);
                continue;
            } else {
                break;
            };
            let b = bucket as usize;
            if busy[b] {
                deferred.push((bucket, p));
            } else if B::is_identity(&buckets[b]) {
                buckets[b] = p;
            } else {
                busy[b] = true;
                batch.push((bucket, p));
                if batch.len() == capacity || deferred.len() >= capacity {
                    flush(&mut buckets, &mut batch, &mut busy);
                    retry.append(&mut deferred);
                }
            }
        }
        buckets
    }
}

/// An MSM over one query, on the backend the prover was prepared with.
pub(crate) enum QueryMsm<P: VectorCurve> {
    Scalar(FixedBaseMsm<Scalar<P>>),
    Vector(FixedBaseMsm<P::Vector>),
}

impl<P: VectorCurve> QueryMsm<P> {
    /// [`FixedBaseMsm::new`] on IFMA's backend if given, arkworks' otherwise.
    pub(crate) fn new(ifma: Option<Ifma>, bases: &[Affine<P>], c: usize) -> Self {
        match ifma {
            Some(ifma) => QueryMsm::Vector(FixedBaseMsm::new(P::vector(ifma), bases, c)),
            None => QueryMsm::Scalar(FixedBaseMsm::new(Scalar::default(), bases, c)),
        }
    }

    pub(crate) fn msm(&self, scalars: &[Fr]) -> Projective<P> {
        match self {
            QueryMsm::Scalar(m) => m.msm(scalars),
            QueryMsm::Vector(m) => m.msm(scalars),
        }
    }

    pub(crate) fn table_len(&self) -> usize {
        match self {
            QueryMsm::Scalar(m) => m.table_len(),
            QueryMsm::Vector(m) => m.table_len(),
        }
    }

    pub(crate) fn uses_ifma(&self) -> bool {
        matches!(self, QueryMsm::Vector(_))
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
fn weighted_sum<B: Buckets>(adder: &mut B::Adder, buckets: Vec<B::Point>) -> Projective<B::Curve> {
    let len = buckets.len();
    let k = 1usize << (len.trailing_zeros() / 2);
    if len < 16 || !len.is_power_of_two() {
        let mut running = Projective::<B::Curve>::zero();
        let mut total = Projective::<B::Curve>::zero();
        for bucket in buckets.iter().rev() {
            running += B::to_affine(bucket);
            total += &running;
        }
        return total;
    }
    // Rows, then columns, in one vector: when `len/K = K` their trees share batches.
    let mut sums = buckets.clone();
    sums.resize(2 * len, B::identity());
    for (b, p) in buckets.iter().enumerate() {
        sums[len + (b % k) * (len / k) + b / k] = *p;
    }
    let (rows, columns) = if len / k == k {
        let sums: Vec<_> = group_sums::<B>(adder, sums, k)
            .iter()
            .map(B::to_affine)
            .collect();
        let columns = sums[len / k..].to_vec();
        (sums[..len / k].to_vec(), columns)
    } else {
        let columns = sums.split_off(len);
        let rows = group_sums::<B>(adder, sums, k);
        let columns = group_sums::<B>(adder, columns, len / k);
        (
            rows.iter().map(B::to_affine).collect(),
            columns.iter().map(B::to_affine).collect(),
        )
    };
    let running_weighted = |sums: &[Affine<B::Curve>]| {
        let mut running = Projective::<B::Curve>::zero();
        let mut total = Projective::<B::Curve>::zero();
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

/// `Σ points`, as one pairwise tree ([`group_sums`]).
fn sum<B: Buckets>(adder: &mut B::Adder, mut points: Vec<B::Point>) -> Projective<B::Curve> {
    if points.is_empty() {
        return Projective::zero();
    }
    let size = points.len().next_power_of_two();
    points.resize(size, B::identity());
    B::to_affine(&group_sums::<B>(adder, points, size)[0]).into()
}

/// The sum of every consecutive group of `size` points (a power of two), as a
/// pairwise tree: each level's additions are independent and share one
/// inversion (`B::add_batch`).
fn group_sums<B: Buckets>(
    adder: &mut B::Adder,
    mut points: Vec<B::Point>,
    size: usize,
) -> Vec<B::Point> {
    debug_assert!(size.is_power_of_two() && points.len() % size == 0);
    let mut batch = Vec::with_capacity(points.len() / 2);
    let mut width = size;
    while width > 1 {
        let half = width / 2;
        for group in (0..points.len()).step_by(size) {
            for i in group..group + half {
                let p = points[i + half];
                if B::is_identity(&p) {
                    continue;
                }
                if B::is_identity(&points[i]) {
                    points[i] = p;
                } else {
                    batch.push((i as u32, p));
                }
            }
        }
        B::add_batch(adder, &mut points, &batch);
        batch.clear();
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
    batch: &[(u32, Affine<P>)],
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
    }
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

    fn check<B: Buckets>(backend: B, bases: &[Affine<B::Curve>], scalars: &[Fr], c: usize)
    where
        Projective<B::Curve>: VariableBaseMSM<MulBase = Affine<B::Curve>, ScalarField = Fr>,
    {
        let msm = FixedBaseMsm::new(backend, bases, c);
        let expected = Projective::<B::Curve>::msm(bases, scalars).unwrap();
        assert_eq!(msm.msm(scalars), expected, "c = {c}");
    }

    /// The G1 backends this CPU runs: always arkworks', and AVX-512 IFMA's where present.
    fn g1_backends(mut f: impl FnMut(&dyn Fn(&[G1Affine], &[Fr], usize))) {
        f(&|b, s, c| check(Scalar::default(), b, s, c));
        match Ifma::detect() {
            Some(ifma) => f(&|b, s, c| check(Vector::<1>(ifma), b, s, c)),
            None => eprintln!("no AVX-512 IFMA: vector backend not tested"),
        }
    }

    #[test]
    fn agrees_with_arkworks_on_g1_and_g2() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let g1: Vec<G1Affine> = (0..700).map(|_| G1Affine::rand(&mut rng)).collect();
        let s = scalars(&mut rng, g1.len());
        g1_backends(|check| {
            for c in [2, 5, 8, 11, 13] {
                check(&g1, &s, c);
            }
        });
        let g2: Vec<G2Affine> = (0..150).map(|_| G2Affine::rand(&mut rng)).collect();
        let s = scalars(&mut rng, g2.len());
        check(Scalar::default(), &g2, &s, 9);
        if let Some(ifma) = Ifma::detect() {
            check(Vector::<2>(ifma), &g2, &s, 9);
            check(
                Vector::<2>(ifma),
                &[g2[0], g2[0], -g2[0]],
                &[Fr::one(); 3],
                5,
            );
        }
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
        g1_backends(|check| {
            check(&bases, &s, 4);
            check(&bases, &vec![Fr::from(9u64); bases.len()], 6);
            check(&[p, -p], &[Fr::from(3u64), Fr::from(3u64)], 8);
            check(&bases, &vec![Fr::one(); bases.len()], 8);
            check(&[p, p, -p], &[Fr::one(); 3], 8);
        });
        assert_eq!(
            FixedBaseMsm::new(Scalar::default(), &bases, 8).msm(&[]),
            G1Projective::zero(),
            "no scalars"
        );
        let g2 = G2Affine::rand(&mut rng);
        assert_eq!(
            FixedBaseMsm::new(Scalar::default(), &[g2, g2], 5)
                .msm(&[Fr::from(6u64), Fr::from(6u64)]),
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
        let vector = Ifma::detect().map(Vector::<1>);
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
            let scalar = Scalar::<ark_bn254::g1::Config>::default();
            assert_eq!(
                weighted_sum::<Scalar<_>>(&mut scalar.adder(), buckets.clone()),
                expected,
                "len = {len}"
            );
            if let Some(v) = &vector {
                let points = buckets.iter().map(G1Point::from_affine).collect();
                assert_eq!(
                    weighted_sum::<Vector<1>>(&mut v.adder(), points),
                    expected,
                    "len = {len}, IFMA"
                );
            }
        }
        let all_equal = vec![p; 64];
        assert_eq!(
            weighted_sum::<Scalar<_>>(&mut Vec::new(), all_equal),
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
