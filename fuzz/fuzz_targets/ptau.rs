//! snarkjs `.ptau` phase-1 files (`x402_zk_ceremony::Phase1::from_ptau`), read
//! for the smallest domains (2^1, 2^2) so a valid file stays a few KiB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand::{rngs::StdRng, SeedableRng};
use x402_zk_ceremony::Phase1;

fuzz_target!(|data: &[u8]| {
    let mut rng = StdRng::seed_from_u64(0);
    for power in [1, 2] {
        if let Ok(phase1) = Phase1::from_ptau(data, power, &mut rng) {
            assert_eq!(phase1.power(), power);
            let _ = phase1.digest();
        }
    }
});
