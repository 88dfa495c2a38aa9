//! The x402 facilitator for scheme `zk-receipt`: `POST /verify`, `POST /settle`,
//! `GET /supported`, as the x402 facilitator API defines them, plus `GET /health`,
//! `GET /ready` (the store answers) and `GET /metrics` (Prometheus text, see
//! `x402_zk_telemetry`). The API routes carry the shared limits of
//! `x402_zk_service` ([`AppState::limits`]).
//!
//! It pins one verifying key and the issuers it trusts, checks every public input
//! against the requirement (destination, price, issuer, context, recency with a
//! stated clock skew), verifies the proof, and drives the nullifier through the
//! store: `/verify` reserves it, `/settle` spends it (idempotently).
//!
//! ```no_run
//! # async fn run(state: x402_zk_facilitator::AppState) {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:4020").await.unwrap();
//! axum::serve(listener, x402_zk_facilitator::app(state)).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod handlers;
mod serve;

pub use serve::{serve, serve_on, Config, ServeError};
pub use x402_zk_service::shutdown_signal;

use axum::{
    routing::{get, post},
    Router,
};
use std::sync::Arc;
use x402_zk_primitives::eddsa::PublicKey;
use x402_zk_service::{service_router, store_ping, Limits, Readiness};
use x402_zk_store::NullifierStore;
use x402_zk_verifier::{Verifier, VerifyingKey};

/// Current unix time, injectable for tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Everything the handlers need.
#[derive(Clone)]
pub struct AppState {
    /// The pinned verifying key (its hash must match requirements' `extra.vkHash`).
    pub vk: Arc<VerifyingKey>,
    /// `vk`, prepared.
    pub verifier: Arc<Verifier>,
    /// Issuers this facilitator accepts at all (requirements may narrow the set).
    pub trusted_issuers: Arc<Vec<PublicKey>>,
    /// CAIP-2 networks served (listed by `/supported`).
    pub networks: Arc<Vec<String>>,
    /// Nullifier store.
    pub store: Arc<dyn NullifierStore>,
    /// Tolerated clock difference with buyers, seconds.
    pub clock_skew_seconds: u64,
    /// How long a `/verify` reservation holds before it is released, seconds
    /// (at least the requirement's `maxTimeoutSeconds` is used).
    pub reservation_seconds: u64,
    /// Unix time source.
    pub clock: Clock,
    /// Body size, per-client rate, in-flight cap and timeout of the API routes.
    pub limits: Limits,
}

impl AppState {
    /// State with the system clock, 60 s of skew, 300 s reservations and the
    /// default [`Limits`].
    pub fn new(
        vk: VerifyingKey,
        trusted_issuers: Vec<PublicKey>,
        networks: Vec<String>,
        store: Arc<dyn NullifierStore>,
    ) -> Self {
        AppState {
            verifier: Arc::new(Verifier::new(&vk)),
            vk: Arc::new(vk),
            trusted_issuers: Arc::new(trusted_issuers),
            networks: Arc::new(networks),
            store,
            clock_skew_seconds: 60,
            reservation_seconds: 300,
            clock: Arc::new(x402_zk_protocol::unix_now),
            limits: Limits::default(),
        }
    }
}

/// Ready while the nullifier store answers.
pub fn readiness(state: &AppState) -> Readiness {
    let store = state.store.clone();
    Readiness::ready().with_check(store_ping("nullifier store", move || {
        let store = store.clone();
        async move { store.ping().await }
    }))
}

/// The facilitator's routes, with `readiness` behind `/ready`.
pub fn app_with(state: AppState, readiness: Readiness) -> Router {
    let limits = state.limits.clone();
    let api = Router::new()
        .route("/verify", post(handlers::verify))
        .route("/settle", post(handlers::settle))
        .route("/supported", get(handlers::supported))
        .with_state(state);
    service_router("facilitator", api, &limits, readiness)
}

/// The facilitator's routes; `/ready` pings the store.
pub fn app(state: AppState) -> Router {
    let readiness = readiness(&state);
    app_with(state, readiness)
}
