//! EVM verifier for x402-zk receipt proofs.
//!
//! [`render_verifier`] writes a Solidity contract, `X402ZkVerifier`, with a Groth16
//! (BN254) verifying key baked in: single and batched verification through the
//! EIP-196/197 precompiles (0x06 ecAdd, 0x07 ecMul, 0x08 ecPairing) and a nullifier
//! registry (`verifyAndSpend`). [`render_policy_verifier`] writes
//! `X402ZkPolicyVerifier`, which also bakes in one seller's policy (dest, price,
//! issuer, maximum age), so the proof only carries nullifier, context and
//! not-before: three scalar multiplications instead of seven.
//!
//! The `encode_*` functions build the calldata for those contracts from a
//! [`Proof`] and its public inputs; [`ContractError::decode`] reads their revert data.
//!
//! Calldata layout of a proof: eight 32-byte words
//! `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`, which is exactly
//! [`Proof::to_bytes`] without its version byte.

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use sha3::{Digest, Keccak256};
use std::fmt::Write as _;
use x402_zk_primitives::{FieldElement, PUBLIC_INPUTS};
use x402_zk_verifier::{Proof, VerifyingKey};

/// Solidity signature of `verifyProof` (general verifier).
pub const SIG_VERIFY_PROOF: &str = "verifyProof(uint256[8],uint256[7])";
/// Solidity signature of `verifyBatch`.
pub const SIG_VERIFY_BATCH: &str = "verifyBatch(uint256[8][],uint256[7][])";
/// Solidity signature of `verifyAndSpend` (general verifier).
pub const SIG_VERIFY_AND_SPEND: &str = "verifyAndSpend(uint256[8],uint256[7])";
/// Solidity signature of `verifyAndSpendBatch`.
pub const SIG_VERIFY_AND_SPEND_BATCH: &str = "verifyAndSpendBatch(uint256[8][],uint256[7][])";
/// Solidity signature of `spent(uint256)`, the public nullifier registry.
pub const SIG_SPENT: &str = "spent(uint256)";
/// Solidity signature of `verifyProof` in the policy-bound verifier.
pub const SIG_POLICY_VERIFY_PROOF: &str = "verifyProof(uint256[8],uint256[3])";
/// Solidity signature of `verifyAndSpend` in the policy-bound verifier.
pub const SIG_POLICY_VERIFY_AND_SPEND: &str = "verifyAndSpend(uint256[8],uint256[3])";

/// Name of the contract written by [`render_verifier`].
pub const VERIFIER_CONTRACT: &str = "X402ZkVerifier";
/// Name of the contract written by [`render_policy_verifier`].
pub const POLICY_VERIFIER_CONTRACT: &str = "X402ZkPolicyVerifier";

/// The first four bytes of `keccak256(signature)`: a function selector or
/// custom-error selector.
pub fn selector(signature: &str) -> [u8; 4] {
    let h = Keccak256::digest(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

/// A seller's policy baked into [`render_policy_verifier`]'s contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Chain, token and recipient (public input 2).
    pub dest: FieldElement,
    /// The price (public input 3).
    pub min_amount: u64,
    /// The trusted issuer's key, x coordinate (public input 5).
    pub issuer_ax: FieldElement,
    /// The trusted issuer's key, y coordinate (public input 6).
    pub issuer_ay: FieldElement,
    /// Oldest accepted `not_before`, relative to `block.timestamp`, in seconds.
    pub max_age_seconds: u64,
}

/// A custom error of the generated contracts, decoded from revert data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// A public input is `≥ r`, or `min_amount`/`not_before` is `≥ 2^64`. The index
    /// is the position in the statement (0–6; in the policy verifier, 0–2).
    #[error("public input {0} out of range")]
    InputOutOfRange(u64),
    /// A precompile rejected a proof point (coordinate `≥ p`, not on the curve, or
    /// B not in the subgroup).
    #[error("malformed proof")]
    MalformedProof,
    /// A batch is empty or its arrays differ in length.
    #[error("empty batch or mismatched lengths")]
    BadBatch,
    /// `verifyAndSpend*`: the proof is false.
    #[error("invalid proof")]
    InvalidProof,
    /// `verifyAndSpend*`: the nullifier was already spent.
    #[error("nullifier already spent")]
    NullifierSpent([u8; 32]),
    /// Policy verifier: `not_before + maxAge < block.timestamp`.
    #[error("receipt too old (not_before {0})")]
    ReceiptTooOld(u64),
}

