//! The public-input combination `IC(x) = IC₀ + Σᵢ xᵢ·ICᵢ₊₁` with fixed-base
//! tables: the `ICᵢ` are fixed by the verifying key, so every multiple a 4-bit
//! window can need is precomputed once (`d·16ʷ·ICᵢ` for d = 1..15, w = 0..63), and
//! a 254-bit input costs at most 64 mixed additions instead of a double-and-add
//! (a 64-bit input, 16). Built once per [`crate::Verifier`]: 960 affine points per
//! input (about 62 KB each).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::PrimeField;

const WINDOW_BITS: usize = 4;
const DIGITS: usize = (1 << WINDOW_BITS) - 1;
const WINDOWS: usize = 256 / WINDOW_BITS;

#[derive(Clone, Debug)]
pub(crate) struct InputTables {
    ic0: G1Projective,
    /// `tables[i][w·15 + d − 1] = d·16ʷ·ICᵢ₊₁`.
    tables: Vec<Vec<G1Affine>>,
}

impl InputTables {
    pub(crate) fn new(ic: &[G1Affine]) -> Self {
        let tables = ic
            .iter()
            .skip(1)
            .map(|point| {
                let mut entries = Vec::with_capacity(WINDOWS * DIGITS);
                let mut base = point.into_group();
                for _ in 0..WINDOWS {
                    let mut multiple = base;
                    entries.push(multiple);
                    for _ in 1..DIGITS {
                        multiple += base;
                        entries.push(multiple);
                    }
                    base = multiple + base; // 16·base
                }
                G1Projective::normalize_batch(&entries)
            })
            .collect();
        InputTables {
            ic0: ic.first().map(|p| p.into_group()).unwrap_or_default(),
            tables,
        }
    }

    /// `IC₀ + Σᵢ xᵢ·ICᵢ₊₁`; `inputs.len()` must equal the number of tables.
    pub(crate) fn combine(&self, inputs: &[Fr]) -> G1Projective {
        debug_assert_eq!(inputs.len(), self.tables.len());
        let mut acc = self.ic0;
        for (x, table) in inputs.iter().zip(&self.tables) {
            let limbs = x.into_bigint().0;
            for (w, chunk) in table.chunks_exact(DIGITS).enumerate() {
                let bit = w * WINDOW_BITS;
                let digit = (limbs[bit / 64] >> (bit % 64)) as usize & DIGITS;
                if digit != 0 {
                    acc += &chunk[digit - 1];
                }
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::InputTables;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{One, UniformRand, Zero};

    #[test]
    fn tables_agree_with_double_and_add() {
        let mut rng = rand::thread_rng();
        let g = G1Projective::generator();
        let ic: Vec<G1Affine> = (0..4)
            .map(|i| (g * Fr::from(i as u64 + 7)).into_affine())
            .collect();
        let t = InputTables::new(&ic);
        let cases = [
            vec![Fr::zero(), Fr::one(), -Fr::one()],
            vec![Fr::from(u64::MAX), Fr::from(15u64), Fr::from(16u64)],
            vec![Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng)],
        ];
        for x in cases {
            let expected = ic[0].into_group() + ic[1] * x[0] + ic[2] * x[1] + ic[3] * x[2];
            assert_eq!(t.combine(&x), expected, "{x:?}");
        }
    }
}
