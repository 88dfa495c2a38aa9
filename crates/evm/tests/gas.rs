//! The generated verifiers in revm (Prague), against snarkjs 0.7.6's verifier:
//! correctness on the 16 test vectors, false and malformed proofs, batches, the
//! nullifier registry, the policy-bound variant, and gas.
//!
//! Needs node with `tools/solc` and `tools/snarkjs` installed
//! (`scripts/install-test-deps.sh`); without them the tests print a loud skip
//! message, unless `X402ZK_REQUIRE_SOLC` is set (as `scripts/test.sh` does).

mod common;

use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use common::*;
use revm::primitives::Address;
use std::sync::OnceLock;
use x402_zk_evm::*;
use x402_zk_primitives::FieldElement;

/// BN254 base field order p, big-endian.
const P_BE: &str = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
/// BN254 scalar field order r, big-endian.
const R_BE: &str = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";

fn ours() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(|| {
        compile_file(
            &repo_root().join("crates/evm/contracts/X402ZkVerifier.sol"),
            VERIFIER_CONTRACT,
        )
    })
}

fn snarkjs() -> &'static Compiled {
    static C: OnceLock<Compiled> = OnceLock::new();
    C.get_or_init(snarkjs_verifier)
}

/// A chain with our verifier deployed, or `None` (skipped) without solc.
fn setup(what: &str) -> Option<(Chain, Address, Vectors)> {
    if !solc_available(what) {
        return None;
    }
    let mut chain = Chain::new();
    let (addr, _) = chain.deploy(&ours().bytecode);
    Some((chain, addr, vectors()))
}

fn put_word(data: &mut [u8], index: usize, word: &[u8]) {
    assert_eq!(word.len(), 32);
    data[4 + 32 * index..4 + 32 * (index + 1)].copy_from_slice(word);
}

fn hex32(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap()
}

fn u256_of_u128(v: u128) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[16..].copy_from_slice(&v.to_be_bytes());
    w
}

#[track_caller]
fn expect_error(o: &Outcome, e: ContractError) {
    assert_eq!(
        ContractError::decode(o.revert_data()),
        Some(e),
        "revert data {}",
        hex::encode(o.revert_data())
    );
}

#[test]
fn selectors_match_solc() {
    if !solc_available("selectors_match_solc") {
        return;
    }
    let ids = &ours().method_identifiers;
    for sig in [
        SIG_VERIFY_PROOF,
        SIG_VERIFY_BATCH,
        SIG_VERIFY_AND_SPEND,
        SIG_VERIFY_AND_SPEND_BATCH,
        SIG_SPENT,
    ] {
        assert_eq!(
            ids[sig].as_str().unwrap(),
            hex::encode(selector(sig)),
            "{sig}"
        );
    }
    assert_eq!(ids.len(), 5, "{ids:?}");
}

#[test]
fn all_vectors_verify_and_ours_is_cheaper_than_snarkjs() {
    let Some((mut chain, addr, v)) = setup("all_vectors_verify") else {
        return;
    };
    if !snarkjs_available("all_vectors_verify (snarkjs part)") {
        return;
    }
    let (sj, _) = chain.deploy(&snarkjs().bytecode);
    for (i, (proof, inputs)) in v.items.iter().enumerate() {
        let o = chain.call(addr, encode_verify_proof(proof, inputs));
        assert!(o.bool(), "vector {i} with ours");
        let s = chain.call(sj, snarkjs_calldata(proof, inputs));
        assert!(s.bool(), "vector {i} with snarkjs");
        assert!(o.tx_gas < s.tx_gas, "{} vs {}", o.tx_gas, s.tx_gas);
        assert!(!o.floor_binds());
    }
}

