//! `POST /api/v1/ingest`: authenticate, read the body within its cap, decode, check the host,
//! store, and answer only once the batch is committed.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use axum::routing::post;
use cloudctl_wire::ingest::{INGEST_PATH, IngestAck};
use cloudctl_wire::{DecodeError, Encoding, SizeKind, decode};
use http_body_util::BodyExt;

use super::AppState;
use super::auth::principal;
use super::error::{ApiError, ApiResult};
use crate::store::IngestOutcome;
use crate::tokens::Principal;
use crate::{clock, convert};

/// How long a batch may wait for a free slot before the hub answers 503 (the agent retries).
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The ingest route.
pub fn routes() -> Router<AppState> {
    Router::new().route(INGEST_PATH, post(ingest))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::Decode(DecodeError::Oversized {
        kind: SizeKind::Compressed,
        limit,
    })
}

/// Read at most `limit` bytes of body; a longer body is refused without reading the rest.
async fn read_body(headers: &HeaderMap, mut body: Body, limit: usize) -> ApiResult<Vec<u8>> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::with_capacity(declared.map_or(16 * 1024, |n| n as usize));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError::Decode(DecodeError::Truncated {
                detail: format!("the body could not be read to its end: {e}"),
            })
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len() + data.len() > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<IngestAck>> {
    // Who first, so an anonymous caller cannot make the hub buffer a body.
    let host = match principal(&state, &headers).await? {
        Principal::Host(host) => host,
        Principal::Reader(_) => {
            return Err(ApiError::Forbidden {
                reason: "read tokens cannot write batches".into(),
                hint: "give the agent its host token: `cloudctl hub token create HOST`".into(),
            });
        }
    };
    // Bounds the memory held by bodies being decoded and stored, whatever the number of agents:
    // a request waits for a slot before its body is read, and gives up with 503 after a while.
    let _slot = tokio::time::timeout(SLOT_WAIT, state.ingest_slots.clone().acquire_owned())
        .await
        .map_err(|_| ApiError::Overloaded)?
        .map_err(|_| ApiError::Overloaded)?;
    let encoding =
        Encoding::from_header(headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()))?;
    let bytes = read_body(&headers, body, state.limits.max_compressed).await?;
    let batch = decode(&bytes, encoding, &state.limits)?;
    drop(bytes);
    if batch.host_id != host {
        return Err(ApiError::Forbidden {
            reason: format!(
                "this token writes for host {host:?}, but the batch is from {:?}",
                batch.host_id
            ),
            hint: "give each agent its own host's token (`cloudctl hub token create HOST`) and \
                   check its --host-id"
                .into(),
        });
    }
    let record = convert::batch_record(&batch, clock::now_ms());
    drop(batch);
    let seq = record.seq;
    let outcome = state.store.ingest(record).await?;
    match outcome {
        IngestOutcome::Stored { samples } => {
            tracing::debug!(host = %host, seq, samples, "Batch stored")
        }
        IngestOutcome::Duplicate => tracing::debug!(host = %host, seq, "Duplicate batch ignored"),
    }
    Ok(Json(IngestAck {
        acked_seq: seq,
        duplicate: outcome == IngestOutcome::Duplicate,
    }))
}
