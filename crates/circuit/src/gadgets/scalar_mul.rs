//! Scalar multiplication on Baby Jubjub: by a fixed base with constant window
//! tables, and by a variable base with a 2-bit window table built in-circuit.
//!
//! Twin: [`x402_zk_primitives::babyjubjub::mul`]. Scalars are little-endian
//! [`Bit`]s and are not reduced: `k·P` for the integer `k = Σ bᵢ·2ⁱ`.

use super::curve::{normalize, PointVar};
use super::montgomery::coeff_a;
use crate::num::{batch_invert, Bit, Cs, Num};
use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, One, Zero};
use ark_relations::r1cs::SynthesisError;
use num_bigint::BigUint;
use std::sync::{Arc, Mutex};
use x402_zk_primitives::babyjubjub::{mul, EdwardsProjective, Point};

/// Bits per window of [`fixed_base_mul`].
const FIXED_WINDOW: usize = 3;

/// Longest linear combination an accumulator coordinate may grow to.
const MAX_LC_TERMS: usize = 32;

/// `k·B` for a constant `B` of prime order `l`, `k = Σ bᵢ·2ⁱ` with at most 251 bits.
///
/// With `K' = ⌊k/2⌋` cut into 3-bit windows `vⱼ` at positions `posⱼ`, window `j`
/// selects the odd multiple `dⱼ·2^posⱼ·B`, `dⱼ = 2vⱼ − (2^wⱼ − 1)`, from a constant
/// table (each coordinate is `L₀ + b₂·L₁`, with `L₀`, `L₁` fixed linear forms in
/// `1, b₀, b₁, b₀b₁`: 3 products per window, coefficients by Möbius inversion). The selections are summed with incomplete Montgomery additions
/// (3 constraints each), giving `M·B` with `M = Σ dⱼ·2^posⱼ = 2K' − (2^250 − 1)`;
/// then, in Edwards form, the constant `(2^250 − 1 + b₀)·B` is added: `k·B`.
///
/// No exceptional case can occur, for any bits: before window `j + 1` the sum is
/// `Mⱼ·B` with `Mⱼ` odd and `|Mⱼ| < 2^pos`, the addend is `d·2^pos·B` with `d` odd
/// and `2^pos ≤ |d·2^pos| < 2^(pos+w) ≤ 2^250 < l`. So `Mⱼ ≢ ±d·2^pos (mod l)` and
/// neither point nor the sum (odd, below `l` in absolute value) is the identity.
pub fn fixed_base_mul(cs: &Cs, bits: &[Bit], base: &Point) -> Result<PointVar, SynthesisError> {
    if cs.should_construct_matrices() {
        // Debug builds check that the replayed schedule is what this synthesis
        // decides (it assumes every bit is one fresh variable, as `Bit`s are).
        let expected = if cfg!(debug_assertions) {
            Some(materialize_schedule(base, bits.len())?)
        } else {
            None
        };
        return fixed_base_mul_with(cs, bits, base, &mut |window, u| {
            let long = u.num_terms().is_some_and(|n| n > MAX_LC_TERMS);
            debug_assert!(
                expected.as_ref().is_none_or(|s| s[window] == long),
                "the materialize schedule no longer matches the synthesis"
            );
            long
        });
    }
    // Without linear combinations the lengths are unknown: replay the decisions
    // a synthesis with them makes, so both modes create the same variables.
    let schedule = materialize_schedule(base, bits.len())?;
    fixed_base_mul_with(cs, bits, base, &mut |window, _| schedule[window])
}

/// Which windows of [`fixed_base_mul`] materialize the accumulator, for one base
/// and scalar length, from a key-setup synthesis (once per process).
fn materialize_schedule(base: &Point, len: usize) -> Result<Arc<Vec<bool>>, SynthesisError> {
    type Cache = Vec<(Point, usize, Arc<Vec<bool>>)>;
    static CACHE: Mutex<Cache> = Mutex::new(Vec::new());
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, _, s)) = cache.iter().find(|(b, n, _)| b == base && *n == len) {
        return Ok(s.clone());
    }
    let setup = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
    setup.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
    let bits = (0..len)
        .map(|_| Bit::witness(&setup, None))
        .collect::<Result<Vec<_>, _>>()?;
    let mut schedule = vec![];
    fixed_base_mul_with(&setup, &bits, base, &mut |_, u| {
        let long = u.num_terms().is_some_and(|n| n > MAX_LC_TERMS);
        schedule.push(long);
        long
    })?;
    let schedule = Arc::new(schedule);
    cache.push((*base, len, schedule.clone()));
    Ok(schedule)
}

