//! The committed Solidity (`crates/evm/contracts/X402ZkVerifier.sol`) is what
//! `render_verifier` writes for `test-vectors/onchain/verifying.key`.
//! Regenerate with `X402ZK_BLESS=1 cargo test -p x402-zk-evm --test render`.

use std::path::Path;
use x402_zk_verifier::VerifyingKey;

#[test]
fn committed_contract_matches_the_renderer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let vk = VerifyingKey::from_bytes(
        &std::fs::read(root.join("test-vectors/onchain/verifying.key")).unwrap(),
    )
    .unwrap();
    let rendered = x402_zk_evm::render_verifier(&vk);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/X402ZkVerifier.sol");
    if std::env::var_os("X402ZK_BLESS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "{} differs from render_verifier's output; if on purpose, rerun with X402ZK_BLESS=1 and commit the file",
        path.display()
    );
}
