//! The HTTP API under `/api/v1`. [`router`] is the one place routes are put together: a feature
//! (probes, alerts, the dashboard, OpenAPI, exports) adds its own `routes()` function in its own
//! module and one `.merge(...)` line here.

pub mod auth;
pub mod dashboard;
pub mod error;
pub mod ingest;
pub mod openapi;
pub mod read;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::routing::get;
use cloudctl_wire::Limits;
use serde_json::json;
use tokio::sync::Semaphore;
use tower_http::trace::TraceLayer;

use crate::store::Store;
use error::ApiError;

/// Batches decoded or being stored at the same time, at most; more wait, then get 503.
pub const INGEST_SLOTS: usize = 2;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Batch size caps.
    pub limits: Limits,
    /// Reads without a token (the hub listens on loopback only).
    pub open_reads: bool,
    /// Hosts the spec says should exist.
    pub expected_hosts: Arc<Vec<String>>,
    /// Permits for batches being decoded.
    pub ingest_slots: Arc<Semaphore>,
}

impl AppState {
    /// State for a hub over `store`.
    pub fn new(store: Store, open_reads: bool, expected_hosts: Vec<String>) -> Self {
        AppState {
            store,
            limits: Limits::default(),
            open_reads,
            expected_hosts: Arc::new(expected_hosts),
            ingest_slots: Arc::new(Semaphore::new(INGEST_SLOTS)),
        }
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }))
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound {
        reason: "no such path".into(),
        hint:
            "the API lives under /api/v1: hosts, hosts/{host}/series, containers, sockets, ingest"
                .into(),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Every route of the hub.
pub fn router(state: AppState) -> Router {
    let reads = read::routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_reader,
    ));
    let dashboard = dashboard::routes().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_reader,
    ));
    Router::new()
        .route("/api/v1/health", get(health))
        .merge(ingest::routes())
        .merge(reads)
        .merge(dashboard)
        .merge(openapi::routes())
        // The dashboard's files for every GET outside /api/, the JSON 404 for the rest.
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        // gzip for clients that ask (browsers): the dashboard's files and JSON answers.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
