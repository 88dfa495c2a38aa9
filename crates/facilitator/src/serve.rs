//! Configuration and the server loop: tracing, graceful shutdown on SIGINT/SIGTERM.

use crate::{app_with, readiness, AppState};
use std::{net::SocketAddr, path::PathBuf, sync::Arc};
use x402_zk_primitives::eddsa::PublicKey;
use x402_zk_service::{LimitArgs, Limits};
use x402_zk_store::Store;
use x402_zk_verifier::VerifyingKey;

/// Facilitator configuration. Every flag can also be given as the environment
/// variable named beside it.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "X402ZK_FACILITATOR_BIND",
        default_value = "127.0.0.1:4020"
    )]
    pub bind: SocketAddr,
    /// Nullifier store: `sqlite://PATH` (embedded, created if missing) or
    /// `postgres://USER@HOST/DB` (shared by several instances).
    #[arg(
        long,
        env = "X402ZK_STORE_URL",
        default_value = "sqlite://data/facilitator.db"
    )]
    pub store_url: String,
    /// The verifying key (binary) proofs must verify under; its hash is the `vkHash`
    /// requirements must name.
    #[arg(long, env = "X402ZK_VK", default_value = "keys/verifying.key")]
    pub vk: PathBuf,
    /// JSON file with the trusted issuer keys: `[{"ax": "…", "ay": "…"}, …]`.
    #[arg(long, env = "X402ZK_TRUSTED_ISSUERS")]
    pub issuers: PathBuf,
    /// CAIP-2 networks served, comma-separated.
    #[arg(
        long,
        env = "X402ZK_NETWORKS",
        value_delimiter = ',',
        default_value = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"
    )]
    pub networks: Vec<String>,
    /// Tolerated clock difference with buyers, seconds.
    #[arg(long, env = "X402ZK_CLOCK_SKEW_SECONDS", default_value_t = 60)]
    pub clock_skew_seconds: u64,
    /// How long a `/verify` reservation holds if `/settle` never comes, seconds.
    #[arg(long, env = "X402ZK_RESERVATION_SECONDS", default_value_t = 300)]
    pub reservation_seconds: u64,
    /// Request limits (shared flags).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Why the facilitator could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The verifying key file.
    #[error("verifying key {path}: {reason}")]
    VerifyingKey {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The trusted issuers file.
    #[error("trusted issuers {path}: {reason}; expected a JSON list of {{\"ax\",\"ay\"}} keys")]
    Issuers {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The store.
    #[error("{0}")]
    Store(#[from] x402_zk_store::StoreError),
    /// The listening socket.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

impl Config {
    /// Loads the key, the issuers and the store.
    pub async fn state(&self) -> Result<AppState, ServeError> {
        let vk_err = |reason: String| ServeError::VerifyingKey {
            path: self.vk.clone(),
            reason,
        };
        let vk =
            VerifyingKey::from_bytes(&std::fs::read(&self.vk).map_err(|e| vk_err(e.to_string()))?)
                .map_err(|e| vk_err(e.to_string()))?;
        let issuers_err = |reason: String| ServeError::Issuers {
            path: self.issuers.clone(),
            reason,
        };
        let text =
            std::fs::read_to_string(&self.issuers).map_err(|e| issuers_err(e.to_string()))?;
        let issuers: Vec<PublicKey> =
            serde_json::from_str(&text).map_err(|e| issuers_err(e.to_string()))?;
        if issuers.is_empty() {
            return Err(issuers_err("no issuer listed".into()));
        }
        let store = Store::open(&self.store_url).await?;
        let mut state = AppState::new(vk, issuers, self.networks.clone(), Arc::new(store));
        state.clock_skew_seconds = self.clock_skew_seconds;
        state.reservation_seconds = self.reservation_seconds;
        state.limits = self.limits.limits(Limits::default());
        Ok(state)
    }
}

/// Runs the facilitator until SIGINT or SIGTERM, letting in-flight requests finish.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let state = config.state().await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    tracing::info!(addr = %config.bind, vk_hash = %state.vk.hash_hex(), store = %redact(&config.store_url), "facilitator listening");
    serve_on(listener, state, x402_zk_service::shutdown_signal()).await;
    tracing::info!("facilitator stopped");
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` completes; then `/ready` turns
/// 503 and requests in flight finish.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let ready = readiness(&state);
    x402_zk_service::serve(listener, app_with(state, ready.clone()), ready, shutdown).await;
}

/// A store URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db/x"),
            "postgres://app@db/x"
        );
        assert_eq!(super::redact("sqlite://data/f.db"), "sqlite://data/f.db");
    }
}