/// [`fixed_base_mul`], asking `materialize(window, u)` whether to replace the
/// accumulator's `u` by a fresh variable after that window.
fn fixed_base_mul_with(
    cs: &Cs,
    bits: &[Bit],
    base: &Point,
    materialize: &mut dyn FnMut(usize, &Num) -> bool,
) -> Result<PointVar, SynthesisError> {
    use super::montgomery::{add_hinted, to_edwards_hinted, MontPoint};
    let (b0, high) = bits.split_first().expect("2 to 251 bits");
    assert!(
        (1..=250).contains(&high.len()),
        "fixed-base scalars have 2 to 251 bits"
    );
    let tables = fixed_base_tables(base, high.len());
    let hints = bit_values(bits).map(|bits| tables.twin(bits[0], &bits[1..]));
    let mut acc: Option<MontPoint> = None;
    for (index, (window, table)) in high.chunks(FIXED_WINDOW).zip(&tables.windows).enumerate() {
        let (u, v) = lookup_constant(cs, window, &table.coefficients)?;
        let selected = MontPoint { u, v };
        let mut sum = match acc {
            None => selected,
            Some(a) => {
                let hint = hints.as_ref().map(|h| h.slopes[index - 1]);
                add_hinted(cs, &a, &selected, hint)?
            }
        };
        if materialize(index, &sum.u) {
            sum.u = sum.u.materialize(cs)?;
        }
        acc = Some(sum);
    }
    let (c0, c1) = tables.correction;
    let correction = PointVar {
        x: Num::constant(c0.x).add(&b0.num().scale(c1.x - c0.x)),
        y: Num::constant(c0.y).add(&b0.num().scale(c1.y - c0.y)),
    };
    let end = hints.as_ref().map(|h| h.end);
    to_edwards_hinted(cs, &acc.expect("at least one window"), end)?.add_hinted(
        cs,
        &correction,
        hints.map(|h| h.result),
    )
}

/// Hints for [`fixed_base_mul`] from its twin: the slope of every Montgomery
/// addition, the window sum `M·B` and the result `k·B`.
struct FixedBaseHints {
    slopes: Vec<Fr>,
    end: Point,
    result: Point,
}

/// The constants of [`fixed_base_mul`] for one base and scalar length: per window
/// the points `d·2^pos·B` for every digit `d`, and the Edwards correction points
/// `(2^pos_end − 1)·B` and `2^pos_end·B`.
struct FixedBaseTables {
    windows: Vec<WindowTable>,
    correction: (Point, Point),
}

/// One window's points, in Edwards form and as Montgomery images (for the twin),
/// and as the coefficients of their Montgomery coordinates over the monomials of
/// the window's bits.
struct WindowTable {
    points: Vec<Point>,
    images: Vec<(Fr, Fr)>,
    coefficients: Vec<(Fr, Fr)>,
}

impl FixedBaseTables {
    /// [`fixed_base_mul`]'s values for the bits `b₀`, `high` from the Edwards
    /// twin: the slopes `λ = (v₂ − v₁)/(u₂ − u₁)` of every Montgomery addition
    /// (sum of the windows so far plus the next window, whose image is in the
    /// table), the window sum and the result, with three batched inversions
    /// instead of one per window.
    fn twin(&self, b0: bool, high: &[bool]) -> FixedBaseHints {
        let selected: Vec<(&Point, (Fr, Fr))> = high
            .chunks(FIXED_WINDOW)
            .zip(&self.windows)
            .map(|(window, table)| {
                let index = window
                    .iter()
                    .enumerate()
                    .fold(0, |i, (k, &b)| i | (usize::from(b) << k));
                (&table.points[index], table.images[index])
            })
            .collect();
        let (last, rest) = selected.split_last().expect("at least one window");
        let mut sums = Vec::with_capacity(rest.len());
        let mut acc = EdwardsProjective::zero();
        for (p, _) in rest {
            acc += *p;
            sums.push(acc);
        }
        let images = montgomery_images(&sums);
        let slopes = quotients(
            images
                .iter()
                .zip(&selected[1..])
                .map(|((u1, v1), (_, (u2, v2)))| (*v2 - v1, *u2 - u1)),
        );
        let end = acc + last.0;
        let correction = if b0 {
            self.correction.1
        } else {
            self.correction.0
        };
        let [end, result] = <[Point; 2]>::try_from(normalize(&[end, end + correction], &mut []))
            .expect("two points");
        FixedBaseHints {
            slopes,
            end,
            result,
        }
    }
}

