//! Baby Jubjub points in R1CS: on-curve check, addition, doubling.
//!
//! Twin: [`x402_zk_primitives::babyjubjub`] (arkworks' twisted Edwards group law
//! over taceo's circomlib-form curve). For points on the curve the formulas are
//! complete (`a` is a square and `d` is not in `Fr`), so no denominator vanishes
//! and every output is unique. Callers must only pass points known to be on the
//! curve: inputs checked with [`PointVar::enforce_on_curve`], constants, or
//! outputs of these gadgets.

use crate::num::{Cs, Num};
use ark_bn254::Fr;
use ark_ff::One;
use ark_relations::r1cs::SynthesisError;
use x402_zk_primitives::babyjubjub::{coeff_a, coeff_d, EdwardsProjective, Point};

/// An affine point `(x, y)`.
#[derive(Clone, Debug)]
pub struct PointVar {
    /// x-coordinate.
    pub x: Num,
    /// y-coordinate.
    pub y: Num,
}

impl PointVar {
    /// A constant point.
    pub fn constant(p: &Point) -> Self {
        PointVar {
            x: Num::constant(p.x),
            y: Num::constant(p.y),
        }
    }

    /// The identity `(0, 1)`.
    pub fn identity() -> Self {
        PointVar {
            x: Num::zero(),
            y: Num::one(),
        }
    }

    /// The value, if known.
    pub fn value(&self) -> Option<Point> {
        Some(Point::new_unchecked(self.x.value()?, self.y.value()?))
    }

    /// Enforces `a·x² + y² = 1 + d·x²·y²` (3 constraints).
    pub fn enforce_on_curve(&self, cs: &Cs) -> Result<(), SynthesisError> {
        let x2 = self.x.square(cs)?;
        let y2 = self.y.square(cs)?;
        let lhs = x2.scale(coeff_a()).add(&y2).add_constant(-Fr::one());
        crate::num::enforce(cs, &x2.scale(coeff_d()), &y2, &lhs)
    }

    /// `self + other` (6 constraints; fewer when an operand is constant):
    ///
    /// ```text
    /// β = x₁·y₂   γ = y₁·x₂   δ = (−a·x₁ + y₁)·(x₂ + y₂)   τ = β·γ
    /// x₃·(1 + d·τ) = β + γ     y₃·(1 − d·τ) = δ + a·β − γ
    /// ```
    pub fn add(&self, cs: &Cs, other: &PointVar) -> Result<PointVar, SynthesisError> {
        self.add_hinted(cs, other, None)
    }

    /// [`PointVar::add`] with the sum suggested by a twin (see [`Num::div_hinted`]).
    pub fn add_hinted(
        &self,
        cs: &Cs,
        other: &PointVar,
        hint: Option<Point>,
    ) -> Result<PointVar, SynthesisError> {
        let (a, d) = (coeff_a(), coeff_d());
        let beta = self.x.mul(cs, &other.y)?;
        let gamma = self.y.mul(cs, &other.x)?;
        let delta = self
            .x
            .scale(-a)
            .add(&self.y)
            .mul(cs, &other.x.add(&other.y))?;
        let tau = beta.mul(cs, &gamma)?;
        let dtau = tau.scale(d);
        let x =
            beta.add(&gamma)
                .div_hinted(cs, &dtau.add_constant(Fr::one()), hint.map(|h| h.x))?;
        let y = delta.add(&beta.scale(a)).sub(&gamma).div_hinted(
            cs,
            &Num::one().sub(&dtau),
            hint.map(|h| h.y),
        )?;
        Ok(PointVar { x, y })
    }

    /// `2·self` (5 constraints):
    ///
    /// ```text
    /// x₃·(a·x² + y²) = 2·x·y     y₃·(2 − a·x² − y²) = y² − a·x²
    /// ```
    pub fn double(&self, cs: &Cs) -> Result<PointVar, SynthesisError> {
        self.double_hinted(cs, None)
    }

    /// [`PointVar::double`] with the result suggested by a twin.
    pub fn double_hinted(&self, cs: &Cs, hint: Option<Point>) -> Result<PointVar, SynthesisError> {
        let a = coeff_a();
        let xy = self.x.mul(cs, &self.y)?;
        let x2 = self.x.square(cs)?;
        let y2 = self.y.square(cs)?;
        let ax2 = x2.scale(a);
        let x = xy
            .scale(Fr::from(2u64))
            .div_hinted(cs, &ax2.add(&y2), hint.map(|h| h.x))?;
        let y = y2.sub(&ax2).div_hinted(
            cs,
            &Num::constant(Fr::from(2u64)).sub(&ax2).sub(&y2),
            hint.map(|h| h.y),
        )?;
        Ok(PointVar { x, y })
    }

    /// Enforces that `self` (on the curve) is not of small order and returns `8·self`
    /// (16 constraints). `x(4P) = 0` exactly when `4P` is the identity or the point
    /// of order 2, i.e. when the order of `P` divides 8.
    pub fn enforce_not_small_order(&self, cs: &Cs) -> Result<PointVar, SynthesisError> {
        let hints = self.value().map(|p| multiples_of_two(&p));
        let p2 = self.double_hinted(cs, hints.map(|h| h.0[0]))?;
        let p4 = p2.double_hinted(cs, hints.map(|h| h.0[1]))?;
        p4.x.enforce_nonzero_hinted(cs, hints.map(|h| h.1))?;
        p4.double_hinted(cs, hints.map(|h| h.0[2]))
    }

