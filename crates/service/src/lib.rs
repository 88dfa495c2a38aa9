//! What every x402-zk HTTP service shares, so the prover, the facilitator, the
//! issuer and the reference seller behave alike under load:
//!
//! - **limits** on the API routes ([`Limits`]): a body limit (`413`), a per-client
//!   token bucket (`429` + `Retry-After`), a cap on requests in flight (`503` +
//!   `Retry-After`) and a request timeout (`503` + `Retry-After`, never a hung
//!   connection);
//! - **probes** outside the limits: `GET /health` (alive), `GET /ready`
//!   ([`Readiness`]: starting, draining or a failed dependency answer `503`) and
//!   `GET /metrics` (Prometheus text);
//! - **request metrics** per service: `http_requests_total{service,status}`,
//!   `http_request_duration_seconds{service}`, `requests_in_flight{service}`,
//!   `rate_limited_total{service}`, `requests_shed_total{service,reason}`;
//! - **graceful shutdown** ([`serve`]): on SIGTERM `/ready` turns `503` and
//!   in-flight requests finish.
//!
//! ```
//! use axum::{routing::get, Router};
//! use x402_zk_service::{service_router, Limits, Readiness};
//!
//! let api = Router::new().route("/hello", get(|| async { "hi" }));
//! let app: Router = service_router("example", api, &Limits::default(), Readiness::ready());
//! # let _ = app;
//! ```
#![deny(missing_docs)]

mod guard;
mod limits;
mod probes;
mod serve;

pub use guard::error_response;
pub use limits::{LimitArgs, Limits, RateLimit};
pub use probes::{store_ping, Readiness, ReadyCheck};
pub use serve::{serve, shutdown_signal};

use axum::{routing::get, Router};

/// `api` with the limits and request metrics of [`Limits`], plus the probes
/// (`/health`, `/ready`, `/metrics`), which no limit applies to.
pub fn service_router(
    service: &'static str,
    api: Router,
    limits: &Limits,
    readiness: Readiness,
) -> Router {
    x402_zk_telemetry::register(service);
    let probes = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(probes::ready))
        .route("/metrics", get(x402_zk_telemetry::render))
        .with_state(readiness);
    guard::apply(service, api, limits).merge(probes)
}
