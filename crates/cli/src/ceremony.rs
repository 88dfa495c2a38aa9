//! `x402-zk ceremony …`: the multi-party phase-2 setup from the command line.

use crate::files::{read_bytes, write_file, write_json};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::{io::Read, path::Path, path::PathBuf, time::Instant};
use x402_zk_ceremony::{
    beacon, contribute, dev_ptau, export_keys, verify, CeremonyError, ContributionKind,
    OnchainVerifyingKey, Parameters, Phase1, BEACON_EXP_RANGE, RECEIPT_CIRCUIT_POWER,
};
use zeroize::Zeroizing;

#[derive(Subcommand)]
pub enum CeremonyCmd {
    /// Coordinator: make the initial parameters from a phase-1 .ptau file.
    Init {
        /// A prepared snarkjs powers-of-tau file of power ≥ 13 (e.g. a *_final.ptau).
        #[arg(long)]
        ptau: PathBuf,
        /// Make a local phase 1 and write it to --ptau first. Development only:
        /// this process knew its τ, so keys built on it are not trustworthy.
        #[arg(long)]
        dev_phase1: bool,
        #[arg(long, default_value = "ceremony_0000.params")]
        out: PathBuf,
    },
    /// Participant: add a secret contribution and print the hash to publish.
    Contribute {
        /// The latest parameters, from the coordinator.
        #[arg(long)]
        params: PathBuf,
        /// Where to write the new parameters (never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// A public label for your contribution.
        #[arg(long, default_value = "")]
        name: String,
        /// Extra entropy mixed with the OS generator: a file, or `-` for stdin.
        #[arg(long)]
        entropy_file: Option<PathBuf>,
    },
    /// Coordinator: the final contribution from a public random beacon.
    Beacon {
        #[arg(long)]
        params: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// The beacon value in hex (e.g. a drand round's `randomness`), fixed in advance.
        #[arg(long)]
        beacon_hex: String,
        /// log2 of the SHA-256 iterations applied to the beacon (10 to 30).
        #[arg(long, default_value_t = 20)]
        iterations_exp: u8,
    },
    /// Anyone: check the whole transcript against the .ptau and the circuit compiled now.
    Verify {
        #[arg(long)]
        ptau: PathBuf,
        #[arg(long)]
        params: PathBuf,
    },
    /// Verify, then write the keys (proving.key, verifying.key,
    /// verification_key.json, verifying_key.onchain.json).
    Export {
        #[arg(long)]
        ptau: PathBuf,
        #[arg(long)]
        params: PathBuf,
        #[arg(long, default_value = "keys")]
        out_dir: PathBuf,
    },
}

/// A transcript or phase 1 that verification refused: exit code 3.
#[derive(Debug)]
pub struct Rejected(pub CeremonyError);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ceremony rejected: {}", self.0)
    }
}
impl std::error::Error for Rejected {}

/// Verification failures are refusals; everything else is bad input.
fn refusal(e: CeremonyError) -> anyhow::Error {
    use CeremonyError::*;
    match e {
        Phase1Inconsistent(_)
        | Phase1Mismatch
        | CircuitMismatch(_)
        | BadContribution { .. }
        | FinalMismatch(_) => Rejected(e).into(),
        other => other.into(),
    }
}

