//! Routes the dashboard (web/) needs beyond the read API: the spec the hub was started with
//! (`GET /api/v1/manifest`, `GET /api/v1/plan`), a VM's charts over a range
//! (`GET /api/v1/dashboard/charts`), a cheap change marker to poll (`GET /api/v1/dashboard/changes`)
//! and streamed exports for any range (`GET /api/v1/export`). All are GET and behind the same read
//! authorization as the rest of the read API.

pub mod charts;
pub mod export;
pub mod published;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::clock;
use crate::store::Resolution;

/// The dashboard routes (the caller adds authentication).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/manifest", get(manifest))
        .route("/api/v1/plan", get(plan))
        .route("/api/v1/dashboard/charts", get(charts_handler))
        .route("/api/v1/dashboard/changes", get(changes))
        .route("/api/v1/export", get(export_handler))
}

fn json_text(text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn published_json(state: &AppState, name: &'static str) -> ApiResult<Response> {
    match state
        .store
        .read(move |conn| published::get(conn, name))
        .await?
    {
        Some(text) => Ok(json_text(text)),
        None => Err(ApiError::NotFound {
            reason: format!("this hub has no {name} published"),
            hint: "start the hub with `cloudctl up` or `cloudctl hub` (they publish the spec they load)"
                .into(),
        }),
    }
}

async fn manifest(State(state): State<AppState>) -> ApiResult<Response> {
    published_json(&state, published::MANIFEST).await
}

async fn plan(State(state): State<AppState>) -> ApiResult<Response> {
    published_json(&state, published::PLAN).await
}

/// `90s`, `15m`, `24h`, `7d` → milliseconds.
pub fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = text.split_at(split);
    let n: i64 = n.parse().ok()?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

/// `from`/`to`/`last` of a query string → a range in Unix ms (default: the last 24 h).
fn range(from: Option<i64>, to: Option<i64>, last: Option<&str>) -> ApiResult<(i64, i64)> {
    let to_ms = to.unwrap_or_else(clock::now_ms);
    let from_ms = match (from, last) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "both `from` and `last` are given",
                "give one: from=UNIX_MS or last=24h",
            ));
        }
        (Some(from), None) => from,
        (None, Some(last)) => to_ms.saturating_sub(parse_span(last).ok_or_else(|| {
            ApiError::bad_request(
                format!("`last={last}` is not a span"),
                "write a number and a unit: 90s, 15m, 24h, 7d, 30d",
            )
        })?),
        (None, None) => to_ms - 86_400_000,
    };
    if to_ms <= from_ms {
        return Err(ApiError::bad_request(
            format!("the range is empty: from {from_ms} is not before to {to_ms}"),
            "give `from` earlier than `to` (Unix milliseconds), or `last=24h`",
        ));
    }
    Ok((from_ms, to_ms))
}

/// Query string of a charts request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartsParams {
    host: String,
    from: Option<i64>,
    to: Option<i64>,
    last: Option<String>,
}

async fn charts_handler(
    State(state): State<AppState>,
    params: Result<Query<ChartsParams>, QueryRejection>,
) -> ApiResult<Json<charts::Charts>> {
    let Query(p) = params.map_err(|e| {
        ApiError::bad_request(
            format!("bad query string: {}", e.body_text()),
            "parameters: host=NAME (required), last=24h|7d|30d or from=MS&to=MS",
        )
    })?;
    let (from_ms, to_ms) = range(p.from, p.to, p.last.as_deref())?;
    let retention = state.store.config().retention.clone();
    let now = clock::now_ms();
    let answer = state
        .store
        .read(move |conn| charts::charts(conn, &p.host, from_ms, to_ms, now, &retention))
        .await?;
    Ok(Json(answer))
}

/// What changed last: the newest batch of any host. The dashboard polls this (one small query)
/// and refetches the rest only when it moves.
async fn changes(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    let (hosts, last_seen_ms, batches) = state
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT count(*), max(last_seen_ms), coalesce(sum(batches_total), 0) FROM hosts",
                [],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<i64>>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                },
            )?)
        })
        .await?;
    Ok(Json(json!({
        "now_ms": clock::now_ms(),
        "hosts": hosts,
        "last_seen_ms": last_seen_ms,
        "batches": batches,
    })))
}

/// Query string of an export.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportParams {
    format: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    last: Option<String>,
    resolution: Option<String>,
    host: Option<String>,
    metric: Option<String>,
}

const EXPORT_HINT: &str = "parameters: format=csv|json|md, last=24h or from=MS&to=MS, \
    resolution=raw|1m|1h|auto, host=NAME, metric=NAME";

async fn export_handler(
    State(state): State<AppState>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(p) = params.map_err(|e| {
        ApiError::bad_request(format!("bad query string: {}", e.body_text()), EXPORT_HINT)
    })?;
    let format = match p.format.as_deref() {
        None => export::Format::Csv,
        Some(text) => export::Format::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!("unknown format {text:?}"), EXPORT_HINT)
        })?,
    };
    let resolution = match p.resolution.as_deref() {
        None | Some("auto") => None,
        Some("raw") => Some(Resolution::Raw),
        Some("1m") => Some(Resolution::Minute),
        Some("1h") => Some(Resolution::Hour),
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("unknown resolution {other:?}"),
                "use raw, 1m, 1h or auto",
            ));
        }
    };
    let (from_ms, to_ms) = range(p.from, p.to, p.last.as_deref())?;
    let query = export::ExportQuery {
        format,
        from_ms,
        to_ms,
        resolution,
        host: p.host,
        metric: p.metric,
    };
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let store = state.store.clone();
    let retention = store.config().retention.clone();
    let now = clock::now_ms();
    tokio::spawn(async move {
        let error_tx = tx.clone();
        let result = store
            .read(move |conn| {
                let mut out = export::ChunkSender::new(tx);
                export::write_export(conn, &query, now, &retention, &mut out)
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "Export stopped");
            // The status line is already sent: end the body with an error so the client sees a
            // broken transfer rather than a short, complete-looking file.
            let _ = error_tx
                .send(Err(std::io::Error::other(error.to_string())))
                .await;
        }
    });
    let stream = futures_stream(rx);
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", format.file_name())) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response.into_response())
}

/// The receiving end of a chunk channel as a stream of body chunks.
fn futures_stream(
    mut rx: tokio::sync::mpsc::Receiver<std::io::Result<axum::body::Bytes>>,
) -> impl futures_util::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
