//! Multi-party trusted setup (Groth16 phase 2, BGM17) for the x402-zk receipt
//! circuit, on a phase 1 from a snarkjs `.ptau` file — such as the public
//! perpetual powers of tau — so that one honest participant is enough and
//! anyone can check the result.
//!
//! ```no_run
//! use x402_zk_ceremony::{beacon, contribute, export_keys, verify, Parameters, Phase1, RECEIPT_CIRCUIT_POWER};
//!
//! let mut rng = rand::rngs::OsRng;
//! let ptau = std::fs::read("powersOfTau28_hez_final_13.ptau").unwrap();
//! let phase1 = Phase1::from_ptau(&ptau, RECEIPT_CIRCUIT_POWER, &mut rng).unwrap();
//! let mut params = Parameters::init(&phase1).unwrap();            // coordinator
//! let quiet = |_done: usize, _total: usize| {};
//! contribute(&mut params, "alice", b"", &mut rng, &quiet).unwrap(); // each participant
//! contribute(&mut params, "bob", b"dice: 3 1 4 1 5", &mut rng, &quiet).unwrap();
//! beacon(&mut params, &hex::decode("8f1e…").unwrap_or_default(), 20, &quiet).unwrap();
//! let report = verify(&params, &phase1, &mut rng).unwrap();       // anyone
//! let (pk, vk, _) = export_keys(&params, &phase1, &mut rng).unwrap();
//! # let _ = (report, pk, vk);
//! ```
//!
//! Everything is in the parameters file ([`Parameters::to_bytes`]): the
//! proving key being built, digests of its phase 1 and initial state, and the
//! transcript. [`verify`] needs only that file and the `.ptau`.
#![deny(missing_docs)]

mod contribute;
mod error;
mod export;
mod params;
mod ptau;
mod qap;
mod verify;

#[cfg(test)]
mod tests;

pub use contribute::{beacon, contribute, BEACON_EXP_RANGE};
pub use error::CeremonyError;
pub use export::{export_keys, OnchainVerifyingKey};
pub use params::{Contribution, ContributionKind, Parameters, PARAMS_FORMAT_V1, PARAMS_MAGIC};
pub use ptau::{dev_ptau, Phase1};
pub use verify::{verify, Report, VerifiedContribution};

/// The power a `.ptau` file must have at least: the receipt circuit's
/// evaluation domain has 4,096 = 2^12 points (`x402_zk_prover::Domain`), and
/// its `H` query needs τ^i for i < 2·4,096 − 1: a `.ptau` of power 12 (snarkjs
/// files hold 2^(power+1) − 1 powers in τ·G1), or any larger one.
pub const RECEIPT_CIRCUIT_POWER: u32 = 12;
