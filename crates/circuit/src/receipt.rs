//! The receipt circuit: signature, amount and time policy, nullifier, context.

use crate::gadgets::{curve::PointVar, eddsa, poseidon::poseidon, range};
use crate::num::{Cs, Num};
use ark_bn254::Fr;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use x402_zk_primitives::{Statement, Witness, PUBLIC_INPUTS};

/// Raw values of every input wire. Deliberately unvalidated: honest values come
/// from [`Assignment::new`], and tests tamper with single fields to check that the
/// constraints themselves refuse them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Public inputs in order: nullifier, context, dest, min_amount, not_before,
    /// issuer_ax, issuer_ay.
    pub public: [Fr; PUBLIC_INPUTS],
    /// Receipt amount.
    pub amount: Fr,
    /// Receipt payment time.
    pub paid_at: Fr,
    /// Receipt payment id.
    pub payment_id: Fr,
    /// The buyer's secret.
    pub payer_secret: Fr,
    /// Signature nonce point, x.
    pub r8x: Fr,
    /// Signature nonce point, y.
    pub r8y: Fr,
    /// Signature scalar.
    pub s: Fr,
}

impl Assignment {
    /// The honest assignment for a statement and its witness.
    pub fn new(statement: &Statement, witness: &Witness) -> Self {
        let body = &witness.receipt.body;
        let sig = &witness.receipt.signature;
        Assignment {
            public: statement.public_inputs().map(|f| f.0),
            amount: Fr::from(body.amount),
            paid_at: Fr::from(body.paid_at),
            payment_id: body.payment_id.0,
            payer_secret: witness.payer_secret.expose().0,
            r8x: sig.r8.x,
            r8y: sig.r8.y,
            s: sig.s.0,
        }
    }
}

/// The circuit, with an assignment when proving and without one for key setup.
#[derive(Clone, Debug)]
pub struct ReceiptCircuit {
    /// Wire values; `None` for key setup.
    pub assignment: Option<Assignment>,
}

impl ReceiptCircuit {
    /// The circuit without values, for key setup.
    pub fn blank() -> Self {
        ReceiptCircuit { assignment: None }
    }

    /// The circuit for an honest statement and witness.
    pub fn new(statement: &Statement, witness: &Witness) -> Self {
        ReceiptCircuit {
            assignment: Some(Assignment::new(statement, witness)),
        }
    }
}

impl ConstraintSynthesizer<Fr> for ReceiptCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        synthesize(&cs, self.assignment.as_ref(), &mut |_| {})
    }
}

/// Constraints per part of the receipt circuit, in synthesis order, and the total.
pub fn constraint_breakdown() -> Vec<(&'static str, usize)> {
    let cs = ark_relations::r1cs::ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::r1cs::SynthesisMode::Setup);
    let mut marks = vec![];
    let mut last = 0;
    synthesize(&cs, None, &mut |name| {
        let now = cs.num_constraints();
        marks.push((name, now - last));
        last = now;
    })
    .expect("the blank circuit synthesizes");
    marks.push(("total", cs.num_constraints()));
    marks
}

fn synthesize(
    cs: &Cs,
    a: Option<&Assignment>,
    mark: &mut dyn FnMut(&'static str),
) -> Result<(), SynthesisError> {
    let val = |f: fn(&Assignment) -> Fr| a.map(f);
    let public: Vec<Num> = (0..PUBLIC_INPUTS)
        .map(|i| Num::input(cs, a.map(|a| a.public[i])))
        .collect::<Result<_, _>>()?;
    let [nullifier, context, dest, min_amount, not_before, issuer_ax, issuer_ay] =
        <[Num; PUBLIC_INPUTS]>::try_from(public).expect("seven inputs");

    // amount and paid_at are allocated as 64 bits each: < 2^64 by construction.
    let (amount, _) = range::alloc_u64(cs, val(|a| a.amount))?;
    let (paid_at, _) = range::alloc_u64(cs, val(|a| a.paid_at))?;
    let payment_id = Num::witness(cs, val(|a| a.payment_id))?;
    let payer_secret = Num::witness(cs, val(|a| a.payer_secret))?;
    let r8 = PointVar {
        x: Num::witness(cs, val(|a| a.r8x))?,
        y: Num::witness(cs, val(|a| a.r8y))?,
    };
    let s = Num::witness(cs, val(|a| a.s))?;
    mark("private u64 inputs (2 × 64 bits)");

    // amount ≥ min_amount; paid_at ≥ not_before. Each comparison proves
    // `a − b ∈ [0, 2^64)`, which means `a ≥ b` only when both are below 2^64: the
    // private sides are (allocated as 64 bits above), and the public sides are
    // range-checked by the verifier, not here. `Statement` holds them as `u64`, so
    // no statement with `min_amount` or `not_before` ≥ 2^64 (e.g. p − 1 ≡ −1, which
    // every amount would exceed) can reach a pairing; every verifier of this circuit
    // (snarkjs, on-chain) must make the same check (see docs/circuit.md).
    range::enforce_ge_u64(cs, &amount, &min_amount)?;
    range::enforce_ge_u64(cs, &paid_at, &not_before)?;
    mark("two 64-bit comparisons (public sides range-checked by the verifier)");

    // msg = Poseidon(amount, dest, paid_at, payment_id, Poseidon(payer_secret)).
    let commitment = poseidon(cs, std::slice::from_ref(&payer_secret))?;
    mark("payer_commitment = Poseidon(1)");
    let msg = poseidon(cs, &[amount, dest, paid_at, payment_id.clone(), commitment])?;
    mark("msg = Poseidon(5)");

    let issuer = PointVar {
        x: issuer_ax,
        y: issuer_ay,
    };
    eddsa::verify(cs, &issuer, &r8, &s, &msg)?;
    mark("EdDSA-Poseidon verification");

    poseidon(cs, &[payer_secret, payment_id])?.enforce_equal(cs, &nullifier)?;
    mark("nullifier = Poseidon(2)");

    // The context enters a constraint, so the proof is bound to it.
    context.square(cs)?;
    mark("context binding");
    Ok(())
}
