//! The seller's side of x402 `zk-receipt` payments: a tower [`Layer`] for axum
//! routes. Without a payment it answers 402 with `PAYMENT-REQUIRED` (and the v1
//! JSON body); with `PAYMENT-SIGNATURE` (or v1 `X-PAYMENT`) it checks that the
//! payment accepts this route's current requirement, verifies it in-process or
//! through a facilitator URL (which reserves the nullifier), runs the handler, and
//! settles (spends the nullifier) only if the handler succeeded, answering
//! `PAYMENT-RESPONSE`. The handler reads the payment as a [`ZkPayment`] extension.
//!
//! ```no_run
//! use axum::{routing::get, Extension, Router};
//! use x402_zk_axum::{Price, RemoteFacilitator, ZkPayment, ZkPaywall};
//!
//! # let (issuer_key, vk_hash) = (x402_zk_primitives::eddsa::SecretKey::generate().public_key(), String::new());
//! let price = Price {
//!     network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1".into(),
//!     asset: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU".into(), // USDC (devnet)
//!     pay_to: "<the seller's address>".into(),
//!     amount: 10_000,                                 // 0.01 USDC
//!     max_payment_age_seconds: 3600,
//!     issuers: vec![x402_zk_protocol::zk_receipt::IssuerInfo {
//!         key: issuer_key,
//!         url: Some("http://127.0.0.1:4021".into()),
//!         pool: None,                                 // or the issuer's pool wallet
//!     }],
//!     vk_hash,                                        // VerifyingKey::hash_hex()
//!     description: None,
//! };
//! let paywall = ZkPaywall::new(
//!     price,
//!     "http://127.0.0.1:4022",                        // the base URL buyers use (bound into proofs)
//!     RemoteFacilitator::new("http://127.0.0.1:4020"), // or an in-process facilitator::AppState
//!     rand::random(),                                 // challenge secret
//! );
//! let app: Router = Router::new()
//!     .route("/report", get(|Extension(p): Extension<ZkPayment>| async move {
//!         format!("paid by {}", p.payer)              // a pseudonym, never the buyer
//!     }))
//!     .layer(paywall);
//! ```
#![deny(missing_docs)]

mod challenge;
mod verifier;

pub use verifier::{PaymentVerifier, RemoteFacilitator, VerifierUnavailable};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, Request, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures_util::future::BoxFuture;
use std::{
    sync::Arc,
    task::{Context, Poll},
};
use tower::{Layer, Service};
use x402_zk_primitives::Statement;
use x402_zk_protocol::{
    decode_header, encode_header, zk_receipt::IssuerInfo, ErrorCode, FacilitatorRequest,
    PaymentPayload, PaymentPayloadV1, PaymentRequired, PaymentRequiredV1, PaymentRequirements,
    PaymentRequirementsV1, Rejection, ResourceInfo, SettleResponse, ZkReceiptExtra,
    ZkReceiptPayload, PAYMENT_REQUIRED, PAYMENT_RESPONSE, PAYMENT_SIGNATURE, SCHEME, X402_VERSION,
    X_PAYMENT, X_PAYMENT_RESPONSE,
};

/// Attempts at an unavailable `/settle` (backoff from 200 ms, with jitter).
const SETTLE_ATTEMPTS: usize = 4;
/// The longest settling may take, all attempts and facilitators included.
const SETTLE_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);

/// What a route costs and which receipts pay it.
#[derive(Clone, Debug)]
pub struct Price {
    /// CAIP-2 network of the underlying payment.
    pub network: String,
    /// Token (mint).
    pub asset: String,
    /// The seller's recipient address.
    pub pay_to: String,
    /// Minimum amount, atomic units.
    pub amount: u64,
    /// How old the underlying payment may be, seconds.
    pub max_payment_age_seconds: u64,
    /// Issuers whose receipts are accepted (key and URL).
    pub issuers: Vec<IssuerInfo>,
    /// Hash of the verifying key proofs must verify under.
    pub vk_hash: String,
    /// Shown to buyers.
    pub description: Option<String>,
}

