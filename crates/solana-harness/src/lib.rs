//! Runs the x402-zk Solana program's ELF in LiteSVM — the Agave 4.2 program
//! runtime with the real system program, fees and the 1,232-byte transaction
//! limit — and reads exact compute units from the runtime's own log line.
//!
//! ```no_run
//! use x402_zk_solana_harness::{Chain, vectors};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let elf = std::fs::read(x402_zk_solana_harness::elf_path())?;
//! let mut chain = Chain::new(&elf);
//! let entry = vectors()?[0];
//! let outcome = chain.send(&[chain.verify_ix(&entry)])?;
//! println!("verify + nullifier record: {} CU, {} bytes", outcome.compute_units, outcome.tx_bytes);
//! # Ok(()) }
//! ```

use litesvm::LiteSVM;
use solana_address::Address;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_instruction::{error::InstructionError, AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_message::Message;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use std::path::PathBuf;
use x402_zk_solana_program::verify::ENTRY_BYTES;
use x402_zk_solana_program::{processor::BUFFER_HEADER, Error as ProgramError, NULLIFIER_SEED};

/// A policy's terms for the seller of `entry` (its dest, price and issuer),
/// accepting proofs whose `not_before` is at most `max_age` seconds old.
pub fn terms_of(entry: &Entry, max_age: u64) -> Vec<u8> {
    let input = |i: usize| &entry[256 + 32 * i..288 + 32 * i];
    let mut t = input(2).to_vec();
    let min_amount: [u8; 8] = input(3)[24..].try_into().expect("8 bytes");
    t.extend_from_slice(&u64::from_be_bytes(min_amount).to_le_bytes());
    t.extend_from_slice(input(5));
    t.extend_from_slice(input(6));
    t.extend_from_slice(&max_age.to_le_bytes());
    t
}

/// An entry's `not_before` (public input 4).
pub fn not_before(entry: &Entry) -> i64 {
    let b: [u8; 8] = entry[256 + 4 * 32 + 24..256 + 5 * 32]
        .try_into()
        .expect("8 bytes");
    u64::from_be_bytes(b) as i64
}

/// A proof and its public inputs as the program takes them.
pub type Entry = [u8; ENTRY_BYTES];

/// Solana's transaction size limit (IPv6 MTU minus headers).
pub const MAX_TX_BYTES: usize = 1232;
/// Bytes of proof data one `WriteBuffer` transaction carries.
pub const WRITE_CHUNK: usize = 900;
/// Bytes the creating transaction (create account + claiming write, two
/// signatures and one more account) carries.
const FIRST_CHUNK: usize = 700;

/// Where `scripts/build-sbf.sh` leaves the ELF, unless `X402ZK_SOLANA_ELF` says otherwise.
pub fn elf_path() -> PathBuf {
    if let Some(p) = std::env::var_os("X402ZK_SOLANA_ELF") {
        return p.into();
    }
    let target = std::env::var_os("SBF_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/x402-zk/sbf-target")
        });
    target.join("bpfel-unknown-none/sbf/x402_zk_solana_program.so")
}

/// The 16 committed proofs of `test-vectors/onchain` as program entries.
pub fn vectors() -> Result<Vec<Entry>, Box<dyn std::error::Error>> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/onchain/proofs.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path)?)?;
    let mut out = Vec::new();
    for v in json.as_array().ok_or("proofs.json: not an array")? {
        let proof = hex::decode(v["proof"].as_str().ok_or("proof")?)?;
        let mut entry = [0u8; ENTRY_BYTES];
        entry[..256].copy_from_slice(proof.get(1..257).ok_or("proof length")?);
        for (i, x) in v["publicInputs"]
            .as_array()
            .ok_or("publicInputs")?
            .iter()
            .enumerate()
        {
            let x: x402_zk_primitives::FieldElement = x.as_str().ok_or("input")?.parse()?;
            entry[256 + 32 * i..288 + 32 * i].copy_from_slice(&x.to_be_bytes());
        }
        out.push(entry);
    }
    Ok(out)
}

/// A landed transaction.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Compute units the program's instructions consumed (the runtime's
    /// "consumed N of M" lines for our program id, summed).
    pub compute_units: u64,
    /// The signed transaction's wire size.
    pub tx_bytes: usize,
}

/// Why a transaction failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Our program returned one of its errors.
    #[error("program error {0:?}")]
    Program(ProgramError),
    /// Anything else (runtime, system program, size).
    #[error("transaction failed: {0}")]
    Other(String),
}

/// A LiteSVM chain with the program deployed and a funded payer.
pub struct Chain {
    /// The runtime.
    pub svm: LiteSVM,
    /// The program's id.
    pub program_id: Address,
    /// Pays fees and rent; signs.
    pub payer: Keypair,
}

