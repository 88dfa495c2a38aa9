//! A multi-Miller loop whose line evaluations can be split between threads.
//!
//! The Miller loop of pairs `(Pⱼ, Qⱼ)` is `f = Π_k ℓ_k^(2^(squarings after k))`
//! over every line `ℓ_k` of every pair, with one squaring of `f` per loop bit.
//! Squaring distributes over products, so the lines can be shared between any
//! number of *chains*, each running every squaring over its own lines only: the
//! product of the chains' results is the Miller loop of all the pairs (a test
//! compares it with arkworks' `multi_miller_loop`). Each chain costs its own 63
//! squarings, so a verification uses two chains, one per core, and gives part of
//! one pair's lines to each to even them out.
//!
//! Lines come from arkworks' prepared G2 points (`ell_coeffs`, one per doubling or
//! addition step, the same sequence for every point) and are evaluated exactly as
//! arkworks does for BN254's D-type twist; the lines between two squarings are
//! multiplied into `f` two at a time ([`Tower::mul_by_lines`]). Batch verification
//! runs one chain per thread over all of its pairs.

use crate::tower::Tower;
use ark_bn254::{Config, Fq12, Fq2, G1Affine};
use ark_ec::bn::{BnConfig, G2Prepared};
use std::ops::Range;

// For a negative curve parameter the loop would end with a conjugation, and
// [`evaluate`] is the line of a D-type twist.
const _: () = assert!(
    !<Config as BnConfig>::X_IS_NEGATIVE
        && matches!(<Config as BnConfig>::TWIST_TYPE, ark_ec::bn::TwistType::D)
);

/// Lines per prepared G2 point: one per loop bit (doubling), one per non-zero
/// digit (addition), and the two Frobenius additions at the end.
pub(crate) fn lines_per_pair() -> usize {
    let count = <Config as BnConfig>::ATE_LOOP_COUNT;
    count.len() - 1 + count[..count.len() - 1].iter().filter(|&&d| d != 0).count() + 2
}

/// The lines `range` of the pair `(p, q)`.
pub(crate) struct Part<'a> {
    pub p: G1Affine,
    pub q: &'a G2Prepared<Config>,
    pub range: Range<usize>,
}

