//! Proving keys on disk: `"x402zkPK" ‖ version ‖ SHA-256(body) ‖ body`, the body
//! being arkworks' uncompressed serialization (fast to load). The hash catches
//! corruption and truncation; the shape is checked against the circuit.

use crate::{Domain, ProveError};
use ark_bn254::Bn254;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use x402_zk_circuit::ReceiptCircuit;
use x402_zk_verifier::{DecodeError, VerifyingKey};

/// Magic bytes opening a proving-key file.
pub const PK_MAGIC: &[u8; 8] = b"x402zkPK";
/// Current proving-key format version.
pub const PK_FORMAT_V1: u8 = 1;

/// A Groth16 proving key for the receipt circuit, shape-checked.
#[derive(Clone, Debug)]
pub struct ProvingKey(pub(crate) ark_groth16::ProvingKey<Bn254>);

/// (instance variables incl. the constant 1, witness variables, constraints)
/// of the circuit.
fn circuit_shape() -> (usize, usize, usize) {
    static SHAPE: OnceLock<(usize, usize, usize)> = OnceLock::new();
    *SHAPE.get_or_init(|| {
        let cs = ConstraintSystem::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        ReceiptCircuit::blank()
            .generate_constraints(cs.clone())
            .expect("blank circuit synthesizes");
        (
            cs.num_instance_variables(),
            cs.num_witness_variables(),
            cs.num_constraints(),
        )
    })
}

/// The QAP's rows: the circuit's constraints, then a copy of each instance
/// variable (which binds the public inputs).
pub(crate) fn circuit_rows_and_inputs() -> usize {
    let (inputs, _, constraints) = circuit_shape();
    constraints + inputs
}

impl ProvingKey {
    /// Wraps an arkworks key after checking it has the circuit's shape.
    pub fn from_ark(pk: ark_groth16::ProvingKey<Bn254>) -> Result<Self, ProveError> {
        let (inputs, witnesses, _) = circuit_shape();
        let ok = pk.a_query.len() == inputs + witnesses
            && pk.b_g2_query.len() == inputs + witnesses
            && pk.l_query.len() == witnesses
            && pk.vk.gamma_abc_g1.len() == inputs
            && Domain::of_h_query_len(pk.h_query.len()).is_some();
        if !ok {
            return Err(ProveError::KeyMismatch);
        }
        Ok(ProvingKey(pk))
    }

    /// The evaluation domain the key was made for.
    pub fn domain(&self) -> Domain {
        Domain::of_h_query_len(self.0.h_query.len()).expect("checked by from_ark")
    }

    /// The arkworks key.
    pub fn as_ark(&self) -> &ark_groth16::ProvingKey<Bn254> {
        &self.0
    }

    /// The verifying key contained in the proving key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, DecodeError> {
        VerifyingKey::from_ark(&self.0.vk)
    }

    /// The file form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.0.uncompressed_size());
        self.0
            .serialize_uncompressed(&mut body)
            .expect("writing to a Vec cannot fail");
        let mut out = Vec::with_capacity(8 + 1 + 32 + body.len());
        out.extend_from_slice(PK_MAGIC);
        out.push(PK_FORMAT_V1);
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        out
    }

    /// Parses the file form, checking magic, version, hash and shape.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProveError> {
        if bytes.len() < 41 {
            return Err(DecodeError::Length {
                what: "proving key",
                expected: 41,
                got: bytes.len(),
            }
            .into());
        }
        if &bytes[..8] != PK_MAGIC {
            return Err(DecodeError::BadMagic("proving key").into());
        }
        if bytes[8] != PK_FORMAT_V1 {
            return Err(DecodeError::UnsupportedVersion {
                what: "proving key",
                version: bytes[8],
            }
            .into());
        }
        let body = &bytes[41..];
        if Sha256::digest(body).as_slice() != &bytes[9..41] {
            return Err(DecodeError::HashMismatch("proving key").into());
        }
        // The hash vouches for the content we wrote, so the (slow) point validation
        // is skipped; a tampered key can only yield proofs that fail to verify. The
        // hash has no key, though: the layout is checked first, so a hostile file
        // cannot make arkworks reserve memory for a length it declares.
        check_uncompressed_layout(body)?;
        let pk = ark_groth16::ProvingKey::deserialize_uncompressed_unchecked(body)
            .map_err(|e| DecodeError::Json(format!("proving key body: {e}")))?;
        Self::from_ark(pk)
    }
}

/// Walks the layout of an uncompressed arkworks Groth16 proving key over BN254
/// (vk: α, β, γ, δ, IC; β·G1, δ·G1; the A, B (G1), B (G2), H and L queries),
/// refusing any vector whose declared length exceeds the bytes left, and bytes
/// left over. arkworks reserves memory for a declared length before reading.
pub fn check_uncompressed_layout(bytes: &[u8]) -> Result<(), DecodeError> {
    const G1: usize = 64;
    const G2: usize = 128;
    let short = |expected: usize| DecodeError::Length {
        what: "proving key body (a declared length exceeds the file)",
        expected,
        got: bytes.len(),
    };
    let mut at = 0usize;
    let fixed = |n: usize, at: &mut usize| {
        *at = at
            .checked_add(n)
            .filter(|&e| e <= bytes.len())
            .ok_or(short(*at + n))?;
        Ok::<_, DecodeError>(())
    };
    let vector = |size: usize, at: &mut usize| {
        let len_bytes = bytes.get(*at..*at + 8).ok_or(short(*at + 8))?;
        let len = u64::from_le_bytes(len_bytes.try_into().expect("8 bytes"));
        *at += 8;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_mul(size))
            .and_then(|n| at.checked_add(n))
            .filter(|&e| e <= bytes.len())
            .ok_or(short(usize::MAX))?;
        *at = end;
        Ok::<_, DecodeError>(())
    };
    fixed(G1 + 3 * G2, &mut at)?;
    vector(G1, &mut at)?;
    fixed(2 * G1, &mut at)?;
    for size in [G1, G1, G2, G1, G1] {
        vector(size, &mut at)?;
    }
    if at != bytes.len() {
        return Err(DecodeError::Length {
            what: "proving key body (trailing bytes)",
            expected: at,
            got: bytes.len(),
        });
    }
    Ok(())
}
