use super::*;
use ark_bn254::G1Projective;
use ark_ff::{BigInteger, One, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn ifma() -> Option<Ifma> {
    let found = Ifma::detect();
    if found.is_none() {
        eprintln!("skipped: this CPU has no AVX-512 IFMA");
    }
    found
}

fn random_point(rng: &mut ChaCha20Rng) -> G1Affine {
    (G1Projective::rand(rng)).into_affine()
}

#[test]
fn constants() {
    use fq8::{MASK, P, P2, P_NEG_INV};
    assert_eq!(
        P[0].wrapping_mul(P_NEG_INV) & MASK,
        MASK,
        "p·p' ≡ −1 mod 2^52"
    );
    let value = |l: [u64; 5]| (0..5).fold(num(0), |acc, j| acc + (num(l[j]) << (52 * j)));
    let p = value(P);
    assert_eq!(p, num_from(<Fq as PrimeField>::MODULUS));
    assert_eq!(value(P2), p * 2u32);
    assert!(P.iter().chain(&P2).all(|l| *l <= MASK));
}

fn num(v: u64) -> num_bigint::BigUint {
    num_bigint::BigUint::from(v)
}

fn num_from(b: BigInt<4>) -> num_bigint::BigUint {
    num_bigint::BigUint::from_bytes_le(&b.to_bytes_le())
}

#[test]
fn points_convert_both_ways() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..20 {
        let p = random_point(&mut rng);
        let v = G1Point::from_affine(&p);
        assert_eq!(v.to_affine(), p);
        assert_eq!(v.neg().to_affine(), -p);
        assert!(num_from(BigInt::new(v.x)) < num_from(<Fq as PrimeField>::MODULUS));
    }
    assert!(G1Point::from_affine(&G1Affine::identity()).is_identity());
    assert_eq!(G1Point::IDENTITY.to_affine(), G1Affine::identity());
    assert_eq!(G1Point::IDENTITY.neg(), G1Point::IDENTITY);
}

/// Runs `f` on eight lanes of values in vector form and returns the lanes.
#[target_feature(enable = "avx512f,avx512ifma")]
fn lanes(inputs: &[[[u64; 4]; 8]], f: impl Fn(&[fq8::Fq8]) -> fq8::Fq8) -> [[u64; 4]; 8] {
    let vectors: Vec<fq8::Fq8> = inputs
        .iter()
        .map(|lanes| {
            let regs: [core::arch::x86_64::__m512i; 4] = std::array::from_fn(|j| {
                let limb: [u64; 8] = std::array::from_fn(|lane| lanes[lane][j]);
                fq8::load(&limb)
            });
            fq8::from_limbs64(regs)
        })
        .collect();
    let out = f(&vectors);
    let mut regs = [[0u64; 8]; 4];
    for (j, r) in fq8::to_limbs64(&out).into_iter().enumerate() {
        fq8::store(&mut regs[j], r);
    }
    std::array::from_fn(|lane| std::array::from_fn(|j| regs[j][lane]))
}

/// The field element a lane holds, and whether its integer is below `bound·p`.
fn lane_value(limbs: [u64; 4], bound: u32) -> (Fq, bool) {
    let n = num_from(BigInt::new(limbs));
    let p = num_from(<Fq as PrimeField>::MODULUS);
    let below = n < p.clone() * bound;
    let reduced = Fq::from(n % p); // the integer c·2^260 as a field element
    (
        reduced / Fq::from(16u64) / Fq::from(2u64).pow([256u64]),
        below,
    )
}

/// Vector form of `c`, plus `k·p` (non-canonical inputs the arithmetic must take).
fn with_multiple(c: Fq, k: u64) -> [u64; 4] {
    let mut b = BigInt::new(to_vector_form(&c));
    for _ in 0..k {
        assert!(!b.add_with_carry(&<Fq as PrimeField>::MODULUS));
    }
    b.0
}