/// The Miller-loop chain of `parts`: every squaring, and each part's lines in its
/// range. Parts with `p` or `q` at infinity contribute nothing (their pairing is 1).
pub(crate) fn chain<T: Tower>(tower: T, parts: &[Part<'_>]) -> Fq12 {
    let live: Vec<&Part<'_>> = parts
        .iter()
        .filter(|part| !part.p.infinity && !part.q.infinity)
        .collect();
    let mut f = tower.one();
    let mut line = 0;
    // Every line between two squarings, multiplied into `f` two at a time.
    let mut pending: Option<Line> = None;
    let mut apply = |f: &mut T::F, lines: Range<usize>| {
        for line in lines {
            for part in &live {
                if part.range.contains(&line) {
                    let l = evaluate(&part.q.ell_coeffs[line], &part.p);
                    match pending.take() {
                        Some(first) => tower.mul_by_lines(f, &first, Some(&l)),
                        None => pending = Some(l),
                    }
                }
            }
        }
        if let Some(last) = pending.take() {
            tower.mul_by_lines(f, &last, None);
        }
    };
    let count = <Config as BnConfig>::ATE_LOOP_COUNT;
    for i in (1..count.len()).rev() {
        if i != count.len() - 1 {
            f = tower.square(&f);
        }
        let mut lines = if count[i - 1] != 0 { 2 } else { 1 };
        if i == 1 {
            lines += 2; // the two Frobenius additions follow with no squaring between
        }
        apply(&mut f, line..line + lines);
        line += lines;
    }
    debug_assert_eq!(line, lines_per_pair());
    tower.lower(&f)
}

/// A line evaluated at a G1 point: `c₀ + (c₃ + c₄·v)·w` in `Fq12 = Fq6[w]`,
/// `Fq6 = Fq2[v]` (the D-type twist's sparse form, arkworks' `mul_by_034`).
pub(crate) type Line = [Fq2; 3];

/// The line with coefficients `(c₀, c₁, c₂)` at `p`: `(c₀·y, c₁·x, c₂)`.
fn evaluate(coeffs: &ark_ec::bn::g2::EllCoeff<Config>, p: &G1Affine) -> Line {
    let (mut c0, mut c1, c2) = *coeffs;
    c0.mul_assign_by_fp(&p.y);
    c1.mul_assign_by_fp(&p.x);
    [c0, c1, c2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::final_exp::easy_part;
    use crate::tower::{Arkworks, Scalar, Vector};
    use ark_bn254::{Bn254, Fr, G1Projective, G2Affine, G2Projective};
    use ark_ec::{pairing::Pairing, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn split_chains_multiply_to_arkworks_miller_loop() {
        // Arkworks' tower and the portable one give the Miller loop itself; IFMA's,
        // the Miller loop times an element of `Fq*`, equal after the easy part.
        split_chains_on(Arkworks, |f| f);
        split_chains_on(Scalar, |f| f);
        match x402_zk_ifma::Ifma::detect() {
            Some(ifma) => split_chains_on(Vector(ifma), |f| easy_part(f).unwrap()),
            None => eprintln!("skipped the IFMA tower: this CPU has no AVX-512 IFMA"),
        }
    }

    fn split_chains_on<T: Tower>(t: T, up_to: impl Fn(Fq12) -> Fq12) {
        let mut rng = StdRng::seed_from_u64(7);
        let g1 = |r: Fr| (G1Projective::generator() * r).into_affine();
        let g2 = |r: Fr| (G2Projective::generator() * r).into_affine();
        let p: Vec<G1Affine> = (0..3).map(|_| g1(Fr::rand(&mut rng))).collect();
        let q: Vec<G2Affine> = (0..3).map(|_| g2(Fr::rand(&mut rng))).collect();
        let prepared: Vec<G2Prepared<Config>> = q.iter().map(|q| (*q).into()).collect();
        let expected = Bn254::multi_miller_loop(p.clone(), q.clone()).0;
        let n = lines_per_pair();
        assert_eq!(prepared[0].ell_coeffs.len(), n);
        for split in [0, 1, n / 2, n - 1, n] {
            let part = |j: usize, range: Range<usize>| Part {
                p: p[j],
                q: &prepared[j],
                range,
            };
            let a = chain(t, &[part(0, 0..n), part(2, 0..split)]);
            let b = chain(t, &[part(1, 0..n), part(2, split..n)]);
            assert_eq!(up_to(a * b), up_to(expected), "split at {split}");
        }
        // A point at infinity contributes nothing, as in arkworks.
        let with_zero = chain(
            t,
            &[
                Part {
                    p: G1Affine::identity(),
                    q: &prepared[0],
                    range: 0..n,
                },
                Part {
                    p: p[1],
                    q: &prepared[1],
                    range: 0..n,
                },
            ],
        );
        let infinity: G2Prepared<Config> = G2Affine::identity().into();
        assert!(infinity.ell_coeffs.is_empty());
        let with_zero_q = chain(
            t,
            &[
                Part {
                    p: p[0],
                    q: &infinity,
                    range: 0..n,
                },
                Part {
                    p: p[1],
                    q: &prepared[1],
                    range: 0..n,
                },
            ],
        );
        let alone = up_to(Bn254::multi_miller_loop([p[1]], [q[1]]).0);
        assert_eq!(
            up_to(with_zero),
            alone,
            "pairs with P at infinity are skipped"
        );
        assert_eq!(
            up_to(with_zero_q),
            alone,
            "pairs with Q at infinity are skipped"
        );
    }
}
