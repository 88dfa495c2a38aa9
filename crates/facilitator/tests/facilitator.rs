//! The facilitator's HTTP API through `oneshot`: verify → settle with real proofs,
//! replays, every refusal code, and a restart between verify and settle.

mod common;

use axum::{body::Body, http::Request, Router};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use x402_zk_facilitator::app;
use x402_zk_primitives::eddsa::SecretKey;
use x402_zk_protocol::{FacilitatorRequest, ResourceInfo};

async fn post(app: &Router, path: &str, body: String) -> (u16, Value) {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn call(app: &Router, path: &str, req: &FacilitatorRequest) -> Value {
    let (status, body) = post(app, path, serde_json::to_string(req).unwrap()).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/facilitator.db", dir.path().display())
}

#[tokio::test]
async fn verify_settle_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state(&sqlite_url(&dir), NOW).await);

    let req = Request::get("/supported").body(Body::empty()).unwrap();
    let bytes = app
        .clone()
        .oneshot(req)
        .await
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let supported: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        supported["kinds"][0],
        json!({ "x402Version": 2, "scheme": "zk-receipt", "network": NETWORK })
    );
    assert_eq!(
        supported["kinds"][1],
        json!({ "x402Version": 1, "scheme": "zk-receipt", "network": NETWORK })
    );

    let pay = request(1, "c1", URL, &issuer());
    let v = call(&app, "/verify", &pay).await;
    assert_eq!(v["isValid"], true, "{v}");
    assert!(v["payer"].as_str().unwrap().starts_with("zk:"));
    // The same payment verified again is a replay.
    let again = call(&app, "/verify", &pay).await;
    assert_eq!(
        again["invalidReason"],
        "invalid_zk_receipt_nullifier_reserved"
    );

    let s = call(&app, "/settle", &pay).await;
    assert_eq!(s["success"], true, "{s}");
    assert_eq!(s["network"], NETWORK);
    let nullifier = s["transaction"].as_str().unwrap().to_string();
    assert!(!nullifier.is_empty() && s["payer"].as_str().is_some_and(|p| !p.is_empty()));
    assert_eq!(call(&app, "/settle", &pay).await, s, "settle is idempotent");
    assert_eq!(
        call(&app, "/verify", &pay).await["invalidReason"],
        "invalid_zk_receipt_nullifier_used"
    );

    // The same receipt proven again for another challenge: same nullifier, refused.
    let reproved = request(1, "c2", URL, &issuer());
    assert_eq!(
        call(&app, "/verify", &reproved).await["invalidReason"],
        "invalid_zk_receipt_nullifier_used"
    );
    let settle = call(&app, "/settle", &reproved).await;
    assert_eq!(
        (settle["success"].clone(), settle["transaction"].clone()),
        (json!(false), json!(""))
    );

    // Settling up front, without /verify.
    assert_eq!(
        call(&app, "/settle", &request(2, "c1", URL, &issuer())).await["success"],
        true
    );
}

#[tokio::test]
async fn refusals_carry_x402_codes() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state(&sqlite_url(&dir), NOW).await);
    let code = |v: Value| v["invalidReason"].as_str().unwrap().to_string();

    // A proof made for another route.
    let mut other_route = request(3, "c1", "https://seller.example/other", &issuer());
    other_route.payment_payload.resource = Some(ResourceInfo {
        url: URL.into(),
        description: None,
        mime_type: None,
    });
    assert_eq!(
        code(call(&app, "/verify", &other_route).await),
        "invalid_zk_receipt_context"
    );

    // A receipt from an issuer nobody trusts.
    let stranger = SecretKey::from_bytes([7; 32]);
    assert_eq!(
        code(call(&app, "/verify", &request(4, "c1", URL, &stranger)).await),
        "invalid_zk_receipt_issuer"
    );

    // A valid proof of another statement: swap the proofs of two payments.
    let (a, b) = (
        request(5, "c1", URL, &issuer()),
        request(6, "c1", URL, &issuer()),
    );
    let mut swapped = a.clone();
    swapped.payment_payload.payload["proof"] = b.payment_payload.payload["proof"].clone();
    assert_eq!(
        code(call(&app, "/verify", &swapped).await),
        "invalid_zk_receipt_proof"
    );

    // Tampered bytes that are no longer a curve point.
    let mut tampered = a.clone();
    tampered.payment_payload.payload["proof"] = json!("AQ==");
    assert_eq!(
        code(call(&app, "/verify", &tampered).await),
        "invalid_payload"
    );

    // A different price or destination in the requirement than proven.
    let mut wrong_dest = a.clone();
    wrong_dest.payment_requirements.pay_to = "someone-else".into();
    wrong_dest.payment_payload.accepted = wrong_dest.payment_requirements.clone();
    assert_eq!(
        code(call(&app, "/verify", &wrong_dest).await),
        "invalid_zk_receipt_dest"
    );
    let mut mismatch = a.clone();
    mismatch.payment_requirements.amount = "1".into();
    assert_eq!(
        code(call(&app, "/verify", &mismatch).await),
        "invalid_payment_requirements"
    );

    // Too old for the window, seen by a facilitator whose clock is two hours later.
    let late = app_at(&dir, NOW + 7200).await;
    assert_eq!(
        code(call(&late, "/verify", &a).await),
        "invalid_zk_receipt_stale"
    );

    // Unparseable bodies: 400 with invalid_payload, never a 500.
    for body in ["", "{", "{\"x402Version\": 2}", "[1,2,3]"] {
        let (status, v) = post(&app, "/verify", body.into()).await;
        assert_eq!(
            (status, code(v)),
            (400, "invalid_payload".to_string()),
            "{body:?}"
        );
    }
    // None of the refused payments consumed its receipt.
    assert_eq!(call(&app, "/verify", &a).await["isValid"], true);
}

