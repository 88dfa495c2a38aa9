//! The payment-receipt circuit of x402-zk (DESIGN.md §2) as R1CS over BN254's `Fr`,
//! built from hand-written gadgets so that every constraint is visible and counted.
//!
//! ```
//! use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
//! use x402_zk_circuit::ReceiptCircuit;
//!
//! // Key setup synthesizes the circuit without values.
//! let cs = ConstraintSystem::new_ref();
//! cs.set_mode(SynthesisMode::Setup);
//! ReceiptCircuit::blank().generate_constraints(cs.clone()).unwrap();
//! assert_eq!(cs.num_instance_variables(), 1 + 7); // the constant 1 and 7 public inputs
//! ```
#![deny(missing_docs)]

pub mod gadgets;
pub mod num;
mod receipt;

pub use receipt::{constraint_breakdown, Assignment, ReceiptCircuit};
