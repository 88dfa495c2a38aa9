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
//! Coordinates have `D` components: 1 over `Fq` (G1), 2 over `Fq2` (G2).

use crate::fq8::{self, Fq8, P, P2};
use crate::{to_vector_form, Point};
use ark_bn254::{Fq, Fq2};
use ark_ff::{BigInt, BigInteger, One, PrimeField, Zero};

/// Buffers kept from one batch to the next.
#[derive(Default)]
pub(crate) struct Buffers<const D: usize> {
    /// Per chunk of eight additions, `4·D` registers of 64-bit limbs for each of
    /// `x_Q, y_Q, x_P, y_P`; the backward pass overwrites `x_Q, y_Q` with the sum.
    stage: Vec<[u64; 8]>,
    /// The bucket of each staged addition.
    targets: Vec<u32>,
    denominators: Vec<[Fq8; D]>,
    prefixes: Vec<[Fq8; D]>,
}

impl<const D: usize> std::fmt::Debug for Buffers<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffers")
            .field("additions", &self.targets.capacity())
            .finish()
    }
}

impl<const D: usize> Buffers<D> {
    /// Registers per staged coordinate, and per chunk.
    const WORDS: usize = 4 * D;
    const STAGED: usize = 4 * Self::WORDS;

    /// `buckets[b] += p` for every `(b, p)` in `batch` (distinct buckets). The
    /// additions a shared inversion cannot take (into an empty bucket, of the
    /// identity, doublings, a point meeting its negation) are done here, apart.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) fn add(&mut self, buckets: &mut [Point<D>], batch: &[(u32, Point<D>)]) {
        let (words, staged_len) = (Self::WORDS, Self::STAGED);
        self.stage.clear();
        self.stage
            .resize(batch.len().div_ceil(8) * staged_len, [0; 8]);
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
            let (lane, staged) = (i % 8, &mut self.stage[i / 8 * staged_len..][..staged_len]);
            for (k, coordinate) in [q.x, q.y, p.x, p.y].iter().enumerate() {
                for (c, component) in coordinate.iter().enumerate() {
                    for (j, limb) in component.iter().enumerate() {
                        staged[k * words + c * 4 + j][lane] = *limb;
                    }
                }
            }
        }
        if self.targets.is_empty() {
            return;
        }
        let chunks = self.targets.len().div_ceil(8);
        self.stage.truncate(chunks * staged_len);
        // Unused lanes add (1, 0) to (0, 0): any nonzero denominator will do.
        for i in self.targets.len()..chunks * 8 {
            self.stage[i / 8 * staged_len + 2 * words][i % 8] = 1;
        }
        let load = |regs: &[[u64; 8]]| -> [Fq8; D] {
            std::array::from_fn(|c| {
                let r = &regs[4 * c..4 * c + 4];
                fq8::from_limbs64([
                    fq8::load(&r[0]),
                    fq8::load(&r[1]),
                    fq8::load(&r[2]),
                    fq8::load(&r[3]),
                ])
            })
        };

        self.denominators.clear();
        self.prefixes.clear();
        let one = fq8::limbs52(to_vector_form(&Fq::one()));
        let mut product: [Fq8; D] = std::array::from_fn(|c| {
            let limbs = if c == 0 { one } else { [0; 5] };
            Fq8(limbs.map(|l| splat(l)))
        });
        for staged in self.stage.chunks_exact(staged_len) {
            let (qx, px) = (load(&staged[..words]), load(&staged[2 * words..3 * words]));
            let denominator = std::array::from_fn(|i| fq8::sub(&px[i], &qx[i], P));
            self.prefixes.push(product);
            product = mul(&product, &denominator);
            self.denominators.push(denominator);
        }

        let mut inverse = invert_lanes(&product);
        for (c, staged) in self.stage.chunks_exact_mut(staged_len).enumerate().rev() {
            let (qx, qy) = (load(&staged[..words]), load(&staged[words..2 * words]));
            let (px, py) = (
                load(&staged[2 * words..3 * words]),
                load(&staged[3 * words..]),
            );
            // Components below: (0, 2p) unless marked.
            let denominator_inverse = mul(&inverse, &self.prefixes[c]);
            inverse = mul(&inverse, &self.denominators[c]);
            let rise = std::array::from_fn(|i| fq8::sub(&py[i], &qy[i], P));
            let lambda = mul(&rise, &denominator_inverse);
            let lambda_squared = mul(&lambda, &lambda);
            // λ² + 2p − x_P − x_Q ∈ (0, 4p), reduced to [0, p).
            let x: [Fq8; D] = std::array::from_fn(|i| {
                let x = fq8::sub2(&lambda_squared[i], &px[i], &qx[i], P2);
                fq8::reduce(&fq8::reduce(&x, P2), P)
            });
            // λ·(x_Q − x + p) + p − y_Q ∈ (0, 3p), reduced to [0, p).
            let run = std::array::from_fn(|i| fq8::sub(&qx[i], &x[i], P));
            let lambda_run = mul(&lambda, &run);
            let y: [Fq8; D] = std::array::from_fn(|i| {
                let y = fq8::sub(&lambda_run[i], &qy[i], P);
                fq8::reduce(&fq8::reduce(&y, P2), P)
            });
            for (k, coordinate) in [x, y].iter().enumerate() {
                for (i, component) in coordinate.iter().enumerate() {
                    for (j, limb) in fq8::to_limbs64(component).into_iter().enumerate() {
                        fq8::store(&mut staged[k * words + 4 * i + j], limb);
                    }
                }
            }
        }

        for (i, b) in self.targets.iter().enumerate() {
            let (lane, staged) = (i % 8, &self.stage[i / 8 * staged_len..][..staged_len]);
            let bucket = &mut buckets[*b as usize];
            for c in 0..D {
                for j in 0..4 {
                    bucket.x[c][j] = staged[4 * c + j][lane];
                    bucket.y[c][j] = staged[words + 4 * c + j][lane];
                }
            }
        }
    }
}

