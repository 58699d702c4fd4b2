//! The dashboard (web/, a SvelteKit static build) embedded in the binary and served at `/`.
//!
//! The build is committed, so `cargo build` needs no Node: `include_dir!` takes `web/build` as it
//! is in the tree. Files under `_app/immutable/` carry a content hash in their name and are cached
//! for a year; everything else (index.html, theme.js, …) is revalidated with an ETag. Compression
//! is left to the router's layer. Paths under `/api/` never reach here: they belong to the API.
//!
//! Every file goes out with the security headers of the spec's B13 defaults, tightened for a page
//! that embeds nothing and is embedded nowhere: a Content-Security-Policy, `nosniff`,
//! `no-referrer`, `X-Frame-Options: DENY` and a Permissions-Policy. The policy is the one the
//! build carries in index.html's meta tag (SvelteKit's `kit.csp`, completed by
//! web/scripts/csp.mjs with the sha256 of the inline bootstrap script and of the templates'
//! static style attributes), so the header always matches the embedded build, plus
//! `frame-ancestors 'none'`, which a meta tag cannot express.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The dashboard's static build.
pub static BUILD: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../web/build");

/// Cache-Control for files whose name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: always revalidate (cheap with the ETag).
const REVALIDATE: &str = "no-cache";

/// What the page may never be framed by, added to the build's policy (meta tags cannot say it).
const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";
/// The policy when the build carries none (a build without `kit.csp`): nothing inline may run,
/// so such a build shows a blank page with a CSP error in the console rather than run unguarded.
const FALLBACK_POLICY: &str =
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";
/// Browser features the dashboard never uses.
const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// The Content-Security-Policy header of every dashboard response (see the module docs).
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let index = lookup("/").and_then(|(_, bytes)| std::str::from_utf8(bytes).ok());
    let policy = index.and_then(meta_policy).unwrap_or_else(|| {
        tracing::warn!(
            "The embedded web build has no Content-Security-Policy meta tag; set kit.csp in web/svelte.config.js and rebuild"
        );
        FALLBACK_POLICY.to_owned()
    });
    format!("{policy}; {FRAME_ANCESTORS}")
});

/// The policy of an HTML page's `<meta http-equiv="content-security-policy">`, unescaped.
pub fn meta_policy(html: &str) -> Option<String> {
    const OPEN: &str = r#"<meta http-equiv="content-security-policy" content=""#;
    let start = html.find(OPEN)? + OPEN.len();
    let content = &html[start..start + html[start..].find('"')?];
    // SvelteKit escapes attributes as HTML: `&` and `"` are the only entities it writes there.
    let policy = content.replace("&quot;", "\"").replace("&amp;", "&");
    let policy = policy.trim().trim_end_matches(';').trim();
    (!policy.is_empty()).then(|| policy.to_owned())
}

/// The security headers every dashboard response carries.
fn security_headers(h: &mut HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
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
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
}

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
    security_headers(h);
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

    /// Standard base64 with padding (CSP hashes are written so).
    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_policy_allows_each_inline_script_of_the_build_by_its_hash() {
        let (_, bytes) = lookup("/").expect("index.html is embedded");
        let html = std::str::from_utf8(bytes).expect("UTF-8");
        let policy = CONTENT_SECURITY_POLICY.as_str();
        let scripts: Vec<&str> = html
            .split("<script>")
            .skip(1)
            .map(|rest| rest.split("</script>").next().expect("closed"))
            .collect();
        assert!(
            !scripts.is_empty(),
            "SvelteKit's bootstrap script is inline"
        );
        for script in scripts {
            let hash = format!("'sha256-{}'", base64(&Sha256::digest(script.as_bytes())));
            assert!(policy.contains(&hash), "{hash} missing from {policy}");
        }
        assert!(policy.ends_with("; frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(policy.starts_with("default-src 'self'"), "{policy}");
    }

    #[test]
    fn the_meta_policy_is_read_and_unescaped() {
        let html = r#"<head><meta http-equiv="content-security-policy" content="default-src 'self'; img-src a.test?x=1&amp;y=&quot;2&quot;;"></head>"#;
        assert_eq!(
            meta_policy(html).as_deref(),
            Some(r#"default-src 'self'; img-src a.test?x=1&y="2""#)
        );
        assert_eq!(meta_policy("<head></head>"), None);
        let empty = r#"<meta http-equiv="content-security-policy" content="">"#;
        assert_eq!(meta_policy(empty), None);
    }
}
