use super::*;
use ark_bn254::{Fq2, G1Projective, G2Affine};
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
    assert_eq!(
        fq8::ONE,
        fq8::limbs52(to_vector_form(&Fq::one())),
        "1 is 2^260 mod p"
    );
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
        assert!(num_from(BigInt::new(v.x[0])) < num_from(<Fq as PrimeField>::MODULUS));
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

/// The two point types, for tests over both groups.
trait Group: Copy {
    type Affine: AffineRepr;
    fn from_ark(p: &Self::Affine) -> Self;
    fn to_ark(&self) -> Self::Affine;
}

impl Group for G1Point {
    type Affine = G1Affine;
    fn from_ark(p: &G1Affine) -> Self {
        G1Point::from_affine(p)
    }
    fn to_ark(&self) -> G1Affine {
        self.to_affine()
    }
}

impl Group for G2Point {
    type Affine = G2Affine;
    fn from_ark(p: &G2Affine) -> Self {
        G2Point::from_affine(p)
    }
    fn to_ark(&self) -> G2Affine {
        self.to_affine()
    }
}

fn random<A: AffineRepr>(rng: &mut ChaCha20Rng) -> A {
    A::Group::rand(rng).into_affine()
}

/// Batches of every size against arkworks' additions, with the exceptional
/// additions mixed in: into an empty bucket, of the identity, doublings, a point
/// meeting its negation; then batches chained on the same buckets.
fn batches_match<const D: usize>(ifma: Ifma)
where
    Point<D>: Group,
{
    type A<const D: usize> = <Point<D> as Group>::Affine;
    let mut rng = ChaCha20Rng::seed_from_u64(3 + D as u64);
    let mut adder = BatchAdder::<D>::new(ifma);
    let convert = |points: &[(u32, A<D>)]| -> Vec<(u32, Point<D>)> {
        points
            .iter()
            .map(|(b, p)| (*b, Point::<D>::from_ark(p)))
            .collect()
    };
    for size in (1..=40).chain([511, 512]) {
        let buckets: Vec<A<D>> = (0..size + 3)
            .map(|i| {
                if i % 11 == 5 {
                    A::<D>::zero()
                } else {
                    random(&mut rng)
                }
            })
            .collect();
        let batch: Vec<(u32, A<D>)> = (0..size)
            .map(|i| {
                let b = buckets[i];
                let p = match i % 13 {
                    3 => b,                               // doubling (or identity + identity)
                    7 => (-b.into_group()).into_affine(), // cancels
                    9 => A::<D>::zero(),
                    _ => random(&mut rng),
                };
                (i as u32, p)
            })
            .collect();
        let mut ours: Vec<Point<D>> = buckets.iter().map(Point::<D>::from_ark).collect();
        adder.add(&mut ours, &convert(&batch));
        let mut expected = buckets.clone();
        for (b, p) in &batch {
            expected[*b as usize] = (expected[*b as usize] + *p).into_affine();
        }
        let ours: Vec<A<D>> = ours.iter().map(Group::to_ark).collect();
        assert_eq!(ours, expected, "D = {D}, batch of {size}");
    }
    let mut ours = vec![Point::<D>::IDENTITY; 64];
    let mut expected = vec![<A<D> as AffineRepr>::Group::zero(); 64];
    for _ in 0..20 {
        let mut batch: Vec<(u32, A<D>)> = Vec::new();
        for b in 0..64 {
            if rng.gen_bool(0.7) {
                batch.push((b, random(&mut rng)));
            }
        }
        adder.add(&mut ours, &convert(&batch));
        for (b, p) in batch {
            expected[b as usize] += p;
        }
    }
    for (ours, expected) in ours.iter().zip(&expected) {
        assert_eq!(ours.to_ark(), expected.into_affine(), "D = {D}, chained");
    }
}

#[test]
fn batches_match_arkworks() {
    let Some(ifma) = ifma() else { return };
    batches_match::<1>(ifma);
    batches_match::<2>(ifma);
}

#[test]
fn g2_points_convert_and_negate() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for _ in 0..10 {
        let p: G2Affine = random(&mut rng);
        let v = G2Point::from_affine(&p);
        assert_eq!(v.to_affine(), p);
        assert_eq!(v.neg().to_affine(), -p);
    }
    // A zero component stays zero under negation (not p).
    let mut v = G2Point::from_affine(&random(&mut rng));
    v.y[1] = [0; 4];
    assert_eq!(v.neg().y[1], [0; 4]);
    assert!(G2Point::from_affine(&G2Affine::identity()).is_identity());
}

