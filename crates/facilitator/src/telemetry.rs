//! Prometheus metrics (text format at `GET /metrics`):
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `verify_duration_seconds` | histogram | — (the Groth16 check of one proof) |
//! | `verifications_total` | counter | `result`: `valid` or the x402 error code |
//! | `settlements_total` | counter | `result`: `settled`, `repeated` or the error code |
//! | `nullifiers_spent_total` | counter | — |
//! | `store_errors_total` | counter | `op`: `reserve` or `spend` |

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The process-wide recorder, installed on first use.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1];
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full("verify_duration_seconds".into()), &buckets)
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