/// A payment the layer verified, for the handler (`Extension<ZkPayment>`).
#[derive(Clone, Debug)]
pub struct ZkPayment {
    /// The facilitator's pseudonym for this payment (derived from the nullifier;
    /// it names one receipt's use, never the buyer).
    pub payer: String,
    /// The requirement that was paid.
    pub requirement: PaymentRequirements,
    /// The x402 version the buyer spoke.
    pub x402_version: u32,
    /// The settlement, when the paywall settles before the handler
    /// ([`ZkPaywall::settle_first`]); `None` in the default order, where the
    /// nullifier is reserved now and spent after the handler succeeds.
    pub settlement: Option<SettleResponse>,
}

#[derive(Clone)]
struct Inner {
    price: Price,
    base_url: String,
    verifier: Arc<dyn PaymentVerifier>,
    challenges: challenge::Challenges,
    max_timeout_seconds: u64,
    settle_first: bool,
}

/// The layer. Cheap to clone.
#[derive(Clone)]
pub struct ZkPaywall(Arc<Inner>);

impl ZkPaywall {
    /// A paywall charging `price`, for routes reached at `base_url` + path (the
    /// resource URL is bound into every proof, so it must be the URL buyers use),
    /// verifying with `verifier`. Challenges are HMACs under `challenge_secret`
    /// over the resource and a 5-minute time bucket.
    pub fn new(
        price: Price,
        base_url: impl Into<String>,
        verifier: impl PaymentVerifier + 'static,
        challenge_secret: [u8; 32],
    ) -> Self {
        ZkPaywall(Arc::new(Inner {
            price,
            base_url: base_url.into().trim_end_matches('/').to_string(),
            verifier: Arc::new(verifier),
            challenges: challenge::Challenges::new(challenge_secret, 300),
            max_timeout_seconds: 60,
            settle_first: false,
        }))
    }

    /// Spends the nullifier before the handler runs, so the handler reads a settled
    /// payment ([`ZkPayment::settlement`]); a failing handler then costs the buyer its
    /// receipt. The default (x402's order) reserves, runs the handler, and settles
    /// only on success.
    pub fn settle_first(mut self) -> Self {
        Arc::make_mut(&mut self.0).settle_first = true;
        self
    }
}

impl<S> Layer<S> for ZkPaywall {
    type Service = ZkPaywallService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ZkPaywallService {
            paywall: self.clone(),
            inner,
        }
    }
}

/// The service [`ZkPaywall`] wraps a route in.
#[derive(Clone)]
pub struct ZkPaywallService<S> {
    paywall: ZkPaywall,
    inner: S,
}

impl<S> Service<Request<Body>> for ZkPaywallService<S>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let paywall = self.paywall.clone();
        Box::pin(async move { paywall.handle(request, inner).await })
    }
}

/// A payment decoded from either header.
struct Presented {
    payload: PaymentPayload,
    version: u32,
}

impl Inner {
    fn resource(&self, request: &Request<Body>) -> ResourceInfo {
        let path = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        ResourceInfo {
            url: format!("{}{}", self.base_url, path),
            description: self.price.description.clone(),
            mime_type: None,
        }
    }

    fn requirement(&self, challenge: String) -> PaymentRequirements {
        let p = &self.price;
        let extra = ZkReceiptExtra {
            proof_system: "groth16".into(),
            curve: "bn254".into(),
            vk_hash: p.vk_hash.clone(),
            max_payment_age_seconds: p.max_payment_age_seconds,
            issuers: p.issuers.clone(),
            challenge,
        };
        PaymentRequirements {
            scheme: SCHEME.into(),
            network: p.network.clone(),
            amount: p.amount.to_string(),
            asset: p.asset.clone(),
            pay_to: p.pay_to.clone(),
            max_timeout_seconds: self.max_timeout_seconds,
            extra: extra.to_map(),
        }
    }

