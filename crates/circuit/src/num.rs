//! `Num`: a linear combination of circuit variables together with its value, and
//! `Bit`, a `Num` constrained to 0 or 1. Linear operations are free; a product
//! costs one constraint.
//!
//! When the constraint system builds no matrices (witness generation for a
//! prover that already holds them), variables carry no linear combination: only
//! values are computed, which removes most of the work of a synthesis. The
//! variables and constraints created are the same in both modes.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_relations::r1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};

/// The constraint system every gadget writes into.
pub type Cs = ConstraintSystemRef<Fr>;

/// A linear combination of variables with its value (`None` during key setup).
#[derive(Clone, Debug)]
pub struct Num {
    /// `None` for anything built from a variable of a constraint system that
    /// builds no matrices; constants always have one.
    lc: Option<LinearCombination<Fr>>,
    value: Option<Fr>,
}

impl Num {
    /// A constant (no variable).
    pub fn constant(c: Fr) -> Self {
        Num {
            lc: Some(LinearCombination::from((c, Variable::One))),
            value: Some(c),
        }
    }

    /// Zero.
    pub fn zero() -> Self {
        Num {
            lc: Some(LinearCombination::zero()),
            value: Some(Fr::zero()),
        }
    }

    /// One.
    pub fn one() -> Self {
        Self::constant(Fr::one())
    }

    /// A new private (witness) variable.
    pub fn witness(cs: &Cs, value: Option<Fr>) -> Result<Self, SynthesisError> {
        let var = cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
        Ok(Self::variable(cs, var, value))
    }

    /// A new public (instance) variable.
    pub fn input(cs: &Cs, value: Option<Fr>) -> Result<Self, SynthesisError> {
        let var = cs.new_input_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
        Ok(Self::variable(cs, var, value))
    }

    fn variable(cs: &Cs, var: Variable, value: Option<Fr>) -> Self {
        Num {
            lc: cs.should_construct_matrices().then(|| var.into()),
            value,
        }
    }

    /// A value with no linear combination, for gadgets that compute their
    /// outputs' values directly when the constraint system builds no matrices.
    pub(crate) fn value_only(value: Fr) -> Self {
        Num {
            lc: None,
            value: Some(value),
        }
    }

    /// The value, if known (always, outside key setup).
    pub fn value(&self) -> Option<Fr> {
        self.value
    }

    /// Whether no variable occurs (the value is a constant).
    pub fn is_constant(&self) -> bool {
        self.lc
            .as_ref()
            .is_some_and(|lc| lc.iter().all(|(_, v)| *v == Variable::One))
    }

    /// `self + other` (free).
    pub fn add(&self, other: &Num) -> Num {
        Num {
            lc: zip_ref(&self.lc, &other.lc, |a, b| a + b),
            value: zip(self.value, other.value, |a, b| a + b),
        }
    }

    /// `self − other` (free).
    pub fn sub(&self, other: &Num) -> Num {
        Num {
            lc: zip_ref(&self.lc, &other.lc, |a, b| a - b),
            value: zip(self.value, other.value, |a, b| a - b),
        }
    }

    /// `c·self` (free).
    pub fn scale(&self, c: Fr) -> Num {
        if c.is_zero() {
            return Num::zero();
        }
        Num {
            lc: self.lc.as_ref().map(|lc| lc * c),
            value: self.value.map(|v| v * c),
        }
    }

    /// `self + c` (free).
    pub fn add_constant(&self, c: Fr) -> Num {
        match self.lc {
            // Untracked: no linear combination to build (nor to allocate).
            None => Num {
                lc: None,
                value: self.value.map(|v| v + c),
            },
            Some(_) => self.add(&Num::constant(c)),
        }
    }