#[test]
fn field_arithmetic_matches_arkworks() {
    let Some(_) = ifma() else { return };
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for round in 0..50 {
        let specials = [Fq::zero(), Fq::one(), -Fq::one(), Fq::from(2u64)];
        let a: [Fq; 8] = std::array::from_fn(|i| {
            if round == 0 && i < 4 {
                specials[i]
            } else {
                Fq::rand(&mut rng)
            }
        });
        let b: [Fq; 8] = std::array::from_fn(|_| Fq::rand(&mut rng));
        // Factors up to 4p: add 0..3 multiples of p to the integers.
        let ka: [[u64; 4]; 8] = std::array::from_fn(|i| with_multiple(a[i], rng.gen_range(0..4)));
        let kb: [[u64; 4]; 8] = std::array::from_fn(|i| with_multiple(b[i], rng.gen_range(0..4)));
        // SAFETY: `ifma()` found the features.
        let product = unsafe { lanes(&[ka, kb], |v| fq8::mul(&v[0], &v[1])) };
        let ca: [[u64; 4]; 8] = std::array::from_fn(|i| with_multiple(a[i], 0));
        let cb: [[u64; 4]; 8] = std::array::from_fn(|i| with_multiple(b[i], 0));
        // SAFETY: as above.
        let difference = unsafe { lanes(&[ca, cb], |v| fq8::sub(&v[0], &v[1], fq8::P)) };
        // SAFETY: as above.
        let reduced =
            unsafe { lanes(&[ka], |v| fq8::reduce(&fq8::reduce(&v[0], fq8::P2), fq8::P)) };
        for i in 0..8 {
            let (value, below) = lane_value(product[i], 2);
            assert_eq!(value, a[i] * b[i]);
            assert!(below, "a product below 2p");
            let (value, below) = lane_value(difference[i], 2);
            assert_eq!(value, a[i] - b[i]);
            assert!(below, "a difference below 2p");
            assert_eq!(reduced[i], to_vector_form(&a[i]), "reduced to canonical");
        }
    }
}

/// Batches of every size against arkworks' additions, with the exceptional
/// additions mixed in: into an empty bucket, of the identity, doublings, a point
/// meeting its negation.
#[test]
fn batches_match_arkworks() {
    let Some(ifma) = ifma() else { return };
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut adder = BatchAdder::new(ifma);
    for size in (1..=40).chain([511, 512]) {
        let buckets: Vec<G1Affine> = (0..size + 3)
            .map(|i| {
                if i % 11 == 5 {
                    G1Affine::identity()
                } else {
                    random_point(&mut rng)
                }
            })
            .collect();
        let batch: Vec<(u32, G1Affine)> = (0..size)
            .map(|i| {
                let b = buckets[i];
                let p = match i % 13 {
                    3 => b,  // doubling (or identity + identity)
                    7 => -b, // cancels
                    9 => G1Affine::identity(),
                    _ => random_point(&mut rng),
                };
                (i as u32, p)
            })
            .collect();
        let mut ours: Vec<G1Point> = buckets.iter().map(G1Point::from_affine).collect();
        let vector_batch: Vec<(u32, G1Point)> = batch
            .iter()
            .map(|(b, p)| (*b, G1Point::from_affine(p)))
            .collect();
        adder.add(&mut ours, &vector_batch);
        let mut expected = buckets.clone();
        for (b, p) in &batch {
            expected[*b as usize] = (expected[*b as usize] + p).into_affine();
        }
        let ours: Vec<G1Affine> = ours.iter().map(G1Point::to_affine).collect();
        assert_eq!(ours, expected, "batch of {size}");
    }
    // Chained: buckets updated by one batch are added to by the next.
    let mut ours = vec![G1Point::IDENTITY; 64];
    let mut expected = vec![G1Projective::zero(); 64];
    for _ in 0..20 {
        let mut batch: Vec<(u32, G1Affine)> = Vec::new();
        for b in 0..64 {
            if rng.gen_bool(0.7) {
                batch.push((b, random_point(&mut rng)));
            }
        }
        let vector_batch: Vec<(u32, G1Point)> = batch
            .iter()
            .map(|(b, p)| (*b, G1Point::from_affine(p)))
            .collect();
        adder.add(&mut ours, &vector_batch);
        for (b, p) in batch {
            expected[b as usize] += p;
        }
    }
    for (ours, expected) in ours.iter().zip(&expected) {
        assert_eq!(ours.to_affine(), expected.into_affine());
    }
}
