//! Verification of x402-zk receipt proofs (Groth16 over BN254).
//!
//! This crate knows the statement layout but no circuit code. Every entry point
//! returns `Result<(), VerifyError>`: [`VerifyError::is_malformed`] tells bad
//! input (encodings, points off the curve or outside the subgroup, wrong input
//! count, values `≥ p` or u64 fields `≥ 2^64`) from a well-formed proof that is
//! false ([`VerifyError::InvalidProof`]). A valid proof shows the statement; the
//! caller still compares it with its policy (`Statement::satisfies`: dest, price,
//! recency, a trusted issuer, the context) and spends the nullifier once. [`Verifier::verify_batch`] checks many
//! proofs with one pairing product and, if the batch fails, names the false ones;
//! [`Verifier::verify_bytes`] verifies a proof straight from its bytes, with the G2
//! subgroup check of `B` beside the final exponentiation. On CPUs with AVX-512 IFMA
//! the pairings' `Fq12` arithmetic runs eight lanes at a time (`x402-zk-ifma`,
//! detected at run time), elsewhere on portable 64-bit arithmetic whose `Fq2`
//! products reduce once per coordinate ([`Verifier::new_portable`] forces it).
//!
//! ```no_run
//! use x402_zk_verifier::{Proof, VerifyingKey, Verifier};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let vk = VerifyingKey::from_bytes(&std::fs::read("keys/verifying.key")?)?;
//! let verifier = Verifier::new(&vk);               // prepares the key once
//! let proof = Proof::from_bytes(&std::fs::read("proof.bin")?)?;
//! let signals = ["1", "2", "3", "4", "5", "6", "7"]; // decimal public inputs
//! verifier.verify_signals(&signals, &proof)?;        // Ok(()) or a precise error
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod batch;
mod encoding;
mod final_exp;
mod g2_subgroup;
mod inputs;
mod key;
mod miller;
mod proof;
mod scalar;
mod snarkjs;
mod tower;
mod verify;

pub use batch::BatchError;
pub use encoding::DecodeError;
pub use g2_subgroup::is_in_g2;
pub use key::{Eip197Key, SnarkjsVerifyingKey, VerifyingKey, VK_FORMAT_V1, VK_MAGIC};
pub use proof::{Proof, SnarkjsProof, PROOF_BYTES, PROOF_FORMAT_V1};
pub use snarkjs::{G1Json, G2Json};
pub use verify::{verify, Verifier, VerifyError};
