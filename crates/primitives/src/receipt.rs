//! The receipt an issuer signs, the seller's policy, the public statement and the
//! private witness of the receipt circuit (DESIGN.md §2).

use crate::eddsa::{PublicKey, SecretKey, Signature, SignatureError};
use crate::field::{u64_string, FieldElement, ParseError};
use crate::poseidon::poseidon;
use ark_bn254::Fr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The five values an issuer signs: `msg = Poseidon(amount, dest, paid_at,
/// payment_id, payer_commitment)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptBody {
    /// Amount paid, in atomic units of the asset.
    #[serde(with = "u64_string")]
    pub amount: u64,
    /// `H2F("x402-zk/dest/v1", network, asset, payTo)`.
    pub dest: FieldElement,
    /// Settlement time, unix seconds.
    #[serde(with = "u64_string")]
    pub paid_at: u64,
    /// `H2F("x402-zk/payment/v1", network, transaction)`.
    pub payment_id: FieldElement,
    /// `Poseidon(payer_secret)`, chosen by the buyer.
    pub payer_commitment: FieldElement,
}

impl ReceiptBody {
    /// The signed message.
    pub fn message(&self) -> Fr {
        poseidon(&[
            Fr::from(self.amount),
            self.dest.0,
            Fr::from(self.paid_at),
            self.payment_id.0,
            self.payer_commitment.0,
        ])
    }

    /// Signs the body with the issuer's key.
    pub fn sign(self, key: &SecretKey) -> Receipt {
        Receipt {
            signature: key.sign(self.message()),
            issuer: key.public_key(),
            body: self,
        }
    }
}

/// A signed receipt, as the buyer keeps it in its wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The signed values.
    #[serde(flatten)]
    pub body: ReceiptBody,
    /// The issuer's public key.
    pub issuer: PublicKey,
    /// EdDSA-Poseidon over [`ReceiptBody::message`].
    pub signature: Signature,
}

impl Receipt {
    /// Checks the issuer's signature.
    pub fn verify(&self) -> Result<(), SignatureError> {
        self.issuer.verify(self.body.message(), &self.signature)
    }
}

/// The buyer's secret: its commitment goes into the receipt, and it derives the
/// nullifier. Never logged (`Debug` is redacted); files holding it are 0600.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PayerSecret(FieldElement);

impl Drop for PayerSecret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0 .0);
    }
}

impl fmt::Debug for PayerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PayerSecret(<redacted>)")
    }
}

impl PayerSecret {
    /// A uniformly random secret from the operating system's RNG.
    pub fn generate() -> Self {
        use ark_ff::UniformRand;
        PayerSecret(FieldElement(Fr::rand(&mut rand::rngs::OsRng)))
    }

    /// Wraps a known value (tests, vectors, restoring a wallet).
    pub fn from_field(value: FieldElement) -> Self {
        PayerSecret(value)
    }

    /// The secret value; handle with care.
    pub fn expose(&self) -> FieldElement {
        self.0
    }

    /// `payer_commitment = Poseidon(payer_secret)`.
    pub fn commitment(&self) -> FieldElement {
        FieldElement(poseidon(&[self.0 .0]))
    }

    /// `nullifier = Poseidon(payer_secret, payment_id)`.
    pub fn nullifier(&self, payment_id: FieldElement) -> FieldElement {
        FieldElement(poseidon(&[self.0 .0, payment_id.0]))
    }
}

/// What a seller demands (DESIGN.md §2): the values it checks outside the proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The seller's `dest`.
    pub dest: FieldElement,
    /// The price, in atomic units.
    #[serde(with = "u64_string")]
    pub min_amount: u64,
    /// Oldest accepted payment time, unix seconds.
    #[serde(with = "u64_string")]
    pub not_before: u64,
    /// The issuer the seller trusts for this proof.
    pub issuer: PublicKey,
    /// `H2F("x402-zk/ctx/v1", resource, challenge)` of this request.
    pub context: FieldElement,
}

/// Number of public inputs of circuit v1.
pub const PUBLIC_INPUTS: usize = 7;

/// Names of the public inputs, in their order (part of the versioned key format).
pub const PUBLIC_INPUT_NAMES: [&str; PUBLIC_INPUTS] = [
    "nullifier",
    "context",
    "dest",
    "min_amount",
    "not_before",
    "issuer_ax",
    "issuer_ay",
];

/// The public inputs of a receipt proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// `Poseidon(payer_secret, payment_id)`: spent once.
    pub nullifier: FieldElement,
    /// The request this proof is bound to.
    pub context: FieldElement,
    /// Chain, token and recipient.
    pub dest: FieldElement,
    /// The price.
    #[serde(with = "u64_string")]
    pub min_amount: u64,
    /// Oldest accepted payment time.
    #[serde(with = "u64_string")]
    pub not_before: u64,
    /// The issuer's key.
    pub issuer: PublicKey,
}

/// Why public inputs do not form a statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// Not exactly [`PUBLIC_INPUTS`] values.
    #[error("expected {PUBLIC_INPUTS} public inputs, got {0}")]
    Count(usize),
    /// One value is malformed.
    #[error("public input {index} ({name}): {source}")]
    Input {
        /// Position.
        index: usize,
        /// Name in [`PUBLIC_INPUT_NAMES`].
        name: &'static str,
        /// What is wrong.
        #[source]
        source: ParseError,
    },
    /// The issuer coordinates are not a valid key.
    #[error("public inputs issuer_ax/issuer_ay: {0}")]
    Issuer(#[from] SignatureError),
}

impl Statement {
    /// The public inputs in circuit order.
    pub fn public_inputs(&self) -> [FieldElement; PUBLIC_INPUTS] {
        [
            self.nullifier,
            self.context,
            self.dest,
            self.min_amount.into(),
            self.not_before.into(),
            self.issuer.x(),
            self.issuer.y(),
        ]
    }

    /// Parses decimal public signals (snarkjs `public.json`).
    pub fn from_decimal_signals<S: AsRef<str>>(signals: &[S]) -> Result<Self, StatementError> {
        if signals.len() != PUBLIC_INPUTS {
            return Err(StatementError::Count(signals.len()));
        }
        let mut values = [FieldElement::ZERO; PUBLIC_INPUTS];
        for (i, s) in signals.iter().enumerate() {
            values[i] = s.as_ref().parse().map_err(|source| StatementError::Input {
                index: i,
                name: PUBLIC_INPUT_NAMES[i],
                source,
            })?;
        }
        Self::from_public_inputs(&values)
    }

    /// Builds a statement from field elements, checking the u64 inputs and the key.
    pub fn from_public_inputs(values: &[FieldElement]) -> Result<Self, StatementError> {
        if values.len() != PUBLIC_INPUTS {
            return Err(StatementError::Count(values.len()));
        }
        let u64_at = |i: usize| {
            u64::try_from(values[i].to_biguint()).map_err(|_| StatementError::Input {
                index: i,
                name: PUBLIC_INPUT_NAMES[i],
                source: ParseError::NotU64,
            })
        };
        Ok(Statement {
            nullifier: values[0],
            context: values[1],
            dest: values[2],
            min_amount: u64_at(3)?,
            not_before: u64_at(4)?,
            issuer: PublicKey::from_coordinates(values[5], values[6])?,
        })
    }

    /// Whether this statement answers `policy` (everything but the nullifier).
    pub fn satisfies(&self, policy: &Policy) -> Result<(), PolicyMismatch> {
        let checks = [
            (self.dest == policy.dest, "dest"),
            (self.min_amount == policy.min_amount, "min_amount"),
            (self.not_before == policy.not_before, "not_before"),
            (self.issuer == policy.issuer, "issuer"),
            (self.context == policy.context, "context"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            Some((_, field)) => Err(PolicyMismatch(field)),
            None => Ok(()),
        }
    }
}

/// A statement whose public values differ from the seller's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the proof's {0} differs from the seller's policy")]
pub struct PolicyMismatch(pub &'static str);

/// Why a receipt cannot prove a policy (checked before proving, and again by the
/// circuit's constraints).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The receipt's signature does not verify.
    #[error("receipt signature: {0}")]
    Signature(#[from] SignatureError),
    /// Signed by another issuer than the policy trusts.
    #[error("receipt was signed by another issuer than the policy names")]
    WrongIssuer,
    /// Paid to another destination.
    #[error("receipt pays another dest (chain, token or recipient) than the policy")]
    WrongDest,
    /// Too little paid.
    #[error("receipt amount {amount} is below the price {min_amount}")]
    AmountTooLow {
        /// Paid.
        amount: u64,
        /// Demanded.
        min_amount: u64,
    },
    /// Too old.
    #[error("receipt was paid at {paid_at}, before the policy's not_before {not_before}")]
    TooOld {
        /// Paid at.
        paid_at: u64,
        /// Oldest accepted.
        not_before: u64,
    },
    /// The secret does not open the receipt's commitment.
    #[error("payer secret does not match the receipt's payer_commitment")]
    WrongSecret,
}

/// The private witness: a receipt and the buyer's secret.
#[derive(Clone, Debug)]
pub struct Witness {
    /// The signed receipt.
    pub receipt: Receipt,
    /// The buyer's secret.
    pub payer_secret: PayerSecret,
}

impl Witness {
    /// Checks the receipt against `policy` and returns the statement to prove.
    pub fn statement(&self, policy: &Policy) -> Result<Statement, WitnessError> {
        self.receipt.verify()?;
        self.statement_unverified(policy)
    }

    /// [`Witness::statement`] without the issuer's signature check, for a prover
    /// that verifies it at the same time on another core (`receipt.verify()`).
    /// A statement from this alone says nothing until that check passes.
    pub fn statement_unverified(&self, policy: &Policy) -> Result<Statement, WitnessError> {
        let body = &self.receipt.body;
        if self.receipt.issuer != policy.issuer {
            return Err(WitnessError::WrongIssuer);
        }
        if body.dest != policy.dest {
            return Err(WitnessError::WrongDest);
        }
        if body.amount < policy.min_amount {
            return Err(WitnessError::AmountTooLow {
                amount: body.amount,
                min_amount: policy.min_amount,
            });
        }
        if body.paid_at < policy.not_before {
            return Err(WitnessError::TooOld {
                paid_at: body.paid_at,
                not_before: policy.not_before,
            });
        }
        if self.payer_secret.commitment() != body.payer_commitment {
            return Err(WitnessError::WrongSecret);
        }
        Ok(Statement {
            nullifier: self.payer_secret.nullifier(body.payment_id),
            context: policy.context,
            dest: policy.dest,
            min_amount: policy.min_amount,
            not_before: policy.not_before,
            issuer: policy.issuer,
        })
    }
}
