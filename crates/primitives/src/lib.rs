//! Native primitives of x402-zk: circomlib-compatible Poseidon, Baby Jubjub and
//! EdDSA-Poseidon, `H2F`, and the typed receipt, policy, statement and witness.
//!
//! Every value here is reproduced bit for bit by circomlibjs (see the golden
//! vectors test). The circuit crate mirrors each function as a gadget.
//!
//! ```
//! use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, Policy, ReceiptBody, Witness};
//!
//! let issuer = SecretKey::generate();
//! let buyer = PayerSecret::generate();
//! let dest = h2f::dest("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "USDC", "seller");
//! let receipt = ReceiptBody {
//!     amount: 1_500_000,
//!     dest,
//!     paid_at: 1_700_000_000,
//!     payment_id: h2f::payment_id("solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", "5sig…"),
//!     payer_commitment: buyer.commitment(),
//! }
//! .sign(&issuer);
//! let policy = Policy {
//!     dest,
//!     min_amount: 1_000_000,
//!     not_before: 1_699_999_000,
//!     issuer: issuer.public_key(),
//!     context: h2f::context("https://api.example/report", "challenge"),
//! };
//! let statement = Witness { receipt, payer_secret: buyer }.statement(&policy).unwrap();
//! assert_eq!(statement.min_amount, 1_000_000);
//! ```
#![deny(missing_docs)]

pub mod babyjubjub;
pub mod eddsa;
pub mod field;
pub mod h2f;
pub mod poseidon;
mod receipt;

pub use field::{FieldElement, ParseError};
pub use receipt::{
    PayerSecret, Policy, PolicyMismatch, Receipt, ReceiptBody, Statement, StatementError, Witness,
    WitnessError, PUBLIC_INPUTS, PUBLIC_INPUT_NAMES,
};
