//! The issuer through its router (`oneshot`), settling on an embedded LiteSVM chain.

use axum::{
    body::Body,
    http::{Request, StatusCode},
    Router,
};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;
use x402_zk_issuer::{app, IssuerState, PayoutJob, PayoutPolicy, Settlement};
use x402_zk_primitives::{eddsa::SecretKey, h2f, FieldElement, PayerSecret};
use x402_zk_protocol::{
    decode_header, encode_header,
    issuance::{ReceiptRequest, ReceiptResponse},
    PaymentPayload, PaymentRequired, PaymentRequirements, PAYMENT_REQUIRED, PAYMENT_SIGNATURE,
};
use x402_zk_store::{IssuedStore, PayoutStore, Store};
use x402_zk_svm::{build_payment, Address, Keypair, Ledger, LedgerError, LiteSvmLedger, Signer};

const NETWORK: &str = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PRICE: u64 = 25_000;

struct Fixture {
    app: Router,
    store: Arc<Store>,
    ledger: Arc<LiteSvmLedger>,
    buyer: Keypair,
    mint: Address,
    pay_to: Address,
    fee_payer: Arc<Keypair>,
    /// The pool wallet of a pooled issuer.
    pool: Option<Arc<Keypair>>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    fixture_with(false).await
}

async fn fixture_with(pooled: bool) -> Fixture {
    fixture_on(pooled, 0).await
}

/// A ledger whose first `timeouts` confirmations time out although the
/// transaction landed (a slow cluster, a lost answer).
struct LateLedger {
    inner: Arc<LiteSvmLedger>,
    timeouts: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Ledger for LateLedger {
    async fn latest_blockhash(&self) -> Result<x402_zk_svm::Hash, LedgerError> {
        self.inner.latest_blockhash().await
    }
    async fn mint_decimals(&self, mint: &Address) -> Result<u8, LedgerError> {
        self.inner.mint_decimals(mint).await
    }
    async fn settle(&self, tx: &x402_zk_svm::VersionedTransaction) -> Result<(), LedgerError> {
        self.inner.settle(tx).await?;
        use std::sync::atomic::Ordering::SeqCst;
        match self
            .timeouts
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
        {
            Ok(_) => Err(LedgerError::NotConfirmed(std::time::Duration::from_secs(
                60,
            ))),
            Err(_) => Ok(()),
        }
    }
    async fn has_token_account(
        &self,
        owner: &Address,
        mint: &Address,
    ) -> Result<bool, LedgerError> {
        self.inner.has_token_account(owner, mint).await
    }
    async fn outcome(
        &self,
        tx: &x402_zk_svm::VersionedTransaction,
    ) -> Result<x402_zk_svm::Outcome, LedgerError> {
        self.inner.outcome(tx).await
    }
}

async fn fixture_on(pooled: bool, timeouts: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(LiteSvmLedger::new());
    let fee_payer = ledger.funded_keypair(1_000_000_000).unwrap();
    let authority = ledger.funded_keypair(1_000_000_000).unwrap();
    let mint = ledger.create_mint(&authority, 6).unwrap();
    let buyer = Keypair::new();
    ledger
        .mint_to(&authority, &mint, &buyer.pubkey(), 10 * PRICE)
        .unwrap();
    let pay_to = Keypair::new().pubkey();
    ledger
        .create_token_account(&authority, &mint, &pay_to)
        .unwrap();
    let url = format!("sqlite://{}", dir.path().join("issuer.db").display());
    let store = Arc::new(Store::open(&url).await.unwrap());
    let settles_on: Arc<dyn Ledger> = match timeouts {
        0 => ledger.clone(),
        n => Arc::new(LateLedger {
            inner: ledger.clone(),
            timeouts: n.into(),
        }),
    };
    let mut state = IssuerState::new(
        SecretKey::generate(),
        fee_payer,
        settles_on,
        NETWORK,
        store.clone(),
        "http://issuer.test",
    );
    state.assets = vec![mint.to_string()];
    let pool = pooled.then(|| Arc::new(Keypair::new()));
    if let Some(pool) = &pool {
        ledger
            .create_token_account(&authority, &mint, &pool.pubkey())
            .unwrap();
        state.settlement = Settlement::Pooled {
            pool: pool.pubkey(),
        };
    }
    Fixture {
        fee_payer: state.fee_payer.clone(),
        app: app(state),
        store,
        ledger,
        buyer,
        mint,
        pay_to,
        pool,
        _dir: dir,
    }
}

impl Fixture {
    fn seller_requirement(&self) -> PaymentRequirements {
        PaymentRequirements {
            scheme: "zk-receipt".into(),
            network: NETWORK.into(),
            amount: PRICE.to_string(),
            asset: self.mint.to_string(),
            pay_to: self.pay_to.to_string(),
            max_timeout_seconds: 60,
            extra: Default::default(),
        }
    }

