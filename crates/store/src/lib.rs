//! Durable state of the x402-zk services: the **nullifier store** (each receipt is
//! spent once, across crashes and restarts), the **issued-payment store** (one
//! receipt per settled payment, recorded before it is returned) and the **payout
//! store** (what a pooled issuer owes each seller, and the payouts that settle it;
//! [`payouts`]). One trait per store; SQLite (embedded, a file in the data dir) and
//! PostgreSQL (by URL, shared by several instances) behind all three.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use x402_zk_store::{NullifierStore, Reservation, Spend, Store};
//! use x402_zk_primitives::FieldElement;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(&format!("sqlite://{}/state.db", dir.path().display())).await.unwrap();
//! let n = FieldElement::from(42u64);
//! // /verify reserves for one payment (a hash of the request) until an expiry…
//! assert_eq!(store.reserve(&n, "payment-1", 1_000, 1_060).await.unwrap(), Reservation::Reserved);
//! // …and refuses any second reservation, even of the same payment (a replay).
//! assert!(matches!(store.reserve(&n, "payment-1", 1_001, 1_061).await.unwrap(), Reservation::Refused(_)));
//! // /settle spends it; the same settle again gets the same answer.
//! assert_eq!(store.spend(&n, "payment-1", 1_002).await.unwrap(), Spend::Spent);
//! assert_eq!(store.spend(&n, "payment-1", 1_003).await.unwrap(), Spend::AlreadySpentBySamePayment);
//! # }
//! ```
#![deny(missing_docs)]

pub mod payouts;
mod sql;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use x402_zk_primitives::FieldElement;

pub use payouts::{Debt, Owed, Payout, PayoutState, PayoutStore};
pub use sql::Store;

/// A failure of the storage backend (not a refusal).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported backend.
    #[error("unsupported store URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    Url(String),
    /// The database refused or could not be reached.
    #[error("store backend error: {0}")]
    Backend(#[from] sqlx::Error),
    /// The database holds a value this build does not understand.
    #[error("store holds an unexpected value: {0}")]
    Corrupt(String),
    /// The caller asked to store a value the schema cannot hold.
    #[error("{0}")]
    Invalid(String),
}

/// Why a nullifier cannot be reserved or spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Spent (by any payment).
    Spent,
    /// Reserved by a live reservation.
    Reserved,
}

/// Outcome of [`NullifierStore::reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved for this payment until the expiry.
    Reserved,
    /// Refused: the nullifier is spent or reserved (a second reservation, even by the
    /// same payment, is a replay).
    Refused(Conflict),
}

/// Outcome of [`NullifierStore::spend`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spend {
    /// Spent now, by this payment.
    Spent,
    /// This payment spent it before: settlement is idempotent, answer as before.
    AlreadySpentBySamePayment,
    /// Refused: spent by another payment, or reserved by another live payment.
    Refused(Conflict),
}

/// The state of a nullifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NullifierState {
    /// Never seen, or its reservation expired.
    Free,
    /// Reserved by `payment` until `expires_at`.
    Reserved {
        /// Payment id (hash of the request) holding it.
        payment: String,
        /// Unix seconds.
        expires_at: u64,
    },
    /// Spent by `payment`.
    Spent {
        /// Payment id that spent it.
        payment: String,
    },
}

/// Nullifiers: reserve at `/verify`, spend at `/settle`. Every operation is one
/// atomic statement, so concurrent callers (threads, processes, instances sharing a
/// PostgreSQL database) see exactly one winner.
#[async_trait]
pub trait NullifierStore: Send + Sync {
    /// Reserves `nullifier` for `payment` until `expires_at` if it is free (never
    /// seen, or its reservation expired by `now`).
    async fn reserve(
        &self,
        nullifier: &FieldElement,
        payment: &str,
        now: u64,
        expires_at: u64,
    ) -> Result<Reservation, StoreError>;

    /// Spends `nullifier` for `payment`: allowed if free, or reserved by the same
    /// payment, or reserved by another whose reservation expired by `now`.
    async fn spend(
        &self,
        nullifier: &FieldElement,
        payment: &str,
        now: u64,
    ) -> Result<Spend, StoreError>;

    /// The current state at time `now`.
    async fn state(&self, nullifier: &FieldElement, now: u64)
        -> Result<NullifierState, StoreError>;

    /// One round trip to the database (readiness probes).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Outcome of [`IssuedStore::record_issued`] (a new record and its debt, or the
/// receipt recorded before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issued {
    /// Recorded now: the caller may return this receipt.
    New,
    /// A receipt was issued for this payment before; here it is.
    Existing(String),
}

/// Outcome of [`IssuedStore::bind_payment_identifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierBinding {
    /// The id was free and now names this payment.
    New,
    /// The id already names this payment (a retry).
    Same,
    /// The id names another payment: refuse (x402: 409).
    Conflict,
}

/// Receipts issued per settled payment: never two for one payment.
#[async_trait]
pub trait IssuedStore: Send + Sync {
    /// Records `receipt` (JSON) for `payment_id` unless one exists, and with it
    /// what a pooled receipt owes its seller (`debt`), in one transaction.
    async fn record_issued(
        &self,
        payment_id: &FieldElement,
        receipt: &str,
        debt: Option<&Debt>,
        now: u64,
    ) -> Result<Issued, StoreError>;

    /// The receipt issued for `payment_id`, if any.
    async fn issued(&self, payment_id: &FieldElement) -> Result<Option<String>, StoreError>;

    /// Binds an x402 `payment-identifier` `id` to the payment it came with
    /// (`digest`), unless it is bound already: then says whether to the same one.
    async fn bind_payment_identifier(
        &self,
        id: &str,
        digest: &str,
        now: u64,
    ) -> Result<IdentifierBinding, StoreError>;

    /// One round trip to the database (readiness probes).
    async fn ping(&self) -> Result<(), StoreError>;
}
