//! The circomlibjs golden receipt: our honest assignment equals circom's input
//! (`receipt_input.json`) wire for wire and satisfies our constraint system.

use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem};
use serde_json::Value;
use x402_zk_circuit::{Assignment, ReceiptCircuit};
use x402_zk_primitives::{
    eddsa::SecretKey, FieldElement, PayerSecret, Policy, ReceiptBody, Witness,
};

#[test]
fn golden_witness_satisfies_the_circuit() {
    let vectors: Value = serde_json::from_str(include_str!(
        "../../../test-vectors/circomlibjs/golden_vectors.json"
    ))
    .unwrap();
    let input: Value = serde_json::from_str(include_str!(
        "../../../test-vectors/circomlibjs/receipt_input.json"
    ))
    .unwrap();
    let fe = |k: &str| -> FieldElement { input[k].as_str().unwrap().parse().unwrap() };
    let u = |k: &str| -> u64 { input[k].as_str().unwrap().parse().unwrap() };

    let sk = SecretKey::from_hex(vectors["issuer"]["private_key_hex"].as_str().unwrap()).unwrap();
    let secret = PayerSecret::from_field(fe("payer_secret"));
    let receipt = ReceiptBody {
        amount: u("amount"),
        dest: fe("recipient"),
        paid_at: u("paid_at"),
        payment_id: fe("tx_id"),
        payer_commitment: secret.commitment(),
    }
    .sign(&sk);
    let policy = Policy {
        dest: fe("recipient"),
        min_amount: u("min_amount"),
        not_before: u("not_before"),
        issuer: sk.public_key(),
        context: fe("scope"),
    };
    let witness = Witness {
        receipt,
        payer_secret: secret,
    };
    let statement = witness.statement(&policy).unwrap();
    let a = Assignment::new(&statement, &witness);

    let expected_public: Vec<FieldElement> = vectors["public_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(a.public.map(FieldElement).to_vec(), expected_public);
    for (ours, circom) in [
        (a.amount, "amount"),
        (a.paid_at, "paid_at"),
        (a.payment_id, "tx_id"),
        (a.payer_secret, "payer_secret"),
        (a.r8x, "sig_r8x"),
        (a.r8y, "sig_r8y"),
        (a.s, "sig_s"),
    ] {
        assert_eq!(FieldElement(ours), fe(circom), "{circom}");
    }

    let cs = ConstraintSystem::new_ref();
    ReceiptCircuit {
        assignment: Some(a),
    }
    .generate_constraints(cs.clone())
    .unwrap();
    assert!(cs.is_satisfied().unwrap());
}
