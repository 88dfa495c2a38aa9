//! The runtime's side of the program: the serialized input (loader v2/v3
//! aligned layout), program addresses, the Rent sysvar and calls into the
//! system program, through the raw C ABI. On the host these calls report
//! `SystemProgram`/`Rent` errors: the account logic is exercised by the LiteSVM
//! tests against the built ELF.

use crate::Error;

/// A public key.
pub type Pubkey = [u8; 32];
/// The system program's id (all zeros).
pub const SYSTEM_PROGRAM: Pubkey = [0; 32];
const MAX_PERMITTED_DATA_INCREASE: usize = 10 * 1024;

/// An account as the runtime serialized it; the pointers point into the input
/// buffer, where cross-program calls require them to point.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AccountInfo {
    key: *const Pubkey,
    lamports: *mut u64,
    data_len: u64,
    data: *mut u8,
    owner: *const Pubkey,
    rent_epoch: u64,
    /// Whether the account signed the transaction.
    pub is_signer: bool,
    /// Whether the transaction may write it.
    pub is_writable: bool,
    executable: bool,
}

impl AccountInfo {
    /// The account's address.
    pub fn key(&self) -> &Pubkey {
        // SAFETY: points into the input buffer, valid for the whole instruction.
        unsafe { &*self.key }
    }
    /// The owner program (read fresh: a cross-program call may change it).
    pub fn owner(&self) -> Pubkey {
        // SAFETY: as above.
        unsafe { *self.owner }
    }
    /// The balance (read fresh).
    pub fn lamports(&self) -> u64 {
        // SAFETY: as above.
        unsafe { *self.lamports }
    }
    /// Sets the balance; the runtime checks the instruction's balance sum.
    pub fn set_lamports(&self, value: u64) {
        // SAFETY: as above; only the owner's writes survive the runtime's checks.
        unsafe { *self.lamports = value }
    }
    /// The data length, read from the serialized length the runtime updates
    /// after a cross-program call.
    pub fn data_len(&self) -> usize {
        // SAFETY: the serialized length sits just before the data.
        unsafe { *(self.data.sub(8) as *const u64) as usize }
    }
    /// The account data.
    pub fn data(&self) -> &[u8] {
        // SAFETY: `data_len` bytes follow `data` in the input buffer.
        unsafe { core::slice::from_raw_parts(self.data, self.data_len()) }
    }

    /// The account data, writable.
    ///
    /// # Safety
    /// No other slice of this account's data may be alive (a duplicated
    /// account shares its data with its first occurrence).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn data_mut(&self) -> &mut [u8] {
        core::slice::from_raw_parts_mut(self.data, self.data_len())
    }
}

/// The accounts, instruction data and program id of the input buffer at `input`.
///
/// # Safety
/// `input` must be the runtime's serialized input.
pub unsafe fn deserialize<'a>(
    input: *mut u8,
    accounts: &'a mut [core::mem::MaybeUninit<AccountInfo>],
) -> Input<'a> {
    let mut at = input;
    let count = *(at as *const u64) as usize;
    at = at.add(8);
    let mut parsed = 0;
    for i in 0..count {
        let dup = *at;
        if dup == u8::MAX {
            let is_signer = *at.add(1) != 0;
            let is_writable = *at.add(2) != 0;
            let executable = *at.add(3) != 0;
            at = at.add(8);
            let key = at as *const Pubkey;
            let owner = at.add(32) as *const Pubkey;
            let lamports = at.add(64) as *mut u64;
            let data_len = *(at.add(72) as *const u64);
            let data = at.add(80);
            at = data.add(data_len as usize + MAX_PERMITTED_DATA_INCREASE);
            at = at.add(at.align_offset(8));
            let rent_epoch = *(at as *const u64);
            at = at.add(8);
            if i < accounts.len() {
                accounts[i].write(AccountInfo {
                    key,
                    lamports,
                    data_len,
                    data,
                    owner,
                    rent_epoch,
                    is_signer,
                    is_writable,
                    executable,
                });
                parsed += 1;
            }
        } else {
            at = at.add(8);
            if i < accounts.len() {
                let original = accounts[dup as usize].assume_init();
                accounts[i].write(original);
                parsed += 1;
            }
        }
    }
    let data_len = *(at as *const u64) as usize;
    at = at.add(8);
    let data = core::slice::from_raw_parts(at, data_len);
    let program_id = &*(at.add(data_len) as *const Pubkey);
    Input {
        accounts: core::slice::from_raw_parts(accounts.as_ptr() as *const AccountInfo, parsed),
        data,
        program_id,
    }
}