pub fn run(cmd: CeremonyCmd) -> Result<()> {
    let mut rng = rand::rngs::OsRng;
    match cmd {
        CeremonyCmd::Init {
            ptau,
            dev_phase1,
            out,
        } => {
            if dev_phase1 {
                eprintln!(
                    "WARNING: local development phase 1. This process knew τ: keys built on it \
                     are NOT FOR PRODUCTION."
                );
                let t = Instant::now();
                let bytes = dev_ptau(RECEIPT_CIRCUIT_POWER, &mut rng)?;
                write_file(&ptau, &bytes, false, false)?;
                eprintln!("wrote {} in {:.1} s", ptau.display(), secs(t));
            }
            let phase1 = load_phase1(&ptau)?;
            let t = Instant::now();
            let params = Parameters::init(&phase1)?;
            write_params(&out, &params)?;
            eprintln!(
                "wrote {} in {:.1} s; circuit hash {}",
                out.display(),
                secs(t),
                hex::encode(params.circuit_hash())
            );
        }
        CeremonyCmd::Contribute {
            params,
            out,
            name,
            entropy_file,
        } => {
            let mut current = load_params(&params)?;
            let entropy = Zeroizing::new(match entropy_file {
                None => Vec::new(),
                Some(p) if p.as_os_str() == "-" => {
                    let mut v = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut v)
                        .context("reading entropy from stdin")?;
                    v
                }
                Some(p) => read_bytes(&p, "entropy file")?,
            });
            let t = Instant::now();
            let hash = with_progress(|progress| {
                contribute(&mut current, &name, &entropy, &mut rng, progress)
            })?;
            write_params(&out, &current)?;
            eprintln!(
                "contribution #{} written to {} in {:.1} s; publish this hash:",
                current.contributions().len(),
                out.display(),
                secs(t)
            );
            println!("{}", hex::encode(hash));
        }
        CeremonyCmd::Beacon {
            params,
            out,
            beacon_hex,
            iterations_exp,
        } => {
            let value = hex::decode(beacon_hex.trim())
                .context("--beacon-hex must be hexadecimal (e.g. a drand round's randomness)")?;
            if !BEACON_EXP_RANGE.contains(&iterations_exp) {
                bail!("--iterations-exp must be in {BEACON_EXP_RANGE:?}");
            }
            let mut current = load_params(&params)?;
            let t = Instant::now();
            let hash =
                with_progress(|progress| beacon(&mut current, &value, iterations_exp, progress))?;
            write_params(&out, &current)?;
            eprintln!(
                "beacon contribution written to {} in {:.1} s; its hash:",
                out.display(),
                secs(t)
            );
            println!("{}", hex::encode(hash));
        }
        CeremonyCmd::Verify { ptau, params } => {
            let t = Instant::now();
            let phase1 = load_phase1(&ptau)?;
            let params = load_params(&params)?;
            let report = verify(&params, &phase1, &mut rng).map_err(refusal)?;
            for (i, c) in report.contributions.iter().enumerate() {
                let who = match &c.kind {
                    ContributionKind::Participant { name } => format!("participant {name:?}"),
                    ContributionKind::Beacon {
                        value,
                        iterations_exp,
                    } => format!("beacon {} (2^{iterations_exp} SHA-256)", hex::encode(value)),
                };
                println!("#{} {} {who}", i + 1, hex::encode(c.hash));
            }
            println!(
                "ceremony verified in {:.1} s: {} contributions; circuit hash {}",
                secs(t),
                report.contributions.len(),
                hex::encode(report.circuit_hash)
            );
            if !report.has_secret_contribution() {
                eprintln!(
                    "warning: no secret contribution yet: these parameters cannot be exported"
                );
            }
        }
        CeremonyCmd::Export {
            ptau,
            params,
            out_dir,
        } => {
            let phase1 = load_phase1(&ptau)?;
            let params = load_params(&params)?;
            let (pk, vk, report) = export_keys(&params, &phase1, &mut rng).map_err(refusal)?;
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
            write_file(&out_dir.join("proving.key"), &pk.to_bytes(), false, true)?;
            write_file(&out_dir.join("verifying.key"), &vk.to_bytes(), false, true)?;
            write_json(&out_dir.join("verification_key.json"), &vk.to_snarkjs())?;
            write_json(
                &out_dir.join("verifying_key.onchain.json"),
                &OnchainVerifyingKey::new(&vk),
            )?;
            eprintln!(
                "verified {} contributions; wrote keys to {}; vkHash:",
                report.contributions.len(),
                out_dir.display()
            );
            println!("{}", vk.hash_hex());
        }
    }
    Ok(())
}

fn load_phase1(path: &Path) -> Result<Phase1> {
    let bytes = read_bytes(path, ".ptau file")?;
    Phase1::from_ptau(&bytes, RECEIPT_CIRCUIT_POWER, &mut rand::rngs::OsRng)
        .map_err(refusal)
        .with_context(|| format!("phase 1 {}", path.display()))
}

fn load_params(path: &Path) -> Result<Parameters> {
    Parameters::from_bytes(&read_bytes(path, "parameters")?)
        .with_context(|| format!("parameters {}", path.display()))
}

/// Parameters are written once: an existing file is never replaced.
fn write_params(path: &Path, params: &Parameters) -> Result<()> {
    write_file(path, &params.to_bytes(), false, false)
}

/// Runs a step that rescales L and H under a progress bar (hidden when stderr
/// is not a terminal).
fn with_progress<T>(
    step: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> Result<T, CeremonyError>,
) -> Result<T, CeremonyError> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("rescaling L and H {bar:40} {pos}/{len} points")
            .expect("static template"),
    );
    let result = step(&|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    result
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}
