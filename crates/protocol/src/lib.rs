//! x402 wire types (v2, with the v1 forms), base64 header codecs, error codes, and
//! the `zk-receipt` scheme's `extra`, `payload` and public-input checks. No HTTP
//! framework, no proving: services and clients build on this.
//!
//! ```
//! use x402_zk_protocol::{decode_header, encode_header, PaymentRequired, ResourceInfo, X402_VERSION};
//!
//! let required = PaymentRequired {
//!     x402_version: X402_VERSION,
//!     error: None,
//!     resource: ResourceInfo { url: "https://api.example/report".into(), description: None, mime_type: None },
//!     accepts: vec![],
//!     extensions: Default::default(),
//! };
//! let header = encode_header(&required); // the PAYMENT-REQUIRED value
//! assert_eq!(decode_header::<PaymentRequired>(&header).unwrap(), required);
//! ```
#![deny(missing_docs)]

mod codec;
mod error;
pub mod issuance;
pub mod proving;
mod types;
pub mod zk_receipt;

pub use codec::*;
pub use error::{ErrorCode, Rejection};
pub use types::*;
pub use zk_receipt::{ZkReceiptExtra, ZkReceiptPayload, SCHEME};

/// The current unix time in seconds (0 if the system clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
