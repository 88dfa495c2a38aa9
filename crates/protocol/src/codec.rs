//! Header codecs: base64 (standard alphabet, padded) of UTF-8 JSON.

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{
    de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer, Serialize,
};
use std::collections::HashSet;

/// v2: the server's 402 requirements.
pub const PAYMENT_REQUIRED: &str = "PAYMENT-REQUIRED";
/// v2: the client's payment.
pub const PAYMENT_SIGNATURE: &str = "PAYMENT-SIGNATURE";
/// v2: the settlement answer.
pub const PAYMENT_RESPONSE: &str = "PAYMENT-RESPONSE";
/// v1: the client's payment.
pub const X_PAYMENT: &str = "X-PAYMENT";
/// v1: the settlement answer.
pub const X_PAYMENT_RESPONSE: &str = "X-PAYMENT-RESPONSE";

/// Longest header value accepted (a `zk-receipt` payment is about 1.5 KiB).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Why a header value does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Longer than [`MAX_HEADER_BYTES`].
    #[error("header value is {0} bytes; at most {MAX_HEADER_BYTES} are accepted")]
    TooLong(usize),
    /// Not standard base64.
    #[error("header value is not standard base64: {0}")]
    Base64(String),
    /// Not the expected JSON.
    #[error("header value is not the expected JSON: {0}")]
    Json(String),
}

/// The x402 `payment-identifier` extension (idempotency): a server advertises
/// `extensions["payment-identifier"].info.required`; a client sends
/// `extensions["payment-identifier"].info.id` with its payment, and a retry of
/// the same payment with the same id is answered as the first one was.
pub const PAYMENT_IDENTIFIER: &str = "payment-identifier";

/// The id a payment carries in its `payment-identifier` extension: `Ok(None)`
/// without one (a client may echo the server's `info` without an id), `Err` if
/// it is not 16–128 characters of `A-Z a-z 0-9 _ -`.
pub fn payment_identifier(
    extensions: &serde_json::Map<String, serde_json::Value>,
) -> Result<Option<String>, String> {
    let Some(extension) = extensions.get(PAYMENT_IDENTIFIER) else {
        return Ok(None);
    };
    let Some(id) = extension.pointer("/info/id") else {
        return Ok(None);
    };
    let id = id
        .as_str()
        .ok_or("extensions.payment-identifier.info.id must be a string")?;
    let valid = (16..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err("a payment-identifier id is 16–128 characters of A-Z a-z 0-9 _ -".into());
    }
    Ok(Some(id.to_string()))
}

/// `base64(JSON(value))`.
pub fn encode_header<T: Serialize>(value: &T) -> String {
    STANDARD.encode(serde_json::to_vec(value).expect("protocol types serialize"))
}

/// Inverse of [`encode_header`], with a size limit.
pub fn decode_header<T: DeserializeOwned>(value: &str) -> Result<T, HeaderError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLong(value.len()));
    }
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|e| HeaderError::Base64(e.to_string()))?;
    from_json_strict(&bytes).map_err(|e| HeaderError::Json(e.to_string()))
}

/// `serde_json::from_slice`, but JSON with a key twice in one object is refused
/// (serde_json keeps the last silently, so two parsers could read one payment
/// two ways).
pub fn from_json_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    check_no_duplicate_keys(bytes)?;
    serde_json::from_slice(bytes)
}

/// `Err` if `bytes` is not JSON or has an object with a key twice; a duplicate
/// is a data error ([`serde_json::Error::is_data`]), bad syntax is not.
pub fn check_no_duplicate_keys(bytes: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_slice::<NoDuplicateKeys>(bytes).map(|_| ())
}

/// Walks any JSON value and fails on the first key seen twice in an object.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("an object has a key twice"));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_identifiers_are_read_and_checked() {
        let ext = |v: serde_json::Value| v.as_object().unwrap().clone();
        assert_eq!(payment_identifier(&ext(serde_json::json!({}))), Ok(None));
        let id = "pay_0123456789abcdef";
        assert_eq!(
            payment_identifier(&ext(
                serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"id": id}}})
            )),
            Ok(Some(id.into()))
        );
        // The server's offer echoed back without an id: no id.
        assert_eq!(
            payment_identifier(&ext(
                serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"required": false}}})
            )),
            Ok(None)
        );
        for bad in [
            serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"id": "short"}}}),
            serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"id": "pay_0123456789abcdef!"}}}),
            serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"id": "x".repeat(129)}}}),
            serde_json::json!({PAYMENT_IDENTIFIER: {"info": {"id": 7}}}),
        ] {
            assert!(payment_identifier(&ext(bad.clone())).is_err(), "{bad}");
        }
    }

    /// A number beyond u64 in a free-form field (`extra`) is read as the nearest
    /// f64, and encoding it gives it back: serde_json's default float parser is
    /// not always correctly rounded, so the workspace enables `float_roundtrip`
    /// (the `header` fuzz target found 8.640035213261508e52 re-read as …507e52).
    #[test]
    fn large_numbers_in_extra_survive_a_round_trip() {
        use serde_json::Value;
        for number in [
            "86400352132615088335896711098824514860589767993908410",
            "18446744073709551616",
            "0.1",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
        ] {
            let json = format!(r#"{{"maxPaymentAgeSeconds":{number}}}"#);
            let header = STANDARD.encode(json);
            let value: Value = decode_header(&header).unwrap();
            let again: Value = decode_header(&encode_header(&value)).unwrap();
            assert_eq!(again, value, "{number}");
        }
    }

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(check_no_duplicate_keys(br#"{"a":1,"b":[{"c":2,"d":3}],"e":"a"}"#).is_ok());
        for dup in [
            r#"{"a":1,"a":1}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"[{"x":null},{"y":1,"y":1}]"#,
            // The same key spelled with an escape is still the same key.
            r#"{"a":1,"\u0061":2}"#,
        ] {
            let e = check_no_duplicate_keys(dup.as_bytes()).unwrap_err();
            assert!(e.is_data(), "{dup}: {e}");
        }
        assert!(check_no_duplicate_keys(b"{").unwrap_err().is_eof());
        assert!(check_no_duplicate_keys(b"{]").unwrap_err().is_syntax());
        let header = STANDARD.encode(br#"{"x402Version":2,"x402Version":1}"#);
        assert!(matches!(
            decode_header::<serde_json::Value>(&header),
            Err(HeaderError::Json(_))
        ));
    }
}
