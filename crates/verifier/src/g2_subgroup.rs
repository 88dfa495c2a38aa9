//! Membership of a point of BN254's twist `E'(Fq2)` in G2, its subgroup of prime
//! order `r`, by one 63-bit scalar multiplication instead of arkworks' 127-bit one.
//!
//! With `ψ` the untwist–Frobenius–twist endomorphism and `x` the curve's seed,
//! Dai, Lin, Zhao and Zhou (eprint 2022/348, §5; used by gnark-crypto and, on
//! Ethereum, by Sanso and Liang) show that for BN curves with
//! `x ≢ 4 (mod 13)` and `x ≢ 92 (mod 97)`
//!
//! ```text
//! P ∈ G2  ⇔  [x+1]P + ψ([x]P) + ψ²([x]P) = ψ³([2x]P)
//! ```
//!
//! Why it holds here, checked directly by the tests: the map
//! `f(P) = [x+1]P + ψ([x]P) + ψ²([x]P) − ψ³([2x]P)` is a group homomorphism. On G2,
//! `ψ` is multiplication by `p ≡ 6x² (mod r)`, and
//! `(x + 1) + 6x²·x + (6x²)²·x − (6x²)³·2x ≡ 0 (mod r)`, so `f(G2) = O`. `#E'(Fq2) = r·c` with the cofactor
//! `c = 10069 · 5864401 · 1875725156269 · 197620364512881247228717050342013327560683201906968909`,
//! square-free and prime to `r`, so every other part of the group is a cyclic group of
//! prime order `ℓ | c`, and `f` is injective on it exactly when `f(T) ≠ O` for one
//! point `T` of order `ℓ`. The tests build such a `T` for each of the four primes.

use ark_bn254::{Config, Fq2, G2Affine, G2Projective};
use ark_ec::{bn::BnConfig, AffineRepr};
use ark_ff::{AdditiveGroup, Field, MontFp};

/// `ξ^((p−1)/3)` and `ξ^((p−1)/2)` for `ξ = u + 9`: the coefficients of `ψ`
/// (arkworks' `P_POWER_ENDOMORPHISM_COEFF_0/1`, private there; a test derives them).
const PSI_X: Fq2 = Fq2::new(
    MontFp!("21575463638280843010398324269430826099269044274347216827212613867836435027261"),
    MontFp!("10307601595873709700152284273816112264069230130616436755625194854815875713954"),
);
const PSI_Y: Fq2 = Fq2::new(
    MontFp!("2821565182194536844548159561693502659359617185244120367078079554186484126554"),
    MontFp!("3505843767911556378687030309984248845540243509899259641013678093033130930403"),
);

/// `ψ(x, y) = (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2))` on Jacobian coordinates: with
/// `x = X/Z²`, `y = Y/Z³` and conjugation a field automorphism, the image is
/// `(X̄·ξ^((p−1)/3) : Ȳ·ξ^((p−1)/2) : Z̄)`; the identity (`Z = 0`) stays the identity.
fn psi(p: &G2Projective) -> G2Projective {
    let mut q = *p;
    q.x.frobenius_map_in_place(1);
    q.x *= PSI_X;
    q.y.frobenius_map_in_place(1);
    q.y *= PSI_Y;
    q.z.frobenius_map_in_place(1);
    q
}

/// Whether a point of BN254's twist lies in G2, the subgroup of prime order `r`
/// (the identity does). The caller has checked that `p` is on the curve
/// (`G2Affine::is_on_curve`); this replaces arkworks'
/// `is_in_correct_subgroup_assuming_on_curve`, with the same verdicts in half the time.
///
/// ```
/// use ark_ec::AffineRepr;
/// assert!(x402_zk_verifier::is_in_g2(&ark_bn254::G2Affine::generator()));
/// ```
pub fn is_in_g2(p: &G2Affine) -> bool {
    // arkworks' additions handle the identity, `P = Q` and `P = −Q` (by branches),
    // so no input takes a wrong path.
    let xp = p.mul_bigint(<Config as BnConfig>::X);
    let psi_xp = psi(&xp);
    let left = xp + p + psi_xp + psi(&psi_xp);
    let right = psi(&psi(&psi(&xp.double())));
    left == right
}

