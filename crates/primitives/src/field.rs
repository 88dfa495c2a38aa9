//! Validated field elements and their JSON form (canonical decimal strings).

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::{fmt, str::FromStr};

/// Why a string or byte string is not a canonical field element or u64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Empty, non-digit characters, a sign or leading zeros.
    #[error(
        "expected a canonical decimal integer (digits only, no sign, no leading zeros), got {0:?}"
    )]
    NotDecimal(String),
    /// The integer is not below the BN254 scalar field modulus.
    #[error("value is not below the BN254 scalar field modulus p; reduce it or check its source")]
    NotInField,
    /// The integer does not fit in 64 bits.
    #[error("value does not fit in 64 bits (must be < 2^64)")]
    NotU64,
    /// A byte string of the wrong length.
    #[error("expected {expected} bytes, got {got}")]
    Length {
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        got: usize,
    },
    /// Not hexadecimal.
    #[error("expected hexadecimal: {0}")]
    Hex(String),
}

/// An element of the BN254 scalar field `Fr`, known to be canonical (`< p`).
///
/// Its JSON form is a decimal string, as in circom and snarkjs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct FieldElement(pub Fr);

impl FieldElement {
    /// Zero.
    pub const ZERO: Self = FieldElement(ark_ff::MontFp!("0"));

    /// The inner arkworks value.
    pub fn fr(&self) -> Fr {
        self.0
    }

    /// Parses 32 big-endian bytes; rejects values `≥ p` instead of reducing them.
    pub fn from_be_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        if bytes.len() != 32 {
            return Err(ParseError::Length {
                expected: 32,
                got: bytes.len(),
            });
        }
        let n = BigUint::from_bytes_be(bytes);
        if n >= modulus() {
            return Err(ParseError::NotInField);
        }
        Ok(FieldElement(Fr::from_be_bytes_mod_order(bytes)))
    }

    /// 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.0.into_bigint().to_bytes_be());
        out
    }

    /// The value as an unsigned integer.
    pub fn to_biguint(&self) -> BigUint {
        self.0.into()
    }
}

/// The BN254 scalar field modulus `p`.
pub fn modulus() -> BigUint {
    Fr::MODULUS.into()
}

/// Checks that `s` is a canonical decimal integer and returns it.
pub(crate) fn parse_decimal(s: &str) -> Result<BigUint, ParseError> {
    let canonical = !s.is_empty()
        && s.len() <= 80
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(ParseError::NotDecimal(s.chars().take(100).collect()));
    }
    BigUint::parse_bytes(s.as_bytes(), 10).ok_or_else(|| ParseError::NotDecimal(s.into()))
}

impl FromStr for FieldElement {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let n = parse_decimal(s)?;
        if n >= modulus() {
            return Err(ParseError::NotInField);
        }
        Ok(FieldElement(Fr::from(n)))
    }
}

impl From<Fr> for FieldElement {
    fn from(f: Fr) -> Self {
        FieldElement(f)
    }
}

impl From<u64> for FieldElement {
    fn from(v: u64) -> Self {
        FieldElement(Fr::from(v))
    }
}

impl From<FieldElement> for Fr {
    fn from(f: FieldElement) -> Fr {
        f.0
    }
}

impl fmt::Display for FieldElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_biguint())
    }
}

impl fmt::Debug for FieldElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldElement({self})")
    }
}

impl Serialize for FieldElement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// Parses a canonical decimal string into a `u64`.
pub fn parse_u64(s: &str) -> Result<u64, ParseError> {
    let n = parse_decimal(s)?;
    u64::try_from(n).map_err(|_| ParseError::NotU64)
}

/// Serde helpers for `u64` fields written as decimal strings (JSON numbers lose
/// precision above 2^53 in JavaScript). Integers are accepted on input too.
pub mod u64_string {
    use serde::{de, Deserialize, Deserializer, Serializer};

    /// Writes the value as a decimal string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Reads a decimal string or a JSON integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum StrOrInt {
            Str(String),
            Int(u64),
        }
        match StrOrInt::deserialize(d)
            .map_err(|_| de::Error::custom("expected a u64 as a decimal string or integer"))?
        {
            StrOrInt::Str(s) => super::parse_u64(&s).map_err(de::Error::custom),
            StrOrInt::Int(v) => Ok(v),
        }
    }
}

/// Lower-case hex of 32 bytes, for keys in files.
pub(crate) fn decode_hex32(s: &str) -> Result<[u8; 32], ParseError> {
    let bytes = hex::decode(s.trim()).map_err(|e| ParseError::Hex(e.to_string()))?;
    bytes.as_slice().try_into().map_err(|_| ParseError::Length {
        expected: 32,
        got: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trip_and_rejections() {
        let p = modulus().to_string();
        let p_minus_1 = (modulus() - 1u32).to_string();
        let x: FieldElement = p_minus_1.parse().unwrap();
        assert_eq!(x.to_string(), p_minus_1);
        assert_eq!(p.parse::<FieldElement>(), Err(ParseError::NotInField));
        for bad in ["", "-1", "+1", "01", "1.0", "0x10", " 1", "1e3"] {
            assert!(
                matches!(bad.parse::<FieldElement>(), Err(ParseError::NotDecimal(_))),
                "{bad}"
            );
        }
        assert_eq!("0".parse::<FieldElement>().unwrap(), FieldElement::ZERO);
    }

    #[test]
    fn bytes_reject_non_canonical() {
        let p = modulus().to_bytes_be();
        assert_eq!(FieldElement::from_be_bytes(&p), Err(ParseError::NotInField));
        let x = FieldElement::from(12345u64);
        assert_eq!(FieldElement::from_be_bytes(&x.to_be_bytes()).unwrap(), x);
        assert!(matches!(
            FieldElement::from_be_bytes(&[0u8; 31]),
            Err(ParseError::Length { .. })
        ));
    }

    #[test]
    fn u64_strings() {
        assert_eq!(parse_u64("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(parse_u64("18446744073709551616"), Err(ParseError::NotU64));
    }
}
