//! `Fq6 = Fq2[v]/(v³ − ξ)` and `Fq12 = Fq6[w]/(w² − v)`, arkworks' tower, with
//! arkworks' formulas over [`Fq2`].

use super::fq2::Fq2;

/// `c0 + c1·v + c2·v²`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fq6 {
    pub(crate) c0: Fq2,
    pub(crate) c1: Fq2,
    pub(crate) c2: Fq2,
}

impl Fq6 {
    fn from_ark(a: &ark_bn254::Fq6) -> Fq6 {
        Fq6 {
            c0: Fq2::from_ark(&a.c0),
            c1: Fq2::from_ark(&a.c1),
            c2: Fq2::from_ark(&a.c2),
        }
    }

    fn to_ark(self) -> ark_bn254::Fq6 {
        ark_bn254::Fq6::new(self.c0.to_ark(), self.c1.to_ark(), self.c2.to_ark())
    }

    #[inline(always)]
    fn add(self, b: Fq6) -> Fq6 {
        Fq6 {
            c0: self.c0.add(b.c0),
            c1: self.c1.add(b.c1),
            c2: self.c2.add(b.c2),
        }
    }

    #[inline(always)]
    fn sub(self, b: Fq6) -> Fq6 {
        Fq6 {
            c0: self.c0.sub(b.c0),
            c1: self.c1.sub(b.c1),
            c2: self.c2.sub(b.c2),
        }
    }

    #[inline(always)]
    fn neg(self) -> Fq6 {
        Fq6 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
            c2: self.c2.neg(),
        }
    }

    /// `v·self`: `(c₀, c₁, c₂) ↦ (ξ·c₂, c₀, c₁)`, as `v³ = ξ`.
    #[inline(always)]
    fn mul_by_v(self) -> Fq6 {
        Fq6 {
            c0: self.c2.mul_by_xi(),
            c1: self.c0,
            c2: self.c1,
        }
    }

    /// Karatsuba (Devegili, Ó hÉigeartaigh, Scott, Dahab): six products in `Fq2`.
    fn mul(self, b: Fq6) -> Fq6 {
        let (d, e, f) = (self.c0, self.c1, self.c2);
        let (ad, be, cf) = (d.mul(b.c0), e.mul(b.c1), f.mul(b.c2));
        let x = e.add(f).mul(b.c1.add(b.c2)).sub(be).sub(cf);
        let y = d.add(e).mul(b.c0.add(b.c1)).sub(ad).sub(be);
        let z = d.add(f).mul(b.c0.add(b.c2)).sub(ad).add(be).sub(cf);
        Fq6 {
            c0: ad.add(x.mul_by_xi()),
            c1: y.add(cf.mul_by_xi()),
            c2: z,
        }
    }

    /// `self·(c₀ + c₁·v)`: five products in `Fq2`.
    fn mul_by_01(self, c0: Fq2, c1: Fq2) -> Fq6 {
        let a_a = self.c0.mul(c0);
        let b_b = self.c1.mul(c1);
        let t1 = c1.mul(self.c1.add(self.c2)).sub(b_b).mul_by_xi().add(a_a);
        let t3 = c0.mul(self.c0.add(self.c2)).sub(a_a).add(b_b);
        let t2 = c0.add(c1).mul(self.c0.add(self.c1)).sub(a_a).sub(b_b);
        Fq6 {
            c0: t1,
            c1: t2,
            c2: t3,
        }
    }
}

/// `c0 + c1·w`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fq12 {
    pub(crate) c0: Fq6,
    pub(crate) c1: Fq6,
}

impl Fq12 {
    pub(crate) fn one() -> Fq12 {
        Fq12::from_ark(&<ark_bn254::Fq12 as ark_ff::One>::one())
    }

    pub(crate) fn from_ark(a: &ark_bn254::Fq12) -> Fq12 {
        Fq12 {
            c0: Fq6::from_ark(&a.c0),
            c1: Fq6::from_ark(&a.c1),
        }
    }

    pub(crate) fn to_ark(self) -> ark_bn254::Fq12 {
        ark_bn254::Fq12::new(self.c0.to_ark(), self.c1.to_ark())
    }

    /// Karatsuba: `a₀b₀ + v·a₁b₁ + ((a₀ + a₁)(b₀ + b₁) − a₀b₀ − a₁b₁)·w`.
    pub(crate) fn mul(&self, b: &Fq12) -> Fq12 {
        let v0 = self.c0.mul(b.c0);
        let v1 = self.c1.mul(b.c1);
        let c1 = self.c0.add(self.c1).mul(b.c0.add(b.c1)).sub(v0).sub(v1);
        Fq12 {
            c0: v0.add(v1.mul_by_v()),
            c1,
        }
    }

