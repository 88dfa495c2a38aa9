//! The program's verification logic on the host (native `solana-bn254`, the
//! validator's own code for the syscalls), with the committed on-chain vectors
//! and hostile variants of them. Account handling runs against the built ELF in
//! `crates/solana-harness`.

use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use std::path::PathBuf;
use x402_zk_solana_program::codegen::{render_vk, VkParts};
use x402_zk_solana_program::instruction::Instruction;
use x402_zk_solana_program::verify::{verify, verify_batch, Entry, ENTRY_BYTES};
use x402_zk_solana_program::{Error, MAX_BATCH};
use x402_zk_verifier::{Proof, VerifyingKey};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/onchain")
}

/// The 16 committed proofs for one seller as program entries (proof without
/// its version byte, then the inputs as 32-byte big-endian words).
fn entries() -> Vec<[u8; ENTRY_BYTES]> {
    entries_of("proofs.json")
}

fn entries_of(file: &str) -> Vec<[u8; ENTRY_BYTES]> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors_dir().join(file)).unwrap()).unwrap();
    json.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let proof = hex::decode(v["proof"].as_str().unwrap()).unwrap();
            let mut entry = [0u8; ENTRY_BYTES];
            entry[..256].copy_from_slice(&proof[1..]);
            for (i, x) in v["publicInputs"].as_array().unwrap().iter().enumerate() {
                let x: x402_zk_primitives::FieldElement = x.as_str().unwrap().parse().unwrap();
                entry[256 + 32 * i..288 + 32 * i].copy_from_slice(&x.to_be_bytes());
            }
            entry
        })
        .collect()
}

fn check(entry: &[u8; ENTRY_BYTES]) -> Result<(), Error> {
    verify(&Entry::parse(entry)?)
}

fn check_batch(entries: &[[u8; ENTRY_BYTES]]) -> Result<(), Error> {
    let flat: Vec<u8> = entries.concat();
    let mut scratch = vec![0u8; (entries.len() + 3) * 192];
    verify_batch(&flat, &mut scratch)
}

/// What the off-chain verifier says of the same bytes: malformed, false or valid.
fn offchain(entry: &[u8; ENTRY_BYTES]) -> Result<(), bool> {
    let vk = VerifyingKey::from_bytes(&std::fs::read(vectors_dir().join("verifying.key")).unwrap())
        .unwrap();
    let mut proof = vec![1u8];
    proof.extend_from_slice(&entry[..256]);
    let proof = Proof::from_bytes(&proof).map_err(|_| true)?;
    let signals: Vec<String> = (0..7)
        .map(|i| {
            x402_zk_primitives::FieldElement::from_be_bytes(&entry[256 + 32 * i..288 + 32 * i])
                .map(|x| x.to_string())
                .unwrap_or_else(|_| {
                    "21888242871839275222246405745257275088548364400416034343698204186575808495617"
                        .into()
                })
        })
        .collect();
    x402_zk_verifier::Verifier::new(&vk)
        .verify_signals(&signals, &proof)
        .map_err(|e| e.is_malformed())
}

fn agree(entry: &[u8; ENTRY_BYTES], expected: Error) {
    assert_eq!(check(entry), Err(expected));
    assert_eq!(
        offchain(entry),
        Err(expected != Error::InvalidProof),
        "off-chain verifier disagrees"
    );
}

#[test]
fn generated_vk_is_the_test_key() {
    let vk = VerifyingKey::from_bytes(&std::fs::read(vectors_dir().join("verifying.key")).unwrap())
        .unwrap();
    let k = vk.to_eip197();
    let parts = VkParts {
        alpha: &k.alpha,
        beta: &k.beta,
        gamma: &k.gamma,
        delta: &k.delta,
        ic: &k.ic,
        vk_hash: k.vk_hash,
    };
    let source = render_vk(&parts).unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/vk.rs");
    if std::env::var_os("X402ZK_BLESS").is_some() {
        std::fs::write(&path, &source).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        source,
        "src/vk.rs is not the test key's: rerun with X402ZK_BLESS=1 if the key changed on purpose"
    );
    // A key of another statement (7 IC points) is refused.
    assert!(render_vk(&VkParts {
        ic: &k.ic[..7],
        ..parts
    })
    .is_err());
}