#[test]
fn false_proofs_return_false_and_are_not_spent() {
    let Some((mut chain, addr, v)) = setup("false_proofs") else {
        return;
    };
    let (p0, x0) = &v.items[0];
    let (p1, _) = &v.items[1];
    // Another proof's inputs.
    assert!(!chain.call(addr, encode_verify_proof(p1, x0)).bool());
    // A changed context.
    let mut x = *x0;
    x[1] = FieldElement::from(12345u64);
    assert!(!chain.call(addr, encode_verify_proof(p0, &x)).bool());
    // A changed min_amount (still < 2^64).
    let mut x = *x0;
    x[3] = FieldElement::from(1u64);
    assert!(!chain.call(addr, encode_verify_proof(p0, &x)).bool());
    // verifyAndSpend: InvalidProof, nothing spent.
    let o = chain.call(addr, encode_verify_and_spend(p1, x0));
    expect_error(&o, ContractError::InvalidProof);
    let s = chain.call(addr, encode_spent(&x0[0]));
    assert!(!s.bool());
    if snarkjs_available("false_proofs (snarkjs part)") {
        let (sj, _) = chain.deploy(&snarkjs().bytecode);
        assert!(!chain.call(sj, snarkjs_calldata(p1, x0)).bool());
    }
}

/// A point on the BN254 twist that is not in the order-r subgroup.
fn g2_off_subgroup() -> G2Affine {
    (1u64..)
        .find_map(|k| {
            let p =
                G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(k), Fq::from(1u64)), false)?;
            (p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve()).then_some(p)
        })
        .unwrap()
}

fn fq_be(f: &Fq) -> Vec<u8> {
    f.into_bigint().to_bytes_be()
}

#[test]
fn malformed_input_reverts_with_the_right_error() {
    let Some((mut chain, addr, v)) = setup("malformed_input") else {
        return;
    };
    let (p0, x0) = &v.items[0];
    let good = encode_verify_proof(p0, x0);
    let run = |chain: &mut Chain, f: &dyn Fn(&mut Vec<u8>)| {
        let mut d = good.clone();
        f(&mut d);
        chain.call(addr, d)
    };
    // Coordinates >= p.
    for k in [0, 1, 2, 5, 6, 7] {
        let o = run(&mut chain, &|d| put_word(d, k, &hex32(P_BE)));
        expect_error(&o, ContractError::MalformedProof);
    }
    // A, C off the curve: y + 1.
    for k in [1, 7] {
        let o = run(&mut chain, &|d| d[4 + 32 * k + 31] ^= 1);
        expect_error(&o, ContractError::MalformedProof);
    }
    // B off the curve.
    let o = run(&mut chain, &|d| d[4 + 32 * 5 + 31] ^= 1);
    expect_error(&o, ContractError::MalformedProof);
    // B on the twist but not in the subgroup.
    let q = g2_off_subgroup();
    let (qx, qy) = q.xy().unwrap();
    let o = run(&mut chain, &|d| {
        for (k, f) in [qx.c1, qx.c0, qy.c1, qy.c0].iter().enumerate() {
            put_word(d, 2 + k, &fq_be(f));
        }
    });
    expect_error(&o, ContractError::MalformedProof);
    // Inputs >= r, and the u64 inputs >= 2^64.
    for i in 0..7 {
        let o = run(&mut chain, &|d| put_word(d, 8 + i, &hex32(R_BE)));
        expect_error(&o, ContractError::InputOutOfRange(i as u64));
        let o = run(&mut chain, &|d| put_word(d, 8 + i, &[0xff; 32]));
        expect_error(&o, ContractError::InputOutOfRange(i as u64));
    }
    for i in [3usize, 4] {
        let o = run(&mut chain, &|d| put_word(d, 8 + i, &u256_of_u128(1 << 64)));
        expect_error(&o, ContractError::InputOutOfRange(i as u64));
    }
    // Short calldata: the ABI decoder reverts without data.
    let o = chain.call(addr, good[..good.len() - 1].to_vec());
    assert_eq!(o.revert_data(), b"");
    // The same through verifyAndSpend.
    let mut d = encode_verify_and_spend(p0, x0);
    put_word(&mut d, 8 + 4, &u256_of_u128(1 << 64));
    expect_error(&chain.call(addr, d), ContractError::InputOutOfRange(4));
    // And the good proof still verifies.
    assert!(chain.call(addr, good.clone()).bool());
}