/// Solidity signatures of the custom errors, in [`ContractError`] order.
pub const ERROR_SIGNATURES: [&str; 6] = [
    "InputOutOfRange(uint256)",
    "MalformedProof()",
    "BadBatch()",
    "InvalidProof()",
    "NullifierSpent(uint256)",
    "ReceiptTooOld(uint256)",
];

impl ContractError {
    /// Decodes revert data; `None` if it is not one of these errors.
    pub fn decode(data: &[u8]) -> Option<Self> {
        if data.len() < 4 {
            return None;
        }
        let (sel, args) = data.split_at(4);
        let which = ERROR_SIGNATURES.iter().position(|s| selector(s) == sel)?;
        let word = || -> Option<[u8; 32]> { args.try_into().ok() };
        let small = || -> Option<u64> {
            let w = word()?;
            w[..24]
                .iter()
                .all(|b| *b == 0)
                .then(|| u64::from_be_bytes(w[24..].try_into().expect("8 bytes")))
        };
        match which {
            0 => small().map(ContractError::InputOutOfRange),
            1 => args.is_empty().then_some(ContractError::MalformedProof),
            2 => args.is_empty().then_some(ContractError::BadBatch),
            3 => args.is_empty().then_some(ContractError::InvalidProof),
            4 => word().map(ContractError::NullifierSpent),
            _ => small().map(ContractError::ReceiptTooOld),
        }
    }
}

// ---------------------------------------------------------------------------
// Calldata
// ---------------------------------------------------------------------------

fn proof_words(proof: &Proof) -> Vec<u8> {
    proof.to_bytes()[1..].to_vec()
}

fn push_inputs(out: &mut Vec<u8>, inputs: &[FieldElement]) {
    for x in inputs {
        out.extend_from_slice(&x.to_be_bytes());
    }
}

fn word(n: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(n as u64).to_be_bytes());
    w
}

fn encode_single(sig: &str, proof: &Proof, inputs: &[FieldElement]) -> Vec<u8> {
    let mut out = selector(sig).to_vec();
    out.extend_from_slice(&proof_words(proof));
    push_inputs(&mut out, inputs);
    out
}

fn encode_batch(sig: &str, items: &[(Proof, [FieldElement; PUBLIC_INPUTS])]) -> Vec<u8> {
    let n = items.len();
    let mut out = selector(sig).to_vec();
    // Head: offsets of the two dynamic arrays; tails: length, then the elements inline.
    out.extend_from_slice(&word(0x40));
    out.extend_from_slice(&word(0x40 + 32 + n * 256));
    out.extend_from_slice(&word(n));
    for (p, _) in items {
        out.extend_from_slice(&proof_words(p));
    }
    out.extend_from_slice(&word(n));
    for (_, x) in items {
        push_inputs(&mut out, x);
    }
    out
}

/// Calldata of `verifyProof(uint256[8],uint256[7])`: selector, proof words, inputs
/// (`Statement::public_inputs` order).
pub fn encode_verify_proof(proof: &Proof, inputs: &[FieldElement; PUBLIC_INPUTS]) -> Vec<u8> {
    encode_single(SIG_VERIFY_PROOF, proof, inputs)
}

/// Calldata of `verifyAndSpend(uint256[8],uint256[7])`.
pub fn encode_verify_and_spend(proof: &Proof, inputs: &[FieldElement; PUBLIC_INPUTS]) -> Vec<u8> {
    encode_single(SIG_VERIFY_AND_SPEND, proof, inputs)
}

/// Calldata of `verifyBatch(uint256[8][],uint256[7][])`.
pub fn encode_verify_batch(items: &[(Proof, [FieldElement; PUBLIC_INPUTS])]) -> Vec<u8> {
    encode_batch(SIG_VERIFY_BATCH, items)
}

/// Calldata of `verifyAndSpendBatch(uint256[8][],uint256[7][])`.
pub fn encode_verify_and_spend_batch(items: &[(Proof, [FieldElement; PUBLIC_INPUTS])]) -> Vec<u8> {
    encode_batch(SIG_VERIFY_AND_SPEND_BATCH, items)
}

/// Calldata of `spent(uint256)`.
pub fn encode_spent(nullifier: &FieldElement) -> Vec<u8> {
    let mut out = selector(SIG_SPENT).to_vec();
    out.extend_from_slice(&nullifier.to_be_bytes());
    out
}

/// The three inputs the policy verifier takes: nullifier, context, not_before.
pub fn policy_inputs(inputs: &[FieldElement; PUBLIC_INPUTS]) -> [FieldElement; 3] {
    [inputs[0], inputs[1], inputs[4]]
}

