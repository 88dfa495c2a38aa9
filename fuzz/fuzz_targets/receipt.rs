//! Signed receipts as wallets and the prover read them (JSON), and the check of
//! the issuer's signature on whatever was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_primitives::Receipt;

fuzz_target!(|data: &[u8]| {
    let Ok(receipt) = serde_json::from_slice::<Receipt>(data) else {
        return;
    };
    let verified = receipt.verify();
    let json = serde_json::to_vec(&receipt).unwrap();
    let again = serde_json::from_slice::<Receipt>(&json).expect("own JSON reads back");
    assert_eq!(again, receipt);
    assert_eq!(again.verify(), verified);
});
