//! `x402-zk`: keys, receipts, proofs and verification from the command line.
//!
//! Exit codes: 0 success, 1 bad input or failure, 2 usage error, 3 a well-formed
//! proof that is false, or a ceremony (or its phase 1) that verification rejects.

mod ceremony;
mod cpu;
mod demo;
mod files;
mod loadtest;
mod payouts;
mod services;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use files::*;
use std::{path::PathBuf, process::ExitCode, time::Instant};
use x402_zk_primitives::{
    eddsa::SecretKey, FieldElement, PayerSecret, Receipt, Statement, Witness,
};
use x402_zk_prover::{prove, setup_dev, ProvingKey};
use x402_zk_verifier::{
    Proof, SnarkjsProof, SnarkjsVerifyingKey, Verifier, VerifyError, VerifyingKey,
};

#[derive(Parser)]
#[command(
    name = "x402-zk",
    version,
    about = "Private x402 payments: receipts, Groth16 proofs, verification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Issuer keys and receipt signing.
    #[command(subcommand)]
    Issuer(IssuerCmd),
    /// Buyer secrets.
    #[command(subcommand)]
    Payer(PayerCmd),
    /// Make proving and verifying keys (development only; production keys come from a ceremony).
    Setup {
        /// Single-party keys: whoever runs this can forge proofs. Required.
        #[arg(long)]
        dev: bool,
        /// Directory for proving.key, verifying.key and verification_key.json.
        #[arg(long, default_value = "keys")]
        out_dir: PathBuf,
    },
    /// Prove that a receipt meets a seller's policy (locally: the secret never leaves this machine).
    Prove {
        #[arg(long, default_value = "keys/proving.key")]
        pk: PathBuf,
        /// Signed receipt JSON.
        #[arg(long)]
        receipt: PathBuf,
        /// File holding the payer secret (decimal).
        #[arg(long)]
        secret: PathBuf,
        /// Policy JSON (network, asset, payTo, minAmount, notBefore, issuer, resource, challenge).
        #[arg(long)]
        policy: PathBuf,
        #[arg(long, default_value = "proof.json")]
        out: PathBuf,
    },
    /// Verify a proof (our proof.json, or snarkjs files with --snarkjs).
    Verify {
        /// verifying.key (binary), or verification_key.json with --snarkjs.
        #[arg(long, default_value = "keys/verifying.key")]
        vk: PathBuf,
        /// proof.json (ours, or snarkjs' with --snarkjs).
        #[arg(long, default_value = "proof.json")]
        proof: PathBuf,
        /// Also check the statement against this policy JSON (dest, price, time, issuer, context).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Read snarkjs verification_key.json, proof.json and public.json.
        #[arg(long, requires = "public")]
        snarkjs: bool,
        /// snarkjs public.json (with --snarkjs).
        #[arg(long)]
        public: Option<PathBuf>,
    },
    /// Multi-party trusted setup for production keys: init, contribute, beacon, verify, export.
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCmd),
    /// Export keys and proofs to other tools.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Run a service (logs to stderr; RUST_LOG sets the level, default info;
    /// X402ZK_LOG_FORMAT=json writes one JSON object per line).
    #[command(subcommand)]
    Serve(ServeCmd),
    /// GETs a URL, paying privately on 402 from a local wallet (buying a receipt
    /// from the seller's issuer if needed).
    Fetch(services::FetchArgs),
    /// Drives the prover service, the facilitator or the whole paid flow with
    /// concurrent clients on loopback; prints throughput, latency percentiles
    /// and errors by class (--stress: ramps to the breaking point).
    Loadtest(loadtest::LoadtestArgs),
    /// A pooled issuer's accounting: what is owed per seller, payout history,
    /// and a payout run.
    #[command(subcommand)]
    Payouts(payouts::PayoutsCmd),
    /// Runs the whole system on loopback (chain, issuer, facilitator, seller) and
    /// a buyer that pays privately, printing what each party and a chain observer
    /// saw, and step timings.
    Demo {
        /// Paid requests to make.
        #[arg(long, default_value_t = 5)]
        payments: usize,
        /// Where buyers' payments go: pooled (the issuer's pool, then one payout
        /// to the seller) or direct (to the seller).
        #[arg(long, value_enum, default_value = "pooled")]
        settlement: x402_zk_issuer::SettlementMode,
        /// Where the dev proving key is kept between runs (created if missing).
        #[arg(long, default_value = "target/x402-zk-demo-keys")]
        keys: PathBuf,
    },
}

