//! Service bodies: the issuer's `POST /v1/receipts` request and answer and its
//! description, the prover service's `POST /v1/proofs` request and answer, read
//! with the duplicate-key refusal the services apply in front of them (`from_json_strict`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use x402_zk_protocol::{
    issuance::{IssuerDescription, ReceiptRequest, ReceiptResponse},
    proving::{ProofRequest, ProofResponse},
    from_json_strict, ZkReceiptExtra,
};

/// Parses `data` as `T`; if it parses, its own JSON parses back to it.
fn round_trip<T>(data: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let value = from_json_strict::<T>(data).ok()?;
    let json = serde_json::to_vec(&value).unwrap();
    assert_eq!(from_json_strict::<T>(&json).expect("own JSON reads back"), value);
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    if let Some(request) = round_trip::<ReceiptRequest>(data) {
        let _ = ZkReceiptExtra::from_requirements(&request.requirement);
    }
    if let Some(response) = round_trip::<ReceiptResponse>(data) {
        let _ = response.receipt.verify();
    }
    round_trip::<IssuerDescription>(data);
    if let Some(request) = round_trip::<ProofRequest>(data) {
        let _ = request.policy.policy();
    }
    if let Some(response) = round_trip::<ProofResponse>(data) {
        let _ = response.payload.decode();
    }
});
