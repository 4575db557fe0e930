//! Runs the web server until Ctrl-C or SIGTERM, finishing requests in flight.

use crate::cli::CliError;
use app::config::Config;
use app::db::Db;
use app::web::{AppState, router};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::time::Duration;

pub async fn serve(config: Config, db: Db) -> Result<(), CliError> {
    let mut leptos_options = leptos::config::get_configuration(None)
        .map_err(|e| CliError::App(format!("Leptos configuration: {e}")))?
        .leptos_options;
    leptos_options.site_addr = config.site_addr;
    // A release build hashes the bundle's names and writes the hashes to a
    // file beside the binary; the pages then link the hashed names, cached
    // for a year. The file decides, not LEPTOS_HASH_FILES: leptos panics on
    // every page when hashing is on and the file is missing.
    leptos_options.hash_files = app::web::assets::bundle_is_hashed(&leptos_options.hash_file);
    let addr = config.site_addr;
    let state = AppState::new(db.clone(), config, leptos_options)
        .map_err(|e| CliError::App(e.to_string()))?;
    // What an older version or a crash left behind: ACH files stored in
    // clear are sealed, and uploads that never finished arriving deleted.
    app::services::settlement::seal_stored_ach_files(&state.db, &state.keys)
        .await
        .map_err(|e| CliError::App(format!("sealing stored ACH files: {e}")))?;
    app::services::uploads::sweep_finished(&state.db, &state.config)
        .await
        .map_err(|e| CliError::App(format!("deleting finished uploads' files: {e}")))?;
    app::services::uploads::sweep_stale_incoming(
        &state.config,
        app::services::uploads::STALE_INCOMING,
    );
    spawn_session_sweeper(state.clone());
    app::services::notices::spawn_worker(
        state.db.clone(),
        state.mailer.clone(),
        state.texts.clone(),
        state.config.clone(),
    );
    app::services::settlement::spawn_scheduler(
        state.db.clone(),
        state.config.clone(),
        state.keys.clone(),
    );
    state.spawn_payment_recovery();
    app::services::scheduler::spawn(state.clone());
    // Metrics get their own listener (PAYDESK_METRICS_ADDR), or none at all.
    if let Some(listener) = app::web::prometheus::bind(&state.config)
        .await
        .map_err(|e| CliError::Io(e.to_string()))?
    {
        let db = state.db.clone();
        tokio::spawn(async move {
            if let Err(e) = app::web::prometheus::serve(listener, db).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!("Paydesk is serving at http://{addr}");
    // On Ctrl-C or SIGTERM, requests in flight finish, and the database's
    // connections are handed back; but not for ever: a connection whose
    // page was cut off can stay open (seen in the 1,000-CSR soak,
    // docs/benchmarks.md), a background pass can hold a transaction for
    // half a minute, and an upgrade should not wait on either. Whatever is
    // cut short is a transaction rolled back, as after kill -9.
    let (stopping, mut stop) = tokio::sync::watch::channel(false);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    let stopped = async {
        served
            .into_future()
            .await
            .map_err(|e| CliError::Io(format!("server error: {e}")))?;
        db.close().await;
        Ok::<(), CliError>(())
    };
    let grace_over = async {
        let _ = stop.wait_for(|s| *s).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        done = stopped => done?,
        _ = grace_over => {
            tracing::warn!(
                grace_seconds = SHUTDOWN_GRACE.as_secs(),
                "requests or database work still open after the grace period; stopping without them"
            );
        }
    }
    Ok(())
}

/// How long a stopping server waits for requests in flight (under the
/// systemd unit's TimeoutStopSec, so the unit stops it, not SIGKILL).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Deletes long-dead sessions and old sign-in counters now and then; expiry itself is checked on
/// every request, so this only keeps the table small.
fn spawn_session_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let cutoff = app::db::now_ms() - 2 * state.config.session_idle_ms();
            if let Err(e) = state.db.purge_idle_sessions(cutoff).await {
                tracing::warn!(error = %e, "could not purge idle sessions");
            }
            if let Err(e) = state.db.purge_payer_sessions(cutoff).await {
                tracing::warn!(error = %e, "could not purge idle payer sessions");
            }
            let old_windows = app::db::now_ms() - 2 * app::services::auth::IP_WINDOW_MS;
            if let Err(e) = state.db.purge_ip_failures(old_windows).await {
                tracing::warn!(error = %e, "could not purge sign-in counters");
            }
            // Self-service windows last at most an hour (password_reset::SUBJECT_WINDOW_MS).
            let old_limits =
                app::db::now_ms() - 2 * app::services::password_reset::SUBJECT_WINDOW_MS;
            if let Err(e) = state.db.purge_self_service_limits(old_limits).await {
                tracing::warn!(error = %e, "could not purge self-service counters");
            }
            if let Err(e) = state.db.purge_one_time_lockouts(old_limits).await {
                tracing::warn!(error = %e, "could not purge One Time Payment counters");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
