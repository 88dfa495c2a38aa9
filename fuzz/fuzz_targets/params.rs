//! Ceremony parameter files (`x402_zk_ceremony::Parameters::from_bytes`: the
//! proving key being built and the transcript of contributions). The input is
//! tried as a whole file, and as a body behind a correct header and SHA-256 so
//! the fuzzer gets past the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use x402_zk_ceremony::{Parameters, PARAMS_FORMAT_V1, PARAMS_MAGIC};

fn check(bytes: &[u8]) {
    let Ok(params) = Parameters::from_bytes(bytes) else {
        return;
    };
    let again = Parameters::from_bytes(&params.to_bytes()).expect("own file reads back");
    assert_eq!(again, params);
    assert_eq!(params.contribution_hashes().len(), params.contributions().len());
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut file = Vec::with_capacity(41 + data.len());
    file.extend_from_slice(PARAMS_MAGIC);
    file.push(PARAMS_FORMAT_V1);
    file.extend_from_slice(&Sha256::digest(data));
    file.extend_from_slice(data);
    check(&file);
});
