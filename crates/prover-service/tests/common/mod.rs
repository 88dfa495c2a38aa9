//! Keys, requests and a `oneshot` caller shared by the prover service's tests.
#![allow(dead_code)]

use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::Value;
use std::sync::OnceLock;
use tower::ServiceExt;
use x402_zk_primitives::{eddsa::SecretKey, h2f, FieldElement, PayerSecret, ReceiptBody};
use x402_zk_protocol::proving::{ProofRequest, SellerPolicy};
use x402_zk_prover::ProvingKey;
use x402_zk_verifier::VerifyingKey;

pub const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
pub const SECRET_BASE: u64 = 424_242_424_242;

pub fn keys() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| x402_zk_prover::setup_dev(&mut ChaCha20Rng::seed_from_u64(31)).unwrap())
}

pub fn issuer() -> SecretKey {
    SecretKey::from_bytes([9; 32])
}

/// A request proving receipt number `n` (amount 25,000) for `challenge`.
pub fn request(n: u64, challenge: &str) -> ProofRequest {
    let secret = PayerSecret::from_field(FieldElement::from(SECRET_BASE + n));
    let body = ReceiptBody {
        amount: 25_000,
        dest: h2f::dest(NETWORK, "USDC", "seller"),
        paid_at: 1_700_000_000,
        payment_id: h2f::payment_id(NETWORK, &format!("tx-{n}")),
        payer_commitment: secret.commitment(),
    };
    ProofRequest {
        receipt: body.sign(&issuer()),
        payer_secret: secret,
        policy: SellerPolicy {
            network: NETWORK.into(),
            asset: "USDC".into(),
            pay_to: "seller".into(),
            min_amount: 10_000,
            not_before: 1_699_999_000,
            issuer: issuer().public_key(),
            resource: "https://seller.example/report".into(),
            challenge: challenge.into(),
        },
    }
}

/// Sends `body` to `POST /v1/proofs`; returns status, `Retry-After` and JSON.
pub async fn post(app: &Router, body: String) -> (u16, Option<u64>, Value) {
    let response = app
        .clone()
        .oneshot(
            Request::post("/v1/proofs")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, retry, json)
}

pub async fn get(app: &Router, path: &str) -> (u16, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}
