//! Error codes in x402's `invalidReason` / `errorReason` vocabulary.

use serde::{Deserialize, Serialize};

/// A machine-readable reason a `zk-receipt` payment was refused. Serialized in
/// snake case: `invalid_zk_receipt_proof`, `unsupported_scheme`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The proof does not verify for its public inputs.
    InvalidZkReceiptProof,
    /// The nullifier was already spent: this receipt is used up.
    InvalidZkReceiptNullifierUsed,
    /// The nullifier is reserved by a payment in flight (verified, not yet settled);
    /// the receipt is not spent and becomes usable again if that payment lapses.
    InvalidZkReceiptNullifierReserved,
    /// `not_before` is older than the requirement's `maxPaymentAgeSeconds` allows.
    InvalidZkReceiptStale,
    /// The proof is bound to another resource or challenge.
    InvalidZkReceiptContext,
    /// The receipt's issuer is not one the seller trusts.
    InvalidZkReceiptIssuer,
    /// The receipt's issuer signature does not verify (prover service).
    InvalidZkReceiptSignature,
    /// The payer secret does not open the receipt's commitment (prover service).
    InvalidZkReceiptPayerSecret,
    /// The proven minimum differs from the price.
    InvalidZkReceiptAmount,
    /// The proven destination (network, asset, payTo) differs from the seller's.
    InvalidZkReceiptDest,
    /// The requirement names a verifying key this verifier does not hold.
    InvalidZkReceiptVerifyingKey,
    /// The payment payload is malformed.
    InvalidPayload,
    /// The payment requirements are malformed.
    InvalidPaymentRequirements,
    /// The payment's network differs from the requirement's.
    InvalidNetwork,
    /// Not the `zk-receipt` scheme.
    UnsupportedScheme,
    /// An `x402Version` this server does not speak.
    InvalidX402Version,
    /// The `exact` Solana transaction is malformed, unsigned or mis-shaped.
    InvalidExactSvmPayloadTransaction,
    /// The `exact` Solana transaction has the wrong number of instructions.
    InvalidExactSvmPayloadTransactionInstructionsLength,
    /// An instruction other than the scheme's, or a missing memo nonce.
    InvalidExactSvmPayloadTransactionInstructions,
    /// The first instruction is not SetComputeUnitLimit.
    InvalidExactSvmPayloadTransactionInstructionsComputeLimitInstruction,
    /// The second instruction is not SetComputeUnitPrice.
    InvalidExactSvmPayloadTransactionInstructionsComputePriceInstruction,
    /// The compute unit price exceeds 5 lamports per unit.
    InvalidExactSvmPayloadTransactionInstructionsComputePriceInstructionTooHigh,
    /// The transfer is not the SPL Token program's.
    InvalidExactSvmPayloadTransactionInstructionNotSplTokenTransferChecked,
    /// The third instruction is not TransferChecked.
    InvalidExactSvmPayloadTransactionNotATransferInstruction,
    /// The transfer moves another mint than the requirement's asset.
    InvalidExactSvmPayloadTransactionMintMismatch,
    /// The transfer does not pay ATA(payTo, asset).
    InvalidExactSvmPayloadTransactionTransferToIncorrectAta,
    /// The transfer moves another amount than the requirement's.
    InvalidExactSvmPayloadTransactionAmountMismatch,
    /// The fee payer appears in an instruction, or as source or authority.
    InvalidExactSvmPayloadTransactionFeePayerIncludedInInstructionAccounts,
    /// The ledger refused the transaction (funds, blockhash, accounts).
    InvalidExactSvmPayloadTransactionSimulationFailed,
    /// The ledger did not confirm the transaction in time.
    SettleExactSvmTransactionConfirmationTimedOut,
    /// This payment was already settled for another receipt.
    DuplicateSettlement,
    /// The x402 `payment-identifier` id was first used for another payment.
    PaymentIdentifierConflict,
    /// An internal failure while verifying.
    UnexpectedVerifyError,
    /// An internal failure while settling.
    UnexpectedSettleError,
}

impl ErrorCode {
    /// The wire string, e.g. `"invalid_zk_receipt_nullifier_used"`.
    pub fn as_str(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .expect("unit variants serialize to strings")
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// A refusal: a code for machines and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Rejection {
    /// The x402 error code.
    pub code: ErrorCode,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Rejection {
    /// A refusal with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
        }
    }
}