/// Every lane holding `limb`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn splat(limb: u64) -> core::arch::x86_64::__m512i {
    core::arch::x86_64::_mm512_set1_epi64(limb as i64)
}

/// `a·b` over `Fq` (`D = 1`) or `Fq2` (`D = 2`), components below `2p`.
#[inline]
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul<const D: usize>(a: &[Fq8; D], b: &[Fq8; D]) -> [Fq8; D] {
    if let (Ok(a), Ok(b)) = (<&[Fq8; 2]>::try_from(&a[..]), <&[Fq8; 2]>::try_from(&b[..])) {
        let product = fq8::mul_fq2(a, b);
        std::array::from_fn(|c| product[c])
    } else {
        std::array::from_fn(|c| fq8::mul(&a[c], &b[c]))
    }
}

/// The inverse of each lane (all nonzero, components below `2p`), with one scalar
/// inversion.
#[target_feature(enable = "avx512f,avx512ifma")]
fn invert_lanes<const D: usize>(v: &[Fq8; D]) -> [Fq8; D] {
    let modulus = <Fq as PrimeField>::MODULUS;
    // limbs[c][j][lane]
    let mut limbs = [[[0u64; 8]; 4]; D];
    for (c, component) in v.iter().enumerate() {
        for (j, register) in fq8::to_limbs64(component).into_iter().enumerate() {
            fq8::store(&mut limbs[c][j], register);
        }
    }
    // A component holds `a·2^260`, which is arkworks' Montgomery form of `16a`.
    let component = |c: usize, lane: usize| {
        let mut value = BigInt::new(std::array::from_fn(|j| limbs[c][j][lane]));
        if value >= modulus {
            value.sub_with_borrow(&modulus);
        }
        Fq::new_unchecked(value)
    };
    // (16a)⁻¹·256 = a⁻¹·16, whose Montgomery form is a⁻¹·2^260.
    let scale = Fq::from(256u64);
    let mut inverses = [[[0u64; 4]; D]; 8];
    if D == 1 {
        let mut lanes: [Fq; 8] = std::array::from_fn(|lane| component(0, lane));
        ark_ff::batch_inversion(&mut lanes);
        for (lane, inverse) in lanes.iter().enumerate() {
            debug_assert!(!inverse.is_zero(), "a zero denominator reached the batch");
            inverses[lane][0] = (*inverse * scale).0 .0;
        }
    } else {
        let mut lanes: [Fq2; 8] =
            std::array::from_fn(|lane| Fq2::new(component(0, lane), component(1, lane)));
        ark_ff::batch_inversion(&mut lanes);
        for (lane, inverse) in lanes.iter().enumerate() {
            debug_assert!(!inverse.is_zero(), "a zero denominator reached the batch");
            let scaled = Fq2::new(inverse.c0 * scale, inverse.c1 * scale);
            inverses[lane][0] = scaled.c0.0 .0;
            inverses[lane][1] = scaled.c1.0 .0;
        }
    }
    std::array::from_fn(|c| {
        let registers: [[u64; 8]; 4] =
            std::array::from_fn(|j| std::array::from_fn(|lane| inverses[lane][c][j]));
        fq8::from_limbs64(registers.map(|r| fq8::load(&r)))
    })
}
