//! snarkjs `proof.json` (`SnarkjsProof`, then `Proof::from_snarkjs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_verifier::{Proof, SnarkjsProof};

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<SnarkjsProof>(data) else {
        return;
    };
    let Ok(proof) = Proof::from_snarkjs(&json) else {
        return;
    };
    assert_eq!(Proof::from_bytes(&proof.to_bytes()).expect("own bytes"), proof);
    // (Coordinates may carry leading zeros, so compare points, not strings.)
    assert_eq!(Proof::from_snarkjs(&proof.to_snarkjs()).expect("own snarkjs form"), proof);
});