    async fn post(
        &self,
        body: &ReceiptRequest,
        payment: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let mut req = Request::post("/v1/receipts").header("content-type", "application/json");
        if let Some(p) = payment {
            req = req.header(PAYMENT_SIGNATURE, p);
        }
        let response = self
            .app
            .clone()
            .oneshot(
                req.body(Body::from(serde_json::to_vec(body).unwrap()))
                    .unwrap(),
            )
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }

    /// The 402 quote, then a payment for it signed by `payer`.
    async fn pay(
        &self,
        request: &ReceiptRequest,
        payer: &Keypair,
        edit: impl FnOnce(&mut PaymentRequirements),
    ) -> String {
        let (status, headers, _) = self.post(request, None).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
        let quote: PaymentRequired =
            decode_header(headers[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
        let mut exact = quote.accepts[0].clone();
        assert_eq!(exact.scheme, "exact");
        let paid_to = self.pool.as_ref().map_or(self.pay_to, |p| p.pubkey());
        assert_eq!(
            (exact.amount.as_str(), exact.pay_to.as_str()),
            (PRICE.to_string().as_str(), paid_to.to_string().as_str())
        );
        let accepted = exact.clone();
        edit(&mut exact);
        let payload = build_payment(payer, &exact).unwrap();
        encode_header(&PaymentPayload {
            x402_version: 2,
            resource: Some(quote.resource),
            accepted,
            payload: serde_json::to_value(payload).unwrap(),
            extensions: Default::default(),
        })
    }
}

fn request(commitment: FieldElement, requirement: PaymentRequirements) -> ReceiptRequest {
    ReceiptRequest {
        requirement,
        payer_commitment: commitment,
    }
}

#[tokio::test]
async fn a_paid_request_gets_a_recorded_receipt_once() {
    let f = fixture().await;
    let secret = PayerSecret::generate();
    let req = request(secret.commitment(), f.seller_requirement());
    let payment = f.pay(&req, &f.buyer, |_| {}).await;

    let (status, headers, body) = f.post(&req, Some(&payment)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(headers.contains_key("payment-response"));
    let issued: ReceiptResponse = serde_json::from_value(body).unwrap();
    let receipt = issued.receipt;
    receipt.verify().unwrap();
    assert_eq!(receipt.body.amount, PRICE);
    assert_eq!(receipt.body.payer_commitment, secret.commitment());
    assert_eq!(
        receipt.body.dest,
        h2f::dest(NETWORK, &f.mint.to_string(), &f.pay_to.to_string())
    );
    assert_eq!(
        receipt.body.payment_id,
        h2f::payment_id(NETWORK, &issued.transaction)
    );
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), PRICE);
    // Recorded before it was returned.
    let stored = f
        .store
        .issued(&receipt.body.payment_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::from_str::<x402_zk_primitives::Receipt>(&stored).unwrap(),
        receipt
    );

    // The same paid request again (a retry after a lost answer): the same receipt,
    // and the payment is not settled twice.
    let (status, _, body) = f.post(&req, Some(&payment)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<ReceiptResponse>(body)
            .unwrap()
            .receipt,
        receipt
    );
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), PRICE);

    // The same payment for another commitment: a second receipt, refused.
    let other = request(PayerSecret::generate().commitment(), f.seller_requirement());
    let (status, _, body) = f.post(&other, Some(&payment)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "duplicate_settlement");
}

/// The x402 payment-identifier extension on the payment.
fn with_identifier(header: &str, id: &str) -> String {
    let mut payment: PaymentPayload = decode_header(header).unwrap();
    payment.extensions.insert(
        "payment-identifier".into(),
        serde_json::json!({"info": {"id": id}}),
    );
    encode_header(&payment)
}

