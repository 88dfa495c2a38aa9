//! Groth16 verification of receipt proofs against the compiled-in key.
//!
//! One proof: `e(A, B)·e(α, −β)·e(L, −γ)·e(C, −δ) = 1` with
//! `L = IC₀ + Σᵢ xᵢ·ICᵢ₊₁` (the key stores −β, −γ, −δ, so nothing is negated at
//! run time). A batch of n proofs with coefficients `rⱼ`:
//! `Πⱼ e(rⱼ·Aⱼ, Bⱼ) · e((Σrⱼ)·α, −β) · e(Σⱼ rⱼ·Lⱼ, −γ) · e(Σⱼ rⱼ·Cⱼ, −δ) = 1`,
//! where `Σⱼ rⱼ·Lⱼ = (Σrⱼ)·IC₀ + Σᵢ (Σⱼ rⱼ·xⱼᵢ mod r)·ICᵢ₊₁`: n + 3 pairings and
//! 2(n − 1) + 9 scalar multiplications instead of 4n and 7n (one more when
//! inputs are shared, see [`verify_batch`]). `r₀ = 1`; the others
//! are 128-bit values (top bit set, so never zero) hashed from every proof and
//! input of the batch, so a prover cannot choose proofs after seeing them: a
//! batch holding a false proof passes with probability about 2^−127.

use crate::bn254::{g1_add, g1_mul, pairing_is_one, G1, PAIR_BYTES};
use crate::policy::FOLDED;
use crate::scalar::{is_canonical, limbs, Accumulator};
use crate::{hash::sha256, vk, Error};

/// Public inputs of the receipt statement.
pub const PUBLIC_INPUTS: usize = 7;
/// A proof: `A ‖ B ‖ C`, EIP-197 big-endian (64 + 128 + 64 bytes).
pub const PROOF_BYTES: usize = 256;
/// A proof followed by its public inputs (32 bytes big-endian each): the unit
/// instructions and proof buffers carry.
pub const ENTRY_BYTES: usize = PROOF_BYTES + 32 * PUBLIC_INPUTS;
/// Indices of the inputs that must be below 2^64 (`min_amount`, `not_before`):
/// the circuit compares them as 64-bit numbers and leaves the range to verifiers.
const U64_INPUTS: [usize; 2] = [3, 4];
const BATCH_DOMAIN: &[u8] = b"x402-zk/solana/batch/v1";

/// A proof and its inputs, validated for encoding (not yet verified).
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a>(&'a [u8; ENTRY_BYTES]);

impl<'a> Entry<'a> {
    /// Checks the inputs' ranges and that no proof point is the point at
    /// infinity (curve membership is checked by the syscalls).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let bytes: &[u8; ENTRY_BYTES] = bytes.try_into().map_err(|_| Error::InvalidInstruction)?;
        let entry = Entry(bytes);
        for i in 0..PUBLIC_INPUTS {
            let x = entry.input(i);
            if !is_canonical(x) || (U64_INPUTS.contains(&i) && x[..24] != [0; 24]) {
                return Err(Error::InputOutOfRange);
            }
        }
        let zero = |s: &[u8]| s.iter().all(|b| *b == 0);
        if zero(entry.a()) || zero(entry.b()) || zero(entry.c()) {
            return Err(Error::MalformedProof);
        }
        Ok(entry)
    }

    fn a(&self) -> &'a G1 {
        self.0[..64].try_into().unwrap()
    }
    fn b(&self) -> &'a [u8; 128] {
        self.0[64..192].try_into().unwrap()
    }
    fn c(&self) -> &'a G1 {
        self.0[192..256].try_into().unwrap()
    }

    /// Public input `i` (0 = nullifier, 1 = context, 2 = dest, 3 = min_amount,
    /// 4 = not_before, 5/6 = issuer key), 32 bytes big-endian.
    pub fn input(&self, i: usize) -> &'a [u8; 32] {
        let at = PROOF_BYTES + 32 * i;
        self.0[at..at + 32].try_into().unwrap()
    }

    /// The nullifier (public input 0).
    pub fn nullifier(&self) -> &'a [u8; 32] {
        self.input(0)
    }

    /// A `u64` input (3 or 4); [`Entry::parse`] checked the range.
    pub fn input_u64(&self, i: usize) -> u64 {
        u64::from_be_bytes(self.input(i)[24..].try_into().unwrap())
    }
}

fn write_pair(out: &mut [u8], g1: &G1, g2: &[u8; 128]) {
    out[..64].copy_from_slice(g1);
    out[64..PAIR_BYTES].copy_from_slice(g2);
}

/// Verifies one proof.
pub fn verify(entry: &Entry) -> Result<(), Error> {
    verify_from(entry, &vk::IC[0], &[])
}