impl Chain {
    /// Deploys `elf` (upgradeable loader) on a fresh chain.
    pub fn new(elf: &[u8]) -> Self {
        let mut svm = LiteSVM::new();
        let program_id = Address::new_from_array([7; 32]);
        svm.add_program(program_id, elf).expect("the ELF loads");
        let payer = Keypair::new();
        svm.airdrop(&payer.pubkey(), 100_000_000_000)
            .expect("airdrop");
        Chain {
            svm,
            program_id,
            payer,
        }
    }

    /// The nullifier record's address and bump for an entry.
    pub fn record(&self, entry: &Entry) -> (Address, u8) {
        Address::find_program_address(&[NULLIFIER_SEED, &entry[256..288]], &self.program_id)
    }

    /// `Verify`: verifies and creates the nullifier record.
    pub fn verify_ix(&self, entry: &Entry) -> Instruction {
        let (record, _) = self.record(entry);
        let mut data = vec![0u8];
        data.extend_from_slice(entry);
        Instruction::new_with_bytes(
            self.program_id,
            &data,
            vec![
                AccountMeta::new(self.payer.pubkey(), true),
                AccountMeta::new(record, false),
                AccountMeta::new_readonly(Address::default(), false),
            ],
        )
    }

    /// `Check`: verifies only.
    pub fn check_ix(&self, entry: &Entry) -> Instruction {
        let mut data = vec![4u8];
        data.extend_from_slice(entry);
        Instruction::new_with_bytes(self.program_id, &data, vec![])
    }

    /// `VerifyBatch` with the entries in the instruction, or read from `buffer`.
    pub fn verify_batch_ix(&self, entries: &[Entry], buffer: Option<Address>) -> Instruction {
        let mut data = vec![1u8, entries.len() as u8, buffer.is_some() as u8];
        let mut accounts = vec![
            AccountMeta::new(self.payer.pubkey(), true),
            AccountMeta::new_readonly(Address::default(), false),
        ];
        for e in entries {
            accounts.push(AccountMeta::new(self.record(e).0, false));
        }
        match buffer {
            Some(b) => accounts.push(AccountMeta::new_readonly(b, false)),
            None => entries.iter().for_each(|e| data.extend_from_slice(e)),
        }
        Instruction::new_with_bytes(self.program_id, &data, accounts)
    }

    /// `VerifyBatchWithPolicy`: as [`Chain::verify_batch_ix`], against `policy`.
    pub fn verify_batch_with_policy_ix(
        &self,
        entries: &[Entry],
        policy: Address,
        buffer: Option<Address>,
    ) -> Instruction {
        let mut ix = self.verify_batch_ix(entries, None);
        ix.data[0] = 7;
        ix.accounts.push(AccountMeta::new_readonly(policy, false));
        if let Some(b) = buffer {
            ix.data.truncate(3);
            ix.data[2] = 1;
            ix.accounts.push(AccountMeta::new_readonly(b, false));
        }
        ix
    }

    /// `WriteBuffer` by `authority`; the buffer signs the first write, which claims it.
    pub fn write_buffer_ix(
        &self,
        buffer: Address,
        authority: &Address,
        offset: u32,
        bytes: &[u8],
        claim: bool,
    ) -> Instruction {
        let mut data = vec![2u8];
        data.extend_from_slice(&offset.to_le_bytes());
        data.extend_from_slice(bytes);
        Instruction::new_with_bytes(
            self.program_id,
            &data,
            vec![
                AccountMeta::new_readonly(*authority, true),
                AccountMeta::new(buffer, claim),
            ],
        )
    }

    /// `VerifyWithPolicy`: verifies against a policy account and the clock,
    /// and creates the nullifier record.
    pub fn verify_with_policy_ix(&self, entry: &Entry, policy: Address) -> Instruction {
        let mut ix = self.verify_ix(entry);
        ix.data[0] = 6;
        ix.accounts.push(AccountMeta::new_readonly(policy, false));
        ix
    }

    /// A new keypair and the system instruction creating its account: `space`
    /// zeroed bytes owned by the program, rent-exempt, paid by the payer (the
    /// new account must sign the transaction).
    pub fn new_account_ix(&self, space: usize) -> (Keypair, Instruction) {
        let account = Keypair::new();
        let create = solana_system_interface::instruction::create_account(
            &self.payer.pubkey(),
            &account.pubkey(),
            self.svm.minimum_balance_for_rent_exemption(space),
            space as u64,
            &self.program_id,
        );
        (account, create)
    }

    /// `CreatePolicy` for `account` with the payer as authority; `signed`: the
    /// account signs too (the program refuses it otherwise).
    pub fn create_policy_ix(&self, account: Address, terms: &[u8], signed: bool) -> Instruction {
        let mut data = vec![5u8];
        data.extend_from_slice(terms);
        Instruction::new_with_bytes(
            self.program_id,
            &data,
            vec![
                AccountMeta::new_readonly(self.payer.pubkey(), true),
                AccountMeta::new(account, signed),
            ],
        )
    }

