//! Instruction data. Every instruction starts with a one-byte tag:
//!
//! | tag | instruction | data after the tag | accounts |
//! |---|---|---|---|
//! | 0 | `Verify` | entry (480 B) | payer (signer, writable), nullifier record (writable), system program |
//! | 1 | `VerifyBatch` | n, source (0 inline, 1 buffer), n entries if inline | payer, system program, n records, buffer if source = 1 (its authority must be the payer) |
//! | 2 | `WriteBuffer` | offset (u32 LE), bytes | authority (signer), buffer (writable; signer on the first write, which claims it) |
//! | 3 | `CloseBuffer` | — | authority (signer), buffer (writable), recipient (writable) |
//! | 4 | `Check` | entry (480 B) | — (verifies only: for programs that keep their own nullifier set) |
//! | 5 | `CreatePolicy` | dest, min_amount (u64 LE), issuer_ax, issuer_ay, max_age (u64 LE) | authority (signer), policy (writable, signer, program-owned, zeroed) |
//! | 6 | `VerifyWithPolicy` | entry (480 B) | payer, nullifier record, system program, policy |
//! | 7 | `VerifyBatchWithPolicy` | as `VerifyBatch` | payer, system program, n records, policy, buffer if source = 1 |
//!
//! An entry is a proof (`A ‖ B ‖ C`, 256 B) and its seven public inputs (32 B
//! big-endian each). The nullifier record of an entry is the program address
//! of seeds `["nullifier", nullifier]` with the canonical bump, which the
//! program derives itself: a bump chosen by the caller would give every
//! nullifier about 128 valid record addresses, and a receipt as many spends.

use crate::verify::ENTRY_BYTES;
use crate::Error;

/// A parsed instruction.
#[derive(Debug, PartialEq, Eq)]
pub enum Instruction<'a> {
    /// Verify one proof and create its nullifier record.
    Verify {
        /// The proof and inputs.
        entry: &'a [u8],
    },
    /// Verify several proofs with one pairing check and create their records.
    VerifyBatch {
        /// How many proofs.
        n: usize,
        /// The entries, or `None` to read them from a proof buffer.
        entries: Option<&'a [u8]>,
    },
    /// Write bytes into a proof buffer (the first write claims it).
    WriteBuffer {
        /// Where, counted from the start of the entries.
        offset: u32,
        /// What.
        bytes: &'a [u8],
    },
    /// Close a proof buffer and return its lamports.
    CloseBuffer,
    /// Verify one proof, spending nothing.
    Check {
        /// The proof and inputs.
        entry: &'a [u8],
    },
    /// Write a seller policy into a fresh account.
    CreatePolicy {
        /// [`crate::policy::TERMS_BYTES`] bytes of terms.
        terms: &'a [u8],
    },
    /// Verify one proof against a policy (and the clock) and create its record.
    VerifyWithPolicy {
        /// The proof and inputs.
        entry: &'a [u8],
    },
    /// [`Instruction::VerifyBatch`] against a policy (and the clock).
    VerifyBatchWithPolicy {
        /// How many proofs.
        n: usize,
        /// The entries, or `None` to read them from a proof buffer.
        entries: Option<&'a [u8]>,
    },
}

impl<'a> Instruction<'a> {
    /// Parses instruction data; any length mismatch is `InvalidInstruction`.
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let (&tag, rest) = data.split_first().ok_or(Error::InvalidInstruction)?;
        match tag {
            0 if rest.len() == ENTRY_BYTES => Ok(Instruction::Verify { entry: rest }),
            1 | 7 if rest.len() >= 2 => {
                let n = rest[0] as usize;
                if n == 0 || n > crate::MAX_BATCH {
                    return Err(Error::BadBatchSize);
                }
                let tail = &rest[2..];
                let entries = match rest[1] {
                    0 if tail.len() == n * ENTRY_BYTES => Some(tail),
                    1 if tail.is_empty() => None,
                    _ => return Err(Error::InvalidInstruction),
                };
                Ok(if tag == 1 {
                    Instruction::VerifyBatch { n, entries }
                } else {
                    Instruction::VerifyBatchWithPolicy { n, entries }
                })
            }
            2 if rest.len() > 4 => Ok(Instruction::WriteBuffer {
                offset: u32::from_le_bytes(rest[..4].try_into().unwrap()),
                bytes: &rest[4..],
            }),
            3 if rest.is_empty() => Ok(Instruction::CloseBuffer),
            4 if rest.len() == ENTRY_BYTES => Ok(Instruction::Check { entry: rest }),
            5 if rest.len() == crate::policy::TERMS_BYTES => {
                Ok(Instruction::CreatePolicy { terms: rest })
            }
            6 if rest.len() == ENTRY_BYTES => Ok(Instruction::VerifyWithPolicy { entry: rest }),
            _ => Err(Error::InvalidInstruction),
        }
    }
}
