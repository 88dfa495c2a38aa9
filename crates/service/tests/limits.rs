//! The shared limits and probes, through `oneshot` and over real TCP.

use axum::{
    body::Body,
    http::Request,
    routing::{get, post},
    Router,
};
use http_body_util::BodyExt;
use std::{num::NonZeroU32, sync::Arc, time::Duration};
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;
use x402_zk_service::{service_router, Limits, RateLimit, Readiness};

async fn call(app: &Router, req: Request<Body>) -> (u16, Option<String>, String) {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, retry, String::from_utf8_lossy(&body).into_owned())
}

fn get_req(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn api() -> Router {
    Router::new()
        .route("/ok", get(|| async { "fine" }))
        .route("/echo", post(|body: String| async move { body }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
}

/// A `/held` route that signals `entered` and answers `body` once `gate` opens.
fn held(body: &'static str) -> (Router, Arc<Semaphore>, Arc<Notify>) {
    let gate = Arc::new(Semaphore::new(0));
    let entered = Arc::new(Notify::new());
    let (g, e) = (gate.clone(), entered.clone());
    let api = Router::new().route(
        "/held",
        get(move || {
            let (gate, entered) = (g.clone(), e.clone());
            async move {
                entered.notify_one();
                let _ = gate.acquire().await;
                body
            }
        }),
    );
    (api, gate, entered)
}

fn limits(rate: Option<(u32, u32)>) -> Limits {
    Limits {
        rate_limit: rate.map(|(per_second, burst)| RateLimit {
            per_second: NonZeroU32::new(per_second).unwrap(),
            burst: NonZeroU32::new(burst).unwrap(),
        }),
        ..Limits::default()
    }
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_probes_stay_open() {
    let app = service_router("t-rate", api(), &limits(Some((1, 2))), Readiness::ready());
    assert_eq!(call(&app, get_req("/ok")).await.0, 200);
    assert_eq!(call(&app, get_req("/ok")).await.0, 200);
    let (status, retry, body) = call(&app, get_req("/ok")).await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("1"), "one token a second");
    assert!(body.contains("\"rate_limited\""), "{body}");
    // Probes and metrics are outside the limits.
    for path in ["/health", "/ready", "/metrics"] {
        assert_eq!(call(&app, get_req(path)).await.0, 200, "{path}");
    }
    let (_, _, metrics) = call(&app, get_req("/metrics")).await;
    assert!(
        metrics.contains("rate_limited_total{service=\"t-rate\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("http_requests_total{service=\"t-rate\",status=\"429\"} 1"));
}

#[tokio::test]
async fn forwarded_for_picks_the_bucket_only_when_trusted() {
    let trusted = Limits {
        trust_forwarded_for: true,
        ..limits(Some((1, 1)))
    };
    let app = service_router("t-xff", api(), &trusted, Readiness::ready());
    let from = |ip: &str| {
        Request::get("/ok")
            .header("x-forwarded-for", format!("203.0.113.9, {ip}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(call(&app, from("198.51.100.1")).await.0, 200);
    assert_eq!(
        call(&app, from("198.51.100.2")).await.0,
        200,
        "another client"
    );
    assert_eq!(call(&app, from("198.51.100.1")).await.0, 429);

    let untrusted = service_router("t-xff2", api(), &limits(Some((1, 1))), Readiness::ready());
    assert_eq!(call(&untrusted, from("198.51.100.1")).await.0, 200);
    assert_eq!(
        call(&untrusted, from("198.51.100.2")).await.0,
        429,
        "a header the client chose must not buy a new bucket"
    );
}

#[tokio::test]
async fn requests_beyond_the_in_flight_cap_are_shed_with_503() {
    let (api, gate, entered) = held("released");
    let capped = Limits {
        max_in_flight: 1,
        ..limits(None)
    };
    let app = service_router("t-shed", api, &capped, Readiness::ready());
    let held = {
        let app = app.clone();
        tokio::spawn(async move { call(&app, get_req("/held")).await })
    };
    entered.notified().await;
    let (status, retry, body) = call(&app, get_req("/held")).await;
    assert_eq!((status, retry.as_deref()), (503, Some("1")));
    assert!(body.contains("\"overloaded\""), "{body}");
    gate.add_permits(1);
    assert_eq!(held.await.unwrap().0, 200);
    let (_, _, metrics) = call(&app, get_req("/metrics")).await;
    assert!(metrics.contains("requests_shed_total{service=\"t-shed\",reason=\"overloaded\"} 1"));
}

#[tokio::test]
async fn slow_requests_end_in_503_not_a_hung_connection() {
    let quick = Limits {
        request_timeout: Duration::from_millis(50),
        ..limits(None)
    };
    let app = service_router("t-timeout", api(), &quick, Readiness::ready());
    let (status, retry, body) = call(&app, get_req("/slow")).await;
    assert_eq!((status, retry.as_deref()), (503, Some("1")));
    assert!(body.contains("\"request_timeout\""), "{body}");
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let small = Limits {
        body_limit_bytes: 64,
        ..limits(None)
    };
    let app = service_router("t-body", api(), &small, Readiness::ready());
    let post_req = |n: usize, declared: bool| {
        let mut b = Request::post("/echo");
        if declared {
            b = b.header("content-length", n.to_string());
        }
        b.body(Body::from("x".repeat(n))).unwrap()
    };
    assert_eq!(call(&app, post_req(64, true)).await.0, 200);
    let (status, _, body) = call(&app, post_req(65, true)).await;
    assert_eq!(status, 413);
    assert!(body.contains("\"body_too_large\""), "{body}");
    // Without Content-Length the extractor stops reading at the limit.
    assert_eq!(call(&app, post_req(65, false)).await.0, 413);
    // So does the JSON check, which reads the body first.
    let json = Request::post("/echo")
        .header("content-type", "application/json")
        .body(Body::from(format!("[{}]", "1,".repeat(40))))
        .unwrap();
    let (status, _, body) = call(&app, json).await;
    assert_eq!(status, 413);
    assert!(body.contains("\"body_too_large\""), "{body}");
}

#[tokio::test]
async fn json_bodies_with_a_key_twice_get_400() {
    let app = service_router("t-dup", api(), &limits(None), Readiness::ready());
    let json = |body: &'static str| {
        Request::post("/echo")
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, body) = call(&app, json(r#"{"a":{"b":1,"b":2}}"#)).await;
    assert_eq!(status, 400);
    assert!(body.contains("\"duplicate_json_key\""), "{body}");
    // Every type axum's Json extractor reads as JSON is checked.
    for content_type in [
        "application/x+json",
        "APPLICATION/JSON",
        " application/json ;x=y",
    ] {
        let req = Request::post("/echo")
            .header("content-type", content_type)
            .body(Body::from(r#"{"a":1,"a":2}"#))
            .unwrap();
        assert_eq!(call(&app, req).await.0, 400, "{content_type}");
    }
    // Distinct keys, bad syntax and non-JSON bodies reach the handler as sent.
    for ok in [r#"{"a":{"b":1,"c":2}}"#, "{\"a\":"] {
        assert_eq!(call(&app, json(ok)).await, (200, None, ok.to_string()));
    }
    let text = Request::post("/echo")
        .body(Body::from(r#"{"a":1,"a":2}"#))
        .unwrap();
    assert_eq!(call(&app, text).await.0, 200);
}

#[tokio::test]
async fn readiness_reports_starting_failed_checks_and_draining() {
    let starting = Readiness::starting();
    let app = service_router("t-ready", api(), &limits(None), starting.clone());
    let (status, _, body) = call(&app, get_req("/ready")).await;
    assert_eq!(status, 503);
    assert!(body.contains("starting"), "{body}");
    starting.mark_started();
    assert_eq!(call(&app, get_req("/ready")).await.0, 200);
    starting.drain();
    let (status, _, body) = call(&app, get_req("/ready")).await;
    assert_eq!(status, 503);
    assert!(body.contains("draining"), "{body}");

    let down = Readiness::ready().with_check(Arc::new(|| {
        Box::pin(async { Err("store: connection refused".to_string()) })
    }));
    let app = service_router("t-ready2", api(), &limits(None), down);
    let (status, _, body) = call(&app, get_req("/ready")).await;
    assert_eq!(status, 503);
    assert!(body.contains("connection refused"), "{body}");
}

#[tokio::test]
async fn shutdown_lets_requests_in_flight_finish() {
    let (api, gate, entered) = held("finished");
    let readiness = Readiness::ready();
    let app = service_router("t-shutdown", api, &limits(None), readiness.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(x402_zk_service::serve(
        listener,
        app,
        readiness.clone(),
        async {
            let _ = stopped.await;
        },
    ));
    let request = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /held HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    });
    entered.notified().await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        readiness.status().await.is_err(),
        "draining once shutdown starts"
    );
    assert!(!server.is_finished(), "waits for the request in flight");
    gate.add_permits(1);
    let answer = request.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("finished"), "{answer}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once the request is done")
        .unwrap();
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let small = Limits {
        body_limit_bytes: 8,
        ..limits(None)
    };
    let app = service_router("t-headers", api(), &small, Readiness::ready());
    let big = Request::post("/echo")
        .header("content-length", "9")
        .body(Body::from("x".repeat(9)))
        .unwrap();
    for (req, status) in [
        (get_req("/ok"), 200),
        (big, 413),
        (get_req("/health"), 200),
        (get_req("/metrics"), 200),
        (get_req("/no-such-route"), 404),
        (get_req("/echo"), 405),
        (Request::delete("/health").body(Body::empty()).unwrap(), 405),
    ] {
        let path = req.uri().to_string();
        let r = app.clone().oneshot(req).await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let headers = r.headers().clone();
        for (name, value) in x402_zk_service::SECURITY_HEADERS {
            assert_eq!(
                headers.get(&name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{name} on {path}"
            );
        }
        if status >= 400 {
            let body = r.into_body().collect().await.unwrap().to_bytes();
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(json["error"].is_string(), "{path}: {json}");
        }
    }
}
