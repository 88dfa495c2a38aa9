//! Serving with client addresses and a graceful shutdown.

use crate::Readiness;
use axum::Router;
use std::{future::Future, net::SocketAddr};

/// Serves `router` on `listener` (with the peer addresses the rate limit keys on)
/// until `shutdown` completes; then `/ready` answers 503, no new connection is
/// accepted, and in-flight requests finish before this returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    readiness: Readiness,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let drain = async move {
        shutdown.await;
        readiness.drain();
        tracing::info!("shutting down: finishing requests in flight");
    };
    if let Err(e) = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(drain)
    .await
    {
        tracing::error!(error = %e, "server error");
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
