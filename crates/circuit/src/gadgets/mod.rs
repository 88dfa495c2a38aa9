//! R1CS gadgets, one per file, each with an out-of-circuit twin in
//! `x402_zk_primitives` and a test that the two agree.

pub mod bits;
pub mod curve;
pub mod eddsa;
pub mod montgomery;
pub mod poseidon;
pub mod range;
pub mod scalar_mul;
