//! `POST /v1/receipts`: quote (402), then check, settle, record and sign.
//!
//! Statuses: 402 with `PAYMENT-REQUIRED` to quote or to refuse a payment; 400 for
//! a body or header that does not parse; 409 `duplicate_settlement` for a payment
//! that already bought another receipt, and 409 `payment_identifier_conflict` for
//! a `payment-identifier` id first used for another payment; 503 when the ledger or the store is
//! unavailable and 504 when the ledger did not confirm in time (both: retry the
//! same request, it is safe). Error bodies are `{"error": code, "message": …}`.

use crate::{IssuerState, Settlement};
use axum::{
    extract::{rejection::JsonRejection, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Instant;
use x402_zk_primitives::{field::parse_u64, h2f, Receipt, ReceiptBody};
use x402_zk_protocol::{
    decode_header, encode_header,
    issuance::{IssuerDescription, ReceiptRequest, ReceiptResponse, RECEIPTS_PATH},
    payment_identifier, ErrorCode, PaymentPayload, PaymentRequired, PaymentRequirements, Rejection,
    ResourceInfo, SettleResponse, PAYMENT_IDENTIFIER, PAYMENT_REQUIRED, PAYMENT_RESPONSE,
    PAYMENT_SIGNATURE, X402_VERSION,
};
use x402_zk_store::IdentifierBinding;
use x402_zk_svm::{
    check_payment,
    exact::{parse_address, prospective_id, transaction_id},
    exact_requirement, ExactSvmPayload, LedgerError, Signer,
};

#[derive(Serialize)]
struct ErrorBody {
    error: String,
    message: String,
}

/// A refusal with its HTTP status; `quote` adds `PAYMENT-REQUIRED` to a 402.
struct Refusal {
    status: StatusCode,
    rejection: Rejection,
    quote: Option<Box<PaymentRequired>>,
}

impl Refusal {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            status,
            rejection: Rejection::new(code, message),
            quote: None,
        }
    }

    fn payment(rejection: Rejection, quote: PaymentRequired) -> Self {
        Refusal {
            status: StatusCode::PAYMENT_REQUIRED,
            rejection,
            quote: Some(Box::new(quote)),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let code = self.rejection.code.as_str();
        tracing::info!(code = %code, status = %self.status, "receipt refused");
        metrics::counter!("receipt_refusals_total", "code" => code.clone()).increment(1);
        let mut headers = HeaderMap::new();
        if let Some(mut quote) = self.quote {
            quote.error = Some(code.clone());
            if let Ok(v) = HeaderValue::from_str(&encode_header(&quote)) {
                headers.insert(PAYMENT_REQUIRED, v);
            }
        }
        let body = ErrorBody {
            error: code,
            message: self.rejection.message,
        };
        (self.status, headers, Json(body)).into_response()
    }
}

fn ledger_failure(e: LedgerError, quote: PaymentRequired) -> Refusal {
    match e {
        LedgerError::Refused(m) => Refusal::payment(
            Rejection::new(
                ErrorCode::InvalidExactSvmPayloadTransactionSimulationFailed,
                format!("the ledger refused the payment (nothing moved): {m}"),
            ),
            quote,
        ),
        LedgerError::NotConfirmed(_) => Refusal::new(
            StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::SettleExactSvmTransactionConfirmationTimedOut,
            e.to_string(),
        ),
        LedgerError::NotAMint(_) => Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidPaymentRequirements,
            e.to_string(),
        ),
        LedgerError::Unavailable(m) => {
            tracing::error!(error = %m, "ledger unavailable");
            Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::UnexpectedSettleError,
                "the ledger is unavailable; retry the same request later",
            )
        }
    }
}

fn store_failure(op: &'static str) -> impl FnOnce(x402_zk_store::StoreError) -> Refusal {
    move |e| {
        tracing::error!(error = %e, op, "issued-receipt store failed");
        metrics::counter!("store_errors_total", "op" => op).increment(1);
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::UnexpectedSettleError,
            "the receipt store is unavailable; retry the same request later",
        )
    }
}

