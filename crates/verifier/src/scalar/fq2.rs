//! `Fq2 = Fq[u]/(u² + 1)`, with each coordinate of a product reduced once.

use super::fq::{Fq, Wide};

/// `c0 + c1·u`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fq2 {
    pub(crate) c0: Fq,
    pub(crate) c1: Fq,
}

impl Fq2 {
    pub(crate) const ZERO: Fq2 = Fq2 {
        c0: Fq::ZERO,
        c1: Fq::ZERO,
    };

    pub(crate) fn from_ark(a: &ark_bn254::Fq2) -> Fq2 {
        Fq2 {
            c0: Fq::from_ark(&a.c0),
            c1: Fq::from_ark(&a.c1),
        }
    }

    pub(crate) fn to_ark(self) -> ark_bn254::Fq2 {
        ark_bn254::Fq2::new(self.c0.to_ark(), self.c1.to_ark())
    }

    #[inline(always)]
    pub(crate) fn add(self, b: Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0.add(b.c0),
            c1: self.c1.add(b.c1),
        }
    }

    #[inline(always)]
    pub(crate) fn sub(self, b: Fq2) -> Fq2 {
        Fq2 {
            c0: self.c0.sub(b.c0),
            c1: self.c1.sub(b.c1),
        }
    }

    #[inline(always)]
    pub(crate) fn double(self) -> Fq2 {
        self.add(self)
    }

    #[inline(always)]
    pub(crate) fn neg(self) -> Fq2 {
        Fq2 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
        }
    }

    /// Karatsuba: `(a₀b₀ − a₁b₁) + ((a₀ + a₁)(b₀ + b₁) − a₀b₀ − a₁b₁)·u`, three
    /// products, each coordinate reduced once. The second coordinate is
    /// `a₀b₁ + a₁b₀ < 2p²` as an integer; the first gets `p²` if negative.
    #[inline(always)]
    pub(crate) fn mul(self, b: Fq2) -> Fq2 {
        let t0 = Wide::mul(&self.c0.0, &b.c0.0);
        let t1 = Wide::mul(&self.c1.0, &b.c1.0);
        let sums = Wide::mul(&self.c0.add_unreduced(self.c1), &b.c0.add_unreduced(b.c1));
        Fq2 {
            c0: t0.sub_or_add_p_squared(&t1).reduce(),
            c1: sums.sub(&t0).sub(&t1).reduce(),
        }
    }

    /// `ξ·self` for `ξ = 9 + u`, the non-residue of `Fq6 = Fq2[v]/(v³ − ξ)`:
    /// `(9a₀ − a₁) + (a₀ + 9a₁)·u`.
    #[inline(always)]
    pub(crate) fn mul_by_xi(self) -> Fq2 {
        Fq2 {
            c0: self.c0.mul_small_add(9, self.c1.neg()),
            c1: self.c1.mul_small_add(9, self.c0),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_bn254::Fq6Config;
    use ark_ff::fields::Fp6Config;
    use ark_ff::{AdditiveGroup, UniformRand};
    use proptest::strategy::Strategy;
    use rand::{rngs::StdRng, SeedableRng};

    /// Coordinates from [`crate::scalar::fq::tests::samples`] paired, then random.
    pub(crate) fn samples(seed: u64) -> Vec<ark_bn254::Fq2> {
        let base = crate::scalar::fq::tests::samples(seed);
        let mut v: Vec<_> = base
            .iter()
            .zip(base.iter().rev())
            .map(|(a, b)| ark_bn254::Fq2::new(*a, *b))
            .collect();
        // Both coordinates −1, and both at the largest limbs below p (samples 6, 7):
        // the largest sums Karatsuba forms.
        for (a, b) in [(3, 3), (6, 6), (6, 7), (7, 7)] {
            v.push(ark_bn254::Fq2::new(base[a], base[b]));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        v.extend((0..8).map(|_| ark_bn254::Fq2::rand(&mut rng)));
        v
    }

    #[test]
    fn agrees_with_arkworks() {
        let samples = samples(2);
        for a in &samples {
            let x = Fq2::from_ark(a);
            assert_eq!(x.to_ark(), *a);
            assert_eq!(x.double().to_ark(), a.double());
            assert_eq!(x.neg().to_ark(), -*a);
            assert_eq!(x.mul_by_xi().to_ark(), Fq6Config::mul_fp2_by_nonresidue(*a));
            for b in &samples {
                let y = Fq2::from_ark(b);
                assert_eq!(x.mul(y).to_ark(), *a * b);
                assert_eq!(x.add(y).to_ark(), *a + b);
                assert_eq!(x.sub(y).to_ark(), *a - b);
            }
        }
    }

    fn element() -> impl proptest::strategy::Strategy<Value = ark_bn254::Fq> {
        use ark_ff::PrimeField;
        proptest::prelude::any::<[u8; 32]>()
            .prop_map(|b| ark_bn254::Fq::from_le_bytes_mod_order(&b))
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_elements_agree_with_arkworks(
            a in element(), b in element(), c in element(), d in element(), k in 0u64..16,
        ) {
            let (x, y) = (Fq::from_ark(&a), Fq::from_ark(&b));
            proptest::prop_assert_eq!(Wide::mul(&x.0, &y.0).reduce().to_ark(), a * b);
            proptest::prop_assert_eq!(x.add(y).to_ark(), a + b);
            proptest::prop_assert_eq!(x.sub(y).to_ark(), a - b);
            proptest::prop_assert_eq!(x.mul_small_add(k, y).to_ark(), a * ark_bn254::Fq::from(k) + b);
            let (u, v) = (ark_bn254::Fq2::new(a, b), ark_bn254::Fq2::new(c, d));
            let (s, t) = (Fq2::from_ark(&u), Fq2::from_ark(&v));
            proptest::prop_assert_eq!(s.mul(t).to_ark(), u * v);
            proptest::prop_assert_eq!(s.mul_by_xi().to_ark(), Fq6Config::mul_fp2_by_nonresidue(u));
        }
    }
}
