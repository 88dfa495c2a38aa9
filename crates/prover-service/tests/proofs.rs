//! `POST /v1/proofs` through `oneshot`: real proofs that verify, the cache, every
//! refusal, the bounded queue and readiness.

mod common;

use common::*;
use serde_json::Value;
use std::time::Duration;
use x402_zk_protocol::proving::ProofResponse;
use x402_zk_prover_service::{app, PoolOptions, ProverState};
use x402_zk_service::Limits;
use x402_zk_verifier::Verifier;

fn no_rate_limit() -> Limits {
    Limits {
        rate_limit: None,
        ..Limits::default()
    }
}

fn ready_app(options: PoolOptions) -> (ProverState, axum::Router) {
    let state = ProverState::prepared(&keys().0, options).unwrap();
    (state.clone(), app(state, &no_rate_limit()))
}

fn verifies(answer: &Value) -> ProofResponse {
    let answer: ProofResponse = serde_json::from_value(answer.clone()).unwrap();
    let (statement, proof) = answer.payload.decode().unwrap();
    assert_eq!(statement, answer.statement);
    Verifier::new(&keys().1).verify(&statement, &proof).unwrap();
    answer
}

#[tokio::test]
async fn proves_caches_and_never_crosses_contexts() {
    let (_, app) = ready_app(PoolOptions::default());
    let req = request(1, "challenge-a");
    let body = serde_json::to_string(&req).unwrap();

    let (status, _, first) = post(&app, body.clone()).await;
    assert_eq!(status, 200, "{first}");
    let first = verifies(&first);
    assert!(!first.cached);
    assert_eq!(first.statement.context, req.policy.policy().context);
    assert!(first.timings.prove_ms > 0.0);

    // The same request again: the same proof, from the cache.
    let (status, _, again) = post(&app, body).await;
    assert_eq!(status, 200);
    let again = verifies(&again);
    assert!(again.cached);
    assert_eq!(again.payload, first.payload);

    // Another challenge for the same receipt: a fresh proof bound to its context.
    let other = request(1, "challenge-b");
    let (status, _, third) = post(&app, serde_json::to_string(&other).unwrap()).await;
    assert_eq!(status, 200);
    let third = verifies(&third);
    assert!(!third.cached);
    assert_eq!(third.statement.context, other.policy.policy().context);
    assert_ne!(third.statement.context, first.statement.context);
    assert_ne!(third.payload, first.payload);

    let (_, metrics) = get(&app, "/metrics").await;
    for name in [
        "proof_cache_hits_total",
        "proof_cache_misses_total",
        "proof_generation_duration_seconds_bucket",
        "proofs_total{result=\"proved\"}",
        "http_requests_total{service=\"prover\",status=\"200\"}",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test]
async fn refuses_bad_input_with_x402_codes() {
    let (_, app) = ready_app(PoolOptions::default());
    let cases: Vec<(&str, Value, u16, &str)> = {
        let good = serde_json::to_value(request(2, "c")).unwrap();
        let mut wrong_secret = good.clone();
        wrong_secret["payerSecret"] = "12345".into();
        let mut too_cheap = good.clone();
        too_cheap["policy"]["minAmount"] = "25001".into();
        let mut stale = good.clone();
        stale["policy"]["notBefore"] = "1700000001".into();
        let mut other_dest = good.clone();
        other_dest["policy"]["payTo"] = "someone-else".into();
        let mut other_issuer = good.clone();
        other_issuer["policy"]["issuer"] = serde_json::to_value(
            x402_zk_primitives::eddsa::SecretKey::from_bytes([1; 32]).public_key(),
        )
        .unwrap();
        let mut forged = good.clone();
        forged["receipt"]["amount"] = "99999999".into();
        let mut unknown_field = good.clone();
        unknown_field["extra"] = 1.into();
        let mut not_a_number = good.clone();
        not_a_number["payerSecret"] = "0x12".into();
        vec![
            (
                "wrong secret",
                wrong_secret,
                400,
                "invalid_zk_receipt_payer_secret",
            ),
            (
                "price above amount",
                too_cheap,
                400,
                "invalid_zk_receipt_amount",
            ),
            (
                "paid before notBefore",
                stale,
                400,
                "invalid_zk_receipt_stale",
            ),
            ("another dest", other_dest, 400, "invalid_zk_receipt_dest"),
            (
                "another issuer",
                other_issuer,
                400,
                "invalid_zk_receipt_issuer",
            ),
            (
                "altered receipt",
                forged,
                400,
                "invalid_zk_receipt_signature",
            ),
            ("unknown field", unknown_field, 400, "invalid_payload"),
            ("secret not decimal", not_a_number, 400, "invalid_payload"),
        ]
    };
    for (what, body, status, code) in cases {
        let (got, _, json) = post(&app, body.to_string()).await;
        assert_eq!(
            (got, json["error"].as_str()),
            (status, Some(code)),
            "{what}: {json}"
        );
        assert!(!json["message"].as_str().unwrap().is_empty(), "{what}");
    }
    let (got, _, json) = post(&app, "{not json".into()).await;
    assert_eq!(
        (got, json["error"].as_str()),
        (400, Some("invalid_payload"))
    );
    let (got, _, json) = post(&app, format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000))).await;
    assert_eq!((got, json["error"].as_str()), (413, Some("body_too_large")));
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after() {
    // One worker, nobody may wait: while a proof runs, the next request is refused.
    let (state, app) = ready_app(PoolOptions {
        workers: 1,
        queue: 0,
        ..PoolOptions::default()
    });
    let first = {
        let app = app.clone();
        tokio::spawn(
            async move { post(&app, serde_json::to_string(&request(3, "q")).unwrap()).await },
        )
    };
    while state.admitted() == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (status, retry, json) = post(&app, serde_json::to_string(&request(4, "q")).unwrap()).await;
    assert_eq!(
        (status, json["error"].as_str()),
        (503, Some("overloaded")),
        "{json}"
    );
    assert!(retry.is_some_and(|s| s >= 1), "Retry-After is missing");
    let (status, _, json) = first.await.unwrap();
    assert_eq!(status, 200);
    verifies(&json);
    assert_eq!(state.admitted(), 0, "the place is released");
    // With the worker free again, the refused request goes through.
    let (status, _, _) = post(&app, serde_json::to_string(&request(4, "q")).unwrap()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn not_ready_until_the_tables_are_built() {
    let state = ProverState::start(keys().0.clone(), PoolOptions::default());
    let app = app(state, &no_rate_limit());
    // Building the tables takes far longer than these two requests.
    let (status, _) = get(&app, "/ready").await;
    assert_eq!(status, 503);
    let (status, retry, json) = post(&app, serde_json::to_string(&request(5, "r")).unwrap()).await;
    assert_eq!((status, json["error"].as_str()), (503, Some("not_ready")));
    assert_eq!(retry, Some(1));
    let (status, _) = get(&app, "/health").await;
    assert_eq!(status, 200, "alive while starting");
    for _ in 0..600 {
        if get(&app, "/ready").await.0 == 200 {
            let (status, _, json) =
                post(&app, serde_json::to_string(&request(5, "r")).unwrap()).await;
            assert_eq!(status, 200);
            verifies(&json);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the prover never became ready");
}
