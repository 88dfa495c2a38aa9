//! The built ELF on a real Solana runtime (LiteSVM, Agave 4.2): verification,
//! nullifier records, batches, proof buffers and every error path. Needs
//! `scripts/build-sbf.sh` to have run; `scripts/test.sh` runs it and requires
//! these tests (`X402ZK_REQUIRE_SBF=1`).

use solana_address::Address;
use solana_keypair::Keypair;
use solana_signer::Signer;
use x402_zk_solana_harness::{elf_path, not_before, terms_of, vectors, Chain, Entry, Failure};
use x402_zk_solana_program::{Error, NULLIFIER_SEED, RECORD_BYTES};

fn chain() -> Option<Chain> {
    match std::fs::read(elf_path()) {
        Ok(elf) => Some(Chain::new(&elf)),
        Err(e) if std::env::var_os("X402ZK_REQUIRE_SBF").is_none() => {
            eprintln!(
                "SKIPPED: no program ELF at {} ({e}); run scripts/build-sbf.sh",
                elf_path().display()
            );
            None
        }
        Err(e) => panic!(
            "X402ZK_REQUIRE_SBF is set but {} is missing: {e}",
            elf_path().display()
        ),
    }
}

fn program_error(r: Result<x402_zk_solana_harness::Outcome, Failure>) -> Error {
    match r {
        Err(Failure::Program(e)) => e,
        other => panic!("expected a program error, got {other:?}"),
    }
}

#[test]
fn a_proof_verifies_once_and_leaves_its_record() {
    let Some(mut chain) = chain() else { return };
    let e = vectors().unwrap()[0];
    chain.send(&[chain.verify_ix(&e)]).unwrap();
    let (record, _) = chain.record(&e);
    let account = chain.svm.get_account(&record).unwrap();
    assert_eq!(account.owner, chain.program_id);
    assert_eq!(account.data.len(), RECORD_BYTES);
    assert_eq!(account.data[0], 1);
    assert_eq!(&account.data[1..33], &e[256 + 32..256 + 64], "context");
    assert_eq!(&account.data[33..65], &e[256 + 64..256 + 96], "dest");
    assert_eq!(
        account.data[65..73],
        1_000_000u64.to_le_bytes(),
        "min_amount"
    );
    assert_eq!(
        account.lamports,
        chain.svm.minimum_balance_for_rent_exemption(RECORD_BYTES)
    );
    assert_eq!(
        program_error(chain.send(&[chain.verify_ix(&e)])),
        Error::NullifierSpent
    );
    // Checking (no spending) still works for the spent receipt.
    chain.send(&[chain.check_ix(&e)]).unwrap();
}

#[test]
fn false_and_malformed_proofs_get_distinct_errors_and_spend_nothing() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    let mut false_proof = all[0];
    false_proof[256 + 32 + 31] ^= 1; // another context
    assert_eq!(
        program_error(chain.send(&[chain.verify_ix(&false_proof)])),
        Error::InvalidProof
    );
    let mut off_curve = all[0];
    off_curve[63] ^= 1;
    assert_eq!(
        program_error(chain.send(&[chain.verify_ix(&off_curve)])),
        Error::MalformedProof
    );
    let mut b_off_curve = all[0];
    b_off_curve[191] ^= 1;
    assert_eq!(
        program_error(chain.send(&[chain.check_ix(&b_off_curve)])),
        Error::MalformedProof
    );
    let mut too_big = all[0];
    too_big[256 + 3 * 32 + 23] = 1; // min_amount ≥ 2^64
    assert_eq!(
        program_error(chain.send(&[chain.verify_ix(&too_big)])),
        Error::InputOutOfRange
    );
    // None of them spent the receipt: the real proof still goes through.
    assert!(chain.svm.get_account(&chain.record(&all[0]).0).is_none());
    chain.send(&[chain.verify_ix(&all[0])]).unwrap();
}

#[test]
fn accounts_are_checked() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    // The record of another nullifier.
    let mut ix = chain.verify_ix(&all[0]);
    ix.accounts[1].pubkey = chain.record(&all[1]).0;
    assert_eq!(
        program_error(chain.send(&[ix])),
        Error::WrongNullifierAccount
    );
    // The record at another valid bump of the same seeds: were it accepted, a
    // receipt could be spent once per bump.
    let (canonical, bump) = chain.record(&all[0]);
    let nullifier = &all[0][256..288];
    let other = (0..bump)
        .rev()
        .find_map(|b| {
            Address::create_program_address(&[NULLIFIER_SEED, nullifier, &[b]], &chain.program_id)
                .ok()
        })
        .unwrap();
    assert_ne!(other, canonical);
    let mut ix = chain.verify_ix(&all[0]);
    ix.accounts[1].pubkey = other;
    assert_eq!(
        program_error(chain.send(&[ix])),
        Error::WrongNullifierAccount
    );
    chain.send(&[chain.verify_ix(&all[0])]).unwrap();
    let mut ix = chain.verify_ix(&all[0]);
    ix.accounts[1].pubkey = other;
    assert_eq!(
        program_error(chain.send(&[ix])),
        Error::WrongNullifierAccount,
        "a second spend at another bump"
    );
    // Not the system program.
    let mut ix = chain.verify_ix(&all[1]);
    ix.accounts[2].pubkey = Address::new_from_array([9; 32]);
    assert_eq!(program_error(chain.send(&[ix])), Error::BadAccounts);
    // Truncated data.
    let mut ix = chain.verify_ix(&all[1]);
    ix.data.pop();
    assert_eq!(program_error(chain.send(&[ix])), Error::InvalidInstruction);
}

