//! The parties as separate processes of the real `x402-zk` binary, on loopback
//! ports: shared by the tests that start, attack, kill and restart them.
#![allow(dead_code)] // each test file uses its own part

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use x402_zk_primitives::{eddsa::SecretKey, h2f, PayerSecret, ReceiptBody};
use x402_zk_protocol::{PaymentRequired, ZkReceiptExtra};

pub const BIN: &str = env!("CARGO_BIN_EXE_x402-zk");

/// A server process, killed when dropped so a failing test leaves none behind.
/// Its stdout and stderr go to `logs/<name>.log` in the test's directory.
pub struct Server {
    child: Child,
    pub name: String,
    pub port: u16,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `SIGKILL`: no shutdown, no flushing — a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Resident and peak memory (`VmRSS`, `VmHWM`), KiB, from `/proc`.
    pub fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in /proc/PID/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a one-shot command of the binary in `dir`; panics unless it succeeds.
pub fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn log_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("logs").join(format!("{name}.log"))
}

/// Starts `x402-zk serve <args>` in `dir` on `port` (the caller puts the port
/// in `args`), logging at `RUST_LOG` (default `info`) into `logs/<name>.log`
/// (appended, so a restarted server keeps one log), with `env` set.
pub fn serve(dir: &Path, name: &str, port: u16, args: &[&str], env: &[(&str, &str)]) -> Server {
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir, name))
        .unwrap();
    let child = Command::new(BIN)
        .arg("serve")
        .args(args)
        .current_dir(dir)
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .envs(env.iter().copied())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    Server {
        child,
        name: name.into(),
        port,
    }
}

/// Waits until `GET /health` answers 200 (60 s at most).
pub fn wait_healthy(port: u16) {
    wait_for(port, "/health");
}

/// Waits until `GET /ready` answers 200 (60 s at most): the prover service is
/// ready once its tables are prepared.
pub fn wait_ready(port: u16) {
    wait_for(port, "/ready");
}

fn wait_for(port: u16, path: &str) {
    let start = Instant::now();
    let probe = format!("GET {path} HTTP/1.0\r\n\r\n");
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(reply) = http(port, probe.as_bytes()) {
            if reply.status == 200 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("GET {path} on port {port} did not answer 200 within 60 s");
}

/// One HTTP answer, as read off the wire.
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// A header's value (first occurrence, case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Sends `request` (raw bytes, HTTP/1.0 so the answer ends at close) and reads
/// the whole answer; 30 s at most.
pub fn http(port: u16, request: &[u8]) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut raw = Vec::new();
    let head_end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(request.len(), |p| p + 4);
    if request.len() - head_end > 64 * 1024 {
        // A server may refuse a large body from its Content-Length alone and close
        // the connection: send the head, and take an early answer if one comes,
        // rather than lose it to a reset while still writing the body.
        s.write_all(&request[..head_end])?;
        s.set_read_timeout(Some(Duration::from_millis(500)))?;
        let mut early = [0u8; 4096];
        match s.read(&mut early) {
            Ok(n) if n > 0 => {
                raw.extend_from_slice(&early[..n]);
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                let _ = s.read_to_end(&mut raw);
            }
            _ => {
                s.set_read_timeout(Some(Duration::from_secs(30)))?;
                s.write_all(&request[head_end..])?;
                s.read_to_end(&mut raw)?;
            }
        }
    } else {
        s.write_all(request)?;
        s.read_to_end(&mut raw)?;
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no end of headers in the answer"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {head:?}")))?;
    Ok(Reply {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    })
}