    /// Creates a policy account (the payer its authority) for `terms`
    /// ([`x402_zk_solana_program::policy::TERMS_BYTES`] bytes).
    pub fn create_policy(&mut self, terms: &[u8]) -> Result<(Address, Outcome), Failure> {
        use x402_zk_solana_program::policy::POLICY_BYTES;
        let (account, create) = self.new_account_ix(POLICY_BYTES);
        let init = self.create_policy_ix(account.pubkey(), terms, true);
        let outcome = self.send_signed(&[create, init], &[&account])?;
        Ok((account.pubkey(), outcome))
    }

    /// Sets the cluster clock's unix time.
    pub fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock: solana_clock::Clock = self.svm.get_sysvar();
        clock.unix_timestamp = unix_timestamp;
        self.svm.set_sysvar(&clock);
    }

    /// `CloseBuffer`, lamports to the payer.
    pub fn close_buffer_ix(&self, buffer: Address) -> Instruction {
        Instruction::new_with_bytes(
            self.program_id,
            &[3],
            vec![
                AccountMeta::new_readonly(self.payer.pubkey(), true),
                AccountMeta::new(buffer, false),
                AccountMeta::new(self.payer.pubkey(), false),
            ],
        )
    }

    /// Sends `instructions` with a 1.4M CU limit, signed by the payer (and `extra`).
    pub fn send_signed(
        &mut self,
        instructions: &[Instruction],
        extra: &[&Keypair],
    ) -> Result<Outcome, Failure> {
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(1_400_000)];
        all.extend_from_slice(instructions);
        // A fresh blockhash: the same instruction sent twice is a new transaction.
        self.svm.expire_blockhash();
        let message = Message::new(&all, Some(&self.payer.pubkey()));
        let mut signers: Vec<&Keypair> = vec![&self.payer];
        signers.extend_from_slice(extra);
        let tx = Transaction::new(&signers, message, self.svm.latest_blockhash());
        let tx_bytes = bincode::serialize(&tx)
            .map_err(|e| Failure::Other(e.to_string()))?
            .len();
        if tx_bytes > MAX_TX_BYTES {
            return Err(Failure::Other(format!(
                "{tx_bytes} bytes exceed the {MAX_TX_BYTES}-byte limit"
            )));
        }
        match self.svm.send_transaction(tx) {
            Ok(meta) => {
                if std::env::var_os("CU_DEBUG").is_some() {
                    for l in &meta.logs {
                        eprintln!("{l}");
                    }
                }
                Ok(Outcome {
                    compute_units: consumed(&meta.logs, &self.program_id),
                    tx_bytes,
                })
            }
            Err(failed) => match failed.err {
                TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
                    Err(ProgramError::from_code(code)
                        .map(Failure::Program)
                        .unwrap_or_else(|| {
                            Failure::Other(format!("custom error {code}: {:?}", failed.meta.logs))
                        }))
                }
                other => Err(Failure::Other(format!("{other:?}: {:?}", failed.meta.logs))),
            },
        }
    }

    /// [`Chain::send_signed`] with the payer alone.
    pub fn send(&mut self, instructions: &[Instruction]) -> Result<Outcome, Failure> {
        self.send_signed(instructions, &[])
    }

    /// Creates a proof buffer for `entries` owned by the program, claimed by
    /// the payer in the same transaction, and writes them in transactions under
    /// the size limit; returns the buffer and each transaction's outcome.
    pub fn stage(&mut self, entries: &[Entry]) -> Result<(Address, Vec<Outcome>), Failure> {
        let bytes: Vec<u8> = entries.concat();
        let (buffer, create) = self.new_account_ix(BUFFER_HEADER + bytes.len());
        let payer = self.payer.pubkey();
        // Create and claim in one transaction: a fresh buffer is never unclaimed.
        let first = bytes.len().min(FIRST_CHUNK);
        let claim = self.write_buffer_ix(buffer.pubkey(), &payer, 0, &bytes[..first], true);
        let mut outcomes = vec![self.send_signed(&[create, claim], &[&buffer])?];
        for (i, chunk) in bytes[first..].chunks(WRITE_CHUNK).enumerate() {
            let offset = (first + i * WRITE_CHUNK) as u32;
            let write = self.write_buffer_ix(buffer.pubkey(), &payer, offset, chunk, false);
            outcomes.push(self.send(&[write])?);
        }
        Ok((buffer.pubkey(), outcomes))
    }
}

/// Sums the runtime's "Program <id> consumed N of M compute units" lines.
fn consumed(logs: &[String], program_id: &Address) -> u64 {
    let prefix = format!("Program {program_id} consumed ");
    logs.iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
