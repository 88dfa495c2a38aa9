//! The Groth16 check for receipt statements.

use crate::tower::Backend;
use crate::{DecodeError, Proof, VerifyingKey};
use ark_bn254::{Bn254, Fr, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::CurveGroup;
use ark_groth16::{Groth16, PreparedVerifyingKey};
use x402_zk_primitives::{Statement, StatementError};

/// Why a proof was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The proof does not decode to valid points.
    #[error("malformed proof: {0}")]
    MalformedProof(#[source] DecodeError),
    /// The verifying key does not decode to valid points.
    #[error("malformed verifying key: {0}")]
    MalformedKey(#[source] DecodeError),
    /// The public inputs are malformed (count, `≥ p`, u64 fields `≥ 2^64`, issuer key).
    #[error("malformed public inputs: {0}")]
    MalformedInputs(#[from] StatementError),
    /// The key was made for another number of public inputs.
    #[error("verifying key expects {expected} public inputs, the statement has {got}; was the key made for another circuit?")]
    KeyMismatch {
        /// Inputs the key expects.
        expected: usize,
        /// Inputs given.
        got: usize,
    },
    /// Well-formed, but the pairing check fails: the proof is false for this
    /// statement and key.
    #[error("the proof does not verify for this statement and verifying key")]
    InvalidProof,
}

impl VerifyError {
    /// Whether the input was malformed, as opposed to a well-formed false proof.
    pub fn is_malformed(&self) -> bool {
        !matches!(self, VerifyError::InvalidProof)
    }
}

/// Percentage of the lines of `−δ` evaluated on the thread that prepares `B`, so
/// that both chains end together. Measured single-threaded (minimum of 300 runs,
/// µs; IFMA's tower in session 15, the portable one in session 17): preparing `B`
/// 85 / 59, combining the inputs 66 / 70, a chain's squarings and easy part 36 /
/// 77, one pair's lines 33 / 63 (`B` is prepared by the same arkworks code on
/// both: its two figures differ by the session and the VM's speed). The chains
/// take `154 + 33x` and `168 − 33x` µs on IFMA's tower, even at `x ≈ 0.21`;
/// `199 + 63x` and `273 − 63x` on the portable one, even at `x ≈ 0.59`.
fn delta_lines_with_b_percent(backend: Backend) -> usize {
    match backend {
        Backend::Ifma(_) => 21,
        Backend::Scalar => 59,
    }
}

/// A verifying key prepared for repeated verification (`e(α, β)` and `−γ`, `−δ`
/// precomputed, and fixed-base tables for the public-input points).
#[derive(Clone, Debug)]
pub struct Verifier {
    pub(crate) pvk: PreparedVerifyingKey<Bn254>,
    inputs: std::sync::Arc<crate::inputs::InputTables>,
    /// `−β`, prepared, for batch verification.
    pub(crate) beta_neg: <Bn254 as ark_ec::pairing::Pairing>::G2Prepared,
    num_inputs: usize,
    pub(crate) backend: Backend,
}

impl Verifier {
    /// Prepares `vk`. The pairing's `Fq12` arithmetic runs on AVX-512 IFMA where the
    /// CPU has it (see [`Verifier::uses_ifma`]), on portable 64-bit code otherwise.
    pub fn new(vk: &VerifyingKey) -> Self {
        Self::with_backend(vk, Backend::detect())
    }

    /// As [`Verifier::new`], on the portable 64-bit arithmetic whatever the CPU:
    /// the same verdicts, for comparison.
    pub fn new_portable(vk: &VerifyingKey) -> Self {
        Self::with_backend(vk, Backend::Scalar)
    }

    fn with_backend(vk: &VerifyingKey, backend: Backend) -> Self {
        Verifier {
            pvk: ark_groth16::prepare_verifying_key(vk.as_ark()),
            inputs: std::sync::Arc::new(crate::inputs::InputTables::new(&vk.as_ark().gamma_abc_g1)),
            beta_neg: (-vk.as_ark().beta_g2).into(),
            num_inputs: vk.num_public_inputs(),
            backend,
        }
    }

    /// Whether this verifier's pairings run on AVX-512 IFMA.
    pub fn uses_ifma(&self) -> bool {
        matches!(self.backend, Backend::Ifma(_))
    }

    /// Verifies `proof` for `statement`.
    ///
    /// This proves the statement, not that it is the one the seller wants: callers
    /// must also check it against their policy ([`Statement::satisfies`]: dest,
    /// price, recency, a *trusted* issuer key, the request's context) and spend the
    /// nullifier once.
    pub fn verify(&self, statement: &Statement, proof: &Proof) -> Result<(), VerifyError> {
        let inputs = self.inputs_of(statement)?;
        self.pairing_check(proof.as_ark(), &inputs, None)
    }

    /// Verifies a proof in [`Proof::to_bytes`] form for `statement`: the same checks
    /// and verdicts as [`Proof::from_bytes`] then [`Verifier::verify`], faster. The
    /// G2 subgroup check of `B` runs on a second thread of the pool beside the final
    /// exponentiation (when one is idle, as on an otherwise idle two-core machine,
    /// it adds no time); a `B` outside the subgroup is reported as a malformed proof
    /// whatever the pairing says.
    pub fn verify_bytes(&self, statement: &Statement, proof: &[u8]) -> Result<(), VerifyError> {
        let proof = crate::proof::decode_deferring_subgroup_check(proof)
            .map_err(VerifyError::MalformedProof)?;
        // Before the pairing: a valid key (`VerifyingKey` holds circuit v1's seven
        // inputs) always matches a `Statement`, so this cannot hide B's defect.
        let inputs = self.inputs_of(statement)?;
        self.pairing_check(&proof, &inputs, Some(&proof.b))
    }

    fn inputs_of(&self, statement: &Statement) -> Result<Vec<Fr>, VerifyError> {
        let inputs: Vec<Fr> = statement.public_inputs().iter().map(|f| f.0).collect();
        if inputs.len() != self.num_inputs {
            return Err(VerifyError::KeyMismatch {
                expected: self.num_inputs,
                got: inputs.len(),
            });
        }
        Ok(inputs)
    }

    /// `e(A, B) · e(IC(x), −γ) · e(C, −δ) = e(α, β)`: the Miller loops as two
    /// chains on two threads ([`crate::miller`]), each ending with the easy part
    /// of the final exponentiation ([`crate::final_exp`]); then the hard part, beside
    /// which the other thread checks `unchecked_b`, when given, for membership in
    /// the G2 subgroup. One chain prepares `B` and runs its lines, the other
    /// combines the public inputs and runs the lines of `−γ`; the lines of `−δ`
    /// are shared out so that both finish at about the same time.
    fn pairing_check(
        &self,
        proof: &ark_groth16::Proof<Bn254>,
        inputs: &[Fr],
        unchecked_b: Option<&G2Affine>,
    ) -> Result<(), VerifyError> {
        use crate::final_exp::easy_part;
        use crate::miller::{lines_per_pair, Part};
        let backend = self.backend;
        let n = lines_per_pair();
        let split = n * delta_lines_with_b_percent(backend) / 100;
        let delta = &self.pvk.delta_g2_neg_pc;
        // The calling thread runs the chain with `B` and hands the other to the
        // pool: a call from outside the pool (a service's thread) then waits for
        // one worker to wake, beside its own work, not for two (`rayon::join`
        // would queue both halves and block this thread until they are done).
        let with_gamma = std::sync::OnceLock::new();
        let with_b = rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                let ic = self.inputs.combine(inputs).into_affine();
                let _ = with_gamma.set(easy_part(backend.chain(&[
                    Part {
                        p: ic,
                        q: &self.pvk.gamma_g2_neg_pc,
                        range: 0..n,
                    },
                    Part {
                        p: proof.c,
                        q: delta,
                        range: split..n,
                    },
                ])));
            });
            let b: <Bn254 as Pairing>::G2Prepared = proof.b.into();
            easy_part(backend.chain(&[
                Part {
                    p: proof.a,
                    q: &b,
                    range: 0..n,
                },
                Part {
                    p: proof.c,
                    q: delta,
                    range: 0..split,
                },
            ]))
        });
        let with_gamma = with_gamma.into_inner().flatten();
        let holds = || {
            with_b
                .zip(with_gamma)
                .is_some_and(|(b, g)| backend.hard_part(b * g) == self.pvk.alpha_g1_beta_g2)
        };
        let (holds, in_subgroup) = match unchecked_b {
            None => (holds(), None),
            Some(b) => {
                let in_subgroup = std::sync::OnceLock::new();
                let holds = rayon::in_place_scope(|scope| {
                    scope.spawn(|_| {
                        let _ = in_subgroup.set(crate::encoding::check_g2_subgroup(*b, "proof.B"));
                    });
                    holds()
                });
                (holds, in_subgroup.into_inner())
            }
        };
        if let Some(Err(e)) = in_subgroup {
            Err(VerifyError::MalformedProof(e))
        } else if holds {
            Ok(())
        } else {
            Err(VerifyError::InvalidProof)
        }
    }

    /// Verifies `proof` for decimal public signals (snarkjs `public.json` order).
    pub fn verify_signals<S: AsRef<str>>(
        &self,
        signals: &[S],
        proof: &Proof,
    ) -> Result<(), VerifyError> {
        self.verify(&Statement::from_decimal_signals(signals)?, proof)
    }
}

