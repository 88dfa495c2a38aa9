//! x402 wire types, version 2 with the version-1 forms a server still accepts
//! (coinbase/x402 `specs/x402-specification-v2.md` §5, §7; v1 §5). Unknown fields
//! are ignored on input, as the reference implementations do.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this crate speaks natively.
pub const X402_VERSION: u32 = 2;

/// What is being paid for (v2 `ResourceInfo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInfo {
    /// The resource URL.
    pub url: String,
    /// Human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// MIME type of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

/// One way to pay (v2 `PaymentRequirements`). For `zk-receipt`, `amount` is the
/// minimum and `extra` holds a [`crate::ZkReceiptExtra`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirements {
    /// Scheme identifier, e.g. `"zk-receipt"` or `"exact"`.
    pub scheme: String,
    /// CAIP-2 network id.
    pub network: String,
    /// Atomic units, as a decimal string.
    pub amount: String,
    /// Token address or mint.
    pub asset: String,
    /// Recipient.
    pub pay_to: String,
    /// Longest time the payment may take.
    pub max_timeout_seconds: u64,
    /// Scheme-specific data (always written, as the TypeScript types require it).
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// The 402 answer (v2 `PaymentRequired`), sent base64-encoded in `PAYMENT-REQUIRED`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequired {
    /// Always 2.
    pub x402_version: u32,
    /// Why payment is required (or why the last one failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The resource.
    pub resource: ResourceInfo,
    /// Accepted ways to pay.
    pub accepts: Vec<PaymentRequirements>,
    /// Extensions offered by the server.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

/// The client's payment (v2 `PaymentPayload`), sent base64-encoded in
/// `PAYMENT-SIGNATURE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    /// Always 2.
    pub x402_version: u32,
    /// The resource, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceInfo>,
    /// The chosen requirement, echoed verbatim (servers match it by deep equality).
    pub accepted: PaymentRequirements,
    /// Scheme-specific payload (for `zk-receipt`, a [`crate::ZkReceiptPayload`]).
    pub payload: Value,
    /// Extensions echoed (and possibly extended) by the client.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extensions: Map<String, Value>,
}

/// v1 requirement: `maxAmountRequired` and per-requirement resource metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequirementsV1 {
    /// Scheme identifier.
    pub scheme: String,
    /// Network (v1 names, or CAIP-2 for `zk-receipt`).
    pub network: String,
    /// Atomic units, decimal string.
    pub max_amount_required: String,
    /// Token.
    pub asset: String,
    /// Recipient.
    pub pay_to: String,
    /// Resource URL.
    pub resource: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Longest time the payment may take.
    pub max_timeout_seconds: u64,
    /// Scheme-specific data.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

impl PaymentRequirementsV1 {
    /// The v1 form of a v2 requirement for `resource`.
    pub fn from_v2(r: &PaymentRequirements, resource: &ResourceInfo) -> Self {
        PaymentRequirementsV1 {
            scheme: r.scheme.clone(),
            network: r.network.clone(),
            max_amount_required: r.amount.clone(),
            asset: r.asset.clone(),
            pay_to: r.pay_to.clone(),
            resource: resource.url.clone(),
            description: resource.description.clone().unwrap_or_default(),
            mime_type: resource.mime_type.clone(),
            max_timeout_seconds: r.max_timeout_seconds,
            extra: r.extra.clone(),
        }
    }

    /// The v2 requirement and resource this v1 requirement describes.
    pub fn to_v2(&self) -> (PaymentRequirements, ResourceInfo) {
        let requirement = PaymentRequirements {
            scheme: self.scheme.clone(),
            network: self.network.clone(),
            amount: self.max_amount_required.clone(),
            asset: self.asset.clone(),
            pay_to: self.pay_to.clone(),
            max_timeout_seconds: self.max_timeout_seconds,
            extra: self.extra.clone(),
        };
        let description = Some(self.description.clone()).filter(|d| !d.is_empty());
        let resource = ResourceInfo {
            url: self.resource.clone(),
            description,
            mime_type: self.mime_type.clone(),
        };
        (requirement, resource)
    }
}

/// The v1 402 body (`PaymentRequirementsResponse`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequiredV1 {
    /// Always 1.
    pub x402_version: u32,
    /// Why payment is required.
    pub error: String,
    /// Accepted ways to pay.
    pub accepts: Vec<PaymentRequirementsV1>,
}

/// The v1 payment, sent base64-encoded in `X-PAYMENT`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayloadV1 {
    /// Always 1.
    pub x402_version: u32,
    /// Scheme identifier.
    pub scheme: String,
    /// Network.
    pub network: String,
    /// Scheme-specific payload.
    pub payload: Value,
}

