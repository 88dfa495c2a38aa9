//! The `exact` rules on a real runtime: LiteSVM with the SPL Token program.

use base64::{engine::general_purpose::STANDARD, Engine};
use solana_address::Address;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{v0, VersionedMessage};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use x402_zk_protocol::{ErrorCode, PaymentRequirements};
use x402_zk_svm::exact::{associated_token_address, memo_program, token_program};
use x402_zk_svm::{
    build_payment, check_payment, exact_requirement, ExactSvmPayload, Ledger, LedgerError,
    LiteSvmLedger,
};

const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PRICE: u64 = 1_000_000;

struct Chain {
    ledger: LiteSvmLedger,
    fee_payer: Keypair,
    buyer: Keypair,
    seller: Keypair,
    mint: Address,
}

fn chain() -> Chain {
    let ledger = LiteSvmLedger::new();
    let fee_payer = ledger.funded_keypair(10_000_000_000).unwrap();
    let (buyer, seller) = (Keypair::new(), Keypair::new());
    let mint = ledger.create_mint(&fee_payer, 6).unwrap();
    ledger
        .mint_to(&fee_payer, &mint, &buyer.pubkey(), 10 * PRICE)
        .unwrap();
    ledger
        .create_token_account(&fee_payer, &mint, &seller.pubkey())
        .unwrap();
    Chain {
        ledger,
        fee_payer,
        buyer,
        seller,
        mint,
    }
}

impl Chain {
    async fn requirement(&self, amount: u64) -> PaymentRequirements {
        let hash = self.ledger.latest_blockhash().await.unwrap();
        exact_requirement(
            NETWORK,
            &self.mint,
            &self.seller.pubkey(),
            amount,
            60,
            &self.fee_payer.pubkey(),
            6,
            &hash,
        )
    }

    /// A transaction with arbitrary instructions, signed by the buyer only.
    async fn custom(&self, instructions: &[Instruction]) -> ExactSvmPayload {
        let hash = self.ledger.latest_blockhash().await.unwrap();
        let message =
            v0::Message::try_compile(&self.fee_payer.pubkey(), instructions, &[], hash).unwrap();
        let message = VersionedMessage::V0(message);
        let n = usize::from(message.header().num_required_signatures);
        let mut signatures = vec![Signature::default(); n];
        let keys = message.static_account_keys().to_vec();
        if let Some(i) = keys.iter().take(n).position(|k| *k == self.buyer.pubkey()) {
            signatures[i] = self.buyer.sign_message(&message.serialize());
        }
        let tx = VersionedTransaction {
            signatures,
            message,
        };
        ExactSvmPayload {
            transaction: STANDARD.encode(bincode::serialize(&tx).unwrap()),
        }
    }

    fn transfer(&self, authority: &Address, amount: u64) -> Instruction {
        spl_token_interface::instruction::transfer_checked(
            &token_program(),
            &associated_token_address(authority, &self.mint),
            &self.mint,
            &associated_token_address(&self.seller.pubkey(), &self.mint),
            authority,
            &[],
            amount,
            6,
        )
        .unwrap()
    }
}

fn budget() -> [Instruction; 2] {
    [
        ComputeBudgetInstruction::set_compute_unit_limit(20_000),
        ComputeBudgetInstruction::set_compute_unit_price(1),
    ]
}

fn nonce_memo(signers: &[&Address]) -> Instruction {
    spl_memo_interface::instruction::build_memo(
        &memo_program(),
        b"00112233445566778899aabbccddeeff",
        signers,
    )
}

fn code(r: Result<x402_zk_svm::CheckedPayment, x402_zk_protocol::Rejection>) -> ErrorCode {
    r.expect_err("must be refused").code
}

#[tokio::test]
async fn a_checked_payment_settles_and_moves_exactly_the_price() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let payment = build_payment(&c.buyer, &req).unwrap();
    let checked = check_payment(&payment, &req, &c.fee_payer.pubkey()).unwrap();
    assert_eq!(checked.authority, c.buyer.pubkey());
    assert_eq!(checked.amount, PRICE);
    let tx = checked.co_sign(&c.fee_payer);
    assert!(tx.verify_with_results().iter().all(|ok| *ok));
    c.ledger.settle(&tx).await.unwrap();
    assert_eq!(c.ledger.token_balance(&c.seller.pubkey(), &c.mint), PRICE);
    assert_eq!(
        c.ledger.token_balance(&c.buyer.pubkey(), &c.mint),
        9 * PRICE
    );
    // The same transaction again is recognised as settled, and nothing moves twice.
    c.ledger.settle(&tx).await.unwrap();
    assert_eq!(c.ledger.token_balance(&c.seller.pubkey(), &c.mint), PRICE);
    // Two payments for one requirement differ (random memo nonce).
    let again = build_payment(&c.buyer, &req).unwrap();
    assert_ne!(again, payment);
}

