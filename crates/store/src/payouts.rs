//! What a pooled issuer owes sellers, and the payouts that settle it.
//!
//! A receipt issued in pooled mode records a [`Debt`] in the same transaction as
//! the receipt itself, so every issued receipt is owed exactly once. A payout
//! moves through these states, each recorded before the next step is taken:
//!
//! ```text
//! debts (unassigned) ──open──▶ Open ──signed tx recorded──▶ Signed ──landed──▶ Confirmed
//!        ▲                                                    │
//!        └────────────── expired (can never land): debts released ◀─┘
//! ```
//!
//! A crash anywhere leaves either unassigned debts (paid by a later payout), an
//! `Open` payout (nothing was sent: sign it), or a `Signed` one (its recorded
//! transaction is sent again: a Solana transaction lands at most once).

use crate::StoreError;
use async_trait::async_trait;

/// Largest amount of one debt or one payout: amounts are stored as SQL `BIGINT`.
pub const MAX_AMOUNT: u64 = i64::MAX as u64;

/// What one pooled receipt owes its seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debt {
    /// The mint (base58).
    pub asset: String,
    /// The seller's `payTo` (base58 wallet address).
    pub pay_to: String,
    /// Atomic units, `1..=MAX_AMOUNT`.
    pub amount: u64,
}

/// Unassigned debts to one seller in one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    /// The mint.
    pub asset: String,
    /// The seller's `payTo`.
    pub pay_to: String,
    /// Sum of the debts (a `u128`: it cannot overflow).
    pub amount: u128,
    /// How many receipts.
    pub receipts: u64,
    /// Unix time of the oldest.
    pub oldest: u64,
}

/// Where a payout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutState {
    /// Debts assigned, no transaction yet: nothing was sent.
    Open,
    /// The signed transaction is recorded; it may have been sent.
    Signed,
    /// The transaction landed: the seller was paid.
    Confirmed,
    /// The transaction can never land (its blockhash expired unused, or it
    /// failed); its debts were released to a later payout.
    Expired,
}

impl PayoutState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutState::Open => "open",
            PayoutState::Signed => "signed",
            PayoutState::Confirmed => "confirmed",
            PayoutState::Expired => "expired",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "open" => PayoutState::Open,
            "signed" => PayoutState::Signed,
            "confirmed" => PayoutState::Confirmed,
            "expired" => PayoutState::Expired,
            other => return Err(StoreError::Corrupt(format!("payout state {other:?}"))),
        })
    }
}

/// One transfer pool → seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    /// Unique id (also in the transaction's memo, so two payouts of the same
    /// amount never make the same transaction).
    pub id: String,
    /// The mint.
    pub asset: String,
    /// The seller's `payTo`.
    pub pay_to: String,
    /// Sum of its debts.
    pub amount: u64,
    /// How many receipts it pays for.
    pub receipts: u64,
    /// Where it is.
    pub state: PayoutState,
    /// The transaction id (base58 signature) once signed.
    pub transaction: Option<String>,
    /// The signed transaction (base64 wire format) once signed.
    pub wire: Option<String>,
    /// Why it expired.
    pub detail: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last change.
    pub updated_at: u64,
}

/// The accounting of a pooled issuer. Every method is one database transaction,
/// and every state change is conditional on the state it leaves, so concurrent
/// payout jobs (several issuer instances on one PostgreSQL) never assign a debt
/// twice or record two transactions for one payout.
#[async_trait]
pub trait PayoutStore: Send + Sync {
    /// Unassigned debts, per (asset, seller), in that order.
    async fn owed(&self) -> Result<Vec<Owed>, StoreError>;

    /// Assigns up to `max_receipts` of the oldest unassigned debts to `pay_to` in
    /// `asset` to a new `Open` payout `id` (fewer if their sum would exceed
    /// [`MAX_AMOUNT`]); `None` if none are unassigned.
    async fn open_payout(
        &self,
        id: &str,
        asset: &str,
        pay_to: &str,
        max_receipts: u64,
        now: u64,
    ) -> Result<Option<Payout>, StoreError>;

    /// Records the signed transaction of an `Open` payout (before it is sent)
    /// and returns the payout as it now is: if another job recorded one first,
    /// that one (send only the recorded transaction).
    async fn record_signed(
        &self,
        id: &str,
        transaction: &str,
        wire: &str,
        now: u64,
    ) -> Result<Payout, StoreError>;

    /// `Signed` → `Confirmed`; false if it was not `Signed`.
    async fn confirm_payout(&self, id: &str, now: u64) -> Result<bool, StoreError>;

    /// `Signed` with `transaction` → `Expired`, and its debts become unassigned
    /// again, atomically. Only call it once the transaction can never land.
    async fn expire_payout(
        &self,
        id: &str,
        transaction: &str,
        detail: &str,
        now: u64,
    ) -> Result<bool, StoreError>;

    /// `Open` and `Signed` payouts, oldest first.
    async fn unfinished_payouts(&self) -> Result<Vec<Payout>, StoreError>;

    /// The newest `limit` payouts, newest first.
    async fn payouts(&self, limit: u64) -> Result<Vec<Payout>, StoreError>;

    /// One payout.
    async fn payout(&self, id: &str) -> Result<Option<Payout>, StoreError>;
}
