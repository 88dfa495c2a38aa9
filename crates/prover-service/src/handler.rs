//! `POST /v1/proofs`.
//!
//! Statuses: 200 with a [`ProofResponse`]; 400 for a body that does not parse
//! (`invalid_payload`) or a receipt that cannot prove the policy (the x402 code
//! of the reason: `invalid_zk_receipt_amount`, `…_stale`, `…_signature`, …); 413
//! for a body over the limit; 503 + `Retry-After` while starting (`not_ready`) or
//! when the queue is full (`overloaded`); 422 `unprovable_receipt` for a valid
//! receipt of the fraction below 2^−100 the circuit cannot prove
//! (`ProveError::OutsideCircuitBounds`); 500 `proving_failed` only if a checked
//! witness fails to prove, which is a bug. Bodies are never logged.

use crate::{pool::Pool, ProverState};
use axum::{
    extract::{rejection::JsonRejection, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use sha2::{Digest, Sha256};
use std::{sync::Arc, time::Instant};
use x402_zk_primitives::Witness;
use x402_zk_protocol::{
    proving::{witness_rejection, ProofRequest, ProofResponse, ProofTimings},
    ZkReceiptPayload,
};
use x402_zk_service::error_response;

/// The cache key: SHA-256 over a domain tag and the request's canonical JSON,
/// streamed into the hash (no buffer holds the secret).
fn cache_key(req: &ProofRequest) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"x402-zk/prover-cache/v1\0");
    serde_json::to_writer(&mut h, req).expect("plain data serializes");
    h.finalize().into()
}

fn refuse(
    result: &'static str,
    status: StatusCode,
    code: &str,
    message: &str,
    retry: Option<u64>,
) -> Response {
    metrics::counter!("proofs_total", "result" => result).increment(1);
    tracing::info!(result, code, "proof refused");
    error_response(status, code, message, retry)
}

pub(crate) async fn prove(
    State(s): State<ProverState>,
    body: Result<Json<ProofRequest>, JsonRejection>,
) -> Response {
    let req = match body {
        Ok(Json(req)) => req,
        Err(e) => {
            return match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => refuse(
                    "invalid",
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is over this service's limit",
                    None,
                ),
                _ => refuse(
                    "invalid",
                    StatusCode::BAD_REQUEST,
                    "invalid_payload",
                    &e.body_text(),
                    None,
                ),
            };
        }
    };
    let inner = &s.0;
    if inner.prover.get().is_none() {
        return refuse(
            "overloaded",
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the prover is still preparing its tables; retry in a second",
            Some(1),
        );
    }
    let policy = req.policy.policy();
    let witness = Witness {
        receipt: req.receipt,
        payer_secret: req.payer_secret.clone(),
    };
    // Checked before the cache and the queue: a bad receipt costs a signature check.
    let statement = match witness.statement(&policy) {
        Ok(statement) => statement,
        Err(e) => {
            let r = witness_rejection(&e);
            return refuse(
                "invalid",
                StatusCode::BAD_REQUEST,
                &r.code.as_str(),
                &r.message,
                None,
            );
        }
    };

    let key = cache_key(&req);
    if let Some(hit) = inner.cache.get(&key) {
        // The hit must be a proof of exactly this request's statement (context
        // included); anything else would be a collision or a bug: prove afresh.
        if hit.statement == statement {
            metrics::counter!("proof_cache_hits_total").increment(1);
            metrics::counter!("proofs_total", "result" => "cached").increment(1);
            let mut answer = (*hit).clone();
            answer.cached = true;
            answer.timings = ProofTimings {
                queue_ms: 0.0,
                prove_ms: 0.0,
            };
            return Json(answer).into_response();
        }
        tracing::error!("proof cache returned another statement; proving afresh");
    }
    metrics::counter!("proof_cache_misses_total").increment(1);

    let Some(mut place) = Pool::try_admit(inner) else {
        let retry = inner.pool.retry_after_seconds();
        return refuse(
            "overloaded",
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "every prover worker is busy and the queue is full; retry after the Retry-After seconds",
            Some(retry),
        );
    };
    let queued = Instant::now();
    place.work().await;
    let queue_ms = queued.elapsed().as_secs_f64() * 1e3;
    // The proof runs to completion even if the client goes away (the place is
    // moved in); its result is cached, so a retry gets it at once.
    let proved = tokio::task::spawn_blocking(move || {
        let inner = place.inner().clone();
        let prover = inner.prover.get().expect("checked above");
        let started = Instant::now();
        let result = prover.prove(&witness, &policy, &mut rand::rngs::OsRng);
        let elapsed = started.elapsed();
        drop(place);
        let (proven, proof) = result?;
        inner.pool.record_proof_time(elapsed);
        metrics::histogram!("proof_generation_duration_seconds").record(elapsed.as_secs_f64());
        let answer = Arc::new(ProofResponse {
            payload: ZkReceiptPayload::new(&proven, &proof),
            statement: proven,
            cached: false,
            timings: ProofTimings {
                queue_ms,
                prove_ms: elapsed.as_secs_f64() * 1e3,
            },
        });
        inner.cache.insert(key, answer.clone());
        metrics::gauge!("proof_cache_entries").set(inner.cache.entry_count() as f64);
        Ok::<_, x402_zk_prover::ProveError>(answer)
    })
    .await;
    match proved {
        Ok(Ok(answer)) => {
            debug_assert_eq!(answer.statement, statement);
            metrics::counter!("proofs_total", "result" => "proved").increment(1);
            tracing::info!(queue_ms, prove_ms = answer.timings.prove_ms, "proved");
            Json((*answer).clone()).into_response()
        }
        Ok(Err(e @ x402_zk_prover::ProveError::OutsideCircuitBounds)) => refuse(
            "invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprovable_receipt",
            &e.to_string(),
            None,
        ),
        failed => {
            let why = match failed {
                Ok(Err(e)) => e.to_string(),
                Err(e) => format!("proving task: {e}"),
                Ok(Ok(_)) => unreachable!(),
            };
            tracing::error!(error = %why, "a checked witness failed to prove");
            refuse(
                "failed",
                StatusCode::INTERNAL_SERVER_ERROR,
                "proving_failed",
                "the proof could not be computed; this is a bug, please report it",
                None,
            )
        }
    }
}
