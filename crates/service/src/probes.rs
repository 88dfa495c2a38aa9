//! Readiness: whether a service should get traffic now.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use futures_util::future::BoxFuture;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

/// A dependency check run by `/ready` (a store ping, say): `Err` says what is down.
pub type ReadyCheck = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A check that pings a store: a failure counts in `store_errors_total{op="ping"}`
/// and reads "`what`: error".
pub fn store_ping<F, Fut, E>(what: &'static str, ping: F) -> ReadyCheck
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display,
{
    Arc::new(move || {
        let pinged = ping();
        Box::pin(async move {
            pinged.await.map_err(|e| {
                metrics::counter!("store_errors_total", "op" => "ping").increment(1);
                format!("{what}: {e}")
            })
        })
    })
}

/// Longest a readiness check may take before the service counts as not ready.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Shared readiness state: not ready while starting or draining, or while a
/// dependency check fails. Clones share the state.
#[derive(Clone)]
pub struct Readiness {
    started: Arc<AtomicBool>,
    draining: Arc<AtomicBool>,
    check: Option<ReadyCheck>,
}

impl Readiness {
    /// Ready now.
    pub fn ready() -> Self {
        let r = Self::starting();
        r.mark_started();
        r
    }

    /// Not ready until [`Readiness::mark_started`] (a prover preparing its tables).
    pub fn starting() -> Self {
        Readiness {
            started: Arc::new(AtomicBool::new(false)),
            draining: Arc::new(AtomicBool::new(false)),
            check: None,
        }
    }

    /// Also requires `check` to pass.
    pub fn with_check(mut self, check: ReadyCheck) -> Self {
        self.check = Some(check);
        self
    }

    /// Start-up is done.
    pub fn mark_started(&self) {
        self.started.store(true, Ordering::SeqCst);
    }

    /// Shutting down: stop taking new traffic (in-flight requests still finish).
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// `Ok` when traffic is welcome; otherwise why not.
    pub async fn status(&self) -> Result<(), String> {
        if self.draining.load(Ordering::SeqCst) {
            return Err("draining: shutting down".into());
        }
        if !self.started.load(Ordering::SeqCst) {
            return Err("starting".into());
        }
        match &self.check {
            None => Ok(()),
            Some(check) => match tokio::time::timeout(CHECK_TIMEOUT, check()).await {
                Ok(result) => result,
                Err(_) => Err(format!("dependency check took over {CHECK_TIMEOUT:?}")),
            },
        }
    }
}

/// `GET /ready`: 200 `ready`, or 503 with the reason.
pub(crate) async fn ready(State(r): State<Readiness>) -> Response {
    match r.status().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(why) => {
            crate::error_response(StatusCode::SERVICE_UNAVAILABLE, "not_ready", &why, Some(1))
        }
    }
}
