//! Phase-2 parameters: the proving key being built, what it was built from, and
//! the transcript of contributions, with a versioned, hash-checked file form.
//!
//! File: `"x402zkP2" ‖ version ‖ SHA-256(body) ‖ body`, body =
//! `phase-1 digest ‖ circuit hash ‖ u64 len ‖ proving key ‖ u32 count ‖ contributions`.
//! The proving key is arkworks' uncompressed form; a contribution is
//! `δ_after·G1 ‖ s·G1 ‖ s·δ'·G1 ‖ r·δ'·G2 ‖ kind`. The body hash only catches
//! accidents: `verify` is what rejects tampering.

use crate::{
    error::{malformed, CeremonyError},
    ptau::Phase1,
    qap::Columns,
};
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_groth16::ProvingKey;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use sha2::{Digest, Sha256};

/// Magic bytes opening a parameters file.
pub const PARAMS_MAGIC: &[u8; 8] = b"x402zkP2";
/// Current parameters format version.
pub const PARAMS_FORMAT_V1: u8 = 1;
const MAX_NAME: usize = 256;
const MAX_BEACON: usize = 1024;

/// Who made a contribution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContributionKind {
    /// A participant with a secret δ' (the name is theirs to choose, may be empty).
    Participant {
        /// Public label of the contributor.
        name: String,
    },
    /// The final public beacon: δ' = f(SHA-256 iterated 2^iterations_exp times over `value`).
    Beacon {
        /// The public random value (e.g. a drand round's randomness).
        value: Vec<u8>,
        /// log2 of the number of SHA-256 iterations.
        iterations_exp: u8,
    },
}

/// One entry of the transcript: the new δ and the proof that its author knows δ'.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// δ·G1 after this contribution.
    pub(crate) delta_after: G1Affine,
    /// A random point s and s·δ' — the public key of the proof of knowledge.
    pub(crate) s: G1Affine,
    pub(crate) s_delta: G1Affine,
    /// r·δ' where r = hash-to-G2(transcript so far, s, s·δ').
    pub(crate) r_delta: G2Affine,
    pub(crate) kind: ContributionKind,
}

impl Contribution {
    /// Who made it.
    pub fn kind(&self) -> &ContributionKind {
        &self.kind
    }
}

/// Phase-2 parameters for receipt circuit v1.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    pub(crate) phase1_digest: [u8; 32],
    pub(crate) circuit_hash: [u8; 32],
    pub(crate) pk: ProvingKey<Bn254>,
    pub(crate) contributions: Vec<Contribution>,
}

impl Parameters {
    /// The parameters before any contribution: the circuit compiled now,
    /// evaluated on `phase1`'s powers, with δ = 1.
    pub fn init(phase1: &Phase1) -> Result<Self, CeremonyError> {
        Self::init_with(&Columns::receipt_circuit()?, phase1)
    }

    pub(crate) fn init_with(columns: &Columns, phase1: &Phase1) -> Result<Self, CeremonyError> {
        let pk = columns.initial_key(phase1)?;
        Ok(Parameters {
            phase1_digest: phase1.digest(),
            circuit_hash: circuit_hash(&pk),
            pk,
            contributions: Vec::new(),
        })
    }

    /// The contributions so far, oldest first.
    pub fn contributions(&self) -> &[Contribution] {
        &self.contributions
    }

    /// SHA-256 of the initial parameters: identifies circuit and phase 1.
    pub fn circuit_hash(&self) -> [u8; 32] {
        self.circuit_hash
    }

    /// The running transcript hash after each contribution (the hash a
    /// contributor publishes); each one commits to everything before it.
    pub fn contribution_hashes(&self) -> Vec<[u8; 32]> {
        let mut h = self.initial_transcript();
        self.contributions
            .iter()
            .map(|c| {
                h = contribution_hash(&h, c);
                h
            })
            .collect()
    }

