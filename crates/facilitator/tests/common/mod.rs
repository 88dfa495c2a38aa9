//! The facilitator's test fixture: dev keys, an issuer, honest payments with
//! real proofs, and facilitator state over a store URL.
#![allow(dead_code)] // each test file uses its own part

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::{Arc, OnceLock};
use x402_zk_facilitator::AppState;
use x402_zk_primitives::{
    eddsa::SecretKey, h2f, FieldElement, PayerSecret, Policy, ReceiptBody, Witness,
};
use x402_zk_protocol::{
    zk_receipt::IssuerInfo, FacilitatorRequest, PaymentPayload, PaymentRequirements, ResourceInfo,
    ZkReceiptExtra, ZkReceiptPayload, SCHEME,
};
use x402_zk_prover::ProvingKey;
use x402_zk_store::Store;
use x402_zk_verifier::VerifyingKey;

pub const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
pub const URL: &str = "https://seller.example/report";
pub const NOW: u64 = 1_700_000_100;

pub fn keys() -> &'static (ProvingKey, VerifyingKey) {
    static K: OnceLock<(ProvingKey, VerifyingKey)> = OnceLock::new();
    K.get_or_init(|| x402_zk_prover::setup_dev(&mut ChaCha20Rng::seed_from_u64(21)).unwrap())
}

pub fn issuer() -> SecretKey {
    SecretKey::from_bytes([6; 32])
}

pub fn requirement(challenge: &str) -> PaymentRequirements {
    let extra = ZkReceiptExtra {
        proof_system: "groth16".into(),
        curve: "bn254".into(),
        vk_hash: keys().1.hash_hex(),
        max_payment_age_seconds: 3600,
        issuers: vec![IssuerInfo {
            key: issuer().public_key(),
            url: None,
            pool: None,
        }],
        challenge: challenge.into(),
    };
    PaymentRequirements {
        scheme: SCHEME.into(),
        network: NETWORK.into(),
        amount: "10000".into(),
        asset: "USDC".into(),
        pay_to: "seller".into(),
        max_timeout_seconds: 60,
        extra: extra.to_map(),
    }
}

/// A request paying `requirement(challenge)` with receipt number `receipt`.
pub fn request(receipt: u64, challenge: &str, url: &str, signer: &SecretKey) -> FacilitatorRequest {
    let buyer = PayerSecret::from_field(FieldElement::from(1000 + receipt));
    let dest = h2f::dest(NETWORK, "USDC", "seller");
    let body = ReceiptBody {
        amount: 25_000,
        dest,
        paid_at: 1_700_000_000,
        payment_id: h2f::payment_id(NETWORK, &format!("tx-{receipt}")),
        payer_commitment: buyer.commitment(),
    };
    let policy = Policy {
        dest,
        min_amount: 10_000,
        not_before: NOW - 600,
        issuer: signer.public_key(),
        context: h2f::context(url, challenge),
    };
    let witness = Witness {
        receipt: body.sign(signer),
        payer_secret: buyer,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(receipt);
    let (statement, proof) = x402_zk_prover::prove(&keys().0, &witness, &policy, &mut rng).unwrap();
    let requirement = requirement(challenge);
    FacilitatorRequest {
        x402_version: 2,
        payment_payload: PaymentPayload {
            x402_version: 2,
            resource: Some(ResourceInfo {
                url: url.into(),
                description: None,
                mime_type: None,
            }),
            accepted: requirement.clone(),
            payload: ZkReceiptPayload::new(&statement, &proof).to_value(),
            extensions: Default::default(),
        },
        payment_requirements: requirement,
    }
}

pub async fn state(store_url: &str, now: u64) -> AppState {
    let store = Store::open(store_url).await.unwrap();
    let mut s = AppState::new(
        keys().1.clone(),
        vec![issuer().public_key()],
        vec![NETWORK.into()],
        Arc::new(store),
    );
    s.clock = Arc::new(move || now);
    s
}
