//! The instruction handlers.

use crate::instruction::Instruction;
use crate::policy::{self, Policy};
use crate::runtime::unix_timestamp;
use crate::runtime::{
    create_pda, find_program_address, AccountInfo, Input, Pubkey, SystemCall, SYSTEM_PROGRAM,
};
use crate::verify::{verify, verify_batch_from, verify_from, Entry, ENTRY_BYTES};
use crate::{Error, NULLIFIER_SEED, RECORD_BYTES, RECORD_VERSION};

/// A proof buffer's header: a tag, then the authority allowed to write it.
pub const BUFFER_TAG: &[u8; 8] = b"x402zkB1";
/// Bytes before the entries in a proof buffer.
pub const BUFFER_HEADER: usize = 40;

/// Runs one instruction.
pub fn process(input: &Input, scratch: &mut [u8]) -> Result<(), Error> {
    let (accounts, program_id) = (input.accounts, input.program_id);
    match Instruction::parse(input.data)? {
        Instruction::Verify { entry } => single(input, entry, false),
        Instruction::VerifyBatch { n, entries } => batch(
            &Batch {
                input,
                n,
                entries,
                with_policy: false,
            },
            scratch,
        ),
        Instruction::VerifyBatchWithPolicy { n, entries } => batch(
            &Batch {
                input,
                n,
                entries,
                with_policy: true,
            },
            scratch,
        ),
        Instruction::Check { entry } => verify(&Entry::parse(entry)?),
        Instruction::CreatePolicy { terms } => {
            let [authority, account, ..] = accounts else {
                return Err(Error::BadAccounts);
            };
            // The account signs, so nobody can claim another's fresh account.
            if !authority.is_signer
                || !account.is_signer
                || !account.is_writable
                || account.owner() != *program_id
            {
                return Err(Error::BadPolicy);
            }
            // SAFETY: the only slice of this account's data in the instruction.
            policy::create(unsafe { account.data_mut() }, authority.key(), terms)
        }
        Instruction::VerifyWithPolicy { entry } => single(input, entry, true),
        Instruction::WriteBuffer { offset, bytes } => {
            let [authority, buffer, ..] = accounts else {
                return Err(Error::BadAccounts);
            };
            if !authority.is_signer || !buffer.is_writable || buffer.owner() != *program_id {
                return Err(Error::BadBuffer);
            }
            // SAFETY: the only slice of the buffer's data in this instruction
            // (the authority is another account: it signs, the buffer is ours).
            let data = unsafe { buffer.data_mut() };
            if data.len() < BUFFER_HEADER {
                return Err(Error::BadBuffer);
            }
            if data[..BUFFER_HEADER].iter().all(|b| *b == 0) {
                // Claiming needs the buffer's own signature: otherwise anyone
                // could claim a fresh buffer between its creation and first
                // write, then close it and take its rent.
                if !buffer.is_signer {
                    return Err(Error::BadBuffer);
                }
                data[..8].copy_from_slice(BUFFER_TAG);
                data[8..BUFFER_HEADER].copy_from_slice(authority.key());
            } else if data[..8] != BUFFER_TAG[..] || data[8..BUFFER_HEADER] != authority.key()[..] {
                return Err(Error::BadBuffer);
            }
            let start = BUFFER_HEADER + offset as usize;
            data.get_mut(start..start + bytes.len())
                .ok_or(Error::BadBuffer)?
                .copy_from_slice(bytes);
            Ok(())
        }
        Instruction::CloseBuffer => {
            let [authority, buffer, recipient, ..] = accounts else {
                return Err(Error::BadAccounts);
            };
            if !authority.is_signer
                || !buffer.is_writable
                || !recipient.is_writable
                || recipient.key() == buffer.key()
                || buffer.owner() != *program_id
                || buffer_authority(buffer) != Some(&authority.key()[..])
            {
                return Err(Error::BadBuffer);
            }
            let total = recipient
                .lamports()
                .checked_add(buffer.lamports())
                .ok_or(Error::BadBuffer)?;
            recipient.set_lamports(total);
            buffer.set_lamports(0);
            // SAFETY: no other slice of the buffer's data is alive here.
            unsafe { buffer.data_mut() }.fill(0);
            Ok(())
        }
    }
}

/// The authority of a claimed proof buffer.
fn buffer_authority(buffer: &AccountInfo) -> Option<&[u8]> {
    let data = buffer.data();
    if data.get(..8) != Some(&BUFFER_TAG[..]) {
        return None;
    }
    data.get(8..BUFFER_HEADER)
}

/// `Verify` or (`with_policy`) `VerifyWithPolicy`. Accounts: payer, record,
/// system program, the policy.
fn single(input: &Input, entry: &[u8], with_policy: bool) -> Result<(), Error> {
    let program_id = input.program_id;
    let [payer, record, system, rest @ ..] = input.accounts else {
        return Err(Error::BadAccounts);
    };
    check_payer(payer, system)?;
    let entry = Entry::parse(entry)?;
    let policy = match with_policy {
        true => Some(load_policy(rest.first(), program_id)?),
        false => None,
    };
    if let Some((policy, now)) = &policy {
        policy.admits(&entry, *now)?;
    }
    let bump = check_record(record, &entry, program_id)?;
    match &policy {
        Some((policy, _)) => verify_from(&entry, policy.base(), &policy::FOLDED)?,
        None => verify(&entry)?,
    }
    let call = SystemCall {
        payer,
        system,
        program_id,
    };
    spend(&call, record, &entry, bump)
}

