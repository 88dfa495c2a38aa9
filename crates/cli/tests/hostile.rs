//! Hostile input over HTTP: thousands of malicious requests against the issuer,
//! the facilitator, the prover service and a seller, each a separate process of
//! the real binary. Every request must be refused with a 4xx and an error code
//! (the facilitator may also answer x402's `200 {"isValid": false, …}` with its
//! code): no 5xx, no dropped connection, no panic. Afterwards every process is up,
//! its memory has stayed bounded, real payments still go through, and no secret
//! of the run appears in any log.
//!
//! The requests are mutations of real, valid requests (a proof from the prover
//! service, a signed Solana payment, a receipt signed by the issuer): every
//! field of each is replaced by each hostile value, proofs get single-bit flips
//! and off-curve or out-of-range points, and the encodings around them are
//! broken (truncated base64, invalid UTF-8, deep nesting, duplicated keys,
//! oversized bodies and headers).

mod common;

use base64::{engine::general_purpose::STANDARD, Engine};
use common::{get, http, log_path, post_json, proved_payment, request, Parties, Reply, Server};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use x402_zk_primitives::PayerSecret;
use x402_zk_protocol::{
    decode_header, encode_header, PaymentPayload, PaymentRequired, PAYMENT_REQUIRED,
    PAYMENT_SIGNATURE, X402_VERSION, X_PAYMENT,
};

/// BN254's scalar field modulus r (public inputs must be below it).
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
/// BN254's base field modulus q (point coordinates must be below it), big-endian.
const Q_HEX: &str = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";

/// Values every field of a valid request is replaced with, one at a time.
fn hostile_values() -> Vec<(&'static str, Value)> {
    let mut deep = json!(1);
    for _ in 0..100 {
        deep = json!([deep]);
    }
    vec![
        ("null", Value::Null),
        ("true", json!(true)),
        ("negative", json!(-1)),
        ("fraction", json!(1.5)),
        ("huge float", json!(1e300)),
        ("i64::MIN", json!(i64::MIN)),
        ("u64::MAX", json!(u64::MAX)),
        ("empty string", json!("")),
        ("negative string", json!("-1")),
        ("2^64 string", json!("18446744073709551616")),
        ("r", json!(R)),
        ("r + 1", json!(format!("{}8", &R[..R.len() - 1]))),
        ("2^256", json!(format!("1{}", "0".repeat(78)))),
        ("hex", json!("0x01")),
        ("exponent", json!("1e3")),
        ("sql", json!("' OR '1'='1'; DROP TABLE nullifiers; --")),
        ("html", json!("<script>alert(1)</script>")),
        ("path", json!("../../../../etc/passwd")),
        ("nul", json!("\u{0}")),
        ("jndi", json!("${jndi:ldap://127.0.0.1/a}")),
        ("format", json!("%s%s%n%x")),
        ("bidi", json!("\u{202e}\u{feff}\u{fffd}")),
        ("4 KiB", json!("A".repeat(4096))),
        ("array", json!([])),
        ("object", json!({})),
        ("operator", json!({"$ne": null})),
        ("nested", deep),
    ]
}

