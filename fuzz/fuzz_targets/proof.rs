//! Binary proofs (`Proof::from_bytes`: version byte, EIP-197 points).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_verifier::Proof;

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = Proof::from_bytes(data) else {
        return;
    };
    assert_eq!(proof.to_bytes(), data, "the binary form is canonical");
    let snarkjs = proof.to_snarkjs();
    assert_eq!(Proof::from_snarkjs(&snarkjs).expect("own snarkjs form"), proof);
    assert_eq!(Proof::from_ark(proof.as_ark().clone()).expect("own points"), proof);
});
