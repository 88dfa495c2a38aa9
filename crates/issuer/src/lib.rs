//! The receipt issuer. `POST /v1/receipts` is itself an x402 resource paid with the
//! standard `exact` scheme on Solana: the buyer posts the seller's `zk-receipt`
//! requirement and its `payer_commitment`, gets a 402 whose `exact` requirement pays
//! the seller's `payTo`, and retries with a partially signed transaction in
//! `PAYMENT-SIGNATURE`. The issuer checks it by the SVM exact-scheme rules,
//! co-signs as fee payer, settles it on its [`Ledger`] and waits for confirmation,
//! records the payment durably, and only then returns the signed receipt.
//!
//! One payment never yields two receipts: the payment id (`H2F(network,
//! transaction)`) is the store's key. Retrying the same paid request (after a
//! timeout or a crash anywhere in the sequence) returns the same receipt; the same
//! payment with another commitment is refused with `duplicate_settlement`.
//!
//! **Settlement.** In [`Settlement::Direct`] mode the `exact` payment goes to the
//! seller's `payTo`, so the chain shows which wallet paid which seller. In
//! [`Settlement::Pooled`] mode it goes to the issuer's pool (the receipt still
//! binds the seller's destination), each receipt records what it owes its seller
//! in the same transaction, and a [`PayoutJob`] pays sellers in aggregate, pool →
//! seller: the chain shows buyer → pool and pool → seller, never buyer → seller.
//!
//! ```no_run
//! # async fn run(state: x402_zk_issuer::IssuerState) {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:4021").await.unwrap();
//! axum::serve(listener, x402_zk_issuer::app(state)).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod handlers;
mod payouts;
mod serve;

pub use payouts::{PayoutError, PayoutJob, PayoutPolicy, PayoutRun};
pub use serve::{
    read_keypair, serve_on, Config, Issuer, LedgerKind, PayoutArgs, ServeError, SettlementMode,
};

use axum::{
    routing::{get, post},
    Router,
};
use std::sync::Arc;
use x402_zk_primitives::eddsa::SecretKey;
use x402_zk_protocol::issuance::RECEIPTS_PATH;
use x402_zk_service::{service_router, store_ping, Limits, Readiness};
use x402_zk_store::IssuedStore;
use x402_zk_svm::{Address, Keypair, Ledger};

/// Where buyers' payments go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// To the seller's `payTo`: simple, and the chain links buyer and seller.
    Direct,
    /// To the issuer's pool (the wallet `pool`; payments land in its associated
    /// token account): sellers are paid by [`PayoutJob`]s.
    Pooled {
        /// The pool's wallet address.
        pool: Address,
    },
}

/// Current unix time, injectable for tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Everything the handlers need.
#[derive(Clone)]
pub struct IssuerState {
    /// The receipt-signing key (never logged).
    pub key: Arc<SecretKey>,
    /// The Solana key that co-signs payments and pays their fees.
    pub fee_payer: Arc<Keypair>,
    /// Where payments settle.
    pub ledger: Arc<dyn Ledger>,
    /// The CAIP-2 network of `ledger`.
    pub network: String,
    /// Issued receipts by payment id.
    pub store: Arc<dyn IssuedStore>,
    /// The URL buyers reach this issuer at (the 402's `resource.url` is
    /// `{public_url}/v1/receipts`).
    pub public_url: String,
    /// How long the buyer has to pay after the 402, seconds.
    pub max_timeout_seconds: u64,
    /// Mints receipts are sold for; empty accepts any SPL Token mint (then anyone
    /// can make the fee payer pay fees for transfers of a worthless token).
    pub assets: Vec<String>,
    /// Unix time source.
    pub clock: Clock,
    /// Body size, per-client rate, in-flight cap and timeout of `/v1/receipts`
    /// (the timeout must exceed the ledger's confirmation wait).
    pub limits: Limits,
    /// Direct or pooled.
    pub settlement: Settlement,
}

/// The issuer's default limits: [`Limits::default`] with a 90 s timeout, above
/// the 60 s a confirmation may take.
pub fn default_limits() -> Limits {
    Limits {
        request_timeout: std::time::Duration::from_secs(90),
        ..Limits::default()
    }
}

impl IssuerState {
    /// State with the system clock, 60 s to pay, [`default_limits`] and direct
    /// settlement.
    pub fn new(
        key: SecretKey,
        fee_payer: Keypair,
        ledger: Arc<dyn Ledger>,
        network: impl Into<String>,
        store: Arc<dyn IssuedStore>,
        public_url: impl Into<String>,
    ) -> Self {
        IssuerState {
            key: Arc::new(key),
            fee_payer: Arc::new(fee_payer),
            ledger,
            network: network.into(),
            store,
            public_url: public_url.into().trim_end_matches('/').to_string(),
            max_timeout_seconds: 60,
            assets: Vec::new(),
            clock: Arc::new(x402_zk_protocol::unix_now),
            limits: default_limits(),
            settlement: Settlement::Direct,
        }
    }
}

/// Ready while the issued-receipt store answers.
pub fn readiness(state: &IssuerState) -> Readiness {
    let store = state.store.clone();
    Readiness::ready().with_check(store_ping("issued-receipt store", move || {
        let store = store.clone();
        async move { store.ping().await }
    }))
}

/// The issuer's routes with `readiness` behind `/ready`.
pub fn app_with(state: IssuerState, readiness: Readiness) -> Router {
    let limits = state.limits.clone();
    let api = Router::new()
        .route(RECEIPTS_PATH, post(handlers::receipts))
        .route("/v1/issuer", get(handlers::describe))
        .with_state(state);
    service_router("issuer", api, &limits, readiness)
}

/// The issuer's routes: `POST /v1/receipts`, `GET /v1/issuer`, `GET /health`,
/// `GET /ready` (the store answers), `GET /metrics`.
pub fn app(state: IssuerState) -> Router {
    let readiness = readiness(&state);
    app_with(state, readiness)
}
