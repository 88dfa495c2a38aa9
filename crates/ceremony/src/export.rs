//! Keys out of a verified ceremony, in every form the rest of the system reads.

use crate::{
    error::CeremonyError,
    params::Parameters,
    ptau::Phase1,
    verify::{verify, Report},
};
use rand::{CryptoRng, RngCore};
use serde::Serialize;
use x402_zk_prover::ProvingKey;
use x402_zk_verifier::VerifyingKey;

/// Verifies the ceremony and returns its keys, refusing parameters that no
/// secret contribution has touched (their δ is public, so anyone could forge).
pub fn export_keys<R: RngCore + CryptoRng>(
    params: &Parameters,
    phase1: &Phase1,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey, Report), CeremonyError> {
    let report = verify(params, phase1, rng)?;
    if !report.has_secret_contribution() {
        return Err(CeremonyError::NoContribution);
    }
    let pk = ProvingKey::from_ark(params.pk.clone())?;
    let vk = pk.verifying_key()?;
    Ok((pk, vk, report))
}

/// The verifying key as on-chain verifiers take it: points uncompressed and
/// big-endian in EIP-197 order (G1 `x ‖ y`; G2 `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`),
/// the encoding of the EVM precompiles 0x06–0x08 and of Solana's `alt_bn128`
/// syscalls. Hex without `0x`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnchainVerifyingKey {
    /// Always `"eip197"`.
    pub encoding: &'static str,
    /// α·G1 (64 bytes).
    pub alpha_g1: String,
    /// β·G2 (128 bytes).
    pub beta_g2: String,
    /// γ·G2.
    pub gamma_g2: String,
    /// δ·G2.
    pub delta_g2: String,
    /// IC_0 … IC_n (64 bytes each), one more than the public inputs.
    pub ic: Vec<String>,
    /// The x402 `extra.vkHash` of this key.
    pub vk_hash: String,
}

impl OnchainVerifyingKey {
    /// The key's [`VerifyingKey::to_eip197`] points, in hex.
    pub fn new(vk: &VerifyingKey) -> Self {
        let k = vk.to_eip197();
        OnchainVerifyingKey {
            encoding: "eip197",
            alpha_g1: hex::encode(k.alpha),
            beta_g2: hex::encode(k.beta),
            gamma_g2: hex::encode(k.gamma),
            delta_g2: hex::encode(k.delta),
            ic: k.ic.iter().map(hex::encode).collect(),
            vk_hash: hex::encode(k.vk_hash),
        }
    }
}