/// Body of the facilitator's `POST /verify` and `POST /settle`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilitatorRequest {
    /// Protocol version of the payload.
    pub x402_version: u32,
    /// The client's payment.
    pub payment_payload: PaymentPayload,
    /// The requirement the server matched it against.
    pub payment_requirements: PaymentRequirements,
}

/// Answer of `POST /verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResponse {
    /// Whether the payment may be accepted.
    pub is_valid: bool,
    /// An error code when not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_message: Option<String>,
    /// Who paid; for `zk-receipt` a pseudonym, never a wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
}

/// Answer of `POST /settle`, also sent base64-encoded in `PAYMENT-RESPONSE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettleResponse {
    /// Whether settlement succeeded.
    pub success: bool,
    /// An error code on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// Human-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// Who paid (a pseudonym for `zk-receipt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<String>,
    /// The settlement id (for `zk-receipt`, the nullifier); empty on failure.
    pub transaction: String,
    /// CAIP-2 network.
    pub network: String,
}

/// One scheme/network pair a facilitator supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedKind {
    /// Protocol version.
    pub x402_version: u32,
    /// Scheme identifier.
    pub scheme: String,
    /// CAIP-2 network.
    pub network: String,
    /// Data servers copy into their requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
}

/// Answer of `GET /supported`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedResponse {
    /// Supported kinds.
    pub kinds: Vec<SupportedKind>,
    /// Supported extensions.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Signer addresses per network pattern (none for `zk-receipt`).
    #[serde(default)]
    pub signers: Map<String, Value>,
}

/// The CAIP-2 id of a v1 network name (`solana-devnet` → `solana:EtWT…`); other
/// strings are returned unchanged (they are CAIP-2 already or unknown).
pub fn caip2_network(name: &str) -> &str {
    match name {
        "solana" => "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
        "solana-devnet" => "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
        "solana-testnet" => "solana:4uhcVJyU9pJkvQyS88uRDiswHXSCkY3z",
        "base" => "eip155:8453",
        "base-sepolia" => "eip155:84532",
        other => other,
    }
}

/// Body of a v1 `POST /verify` or `POST /settle`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FacilitatorRequestV1 {
    /// Always 1.
    pub x402_version: u32,
    /// The client's payment.
    pub payment_payload: PaymentPayloadV1,
    /// The requirement the server matched it against.
    pub payment_requirements: PaymentRequirementsV1,
}

impl FacilitatorRequest {
    /// Reads a facilitator request of either version. A v1 request becomes the v2
    /// request it means: `maxAmountRequired` is the amount, the requirement's
    /// `resource` the resource, v1 network names their CAIP-2 ids, and the
    /// payload's `accepted` the requirement (v1 payloads name only scheme and
    /// network, which must match it). `x402_version` keeps the caller's version.
    pub fn from_json(body: Value) -> Result<Self, crate::Rejection> {
        use crate::{ErrorCode, Rejection};
        let version = body.get("x402Version").and_then(Value::as_u64);
        let invalid = |e: serde_json::Error| {
            Rejection::new(ErrorCode::InvalidPayload, format!("request body: {e}"))
        };
        match version {
            Some(2) => serde_json::from_value(body).map_err(invalid),
            Some(1) => {
                let v1: FacilitatorRequestV1 = serde_json::from_value(body).map_err(invalid)?;
                let (mut requirement, resource) = v1.payment_requirements.to_v2();
                requirement.network = caip2_network(&requirement.network).to_string();
                let p = v1.payment_payload;
                if p.scheme != requirement.scheme
                    || caip2_network(&p.network) != requirement.network
                {
                    return Err(Rejection::new(
                        ErrorCode::InvalidPaymentRequirements,
                        "the payment's scheme or network differs from the requirement's",
                    ));
                }
                Ok(FacilitatorRequest {
                    x402_version: 1,
                    payment_payload: PaymentPayload {
                        x402_version: 1,
                        resource: Some(resource),
                        accepted: requirement.clone(),
                        payload: p.payload,
                        extensions: Map::new(),
                    },
                    payment_requirements: requirement,
                })
            }
            Some(other) => Err(Rejection::new(
                ErrorCode::InvalidX402Version,
                format!("x402Version {other} is not spoken here; use 1 or 2"),
            )),
            None => Err(Rejection::new(
                ErrorCode::InvalidPayload,
                "request body: a JSON object with x402Version is expected",
            )),
        }
    }
}
