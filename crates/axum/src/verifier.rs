//! Who verifies and settles: the facilitator in-process, or one reached by URL.

use async_trait::async_trait;
use x402_zk_protocol::{FacilitatorRequest, SettleResponse, VerifyResponse};

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

/// A facilitator reached over HTTP (`{url}/verify`, `{url}/settle`).
#[derive(Clone, Debug)]
pub struct RemoteFacilitator {
    url: String,
    http: reqwest::Client,
}

impl RemoteFacilitator {
    /// A facilitator at `url`, e.g. `http://127.0.0.1:4020`.
    pub fn new(url: impl Into<String>) -> Self {
        RemoteFacilitator {
            url: url.into().trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("a TLS backend is compiled in"),
        }
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        request: &FacilitatorRequest,
    ) -> Result<T, VerifierUnavailable> {
        let url = format!("{}{path}", self.url);
        let response = self
            .http
            .post(&url)
            .json(request)
            .send()
            .await
            .map_err(|e| VerifierUnavailable(format!("{url}: {e}")))?;
        let status = response.status();
        // Refusals come back as 200 (or 400 for a malformed body) with the x402
        // answer; anything else is the facilitator being unable to answer.
        if !(status.is_success() || status == reqwest::StatusCode::BAD_REQUEST) {
            return Err(VerifierUnavailable(format!("{url}: HTTP {status}")));
        }
        response
            .json()
            .await
            .map_err(|e| VerifierUnavailable(format!("{url}: {e}")))
    }
}

#[async_trait]
impl PaymentVerifier for RemoteFacilitator {
    async fn verify(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<VerifyResponse, VerifierUnavailable> {
        self.post("/verify", request).await
    }
    async fn settle(
        &self,
        request: &FacilitatorRequest,
    ) -> Result<SettleResponse, VerifierUnavailable> {
        self.post("/settle", request).await
    }
}