    /// Complex squaring: with `v₂ = a₀a₁`, `a² = (a₀ − a₁)(a₀ − v·a₁) + v₂ + v·v₂ +
    /// 2v₂·w`, two products in `Fq6`.
    pub(crate) fn square(&self) -> Fq12 {
        let (a0, a1) = (self.c0, self.c1);
        let v2 = a0.mul(a1);
        let v0 = a0.sub(a1).mul(a0.sub(a1.mul_by_v())).add(v2);
        Fq12 {
            c0: v0.add(v2.mul_by_v()),
            c1: v2.add(v2),
        }
    }

    /// `a²` for `a` in the cyclotomic subgroup (Granger and Scott, as arkworks'
    /// `cyclotomic_square`): over `Fq4 = Fq2[y]/(y² − ξ)`, the three pairs
    /// `(z, z')` of coefficients `y` apart are squared as `(z + z'y)² = (z² + ξz'²) +
    /// 2zz'·y`, and the result is `3·square ∓ 2·input` coordinate by coordinate.
    pub(crate) fn cyclotomic_square(&self) -> Fq12 {
        let fq4_square = |z: Fq2, z1: Fq2| {
            let tmp = z.mul(z1);
            let re = z
                .add(z1)
                .mul(z1.mul_by_xi().add(z))
                .sub(tmp)
                .sub(tmp.mul_by_xi());
            (re, tmp.double())
        };
        let (r0, r4, r3) = (self.c0.c0, self.c0.c1, self.c0.c2);
        let (r2, r1, r5) = (self.c1.c0, self.c1.c1, self.c1.c2);
        let (t0, t1) = fq4_square(r0, r1);
        let (t2, t3) = fq4_square(r2, r3);
        let (t4, t5) = fq4_square(r4, r5);
        let minus = |t: Fq2, z: Fq2| t.sub(z).double().add(t); // 3t − 2z
        let plus = |t: Fq2, z: Fq2| t.add(z).double().add(t); // 3t + 2z
        Fq12 {
            c0: Fq6 {
                c0: minus(t0, r0),
                c1: minus(t2, r4),
                c2: minus(t4, r3),
            },
            c1: Fq6 {
                c0: plus(t5.mul_by_xi(), r2),
                c1: plus(t1, r1),
                c2: plus(t3, r5),
            },
        }
    }

    /// The conjugate `a₀ − a₁·w`: the inverse in the cyclotomic subgroup.
    pub(crate) fn conjugate(&self) -> Fq12 {
        Fq12 {
            c0: self.c0,
            c1: self.c1.neg(),
        }
    }

    /// `self·(c₀ + (c₃ + c₄·v)·w)`, a line of the Miller loop: 13 products in `Fq2`.
    pub(crate) fn mul_by_034(&self, c0: Fq2, c3: Fq2, c4: Fq2) -> Fq12 {
        let a = Fq6 {
            c0: self.c0.c0.mul(c0),
            c1: self.c0.c1.mul(c0),
            c2: self.c0.c2.mul(c0),
        };
        let b = self.c1.mul_by_01(c3, c4);
        let e = self.c0.add(self.c1).mul_by_01(c0.add(c3), c4);
        Fq12 {
            c0: b.mul_by_v().add(a),
            c1: e.sub(a.add(b)),
        }
    }

