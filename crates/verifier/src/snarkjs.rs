//! snarkjs JSON shapes for points: G1 `["x", "y", "1"]`, G2
//! `[["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]` (decimal, canonical values).

use crate::encoding::*;
use ark_bn254::{Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use serde::{Deserialize, Serialize};

pub(crate) fn check_protocol(protocol: &str, curve: &str) -> Result<(), DecodeError> {
    if protocol != "groth16" {
        return Err(DecodeError::Json(format!(
            "protocol {protocol:?} is not \"groth16\""
        )));
    }
    if curve != "bn128" && curve != "bn254" {
        return Err(DecodeError::Json(format!(
            "curve {curve:?} is not \"bn128\""
        )));
    }
    Ok(())
}

/// A G1 point in snarkjs form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct G1Json(pub [String; 3]);

/// A G2 point in snarkjs form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct G2Json(pub [[String; 2]; 3]);

fn z_is_one(z: &str, what: &'static str) -> Result<(), DecodeError> {
    match z {
        "1" => Ok(()),
        "0" => Err(DecodeError::Infinity(what)),
        _ => Err(DecodeError::Json(format!(
            "{what}: only affine points (z = 1) are accepted"
        ))),
    }
}

impl G1Json {
    pub(crate) fn from_point(p: &G1Affine) -> Self {
        let (x, y) = p.xy().expect("validated points are finite");
        G1Json([fq_to_decimal(&x), fq_to_decimal(&y), "1".into()])
    }

    pub(crate) fn to_point(&self, what: &'static str) -> Result<G1Affine, DecodeError> {
        z_is_one(&self.0[2], what)?;
        check_g1(
            fq_from_decimal(&self.0[0], what)?,
            fq_from_decimal(&self.0[1], what)?,
            what,
        )
    }
}

impl G2Json {
    pub(crate) fn from_point(p: &G2Affine) -> Self {
        let (x, y) = p.xy().expect("validated points are finite");
        let pair = |f: Fq2| [fq_to_decimal(&f.c0), fq_to_decimal(&f.c1)];
        G2Json([pair(x), pair(y), ["1".into(), "0".into()]])
    }

    pub(crate) fn to_point(&self, what: &'static str) -> Result<G2Affine, DecodeError> {
        if self.0[2][1] != "0" {
            return Err(DecodeError::Json(format!(
                "{what}: only affine points (z = 1) are accepted"
            )));
        }
        z_is_one(&self.0[2][0], what)?;
        let fq2 = |c: &[String; 2]| -> Result<Fq2, DecodeError> {
            Ok(Fq2::new(
                fq_from_decimal(&c[0], what)?,
                fq_from_decimal(&c[1], what)?,
            ))
        };
        check_g2(fq2(&self.0[0])?, fq2(&self.0[1])?, what)
    }
}

pub(crate) fn fq12_json(f: &ark_bn254::Fq12) -> Vec<Vec<[String; 2]>> {
    let fq6 = |c: &ark_bn254::Fq6| {
        [c.c0, c.c1, c.c2]
            .iter()
            .map(|x| [fq_to_decimal(&x.c0), fq_to_decimal(&x.c1)])
            .collect::<Vec<_>>()
    };
    vec![fq6(&f.c0), fq6(&f.c1)]
}
