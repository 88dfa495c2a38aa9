//! End to end across real HTTP on loopback: chain (LiteSVM), issuer, facilitator
//! (SQLite) and seller each on their own port and task; the buyer is the real
//! client. Every refusal is checked by its x402 code.

use std::path::PathBuf;
use std::sync::Arc;
use x402_zk_cli::stack::{Stack, PRICE};
use x402_zk_client::{Buyer, ClientError, Wallet};
use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, Policy, ReceiptBody, Witness};
use x402_zk_protocol::{
    decode_header, encode_header, PaymentPayload, PaymentRequired, ZkReceiptExtra,
    ZkReceiptPayload, PAYMENT_REQUIRED, PAYMENT_SIGNATURE, X402_VERSION,
};

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-keys")
}

async fn stack() -> (Stack, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let stack = Stack::start(dir.path(), &keys_dir()).await.unwrap();
    (stack, dir)
}

fn buyer(stack: &Stack, dir: &tempfile::TempDir) -> Buyer {
    let wallet = Wallet::open(dir.path().join("wallet")).unwrap();
    Buyer::new(
        wallet,
        stack.proving_key.clone(),
        Some(stack.buyer_keypair()),
    )
}

/// Sends `signature` as PAYMENT-SIGNATURE; returns the status and the refusal code.
async fn send(url: &str, signature: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .get(url)
        .header(PAYMENT_SIGNATURE, signature)
        .send()
        .await
        .unwrap();
    let code = r
        .headers()
        .get(PAYMENT_REQUIRED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| decode_header::<PaymentRequired>(v).ok())
        .and_then(|p| p.error)
        .unwrap_or_default();
    (r.status().as_u16(), code)
}

async fn quote(url: &str) -> PaymentRequired {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 402);
    let header = r.headers()[PAYMENT_REQUIRED].to_str().unwrap();
    decode_header(header).unwrap()
}

use x402_zk_protocol::unix_now as now;

