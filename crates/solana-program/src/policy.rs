//! Seller policies kept on-chain. A policy account fixes dest, price, issuer and
//! the accepted age of `not_before`; `VerifyWithPolicy` checks an entry against
//! it (and the clock), so a seller's program need not. It also stores
//! `P = IC₀ + dest·IC₃ + min_amount·IC₄ + issuer_ax·IC₆ + issuer_ay·IC₇`,
//! computed once at creation, so verification multiplies only the three inputs
//! that change per proof (nullifier, context, not_before): four fewer scalar
//! multiplications (~16,700 CU) per proof.
//!
//! Layout (`POLICY_BYTES`): tag `x402zkP1` ‖ authority ‖ dest ‖ min_amount (u64
//! big-endian, as the input) ‖ issuer_ax ‖ issuer_ay ‖ max_age (u64 LE) ‖ P.

use crate::bn254::{g1_add, g1_mul, G1};
use crate::scalar::is_canonical;
use crate::verify::Entry;
use crate::{vk, Error};

/// The first bytes of a policy account.
pub const POLICY_TAG: &[u8; 8] = b"x402zkP1";
/// Bytes of a policy account.
pub const POLICY_BYTES: usize = 8 + 32 + 32 + 8 + 32 + 32 + 8 + 64;
/// The inputs a policy fixes: dest, min_amount, issuer_ax, issuer_ay.
pub const FOLDED: [usize; 4] = [2, 3, 5, 6];
/// How far `not_before` may lie ahead of the cluster clock (seconds).
pub const MAX_SKEW_SECONDS: i64 = 60;

const AT_DEST: usize = 40;
const AT_MIN: usize = 72;
const AT_AX: usize = 80;
const AT_AY: usize = 112;
const AT_MAX_AGE: usize = 144;
const AT_P: usize = 152;

/// A policy's terms, as `CreatePolicy` carries them (after the tag byte):
/// dest ‖ min_amount (u64 LE) ‖ issuer_ax ‖ issuer_ay ‖ max_age (u64 LE).
pub const TERMS_BYTES: usize = 32 + 8 + 32 + 32 + 8;

/// Writes a new policy into `account` (zeroed, `POLICY_BYTES` long) from
/// `terms`; computes `P` with four scalar multiplications.
pub fn create(account: &mut [u8], authority: &[u8; 32], terms: &[u8]) -> Result<(), Error> {
    if terms.len() != TERMS_BYTES {
        return Err(Error::InvalidInstruction);
    }
    let dest: &[u8; 32] = terms[..32].try_into().unwrap();
    let mut min_amount = [0u8; 32];
    min_amount[24..]
        .copy_from_slice(&u64::from_le_bytes(terms[32..40].try_into().unwrap()).to_be_bytes());
    let ax: &[u8; 32] = terms[40..72].try_into().unwrap();
    let ay: &[u8; 32] = terms[72..104].try_into().unwrap();
    if !is_canonical(dest) || !is_canonical(ax) || !is_canonical(ay) {
        return Err(Error::InputOutOfRange);
    }
    let mut p = vk::IC[0];
    for (i, x) in FOLDED.iter().zip([dest, &min_amount, ax, ay]) {
        if *x != [0; 32] {
            p = g1_add(&p, &g1_mul(&vk::IC[i + 1], x)?)?;
        }
    }
    if account.len() != POLICY_BYTES || account.iter().any(|b| *b != 0) {
        return Err(Error::BadPolicy);
    }
    account[..8].copy_from_slice(POLICY_TAG);
    account[8..AT_DEST].copy_from_slice(authority);
    account[AT_DEST..AT_MIN].copy_from_slice(dest);
    account[AT_MIN..AT_AX].copy_from_slice(&min_amount[24..]);
    account[AT_AX..AT_AY].copy_from_slice(ax);
    account[AT_AY..AT_MAX_AGE].copy_from_slice(ay);
    account[AT_MAX_AGE..AT_P].copy_from_slice(&terms[104..112]);
    account[AT_P..].copy_from_slice(&p);
    Ok(())
}

/// A created policy account's data.
pub struct Policy<'a>(&'a [u8]);

impl<'a> Policy<'a> {
    /// Reads a policy account's data.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        if data.len() != POLICY_BYTES || data[..8] != POLICY_TAG[..] {
            return Err(Error::BadPolicy);
        }
        Ok(Policy(data))
    }

    /// `P`, the key's IC₀ with the policy's inputs folded in.
    pub fn base(&self) -> &'a G1 {
        self.0[AT_P..].try_into().unwrap()
    }

    /// Checks `entry` is for this policy and recent at `now` (unix seconds).
    pub fn admits(&self, entry: &Entry, now: i64) -> Result<(), Error> {
        let fixed = [
            (2, &self.0[AT_DEST..AT_MIN]),
            (5, &self.0[AT_AX..AT_AY]),
            (6, &self.0[AT_AY..AT_MAX_AGE]),
        ];
        if fixed.iter().any(|(i, v)| entry.input(*i)[..] != v[..])
            || entry.input(3)[24..] != self.0[AT_MIN..AT_AX]
        {
            return Err(Error::PolicyMismatch);
        }
        let max_age = u64::from_le_bytes(self.0[AT_MAX_AGE..AT_P].try_into().unwrap());
        let oldest = now.saturating_sub(i64::try_from(max_age).unwrap_or(i64::MAX));
        let newest = now.saturating_add(MAX_SKEW_SECONDS);
        match i64::try_from(entry.input_u64(4)) {
            Ok(not_before) if (oldest..=newest).contains(&not_before) => Ok(()),
            _ => Err(Error::Stale),
        }
    }
}
