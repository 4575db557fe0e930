//! File Transfers, as server functions (the file itself arrives at
//! `web::uploads::receive`). All need the uploads entitlement.

use crate::domain::upload_view::{UploadDetail, UploadSummary};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_uploads")]
pub async fn load_uploads() -> Result<Vec<UploadSummary>, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Uploads)?;
    crate::services::uploads::recent(&state.db, &state.config.timezone, &user.shown()).await
}

#[server(endpoint = "load_upload")]
pub async fn load_upload(id: i64) -> Result<UploadDetail, AppError> {
    let (state, _, _) = super::context::require(crate::domain::entitlements::Entitlement::Uploads)?;
    crate::services::uploads::detail(&state.db, &state.config.timezone, id).await
}

/// Commit: apply every valid row of a previewed upload, once.
#[server(endpoint = "commit_upload")]
pub async fn commit_upload(id: i64) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::Uploads)?;
    let status = state
        .finish_detached(|state| async move {
            let tracked = state
                .progress
                .track(user.id, &crate::services::progress::commit_token(id));
            let progress = Some(tracked.progress.clone());
            crate::services::uploads::commit(
                &state.db,
                &state.config,
                &user,
                id,
                session.ip.as_deref(),
                progress,
            )
            .await
        })
        .await?;
    leptos_axum::redirect(&crate::routes::upload(id));
    Ok(format!("Upload {id}: {}.", status.label()))
}

/// How far the asker's upload step `token` has got: `(bytes read, of
/// bytes)`, or nothing once it ended; on PostgreSQL also a step running on
/// another server.
#[server(endpoint = "upload_progress")]
pub async fn upload_progress(token: String) -> Result<Option<(u64, u64)>, AppError> {
    let (state, user, _) =
        super::context::require(crate::domain::entitlements::Entitlement::Uploads)?;
    Ok(state.progress.lookup(user.id, &token).await)
}

/// Abandon: apply nothing.
#[server(endpoint = "abandon_upload")]
pub async fn abandon_upload(id: i64) -> Result<String, AppError> {
    let (state, user, session) =
        super::context::require(crate::domain::entitlements::Entitlement::Uploads)?;
    crate::services::uploads::abandon(&state.db, &state.config, &user, id, session.ip.as_deref())
        .await?;
    leptos_axum::redirect(&crate::routes::upload(id));
    Ok(format!("Upload {id} was abandoned; nothing was applied."))
}
