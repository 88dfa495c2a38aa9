//! Who verifies and settles: the facilitator in-process, or one reached by URL.

use async_trait::async_trait;
use std::{sync::Arc, time::Duration};
use x402_zk_protocol::{FacilitatorRequest, SettleResponse, VerifyResponse};
use x402_zk_resilience::{Attempt, Endpoints};

/// The verifier could not give an answer (network, store); the buyer should retry.
#[derive(Debug, thiserror::Error)]
#[error("payment verifier unavailable: {0}")]
pub struct VerifierUnavailable(pub String);

/// `/verify` and `/settle` of the x402 facilitator API.
#[async_trait]
pub trait PaymentVerifier: Send + Sync {
    /// Checks the payment and reserves its nullifier.
    async fn verify(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<VerifyResponse, VerifierUnavailable>;
    /// Spends the nullifier (idempotent).
    async fn settle(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<SettleResponse, VerifierUnavailable>;
}

/// In-process: the facilitator's state, with its pinned key, issuers and store.
#[async_trait]
impl PaymentVerifier for x402_zk_facilitator::AppState {
    async fn verify(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<VerifyResponse, VerifierUnavailable> {
        x402_zk_facilitator::AppState::verify(self, request)
            .await
            .map_err(|e| VerifierUnavailable(e.to_string()))
    }
    async fn settle(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<SettleResponse, VerifierUnavailable> {
        x402_zk_facilitator::AppState::settle(self, request)
            .await
            .map_err(|e| VerifierUnavailable(e.to_string()))
    }
}

/// A facilitator reached over HTTP (`{url}/verify`, `{url}/settle`), or several
/// tried in order: each behind a circuit breaker, each attempt under a deadline.
#[derive(Clone)]
pub struct RemoteFacilitator {
    facilitators: Arc<Endpoints>,
    http: reqwest::Client,
}

impl std::fmt::Debug for RemoteFacilitator {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_list().entries(self.facilitators.urls()).finish()
    }
}

/// How long one facilitator may take to answer before the next is tried.
const FACILITATOR_DEADLINE: Duration = Duration::from_secs(5);

impl RemoteFacilitator {
    /// A facilitator at `url`, e.g. `http://127.0.0.1:4020`.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_failover([url.into()])
    }

    /// Facilitators at `urls`, tried in order when one fails or does not
    /// answer. **They must share one nullifier store** (PostgreSQL): facilitators
    /// with stores of their own would each accept the same receipt once.
    pub fn with_failover(urls: impl IntoIterator<Item = String>) -> Self {
        let urls = urls
            .into_iter()
            .map(|u| u.trim_end_matches('/').to_string());
        RemoteFacilitator {
            facilitators: Arc::new(Endpoints::new(urls, FACILITATOR_DEADLINE)),
            http: reqwest::Client::builder()
                .timeout(FACILITATOR_DEADLINE)
                .build()
                .expect("a TLS backend is compiled in"),
        }
    }

    /// Posts to the first facilitator that answers. `/settle` is idempotent and
    /// fails over on any failure; `/verify` reserves the nullifier, so it moves
    /// on only when the request surely never arrived (no connection): another
    /// facilitator on the shared store would find the first one's reservation.
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        request: &FacilitatorRequest,
        idempotent: bool,
    ) -> Result<T, VerifierUnavailable> {
        let call = |base: String| async move {
            let url = format!("{base}{path}");
            let unclear = |why: String| {
                if idempotent {
                    Attempt::Failed(why)
                } else {
                    Attempt::Done(Err(VerifierUnavailable(format!("{url}: {why}"))))
                }
            };
            let response = match self.http.post(&url).json(request).send().await {
                Ok(r) => r,
                Err(e) if e.is_connect() => return Attempt::Failed(e.to_string()),
                Err(e) => return unclear(e.to_string()),
            };
            let status = response.status();
            // Refusals come back as 200 (or 400 for a malformed body) with the x402
            // answer. A 5xx or 429 is the facilitator unable to answer now (try the
            // next); another 4xx is about this request, not the facilitator, and is
            // not held against it.
            if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                return unclear(format!("HTTP {status}"));
            }
            if !(status.is_success() || status == reqwest::StatusCode::BAD_REQUEST) {
                return Attempt::Done(Err(VerifierUnavailable(format!("{url}: HTTP {status}"))));
            }
            match response.json().await {
                Ok(answer) => Attempt::Done(Ok(answer)),
                Err(e) => unclear(format!("unreadable answer: {e}")),
            }
        };
        match self.facilitators.first(call).await {
            Ok(answer) => answer,
            Err(passed_over) => Err(VerifierUnavailable(passed_over.join("; "))),
        }
    }
}

#[async_trait]
impl PaymentVerifier for RemoteFacilitator {
    async fn verify(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<VerifyResponse, VerifierUnavailable> {
        self.post("/verify", request, false).await
    }
    async fn settle(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<SettleResponse, VerifierUnavailable> {
        self.post("/settle", request, true).await
    }
}