/// A proof for `url`'s current requirement from a receipt signed by `issuer`
/// over `body`, with `tweak` applied to the policy the buyer proves against.
async fn forged_payment(
    stack: &Stack,
    url: &str,
    issuer: &SecretKey,
    body: impl FnOnce(&mut ReceiptBody),
    tweak: impl FnOnce(&mut Policy),
) -> String {
    let required = quote(url).await;
    let requirement = required.accepts[0].clone();
    let extra = ZkReceiptExtra::from_requirements(&requirement).unwrap();
    let secret = PayerSecret::generate();
    let mut receipt_body = ReceiptBody {
        amount: PRICE,
        dest: h2f::dest(
            &requirement.network,
            &requirement.asset,
            &requirement.pay_to,
        ),
        paid_at: now() - 10,
        payment_id: h2f::payment_id(&requirement.network, "a-test-transaction"),
        payer_commitment: secret.commitment(),
    };
    body(&mut receipt_body);
    let receipt = receipt_body.sign(issuer);
    let mut policy = Policy {
        dest: receipt.body.dest,
        min_amount: PRICE,
        not_before: now() - 60,
        issuer: receipt.issuer,
        context: h2f::context(&required.resource.url, &extra.challenge),
    };
    tweak(&mut policy);
    let witness = Witness {
        receipt,
        payer_secret: secret,
    };
    let (statement, proof) = x402_zk_prover::prove(
        &stack.proving_key,
        &witness,
        &policy,
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    encode_header(&PaymentPayload {
        x402_version: X402_VERSION,
        resource: Some(required.resource),
        accepted: requirement,
        payload: ZkReceiptPayload::new(&statement, &proof).to_value(),
        extensions: Default::default(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyer_pays_privately_and_a_replayed_proof_is_refused() {
    let (stack, dir) = stack().await;
    let buyer = buyer(&stack, &dir);
    let url = format!("{}/weather", stack.seller.url());
    let mut last = None;
    for _ in 0..2 {
        let paid = buyer.get(&url).await.unwrap();
        assert_eq!(paid.status, 200);
        assert_eq!(paid.body, "sunny, 21 °C".as_bytes());
        let settled = paid.settlement.unwrap();
        assert!(settled.success);
        assert!(settled.payer.unwrap().starts_with("zk:"));
        assert_eq!(
            settled.transaction,
            paid.statement.unwrap().nullifier.to_string()
        );
        assert!(paid.bought);
        last = paid.payment_signature;
    }
    // The in-process verifier route, which settles before its handler.
    let local_url = format!("{}/local", stack.seller.url());
    let local = buyer.get(&local_url).await.unwrap();
    assert_eq!(
        (local.status.as_u16(), local.body.as_slice()),
        (200, "verified in-process".as_bytes())
    );
    let (status, code) = send(&local_url, local.payment_signature.as_deref().unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (402, "invalid_zk_receipt_nullifier_used")
    );
    assert_eq!(
        stack
            .ledger
            .token_balance(&stack.seller_pay_to, &stack.mint),
        3 * PRICE
    );
    let receipts = buyer.wallet().receipts().unwrap();
    assert_eq!(receipts.len(), 3);
    assert!(receipts.iter().all(|r| r.spent));

    let (status, code) = send(&url, &last.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (402, "invalid_zk_receipt_nullifier_used")
    );
    // The seller served three requests, and saw only pseudonyms.
    let log = stack.seller_log.lock().unwrap().clone();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(!format!("{log:?}").contains(&stack.buyer_keypair().pubkey_string()));
    stack.stop().await;
}

trait PubkeyString {
    fn pubkey_string(&self) -> String;
}
impl PubkeyString for x402_zk_svm::Keypair {
    fn pubkey_string(&self) -> String {
        use x402_zk_svm::Signer;
        self.pubkey().to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_that_do_not_meet_the_requirement_are_refused() {
    let (stack, _dir) = stack().await;
    let weather = format!("{}/weather", stack.seller.url());
    let slow = format!("{}/slow", stack.seller.url());
    let trusted = &stack.issuer_secret;

    // A valid payment for /weather, used on /slow: another route.
    let for_weather = forged_payment(&stack, &weather, trusted, |_| {}, |_| {}).await;
    let (status, code) = send(&slow, &for_weather).await;
    assert_eq!(status, 402);
    assert!(
        code == "invalid_payment_requirements" || code == "invalid_zk_receipt_context",
        "{code}"
    );

    // Stale: not_before older than maxPaymentAgeSeconds allows.
    let stale = forged_payment(
        &stack,
        &weather,
        trusted,
        |b| b.paid_at = now() - 7200,
        |p| p.not_before = now() - 7200,
    )
    .await;
    assert_eq!(
        send(&weather, &stale).await,
        (402, "invalid_zk_receipt_stale".into())
    );

    // Untrusted issuer.
    let stranger = SecretKey::generate();
    let untrusted = forged_payment(&stack, &weather, &stranger, |_| {}, |_| {}).await;
    assert_eq!(
        send(&weather, &untrusted).await,
        (402, "invalid_zk_receipt_issuer".into())
    );

    // Wrong dest: a receipt paying someone else, proven against its own dest.
    let elsewhere = h2f::dest(
        x402_zk_cli::stack::NETWORK,
        &stack.mint.to_string(),
        "SomeoneElse1111111111111111111111111111111",
    );
    let wrong_dest = forged_payment(
        &stack,
        &weather,
        trusted,
        |b| b.dest = elsewhere,
        |p| p.dest = elsewhere,
    )
    .await;
    assert_eq!(
        send(&weather, &wrong_dest).await,
        (402, "invalid_zk_receipt_dest".into())
    );

    // Tampered proof: one byte of the proof changed.
    let good = forged_payment(&stack, &weather, trusted, |_| {}, |_| {}).await;
    let mut payment: PaymentPayload = decode_header(&good).unwrap();
    let mut zk = ZkReceiptPayload::from_value(&payment.payload).unwrap();
    use base64::Engine;
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(&zk.proof)
        .unwrap();
    bytes[40] ^= 1;
    zk.proof = base64::engine::general_purpose::STANDARD.encode(bytes);
    payment.payload = zk.to_value();
    let (status, code) = send(&weather, &encode_header(&payment)).await;
    assert_eq!(status, 402);
    assert!(
        code == "invalid_zk_receipt_proof" || code == "invalid_payload",
        "{code}"
    );

    // The untampered payment still works: none of the refusals spent it.
    assert_eq!(send(&weather, &good).await.0, 200);
    assert_eq!(stack.seller_log.lock().unwrap().len(), 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitator_restart_between_verify_and_settle_loses_nothing() {
    let (mut stack, dir) = stack().await;
    let buyer = Arc::new(buyer(&stack, &dir));
    let slow = format!("{}/slow", stack.seller.url());
    let request = {
        let (buyer, slow) = (buyer.clone(), slow.clone());
        tokio::spawn(async move { buyer.get(&slow).await })
    };
    // The request is verified (nullifier reserved) and held in the handler.
    stack.slow_entered.notified().await;
    stack.restart_facilitator().await.unwrap();
    stack.slow_gate.add_permits(1);
    let paid = request.await.unwrap().unwrap();
    assert_eq!(paid.status, 200, "settled on the restarted facilitator");
    assert!(paid.settlement.as_ref().unwrap().success);
    assert!(buyer.wallet().receipts().unwrap()[0].spent);

    // Not spendable twice: the same proof again, after the restart.
    stack.slow_gate.add_permits(1);
    let (status, code) = send(&slow, paid.payment_signature.as_deref().unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (402, "invalid_zk_receipt_nullifier_used")
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_payment_keeps_the_receipt_unspent() {
    let (stack, dir) = stack().await;
    let buyer = buyer(&stack, &dir);
    let weather = format!("{}/weather", stack.seller.url());
    // Buy and spend one receipt, then mark it unspent by hand: the seller refuses
    // it as used, and the wallet learns that it is spent.
    let paid = buyer.get(&weather).await.unwrap();
    assert_eq!(paid.status, 200);
    let spent = buyer.wallet().receipts().unwrap().remove(0);
    let path = buyer.wallet().dir().join("receipts");
    let file = std::fs::read_dir(&path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"spent\": true", "\"spent\": false");
    std::fs::write(&file, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "wallet files are private");
    }
    match buyer.get(&weather).await {
        Err(ClientError::Refused { code, .. }) => {
            assert_eq!(code, "invalid_zk_receipt_nullifier_used")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let after = buyer.wallet().receipts().unwrap();
    assert!(
        after
            .iter()
            .find(|r| r.receipt == spent.receipt)
            .unwrap()
            .spent
    );
    // The next request buys a fresh receipt and succeeds.
    assert_eq!(buyer.get(&weather).await.unwrap().status, 200);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_client_pays_with_x_payment() {
    let (stack, _dir) = stack().await;
    let url = format!("{}/weather", stack.seller.url());
    // v1: the 402's JSON body carries the requirements (maxAmountRequired, resource).
    let body: x402_zk_protocol::PaymentRequiredV1 =
        reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(body.x402_version, 1);
    let v1 = &body.accepts[0];
    assert_eq!(v1.max_amount_required, PRICE.to_string());
    // The same proof a v2 client would make, sent in the v1 envelope.
    let v2 = forged_payment(&stack, &url, &stack.issuer_secret, |_| {}, |_| {}).await;
    let v2: PaymentPayload = decode_header(&v2).unwrap();
    let payment = x402_zk_protocol::PaymentPayloadV1 {
        x402_version: 1,
        scheme: "zk-receipt".into(),
        network: v1.network.clone(),
        payload: v2.payload,
    };
    let r = reqwest::Client::new()
        .get(&url)
        .header(x402_zk_protocol::X_PAYMENT, encode_header(&payment))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let settled: x402_zk_protocol::SettleResponse = decode_header(
        r.headers()[x402_zk_protocol::X_PAYMENT_RESPONSE]
            .to_str()
            .unwrap(),
    )
    .unwrap();
    assert!(settled.success);
    stack.stop().await;
}
