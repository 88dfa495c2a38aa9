//! Wire types against the x402 spec's examples, header codecs, error codes, and the
//! `zk-receipt` checks with a real proof.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::json;
use std::sync::OnceLock;
use x402_zk_primitives::{
    eddsa::SecretKey, h2f, FieldElement, PayerSecret, Policy, ReceiptBody, Statement, Witness,
};
use x402_zk_protocol::{zk_receipt::*, *};
use x402_zk_verifier::{Proof, VerifyingKey};

#[test]
fn v2_spec_example_round_trips() {
    let example = json!({
        "x402Version": 2, "error": "PAYMENT-SIGNATURE header is required",
        "resource": { "url": "https://api.example.com/premium-data", "description": "d", "mimeType": "application/json" },
        "accepts": [{ "scheme": "exact", "network": "eip155:84532", "amount": "10000",
            "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e", "payTo": "0x2096",
            "maxTimeoutSeconds": 60, "extra": { "name": "USDC", "version": "2" } }],
        "extensions": {}
    });
    let parsed: PaymentRequired = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(parsed.accepts[0].pay_to, "0x2096");
    let mut expected = example;
    expected.as_object_mut().unwrap().remove("extensions"); // empty maps are omitted
    assert_eq!(serde_json::to_value(&parsed).unwrap(), expected);
    // Unknown fields from newer peers are ignored.
    let mut extended = serde_json::to_value(&parsed).unwrap();
    extended["somethingNew"] = json!(1);
    assert_eq!(
        serde_json::from_value::<PaymentRequired>(extended).unwrap(),
        parsed
    );
}

#[test]
fn header_codec_and_its_errors() {
    let r = SettleResponse {
        success: true,
        error_reason: None,
        error_message: None,
        payer: Some("zk:00".into()),
        transaction: "123".into(),
        network: "solana:x".into(),
    };
    let h = encode_header(&r);
    assert_eq!(decode_header::<SettleResponse>(&h).unwrap(), r);
    assert!(matches!(
        decode_header::<SettleResponse>("not base64!"),
        Err(HeaderError::Base64(_))
    ));
    assert!(matches!(
        decode_header::<SettleResponse>(&encode_header(&json!({"a": 1}))),
        Err(HeaderError::Json(_))
    ));
    let long = "A".repeat(MAX_HEADER_BYTES + 4);
    assert!(matches!(
        decode_header::<SettleResponse>(&long),
        Err(HeaderError::TooLong(_))
    ));
}

#[test]
fn v1_forms_convert_both_ways() {
    let v1 = json!({ "scheme": "zk-receipt", "network": "solana:x", "maxAmountRequired": "5", "asset": "USDC",
        "payTo": "seller", "resource": "https://a/b", "description": "report", "maxTimeoutSeconds": 30, "extra": {} });
    let v1: PaymentRequirementsV1 = serde_json::from_value(v1).unwrap();
    let (req, res) = v1.to_v2();
    assert_eq!(req.amount, "5");
    assert_eq!(res.url, "https://a/b");
    assert_eq!(PaymentRequirementsV1::from_v2(&req, &res), v1);
}

#[test]
fn error_codes_are_the_documented_strings() {
    assert_eq!(
        ErrorCode::InvalidZkReceiptNullifierUsed.as_str(),
        "invalid_zk_receipt_nullifier_used"
    );
    assert_eq!(
        ErrorCode::InvalidZkReceiptNullifierReserved.as_str(),
        "invalid_zk_receipt_nullifier_reserved"
    );
    assert_eq!(
        ErrorCode::InvalidX402Version.as_str(),
        "invalid_x402_version"
    );
    assert_eq!(
        ErrorCode::UnsupportedScheme.to_string(),
        "unsupported_scheme"
    );
    assert_eq!(
        serde_json::from_value::<ErrorCode>(json!("invalid_zk_receipt_stale")).unwrap(),
        ErrorCode::InvalidZkReceiptStale
    );
}

const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const URL: &str = "https://api.example/report";
const NOW: u64 = 1_700_000_100;