/// A request with `headers` (name, raw value bytes) and `body`.
pub fn request(method: &str, path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n").into_bytes();
    for (name, value) in headers {
        r.extend_from_slice(name.as_bytes());
        r.extend_from_slice(b": ");
        r.extend_from_slice(value);
        r.extend_from_slice(b"\r\n");
    }
    if method == "POST" {
        r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

/// Dev keys, an issuer key and the issuer/facilitator/seller (and optionally
/// prover) processes, as an operator would run them.
pub struct Parties {
    pub issuer: Server,
    pub facilitator: Server,
    pub seller: Server,
    pub prover: Option<Server>,
    facilitator_args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Parties {
    /// Starts the parties in `dir` with `env` for every server (e.g. limits).
    pub fn start(dir: &Path, with_prover: bool, env: &[(&str, &str)]) -> Parties {
        run(dir, &["setup", "--dev"]);
        run(dir, &["issuer", "keygen", "--out", "issuer.key"]);
        let public = run(dir, &["issuer", "public", "--key", "issuer.key"]).stdout;
        std::fs::write(dir.join("issuer.pub.json"), &public).unwrap();
        let key: serde_json::Value = serde_json::from_slice(&public).unwrap();
        std::fs::write(
            dir.join("issuers.json"),
            serde_json::json!([key]).to_string(),
        )
        .unwrap();
        let (pi, pf, ps) = (free_port(), free_port(), free_port());
        let bind = |p: u16| format!("127.0.0.1:{p}");
        let issuer = serve(
            dir,
            "issuer",
            pi,
            &[
                "issuer",
                "--ledger",
                "litesvm",
                "--bind",
                &bind(pi),
                "--key",
                "issuer.key",
                "--fee-payer",
                "fee-payer.keypair",
                "--store-url",
                "sqlite://issuer.db",
                "--dev-chain",
                "chain",
            ],
            env,
        );
        let facilitator_args: Vec<String> = [
            "facilitator",
            "--bind",
            &bind(pf),
            "--issuers",
            "issuers.json",
            "--store-url",
            "sqlite://facilitator.db",
        ]
        .map(String::from)
        .to_vec();
        let args: Vec<&str> = facilitator_args.iter().map(String::as_str).collect();
        let facilitator = serve(dir, "facilitator", pf, &args, env);
        let prover = with_prover.then(|| {
            let pp = free_port();
            serve(dir, "prover", pp, &["prover", "--bind", &bind(pp)], env)
        });
        wait_healthy(pi);
        wait_healthy(pf);
        let seller = serve(
            dir,
            "seller",
            ps,
            &[
                "seller",
                "--bind",
                &bind(ps),
                "--chain",
                "chain/chain.json",
                "--issuer-key",
                "issuer.pub.json",
                "--issuer-url",
                &format!("http://127.0.0.1:{pi}"),
                "--facilitator",
                &format!("http://127.0.0.1:{pf}"),
            ],
            env,
        );
        wait_healthy(ps);
        if let Some(p) = &prover {
            wait_ready(p.port);
        }
        Parties {
            issuer,
            facilitator,
            seller,
            prover,
            facilitator_args,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Kills the facilitator (`SIGKILL`) and starts it again on the same port
    /// and database, waiting until it is healthy.
    pub fn crash_and_restart_facilitator(&mut self, dir: &Path) {
        self.facilitator.kill();
        let args: Vec<&str> = self.facilitator_args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let port = self.facilitator.port;
        self.facilitator = serve(dir, "facilitator", port, &args, &env);
        wait_healthy(port);
    }
}

/// One paid-at time per run, so pairs of payments share their receipt.
static NOW_AT_START: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

pub fn post_json(port: u16, path: &str, body: &Value, headers: &[(&str, &[u8])]) -> Reply {
    let mut all: Vec<(&str, &[u8])> = vec![("Content-Type", b"application/json")];
    all.extend_from_slice(headers);
    http(
        port,
        &request("POST", path, &all, body.to_string().as_bytes()),
    )
    .unwrap()
}

pub fn get(port: u16, path: &str, headers: &[(&str, &[u8])]) -> Reply {
    http(port, &request("GET", path, headers, b"")).unwrap()
}

pub use x402_zk_protocol::unix_now as now;

/// A receipt for the seller's requirement, signed by the issuer's key, and a
/// zk-receipt payload proving it by the prover service.
///
/// `pair` = (the payer's secret and a payment tag, a challenge): the same pair
/// first part gives the same receipt, hence the same nullifier; the challenge
/// (default: the quote's) makes the proofs, and so the payments, differ.
pub fn proved_payment(
    dir: &Path,
    prover: u16,
    quote: &PaymentRequired,
    pair: Option<(&PayerSecret, &str, &str)>,
) -> (Value, Value) {
    let requirement = &quote.accepts[0];
    let extra = ZkReceiptExtra::from_requirements(requirement).unwrap();
    let fresh = PayerSecret::generate();
    let tag = format!("payment-{}", rand::random::<u64>());
    let (secret, tag, challenge) = match pair {
        Some((secret, tag, challenge)) => (secret, tag, challenge),
        None => (&fresh, tag.as_str(), extra.challenge.as_str()),
    };
    let key = SecretKey::from_hex(
        std::fs::read_to_string(dir.join("issuer.key"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    let receipt = ReceiptBody {
        amount: requirement.amount.parse().unwrap(),
        dest: h2f::dest(
            &requirement.network,
            &requirement.asset,
            &requirement.pay_to,
        ),
        paid_at: NOW_AT_START.get_or_init(now) - 60,
        payment_id: h2f::payment_id(&requirement.network, tag),
        payer_commitment: secret.commitment(),
    }
    .sign(&key);
    let proof_request = json!({
        "receipt": receipt,
        "payerSecret": secret,
        "policy": {
            "network": requirement.network,
            "asset": requirement.asset,
            "payTo": requirement.pay_to,
            "minAmount": requirement.amount,
            "notBefore": (now() - extra.max_payment_age_seconds + 60).to_string(),
            "issuer": key.public_key(),
            "resource": quote.resource.url,
            "challenge": challenge,
        },
    });
    let reply = post_json(prover, "/v1/proofs", &proof_request, &[]);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let payload = reply.json().unwrap()["payload"].clone();
    (proof_request, payload)
}