    /// `self·other`: one constraint, or none when either side is constant.
    pub fn mul(&self, cs: &Cs, other: &Num) -> Result<Num, SynthesisError> {
        if let (true, Some(c)) = (self.is_constant(), self.value) {
            return Ok(other.scale(c));
        }
        if let (true, Some(c)) = (other.is_constant(), other.value) {
            return Ok(self.scale(c));
        }
        let out = Num::witness(cs, zip(self.value, other.value, |a, b| a * b))?;
        enforce(cs, self, other, &out)?;
        Ok(out)
    }

    /// `self²`.
    pub fn square(&self, cs: &Cs) -> Result<Num, SynthesisError> {
        self.mul(cs, self)
    }

    /// `q` with `q·den = self` (one constraint). When `den = 0` the witness is 0 and
    /// the constraint holds only if `self = 0`: callers ensure `den ≠ 0` for honest
    /// inputs, and that a zero `den` cannot occur for inputs their checks admit.
    pub fn div(&self, cs: &Cs, den: &Num) -> Result<Num, SynthesisError> {
        self.div_hinted(cs, den, None)
    }

    /// [`Num::div`] with a suggested quotient (from a twin that batched its
    /// inversions): used when `hint·den = self` with `den ≠ 0`, where the quotient
    /// is unique, so the witness is exactly `div`'s; otherwise `div`'s value.
    pub fn div_hinted(&self, cs: &Cs, den: &Num, hint: Option<Fr>) -> Result<Num, SynthesisError> {
        let value = zip(self.value, den.value, |n, d| match hint {
            Some(q) if !d.is_zero() && q * d == n => q,
            _ => {
                hint_missed(hint.is_some());
                n * d.inverse().unwrap_or(Fr::zero())
            }
        });
        let out = Num::witness(cs, value)?;
        enforce(cs, &out, den, self)?;
        Ok(out)
    }

    /// A fresh variable equal to `self` (one constraint), to keep linear
    /// combinations short where they would otherwise grow step after step.
    pub fn materialize(&self, cs: &Cs) -> Result<Num, SynthesisError> {
        let out = Num::witness(cs, self.value)?;
        out.enforce_equal(cs, self)?;
        Ok(out)
    }

    /// Number of terms of the linear combination; `None` when it is not tracked.
    pub fn num_terms(&self) -> Option<usize> {
        self.lc.as_ref().map(|lc| lc.len())
    }

    /// Constrains `self = other` (one constraint).
    pub fn enforce_equal(&self, cs: &Cs, other: &Num) -> Result<(), SynthesisError> {
        enforce(cs, &self.sub(other), &Num::one(), &Num::zero())
    }

    /// Constrains `self ≠ 0` with an inverse witness: `self·inv = 1`.
    pub fn enforce_nonzero(&self, cs: &Cs) -> Result<(), SynthesisError> {
        self.enforce_nonzero_hinted(cs, None)
    }

    /// [`Num::enforce_nonzero`] with a suggested inverse, used when it is one.
    pub fn enforce_nonzero_hinted(&self, cs: &Cs, hint: Option<Fr>) -> Result<(), SynthesisError> {
        let inv = Num::witness(
            cs,
            self.value.map(|v| match hint {
                Some(i) if i * v == Fr::one() => i,
                _ => {
                    hint_missed(hint.is_some());
                    v.inverse().unwrap_or(Fr::zero())
                }
            }),
        )?;
        enforce(cs, self, &inv, &Num::one())
    }
}

