//! Bit decomposition, strict (alias-checked) decomposition and comparison of a
//! bit string with a constant.
//!
//! Twin: the integer value of a field element (`x = Σ bᵢ·2ⁱ`).

use crate::num::{Bit, Cs, Num};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInteger, PrimeField};
use ark_relations::r1cs::SynthesisError;
use num_bigint::BigUint;

/// Bits of `value` (little-endian), `n` of them; `None` stays `None`.
fn value_bits(value: Option<Fr>, n: usize) -> Vec<Option<bool>> {
    let bits = value.map(|v| v.into_bigint().to_bits_le());
    (0..n).map(|i| bits.as_ref().map(|b| b[i])).collect()
}

/// `Σ bᵢ·2ⁱ` (free).
pub fn pack(bits: &[Bit]) -> Num {
    let mut acc = Num::zero();
    let mut coeff = Fr::from(1u64);
    for b in bits {
        acc = acc.add(&b.num().scale(coeff));
        coeff.double_in_place();
    }
    acc
}

/// Allocates `n < 254` private bits and returns them with their packed value;
/// the value is then `< 2ⁿ` by construction (`n` constraints).
pub fn alloc_bits(cs: &Cs, value: Option<Fr>, n: usize) -> Result<(Num, Vec<Bit>), SynthesisError> {
    assert!(
        n < Fr::MODULUS_BIT_SIZE as usize,
        "n-bit values must stay below p"
    );
    let bits = value_bits(value, n)
        .into_iter()
        .map(|b| Bit::witness(cs, b))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((pack(&bits), bits))
}

/// Decomposes `x` into `n < 254` bits: `x = Σ bᵢ·2ⁱ`, which proves `x < 2ⁿ`
/// (`n + 1` constraints). For `x ≥ 2ⁿ` the witness keeps the low bits and the
/// packing constraint fails.
pub fn to_bits(cs: &Cs, x: &Num, n: usize) -> Result<Vec<Bit>, SynthesisError> {
    let (packed, bits) = alloc_bits(cs, x.value(), n)?;
    packed.enforce_equal(cs, x)?;
    Ok(bits)
}

/// Decomposes `x` into its 254 canonical bits. Both `x` and `x + p` fit in 254 bits,
/// so the bits are also constrained to be at most `p − 1` (circomlib's AliasCheck).
pub fn to_bits_strict(cs: &Cs, x: &Num) -> Result<Vec<Bit>, SynthesisError> {
    to_bits_at_most(cs, x, &(BigUint::from(Fr::MODULUS) - 1u32))
}

/// Decomposes `x` into 254 bits whose integer is at most `max < p`: they are then
/// `x`'s canonical bits (no alias `x + p`), for `x ≤ max` only.
pub fn to_bits_at_most(cs: &Cs, x: &Num, max: &BigUint) -> Result<Vec<Bit>, SynthesisError> {
    assert!(
        *max < BigUint::from(Fr::MODULUS),
        "the bound must be below p"
    );
    let n = Fr::MODULUS_BIT_SIZE as usize;
    let bits = value_bits(x.value(), n)
        .into_iter()
        .map(|b| Bit::witness(cs, b))
        .collect::<Result<Vec<_>, _>>()?;
    pack(&bits).enforce_equal(cs, x)?;
    enforce_le_constant(cs, &bits, max)?;
    Ok(bits)
}

/// The largest `c < limit` whose low `free_bits` bits are all ones,
/// `⌊limit / 2^free_bits⌋·2^free_bits − 1`: [`enforce_le_constant`] with it reads
/// only the bits above those. Of the integers below `limit`, the
/// `limit mod 2^free_bits` largest exceed it.
pub fn bound_with_free_low_bits(limit: &BigUint, free_bits: u32) -> BigUint {
    let unit = BigUint::from(1u8) << free_bits;
    assert!(
        *limit >= unit,
        "nothing below the limit has that many free bits"
    );
    limit / &unit * &unit - 1u32
}

