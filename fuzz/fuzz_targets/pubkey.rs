//! Keys: packed issuer public keys (`PublicKey::from_packed`), their JSON form
//! (`{"ax", "ay"}`), and hex secret keys (`SecretKey::from_hex`, key files).
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_primitives::eddsa::{PublicKey, SecretKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(packed) = <&[u8; 32]>::try_from(data) {
        if let Ok(key) = PublicKey::from_packed(packed) {
            assert_eq!(&key.to_packed(), packed, "packing is canonical");
            assert_eq!(PublicKey::from_coordinates(key.x(), key.y()), Ok(key));
        }
    }
    if let Ok(key) = serde_json::from_slice::<PublicKey>(data) {
        assert_eq!(PublicKey::from_packed(&key.to_packed()), Ok(key));
    }
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(secret) = SecretKey::from_hex(s) {
        let hex = secret.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.eq_ignore_ascii_case(s.trim()));
        let again = SecretKey::from_hex(&hex).expect("own hex");
        assert_eq!(again.public_key(), secret.public_key());
    }
});
