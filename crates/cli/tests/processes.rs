//! The parties as separate processes of the real binary: `serve issuer` (embedded
//! chain), `serve facilitator`, `serve seller`, and a buyer running `fetch`.

mod common;

use common::{run, Parties, BIN};
use std::process::Command;

#[test]
fn separate_processes_pay_privately() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let parties = Parties::start(dir, false, &[]);

    #[cfg(unix)]
    for secret in ["chain/buyer.keypair", "fee-payer.keypair", "issuer.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(secret))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{secret}");
    }
    let url = format!("{}/weather", parties.seller.url());
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