/// Calldata of the policy verifier's `verifyProof(uint256[8],uint256[3])`, from the
/// full public inputs (only nullifier, context and not_before are sent).
pub fn encode_policy_verify_proof(
    proof: &Proof,
    inputs: &[FieldElement; PUBLIC_INPUTS],
) -> Vec<u8> {
    encode_single(SIG_POLICY_VERIFY_PROOF, proof, &policy_inputs(inputs))
}

/// Calldata of the policy verifier's `verifyAndSpend(uint256[8],uint256[3])`.
pub fn encode_policy_verify_and_spend(
    proof: &Proof,
    inputs: &[FieldElement; PUBLIC_INPUTS],
) -> Vec<u8> {
    encode_single(SIG_POLICY_VERIFY_AND_SPEND, proof, &policy_inputs(inputs))
}

// ---------------------------------------------------------------------------
// Solidity
// ---------------------------------------------------------------------------

/// BN254 scalar field order `r` (public inputs and scalars are reduced mod `r`).
const R_HEX: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";

fn fq_hex(f: &Fq) -> String {
    format!("0x{}", hex::encode(f.into_bigint().to_bytes_be()))
}

fn g1_words(p: &G1Affine) -> [String; 2] {
    let (x, y) = p.xy().expect("verifying-key points are finite");
    [fq_hex(&x), fq_hex(&y)]
}

/// EIP-197 order: x.c1, x.c0, y.c1, y.c0.
fn g2_words(p: &G2Affine) -> [String; 4] {
    let (x, y) = p.xy().expect("verifying-key points are finite");
    [fq_hex(&x.c1), fq_hex(&x.c0), fq_hex(&y.c1), fq_hex(&y.c0)]
}

fn err_word(sig: &str) -> String {
    format!("0x{}{}", hex::encode(selector(sig)), "0".repeat(56))
}

struct Consts<'a> {
    out: &'a mut String,
}

impl Consts<'_> {
    fn c(&mut self, name: &str, value: &str) {
        writeln!(self.out, "    uint256 internal constant {name} = {value};").expect("string");
    }
    fn g1(&mut self, name: &str, p: &G1Affine) {
        let [x, y] = g1_words(p);
        self.c(&format!("{name}_X"), &x);
        self.c(&format!("{name}_Y"), &y);
    }
    fn g2(&mut self, name: &str, p: &G2Affine) {
        let [x1, x0, y1, y0] = g2_words(p);
        self.c(&format!("{name}_X1"), &x1);
        self.c(&format!("{name}_X0"), &x0);
        self.c(&format!("{name}_Y1"), &y1);
        self.c(&format!("{name}_Y0"), &y0);
    }
}

/// `mstore`s of a baked G2 point (4 words) at `base + off`.
fn store_g2(out: &mut String, indent: &str, base: &str, off: usize, name: &str) {
    for (k, part) in ["X1", "X0", "Y1", "Y0"].iter().enumerate() {
        writeln!(
            out,
            "{indent}mstore(add({base}, {:#x}), {name}_{part})",
            off + 32 * k
        )
        .expect("string");
    }
}

fn store_g1(out: &mut String, indent: &str, base: &str, off: usize, name: &str) {
    writeln!(out, "{indent}mstore(add({base}, {off:#x}), {name}_X)").expect("string");
    writeln!(
        out,
        "{indent}mstore(add({base}, {:#x}), {name}_Y)",
        off + 32
    )
    .expect("string");
}

fn header(out: &mut String, vk: &VerifyingKey, generator: &str) {
    writeln!(out, "// SPDX-License-Identifier: MIT").expect("string");
    writeln!(
        out,
        "// Generated by x402-zk-evm ({generator}) for the verifying key with SHA-256\n\
         // {}. Do not edit; regenerate instead.",
        vk.hash_hex()
    )
    .expect("string");
    writeln!(out, "pragma solidity ^0.8.20;\n").expect("string");
}

fn key_constants(out: &mut String, vk: &VerifyingKey, ic: &[(usize, G1Affine)]) {
    let k = vk.as_ark();
    let mut c = Consts { out };
    c.c("R", R_HEX);
    c.g1("ALPHA", &k.alpha_g1);
    c.g2("BETA_NEG", &(-k.beta_g2.into_group()).into_affine());
    c.g2("GAMMA_NEG", &(-k.gamma_g2.into_group()).into_affine());
    c.g2("DELTA_NEG", &(-k.delta_g2.into_group()).into_affine());
    for (i, p) in ic {
        c.g1(&format!("IC{i}"), p);
    }
    for sig in ERROR_SIGNATURES {
        let name = sig.split('(').next().expect("name");
        c.c(&format!("ERR_{}", screaming(name)), &err_word(sig));
    }
}

