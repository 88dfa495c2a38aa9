//! Development setup and proving.

use crate::{Domain, ProvingKey, ReceiptQap};
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_primitives::{Policy, Statement, Witness, WitnessError};
use x402_zk_verifier::{DecodeError, Proof, VerifyingKey};

/// Why no proof was produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The receipt does not satisfy the policy (checked before proving).
    #[error("cannot prove this policy with this receipt: {0}")]
    Witness(#[from] WitnessError),
    /// A key file that does not decode.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// A proving key made for another circuit.
    #[error("proving key does not match receipt circuit v1; re-run setup or fetch the right key")]
    KeyMismatch,
    /// The receipt's signature is one of the fraction below `2^−100` of valid
    /// signatures whose `S` or challenge `h` lies above the circuit's bound
    /// (`x402_zk_circuit::gadgets::eddsa::within_bounds`).
    #[error("this receipt cannot be proven: its signature's S or challenge h lies in the top 2^-101 of its range, above circuit v1's bound; ask the issuer for a new receipt (for example with paid_at a second later)")]
    OutsideCircuitBounds,
    /// The constraint system refused the assignment (a bug if the witness checks passed).
    #[error("proving failed: {0}")]
    Synthesis(String),
}

/// Whether the circuit can prove `witness`'s receipt: its signature's `S` and
/// challenge `h` are within the circuit's bounds, as every valid signature but a
/// fraction below `2^−100` is (`x402_zk_circuit::gadgets::eddsa`, constraints 3
/// and 4). The provers check it and return [`ProveError::OutsideCircuitBounds`].
pub fn within_circuit_bounds(witness: &Witness) -> bool {
    let receipt = &witness.receipt;
    let h = x402_zk_primitives::eddsa::challenge(
        &receipt.signature.r8,
        &receipt.issuer.point(),
        receipt.body.message(),
    );
    x402_zk_circuit::gadgets::eddsa::within_bounds(receipt.signature.s.0, h)
}

/// Single-party keys for development and tests, over [`Domain::MixedRadix`].
///
/// **Not for production**: whoever runs this knows the toxic waste and can forge
/// proofs. Production keys come from a multi-party ceremony.
pub fn setup_dev<R: RngCore + CryptoRng>(
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey), ProveError> {
    let (pk, _) =
        Groth16::<Bn254, ReceiptQap>::circuit_specific_setup(ReceiptCircuit::blank(), rng)
            .map_err(|e| ProveError::Synthesis(e.to_string()))?;
    let pk = ProvingKey::from_ark(pk)?;
    let vk = pk.verifying_key()?;
    Ok((pk, vk))
}

/// Proves that `witness` meets `policy`; returns the public statement and proof.
///
/// The witness is checked first (signature, issuer, dest, amount, time, secret,
/// then [`within_circuit_bounds`]), so a refused receipt gets a precise error
/// instead of an unsatisfiable circuit.
pub fn prove<R: RngCore + CryptoRng>(
    pk: &ProvingKey,
    witness: &Witness,
    policy: &Policy,
    rng: &mut R,
) -> Result<(Statement, Proof), ProveError> {
    let statement = witness.statement(policy)?;
    if !within_circuit_bounds(witness) {
        return Err(ProveError::OutsideCircuitBounds);
    }
    let circuit = ReceiptCircuit::new(&statement, witness);
    let proof = match pk.domain() {
        Domain::MixedRadix => Groth16::<Bn254, ReceiptQap>::prove(&pk.0, circuit, rng),
        Domain::PowerOfTwo => Groth16::<Bn254>::prove(&pk.0, circuit, rng),
    }
    .map_err(|e| ProveError::Synthesis(e.to_string()))?;
    Ok((statement, Proof::from_ark(proof)?))
}
