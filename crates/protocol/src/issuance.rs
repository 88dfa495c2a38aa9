//! The issuer's API (`POST /v1/receipts`), itself an x402 resource paid with the
//! `exact` scheme: the body names the seller's requirement and the buyer's
//! commitment, the 402 names the `exact` payment, the paid retry gets the receipt.

use crate::PaymentRequirements;
use serde::{Deserialize, Serialize};
use x402_zk_primitives::{FieldElement, Receipt};

/// The issuer's route.
pub const RECEIPTS_PATH: &str = "/v1/receipts";

/// Body of `POST /v1/receipts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiptRequest {
    /// The seller's `zk-receipt` requirement the receipt should meet: its network,
    /// asset, `payTo` and `amount` become the `exact` payment.
    pub requirement: PaymentRequirements,
    /// `Poseidon(payer_secret)`: the only thing of the buyer's secret the issuer sees.
    pub payer_commitment: FieldElement,
}

/// Body of a successful paid `POST /v1/receipts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiptResponse {
    /// The signed receipt.
    pub receipt: Receipt,
    /// The settled transaction (base58 signature).
    pub transaction: String,
    /// CAIP-2 network it settled on.
    pub network: String,
}

/// `GET /v1/issuer`: who this issuer is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerDescription {
    /// The EdDSA-Poseidon key receipts are signed with.
    pub key: x402_zk_primitives::eddsa::PublicKey,
    /// CAIP-2 network payments settle on.
    pub network: String,
    /// The Solana fee payer that co-signs payments.
    pub fee_payer: String,
    /// The pool wallet payments go to when the issuer settles pooled (sellers
    /// are then paid in aggregate); absent when payments go to the seller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
}