struct Fixture {
    vk: VerifyingKey,
    statement: Statement,
    proof: Proof,
    requirement: PaymentRequirements,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let (pk, vk) = x402_zk_prover::setup_dev(&mut rng).unwrap();
        let issuer = SecretKey::from_bytes([4; 32]);
        let buyer = PayerSecret::from_field(FieldElement::from(77u64));
        let dest = h2f::dest(NETWORK, "USDC", "seller");
        let receipt = ReceiptBody {
            amount: 20_000,
            dest,
            paid_at: 1_700_000_000,
            payment_id: h2f::payment_id(NETWORK, "tx"),
            payer_commitment: buyer.commitment(),
        }
        .sign(&issuer);
        let extra = ZkReceiptExtra {
            proof_system: "groth16".into(),
            curve: "bn254".into(),
            vk_hash: vk.hash_hex(),
            max_payment_age_seconds: 3600,
            issuers: vec![IssuerInfo {
                key: issuer.public_key(),
                url: Some("http://issuer".into()),
                pool: None,
            }],
            challenge: "ch-1".into(),
        };
        let requirement = PaymentRequirements {
            scheme: SCHEME.into(),
            network: NETWORK.into(),
            amount: "10000".into(),
            asset: "USDC".into(),
            pay_to: "seller".into(),
            max_timeout_seconds: 60,
            extra: extra.to_map(),
        };
        let policy = Policy {
            dest,
            min_amount: 10_000,
            not_before: NOW - 3600,
            issuer: issuer.public_key(),
            context: h2f::context(URL, "ch-1"),
        };
        let (statement, proof) = x402_zk_prover::prove(
            &pk,
            &Witness {
                receipt,
                payer_secret: buyer,
            },
            &policy,
            &mut rng,
        )
        .unwrap();
        Fixture {
            vk,
            statement,
            proof,
            requirement,
        }
    })
}

fn check(
    statement: &Statement,
    requirement: &PaymentRequirements,
    url: &str,
    now: u64,
) -> Result<(), ErrorCode> {
    check_statement(statement, requirement, url, &fixture().vk, now, 30).map_err(|r| r.code)
}

#[test]
fn payload_round_trip_and_statement_checks() {
    let f = fixture();
    let payload = ZkReceiptPayload::new(&f.statement, &f.proof);
    let (statement, proof) = ZkReceiptPayload::from_value(&payload.to_value())
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!((statement, &proof), (f.statement, &f.proof));
    x402_zk_verifier::verify(&f.vk, &statement, &proof).unwrap();
    check(&statement, &f.requirement, URL, NOW).unwrap();
    assert!(pseudonymous_payer(&statement).starts_with("zk:"));

    use ErrorCode::*;
    assert_eq!(
        check(&statement, &f.requirement, "https://api.example/other", NOW),
        Err(InvalidZkReceiptContext)
    );
    assert_eq!(
        check(&statement, &f.requirement, URL, NOW + 3600 + 31),
        Err(InvalidZkReceiptStale)
    );
    assert_eq!(
        check(&statement, &f.requirement, URL, NOW - 3600 - 31),
        Err(InvalidZkReceiptStale)
    );
    let mut r = f.requirement.clone();
    r.amount = "10001".into();
    assert_eq!(check(&statement, &r, URL, NOW), Err(InvalidZkReceiptAmount));
    let mut r = f.requirement.clone();
    r.pay_to = "someone-else".into();
    assert_eq!(check(&statement, &r, URL, NOW), Err(InvalidZkReceiptDest));
    let mut r = f.requirement.clone();
    r.scheme = "exact".into();
    assert_eq!(check(&statement, &r, URL, NOW), Err(UnsupportedScheme));
    let mut extra = ZkReceiptExtra::from_requirements(&f.requirement).unwrap();
    extra.issuers[0].key = SecretKey::from_bytes([5; 32]).public_key();
    let mut r = f.requirement.clone();
    r.extra = extra.to_map();
    assert_eq!(check(&statement, &r, URL, NOW), Err(InvalidZkReceiptIssuer));
    let mut extra = ZkReceiptExtra::from_requirements(&f.requirement).unwrap();
    extra.vk_hash = "00".repeat(32);
    r.extra = extra.to_map();
    assert_eq!(
        check(&statement, &r, URL, NOW),
        Err(InvalidZkReceiptVerifyingKey)
    );
    let mut r = f.requirement.clone();
    r.extra.remove("challenge");
    assert_eq!(
        check(&statement, &r, URL, NOW),
        Err(InvalidPaymentRequirements)
    );
}

#[test]
fn malformed_payloads_are_invalid_payload() {
    let f = fixture();
    let good = ZkReceiptPayload::new(&f.statement, &f.proof);
    let decode = |p: &ZkReceiptPayload| p.decode().map(|_| ()).map_err(|r| r.code);
    let mut p = good.clone();
    p.proof = "%%%".into();
    assert_eq!(decode(&p), Err(ErrorCode::InvalidPayload));
    let mut p = good.clone();
    p.proof = p.proof[..20].into();
    assert_eq!(decode(&p), Err(ErrorCode::InvalidPayload));
    let mut p = good.clone();
    p.public_inputs[1] = x402_zk_primitives::field::modulus().to_string();
    assert_eq!(decode(&p), Err(ErrorCode::InvalidPayload));
    let mut p = good;
    p.public_inputs.pop();
    assert_eq!(decode(&p), Err(ErrorCode::InvalidPayload));
    assert_eq!(
        ZkReceiptPayload::from_value(&json!({"proof": "x"}))
            .map(|_| ())
            .map_err(|r| r.code),
        Err(ErrorCode::InvalidPayload)
    );
}
