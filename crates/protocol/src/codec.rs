//! Header codecs: base64 (standard alphabet, padded) of UTF-8 JSON.

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{de::DeserializeOwned, Serialize};

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
    serde_json::from_slice(&bytes).map_err(|e| HeaderError::Json(e.to_string()))
}
