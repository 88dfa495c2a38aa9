//! Request handlers. Refusals of well-formed requests are answered 200 with
//! `isValid: false` / `success: false` and an x402 error code, as facilitators do;
//! unparseable bodies get 400, store failures 503; internals never leak.

use crate::AppState;
use axum::{
    extract::{rejection::JsonRejection, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use x402_zk_primitives::Statement;
use x402_zk_protocol::{
    zk_receipt::{check_statement, pseudonymous_payer},
    ErrorCode, FacilitatorRequest, Rejection, SettleResponse, SupportedKind, SupportedResponse,
    VerifyResponse, ZkReceiptPayload, SCHEME, X402_VERSION,
};
use x402_zk_service::error_response;
use x402_zk_store::{Conflict, Reservation, Spend, StoreError};

/// A request that passed every check but the nullifier's.
struct Checked {
    statement: Statement,
    /// Identifies this payment (payload and requirement) in the store.
    payment: String,
    network: String,
}

fn check(s: &AppState, req: &FacilitatorRequest, now: u64) -> Result<Checked, Rejection> {
    use ErrorCode::*;
    if !(1..=X402_VERSION).contains(&req.x402_version)
        || req.payment_payload.x402_version != req.x402_version
    {
        return Err(Rejection::new(
            InvalidX402Version,
            "this facilitator speaks x402 versions 1 and 2",
        ));
    }
    let requirement = &req.payment_requirements;
    if req.payment_payload.accepted != *requirement {
        return Err(Rejection::new(
            InvalidPaymentRequirements,
            "accepted does not equal the payment requirements",
        ));
    }
    if requirement.scheme != SCHEME {
        return Err(Rejection::new(
            UnsupportedScheme,
            format!("scheme {:?} is not zk-receipt", requirement.scheme),
        ));
    }
    if !s.networks.contains(&requirement.network) {
        return Err(Rejection::new(
            InvalidNetwork,
            format!("network {:?} is not served here", requirement.network),
        ));
    }
    let resource = req
        .payment_payload
        .resource
        .as_ref()
        .ok_or_else(|| Rejection::new(InvalidPayload, "payment payload has no resource"))?;
    let (statement, proof) =
        ZkReceiptPayload::from_value(&req.payment_payload.payload)?.decode()?;
    if !s.trusted_issuers.contains(&statement.issuer) {
        return Err(Rejection::new(
            InvalidZkReceiptIssuer,
            "receipt issuer is not trusted by this facilitator",
        ));
    }
    check_statement(
        &statement,
        requirement,
        &resource.url,
        &s.vk,
        now,
        s.clock_skew_seconds,
    )?;
    let started = std::time::Instant::now();
    let verdict = s.verifier.verify(&statement, &proof);
    metrics::histogram!("verify_duration_seconds").record(started.elapsed().as_secs_f64());
    verdict.map_err(|e| {
        Rejection::new(
            if e.is_malformed() {
                InvalidPayload
            } else {
                InvalidZkReceiptProof
            },
            e.to_string(),
        )
    })?;
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&req.payment_payload.payload).expect("JSON values serialize"));
    h.update(serde_json::to_vec(requirement).expect("requirements serialize"));
    let payment = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Checked {
        statement,
        payment,
        network: requirement.network.clone(),
    })
}

/// Longest reservation a requirement's `maxTimeoutSeconds` can ask for.
const MAX_RESERVATION_SECONDS: u64 = 3600;

/// Spent and reserved are different answers: a buyer drops a spent receipt, but
/// keeps a reserved one (the reservation lapses if its payment never settles).
fn conflict_rejection(conflict: Conflict) -> Rejection {
    match conflict {
        Conflict::Spent => Rejection::new(
            ErrorCode::InvalidZkReceiptNullifierUsed,
            "this receipt is spent",
        ),
        Conflict::Reserved => Rejection::new(
            ErrorCode::InvalidZkReceiptNullifierReserved,
            "this receipt is reserved by a payment in flight; retry after it settles or lapses",
        ),
    }
}

fn not_valid(r: Rejection) -> VerifyResponse {
    tracing::info!(code = %r.code, "verify refused");
    metrics::counter!("verifications_total", "result" => r.code.as_str()).increment(1);
    VerifyResponse {
        is_valid: false,
        invalid_reason: Some(r.code.as_str()),
        invalid_message: Some(r.message),
        payer: None,
    }
}

fn not_settled(r: Rejection, network: String) -> SettleResponse {
    tracing::info!(code = %r.code, "settle refused");
    metrics::counter!("settlements_total", "result" => r.code.as_str()).increment(1);
    SettleResponse {
        success: false,
        error_reason: Some(r.code.as_str()),
        error_message: Some(r.message),
        payer: None,
        transaction: String::new(),
        network,
    }
}