/// The tables for `(base, high_len)`, built once per process: they cost hundreds of
/// scalar multiplications, far more than the rest of witness generation.
fn fixed_base_tables(base: &Point, high_len: usize) -> Arc<FixedBaseTables> {
    use super::montgomery::native_from_edwards;
    type Cache = Vec<(Point, usize, Arc<FixedBaseTables>)>;
    static CACHE: Mutex<Cache> = Mutex::new(Vec::new());
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, _, tables)) = cache.iter().find(|(b, n, _)| b == base && *n == high_len) {
        return tables.clone();
    }
    let mut pos = 0usize;
    let mut windows = vec![];
    for w in (0..high_len)
        .step_by(FIXED_WINDOW)
        .map(|i| FIXED_WINDOW.min(high_len - i))
    {
        let scale = BigUint::from(1u8) << pos;
        let points: Vec<Point> = (0..1i64 << w)
            .map(|v| {
                let d = 2 * v - ((1 << w) - 1);
                let p = mul(base, &(&scale * d.unsigned_abs()));
                if d < 0 {
                    -p
                } else {
                    p
                }
            })
            .collect();
        let montgomery: Vec<(Fr, Fr)> = points.iter().map(native_from_edwards).collect();
        windows.push(WindowTable {
            coefficients: mobius_coefficients(&montgomery),
            points,
            images: montgomery,
        });
        pos += w;
    }
    let top = BigUint::from(1u8) << pos;
    let tables = Arc::new(FixedBaseTables {
        windows,
        correction: (mul(base, &(&top - 1u32)), mul(base, &top)),
    });
    cache.push((*base, high_len, tables.clone()));
    tables
}

/// Möbius inversion of a table of `2^n` pairs: the coefficient of the monomial
/// `Π_{i∈S} bᵢ` is `Σ_{T⊆S} (−1)^{|S∖T|} table[T]`, so that
/// `table[Σ bᵢ·2ⁱ] = Σ_S coefficient[S]·Π_{i∈S} bᵢ` for bits `bᵢ`.
fn mobius_coefficients(table: &[(Fr, Fr)]) -> Vec<(Fr, Fr)> {
    (0..table.len())
        .map(|mask| {
            let (mut cx, mut cy) = (Fr::zero(), Fr::zero());
            let mut sub = mask;
            loop {
                let sign = if (mask ^ sub).count_ones() % 2 == 0 {
                    Fr::one()
                } else {
                    -Fr::one()
                };
                cx += sign * table[sub].0;
                cy += sign * table[sub].1;
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & mask;
            }
            (cx, cy)
        })
        .collect()
}

/// Selects `table[Σ bᵢ·2ⁱ]` from a constant table of `2^bits.len()` pairs given
/// by its [`mobius_coefficients`]. For 3 bits (circomlib's `MultiMux3`), each
/// coordinate is `L₀ + b₂·L₁` with `L₀`, `L₁` fixed linear forms in `1, b₀, b₁,
/// b₀b₁` (the coefficients of the monomials without and with `b₂`): 3 products,
/// `b₀b₁` and one per coordinate. Fewer bits use their monomials directly (1
/// product for 2 bits, none for 1).
fn lookup_constant(
    cs: &Cs,
    bits: &[Bit],
    coefficients: &[(Fr, Fr)],
) -> Result<(Num, Num), SynthesisError> {
    let n = bits.len();
    let low = &bits[..n.min(2)];
    // monomials[S] = Π_{i∈S} bᵢ for every subset S of the low two bits (a mask).
    let mut monomials = vec![Num::one()];
    for mask in 1usize..(1 << low.len()) {
        let top = usize::BITS as usize - 1 - mask.leading_zeros() as usize;
        let rest = mask & !(1 << top);
        let m = if rest == 0 {
            low[top].num().clone()
        } else {
            monomials[rest].mul(cs, low[top].num())?
        };
        monomials.push(m);
    }
    let linear = |coefficients: &[(Fr, Fr)]| {
        let (mut x, mut y) = (Num::zero(), Num::zero());
        for (monomial, &(cx, cy)) in monomials.iter().zip(coefficients) {
            x = x.add(&monomial.scale(cx));
            y = y.add(&monomial.scale(cy));
        }
        (x, y)
    };
    let (x, y) = linear(&coefficients[..monomials.len()]);
    match bits.get(2) {
        None => Ok((x, y)),
        Some(b2) => {
            assert_eq!(n, 3, "windows have at most 3 bits");
            let (x1, y1) = linear(&coefficients[4..8]);
            Ok((
                x.add(&b2.num().mul(cs, &x1)?),
                y.add(&b2.num().mul(cs, &y1)?),
            ))
        }
    }
}

