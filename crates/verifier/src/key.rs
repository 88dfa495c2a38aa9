//! Verifying keys: a validated newtype with a versioned binary form, snarkjs'
//! `verification_key.json`, and the key hash used as x402 `extra.vkHash`.

use crate::encoding::*;
use crate::snarkjs::{fq12_json, G1Json, G2Json};
use ark_bn254::Bn254;
use ark_ec::pairing::Pairing;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x402_zk_primitives::PUBLIC_INPUTS;

/// Magic bytes opening a binary verifying key.
pub const VK_MAGIC: &[u8; 8] = b"x402zkVK";
/// Current binary format version.
pub const VK_FORMAT_V1: u8 = 1;

/// A Groth16 verifying key for BN254 whose points are all valid (on the curve, in
/// the subgroup, finite) and which has one IC point per public input plus one.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey(pub(crate) ark_groth16::VerifyingKey<Bn254>);

impl VerifyingKey {
    /// Validates an arkworks key (via its binary form).
    pub fn from_ark(vk: &ark_groth16::VerifyingKey<Bn254>) -> Result<Self, DecodeError> {
        Self::from_bytes(&encode(vk))
    }

    /// The arkworks key.
    pub fn as_ark(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.0
    }

    /// Number of public inputs this key verifies.
    pub fn num_public_inputs(&self) -> usize {
        self.0.gamma_abc_g1.len() - 1
    }

    /// `"x402zkVK" ‖ version ‖ α(G1) ‖ β(G2) ‖ γ(G2) ‖ δ(G2) ‖ u32_be(n) ‖ IC[n]`,
    /// points uncompressed big-endian in EIP-197 order.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(&self.0)
    }

    /// Parses and validates [`VerifyingKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, "verifying key");
        if r.take(8)? != VK_MAGIC {
            return Err(DecodeError::BadMagic("verifying key"));
        }
        let version = r.take(1)?[0];
        if version != VK_FORMAT_V1 {
            return Err(DecodeError::UnsupportedVersion {
                what: "verifying key",
                version,
            });
        }
        let alpha_g1 = g1_from_bytes(r.take(64)?, "vk.alpha")?;
        let beta_g2 = g2_from_bytes(r.take(128)?, "vk.beta")?;
        let gamma_g2 = g2_from_bytes(r.take(128)?, "vk.gamma")?;
        let delta_g2 = g2_from_bytes(r.take(128)?, "vk.delta")?;
        let n = u32::from_be_bytes(r.take(4)?.try_into().expect("4 bytes")) as usize;
        if n != PUBLIC_INPUTS + 1 {
            return Err(DecodeError::Json(format!(
                "verifying key has {n} IC points; circuit v1 needs {}",
                PUBLIC_INPUTS + 1
            )));
        }
        let gamma_abc_g1 = (0..n)
            .map(|_| g1_from_bytes(r.take(64)?, "vk.IC"))
            .collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(VerifyingKey(ark_groth16::VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1,
        }))
    }

    /// SHA-256 of [`VerifyingKey::to_bytes`], lower-case hex: the `vkHash` a seller
    /// publishes so buyers prove against the right key.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash())
    }

    /// SHA-256 of [`VerifyingKey::to_bytes`] (the `vkHash` as bytes).
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.to_bytes()).into()
    }

    /// The points as on-chain verifiers take them: uncompressed, big-endian,
    /// EIP-197 order (G1 `x ‖ y`; G2 `x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0`), the encoding of
    /// the EVM precompiles 0x06–0x08 and Solana's `alt_bn128` syscalls.
    pub fn to_eip197(&self) -> Eip197Key {
        fn g1(p: &ark_bn254::G1Affine) -> [u8; 64] {
            let mut out = Vec::with_capacity(64);
            g1_to_bytes(p, &mut out);
            out.try_into().expect("64 bytes")
        }
        fn g2(p: &ark_bn254::G2Affine) -> [u8; 128] {
            let mut out = Vec::with_capacity(128);
            g2_to_bytes(p, &mut out);
            out.try_into().expect("128 bytes")
        }
        let vk = &self.0;
        Eip197Key {
            alpha: g1(&vk.alpha_g1),
            beta: g2(&vk.beta_g2),
            gamma: g2(&vk.gamma_g2),
            delta: g2(&vk.delta_g2),
            ic: vk.gamma_abc_g1.iter().map(g1).collect(),
            vk_hash: self.hash(),
        }
    }

    /// snarkjs `verification_key.json`.
    pub fn to_snarkjs(&self) -> SnarkjsVerifyingKey {
        let vk = &self.0;
        let alphabeta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
        SnarkjsVerifyingKey {
            protocol: "groth16".into(),
            curve: "bn128".into(),
            n_public: self.num_public_inputs(),
            vk_alpha_1: G1Json::from_point(&vk.alpha_g1),
            vk_beta_2: G2Json::from_point(&vk.beta_g2),
            vk_gamma_2: G2Json::from_point(&vk.gamma_g2),
            vk_delta_2: G2Json::from_point(&vk.delta_g2),
            vk_alphabeta_12: Some(serde_json::to_value(fq12_json(&alphabeta)).expect("plain JSON")),
            ic: vk.gamma_abc_g1.iter().map(G1Json::from_point).collect(),
        }
    }

    /// Parses and validates snarkjs `verification_key.json`.
    pub fn from_snarkjs(j: &SnarkjsVerifyingKey) -> Result<Self, DecodeError> {
        crate::snarkjs::check_protocol(&j.protocol, &j.curve)?;
        if j.ic.len() != j.n_public + 1 {
            return Err(DecodeError::Json(format!(
                "nPublic = {} but {} IC points",
                j.n_public,
                j.ic.len()
            )));
        }
        let vk = ark_groth16::VerifyingKey {
            alpha_g1: j.vk_alpha_1.to_point("vk_alpha_1")?,
            beta_g2: j.vk_beta_2.to_point("vk_beta_2")?,
            gamma_g2: j.vk_gamma_2.to_point("vk_gamma_2")?,
            delta_g2: j.vk_delta_2.to_point("vk_delta_2")?,
            gamma_abc_g1: j
                .ic
                .iter()
                .map(|p| p.to_point("IC"))
                .collect::<Result<_, _>>()?,
        };
        Self::from_ark(&vk)
    }
}

