//! Instruction data of the on-chain verifier (`x402_zk_solana_program`, host
//! build: `solana-bn254`'s native maths): `Instruction::parse`, `Entry::parse`,
//! verification of single and batched entries, and policies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use x402_zk_solana_program::{
    bn254::PAIR_BYTES,
    instruction::Instruction,
    policy::{self, Policy, FOLDED, POLICY_BYTES, TERMS_BYTES},
    verify::{verify, verify_batch, verify_from, Entry},
};

fuzz_target!(|data: &[u8]| {
    let Ok(ix) = Instruction::parse(data) else {
        return;
    };
    match ix {
        Instruction::Verify { entry }
        | Instruction::Check { entry }
        | Instruction::VerifyWithPolicy { entry } => {
            let Ok(entry) = Entry::parse(entry) else {
                return;
            };
            let verified = verify(&entry);
            // A policy made of this entry's own terms admits it, and verifying
            // against its folded base gives the same answer.
            let mut terms = [0u8; TERMS_BYTES];
            terms[..32].copy_from_slice(entry.input(2));
            terms[32..40].copy_from_slice(&entry.input_u64(3).to_le_bytes());
            terms[40..72].copy_from_slice(entry.input(5));
            terms[72..104].copy_from_slice(entry.input(6));
            terms[104..].copy_from_slice(&u64::MAX.to_le_bytes());
            let mut account = [0u8; POLICY_BYTES];
            policy::create(&mut account, &[9; 32], &terms).expect("canonical entry inputs");
            let policy = Policy::parse(&account).expect("a created policy parses");
            let now = i64::try_from(entry.input_u64(4)).unwrap_or(i64::MAX);
            if now < i64::MAX {
                assert_eq!(policy.admits(&entry, now), Ok(()));
            }
            assert_eq!(verify_from(&entry, policy.base(), &FOLDED), verified);
        }
        Instruction::VerifyBatch { n, entries: Some(entries) }
        | Instruction::VerifyBatchWithPolicy { n, entries: Some(entries) } => {
            let mut pairs = vec![0u8; (n + 3) * PAIR_BYTES];
            let _ = verify_batch(entries, &mut pairs);
        }
        Instruction::CreatePolicy { terms } => {
            let mut account = [0u8; POLICY_BYTES];
            if policy::create(&mut account, &[9; 32], terms).is_ok() {
                Policy::parse(&account).expect("a created policy parses");
            }
        }
        _ => {}
    }
    // Whatever the tag, the bytes as a policy account.
    let _ = Policy::parse(data);
});
