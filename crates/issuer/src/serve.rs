//! Configuration and the server loop.

use crate::{app_with, readiness, IssuerState, PayoutJob, PayoutPolicy, Settlement};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use x402_zk_primitives::eddsa::SecretKey;
use x402_zk_service::LimitArgs;
use x402_zk_store::Store;
use x402_zk_svm::{Keypair, Ledger, RpcLedger, Signer};

/// Which ledger payments settle on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// An embedded LiteSVM chain (in memory; for demos and tests).
    Litesvm,
    /// A Solana cluster over JSON-RPC (`--rpc-url`).
    Rpc,
}

/// Where buyers' payments go (see [`Settlement`]).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettlementMode {
    /// To the seller's `payTo`: the chain links buyer and seller.
    Direct,
    /// To the issuer's pool; sellers are paid in aggregate by the payout job.
    Pooled,
}

/// When and how the payout job of a pooled issuer runs.
#[derive(clap::Args, Debug, Clone)]
pub struct PayoutArgs {
    /// Seconds between payout runs inside `serve issuer` (0: none; run `x402-zk
    /// payouts run` from a scheduler instead).
    #[arg(long, env = "X402ZK_PAYOUT_INTERVAL_SECONDS", default_value_t = 60)]
    pub payout_interval_seconds: u64,
    /// Pay a seller once its oldest unpaid receipt is this old, seconds. Longer
    /// periods put more receipts in each transfer: the chain then says less about
    /// when buyers paid.
    #[arg(long, env = "X402ZK_PAYOUT_PERIOD_SECONDS", default_value_t = 86_400)]
    pub payout_period_seconds: u64,
    /// …or once it is owed at least this many atomic units (0: no threshold).
    #[arg(long, env = "X402ZK_PAYOUT_THRESHOLD", default_value_t = 0)]
    pub payout_threshold: u64,
    /// Receipts per payout transfer, at most.
    #[arg(long, env = "X402ZK_PAYOUT_MAX_RECEIPTS", default_value_t = 10_000)]
    pub payout_max_receipts: u64,
}

impl PayoutArgs {
    /// The policy these flags describe.
    pub fn policy(&self) -> PayoutPolicy {
        PayoutPolicy {
            period: Duration::from_secs(self.payout_period_seconds),
            threshold: self.payout_threshold,
            max_receipts: self.payout_max_receipts.max(1),
        }
    }
}

/// Issuer configuration. Every flag can also be given as the environment variable
/// named beside it.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "X402ZK_ISSUER_BIND", default_value = "127.0.0.1:4021")]
    pub bind: SocketAddr,
    /// URL buyers reach this issuer at (defaults to `http://{bind}`).
    #[arg(long, env = "X402ZK_ISSUER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Issued-receipt store: `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "X402ZK_ISSUER_STORE_URL",
        default_value = "sqlite://data/issuer.db"
    )]
    pub store_url: String,
    /// The receipt-signing key: a 0600 file of 64 hex characters
    /// (`x402-zk issuer keygen`).
    #[arg(long, env = "X402ZK_ISSUER_KEY", default_value = "keys/issuer.key")]
    pub key: PathBuf,
    /// The Solana fee payer: a 0600 keypair file, a JSON array of 64 bytes as
    /// `solana-keygen` writes it.
    #[arg(long, env = "X402ZK_ISSUER_FEE_PAYER")]
    pub fee_payer: PathBuf,
    /// Ledger kind.
    #[arg(long, env = "X402ZK_ISSUER_LEDGER", value_enum, default_value = "rpc")]
    pub ledger: LedgerKind,
    /// Solana JSON-RPC URL for `--ledger rpc`.
    #[arg(
        long,
        env = "X402ZK_SOLANA_RPC_URL",
        hide_env_values = true,
        default_value = "https://api.devnet.solana.com"
    )]
    pub rpc_url: String,
    /// CAIP-2 network of the ledger.
    #[arg(
        long,
        env = "X402ZK_ISSUER_NETWORK",
        default_value = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    )]
    pub network: String,
    /// Mints receipts are sold for, comma-separated (default: USDC on devnet).
    #[arg(
        long,
        env = "X402ZK_ISSUER_ASSETS",
        value_delimiter = ',',
        default_value = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"
    )]
    pub assets: Vec<String>,
    /// Longest wait for a confirmation, seconds.
    #[arg(long, env = "X402ZK_CONFIRM_TIMEOUT_SECONDS", default_value_t = 60)]
    pub confirm_timeout_seconds: u64,
    /// Where buyers' payments go.
    #[arg(
        long,
        env = "X402ZK_ISSUER_SETTLEMENT",
        value_enum,
        default_value = "direct"
    )]
    pub settlement: SettlementMode,
    /// The pool for `--settlement pooled`: a 0600 Solana keypair file. Payments
    /// land in its associated token account of each sold mint (create those
    /// accounts first), and it signs the payouts.
    #[arg(long, env = "X402ZK_ISSUER_POOL_KEY")]
    pub pool_key: Option<PathBuf>,
    /// Payout job (pooled settlement only).
    #[command(flatten)]
    pub payouts: PayoutArgs,
    /// Request limits (shared flags; the issuer's timeout defaults to 90 s).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Why the issuer could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A key file.
    #[error("{what} {path}: {reason}")]
    Key {
        /// Which key.
        what: &'static str,
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The store.
    #[error("{0}")]
    Store(#[from] x402_zk_store::StoreError),
    /// Settings that contradict each other.
    #[error("{0}")]
    Config(String),
}

/// A configured issuer: its service state and, when pooled, its payout job.
pub struct Issuer {
    /// The HTTP service's state.
    pub state: IssuerState,
    /// The payout job and how often it runs (`None`: direct settlement, or
    /// `--payout-interval-seconds 0`).
    pub payouts: Option<(PayoutJob, Duration)>,
}

/// Reads a Solana keypair file (JSON array of 64 bytes).
pub fn read_keypair(path: &std::path::Path) -> Result<Keypair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .map_err(|_| "expected a JSON array of 64 bytes (solana-keygen format)".to_string())?;
    Keypair::try_from(bytes.as_slice()).map_err(|_| "not a valid ed25519 keypair".to_string())
}

