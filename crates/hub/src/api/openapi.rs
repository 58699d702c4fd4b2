//! The OpenAPI 3.1 description of the hub API (`GET /api/v1/openapi.json`, open like health) and
//! its interactive docs (`/api/docs`, the dashboard's API page: every operation with a form that
//! calls it).
//!
//! Written by hand rather than derived (utoipa): the routes belong to several crates (hub, alerts)
//! whose handlers would all need annotations and a shared schema registry; a single JSON file is
//! one place to read and review. A test calls every documented GET on a real hub, so an operation
//! that is documented but not served fails the build.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::AppState;

/// The document, as served.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// The open routes: the description and the docs page.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(document))
        .route("/api/docs", get(docs))
}

async fn document() -> Response {
    let mut response = OPENAPI_JSON.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The docs live in the dashboard (the plan's api-front): its `#/api` page reads the document.
async fn docs() -> Redirect {
    Redirect::to("/#/api")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_paths() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI_JSON).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        assert!(paths.contains_key("/api/v1/hosts"));
        assert!(paths.contains_key("/api/v1/export"));
        // Every $ref points at something that exists.
        let text = OPENAPI_JSON;
        for part in text.split("\"$ref\": \"#/").skip(1) {
            let target = part.split('"').next().unwrap();
            let mut node = &doc;
            for key in target.split('/') {
                node = &node[key];
            }
            assert!(!node.is_null(), "dangling $ref #/{target}");
        }
    }
}
