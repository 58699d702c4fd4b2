//! The dashboard's security headers on a real socket: the Content-Security-Policy that matches
//! the embedded build and the other B13 headers, on the page, on a hashed asset, on a
//! revalidation (304) and on a client-side route.

mod common;

use common::TestHub;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

/// Status, headers and body text of a GET with extra request headers.
async fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, hyper::HeaderMap, String) {
    let mut builder = hyper::Request::builder().method("GET").uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = common::client()
        .request(builder.body(Full::new(Bytes::new())).unwrap())
        .await
        .expect("the hub answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Asserts the B13 headers, with the policy `index.html` declares in its meta tag.
fn assert_security_headers(what: &str, h: &hyper::HeaderMap, meta_policy: &str) {
    let csp = h["content-security-policy"].to_str().unwrap();
    assert_eq!(
        csp,
        format!("{meta_policy}; frame-ancestors 'none'"),
        "{what}"
    );
    assert!(csp.contains("script-src 'self' 'sha256-"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(csp.contains("object-src 'none'"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "no-referrer", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    let permissions = h["permissions-policy"].to_str().unwrap();
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(permissions.contains(feature), "{what}: {permissions}");
    }
}

#[tokio::test]
async fn the_page_and_its_assets_carry_the_security_headers() {
    let hub = TestHub::start(true, &[]).await;
    let (s, h, html) = fetch(&hub.url("/"), &[]).await;
    assert_eq!(s, 200);
    let meta = cloudctl_hub::web::meta_policy(&html).expect("index.html has a CSP meta tag");
    assert_security_headers("/", &h, &meta);

    let asset = html
        .split("\"./")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .find(|p| p.starts_with("_app/immutable/") && p.ends_with(".css"))
        .expect("a hashed stylesheet in index.html");
    let (s, h, _) = fetch(
        &hub.url(&format!("/{asset}")),
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(s, 200, "{asset}");
    assert_eq!(h["content-type"], "text/css; charset=utf-8");
    assert_security_headers(asset, &h, &meta);

    let (s, h, _) = fetch(&hub.url("/theme.js"), &[]).await;
    assert_eq!(s, 200);
    assert_security_headers("/theme.js", &h, &meta);
    let tag = h["etag"].to_str().unwrap().to_owned();
    let (s, h, _) = fetch(&hub.url("/theme.js"), &[("if-none-match", &tag)]).await;
    assert_eq!(s, 304);
    assert_security_headers("/theme.js (304)", &h, &meta);

    let (s, h, _) = fetch(&hub.url("/monitoring"), &[]).await;
    assert_eq!(s, 200);
    assert_security_headers("/monitoring", &h, &meta);
    hub.stop().await;
}