fn encode(vk: &ark_groth16::VerifyingKey<Bn254>) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 + 64 + 3 * 128 + 4 + 64 * vk.gamma_abc_g1.len());
    out.extend_from_slice(VK_MAGIC);
    out.push(VK_FORMAT_V1);
    g1_to_bytes_or_zero(&vk.alpha_g1, &mut out);
    for p in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        g2_to_bytes_or_zero(p, &mut out);
    }
    out.extend_from_slice(&(vk.gamma_abc_g1.len() as u32).to_be_bytes());
    for p in &vk.gamma_abc_g1 {
        g1_to_bytes_or_zero(p, &mut out);
    }
    out
}

/// Infinity is written as zeros (and refused again when read back).
fn g1_to_bytes_or_zero(p: &ark_bn254::G1Affine, out: &mut Vec<u8>) {
    if p.infinity {
        out.extend_from_slice(&[0u8; 64]);
    } else {
        g1_to_bytes(p, out);
    }
}

fn g2_to_bytes_or_zero(p: &ark_bn254::G2Affine, out: &mut Vec<u8>) {
    if p.infinity {
        out.extend_from_slice(&[0u8; 128]);
    } else {
        g2_to_bytes(p, out);
    }
}

/// A verifying key in EIP-197 encoding ([`VerifyingKey::to_eip197`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eip197Key {
    /// α·G1.
    pub alpha: [u8; 64],
    /// β·G2.
    pub beta: [u8; 128],
    /// γ·G2.
    pub gamma: [u8; 128],
    /// δ·G2.
    pub delta: [u8; 128],
    /// IC₀ … ICₙ, one more than the public inputs.
    pub ic: Vec<[u8; 64]>,
    /// The key's `vkHash`.
    pub vk_hash: [u8; 32],
}

/// snarkjs' `verification_key.json` for Groth16.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnarkjsVerifyingKey {
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"`.
    pub curve: String,
    /// Number of public signals.
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// α in G1.
    pub vk_alpha_1: G1Json,
    /// β in G2.
    pub vk_beta_2: G2Json,
    /// γ in G2.
    pub vk_gamma_2: G2Json,
    /// δ in G2.
    pub vk_delta_2: G2Json,
    /// `e(α, β)`; informational, ignored on input (snarkjs ignores it too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk_alphabeta_12: Option<serde_json::Value>,
    /// `IC[0..=nPublic]`.
    #[serde(rename = "IC")]
    pub ic: Vec<G1Json>,
}
