//! BN254 G1 point additions in batches, eight at a time on AVX-512 IFMA.
//!
//! The fast prover's multi-scalar multiplications spend most of their time adding
//! points into buckets in affine coordinates, many additions sharing one inversion
//! (Montgomery's trick). [`BatchAdder`] does those additions with the field
//! arithmetic in the eight 64-bit lanes of AVX-512 registers, multiplying with
//! IFMA's 52-bit multiply-accumulate ([`fq8`]), where arkworks multiplies one element
//! at a time with 64-bit `MULX`. CPUs without IFMA (before Intel's Ice Lake and
//! AMD's Zen 4) get `None` from [`Ifma::detect`], and callers keep their scalar path.
//!
//! Points are stored as [`G1Point`]s, whose coordinates are kept in the form the
//! vector code multiplies (`x·2^260 mod p`), so no conversion is paid per addition.
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
mod fq8;

use ark_bn254::{Fq, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, Field, PrimeField};

/// Proof that this CPU has AVX-512F and AVX-512 IFMA: the only way to a
/// [`BatchAdder`].
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

/// An affine G1 point in the vector code's form: each coordinate `c` as the integer
/// `c·2^260 mod p` (canonical, below `p`) in four little-endian 64-bit limbs. The
/// identity is `(0, 0)`, which is not on the curve (`y² = x³ + 3`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct G1Point {
    x: [u64; 4],
    y: [u64; 4],
}

/// `2^260 mod p` as arkworks holds it: `16` in Montgomery form times `2^256`.
fn to_vector_form(c: &Fq) -> [u64; 4] {
    (*c * Fq::from(16u64)).0 .0
}

fn from_vector_form(limbs: [u64; 4]) -> Fq {
    // `limbs` is `c·2^260 = (16c)·2^256`: arkworks' Montgomery form of `16c`.
    Fq::new_unchecked(BigInt::new(limbs)) * sixteenth()
}

fn sixteenth() -> Fq {
    Fq::from(16u64).inverse().expect("16 is invertible")
}

impl G1Point {
    /// The identity.
    pub const IDENTITY: G1Point = G1Point {
        x: [0; 4],
        y: [0; 4],
    };

    /// Converts from arkworks (two field multiplications).
    pub fn from_affine(p: &G1Affine) -> Self {
        match p.xy() {
            None => Self::IDENTITY,
            Some((x, y)) => G1Point {
                x: to_vector_form(&x),
                y: to_vector_form(&y),
            },
        }
    }

    /// Converts to arkworks (two field multiplications).
    pub fn to_affine(&self) -> G1Affine {
        if self.is_identity() {
            return G1Affine::identity();
        }
        G1Affine::new_unchecked(from_vector_form(self.x), from_vector_form(self.y))
    }

    /// Whether this is the identity.
    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// `−self`: `(x, p − y)` (BN254's G1 has no point with `y = 0`).
    pub fn neg(&self) -> Self {
        if self.is_identity() {
            return *self;
        }
        let p = <Fq as PrimeField>::MODULUS.0;
        let mut y = [0u64; 4];
        let mut borrow = false;
        for j in 0..4 {
            let (d, b1) = p[j].overflowing_sub(self.y[j]);
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            y[j] = d;
            borrow = b1 || b2;
        }
        G1Point { x: self.x, y }
    }

    /// `self + other` the slow way, for the additions a batch cannot take (a
    /// doubling or a point and its negation).
    pub(crate) fn add_slow(&self, other: &Self) -> Self {
        let sum = G1Projective::from(self.to_affine()) + other.to_affine();
        Self::from_affine(&sum.into_affine())
    }
}

/// Adds points into buckets in batches; reuses its buffers from one batch to the next.
#[derive(Debug)]
pub struct BatchAdder {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    ifma: Ifma,
    #[cfg(target_arch = "x86_64")]
    buffers: batch::Buffers,
}

impl BatchAdder {
    /// An adder for this CPU.
    pub fn new(ifma: Ifma) -> Self {
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
    pub fn add(&mut self, buckets: &mut [G1Point], batch: &[(u32, G1Point)]) {
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
