//! The prover service's wire types (`POST /v1/proofs`): a receipt, the buyer's
//! secret and the seller's terms in; a `zk-receipt` payload out.
//!
//! A prover service sees the witness (the receipt and the payer secret): whoever
//! runs it can link the buyer's payment to the proof. Buyers should prove locally
//! (`x402-zk prove`, the client crate) or use a prover they run themselves.

use crate::{ErrorCode, Rejection, ZkReceiptPayload};
use serde::{Deserialize, Serialize};
use x402_zk_primitives::{
    eddsa::PublicKey, field::u64_string, h2f, PayerSecret, Policy, Receipt, Statement, WitnessError,
};

/// Where the prover service takes proof requests.
pub const PROOFS_PATH: &str = "/v1/proofs";

/// A seller's price and request in x402 terms: what `x402-zk prove --policy` reads
/// and what the prover service takes. [`SellerPolicy::policy`] turns it into the
/// circuit's public values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SellerPolicy {
    /// CAIP-2 network id.
    pub network: String,
    /// Token (mint or contract address).
    pub asset: String,
    /// The seller's recipient.
    pub pay_to: String,
    /// The price, atomic units.
    #[serde(with = "u64_string")]
    pub min_amount: u64,
    /// Oldest accepted payment time, unix seconds.
    #[serde(with = "u64_string")]
    pub not_before: u64,
    /// The issuer the seller trusts.
    pub issuer: PublicKey,
    /// The resource URL the proof is for.
    pub resource: String,
    /// The server's challenge for this request.
    pub challenge: String,
}

impl SellerPolicy {
    /// The circuit's view: `dest = H2F(network, asset, payTo)`,
    /// `context = H2F(resource, challenge)`.
    pub fn policy(&self) -> Policy {
        Policy {
            dest: h2f::dest(&self.network, &self.asset, &self.pay_to),
            min_amount: self.min_amount,
            not_before: self.not_before,
            issuer: self.issuer,
            context: h2f::context(&self.resource, &self.challenge),
        }
    }
}

/// `POST /v1/proofs` body. `Debug` never shows the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProofRequest {
    /// The signed receipt, as the wallet keeps it.
    pub receipt: Receipt,
    /// The secret whose commitment the receipt holds (decimal).
    pub payer_secret: PayerSecret,
    /// The seller's terms.
    pub policy: SellerPolicy,
}

/// How long a proof took, milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProofTimings {
    /// Waiting for a prover worker (0 for a cached proof).
    pub queue_ms: f64,
    /// Proving (0 for a cached proof).
    pub prove_ms: f64,
}

/// `POST /v1/proofs` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProofResponse {
    /// The payment payload's `payload` for scheme `zk-receipt`.
    pub payload: ZkReceiptPayload,
    /// The public inputs, named.
    pub statement: Statement,
    /// Served from the cache (an identical request was proved before).
    pub cached: bool,
    /// Where the time went.
    pub timings: ProofTimings,
}

/// A service's error body: `{"error": code, "message": …}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code (an x402 code, or a service code such as
    /// `rate_limited`).
    pub error: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// The x402 code for a receipt that cannot prove a policy.
pub fn witness_rejection(e: &WitnessError) -> Rejection {
    let code = match e {
        WitnessError::Signature(_) => ErrorCode::InvalidZkReceiptSignature,
        WitnessError::WrongIssuer => ErrorCode::InvalidZkReceiptIssuer,
        WitnessError::WrongDest => ErrorCode::InvalidZkReceiptDest,
        WitnessError::AmountTooLow { .. } => ErrorCode::InvalidZkReceiptAmount,
        WitnessError::TooOld { .. } => ErrorCode::InvalidZkReceiptStale,
        WitnessError::WrongSecret => ErrorCode::InvalidZkReceiptPayerSecret,
    };
    Rejection::new(code, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_never_print_the_secret() {
        let secret =
            PayerSecret::from_field(x402_zk_primitives::FieldElement::from(987_654_321u64));
        let json = serde_json::to_string(&secret).unwrap();
        assert_eq!(json, "\"987654321\"");
        let debug = format!("{secret:?}");
        assert!(!debug.contains("987654321"), "{debug}");
    }

    #[test]
    fn every_witness_error_has_its_own_code() {
        use x402_zk_primitives::eddsa::SignatureError;
        let errors = [
            WitnessError::Signature(SignatureError::Invalid),
            WitnessError::WrongIssuer,
            WitnessError::WrongDest,
            WitnessError::AmountTooLow {
                amount: 1,
                min_amount: 2,
            },
            WitnessError::TooOld {
                paid_at: 1,
                not_before: 2,
            },
            WitnessError::WrongSecret,
        ];
        let codes: std::collections::HashSet<_> =
            errors.iter().map(|e| witness_rejection(e).code).collect();
        assert_eq!(codes.len(), errors.len());
    }
}
