//! The x402 `exact` scheme on Solana (`scheme_exact_svm.md`): the buyer builds and
//! partially signs a versioned transaction, the settler checks it by the scheme's
//! rules and co-signs it as fee payer.
//!
//! Layout accepted (the scheme's MUSTs, a little stricter where noted):
//! `[SetComputeUnitLimit, SetComputeUnitPrice, TransferChecked, Memo]`, where
//! * the compute unit limit is at most 20,000 (stricter than the scheme: it bounds
//!   what the fee payer can be made to pay) and the price at most 5 lamports per unit;
//! * `TransferChecked` is the SPL Token program's (Token-2022 is not accepted here),
//!   moves exactly `amount` of `asset` from ATA(authority, `asset`) into
//!   ATA(`payTo`, `asset`), and the authority is not `payTo`;
//! * the memo (Memo v3) holds the requirement's `extra.memo` or a random nonce of at
//!   least 16 bytes, hex-encoded, so every payment is a distinct transaction;
//! * the fee payer is the settler's key, appears in no instruction and is neither
//!   source nor authority; the authority has signed; no address lookup tables, no
//!   account key twice.

use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};
use solana_address::Address;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{v0, VersionedMessage};
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use std::str::FromStr;
use x402_zk_primitives::field::parse_u64;
use x402_zk_protocol::{ErrorCode, PaymentRequirements, Rejection};

/// The scheme identifier.
pub const SCHEME: &str = "exact";
/// Highest compute unit price accepted, micro-lamports (the reference limit).
pub const MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS: u64 = 5_000_000;
/// Compute unit limit buyers set: TransferChecked and a memo fit with room to spare.
pub const COMPUTE_UNIT_LIMIT: u32 = 20_000;
/// Compute unit price buyers set, micro-lamports.
pub const COMPUTE_UNIT_PRICE_MICROLAMPORTS: u64 = 1;
/// Largest serialized transaction Solana accepts.
const MAX_TRANSACTION_BYTES: usize = 1232;

/// The SPL Token program.
pub fn token_program() -> Address {
    spl_token_interface::ID
}

/// The Memo program x402 requires (v3, `MemoSq4…`).
pub fn memo_program() -> Address {
    spl_memo_interface::v3::ID
}

/// The associated token account of `owner` for `mint` (SPL Token).
pub fn associated_token_address(owner: &Address, mint: &Address) -> Address {
    spl_associated_token_account_interface::address::get_associated_token_address(owner, mint)
}

/// `extra` of an `exact` requirement on Solana. `feePayer` is the scheme's;
/// `decimals` and `recentBlockhash` are this project's additions so that a buyer
/// without RPC access (the embedded ledger has none) can build the transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExactSvmExtra {
    /// The settler's key; it pays the fees and signs first.
    pub fee_payer: String,
    /// Decimals of the mint (`TransferChecked` states them).
    pub decimals: u8,
    /// A blockhash the ledger currently accepts.
    pub recent_blockhash: String,
    /// Memo to use instead of a random nonce (at most 256 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

impl ExactSvmExtra {
    /// Reads a requirement's `extra`.
    pub fn from_requirements(r: &PaymentRequirements) -> Result<Self, Rejection> {
        serde_json::from_value(serde_json::Value::Object(r.extra.clone())).map_err(|e| {
            Rejection::new(
                ErrorCode::InvalidPaymentRequirements,
                format!("extra of an exact requirement on Solana: {e}"),
            )
        })
    }
}

/// The `payload` of an `exact` payment on Solana.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactSvmPayload {
    /// Base64 of the bincode-serialized, partially signed versioned transaction.
    pub transaction: String,
}

/// Parses a base58 address, naming the field on failure.
pub fn parse_address(what: &str, value: &str) -> Result<Address, Rejection> {
    Address::from_str(value).map_err(|_| {
        Rejection::new(
            ErrorCode::InvalidPaymentRequirements,
            format!("{what} {value:?} is not a base58 Solana address"),
        )
    })
}

fn parse_amount(r: &PaymentRequirements) -> Result<u64, Rejection> {
    parse_u64(&r.amount).map_err(|e| {
        Rejection::new(
            ErrorCode::InvalidPaymentRequirements,
            format!("amount: {e}"),
        )
    })
}