    /// The transcript hash before the first contribution.
    pub(crate) fn initial_transcript(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"x402zk/phase2/v1/start");
        h.update(self.phase1_digest);
        h.update(self.circuit_hash);
        h.finalize().into()
    }

    /// The transcript hash after the last contribution.
    pub(crate) fn last_transcript(&self) -> [u8; 32] {
        self.contribution_hashes()
            .last()
            .copied()
            .unwrap_or_else(|| self.initial_transcript())
    }

    /// The file form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.pk.uncompressed_size() + 1024);
        body.extend_from_slice(&self.phase1_digest);
        body.extend_from_slice(&self.circuit_hash);
        body.extend_from_slice(&(self.pk.uncompressed_size() as u64).to_le_bytes());
        self.pk
            .serialize_uncompressed(&mut body)
            .expect("Vec write");
        body.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        for c in &self.contributions {
            encode_contribution(c, &mut body);
        }
        let mut out = Vec::with_capacity(body.len() + 41);
        out.extend_from_slice(PARAMS_MAGIC);
        out.push(PARAMS_FORMAT_V1);
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        out
    }

    /// Parses the file form; every point is checked to be on the curve and in
    /// the subgroup.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CeremonyError> {
        const WHAT: &str = "parameters file";
        if bytes.len() < 41 || &bytes[..8] != PARAMS_MAGIC {
            return Err(malformed(
                WHAT,
                "it is not an x402-zk phase-2 parameters file",
            ));
        }
        if bytes[8] != PARAMS_FORMAT_V1 {
            return Err(malformed(
                WHAT,
                format!("format version {} is not supported", bytes[8]),
            ));
        }
        let body = &bytes[41..];
        if Sha256::digest(body).as_slice() != &bytes[9..41] {
            return Err(malformed(
                WHAT,
                "its checksum does not match (truncated or corrupted in transit)",
            ));
        }
        let mut r = body;
        let phase1_digest = take::<32>(&mut r)?;
        let circuit_hash = take::<32>(&mut r)?;
        let pk_len = u64::from_le_bytes(take::<8>(&mut r)?);
        let pk_len = usize::try_from(pk_len)
            .ok()
            .filter(|&l| l <= r.len())
            .ok_or_else(|| malformed(WHAT, "the proving key is truncated"))?;
        check_key_layout(&r[..pk_len])?;
        let pk = ProvingKey::<Bn254>::deserialize_uncompressed(&r[..pk_len])
            .map_err(|e| malformed(WHAT, format!("proving key: {e}")))?;
        r = &r[pk_len..];
        let count = u32::from_le_bytes(take::<4>(&mut r)?) as usize;
        let mut contributions = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            contributions.push(decode_contribution(&mut r)?);
        }
        if !r.is_empty() {
            return Err(malformed(WHAT, "trailing bytes after the transcript"));
        }
        Ok(Parameters {
            phase1_digest,
            circuit_hash,
            pk,
            contributions,
        })
    }
}

/// arkworks would otherwise reserve memory for whatever length a hostile file
/// declares before reading it: the layout is walked first.
fn check_key_layout(bytes: &[u8]) -> Result<(), CeremonyError> {
    x402_zk_prover::check_uncompressed_layout(bytes)
        .map_err(|_| malformed("parameters file", "the proving key's layout is invalid"))
}

/// SHA-256 of the initial proving key.
pub(crate) fn circuit_hash(pk: &ProvingKey<Bn254>) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(pk.uncompressed_size());
    pk.serialize_uncompressed(&mut bytes).expect("Vec write");
    let mut h = Sha256::new();
    h.update(b"x402zk/phase2/v1/initial-key");
    h.update(&bytes);
    h.finalize().into()
}

/// The challenge a contribution's proof of knowledge answers: it binds the
/// transcript so far and the contributor's public key (s, s·δ').
pub(crate) fn pok_challenge(prev: &[u8; 32], s: &G1Affine, s_delta: &G1Affine) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"x402zk/phase2/v1/pok");
    h.update(prev);
    h.update(point_bytes(s));
    h.update(point_bytes(s_delta));
    h.finalize().into()
}