#[test]
fn batches_verify_with_one_pairing() {
    let Some((mut chain, addr, v)) = setup("batches") else {
        return;
    };
    for n in [1, 2, 4, 8, 16] {
        let o = chain.call(addr, encode_verify_batch(&v.items[..n]));
        assert!(o.bool(), "batch of {n}");
    }
    // One false member (swapped inputs of two proofs), anywhere.
    for bad in [0, 3] {
        let mut items = v.items[..4].to_vec();
        let x = items[bad].1;
        items[bad].1 = items[(bad + 1) % 4].1;
        items[(bad + 1) % 4].1 = x;
        assert!(!chain.call(addr, encode_verify_batch(&items)).bool());
        let mut items = v.items[..4].to_vec();
        items[bad].1[1] = FieldElement::from(99u64);
        assert!(!chain.call(addr, encode_verify_batch(&items)).bool());
        expect_error(
            &chain.call(addr, encode_verify_and_spend_batch(&items)),
            ContractError::InvalidProof,
        );
    }
    // Empty and mismatched lengths.
    expect_error(
        &chain.call(addr, encode_verify_batch(&[])),
        ContractError::BadBatch,
    );
    let mut d = encode_verify_batch(&v.items[..2]);
    let n_pos = 4 + 0x40 + 32 + 2 * 256; // length word of the inputs array
    d[n_pos + 31] = 1;
    d.truncate(d.len() - 224);
    expect_error(&chain.call(addr, d), ContractError::BadBatch);
    // Malformed members: input out of range, A off the curve (ecMul fails) in the
    // second proof, B off the curve (pairing fails).
    let base = encode_verify_batch(&v.items[..2]);
    let proof_word = |j: usize, k: usize| 4 + 0x60 + 256 * j + 32 * k;
    let input_word = |j: usize, i: usize| 4 + 0x60 + 2 * 256 + 32 + 224 * j + 32 * i;
    let mut d = base.clone();
    d[input_word(1, 3)..input_word(1, 3) + 32].copy_from_slice(&u256_of_u128(1 << 64));
    expect_error(&chain.call(addr, d), ContractError::InputOutOfRange(3));
    let mut d = base.clone();
    d[input_word(1, 6)..input_word(1, 6) + 32].copy_from_slice(&hex32(R_BE));
    expect_error(&chain.call(addr, d), ContractError::InputOutOfRange(6));
    for (j, k) in [(1, 1), (1, 5), (0, 7), (1, 7)] {
        let mut d = base.clone();
        d[proof_word(j, k) + 31] ^= 1;
        expect_error(&chain.call(addr, d), ContractError::MalformedProof);
    }
}

#[test]
fn verify_and_spend_spends_once() {
    let Some((mut chain, addr, v)) = setup("verify_and_spend") else {
        return;
    };
    let (p0, x0) = &v.items[0];
    let o = chain.call(addr, encode_verify_and_spend(p0, x0));
    assert_eq!(o.status, Status::Success(vec![]));
    assert_eq!(o.logs, 1);
    assert!(chain.call(addr, encode_spent(&x0[0])).bool());
    let o = chain.call(addr, encode_verify_and_spend(p0, x0));
    expect_error(&o, ContractError::NullifierSpent(x0[0].to_be_bytes()));
    // verifyProof is unaffected by spending.
    assert!(chain.call(addr, encode_verify_proof(p0, x0)).bool());
    // Batches: a spent nullifier, or one repeated within the batch, reverts all.
    let o = chain.call(addr, encode_verify_and_spend_batch(&v.items[..3]));
    expect_error(&o, ContractError::NullifierSpent(x0[0].to_be_bytes()));
    assert!(!chain.call(addr, encode_spent(&v.items[1].1[0])).bool());
    let dup = vec![v.items[1].clone(), v.items[2].clone(), v.items[1].clone()];
    let o = chain.call(addr, encode_verify_and_spend_batch(&dup));
    expect_error(
        &o,
        ContractError::NullifierSpent(v.items[1].1[0].to_be_bytes()),
    );
    let o = chain.call(addr, encode_verify_and_spend_batch(&v.items[1..5]));
    assert_eq!(o.status, Status::Success(vec![]));
    assert_eq!(o.logs, 4);
    for (_, x) in &v.items[1..5] {
        assert!(chain.call(addr, encode_spent(&x[0])).bool());
    }
}

fn policy_of(x: &[FieldElement; 7], max_age_seconds: u64) -> Policy {
    let u64_of = |f: &FieldElement| u64::try_from(f.to_biguint()).unwrap();
    Policy {
        dest: x[2],
        min_amount: u64_of(&x[3]),
        issuer_ax: x[5],
        issuer_ay: x[6],
        max_age_seconds,
    }
}