#[derive(Subcommand)]
enum ServeCmd {
    /// The receipt issuer (`POST /v1/receipts`, paid with x402 `exact` on Solana).
    Issuer(Box<services::IssuerArgs>),
    /// A reference seller with one paid route, verifying through a facilitator.
    Seller(Box<services::SellerArgs>),
    /// The x402 facilitator for scheme zk-receipt (/verify, /settle, /supported, /health).
    Facilitator(x402_zk_facilitator::Config),
    /// The prover service (POST /v1/proofs). It sees buyers' witnesses: run it for
    /// yourself, or prove locally with `prove`.
    Prover(x402_zk_prover_service::Config),
}

#[derive(Subcommand)]
enum IssuerCmd {
    /// Generate an issuer key (hex, file mode 0600) and print its public key.
    Keygen {
        #[arg(long, default_value = "issuer.key")]
        out: PathBuf,
        /// Overwrite an existing key file.
        #[arg(long)]
        force: bool,
    },
    /// Print the public key of an issuer key file.
    Public {
        #[arg(long, default_value = "issuer.key")]
        key: PathBuf,
    },
    /// Sign a receipt for a settled payment JSON.
    Sign {
        #[arg(long, default_value = "issuer.key")]
        key: PathBuf,
        /// Payment JSON (network, asset, payTo, amount, paidAt, transaction, payerCommitment).
        #[arg(long)]
        payment: PathBuf,
        #[arg(long, default_value = "receipt.json")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum PayerCmd {
    /// Generate a payer secret (file mode 0600) and print its commitment for the issuer.
    Secret {
        #[arg(long, default_value = "payer.secret")]
        out: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum ExportCmd {
    /// Write snarkjs verification_key.json (and proof.json, public.json for a proof).
    Snarkjs {
        #[arg(long, default_value = "keys/verifying.key")]
        vk: PathBuf,
        /// Our proof.json to export too.
        #[arg(long)]
        proof: Option<PathBuf>,
        #[arg(long, default_value = "snarkjs")]
        out_dir: PathBuf,
    },
    /// Write the Solana program's `vk.rs` for a key (then rebuild the program:
    /// `cargo build-sbf` or scripts/build-sbf.sh).
    SolanaVk {
        #[arg(long, default_value = "keys/verifying.key")]
        vk: PathBuf,
        /// Usually crates/solana-program/src/vk.rs.
        #[arg(long, default_value = "vk.rs")]
        out: PathBuf,
    },
    /// Write the Solidity verifier for a key: general (`X402ZkVerifier`: verify,
    /// batch, verify-and-spend) or, with --policy, bound to one seller's dest,
    /// price and issuer (`X402ZkPolicyVerifier`, three inputs, about 11% less gas).
    Solidity {
        #[arg(long, default_value = "keys/verifying.key")]
        vk: PathBuf,
        /// Policy JSON as for `prove` (network, asset, payTo, minAmount, issuer;
        /// notBefore, resource and challenge are not used).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// With --policy: the oldest accepted not_before, in seconds before the block time.
        #[arg(long, default_value_t = 600, requires = "policy")]
        max_age: u64,
        #[arg(long, default_value = "X402ZkVerifier.sol")]
        out: PathBuf,
    },
}

/// A well-formed proof that does not verify: exit code 3.
#[derive(Debug)]
struct FalseProof;

impl std::fmt::Display for FalseProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("proof rejected: it does not verify for this statement and key")
    }
}
impl std::error::Error for FalseProof {}

fn main() -> ExitCode {
    if let Some(missing) = cpu::missing_features() {
        eprintln!(
            "error: this build of x402-zk uses CPU features this machine lacks ({missing}); \
             rebuild it without them: RUSTFLAGS= cargo build --release -p x402-zk-cli"
        );
        return ExitCode::from(1);
    }
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<FalseProof>() || e.is::<ceremony::Rejected>() => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Issuer(IssuerCmd::Keygen { out, force }) => {
            let sk = SecretKey::generate();
            write_file(&out, format!("{}\n", sk.to_hex()).as_bytes(), true, force)?;
            println!("{}", serde_json::to_string_pretty(&sk.public_key())?);
            eprintln!("wrote issuer key {} (mode 0600)", out.display());
        }
        Command::Issuer(IssuerCmd::Public { key }) => {
            let sk = load_issuer_key(&key)?;
            println!("{}", serde_json::to_string_pretty(&sk.public_key())?);
        }
        Command::Issuer(IssuerCmd::Sign { key, payment, out }) => {
            let sk = load_issuer_key(&key)?;
            let payment: PaymentFile = read_json(&payment, "payment")?;
            let receipt = payment.receipt_body().sign(&sk);
            write_json(&out, &receipt)?;
            eprintln!("wrote receipt {}", out.display());
        }
        Command::Payer(PayerCmd::Secret { out, force }) => {
            let secret = PayerSecret::generate();
            write_file(
                &out,
                format!("{}\n", secret.expose()).as_bytes(),
                true,
                force,
            )?;
            println!(
                "{}",
                serde_json::json!({ "payerCommitment": secret.commitment() })
            );
            eprintln!("wrote payer secret {} (mode 0600)", out.display());
        }
        Command::Setup { dev, out_dir } => setup(dev, &out_dir)?,
        Command::Ceremony(cmd) => ceremony::run(cmd)?,
        Command::Demo {
            payments,
            settlement,
            keys,
        } => {
            if std::env::var_os("RUST_LOG").is_some() {
                init_tracing();
            }
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(demo::run(payments, settlement, &keys))?;
        }
        Command::Payouts(cmd) => {
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(payouts::run(cmd))?;
        }
        Command::Serve(ServeCmd::Issuer(args)) => {
            init_tracing();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(services::serve_issuer(*args))?;
        }
        Command::Serve(ServeCmd::Seller(args)) => {
            init_tracing();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(services::serve_seller(*args))?;
        }
        Command::Loadtest(args) => {
            if std::env::var_os("RUST_LOG").is_some() {
                init_tracing();
            }
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(loadtest::run(args))?;
        }
        Command::Fetch(args) => {
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(services::fetch(args))?;
        }
        Command::Serve(ServeCmd::Facilitator(config)) => {
            init_tracing();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(x402_zk_facilitator::serve(config))?;
        }
        Command::Serve(ServeCmd::Prover(config)) => {
            init_tracing();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(x402_zk_prover_service::serve(
                config,
                x402_zk_service::shutdown_signal(),
            ))?;
        }
        Command::Prove {
            pk,
            receipt,
            secret,
            policy,
            out,
        } => {
            let t = Instant::now();
            let pk = ProvingKey::from_bytes(&read_bytes(&pk, "proving key")?)
                .with_context(|| format!("loading proving key {}", pk.display()))?;
            let load_ms = ms(t);
            let receipt: Receipt = read_json(&receipt, "receipt")?;
            let secret: FieldElement = read_secret(&secret, "payer secret")?
                .parse()
                .with_context(|| format!("payer secret in {}", secret.display()))?;
            let policy = read_json::<PolicyFile>(&policy, "policy")?.policy();
            let witness = Witness {
                receipt,
                payer_secret: PayerSecret::from_field(secret),
            };
            let t = Instant::now();
            let (statement, proof) = prove(&pk, &witness, &policy, &mut rand::rngs::OsRng)?;
            let prove_ms = ms(t);
            let file = ProofFile {
                version: 1,
                proof: hex::encode(proof.to_bytes()),
                statement,
            };
            write_json(&out, &file)?;
            eprintln!(
                "wrote proof {} (key load {load_ms:.1} ms, prove {prove_ms:.1} ms)",
                out.display()
            );
        }
        Command::Verify {
            vk,
            proof,
            policy,
            snarkjs,
            public,
        } => {
            let (verifier, statement, proof) = if snarkjs {
                let vk: SnarkjsVerifyingKey = read_json(&vk, "snarkjs verification key")?;
                let vk = VerifyingKey::from_snarkjs(&vk).context("verification key")?;
                let p: SnarkjsProof = read_json(&proof, "snarkjs proof")?;
                let proof = Proof::from_snarkjs(&p).context("proof")?;
                let signals: Vec<String> =
                    read_json(&public.expect("clap requires --public"), "public signals")?;
                let statement =
                    Statement::from_decimal_signals(&signals).context("public signals")?;
                (Verifier::new(&vk), statement, proof)
            } else {
                let vk = VerifyingKey::from_bytes(&read_bytes(&vk, "verifying key")?)
                    .with_context(|| format!("verifying key {}", vk.display()))?;
                let file: ProofFile = read_json(&proof, "proof")?;
                if file.version != 1 {
                    bail!("proof file version {} is not supported", file.version);
                }
                let bytes = hex::decode(&file.proof).context("proof: not hexadecimal")?;
                let proof = Proof::from_bytes(&bytes).context("proof")?;
                (Verifier::new(&vk), file.statement, proof)
            };
            let t = Instant::now();
            match verifier.verify(&statement, &proof) {
                Ok(()) => {}
                Err(VerifyError::InvalidProof) => return Err(FalseProof.into()),
                Err(e) => return Err(e.into()),
            }
            let verify_ms = ms(t);
            match policy {
                Some(policy) => {
                    let policy = read_json::<PolicyFile>(&policy, "policy")?.policy();
                    statement.satisfies(&policy)?;
                }
                None => eprintln!(
                    "note: no --policy given; the proof is valid for its own statement, whose issuer, \
                     price and destination a seller must still check"
                ),
            }
            println!(
                "proof valid: nullifier {} ({verify_ms:.2} ms)",
                statement.nullifier
            );
        }
        Command::Export(ExportCmd::Snarkjs { vk, proof, out_dir }) => {
            let vk = VerifyingKey::from_bytes(&read_bytes(&vk, "verifying key")?)
                .with_context(|| format!("verifying key {}", vk.display()))?;
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
            write_json(&out_dir.join("verification_key.json"), &vk.to_snarkjs())?;
            if let Some(proof) = proof {
                let file: ProofFile = read_json(&proof, "proof")?;
                let bytes = hex::decode(&file.proof).context("proof: not hexadecimal")?;
                let proof = Proof::from_bytes(&bytes).context("proof")?;
                write_json(&out_dir.join("proof.json"), &proof.to_snarkjs())?;
                let signals: Vec<String> = file
                    .statement
                    .public_inputs()
                    .iter()
                    .map(|f| f.to_string())
                    .collect();
                write_json(&out_dir.join("public.json"), &signals)?;
            }
            eprintln!("wrote snarkjs files to {}", out_dir.display());
        }
        Command::Export(ExportCmd::SolanaVk { vk, out }) => {
            let vk = VerifyingKey::from_bytes(&read_bytes(&vk, "verifying key")?)
                .with_context(|| format!("verifying key {}", vk.display()))?;
            write_file(&out, solana_vk_source(&vk)?.as_bytes(), false, true)?;
            eprintln!(
                "wrote {} (vkHash {}); rebuild the program to use it",
                out.display(),
                vk.hash_hex()
            );
        }
        Command::Export(ExportCmd::Solidity {
            vk,
            policy,
            max_age,
            out,
        }) => {
            let vk = VerifyingKey::from_bytes(&read_bytes(&vk, "verifying key")?)
                .with_context(|| format!("verifying key {}", vk.display()))?;
            let source = match policy {
                None => x402_zk_evm::render_verifier(&vk),
                Some(path) => {
                    let p = read_json::<PolicyFile>(&path, "policy")?.policy();
                    x402_zk_evm::render_policy_verifier(
                        &vk,
                        &x402_zk_evm::Policy {
                            dest: p.dest,
                            min_amount: p.min_amount,
                            issuer_ax: p.issuer.x(),
                            issuer_ay: p.issuer.y(),
                            max_age_seconds: max_age,
                        },
                    )
                }
            };
            write_file(&out, source.as_bytes(), false, true)?;
            eprintln!("wrote {} (vkHash {})", out.display(), vk.hash_hex());
        }
    }
    Ok(())
}

