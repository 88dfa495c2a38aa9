//! Point encodings with validation: 32-byte big-endian coordinates (EIP-197 order,
//! as used by EVM precompiles and Solana's `alt_bn128` syscalls) and snarkjs
//! decimal strings. Every decoded point is checked to be on the curve and in the
//! prime-order subgroup; the point at infinity is refused.

use ark_bn254::{Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};
use num_bigint::BigUint;

/// Why bytes or JSON do not decode to a valid key or proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Wrong number of bytes.
    #[error("{what}: expected {expected} bytes, got {got}")]
    Length {
        /// What was being decoded.
        what: &'static str,
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        got: usize,
    },
    /// A file or blob of another kind.
    #[error("not an x402-zk {0} (bad magic bytes)")]
    BadMagic(&'static str),
    /// A format version this build does not know.
    #[error("unsupported {what} format version {version}; upgrade x402-zk or re-export the file")]
    UnsupportedVersion {
        /// What was being decoded.
        what: &'static str,
        /// Version found.
        version: u8,
    },
    /// A coordinate `≥ q` or not a canonical decimal.
    #[error("{0}: coordinate is not a canonical element of the base field")]
    Coordinate(&'static str),
    /// The coordinates do not satisfy the curve equation.
    #[error("{0}: point is not on the BN254 curve")]
    NotOnCurve(&'static str),
    /// On the curve, outside the prime-order subgroup (G2 has a cofactor).
    #[error("{0}: point is not in the prime-order subgroup")]
    NotInSubgroup(&'static str),
    /// The point at infinity where a proper point is required.
    #[error("{0}: point at infinity is not allowed")]
    Infinity(&'static str),
    /// JSON that does not have the expected shape.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A stored hash does not match the content.
    #[error("{0}: content does not match its hash (corrupted or truncated file)")]
    HashMismatch(&'static str),
}

pub(crate) fn fq_from_be(bytes: &[u8], what: &'static str) -> Result<Fq, DecodeError> {
    let n = BigUint::from_bytes_be(bytes);
    if n >= BigUint::from(Fq::MODULUS) {
        return Err(DecodeError::Coordinate(what));
    }
    Ok(Fq::from(n))
}

pub(crate) fn fq_to_be(f: &Fq) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&f.into_bigint().to_bytes_be());
    out
}

pub(crate) fn fq_from_decimal(s: &str, what: &'static str) -> Result<Fq, DecodeError> {
    let ok = !s.is_empty() && s.len() <= 80 && s.bytes().all(|b| b.is_ascii_digit());
    let n = ok.then(|| BigUint::parse_bytes(s.as_bytes(), 10)).flatten();
    match n {
        Some(n) if n < BigUint::from(Fq::MODULUS) => Ok(Fq::from(n)),
        _ => Err(DecodeError::Coordinate(what)),
    }
}

pub(crate) fn fq_to_decimal(f: &Fq) -> String {
    BigUint::from(f.into_bigint()).to_string()
}

/// Validates a G1 point built from coordinates.
pub(crate) fn check_g1(x: Fq, y: Fq, what: &'static str) -> Result<G1Affine, DecodeError> {
    if x.is_zero() && y.is_zero() {
        return Err(DecodeError::Infinity(what));
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(DecodeError::NotOnCurve(what));
    }
    // G1 of BN254 has cofactor 1: every curve point is in the subgroup.
    Ok(p)
}

/// Validates a G2 point built from coordinates.
pub(crate) fn check_g2(x: Fq2, y: Fq2, what: &'static str) -> Result<G2Affine, DecodeError> {
    check_g2_subgroup(check_g2_on_curve(x, y, what)?, what)
}

/// An on-curve G2 point, checked for membership in the prime-order subgroup.
pub(crate) fn check_g2_subgroup(p: G2Affine, what: &'static str) -> Result<G2Affine, DecodeError> {
    if !crate::g2_subgroup::is_in_g2(&p) {
        return Err(DecodeError::NotInSubgroup(what));
    }
    Ok(p)
}

/// A finite G2 point on the curve, not yet checked for subgroup membership.
fn check_g2_on_curve(x: Fq2, y: Fq2, what: &'static str) -> Result<G2Affine, DecodeError> {
    if x.is_zero() && y.is_zero() {
        return Err(DecodeError::Infinity(what));
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(DecodeError::NotOnCurve(what));
    }
    Ok(p)
}

/// G1 as `x ‖ y`, 64 bytes big-endian.
pub(crate) fn g1_to_bytes(p: &G1Affine, out: &mut Vec<u8>) {
    let (x, y) = p.xy().expect("validated points are finite");
    out.extend_from_slice(&fq_to_be(&x));
    out.extend_from_slice(&fq_to_be(&y));
}

pub(crate) fn g1_from_bytes(b: &[u8], what: &'static str) -> Result<G1Affine, DecodeError> {
    check_g1(
        fq_from_be(&b[..32], what)?,
        fq_from_be(&b[32..64], what)?,
        what,
    )
}

/// G2 as `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`, 128 bytes big-endian (EIP-197 order).
pub(crate) fn g2_to_bytes(p: &G2Affine, out: &mut Vec<u8>) {
    let (x, y) = p.xy().expect("validated points are finite");
    for f in [x.c1, x.c0, y.c1, y.c0] {
        out.extend_from_slice(&fq_to_be(&f));
    }
}

pub(crate) fn g2_from_bytes(b: &[u8], what: &'static str) -> Result<G2Affine, DecodeError> {
    check_g2_subgroup(g2_on_curve_from_bytes(b, what)?, what)
}

/// [`g2_from_bytes`] without the subgroup check, which the caller must make.
pub(crate) fn g2_on_curve_from_bytes(
    b: &[u8],
    what: &'static str,
) -> Result<G2Affine, DecodeError> {
    let f = |i: usize| fq_from_be(&b[32 * i..32 * (i + 1)], what);
    check_g2_on_curve(Fq2::new(f(1)?, f(0)?), Fq2::new(f(3)?, f(2)?), what)
}

/// A reader over a byte slice that reports truncation as a [`DecodeError`].
pub(crate) struct Reader<'a> {
    pub bytes: &'a [u8],
    pub what: &'static str,
    pub total: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader {
            bytes,
            what,
            total: bytes.len(),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Length {
                what: self.what,
                expected: self.total - self.bytes.len() + n,
                got: self.total,
            });
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Length {
                what: self.what,
                expected: self.total - self.bytes.len(),
                got: self.total,
            })
        }
    }
}