/// Builds the buyer's payment for `requirement` and signs it as the transfer
/// authority; the fee payer's signature slot is left empty for the settler.
pub fn build_payment(
    buyer: &Keypair,
    requirement: &PaymentRequirements,
) -> Result<ExactSvmPayload, Rejection> {
    use solana_compute_budget_interface::ComputeBudgetInstruction;
    let extra = ExactSvmExtra::from_requirements(requirement)?;
    let fee_payer = parse_address("extra.feePayer", &extra.fee_payer)?;
    let mint = parse_address("asset", &requirement.asset)?;
    let pay_to = parse_address("payTo", &requirement.pay_to)?;
    let amount = parse_amount(requirement)?;
    let blockhash = Hash::from_str(&extra.recent_blockhash).map_err(|_| {
        Rejection::new(
            ErrorCode::InvalidPaymentRequirements,
            "extra.recentBlockhash is not a base58 hash",
        )
    })?;
    let owner = buyer.pubkey();
    let transfer = spl_token_interface::instruction::transfer_checked(
        &token_program(),
        &associated_token_address(&owner, &mint),
        &mint,
        &associated_token_address(&pay_to, &mint),
        &owner,
        &[],
        amount,
        extra.decimals,
    )
    .map_err(|e| Rejection::new(ErrorCode::InvalidPaymentRequirements, e.to_string()))?;
    let memo = match &extra.memo {
        Some(m) => m.clone().into_bytes(),
        None => hex::encode(rand::random::<[u8; 16]>()).into_bytes(),
    };
    let instructions = [
        ComputeBudgetInstruction::set_compute_unit_limit(COMPUTE_UNIT_LIMIT),
        ComputeBudgetInstruction::set_compute_unit_price(COMPUTE_UNIT_PRICE_MICROLAMPORTS),
        transfer,
        spl_memo_interface::instruction::build_memo(&memo_program(), &memo, &[]),
    ];
    let message = v0::Message::try_compile(&fee_payer, &instructions, &[], blockhash)
        .map_err(|e| Rejection::new(ErrorCode::InvalidPaymentRequirements, e.to_string()))?;
    let message = VersionedMessage::V0(message);
    let signers = usize::from(message.header().num_required_signatures);
    let mut signatures = vec![Signature::default(); signers];
    let index = message
        .static_account_keys()
        .iter()
        .take(signers)
        .position(|k| *k == owner)
        .expect("the transfer authority is a required signer");
    signatures[index] = buyer.sign_message(&message.serialize());
    let tx = VersionedTransaction {
        signatures,
        message,
    };
    let bytes = bincode::serialize(&tx).expect("a transaction serializes");
    Ok(ExactSvmPayload {
        transaction: STANDARD.encode(bytes),
    })
}

/// A payment that passed every rule; co-sign it with [`CheckedPayment::co_sign`].
#[derive(Debug, Clone)]
pub struct CheckedPayment {
    /// The transaction as the buyer signed it.
    pub transaction: VersionedTransaction,
    /// The transfer authority (the buyer's wallet).
    pub authority: Address,
    /// Amount moved, atomic units.
    pub amount: u64,
}

impl CheckedPayment {
    /// Adds the fee payer's signature. Ed25519 is deterministic, so the result,
    /// and with it the transaction id (`signatures[0]`), depends only on the
    /// buyer's transaction: the id is known before anything is sent.
    pub fn co_sign(mut self, fee_payer: &Keypair) -> VersionedTransaction {
        let message = self.transaction.message.serialize();
        self.transaction.signatures[0] = fee_payer.sign_message(&message);
        self.transaction
    }
}

fn reject(code: ErrorCode, message: impl Into<String>) -> Rejection {
    Rejection::new(code, message)
}