    /// `self·ℓ₁·ℓ₂`: 23 multiplications in `Fq2` where two `mul_by_034` take 26
    /// (gnark-crypto's `Mul034By034` and `MulBy01234`). With `ℓ = a₀ + (a₃ + a₄v)w`
    /// and `w² = v`, `v³ = ξ`:
    ///
    /// ```text
    /// ℓ₁·ℓ₂ = (a₀b₀ + ξ·a₄b₄, a₃b₃, a₃b₄ + a₄b₃) + (a₀b₃ + a₃b₀, a₀b₄ + a₄b₀, 0)·w
    /// ```
    ///
    /// six products by Karatsuba; then `(f₀ + f₁w)(L₀ + L₁w) = f₀L₀ + v·f₁L₁ +
    /// ((f₀ + f₁)(L₀ + L₁) − f₀L₀ − f₁L₁)·w`, where `L₁` has two coefficients.
    pub(crate) fn mul_by_two_lines(&self, [a0, a3, a4]: [Fq2; 3], [b0, b3, b4]: [Fq2; 3]) -> Fq12 {
        let (x00, x33, x44) = (a0.mul(b0), a3.mul(b3), a4.mul(b4));
        let x03 = a0.add(a3).mul(b0.add(b3)).sub(x00).sub(x33);
        let x04 = a0.add(a4).mul(b0.add(b4)).sub(x00).sub(x44);
        let x34 = a3.add(a4).mul(b3.add(b4)).sub(x33).sub(x44);
        let l0 = Fq6 {
            c0: x00.add(x44.mul_by_xi()),
            c1: x33,
            c2: x34,
        };
        let l1 = Fq6 {
            c0: x03,
            c1: x04,
            c2: Fq2::ZERO,
        };
        let f0_l0 = self.c0.mul(l0);
        let f1_l1 = self.c1.mul_by_01(x03, x04);
        let sum = self.c0.add(self.c1).mul(l0.add(l1));
        Fq12 {
            c0: f0_l0.add(f1_l1.mul_by_v()),
            c1: sum.sub(f0_l0).sub(f1_l1),
        }
    }

    /// `self^(p^power)`, through arkworks (three per verification).
    pub(crate) fn frobenius_map(&self, power: usize) -> Fq12 {
        Fq12::from_ark(&ark_ff::Field::frobenius_map(&self.to_ark(), power))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{CyclotomicMultSubgroup, Field, UniformRand};
    use rand::{rngs::StdRng, SeedableRng};

    /// Elements built from [`crate::scalar::fq2::tests::samples`] (the extreme
    /// coordinates included), then random ones.
    fn samples(seed: u64) -> Vec<ark_bn254::Fq12> {
        let c = crate::scalar::fq2::tests::samples(seed);
        let six = |i: usize| {
            ark_bn254::Fq6::new(c[i % c.len()], c[(i + 1) % c.len()], c[(i + 2) % c.len()])
        };
        let mut v: Vec<_> = (0..c.len())
            .map(|i| ark_bn254::Fq12::new(six(i), six(i + 3)))
            .collect();
        let mut rng = StdRng::seed_from_u64(seed);
        v.extend((0..8).map(|_| ark_bn254::Fq12::rand(&mut rng)));
        v
    }

    /// Elements of the cyclotomic subgroup: `f^((p⁶ − 1)(p² + 1))`.
    fn cyclotomic(f: &ark_bn254::Fq12) -> Option<ark_bn254::Fq12> {
        crate::final_exp::easy_part(*f)
    }

    #[test]
    fn agrees_with_arkworks() {
        let samples = samples(3);
        let lines = crate::scalar::fq2::tests::samples(4);
        for (i, a) in samples.iter().enumerate() {
            let x = Fq12::from_ark(a);
            assert_eq!(x.to_ark(), *a);
            assert_eq!(x.square().to_ark(), a.square());
            assert_eq!(x.conjugate().to_ark(), {
                let mut c = *a;
                c.conjugate_in_place();
                c
            });
            // Through arkworks: this checks the conversions around it.
            for power in 0..12 {
                assert_eq!(x.frobenius_map(power).to_ark(), a.frobenius_map(power));
            }
            if let Some(r) = cyclotomic(a) {
                let y = Fq12::from_ark(&r);
                assert_eq!(y.cyclotomic_square().to_ark(), r.cyclotomic_square());
                assert_eq!(y.cyclotomic_square().to_ark(), r.square());
            }
            let l = |k: usize| lines[(i + k) % lines.len()];
            let [c0, c3, c4] = [l(0), l(1), l(2)];
            let mut expected = *a;
            expected.mul_by_034(&c0, &c3, &c4);
            let got = x.mul_by_034(Fq2::from_ark(&c0), Fq2::from_ark(&c3), Fq2::from_ark(&c4));
            assert_eq!(got.to_ark(), expected);
            let [d0, d3, d4] = [l(3), l(4), l(5)];
            expected.mul_by_034(&d0, &d3, &d4);
            let lift = |l: [ark_bn254::Fq2; 3]| l.map(|c| Fq2::from_ark(&c));
            let two = x.mul_by_two_lines(lift([c0, c3, c4]), lift([d0, d3, d4]));
            assert_eq!(two.to_ark(), expected);
            for b in &samples {
                assert_eq!(x.mul(&Fq12::from_ark(b)).to_ark(), *a * b);
            }
        }
    }
}