#[test]
fn every_vector_verifies_alone_and_agrees_off_chain() {
    for (i, e) in entries().iter().enumerate() {
        assert_eq!(check(e), Ok(()), "vector {i}");
        assert_eq!(offchain(e), Ok(()), "vector {i}");
    }
}

#[test]
fn false_proofs_are_invalid_not_malformed() {
    let all = entries();
    // Proof 1 with the inputs of proof 0.
    let mut swapped = all[0];
    swapped[..256].copy_from_slice(&all[1][..256]);
    agree(&swapped, Error::InvalidProof);
    // Another context (the request the proof is bound to).
    let mut moved = all[0];
    moved[256 + 32 + 31] ^= 1;
    agree(&moved, Error::InvalidProof);
    // A cheaper price.
    let mut cheaper = all[0];
    cheaper[256 + 3 * 32 + 31] ^= 1;
    agree(&cheaper, Error::InvalidProof);
}

#[test]
fn inputs_out_of_range_are_refused() {
    let base = entries()[0];
    let r = ark_bn254::Fr::MODULUS.to_bytes_be();
    for i in 0..7 {
        let mut e = base;
        e[256 + 32 * i..288 + 32 * i].copy_from_slice(&r);
        agree(&e, Error::InputOutOfRange);
    }
    // min_amount and not_before are compared as 64-bit numbers by the circuit.
    for i in [3, 4] {
        let mut e = base;
        e[256 + 32 * i + 23] = 1; // 2^64 + the old value: canonical, but not a u64
        assert_eq!(check(&e), Err(Error::InputOutOfRange), "input {i}");
    }
}

#[test]
fn malformed_points_are_refused() {
    let base = entries()[0];
    let p = Fq::MODULUS.to_bytes_be();
    let mut cases: Vec<(&str, [u8; ENTRY_BYTES])> = Vec::new();
    for (name, at, len) in [("A", 0, 64), ("B", 64, 128), ("C", 192, 64)] {
        let mut infinity = base;
        infinity[at..at + len].fill(0);
        cases.push((name, infinity));
        let mut big = base;
        big[at..at + 32].copy_from_slice(&p);
        cases.push((name, big));
        let mut off_curve = base;
        off_curve[at + len - 1] ^= 1;
        cases.push((name, off_curve));
    }
    // B on the twist but outside the prime-order subgroup.
    let mut x = Fq2::new(Fq::from(1u64), Fq::from(0u64));
    let outside = loop {
        if let Some(q) = G2Affine::get_point_from_x_unchecked(x, false) {
            if !q.is_in_correct_subgroup_assuming_on_curve() {
                break q;
            }
        }
        x += Fq2::new(Fq::from(1u64), Fq::from(0u64));
    };
    let mut b = base;
    for (k, c) in [outside.x.c1, outside.x.c0, outside.y.c1, outside.y.c0]
        .iter()
        .enumerate()
    {
        b[64 + 32 * k..96 + 32 * k].copy_from_slice(&c.into_bigint().to_bytes_be());
    }
    assert!(outside.is_on_curve());
    cases.push(("B outside the subgroup", b));
    for (name, e) in cases {
        assert_eq!(check(&e), Err(Error::MalformedProof), "{name}");
        assert_eq!(offchain(&e), Err(true), "{name} off-chain");
        assert_eq!(
            check_batch(&[entries()[1], e]),
            Err(Error::MalformedProof),
            "{name} in a batch"
        );
    }
}

#[test]
fn batches_verify_with_one_pairing() {
    let all = entries();
    for n in [1, 2, 4, 8, 16] {
        assert_eq!(check_batch(&all[..n]), Ok(()), "batch of {n}");
    }
}

#[test]
fn batches_of_several_sellers_and_issuers_verify() {
    // Every input then differs between proofs: no shared-input shortcut.
    let other = entries_of("other_seller.json");
    let all = entries();
    for e in &other {
        assert_eq!(check(e), Ok(()));
    }
    let mixed = [all[0], other[0], all[1], other[1]];
    assert_eq!(check_batch(&mixed), Ok(()));
    let mut false_one = mixed;
    false_one[1][256 + 3 * 32 + 31] ^= 1; // its price
    assert_eq!(check_batch(&false_one), Err(Error::InvalidProof));
    // A proof moved to another seller's dest fails even though the batch
    // shares nothing else.
    let mut moved = mixed;
    moved[3][256 + 2 * 32..256 + 3 * 32].copy_from_slice(&all[0][256 + 2 * 32..256 + 3 * 32]);
    assert_eq!(check_batch(&moved), Err(Error::InvalidProof));
}