/// The `exact` requirement that buys a receipt for `seller`'s requirement.
async fn quote(
    s: &IssuerState,
    seller: &PaymentRequirements,
    commitment: &x402_zk_primitives::FieldElement,
) -> Result<(PaymentRequirements, u64), Refusal> {
    let bad = |m: String| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidPaymentRequirements,
            m,
        )
    };
    if seller.scheme != x402_zk_protocol::SCHEME {
        return Err(bad(format!(
            "requirement scheme {:?} is not zk-receipt",
            seller.scheme
        )));
    }
    if seller.network != s.network {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidNetwork,
            format!(
                "this issuer settles on {}, not {}",
                s.network, seller.network
            ),
        ));
    }
    if !s.assets.is_empty() && !s.assets.contains(&seller.asset) {
        return Err(bad(format!(
            "this issuer sells receipts for {} only",
            s.assets.join(", ")
        )));
    }
    let amount = parse_u64(&seller.amount).map_err(|e| bad(format!("amount: {e}")))?;
    if amount == 0 {
        return Err(bad("amount must be positive".into()));
    }
    let mint = parse_address("asset", &seller.asset).map_err(|r| bad(r.message))?;
    let seller_pay_to = parse_address("payTo", &seller.pay_to).map_err(|r| bad(r.message))?;
    let pay_to = match s.settlement {
        Settlement::Direct => seller_pay_to,
        Settlement::Pooled { pool } => {
            if amount > x402_zk_store::payouts::MAX_AMOUNT {
                return Err(bad(format!(
                    "a pooled issuer sells receipts of at most {} units",
                    x402_zk_store::payouts::MAX_AMOUNT
                )));
            }
            pool
        }
    };
    let decimals = s
        .ledger
        .mint_decimals(&mint)
        .await
        .map_err(|e| ledger_failure(e, empty_quote(s)))?;
    if matches!(s.settlement, Settlement::Pooled { .. }) {
        // A payout to a missing account would fail (payouts do not create
        // accounts): take no money for a seller that cannot be paid.
        let payable = s
            .ledger
            .has_token_account(&seller_pay_to, &mint)
            .await
            .map_err(|e| ledger_failure(e, empty_quote(s)))?;
        if !payable {
            return Err(bad(format!(
                "the seller's payTo {seller_pay_to} has no token account for {mint}: \
                 it must create its associated token account before it can be paid"
            )));
        }
    }
    let blockhash = s
        .ledger
        .latest_blockhash()
        .await
        .map_err(|e| ledger_failure(e, empty_quote(s)))?;
    let mut exact = exact_requirement(
        &s.network,
        &mint,
        &pay_to,
        amount,
        s.max_timeout_seconds,
        &s.fee_payer.pubkey(),
        decimals,
        &blockhash,
    );
    exact.extra.insert(
        "memo".into(),
        serde_json::json!(commitment_memo(commitment)),
    );
    Ok((exact, amount))
}

/// The memo a payment for `commitment` must carry: the transaction then buys a
/// receipt for that commitment only. Without it, anyone who read a landed
/// transaction on the chain before its receipt was recorded (a confirmation
/// timeout) could resend it with their own commitment and take the receipt.
/// A domain-separated hash: the chain does not learn the commitment.
fn commitment_memo(commitment: &x402_zk_primitives::FieldElement) -> String {
    let mut h = Sha256::new();
    h.update(b"x402-zk/receipt-memo/v1");
    h.update(commitment.to_be_bytes());
    hex::encode(h.finalize())
}

fn empty_quote(s: &IssuerState) -> PaymentRequired {
    // Idempotency through x402's payment-identifier extension, optional: the
    // transaction itself already names a payment.
    let mut extensions = serde_json::Map::new();
    extensions.insert(
        PAYMENT_IDENTIFIER.into(),
        serde_json::json!({ "info": { "required": false } }),
    );
    PaymentRequired {
        x402_version: X402_VERSION,
        error: None,
        resource: resource(s),
        accepts: vec![],
        extensions,
    }
}

fn resource(s: &IssuerState) -> ResourceInfo {
    ResourceInfo {
        url: format!("{}{RECEIPTS_PATH}", s.public_url),
        description: Some("a zk receipt for one x402 zk-receipt payment".into()),
        mime_type: Some("application/json".into()),
    }
}

/// Whether `accepted` is the quoted requirement: every field, but the blockhash,
/// which may have moved on since the quote (the ledger judges it).
fn same_terms(accepted: &PaymentRequirements, quoted: &PaymentRequirements) -> bool {
    let without_blockhash = |r: &PaymentRequirements| {
        let mut r = r.clone();
        r.extra.remove("recentBlockhash");
        r
    };
    without_blockhash(accepted) == without_blockhash(quoted)
}

