//! Faults under load: the facilitator process is killed (`SIGKILL`) and
//! restarted twice while four clients keep settling payments. Every receipt is
//! offered twice, as two different payments with the same nullifier (a
//! double-spend attempt), and every payment is retried until it is answered.
//!
//! Nothing may be spent twice, and nothing accepted may be lost: once a payment
//! is settled, every later answer for it (across the restarts) is success, and
//! its twin is refused for good.

mod common;

use common::{get, http, proved_payment, request, Parties};
use serde_json::{json, Value};
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use x402_zk_primitives::PayerSecret;
use x402_zk_protocol::{
    decode_header, PaymentPayload, PaymentRequired, PAYMENT_REQUIRED, X402_VERSION,
};

/// Receipts (each paid twice: 2 × RECEIPTS payments).
const RECEIPTS: usize = 12;
const CLIENTS: usize = 4;

#[derive(Default)]
struct Answers {
    /// Per payment, its answers in order: success, or the refusal code.
    by_payment: BTreeMap<usize, Vec<Result<(), String>>>,
    /// Requests that found the facilitator down (connection refused or reset).
    unanswered: usize,
}

#[test]
fn killing_the_facilitator_under_load_loses_nothing_and_spends_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut parties = Parties::start(dir, true, &[("X402ZK_RATE_LIMIT_PER_SECOND", "0")]);
    let prover = parties.prover.take().unwrap();

    // Twin payments: the same receipt (so the same nullifier), two challenges.
    let reply = get(parties.seller.port, "/weather", &[]);
    let quote: PaymentRequired = decode_header(reply.header(PAYMENT_REQUIRED).unwrap()).unwrap();
    let mut payments = Vec::new();
    for i in 0..RECEIPTS {
        let secret = PayerSecret::generate();
        let tag = format!("chaos-{i}");
        for twin in ["a", "b"] {
            let challenge = format!("{twin}-{i}");
            let (_, zk) =
                proved_payment(dir, prover.port, &quote, Some((&secret, &tag, &challenge)));
            let mut requirement = quote.accepts[0].clone();
            requirement
                .extra
                .insert("challenge".into(), json!(challenge));
            let payment = PaymentPayload {
                x402_version: X402_VERSION,
                resource: Some(quote.resource.clone()),
                accepted: requirement.clone(),
                payload: zk,
                extensions: Default::default(),
            };
            payments.push(json!({
                "x402Version": X402_VERSION,
                "paymentPayload": payment,
                "paymentRequirements": requirement,
            }));
        }
    }
    drop(prover);

    let port = parties.facilitator.port;
    let answers = Arc::new(Mutex::new(Answers::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let settled_rounds = Arc::new(AtomicUsize::new(0));
    let payments = Arc::new(payments);
    // Each client settles its share of payments over and over (settle is
    // idempotent, so clients retry freely), twins on different clients.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (answers, stop, rounds, payments) = (
                answers.clone(),
                stop.clone(),
                settled_rounds.clone(),
                payments.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    for (i, p) in payments
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % CLIENTS == c)
                    {
                        let body = p.to_string();
                        let r = http(
                            port,
                            &request(
                                "POST",
                                "/settle",
                                &[("Content-Type", b"application/json")],
                                body.as_bytes(),
                            ),
                        );
                        let mut a = answers.lock().unwrap();
                        match r {
                            Ok(reply) if reply.status == 200 || reply.status == 400 => {
                                let v: Value = reply.json().unwrap();
                                let answer = if v["success"] == json!(true) {
                                    Ok(())
                                } else {
                                    Err(v["errorReason"].as_str().unwrap_or("?").to_string())
                                };
                                a.by_payment.entry(i).or_default().push(answer);
                            }
                            Ok(reply) => panic!(
                                "settle answered {}: {}",
                                reply.status,
                                String::from_utf8_lossy(&reply.body)
                            ),
                            Err(_) => {
                                a.unanswered += 1;
                                drop(a);
                                // Down: back off a little, as a client would.
                                std::thread::sleep(Duration::from_millis(10));
                            }
                        }
                    }
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    // Two crashes while the clients run.
    let started = Instant::now();
    let wait_rounds = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while settled_rounds.load(Ordering::Relaxed) < n {
            assert!(Instant::now() < deadline, "the clients stalled");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    // The first crash lands in the first round, with payments still unsettled.
    let deadline = Instant::now() + Duration::from_secs(120);
    while answers
        .lock()
        .unwrap()
        .by_payment
        .values()
        .map(Vec::len)
        .sum::<usize>()
        < RECEIPTS / 2
    {
        assert!(Instant::now() < deadline, "the clients stalled");
        std::thread::sleep(Duration::from_millis(1));
    }
    parties.crash_and_restart_facilitator(dir);
    wait_rounds(settled_rounds.load(Ordering::Relaxed) + 10 * CLIENTS);
    parties.crash_and_restart_facilitator(dir);
    wait_rounds(settled_rounds.load(Ordering::Relaxed) + 10 * CLIENTS);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let elapsed = started.elapsed();

    let answers = answers.lock().unwrap();
    let total: usize = answers.by_payment.values().map(Vec::len).sum();
    let mut settled = 0;
    for i in (0..2 * RECEIPTS).step_by(2) {
        let (a, b) = (&answers.by_payment[&i], &answers.by_payment[&(i + 1)]);
        let won = |answers: &[Result<(), String>]| answers.iter().any(Result::is_ok);
        assert!(
            !(won(a) && won(b)),
            "receipt {}: both twins were settled (a double spend)",
            i / 2
        );
        assert!(
            won(a) || won(b),
            "receipt {}: neither twin was ever settled",
            i / 2
        );
        let (winner, loser) = if won(a) { (a, b) } else { (b, a) };
        // Nothing accepted is lost: after its first success, a payment is only
        // ever answered success, across both crashes.
        let first = winner.iter().position(Result::is_ok).unwrap();
        assert!(
            winner[first..].iter().all(Result::is_ok),
            "receipt {}: a settled payment was later refused: {:?}",
            i / 2,
            &winner[first..]
        );
        assert!(
            loser.iter().all(|r| r
                .as_ref()
                .is_err_and(|c| c == "invalid_zk_receipt_nullifier_used")),
            "receipt {}: its twin got {:?}",
            i / 2,
            loser
        );
        settled += 1;
    }
    eprintln!(
        "{total} settle answers for {} payments ({RECEIPTS} twin pairs) in {:.1} s, {} requests \
         found the facilitator down, 2 crashes (SIGKILL): {settled} receipts spent once each, \
         no twin spent, no settled payment lost",
        2 * RECEIPTS,
        elapsed.as_secs_f64(),
        answers.unanswered
    );
    assert!(
        total >= 6 * 2 * RECEIPTS,
        "too little load: {total} answers"
    );
    // The answers must straddle the crashes: some requests found it down.
    assert!(
        answers.unanswered > 0,
        "no request met the facilitator down"
    );
}

/// A dead prover (nothing listening) and a slow one (accepts, never answers):
/// the buyer fails over to the next prover, and to local proving when no
/// prover is left; both payments go through.
#[test]
fn the_buyer_fails_over_from_dead_and_slow_provers() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let parties = Parties::start(dir, true, &[]);
    let prover = parties.prover.as_ref().unwrap().url();
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let slow_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let slow = format!("http://{}", slow_listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in slow_listener.incoming() {
            held.push(stream); // read nothing, answer nothing
        }
    });
    let proving_key = x402_zk_prover::ProvingKey::from_bytes(
        &std::fs::read(dir.join("keys/proving.key")).unwrap(),
    )
    .unwrap();
    let payer = x402_zk_issuer::read_keypair(&dir.join("chain/buyer.keypair")).unwrap();
    let url = format!("{}/weather", parties.seller.url());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let deadline = Duration::from_secs(2);
    for (wallet, provers, expected) in [
        (
            "w1",
            vec![dead.clone(), slow.clone(), prover],
            "prove (remote prover)",
        ),
        ("w2", vec![dead, slow], "prove (Groth16, local)"),
    ] {
        let wallet = x402_zk_client::Wallet::open(dir.join(wallet)).unwrap();
        let buyer =
            x402_zk_client::Buyer::new(wallet, proving_key.clone(), Some(payer.insecure_clone()))
                .with_provers(provers, deadline);
        let started = Instant::now();
        let paid = runtime.block_on(buyer.get(&url)).unwrap();
        assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
        let (step, took) = paid
            .steps
            .iter()
            .find(|(s, _)| s.starts_with("prove"))
            .unwrap();
        assert_eq!(*step, expected);
        eprintln!(
            "{expected}: proved in {:.2} s (deadline {deadline:?} per prover), paid in {:.2} s",
            took.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
}