#[test]
fn a_batch_with_one_false_proof_fails() {
    let all = entries();
    for bad in [0, 3, 7] {
        let mut batch = all[..8].to_vec();
        batch[bad][256 + 32 + 31] ^= 1; // its context
        assert_eq!(
            check_batch(&batch),
            Err(Error::InvalidProof),
            "false proof at {bad}"
        );
    }
    // Two proofs with their inputs exchanged: each false, and a sum of
    // unweighted checks would not notice (the weights differ per position).
    let mut batch = all[..4].to_vec();
    let (a, b) = (batch[1], batch[2]);
    batch[1][256..].copy_from_slice(&b[256..]);
    batch[2][256..].copy_from_slice(&a[256..]);
    assert_eq!(check_batch(&batch), Err(Error::InvalidProof));
}

#[test]
fn batch_sizes_are_bounded() {
    let all = entries();
    assert_eq!(check_batch(&[]), Err(Error::BadBatchSize));
    let too_many: Vec<_> = all.iter().cycle().take(MAX_BATCH + 1).copied().collect();
    assert_eq!(check_batch(&too_many), Err(Error::BadBatchSize));
    let mut scratch = vec![0u8; 4 * 192];
    assert_eq!(
        verify_batch(&all[0][..ENTRY_BYTES - 1], &mut scratch),
        Err(Error::BadBatchSize)
    );
}

#[test]
fn instructions_parse_strictly() {
    let e = entries()[0];
    let mut verify = vec![0u8];
    verify.extend_from_slice(&e);
    assert_eq!(
        Instruction::parse(&verify),
        Ok(Instruction::Verify { entry: &e[..] })
    );
    assert_eq!(
        Instruction::parse(&verify[..verify.len() - 1]),
        Err(Error::InvalidInstruction)
    );
    let mut check = verify.clone();
    check[0] = 4;
    assert_eq!(
        Instruction::parse(&check),
        Ok(Instruction::Check { entry: &e[..] })
    );
    let mut batch = vec![1u8, 2, 0];
    batch.extend_from_slice(&e);
    batch.extend_from_slice(&e);
    assert!(matches!(
        Instruction::parse(&batch),
        Ok(Instruction::VerifyBatch { n: 2, entries: Some(x) }) if x.len() == 2 * ENTRY_BYTES
    ));
    assert_eq!(
        Instruction::parse(&batch[..batch.len() - 1]),
        Err(Error::InvalidInstruction)
    );
    assert_eq!(
        Instruction::parse(&[1, 2, 1]),
        Ok(Instruction::VerifyBatch {
            n: 2,
            entries: None
        })
    );
    assert_eq!(
        Instruction::parse(&[1, 2, 1, 0]),
        Err(Error::InvalidInstruction)
    );
    assert_eq!(
        Instruction::parse(&[1, 2, 2]),
        Err(Error::InvalidInstruction)
    );
    assert_eq!(Instruction::parse(&[1, 0, 1]), Err(Error::BadBatchSize));
    assert_eq!(Instruction::parse(&[1, 17, 1]), Err(Error::BadBatchSize));
    assert_eq!(
        Instruction::parse(&[2, 0, 0, 0, 0]),
        Err(Error::InvalidInstruction)
    );
    assert_eq!(
        Instruction::parse(&[2, 1, 0, 0, 0, 7]),
        Ok(Instruction::WriteBuffer {
            offset: 1,
            bytes: &[7]
        })
    );
    assert_eq!(Instruction::parse(&[3]), Ok(Instruction::CloseBuffer));
    assert_eq!(Instruction::parse(&[3, 0]), Err(Error::InvalidInstruction));
    assert_eq!(Instruction::parse(&[]), Err(Error::InvalidInstruction));
    assert_eq!(Instruction::parse(&[9]), Err(Error::InvalidInstruction));
    for code in 1..=14 {
        assert_eq!(Error::from_code(code).map(|e| e as u32), Some(code));
    }
    assert_eq!(Error::from_code(15), None);
}