/// Verifies `proof` for `statement` under `vk`, without precomputation. Prefer
/// [`Verifier`] to verify many proofs under one key.
pub fn verify(vk: &VerifyingKey, statement: &Statement, proof: &Proof) -> Result<(), VerifyError> {
    let inputs: Vec<Fr> = statement.public_inputs().iter().map(|f| f.0).collect();
    let expected = vk.as_ark().gamma_abc_g1.len() - 1;
    if inputs.len() != expected {
        return Err(VerifyError::KeyMismatch {
            expected,
            got: inputs.len(),
        });
    }
    let pvk = ark_groth16::prepare_verifying_key(vk.as_ark());
    match Groth16::<Bn254>::verify_proof(&pvk, proof.as_ark(), &inputs) {
        Ok(true) => Ok(()),
        Ok(false) => Err(VerifyError::InvalidProof),
        Err(_) => Err(VerifyError::KeyMismatch {
            expected,
            got: inputs.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fq, Fq2};
    use ark_ff::{Field, One};

    const VK: &str =
        include_str!("../../../test-vectors/circomlibjs/snarkjs_verification_key.json");
    const PROOF: &str = include_str!("../../../test-vectors/circomlibjs/snarkjs_proof.json");
    const PUBLIC: &str = include_str!("../../../test-vectors/circomlibjs/snarkjs_public.json");

    /// The subgroup verdict wins over a pairing that holds: a valid proof checked
    /// beside a `B` outside the subgroup is malformed, and alone it verifies.
    #[test]
    fn subgroup_failure_wins_over_a_holding_pairing() {
        let vk = VerifyingKey::from_snarkjs(&serde_json::from_str(VK).unwrap()).unwrap();
        let verifier = Verifier::new(&vk);
        let proof = Proof::from_snarkjs(&serde_json::from_str(PROOF).unwrap()).unwrap();
        let signals: Vec<String> = serde_json::from_str(PUBLIC).unwrap();
        let statement = Statement::from_decimal_signals(&signals).unwrap();
        let inputs = verifier.inputs_of(&statement).unwrap();
        let b = <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
        let outside = (1u64..)
            .filter_map(|i| {
                let x = Fq2::new(Fq::from(i), Fq::one());
                (x * x * x + b)
                    .sqrt()
                    .map(|y| G2Affine::new_unchecked(x, y))
            })
            .find(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            .unwrap();
        assert_eq!(
            verifier.pairing_check(proof.as_ark(), &inputs, None),
            Ok(())
        );
        assert_eq!(
            verifier.pairing_check(proof.as_ark(), &inputs, Some(&outside)),
            Err(VerifyError::MalformedProof(DecodeError::NotInSubgroup(
                "proof.B"
            )))
        );
    }
}
