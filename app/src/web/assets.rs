//! The client bundle under `/pkg`: served precompressed, and cached for a
//! year where its name carries a content hash.
//!
//! Release builds (`cargo leptos build --release --precompress`, with
//! `hash-files = true`) name each file after its content
//! (`paydesk.<hash>.wasm`) and write brotli and gzip copies beside it, so a
//! browser downloads the WebAssembly once per release, compressed. Pages and
//! data stay `no-store` (security::headers).

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use std::path::Path;
use tower_http::services::ServeDir;

/// A year: the longest lifetime caches honour. The name changes with the
/// content, so a cached copy is never stale.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed names (debug builds) are checked with the server every time.
pub const REVALIDATE: &str = "no-cache";

/// Serves `site_root/pkg_dir` at `/{pkg_dir}`, choosing the brotli or gzip
/// copy the client accepts.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(
    site_root: &str,
    pkg_dir: &str,
    hashed: bool,
) -> Router<S> {
    let dir = Path::new(site_root).join(pkg_dir);
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    let cache = HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE });
    Router::new()
        .nest_service(&format!("/{pkg_dir}"), files)
        .layer(axum::middleware::map_response(move |mut res: Response| {
            // A miss must not be cached for a year.
            if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
                let h = res.headers_mut();
                h.insert(header::CACHE_CONTROL, cache.clone());
                // The body depends on Accept-Encoding: a shared cache must
                // not hand the brotli copy to a client that did not ask.
                h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            async move { res }
        }))
}

/// True when the release build hashed the bundle's names: it writes
/// `hash.txt` (the names' hashes) beside the server binary.
pub fn bundle_is_hashed(hash_file: &str) -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(hash_file)))
        .is_some_and(|p| p.is_file())
}
