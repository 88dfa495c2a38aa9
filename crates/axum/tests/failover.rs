//! The seller's facilitator client fails over: a dead facilitator is skipped,
//! and when none can answer the error names each one and why.

use axum::{http::StatusCode, routing::post, Json, Router};
use x402_zk_axum::{PaymentVerifier, RemoteFacilitator};
use x402_zk_protocol::{FacilitatorRequest, PaymentPayload, PaymentRequirements};

fn request() -> FacilitatorRequest {
    let requirement = PaymentRequirements {
        scheme: "zk-receipt".into(),
        network: "solana:test".into(),
        amount: "1".into(),
        asset: "MINT".into(),
        pay_to: "SELLER".into(),
        max_timeout_seconds: 60,
        extra: Default::default(),
    };
    FacilitatorRequest {
        x402_version: 2,
        payment_payload: PaymentPayload {
            x402_version: 2,
            resource: None,
            accepted: requirement.clone(),
            payload: serde_json::json!({}),
            extensions: Default::default(),
        },
        payment_requirements: requirement,
    }
}

#[tokio::test]
async fn a_dead_facilitator_is_skipped_and_a_failing_one_named() {
    // A stand-in facilitator: verifies, but its /settle is down (503).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let live = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route(
            "/verify",
            post(|| async { Json(serde_json::json!({"isValid": true, "payer": "zk:1"})) }),
        )
        .route(
            "/settle",
            post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "store down") }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let facilitators = RemoteFacilitator::with_failover([dead.clone(), live.clone()]);
    let verified = facilitators.verify(&request()).await.unwrap();
    assert!(verified.is_valid);
    let e = facilitators.settle(&request()).await.unwrap_err();
    assert!(e.0.contains(&dead), "{e}");
    assert!(e.0.contains(&format!("{live}: HTTP 503")), "{e}");
}