/// Constrains the integer `Σ bᵢ·2ⁱ` of little-endian `bits` to be `≤ c`.
///
/// Scanning from the top bit, let `eq` be "the bits so far equal those of `c`".
/// Where `c` has a 1, `eq ← eq ∧ b` (one constraint). Where `c` has a 0 and `eq`
/// holds, `b` must be 0; a whole run of zeros of `c` costs one constraint,
/// `eq · Σ b = 0`, since a sum of a few bits is zero only if each is. Zeros of `c`
/// above its top 1 force their bits to 0 (one constraint). Then `bits ≤ c`: at the
/// first difference `c` has the 1. Below the lowest 0 of `c` nothing is read:
/// whatever those bits are, the integer stays `≤ c` if the bits above allow it.
pub fn enforce_le_constant(cs: &Cs, bits: &[Bit], c: &BigUint) -> Result<(), SynthesisError> {
    assert!(
        c.bits() <= bits.len() as u64,
        "constant wider than the bit string"
    );
    let trailing_ones = c.trailing_ones() as usize;
    let mut eq: Option<Bit> = None;
    let mut zero_run = Num::zero();
    let mut zero_run_len = 0usize;
    let flush = |eq: &Option<Bit>, run: &mut Num, len: &mut usize| -> Result<(), SynthesisError> {
        if *len > 0 {
            let gate = eq.as_ref().map_or(Num::one(), |e| e.num().clone());
            crate::num::enforce(cs, &gate, run, &Num::zero())?;
            *run = Num::zero();
            *len = 0;
        }
        Ok(())
    };
    for i in (trailing_ones.min(bits.len())..bits.len()).rev() {
        if c.bit(i as u64) {
            flush(&eq, &mut zero_run, &mut zero_run_len)?;
            eq = Some(match eq {
                None => bits[i].clone(),
                Some(e) => e.and(cs, &bits[i])?,
            });
        } else {
            zero_run = zero_run.add(bits[i].num());
            zero_run_len += 1;
        }
    }
    flush(&eq, &mut zero_run, &mut zero_run_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::r1cs::ConstraintSystem;

    fn le_holds(value: u64, c: u64, n: usize) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (_, bits) = alloc_bits(&cs, Some(Fr::from(value)), n).unwrap();
        enforce_le_constant(&cs, &bits, &BigUint::from(c)).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn le_constant_matches_integer_comparison_exhaustively() {
        for c in 0..64u64 {
            for v in 0..64u64 {
                assert_eq!(le_holds(v, c, 6), v <= c, "{v} <= {c}");
            }
        }
    }

    #[test]
    fn to_bits_range() {
        for (v, ok) in [(255u64, true), (256, false)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let x = Num::witness(&cs, Some(Fr::from(v))).unwrap();
            let bits = to_bits(&cs, &x, 8).unwrap();
            assert_eq!(cs.is_satisfied().unwrap(), ok, "{v}");
            assert_eq!(pack(&bits).value(), Some(Fr::from(v & 0xff)));
        }
    }

    #[test]
    fn strict_decomposition_refuses_the_alias_x_plus_p() {
        // Honest decomposition of 5 passes.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = Num::witness(&cs, Some(Fr::from(5u64))).unwrap();
        to_bits_strict(&cs, &x).unwrap();
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(cs.num_constraints(), 254 + 1 + alias_check_cost());

        // The bits of 5 + p (< 2^254) pack to 5 in the field: only the alias
        // check refuses them.
        let alias = BigUint::from(Fr::MODULUS) + 5u32;
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = Num::witness(&cs, Some(Fr::from(5u64))).unwrap();
        let bits: Vec<Bit> = (0..254)
            .map(|i| Bit::witness(&cs, Some(alias.bit(i))))
            .collect::<Result<_, _>>()
            .unwrap();
        pack(&bits).enforce_equal(&cs, &x).unwrap();
        assert!(cs.is_satisfied().unwrap(), "x + p packs to x in the field");
        enforce_le_constant(&cs, &bits, &(BigUint::from(Fr::MODULUS) - 1u32)).unwrap();
        assert!(!cs.is_satisfied().unwrap(), "alias check must refuse x + p");
    }

    #[test]
    fn bound_with_free_low_bits_is_the_largest_below_the_limit_with_those_ones() {
        for (limit, free, expected) in [(64u32, 3, 63u32), (100, 3, 95), (7, 2, 3), (8, 3, 7)] {
            let c = bound_with_free_low_bits(&BigUint::from(limit), free);
            assert_eq!(c, BigUint::from(expected), "{limit} with {free} free bits");
            assert!(c.trailing_ones() >= u64::from(free) && c < BigUint::from(limit));
        }
        // Exhaustively: every bound costs constraints only above its free bits, and
        // the comparison with it is exact.
        for limit in 8u64..64 {
            for free in 1..=3 {
                let c = bound_with_free_low_bits(&BigUint::from(limit), free).to_u64_digits();
                let c = c.first().copied().unwrap_or(0);
                for v in 0..64u64 {
                    assert_eq!(le_holds(v, c, 6), v <= c, "{v} <= {c}");
                }
            }
        }
    }

    #[test]
    fn trailing_ones_of_the_constant_cost_nothing() {
        let cost = |c: u64| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(0u64)), 8).unwrap();
            let before = cs.num_constraints();
            enforce_le_constant(&cs, &bits, &BigUint::from(c)).unwrap();
            cs.num_constraints() - before
        };
        assert_eq!(cost(0b1111_1111), 0);
        // The zero run above the top 1, then one 1 and one zero run before the ones.
        assert_eq!(cost(0b0010_0111), cost(0b0010_0000));
    }

    #[test]
    fn at_most_refuses_values_above_the_bound_and_aliases() {
        let max = bound_with_free_low_bits(&BigUint::from(Fr::MODULUS), 153);
        let decompose = |value: &BigUint, bits_of: &BigUint| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let x = Num::witness(&cs, Some(Fr::from(value.clone()))).unwrap();
            let bits: Vec<Bit> = (0..254)
                .map(|i| Bit::witness(&cs, Some(bits_of.bit(i))))
                .collect::<Result<_, _>>()
                .unwrap();
            pack(&bits).enforce_equal(&cs, &x).unwrap();
            enforce_le_constant(&cs, &bits, &max).unwrap();
            cs.is_satisfied().unwrap()
        };
        let p = BigUint::from(Fr::MODULUS);
        assert!(decompose(&max, &max), "the bound itself");
        assert!(decompose(&BigUint::from(5u8), &BigUint::from(5u8)));
        let above = &max + 1u32;
        assert!(above < p);
        assert!(!decompose(&above, &above), "one above the bound, below p");
        assert!(!decompose(&(&p - 1u32), &(&p - 1u32)), "p − 1");
        assert!(
            !decompose(&BigUint::from(5u8), &(&p + 5u32)),
            "the alias 5 + p"
        );
        // The gadget's own witness for a value above the bound fails too.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = Num::witness(&cs, Some(Fr::from(above))).unwrap();
        to_bits_at_most(&cs, &x, &max).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    fn alias_check_cost() -> usize {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let (_, bits) = alloc_bits(&cs, Some(Fr::from(0u64)), 253).unwrap();
        let before = cs.num_constraints();
        let b = Bit::witness(&cs, Some(false)).unwrap();
        let mut all = bits;
        all.push(b);
        let before = before + 1;
        enforce_le_constant(&cs, &all, &(BigUint::from(Fr::MODULUS) - 1u32)).unwrap();
        cs.num_constraints() - before
    }
}