/// A policy's terms for the committed vectors' seller, accepting `max_age` seconds.
fn terms_of(e: &[u8; ENTRY_BYTES], max_age: u64) -> Vec<u8> {
    let input = |i: usize| &e[256 + 32 * i..288 + 32 * i];
    let mut t = input(2).to_vec();
    t.extend_from_slice(&u64::from_be_bytes(input(3)[24..].try_into().unwrap()).to_le_bytes());
    t.extend_from_slice(input(5));
    t.extend_from_slice(input(6));
    t.extend_from_slice(&max_age.to_le_bytes());
    t
}

fn not_before(e: &[u8; ENTRY_BYTES]) -> i64 {
    u64::from_be_bytes(e[256 + 4 * 32 + 24..256 + 5 * 32].try_into().unwrap()) as i64
}

#[test]
fn a_policy_fixes_dest_price_issuer_and_age() {
    use x402_zk_solana_program::policy::{self, Policy, FOLDED, MAX_SKEW_SECONDS, POLICY_BYTES};
    use x402_zk_solana_program::verify::verify_from;
    let all = entries();
    let mut account = vec![0u8; POLICY_BYTES];
    policy::create(&mut account, &[1; 32], &terms_of(&all[0], 600)).unwrap();
    let p = Policy::parse(&account).unwrap();
    for e in &all {
        let entry = Entry::parse(e).unwrap();
        assert_eq!(p.admits(&entry, not_before(e) + 600), Ok(()));
        assert_eq!(verify_from(&entry, p.base(), &FOLDED), Ok(()));
    }
    let e = Entry::parse(&all[0]).unwrap();
    let nb = not_before(&all[0]);
    assert_eq!(p.admits(&e, nb + 601), Err(Error::Stale), "too old");
    assert_eq!(
        p.admits(&e, nb - MAX_SKEW_SECONDS - 1),
        Err(Error::Stale),
        "from the future"
    );
    // Another seller's proof: refused by the terms, and false under this base.
    let other = entries_of("other_seller.json")[0];
    let o = Entry::parse(&other).unwrap();
    assert_eq!(p.admits(&o, not_before(&other)), Err(Error::PolicyMismatch));
    assert_eq!(verify_from(&o, p.base(), &FOLDED), Err(Error::InvalidProof));
    // Each fixed input is compared.
    for i in [2usize, 3, 5, 6] {
        let mut changed = all[0];
        changed[256 + 32 * i + 31] ^= 1;
        assert_eq!(
            p.admits(&Entry::parse(&changed).unwrap(), nb),
            Err(Error::PolicyMismatch),
            "input {i}"
        );
    }
    // Batches against the policy's base: the same proofs pass, another seller's fail.
    use x402_zk_solana_program::verify::verify_batch_from;
    let mut scratch = vec![0u8; 19 * 192];
    assert_eq!(
        verify_batch_from(&all[..8].concat(), &mut scratch, Some(p.base())),
        Ok(())
    );
    assert_eq!(
        verify_batch_from(&all.concat(), &mut scratch, Some(p.base())),
        Ok(())
    );
    assert_eq!(
        verify_batch_from(
            &[all[0], other, all[1]].concat(),
            &mut scratch,
            Some(p.base())
        ),
        Err(Error::InvalidProof)
    );
    // Accounts: only fresh ones of the right size; only ours are read.
    assert_eq!(
        policy::create(&mut account, &[1; 32], &terms_of(&all[0], 600)),
        Err(Error::BadPolicy)
    );
    assert_eq!(
        policy::create(
            &mut vec![0u8; POLICY_BYTES + 1],
            &[1; 32],
            &terms_of(&all[0], 600)
        ),
        Err(Error::BadPolicy)
    );
    assert!(Policy::parse(&account[1..]).is_err());
    let mut bad_dest = terms_of(&all[0], 600);
    bad_dest[..32].copy_from_slice(&ark_bn254::Fr::MODULUS.to_bytes_be());
    assert_eq!(
        policy::create(&mut vec![0u8; POLICY_BYTES], &[1; 32], &bad_dest),
        Err(Error::InputOutOfRange)
    );
}
