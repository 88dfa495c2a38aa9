//! Groth16 proofs: a validated newtype with a versioned binary form and snarkjs'
//! `proof.json`.

use crate::encoding::*;
use crate::snarkjs::{G1Json, G2Json};
use ark_bn254::{Bn254, G1Affine, G2Affine};
use serde::{Deserialize, Serialize};

/// Version byte of [`Proof::to_bytes`].
pub const PROOF_FORMAT_V1: u8 = 1;
/// Length of [`Proof::to_bytes`]: the version byte and A (64), B (128), C (64).
pub const PROOF_BYTES: usize = 1 + 256;

/// A Groth16 proof `(A, B, C)` whose points are known to be valid: on the curve,
/// in the prime-order subgroups, not at infinity.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof(pub(crate) ark_groth16::Proof<Bn254>);

impl Proof {
    /// Validates the points of an arkworks proof.
    pub fn from_ark(p: ark_groth16::Proof<Bn254>) -> Result<Self, DecodeError> {
        let mut bytes = Vec::with_capacity(PROOF_BYTES);
        bytes.push(PROOF_FORMAT_V1);
        for (g1, name) in [(&p.a, "proof.A"), (&p.c, "proof.C")] {
            if g1.infinity {
                return Err(DecodeError::Infinity(name));
            }
        }
        if p.b.infinity {
            return Err(DecodeError::Infinity("proof.B"));
        }
        g1_to_bytes(&p.a, &mut bytes);
        g2_to_bytes(&p.b, &mut bytes);
        g1_to_bytes(&p.c, &mut bytes);
        Self::from_bytes(&bytes)
    }

    /// The arkworks proof.
    pub fn as_ark(&self) -> &ark_groth16::Proof<Bn254> {
        &self.0
    }

    /// `0x01 ‖ A.x ‖ A.y ‖ B.x.c1 ‖ B.x.c0 ‖ B.y.c1 ‖ B.y.c0 ‖ C.x ‖ C.y`, each
    /// coordinate 32 bytes big-endian: the EIP-197 layout behind a version byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PROOF_BYTES);
        out.push(PROOF_FORMAT_V1);
        g1_to_bytes(&self.0.a, &mut out);
        g2_to_bytes(&self.0.b, &mut out);
        g1_to_bytes(&self.0.c, &mut out);
        out
    }

    /// Parses and validates [`Proof::to_bytes`]: length and version, then each
    /// point's coordinates and curve equation (A, B, C), then B's G2 subgroup.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut proof = decode_deferring_subgroup_check(bytes)?;
        proof.b = check_g2_subgroup(proof.b, "proof.B")?;
        Ok(Proof(proof))
    }

    /// snarkjs `proof.json`.
    pub fn to_snarkjs(&self) -> SnarkjsProof {
        SnarkjsProof {
            pi_a: G1Json::from_point(&self.0.a),
            pi_b: G2Json::from_point(&self.0.b),
            pi_c: G1Json::from_point(&self.0.c),
            protocol: "groth16".into(),
            curve: "bn128".into(),
        }
    }

    /// Parses and validates snarkjs `proof.json`.
    pub fn from_snarkjs(p: &SnarkjsProof) -> Result<Self, DecodeError> {
        crate::snarkjs::check_protocol(&p.protocol, &p.curve)?;
        let a: G1Affine = p.pi_a.to_point("proof.pi_a")?;
        let b: G2Affine = p.pi_b.to_point("proof.pi_b")?;
        let c: G1Affine = p.pi_c.to_point("proof.pi_c")?;
        Ok(Proof(ark_groth16::Proof { a, b, c }))
    }
}

/// [`Proof::from_bytes`] but for the G2 subgroup check of `B`, which the caller
/// must make ([`crate::Verifier::verify_bytes`] makes it beside the pairing).
pub(crate) fn decode_deferring_subgroup_check(
    bytes: &[u8],
) -> Result<ark_groth16::Proof<Bn254>, DecodeError> {
    if bytes.len() != PROOF_BYTES {
        return Err(DecodeError::Length {
            what: "proof",
            expected: PROOF_BYTES,
            got: bytes.len(),
        });
    }
    if bytes[0] != PROOF_FORMAT_V1 {
        return Err(DecodeError::UnsupportedVersion {
            what: "proof",
            version: bytes[0],
        });
    }
    Ok(ark_groth16::Proof {
        a: g1_from_bytes(&bytes[1..65], "proof.A")?,
        b: g2_on_curve_from_bytes(&bytes[65..193], "proof.B")?,
        c: g1_from_bytes(&bytes[193..257], "proof.C")?,
    })
}

/// snarkjs' `proof.json`: projective coordinates with `z = 1`, decimal strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnarkjsProof {
    /// A.
    pub pi_a: G1Json,
    /// B, each Fq2 as `[c0, c1]`.
    pub pi_b: G2Json,
    /// C.
    pub pi_c: G1Json,
    /// `"groth16"`.
    pub protocol: String,
    /// `"bn128"`.
    pub curve: String,
}
