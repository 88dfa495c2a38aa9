//! Batch-affine addition, eight additions per vector operation.
//!
//! For `Q + P` with `Q ≠ ±P`, both affine:
//!
//! ```text
//! λ = (y_P − y_Q)/(x_P − x_Q),   x = λ² − x_Q − x_P,   y = λ·(x_Q − x) − y_Q
//! ```
//!
//! Addition `i` goes to lane `i mod 8` of chunk `⌊i/8⌋`. A forward pass multiplies
//! the denominators into each lane's running product; one scalar inversion of the
//! eight lane products (arkworks' `batch_inversion`), then a backward pass peels
//! off each denominator's inverse and finishes its addition (Montgomery's trick):
//! six multiplications per eight additions, where arkworks does six per addition.

use crate::fq8::{self, Fq8, P, P2};
use crate::{to_vector_form, G1Point};
use ark_bn254::Fq;
use ark_ff::{BigInt, BigInteger, One, PrimeField, Zero};

/// Registers of 64-bit limbs per chunk in `stage`: `x_Q, y_Q, x_P, y_P`, four each.
/// The backward pass overwrites `x_Q, y_Q` with the sum.
const STAGED: usize = 16;

/// Buffers kept from one batch to the next.
#[derive(Default)]
pub(crate) struct Buffers {
    stage: Vec<[u64; 8]>,
    /// The bucket of each staged addition.
    targets: Vec<u32>,
    denominators: Vec<Fq8>,
    prefixes: Vec<Fq8>,
}

impl std::fmt::Debug for Buffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffers")
            .field("chunks", &(self.stage.capacity() / STAGED))
            .finish()
    }
}

impl Buffers {
    /// `buckets[b] += p` for every `(b, p)` in `batch` (distinct buckets). The
    /// additions a shared inversion cannot take (into an empty bucket, of the
    /// identity, doublings, a point meeting its negation) are done here, apart.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn add(&mut self, buckets: &mut [G1Point], batch: &[(u32, G1Point)]) {
        let chunks = batch.len().div_ceil(8);
        self.stage.clear();
        self.stage.resize(chunks * STAGED, [0; 8]);
        self.targets.clear();
        for &(b, p) in batch {
            let q = &mut buckets[b as usize];
            if p.is_identity() {
                continue;
            }
            if q.is_identity() {
                *q = p;
                continue;
            }
            if q.x == p.x {
                *q = q.add_slow(&p);
                continue;
            }
            let i = self.targets.len();
            self.targets.push(b);
            let (lane, staged) = (i % 8, &mut self.stage[i / 8 * STAGED..][..STAGED]);
            for j in 0..4 {
                staged[j][lane] = q.x[j];
                staged[4 + j][lane] = q.y[j];
                staged[8 + j][lane] = p.x[j];
                staged[12 + j][lane] = p.y[j];
            }
        }
        if self.targets.is_empty() {
            return;
        }
        let chunks = self.targets.len().div_ceil(8);
        self.stage.truncate(chunks * STAGED);
        // Unused lanes add (1, 0) to (0, 0): any nonzero denominator will do.
        for i in self.targets.len()..chunks * 8 {
            self.stage[i / 8 * STAGED + 8][i % 8] = 1;
        }
        let load4 = |regs: &[[u64; 8]]| {
            fq8::from_limbs64([
                fq8::load(&regs[0]),
                fq8::load(&regs[1]),
                fq8::load(&regs[2]),
                fq8::load(&regs[3]),
            ])
        };

        self.denominators.clear();
        self.prefixes.clear();
        let mut product = splat(fq8::limbs52(to_vector_form(&Fq::one())));
        for staged in self.stage.chunks_exact(STAGED) {
            let denominator = fq8::sub(&load4(&staged[8..12]), &load4(&staged[0..4]), P);
            self.prefixes.push(product);
            product = fq8::mul(&product, &denominator);
            self.denominators.push(denominator);
        }

        let mut inverse = invert_lanes(&product);
        for (c, staged) in self.stage.chunks_exact_mut(STAGED).enumerate().rev() {
            let (qx, qy) = (load4(&staged[0..4]), load4(&staged[4..8]));
            let (px, py) = (load4(&staged[8..12]), load4(&staged[12..16]));
            // All values below: (0, 2p) unless marked.
            let denominator_inverse = fq8::mul(&inverse, &self.prefixes[c]);
            inverse = fq8::mul(&inverse, &self.denominators[c]);
            let lambda = fq8::mul(&fq8::sub(&py, &qy, P), &denominator_inverse);
            // λ² + 2p − x_P − x_Q ∈ (0, 4p), reduced to [0, p).
            let x = fq8::sub2(&fq8::mul(&lambda, &lambda), &px, &qx, P2);
            let x = fq8::reduce(&fq8::reduce(&x, P2), P);
            // λ·(x_Q − x + p) + p − y_Q ∈ (0, 3p), reduced to [0, p).
            let y = fq8::sub(&fq8::mul(&lambda, &fq8::sub(&qx, &x, P)), &qy, P);
            let y = fq8::reduce(&fq8::reduce(&y, P2), P);
            for (j, limb) in fq8::to_limbs64(&x).into_iter().enumerate() {
                fq8::store(&mut staged[j], limb);
            }
            for (j, limb) in fq8::to_limbs64(&y).into_iter().enumerate() {
                fq8::store(&mut staged[4 + j], limb);
            }
        }

        for (i, b) in self.targets.iter().enumerate() {
            let (lane, staged) = (i % 8, &self.stage[i / 8 * STAGED..][..STAGED]);
            let bucket = &mut buckets[*b as usize];
            for j in 0..4 {
                bucket.x[j] = staged[j][lane];
                bucket.y[j] = staged[4 + j][lane];
            }
        }
    }
}

/// Every lane holding `limbs`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn splat(limbs: [u64; 5]) -> Fq8 {
    Fq8(limbs.map(|l| core::arch::x86_64::_mm512_set1_epi64(l as i64)))
}

/// The inverse of each lane (all nonzero, below `2p`), with one scalar inversion.
#[target_feature(enable = "avx512f,avx512ifma")]
fn invert_lanes(v: &Fq8) -> Fq8 {
    let mut limbs = [[0u64; 8]; 4];
    for (j, register) in fq8::to_limbs64(v).into_iter().enumerate() {
        fq8::store(&mut limbs[j], register);
    }
    let modulus = <Fq as PrimeField>::MODULUS;
    let mut lanes: [Fq; 8] = std::array::from_fn(|lane| {
        let mut value = BigInt::new(std::array::from_fn(|j| limbs[j][lane]));
        if value >= modulus {
            value.sub_with_borrow(&modulus);
        }
        // The lane holds `a·2^260`, which is arkworks' Montgomery form of `16a`.
        Fq::new_unchecked(value)
    });
    ark_ff::batch_inversion(&mut lanes);
    // (16a)⁻¹·256 = a⁻¹·16, whose Montgomery form is a⁻¹·2^260.
    let scale = Fq::from(256u64);
    for (lane, inverse) in lanes.iter().enumerate() {
        debug_assert!(!inverse.is_zero(), "a zero denominator reached the batch");
        let scaled = (*inverse * scale).0 .0;
        for j in 0..4 {
            limbs[j][lane] = scaled[j];
        }
    }
    fq8::from_limbs64(limbs.map(|l| fq8::load(&l)))
}