/// The values of `bits`, when all are known.
fn bit_values(bits: &[Bit]) -> Option<Vec<bool>> {
    bits.iter().map(Bit::value).collect()
}

/// The Montgomery images `(u, v) = ((1 + y)/(1 − y), u/x)` of Edwards points in
/// projective form `(X : Y : Z)`, with one batched inversion for all: with
/// `w = (Z − Y)·X`, `u = (Z + Y)·X/w` and `v = (Z + Y)·Z/w`. The identity and the
/// point of order 2 (`w = 0`) have none and map to `(0, 0)`, never a panic: values
/// derived from these are hints, checked where they are used
/// ([`Num::div_hinted`]).
fn montgomery_images(points: &[EdwardsProjective]) -> Vec<(Fr, Fr)> {
    let mut w: Vec<Fr> = points.iter().map(|p| (p.z - p.y) * p.x).collect();
    batch_invert(&mut w);
    points
        .iter()
        .zip(&w)
        .map(|(p, w)| {
            let t = (p.z + p.y) * w;
            (t * p.x, t * p.z)
        })
        .collect()
}

/// `numᵢ/denᵢ` for every pair with one batched inversion (`0` where `denᵢ = 0`).
fn quotients(pairs: impl Iterator<Item = (Fr, Fr)>) -> Vec<Fr> {
    let (nums, mut dens): (Vec<Fr>, Vec<Fr>) = pairs.unzip();
    batch_invert(&mut dens);
    nums.iter().zip(&dens).map(|(n, d)| *n * d).collect()
}

/// `k·P` for a variable point `P` of prime order `l` (the caller checks that `P` is
/// `8·A` for an `A` that is not of small order), `k = Σ bᵢ·2ⁱ` with `n` bits.
///
/// Signed-digit double-and-add in Montgomery form, 6 constraints per bit. With
/// `B = ⌊k/2⌋` and digits `dᵢ = 2bᵢ − 1 ∈ {−1, +1}` for `i = n−1 … 1`, starting from
/// `Ω + P` and stepping `acc ← 2·acc + dᵢ·P` gives
///
/// ```text
/// acc = 2^(n−1)·Ω + (2B + 1)·P = 2^(n−1)·Ω + (k − b₀ + 1)·P
/// ```
///
/// then, back in Edwards form with complete additions, `−2^(n−1)·Ω` (a constant)
/// and `−(1 − b₀)·P` are added. `Ω` is a fixed point of the prime-order subgroup
/// ([`offset_point`]) that keeps the accumulator away from small multiples of `P`.
///
/// Soundness of the incomplete formulas: every intermediate point is
/// `2^j·Ω + m·P` with an integer `m` the circuit fixes from the bits of `h`. Of the
/// exceptional cases only `acc = d·P` (adding a point to itself) leaves a value free
/// (`λ₁`); `acc = −d·P`, `acc + d·P = −acc`, a zero result and an identity start are
/// unsatisfiable (`v ≠ 0` in the prime-order subgroup). Reaching `acc = d·P` needs
/// `2^j·Ω = (d − m)·P`: a discrete logarithm of `Ω` to `P = 8A` *and* a prefix of
/// the Poseidon output `h` hitting one value out of about `l`. For the key of an
/// issuer the seller trusts, `log_P(Ω)` is unknown (`Ω` is hashed to the curve) and
/// the event has probability about `1/l` per hash.
///
/// A prover may instead publish a key built from `Ω` (e.g. `A = −(16)⁻¹·Ω`, whose
/// secret key nobody knows) and satisfy the circuit for any message under it. That
/// proves nothing a seller accepts: a statement is only meaningful for an issuer key
/// the seller trusts, so every verifier must compare the statement's issuer with its
/// policy (`Statement::satisfies`, or `check_statement` in the protocol crate), as it
/// must for keys whose owners sign anything.
pub fn variable_base_mul(
    cs: &Cs,
    bits: &[Bit],
    base: &PointVar,
) -> Result<PointVar, SynthesisError> {
    let hints = base
        .value()
        .zip(bit_values(bits))
        .map(|(p, bits)| VariableBaseHints::new(&p, &bits));
    variable_base_mul_hinted(cs, bits, base, hints)
}

