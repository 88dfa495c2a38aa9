//! Property tests of the encodings a payment travels in: they round-trip, and
//! any single-bit change to a valid proof, public input or payment header is
//! refused (by the decoder, or by verification).

mod common;

use common::{issuer, keys, request, state, URL};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::OnceLock;
use x402_zk_facilitator::AppState;
use x402_zk_primitives::{FieldElement, Statement};
use x402_zk_protocol::{
    decode_header, encode_header, FacilitatorRequest, PaymentPayload, ResourceInfo,
    ZkReceiptPayload,
};
use x402_zk_verifier::{Proof, VerifyingKey, PROOF_BYTES};

struct Fixture {
    vk: VerifyingKey,
    statement: Statement,
    proof: Proof,
    request: FacilitatorRequest,
    runtime: tokio::runtime::Runtime,
    state: AppState,
}

/// One honest payment, its proof, and a facilitator (SQLite in memory) to judge
/// the mutations.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let request = request(8, "challenge", URL, &issuer());
        let (statement, proof) = ZkReceiptPayload::from_value(&request.payment_payload.payload)
            .unwrap()
            .decode()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let state = runtime.block_on(state("sqlite::memory:", common::NOW));
        Fixture {
            vk: keys().1.clone(),
            statement,
            proof,
            request,
            runtime,
            state,
        }
    })
}

/// Whether the facilitator accepts `payment` for the fixture's requirement.
fn accepted(payment: PaymentPayload) -> bool {
    let f = fixture();
    let request = FacilitatorRequest {
        payment_payload: payment,
        ..f.request.clone()
    };
    f.runtime
        .block_on(f.state.verify(&request))
        .unwrap()
        .is_valid
}

#[test]
fn the_honest_payment_verifies() {
    let f = fixture();
    assert_eq!(
        x402_zk_verifier::verify(&f.vk, &f.statement, &f.proof),
        Ok(())
    );
    let header = encode_header(&f.request.payment_payload);
    assert!(accepted(decode_header(&header).unwrap()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bit_flip_of_the_proof_is_refused(bit in 0..PROOF_BYTES * 8) {
        let f = fixture();
        let mut bytes = f.proof.to_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        match Proof::from_bytes(&bytes) {
            Err(_) => {}
            Ok(p) => prop_assert!(x402_zk_verifier::verify(&f.vk, &f.statement, &p).is_err()),
        }
    }

    #[test]
    fn any_bit_flip_of_a_public_input_is_refused(input in 0..7usize, bit in 0..256usize) {
        let f = fixture();
        let mut inputs = f.statement.public_inputs();
        let mut bytes = inputs[input].to_be_bytes();
        bytes[bit / 8] ^= 1 << (bit % 8);
        let Ok(flipped) = FieldElement::from_be_bytes(&bytes) else {
            return Ok(()); // ≥ r: refused by the decoder
        };
        inputs[input] = flipped;
        if let Ok(statement) = Statement::from_public_inputs(&inputs) {
            prop_assert!(x402_zk_verifier::verify(&f.vk, &statement, &f.proof).is_err());
        }
    }

    #[test]
    fn any_bit_flip_of_the_payment_header_is_refused(bit in 0..8 * 2048usize) {
        let f = fixture();
        let mut header = encode_header(&f.request.payment_payload).into_bytes();
        let bit = bit % (header.len() * 8);
        header[bit / 8] ^= 1 << (bit % 8);
        // A flip may leave ASCII; the seller layer refuses a non-ASCII header first.
        if let Ok(text) = std::str::from_utf8(&header) {
            if let Ok(payment) = decode_header::<PaymentPayload>(text) {
                prop_assert!(!accepted(payment), "bit {bit} flipped and still accepted");
            }
        }
    }

    #[test]
    fn payment_headers_round_trip(
        url in "[ -~]{0,64}",
        amount in any::<u64>(),
        timeout in any::<u64>(),
        version in any::<u32>(),
        description in proptest::option::of("\\PC{0,32}"),
    ) {
        let mut payment = fixture().request.payment_payload.clone();
        payment.x402_version = version;
        payment.accepted.amount = amount.to_string();
        payment.accepted.max_timeout_seconds = timeout;
        payment.resource = Some(ResourceInfo { url, description, mime_type: None });
        let decoded: PaymentPayload = decode_header(&encode_header(&payment)).unwrap();
        prop_assert_eq!(decoded, payment);
    }

    #[test]
    fn proofs_statements_and_payloads_round_trip(seed in any::<u64>()) {
        let f = fixture();
        // Field elements from arbitrary 31-byte strings (always below r).
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut inputs = f.statement.public_inputs();
        for (i, x) in inputs.iter_mut().enumerate() {
            if ![3, 4].contains(&i) { // min_amount and not_before are u64s
                let mut bytes = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rng, &mut bytes[1..]);
                *x = FieldElement::from_be_bytes(&bytes).unwrap();
            }
        }
        if let Ok(statement) = Statement::from_public_inputs(&inputs) {
            let payload = ZkReceiptPayload::new(&statement, &f.proof);
            let (s, p) = ZkReceiptPayload::from_value(&payload.to_value()).unwrap().decode().unwrap();
            prop_assert_eq!(s, statement);
            prop_assert_eq!(p, f.proof.clone());
        }
        prop_assert_eq!(Proof::from_bytes(&f.proof.to_bytes()).unwrap(), f.proof.clone());
    }
}
