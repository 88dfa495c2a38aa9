//! Binary verifying keys (`VerifyingKey::from_bytes`), as sellers and the
//! facilitator load them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_verifier::{Verifier, VerifyingKey};

fuzz_target!(|data: &[u8]| {
    let Ok(vk) = VerifyingKey::from_bytes(data) else {
        return;
    };
    assert_eq!(vk.to_bytes(), data, "the binary form is canonical");
    assert_eq!(vk.hash_hex().len(), 64);
    let _ = vk.to_eip197();
    assert_eq!(VerifyingKey::from_snarkjs(&vk.to_snarkjs()).expect("own snarkjs form"), vk);
    let _ = Verifier::new(&vk);
});