fn screaming(camel: &str) -> String {
    let mut s = String::new();
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(ch.to_ascii_uppercase());
    }
    s
}

const ERRORS_AND_EVENT: &str = r#"    /// A public input is not below the scalar field order r, or min_amount /
    /// not_before (indices 3 and 4) is not below 2^64. `index` is the position of
    /// the input in its statement.
    error InputOutOfRange(uint256 index);
    /// A BN254 precompile rejected the proof: a coordinate is not below p, a
    /// point is not on its curve, or B is not in the order-r subgroup. A failing
    /// precompile consumes all the gas passed to it, so this costs most of the gas
    /// limit: check proofs off-chain first (x402-zk's Proof::from_bytes does).
    error MalformedProof();
    /// A batch is empty, or its proof and input arrays differ in length.
    error BadBatch();
    /// The proof is well formed but false for these inputs.
    error InvalidProof();
    /// The nullifier has already been spent.
    error NullifierSpent(uint256 nullifier);

    /// A receipt proof was verified and its nullifier spent. Anyone can issue
    /// receipts: trust the event only for an issuer key you trust.
    event ReceiptSpent(
        uint256 indexed nullifier,
        uint256 context,
        uint256 dest,
        uint256 minAmount,
        uint256 notBefore,
        uint256 issuerAx,
        uint256 issuerAy
    );

    /// Spent nullifiers.
    mapping(uint256 => bool) public spent;
"#;

const PAIRING_COMMENT: &str = r#"    // Groth16 check, with -beta, -gamma, -delta baked in so nothing is negated here:
    //   e(A, B) * e(alpha, -beta) * e(L, -gamma) * e(C, -delta) == 1,
    // where L = IC0 + sum_i x_i * IC(i+1). It is the usual
    //   e(A, B) == e(alpha, beta) * e(L, gamma) * e(C, delta).
    // Memory (one buffer at the free-memory pointer m, 4 pairs of 0xc0 bytes):
    //   m+0x000 A  | m+0x040 B          (copied from calldata)
    //   m+0x0c0 alpha | m+0x100 -beta
    //   m+0x180 L  | m+0x1c0 -gamma    (0x1c0.. is ecMul scratch until L is done)
    //   m+0x240 C  | m+0x280 -delta
"#;

/// Writes the single-proof verification: range checks, `L`, one 4-pair pairing.
/// Input `i` is multiplied by the point named `ic_names[i]`; inputs at `u64_at`
/// must be `< 2^64`, the others `< r`; `ic0` names the accumulator's start point.
fn render_single(
    out: &mut String,
    n_inputs: usize,
    u64_at: &[usize],
    ic_names: &[String],
    ic0: &str,
) {
    let ind = "            ";
    out.push_str(PAIRING_COMMENT);
    writeln!(
        out,
        "    function _verify(uint256[8] calldata proof, uint256[{n_inputs}] calldata input)\n        \
         internal\n        view\n        returns (bool valid)\n    {{\n        \
         assembly (\"memory-safe\") {{"
    )
    .expect("string");
    // Range checks.
    for i in 0..n_inputs {
        let word = format!("calldataload(add(input, {:#x}))", 32 * i);
        let word = if i == 0 {
            "calldataload(input)".to_string()
        } else {
            word
        };
        let cond = if u64_at.contains(&i) {
            format!("shr(64, {word})")
        } else {
            format!("iszero(lt({word}, R))")
        };
        writeln!(
            out,
            "{ind}if {cond} {{\n{ind}    mstore(0, ERR_INPUT_OUT_OF_RANGE)\n{ind}    mstore(4, {i})\n{ind}    revert(0, 0x24)\n{ind}}}"
        )
        .expect("string");
    }
    writeln!(out, "{ind}let m := mload(0x40)").expect("string");
    writeln!(
        out,
        "{ind}// L = {ic0} + sum x_i * IC: ecMul in place at m+0x1c0, ecAdd into m+0x180."
    )
    .expect("string");
    store_g1(out, ind, "m", 0x180, ic0);
    writeln!(out, "{ind}let ok := 1").expect("string");
    for (i, name) in ic_names.iter().enumerate() {
        store_g1(out, ind, "m", 0x1c0, name);
        let word = if i == 0 {
            "calldataload(input)".to_string()
        } else {
            format!("calldataload(add(input, {:#x}))", 32 * i)
        };
        writeln!(out, "{ind}mstore(add(m, 0x200), {word})").expect("string");
        writeln!(
            out,
            "{ind}ok := and(ok, staticcall(gas(), 0x07, add(m, 0x1c0), 0x60, add(m, 0x1c0), 0x40))"
        )
        .expect("string");
        writeln!(
            out,
            "{ind}ok := and(ok, staticcall(gas(), 0x06, add(m, 0x180), 0x80, add(m, 0x180), 0x40))"
        )
        .expect("string");
    }
    writeln!(out, "{ind}calldatacopy(m, proof, 0xc0)").expect("string");
    store_g1(out, ind, "m", 0xc0, "ALPHA");
    store_g2(out, ind, "m", 0x100, "BETA_NEG");
    store_g2(out, ind, "m", 0x1c0, "GAMMA_NEG");
    writeln!(
        out,
        "{ind}calldatacopy(add(m, 0x240), add(proof, 0xc0), 0x40)"
    )
    .expect("string");
    store_g2(out, ind, "m", 0x280, "DELTA_NEG");
    writeln!(
        out,
        "{ind}ok := and(ok, staticcall(gas(), 0x08, m, 0x300, m, 0x20))\n\
         {ind}if iszero(ok) {{\n{ind}    mstore(0, ERR_MALFORMED_PROOF)\n{ind}    revert(0, 4)\n{ind}}}\n\
         {ind}// An absent precompile would succeed and return nothing: demand its word.\n{ind}valid := and(eq(returndatasize(), 0x20), eq(mload(m), 1))\n        }}\n    }}"
    )
    .expect("string");
}

