//! The x402-zk prover service: `POST /v1/proofs` turns a receipt, the buyer's
//! secret and a seller's terms into a `zk-receipt` payment payload, for buyers
//! that cannot prove themselves (small devices, agents without the proving key).
//!
//! **A prover service sees the witness**: the receipt and the payer secret, hence
//! which payment paid for which request. Buyers should prove locally
//! (`x402-zk prove`, the client crate) or use a prover they run themselves.
//!
//! Proofs run on a bounded pool ([`PoolOptions`]): `workers` at once and at most
//! `queue` waiting; beyond that a request gets `503` + `Retry-After` (an estimate
//! from the recent proof time) instead of unbounded latency. Identical requests
//! within the cache's TTL get the same proof back without proving again; the
//! cache key is a hash of the whole request, and a hit is returned only if its
//! statement equals the one the request itself yields, so it can never answer
//! with a proof bound to another context. The routes carry the shared limits of
//! `x402_zk_service` (body size, per-client rate, timeout) and its probes;
//! `/ready` answers 503 until the prover's tables are built.
//!
//! ```no_run
//! # async fn run(pk: x402_zk_prover::ProvingKey) {
//! use x402_zk_prover_service::{app, PoolOptions, ProverState};
//! use x402_zk_service::Limits;
//!
//! let state = ProverState::start(pk, PoolOptions::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:4023").await.unwrap();
//! axum::serve(listener, app(state, &Limits::default())).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod handler;
mod pool;
mod serve;

pub use pool::PoolOptions;
pub use serve::{serve, Config, ServeError};

use axum::{routing::post, Router};
use std::sync::{Arc, OnceLock};
use x402_zk_protocol::proving::{ProofResponse, PROOFS_PATH};
use x402_zk_prover::{Prover, ProvingKey};
use x402_zk_service::{service_router, Limits, Readiness};

/// The service's state; clones share it.
#[derive(Clone)]
pub struct ProverState(Arc<Inner>);

struct Inner {
    prover: OnceLock<Prover>,
    pool: pool::Pool,
    cache: moka::sync::Cache<[u8; 32], Arc<ProofResponse>>,
    readiness: Readiness,
}

impl ProverState {
    /// Starts preparing the prover for `pk` on a background thread (about a
    /// second); until it is ready, `/ready` and proof requests answer 503.
    pub fn start(pk: ProvingKey, options: PoolOptions) -> Self {
        let state = Self::new(options);
        let s = state.clone();
        std::thread::spawn(move || match Prover::new(&pk) {
            Ok(prover) => {
                let _ = s.0.prover.set(prover);
                s.0.readiness.mark_started();
                tracing::info!("prover ready");
            }
            // Not ready forever: the orchestrator sees /ready fail and the log says why.
            Err(e) => tracing::error!(error = %e, "cannot prepare the prover for this proving key"),
        });
        state
    }

    /// Prepares the prover for `pk` now (blocking), then returns a ready state.
    pub fn prepared(
        pk: &ProvingKey,
        options: PoolOptions,
    ) -> Result<Self, x402_zk_prover::ProveError> {
        let state = Self::new(options);
        let _ = state.0.prover.set(Prover::new(pk)?);
        state.0.readiness.mark_started();
        Ok(state)
    }

    fn new(options: PoolOptions) -> Self {
        // The recorder must exist before the pool sets its gauges.
        x402_zk_telemetry::register("prover");
        let cache = moka::sync::Cache::builder()
            .max_capacity(options.cache_entries)
            .time_to_live(options.cache_ttl)
            .build();
        ProverState(Arc::new(Inner {
            prover: OnceLock::new(),
            pool: pool::Pool::new(&options),
            cache,
            readiness: Readiness::starting(),
        }))
    }

    /// Requests in the pool now, waiting or proving.
    pub fn admitted(&self) -> usize {
        self.0.pool.admitted()
    }

    /// The readiness `/ready` reports (draining on shutdown).
    pub fn readiness(&self) -> Readiness {
        self.0.readiness.clone()
    }
}

/// The prover service's routes: `POST /v1/proofs` behind `limits`, and the probes.
pub fn app(state: ProverState, limits: &Limits) -> Router {
    let readiness = state.readiness();
    let api = Router::new()
        .route(PROOFS_PATH, post(handler::prove))
        .with_state(state);
    service_router("prover", api, limits, readiness)
}