#[test]
fn a_prefunded_record_address_does_not_block_the_receipt() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    // Anyone can send lamports to the address before the receipt is used:
    // less than the record's rent (topped up) or more (kept).
    let griefer = Keypair::new();
    chain.svm.airdrop(&griefer.pubkey(), 1_000_000_000).unwrap();
    for (e, lamports) in [
        (all[2], chain.svm.minimum_balance_for_rent_exemption(0)),
        (
            all[3],
            chain.svm.minimum_balance_for_rent_exemption(RECORD_BYTES) + 1,
        ),
    ] {
        let (record, _) = chain.record(&e);
        let transfer =
            solana_system_interface::instruction::transfer(&griefer.pubkey(), &record, lamports);
        chain.send_signed(&[transfer], &[&griefer]).unwrap();
        chain.send(&[chain.verify_ix(&e)]).unwrap();
        let account = chain.svm.get_account(&record).unwrap();
        assert_eq!(
            (account.owner, account.data.len()),
            (chain.program_id, RECORD_BYTES)
        );
        assert!(account.lamports >= chain.svm.minimum_balance_for_rent_exemption(RECORD_BYTES));
        assert_eq!(
            program_error(chain.send(&[chain.verify_ix(&e)])),
            Error::NullifierSpent
        );
    }
}

/// Stages `entries` in a buffer and verifies them as one batch.
fn batch(chain: &mut Chain, entries: &[Entry]) -> Result<x402_zk_solana_harness::Outcome, Failure> {
    let (buffer, _) = chain.stage(entries)?;
    chain.send(&[chain.verify_batch_ix(entries, Some(buffer))])
}

#[test]
fn batches_spend_every_nullifier_or_none() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    // One proof fits a transaction inline; two do not (480 bytes each).
    chain
        .send(&[chain.verify_batch_ix(&all[..1], None)])
        .unwrap();
    assert!(
        matches!(chain.send(&[chain.verify_batch_ix(&all[1..3], None)]), Err(Failure::Other(m)) if m.contains("limit"))
    );
    batch(&mut chain, &all[1..3]).unwrap();
    for e in &all[..3] {
        assert!(chain.svm.get_account(&chain.record(e).0).is_some());
    }
    // A batch holding a spent receipt, or one receipt twice, fails whole.
    assert_eq!(
        program_error(batch(&mut chain, &[all[4], all[1]])),
        Error::NullifierSpent
    );
    assert_eq!(
        program_error(batch(&mut chain, &[all[4], all[4]])),
        Error::NullifierSpent
    );
    let mut with_false: Vec<Entry> = vec![all[4], all[5]];
    with_false[1][256 + 32 + 31] ^= 1;
    assert_eq!(
        program_error(batch(&mut chain, &with_false)),
        Error::InvalidProof
    );
    assert!(
        chain.svm.get_account(&chain.record(&all[4]).0).is_none(),
        "a failed batch spends nothing"
    );
    // The buffer must hold what the instruction says.
    let (buffer, _) = chain.stage(&all[4..6]).unwrap();
    assert_eq!(
        program_error(chain.send(&[chain.verify_batch_ix(&all[4..7], Some(buffer))])),
        Error::BadBuffer
    );
}

#[test]
fn batches_from_a_proof_buffer() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    let (buffer, writes) = chain.stage(&all[..8]).unwrap();
    assert!(writes
        .iter()
        .all(|w| w.tx_bytes <= x402_zk_solana_harness::MAX_TX_BYTES));
    // Someone else can neither overwrite a claimed buffer nor spend from it.
    let intruder = Keypair::new();
    chain
        .svm
        .airdrop(&intruder.pubkey(), 1_000_000_000)
        .unwrap();
    let ix = chain.write_buffer_ix(buffer, &intruder.pubkey(), 0, &[0; 8], false);
    assert_eq!(
        program_error(chain.send_signed(&[ix], &[&intruder])),
        Error::BadBuffer
    );
    let mut theirs = Chain {
        svm: std::mem::take(&mut chain.svm),
        program_id: chain.program_id,
        payer: intruder,
    };
    let ix = theirs.verify_batch_ix(&all[..8], Some(buffer));
    assert_eq!(program_error(theirs.send(&[ix])), Error::BadBuffer);
    chain.svm = std::mem::take(&mut theirs.svm);
    // A fresh program-owned buffer cannot be claimed without its signature.
    let (fresh, create) = chain.new_account_ix(100);
    chain.send_signed(&[create], &[&fresh]).unwrap();
    let payer = chain.payer.pubkey();
    let ix = chain.write_buffer_ix(fresh.pubkey(), &payer, 0, &[1; 8], false);
    assert_eq!(program_error(chain.send(&[ix])), Error::BadBuffer);
    // The owner verifies the staged batch and closes the buffer.
    chain
        .send(&[chain.verify_batch_ix(&all[..8], Some(buffer))])
        .unwrap();
    for e in &all[..8] {
        assert!(chain.svm.get_account(&chain.record(e).0).is_some());
    }
    let before = chain.svm.get_balance(&chain.payer.pubkey()).unwrap();
    chain.send(&[chain.close_buffer_ix(buffer)]).unwrap();
    assert!(
        chain.svm.get_balance(&chain.payer.pubkey()).unwrap() > before,
        "rent returned"
    );
    assert!(chain
        .svm
        .get_account(&buffer)
        .is_none_or(|a| a.lamports == 0));
}

