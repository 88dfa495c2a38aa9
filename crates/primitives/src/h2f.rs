//! `H2F`: domain-separated SHA-256 into `Fr`, for values that are bound by the
//! statement but computed outside the circuit (destination, context, payment id).
//!
//! ```text
//! H2F(domain, parts…) = int_be(SHA-256(u8(len(domain)) ‖ domain ‖ Σ u32_be(len(part)) ‖ part)) mod p
//! ```
//!
//! Every part is length-prefixed, so `("ab", "c")` and `("a", "bc")` differ. The
//! reduction of a 256-bit digest modulo the 254-bit `p` keeps collision resistance
//! (about 2^127); the small bias is irrelevant for binding.
//!
//! ```
//! use x402_zk_primitives::h2f::{dest, context};
//! let d = dest("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "USDC-mint", "seller-wallet");
//! assert_ne!(d, context("https://api.example/data", "challenge-1"));
//! ```

use crate::field::FieldElement;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use sha2::{Digest, Sha256};

/// Domain of [`dest`].
pub const DEST_DOMAIN: &str = "x402-zk/dest/v1";
/// Domain of [`context`].
pub const CONTEXT_DOMAIN: &str = "x402-zk/ctx/v1";
/// Domain of [`payment_id`].
pub const PAYMENT_DOMAIN: &str = "x402-zk/payment/v1";

/// Hashes length-prefixed `parts` under `domain` into a field element.
///
/// # Panics
/// If `domain` is longer than 255 bytes (domains are constants).
pub fn h2f(domain: &str, parts: &[&[u8]]) -> FieldElement {
    let domain_len = u8::try_from(domain.len()).expect("domain names are short constants");
    let mut h = Sha256::new();
    h.update([domain_len]);
    h.update(domain.as_bytes());
    for part in parts {
        let len = u32::try_from(part.len()).expect("parts are far below 4 GiB");
        h.update(len.to_be_bytes());
        h.update(part);
    }
    FieldElement(Fr::from_be_bytes_mod_order(&h.finalize()))
}

/// `dest = H2F("x402-zk/dest/v1", network, asset, payTo)`: binds chain (CAIP-2
/// network id), token and recipient in one element.
pub fn dest(network: &str, asset: &str, pay_to: &str) -> FieldElement {
    h2f(
        DEST_DOMAIN,
        &[network.as_bytes(), asset.as_bytes(), pay_to.as_bytes()],
    )
}

/// `context = H2F("x402-zk/ctx/v1", resource, challenge)`: binds a proof to one
/// request of one resource.
pub fn context(resource: &str, challenge: &str) -> FieldElement {
    h2f(CONTEXT_DOMAIN, &[resource.as_bytes(), challenge.as_bytes()])
}

/// `payment_id = H2F("x402-zk/payment/v1", network, transaction)`: the settled
/// transaction, with its chain so that equal ids on two chains stay distinct.
pub fn payment_id(network: &str, transaction: &str) -> FieldElement {
    h2f(
        PAYMENT_DOMAIN,
        &[network.as_bytes(), transaction.as_bytes()],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_length_prefixed_and_domains_separate() {
        assert_ne!(h2f("d", &[b"ab", b"c"]), h2f("d", &[b"a", b"bc"]));
        assert_ne!(h2f("d1", &[b"x"]), h2f("d2", &[b"x"]));
        assert_eq!(h2f("d", &[b"x"]), h2f("d", &[b"x"]));
    }

    #[test]
    fn known_answer() {
        // SHA-256(0x01 ‖ "d" ‖ 00000001 ‖ "x") reduced mod p, computed independently
        // with Python's hashlib.
        assert_eq!(h2f("d", &[b"x"]).to_string(), KNOWN);
    }
    const KNOWN: &str = include_str!("../tests/data/h2f_known.txt");
}
