//! The alert and probe API, for the hub to merge into its router under `/api/v1`:
//! `GET alerts`, `GET alerts/history`, `GET|POST alerts/silences`, `DELETE alerts/silences/{id}`,
//! `POST alerts/test-notify`, `GET probes`. Refusals are `{"error": …, "hint": …}` like the hub's.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Monitor;
use crate::model::{Notification, Severity, Status};
use crate::silence::{Matcher, Silence};

/// A new silence, as `cloudctl alerts silence` sends it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceRequest {
    /// Matchers as text: `host=oci-p-flex`, `container=vault-*`.
    pub matchers: Vec<String>,
    /// How long, as humantime text (`2h`).
    pub duration: String,
    /// Why.
    #[serde(default)]
    pub comment: String,
    /// Who.
    #[serde(default)]
    pub created_by: String,
}

/// A test notification's request.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// The severity to route it as (default critical: every route gets it).
    #[serde(default)]
    pub severity: Option<Severity>,
}

fn refuse(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> Response {
    (
        status,
        Json(json!({ "error": error.into(), "hint": hint.into() })),
    )
        .into_response()
}

impl Monitor {
    /// The routes, with this monitor as their state.
    pub fn routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/api/v1/alerts", get(active))
            .route("/api/v1/alerts/history", get(history))
            .route("/api/v1/alerts/silences", get(silences).post(add_silence))
            .route("/api/v1/alerts/silences/{id}", delete(expire_silence))
            .route("/api/v1/alerts/test-notify", post(test_notify))
            .with_state(self.clone())
    }

    /// `GET /api/v1/probes` from this monitor's memory (runs since it started). The hub serves
    /// its own, with uptime windows from its store, instead.
    pub fn probe_routes<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/api/v1/probes", get(probes))
            .with_state(self.clone())
    }
}

async fn active(State(m): State<Monitor>) -> Json<serde_json::Value> {
    let engine = m.engine();
    let alerts: Vec<_> = engine.active().cloned().collect();
    Json(json!({ "alerts": alerts }))
}

async fn history(State(m): State<Monitor>) -> Json<serde_json::Value> {
    let history: Vec<_> = m.engine().history().cloned().collect();
    Json(json!({ "history": history, "deliveries": m.dispatcher().recent() }))
}

async fn silences(State(m): State<Monitor>) -> Json<serde_json::Value> {
    let now = m.now();
    let list: Vec<_> = m
        .engine()
        .silences()
        .iter()
        .map(|s| json!({ "silence": s, "active": s.is_active(now) }))
        .collect();
    Json(json!({ "silences": list }))
}

async fn add_silence(State(m): State<Monitor>, body: axum::body::Bytes) -> Response {
    let req: SilenceRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("not a silence request: {e}"),
                r#"send {"matchers": ["host=oci-p-flex"], "duration": "2h", "comment": "why"}"#,
            );
        }
    };
    let matchers = match req
        .matchers
        .iter()
        .map(|t| Matcher::parse(t))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(m) => m,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                e.to_string(),
                "matchers look like label=value or label!=value",
            );
        }
    };
    let duration = match humantime::parse_duration(&req.duration) {
        Ok(d) => d,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("`{}` is not a duration: {e}", req.duration),
                "write it like 30m, 2h or 1d",
            );
        }
    };
    let now = m.now();
    let silence = Silence {
        id: String::new(),
        matchers,
        starts_at: now,
        ends_at: now + duration.as_secs() as i64,
        created_by: req.created_by,
        comment: req.comment,
    };
    match m.add_silence(silence) {
        Ok(id) => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "ends_at": now + duration.as_secs() as i64 })),
        )
            .into_response(),
        Err(e) => refuse(
            StatusCode::BAD_REQUEST,
            e.to_string(),
            "give at least one matcher and a positive duration",
        ),
    }
}

async fn expire_silence(State(m): State<Monitor>, Path(id): Path<String>) -> Response {
    if m.expire_silence(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        refuse(
            StatusCode::NOT_FOUND,
            format!("no silence `{id}`"),
            "list them with GET /api/v1/alerts/silences",
        )
    }
}

async fn test_notify(State(m): State<Monitor>, body: axum::body::Bytes) -> Response {
    let req: TestRequest = if body.is_empty() {
        TestRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    format!("not a test request: {e}"),
                    r#"send {} or {"severity": "warning"}"#,
                );
            }
        }
    };
    let now = m.now();
    let severity = req.severity.unwrap_or(Severity::Critical);
    let n = Notification {
        fingerprint: format!("test-{now}"),
        alertname: "test_notification".into(),
        status: Status::Firing,
        severity,
        labels: [("alertname".to_owned(), "test_notification".to_owned())]
            .into_iter()
            .collect(),
        summary: "cloudctl test notification: if you read this, alerts reach you".into(),
        cause: "sent by `cloudctl alerts test-notify`".into(),
        starts_at: now,
        ends_at: None,
        repeat: false,
    };
    if m.dispatcher().submit(n) {
        (
            StatusCode::ACCEPTED,
            Json(json!({ "queued": true, "severity": severity })),
        )
            .into_response()
    } else {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the notification queue is full",
            "try again in a minute",
        )
    }
}

async fn probes(State(m): State<Monitor>) -> Json<serde_json::Value> {
    let list: Vec<_> = m
        .probes()
        .into_values()
        .map(|s| json!({ "uptime_pct": s.uptime_pct(), "runs": s.runs, "passed": s.passed, "latest": s.latest }))
        .collect();
    Json(json!({ "probes": list }))
}
