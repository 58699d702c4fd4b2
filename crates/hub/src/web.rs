//! The dashboard (web/, a SvelteKit static build) embedded in the binary and served at `/`.
//!
//! The build is committed, so `cargo build` needs no Node: `include_dir!` takes `web/build` as it
//! is in the tree. Files under `_app/immutable/` carry a content hash in their name and are cached
//! for a year; everything else (index.html, theme.js, …) is revalidated with an ETag. Compression
//! is left to the router's layer. Paths under `/api/` never reach here: they belong to the API.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

/// The dashboard's static build.
pub static BUILD: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../web/build");

/// Cache-Control for files whose name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: always revalidate (cheap with the ETag).
const REVALIDATE: &str = "no-cache";

/// The media type for a file name.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A strong ETag from the file's bytes.
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The embedded file for a request path (`/` is index.html). `None` when there is no such file.
pub fn lookup(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    // include_dir paths are relative and never contain `..`; a request for one simply misses.
    let file = BUILD.get_file(path)?;
    Some((file.path().to_str()?, file.contents()))
}

/// Answers a GET or HEAD for a dashboard file, honouring If-None-Match.
pub fn serve_file(path: &str, method: &Method, headers: &HeaderMap) -> Option<Response> {
    let (name, bytes) = match lookup(path) {
        Some(found) => found,
        // The dashboard routes with `#/…`, but a bookmarked path without an extension still
        // gets the app (which then shows its own "not found").
        None if !path.rsplit('/').next().unwrap_or("").contains('.') => lookup("/")?,
        None => return None,
    };
    let tag = etag(bytes);
    let cache = if name.starts_with("_app/immutable/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(bytes))
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(name)),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Some(response)
}

/// The router's fallback: dashboard files for GET and HEAD outside `/api/`, the API's JSON 404
/// for everything else.
pub async fn fallback(request: Request) -> Response {
    let path = request.uri().path();
    let is_read = request.method() == Method::GET || request.method() == Method::HEAD;
    if is_read
        && !path.starts_with("/api/")
        && path != "/api"
        && let Some(response) = serve_file(path, request.method(), request.headers())
    {
        return response;
    }
    crate::api::not_found().await.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_is_embedded_with_its_entry_page() {
        let (name, bytes) = lookup("/").expect("web/build/index.html is embedded");
        assert_eq!(name, "index.html");
        let html = std::str::from_utf8(bytes).expect("index.html is UTF-8");
        assert!(html.contains("./_app/immutable/"), "relative asset paths");
        assert!(!html.contains("\"/_app/"), "no absolute asset path");
    }

    #[test]
    fn types_and_caching_follow_the_name() {
        assert_eq!(
            content_type("_app/immutable/x.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        let immutable = BUILD
            .get_dir("_app/immutable/entry")
            .and_then(|d| d.files().next())
            .expect("at least one hashed entry chunk");
        let path = format!("/{}", immutable.path().display());
        let response = serve_file(&path, &Method::GET, &HeaderMap::new()).expect("served");
        assert_eq!(response.headers()[header::CACHE_CONTROL], IMMUTABLE);
        let index = serve_file("/", &Method::GET, &HeaderMap::new()).expect("served");
        assert_eq!(index.headers()[header::CACHE_CONTROL], REVALIDATE);
    }

    #[test]
    fn a_matching_etag_gets_304_and_missing_assets_404() {
        let first = serve_file("/", &Method::GET, &HeaderMap::new()).expect("served");
        let tag = first.headers()[header::ETAG].clone();
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, tag);
        let again = serve_file("/", &Method::GET, &headers).expect("served");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(serve_file("/nope.js", &Method::GET, &HeaderMap::new()).is_none());
        // A path without an extension is a client-side route: the app answers it.
        let route = serve_file("/monitoring", &Method::GET, &HeaderMap::new()).expect("app");
        assert_eq!(route.status(), StatusCode::OK);
        assert!(serve_file("/../Cargo.toml", &Method::GET, &HeaderMap::new()).is_none());
    }
}