#[cfg(test)]
thread_local! {
    /// Hints given but not usable, on this thread (tests check wiring with it).
    pub(crate) static HINT_MISSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts a rejected hint in test builds (a wrong hint only costs an inversion,
/// so nothing else would notice one).
#[inline]
fn hint_missed(given: bool) {
    #[cfg(test)]
    if given {
        HINT_MISSES.with(|m| m.set(m.get() + 1));
    }
    let _ = given;
}

/// Replaces every non-zero element by its inverse with one field inversion
/// (Montgomery's trick); zeros stay zero. Serial: ark-ff's version spreads a few
/// hundred elements over the thread pool, which costs more than it saves here.
pub(crate) fn batch_invert(v: &mut [Fr]) {
    let mut prefix = Vec::with_capacity(v.len());
    let mut acc = Fr::one();
    for x in v.iter().filter(|x| !x.is_zero()) {
        prefix.push(acc);
        acc *= x;
    }
    let Some(mut inv) = acc.inverse() else {
        return; // unreachable: a product of non-zero elements
    };
    for (x, before) in v
        .iter_mut()
        .rev()
        .filter(|x| !x.is_zero())
        .zip(prefix.iter().rev())
    {
        let next = inv * *x;
        *x = inv * before;
        inv = next;
    }
}

/// Adds the constraint `a·b = c`.
pub fn enforce(cs: &Cs, a: &Num, b: &Num, c: &Num) -> Result<(), SynthesisError> {
    if !cs.should_construct_matrices() {
        // Counted, not stored: the linear combinations are not needed.
        let zero = LinearCombination::zero;
        return cs.enforce_constraint(zero(), zero(), zero());
    }
    let lc = |n: &Num| {
        n.lc.clone()
            .expect("a constraint system that builds matrices tracks every variable")
    };
    cs.enforce_constraint(lc(a), lc(b), lc(c))
}

fn zip(a: Option<Fr>, b: Option<Fr>, f: impl Fn(Fr, Fr) -> Fr) -> Option<Fr> {
    Some(f(a?, b?))
}

fn zip_ref<T>(a: &Option<T>, b: &Option<T>, f: impl Fn(&T, &T) -> T) -> Option<T> {
    Some(f(a.as_ref()?, b.as_ref()?))
}

/// A `Num` constrained to be 0 or 1.
#[derive(Clone, Debug)]
pub struct Bit(Num);

impl Bit {
    /// A new private bit, with the constraint `b·(1 − b) = 0`.
    pub fn witness(cs: &Cs, value: Option<bool>) -> Result<Self, SynthesisError> {
        let b = Num::witness(cs, value.map(|b| if b { Fr::one() } else { Fr::zero() }))?;
        enforce(cs, &b, &Num::one().sub(&b), &Num::zero())?;
        Ok(Bit(b))
    }

    /// The bit as a number.
    pub fn num(&self) -> &Num {
        &self.0
    }

    /// The value, if known.
    pub fn value(&self) -> Option<bool> {
        self.0.value.map(|v| !v.is_zero())
    }

    /// `self ∧ other` (one constraint).
    pub fn and(&self, cs: &Cs, other: &Bit) -> Result<Bit, SynthesisError> {
        Ok(Bit(self.0.mul(cs, &other.0)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::r1cs::ConstraintSystem;

    #[test]
    fn products_constants_and_division() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = Num::witness(&cs, Some(Fr::from(6u64))).unwrap();
        let b = Num::witness(&cs, Some(Fr::from(7u64))).unwrap();
        let ab = a.mul(&cs, &b).unwrap();
        assert_eq!(ab.value(), Some(Fr::from(42u64)));
        let scaled = a.mul(&cs, &Num::constant(Fr::from(3u64))).unwrap();
        assert_eq!(scaled.value(), Some(Fr::from(18u64)));
        assert_eq!(cs.num_constraints(), 1, "a product by a constant is free");
        let q = ab.div(&cs, &b).unwrap();
        q.enforce_equal(&cs, &a).unwrap();
        assert!(cs.is_satisfied().unwrap());
    }

    #[test]
    fn non_boolean_bit_and_zero_inverse_fail() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let b = Num::witness(&cs, Some(Fr::from(2u64))).unwrap();
        enforce(&cs, &b, &Num::one().sub(&b), &Num::zero()).unwrap();
        assert!(!cs.is_satisfied().unwrap());

        let cs = ConstraintSystem::<Fr>::new_ref();
        Num::witness(&cs, Some(Fr::zero()))
            .unwrap()
            .enforce_nonzero(&cs)
            .unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
