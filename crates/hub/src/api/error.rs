//! The one place where errors become HTTP answers: every refusal is a status and a JSON body
//! `{"error": "...", "hint": "..."}` (the wire crate's `ErrorBody`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cloudctl_wire::DecodeError;
use cloudctl_wire::ingest::ErrorBody;

use crate::Error;

/// Why a request was not answered as asked.
#[derive(Debug)]
pub enum ApiError {
    /// No usable credentials (401).
    Unauthorized {
        /// What is wrong.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// Credentials that do not allow this (403).
    Forbidden {
        /// What is wrong.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// The body is not an acceptable batch (the wire crate picks the 4xx).
    Decode(DecodeError),
    /// The request is wrong (400).
    BadRequest {
        /// What is wrong.
        reason: String,
        /// How to fix it.
        hint: String,
    },
    /// Nothing there (404).
    NotFound {
        /// What was not found.
        reason: String,
        /// Where to look instead.
        hint: String,
    },
    /// Wrong method for the path (405).
    MethodNotAllowed,
    /// Too many requests in flight; try again shortly (503).
    Overloaded,
    /// The store could not do it now; try again (503).
    Unavailable(String),
    /// A bug or a broken database (500). The text is logged, not sent.
    Internal(String),
}

impl ApiError {
    /// A 400 with a reason and a hint.
    pub fn bad_request(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        ApiError::BadRequest {
            reason: reason.into(),
            hint: hint.into(),
        }
    }

    /// A 404 with a reason and a hint.
    pub fn not_found(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        ApiError::NotFound {
            reason: reason.into(),
            hint: hint.into(),
        }
    }

    fn parts(self) -> (StatusCode, String, Option<String>) {
        match self {
            ApiError::Unauthorized { reason, hint } => {
                (StatusCode::UNAUTHORIZED, reason, Some(hint))
            }
            ApiError::Forbidden { reason, hint } => (StatusCode::FORBIDDEN, reason, Some(hint)),
            ApiError::Decode(e) => (
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                e.to_string(),
                Some(e.hint()),
            ),
            ApiError::BadRequest { reason, hint } => (StatusCode::BAD_REQUEST, reason, Some(hint)),
            ApiError::NotFound { reason, hint } => (StatusCode::NOT_FOUND, reason, Some(hint)),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method not allowed for this path".into(),
                Some("reads are GET; batches are POST /api/v1/ingest".into()),
            ),
            ApiError::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub is busy".into(),
                Some("retry with backoff; the agent keeps the batch in its spool".into()),
            ),
            ApiError::Unavailable(reason) => (
                StatusCode::SERVICE_UNAVAILABLE,
                reason,
                Some("retry later; check the hub's disk space and logs".into()),
            ),
            ApiError::Internal(text) => {
                tracing::error!(error = %text, "Internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".into(),
                    Some("see the hub's log".into()),
                )
            }
        }
    }
}

impl From<DecodeError> for ApiError {
    fn from(e: DecodeError) -> Self {
        ApiError::Decode(e)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound { what } => ApiError::NotFound {
                reason: format!("{what} not found"),
                hint: "GET /api/v1/hosts lists the hosts; /api/v1/hosts/{host}/series their series"
                    .into(),
            },
            Error::Invalid { reason, hint } => ApiError::BadRequest { reason, hint },
            Error::Closed => ApiError::Unavailable("the hub is shutting down".into()),
            Error::Unavailable(text) => ApiError::Unavailable(format!("not stored: {text}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, hint) = self.parts();
        (status, Json(ErrorBody { error, hint })).into_response()
    }
}

/// A handler's result.
pub type ApiResult<T> = Result<T, ApiError>;