impl Config {
    /// Loads keys and the store; `ledger` overrides `--ledger` (the embedded
    /// LiteSVM chain must be built by the caller, who also funds it).
    pub async fn issuer(&self, ledger: Option<Arc<dyn Ledger>>) -> Result<Issuer, ServeError> {
        let key_err = |what, path: &PathBuf, reason: String| ServeError::Key {
            what,
            path: path.clone(),
            reason,
        };
        let text = std::fs::read_to_string(&self.key)
            .map_err(|e| key_err("issuer key", &self.key, e.to_string()))?;
        let key = SecretKey::from_hex(text.trim())
            .map_err(|_| key_err("issuer key", &self.key, "expected 64 hex characters".into()))?;
        let fee_payer = read_keypair(&self.fee_payer)
            .map_err(|reason| key_err("fee payer", &self.fee_payer, reason))?;
        let ledger = ledger.unwrap_or_else(|| {
            Arc::new(RpcLedger::new(
                self.rpc_url.clone(),
                Duration::from_secs(self.confirm_timeout_seconds),
            ))
        });
        let pool = match (self.settlement, &self.pool_key) {
            (SettlementMode::Direct, _) => None,
            (SettlementMode::Pooled, None) => {
                return Err(ServeError::Config(
                    "--settlement pooled needs --pool-key (X402ZK_ISSUER_POOL_KEY)".into(),
                ))
            }
            (SettlementMode::Pooled, Some(path)) => Some(Arc::new(
                read_keypair(path).map_err(|reason| key_err("pool key", path, reason))?,
            )),
        };
        let store = Arc::new(Store::open(&self.store_url).await?);
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind));
        let mut state = IssuerState::new(
            key,
            fee_payer,
            ledger.clone(),
            self.network.clone(),
            store.clone(),
            public_url,
        );
        state.assets = self.assets.clone();
        let payouts = match pool {
            None => None,
            Some(pool) => {
                state.settlement = Settlement::Pooled {
                    pool: pool.pubkey(),
                };
                let job = PayoutJob::new(
                    store,
                    ledger,
                    state.fee_payer.clone(),
                    pool,
                    self.payouts.policy(),
                );
                let every = self.payouts.payout_interval_seconds;
                (every > 0).then(|| (job, Duration::from_secs(every)))
            }
        };
        state.limits = self.limits.limits(crate::default_limits());
        // A request cut off mid-settlement leaves a paid payment without its
        // receipt until the buyer retries: the timeout must outlast a confirmation.
        if state.limits.request_timeout <= Duration::from_secs(self.confirm_timeout_seconds + 5) {
            return Err(ServeError::Config(format!(
                "--request-timeout-seconds ({}) must exceed --confirm-timeout-seconds ({}) by more than 5 s",
                state.limits.request_timeout.as_secs(),
                self.confirm_timeout_seconds
            )));
        }
        Ok(Issuer { state, payouts })
    }
}

/// Serves `issuer` on `listener`, with its payout job beside it, until
/// `shutdown` completes; then `/ready` turns 503, requests in flight finish and
/// the payout job finishes the run it is in.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    issuer: Issuer,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let ready = readiness(&issuer.state);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let payouts = issuer.payouts.map(|(job, every)| {
        tokio::spawn(job.run_every(every, async {
            let _ = stopped.await;
        }))
    });
    let app = app_with(issuer.state, ready.clone());
    x402_zk_service::serve(listener, app, ready, shutdown).await;
    let _ = stop.send(());
    if let Some(job) = payouts {
        let _ = job.await;
    }
}
