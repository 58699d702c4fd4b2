//! Why a batch could not be decoded or encoded, and how the hub should answer each case.

use std::fmt;

/// Which size cap a batch broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeKind {
    /// The body as sent (compressed, or plain JSON in file mode).
    Compressed,
    /// The JSON after decompression.
    Decompressed,
    /// The number of samples.
    Samples,
}

impl fmt::Display for SizeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SizeKind::Compressed => "compressed size",
            SizeKind::Decompressed => "decompressed size",
            SizeKind::Samples => "sample count",
        })
    }
}

/// Why a received batch was refused. Each variant maps to one 4xx status ([`DecodeError::http_status`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The body or its decompressed JSON is over a cap.
    #[error("batch too large: its {kind} is over the limit of {limit}")]
    Oversized {
        /// Which cap.
        kind: SizeKind,
        /// The cap.
        limit: usize,
    },
    /// The body ends before the batch does.
    #[error("batch truncated: {detail}")]
    Truncated {
        /// Where it ended.
        detail: String,
    },
    /// The body is not a batch.
    #[error("batch malformed: {detail}")]
    Malformed {
        /// What is wrong, with line and column for JSON errors.
        detail: String,
    },
    /// The batch was written with a wire version this side does not read.
    #[error("unsupported wire version {got}: this side reads versions {min} to {max}")]
    WrongVersion {
        /// The version in the batch.
        got: u32,
        /// The oldest version read here.
        min: u32,
        /// The newest version read here.
        max: u32,
    },
    /// The batch parsed but a field breaks a rule.
    #[error("invalid batch: `{field}` {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// The rule it breaks.
        reason: String,
    },
    /// The Content-Encoding is not one this side reads.
    #[error("unsupported content encoding `{0}`: send `zstd` or none")]
    UnsupportedEncoding(String),
}

impl DecodeError {
    /// The HTTP status the hub answers with (all are 4xx: retrying the same bytes cannot help).
    pub fn http_status(&self) -> u16 {
        match self {
            DecodeError::Oversized { .. } => 413,
            DecodeError::UnsupportedEncoding(_) => 415,
            DecodeError::Invalid { .. } => 422,
            DecodeError::Truncated { .. }
            | DecodeError::Malformed { .. }
            | DecodeError::WrongVersion { .. } => 400,
        }
    }

    /// How the sender can fix it.
    pub fn hint(&self) -> String {
        match self {
            DecodeError::Oversized { kind: SizeKind::Samples, limit } => {
                format!("send at most {limit} samples per batch")
            }
            DecodeError::Oversized { .. } => {
                "split the samples over several batches; the agent does this by itself".to_owned()
            }
            DecodeError::Truncated { .. } => {
                "the body was cut off in transit or on disk; check proxies that limit body size"
                    .to_owned()
            }
            DecodeError::Malformed { .. } => {
                "send a JSON batch as cloudctl-wire writes it, zstd-compressed with Content-Encoding: zstd"
                    .to_owned()
            }
            DecodeError::WrongVersion { .. } => {
                "run the same cloudctl version on the agents and the hub".to_owned()
            }
            DecodeError::Invalid { .. } => "fix the agent's configuration (host id)".to_owned(),
            DecodeError::UnsupportedEncoding(_) => {
                "set Content-Encoding: zstd, or send plain JSON without it".to_owned()
            }
        }
    }
}

/// Why a batch could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// Serialization failed (a map key that is not a string, for instance).
    #[error("cannot serialize batch: {0}")]
    Json(#[from] serde_json::Error),
    /// Compression failed.
    #[error("cannot compress batch: {0}")]
    Compress(#[from] std::io::Error),
    /// The encoded batch is over a cap the hub enforces: split it.
    #[error("encoded batch too large: its {kind} is over the limit of {limit}")]
    Oversized {
        /// Which cap.
        kind: SizeKind,
        /// The cap.
        limit: usize,
    },
}
