//! The final exponentiation `f ↦ f^((p¹² − 1)/r)` of BN254, as arkworks computes
//! it but split in two and with a shorter chain for the curve parameter:
//!
//! - [`easy_part`], `f^((p⁶ − 1)(p² + 1))`, is a homomorphism, so each Miller-loop
//!   chain applies it to its own result on its own thread (it holds the one
//!   inversion) and the product of the two is what the hard part needs;
//! - [`hard_part`] follows arkworks (Fuentes-Castañeda et al., the same exponent,
//!   so the same result, which a test checks) but raises to `x` with an addition
//!   chain of 62 squarings and 17 multiplications (gnark-crypto's) instead of a
//!   NAF with 23 multiplications, three times per verification.

use crate::tower::Tower;
use ark_bn254::{Config, Fq12};
use ark_ec::bn::BnConfig;
use ark_ff::{CyclotomicMultSubgroup, Field};

/// `f^((p⁶ − 1)(p² + 1))`: the result lies in the cyclotomic subgroup. `None` for
/// `f = 0` (no Miller loop of valid points gives it).
pub(crate) fn easy_part(f: Fq12) -> Option<Fq12> {
    let inverse = f.inverse()?;
    let mut conjugate = f;
    conjugate.cyclotomic_inverse_in_place(); // f^(p⁶), the conjugate
    let r = conjugate * inverse; // f^(p⁶ − 1)
    let mut shifted = r;
    shifted.frobenius_map_in_place(2);
    Some(shifted * r)
}

/// The hard part of the exponent, for `r` in the cyclotomic subgroup.
pub(crate) fn hard_part<T: Tower>(t: T, r: Fq12) -> Fq12 {
    let r = t.lift(&r);
    let mul = |a: &T::F, b: &T::F| t.mul(a, b);
    let y0 = exp_by_neg_x(t, &r);
    let y1 = t.cyclotomic_square(&y0);
    let y2 = t.cyclotomic_square(&y1);
    let y3 = mul(&y2, &y1);
    let y4 = exp_by_neg_x(t, &y3);
    let y5 = t.cyclotomic_square(&y4);
    let y6 = t.conjugate(&exp_by_neg_x(t, &y5));
    let y3 = t.conjugate(&y3);
    let y7 = mul(&y6, &y4);
    let y8 = mul(&y7, &y3);
    let y9 = mul(&y8, &y1);
    let y10 = mul(&y8, &y4);
    let y11 = mul(&y10, &r);
    let y12 = t.frobenius_map(&y9, 1);
    let y13 = mul(&y12, &y11);
    let y8 = t.frobenius_map(&y8, 2);
    let y14 = mul(&y8, &y13);
    let y15 = t.frobenius_map(&mul(&t.conjugate(&r), &y9), 3);
    t.lower(&mul(&y15, &y14))
}

// The chain below is for this `x`, and `f^(−x)` is its conjugate only for `x > 0`.
const _: () = assert!(
    !<Config as BnConfig>::X_IS_NEGATIVE
        && <Config as BnConfig>::X.len() == 1
        && <Config as BnConfig>::X[0] == 4965661367192848881
);

/// `f^(−x)` for the BN254 parameter `x = 4965661367192848881`.
fn exp_by_neg_x<T: Tower>(t: T, f: &T::F) -> T::F {
    t.conjugate(&exp_by_x(t, f))
}

/// `f^x` by the addition chain
///
/// ```text
/// _10 = 2·1, _100 = 2·_10, _1000 = 2·_100, _10000 = 2·_1000, _10001 = 1 + _10000,
/// _10011 = _10 + _10001, _10100 = 1 + _10011, _11001 = _1000 + _10001,
/// _100010 = 2·_10001, _100111 = _10011 + _10100, _101001 = _10 + _100111,
/// i27 = (_100010 << 6 + _100 + _11001) << 7 + _11001,
/// i44 = (i27 << 8 + _101001 + _10) << 6 + _10001,
/// i70 = ((i44 << 8 + _101001) << 6 + _101001) << 10,
/// x   = (_100111 + i70) << 6 + _101001 + _1000
/// ```
fn exp_by_x<T: Tower>(t: T, f: &T::F) -> T::F {
    let square_n = |mut a: T::F, n: usize| {
        for _ in 0..n {
            a = t.cyclotomic_square(&a);
        }
        a
    };
    let mul = |a: &T::F, b: &T::F| t.mul(a, b);
    let t10 = t.cyclotomic_square(f);
    let t100 = t.cyclotomic_square(&t10);
    let t1000 = t.cyclotomic_square(&t100);
    let t10000 = t.cyclotomic_square(&t1000);
    let t10001 = mul(&t10000, f);
    let t10011 = mul(&t10, &t10001);
    let t10100 = mul(&t10011, f);
    let t11001 = mul(&t1000, &t10001);
    let t100010 = t.cyclotomic_square(&t10001);
    let t100111 = mul(&t10011, &t10100);
    let t101001 = mul(&t10, &t100111);
    let i27 = mul(
        &square_n(mul(&mul(&square_n(t100010, 6), &t100), &t11001), 7),
        &t11001,
    );
    let i44 = mul(
        &square_n(mul(&mul(&square_n(i27, 8), &t101001), &t10), 6),
        &t10001,
    );
    let i70 = square_n(
        mul(&square_n(mul(&square_n(i44, 8), &t101001), 6), &t101001),
        10,
    );
    mul(&mul(&square_n(mul(&t100111, &i70), 6), &t101001), &t1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tower::{Arkworks, Scalar, Vector};
    use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
    use ark_ec::pairing::{MillerLoopOutput, Pairing};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn agrees_with_arkworks() {
        agrees_on(Arkworks);
        agrees_on(Scalar);
        match x402_zk_ifma::Ifma::detect() {
            Some(ifma) => agrees_on(Vector(ifma)),
            None => eprintln!("skipped the IFMA tower: this CPU has no AVX-512 IFMA"),
        }
    }

    fn agrees_on<T: Tower>(t: T) {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..4 {
            let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let q = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let f = Bn254::multi_miller_loop([p], [q]).0;
            let g = Fq12::rand(&mut rng);
            let r = easy_part(f).unwrap();
            let x = t.lower(&exp_by_x(t, &t.lift(&r)));
            assert_eq!(x, r.cyclotomic_exp(<Config as BnConfig>::X));
            let ark = |f| Bn254::final_exponentiation(MillerLoopOutput(f)).unwrap().0;
            assert_eq!(hard_part(t, r), ark(f));
            // The easy part is a homomorphism: applied per factor, then multiplied.
            let split = hard_part(t, easy_part(f).unwrap() * easy_part(g).unwrap());
            assert_eq!(split, ark(f * g));
        }
        assert_eq!(easy_part(Fq12::from(0u64)), None);
    }
}