#[tokio::test]
async fn wrong_amount_mint_or_recipient_is_refused() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let payment = build_payment(&c.buyer, &req).unwrap();
    let fee_payer = c.fee_payer.pubkey();

    let higher = c.requirement(PRICE + 1).await;
    assert_eq!(
        code(check_payment(&payment, &higher, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransactionAmountMismatch
    );

    let mut other_mint = req.clone();
    other_mint.asset = c.ledger.create_mint(&c.fee_payer, 6).unwrap().to_string();
    assert_eq!(
        code(check_payment(&payment, &other_mint, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransactionMintMismatch
    );

    let mut other_recipient = req.clone();
    other_recipient.pay_to = Keypair::new().pubkey().to_string();
    assert_eq!(
        code(check_payment(&payment, &other_recipient, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransactionTransferToIncorrectAta
    );

    // A settler whose key is not the transaction's fee payer.
    assert_eq!(
        code(check_payment(&payment, &req, &Keypair::new().pubkey())),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );
}

#[tokio::test]
async fn unsigned_or_malformed_transactions_are_refused() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let fee_payer = c.fee_payer.pubkey();
    let good = build_payment(&c.buyer, &req).unwrap();
    let mut bytes = STANDARD.decode(&good.transaction).unwrap();

    // Signature slot of the buyer zeroed: unsigned.
    let mut unsigned = bytes.clone();
    unsigned[1 + 64..1 + 128].fill(0);
    let unsigned = ExactSvmPayload {
        transaction: STANDARD.encode(&unsigned),
    };
    assert_eq!(
        code(check_payment(&unsigned, &req, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );
    // Nor is an earlier settlement looked up for it: only the signed payment has one.
    assert!(x402_zk_svm::exact::prospective_id(&good, &c.fee_payer).is_some());
    assert!(x402_zk_svm::exact::prospective_id(&unsigned, &c.fee_payer).is_none());

    // The amount changed after signing: the signature no longer covers it.
    let pos = bytes
        .windows(8)
        .position(|w| w == PRICE.to_le_bytes())
        .unwrap();
    bytes[pos..pos + 8].copy_from_slice(&(PRICE - 1).to_le_bytes());
    let tampered = ExactSvmPayload {
        transaction: STANDARD.encode(&bytes),
    };
    let lower = c.requirement(PRICE - 1).await;
    assert_eq!(
        code(check_payment(&tampered, &lower, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );

    for junk in ["", "not base64!", "AAAA", &STANDARD.encode([0u8; 2000])] {
        let junk = ExactSvmPayload {
            transaction: junk.to_string(),
        };
        assert_eq!(
            code(check_payment(&junk, &req, &fee_payer)),
            ErrorCode::InvalidExactSvmPayloadTransaction
        );
    }
    let mut trailing = STANDARD.decode(&good.transaction).unwrap();
    trailing.push(0);
    let trailing = ExactSvmPayload {
        transaction: STANDARD.encode(&trailing),
    };
    assert_eq!(
        code(check_payment(&trailing, &req, &fee_payer)),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );
}

#[tokio::test]
async fn fee_payer_inside_an_instruction_is_refused() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let fp = c.fee_payer.pubkey();
    let [limit, price] = budget();
    // The fee payer as a memo signer, i.e. inside an instruction's accounts.
    let tx = c
        .custom(&[
            limit.clone(),
            price.clone(),
            c.transfer(&c.buyer.pubkey(), PRICE),
            nonce_memo(&[&fp]),
        ])
        .await;
    assert_eq!(
        code(check_payment(&tx, &req, &fp)),
        ErrorCode::InvalidExactSvmPayloadTransactionFeePayerIncludedInInstructionAccounts
    );
    // The fee payer as the transfer authority: it would pay from its own account.
    let tx = c
        .custom(&[limit, price, c.transfer(&fp, PRICE), nonce_memo(&[])])
        .await;
    assert!(check_payment(&tx, &req, &fp).is_err());
}

#[tokio::test]
async fn instruction_layout_is_enforced() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let fp = c.fee_payer.pubkey();
    let buyer = c.buyer.pubkey();
    let [limit, price] = budget();
    let transfer = c.transfer(&buyer, PRICE);
    let cases: Vec<(Vec<Instruction>, ErrorCode)> = vec![
        (
            vec![limit.clone(), price.clone(), transfer.clone()],
            ErrorCode::InvalidExactSvmPayloadTransactionInstructionsLength,
        ),
        (
            vec![
                price.clone(),
                limit.clone(),
                transfer.clone(),
                nonce_memo(&[]),
            ],
            ErrorCode::InvalidExactSvmPayloadTransactionInstructionsComputeLimitInstruction,
        ),
        (
            vec![
                limit.clone(),
                ComputeBudgetInstruction::set_compute_unit_price(5_000_001),
                transfer.clone(),
                nonce_memo(&[]),
            ],
            ErrorCode::InvalidExactSvmPayloadTransactionInstructionsComputePriceInstructionTooHigh,
        ),
        (
            vec![
                limit.clone(),
                price.clone(),
                nonce_memo(&[]),
                transfer.clone(),
            ],
            ErrorCode::InvalidExactSvmPayloadTransactionInstructionNotSplTokenTransferChecked,
        ),
        (
            vec![
                limit.clone(),
                price.clone(),
                transfer.clone(),
                spl_memo_interface::instruction::build_memo(&memo_program(), b"short", &[]),
            ],
            ErrorCode::InvalidExactSvmPayloadTransactionInstructions,
        ),
    ];
    for (instructions, expected) in cases {
        let tx = c.custom(&instructions).await;
        assert_eq!(code(check_payment(&tx, &req, &fp)), expected);
    }
}

#[tokio::test]
async fn a_payment_without_funds_is_refused_by_the_ledger() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let poor = Keypair::new();
    c.ledger
        .create_token_account(&c.fee_payer, &c.mint, &poor.pubkey())
        .unwrap();
    let payment = build_payment(&poor, &req).unwrap();
    let tx = check_payment(&payment, &req, &c.fee_payer.pubkey())
        .unwrap()
        .co_sign(&c.fee_payer);
    assert!(matches!(
        c.ledger.settle(&tx).await,
        Err(LedgerError::Refused(_))
    ));
    assert_eq!(c.ledger.token_balance(&c.seller.pubkey(), &c.mint), 0);
}

#[tokio::test]
async fn mint_decimals_are_read_from_the_chain() {
    let c = chain();
    assert_eq!(c.ledger.mint_decimals(&c.mint).await.unwrap(), 6);
    assert!(matches!(
        c.ledger.mint_decimals(&c.seller.pubkey()).await,
        Err(LedgerError::NotAMint(_))
    ));
}

#[tokio::test]
async fn transfers_that_move_nothing_or_cost_the_fee_payer_are_refused() {
    let c = chain();
    let req = c.requirement(PRICE).await;
    let fp = c.fee_payer.pubkey();
    let [limit, price] = budget();
    let seller_ata = associated_token_address(&c.seller.pubkey(), &c.mint);
    // A delegate of payTo's account "paying" payTo from payTo's own account.
    let self_transfer = spl_token_interface::instruction::transfer_checked(
        &token_program(),
        &seller_ata,
        &c.mint,
        &seller_ata,
        &c.buyer.pubkey(),
        &[],
        PRICE,
        6,
    )
    .unwrap();
    let tx = c
        .custom(&[limit.clone(), price.clone(), self_transfer, nonce_memo(&[])])
        .await;
    assert_eq!(
        code(check_payment(&tx, &req, &fp)),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );
    // Another account of the buyer's than its associated one.
    let stray = Keypair::new().pubkey();
    let from_stray = spl_token_interface::instruction::transfer_checked(
        &token_program(),
        &associated_token_address(&stray, &c.mint),
        &c.mint,
        &seller_ata,
        &c.buyer.pubkey(),
        &[],
        PRICE,
        6,
    )
    .unwrap();
    let tx = c
        .custom(&[limit, price.clone(), from_stray, nonce_memo(&[])])
        .await;
    assert_eq!(
        code(check_payment(&tx, &req, &fp)),
        ErrorCode::InvalidExactSvmPayloadTransaction
    );
    // A compute unit limit that would make the fee payer pay for 1.4M units.
    let greedy = ComputeBudgetInstruction::set_compute_unit_limit(1_400_000);
    let tx = c
        .custom(&[
            greedy,
            price,
            c.transfer(&c.buyer.pubkey(), PRICE),
            nonce_memo(&[]),
        ])
        .await;
    assert_eq!(
        code(check_payment(&tx, &req, &fp)),
        ErrorCode::InvalidExactSvmPayloadTransactionInstructionsComputeLimitInstruction
    );
}