    /// `−self = (−x, y)` (free).
    pub fn neg(&self) -> PointVar {
        PointVar {
            x: self.x.scale(-Fr::one()),
            y: self.y.clone(),
        }
    }

    /// Enforces equality of both coordinates (2 constraints).
    pub fn enforce_equal(&self, cs: &Cs, other: &PointVar) -> Result<(), SynthesisError> {
        self.x.enforce_equal(cs, &other.x)?;
        self.y.enforce_equal(cs, &other.y)
    }
}

/// Twin of [`PointVar::enforce_not_small_order`]: `2P`, `4P`, `8P` and `1/x(4P)`
/// with one inversion (projective doublings, then one batch). Off-curve or small
/// order inputs give wrong hints, which the gadgets then ignore.
fn multiples_of_two(p: &Point) -> ([Point; 3], Fr) {
    use ark_ec::{AdditiveGroup, AffineRepr};
    let p2 = p.into_group().double();
    let p4 = p2.double();
    let p8 = p4.double();
    let mut inverse_x4 = [p4.x];
    let affine = normalize(&[p2, p4, p8], &mut inverse_x4);
    (
        <[Point; 3]>::try_from(affine).expect("three points"),
        p4.z * inverse_x4[0],
    )
}

/// Affine forms of projective Edwards points, and the inverses of `also` in
/// place, with one field inversion for all (zeros stay zero, never a panic).
pub(crate) fn normalize(points: &[EdwardsProjective], also: &mut [Fr]) -> Vec<Point> {
    let mut inverses: Vec<Fr> = points
        .iter()
        .map(|p| p.z)
        .chain(also.iter().copied())
        .collect();
    crate::num::batch_invert(&mut inverses);
    also.copy_from_slice(&inverses[points.len()..]);
    points
        .iter()
        .zip(&inverses)
        .map(|(p, z)| Point::new_unchecked(p.x * z, p.y * z))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_relations::r1cs::ConstraintSystem;
    use x402_zk_primitives::babyjubjub::{base8, is_on_curve, mul};

    fn witness(cs: &Cs, p: &Point) -> PointVar {
        PointVar {
            x: Num::witness(cs, Some(p.x)).unwrap(),
            y: Num::witness(cs, Some(p.y)).unwrap(),
        }
    }

    #[test]
    fn add_and_double_match_native_group_law() {
        let p = mul(&base8(), &12345u32.into());
        let q = mul(&base8(), &678u32.into());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (pv, qv) = (witness(&cs, &p), witness(&cs, &q));
        let sum = pv.add(&cs, &qv).unwrap();
        assert_eq!(sum.value(), Some((p.into_group() + q).into_affine()));
        assert_eq!(cs.num_constraints(), 6);
        let dbl = pv.double(&cs).unwrap();
        assert_eq!(dbl.value(), Some((p.into_group() + p).into_affine()));
        assert_eq!(cs.num_constraints(), 11);
        // Completeness: P + P, P + (−P), P + O through the addition formula.
        let same = pv.add(&cs, &pv).unwrap();
        assert_eq!(same.value(), dbl.value());
        let zero = pv.add(&cs, &pv.neg()).unwrap();
        assert_eq!(zero.value(), Some(Point::zero()));
        let id = pv.add(&cs, &PointVar::identity()).unwrap();
        assert_eq!(id.value(), Some(p));
        pv.enforce_on_curve(&cs).unwrap();
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn multiples_of_two_twin() {
        let p = mul(&base8(), &98765u32.into());
        let ([p2, p4, p8], inv) = multiples_of_two(&p);
        assert_eq!(p2, mul(&p, &2u32.into()));
        assert_eq!(p4, mul(&p, &4u32.into()));
        assert_eq!(p8, mul(&p, &8u32.into()));
        assert_eq!(inv * p4.x, Fr::one());
    }

    #[test]
    fn small_order_check_refuses_exactly_the_eight_torsion_points() {
        use x402_zk_primitives::babyjubjub::{is_small_order, subgroup_order};
        // A point outside the prime subgroup, and its torsion part T = l·P (order 8).
        let outside = (2u64..)
            .find_map(|y| {
                let y = Fr::from(y);
                let x2 =
                    (Fr::one() - y * y) * ark_ff::Field::inverse(&(coeff_a() - coeff_d() * y * y))?;
                let p = Point::new_unchecked(ark_ff::Field::sqrt(&x2)?, y);
                (!mul(&p, &subgroup_order()).is_zero()).then_some(p)
            })
            .unwrap();
        let t = mul(&outside, &subgroup_order());
        let good = mul(&base8(), &5u32.into());
        for k in 0u32..8 {
            let torsion = mul(&t, &k.into());
            let mixed = (good.into_group() + torsion).into_affine();
            for (p, small) in [(torsion, true), (mixed, false)] {
                assert_eq!(is_small_order(&p), small);
                let cs = ConstraintSystem::<Fr>::new_ref();
                let eight = witness(&cs, &p).enforce_not_small_order(&cs).unwrap();
                assert_eq!(
                    cs.is_satisfied().unwrap(),
                    !small,
                    "k = {k}, small order: {small}"
                );
                assert_eq!(eight.value(), Some(mul(&p, &8u32.into())));
            }
        }
    }

    #[test]
    fn on_curve_check_refuses_other_points() {
        let p = base8();
        let swapped = Point::new_unchecked(p.y, p.x);
        assert!(!is_on_curve(&swapped));
        for (q, ok) in [(p, true), (swapped, false)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            witness(&cs, &q).enforce_on_curve(&cs).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), ok);
        }
    }
}
