//! The `zk-receipt` payment payload (JSON): `ZkReceiptPayload::from_value`, then
//! `decode` (base64 proof, decimal public inputs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_primitives::Statement;
use x402_zk_protocol::ZkReceiptPayload;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(payload) = ZkReceiptPayload::from_value(&value) else {
        return;
    };
    assert_eq!(
        ZkReceiptPayload::from_value(&payload.to_value()).expect("own JSON reads back"),
        payload
    );
    if let Ok((statement, proof)) = payload.decode() {
        let rebuilt = ZkReceiptPayload::new(&statement, &proof);
        assert_eq!(rebuilt, payload, "decoding is canonical");
        let (s2, p2) = rebuilt.decode().expect("rebuilt payload decodes");
        assert_eq!((s2, p2), (statement, proof));
        assert_eq!(
            Statement::from_public_inputs(&statement.public_inputs()).expect("own inputs"),
            statement
        );
        let _ = x402_zk_protocol::zk_receipt::pseudonymous_payer(&statement);
    }
});