// The criterion's conditions on the seed, and the seed `psi`'s chain is for.
const _: () = assert!(
    <Config as BnConfig>::X.len() == 1
        && <Config as BnConfig>::X[0] == 4965661367192848881
        && <Config as BnConfig>::X[0] % 13 != 4
        && <Config as BnConfig>::X[0] % 97 != 92
        && !<Config as BnConfig>::X_IS_NEGATIVE
);

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fq, Fr};
    use ark_ec::{short_weierstrass::SWCurveConfig, CurveGroup, PrimeGroup};
    use ark_ff::{PrimeField, UniformRand, Zero};
    use num_bigint::BigUint;
    use rand::SeedableRng;

    /// The primes of the twist's cofactor `c = #E'(Fq2)/r` (square-free).
    const COFACTOR_PRIMES: [&str; 4] = [
        "10069",
        "5864401",
        "1875725156269",
        "197620364512881247228717050342013327560683201906968909",
    ];

    fn big(s: &str) -> BigUint {
        s.parse().expect("a decimal integer")
    }

    fn limbs(n: &BigUint) -> Vec<u64> {
        n.to_u64_digits()
    }

    fn r() -> BigUint {
        Fr::MODULUS.into()
    }

    fn cofactor() -> BigUint {
        <ark_bn254::g2::Config as ark_ec::CurveConfig>::COFACTOR
            .iter()
            .rev()
            .fold(BigUint::from(0u8), |n, &limb| (n << 64) + limb)
    }

    /// A random point of `E'(Fq2)`, almost never in G2.
    fn random_twist_point(rng: &mut impl rand::RngCore) -> G2Affine {
        loop {
            let x = Fq2::rand(rng);
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, rng.next_u32() % 2 == 0) {
                assert!(p.is_on_curve());
                return p;
            }
        }
    }

    /// Strong probable-prime test to the 20 smallest prime bases (the factors are also known primes).
    fn is_probable_prime(n: &BigUint) -> bool {
        let one = BigUint::from(1u8);
        let m = n - &one;
        let s = m.trailing_zeros().expect("n > 1");
        let d = &m >> s;
        [
            2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
        ]
        .iter()
        .map(|&a| BigUint::from(a))
        .filter(|a| a < n)
        .all(|a| {
            let mut y = a.modpow(&d, n);
            if y == one || y == m {
                return true;
            }
            (1..s).any(|_| {
                y = y.modpow(&BigUint::from(2u8), n);
                y == m
            })
        })
    }

    #[test]
    fn psi_coefficients_are_powers_of_xi() {
        let p: BigUint = Fq::MODULUS.into();
        let xi = Fq2::new(Fq::from(9u8), Fq::from(1u8));
        assert_eq!(xi.pow(limbs(&((&p - 1u8) / 3u8))), PSI_X);
        assert_eq!(xi.pow(limbs(&((&p - 1u8) / 2u8))), PSI_Y);
    }

    #[test]
    fn the_relation_vanishes_mod_r() {
        let x = BigUint::from(<Config as BnConfig>::X[0]);
        let l = BigUint::from(6u8) * &x * &x;
        let positive = &x + 1u8 + &l * &x + &l * &l * &x;
        let negative = l.pow(3) * 2u8 * &x;
        assert_eq!(positive % r(), negative % r());
    }

    #[test]
    fn psi_acts_on_g2_as_six_x_squared() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(41);
        let six_x2 = BigUint::from(6u8) * BigUint::from(<Config as BnConfig>::X[0]).pow(2);
        for _ in 0..8 {
            let p = G2Projective::rand(&mut rng);
            assert_eq!(psi(&p), p.mul_bigint(limbs(&six_x2)));
            assert!(psi(&p).into_affine().is_on_curve());
        }
        assert!(psi(&G2Projective::default()).into_affine().is_zero());
    }

    #[test]
    fn points_of_g2_are_members() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        assert!(is_in_g2(&G2Affine::generator()));
        assert!(is_in_g2(&G2Affine::zero()));
        for _ in 0..16 {
            let p = G2Projective::rand(&mut rng).into_affine();
            assert!(is_in_g2(&p));
            assert!(is_in_g2(&-p));
        }
    }

    /// For every prime `ℓ` of the cofactor, a point `T` of order `ℓ` (and its sum
    /// with a point of G2) is refused, as arkworks' check refuses it; with `f`
    /// a homomorphism and each such part cyclic of prime order, this proves that
    /// no point outside G2 passes.
    #[test]
    fn every_part_of_the_cofactor_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(43);
        let primes: Vec<BigUint> = COFACTOR_PRIMES.iter().map(|s| big(s)).collect();
        assert_eq!(primes.iter().product::<BigUint>(), cofactor());
        assert!(primes.iter().all(is_probable_prime));
        assert!(!primes.contains(&r()));
        let order = r() * cofactor();
        for l in &primes {
            let t = loop {
                let q = random_twist_point(&mut rng);
                let t = q.mul_bigint(limbs(&(&order / l))).into_affine();
                if !t.is_zero() {
                    break t;
                }
            };
            assert!(t.mul_bigint(limbs(l)).is_zero(), "order {l}");
            let g = G2Projective::rand(&mut rng);
            for p in [t, (g + t).into_affine(), (g - t).into_affine()] {
                assert!(!is_in_g2(&p), "a point of order divisible by {l} passed");
                assert!(!p.is_in_correct_subgroup_assuming_on_curve());
            }
        }
    }

    #[test]
    fn agrees_with_arkworks_on_random_twist_points() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(44);
        for _ in 0..16 {
            let p = random_twist_point(&mut rng);
            let cleared = <ark_bn254::g2::Config as SWCurveConfig>::clear_cofactor(&p);
            for q in [p, cleared] {
                assert_eq!(is_in_g2(&q), q.is_in_correct_subgroup_assuming_on_curve());
            }
            assert!(!is_in_g2(&p));
            assert!(is_in_g2(&cleared));
        }
    }
}
