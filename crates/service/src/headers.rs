//! Security headers on every response, probes and refusals included.
//!
//! The services answer JSON to programs, never pages, so the headers say exactly
//! that: do not sniff another type, do not frame, run nothing, cache nothing (a
//! 402 quote or a receipt is for one request). HSTS belongs to whoever terminates
//! TLS in front of the service, and is not set here.

use axum::{
    http::{header, HeaderName, HeaderValue},
    Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The headers and their values, in the order they are set.
pub const SECURITY_HEADERS: [(HeaderName, &str); 6] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CACHE_CONTROL, "no-store"),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    ),
];

/// `router` with [`SECURITY_HEADERS`] on every response (a handler's own
/// `Cache-Control`, if any, is kept).
pub fn with_security_headers(router: Router) -> Router {
    SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
}
