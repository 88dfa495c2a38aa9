//! Negative tests in the constraint system itself: an honest assignment with one
//! value changed must leave the R1CS unsatisfied (not merely make a witness
//! builder refuse). Each case signs what it needs with real keys, so only the
//! constraint family under test can be what fails.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, PrimeField, Zero};
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef};
use num_bigint::BigUint;
use x402_zk_circuit::{Assignment, ReceiptCircuit};
use x402_zk_primitives::{
    babyjubjub::{self, base8, coeff_a, coeff_d, is_on_curve, subgroup_order, Point},
    eddsa::SecretKey,
    poseidon::poseidon,
};

/// A receipt and policy as raw field elements, signed by `signer`.
#[derive(Clone)]
struct Case {
    amount: Fr,
    dest: Fr,
    paid_at: Fr,
    payment_id: Fr,
    payer_secret: Fr,
    min_amount: Fr,
    not_before: Fr,
    context: Fr,
    signer: SecretKey,
}

fn honest() -> Case {
    Case {
        amount: Fr::from(1_500_000u64),
        dest: Fr::from(12345678901234567890u64),
        paid_at: Fr::from(1_700_000_000u64),
        payment_id: Fr::from(0xdead_beefu64),
        payer_secret: Fr::from(0x5ec4e7u64),
        min_amount: Fr::from(1_000_000u64),
        not_before: Fr::from(1_699_999_940u64),
        context: Fr::from(4242u64),
        signer: SecretKey::from_bytes([1; 32]),
    }
}

impl Case {
    fn message(&self) -> Fr {
        let commitment = poseidon(&[self.payer_secret]);
        poseidon(&[
            self.amount,
            self.dest,
            self.paid_at,
            self.payment_id,
            commitment,
        ])
    }

    /// Signs the message and builds the assignment the circuit would get.
    fn assignment(&self) -> Assignment {
        let sig = self.signer.sign(self.message());
        let pk = self.signer.public_key().point();
        Assignment {
            public: [
                poseidon(&[self.payer_secret, self.payment_id]),
                self.context,
                self.dest,
                self.min_amount,
                self.not_before,
                pk.x,
                pk.y,
            ],
            amount: self.amount,
            paid_at: self.paid_at,
            payment_id: self.payment_id,
            payer_secret: self.payer_secret,
            r8x: sig.r8.x,
            r8y: sig.r8.y,
            s: sig.s.0,
        }
    }
}

fn synthesize(a: Assignment) -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    ReceiptCircuit {
        assignment: Some(a),
    }
    .generate_constraints(cs.clone())
    .unwrap();
    cs
}

fn satisfied(a: Assignment) -> bool {
    synthesize(a).is_satisfied().unwrap()
}

/// Indices of the constraints the assignment violates.
fn failing_constraints(a: Assignment) -> Vec<usize> {
    let cs = synthesize(a);
    cs.finalize();
    let m = cs.to_matrices().unwrap();
    let cs = cs.borrow().unwrap();
    let z: Vec<Fr> = cs
        .instance_assignment
        .iter()
        .chain(&cs.witness_assignment)
        .copied()
        .collect();
    let eval = |row: &Vec<(Fr, usize)>| row.iter().map(|(c, i)| *c * z[*i]).sum::<Fr>();
    (0..m.num_constraints)
        .filter(|&i| eval(&m.a[i]) * eval(&m.b[i]) != eval(&m.c[i]))
        .collect()
}

fn two_pow_64() -> Fr {
    Fr::from(u64::MAX) + Fr::one()
}

#[test]
fn honest_assignment_satisfies() {
    assert!(satisfied(honest().assignment()));
}

#[test]
fn amount_below_min_amount() {
    let case = Case {
        amount: Fr::from(999_999u64),
        ..honest()
    };
    assert_eq!(
        failing_constraints(case.assignment()).len(),
        1,
        "only the comparison fails"
    );
    let equal = Case {
        amount: Fr::from(1_000_000u64),
        ..honest()
    };
    assert!(
        satisfied(equal.assignment()),
        "amount == min_amount is accepted"
    );
}