#[test]
fn policies_enforce_the_sellers_terms_on_chain() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    let (policy, _) = chain.create_policy(&terms_of(&all[0], 600)).unwrap();
    chain.set_time(not_before(&all[0]) + 600);
    chain
        .send(&[chain.verify_with_policy_ix(&all[0], policy)])
        .unwrap();
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&all[0], policy)])),
        Error::NullifierSpent
    );
    // Too old, from the future, another seller's terms.
    chain.set_time(not_before(&all[1]) + 601);
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&all[1], policy)])),
        Error::Stale
    );
    chain.set_time(not_before(&all[1]) - 61);
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&all[1], policy)])),
        Error::Stale
    );
    chain.set_time(not_before(&all[1]));
    let (pricier, _) = chain
        .create_policy(
            &terms_of(&all[0], 600)
                .iter()
                .enumerate()
                .map(|(i, b)| if i == 32 { b ^ 1 } else { *b })
                .collect::<Vec<_>>(),
        )
        .unwrap();
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&all[1], pricier)])),
        Error::PolicyMismatch
    );
    // A false proof under the policy.
    let mut false_proof = all[1];
    false_proof[256 + 32 + 31] ^= 1;
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&false_proof, policy)])),
        Error::InvalidProof
    );
    chain
        .send(&[chain.verify_with_policy_ix(&all[1], policy)])
        .unwrap();
    // Not a policy: a nullifier record of this program.
    let record = chain.record(&all[0]).0;
    assert_eq!(
        program_error(chain.send(&[chain.verify_with_policy_ix(&all[2], record)])),
        Error::BadPolicy
    );
    // A fresh account cannot be made a policy without its signature.
    let (fresh, create) = chain.new_account_ix(x402_zk_solana_program::policy::POLICY_BYTES);
    chain.send_signed(&[create], &[&fresh]).unwrap();
    let init = chain.create_policy_ix(fresh.pubkey(), &terms_of(&all[0], 600), false);
    assert_eq!(program_error(chain.send(&[init])), Error::BadPolicy);
}

#[test]
fn policy_batches_check_every_entry() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    let (policy, _) = chain.create_policy(&terms_of(&all[0], 600)).unwrap();
    chain.set_time(not_before(&all[0]) + 600);
    let (buffer, _) = chain.stage(&all[..8]).unwrap();
    chain
        .send(&[chain.verify_batch_with_policy_ix(&all[..8], policy, Some(buffer))])
        .unwrap();
    for e in &all[..8] {
        assert!(chain.svm.get_account(&chain.record(e).0).is_some());
    }
    // One entry of another policy's terms, or too old for this one: the whole batch fails.
    let (other_policy, _) = chain.create_policy(&terms_of(&all[0], 1)).unwrap();
    let (buffer, _) = chain.stage(&all[8..10]).unwrap();
    let ix = chain.verify_batch_with_policy_ix(&all[8..10], other_policy, Some(buffer));
    assert_eq!(program_error(chain.send(&[ix])), Error::Stale);
    let mut foreign = all[8];
    foreign[256 + 2 * 32 + 31] ^= 1; // its dest
    let ix = chain.verify_batch_with_policy_ix(&[foreign], policy, None);
    assert_eq!(program_error(chain.send(&[ix])), Error::PolicyMismatch);
    let ix = chain.verify_batch_with_policy_ix(&all[8..10], policy, Some(buffer));
    chain.send(&[ix]).unwrap();
}

#[test]
fn full_batches_fit_the_account_limit() {
    let Some(mut chain) = chain() else { return };
    let all = vectors().unwrap();
    assert_eq!(all.len(), x402_zk_solana_program::MAX_BATCH);
    let (policy, _) = chain.create_policy(&terms_of(&all[0], 600)).unwrap();
    chain.set_time(not_before(&all[0]) + 600);
    // payer, system program, 16 records, policy, buffer: 20 accounts.
    let (buffer, _) = chain.stage(&all).unwrap();
    chain
        .send(&[chain.verify_batch_with_policy_ix(&all, policy, Some(buffer))])
        .unwrap();
    assert!(all
        .iter()
        .all(|e| chain.svm.get_account(&chain.record(e).0).is_some()));
}