/// A policy account of this program and the cluster time to judge ages by.
fn load_policy<'a>(
    account: Option<&'a AccountInfo>,
    program_id: &Pubkey,
) -> Result<(Policy<'a>, i64), Error> {
    let account = account.ok_or(Error::BadAccounts)?;
    if account.owner() != *program_id {
        return Err(Error::BadPolicy);
    }
    Ok((Policy::parse(account.data())?, unix_timestamp()?))
}

/// A `VerifyBatch` or `VerifyBatchWithPolicy` (sBPF passes five arguments
/// in registers, hence the struct).
struct Batch<'a> {
    input: &'a Input<'a>,
    n: usize,
    entries: Option<&'a [u8]>,
    with_policy: bool,
}

/// Accounts: payer, system program, n records, the policy (`with_policy`),
/// the buffer (entries `None`).
fn batch(b: &Batch, scratch: &mut [u8]) -> Result<(), Error> {
    let (program_id, n) = (b.input.program_id, b.n);
    let [payer, system, rest @ ..] = b.input.accounts else {
        return Err(Error::BadAccounts);
    };
    check_payer(payer, system)?;
    let records = rest.get(..n).ok_or(Error::BadAccounts)?;
    let mut extra = rest[n..].iter();
    let policy = match b.with_policy {
        true => Some(load_policy(extra.next(), program_id)?),
        false => None,
    };
    let entries = match b.entries {
        Some(entries) => entries,
        None => {
            let buffer = extra.next().ok_or(Error::BadAccounts)?;
            // Only the buffer's authority spends what it staged.
            if buffer.owner() != *program_id || buffer_authority(buffer) != Some(&payer.key()[..]) {
                return Err(Error::BadBuffer);
            }
            buffer
                .data()
                .get(BUFFER_HEADER..BUFFER_HEADER + n * ENTRY_BYTES)
                .ok_or(Error::BadBuffer)?
        }
    };
    let mut parsed = [None; crate::MAX_BATCH];
    let mut bumps = [0u8; crate::MAX_BATCH];
    for (j, (bytes, record)) in entries.chunks_exact(ENTRY_BYTES).zip(records).enumerate() {
        let entry = Entry::parse(bytes)?;
        if let Some((policy, now)) = &policy {
            policy.admits(&entry, *now)?;
        }
        // The same receipt twice in one batch is a double spend too.
        if parsed[..j]
            .iter()
            .flatten()
            .any(|e: &Entry| e.nullifier() == entry.nullifier())
        {
            return Err(Error::NullifierSpent);
        }
        bumps[j] = check_record(record, &entry, program_id)?;
        parsed[j] = Some(entry);
    }
    verify_batch_from(entries, scratch, policy.as_ref().map(|(p, _)| p.base()))?;
    let call = SystemCall {
        payer,
        system,
        program_id,
    };
    for (j, entry) in parsed[..n].iter().flatten().enumerate() {
        spend(&call, &records[j], entry, bumps[j])?;
    }
    Ok(())
}

fn check_payer(payer: &AccountInfo, system: &AccountInfo) -> Result<(), Error> {
    if !payer.is_signer || !payer.is_writable || *system.key() != SYSTEM_PROGRAM {
        return Err(Error::BadAccounts);
    }
    Ok(())
}

/// Checks `record` is the entry's nullifier record (canonical bump) and not
/// yet created; returns the bump.
fn check_record(record: &AccountInfo, entry: &Entry, program_id: &Pubkey) -> Result<u8, Error> {
    let seeds: [&[u8]; 2] = [NULLIFIER_SEED, entry.nullifier()];
    match find_program_address(&seeds, program_id) {
        Some((address, bump)) if address == *record.key() && record.is_writable => {
            if record.owner() == *program_id {
                return Err(Error::NullifierSpent);
            }
            Ok(bump)
        }
        _ => Err(Error::WrongNullifierAccount),
    }
}

/// Creates the nullifier record: `version ‖ context ‖ dest ‖ min_amount ‖
/// not_before ‖ issuer_ax ‖ issuer_ay` (the u64s little-endian). It shows
/// what a receipt was spent on, and by whose signature: anyone can issue
/// receipts, so a reader trusts a record only for an issuer it trusts.
fn spend(call: &SystemCall, record: &AccountInfo, entry: &Entry, bump: u8) -> Result<(), Error> {
    let bump = [bump];
    let seeds: [&[u8]; 3] = [NULLIFIER_SEED, entry.nullifier(), &bump];
    create_pda(call, record, &seeds, RECORD_BYTES)?;
    // SAFETY: the record is distinct from every other account we hold data
    // of (it was not ours before this instruction; buffers are).
    let data = unsafe { record.data_mut() };
    if data.len() != RECORD_BYTES {
        return Err(Error::SystemProgram);
    }
    data[0] = RECORD_VERSION;
    data[1..33].copy_from_slice(entry.input(1));
    data[33..65].copy_from_slice(entry.input(2));
    data[65..73].copy_from_slice(&entry.input_u64(3).to_le_bytes());
    data[73..81].copy_from_slice(&entry.input_u64(4).to_le_bytes());
    data[81..113].copy_from_slice(entry.input(5));
    data[113..145].copy_from_slice(entry.input(6));
    Ok(())
}
