//! Who is calling: bearer tokens checked against the store.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use cloudctl_wire::ingest::parse_bearer;

use super::AppState;
use super::error::ApiError;
use crate::tokens::{self, Principal, Secret};

fn missing() -> ApiError {
    ApiError::Unauthorized {
        reason: "no bearer token".into(),
        hint: "send `Authorization: Bearer <token>`; create one with `cloudctl hub token create`"
            .into(),
    }
}

/// The principal behind the request's bearer token; 401 when there is none or it is not live.
pub async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let value = headers.get(AUTHORIZATION).ok_or_else(missing)?;
    let token = value
        .to_str()
        .ok()
        .and_then(parse_bearer)
        .map(Secret::new)
        .ok_or_else(missing)?;
    let found = state
        .store
        .read(move |conn| tokens::authenticate(conn, &token))
        .await?;
    found.ok_or_else(|| ApiError::Unauthorized {
        reason: "the token is not valid (unknown, revoked or mistyped)".into(),
        hint: "check the token file; `cloudctl hub token list` shows live tokens".into(),
    })
}

/// Middleware for reads: open when the hub listens on loopback only, else a read token.
pub async fn require_reader(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !state.open_reads {
        match principal(&state, request.headers()).await? {
            Principal::Reader(_) => {}
            Principal::Host(_) => {
                return Err(ApiError::Forbidden {
                    reason: "host tokens may only write batches".into(),
                    hint: "create a read token: `cloudctl hub token create --read NAME`".into(),
                });
            }
        }
    }
    Ok(next.run(request).await)
}
