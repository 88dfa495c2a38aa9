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
//! - **security headers** on every response ([`SECURITY_HEADERS`]);
//! - **graceful shutdown** ([`serve`]): on SIGTERM `/ready` turns `503` and
//!   in-flight requests finish.
//!
//! ```
//! use axum::{http::StatusCode, routing::get, Router};
//! use x402_zk_service::{service_router, Limits, Readiness};
//!
//! let api = Router::new().route("/hello", get(|| async { "hi" }));
//! let app: Router = service_router("example", api, &Limits::default(), Readiness::ready());
//! # let _ = app;
//! ```
#![deny(missing_docs)]

mod guard;
mod headers;
mod limits;
mod probes;
mod serve;

pub use guard::error_response;
pub use headers::{with_security_headers, SECURITY_HEADERS};
pub use limits::{LimitArgs, Limits, RateLimit};
pub use probes::{store_ping, Readiness, ReadyCheck};
pub use serve::{serve, shutdown_signal};

use axum::{http::StatusCode, routing::get, Router};

/// `api` with the limits and request metrics of [`Limits`], plus the probes
/// (`/health`, `/ready`, `/metrics`), which no limit applies to; every response
/// carries [`SECURITY_HEADERS`].
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
    // Unknown paths and methods get the same JSON refusals as everything else;
    // unknown paths count against the client's rate like any API request.
    let api = api.fallback(|| async {
        error_response(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such route on this service",
            None,
        )
    });
    let router = guard::apply(service, api, limits)
        .merge(probes)
        .method_not_allowed_fallback(|| async {
            error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
                None,
            )
        });
    with_security_headers(router)
}