fn issued(receipt: Receipt, transaction: String, s: &IssuerState, payer: String) -> Response {
    let settled = SettleResponse {
        success: true,
        error_reason: None,
        error_message: None,
        payer: Some(payer),
        transaction: transaction.clone(),
        network: s.network.clone(),
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&encode_header(&settled)) {
        headers.insert(PAYMENT_RESPONSE, v);
    }
    let body = ReceiptResponse {
        receipt,
        transaction,
        network: s.network.clone(),
    };
    (StatusCode::OK, headers, Json(body)).into_response()
}

/// `POST /v1/receipts`.
pub async fn receipts(
    State(s): State<IssuerState>,
    headers: HeaderMap,
    body: Result<Json<ReceiptRequest>, JsonRejection>,
) -> Response {
    match receipts_inner(&s, &headers, body).await {
        Ok(r) => r,
        Err(refusal) => refusal.into_response(),
    }
}

async fn receipts_inner(
    s: &IssuerState,
    headers: &HeaderMap,
    body: Result<Json<ReceiptRequest>, JsonRejection>,
) -> Result<Response, Refusal> {
    let Json(request) = body.map_err(|e| {
        Refusal::new(
            match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            },
            ErrorCode::InvalidPayload,
            format!("request body: {}", e.body_text()),
        )
    })?;
    // The payment, decoded once (none before the buyer has paid).
    let malformed = |m: String| Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidPayload, m);
    let payment: Option<Result<PaymentPayload, Refusal>> =
        headers.get(PAYMENT_SIGNATURE).map(|header| {
            header
                .to_str()
                .map_err(|_| malformed("PAYMENT-SIGNATURE is not ASCII".into()))
                .and_then(|h| {
                    decode_header(h).map_err(|e| malformed(format!("PAYMENT-SIGNATURE: {e}")))
                })
        });
    // A paid retry of a payment that already bought a receipt is answered from the
    // store first, whatever the ledger or this issuer's configuration say now.
    if let Some(Ok(paid)) = &payment {
        if let Some(answer) = earlier_receipt(s, paid, &request).await? {
            return Ok(answer);
        }
    }
    let (exact, amount) = quote(s, &request.requirement, &request.payer_commitment).await?;
    let offer = PaymentRequired {
        accepts: vec![exact.clone()],
        ..empty_quote(s)
    };
    let Some(payment) = payment else {
        return Err(Refusal::payment(
            Rejection::new(
                ErrorCode::InvalidPayload,
                "payment required: pay the exact requirement in PAYMENT-REQUIRED",
            ),
            offer,
        ));
    };
    let payment = payment?;
    if payment.x402_version != X402_VERSION {
        return Err(Refusal::payment(
            Rejection::new(
                ErrorCode::InvalidX402Version,
                "this issuer speaks x402 version 2",
            ),
            offer,
        ));
    }
    if !same_terms(&payment.accepted, &exact) {
        return Err(Refusal::payment(
            Rejection::new(
                ErrorCode::InvalidPaymentRequirements,
                "accepted does not match this issuer's exact requirement for the request",
            ),
            offer,
        ));
    }
    let payload = ExactSvmPayload::deserialize(&payment.payload)
        .map_err(|e| malformed(format!("payload of an exact payment on Solana: {e}")))?;
    let checked = check_payment(&payload, &exact, &s.fee_payer.pubkey())
        .map_err(|r| Refusal::payment(r, offer.clone()))?;
    bind_identifier(s, &payment, &request).await?;
    let payer = checked.authority.to_string();
    let tx = checked.co_sign(&s.fee_payer);
    let transaction = transaction_id(&tx);
    let payment_id = h2f::payment_id(&s.network, &transaction);
    let commitment = request.payer_commitment;

    // (A payment that already bought a receipt was answered by `earlier_receipt`;
    // a concurrent one is caught by `record_issued` below.)
    let started = Instant::now();
    s.ledger
        .settle(&tx)
        .await
        .map_err(|e| ledger_failure(e, offer.clone()))?;
    metrics::histogram!("ledger_settle_duration_seconds").record(started.elapsed().as_secs_f64());
    tracing::info!(%transaction, "payment settled");

    // The receipt binds the seller's destination in both modes; in pooled mode
    // the money went to the pool, and the seller is owed it.
    let seller = &request.requirement;
    let debt = match s.settlement {
        Settlement::Direct => None,
        Settlement::Pooled { .. } => Some(x402_zk_store::Debt {
            asset: seller.asset.clone(),
            pay_to: seller.pay_to.clone(),
            amount,
        }),
    };
    let body = ReceiptBody {
        amount,
        dest: h2f::dest(&s.network, &seller.asset, &seller.pay_to),
        paid_at: (s.clock)(),
        payment_id,
        payer_commitment: commitment,
    };
    let receipt = body.sign(&s.key);
    let json = serde_json::to_string(&receipt).expect("a receipt serializes");
    match s
        .store
        .record_issued(&payment_id, &json, debt.as_ref(), (s.clock)())
        .await
        .map_err(store_failure("record"))?
    {
        x402_zk_store::Issued::New => {
            metrics::counter!("receipts_issued_total").increment(1);
            Ok(issued(receipt, transaction, s, payer))
        }
        // A concurrent request for the same payment recorded first.
        x402_zk_store::Issued::Existing(existing) => {
            same_buyer(existing, commitment, transaction, s, payer)
        }
    }
}

