//! Scalar multiplication on Baby Jubjub: by a fixed base with constant window
//! tables, and by a variable base with a 2-bit window table built in-circuit.
//!
//! Twin: [`x402_zk_primitives::babyjubjub::mul`]. Scalars are little-endian
//! [`Bit`]s and are not reduced: `k·P` for the integer `k = Σ bᵢ·2ⁱ`.

use super::curve::PointVar;
use crate::num::{Bit, Cs, Num};
use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{One, Zero};
use ark_relations::r1cs::SynthesisError;
use x402_zk_primitives::babyjubjub::Point;

/// Bits per window of [`fixed_base_mul`].
const FIXED_WINDOW: usize = 3;

/// `k·B` for a constant `B`.
///
/// The scalar is cut into 3-bit windows `w`; window `j` selects `w·2^(3j)·B` from a
/// constant table of 8 points. A selection is multilinear in the window's bits, so
/// each coordinate is a fixed linear combination of the monomials `1, b₀, b₁, b₂,
/// b₀b₁, b₀b₂, b₁b₂, b₀b₁b₂` (4 products per window, coefficients by Möbius
/// inversion of the table). The selected points are summed with complete additions.
pub fn fixed_base_mul(cs: &Cs, bits: &[Bit], base: &Point) -> Result<PointVar, SynthesisError> {
    let mut window_base = base.into_group();
    let mut acc: Option<PointVar> = None;
    for window in bits.chunks(FIXED_WINDOW) {
        let table: Vec<Point> = {
            let mut t = vec![Point::zero().into_group()];
            for k in 1..(1usize << window.len()) {
                let prev = t[k - 1];
                t.push(prev + window_base);
            }
            CurveGroup::normalize_batch(&t)
        };
        let selected = lookup_constant(cs, window, &table)?;
        acc = Some(match acc {
            None => selected,
            Some(a) => a.add(cs, &selected)?,
        });
        for _ in 0..window.len() {
            window_base.double_in_place();
        }
    }
    Ok(acc.unwrap_or_else(PointVar::identity))
}

use ark_ec::AdditiveGroup as _;

/// Selects `table[Σ bᵢ·2ⁱ]` from a constant table of `2^bits.len()` points.
fn lookup_constant(cs: &Cs, bits: &[Bit], table: &[Point]) -> Result<PointVar, SynthesisError> {
    let n = bits.len();
    // monomials[S] = Π_{i∈S} bᵢ for every subset S (as a bit mask).
    let mut monomials = vec![Num::one()];
    for mask in 1usize..(1 << n) {
        let top = usize::BITS as usize - 1 - mask.leading_zeros() as usize;
        let rest = mask & !(1 << top);
        let m = if rest == 0 {
            bits[top].num().clone()
        } else {
            monomials[rest].mul(cs, bits[top].num())?
        };
        monomials.push(m);
    }
    let mut x = Num::zero();
    let mut y = Num::zero();
    for (mask, monomial) in monomials.iter().enumerate() {
        // Möbius inversion: coefficient of Π_{i∈S} bᵢ is Σ_{T⊆S} (−1)^{|S∖T|} table[T].
        let (mut cx, mut cy) = (Fr::zero(), Fr::zero());
        let mut sub = mask;
        loop {
            let sign = if (mask ^ sub).count_ones() % 2 == 0 {
                Fr::one()
            } else {
                -Fr::one()
            };
            cx += sign * table[sub].x;
            cy += sign * table[sub].y;
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & mask;
        }
        x = x.add(&monomial.scale(cx));
        y = y.add(&monomial.scale(cy));
    }
    Ok(PointVar { x, y })
}

/// `k·P` for a point `P` on the curve, given as a variable.
///
/// Table `[O, P, 2P, 3P]` built once (11 constraints); then, from the top 2-bit
/// window down, `acc ← 4·acc + table[w]` (two doublings, a 7-constraint selection
/// and one addition per window). The table lookup for bits `b₀, b₁` with `c = b₀b₁`:
///
/// ```text
/// x = b₀·x₁ + b₁·x₂ + c·(x₃ − x₁ − x₂)
/// y = 1 + b₀·(y₁ − 1) + b₁·(y₂ − 1) + c·(1 − y₁ − y₂ + y₃)
/// ```
pub fn variable_base_mul(
    cs: &Cs,
    bits: &[Bit],
    base: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let p2 = base.double(cs)?;
    let p3 = p2.add(cs, base)?;
    let table = [base, &p2, &p3];
    let mut acc: Option<PointVar> = None;
    for window in bits.chunks(2).rev() {
        let selected = lookup_variable(cs, window, &table)?;
        acc = Some(match acc {
            None => selected,
            Some(a) => {
                let mut a = a;
                for _ in 0..window.len() {
                    a = a.double(cs)?;
                }
                a.add(cs, &selected)?
            }
        });
    }
    Ok(acc.unwrap_or_else(PointVar::identity))
}

fn lookup_variable(
    cs: &Cs,
    window: &[Bit],
    table: &[&PointVar; 3],
) -> Result<PointVar, SynthesisError> {
    let [p1, p2, p3] = table;
    let b0 = window[0].num();
    let one = Num::one();
    let mut x = b0.mul(cs, &p1.x)?;
    let mut y = one.add(&b0.mul(cs, &p1.y.sub(&one))?);
    if let Some(b1) = window.get(1).map(Bit::num) {
        let c = b0.mul(cs, b1)?;
        x = x
            .add(&b1.mul(cs, &p2.x)?)
            .add(&c.mul(cs, &p3.x.sub(&p1.x).sub(&p2.x))?);
        y = y
            .add(&b1.mul(cs, &p2.y.sub(&one))?)
            .add(&c.mul(cs, &one.sub(&p1.y).sub(&p2.y).add(&p3.y))?);
    }
    Ok(PointVar { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::bits::alloc_bits;
    use ark_relations::r1cs::ConstraintSystem;
    use num_bigint::BigUint;
    use x402_zk_primitives::babyjubjub::{base8, mul, subgroup_order};

    fn scalars() -> Vec<BigUint> {
        let l = subgroup_order();
        vec![
            0u32.into(),
            1u32.into(),
            2u32.into(),
            7u32.into(),
            8u32.into(),
            &l - 1u32,
            l.clone(),
            &l * 3u32 + 5u32,
        ]
    }

    #[test]
    fn fixed_base_matches_native() {
        for k in scalars() {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 253).unwrap();
            let out = fixed_base_mul(&cs, &bits, &base8()).unwrap();
            assert_eq!(out.value(), Some(mul(&base8(), &k)), "k = {k}");
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn variable_base_matches_native() {
        let p = mul(&base8(), &987654321u64.into());
        for k in scalars() {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let base = PointVar {
                x: Num::witness(&cs, Some(p.x)).unwrap(),
                y: Num::witness(&cs, Some(p.y)).unwrap(),
            };
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 253).unwrap();
            let out = variable_base_mul(&cs, &bits, &base).unwrap();
            assert_eq!(out.value(), Some(mul(&p, &k)), "k = {k}");
            assert!(cs.is_satisfied().unwrap());
        }
    }
}
