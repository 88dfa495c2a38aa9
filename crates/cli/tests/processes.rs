//! The parties as separate processes of the real binary: `serve issuer` (embedded
//! chain), `serve facilitator`, `serve seller`, and a buyer running `fetch`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_x402-zk");

/// Kills the child when dropped, so a failing test leaves no server behind.
struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
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

fn serve(dir: &Path, args: &[&str]) -> Server {
    let child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server(child)
}

fn wait_healthy(port: u16) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /health HTTP/1.0\r\n\r\n");
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            if reply.contains("200 OK") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("port {port} did not become healthy");
}

#[test]
fn separate_processes_pay_privately() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
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
    let (issuer_url, facilitator_url) = (
        format!("http://127.0.0.1:{pi}"),
        format!("http://127.0.0.1:{pf}"),
    );
    let _issuer = serve(
        dir,
        &[
            "serve",
            "issuer",
            "--ledger",
            "litesvm",
            "--bind",
            &format!("127.0.0.1:{pi}"),
            "--key",
            "issuer.key",
            "--fee-payer",
            "fee-payer.keypair",
            "--store-url",
            "sqlite://issuer.db",
            "--dev-chain",
            "chain",
        ],
    );
    let _facilitator = serve(
        dir,
        &[
            "serve",
            "facilitator",
            "--bind",
            &format!("127.0.0.1:{pf}"),
            "--issuers",
            "issuers.json",
            "--store-url",
            "sqlite://facilitator.db",
        ],
    );
    wait_healthy(pi);
    wait_healthy(pf);
    let _seller = serve(
        dir,
        &[
            "serve",
            "seller",
            "--bind",
            &format!("127.0.0.1:{ps}"),
            "--chain",
            "chain/chain.json",
            "--issuer-key",
            "issuer.pub.json",
            "--issuer-url",
            &issuer_url,
            "--facilitator",
            &facilitator_url,
        ],
    );
    wait_healthy(ps);

    #[cfg(unix)]
    for secret in ["chain/buyer.keypair", "fee-payer.keypair"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(secret))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{secret}");
    }
    let url = format!("http://127.0.0.1:{ps}/weather");
    let out = run(
        dir,
        &["fetch", &url, "--solana-keypair", "chain/buyer.keypair"],
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["report"], "sunny, 21 °C");
    assert!(body["paidBy"].as_str().unwrap().starts_with("zk:"));
    // A second fetch buys and spends a second receipt.
    run(
        dir,
        &["fetch", &url, "--solana-keypair", "chain/buyer.keypair"],
    );
    // Without a Solana key and with every receipt spent, the buyer cannot pay.
    let out = Command::new(BIN)
        .args(["fetch", &url])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no unspent receipt fits"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