    /// The 402: v2 header, v1 body.
    fn payment_required(&self, resource: &ResourceInfo, error: Option<Rejection>) -> Response {
        let requirement = self.requirement(self.challenges.current(&resource.url));
        let message = error
            .as_ref()
            .map(|r| r.code.as_str())
            .unwrap_or_else(|| "payment required".into());
        if let Some(r) = &error {
            tracing::info!(code = %r.code, detail = %r.message, "payment refused");
            metrics::counter!("seller_payments_total", "result" => r.code.as_str()).increment(1);
        }
        let v2 = PaymentRequired {
            x402_version: X402_VERSION,
            error: Some(message.clone()),
            resource: resource.clone(),
            accepts: vec![requirement.clone()],
            extensions: Default::default(),
        };
        let v1 = PaymentRequiredV1 {
            x402_version: 1,
            error: error
                .map(|r| format!("{}: {}", r.code, r.message))
                .unwrap_or(message),
            accepts: vec![PaymentRequirementsV1::from_v2(&requirement, resource)],
        };
        let mut response = (StatusCode::PAYMENT_REQUIRED, Json(v1)).into_response();
        if let Ok(v) = HeaderValue::from_str(&encode_header(&v2)) {
            response.headers_mut().insert(PAYMENT_REQUIRED, v);
        }
        response
    }

    fn presented(
        &self,
        headers: &HeaderMap,
        resource: &ResourceInfo,
    ) -> Option<Result<Presented, Rejection>> {
        let bad = |m: String| Rejection::new(ErrorCode::InvalidPayload, m);
        if let Some(h) = headers.get(PAYMENT_SIGNATURE) {
            return Some(
                h.to_str()
                    .map_err(|_| bad("PAYMENT-SIGNATURE is not ASCII".into()))
                    .and_then(|h| {
                        decode_header::<PaymentPayload>(h)
                            .map_err(|e| bad(format!("PAYMENT-SIGNATURE: {e}")))
                    })
                    .and_then(|payload| {
                        if payload.x402_version != X402_VERSION {
                            return Err(Rejection::new(
                                ErrorCode::InvalidX402Version,
                                "PAYMENT-SIGNATURE carries x402 version 2; v1 payments go in X-PAYMENT",
                            ));
                        }
                        Ok(Presented {
                            version: X402_VERSION,
                            payload,
                        })
                    }),
            );
        }
        let h = headers.get(X_PAYMENT)?;
        Some(
            h.to_str()
                .map_err(|_| bad("X-PAYMENT is not ASCII".into()))
                .and_then(|h| {
                    decode_header::<PaymentPayloadV1>(h).map_err(|e| bad(format!("X-PAYMENT: {e}")))
                })
                .and_then(|v1| {
                    // A v1 payment names scheme and network only: it accepts the
                    // route's requirement with the challenge its proof binds (this
                    // period's or the previous one's, read from the public context).
                    if v1.scheme != SCHEME || v1.network != self.price.network {
                        return Err(Rejection::new(
                            ErrorCode::UnsupportedScheme,
                            "this route accepts zk-receipt payments on its network only",
                        ));
                    }
                    let context = ZkReceiptPayload::from_value(&v1.payload)
                        .ok()
                        .and_then(|p| Statement::from_decimal_signals(&p.public_inputs).ok())
                        .map(|s| s.context);
                    let accepted =
                        self.requirement(self.challenges.bound_by(&resource.url, context));
                    Ok(Presented {
                        version: 1,
                        payload: PaymentPayload {
                            x402_version: 1,
                            resource: Some(resource.clone()),
                            accepted,
                            payload: v1.payload,
                            extensions: Default::default(),
                        },
                    })
                }),
        )
    }

    /// Spends the nullifier; the 402 or 503 to answer if that fails.
    async fn settle(
        &self,
        request: &FacilitatorRequest,
        resource: &ResourceInfo,
    ) -> Result<SettleResponse, Box<Response>> {
        // The handler has run (or is about to, settled): settle is idempotent, so a
        // verifier that is briefly unavailable is retried before giving up.
        let settle = || self.verifier.settle(request);
        let retried = x402_zk_resilience::retry(SETTLE_ATTEMPTS, settle, |_| true);
        // Within the request's own budget (the services' timeout is 30 s).
        let settled = tokio::time::timeout(SETTLE_BUDGET, retried)
            .await
            .unwrap_or_else(|_| Err(VerifierUnavailable("settling took over 15 s".into())))
            .map_err(|e| Box::new(unavailable(e)))?;
        if !settled.success {
            let code = settled
                .error_reason
                .clone()
                .unwrap_or_else(|| ErrorCode::UnexpectedSettleError.as_str());
            let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code))
                .unwrap_or(ErrorCode::UnexpectedSettleError);
            let r = Rejection::new(code, settled.error_message.unwrap_or_default());
            return Err(Box::new(self.payment_required(resource, Some(r))));
        }
        metrics::counter!("seller_payments_total", "result" => "settled").increment(1);
        Ok(settled)
    }

    /// The requirement `accepted` equals, if it is one this route issues now (the
    /// current or the previous challenge period).
    fn matching(
        &self,
        accepted: &PaymentRequirements,
        resource: &str,
    ) -> Option<PaymentRequirements> {
        let challenge = ZkReceiptExtra::from_requirements(accepted).ok()?.challenge;
        if !self.challenges.accepts(resource, &challenge) {
            return None;
        }
        let requirement = self.requirement(challenge);
        (requirement == *accepted).then_some(requirement)
    }
}