#[test]
fn paid_before_not_before() {
    let case = Case {
        paid_at: Fr::from(1_699_999_939u64),
        ..honest()
    };
    assert_eq!(
        failing_constraints(case.assignment()).len(),
        1,
        "only the comparison fails"
    );
}

#[test]
fn amount_of_2_pow_64_or_more_is_refused() {
    // A correctly signed message over amount = 2^64 + 1.5M: the 64-bit amount wire
    // cannot carry it.
    let case = Case {
        amount: two_pow_64() + Fr::from(1_500_000u64),
        ..honest()
    };
    assert!(!satisfied(case.assignment()));
}

/// The public u64 inputs are range-checked by the verifier, not the circuit
/// (issue 4: 130 constraints): the circuit alone accepts `min_amount = p − 1`
/// (≡ −1, which every amount exceeds), so the check must hold wherever a statement
/// enters verification. `Statement` holds both as `u64`; building one from field
/// elements or snarkjs signals refuses anything ≥ 2^64.
#[test]
fn public_u64_inputs_of_2_pow_64_or_p_minus_1_are_refused_by_the_verifier() {
    use x402_zk_primitives::{FieldElement, Statement};
    let honest_case = honest();
    let honest_statement: Vec<FieldElement> = honest_case
        .assignment()
        .public
        .iter()
        .map(|f| FieldElement(*f))
        .collect();
    assert!(Statement::from_public_inputs(&honest_statement).is_ok());
    for index in [3, 4] {
        for bad in [two_pow_64(), -Fr::one()] {
            let mut values = honest_statement.clone();
            values[index] = FieldElement(bad);
            assert!(
                Statement::from_public_inputs(&values).is_err(),
                "input {index}"
            );
            let decimal: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            assert!(
                Statement::from_decimal_signals(&decimal).is_err(),
                "input {index}"
            );
        }
    }
    // What the circuit itself still refuses: a wrap below zero in a comparison.
    let case = Case {
        min_amount: Fr::from(1_500_001u64),
        ..honest()
    };
    assert!(!satisfied(case.assignment()));
    let case = Case {
        not_before: two_pow_64(),
        ..honest()
    };
    assert!(!satisfied(case.assignment()), "paid_at − 2^64 wraps");
}

#[test]
fn p_minus_1_satisfies_the_circuit_alone() {
    // Documents the division of labour above: without the verifier's range check,
    // min_amount = p − 1 would pass (amount − (−1) = amount + 1 fits in 64 bits).
    let case = Case {
        min_amount: -Fr::one(),
        ..honest()
    };
    assert!(satisfied(case.assignment()));
}

#[test]
fn wrong_dest() {
    let mut a = honest().assignment();
    a.public[2] += Fr::one();
    assert!(!satisfied(a));
}

#[test]
fn wrong_payment_id() {
    // Change payment_id and recompute the nullifier so that only the signature
    // binding can fail.
    let mut a = honest().assignment();
    a.payment_id += Fr::one();
    a.public[0] = poseidon(&[a.payer_secret, a.payment_id]);
    assert!(!satisfied(a));
}

#[test]
fn wrong_payer_secret() {
    let mut a = honest().assignment();
    a.payer_secret += Fr::one();
    a.public[0] = poseidon(&[a.payer_secret, a.payment_id]);
    assert!(!satisfied(a));
}

#[test]
fn s_plus_one() {
    let mut a = honest().assignment();
    a.s += Fr::one();
    assert!(!satisfied(a));
}

#[test]
fn s_plus_l_malleability() {
    // S + l satisfies the group equation; only S < l refuses it.
    let mut a = honest().assignment();
    a.s += Fr::from(subgroup_order());
    assert!(
        BigUint::from(a.s.into_bigint()) < BigUint::from(1u8) << 251,
        "fits the 251 bits"
    );
    let left = babyjubjub::mul(&base8(), &BigUint::from(a.s.into_bigint()));
    let sig = honest().signer.sign(honest().message());
    assert_eq!(
        left,
        babyjubjub::mul(&base8(), &sig.s.to_biguint()),
        "same group element"
    );
    assert_eq!(failing_constraints(a).len(), 1, "only S < l fails");
}

#[test]
fn swapped_r8_coordinates() {
    let mut a = honest().assignment();
    std::mem::swap(&mut a.r8x, &mut a.r8y);
    assert!(!satisfied(a));
}

