//! The buyer's side of x402 `zk-receipt` payments. On a 402 the [`Buyer`] picks
//! the `zk-receipt` requirement, takes an unspent matching receipt from its
//! [`Wallet`] or buys one from an issuer the seller trusts (paying the issuer's
//! `exact` requirement with its Solana key), proves locally (the witness never
//! leaves the process) and retries with `PAYMENT-SIGNATURE`.
//!
//! ```no_run
//! # async fn run(pk: x402_zk_prover::ProvingKey, payer: x402_zk_svm::Keypair) -> Result<(), x402_zk_client::ClientError> {
//! let wallet = x402_zk_client::Wallet::open("wallet")?;
//! let buyer = x402_zk_client::Buyer::new(wallet, pk, Some(payer));
//! let paid = buyer.get("http://127.0.0.1:4022/report").await?;
//! println!("{} after {:?}", paid.status, paid.steps);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod wallet;

pub use wallet::{PendingPurchase, Wallet, WalletError, WalletReceipt};
pub use x402_zk_resilience::{retry, Attempt, Endpoints};

use std::sync::Arc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use x402_zk_primitives::{h2f, PayerSecret, Policy, Receipt, Statement, Witness};
use x402_zk_protocol::{
    decode_header, encode_header,
    issuance::{ReceiptRequest, ReceiptResponse},
    proving::{ProofRequest, ProofResponse, SellerPolicy, PROOFS_PATH},
    zk_receipt::IssuerInfo,
    ErrorCode, PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse,
    ZkReceiptExtra, ZkReceiptPayload, PAYMENT_IDENTIFIER, PAYMENT_REQUIRED, PAYMENT_RESPONSE,
    PAYMENT_SIGNATURE, SCHEME, X402_VERSION,
};
use x402_zk_prover::{Prover, ProvingKey};
use x402_zk_svm::{build_payment, Keypair};
use x402_zk_verifier::Proof;

/// Seconds subtracted from "now" against clock differences and request latency
/// when choosing `not_before`.
const CLOCK_MARGIN_SECONDS: u64 = 30;

/// Why a paid request failed. The wallet is intact in every case: a receipt is
/// marked spent only when a seller accepted it or reported it spent.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// HTTP transport.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The wallet.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// The 402 offers nothing this client can pay.
    #[error("the 402 offers no zk-receipt requirement this client can pay: {0}")]
    NoPayableRequirement(String),
    /// No receipt fits and none can be bought.
    #[error("no unspent receipt fits this requirement, and {0}")]
    CannotBuy(String),
    /// The issuer refused or failed.
    #[error("issuer {url} answered {status}: {code}: {message}")]
    Issuer {
        /// Issuer URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// x402 error code.
        code: String,
        /// Detail.
        message: String,
    },
    /// The issuer returned a receipt that does not check out.
    #[error("the issuer's receipt is invalid: {0}")]
    BadReceipt(String),
    /// Proving failed.
    #[error("proving: {0}")]
    Prove(String),
    /// The seller refused the proof.
    #[error("the seller refused the payment: {code}: {message}")]
    Refused {
        /// x402 error code.
        code: String,
        /// Detail.
        message: String,
    },
}

/// The outcome of [`Buyer::get`].
#[derive(Debug)]
pub struct Paid {
    /// Final HTTP status.
    pub status: reqwest::StatusCode,
    /// Final body.
    pub body: Vec<u8>,
    /// The seller's `PAYMENT-RESPONSE`, if it charged.
    pub settlement: Option<SettleResponse>,
    /// Whether a receipt was bought for this request.
    pub bought: bool,
    /// The public inputs of the proof sent: everything the seller learns.
    pub statement: Option<x402_zk_primitives::Statement>,
    /// The `PAYMENT-SIGNATURE` value sent.
    pub payment_signature: Option<String>,
    /// Wall time of each step.
    pub steps: Vec<(&'static str, Duration)>,
}

/// A buyer that pays on 402.
pub struct Buyer {
    http: reqwest::Client,
    wallet: Wallet,
    proving_key: Arc<ProvingKey>,
    /// The fast prover, prepared in the background from `proving_key`; until it
    /// is ready (about a second of table building), proofs use the stock prover.
    prover: Arc<OnceLock<Prover>>,
    vk_hash: String,
    payer: Option<Arc<Keypair>>,
    /// Remote provers to try before proving locally (none: always local).
    provers: Option<Arc<Endpoints>>,
    /// One payment at a time per wallet in this process.
    lock: tokio::sync::Mutex<()>,
}

/// Attempts at sending a paid purchase to the issuer (safe to repeat: the
/// issuer answers a repeated payment with the receipt it already issued).
const PURCHASE_ATTEMPTS: usize = 4;
/// How long one attempt may take (the issuer waits up to 60 s for confirmation).
const PURCHASE_DEADLINE: Duration = Duration::from_secs(75);

use x402_zk_protocol::unix_now as now;

fn header<T: serde::de::DeserializeOwned>(r: &reqwest::Response, name: &str) -> Option<T> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| decode_header(v).ok())
}

