//! Configuration and the server loop.

use crate::{app_with, readiness, IssuerState};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use x402_zk_primitives::eddsa::SecretKey;
use x402_zk_service::LimitArgs;
use x402_zk_store::Store;
use x402_zk_svm::{Keypair, Ledger, RpcLedger};

/// Which ledger payments settle on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// An embedded LiteSVM chain (in memory; for demos and tests).
    Litesvm,
    /// A Solana cluster over JSON-RPC (`--rpc-url`).
    Rpc,
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
    pub async fn state(&self, ledger: Option<Arc<dyn Ledger>>) -> Result<IssuerState, ServeError> {
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
        let store = Store::open(&self.store_url).await?;
        let public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind));
        let mut state = IssuerState::new(
            key,
            fee_payer,
            ledger,
            self.network.clone(),
            Arc::new(store),
            public_url,
        );
        state.assets = self.assets.clone();
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
        Ok(state)
    }
}

/// Serves `state` on `listener` until `shutdown` completes; then `/ready` turns
/// 503 and requests in flight finish.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: IssuerState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let ready = readiness(&state);
    x402_zk_service::serve(listener, app_with(state, ready.clone()), ready, shutdown).await;
}
