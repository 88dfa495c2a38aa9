//! The process-wide Prometheus recorder behind every service's `GET /metrics`
//! (text format). One recorder per process, so services embedded together (the
//! demo runs issuer, facilitator and seller in one process) share one registry.
//!
//! ```
//! let registry = x402_zk_telemetry::prometheus(); // installs the recorder once
//! metrics::counter!("receipts_issued_total").increment(1);
//! assert!(registry.render().contains("receipts_issued_total 1"));
//! ```
//!
//! Every service (`service`: `prover`, `facilitator`, `issuer`, `seller`), on its
//! API routes (not on the probes):
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `http_requests_total` | counter | `service`, `status` (numeric) |
//! | `http_request_duration_seconds` | histogram | `service` |
//! | `requests_in_flight` | gauge | `service` |
//! | `rate_limited_total` | counter | `service` (answered 429) |
//! | `requests_shed_total` | counter | `service`, `reason`: `overloaded` or `timeout` (answered 503) |
//!
//! Prover service:
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `proof_generation_duration_seconds` | histogram | — (one proof, without queueing) |
//! | `proofs_total` | counter | `result`: `proved`, `cached`, `invalid`, `overloaded`, `failed` |
//! | `proof_cache_hits_total`, `proof_cache_misses_total` | counter | — |
//! | `proof_cache_entries` | gauge | — |
//! | `proofs_in_flight`, `proof_queue_depth` | gauge | — (proving; waiting) |
//! | `proof_workers`, `proof_queue_capacity` | gauge | — (configured sizes) |
//!
//! Facilitator, issuer and seller:
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `verify_duration_seconds` | histogram | — (the Groth16 check of one proof) |
//! | `verifications_total` | counter | `result`: `valid` or the x402 error code |
//! | `settlements_total` | counter | `result`: `settled`, `repeated` or the error code |
//! | `nullifiers_spent_total` | counter | — |
//! | `store_errors_total` | counter | `op`: `reserve`, `spend` (facilitator), `record`, `lookup` (issuer), `ping` (readiness) |
//! | `receipts_issued_total` | counter | — (issuer) |
//! | `receipt_refusals_total` | counter | `code`: the x402 error code (issuer) |
//! | `ledger_settle_duration_seconds` | histogram | — (issuer: send and confirm one payment) |
//! | `seller_payments_total` | counter | `result`: `settled` or the error code (seller layer) |
#![deny(missing_docs)]

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The process-wide recorder, installed on first use.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1];
        let settle_buckets = [0.0005, 0.001, 0.005, 0.05, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
        let proof_buckets = [
            0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0,
        ];
        let request_buckets = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("proof_generation_duration_seconds".into()),
                &proof_buckets,
            )
            .expect("buckets are non-empty")
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &request_buckets,
            )
            .expect("buckets are non-empty")
            .set_buckets_for_metric(Matcher::Full("verify_duration_seconds".into()), &buckets)
            .expect("buckets are non-empty")
            .set_buckets_for_metric(
                Matcher::Full("ledger_settle_duration_seconds".into()),
                &settle_buckets,
            )
            .expect("buckets are non-empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed by an embedding program; then
        // this handle renders only what it records itself.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// `GET /metrics`.
pub async fn render() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        prometheus().render(),
    )
}