/// One instruction's input.
pub struct Input<'a> {
    /// The accounts, in instruction order.
    pub accounts: &'a [AccountInfo],
    /// The instruction data.
    pub data: &'a [u8],
    /// This program's id.
    pub program_id: &'a Pubkey,
}

#[repr(C)]
struct SolBytes {
    addr: *const u8,
    len: u64,
}

#[repr(C)]
struct SolSignerSeeds {
    addr: *const SolBytes,
    len: u64,
}

#[repr(C)]
struct SolAccountMeta {
    pubkey: *const Pubkey,
    is_writable: bool,
    is_signer: bool,
}

#[repr(C)]
struct SolInstruction {
    program_id: *const Pubkey,
    accounts: *const SolAccountMeta,
    accounts_len: u64,
    data: *const u8,
    data_len: u64,
}

#[cfg(onchain)]
#[allow(deprecated)] // the Rent getter; `sol_get_sysvar` would need the sysvar id and offsets
mod sys {
    pub use solana_define_syscall::definitions::{
        sol_get_clock_sysvar, sol_get_rent_sysvar, sol_invoke_signed_c,
        sol_try_find_program_address,
    };
}

/// The program address of `seeds` and its canonical bump (the highest that
/// gives an address off the curve), or `None` if no bump does.
pub fn find_program_address(seeds: &[&[u8]], program_id: &Pubkey) -> Option<(Pubkey, u8)> {
    let mut address = [0u8; 32];
    let mut bump = 0u8;
    #[cfg(onchain)]
    {
        // SAFETY: `&[&[u8]]` has the (pointer, length) layout the syscall reads;
        // it writes 32 bytes and one.
        let rc = unsafe {
            sys::sol_try_find_program_address(
                seeds.as_ptr() as *const u8,
                seeds.len() as u64,
                program_id.as_ptr(),
                address.as_mut_ptr(),
                &mut bump,
            )
        };
        if rc == 0 {
            return Some((address, bump));
        }
    }
    let _ = (seeds, program_id, &mut address, &mut bump);
    None
}

/// The cluster's unix time (the Clock sysvar's `unix_timestamp`).
#[allow(deprecated)]
pub fn unix_timestamp() -> Result<i64, Error> {
    #[cfg(onchain)]
    {
        // Clock { slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp }
        let mut clock = [0i64; 5];
        // SAFETY: the syscall writes the 40-byte Clock sysvar.
        if unsafe { sys::sol_get_clock_sysvar(clock.as_mut_ptr() as *mut u8) } == 0 {
            return Ok(clock[4]);
        }
    }
    Err(Error::BadAccounts)
}

/// The rent-exempt balance of an account with `len` data bytes.
#[allow(deprecated)]
pub fn rent_exempt_minimum(len: usize) -> Result<u64, Error> {
    #[cfg(onchain)]
    {
        // Rent { lamports_per_byte_year: u64, exemption_threshold: f64, burn_percent: u8 }
        let mut rent = [0u64; 3];
        // SAFETY: the syscall writes the 24-byte Rent sysvar.
        let rc = unsafe { sys::sol_get_rent_sysvar(rent.as_mut_ptr() as *mut u8) };
        // `minimum_balance` multiplies by the threshold, a float: every cluster
        // uses 2.0 (two years) or, since rent exemption was simplified, 1.0.
        // Integer thresholds keep floating point (and its libcalls) out.
        let per_byte = (128 + len as u64) * rent[0];
        if rc == 0 && rent[1] == 2.0f64.to_bits() {
            return Ok(per_byte * 2);
        }
        if rc == 0 && rent[1] == 1.0f64.to_bits() {
            return Ok(per_byte);
        }
    }
    let _ = len;
    Err(Error::Rent)
}