#[test]
fn signature_by_another_key() {
    let mut a = honest().assignment();
    let forged = Case {
        signer: SecretKey::from_bytes([2; 32]),
        ..honest()
    }
    .assignment();
    (a.r8x, a.r8y, a.s) = (forged.r8x, forged.r8y, forged.s);
    assert!(!satisfied(a));
}

/// With a small-order issuer key `T`, `8·h·T = O`, so anyone "signs" any message
/// with `R8 = S·Base8`: only the small-order check stands in the way.
fn forge_with_small_order_key(t: Point) -> Assignment {
    assert!(is_on_curve(&t) && babyjubjub::is_small_order(&t));
    let mut a = honest().assignment();
    a.public[5] = t.x;
    a.public[6] = t.y;
    a.s = Fr::from(123_456_789u64);
    let r8 = babyjubjub::mul(&base8(), &123_456_789u32.into());
    (a.r8x, a.r8y) = (r8.x, r8.y);
    a
}

/// A point of order exactly 8: `l·P` for a curve point `P` outside the subgroup.
fn point_of_order_8() -> Point {
    for y in 2u64.. {
        let y = Fr::from(y);
        let x2 = (Fr::one() - y * y) * (coeff_a() - coeff_d() * y * y).inverse().unwrap();
        let Some(x) = x2.sqrt() else { continue };
        let t = babyjubjub::mul(&Point::new_unchecked(x, y), &subgroup_order());
        let t4 = t.into_group().double().double();
        if !t4.is_zero() {
            return t;
        }
    }
    unreachable!()
}

use ark_ec::AdditiveGroup as _;

#[test]
fn identity_and_small_order_issuer_keys() {
    let identity = Point::new_unchecked(Fr::zero(), Fr::one());
    let order_2 = Point::new_unchecked(Fr::zero(), -Fr::one());
    let order_8 = point_of_order_8();
    let order_4 = order_8.into_group().double().into_affine();
    for t in [identity, order_2, order_4, order_8] {
        let forged = forge_with_small_order_key(t);
        // The group equation S·B8 = R8 + 8hT holds; the small-order check refuses the
        // key (the Montgomery map, which cannot represent 8T = O, fails too; the check
        // alone is tested in `curve::tests`).
        assert!(
            !failing_constraints(forged).is_empty(),
            "small-order key {t:?} accepted"
        );
    }
}

#[test]
fn r8_off_the_curve() {
    let mut a = honest().assignment();
    a.r8y += Fr::one();
    assert!(!is_on_curve(&Point::new_unchecked(a.r8x, a.r8y)));
    assert!(!satisfied(a));
}

#[test]
fn nullifier_changed() {
    let mut a = honest().assignment();
    a.public[0] += Fr::one();
    assert_eq!(
        failing_constraints(a).len(),
        1,
        "only the nullifier equality fails"
    );
}

#[test]
fn public_inputs_changed_after_synthesis() {
    // Changing any public input of an honest, synthesized system breaks it: every
    // public input, the context included, enters a constraint.
    let cs = synthesize(honest().assignment());
    assert!(cs.is_satisfied().unwrap());
    for i in 1..=7 {
        let original = cs.borrow().unwrap().instance_assignment[i];
        cs.borrow_mut().unwrap().instance_assignment[i] = original + Fr::one();
        assert!(
            !cs.is_satisfied().unwrap(),
            "public input {i} is not constrained"
        );
        cs.borrow_mut().unwrap().instance_assignment[i] = original;
    }
}

#[test]
fn every_witness_wire_is_constrained() {
    // Flip each private wire of an honest assignment in turn: the system must
    // become unsatisfied. No wire of this circuit is free.
    let cs = synthesize(honest().assignment());
    let n = cs.num_witness_variables();
    for i in 0..n {
        let original = cs.borrow().unwrap().witness_assignment[i];
        cs.borrow_mut().unwrap().witness_assignment[i] = original + Fr::one();
        assert!(
            !cs.is_satisfied().unwrap(),
            "witness wire {i} of {n} is unconstrained"
        );
        cs.borrow_mut().unwrap().witness_assignment[i] = original;
    }
}