/// Verifies one proof whose inputs `folded` are already in `base`:
/// `base = IC₀ + Σ_{i ∈ folded} xᵢ·ICᵢ₊₁` (a seller policy's precomputed point;
/// the caller checked the entry's inputs equal the folded values).
pub fn verify_from(entry: &Entry, base: &G1, folded: &[usize]) -> Result<(), Error> {
    let mut l = *base;
    for i in (0..PUBLIC_INPUTS).filter(|i| !folded.contains(i)) {
        let x = entry.input(i);
        if *x != [0; 32] {
            l = g1_add(&l, &g1_mul(&vk::IC[i + 1], x)?)?;
        }
    }
    let mut pairs = [0u8; 4 * PAIR_BYTES];
    write_pair(&mut pairs[..], entry.a(), entry.b());
    write_pair(&mut pairs[PAIR_BYTES..], &vk::ALPHA_G1, &vk::BETA_G2_NEG);
    write_pair(&mut pairs[2 * PAIR_BYTES..], &l, &vk::GAMMA_G2_NEG);
    write_pair(&mut pairs[3 * PAIR_BYTES..], entry.c(), &vk::DELTA_G2_NEG);
    if pairing_is_one(&pairs)? {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}

/// The batch coefficient of entry `j` as 128-bit limbs and a 32-byte scalar.
fn coefficient(seed: &[u8; 32], j: usize) -> ([u32; 4], [u8; 32]) {
    let mut scalar = [0u8; 32];
    if j == 0 {
        scalar[31] = 1;
    } else {
        let h = sha256(&[seed, &(j as u32).to_le_bytes()]);
        scalar[16..].copy_from_slice(&h[..16]);
        scalar[16] |= 0x80;
    }
    let l = limbs(&scalar);
    ([l[0], l[1], l[2], l[3]], scalar)
}

/// Verifies `entries.len() / ENTRY_BYTES` proofs with one pairing check.
/// `pairs` is scratch space of at least `(n + 3)·192` bytes. Fails with the
/// first malformed entry's error, or `InvalidProof` if any proof is false.
pub fn verify_batch(entries: &[u8], pairs: &mut [u8]) -> Result<(), Error> {
    verify_batch_from(entries, pairs, None)
}

/// [`verify_batch`] against a policy's `base = IC₀ + Σ_{i ∈ FOLDED} xᵢ·ICᵢ₊₁`
/// ([`crate::policy`]): the folded inputs need neither products nor scalar
/// multiplications. The caller checked every entry carries the policy's values.
pub fn verify_batch_from(entries: &[u8], pairs: &mut [u8], base: Option<&G1>) -> Result<(), Error> {
    let folded: &[usize] = if base.is_some() { &FOLDED } else { &[] };
    let n = entries.len() / ENTRY_BYTES;
    if n == 0 || n > crate::MAX_BATCH || entries.len() % ENTRY_BYTES != 0 {
        return Err(Error::BadBatchSize);
    }
    if pairs.len() < (n + 3) * PAIR_BYTES {
        return Err(Error::BadBatchSize);
    }
    let first = Entry::parse(&entries[..ENTRY_BYTES])?;
    // Inputs every proof shares (one seller's dest, price and issuer, usually)
    // need no per-proof products: Σⱼ rⱼ·x = x·Σⱼ rⱼ.
    let mut shared = [true; PUBLIC_INPUTS];
    for bytes in entries.chunks_exact(ENTRY_BYTES).skip(1) {
        let entry = Entry::parse(bytes)?;
        for (i, s) in shared.iter_mut().enumerate() {
            *s &= folded.contains(&i) || entry.input(i) == first.input(i);
        }
    }
    let seed = sha256(&[BATCH_DOMAIN, entries]);
    let mut sum_r = Accumulator::default();
    let mut sums = [Accumulator::default(); PUBLIC_INPUTS];
    let mut c_sum = [0u8; 64];
    for (j, bytes) in entries.chunks_exact(ENTRY_BYTES).enumerate() {
        let entry = Entry(bytes.try_into().map_err(|_| Error::BadBatchSize)?);
        let (k, scalar) = coefficient(&seed, j);
        sum_r.add_product(&k, &[1]);
        for (i, sum) in sums.iter_mut().enumerate() {
            if !shared[i] {
                let x = limbs(entry.input(i));
                let width = if U64_INPUTS.contains(&i) { 2 } else { 8 };
                sum.add_product(&k, &x[..width]);
            }
        }
        let pair = &mut pairs[j * PAIR_BYTES..];
        if j == 0 {
            write_pair(pair, entry.a(), entry.b());
            c_sum = *entry.c();
        } else {
            write_pair(pair, &g1_mul(entry.a(), &scalar)?, entry.b());
            c_sum = g1_add(&c_sum, &g1_mul(entry.c(), &scalar)?)?;
        }
    }
    // Σⱼ rⱼ·Lⱼ = (Σrⱼ)·P + Σ_{i not shared} (Σⱼ rⱼ·xⱼᵢ mod r)·ICᵢ₊₁ with
    // P = IC₀ + Σ_{i shared} xᵢ·ICᵢ₊₁: shared inputs need no products mod r.
    let sum_r = sum_r.reduce();
    let mut p = *base.unwrap_or(&vk::IC[0]);
    for i in (0..PUBLIC_INPUTS).filter(|i| shared[*i] && !folded.contains(i)) {
        let x = first.input(i);
        if *x != [0; 32] {
            p = g1_add(&p, &g1_mul(&vk::IC[i + 1], x)?)?;
        }
    }
    let mut l = g1_mul(&p, &sum_r)?;
    for (i, sum) in sums.iter().enumerate().filter(|(i, _)| !shared[*i]) {
        let s = sum.reduce();
        if s != [0; 32] {
            l = g1_add(&l, &g1_mul(&vk::IC[i + 1], &s)?)?;
        }
    }
    let alpha = g1_mul(&vk::ALPHA_G1, &sum_r)?;
    write_pair(&mut pairs[n * PAIR_BYTES..], &alpha, &vk::BETA_G2_NEG);
    write_pair(&mut pairs[(n + 1) * PAIR_BYTES..], &l, &vk::GAMMA_G2_NEG);
    write_pair(
        &mut pairs[(n + 2) * PAIR_BYTES..],
        &c_sum,
        &vk::DELTA_G2_NEG,
    );
    if pairing_is_one(&pairs[..(n + 3) * PAIR_BYTES])? {
        Ok(())
    } else {
        Err(Error::InvalidProof)
    }
}
