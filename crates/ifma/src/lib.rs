//! BN254 arithmetic eight lanes at a time on AVX-512 IFMA: G1 and G2 point
//! additions in batches for the prover, and `Fq12` for the verifier's pairings.
//!
//! The fast prover's multi-scalar multiplications spend most of their time adding
//! points into buckets in affine coordinates, many additions sharing one inversion
//! (Montgomery's trick). [`BatchAdder`] does those additions with the field
//! arithmetic in the eight 64-bit lanes of AVX-512 registers, multiplying with
//! IFMA's 52-bit multiply-accumulate, where arkworks multiplies one element at a
//! time with 64-bit `MULX`. [`Fq12Lanes`] holds the twelve base-field coordinates of
//! an `Fq12` element side by side in the lanes, so one product of the Miller loop or
//! the final exponentiation is a few dozen vector instructions per limb pair.
//! CPUs without IFMA (Intel's before Ice Lake and its client parts since Alder
//! Lake, AMD's before Zen 4) get `None` from [`Ifma::detect`], and callers keep their
//! scalar path.
//!
//! Points are stored as [`G1Point`]s and [`G2Point`]s, whose coordinates are kept in
//! the form the vector code multiplies (`x·2^260 mod p`), so no conversion is paid
//! per addition.
//!
//! ```
//! use ark_bn254::{Fr, G1Affine};
//! use ark_ec::{AffineRepr, CurveGroup};
//! use x402_zk_ifma::{BatchAdder, G1Point, Ifma};
//!
//! let Some(ifma) = Ifma::detect() else { return }; // no AVX-512 IFMA on this CPU
//! let g = G1Affine::generator();
//! let mut buckets = vec![G1Point::from_affine(&g); 3];
//! let points = [2u64, 3, 4].map(|k| G1Point::from_affine(&(g * Fr::from(k)).into_affine()));
//! let batch: Vec<(u32, G1Point)> = points.iter().enumerate().map(|(b, p)| (b as u32, *p)).collect();
//! BatchAdder::new(ifma).add(&mut buckets, &batch);
//! assert_eq!(buckets[2].to_affine(), (g * Fr::from(5u64)).into_affine());
//! ```

#[cfg(target_arch = "x86_64")]
mod batch;
#[cfg(target_arch = "x86_64")]
mod fq12;
#[cfg(target_arch = "x86_64")]
mod fq8;
mod gt;

pub use gt::Fq12Lanes;

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, PrimeField};

/// Proof that this CPU has AVX-512F and AVX-512 IFMA: the only way to a
/// [`BatchAdder`] or an [`Fq12Lanes`].
#[derive(Clone, Copy, Debug)]
pub struct Ifma {
    #[cfg(target_arch = "x86_64")]
    _checked: (),
    #[cfg(not(target_arch = "x86_64"))]
    never: core::convert::Infallible,
}

impl Ifma {
    /// `Some` if the CPU runs AVX-512F and AVX-512 IFMA instructions.
    pub fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
        {
            return Some(Ifma { _checked: () });
        }
        None
    }
}

/// An affine point in the vector code's form, over BN254's base field (`D = 1`:
/// [`G1Point`]) or its quadratic extension (`D = 2`: [`G2Point`]): each coordinate
/// component `c` as the integer `c·2^260 mod p` (canonical, below `p`) in four
/// little-endian 64-bit limbs. The identity is all zeros, which is on neither curve
/// (`y² = x³ + b`, `b ≠ 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Point<const D: usize> {
    x: [[u64; 4]; D],
    y: [[u64; 4]; D],
}

/// A G1 point ([`Point`] over `Fq`).
pub type G1Point = Point<1>;
/// A G2 point ([`Point`] over `Fq2`).
pub type G2Point = Point<2>;

/// `c·2^260 mod p` as arkworks holds it: the Montgomery form of `16c`.
fn to_vector_form(c: &Fq) -> [u64; 4] {
    (*c * Fq::from(16u64)).0 .0
}

fn from_vector_form(limbs: [u64; 4]) -> Fq {
    // `limbs` is `c·2^260 = (16c)·2^256`: arkworks' Montgomery form of `16c`.
    Fq::new_unchecked(BigInt::new(limbs)) * sixteenth()
}

/// `1/16`, inverted once per process: every point converted back needs it.
fn sixteenth() -> Fq {
    static SIXTEENTH: std::sync::LazyLock<Fq> =
        std::sync::LazyLock::new(|| Fq::from(16u64).inverse().expect("16 is invertible"));
    *SIXTEENTH
}

/// The same array at another length, for `A = B` (the dispatch on `D`).
fn cast<const A: usize, const B: usize>(words: [[u64; 4]; A]) -> [[u64; 4]; B] {
    assert_eq!(A, B);
    std::array::from_fn(|i| words[i])
}

