//! Groth16 proving for x402-zk receipts: proving keys (versioned, hash-checked
//! files), single-party development setup, and witness → proof — with stock
//! ark-groth16 ([`prove`]), or with a key prepared once per process for proving
//! about twice as fast ([`Prover`], same proofs).
//!
//! ```
//! use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, Policy, ReceiptBody, Witness};
//! use x402_zk_prover::{prove, setup_dev};
//! use x402_zk_verifier::verify;
//!
//! let mut rng = rand::thread_rng();
//! let (pk, vk) = setup_dev(&mut rng).unwrap(); // development keys: never in production
//!
//! let issuer = SecretKey::generate();
//! let buyer = PayerSecret::generate();
//! let dest = h2f::dest("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "USDC", "seller");
//! let receipt = ReceiptBody {
//!     amount: 1_500_000, dest, paid_at: 1_700_000_000,
//!     payment_id: h2f::payment_id("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "tx"),
//!     payer_commitment: buyer.commitment(),
//! }.sign(&issuer);
//! let policy = Policy {
//!     dest, min_amount: 1_000_000, not_before: 1_699_000_000,
//!     issuer: issuer.public_key(), context: h2f::context("https://api.example/r", "c"),
//! };
//! let witness = Witness { receipt, payer_secret: buyer };
//! let (statement, proof) = prove(&pk, &witness, &policy, &mut rng).unwrap();
//! verify(&vk, &statement, &proof).unwrap();
//! ```
#![deny(missing_docs)]

mod domain;
mod fast;
mod key;
mod ntt;
mod prove;

pub use domain::{lagrange_basis_from_powers, mixed_radix_size, Domain, ReceiptQap};
pub use fast::{full_assignment, Prover};
pub use key::{check_uncompressed_layout, ProvingKey, PK_FORMAT_V1, PK_MAGIC};
pub use ntt::Coefficient;
pub use prove::{prove, setup_dev, within_circuit_bounds, ProveError};
