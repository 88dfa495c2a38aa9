//! Where payments settle: one trait, two backends ([`crate::LiteSvmLedger`],
//! embedded; [`crate::RpcLedger`], Solana JSON-RPC by URL).

use async_trait::async_trait;
use solana_address::Address;
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;
use std::time::Duration;

/// Why a ledger did not settle a transaction.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The chain refused the transaction; nothing moved.
    #[error("the ledger refused the transaction: {0}")]
    Refused(String),
    /// Sent, but not seen confirmed in time; it may still land. Retry the same
    /// transaction: a settled one is recognised, never paid twice.
    #[error("the transaction was not confirmed within {0:?}; retry the same transaction")]
    NotConfirmed(Duration),
    /// The mint does not exist or is not an SPL Token mint.
    #[error("{0} is not an SPL Token mint on this ledger")]
    NotAMint(Address),
    /// The ledger could not be reached or answered nonsense.
    #[error("the ledger is unavailable: {0}")]
    Unavailable(String),
}

/// What became of a transaction sent before, or perhaps never sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It executed successfully.
    Landed,
    /// It executed and failed: nothing moved, and it can never execute again.
    Failed(String),
    /// It did not land and never will: its blockhash expired.
    Expired,
    /// It may still land: ask again later.
    Pending,
}

/// A Solana ledger the issuer settles `exact` payments on.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// A blockhash new transactions may use.
    async fn latest_blockhash(&self) -> Result<Hash, LedgerError>;

    /// Decimals of an SPL Token mint.
    async fn mint_decimals(&self, mint: &Address) -> Result<u8, LedgerError>;

    /// Sends a fully signed transaction and waits until it is confirmed. A
    /// transaction the ledger already processed successfully counts as settled, so
    /// a retry after a crash or timeout is safe.
    async fn settle(&self, tx: &VersionedTransaction) -> Result<(), LedgerError>;

    /// Whether `owner` has its associated token account for `mint` (SPL Token).
    async fn has_token_account(&self, owner: &Address, mint: &Address)
        -> Result<bool, LedgerError>;

    /// A blockhash for a transaction whose fate [`Ledger::outcome`] must later
    /// judge: one the ledger's most final state already knows (JSON-RPC: at
    /// `finalized`), so that "no longer valid" there means expired, not "too
    /// new to know".
    async fn payout_blockhash(&self) -> Result<Hash, LedgerError> {
        self.latest_blockhash().await
    }

    /// What became of `tx`, signed under a [`Ledger::payout_blockhash`].
    /// [`Outcome::Expired`] is only answered once no block can include it any
    /// more, so a payer may then sign a new transaction for the same payment
    /// without paying twice, provided the ledger still holds the history of the
    /// transaction's time (a node with trimmed history answers "unknown" for an
    /// old transaction that did land: callers must not trust `Expired` for old
    /// transactions).
    async fn outcome(&self, tx: &VersionedTransaction) -> Result<Outcome, LedgerError>;
}
