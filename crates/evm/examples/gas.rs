//! Gas of the generated EVM verifiers against snarkjs 0.7.6's, measured in revm
//! 43 (Prague) with solc 0.8.37 (optimizer, 200 runs), printed as a markdown table.
//!
//! `cargo run --release -p x402-zk-evm --example gas` (needs `scripts/install-test-deps.sh`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use x402_zk_evm::*;

fn main() {
    if !solc_available("gas example") || !snarkjs_available("gas example") {
        std::process::exit(1);
    }
    let v = vectors();
    let root = repo_root();
    let ours = compile_file(
        &root.join("crates/evm/contracts/X402ZkVerifier.sol"),
        VERIFIER_CONTRACT,
    );
    let sj = snarkjs_verifier();
    let (p0, x0) = &v.items[0];
    let u64_of = |f: &x402_zk_primitives::FieldElement| u64::try_from(f.to_biguint()).unwrap();
    let max_age = 3600;
    let policy = Policy {
        dest: x0[2],
        min_amount: u64_of(&x0[3]),
        issuer_ax: x0[5],
        issuer_ay: x0[6],
        max_age_seconds: max_age,
    };
    let pol = compile(
        &render_policy_verifier(&v.vk, &policy),
        POLICY_VERIFIER_CONTRACT,
    );

    let mut chain = Chain::new();
    chain.set_timestamp(u64_of(&x0[4]) + 60);
    let (sj_addr, sj_deploy) = chain.deploy(&sj.bytecode);
    let (our_addr, our_deploy) = chain.deploy(&ours.bytecode);
    let (pol_addr, pol_deploy) = chain.deploy(&pol.bytecode);

    println!(
        "Gas in revm 43.0.3 (Prague), solc 0.8.37 (optimizer, 200 runs, cancun), 7 public inputs."
    );
    println!("Execution = tx gas − intrinsic (21,000 + 16/nonzero + 4/zero calldata byte).\n");
    println!("| contract | deploy gas | runtime bytes |");
    println!("|---|---:|---:|");
    for (name, gas, c) in [
        ("snarkjs 0.7.6 `Groth16Verifier`", sj_deploy, &sj),
        ("ours `X402ZkVerifier`", our_deploy, &ours),
        ("ours `X402ZkPolicyVerifier`", pol_deploy, &pol),
    ] {
        println!("| {name} | {gas} | {} |", c.deployed_len);
    }
    println!();

    let base = chain.call(sj_addr, snarkjs_calldata(p0, x0));
    assert!(base.bool());
    let mut rows: Vec<(String, usize, Outcome)> =
        vec![("snarkjs `verifyProof`".into(), 1, base.clone())];
    let o = chain.call(our_addr, encode_verify_proof(p0, x0));
    assert!(o.bool());
    rows.push(("ours `verifyProof`".into(), 1, o));
    let o = chain.call(our_addr, encode_verify_and_spend(p0, x0));
    assert_eq!(o.status, Status::Success(vec![]));
    rows.push(("ours `verifyAndSpend` (incl. SSTORE, event)".into(), 1, o));
    let o = chain.call(pol_addr, encode_policy_verify_proof(p0, x0));
    assert!(o.bool());
    rows.push(("policy-bound `verifyProof` (3 inputs)".into(), 1, o));
    let o = chain.call(pol_addr, encode_policy_verify_and_spend(p0, x0));
    assert_eq!(o.status, Status::Success(vec![]));
    rows.push(("policy-bound `verifyAndSpend`".into(), 1, o));
    for n in [2, 4, 8, 16] {
        let o = chain.call(our_addr, encode_verify_batch(&v.items[..n]));
        assert!(o.bool());
        rows.push((format!("ours `verifyBatch`, n = {n}"), n, o));
    }
    let o = chain.call(our_addr, encode_verify_and_spend_batch(&v.items[1..9]));
    assert_eq!(o.status, Status::Success(vec![]));
    rows.push(("ours `verifyAndSpendBatch`, n = 8".into(), 8, o));

    println!("| call | tx gas | execution | tx gas / proof | / snarkjs tx | EIP-7623 floor |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, n, o) in &rows {
        println!(
            "| {name} | {} | {} | {} | {:.3} | {}{} |",
            o.tx_gas,
            o.execution(),
            o.tx_gas / *n as u64,
            (o.tx_gas as f64 / *n as f64) / base.tx_gas as f64,
            o.floor_gas,
            if o.floor_binds() { " (binds)" } else { "" }
        );
    }
}