#[tokio::test]
async fn a_ledger_timeout_is_retried_idempotently_with_a_payment_identifier() {
    let f = fixture_on(false, 2).await;
    let secret = PayerSecret::generate();
    let req = request(secret.commitment(), f.seller_requirement());
    let (_, headers, _) = f.post(&req, None).await;
    let quote: PaymentRequired =
        decode_header(headers[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
    assert_eq!(
        quote.extensions["payment-identifier"],
        serde_json::json!({"info": {"required": false}})
    );
    let id = "pay_4f1c0e9a7b2d46e8a1c3";
    let payment = with_identifier(&f.pay(&req, &f.buyer, |_| {}).await, id);

    // The payment lands, but its confirmation times out twice: 504, retry.
    for _ in 0..2 {
        let (status, _, body) = f.post(&req, Some(&payment)).await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
        assert_eq!(
            body["error"],
            "settle_exact_svm_transaction_confirmation_timed_out"
        );
    }
    let (status, _, body) = f.post(&req, Some(&payment)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let receipt = serde_json::from_value::<ReceiptResponse>(body)
        .unwrap()
        .receipt;
    // Retried again after the answer was lost: the same receipt.
    let (status, _, body) = f.post(&req, Some(&payment)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<ReceiptResponse>(body)
            .unwrap()
            .receipt,
        receipt
    );

    // Another payment (for another receipt) under the same id: refused before
    // anything settles.
    let other_req = request(PayerSecret::generate().commitment(), f.seller_requirement());
    let other = with_identifier(&f.pay(&other_req, &f.buyer, |_| {}).await, id);
    let (status, _, body) = f.post(&other_req, Some(&other)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "payment_identifier_conflict");
    // A malformed id is refused too.
    let bad = with_identifier(&f.pay(&other_req, &f.buyer, |_| {}).await, "short");
    assert_eq!(
        f.post(&other_req, Some(&bad)).await.0,
        StatusCode::BAD_REQUEST
    );

    // Four answers and three settlement attempts: paid once, one receipt.
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), PRICE);
    assert!(f
        .store
        .issued(&receipt.body.payment_id)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_pooled_payment_goes_to_the_pool_and_the_payout_pays_the_seller_once() {
    let f = fixture_with(true).await;
    let pool = f.pool.clone().unwrap();
    let (status, _, described) = {
        let response = f
            .app
            .clone()
            .oneshot(Request::get("/v1/issuer").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            (),
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
        )
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(described["pool"], pool.pubkey().to_string());

    let mut receipts = vec![];
    for _ in 0..2 {
        let req = request(PayerSecret::generate().commitment(), f.seller_requirement());
        let payment = f.pay(&req, &f.buyer, |_| {}).await;
        let (status, _, body) = f.post(&req, Some(&payment)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let issued: ReceiptResponse = serde_json::from_value(body).unwrap();
        // The receipt binds the seller, though the money went to the pool.
        assert_eq!(
            issued.receipt.body.dest,
            h2f::dest(NETWORK, &f.mint.to_string(), &f.pay_to.to_string())
        );
        // A retry is owed once.
        assert_eq!(f.post(&req, Some(&payment)).await.0, StatusCode::OK);
        receipts.push(issued);
    }
    assert_eq!(f.ledger.token_balance(&pool.pubkey(), &f.mint), 2 * PRICE);
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), 0);
    let owed = f.store.owed().await.unwrap();
    assert_eq!(owed.len(), 1);
    assert_eq!(
        (owed[0].pay_to.as_str(), owed[0].amount, owed[0].receipts),
        (f.pay_to.to_string().as_str(), u128::from(2 * PRICE), 2)
    );

    // Not due yet under a daily policy; due under "everything".
    let daily = PayoutJob::new(
        f.store.clone(),
        f.ledger.clone(),
        f.fee_payer.clone(),
        pool.clone(),
        PayoutPolicy::default(),
    );
    assert!(daily.run_once().await.unwrap().confirmed.is_empty());
    let job = PayoutJob::new(
        f.store.clone(),
        f.ledger.clone(),
        f.fee_payer.clone(),
        pool.clone(),
        PayoutPolicy::everything(),
    );
    let run = job.run_once().await.unwrap();
    assert_eq!(run.confirmed.len(), 1);
    assert_eq!(
        (run.confirmed[0].amount, run.confirmed[0].receipts),
        (2 * PRICE, 2)
    );
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), 2 * PRICE);
    assert_eq!(f.ledger.token_balance(&pool.pubkey(), &f.mint), 0);
    assert!(f.store.owed().await.unwrap().is_empty());
    assert!(
        job.run_once().await.unwrap().confirmed.is_empty(),
        "paid once"
    );

    // What the chain shows: buyer → pool twice, then one pool → seller.
    let seen: Vec<(Address, Address, u64)> = f
        .ledger
        .transfers()
        .iter()
        .map(|t| (t.from, t.to, t.amount))
        .collect();
    let (buyer, pool) = (f.buyer.pubkey(), pool.pubkey());
    assert_eq!(
        seen,
        vec![
            (buyer, pool, PRICE),
            (buyer, pool, PRICE),
            (pool, f.pay_to, 2 * PRICE)
        ]
    );
    assert!(receipts.iter().all(|r| f
        .ledger
        .transfers()
        .iter()
        .any(|t| t.transaction == r.transaction && t.to == pool)));
}

#[tokio::test]
async fn a_pooled_issuer_takes_no_payment_for_a_seller_it_could_not_pay() {
    let f = fixture_with(true).await;
    let mut requirement = f.seller_requirement();
    requirement.pay_to = Keypair::new().pubkey().to_string(); // no token account
    let req = request(PayerSecret::generate().commitment(), requirement);
    let (status, headers, body) = f.post(&req, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_payment_requirements");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no token account"),
        "{body}"
    );
    assert!(!headers.contains_key(PAYMENT_REQUIRED), "no quote to pay");
}