fn bad_body(r: Rejection) -> Response {
    let body = VerifyResponse {
        is_valid: false,
        invalid_reason: Some(r.code.as_str()),
        invalid_message: Some(r.message),
        payer: None,
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn bad_settle_body(r: Rejection) -> Response {
    let body = SettleResponse {
        success: false,
        error_reason: Some(r.code.as_str()),
        error_message: Some(r.message),
        payer: None,
        transaction: String::new(),
        network: String::new(),
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// 413 for a body over the limit (the other parse failures are 400s).
fn too_large(body: &Result<Json<Value>, JsonRejection>) -> Option<Response> {
    match body {
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Some(error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is over this facilitator's limit",
            None,
        )),
        _ => None,
    }
}

/// Reads a v1 or v2 body.
fn parse(body: Result<Json<Value>, JsonRejection>) -> Result<FacilitatorRequest, Rejection> {
    let Json(value) = body.map_err(|e| {
        Rejection::new(
            ErrorCode::InvalidPayload,
            format!("request body: {}", e.body_text()),
        )
    })?;
    FacilitatorRequest::from_json(value)
}

fn store_unavailable(e: StoreError, op: &'static str) -> Response {
    tracing::error!(error = %e, "nullifier store failed");
    metrics::counter!("store_errors_total", "op" => op).increment(1);
    let code = if op == "reserve" {
        ErrorCode::UnexpectedVerifyError
    } else {
        ErrorCode::UnexpectedSettleError
    };
    let body = serde_json::json!({ "isValid": false, "success": false, "invalidReason": code.as_str(),
        "errorReason": code.as_str(), "transaction": "", "invalidMessage": "nullifier store unavailable; retry later" });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

impl AppState {
    /// Checks a payment and reserves its nullifier (the facilitator's `/verify`,
    /// callable in-process). `Err` only when the store is unavailable.
    pub async fn verify(&self, req: &FacilitatorRequest) -> Result<VerifyResponse, StoreError> {
        let now = (self.clock)();
        let checked = match check(self, req, now) {
            Ok(c) => c,
            Err(r) => return Ok(not_valid(r)),
        };
        // The requirement may ask for a longer hold than configured, up to an hour:
        // a caller cannot pin a nullifier indefinitely.
        let ttl = self.reservation_seconds.max(
            req.payment_requirements
                .max_timeout_seconds
                .min(MAX_RESERVATION_SECONDS),
        );
        let reserved = self
            .store
            .reserve(
                &checked.statement.nullifier,
                &checked.payment,
                now,
                now.saturating_add(ttl),
            )
            .await?;
        Ok(match reserved {
            Reservation::Reserved => {
                metrics::counter!("verifications_total", "result" => "valid").increment(1);
                VerifyResponse {
                    is_valid: true,
                    invalid_reason: None,
                    invalid_message: None,
                    payer: Some(pseudonymous_payer(&checked.statement)),
                }
            }
            Reservation::Refused(conflict) => not_valid(conflict_rejection(conflict)),
        })
    }

    /// Checks a payment again and spends its nullifier, idempotently (the
    /// facilitator's `/settle`, callable in-process). `Err` only when the store is
    /// unavailable.
    pub async fn settle(&self, req: &FacilitatorRequest) -> Result<SettleResponse, StoreError> {
        let network = req.payment_requirements.network.clone();
        let now = (self.clock)();
        let checked = match check(self, req, now) {
            Ok(c) => c,
            Err(r) => return Ok(not_settled(r, network)),
        };
        let spend = self
            .store
            .spend(&checked.statement.nullifier, &checked.payment, now)
            .await?;
        Ok(match spend {
            Spend::Spent | Spend::AlreadySpentBySamePayment => {
                let first = spend == Spend::Spent;
                let result = if first { "settled" } else { "repeated" };
                metrics::counter!("settlements_total", "result" => result).increment(1);
                if first {
                    metrics::counter!("nullifiers_spent_total").increment(1);
                }
                SettleResponse {
                    success: true,
                    error_reason: None,
                    error_message: None,
                    payer: Some(pseudonymous_payer(&checked.statement)),
                    transaction: checked.statement.nullifier.to_string(),
                    network: checked.network,
                }
            }
            Spend::Refused(conflict) => not_settled(conflict_rejection(conflict), network),
        })
    }
}

/// `POST /verify`: checks and reserves the nullifier.
pub async fn verify(
    State(s): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    if let Some(r) = too_large(&body) {
        return r;
    }
    let req = match parse(body) {
        Ok(r) => r,
        Err(r) => return bad_body(r),
    };
    match s.verify(&req).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => store_unavailable(e, "reserve"),
    }
}

/// `POST /settle`: checks again and spends the nullifier (idempotent).
pub async fn settle(
    State(s): State<AppState>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    if let Some(r) = too_large(&body) {
        return r;
    }
    let req = match parse(body) {
        Ok(r) => r,
        Err(r) => return bad_settle_body(r),
    };
    match s.settle(&req).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => store_unavailable(e, "spend"),
    }
}
/// `GET /supported`.
pub async fn supported(State(s): State<AppState>) -> Json<SupportedResponse> {
    Json(SupportedResponse {
        kinds: s
            .networks
            .iter()
            .flat_map(|n| {
                [X402_VERSION, 1].map(|version| SupportedKind {
                    x402_version: version,
                    scheme: SCHEME.into(),
                    network: n.clone(),
                    extra: None,
                })
            })
            .collect(),
        extensions: vec![],
        signers: Default::default(),
    })
}
