//! Calls to services that may be slow, down or failing: several URLs tried in
//! order (failover), each behind its own circuit breaker (`failsafe`), every
//! attempt under a deadline, and retries with exponential backoff and jitter
//! (`backon`) for steps that are safe to repeat. The buyer uses it for remote
//! provers and for resending issuer purchases, the seller layer for its
//! facilitators.
//!
//! ```
//! use std::time::Duration;
//! use x402_zk_resilience::{Attempt, Endpoints};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let provers = Endpoints::new(
//!     ["http://10.0.0.1:4023".to_string(), "http://10.0.0.2:4023".to_string()],
//!     Duration::from_secs(2),
//! );
//! let answer = provers
//!     .first(|url| async move {
//!         if url.contains("10.0.0.1") {
//!             Attempt::Failed("connection refused".into()) // down: try the next
//!         } else {
//!             Attempt::Done(Ok::<_, ()>(url))
//!         }
//!     })
//!     .await;
//! assert_eq!(answer, Ok(Ok("http://10.0.0.2:4023".to_string())));
//! # }
//! ```
#![deny(missing_docs)]

use backon::{ExponentialBuilder, Retryable};
use failsafe::{backoff, failure_policy, futures::CircuitBreaker as _, Config, StateMachine};
use std::{future::Future, time::Duration};

/// How an attempt ended, as far as failover is concerned.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// An answer to keep: a success, or a refusal another endpoint would repeat.
    Done(Result<T, E>),
    /// The endpoint failed (transport error, 5xx, a bad answer): try the next.
    Failed(String),
}

type Breaker = StateMachine<failure_policy::ConsecutiveFailures<backoff::Exponential>, ()>;

/// One service reachable at several URLs (provers, issuers, facilitators).
pub struct Endpoints {
    endpoints: Vec<(String, Breaker)>,
    deadline: Duration,
}

/// Failures in a row that open an endpoint's breaker; it half-opens after 5 s
/// (doubling up to 60 s while it keeps failing).
const BREAKER_FAILURES: u32 = 3;

impl Endpoints {
    /// `urls` in order of preference; each attempt may take `deadline`.
    pub fn new(urls: impl IntoIterator<Item = String>, deadline: Duration) -> Self {
        let endpoints = urls
            .into_iter()
            .map(|url| {
                let backoff = backoff::exponential(Duration::from_secs(5), Duration::from_secs(60));
                let policy = failure_policy::consecutive_failures(BREAKER_FAILURES, backoff);
                (url, Config::new().failure_policy(policy).build())
            })
            .collect();
        Endpoints {
            endpoints,
            deadline,
        }
    }

    /// The URLs, in order of preference.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.endpoints.iter().map(|(url, _)| url.as_str())
    }

    /// Whether no URL was given.
    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// Runs `call(url)` on each endpoint in turn whose breaker admits a call,
    /// until one gives an answer to keep. `Err` lists why each endpoint was
    /// passed over (open breaker, deadline, failure).
    pub async fn first<T, E, F, Fut>(&self, call: F) -> Result<Result<T, E>, Vec<String>>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Attempt<T, E>>,
    {
        let mut passed_over = Vec::new();
        for (url, breaker) in &self.endpoints {
            let attempt = async {
                match tokio::time::timeout(self.deadline, call(url.clone())).await {
                    Ok(Attempt::Done(answer)) => Ok(answer),
                    Ok(Attempt::Failed(why)) => Err(why),
                    Err(_) => Err(format!("no answer within {:?}", self.deadline)),
                }
            };
            match breaker.call(attempt).await {
                Ok(answer) => return Ok(answer),
                Err(failsafe::Error::Rejected) => {
                    passed_over.push(format!("{url}: circuit open after repeated failures"))
                }
                Err(failsafe::Error::Inner(why)) => {
                    tracing::warn!(%url, %why, "endpoint failed; trying the next");
                    passed_over.push(format!("{url}: {why}"));
                }
            }
        }
        Err(passed_over)
    }
}

/// Retries `step` (which must be safe to repeat) while it fails with an error
/// `retryable` accepts: up to `attempts` tries, exponential backoff from 200 ms
/// with jitter (each wait between d and 2d), so many clients do not retry in step.
pub async fn retry<T, E, F, Fut>(
    attempts: usize,
    step: F,
    retryable: impl Fn(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let policy = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(attempts.saturating_sub(1))
        .with_jitter();
    step.retry(policy)
        .sleep(tokio::time::sleep)
        .when(retryable)
        .notify(|_, wait| tracing::info!(?wait, "retrying after a transient failure"))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn failover_skips_failing_slow_and_open_endpoints() {
        let e = Endpoints::new(
            ["dead", "slow", "good"].map(String::from),
            Duration::from_millis(50),
        );
        let calls = AtomicUsize::new(0);
        let call = |url: String| {
            calls.fetch_add(1, Ordering::Relaxed);
            async move {
                match url.as_str() {
                    "dead" => Attempt::<String, ()>::Failed("connection refused".into()),
                    "slow" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        Attempt::Done(Ok::<_, ()>("late".to_string()))
                    }
                    _ => Attempt::Done(Ok(url)),
                }
            }
        };
        for _ in 0..BREAKER_FAILURES {
            assert_eq!(e.first(call).await, Ok(Ok("good".into())));
        }
        assert_eq!(calls.load(Ordering::Relaxed), 3 * BREAKER_FAILURES as usize);
        // Both failing endpoints are now open: the next call goes straight through.
        assert_eq!(e.first(call).await, Ok(Ok("good".into())));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            3 * BREAKER_FAILURES as usize + 1
        );
        // A refusal is an answer: it is not retried elsewhere.
        let refused = e
            .first(|_| async { Attempt::Done(Err::<(), _>("refused")) })
            .await;
        assert_eq!(refused, Ok(Err("refused")));
        let none = Endpoints::new(["a".to_string()], Duration::from_millis(50));
        let failed = none
            .first(|_| async { Attempt::<(), ()>::Failed("down".into()) })
            .await;
        assert_eq!(failed, Err(vec!["a: down".to_string()]));
    }

    #[tokio::test]
    async fn retries_back_off_only_on_retryable_errors() {
        let tries = AtomicUsize::new(0);
        let flaky = || async {
            match tries.fetch_add(1, Ordering::Relaxed) {
                0 | 1 => Err("503"),
                _ => Ok("done"),
            }
        };
        assert_eq!(retry(4, flaky, |e| *e == "503").await, Ok("done"));
        assert_eq!(tries.load(Ordering::Relaxed), 3);
        let tries = AtomicUsize::new(0);
        let refused = || async {
            tries.fetch_add(1, Ordering::Relaxed);
            Err::<(), _>("400")
        };
        assert_eq!(retry(4, refused, |e| *e == "503").await, Err("400"));
        assert_eq!(tries.load(Ordering::Relaxed), 1);
        let tries = AtomicUsize::new(0);
        let down = || async {
            tries.fetch_add(1, Ordering::Relaxed);
            Err::<(), _>("503")
        };
        assert_eq!(retry(3, down, |e| *e == "503").await, Err("503"));
        assert_eq!(tries.load(Ordering::Relaxed), 3);
    }
}