async fn app_at(dir: &tempfile::TempDir, now: u64) -> Router {
    app(state(&sqlite_url(dir), now).await)
}

#[tokio::test]
async fn restart_between_verify_and_settle_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pay = request(8, "c1", URL, &issuer());
    {
        let first = app_at(&dir, NOW).await;
        assert_eq!(call(&first, "/verify", &pay).await["isValid"], true);
    } // the facilitator goes away
    let second = app_at(&dir, NOW + 5).await;
    // The reservation survived: a replay is still refused, the payment still settles.
    assert_eq!(
        call(&second, "/verify", &pay).await["invalidReason"],
        "invalid_zk_receipt_nullifier_reserved"
    );
    assert_eq!(call(&second, "/settle", &pay).await["success"], true);
    let third = app_at(&dir, NOW + 10).await;
    assert_eq!(
        call(&third, "/settle", &request(8, "c2", URL, &issuer())).await["success"],
        false,
        "spent once"
    );
}

#[tokio::test]
async fn serves_over_tcp_and_shuts_down_gracefully() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(x402_zk_facilitator::serve_on(
        listener,
        state(&sqlite_url(&dir), NOW).await,
        async {
            let _ = stopped.await;
        },
    ));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"));
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn v1_requests_are_verified_and_settled() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(state(&sqlite_url(&dir), NOW).await);
    let v2 = request(3, "c1", URL, &issuer());
    let resource = v2.payment_payload.resource.clone().unwrap();
    let v1 = json!({
        "x402Version": 1,
        "paymentPayload": {
            "x402Version": 1,
            "scheme": "zk-receipt",
            "network": "solana-devnet",
            "payload": v2.payment_payload.payload,
        },
        "paymentRequirements": x402_zk_protocol::PaymentRequirementsV1 {
            network: "solana-devnet".into(),
            ..x402_zk_protocol::PaymentRequirementsV1::from_v2(&v2.payment_requirements, &resource)
        },
    });
    let (status, v) = post(&app, "/verify", v1.to_string()).await;
    assert_eq!((status, v["isValid"].clone()), (200, json!(true)), "{v}");
    let (status, s) = post(&app, "/settle", v1.to_string()).await;
    assert_eq!((status, s["success"].clone()), (200, json!(true)), "{s}");
    assert_eq!(s["network"], NETWORK, "v1 network names map to CAIP-2");
    // The v2 form of the same payment is the same nullifier: spent.
    assert_eq!(
        call(&app, "/verify", &v2).await["invalidReason"],
        "invalid_zk_receipt_nullifier_used"
    );
    // Unknown versions are refused by code.
    let (status, v) = post(&app, "/verify", json!({"x402Version": 3}).to_string()).await;
    assert_eq!(
        (status, v["invalidReason"].clone()),
        (400, json!("invalid_x402_version"))
    );
}

/// PostgreSQL stops under a running facilitator: payments get a clear 503 (and
/// `/ready` turns 503) instead of hanging or a 500; when it is back, the same
/// process settles again, and what was settled before is still spent.
#[tokio::test]
async fn a_postgres_outage_answers_503_and_recovers_without_a_restart() {
    let Some(cluster) = x402_zk_store::testing::Cluster::start_or_skip("postgres outage") else {
        return;
    };
    let state = state(&cluster.url(), NOW).await;
    let app = app(state);
    let before = request(1, "outage", URL, &issuer());
    assert_eq!(call(&app, "/settle", &before).await["success"], json!(true));

    cluster.pg_ctl("stop");
    let during = request(2, "outage", URL, &issuer());
    let started = std::time::Instant::now();
    let (status, body) = post(&app, "/settle", serde_json::to_string(&during).unwrap()).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["errorReason"],
        json!("unexpected_settle_error"),
        "{body}"
    );
    let refused_in = started.elapsed();
    assert!(refused_in < std::time::Duration::from_secs(10));
    let (status, body) = post(&app, "/verify", serde_json::to_string(&during).unwrap()).await;
    assert_eq!(status, 503, "{body}");
    let ready = Request::get("/ready").body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(ready).await.unwrap().status(), 503);

    cluster.pg_ctl("start");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, body) = post(&app, "/settle", serde_json::to_string(&during).unwrap()).await;
        if status == 200 {
            assert_eq!(body["success"], json!(true), "{body}");
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(std::time::Instant::now() < deadline, "no recovery in 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    eprintln!("postgres down: 503 in {refused_in:.2?}; settled again once it was back");
    let ready = Request::get("/ready").body(Body::empty()).unwrap();
    assert_eq!(app.clone().oneshot(ready).await.unwrap().status(), 200);
    // Settled before the outage: still spent, by that payment only.
    assert_eq!(call(&app, "/settle", &before).await["success"], json!(true));
    let twin = request(1, "another challenge", URL, &issuer());
    let refused = call(&app, "/settle", &twin).await;
    assert_eq!(
        refused["errorReason"],
        json!("invalid_zk_receipt_nullifier_used"),
        "{refused}"
    );
}