impl Buyer {
    /// A buyer with `wallet`, proving with `proving_key`; `payer` is the Solana
    /// key that buys receipts (without it, only receipts in the wallet are used).
    pub fn new(wallet: Wallet, proving_key: ProvingKey, payer: Option<Keypair>) -> Self {
        let vk_hash = proving_key
            .verifying_key()
            .map(|vk| vk.hash_hex())
            .unwrap_or_default();
        let proving_key = Arc::new(proving_key);
        let prover = Arc::new(OnceLock::new());
        {
            let (pk, prover) = (proving_key.clone(), prover.clone());
            std::thread::spawn(move || match Prover::new(&pk) {
                Ok(ready) => {
                    let _ = prover.set(ready);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fast prover unavailable; proving with the stock prover")
                }
            });
        }
        Buyer {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("a TLS backend is compiled in"),
            wallet,
            proving_key,
            prover,
            vk_hash,
            payer: payer.map(Arc::new),
            provers: None,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Proves through these prover services first (in order, failing over on an
    /// error, a 5xx or no answer within `deadline`, each behind a circuit
    /// breaker), and locally only if none answers. **A prover service sees the
    /// witness** (receipt and payer secret): use only provers you run or trust
    /// with linking your payments. Their proofs are verified before use.
    pub fn with_provers(mut self, urls: Vec<String>, deadline: Duration) -> Self {
        self.provers = (!urls.is_empty()).then(|| Arc::new(Endpoints::new(urls, deadline)));
        self
    }

    /// Another buyer with its own `wallet`, sharing this one's proving key,
    /// prepared prover, HTTP client and Solana payer (many concurrent buyers in
    /// one process, as the load test runs, without a prover each).
    pub fn with_wallet(&self, wallet: Wallet) -> Self {
        Buyer {
            http: self.http.clone(),
            wallet,
            proving_key: self.proving_key.clone(),
            prover: self.prover.clone(),
            vk_hash: self.vk_hash.clone(),
            payer: self.payer.clone(),
            provers: self.provers.clone(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The wallet.
    pub fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// `GET url`, paying privately if the seller answers 402.
    pub async fn get(&self, url: &str) -> Result<Paid, ClientError> {
        let _one_at_a_time = self.lock.lock().await;
        let mut steps = Vec::new();
        let t = Instant::now();
        let first = self.http.get(url).send().await?;
        steps.push(("request (402 with PAYMENT-REQUIRED)", t.elapsed()));
        if first.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
            return Ok(Paid {
                status: first.status(),
                settlement: None,
                bought: false,
                statement: None,
                payment_signature: None,
                body: first.bytes().await?.to_vec(),
                steps,
            });
        }
        let required: PaymentRequired = header(&first, PAYMENT_REQUIRED).ok_or_else(|| {
            ClientError::NoPayableRequirement("no readable PAYMENT-REQUIRED header".into())
        })?;
        let (requirement, extra) = self.pick(&required)?;
        let price = x402_zk_primitives::field::parse_u64(&requirement.amount)
            .map_err(|e| ClientError::NoPayableRequirement(format!("amount: {e}")))?;

        let t = Instant::now();
        // Receipts paid for but not received (an earlier crash or timeout) first:
        // never pay twice for want of resending.
        if !self.wallet.pending_purchases()?.is_empty() {
            self.resume_locked().await?;
        }
        let (entry, bought) = match self.find(&requirement, &extra, price)? {
            Some(entry) => (entry, false),
            None => (self.buy(&requirement, &extra, price).await?, true),
        };
        if bought {
            steps.push(("buy receipt (issuer settles exact payment)", t.elapsed()));
        }

        let t = Instant::now();
        let policy = Policy {
            dest: entry.receipt.body.dest,
            min_amount: price,
            not_before: now()
                .saturating_sub(extra.max_payment_age_seconds)
                .saturating_add(CLOCK_MARGIN_SECONDS)
                .min(entry.receipt.body.paid_at),
            issuer: entry.receipt.issuer,
            context: h2f::context(&required.resource.url, &extra.challenge),
        };
        let witness = Witness {
            receipt: entry.receipt,
            payer_secret: entry.payer_secret.clone(),
        };
        let remote = match &self.provers {
            Some(provers) => {
                let terms = SellerPolicy {
                    network: requirement.network.clone(),
                    asset: requirement.asset.clone(),
                    pay_to: requirement.pay_to.clone(),
                    min_amount: price,
                    not_before: policy.not_before,
                    issuer: policy.issuer,
                    resource: required.resource.url.clone(),
                    challenge: extra.challenge.clone(),
                };
                self.prove_remotely(provers, &witness, terms).await?
            }
            None => None,
        };
        let (statement, proof) = match remote {
            Some((url, proved)) => {
                steps.push(("prove (remote prover)", t.elapsed()));
                tracing::info!(%url, "proved by a remote prover");
                proved
            }
            None => {
                let (pk, prover) = (self.proving_key.clone(), self.prover.clone());
                let proved = tokio::task::spawn_blocking(move || match prover.get() {
                    Some(fast) => fast.prove(&witness, &policy, &mut rand::rngs::OsRng),
                    None => x402_zk_prover::prove(&pk, &witness, &policy, &mut rand::rngs::OsRng),
                })
                .await
                .map_err(|e| ClientError::Prove(e.to_string()))?
                .map_err(|e| ClientError::Prove(e.to_string()))?;
                steps.push(("prove (Groth16, local)", t.elapsed()));
                proved
            }
        };

        let payment = PaymentPayload {
            x402_version: X402_VERSION,
            resource: Some(required.resource.clone()),
            accepted: requirement,
            payload: ZkReceiptPayload::new(&statement, &proof).to_value(),
            extensions: Default::default(),
        };
        let t = Instant::now();
        let payment_signature = encode_header(&payment);
        let paid = self
            .http
            .get(url)
            .header(PAYMENT_SIGNATURE, &payment_signature)
            .send()
            .await?;
        steps.push((
            "paid request (seller verifies, serves, settles)",
            t.elapsed(),
        ));
        let settlement: Option<SettleResponse> = header(&paid, PAYMENT_RESPONSE);
        if paid.status().is_success() && settlement.as_ref().is_some_and(|s| s.success) {
            self.wallet.mark_spent(&entry.receipt)?;
        } else if paid.status() == reqwest::StatusCode::PAYMENT_REQUIRED {
            let refusal: Option<PaymentRequired> = header(&paid, PAYMENT_REQUIRED);
            let code = refusal.and_then(|r| r.error).unwrap_or_default();
            if code == ErrorCode::InvalidZkReceiptNullifierUsed.as_str() {
                // Spent elsewhere (an earlier attempt that settled): never offer it again.
                self.wallet.mark_spent(&entry.receipt)?;
            }
            let message = String::from_utf8_lossy(&paid.bytes().await?).into_owned();
            return Err(ClientError::Refused { code, message });
        }
        Ok(Paid {
            status: paid.status(),
            settlement,
            bought,
            statement: Some(statement),
            payment_signature: Some(payment_signature),
            body: paid.bytes().await?.to_vec(),
            steps,
        })
    }

    /// A proof from the first remote prover that gives a valid one; `None` when
    /// none does (down, slow, failing or lying), so the caller proves locally.
    async fn prove_remotely(
        &self,
        provers: &Endpoints,
        witness: &Witness,
        terms: SellerPolicy,
    ) -> Result<Option<(String, (Statement, Proof))>, ClientError> {
        let expected = witness
            .statement(&terms.policy())
            .map_err(|e| ClientError::Prove(e.to_string()))?;
        let vk = self
            .proving_key
            .verifying_key()
            .map_err(|e| ClientError::Prove(e.to_string()))?;
        let request = ProofRequest {
            receipt: witness.receipt,
            payer_secret: witness.payer_secret.clone(),
            policy: terms,
        };
        let call = |url: String| {
            let (request, expected, vk) = (&request, &expected, &vk);
            async move {
                let endpoint = format!("{}{PROOFS_PATH}", url.trim_end_matches('/'));
                let answer = match self.http.post(&endpoint).json(request).send().await {
                    Ok(a) => a,
                    Err(e) => return Attempt::Failed(e.to_string()),
                };
                let status = answer.status();
                if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                    return Attempt::Failed(format!("answered {status}"));
                }
                if !status.is_success() {
                    // About this request (e.g. a stale receipt), not the prover:
                    // another prover, or local proving, would refuse it too.
                    let body = answer.text().await.unwrap_or_default();
                    return Attempt::Done(Err(ClientError::Prove(format!(
                        "the prover refused the request ({status}): {body}"
                    ))));
                }
                let proved = answer
                    .json::<ProofResponse>()
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r.payload.decode().map_err(|e| e.message));
                match proved {
                    Ok((statement, proof))
                        if statement == *expected
                            && x402_zk_verifier::verify(vk, &statement, &proof).is_ok() =>
                    {
                        Attempt::Done(Ok::<_, ClientError>((url, (statement, proof))))
                    }
                    Ok(_) => Attempt::Failed("its proof does not verify for our statement".into()),
                    Err(e) => Attempt::Failed(format!("unreadable answer: {e}")),
                }
            }
        };
        match provers.first(call).await {
            Ok(answer) => answer.map(Some),
            Err(passed_over) => {
                tracing::warn!(?passed_over, "no remote prover answered; proving locally");
                Ok(None)
            }
        }
    }

    /// The first `zk-receipt` requirement for our verifying key.
    fn pick(
        &self,
        required: &PaymentRequired,
    ) -> Result<(PaymentRequirements, ZkReceiptExtra), ClientError> {
        let mut why = String::from("no zk-receipt requirement");
        for r in required.accepts.iter().filter(|r| r.scheme == SCHEME) {
            match ZkReceiptExtra::from_requirements(r) {
                Ok(extra) if extra.vk_hash == self.vk_hash => return Ok((r.clone(), extra)),
                Ok(_) => why = "the seller's vkHash differs from this client's proving key".into(),
                Err(e) => why = e.to_string(),
            }
        }
        Err(ClientError::NoPayableRequirement(why))
    }

    /// An unspent receipt from a trusted issuer, to the seller's dest, for at least
    /// the price, recent enough.
    fn find(
        &self,
        r: &PaymentRequirements,
        extra: &ZkReceiptExtra,
        price: u64,
    ) -> Result<Option<WalletReceipt>, ClientError> {
        let dest = h2f::dest(&r.network, &r.asset, &r.pay_to);
        let oldest = now()
            .saturating_sub(extra.max_payment_age_seconds)
            .saturating_add(CLOCK_MARGIN_SECONDS);
        Ok(self
            .wallet
            .receipts()?
            .into_iter()
            .filter(|e| {
                let b = &e.receipt.body;
                !e.spent
                    && b.dest == dest
                    && b.amount >= price
                    && b.paid_at >= oldest
                    && extra.issuers.iter().any(|i| i.key == e.receipt.issuer)
            })
            .min_by_key(|e| e.receipt.body.amount))
    }

    /// Buys a receipt for `r` from the first trusted issuer with a URL.
    async fn buy(
        &self,
        r: &PaymentRequirements,
        extra: &ZkReceiptExtra,
        price: u64,
    ) -> Result<WalletReceipt, ClientError> {
        let payer = self.payer.as_ref().ok_or_else(|| {
            ClientError::CannotBuy("no Solana key is configured to buy one".into())
        })?;
        let secret = PayerSecret::generate();
        let request = ReceiptRequest {
            requirement: r.clone(),
            payer_commitment: secret.commitment(),
        };
        // Quotes are free: an issuer that is down or failing (transport error,
        // 5xx) is passed over for the next trusted one. Nothing is paid until an
        // issuer has quoted, and that one alone is paid.
        let mut quoted = None;
        let mut passed_over = Vec::new();
        for issuer in extra.issuers.iter().filter(|i| i.url.is_some()) {
            let url = format!(
                "{}{}",
                issuer
                    .url
                    .as_deref()
                    .unwrap_or_default()
                    .trim_end_matches('/'),
                x402_zk_protocol::issuance::RECEIPTS_PATH
            );
            match self.http.post(&url).json(&request).send().await {
                Ok(q) if q.status().is_server_error() => {
                    passed_over.push(format!("{url}: HTTP {}", q.status()))
                }
                Ok(q) => {
                    quoted = Some((issuer, url, q));
                    break;
                }
                Err(e) => passed_over.push(format!("{url}: {e}")),
            }
        }
        let Some((issuer, url, quote)) = quoted else {
            return Err(ClientError::CannotBuy(if passed_over.is_empty() {
                "no trusted issuer has a URL".into()
            } else {
                format!("no trusted issuer answered: {}", passed_over.join("; "))
            }));
        };
        if !passed_over.is_empty() {
            tracing::warn!(?passed_over, %url, "issuers passed over");
        }
        if quote.status() != reqwest::StatusCode::PAYMENT_REQUIRED {
            return Err(issuer_error(&url, quote).await);
        }
        let offer: PaymentRequired = header(&quote, PAYMENT_REQUIRED).ok_or_else(|| {
            ClientError::CannotBuy("the issuer's 402 has no readable PAYMENT-REQUIRED".into())
        })?;
        let exact = offer
            .accepts
            .iter()
            .find(|a| a.scheme == x402_zk_svm::exact::SCHEME && a.network == r.network)
            .ok_or_else(|| ClientError::CannotBuy("the issuer offers no exact payment".into()))?;
        payable(exact, r, issuer)?;
        let payload =
            build_payment(payer, exact).map_err(|e| ClientError::CannotBuy(e.to_string()))?;
        // An issuer that offers x402's payment-identifier gets one: resends of
        // this purchase (a timeout, a crash) carry it, and are answered as the first.
        let mut extensions = serde_json::Map::new();
        if offer.extensions.contains_key(PAYMENT_IDENTIFIER) {
            let id = format!("pay_{}", hex::encode(rand::random::<[u8; 16]>()));
            extensions.insert(
                PAYMENT_IDENTIFIER.into(),
                serde_json::json!({ "info": { "required": offer.extensions[PAYMENT_IDENTIFIER]
                    .pointer("/info/required").cloned().unwrap_or(serde_json::Value::Bool(false)),
                    "id": id } }),
            );
        }
        let payment = PaymentPayload {
            x402_version: X402_VERSION,
            resource: Some(offer.resource.clone()),
            accepted: exact.clone(),
            payload: serde_json::to_value(payload).expect("plain data serializes"),
            extensions,
        };
        let pending = PendingPurchase {
            url,
            request,
            payment_signature: encode_header(&payment),
            payer_secret: secret,
        };
        self.wallet.begin_purchase(&pending)?;
        let entry = self
            .complete(&pending, &issuer.key, price, PURCHASE_ATTEMPTS)
            .await?;
        Ok(entry)
    }

    /// Sends a recorded purchase's payment and stores the receipt it returns.
    async fn complete(
        &self,
        p: &PendingPurchase,
        issuer: &x402_zk_primitives::eddsa::PublicKey,
        price: u64,
        attempts: usize,
    ) -> Result<WalletReceipt, ClientError> {
        // A timeout, a dropped connection or a 502–504 may hide a payment that
        // landed: resend the same payment (the issuer answers with the receipt it
        // issued) with backoff before leaving the purchase pending.
        enum Transient {
            Http(reqwest::Error),
            Status(reqwest::Response),
        }
        let send = || async {
            let answer = self
                .http
                .post(&p.url)
                .timeout(PURCHASE_DEADLINE)
                .header(PAYMENT_SIGNATURE, &p.payment_signature)
                .json(&p.request)
                .send()
                .await
                .map_err(Transient::Http)?;
            match answer.status().as_u16() {
                502..=504 => Err(Transient::Status(answer)),
                _ => Ok(answer),
            }
        };
        let answer = match retry(attempts, send, |_| true).await {
            Ok(answer) | Err(Transient::Status(answer)) => answer,
            Err(Transient::Http(e)) => return Err(e.into()),
        };
        if !answer.status().is_success() {
            let status = answer.status();
            let err = issuer_error(&p.url, answer).await;
            // A refused payment moved nothing; one that may have landed stays pending.
            if status == reqwest::StatusCode::PAYMENT_REQUIRED
                || status == reqwest::StatusCode::BAD_REQUEST
                || status == reqwest::StatusCode::CONFLICT
            {
                self.wallet.end_purchase(&p.request.payer_commitment)?;
            }
            return Err(err);
        }
        let body: ReceiptResponse = answer.json().await?;
        let receipt: Receipt = body.receipt;
        let r = &p.request.requirement;
        let problems = [
            (receipt.verify().is_err(), "signature does not verify"),
            (receipt.issuer != *issuer, "signed by another issuer"),
            (
                receipt.body.payer_commitment != p.request.payer_commitment,
                "commits to another secret",
            ),
            (
                receipt.body.dest != h2f::dest(&r.network, &r.asset, &r.pay_to),
                "pays another destination",
            ),
            (receipt.body.amount < price, "is for less than the price"),
        ];
        if let Some((_, why)) = problems.iter().find(|(bad, _)| *bad) {
            return Err(ClientError::BadReceipt(format!("the receipt {why}")));
        }
        self.wallet.add(
            receipt,
            p.payer_secret.clone(),
            Some(body.transaction.clone()),
        )?;
        self.wallet.end_purchase(&p.request.payer_commitment)?;
        Ok(WalletReceipt {
            receipt,
            payer_secret: p.payer_secret.clone(),
            spent: false,
            transaction: Some(body.transaction),
        })
    }

    /// Resends the payments of purchases interrupted before their receipt arrived
    /// (after a crash or a timeout); returns how many receipts were recovered.
    pub async fn resume_purchases(&self) -> Result<usize, ClientError> {
        let _one_at_a_time = self.lock.lock().await;
        self.resume_locked().await
    }

    async fn resume_locked(&self) -> Result<usize, ClientError> {
        let mut recovered = 0;
        for p in self.wallet.pending_purchases()? {
            let payment: Option<PaymentPayload> = decode_header(&p.payment_signature).ok();
            let price = x402_zk_primitives::field::parse_u64(&p.request.requirement.amount)
                .unwrap_or(u64::MAX);
            let Some(issuer) = ZkReceiptExtra::from_requirements(&p.request.requirement)
                .ok()
                .and_then(|e| {
                    e.issuers.into_iter().find(|i| {
                        i.url
                            .as_deref()
                            .is_some_and(|u| p.url.starts_with(u.trim_end_matches('/')))
                    })
                })
            else {
                continue;
            };
            // One attempt each: an issuer still down must not stall every request.
            if payment.is_some() && self.complete(&p, &issuer.key, price, 1).await.is_ok() {
                recovered += 1;
            }
        }
        Ok(recovered)
    }
}

/// Whether the issuer's `exact` offer may be paid for the seller's requirement
/// `r`: exactly the seller's price and asset, to the seller's `payTo` or to the
/// pool the seller names for this issuer, nothing else.
fn payable(
    exact: &PaymentRequirements,
    r: &PaymentRequirements,
    issuer: &IssuerInfo,
) -> Result<(), ClientError> {
    if exact.amount != r.amount || exact.asset != r.asset {
        return Err(ClientError::CannotBuy(
            "the issuer's exact requirement differs from the seller's price or asset".into(),
        ));
    }
    let pooled = issuer.pool.as_deref() == Some(exact.pay_to.as_str());
    if exact.pay_to != r.pay_to && !pooled {
        return Err(ClientError::CannotBuy(format!(
            "the issuer asks for payment to {}, which is neither the seller's payTo nor a \
             pool the seller names for this issuer (extra.issuers[].pool)",
            exact.pay_to
        )));
    }
    Ok(())
}

async fn issuer_error(url: &str, r: reqwest::Response) -> ClientError {
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    let field = |k: &str| {
        body.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    ClientError::Issuer {
        url: url.to_string(),
        status,
        code: field("error"),
        message: field("message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(pay_to: &str, amount: &str) -> PaymentRequirements {
        PaymentRequirements {
            scheme: "exact".into(),
            network: "solana:test".into(),
            amount: amount.into(),
            asset: "MINT".into(),
            pay_to: pay_to.into(),
            max_timeout_seconds: 60,
            extra: Default::default(),
        }
    }

    #[test]
    fn buyers_pay_the_seller_or_the_pool_it_names_and_nobody_else() {
        let seller = requirement("SELLER", "100");
        let issuer = |pool: Option<&str>| IssuerInfo {
            key: x402_zk_primitives::eddsa::SecretKey::from_bytes([7; 32]).public_key(),
            url: Some("http://issuer".into()),
            pool: pool.map(Into::into),
        };
        let direct = requirement("SELLER", "100");
        let pooled = requirement("POOL", "100");
        assert!(payable(&direct, &seller, &issuer(None)).is_ok());
        assert!(payable(&pooled, &seller, &issuer(Some("POOL"))).is_ok());
        assert!(payable(&direct, &seller, &issuer(Some("POOL"))).is_ok());
        for (offer, named) in [
            (&pooled, None),                                  // a pool the seller does not name
            (&requirement("ELSEWHERE", "100"), Some("POOL")), // another address
            (&requirement("POOL", "101"), Some("POOL")),      // another price
        ] {
            assert!(
                matches!(
                    payable(offer, &seller, &issuer(named)),
                    Err(ClientError::CannotBuy(_))
                ),
                "{offer:?} with pool {named:?}"
            );
        }
    }
}