/// The x402 `payment-identifier` extension: an id names the first payment it
/// came with (its payload and the commitment it buys for) for good. A retry with
/// the same id and payment goes on (and is answered as the first was); another
/// payment under a used id is refused with 409 before anything is settled.
async fn bind_identifier(
    s: &IssuerState,
    payment: &PaymentPayload,
    request: &ReceiptRequest,
) -> Result<(), Refusal> {
    let id = payment_identifier(&payment.extensions)
        .map_err(|m| Refusal::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidPayload, m))?;
    let Some(id) = id else {
        return Ok(());
    };
    let mut digest = Sha256::new();
    digest.update(serde_json::to_vec(&payment.payload).expect("JSON serializes"));
    digest.update(request.payer_commitment.to_be_bytes());
    let digest = hex::encode(digest.finalize());
    match s
        .store
        .bind_payment_identifier(&id, &digest, (s.clock)())
        .await
        .map_err(store_failure("bind identifier"))?
    {
        IdentifierBinding::New | IdentifierBinding::Same => Ok(()),
        IdentifierBinding::Conflict => Err(Refusal::new(
            StatusCode::CONFLICT,
            ErrorCode::PaymentIdentifierConflict,
            format!(
                "payment-identifier {id} was first used for another payment; \
                 a new payment needs a new id"
            ),
        )),
    }
}

async fn earlier_receipt(
    s: &IssuerState,
    payment: &PaymentPayload,
    request: &ReceiptRequest,
) -> Result<Option<Response>, Refusal> {
    let Some((transaction, authority)) = ExactSvmPayload::deserialize(&payment.payload)
        .ok()
        .and_then(|p| prospective_id(&p, &s.fee_payer))
    else {
        return Ok(None);
    };
    let payment_id = h2f::payment_id(&s.network, &transaction);
    match s
        .store
        .issued(&payment_id)
        .await
        .map_err(store_failure("lookup"))?
    {
        Some(existing) => {
            let payer = authority.to_string();
            same_buyer(existing, request.payer_commitment, transaction, s, payer).map(Some)
        }
        None => Ok(None),
    }
}

/// Returns the receipt recorded for this payment if it was made for the same
/// commitment (a retry), refuses otherwise (a second receipt for one payment).
fn same_buyer(
    existing: String,
    commitment: x402_zk_primitives::FieldElement,
    transaction: String,
    s: &IssuerState,
    payer: String,
) -> Result<Response, Refusal> {
    let receipt: Receipt = serde_json::from_str(&existing).map_err(|e| {
        tracing::error!(error = %e, "a recorded receipt does not parse");
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::UnexpectedSettleError,
            "internal error",
        )
    })?;
    if receipt.body.payer_commitment != commitment {
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            ErrorCode::DuplicateSettlement,
            "this payment already bought a receipt; pay again for another",
        ));
    }
    Ok(issued(receipt, transaction, s, payer))
}

/// `GET /v1/issuer`.
pub async fn describe(State(s): State<IssuerState>) -> Json<IssuerDescription> {
    Json(IssuerDescription {
        key: s.key.public_key(),
        network: s.network.clone(),
        fee_payer: s.fee_payer.pubkey().to_string(),
        pool: match s.settlement {
            Settlement::Direct => None,
            Settlement::Pooled { pool } => Some(pool.to_string()),
        },
    })
}
