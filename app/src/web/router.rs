//! The whole HTTP application. The binary serves it; the HTTP tests build it
//! the same way, so they exercise exactly what production runs.

use super::{
    AppState, access_log, admission, assets, downloads, error_redirects, health, limits, security,
    server_fn_status, session, uploads,
};
use crate::ui::{App, shell};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Router, middleware};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, generate_route_list, handle_server_fns_with_context,
};
use std::sync::OnceLock;
use tower_http::trace::TraceLayer;

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(state.clone()), req).await
}

/// The app's routes, generated once per process. Generating them sets a
/// process-wide flag in leptos that stops every Resource from loading, so it
/// must never overlap with pages being served (it did, when each HTTP test
/// built its own router while others were rendering).
fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = routes();
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    let pkg = assets::pkg_router(
        &options.site_root,
        &options.site_pkg_dir,
        options.hash_files,
    );
    let mut router = Router::new();
    // Each report's exports: `/reports/<report>.<format>`.
    for kind in crate::domain::report::ReportKind::ALL {
        for format in kind.spec().exports {
            let (kind, format) = (*kind, *format);
            router = router.route(
                &format!("/reports/{}.{}", kind.code(), format.code()),
                get(move |state, session, query| {
                    downloads::report_export(state, session, query, kind, format)
                }),
            );
        }
    }
    router
        // `/` is a page of the app (ui::root), so the client router knows it too.
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/settlements/files/{id}", get(downloads::ach_file))
        .route("/reports/audit.csv", get(downloads::audit_csv))
        // The upload's own size limit is `limits::limit`'s; axum's default
        // 2 MB for multipart would cut it short.
        .route(
            limits::UPLOAD_PATH,
            post(uploads::receive).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/uploads/{id}/errors.csv", get(uploads::errors_csv))
        // Known server functions are routed by leptos_routes below; this
        // answers calls to unknown ones.
        .route("/api/{*fn_name}", post(server_fn))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
            },
            move || shell(options.clone()),
        )
        .merge(pkg)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(server_fn_status::map))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error_redirects::guard,
        ))
        .layer(middleware::from_fn(session::require_sign_in))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::resolve,
        ))
        .layer(middleware::from_fn(security::refuse_cross_site))
        // Inside the body limits: a slow sender holds no place.
        .layer(middleware::from_fn_with_state(
            state.admission.clone(),
            admission::admit,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), limits::limit))
        .layer(middleware::from_fn(security::headers))
        .layer(TraceLayer::new_for_http())
        // Outermost: it times everything, gives every answer (a refusal by
        // any layer above too) its X-Request-Id, and its id is in scope for
        // all of them.
        .layer(middleware::from_fn(access_log::log))
        .with_state(state)
}