/// Decodes the buyer's transaction and checks it against `requirement` and the
/// settler's `fee_payer`, by the rules listed in the module documentation.
pub fn check_payment(
    payload: &ExactSvmPayload,
    requirement: &PaymentRequirements,
    fee_payer: &Address,
) -> Result<CheckedPayment, Rejection> {
    use ErrorCode::*;
    let malformed = |m: &str| reject(InvalidExactSvmPayloadTransaction, m.to_string());
    let bytes = STANDARD
        .decode(&payload.transaction)
        .map_err(|_| malformed("transaction is not base64"))?;
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(malformed("transaction is larger than 1232 bytes"));
    }
    let tx: VersionedTransaction = bincode::deserialize(&bytes)
        .map_err(|_| malformed("transaction does not decode as a versioned transaction"))?;
    if bincode::serialize(&tx).ok().as_deref() != Some(&bytes[..]) {
        return Err(malformed("transaction has trailing or non-canonical bytes"));
    }
    tx.sanitize()
        .map_err(|e| malformed(&format!("transaction is not well-formed: {e}")))?;
    let VersionedMessage::V0(message) = &tx.message else {
        return Err(malformed("a versioned (v0) transaction is required"));
    };
    if !message.address_table_lookups.is_empty() {
        return Err(malformed("address lookup tables are not accepted"));
    }
    let keys = &message.account_keys;
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != keys.len() {
        return Err(malformed("an account key appears twice"));
    }
    if keys.first() != Some(fee_payer) {
        return Err(malformed("the fee payer is not extra.feePayer"));
    }
    if message.header.num_required_signatures != 2 || tx.signatures.len() != 2 {
        return Err(malformed(
            "exactly two signers are expected: the fee payer, then the transfer authority",
        ));
    }
    let ix = &message.instructions;
    if ix.len() != 4 {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionsLength,
            format!(
                "{} instructions; expected compute limit, compute price, TransferChecked, memo",
                ix.len()
            ),
        ));
    }
    let program = |i: usize| keys.get(usize::from(ix[i].program_id_index));
    let account = |i: usize, a: usize| -> Option<&Address> {
        ix[i]
            .accounts
            .get(a)
            .and_then(|k| keys.get(usize::from(*k)))
    };
    // Compute budget: [2, u32 LE] then [3, u64 LE].
    let budget = solana_compute_budget_interface::ID;
    if program(0) != Some(&budget) || ix[0].data.len() != 5 || ix[0].data[0] != 2 {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionsComputeLimitInstruction,
            "the first instruction must be SetComputeUnitLimit",
        ));
    }
    if program(1) != Some(&budget) || ix[1].data.len() != 9 || ix[1].data[0] != 3 {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionsComputePriceInstruction,
            "the second instruction must be SetComputeUnitPrice",
        ));
    }
    // The fee payer pays `limit × price`: both are bounded, so a buyer cannot make
    // the settler pay more than 20,000 CU × 5 lamports in priority fees.
    let limit = u32::from_le_bytes(ix[0].data[1..5].try_into().expect("4 bytes"));
    if limit > COMPUTE_UNIT_LIMIT {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionsComputeLimitInstruction,
            format!("compute unit limit {limit} exceeds {COMPUTE_UNIT_LIMIT}"),
        ));
    }
    let price = u64::from_le_bytes(ix[1].data[1..9].try_into().expect("8 bytes"));
    if price > MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionsComputePriceInstructionTooHigh,
            format!("compute unit price {price} µlamports exceeds {MAX_COMPUTE_UNIT_PRICE_MICROLAMPORTS}"),
        ));
    }
    // TransferChecked: data [12, amount u64 LE, decimals], accounts
    // [source, mint, destination, authority].
    if program(2) != Some(&token_program()) {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructionNotSplTokenTransferChecked,
            "the third instruction must be the SPL Token program's TransferChecked",
        ));
    }
    let t = &ix[2];
    if t.data.len() != 10 || t.data[0] != 12 || t.accounts.len() != 4 {
        return Err(reject(
            InvalidExactSvmPayloadTransactionNotATransferInstruction,
            "the third instruction is not TransferChecked",
        ));
    }
    let (source, mint, destination, authority) =
        match (account(2, 0), account(2, 1), account(2, 2), account(2, 3)) {
            (Some(s), Some(m), Some(d), Some(a)) => (*s, *m, *d, *a),
            _ => {
                return Err(malformed(
                    "TransferChecked names an account index out of range",
                ))
            }
        };
    let asset = parse_address("asset", &requirement.asset)?;
    if mint != asset {
        return Err(reject(
            InvalidExactSvmPayloadTransactionMintMismatch,
            format!("transfer moves mint {mint}, the requirement asks for {asset}"),
        ));
    }
    let pay_to = parse_address("payTo", &requirement.pay_to)?;
    if destination != associated_token_address(&pay_to, &asset) {
        return Err(reject(
            InvalidExactSvmPayloadTransactionTransferToIncorrectAta,
            "transfer destination is not the associated token account of payTo",
        ));
    }
    // Money must move from the authority's own account to the seller's: a transfer
    // from payTo's account to itself (possible for a delegate) moves nothing.
    if source != associated_token_address(&authority, &asset)
        || source == destination
        || authority == pay_to
    {
        return Err(malformed(
            "the transfer must move tokens from the authority's associated token account to payTo's",
        ));
    }
    let amount = u64::from_le_bytes(t.data[1..9].try_into().expect("8 bytes"));
    let price = parse_amount(requirement)?;
    if amount != price {
        return Err(reject(
            InvalidExactSvmPayloadTransactionAmountMismatch,
            format!("transfer moves {amount}, the requirement asks for exactly {price}"),
        ));
    }
    // Memo v3 with the required value or a nonce of >= 16 random bytes in hex.
    if program(3) != Some(&memo_program()) {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructions,
            "the fourth instruction must be a Memo (MemoSq4…)",
        ));
    }
    let memo = &ix[3].data;
    let extra = ExactSvmExtra::from_requirements(requirement).ok();
    let memo_ok = match extra.and_then(|e| e.memo) {
        Some(required) => memo == required.as_bytes(),
        None => memo.len() >= 32 && memo.len() <= 256 && memo.iter().all(u8::is_ascii_hexdigit),
    };
    if !memo_ok {
        return Err(reject(
            InvalidExactSvmPayloadTransactionInstructions,
            "the memo must hold extra.memo or a random nonce of at least 16 bytes in hex",
        ));
    }
    // The fee payer pays fees only: it is in no instruction, and neither the source
    // nor the authority.
    let names_fee_payer = |i: &solana_message::compiled_instruction::CompiledInstruction| {
        i.accounts
            .iter()
            .any(|k| keys.get(usize::from(*k)) == Some(fee_payer))
    };
    if ix.iter().any(names_fee_payer) || authority == *fee_payer || source == *fee_payer {
        return Err(reject(
            InvalidExactSvmPayloadTransactionFeePayerIncludedInInstructionAccounts,
            "the fee payer must not appear in any instruction",
        ));
    }
    if keys.get(1) != Some(&authority) {
        return Err(malformed(
            "the second signer must be the transfer authority",
        ));
    }
    let signed = tx.verify_with_results();
    if signed.get(1) != Some(&true) {
        return Err(malformed(
            "the transfer authority's signature is missing or invalid; sign the transaction",
        ));
    }
    Ok(CheckedPayment {
        authority,
        amount,
        transaction: tx,
    })
}