#[test]
fn fq2_products_match_arkworks() {
    let Some(_) = ifma() else { return };
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    for _ in 0..20 {
        let a: [Fq2; 8] = std::array::from_fn(|_| Fq2::rand(&mut rng));
        let b: [Fq2; 8] = std::array::from_fn(|_| Fq2::rand(&mut rng));
        // Components up to 2p: add 0 or 1 multiples of p.
        let input = |x: &[Fq2; 8], c: usize, rng: &mut ChaCha20Rng| -> [[u64; 4]; 8] {
            std::array::from_fn(|i| {
                with_multiple(if c == 0 { x[i].c0 } else { x[i].c1 }, rng.gen_range(0..2))
            })
        };
        let inputs = [
            input(&a, 0, &mut rng),
            input(&a, 1, &mut rng),
            input(&b, 0, &mut rng),
            input(&b, 1, &mut rng),
        ];
        // SAFETY: `ifma()` found the features.
        let c0 = unsafe { lanes(&inputs, |v| fq8::mul_fq2(&[v[0], v[1]], &[v[2], v[3]])[0]) };
        // SAFETY: as above.
        let c1 = unsafe { lanes(&inputs, |v| fq8::mul_fq2(&[v[0], v[1]], &[v[2], v[3]])[1]) };
        for i in 0..8 {
            let (re, below0) = lane_value(c0[i], 2);
            let (im, below1) = lane_value(c1[i], 2);
            assert_eq!(Fq2::new(re, im), a[i] * b[i]);
            assert!(below0 && below1, "components below 2p");
        }
    }
}

mod fq12 {
    use super::*;
    use crate::Fq12Lanes;
    use ark_bn254::Fq12;
    use ark_ff::Field;
    use num_bigint::BigUint;

    /// Every coordinate moved to its representative in `[p, 2p)`, the largest the
    /// operations take.
    fn loosened(mut a: Fq12Lanes) -> Fq12Lanes {
        let p = num_from(<Fq as PrimeField>::MODULUS);
        let lanes = a.lanes_mut();
        for m in 0..12 {
            let (half, lane) = (m / 8, m % 8);
            let value = (0..5).fold(BigUint::from(0u32), |acc, j| {
                acc + (BigUint::from(lanes[5 * half + j][lane]) << (52 * j))
            });
            let value = if value < p { value + &p } else { value };
            for j in 0..5 {
                let limb = (&value >> (52 * j)) & BigUint::from(fq8::MASK);
                lanes[5 * half + j][lane] = limb.iter_u64_digits().next().unwrap_or(0);
            }
        }
        a
    }

    #[test]
    fn products_match_arkworks() {
        let Some(ifma) = ifma() else { return };
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        for round in 0..50 {
            let (a, b) = (Fq12::rand(&mut rng), Fq12::rand(&mut rng));
            let (mut x, mut y) = (
                Fq12Lanes::from_fq12(ifma, &a),
                Fq12Lanes::from_fq12(ifma, &b),
            );
            if round % 2 == 1 {
                (x, y) = (loosened(x), loosened(y));
            }
            assert_eq!(x.to_fq12(), a);
            assert_eq!(x.mul(&y).to_fq12(), a * b);
            assert_eq!(x.square().to_fq12(), a.square());
            assert_eq!(x.conjugate().to_fq12(), {
                let mut c = a;
                c.conjugate_in_place();
                c
            });
            for power in 0..12 {
                assert_eq!(x.frobenius_map(power).to_fq12(), a.frobenius_map(power));
            }
            let line = [0; 3].map(|_| Fq2::rand(&mut rng));
            let mut expected = a;
            expected.mul_by_034(&line[0], &line[1], &line[2]);
            let sixteenth = Fq::from(16u64).inverse().unwrap();
            assert_eq!(
                x.mul_by_034_scaled(&line[0], &line[1], &line[2]).to_fq12(),
                expected * Fq12::from_base_prime_field(sixteenth)
            );
        }
        // Cyclotomic squares, of elements of the cyclotomic subgroup: f^((p⁶−1)(p²+1)).
        for round in 0..50 {
            let f = Fq12::rand(&mut rng);
            let mut g = f;
            g.conjugate_in_place();
            let g = g * f.inverse().unwrap();
            let g = g.frobenius_map(2) * g;
            let mut x = Fq12Lanes::from_fq12(ifma, &g);
            if round % 2 == 1 {
                x = loosened(x);
            }
            assert_eq!(x.cyclotomic_square().to_fq12(), g.square());
        }
        // Chained products stay in range.
        let a = Fq12::rand(&mut rng);
        let (mut x, mut expected) = (Fq12Lanes::from_fq12(ifma, &a), a);
        for _ in 0..200 {
            x = x.square().mul(&x);
            expected = expected.square() * expected;
        }
        let cyclotomic = {
            let mut g = expected;
            g.conjugate_in_place();
            let g = g * expected.inverse().unwrap();
            g.frobenius_map(2) * g
        };
        let (mut y, mut expected_y) = (Fq12Lanes::from_fq12(ifma, &cyclotomic), cyclotomic);
        for _ in 0..200 {
            y = y.cyclotomic_square().cyclotomic_square().mul(&y);
            expected_y = expected_y.square().square() * expected_y;
        }
        assert_eq!(y.to_fq12(), expected_y);
        assert_eq!(x.to_fq12(), expected);
        assert_eq!(Fq12Lanes::one(ifma).to_fq12(), Fq12::ONE);
        assert_eq!(
            Fq12Lanes::from_fq12(ifma, &Fq12::zero())
                .conjugate()
                .to_fq12(),
            Fq12::zero()
        );
    }
}