#[tokio::test]
async fn payments_that_break_the_exact_rules_are_refused_and_move_nothing() {
    let f = fixture().await;
    let req = request(PayerSecret::generate().commitment(), f.seller_requirement());
    let wrong_mint = Keypair::new().pubkey().to_string();
    type Edit = Box<dyn FnOnce(&mut PaymentRequirements)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(move |r| r.asset = wrong_mint),
            "invalid_exact_svm_payload_transaction_mint_mismatch",
        ),
        (
            Box::new(|r| r.pay_to = Keypair::new().pubkey().to_string()),
            "invalid_exact_svm_payload_transaction_transfer_to_incorrect_ata",
        ),
        (
            Box::new(|r| r.amount = (PRICE - 1).to_string()),
            "invalid_exact_svm_payload_transaction_amount_mismatch",
        ),
        (
            Box::new(|r| {
                r.extra.insert(
                    "feePayer".into(),
                    Keypair::new().pubkey().to_string().into(),
                );
            }),
            "invalid_exact_svm_payload_transaction",
        ),
    ];
    for (edit, code) in cases {
        let payment = f.pay(&req, &f.buyer, edit).await;
        let (status, headers, body) = f.post(&req, Some(&payment)).await;
        assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{code}");
        assert_eq!(body["error"], code);
        let again: PaymentRequired =
            decode_header(headers[PAYMENT_REQUIRED].to_str().unwrap()).unwrap();
        assert_eq!(again.error.as_deref(), Some(code));
    }
    // Unsigned: the buyer's signature slot is empty.
    let payment = f.pay(&req, &Keypair::new(), |_| {}).await;
    let mut p: PaymentPayload = decode_header(&payment).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut tx = b64
        .decode(p.payload["transaction"].as_str().unwrap())
        .unwrap();
    tx[1 + 64..1 + 128].fill(0);
    p.payload["transaction"] = b64.encode(tx).into();
    let (status, _, body) = f.post(&req, Some(&encode_header(&p))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::PAYMENT_REQUIRED,
            Some("invalid_exact_svm_payload_transaction")
        )
    );
    // A buyer without funds: the ledger refuses, nothing is issued.
    let poor = Keypair::new();
    let payment = f.pay(&req, &poor, |_| {}).await;
    let (status, _, body) = f.post(&req, Some(&payment)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::PAYMENT_REQUIRED,
            Some("invalid_exact_svm_payload_transaction_simulation_failed")
        )
    );
    // Malformed header and body.
    let (status, _, body) = f.post(&req, Some("%%%")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_payload"))
    );
    assert_eq!(f.ledger.token_balance(&f.pay_to, &f.mint), 0);
}

#[tokio::test]
async fn requirements_the_issuer_cannot_serve_are_refused() {
    let f = fixture().await;
    let mut other_network = f.seller_requirement();
    other_network.network = "eip155:8453".into();
    let (status, _, body) = f
        .post(
            &request(PayerSecret::generate().commitment(), other_network),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_network"))
    );
    let mut not_a_mint = f.seller_requirement();
    not_a_mint.asset = f.pay_to.to_string();
    let (status, _, body) = f
        .post(
            &request(PayerSecret::generate().commitment(), not_a_mint),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("invalid_payment_requirements")
        )
    );
    let response = f
        .app
        .clone()
        .oneshot(
            Request::post("/v1/receipts")
                .header("content-type", "application/json")
                .body(Body::from("{"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
