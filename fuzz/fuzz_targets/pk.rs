//! Proving-key files (`x402_zk_prover::ProvingKey::from_bytes`). The input is
//! tried as a whole file, and as a body behind a correct header and SHA-256 so
//! the fuzzer gets past the checksum to the arkworks body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use x402_zk_prover::{ProvingKey, PK_FORMAT_V1, PK_MAGIC};

fuzz_target!(|data: &[u8]| {
    let _ = ProvingKey::from_bytes(data);
    let mut file = Vec::with_capacity(41 + data.len());
    file.extend_from_slice(PK_MAGIC);
    file.push(PK_FORMAT_V1);
    file.extend_from_slice(&Sha256::digest(data));
    file.extend_from_slice(data);
    if let Ok(pk) = ProvingKey::from_bytes(&file) {
        assert_eq!(pk.to_bytes(), file);
        let _ = pk.verifying_key();
    }
});
