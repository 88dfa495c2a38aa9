//! Baby Jubjub in Montgomery form, `v² = u³ + A·u² + u` with `A = 168698` (`B = 1`),
//! for the cheap but incomplete "double-and-add" step of variable-base
//! scalar multiplication.
//!
//! Twin: the birational map `u = (1 + y)/(1 − y)`, `v = u/x` from the Edwards
//! points of [`x402_zk_primitives::babyjubjub`], under which Edwards addition is
//! Montgomery addition. The map excludes the identity and the point of order 2;
//! the formulas below also exclude adding a point to itself or to its negative.
//! Callers must argue that these exceptional cases cannot be reached.

use super::curve::PointVar;
use crate::num::{enforce, Cs, Num};
use ark_bn254::Fr;
use ark_ff::One;
use ark_relations::r1cs::SynthesisError;

/// The Montgomery coefficient `A = 2(a + d)/(a − d) = 168698`.
pub fn coeff_a() -> Fr {
    Fr::from(168_698u64)
}

/// A point in Montgomery coordinates.
#[derive(Clone, Debug)]
pub struct MontPoint {
    /// u-coordinate.
    pub u: Num,
    /// v-coordinate.
    pub v: Num,
}

/// Edwards → Montgomery (2 constraints): `u·(1 − y) = 1 + y`, `v·x = u`.
pub fn from_edwards(cs: &Cs, p: &PointVar) -> Result<MontPoint, SynthesisError> {
    from_edwards_hinted(cs, p, None)
}

/// [`from_edwards`] with the image `(u, v)` suggested by a twin.
pub fn from_edwards_hinted(
    cs: &Cs,
    p: &PointVar,
    hint: Option<(Fr, Fr)>,
) -> Result<MontPoint, SynthesisError> {
    let one = Num::one();
    let u = one
        .add(&p.y)
        .div_hinted(cs, &one.sub(&p.y), hint.map(|h| h.0))?;
    let v = u.div_hinted(cs, &p.x, hint.map(|h| h.1))?;
    Ok(MontPoint { u, v })
}

/// Montgomery → Edwards (2 constraints): `x·v = u`, `y·(u + 1) = u − 1`.
pub fn to_edwards(cs: &Cs, p: &MontPoint) -> Result<PointVar, SynthesisError> {
    to_edwards_hinted(cs, p, None)
}

/// [`to_edwards`] with the Edwards point suggested by a twin.
pub fn to_edwards_hinted(
    cs: &Cs,
    p: &MontPoint,
    hint: Option<x402_zk_primitives::babyjubjub::Point>,
) -> Result<PointVar, SynthesisError> {
    let x = p.u.div_hinted(cs, &p.v, hint.map(|h| h.x))?;
    let y = p.u.add_constant(-Fr::one()).div_hinted(
        cs,
        &p.u.add_constant(Fr::one()),
        hint.map(|h| h.y),
    )?;
    Ok(PointVar { x, y })
}

/// The Montgomery image of an Edwards point that is neither the identity nor of
/// order 2 (native twin of [`from_edwards`]).
pub fn native_from_edwards(p: &x402_zk_primitives::babyjubjub::Point) -> (Fr, Fr) {
    use ark_ff::Field;
    let u = (Fr::one() + p.y) * (Fr::one() - p.y).inverse().expect("not the identity");
    (u, u * p.x.inverse().expect("not of order 2"))
}

/// `P₁ + P₂` for `P₁ ≠ ±P₂`, neither the identity (3 constraints):
///
/// ```text
/// λ·(u₂ − u₁) = v₂ − v₁     u₃ = λ² − A − u₁ − u₂     v₃ + v₁ = λ·(u₁ − u₃)
/// ```
pub fn add(cs: &Cs, p1: &MontPoint, p2: &MontPoint) -> Result<MontPoint, SynthesisError> {
    add_hinted(cs, p1, p2, None)
}

/// [`add`] with a suggested `λ` (see [`Num::div_hinted`]).
pub fn add_hinted(
    cs: &Cs,
    p1: &MontPoint,
    p2: &MontPoint,
    lambda: Option<Fr>,
) -> Result<MontPoint, SynthesisError> {
    let lambda = p2.v.sub(&p1.v).div_hinted(cs, &p2.u.sub(&p1.u), lambda)?;
    let u3 = lambda
        .square(cs)?
        .add_constant(-coeff_a())
        .sub(&p1.u)
        .sub(&p2.u);
    let v3 = Num::witness(
        cs,
        lambda
            .value()
            .zip(p1.u.value())
            .zip(u3.value())
            .zip(p1.v.value())
            .map(|(((l, u1), u3), v1)| l * (u1 - u3) - v1),
    )?;
    enforce(cs, &lambda, &p1.u.sub(&u3), &v3.add(&p1.v))?;
    Ok(MontPoint { u: u3, v: v3 })
}

