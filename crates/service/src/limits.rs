//! The limits of a service's API routes and their flags.

use std::{num::NonZeroU32, time::Duration};

/// A per-client token bucket: `per_second` tokens a second, up to `burst` saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second per client.
    pub per_second: NonZeroU32,
    /// Requests a client may make at once after being idle.
    pub burst: NonZeroU32,
}

/// What a service accepts before it refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, bytes (`413` above).
    pub body_limit_bytes: usize,
    /// Longest time a request may take (`503` + `Retry-After` after).
    pub request_timeout: Duration,
    /// Requests handled at once (`503` + `Retry-After` beyond).
    pub max_in_flight: usize,
    /// Per-client token bucket (`429` + `Retry-After`); `None` disables it.
    pub rate_limit: Option<RateLimit>,
    /// Identify clients by the last `X-Forwarded-For` address (only behind a proxy
    /// that sets it; otherwise clients could pick their own bucket).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    /// 16 KiB bodies, 30 s, 256 in flight, 20 requests/s per client (burst 40).
    fn default() -> Self {
        Limits {
            body_limit_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 256,
            rate_limit: Some(RateLimit {
                per_second: NonZeroU32::new(20).expect("non-zero"),
                burst: NonZeroU32::new(40).expect("non-zero"),
            }),
            trust_forwarded_for: false,
        }
    }
}

/// The limit flags every service takes (flatten into its config). Unset values
/// take the service's defaults ([`Limits::default`] unless the service says
/// otherwise in its own docs).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Largest request body, bytes [default: 16384].
    #[arg(long, env = "X402ZK_BODY_LIMIT_BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// Longest a request may take, seconds, before a 503 [default: 30; issuer 90].
    #[arg(long, env = "X402ZK_REQUEST_TIMEOUT_SECONDS")]
    pub request_timeout_seconds: Option<u64>,
    /// Requests handled at once before 503s [default: 256].
    #[arg(long, env = "X402ZK_MAX_IN_FLIGHT")]
    pub max_in_flight: Option<usize>,
    /// Requests per second per client before 429s; 0 disables [default: 20].
    #[arg(long, env = "X402ZK_RATE_LIMIT_PER_SECOND")]
    pub rate_limit_per_second: Option<u32>,
    /// Burst a client may make after being idle [default: twice the rate].
    #[arg(long, env = "X402ZK_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// Identify clients by the last X-Forwarded-For address: only behind a proxy
    /// that sets it.
    #[arg(long, env = "X402ZK_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

impl LimitArgs {
    /// The flags over `defaults`.
    pub fn limits(&self, defaults: Limits) -> Limits {
        let rate_limit = match self.rate_limit_per_second {
            None => defaults.rate_limit.map(|r| RateLimit {
                burst: self
                    .rate_limit_burst
                    .and_then(NonZeroU32::new)
                    .unwrap_or(r.burst),
                ..r
            }),
            Some(rate) => NonZeroU32::new(rate).map(|per_second| RateLimit {
                per_second,
                burst: self
                    .rate_limit_burst
                    .and_then(NonZeroU32::new)
                    .unwrap_or(per_second.saturating_mul(NonZeroU32::new(2).expect("non-zero"))),
            }),
        };
        Limits {
            body_limit_bytes: self.body_limit_bytes.unwrap_or(defaults.body_limit_bytes),
            request_timeout: self
                .request_timeout_seconds
                .map(Duration::from_secs)
                .unwrap_or(defaults.request_timeout),
            max_in_flight: self.max_in_flight.unwrap_or(defaults.max_in_flight).max(1),
            rate_limit,
            trust_forwarded_for: self.trust_forwarded_for || defaults.trust_forwarded_for,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_service_defaults() {
        let none = LimitArgs::default();
        assert_eq!(none.limits(Limits::default()), Limits::default());
        let args = LimitArgs {
            rate_limit_per_second: Some(5),
            request_timeout_seconds: Some(2),
            ..LimitArgs::default()
        };
        let limits = args.limits(Limits::default());
        assert_eq!(limits.request_timeout, Duration::from_secs(2));
        let rate = limits.rate_limit.unwrap();
        assert_eq!((rate.per_second.get(), rate.burst.get()), (5, 10));
        let off = LimitArgs {
            rate_limit_per_second: Some(0),
            ..LimitArgs::default()
        };
        assert_eq!(off.limits(Limits::default()).rate_limit, None);
    }
}
