//! snarkjs `verification_key.json` (`SnarkjsVerifyingKey`, then
//! `VerifyingKey::from_snarkjs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_verifier::{SnarkjsVerifyingKey, VerifyingKey};

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<SnarkjsVerifyingKey>(data) else {
        return;
    };
    let Ok(vk) = VerifyingKey::from_snarkjs(&json) else {
        return;
    };
    assert_eq!(VerifyingKey::from_bytes(&vk.to_bytes()).expect("own bytes"), vk);
    assert_eq!(vk.num_public_inputs(), json.n_public);
});
