//! The read API: hosts with their latest snapshot, a metric's series over a range at the fitting
//! resolution, containers and listening sockets. Everything here is GET and JSON.

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::clock;
use crate::store::{HostRow, Resolution, SeriesAnswer, SeriesInfo, SeriesQuery, labels, read};

/// The read routes (the caller adds authentication).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/hosts", get(hosts))
        .route("/api/v1/hosts/{host}", get(host))
        .route("/api/v1/hosts/{host}/series", get(series_list))
        .route("/api/v1/hosts/{host}/series/{metric}", get(series))
        .route("/api/v1/containers", get(containers))
        .route("/api/v1/sockets", get(sockets))
}

/// A host in the API: what the store knows, plus whether the spec expects it.
#[derive(Debug, Serialize)]
struct HostView {
    name: String,
    /// The spec lists this host.
    expected: bool,
    /// At least one batch arrived.
    seen: bool,
    /// Seconds since the last batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen_ago_s: Option<i64>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    row: Option<HostRow>,
}

fn view(state: &AppState, row: HostRow, now: i64) -> HostView {
    HostView {
        expected: state.expected_hosts.contains(&row.name),
        seen: true,
        last_seen_ago_s: Some((now - row.last_seen_ms).max(0) / 1000),
        name: row.name.clone(),
        row: Some(row),
    }
}

async fn hosts(State(state): State<AppState>) -> ApiResult<Json<Vec<HostView>>> {
    let rows = state.store.read(read::hosts).await?;
    let now = clock::now_ms();
    let mut out: Vec<HostView> = rows.into_iter().map(|r| view(&state, r, now)).collect();
    for name in state.expected_hosts.iter() {
        if !out.iter().any(|h| h.name == *name) {
            out.push(HostView {
                name: name.clone(),
                expected: true,
                seen: false,
                last_seen_ago_s: None,
                row: None,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(out))
}

async fn host(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<HostView>> {
    let lookup = name.clone();
    match state
        .store
        .read(move |conn| read::host(conn, &lookup))
        .await
    {
        Ok(row) => Ok(Json(view(&state, row, clock::now_ms()))),
        Err(crate::Error::NotFound { .. }) if state.expected_hosts.contains(&name) => {
            Ok(Json(HostView {
                name,
                expected: true,
                seen: false,
                last_seen_ago_s: None,
                row: None,
            }))
        }
        Err(e) => Err(e.into()),
    }
}

async fn series_list(
    State(state): State<AppState>,
    Path(host): Path<String>,
) -> ApiResult<Json<Vec<SeriesInfo>>> {
    Ok(Json(
        state
            .store
            .read(move |conn| read::series_list(conn, &host))
            .await?,
    ))
}

/// Query string of a series request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesParams {
    /// `key=value,key=value`; all label sets of the metric when absent.
    labels: Option<String>,
    /// Start, Unix ms.
    from: Option<i64>,
    /// End, Unix ms (default now).
    to: Option<i64>,
    /// Instead of `from`: a span back from `to`, like `90s`, `15m`, `24h`, `7d`.
    last: Option<String>,
    /// `raw`, `1m`, `1h` or `auto` (default).
    resolution: Option<String>,
}

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::bad_request(
        format!("bad query string: {}", e.body_text()),
        "parameters: labels=k=v,k=v  from=MS  to=MS  last=24h  resolution=raw|1m|1h|auto",
    )
}

/// `90s`, `15m`, `24h`, `7d` → milliseconds.
pub(crate) fn parse_span(text: &str) -> Option<i64> {
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

fn parse_labels(text: &str) -> ApiResult<String> {
    let mut pairs = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            ApiError::bad_request(
                format!("label {part:?} has no '='"),
                "write labels as key=value,key=value, e.g. labels=cpu=total",
            )
        })?;
        pairs.push((k, v));
    }
    Ok(labels(pairs))
}

async fn series(
    State(state): State<AppState>,
    Path((host, metric)): Path<(String, String)>,
    params: Result<Query<SeriesParams>, QueryRejection>,
) -> ApiResult<Json<SeriesAnswer>> {
    let Query(p) = params.map_err(bad_query)?;
    let now = clock::now_ms();
    let to_ms = p.to.unwrap_or(now);
    let from_ms = match (p.from, p.last.as_deref()) {
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
                "write a number and a unit: 90s, 15m, 24h, 7d",
            )
        })?),
        (None, None) => to_ms - 3_600_000,
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
    let labels = p.labels.as_deref().map(parse_labels).transpose()?;
    let query = SeriesQuery {
        host,
        metric,
        labels,
        from_ms,
        to_ms,
        resolution,
    };
    let retention = state.store.config().retention.clone();
    let answer = state
        .store
        .read(move |conn| read::series(conn, &query, now, &retention))
        .await?;
    Ok(Json(answer))
}

/// `?host=NAME` to narrow a listing to one host.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostFilter {
    host: Option<String>,
}

/// One section of each host's latest snapshot, with the host and the time it describes.
async fn snapshot_section(
    state: &AppState,
    filter: Result<Query<HostFilter>, QueryRejection>,
    section: &'static str,
) -> ApiResult<Json<Vec<Value>>> {
    let Query(filter) = filter.map_err(|e| {
        ApiError::bad_request(
            format!("bad query string: {}", e.body_text()),
            "use ?host=NAME",
        )
    })?;
    let rows = match filter.host {
        Some(name) => vec![
            state
                .store
                .read(move |conn| read::host(conn, &name))
                .await?,
        ],
        None => state.store.read(read::hosts).await?,
    };
    Ok(Json(
        rows.into_iter()
            .map(|row| {
                let part = row
                    .snapshot
                    .as_ref()
                    .and_then(|s| s.get(section))
                    .cloned()
                    .unwrap_or(Value::Null);
                json!({ "host": row.name, "ts_ms": row.snapshot_ms, section: part })
            })
            .collect(),
    ))
}

async fn containers(
    State(state): State<AppState>,
    filter: Result<Query<HostFilter>, QueryRejection>,
) -> ApiResult<Json<Vec<Value>>> {
    snapshot_section(&state, filter, "containers").await
}

async fn sockets(
    State(state): State<AppState>,
    filter: Result<Query<HostFilter>, QueryRejection>,
) -> ApiResult<Json<Vec<Value>>> {
    snapshot_section(&state, filter, "sockets").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_and_junk_does_not() {
        assert_eq!(parse_span("90s"), Some(90_000));
        assert_eq!(parse_span("24h"), Some(86_400_000));
        assert_eq!(parse_span("7d"), Some(604_800_000));
        assert_eq!(parse_span("h"), None);
        assert_eq!(parse_span("10"), None);
        assert_eq!(parse_span("5w"), None);
    }

    #[test]
    fn labels_are_canonical_whatever_the_order() {
        assert_eq!(
            parse_labels("b=2,a=1").ok(),
            Some(r#"{"a":"1","b":"2"}"#.to_owned())
        );
        assert!(parse_labels("cpu").is_err());
    }
}
