//! Payment headers as servers, clients and the issuer read them: base64 of JSON
//! (`PAYMENT-SIGNATURE`, `X-PAYMENT`, `PAYMENT-REQUIRED`, `PAYMENT-RESPONSE`), then
//! what is read out of them (a `zk-receipt` payload, a requirement's `extra`, an
//! `exact` requirement a buyer pays).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};
use x402_zk_protocol::{
    decode_header, encode_header, PaymentPayload, PaymentPayloadV1, PaymentRequired,
    SettleResponse, ZkReceiptExtra, ZkReceiptPayload,
};
use x402_zk_svm::{build_payment, Keypair};

/// Decodes `header` as `T`; if it decodes, encoding and decoding again gives it back.
fn round_trip<T>(header: &str) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let value = decode_header::<T>(header).ok()?;
    let again = decode_header::<T>(&encode_header(&value)).expect("re-encoded header decodes");
    assert_eq!(again, value);
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(payment) = round_trip::<PaymentPayload>(header) {
        if let Ok(payload) = ZkReceiptPayload::from_value(&payment.payload) {
            if let Ok((statement, proof)) = payload.decode() {
                // Decoding is canonical: the payload is rebuilt byte for byte.
                assert_eq!(ZkReceiptPayload::new(&statement, &proof), payload);
            }
        }
        let _ = ZkReceiptExtra::from_requirements(&payment.accepted);
    }
    if let Some(required) = round_trip::<PaymentRequired>(header) {
        for requirement in &required.accepts {
            let _ = ZkReceiptExtra::from_requirements(requirement);
            // A buyer pays an issuer's `exact` requirement as it reads it.
            if requirement.scheme == "exact" {
                let _ = build_payment(&buyer(), requirement);
            }
        }
    }
    round_trip::<SettleResponse>(header);
    round_trip::<PaymentPayloadV1>(header);
});

fn buyer() -> Keypair {
    Keypair::new_from_array([7; 32])
}