/// [`variable_base_mul`] with its twin's values computed beforehand (by
/// [`VariableBaseHints::new`], e.g. on another core while the constraints before
/// it are synthesized). Hints made for other bits or another base are not used:
/// the twin runs again here.
pub fn variable_base_mul_hinted(
    cs: &Cs,
    bits: &[Bit],
    base: &PointVar,
    hints: Option<VariableBaseHints>,
) -> Result<PointVar, SynthesisError> {
    use super::montgomery::{double_and_add_hinted, from_edwards_hinted, to_edwards_hinted};
    let (b0, high) = bits.split_first().expect("at least one bit");
    let omega = offset_point();
    let twin = match (base.value(), bit_values(bits)) {
        (Some(p), Some(values)) => Some(match hints {
            Some(h) if h.base_point == p && h.bits == values => h,
            given => {
                debug_assert!(given.is_none(), "hints for another multiplication");
                VariableBaseHints::new(&p, &values)
            }
        }),
        _ => None,
    };
    let p = from_edwards_hinted(cs, base, twin.as_ref().map(|t| t.base))?;
    let start = base.add_hinted(
        cs,
        &PointVar::constant(&omega),
        twin.as_ref().map(|t| t.start),
    )?;
    let mut acc = from_edwards_hinted(cs, &start, twin.as_ref().map(|t| t.start_image))?;
    for (step, bit) in high.iter().rev().enumerate() {
        // v of dᵢ·P: (2b − 1)·v_P.
        let v = bit
            .num()
            .add(bit.num())
            .add_constant(-Fr::one())
            .mul(cs, &p.v)?;
        let hint = twin.as_ref().map(|t| t.quotients[step]);
        acc = double_and_add_hinted(cs, &acc, &p.u, &v, hint)?;
    }
    let offset = offset_multiple(high.len());
    let acc = to_edwards_hinted(cs, &acc, twin.as_ref().map(|t| t.end))?.add_hinted(
        cs,
        &PointVar::constant(&offset),
        twin.as_ref().map(|t| t.unshifted),
    )?;
    // −(1 − b₀)·P = (−(1 − b₀)·x_P, 1 + (1 − b₀)·(y_P − 1)).
    let not_b0 = Num::one().sub(b0.num());
    let correction = PointVar {
        x: not_b0.mul(cs, &base.x)?.scale(-Fr::one()),
        y: Num::one().add(&not_b0.mul(cs, &base.y.add_constant(-Fr::one()))?),
    };
    acc.add_hinted(cs, &correction, twin.map(|t| t.result))
}

/// The values [`variable_base_mul`] needs besides its inputs, from its Edwards
/// twin: the Montgomery images, the quotients of every ladder step and the points
/// between the conversions and additions.
pub struct VariableBaseHints {
    /// The multiplication these are for: the base and the little-endian bits.
    base_point: Point,
    bits: Vec<bool>,
    /// Montgomery image of `P`.
    base: (Fr, Fr),
    /// `P + Ω` and its Montgomery image.
    start: Point,
    start_image: (Fr, Fr),
    /// `(λ₁, λ₁ + λ₂)` of every double-and-add step.
    quotients: Vec<(Fr, Fr)>,
    /// The ladder's end `2^n·Ω + (k − b₀ + 1)·P`, then without `2^n·Ω`, then `k·P`.
    end: Point,
    unshifted: Point,
    result: Point,
}