fn settlement_header(settled: &SettleResponse, version: u32, response: &mut Response) {
    let name = if version == 1 {
        X_PAYMENT_RESPONSE
    } else {
        PAYMENT_RESPONSE
    };
    if let Ok(v) = HeaderValue::from_str(&encode_header(settled)) {
        response.headers_mut().insert(name, v);
    }
}

fn unavailable(e: VerifierUnavailable) -> Response {
    tracing::error!(error = %e, "payment verifier unavailable");
    let body = serde_json::json!({ "error": "payment verification is unavailable; retry later" });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

impl ZkPaywall {
    async fn handle<S>(self, mut request: Request<Body>, mut inner: S) -> Result<Response, S::Error>
    where
        S: Service<Request<Body>, Response = Response> + Send,
    {
        let me = &self.0;
        let resource = me.resource(&request);
        let presented = match me.presented(request.headers(), &resource) {
            None => return Ok(me.payment_required(&resource, None)),
            Some(Err(r)) => return Ok(me.payment_required(&resource, Some(r))),
            Some(Ok(p)) => p,
        };
        if presented.version == X402_VERSION
            && presented.payload.resource.as_ref().map(|r| &r.url) != Some(&resource.url)
        {
            let r = Rejection::new(
                ErrorCode::InvalidZkReceiptContext,
                "the payment names another resource",
            );
            return Ok(me.payment_required(&resource, Some(r)));
        }
        let Some(requirement) = me.matching(&presented.payload.accepted, &resource.url) else {
            let r = Rejection::new(
                ErrorCode::InvalidPaymentRequirements,
                "accepted is not this route's current requirement (price changed or challenge expired); pay again",
            );
            return Ok(me.payment_required(&resource, Some(r)));
        };
        let mut payload = presented.payload;
        payload.resource = Some(resource.clone());
        let facilitator_request = FacilitatorRequest {
            x402_version: X402_VERSION,
            payment_payload: PaymentPayload {
                x402_version: X402_VERSION,
                ..payload
            },
            payment_requirements: requirement.clone(),
        };
        let verdict = match me.verifier.verify(&facilitator_request).await {
            Ok(v) => v,
            Err(e) => return Ok(unavailable(e)),
        };
        if !verdict.is_valid {
            let code = verdict
                .invalid_reason
                .unwrap_or_else(|| ErrorCode::InvalidPayload.as_str());
            let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code))
                .unwrap_or(ErrorCode::InvalidPayload);
            let r = Rejection::new(code, verdict.invalid_message.unwrap_or_default());
            return Ok(me.payment_required(&resource, Some(r)));
        }
        let mut payment = ZkPayment {
            payer: verdict.payer.unwrap_or_default(),
            requirement,
            x402_version: presented.version,
            settlement: None,
        };
        if me.settle_first {
            match me.settle(&facilitator_request, &resource).await {
                Ok(settled) => payment.settlement = Some(settled),
                Err(refusal) => return Ok(*refusal),
            }
        }
        let settled_first = payment.settlement.clone();
        request.extensions_mut().insert(payment);
        let mut response = inner.call(request).await?;
        let settled = match settled_first {
            Some(s) => s,
            // Not settled: the reservation lapses and the buyer keeps its receipt.
            None if !response.status().is_success() => return Ok(response),
            None => match me.settle(&facilitator_request, &resource).await {
                Ok(s) => s,
                Err(refusal) => return Ok(*refusal),
            },
        };
        settlement_header(&settled, presented.version, &mut response);
        Ok(response)
    }
}
