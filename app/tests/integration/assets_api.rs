//! The client bundle under /pkg: precompressed copies chosen by
//! Accept-Encoding, hashed names cached for a year, pages never cached.

use crate::support;

/// A server whose site root is a temp folder holding a hashed bundle with
/// its brotli and gzip copies (made up bytes: only the choice is tested).
async fn serve_site(hashed: bool) -> (support::TestServer, tempfile::TempDir, support::TestDb) {
    let t = support::sqlite().await;
    let site = tempfile::tempdir().expect("site");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg");
    std::fs::write(pkg.join("paydesk.h4sh.wasm"), b"\0asm-raw").expect("wasm");
    std::fs::write(pkg.join("paydesk.h4sh.wasm.br"), b"brotli-bytes").expect("br");
    std::fs::write(pkg.join("paydesk.h4sh.wasm.gz"), b"gzip-bytes").expect("gz");
    let options = leptos::config::LeptosOptions::builder()
        .output_name("paydesk")
        .site_root(site.path().display().to_string())
        .hash_files(hashed)
        .build();
    let s = support::serve_with_options(&t, &[], options).await;
    (s, site, t)
}

async fn get(url: &str, accept: Option<&str>) -> reqwest::Response {
    // No automatic decompression: the test reads what crossed the wire.
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client");
    let mut req = client.get(url);
    if let Some(a) = accept {
        req = req.header("accept-encoding", a);
    }
    req.send().await.expect("request")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_goes_out_precompressed_and_cached_for_a_year() {
    let (s, _site, t) = serve_site(true).await;
    let base = &s.base;
    let url = format!("{base}/pkg/paydesk.h4sh.wasm");

    let br = get(&url, Some("gzip, deflate, br")).await;
    assert_eq!(br.status(), 200);
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(
        header(&br, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(
        header(&br, "vary")
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli-bytes");

    let gz = get(&url, Some("gzip")).await;
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    assert_eq!(gz.bytes().await.expect("body").as_ref(), b"gzip-bytes");

    let plain = get(&url, None).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(plain.bytes().await.expect("body").as_ref(), b"\0asm-raw");

    // A miss is not cached for a year.
    let miss = get(&format!("{base}/pkg/paydesk.0ther.wasm"), Some("br")).await;
    assert_eq!(miss.status(), 404);
    assert_ne!(
        header(&miss, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unhashed_names_are_revalidated_and_pages_never_cached() {
    // (A page cannot render with hashing on here: leptos reads the hashes
    // from a file beside the test binary.)
    let (s, _site, t) = serve_site(false).await;
    let base = &s.base;
    let res = get(&format!("{base}/pkg/paydesk.h4sh.wasm"), Some("br")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), "no-cache");
    let page = get(&format!("{base}/sign-in"), Some("br")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "cache-control"), "no-store");
    t.finish().await;
}
