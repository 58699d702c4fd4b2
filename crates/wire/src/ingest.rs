//! The ingest contract both sides follow: where the agent POSTs, how it authenticates, what the
//! hub answers, and what the agent does with each answer.
//!
//! ```text
//! POST /api/v1/ingest
//! Authorization: Bearer <token>
//! Content-Type: application/json
//! Content-Encoding: zstd
//! <encoded Batch>
//!
//! 200 {"acked_seq": 42, "duplicate": false}   durable (committed), or a duplicate seen before
//! 4xx {"error": "...", "hint": "..."}         refused for good: do not resend these bytes
//!     (except 408 and 429, which are "try again later")
//! 5xx                                         try again later
//! ```

use serde::{Deserialize, Serialize};

use crate::DecodeError;

/// The path the agent POSTs batches to.
pub const INGEST_PATH: &str = "/api/v1/ingest";

/// The body's media type.
pub const CONTENT_TYPE: &str = "application/json";

/// The Authorization header value for a token.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The token in an Authorization header value, if it is a non-empty bearer token.
pub fn parse_bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The hub's answer to an accepted batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestAck {
    /// The sequence number now durable on the hub.
    pub acked_seq: u64,
    /// True when the hub had this (host, seq) already and ignored it.
    pub duplicate: bool,
}

/// The hub's answer to a refused request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What is wrong.
    pub error: String,
    /// How to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&DecodeError> for ErrorBody {
    fn from(e: &DecodeError) -> Self {
        ErrorBody {
            error: e.to_string(),
            hint: Some(e.hint()),
        }
    }
}

/// What the agent does with a response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Acknowledged: the batch may be deleted.
    Acked,
    /// Not stored this time (5xx, 408, 429): keep the batch and try again with backoff.
    Retry,
    /// This batch is refused for good (400, 413, 415, 422): resending the same bytes cannot help,
    /// so the agent logs the hub's reason, sets the batch aside and goes on with the next.
    RejectBatch,
    /// The request, not the batch, is refused (401, 403, 404, other 4xx, 1xx/3xx from a proxy or
    /// a wrong URL): the agent logs the reason, keeps its spool (bounded) and retries only at the
    /// slowest backoff, so nothing is lost if the token or URL is fixed in time.
    Misconfigured,
}

/// The one place that says what each status means to the agent.
pub fn disposition(status: u16) -> Disposition {
    match status {
        200..=299 => Disposition::Acked,
        408 | 429 | 500..=599 => Disposition::Retry,
        400 | 413 | 415 | 422 => Disposition::RejectBatch,
        _ => Disposition::Misconfigured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_round_trip() {
        assert_eq!(parse_bearer(&bearer("abc")), Some("abc"));
        assert_eq!(parse_bearer("bearer  xyz "), Some("xyz"));
        assert_eq!(parse_bearer("Basic abc"), None);
        assert_eq!(parse_bearer("Bearer "), None);
        assert_eq!(parse_bearer("Bearer"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(disposition(200), Disposition::Acked);
        assert_eq!(disposition(204), Disposition::Acked);
        assert_eq!(disposition(503), Disposition::Retry);
        assert_eq!(disposition(429), Disposition::Retry);
        assert_eq!(disposition(408), Disposition::Retry);
        assert_eq!(disposition(400), Disposition::RejectBatch);
        assert_eq!(disposition(413), Disposition::RejectBatch);
        assert_eq!(disposition(422), Disposition::RejectBatch);
        assert_eq!(disposition(401), Disposition::Misconfigured);
        assert_eq!(disposition(403), Disposition::Misconfigured);
        assert_eq!(disposition(301), Disposition::Misconfigured);
    }

    #[test]
    fn error_body_from_decode_error() {
        let e = DecodeError::UnsupportedEncoding("br".to_owned());
        let body = ErrorBody::from(&e);
        assert!(body.error.contains("`br`"), "{}", body.error);
        assert!(body.hint.unwrap().contains("zstd"));
    }
}