/// The Solana program's `vk.rs` for `vk`.
fn solana_vk_source(vk: &VerifyingKey) -> Result<String> {
    let k = vk.to_eip197();
    Ok(x402_zk_solana_program::codegen::render_vk(
        &x402_zk_solana_program::codegen::VkParts {
            alpha: &k.alpha,
            beta: &k.beta,
            gamma: &k.gamma,
            delta: &k.delta,
            ic: &k.ic,
            vk_hash: k.vk_hash,
        },
    )?)
}

fn setup(dev: bool, out_dir: &std::path::Path) -> Result<()> {
    if !dev {
        bail!("only development keys can be made here: pass --dev (production keys come from a multi-party ceremony)");
    }
    eprintln!("WARNING: single-party development keys. Whoever ran this can forge proofs: NOT FOR PRODUCTION.");
    let t = Instant::now();
    let (pk, vk) = setup_dev(&mut rand::rngs::OsRng)?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    write_file(&out_dir.join("proving.key"), &pk.to_bytes(), false, true)?;
    write_file(&out_dir.join("verifying.key"), &vk.to_bytes(), false, true)?;
    write_json(&out_dir.join("verification_key.json"), &vk.to_snarkjs())?;
    eprintln!(
        "wrote keys to {} in {:.1} ms; vkHash {}",
        out_dir.display(),
        ms(t),
        vk.hash_hex()
    );
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("X402ZK_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        use std::io::IsTerminal;
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

fn load_issuer_key(path: &std::path::Path) -> Result<SecretKey> {
    SecretKey::from_hex(&read_secret(path, "issuer key")?)
        .with_context(|| format!("issuer key {} must hold 64 hex characters", path.display()))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}