#[test]
fn policy_verifier_checks_the_policy_and_is_cheaper() {
    let Some((mut chain, _, v)) = setup("policy_verifier") else {
        return;
    };
    let x0 = v.items[0].1;
    let not_before = v
        .items
        .iter()
        .map(|(_, x)| u64::try_from(x[4].to_biguint()).unwrap())
        .min()
        .unwrap();
    let max_age = 600;
    chain.set_timestamp(not_before + max_age);
    let src = render_policy_verifier(&v.vk, &policy_of(&x0, max_age));
    let c = compile(&src, POLICY_VERIFIER_CONTRACT);
    for sig in [
        SIG_POLICY_VERIFY_PROOF,
        SIG_POLICY_VERIFY_AND_SPEND,
        SIG_SPENT,
    ] {
        assert_eq!(
            c.method_identifiers[sig].as_str().unwrap(),
            hex::encode(selector(sig))
        );
    }
    let (addr, _) = chain.deploy(&c.bytecode);
    let mut gas = 0;
    for (i, (p, x)) in v.items.iter().enumerate() {
        let o = chain.call(addr, encode_policy_verify_proof(p, x));
        assert!(o.bool(), "vector {i}");
        gas = o.tx_gas;
    }
    // Another proof's (nullifier, context, not_before): false.
    let (p1, _) = &v.items[1];
    assert!(!chain.call(addr, encode_policy_verify_proof(p1, &x0)).bool());
    // A contract with another policy rejects the same proofs.
    let mut other = policy_of(&x0, max_age);
    other.min_amount += 1;
    let c2 = compile(
        &render_policy_verifier(&v.vk, &other),
        POLICY_VERIFIER_CONTRACT,
    );
    let (addr2, _) = chain.deploy(&c2.bytecode);
    assert!(!chain
        .call(addr2, encode_policy_verify_proof(&v.items[0].0, &x0))
        .bool());
    // Another dest, another issuer: the folded constants bind them too.
    for change in [0usize, 1] {
        let mut other = policy_of(&x0, max_age);
        if change == 0 {
            other.dest = FieldElement::from(12345u64);
        } else {
            other.issuer_ax = x0[6];
            other.issuer_ay = x0[5];
        }
        let c3 = compile(
            &render_policy_verifier(&v.vk, &other),
            POLICY_VERIFIER_CONTRACT,
        );
        let (addr3, _) = chain.deploy(&c3.bytecode);
        assert!(
            !chain
                .call(addr3, encode_policy_verify_proof(&v.items[0].0, &x0))
                .bool(),
            "policy change {change}"
        );
    }
    // Out of range, too old, spend once.
    let mut d = encode_policy_verify_proof(&v.items[0].0, &x0);
    put_word(&mut d, 8 + 2, &u256_of_u128(1 << 64));
    expect_error(&chain.call(addr, d), ContractError::InputOutOfRange(2));
    let nb0 = u64::try_from(x0[4].to_biguint()).unwrap();
    chain.set_timestamp(nb0 + max_age + 1);
    expect_error(
        &chain.call(addr, encode_policy_verify_and_spend(&v.items[0].0, &x0)),
        ContractError::ReceiptTooOld(nb0),
    );
    // A not_before ahead of the block time by more than the skew.
    chain.set_timestamp(nb0 - x402_zk_evm::MAX_SKEW_SECONDS - 1);
    expect_error(
        &chain.call(addr, encode_policy_verify_proof(&v.items[0].0, &x0)),
        ContractError::ReceiptTooOld(nb0),
    );
    chain.set_timestamp(nb0 + max_age);
    let o = chain.call(addr, encode_policy_verify_and_spend(&v.items[0].0, &x0));
    assert_eq!(o.status, Status::Success(vec![]));
    expect_error(
        &chain.call(addr, encode_policy_verify_and_spend(&v.items[0].0, &x0)),
        ContractError::NullifierSpent(x0[0].to_be_bytes()),
    );
    // The goal: at most 0.9 x the snarkjs verifier's gas per verification.
    if snarkjs_available("policy_verifier (gas comparison)") {
        let (sj, _) = chain.deploy(&snarkjs().bytecode);
        let s = chain.call(sj, snarkjs_calldata(&v.items[0].0, &x0));
        assert!(s.bool());
        assert!(
            gas * 10 <= s.tx_gas * 9,
            "policy {gas} vs snarkjs {}",
            s.tx_gas
        );
    }
}