fn render_batch(out: &mut String) {
    let ind = "            ";
    out.push_str(
        r#"
    // Batch check with a random linear combination (coefficients r_j, r_0 = 1):
    //   prod_j e(r_j A_j, B_j) * e((sum r_j) alpha, -beta) * e(sum_j r_j L_j, -gamma)
    //     * e(sum_j r_j C_j, -delta) == 1,
    // with sum_j r_j L_j = (sum_j r_j) IC0 + sum_i (sum_j r_j x_ji mod r) IC(i+1).
    // r_j = keccak256(seed, j) mod r for j > 0, seed = keccak256(all proofs, all inputs)
    // (Fiat-Shamir: the coefficients are fixed only after every proof and input is).
    // Memory at m: n + 3 pairs of 0xc0 bytes (r_j A_j | B_j ..., alpha, L, C), then
    // S (8 words: sum r_j, then sum_j r_j x_ji), then T (2 words of hashing scratch).
    function _verifyBatch(uint256[8][] calldata proofs, uint256[7][] calldata inputs)
        internal
        view
        returns (bool valid)
    {
        assembly ("memory-safe") {
            let n := proofs.length
            if or(iszero(n), iszero(eq(n, inputs.length))) {
                mstore(0, ERR_BAD_BATCH)
                revert(0, 4)
            }
            for { let q := inputs.offset } lt(q, add(inputs.offset, mul(n, 0xe0))) { q := add(q, 0xe0) } {
"#,
    );
    for i in 0..PUBLIC_INPUTS {
        let word = format!("calldataload(add(q, {:#x}))", 32 * i);
        let cond = if i == 3 || i == 4 {
            format!("shr(64, {word})")
        } else {
            format!("iszero(lt({word}, R))")
        };
        writeln!(
            out,
            "{ind}    if {cond} {{\n{ind}        mstore(0, ERR_INPUT_OUT_OF_RANGE)\n{ind}        mstore(4, {i})\n{ind}        revert(0, 0x24)\n{ind}    }}"
        )
        .expect("string");
    }
    out.push_str(
        r#"            }
            let m := mload(0x40)
            // seed = keccak256(proofs || inputs), both copied raw from calldata.
            calldatacopy(m, proofs.offset, shl(8, n))
            calldatacopy(add(m, shl(8, n)), inputs.offset, mul(n, 0xe0))
            let s := add(m, mul(add(n, 3), 0xc0))
            mstore(add(s, 0x100), keccak256(m, mul(n, 0x1e0)))
            mstore(s, 0)
            mstore(add(s, 0x20), 0)
            mstore(add(s, 0x40), 0)
            mstore(add(s, 0x60), 0)
            mstore(add(s, 0x80), 0)
            mstore(add(s, 0xa0), 0)
            mstore(add(s, 0xc0), 0)
            mstore(add(s, 0xe0), 0)
            // c: the pair holding sum r_j C_j; c+0x40 is ecMul scratch until -delta.
            let c := sub(s, 0xc0)
            let ok := 1
            for { let j := 0 } lt(j, n) { j := add(j, 1) } {
                let p := add(proofs.offset, shl(8, j))
                let slot := add(m, mul(j, 0xc0))
                let rj := 1
                calldatacopy(slot, p, 0x40)
                switch j
                case 0 { calldatacopy(c, add(p, 0xc0), 0x40) }
                default {
                    mstore(add(s, 0x120), j)
                    rj := mod(keccak256(add(s, 0x100), 0x40), R)
                    mstore(add(slot, 0x40), rj)
                    calldatacopy(add(c, 0x40), add(p, 0xc0), 0x40)
                    mstore(add(c, 0x80), rj)
                    // A failing precompile burns the gas it was given: stop at once.
                    if iszero(
                        and(
                            staticcall(gas(), 0x07, slot, 0x60, slot, 0x40),
                            staticcall(gas(), 0x07, add(c, 0x40), 0x60, add(c, 0x40), 0x40)
                        )
                    ) {
                        mstore(0, ERR_MALFORMED_PROOF)
                        revert(0, 4)
                    }
                    if iszero(staticcall(gas(), 0x06, c, 0x80, c, 0x40)) {
                        mstore(0, ERR_MALFORMED_PROOF)
                        revert(0, 4)
                    }
                }
                calldatacopy(add(slot, 0x40), add(p, 0x40), 0x80)
                let q := add(inputs.offset, mul(j, 0xe0))
                mstore(s, addmod(mload(s), rj, R))
"#,
    );
    for i in 0..PUBLIC_INPUTS {
        writeln!(
            out,
            "{ind}    mstore(add(s, {o:#x}), addmod(mload(add(s, {o:#x})), mulmod(rj, calldataload(add(q, {w:#x})), R), R))",
            o = 32 * (i + 1),
            w = 32 * i
        )
        .expect("string");
    }
    out.push_str(
        r#"            }
            // (sum r_j) alpha, then -beta.
            let a := sub(c, 0x180)
            mstore(a, ALPHA_X)
            mstore(add(a, 0x20), ALPHA_Y)
            mstore(add(a, 0x40), mload(s))
            ok := and(ok, staticcall(gas(), 0x07, a, 0x60, a, 0x40))
"#,
    );
    store_g2(out, ind, "a", 0x40, "BETA_NEG");
    writeln!(
        out,
        "{ind}// L = (sum r_j) IC0 + sum_i S_i IC(i+1), then -gamma."
    )
    .expect("string");
    writeln!(out, "{ind}let l := sub(c, 0xc0)").expect("string");
    store_g1(out, ind, "l", 0, "IC0");
    writeln!(out, "{ind}mstore(add(l, 0x40), mload(s))").expect("string");
    writeln!(
        out,
        "{ind}ok := and(ok, staticcall(gas(), 0x07, l, 0x60, l, 0x40))"
    )
    .expect("string");
    for i in 1..=PUBLIC_INPUTS {
        store_g1(out, ind, "l", 0x40, &format!("IC{i}"));
        writeln!(
            out,
            "{ind}mstore(add(l, 0x80), mload(add(s, {:#x})))",
            32 * i
        )
        .expect("string");
        writeln!(
            out,
            "{ind}ok := and(ok, staticcall(gas(), 0x07, add(l, 0x40), 0x60, add(l, 0x40), 0x40))"
        )
        .expect("string");
        writeln!(
            out,
            "{ind}ok := and(ok, staticcall(gas(), 0x06, l, 0x80, l, 0x40))"
        )
        .expect("string");
    }
    store_g2(out, ind, "l", 0x40, "GAMMA_NEG");
    store_g2(out, ind, "c", 0x40, "DELTA_NEG");
    out.push_str(
        r#"            ok := and(ok, staticcall(gas(), 0x08, m, mul(add(n, 3), 0xc0), m, 0x20))
            if iszero(ok) {
                mstore(0, ERR_MALFORMED_PROOF)
                revert(0, 4)
            }
            // An absent precompile would succeed and return nothing: demand its word.
            valid := and(eq(returndatasize(), 0x20), eq(mload(m), 1))
        }
    }
"#,
    );
}

/// The Solidity source of `X402ZkVerifier` for `vk` (7 public inputs: nullifier,
/// context, dest, min_amount, not_before, issuer_ax, issuer_ay).
pub fn render_verifier(vk: &VerifyingKey) -> String {
    let k = vk.as_ark();
    assert_eq!(k.gamma_abc_g1.len(), PUBLIC_INPUTS + 1, "validated key");
    let mut out = String::new();
    header(&mut out, vk, "render_verifier");
    out.push_str(
        r#"/// @title x402-zk receipt verifier (Groth16 over BN254, circuit v1)
/// @notice Verifies x402-zk receipt proofs and keeps a registry of spent nullifiers.
/// Public inputs, in order: nullifier, context, dest, minAmount, notBefore, issuerAx,
/// issuerAy. A proof only shows that its statement is true. The caller must check the
/// statement against its own policy: dest (chain, token, recipient), minAmount (the
/// price), notBefore (recency), the issuer key (one it trusts) and context (this
/// request). Proof layout: [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
/// Malformed input reverts (InputOutOfRange, MalformedProof, BadBatch); a well-formed
/// false proof returns false.
contract X402ZkVerifier {
"#,
    );
    out.push_str(ERRORS_AND_EVENT);
    out.push('\n');
    let ic: Vec<(usize, G1Affine)> = k.gamma_abc_g1.iter().copied().enumerate().collect();
    key_constants(&mut out, vk, &ic);
    out.push_str(
        r#"
    /// @notice Whether `proof` is a valid proof for the public inputs `input`.
    function verifyProof(uint256[8] calldata proof, uint256[7] calldata input) external view returns (bool) {
        return _verify(proof, input);
    }

    /// @notice Whether every proofs[j] is valid for inputs[j], with one pairing check
    /// (a random linear combination). False if any one is false: verify them one
    /// by one to find which.
    function verifyBatch(uint256[8][] calldata proofs, uint256[7][] calldata inputs)
        external
        view
        returns (bool)
    {
        return _verifyBatch(proofs, inputs);
    }

    /// @notice Verifies the proof and spends its nullifier (input[0]), emitting
    /// ReceiptSpent. Reverts NullifierSpent if it was spent, InvalidProof if the proof
    /// is false. The statement is NOT checked against any policy: the caller must.
    function verifyAndSpend(uint256[8] calldata proof, uint256[7] calldata input) external {
        uint256 nullifier = input[0];
        if (spent[nullifier]) revert NullifierSpent(nullifier);
        if (!_verify(proof, input)) revert InvalidProof();
        spent[nullifier] = true;
        emit ReceiptSpent(nullifier, input[1], input[2], input[3], input[4], input[5], input[6]);
    }

    /// @notice verifyAndSpend for a batch, all or nothing: reverts InvalidProof if the
    /// batch does not verify, NullifierSpent if any nullifier was spent or repeats.
    function verifyAndSpendBatch(uint256[8][] calldata proofs, uint256[7][] calldata inputs) external {
        if (!_verifyBatch(proofs, inputs)) revert InvalidProof();
        for (uint256 j = 0; j < inputs.length; ++j) {
            uint256 nullifier = inputs[j][0];
            if (spent[nullifier]) revert NullifierSpent(nullifier);
            spent[nullifier] = true;
            emit ReceiptSpent(
                nullifier, inputs[j][1], inputs[j][2], inputs[j][3], inputs[j][4], inputs[j][5], inputs[j][6]
            );
        }
    }

"#,
    );
    let names: Vec<String> = (1..=PUBLIC_INPUTS).map(|i| format!("IC{i}")).collect();
    render_single(&mut out, PUBLIC_INPUTS, &[3, 4], &names, "IC0");
    render_batch(&mut out);
    out.push_str("}\n");
    out
}

/// `IC0 + dest·IC3 + min·IC4 + ax·IC6 + ay·IC7`: the fixed part of `L` under `policy`.
pub fn policy_ic0(vk: &VerifyingKey, policy: &Policy) -> G1Affine {
    let ic = &vk.as_ark().gamma_abc_g1;
    let fixed: [(usize, Fr); 4] = [
        (3, policy.dest.fr()),
        (4, Fr::from(policy.min_amount)),
        (6, policy.issuer_ax.fr()),
        (7, policy.issuer_ay.fr()),
    ];
    let mut acc: G1Projective = ic[0].into_group();
    for (i, x) in fixed {
        acc += ic[i] * x;
    }
    acc.into_affine()
}

/// Clock skew the policy verifier tolerates for a `not_before` ahead of the
/// block time (the facilitator's default).
pub const MAX_SKEW_SECONDS: u64 = 60;

/// The Solidity source of `X402ZkPolicyVerifier`: `vk` with `policy` baked in. Its
/// proofs carry three inputs (nullifier, context, not_before); dest, min_amount
/// and the issuer key are fixed, and `not_before + maxAge >= block.timestamp` is
/// enforced. The context must still be checked by the caller.
pub fn render_policy_verifier(vk: &VerifyingKey, policy: &Policy) -> String {
    let k = vk.as_ark();
    assert_eq!(k.gamma_abc_g1.len(), PUBLIC_INPUTS + 1, "validated key");
    let ic0 = policy_ic0(vk, policy);
    let mut out = String::new();
    header(&mut out, vk, "render_policy_verifier");
    out.push_str(
        r#"/// @title x402-zk receipt verifier bound to one seller policy (Groth16 over BN254)
/// @notice Verifies x402-zk receipt proofs for a fixed dest, minimum amount and issuer,
/// not older than MAX_AGE seconds, and keeps a registry of spent nullifiers. Inputs:
/// [nullifier, context, notBefore]; the other public inputs of the statement are the
/// constants below. The caller must still check context (that the proof is bound to
/// its request). Proof layout: [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y].
contract X402ZkPolicyVerifier {
"#,
    );
    out.push_str(ERRORS_AND_EVENT);
    out.push_str(
        "    /// notBefore + MAX_AGE is earlier than the current block's timestamp, or\n    /// notBefore is more than MAX_SKEW ahead of it.\n    error ReceiptTooOld(uint256 notBefore);\n\n",
    );
    let mut c = Consts { out: &mut out };
    c.c(
        "DEST",
        &format!("0x{}", hex::encode(policy.dest.to_be_bytes())),
    );
    c.c("MIN_AMOUNT", &policy.min_amount.to_string());
    c.c(
        "ISSUER_AX",
        &format!("0x{}", hex::encode(policy.issuer_ax.to_be_bytes())),
    );
    c.c(
        "ISSUER_AY",
        &format!("0x{}", hex::encode(policy.issuer_ay.to_be_bytes())),
    );
    c.c("MAX_AGE", &policy.max_age_seconds.to_string());
    c.c("MAX_SKEW", &MAX_SKEW_SECONDS.to_string());
    out.push_str(
        "    // IC0 here is IC0 + DEST*IC3 + MIN_AMOUNT*IC4 + ISSUER_AX*IC6 + ISSUER_AY*IC7.\n",
    );
    let ic = vec![
        (0, ic0),
        (1, k.gamma_abc_g1[1]),
        (2, k.gamma_abc_g1[2]),
        (5, k.gamma_abc_g1[5]),
    ];
    key_constants(&mut out, vk, &ic);
    out.push_str(
        r#"
    /// @notice Whether `proof` is valid for [nullifier, context, notBefore] under the
    /// policy. Reverts ReceiptTooOld if notBefore + MAX_AGE < block.timestamp.
    function verifyProof(uint256[8] calldata proof, uint256[3] calldata input) external view returns (bool) {
        _checkAge(input[2]);
        return _verify(proof, input);
    }

    /// @notice Verifies the proof under the policy and spends its nullifier, emitting
    /// ReceiptSpent. Reverts NullifierSpent, ReceiptTooOld or InvalidProof.
    function verifyAndSpend(uint256[8] calldata proof, uint256[3] calldata input) external {
        uint256 nullifier = input[0];
        if (spent[nullifier]) revert NullifierSpent(nullifier);
        _checkAge(input[2]);
        if (!_verify(proof, input)) revert InvalidProof();
        spent[nullifier] = true;
        emit ReceiptSpent(nullifier, input[1], DEST, MIN_AMOUNT, input[2], ISSUER_AX, ISSUER_AY);
    }

    function _checkAge(uint256 notBefore) internal view {
        // notBefore >= 2^64 is refused by _verify (InputOutOfRange).
        if (notBefore >= 2 ** 64) return;
        if (notBefore + MAX_AGE < block.timestamp) revert ReceiptTooOld(notBefore);
        // A bound in the future would let one proof stay "recent" for longer.
        if (notBefore > block.timestamp + MAX_SKEW) revert ReceiptTooOld(notBefore);
    }

"#,
    );
    let names = vec!["IC1".to_string(), "IC2".to_string(), "IC5".to_string()];
    render_single(&mut out, 3, &[2], &names, "IC0");
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_decoding_round_trips() {
        let mut d = selector("InputOutOfRange(uint256)").to_vec();
        d.extend_from_slice(&word(3));
        assert_eq!(
            ContractError::decode(&d),
            Some(ContractError::InputOutOfRange(3))
        );
        assert_eq!(
            ContractError::decode(&selector("MalformedProof()")),
            Some(ContractError::MalformedProof)
        );
        assert_eq!(ContractError::decode(&[]), None);
        assert_eq!(ContractError::decode(&[1, 2, 3, 4]), None);
    }

    #[test]
    fn screaming_case() {
        assert_eq!(screaming("InputOutOfRange"), "INPUT_OUT_OF_RANGE");
    }
}
