//! Payouts of a pooled issuer: one ordinary SPL Token transfer from the pool's
//! token account to a seller's, for the receipts it is owed.

use crate::exact::{associated_token_address, memo_program, token_program};
use solana_address::Address;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{v0, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;

/// Compute units of a payout: the transfer and the memo, with room to spare.
pub const PAYOUT_COMPUTE_UNIT_LIMIT: u32 = 20_000;

/// What one payout pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutTransfer {
    /// The mint.
    pub mint: Address,
    /// Its decimals (`TransferChecked` checks them).
    pub decimals: u8,
    /// The seller's wallet; the transfer goes to its associated token account.
    pub pay_to: Address,
    /// Atomic units.
    pub amount: u64,
    /// The payout's id, carried as a memo: two payouts of the same amount to the
    /// same seller under one blockhash would otherwise be the same transaction,
    /// and the second would be taken for the first.
    pub memo: String,
}

/// The signed payout transaction: `TransferChecked` from ATA(`pool`, mint) to
/// ATA(`pay_to`, mint), authorised by `pool`, and the memo. It does not create
/// the seller's token account: the fee payer would pay its rent, and a seller
/// could close and reclaim it after every payout. A payout to a missing account
/// fails, and its debts wait for the next run.
pub fn payout_transaction(
    fee_payer: &Keypair,
    pool: &Keypair,
    transfer: &PayoutTransfer,
    blockhash: Hash,
) -> Result<VersionedTransaction, String> {
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    let pay = spl_token_interface::instruction::transfer_checked(
        &token_program(),
        &associated_token_address(&pool.pubkey(), &transfer.mint),
        &transfer.mint,
        &associated_token_address(&transfer.pay_to, &transfer.mint),
        &pool.pubkey(),
        &[],
        transfer.amount,
        transfer.decimals,
    )
    .map_err(|e| e.to_string())?;
    let instructions = [
        ComputeBudgetInstruction::set_compute_unit_limit(PAYOUT_COMPUTE_UNIT_LIMIT),
        ComputeBudgetInstruction::set_compute_unit_price(
            crate::exact::COMPUTE_UNIT_PRICE_MICROLAMPORTS,
        ),
        pay,
        spl_memo_interface::instruction::build_memo(&memo_program(), transfer.memo.as_bytes(), &[]),
    ];
    let message = v0::Message::try_compile(&fee_payer.pubkey(), &instructions, &[], blockhash)
        .map_err(|e| e.to_string())?;
    let message = VersionedMessage::V0(message);
    let signers: Vec<&Keypair> = if pool.pubkey() == fee_payer.pubkey() {
        vec![fee_payer]
    } else {
        vec![fee_payer, pool]
    };
    VersionedTransaction::try_new(message, &signers).map_err(|e| e.to_string())
}

/// A transaction in Solana's wire format, base64 (as stored and as sent).
pub fn transaction_to_wire(tx: &VersionedTransaction) -> String {
    use base64::{engine::general_purpose::STANDARD, Engine};
    STANDARD.encode(bincode::serialize(tx).expect("a transaction serializes"))
}

/// The transaction [`transaction_to_wire`] encoded; `None` if it does not decode.
pub fn transaction_from_wire(wire: &str) -> Option<VersionedTransaction> {
    use base64::{engine::general_purpose::STANDARD, Engine};
    let bytes = STANDARD.decode(wire).ok()?;
    bincode::deserialize(&bytes).ok()
}