/// `2·Q + P` without computing `Q + P`'s v-coordinate (5 constraints), valid when
/// `Q ≠ ±P` and `Q + P ≠ ±Q` and the result is not the identity:
///
/// ```text
/// λ₁·(u_P − u_Q) = v_P − v_Q          u₃ = λ₁² − A − u_Q − u_P        (u of Q + P)
/// (λ₁ + λ₂)·(u_Q − u₃) = 2·v_Q        u₄ = λ₂² − A − u₃ − u_Q         (u of 2Q + P)
/// λ₂·(u_Q − u₄) = v₄ + v_Q
/// ```
///
/// `u₃` and `u₄` are linear in the squares `λ₁²`, `λ₂²` (one constraint each); and
/// `u₄ = λ₂² − λ₁² + u_P` does not grow with the number of steps.
pub fn double_and_add(
    cs: &Cs,
    q: &MontPoint,
    p_u: &Num,
    p_v: &Num,
) -> Result<MontPoint, SynthesisError> {
    double_and_add_hinted(cs, q, p_u, p_v, None)
}

/// [`double_and_add`] with suggested quotients `(λ₁, λ₁ + λ₂)` (see
/// [`Num::div_hinted`]).
pub fn double_and_add_hinted(
    cs: &Cs,
    q: &MontPoint,
    p_u: &Num,
    p_v: &Num,
    hints: Option<(Fr, Fr)>,
) -> Result<MontPoint, SynthesisError> {
    let a = coeff_a();
    let lambda1 = p_v
        .sub(&q.v)
        .div_hinted(cs, &p_u.sub(&q.u), hints.map(|h| h.0))?;
    let lambda1_sq = lambda1.square(cs)?;
    let u3 = lambda1_sq.add_constant(-a).sub(&q.u).sub(p_u);
    let lambda2 =
        q.v.add(&q.v)
            .div_hinted(cs, &q.u.sub(&u3), hints.map(|h| h.1))?
            .sub(&lambda1);
    let lambda2_sq = lambda2.square(cs)?;
    let u4 = lambda2_sq.sub(&lambda1_sq).add(p_u);
    let v4 = Num::witness(
        cs,
        lambda2
            .value()
            .zip(q.u.value())
            .zip(u4.value())
            .zip(q.v.value())
            .map(|(((l2, uq), u4), vq)| l2 * (uq - u4) - vq),
    )?;
    enforce(cs, &lambda2, &q.u.sub(&u4), &v4.add(&q.v))?;
    Ok(MontPoint { u: u4, v: v4 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_relations::r1cs::ConstraintSystem;
    use x402_zk_primitives::babyjubjub::{base8, mul, Point};

    fn edwards(cs: &Cs, p: &Point) -> PointVar {
        PointVar {
            x: Num::witness(cs, Some(p.x)).unwrap(),
            y: Num::witness(cs, Some(p.y)).unwrap(),
        }
    }

    #[test]
    fn maps_and_double_and_add_agree_with_edwards_group_law() {
        let q = mul(&base8(), &1234567u32.into());
        let p = mul(&base8(), &7654321u32.into());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (qm, pm) = (
            from_edwards(&cs, &edwards(&cs, &q)).unwrap(),
            from_edwards(&cs, &edwards(&cs, &p)).unwrap(),
        );
        // On the Montgomery curve.
        for m in [&qm, &pm] {
            let (u, v) = (m.u.value().unwrap(), m.v.value().unwrap());
            assert_eq!(v * v, u * u * u + coeff_a() * u * u + u);
        }
        let before = cs.num_constraints();
        let plus = double_and_add(&cs, &qm, &pm.u, &pm.v).unwrap();
        let minus = double_and_add(&cs, &qm, &pm.u, &pm.v.scale(-Fr::one())).unwrap();
        assert_eq!(cs.num_constraints() - before, 10);
        let expect = |sign: i8| {
            let pp = if sign > 0 {
                p.into_group()
            } else {
                -p.into_group()
            };
            (q.into_group().double() + pp).into_affine()
        };
        assert_eq!(to_edwards(&cs, &plus).unwrap().value(), Some(expect(1)));
        assert_eq!(to_edwards(&cs, &minus).unwrap().value(), Some(expect(-1)));
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn identity_has_no_montgomery_image() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        from_edwards(&cs, &edwards(&cs, &Point::zero())).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    use ark_ec::AdditiveGroup as _;
}
