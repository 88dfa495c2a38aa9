//! Configuration and the server loop.

use crate::{app, PoolOptions, ProverState};
use std::{net::SocketAddr, path::PathBuf, time::Duration};
use x402_zk_prover::ProvingKey;
use x402_zk_service::{LimitArgs, Limits};

/// Prover service configuration. Every flag can also be given as the environment
/// variable named beside it.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "X402ZK_PROVER_BIND", default_value = "127.0.0.1:4023")]
    pub bind: SocketAddr,
    /// The proving key (binary; `x402-zk setup` or a ceremony's export).
    #[arg(long, env = "X402ZK_PROVING_KEY", default_value = "keys/proving.key")]
    pub proving_key: PathBuf,
    /// Proofs computed at once [default: the number of cores].
    #[arg(long, env = "X402ZK_PROVER_WORKERS")]
    pub workers: Option<usize>,
    /// Requests that may wait for a worker; more get 503 + Retry-After.
    #[arg(long, env = "X402ZK_PROVER_QUEUE", default_value_t = 32)]
    pub queue: usize,
    /// Most proofs kept in the cache.
    #[arg(long, env = "X402ZK_PROOF_CACHE_ENTRIES", default_value_t = 10_000)]
    pub cache_entries: u64,
    /// How long a cached proof is served, seconds.
    #[arg(long, env = "X402ZK_PROOF_CACHE_TTL_SECONDS", default_value_t = 300)]
    pub cache_ttl_seconds: u64,
    /// Request limits (shared flags).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Why the prover service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The proving key file.
    #[error(
        "proving key {path}: {reason}; make one with `x402-zk setup` or export it from a ceremony"
    )]
    ProvingKey {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
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
    /// The pool and cache sizes.
    pub fn pool_options(&self) -> PoolOptions {
        let defaults = PoolOptions::default();
        PoolOptions {
            workers: self.workers.unwrap_or(defaults.workers).max(1),
            queue: self.queue,
            cache_entries: self.cache_entries,
            cache_ttl: Duration::from_secs(self.cache_ttl_seconds),
        }
    }

    /// Reads the proving key.
    pub fn proving_key(&self) -> Result<ProvingKey, ServeError> {
        let err = |reason: String| ServeError::ProvingKey {
            path: self.proving_key.clone(),
            reason,
        };
        let bytes = std::fs::read(&self.proving_key).map_err(|e| err(e.to_string()))?;
        ProvingKey::from_bytes(&bytes).map_err(|e| err(e.to_string()))
    }
}

/// Runs the prover service until `shutdown` completes, letting proofs in flight
/// finish.
pub async fn serve(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let pk = config.proving_key()?;
    let options = config.pool_options();
    let limits = config.limits.limits(Limits::default());
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    tracing::info!(addr = %config.bind, workers = options.workers, queue = options.queue, "prover service listening (preparing tables)");
    let state = ProverState::start(pk, options);
    let readiness = state.readiness();
    x402_zk_service::serve(listener, app(state, &limits), readiness, shutdown).await;
    tracing::info!("prover service stopped");
    Ok(())
}
