//! The middleware in front of every API route: request metrics, the per-client
//! rate limit, the in-flight cap, the timeout and the body limit.

use crate::Limits;
use axum::{
    extract::{ConnectInfo, DefaultBodyLimit, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Json, Router,
};
use governor::{
    clock::{Clock, DefaultClock},
    middleware::NoOpMiddleware,
    state::keyed::HashMapStateStore,
    Quota, RateLimiter,
};
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;

/// How often (in requests) idle clients are dropped from the rate limiter, so
/// its memory stays bounded by the clients of the last few seconds.
const PRUNE_EVERY: u64 = 4096;

/// One bucket per client address, behind one mutex (a few hundred nanoseconds
/// per request; the services' own work is milliseconds).
type ClientLimiter = RateLimiter<IpAddr, HashMapStateStore<IpAddr>, DefaultClock, NoOpMiddleware>;

struct Guard {
    service: &'static str,
    limits: Limits,
    in_flight: Arc<Semaphore>,
    limiter: Option<ClientLimiter>,
    seen: AtomicU64,
}

pub(crate) fn apply(service: &'static str, api: Router, limits: &Limits) -> Router {
    let guard = Arc::new(Guard {
        service,
        in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
        limiter: limits
            .rate_limit
            .map(|r| RateLimiter::hashmap(Quota::per_second(r.per_second).allow_burst(r.burst))),
        limits: limits.clone(),
        seen: AtomicU64::new(0),
    });
    api.layer(DefaultBodyLimit::max(limits.body_limit_bytes))
        .layer(middleware::from_fn_with_state(guard, guarded))
}

/// A JSON error `{"error": code, "message": …}` with `status`, and `Retry-After`
/// (seconds) when given. Every refusal of the services goes through here.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    retry_after_seconds: Option<u64>,
) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(s) = retry_after_seconds {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(s.max(1)));
    }
    let body = serde_json::json!({ "error": code, "message": message });
    (status, headers, Json(body)).into_response()
}

/// The client a request is counted against: the peer address, or the last
/// `X-Forwarded-For` hop (the one our proxy appended) when trusted; never an
/// earlier hop, which the client wrote itself. IPv6 clients are keyed by their
/// /64, the block one host usually holds.
fn client(req: &Request, trust_forwarded_for: bool) -> IpAddr {
    let peer = || {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            // Served without connection info (in-process tests): one shared bucket.
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    };
    let ip = if trust_forwarded_for {
        req.headers()
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok())
            .unwrap_or_else(peer)
    } else {
        peer()
    };
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// `requests_in_flight` for as long as it lives: decremented on drop, also
/// when the client disconnects and the request's future is dropped.
struct InFlight(metrics::Gauge);

impl InFlight {
    fn new(service: &'static str) -> Self {
        let gauge = metrics::gauge!("requests_in_flight", "service" => service);
        gauge.increment(1.0);
        InFlight(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

async fn guarded(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let service = g.service;
    let response = admit(&g, req, next).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "service" => service, "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "service" => service)
        .record(start.elapsed().as_secs_f64());
    response
}

async fn admit(g: &Guard, req: Request, next: Next) -> Response {
    let service = g.service;
    if let Some(limiter) = &g.limiter {
        if g.seen.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Err(not_until) = limiter.check_key(&client(&req, g.limits.trust_forwarded_for)) {
            let wait = not_until.wait_time_from(limiter.clock().now());
            metrics::counter!("rate_limited_total", "service" => service).increment(1);
            return error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests from this client; retry after the Retry-After seconds",
                Some(ceil_seconds(wait)),
            );
        }
    }
    let Ok(_permit) = g.in_flight.clone().try_acquire_owned() else {
        metrics::counter!("requests_shed_total", "service" => service, "reason" => "overloaded")
            .increment(1);
        return error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "the service is at its limit of requests in flight; retry after the Retry-After seconds",
            Some(1),
        );
    };
    let limit = g.limits.body_limit_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            &format!("request bodies are limited to {limit} bytes"),
            None,
        );
    }
    let _in_flight = InFlight::new(service);
    // Reading the body counts against the timeout too: a client that sends
    // it slowly holds its slot no longer than any other request.
    let handled = async {
        match without_duplicate_keys(req, limit).await {
            Ok(req) => next.run(req).await,
            Err(refusal) => refusal,
        }
    };
    let result = tokio::time::timeout(g.limits.request_timeout, handled).await;
    match result {
        Ok(response) => response,
        Err(_) => {
            metrics::counter!("requests_shed_total", "service" => service, "reason" => "timeout")
                .increment(1);
            tracing::warn!(service, timeout = ?g.limits.request_timeout, "request timed out");
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "request_timeout",
                "the request took longer than this service allows; retry after the Retry-After seconds",
                Some(1),
            )
        }
    }
}

/// A JSON body (by `Content-Type`) is read (up to `limit` bytes) and refused
/// with `400 duplicate_json_key` if an object in it has a key twice: serde_json
/// would keep the last one silently, so a proxy or a log and this service could
/// read one request two ways. Bodies that are not JSON are left to the handler,
/// which answers its own `invalid_payload`.
async fn without_duplicate_keys(req: Request, limit: usize) -> Result<Request, Response> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json);
    if !json {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let over = e
                .into_inner()
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            return Err(if over {
                error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    &format!("request bodies are limited to {limit} bytes"),
                    None,
                )
            } else {
                error_response(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "the request body could not be read",
                    None,
                )
            });
        }
    };
    if let Err(e) = x402_zk_protocol::check_no_duplicate_keys(&bytes) {
        if e.is_data() {
            return Err(error_response(
                StatusCode::BAD_REQUEST,
                "duplicate_json_key",
                "an object in the JSON body has a key twice; send each key once",
                None,
            ));
        }
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// Whether a `Content-Type` is JSON as axum's `Json` extractor reads it:
/// `application/json` or `application/<anything>+json`, any parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
        _ => false,
    }
}

fn ceil_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}