impl<const D: usize> Default for Point<D> {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl<const D: usize> Point<D> {
    /// The identity.
    pub const IDENTITY: Self = Point {
        x: [[0; 4]; D],
        y: [[0; 4]; D],
    };

    /// Whether this is the identity.
    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// `−self`: `(x, −y)`, each component of `y` negated modulo `p` (zero stays zero).
    pub fn neg(&self) -> Self {
        let p = <Fq as PrimeField>::MODULUS.0;
        let y = self.y.map(|c| {
            if c == [0; 4] {
                return c;
            }
            let mut out = [0u64; 4];
            let mut borrow = false;
            for j in 0..4 {
                let (d, b1) = p[j].overflowing_sub(c[j]);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                out[j] = d;
                borrow = b1 || b2;
            }
            out
        });
        Point { x: self.x, y }
    }

    /// `self + other` the slow way, for the additions a batch cannot take (a
    /// doubling or a point and its negation).
    pub(crate) fn add_slow(&self, other: &Self) -> Self {
        fn sum<A: AffineRepr>(a: A, b: A) -> A {
            (a + b).into_affine()
        }
        match D {
            1 => {
                let (a, b) = (G1Point::from_words(self), G1Point::from_words(other));
                Self::from_words(&G1Point::from_affine(&sum(a.to_affine(), b.to_affine())))
            }
            _ => {
                let (a, b) = (G2Point::from_words(self), G2Point::from_words(other));
                Self::from_words(&G2Point::from_affine(&sum(a.to_affine(), b.to_affine())))
            }
        }
    }

    fn from_words<const E: usize>(p: &Point<E>) -> Self {
        Point {
            x: cast(p.x),
            y: cast(p.y),
        }
    }
}

impl G1Point {
    /// Converts from arkworks (two field multiplications).
    pub fn from_affine(p: &G1Affine) -> Self {
        match p.xy() {
            None => Self::IDENTITY,
            Some((x, y)) => Point {
                x: [to_vector_form(&x)],
                y: [to_vector_form(&y)],
            },
        }
    }

    /// Converts to arkworks (two field multiplications).
    pub fn to_affine(&self) -> G1Affine {
        if self.is_identity() {
            return G1Affine::identity();
        }
        G1Affine::new_unchecked(from_vector_form(self.x[0]), from_vector_form(self.y[0]))
    }
}

impl G2Point {
    /// Converts from arkworks (four field multiplications).
    pub fn from_affine(p: &G2Affine) -> Self {
        match p.xy() {
            None => Self::IDENTITY,
            Some((x, y)) => Point {
                x: [to_vector_form(&x.c0), to_vector_form(&x.c1)],
                y: [to_vector_form(&y.c0), to_vector_form(&y.c1)],
            },
        }
    }

    /// Converts to arkworks (four field multiplications).
    pub fn to_affine(&self) -> G2Affine {
        if self.is_identity() {
            return G2Affine::identity();
        }
        let component = |c: [[u64; 4]; 2]| Fq2::new(from_vector_form(c[0]), from_vector_form(c[1]));
        G2Affine::new_unchecked(component(self.x), component(self.y))
    }
}

/// Adds points into buckets in batches; reuses its buffers from one batch to the
/// next. `D = 1` adds G1 points, `D = 2` G2 points.
#[derive(Debug)]
pub struct BatchAdder<const D: usize> {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    ifma: Ifma,
    #[cfg(target_arch = "x86_64")]
    buffers: batch::Buffers<D>,
}

impl<const D: usize> BatchAdder<D> {
    /// An adder for this CPU.
    pub fn new(ifma: Ifma) -> Self {
        const { assert!(D == 1 || D == 2, "G1 (D = 1) or G2 (D = 2)") };
        BatchAdder {
            ifma,
            #[cfg(target_arch = "x86_64")]
            buffers: batch::Buffers::default(),
        }
    }

    /// `buckets[b] += p` for every `(b, p)` in `batch`, whose buckets must be
    /// distinct. The additions share one field inversion; the rare ones a shared
    /// inversion cannot take (into an empty bucket, a doubling, a point meeting its
    /// negation) are done apart.
    ///
    /// # Panics
    ///
    /// If a bucket index is out of range; in debug builds, if two entries name one bucket.
    pub fn add(&mut self, buckets: &mut [Point<D>], batch: &[(u32, Point<D>)]) {
        debug_assert!(
            {
                let mut seen: Vec<u32> = batch.iter().map(|(b, _)| *b).collect();
                seen.sort_unstable();
                seen.windows(2).all(|w| w[0] != w[1])
            },
            "two additions to one bucket in a batch"
        );
        #[cfg(target_arch = "x86_64")]
        {
            let _ = self.ifma;
            // SAFETY: an `Ifma` exists only where `detect` found AVX-512F and IFMA.
            unsafe { self.buffers.add(buckets, batch) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        match self.ifma.never {}
    }
}

#[cfg(test)]
mod tests;