impl VariableBaseHints {
    /// The hints of `k·p` for `k = Σ bᵢ·2ⁱ` given by little-endian `bits` (at
    /// least one).
    ///
    /// With four batched inversions instead of two per bit: the Edwards ladder
    /// `Q ← 2·Q + dᵢ·P` (a doubling and a mixed addition per step), the Montgomery
    /// images `(u_Q, v_Q)` of every accumulator, then the quotients
    /// `λ₁ = (v_dP − v_Q)/(u_dP − u_Q)`, and `λ₁ + λ₂ = 2·v_Q/(u_Q − u₃)` with
    /// `u₃ = λ₁² − A − u_Q − u_P`, the u-coordinate of `Q + dᵢ·P` (Montgomery
    /// addition, `B = 1`), which is never computed as a point.
    pub fn new(p: &Point, bits: &[bool]) -> Self {
        let (&b0, high) = bits.split_first().expect("at least one bit");
        let n = high.len();
        let minus = -*p;
        let start = p.into_group() + offset_point();
        let mut points = Vec::with_capacity(n + 3);
        let mut acc = start;
        for &bit in high.iter().rev() {
            points.push(acc);
            acc.double_in_place();
            acc += if bit { p } else { &minus };
        }
        points.extend([p.into_group(), minus.into_group(), start]);
        let images = montgomery_images(&points);
        let (steps, signed) = images.split_at(n);
        let signed_for = |bit: bool| signed[usize::from(!bit)];
        let lambda1 = quotients(
            steps
                .iter()
                .zip(high.iter().rev())
                .map(|(&(uq, vq), &bit)| {
                    let (up, vp) = signed_for(bit);
                    (vp - vq, up - uq)
                }),
        );
        let (a, up) = (coeff_a(), signed[0].0);
        let sums = quotients(steps.iter().zip(&lambda1).map(|(&(uq, vq), l1)| {
            let u3 = l1.square() - a - uq - up;
            (vq.double(), uq - u3)
        }));
        let unshifted = acc + offset_multiple(n);
        let result = if b0 { unshifted } else { unshifted + minus };
        let [start, end, unshifted, result] =
            <[Point; 4]>::try_from(normalize(&[start, acc, unshifted, result], &mut []))
                .expect("four points");
        VariableBaseHints {
            base_point: *p,
            bits: bits.to_vec(),
            base: signed[0],
            start,
            start_image: signed[2],
            quotients: lambda1.into_iter().zip(sums).collect(),
            end,
            unshifted,
            result,
        }
    }
}

/// `−2^n·Ω`, built once per process and `n`.
fn offset_multiple(n: usize) -> Point {
    static CACHE: Mutex<Vec<(usize, Point)>> = Mutex::new(Vec::new());
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, p)) = cache.iter().find(|(m, _)| *m == n) {
        return *p;
    }
    let p = -mul(&offset_point(), &(BigUint::from(1u8) << n));
    cache.push((n, p));
    p
}

