//! The `Fq12` arithmetic under the Miller loops and the hard part of the final
//! exponentiation: [`Fq12Lanes`] (the twelve coordinates in the lanes of AVX-512
//! registers, multiplied with IFMA) where the CPU has it, the portable
//! [`crate::scalar::Fq12`] elsewhere. Both run the same code
//! ([`crate::miller::chain`], [`crate::final_exp::hard_part`]), generic over
//! [`Tower`]; the tests run it on both and on arkworks' `Fq12`, the reference.

use crate::miller::Line;
use ark_bn254::Fq12;
#[cfg(test)]
use ark_ff::{CyclotomicMultSubgroup, Field, One};
use x402_zk_ifma::{Fq12Lanes, Ifma};

/// `Fq12` arithmetic on some representation `F` of its elements.
pub(crate) trait Tower: Copy {
    type F: Copy;
    fn one(self) -> Self::F;
    /// From arkworks' `Fq12`.
    fn lift(self, f: &Fq12) -> Self::F;
    /// To arkworks' `Fq12`.
    fn lower(self, f: &Self::F) -> Fq12;
    fn mul(self, a: &Self::F, b: &Self::F) -> Self::F;
    /// `a²` for any `a` (the Miller loop).
    fn square(self, a: &Self::F) -> Self::F;
    /// `a²` for `a` in the cyclotomic subgroup (the hard part).
    fn cyclotomic_square(self, a: &Self::F) -> Self::F;
    /// The conjugate: the inverse of an element of the cyclotomic subgroup.
    fn conjugate(self, a: &Self::F) -> Self::F;
    fn frobenius_map(self, a: &Self::F, power: usize) -> Self::F;
    /// `f ← c·f·ℓ₁·ℓ₂` (or `c·f·ℓ₁`) for some `c ∈ Fq*` fixed by the implementation,
    /// which the easy part of the final exponentiation removes.
    fn mul_by_lines(self, f: &mut Self::F, first: &Line, second: Option<&Line>);
}

/// Arkworks' `Fq12` (`c = 1`): the reference the tests compare the others with.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arkworks;

#[cfg(test)]
impl Tower for Arkworks {
    type F = Fq12;
    fn one(self) -> Fq12 {
        Fq12::one()
    }
    fn lift(self, f: &Fq12) -> Fq12 {
        *f
    }
    fn lower(self, f: &Fq12) -> Fq12 {
        *f
    }
    fn mul(self, a: &Fq12, b: &Fq12) -> Fq12 {
        *a * b
    }
    fn square(self, a: &Fq12) -> Fq12 {
        a.square()
    }
    fn cyclotomic_square(self, a: &Fq12) -> Fq12 {
        a.cyclotomic_square()
    }
    fn conjugate(self, a: &Fq12) -> Fq12 {
        let mut c = *a;
        c.cyclotomic_inverse_in_place();
        c
    }
    fn frobenius_map(self, a: &Fq12, power: usize) -> Fq12 {
        a.frobenius_map(power)
    }
    fn mul_by_lines(self, f: &mut Fq12, first: &Line, second: Option<&Line>) {
        // The plain sparse product, line by line: the reference for the others.
        for [c0, c3, c4] in std::iter::once(first).chain(second) {
            f.mul_by_034(c0, c3, c4);
        }
    }
}

/// [`Fq12Lanes`] (`c = 16^−k` for `k` lines: see
/// [`Fq12Lanes::mul_by_034_scaled`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Vector(pub(crate) Ifma);

impl Tower for Vector {
    type F = Fq12Lanes;
    fn one(self) -> Fq12Lanes {
        Fq12Lanes::one(self.0)
    }
    fn lift(self, f: &Fq12) -> Fq12Lanes {
        Fq12Lanes::from_fq12(self.0, f)
    }
    fn lower(self, f: &Fq12Lanes) -> Fq12 {
        f.to_fq12()
    }
    fn mul(self, a: &Fq12Lanes, b: &Fq12Lanes) -> Fq12Lanes {
        a.mul(b)
    }
    fn square(self, a: &Fq12Lanes) -> Fq12Lanes {
        a.square()
    }
    fn cyclotomic_square(self, a: &Fq12Lanes) -> Fq12Lanes {
        a.cyclotomic_square()
    }
    fn conjugate(self, a: &Fq12Lanes) -> Fq12Lanes {
        a.conjugate()
    }
    fn frobenius_map(self, a: &Fq12Lanes, power: usize) -> Fq12Lanes {
        a.frobenius_map(power)
    }
    fn mul_by_lines(self, f: &mut Fq12Lanes, first: &Line, second: Option<&Line>) {
        for [c0, c3, c4] in std::iter::once(first).chain(second) {
            *f = f.mul_by_034_scaled(c0, c3, c4);
        }
    }
}

/// [`crate::scalar::Fq12`] (`c = 1`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Tower for Scalar {
    type F = crate::scalar::Fq12;
    fn one(self) -> Self::F {
        crate::scalar::Fq12::one()
    }
    fn lift(self, f: &Fq12) -> Self::F {
        crate::scalar::Fq12::from_ark(f)
    }
    fn lower(self, f: &Self::F) -> Fq12 {
        f.to_ark()
    }
    fn mul(self, a: &Self::F, b: &Self::F) -> Self::F {
        a.mul(b)
    }
    fn square(self, a: &Self::F) -> Self::F {
        a.square()
    }
    fn cyclotomic_square(self, a: &Self::F) -> Self::F {
        a.cyclotomic_square()
    }
    fn conjugate(self, a: &Self::F) -> Self::F {
        a.conjugate()
    }
    fn frobenius_map(self, a: &Self::F, power: usize) -> Self::F {
        a.frobenius_map(power)
    }
    fn mul_by_lines(self, f: &mut Self::F, first: &Line, second: Option<&Line>) {
        use crate::scalar::Fq2;
        let lift = |l: &Line| l.map(|c| Fq2::from_ark(&c));
        *f = match second {
            Some(second) => f.mul_by_two_lines(lift(first), lift(second)),
            None => {
                let [c0, c3, c4] = lift(first);
                f.mul_by_034(c0, c3, c4)
            }
        };
    }
}

/// Which [`Tower`] a [`crate::Verifier`] runs on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Backend {
    Scalar,
    Ifma(Ifma),
}

impl Backend {
    /// IFMA's where the CPU has it.
    pub(crate) fn detect() -> Self {
        Ifma::detect().map_or(Backend::Scalar, Backend::Ifma)
    }

    /// [`crate::miller::chain`] on this backend.
    pub(crate) fn chain(self, parts: &[crate::miller::Part<'_>]) -> Fq12 {
        match self {
            Backend::Scalar => crate::miller::chain(Scalar, parts),
            Backend::Ifma(ifma) => crate::miller::chain(Vector(ifma), parts),
        }
    }

    /// [`crate::final_exp::hard_part`] on this backend.
    pub(crate) fn hard_part(self, r: Fq12) -> Fq12 {
        match self {
            Backend::Scalar => crate::final_exp::hard_part(Scalar, r),
            Backend::Ifma(ifma) => crate::final_exp::hard_part(Vector(ifma), r),
        }
    }
}