/// The transcript hash after `c`.
pub(crate) fn contribution_hash(prev: &[u8; 32], c: &Contribution) -> [u8; 32] {
    let mut body = Vec::new();
    encode_contribution(c, &mut body);
    let mut h = Sha256::new();
    h.update(b"x402zk/phase2/v1/contribution");
    h.update(prev);
    h.update(&body);
    h.finalize().into()
}

fn point_bytes(p: &impl CanonicalSerialize) -> Vec<u8> {
    let mut v = Vec::new();
    p.serialize_uncompressed(&mut v).expect("Vec write");
    v
}

fn encode_contribution(c: &Contribution, out: &mut Vec<u8>) {
    out.extend(point_bytes(&c.delta_after));
    out.extend(point_bytes(&c.s));
    out.extend(point_bytes(&c.s_delta));
    out.extend(point_bytes(&c.r_delta));
    match &c.kind {
        ContributionKind::Participant { name } => {
            out.push(0);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        ContributionKind::Beacon {
            value,
            iterations_exp,
        } => {
            out.push(1);
            out.push(*iterations_exp);
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
            out.extend_from_slice(value);
        }
    }
}

fn decode_contribution(r: &mut &[u8]) -> Result<Contribution, CeremonyError> {
    const WHAT: &str = "contribution";
    let g1 = |r: &mut &[u8]| {
        G1Affine::deserialize_uncompressed(&mut *r).map_err(|e| malformed(WHAT, e.to_string()))
    };
    let delta_after = g1(r)?;
    let s = g1(r)?;
    let s_delta = g1(r)?;
    let r_delta =
        G2Affine::deserialize_uncompressed(&mut *r).map_err(|e| malformed(WHAT, e.to_string()))?;
    let kind = match take::<1>(r)?[0] {
        0 => {
            let len = u16::from_le_bytes(take::<2>(r)?) as usize;
            let name = take_slice(r, len)?;
            ContributionKind::Participant {
                name: String::from_utf8(name.to_vec())
                    .map_err(|_| malformed(WHAT, "the name is not UTF-8"))?,
            }
        }
        1 => {
            let iterations_exp = take::<1>(r)?[0];
            let len = u16::from_le_bytes(take::<2>(r)?) as usize;
            ContributionKind::Beacon {
                value: take_slice(r, len)?.to_vec(),
                iterations_exp,
            }
        }
        other => return Err(malformed(WHAT, format!("unknown kind {other}"))),
    };
    validate_kind(&kind)?;
    Ok(Contribution {
        delta_after,
        s,
        s_delta,
        r_delta,
        kind,
    })
}

/// Limits on names and beacons, so a transcript stays small and printable.
pub(crate) fn validate_kind(kind: &ContributionKind) -> Result<(), CeremonyError> {
    match kind {
        ContributionKind::Participant { name } if name.len() > MAX_NAME => Err(
            CeremonyError::InvalidArgument(format!("a name has at most {MAX_NAME} bytes")),
        ),
        ContributionKind::Beacon {
            value,
            iterations_exp,
        } => {
            if value.is_empty() || value.len() > MAX_BEACON {
                return Err(CeremonyError::InvalidArgument(format!(
                    "a beacon value has 1 to {MAX_BEACON} bytes"
                )));
            }
            if !(crate::contribute::BEACON_EXP_RANGE).contains(iterations_exp) {
                return Err(CeremonyError::InvalidArgument(format!(
                    "the beacon's iteration exponent must be in {:?}",
                    crate::contribute::BEACON_EXP_RANGE
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn take<const N: usize>(r: &mut &[u8]) -> Result<[u8; N], CeremonyError> {
    Ok(take_slice(r, N)?.try_into().expect("N bytes"))
}

fn take_slice<'a>(r: &mut &'a [u8], n: usize) -> Result<&'a [u8], CeremonyError> {
    if r.len() < n {
        return Err(malformed("parameters file", "truncated"));
    }
    let (head, tail) = r.split_at(n);
    *r = tail;
    Ok(head)
}
