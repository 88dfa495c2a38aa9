//! The `zk-receipt` scheme: what goes in `extra` and `payload`, and the checks of
//! a proof's public inputs against a requirement (everything but the proof itself
//! and the nullifier's state). See `specs/schemes/zk-receipt/scheme_zk_receipt.md`.

use crate::{ErrorCode, PaymentRequirements, Rejection};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use x402_zk_primitives::{eddsa::PublicKey, field::parse_u64, h2f, Statement};
use x402_zk_verifier::{Proof, VerifyingKey};

/// The scheme identifier.
pub const SCHEME: &str = "zk-receipt";

/// An issuer the seller trusts: its key and where buyers obtain receipts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerInfo {
    /// EdDSA-Poseidon public key, `{"ax": "…", "ay": "…"}`.
    pub key: PublicKey,
    /// Issuer service URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The issuer's pool wallet, if it settles pooled: buyers pay the pool
    /// instead of `payTo`, and the issuer pays the seller later. Buyers pay a pool
    /// only when the seller names it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
}

/// `extra` of a `zk-receipt` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZkReceiptExtra {
    /// `"groth16"`.
    pub proof_system: String,
    /// `"bn254"`.
    pub curve: String,
    /// SHA-256 (hex) of the binary verifying key proofs must verify under.
    pub vk_hash: String,
    /// How old the underlying payment may be.
    pub max_payment_age_seconds: u64,
    /// Issuers whose receipts are accepted.
    pub issuers: Vec<IssuerInfo>,
    /// Per-request value the server can re-derive; bound into the proof's context.
    pub challenge: String,
}

impl ZkReceiptExtra {
    /// The JSON object for [`PaymentRequirements::extra`].
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self).expect("plain data serializes") {
            Value::Object(m) => m,
            _ => unreachable!("a struct serializes to an object"),
        }
    }

    /// Reads a requirement's `extra`.
    pub fn from_requirements(r: &PaymentRequirements) -> Result<Self, Rejection> {
        let extra: Self = serde_json::from_value(Value::Object(r.extra.clone())).map_err(|e| {
            Rejection::new(
                ErrorCode::InvalidPaymentRequirements,
                format!("extra of a zk-receipt requirement: {e}"),
            )
        })?;
        if extra.proof_system != "groth16" || extra.curve != "bn254" {
            return Err(Rejection::new(
                ErrorCode::InvalidPaymentRequirements,
                format!(
                    "proof system {}/{} is not groth16/bn254",
                    extra.proof_system, extra.curve
                ),
            ));
        }
        Ok(extra)
    }
}

/// `payload` of a `zk-receipt` payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZkReceiptPayload {
    /// Base64 of the 257-byte versioned proof (EIP-197 point layout).
    pub proof: String,
    /// Public inputs in circuit order, decimal strings: nullifier, context, dest,
    /// min_amount, not_before, issuer_ax, issuer_ay.
    pub public_inputs: Vec<String>,
}

impl ZkReceiptPayload {
    /// The payload for a proof of `statement`.
    pub fn new(statement: &Statement, proof: &Proof) -> Self {
        ZkReceiptPayload {
            proof: STANDARD.encode(proof.to_bytes()),
            public_inputs: statement
                .public_inputs()
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }

    /// Reads a payment's `payload`.
    pub fn from_value(v: &Value) -> Result<Self, Rejection> {
        serde_json::from_value(v.clone()).map_err(|e| {
            Rejection::new(
                ErrorCode::InvalidPayload,
                format!("zk-receipt payload: {e}"),
            )
        })
    }

    /// The JSON for [`crate::PaymentPayload::payload`].
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("plain data serializes")
    }

    /// Decodes and validates the proof (points) and the public inputs (ranges, key).
    pub fn decode(&self) -> Result<(Statement, Proof), Rejection> {
        let bytes = STANDARD.decode(&self.proof).map_err(|e| {
            Rejection::new(
                ErrorCode::InvalidPayload,
                format!("proof is not base64: {e}"),
            )
        })?;
        let proof = Proof::from_bytes(&bytes)
            .map_err(|e| Rejection::new(ErrorCode::InvalidPayload, format!("proof: {e}")))?;
        let statement = Statement::from_decimal_signals(&self.public_inputs)
            .map_err(|e| Rejection::new(ErrorCode::InvalidPayload, e.to_string()))?;
        Ok((statement, proof))
    }
}

/// The pseudonymous `payer` reported for a settled `zk-receipt` payment: derived
/// from the nullifier, so it names the use of one receipt and nothing else.
pub fn pseudonymous_payer(statement: &Statement) -> String {
    let hex: String = statement.nullifier.to_be_bytes()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("zk:{hex}")
}

/// Checks the public inputs of a proof against the requirement it pays, at unix
/// time `now` with `skew` seconds of clock tolerance: scheme, verifying key,
/// destination, price, issuer, context and recency. The proof itself and the
/// nullifier are the verifier's and the store's business.
pub fn check_statement(
    statement: &Statement,
    requirement: &PaymentRequirements,
    resource_url: &str,
    vk: &VerifyingKey,
    now: u64,
    skew: u64,
) -> Result<(), Rejection> {
    use ErrorCode::*;
    if requirement.scheme != SCHEME {
        return Err(Rejection::new(
            UnsupportedScheme,
            format!("scheme {:?} is not zk-receipt", requirement.scheme),
        ));
    }
    let extra = ZkReceiptExtra::from_requirements(requirement)?;
    if extra.vk_hash != vk.hash_hex() {
        return Err(Rejection::new(
            InvalidZkReceiptVerifyingKey,
            "requirement names another verifying key (vkHash)",
        ));
    }
    if statement.dest
        != h2f::dest(
            &requirement.network,
            &requirement.asset,
            &requirement.pay_to,
        )
    {
        return Err(Rejection::new(
            InvalidZkReceiptDest,
            "proof pays another network, asset or payTo",
        ));
    }
    let price = parse_u64(&requirement.amount)
        .map_err(|e| Rejection::new(InvalidPaymentRequirements, format!("amount: {e}")))?;
    if statement.min_amount != price {
        return Err(Rejection::new(
            InvalidZkReceiptAmount,
            format!(
                "proof shows at least {}, the price is {price}",
                statement.min_amount
            ),
        ));
    }
    if !extra.issuers.iter().any(|i| i.key == statement.issuer) {
        return Err(Rejection::new(
            InvalidZkReceiptIssuer,
            "receipt issuer is not trusted by this seller",
        ));
    }
    if statement.context != h2f::context(resource_url, &extra.challenge) {
        return Err(Rejection::new(
            InvalidZkReceiptContext,
            "proof was made for another resource or challenge",
        ));
    }
    let oldest = now
        .saturating_sub(extra.max_payment_age_seconds)
        .saturating_sub(skew);
    if statement.not_before < oldest {
        return Err(Rejection::new(
            InvalidZkReceiptStale,
            format!(
                "not_before {} is older than {oldest}; prove with a more recent bound",
                statement.not_before
            ),
        ));
    }
    if statement.not_before > now.saturating_add(skew) {
        return Err(Rejection::new(
            InvalidZkReceiptStale,
            "not_before lies in the future",
        ));
    }
    Ok(())
}
