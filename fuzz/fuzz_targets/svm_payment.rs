//! The issuer's Solana payments: the `exact` payload (JSON), then
//! `check_payment` against a fixed requirement and `prospective_id`, as
//! `crates/issuer/src/handlers.rs` calls them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use x402_zk_protocol::PaymentRequirements;
use x402_zk_svm::{
    check_payment, exact::prospective_id, exact::transaction_id, exact_requirement, Address,
    ExactSvmPayload, Hash, Keypair, Signer,
};

/// The issuer's fee payer and the `exact` requirement it quoted. The seeds in
/// `fuzz/corpus/svm_payment` pay this requirement (buyer key `[5; 32]`).
struct Fixture {
    fee_payer: Keypair,
    requirement: PaymentRequirements,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let fee_payer = Keypair::new_from_array([1; 32]);
        let requirement = exact_requirement(
            "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1",
            &Address::new_from_array([2; 32]),
            &Address::new_from_array([3; 32]),
            1_000_000,
            60,
            &fee_payer.pubkey(),
            6,
            &Hash::new_from_array([4; 32]),
        );
        Fixture { fee_payer, requirement }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<ExactSvmPayload>(data) else {
        return;
    };
    let f = fixture();
    let prospective = prospective_id(&payload, &f.fee_payer);
    if let Ok(checked) = check_payment(&payload, &f.requirement, &f.fee_payer.pubkey()) {
        assert_eq!(checked.amount, 1_000_000);
        let authority = checked.authority;
        let tx = checked.co_sign(&f.fee_payer);
        // The id known before settling is the id of the co-signed transaction.
        let (id, prospective_authority) = prospective.expect("a checked payment has an id");
        assert_eq!(id, transaction_id(&tx));
        assert_eq!(prospective_authority, authority);
        assert!(tx.verify_with_results().iter().all(|ok| *ok));
    }
});
