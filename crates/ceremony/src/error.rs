//! Why a ceremony step refused its input.

use x402_zk_prover::ProveError;
use x402_zk_verifier::DecodeError;

/// Every way a ceremony step can fail. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// A file that does not parse (wrong magic, truncated, points off the curve, …).
    #[error("{what} is malformed: {reason}")]
    Malformed {
        /// Which file or field.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The `.ptau` file has fewer powers than the circuit's evaluation domain.
    #[error(
        "the .ptau file holds 2^{has} powers but the receipt circuit needs 2^{needs}: \
         use a powers-of-tau file of power {needs} or more"
    )]
    PtauTooSmall {
        /// The file's power.
        has: u32,
        /// The power the circuit needs.
        needs: u32,
    },
    /// The `.ptau` file lacks the Lagrange-basis sections phase 2 needs.
    #[error(
        "the .ptau file is not prepared for phase 2 (it has no Lagrange sections): \
         run `snarkjs powersoftau prepare phase2` on it, or download a *_final.ptau"
    )]
    PtauNotPrepared,
    /// The `.ptau` points are not powers of one τ, α, β (corrupt or forged).
    #[error("the .ptau file is inconsistent ({0}): it is corrupt or forged; do not use it")]
    Phase1Inconsistent(&'static str),
    /// The parameters were initialised from a different phase 1.
    #[error(
        "these parameters were initialised from another phase 1 than the given .ptau file: \
         pass the .ptau the coordinator announced"
    )]
    Phase1Mismatch,
    /// The fixed part of the parameters is not what the circuit compiled now gives.
    #[error(
        "these parameters do not match receipt circuit v1 as compiled now ({0}): they are for \
         another circuit or version, or were altered"
    )]
    CircuitMismatch(&'static str),
    /// One contribution in the transcript does not check.
    #[error("contribution #{index} is invalid: {reason}; the transcript must be rejected")]
    BadContribution {
        /// 1-based position in the transcript.
        index: usize,
        /// Which check failed.
        reason: &'static str,
    },
    /// The final δ, L or H are not what the contribution chain produced.
    #[error("the parameters do not follow from their transcript ({0}); reject them")]
    FinalMismatch(&'static str),
    /// Keys would be exported before any secret contribution.
    #[error(
        "no participant has contributed yet (a beacon alone is public): run \
         `ceremony contribute` at least once before exporting keys"
    )]
    NoContribution,
    /// Bad beacon or contributor parameters.
    #[error("{0}")]
    InvalidArgument(String),
    /// The circuit did not synthesize.
    #[error("synthesizing receipt circuit v1 failed: {0}")]
    Circuit(String),
    /// The resulting keys do not fit the prover (a bug if verification passed).
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// The resulting verifying key does not validate.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> CeremonyError {
    CeremonyError::Malformed {
        what,
        reason: reason.into(),
    }
}
