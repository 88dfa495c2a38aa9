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
//!
//! Payout job of a pooled issuer (in `serve issuer`):
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `pool_owed_amount` | gauge | `asset`, `pay_to`: atomic units owed to a seller, not yet in a payout (an f64: exact below 2^53) |
//! | `pool_owed_receipts` | gauge | `asset`, `pay_to`: receipts behind it |
//! | `payouts_total` | counter | `result`: `confirmed` or `expired` (could never land; its debts are owed again) |
//! | `payout_amount_total` | counter | `asset`: atomic units paid out |
//! | `payouts_unfinished` | gauge | — (payouts opened or sent, not yet confirmed) |
//! | `payout_run_failures_total` | counter | — (runs stopped by the store or the ledger; the next resumes) |
//! | `payouts_landed_after_expiry_total` | counter | — (a payout judged expired landed after all: its debts may be paid twice; should stay 0) |
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

/// Describes (`# HELP`) and registers at zero the metrics `service` exports,
/// so dashboards and alerts see every series from the first scrape (`rate()` of
/// a counter that appears only on its first error misses that error).
pub fn register(service: &'static str) {
    prometheus();
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "http_requests_total",
        "API requests answered, by service and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "API request latency, by service"
    );
    describe_gauge!(
        "requests_in_flight",
        "API requests being handled, by service"
    );
    describe_counter!(
        "rate_limited_total",
        "Requests answered 429 (per-client rate)"
    );
    describe_counter!(
        "requests_shed_total",
        "Requests answered 503: overloaded or timeout"
    );
    metrics::gauge!("requests_in_flight", "service" => service).increment(0.0);
    metrics::counter!("rate_limited_total", "service" => service).increment(0);
    for reason in ["overloaded", "timeout"] {
        metrics::counter!("requests_shed_total", "service" => service, "reason" => reason)
            .increment(0);
    }
    match service {
        "prover" => {
            describe_histogram!(
                "proof_generation_duration_seconds",
                Unit::Seconds,
                "Time to compute one proof, without queueing"
            );
            describe_counter!("proofs_total", "Proof requests, by result");
            describe_counter!(
                "proof_cache_hits_total",
                "Proof requests answered from the cache"
            );
            describe_counter!(
                "proof_cache_misses_total",
                "Proof requests not in the cache"
            );
            describe_gauge!("proof_cache_entries", "Proofs in the cache");
            describe_gauge!("proofs_in_flight", "Proofs being computed");
            describe_gauge!("proof_queue_depth", "Proof requests waiting for a worker");
            describe_gauge!("proof_queue_capacity", "Proof requests that may wait");
            describe_gauge!("proof_workers", "Proofs computed at once");
            for result in ["proved", "cached", "invalid", "overloaded", "failed"] {
                metrics::counter!("proofs_total", "result" => result).increment(0);
            }
            metrics::counter!("proof_cache_hits_total").increment(0);
            metrics::counter!("proof_cache_misses_total").increment(0);
            metrics::gauge!("proof_cache_entries").increment(0.0);
        }
        "facilitator" => {
            describe_histogram!(
                "verify_duration_seconds",
                Unit::Seconds,
                "Time of one Groth16 verification"
            );
            describe_counter!("verifications_total", "/verify answers, by result");
            describe_counter!("settlements_total", "/settle answers, by result");
            describe_counter!("nullifiers_spent_total", "Nullifiers spent");
            describe_counter!("store_errors_total", "Store failures, by operation");
            metrics::counter!("verifications_total", "result" => "valid").increment(0);
            metrics::counter!("settlements_total", "result" => "settled").increment(0);
            metrics::counter!("nullifiers_spent_total").increment(0);
            for op in ["reserve", "spend", "ping"] {
                metrics::counter!("store_errors_total", "op" => op).increment(0);
            }
        }
        "issuer" => {
            describe_counter!("receipts_issued_total", "Receipts issued");
            describe_counter!(
                "receipt_refusals_total",
                "Receipt requests refused, by code"
            );
            describe_histogram!(
                "ledger_settle_duration_seconds",
                Unit::Seconds,
                "Time to send and confirm one payment"
            );
            describe_counter!("store_errors_total", "Store failures, by operation");
            metrics::counter!("receipts_issued_total").increment(0);
            describe_gauge!(
                "pool_owed_amount",
                "Atomic units a pooled issuer owes a seller, not yet in a payout"
            );
            describe_gauge!("pool_owed_receipts", "Receipts behind pool_owed_amount");
            describe_counter!("payouts_total", "Payouts finished, by result");
            describe_counter!("payout_amount_total", "Atomic units paid out, by asset");
            describe_gauge!(
                "payouts_unfinished",
                "Payouts opened or sent, not confirmed"
            );
            describe_counter!(
                "payout_run_failures_total",
                "Payout runs stopped by the store or the ledger"
            );
            for result in ["confirmed", "expired"] {
                metrics::counter!("payouts_total", "result" => result).increment(0);
            }
            metrics::gauge!("payouts_unfinished").increment(0.0);
            metrics::counter!("payout_run_failures_total").increment(0);
            describe_counter!(
                "payouts_landed_after_expiry_total",
                "Payouts judged expired that landed after all (should stay 0)"
            );
            metrics::counter!("payouts_landed_after_expiry_total").increment(0);
            for op in ["record", "lookup", "ping"] {
                metrics::counter!("store_errors_total", "op" => op).increment(0);
            }
        }
        _ => {}
    }
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