/// The accounts a call into the system program needs.
pub struct SystemCall<'a> {
    /// Pays for new accounts.
    pub payer: &'a AccountInfo,
    /// The system program's account.
    pub system: &'a AccountInfo,
    /// The calling program.
    pub program_id: &'a Pubkey,
}

// sBPF passes at most five arguments in registers (a slice takes two), hence
// the argument structs.
struct Invoke<'a> {
    data: &'a [u8],
    metas: &'a [(&'a AccountInfo, bool)],
    infos: &'a [AccountInfo; 3],
    seeds: &'a [&'a [u8]; 3],
}

fn invoke_system(call: &Invoke) -> Result<(), Error> {
    let mut sol_metas = [const {
        SolAccountMeta {
            pubkey: core::ptr::null(),
            is_writable: false,
            is_signer: false,
        }
    }; 2];
    for (slot, (account, signer)) in sol_metas.iter_mut().zip(call.metas) {
        *slot = SolAccountMeta {
            pubkey: account.key(),
            is_writable: true,
            is_signer: *signer,
        };
    }
    let instruction = SolInstruction {
        program_id: &SYSTEM_PROGRAM,
        accounts: sol_metas.as_ptr(),
        accounts_len: call.metas.len() as u64,
        data: call.data.as_ptr(),
        data_len: call.data.len() as u64,
    };
    let seed_bytes = call.seeds.map(|s| SolBytes {
        addr: s.as_ptr(),
        len: s.len() as u64,
    });
    let signer = SolSignerSeeds {
        addr: seed_bytes.as_ptr(),
        len: 3,
    };
    #[cfg(onchain)]
    {
        // SAFETY: every pointer refers to a live value of the C ABI's layout,
        // and the account infos point into the input buffer.
        let rc = unsafe {
            sys::sol_invoke_signed_c(
                &instruction as *const SolInstruction as *const u8,
                call.infos.as_ptr() as *const u8,
                call.infos.len() as u64,
                &signer as *const SolSignerSeeds as *const u8,
                1,
            )
        };
        if rc == 0 {
            return Ok(());
        }
    }
    let _ = (&instruction, &signer, call.infos);
    Err(Error::SystemProgram)
}

/// Creates the program-owned account `new` of `space` bytes at the program
/// address of `seeds`, paid by the payer. An address someone already sent
/// lamports to is topped up, allocated and assigned instead, so pre-funding a
/// record's address cannot block it.
pub fn create_pda(
    call: &SystemCall,
    new: &AccountInfo,
    seeds: &[&[u8]; 3],
    space: usize,
) -> Result<(), Error> {
    let minimum = rent_exempt_minimum(space)?;
    let infos = [*call.payer, *new, *call.system];
    let invoke = |data: &[u8], metas: &[(&AccountInfo, bool)]| {
        invoke_system(&Invoke {
            data,
            metas,
            infos: &infos,
            seeds,
        })
    };
    let current = new.lamports();
    if current == 0 {
        let mut data = [0u8; 52];
        data[4..12].copy_from_slice(&minimum.to_le_bytes());
        data[12..20].copy_from_slice(&(space as u64).to_le_bytes());
        data[20..].copy_from_slice(call.program_id);
        return invoke(&data, &[(call.payer, true), (new, true)]);
    }
    if current < minimum {
        let mut data = [0u8; 12];
        data[0] = 2; // Transfer
        data[4..].copy_from_slice(&(minimum - current).to_le_bytes());
        invoke(&data, &[(call.payer, true), (new, false)])?;
    }
    let mut allocate = [0u8; 12];
    allocate[0] = 8;
    allocate[4..].copy_from_slice(&(space as u64).to_le_bytes());
    invoke(&allocate, &[(new, true)])?;
    let mut assign = [0u8; 36];
    assign[0] = 1;
    assign[4..].copy_from_slice(call.program_id);
    invoke(&assign, &[(new, true)])
}