/// Every node of `v` (objects, arrays and leaves) but the root, as paths.
fn paths(v: &Value) -> Vec<Vec<String>> {
    fn walk(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => vec![],
        };
        for (key, child) in children {
            at.push(key);
            out.push(at.clone());
            walk(child, at, out);
            at.pop();
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn replaced(v: &Value, path: &[String], new: &Value) -> Value {
    let mut v = v.clone();
    let mut at = &mut v;
    for key in path {
        at = match at {
            Value::Object(m) => m.get_mut(key).unwrap(),
            Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
            _ => unreachable!("paths() only descends into containers"),
        };
    }
    *at = new.clone();
    v
}

/// `template` with each field in turn replaced by each hostile value, skipping
/// paths under `free` (fields any value is valid for, e.g. a description).
fn field_mutations(template: &Value, free: &[&str]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for path in paths(template) {
        let joined = path.join(".");
        if free
            .iter()
            .any(|f| joined == *f || joined.starts_with(&format!("{f}.")))
        {
            continue;
        }
        for (name, value) in hostile_values() {
            out.push((
                format!("{joined} = {name}"),
                replaced(template, &path, &value),
            ));
        }
    }
    out
}

/// Malformed JSON bodies (each endpoint gets all of them).
fn broken_bodies(template: &Value) -> Vec<(String, Vec<u8>)> {
    let text = template.to_string();
    let first_key = template.as_object().unwrap().keys().next().unwrap().clone();
    let dup_top = format!("{{\"{first_key}\":null,{}", &text[1..]);
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("null".into(), b"null".to_vec()),
        ("array".into(), b"[]".to_vec()),
        ("number".into(), b"1e400".to_vec()),
        ("open".into(), b"{".to_vec()),
        (
            "truncated".into(),
            text.as_bytes()[..text.len() / 2].to_vec(),
        ),
        ("trailing garbage".into(), format!("{text} x").into_bytes()),
        ("invalid utf-8".into(), b"{\"a\":\"\xff\xfe\xfd\"}".to_vec()),
        (
            "bom".into(),
            [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
        ),
        ("nesting 10k".into(), "[".repeat(10_000).into_bytes()),
        (
            "object nesting".into(),
            "{\"a\":".repeat(5_000).into_bytes(),
        ),
        ("duplicate key at the top".into(), dup_top.into_bytes()),
        ("oversized 1 MiB".into(), vec![b' '; 1 << 20]),
        ("nul bytes".into(), vec![0; 64]),
    ];
    // A duplicate deep inside: the first nested object gets its first key twice.
    if let Some(pos) = text[1..].find("{\"").map(|p| p + 1) {
        let close = text[pos + 2..].find('"').unwrap() + pos + 2;
        let key = &text[pos + 1..=close];
        let dup = format!("{}{key}:0,{}", &text[..=pos], &text[pos + 1..]);
        out.push(("duplicate key nested".into(), dup.into_bytes()));
    }
    out
}

/// Broken encodings of a header that carries base64(JSON(`template`)).
fn broken_headers(template: &Value) -> Vec<(String, Vec<u8>)> {
    let good = STANDARD.encode(template.to_string());
    let text = template.to_string();
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("not base64".into(), b"!!!!".to_vec()),
        ("truncated to 1".into(), good[..1].into()),
        ("truncated to half".into(), good[..good.len() / 2].into()),
        ("truncated by 1".into(), good[..good.len() - 1].into()),
        ("no padding".into(), good.trim_end_matches('=').into()),
        (
            "url-safe alphabet".into(),
            good.replace('+', "-").replace('/', "_").into(),
        ),
        (
            "base64 of invalid utf-8".into(),
            STANDARD.encode(b"{\"a\":\"\xff\"}").into(),
        ),
        ("base64 of null".into(), STANDARD.encode("null").into()),
        ("base64 of a number".into(), STANDARD.encode("1e400").into()),
        (
            "base64 of deep nesting".into(),
            STANDARD.encode("[".repeat(5_000)).into(),
        ),
        ("raw json".into(), text.clone().into_bytes()),
        ("invalid utf-8 bytes".into(), b"\xff\xfe\xfd\xfc".to_vec()),
        ("over 16 KiB".into(), vec![b'A'; 20_000]),
        (
            "duplicate key".into(),
            STANDARD
                .encode(format!("{{\"x402Version\":1,{}", &text[1..]))
                .into(),
        ),
    ];
    out.retain(|(_, v)| *v != good.as_bytes());
    out.push(("non-canonical trailing bits".into(), {
        // "AB==" and "AA==" decode alike unless trailing bits are checked.
        let mut s = STANDARD.encode(b"{}x").into_bytes();
        let last = s.len() - 1;
        s[last] = if s[last] == b'4' { b'5' } else { b'4' };
        s
    }));
    out
}

/// The proof in a zk-receipt payload with `edit` applied to its bytes.
fn with_proof(payload: &Value, edit: impl FnOnce(&mut Vec<u8>)) -> Value {
    let mut bytes = STANDARD.decode(payload["proof"].as_str().unwrap()).unwrap();
    edit(&mut bytes);
    let mut p = payload.clone();
    p["proof"] = json!(STANDARD.encode(bytes));
    p
}

/// Proof attacks: every 8th bit flipped, off-curve and out-of-range points,
/// wrong lengths and versions; and public inputs out of range or non-canonical.
fn proof_mutations(payload: &Value) -> Vec<(String, Value)> {
    let q = hex::decode(Q_HEX).unwrap();
    let mut out = Vec::new();
    let len = STANDARD
        .decode(payload["proof"].as_str().unwrap())
        .unwrap()
        .len();
    // One bit per byte, a different position in each of eight consecutive bytes.
    for byte in 0..len {
        let bit = byte % 8;
        out.push((
            format!("proof byte {byte} bit {bit} flipped"),
            with_proof(payload, |b| b[byte] ^= 1 << bit),
        ));
    }
    // Layout: version byte, A (x, y), B (x.c1, x.c0, y.c1, y.c0), C (x, y).
    let coordinate = |i: usize| 1 + 32 * i..1 + 32 * (i + 1);
    for (name, i) in [
        ("A.x", 0),
        ("A.y", 1),
        ("B.x.c1", 2),
        ("B.y.c0", 5),
        ("C.x", 6),
    ] {
        let q = q.clone();
        out.push((
            format!("{name} = q"),
            with_proof(payload, |b| b[coordinate(i)].copy_from_slice(&q)),
        ));
        out.push((
            format!("{name} = 2^256 - 1"),
            with_proof(payload, |b| b[coordinate(i)].fill(0xff)),
        ));
    }
    for (name, i) in [("A", 1), ("C", 7)] {
        out.push((
            format!("{name} off the curve (y + 1)"),
            with_proof(payload, |b| {
                let last = coordinate(i).end - 1;
                b[last] = b[last].wrapping_add(1);
            }),
        ));
    }
    out.push((
        "A at infinity".into(),
        with_proof(payload, |b| {
            b[coordinate(0).start..coordinate(1).end].fill(0)
        }),
    ));
    out.push((
        "B at infinity".into(),
        with_proof(payload, |b| {
            b[coordinate(2).start..coordinate(5).end].fill(0)
        }),
    ));
    out.push(("version 0".into(), with_proof(payload, |b| b[0] = 0)));
    out.push(("version 255".into(), with_proof(payload, |b| b[0] = 255)));
    out.push((
        "one byte short".into(),
        with_proof(payload, |b| {
            b.pop();
        }),
    ));
    out.push(("one byte long".into(), with_proof(payload, |b| b.push(0))));
    out.push(("empty proof".into(), with_proof(payload, Vec::clear)));
    out.push((
        "proof twice".into(),
        with_proof(payload, |b| {
            let c = b.clone();
            b.extend(c);
        }),
    ));
    let inputs = payload["publicInputs"].as_array().unwrap().len();
    for i in 0..inputs {
        let original = payload["publicInputs"][i].as_str().unwrap().to_string();
        for (name, value) in [
            ("r", R.to_string()),
            ("leading zero", format!("0{original}")),
            ("plus sign", format!("+{original}")),
            ("space", format!(" {original}")),
            ("2^256", format!("1{}", "0".repeat(78))),
            ("arabic digit", "\u{661}".into()),
        ] {
            let mut p = payload.clone();
            p["publicInputs"][i] = json!(value);
            out.push((format!("public input {i} = {name}"), p));
        }
    }
    let mut p = payload.clone();
    p["publicInputs"].as_array_mut().unwrap().push(json!("0"));
    out.push(("an eighth public input".into(), p));
    let mut p = payload.clone();
    p["publicInputs"].as_array_mut().unwrap().pop();
    out.push(("six public inputs".into(), p));
    out
}

/// What one endpoint is sent, with the check of its answers.
struct Endpoint {
    name: &'static str,
    port: u16,
    method: &'static str,
    path: String,
    /// Also accept x402 facilitator refusals (`200` with `isValid`/`success` false).
    facilitator: bool,
}

/// The refusal code in an answer: the JSON body's `error` / `invalidReason` /
/// `errorReason`, or the `error` of a `PAYMENT-REQUIRED` header.
fn refusal_code(reply: &Reply) -> Option<String> {
    let body = reply.json();
    let from_body = body.as_ref().and_then(|b| {
        ["error", "invalidReason", "errorReason"]
            .iter()
            .find_map(|k| b.get(*k).and_then(Value::as_str).map(String::from))
    });
    reply
        .header(PAYMENT_REQUIRED)
        .and_then(|h| decode_header::<PaymentRequired>(h).ok())
        .and_then(|p| p.error)
        .or(from_body)
        // A v1 402 body's `error` is "code: message".
        .map(|c| c.split(':').next().unwrap_or_default().to_string())
        .filter(|c| !c.is_empty())
}

#[derive(Default)]
struct Tally {
    sent: usize,
    by_status: BTreeMap<u16, usize>,
    by_code: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn send(&mut self, e: &Endpoint, label: &str, headers: &[(&str, &[u8])], body: &[u8]) {
        self.sent += 1;
        let reply = match http(e.port, &request(e.method, &e.path, headers, body)) {
            Ok(r) => r,
            Err(err) => {
                self.failures
                    .push(format!("{} {label}: no answer: {err}", e.name));
                return;
            }
        };
        *self.by_status.entry(reply.status).or_default() += 1;
        let code = refusal_code(&reply);
        let refused_200 = e.facilitator
            && reply.status == 200
            && reply.json().is_some_and(|b| {
                b.get("isValid") == Some(&json!(false)) || b.get("success") == Some(&json!(false))
            });
        let ok = ((400..500).contains(&reply.status) || refused_200) && code.is_some();
        if let Some(c) = code {
            *self.by_code.entry(c).or_default() += 1;
        }
        if !ok {
            self.failures.push(format!(
                "{} {label}: {} {}",
                e.name,
                reply.status,
                String::from_utf8_lossy(&reply.body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
    }

    /// Bodies: field mutations of `template` and broken encodings.
    fn bodies(&mut self, e: &Endpoint, template: &Value, free: &[&str], every: usize) {
        let json_type: &[(&str, &[u8])] = &[("Content-Type", b"application/json")];
        for (label, body) in field_mutations(template, free).into_iter().step_by(every) {
            self.send(e, &label, json_type, body.to_string().as_bytes());
        }
        for (label, body) in broken_bodies(template) {
            self.send(e, &label, json_type, &body);
        }
        self.send(
            e,
            "text/plain",
            &[("Content-Type", b"text/plain")],
            template.to_string().as_bytes(),
        );
        self.send(e, "no content type", &[], template.to_string().as_bytes());
    }
}

#[test]
fn hostile_requests_are_refused_with_a_code_and_nothing_falls_over() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No per-client rate limit: every request must reach the parsers.
    let mut parties = Parties::start(dir, true, &[("X402ZK_RATE_LIMIT_PER_SECOND", "0")]);
    let prover = parties.prover.take().unwrap();
    let (issuer, facilitator, seller) = (&parties.issuer, &parties.facilitator, &parties.seller);
    let memory_before: Vec<(u64, u64)> = [issuer, facilitator, seller, &prover]
        .iter()
        .map(|s| s.memory_kib())
        .collect();

    // Valid templates.
    let reply = get(seller.port, "/weather", &[]);
    assert_eq!(reply.status, 402);
    let quote: PaymentRequired = decode_header(reply.header(PAYMENT_REQUIRED).unwrap()).unwrap();
    let requirement = quote.accepts[0].clone();
    let (proof_request, seller_proof) = proved_payment(dir, prover.port, &quote, None);
    let (_, facilitator_proof) = proved_payment(dir, prover.port, &quote, None);
    let payment = |zk: &Value| {
        serde_json::to_value(PaymentPayload {
            x402_version: X402_VERSION,
            resource: Some(quote.resource.clone()),
            accepted: requirement.clone(),
            payload: zk.clone(),
            extensions: Default::default(),
        })
        .unwrap()
    };
    let seller_payment = payment(&seller_proof);
    let facilitator_request = json!({
        "x402Version": X402_VERSION,
        "paymentPayload": payment(&facilitator_proof),
        "paymentRequirements": requirement,
    });
    let receipt_request = json!({
        "requirement": requirement,
        "payerCommitment": PayerSecret::generate().commitment(),
    });
    let issuer_quote = post_json(issuer.port, "/v1/receipts", &receipt_request, &[]);
    assert_eq!(issuer_quote.status, 402);
    let exact: PaymentRequired =
        decode_header(issuer_quote.header(PAYMENT_REQUIRED).unwrap()).unwrap();
    let buyer = x402_zk_issuer::read_keypair(&dir.join("chain/buyer.keypair")).unwrap();
    let exact_payment = serde_json::to_value(PaymentPayload {
        x402_version: X402_VERSION,
        resource: Some(exact.resource.clone()),
        accepted: exact.accepts[0].clone(),
        payload: serde_json::to_value(
            x402_zk_svm::build_payment(&buyer, &exact.accepts[0]).unwrap(),
        )
        .unwrap(),
        extensions: Default::default(),
    })
    .unwrap();

    let mut tally = Tally::default();
    let endpoint = |name, server: &Server, method, path: &str, facilitator| Endpoint {
        name,
        port: server.port,
        method,
        path: path.into(),
        facilitator,
    };

    // Seller: the payment header (v2 and v1), mutated field by field, proof by
    // proof, and broken as an encoding.
    let e = endpoint("seller", seller, "GET", "/weather", false);
    let header = |tally: &mut Tally, label: &str, name: &str, value: &[u8]| {
        tally.send(&e, label, &[(name, value)], b"");
    };
    for (label, p) in field_mutations(&seller_payment, &["resource", "extensions"]) {
        header(
            &mut tally,
            &label,
            PAYMENT_SIGNATURE,
            encode_header(&p).as_bytes(),
        );
    }
    for (label, zk) in proof_mutations(&seller_proof) {
        let mut p = seller_payment.clone();
        p["payload"] = zk;
        header(
            &mut tally,
            &label,
            PAYMENT_SIGNATURE,
            encode_header(&p).as_bytes(),
        );
    }
    for (label, value) in broken_headers(&seller_payment) {
        header(&mut tally, &label, PAYMENT_SIGNATURE, &value);
        header(&mut tally, &format!("v1 {label}"), X_PAYMENT, &value);
    }
    let v1 = json!({"x402Version": 1, "scheme": "zk-receipt", "network": requirement.network, "payload": seller_proof});
    for (label, p) in field_mutations(&v1, &[]) {
        header(
            &mut tally,
            &format!("v1 {label}"),
            X_PAYMENT,
            encode_header(&p).as_bytes(),
        );
    }
    let seller_sent = tally.sent;

    // Facilitator: /verify gets every mutation, /settle every third.
    let free = [
        "paymentPayload.resource.description",
        "paymentPayload.resource.mimeType",
        "paymentPayload.extensions",
    ];
    for (path, every) in [("/verify", 1), ("/settle", 3)] {
        let e = endpoint("facilitator", facilitator, "POST", path, true);
        tally.bodies(&e, &facilitator_request, &free, every);
        for (label, zk) in proof_mutations(&facilitator_proof)
            .into_iter()
            .step_by(every)
        {
            let mut r = facilitator_request.clone();
            r["paymentPayload"]["payload"] = zk;
            tally.send(
                &e,
                &label,
                &[("Content-Type", b"application/json")],
                r.to_string().as_bytes(),
            );
        }
    }
    let facilitator_sent = tally.sent - seller_sent;

    // Prover service: the proof request (receipt, secret, policy). The resource and
    // challenge are free text: any value makes a valid (other) proof.
    let e = endpoint("prover", &prover, "POST", "/v1/proofs", false);
    tally.bodies(
        &e,
        &proof_request,
        &["policy.resource", "policy.challenge"],
        1,
    );
    let prover_sent = tally.sent - seller_sent - facilitator_sent;

    // Issuer: the receipt request, and the exact payment in its header.
    let e = endpoint("issuer", issuer, "POST", "/v1/receipts", false);
    tally.bodies(&e, &receipt_request, &[], 1);
    let body = receipt_request.to_string();
    let json_type: (&str, &[u8]) = ("Content-Type", b"application/json");
    // The blockhash in `accepted` is an echo: the ledger judges the transaction's own.
    let free = ["resource", "extensions", "accepted.extra.recentBlockhash"];
    for (label, p) in field_mutations(&exact_payment, &free) {
        tally.send(
            &e,
            &label,
            &[json_type, (PAYMENT_SIGNATURE, encode_header(&p).as_bytes())],
            body.as_bytes(),
        );
    }
    for (label, value) in broken_headers(&exact_payment) {
        tally.send(
            &e,
            &label,
            &[json_type, (PAYMENT_SIGNATURE, &value)],
            body.as_bytes(),
        );
    }
    // The Solana transaction itself: every 16th bit flipped.
    let tx = STANDARD
        .decode(exact_payment["payload"]["transaction"].as_str().unwrap())
        .unwrap();
    // Bytes 1..65 are the fee payer's empty signature slot, which the issuer
    // overwrites when it co-signs: flips there leave a valid payment.
    for bit in (0..tx.len() * 8)
        .step_by(16)
        .filter(|b| !(8..520).contains(b))
    {
        let mut bad = tx.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let mut p = exact_payment.clone();
        p["payload"]["transaction"] = json!(STANDARD.encode(bad));
        tally.send(
            &e,
            &format!("transaction bit {bit} flipped"),
            &[json_type, (PAYMENT_SIGNATURE, encode_header(&p).as_bytes())],
            body.as_bytes(),
        );
    }
    let issuer_sent = tally.sent - seller_sent - facilitator_sent - prover_sent;

    // Unknown routes and methods on every service.
    for server in [issuer, facilitator, seller, &prover] {
        let e = endpoint("any", server, "GET", "/../../etc/passwd", false);
        tally.send(&e, "path traversal", &[], b"");
        let e = endpoint("any", server, "DELETE", "/health", false);
        tally.send(&e, "method", &[], b"");
    }

    eprintln!(
        "hostile requests: {} (seller {seller_sent}, facilitator {facilitator_sent}, prover {prover_sent}, issuer {issuer_sent})",
        tally.sent
    );
    eprintln!("statuses: {:?}", tally.by_status);
    eprintln!("codes: {:?}", tally.by_code);
    eprintln!("failures: {}", tally.failures.len());
    assert!(tally.sent >= 1000, "only {} hostile requests", tally.sent);
    // One line per field (or attack) that got through, with how many values did.
    let mut kinds: BTreeMap<String, (usize, &String)> = BTreeMap::new();
    for f in &tally.failures {
        let kind = f.split(" = ").next().unwrap_or(f).to_string();
        kinds.entry(kind).or_insert((0, f)).0 += 1;
    }
    let report: Vec<String> = kinds
        .values()
        .map(|(n, f)| format!("{n} x {}", f.chars().take(200).collect::<String>()))
        .collect();
    assert!(
        tally.failures.is_empty(),
        "{} of {} hostile requests were not refused with a 4xx and a code:\n{}",
        tally.failures.len(),
        tally.sent,
        report.join("\n")
    );

    // Every process is up, healthy, and its memory stayed bounded.
    let mut servers = [parties.issuer, parties.facilitator, parties.seller, prover];
    for (s, (rss_before, _)) in servers.iter_mut().zip(&memory_before) {
        assert!(s.alive(), "{} died", s.name);
        assert_eq!(get(s.port, "/health", &[]).status, 200, "{}", s.name);
        let (rss, peak) = s.memory_kib();
        eprintln!(
            "{}: resident {} -> {} KiB, peak {} KiB",
            s.name, rss_before, rss, peak
        );
        assert!(
            rss < rss_before + 64 * 1024,
            "{} grew from {rss_before} to {rss} KiB",
            s.name
        );
    }
    let [issuer, facilitator, seller, prover] = &servers;
    let _ = prover;

    // The templates were valid all along: the real requests still go through.
    let verified = post_json(facilitator.port, "/verify", &facilitator_request, &[]);
    assert_eq!(
        verified.json().unwrap()["isValid"],
        json!(true),
        "{}",
        String::from_utf8_lossy(&verified.body)
    );
    let paid = get(
        seller.port,
        "/weather",
        &[(PAYMENT_SIGNATURE, encode_header(&seller_payment).as_bytes())],
    );
    assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    let bought = post_json(
        issuer.port,
        "/v1/receipts",
        &receipt_request,
        &[(PAYMENT_SIGNATURE, encode_header(&exact_payment).as_bytes())],
    );
    assert_eq!(
        bought.status,
        200,
        "{}",
        String::from_utf8_lossy(&bought.body)
    );
    drop(servers);

    // No secret of the run is in any log.
    let issuer_key = std::fs::read_to_string(dir.join("issuer.key")).unwrap();
    let payer_secret = proof_request["payerSecret"].as_str().unwrap().to_string();
    let mut secrets = vec![issuer_key.trim().to_string(), payer_secret];
    for keypair in ["fee-payer.keypair", "chain/buyer.keypair"] {
        let bytes: Vec<u8> =
            serde_json::from_str(&std::fs::read_to_string(dir.join(keypair)).unwrap()).unwrap();
        let keypair = x402_zk_svm::Keypair::try_from(bytes.as_slice()).unwrap();
        secrets.push(keypair.to_base58_string());
        secrets.push(hex::encode(&bytes[..32]));
    }
    for name in ["issuer", "facilitator", "seller", "prover"] {
        let log = std::fs::read_to_string(log_path(dir, name)).unwrap();
        assert!(!log.is_empty(), "{name} logged nothing");
        for secret in &secrets {
            assert!(
                !log.contains(secret.as_str()),
                "a secret is in the {name} log"
            );
        }
        assert!(!log.contains("panicked"), "{name} panicked:\n{log}");
    }
}
