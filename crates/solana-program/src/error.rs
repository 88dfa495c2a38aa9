//! Program errors: each is a distinct custom error code (`ProgramError::Custom(n)`),
//! so a client tells malformed input from a false proof from a spent nullifier.

/// Why an instruction failed. The discriminant is the custom error code the
/// program returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Error {
    /// Unknown instruction tag, or instruction data of the wrong length.
    InvalidInstruction = 1,
    /// A proof point is the point at infinity, has a coordinate `≥ p`, is not
    /// on the curve or (B) not in the prime-order subgroup.
    MalformedProof = 2,
    /// A public input is `≥ r`, or `min_amount`/`not_before` is `≥ 2^64`.
    InputOutOfRange = 3,
    /// The proof is well formed but does not verify.
    InvalidProof = 4,
    /// The nullifier's record already exists: the receipt was spent.
    NullifierSpent = 5,
    /// An account is not the entry's nullifier record (canonical bump), or not writable.
    WrongNullifierAccount = 6,
    /// Missing accounts, a payer that does not sign, or a wrong system program.
    BadAccounts = 7,
    /// A batch of zero proofs or more than [`crate::MAX_BATCH`].
    BadBatchSize = 8,
    /// A proof buffer that is not ours, not writable, too small, or whose
    /// authority did not sign.
    BadBuffer = 9,
    /// The Rent sysvar is unavailable or has an unexpected exemption threshold.
    Rent = 10,
    /// A cross-program call to the system program failed.
    SystemProgram = 11,
    /// Not a policy account of this program, or (creating one) an account
    /// that is not fresh, not the right size, or did not sign.
    BadPolicy = 12,
    /// The proof's dest, price or issuer is not the policy's.
    PolicyMismatch = 13,
    /// The proof's `not_before` is older than the policy's maximum age, or
    /// ahead of the cluster clock by more than the allowed skew.
    Stale = 14,
}

impl Error {
    /// The program's return value for this error.
    pub const fn code(self) -> u64 {
        self as u32 as u64
    }

    /// The error a custom code stands for.
    pub fn from_code(code: u32) -> Option<Self> {
        use Error::*;
        [
            InvalidInstruction,
            MalformedProof,
            InputOutOfRange,
            InvalidProof,
            NullifierSpent,
            WrongNullifierAccount,
            BadAccounts,
            BadBatchSize,
            BadBuffer,
            Rent,
            SystemProgram,
            BadPolicy,
            PolicyMismatch,
            Stale,
        ]
        .into_iter()
        .find(|e| *e as u32 == code)
    }
}