/// The id `payload` would settle under if `fee_payer` co-signed it, so a settler
/// can find an earlier settlement of the same payment before judging it again;
/// with the second signer (the transfer authority). `None` if it does not decode,
/// names another fee payer, or lacks the authority's valid signature (so an
/// earlier settlement is only ever found for the payment its payer signed).
pub fn prospective_id(payload: &ExactSvmPayload, fee_payer: &Keypair) -> Option<(String, Address)> {
    let bytes = STANDARD.decode(&payload.transaction).ok()?;
    let tx: VersionedTransaction = bincode::deserialize(&bytes).ok()?;
    let keys = tx.message.static_account_keys();
    if keys.first() != Some(&fee_payer.pubkey()) {
        return None;
    }
    let authority = *keys.get(1)?;
    let signed_by_authority = tx.signatures.len() == 2 && *tx.verify_with_results().get(1)?;
    if !signed_by_authority {
        return None;
    }
    let id = fee_payer.sign_message(&tx.message.serialize()).to_string();
    Some((id, authority))
}

/// The transaction id (base58 of the first signature) of a co-signed transaction.
pub fn transaction_id(tx: &VersionedTransaction) -> String {
    tx.signatures
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The `exact` requirement paying `amount` of `mint` to `pay_to`, settled by
/// `fee_payer`, on `network`.
#[allow(clippy::too_many_arguments)]
pub fn exact_requirement(
    network: &str,
    mint: &Address,
    pay_to: &Address,
    amount: u64,
    max_timeout_seconds: u64,
    fee_payer: &Address,
    decimals: u8,
    recent_blockhash: &Hash,
) -> PaymentRequirements {
    let extra = ExactSvmExtra {
        fee_payer: fee_payer.to_string(),
        decimals,
        recent_blockhash: recent_blockhash.to_string(),
        memo: None,
    };
    let extra = match serde_json::to_value(extra).expect("plain data serializes") {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("a struct serializes to an object"),
    };
    PaymentRequirements {
        scheme: SCHEME.into(),
        network: network.into(),
        amount: amount.to_string(),
        asset: mint.to_string(),
        pay_to: pay_to.to_string(),
        max_timeout_seconds,
        extra,
    }
}