/// `Ω`: `8·(x, y)` for the first `y = H2F("x402-zk/offset/v1", counter)` on the
/// curve (smallest counter, x with even integer value). Nobody knows its discrete
/// logarithm to `Base8` or to any issuer key.
pub fn offset_point() -> Point {
    use ark_ff::{BigInteger, PrimeField};
    use x402_zk_primitives::{babyjubjub, h2f::h2f};
    static OMEGA: std::sync::OnceLock<Point> = std::sync::OnceLock::new();
    *OMEGA.get_or_init(|| {
        for counter in 0u32.. {
            let y = h2f("x402-zk/offset/v1", &[&counter.to_be_bytes()]).0;
            let den = babyjubjub::coeff_a() - babyjubjub::coeff_d() * y * y;
            let Some(x) = den
                .inverse()
                .and_then(|inv| ((Fr::one() - y * y) * inv).sqrt())
            else {
                continue;
            };
            let x = if x.into_bigint().is_even() { x } else { -x };
            let p = mul(&Point::new_unchecked(x, y), &8u32.into());
            if !p.is_zero() {
                return p;
            }
        }
        unreachable!("half of all y values are on the curve")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::bits::alloc_bits;
    use ark_ec::CurveGroup;
    use ark_relations::r1cs::ConstraintSystem;
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
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let all_ones = (BigUint::from(1u8) << 251u32) - 1u32;
        let random = (0..8).map(|_| BigUint::from_bytes_le(&rng.gen::<[u8; 32]>()) >> 5u32);
        let small = scalars().into_iter().filter(|k| k.bits() <= 251);
        for k in small.chain([all_ones]).chain(random) {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 251).unwrap();
            let out = fixed_base_mul(&cs, &bits, &base8()).unwrap();
            assert_eq!(out.value(), Some(mul(&base8(), &k)), "k = {k}");
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn variable_base_matches_native_on_random_points_and_scalars() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for _ in 0..12 {
            let p = mul(&base8(), &BigUint::from(rng.gen::<u128>()));
            let k = BigUint::from_bytes_le(&rng.gen::<[u8; 32]>()) >> 2u32; // 254 bits
            let cs = ConstraintSystem::<Fr>::new_ref();
            let base = PointVar {
                x: Num::witness(&cs, Some(p.x)).unwrap(),
                y: Num::witness(&cs, Some(p.y)).unwrap(),
            };
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 253).unwrap();
            let top = crate::num::Bit::witness(&cs, Some(k.bit(253))).unwrap();
            let bits: Vec<_> = bits.into_iter().chain([top]).collect();
            let out = variable_base_mul(&cs, &bits, &base).unwrap();
            assert_eq!(out.value(), Some(mul(&p, &k)), "k = {k}");
            assert!(cs.is_satisfied().unwrap());
        }
    }

    /// The batched twins give exactly the quotients that step-by-step Montgomery
    /// arithmetic (one inversion per division, as `Num::div`) gives.
    #[test]
    fn batched_quotients_match_step_by_step_montgomery_arithmetic() {
        use super::super::montgomery::{coeff_a, native_from_edwards};
        use ark_ff::Field;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let div = |n: Fr, d: Fr| n * d.inverse().unwrap();
        for _ in 0..4 {
            // Variable base: Q ← 2Q + dP from Q = P + Ω.
            let p = mul(&base8(), &BigUint::from(rng.gen::<u128>()));
            let bits: Vec<bool> = (0..253).map(|_| rng.gen()).collect();
            let all: Vec<bool> = [true].into_iter().chain(bits.iter().copied()).collect();
            let hints = VariableBaseHints::new(&p, &all).quotients;
            let (up, vp) = native_from_edwards(&p);
            let (mut uq, mut vq) =
                native_from_edwards(&(p.into_group() + offset_point()).into_affine());
            for (step, &bit) in bits.iter().rev().enumerate() {
                let vd = if bit { vp } else { -vp };
                let l1 = div(vd - vq, up - uq);
                let u3 = l1.square() - coeff_a() - uq - up;
                let q2 = div(vq.double(), uq - u3);
                assert_eq!(hints[step], (l1, q2), "step {step}");
                let l2 = q2 - l1;
                let u4 = l2.square() - l1.square() + up;
                (uq, vq) = (u4, l2 * (uq - u4) - vq);
            }

            // Fixed base: the running sum of the selected window points.
            let bits: Vec<bool> = (0..250).map(|_| rng.gen()).collect();
            let tables = fixed_base_tables(&base8(), bits.len());
            let slopes = tables.twin(false, &bits).slopes;
            let selected: Vec<(Fr, Fr)> = bits
                .chunks(FIXED_WINDOW)
                .zip(&tables.windows)
                .map(|(w, t)| {
                    let i = w.iter().rev().fold(0, |i, &b| 2 * i + usize::from(b));
                    native_from_edwards(&t.points[i])
                })
                .collect();
            let (mut u1, mut v1) = selected[0];
            for (j, &(u2, v2)) in selected.iter().enumerate().skip(1) {
                let lambda = div(v2 - v1, u2 - u1);
                assert_eq!(slopes[j - 1], lambda, "window {j}");
                let u3 = lambda.square() - coeff_a() - u1 - u2;
                (u1, v1) = (u3, lambda * (u1 - u3) - v1);
            }
        }
    }

    /// The twins' points are the group law's: every hint a gadget is given is
    /// the value it would compute (so none falls back to an inversion).
    #[test]
    fn twins_give_the_points_the_gadgets_compute() {
        use super::super::montgomery::native_from_edwards;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(22);
        for b0 in [false, true] {
            let p = mul(&base8(), &BigUint::from(rng.gen::<u128>()));
            let high: Vec<bool> = (0..253).map(|_| rng.gen()).collect();
            let k = high
                .iter()
                .rev()
                .fold(BigUint::from(0u8), |k, &b| 2u8 * k + u8::from(b));
            let k = 2u8 * k + u8::from(b0);
            let omega = offset_point();
            let all: Vec<bool> = [b0].into_iter().chain(high.iter().copied()).collect();
            let t = VariableBaseHints::new(&p, &all);
            let start = (p.into_group() + omega).into_affine();
            assert_eq!(t.base, native_from_edwards(&p));
            assert_eq!(
                (t.start, t.start_image),
                (start, native_from_edwards(&start))
            );
            assert_eq!(t.result, mul(&p, &k));
            let unshifted = mul(&p, &(&k + 1u8 - u8::from(b0)));
            assert_eq!(t.unshifted, unshifted);
            assert_eq!(
                t.end,
                (unshifted.into_group() - offset_multiple(253)).into_affine()
            );

            let bits: Vec<bool> = (0..250).map(|_| rng.gen()).collect();
            let k = bits
                .iter()
                .rev()
                .fold(BigUint::from(0u8), |k, &b| 2u8 * k + u8::from(b));
            let t = fixed_base_tables(&base8(), 250).twin(b0, &bits);
            assert_eq!(t.result, mul(&base8(), &(2u8 * k + u8::from(b0))));
        }
    }

    /// Without matrices the gadgets create the same variables with the same values.
    #[test]
    fn witness_only_synthesis_assigns_the_same_values() {
        use ark_relations::r1cs::SynthesisMode;
        let p = mul(&base8(), &424242u32.into());
        let k = BigUint::from(0xdead_beef_u64) * BigUint::from(u128::MAX);
        let run = |construct_matrices: bool| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_mode(SynthesisMode::Prove { construct_matrices });
            let base = PointVar {
                x: Num::witness(&cs, Some(p.x)).unwrap(),
                y: Num::witness(&cs, Some(p.y)).unwrap(),
            };
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 251).unwrap();
            let fixed = fixed_base_mul(&cs, &bits, &base8()).unwrap();
            let variable = variable_base_mul(&cs, &bits, &base).unwrap();
            assert_eq!(fixed.value(), Some(mul(&base8(), &k)));
            assert_eq!(variable.value(), Some(mul(&p, &k)));
            let cs = cs.into_inner().unwrap();
            (cs.num_constraints, cs.witness_assignment)
        };
        assert_eq!(run(false), run(true));
    }

    /// Hints computed beforehand give the same assignment as the gadget's own
    /// twin; hints made for another scalar or base are not used (in release
    /// builds: debug builds stop at the miswiring, see the next test).
    #[test]
    fn hints_given_beforehand_give_the_same_assignment() {
        use crate::num::HINT_MISSES;
        use ark_relations::r1cs::SynthesisMode;
        let p = mul(&base8(), &987654u32.into());
        let k = BigUint::from(0xfeed_u64) * BigUint::from(u128::MAX);
        let values: Vec<bool> = (0..200).map(|i| k.bit(i)).collect();
        let run = |hints: Option<VariableBaseHints>| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_mode(SynthesisMode::Prove {
                construct_matrices: true,
            });
            let base = PointVar {
                x: Num::witness(&cs, Some(p.x)).unwrap(),
                y: Num::witness(&cs, Some(p.y)).unwrap(),
            };
            let (_, bits) = alloc_bits(&cs, Some(Fr::from(k.clone())), 200).unwrap();
            HINT_MISSES.with(|m| m.set(0));
            let out = variable_base_mul_hinted(&cs, &bits, &base, hints).unwrap();
            assert_eq!(out.value(), Some(mul(&p, &k)));
            assert!(cs.is_satisfied().unwrap());
            assert_eq!(HINT_MISSES.with(|m| m.get()), 0);
            cs.into_inner().unwrap().witness_assignment
        };
        let own = run(None);
        assert_eq!(run(Some(VariableBaseHints::new(&p, &values))), own);
        if !cfg!(debug_assertions) {
            let mut other = values.clone();
            other[7] = !other[7];
            assert_eq!(run(Some(VariableBaseHints::new(&p, &other))), own);
            let q = mul(&base8(), &5u32.into());
            assert_eq!(run(Some(VariableBaseHints::new(&q, &values))), own);
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "hints for another multiplication")]
    fn hints_for_another_scalar_stop_debug_builds() {
        let p = mul(&base8(), &987654u32.into());
        let cs = ConstraintSystem::<Fr>::new_ref();
        let base = PointVar {
            x: Num::witness(&cs, Some(p.x)).unwrap(),
            y: Num::witness(&cs, Some(p.y)).unwrap(),
        };
        let (_, bits) = alloc_bits(&cs, Some(Fr::from(12345u64)), 20).unwrap();
        let other: Vec<bool> = (0..20).map(|i| (12344u64 >> i) & 1 == 1).collect();
        let hints = VariableBaseHints::new(&p, &other);
        let _ = variable_base_mul_hinted(&cs, &bits, &base, Some(hints));
    }

    #[test]
    fn an_exceptional_base_is_unsatisfiable_not_free() {
        // P = −Ω makes the starting point Ω + P the identity, which has no
        // Montgomery image: the constraints fail rather than leave values free.
        let p = -offset_point();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let base = PointVar {
            x: Num::witness(&cs, Some(p.x)).unwrap(),
            y: Num::witness(&cs, Some(p.y)).unwrap(),
        };
        let (_, bits) = alloc_bits(&cs, Some(Fr::from(12345u64)), 20).unwrap();
        variable_base_mul(&cs, &bits, &base).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn offset_point_is_in_the_prime_subgroup() {
        use x402_zk_primitives::babyjubjub::{is_in_prime_subgroup, is_on_curve, is_small_order};
        let omega = offset_point();
        assert!(is_on_curve(&omega) && !is_small_order(&omega) && is_in_prime_subgroup(&omega));
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
