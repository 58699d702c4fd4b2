//! Encoding and decoding batches: JSON, zstd-compressed on the wire, plain in file mode.
//!
//! JSON keeps the file-mode snapshot (`cloudctl agent --once --out FILE`) and the wire batch the
//! same type and readable with any tool; zstd makes it compact (repeated keys compress well).
//! Decompression is streamed through a reader capped at [`Limits::max_decompressed`] + 1 bytes,
//! so a zip bomb is refused after at most that much output, never allocated whole.

use std::io::Read;

use serde::Deserialize;

use crate::{Batch, DecodeError, EncodeError, MIN_WIRE_VERSION, SizeKind, WIRE_VERSION};

/// zstd level for batches: fast, and small batches gain little from higher levels.
const ZSTD_LEVEL: i32 = 3;

/// Largest zstd window a decoder accepts (4 MiB): our encoder never needs more, and a frame that
/// asks for a larger window would make the decoder allocate it.
const WINDOW_LOG_MAX: u32 = 22;

/// The longest host id accepted.
const MAX_HOST_ID_LEN: usize = 64;

/// How a body is encoded (its HTTP Content-Encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Plain JSON (file mode, or a POST without Content-Encoding).
    Identity,
    /// JSON compressed with zstd (`Content-Encoding: zstd`), what the agent sends.
    Zstd,
}

impl Encoding {
    /// The encoding named by a Content-Encoding header value (none means plain JSON).
    pub fn from_header(value: Option<&str>) -> Result<Encoding, DecodeError> {
        match value.map(str::trim) {
            None | Some("") => Ok(Encoding::Identity),
            Some(v) if v.eq_ignore_ascii_case("identity") => Ok(Encoding::Identity),
            Some(v) if v.eq_ignore_ascii_case("zstd") => Ok(Encoding::Zstd),
            Some(v) => Err(DecodeError::UnsupportedEncoding(
                v.chars().take(40).collect(),
            )),
        }
    }

    /// The Content-Encoding header value, if any.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Zstd => Some("zstd"),
        }
    }
}

/// Size caps, checked on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body as sent, in bytes.
    pub max_compressed: usize,
    /// Largest JSON after decompression, in bytes.
    pub max_decompressed: usize,
    /// Most samples in one batch.
    pub max_samples: usize,
}

impl Default for Limits {
    /// 1 MiB on the wire, 8 MiB of JSON, 1,000 samples: a one-sample batch of a busy host is
    /// tens of KiB of JSON, so these leave room while bounding a hub's memory per request.
    fn default() -> Self {
        Limits {
            max_compressed: 1 << 20,
            max_decompressed: 8 << 20,
            max_samples: 1000,
        }
    }
}

/// Encode a batch for the wire: JSON, zstd-compressed. Fails if the result breaks `limits`.
pub fn encode(batch: &Batch, limits: &Limits) -> Result<Vec<u8>, EncodeError> {
    if batch.samples.len() > limits.max_samples {
        return Err(EncodeError::Oversized {
            kind: SizeKind::Samples,
            limit: limits.max_samples,
        });
    }
    let json = serde_json::to_vec(batch)?;
    if json.len() > limits.max_decompressed {
        return Err(EncodeError::Oversized {
            kind: SizeKind::Decompressed,
            limit: limits.max_decompressed,
        });
    }
    let compressed = zstd::bulk::compress(&json, ZSTD_LEVEL)?;
    if compressed.len() > limits.max_compressed {
        return Err(EncodeError::Oversized {
            kind: SizeKind::Compressed,
            limit: limits.max_compressed,
        });
    }
    Ok(compressed)
}

/// Plain, indented JSON for file mode (`--once --out FILE`).
pub fn to_json(batch: &Batch) -> Result<Vec<u8>, EncodeError> {
    let mut json = serde_json::to_vec_pretty(batch)?;
    json.push(b'\n');
    Ok(json)
}

/// Read a plain-JSON batch (file mode), with the same checks as [`decode`].
pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<Batch, DecodeError> {
    decode(bytes, Encoding::Identity, limits)
}

/// Decode a received body: check its size, decompress within the caps, parse, check the version
/// and the envelope's rules. Never panics, whatever the bytes.
pub fn decode(body: &[u8], encoding: Encoding, limits: &Limits) -> Result<Batch, DecodeError> {
    let json = match encoding {
        Encoding::Identity => {
            if body.len() > limits.max_decompressed {
                return Err(DecodeError::Oversized {
                    kind: SizeKind::Decompressed,
                    limit: limits.max_decompressed,
                });
            }
            std::borrow::Cow::Borrowed(body)
        }
        Encoding::Zstd => {
            if body.len() > limits.max_compressed {
                return Err(DecodeError::Oversized {
                    kind: SizeKind::Compressed,
                    limit: limits.max_compressed,
                });
            }
            std::borrow::Cow::Owned(decompress(body, limits.max_decompressed)?)
        }
    };
    parse(&json, limits)
}

/// Decompress at most `max` bytes; more is an error, found before it is allocated.
fn decompress(body: &[u8], max: usize) -> Result<Vec<u8>, DecodeError> {
    if body.is_empty() {
        return Err(DecodeError::Truncated {
            detail: "empty body".to_owned(),
        });
    }
    // A frame that declares its size up front is refused before any work.
    if let Ok(Some(declared)) = zstd::zstd_safe::get_frame_content_size(body)
        && declared > u64::try_from(max).unwrap_or(u64::MAX)
    {
        return Err(DecodeError::Oversized {
            kind: SizeKind::Decompressed,
            limit: max,
        });
    }
    let mut decoder =
        zstd::stream::read::Decoder::with_buffer(body).map_err(|e| DecodeError::Malformed {
            detail: format!("cannot start zstd decoder: {e}"),
        })?;
    decoder
        .window_log_max(WINDOW_LOG_MAX)
        .map_err(|e| DecodeError::Malformed {
            detail: format!("cannot configure zstd decoder: {e}"),
        })?;
    // Start small: most batches are a few KiB; the Vec grows only as real output arrives.
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max));
    let cap = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    match decoder.take(cap).read_to_end(&mut out) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(DecodeError::Truncated {
                detail: format!("zstd stream ends early ({e})"),
            });
        }
        // zstd names this error only by its message: a frame whose window is over WINDOW_LOG_MAX.
        Err(e) if e.to_string().contains("too much memory") => {
            return Err(DecodeError::Oversized {
                kind: SizeKind::Decompressed,
                limit: max,
            });
        }
        Err(e) => {
            return Err(DecodeError::Malformed {
                detail: format!("not a valid zstd stream: {e}"),
            });
        }
    }
    if out.len() > max {
        return Err(DecodeError::Oversized {
            kind: SizeKind::Decompressed,
            limit: max,
        });
    }
    Ok(out)
}

/// Only the version, read when the full parse fails, to tell "wrong version" from "malformed".
#[derive(Deserialize)]
struct VersionOnly {
    wire_version: u32,
}

fn parse(json: &[u8], limits: &Limits) -> Result<Batch, DecodeError> {
    if json.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Truncated {
            detail: "empty batch".to_owned(),
        });
    }
    let batch: Batch = match serde_json::from_slice(json) {
        Ok(batch) => batch,
        Err(e) => {
            if let Ok(v) = serde_json::from_slice::<VersionOnly>(json) {
                check_version(v.wire_version)?;
            }
            return Err(if e.is_eof() {
                DecodeError::Truncated {
                    detail: format!("JSON ends early ({e})"),
                }
            } else {
                DecodeError::Malformed {
                    detail: e.to_string(),
                }
            });
        }
    };
    check_version(batch.wire_version)?;
    check_envelope(&batch, limits)?;
    Ok(batch)
}

fn check_version(got: u32) -> Result<(), DecodeError> {
    if (MIN_WIRE_VERSION..=WIRE_VERSION).contains(&got) {
        Ok(())
    } else {
        Err(DecodeError::WrongVersion {
            got,
            min: MIN_WIRE_VERSION,
            max: WIRE_VERSION,
        })
    }
}

fn check_envelope(batch: &Batch, limits: &Limits) -> Result<(), DecodeError> {
    check_host_id(&batch.host_id)?;
    if batch.seq == 0 {
        return Err(DecodeError::Invalid {
            field: "seq",
            reason: "must start at 1".to_owned(),
        });
    }
    if batch.samples.is_empty() {
        return Err(DecodeError::Invalid {
            field: "samples",
            reason: "must hold at least one sample".to_owned(),
        });
    }
    if batch.samples.len() > limits.max_samples {
        return Err(DecodeError::Oversized {
            kind: SizeKind::Samples,
            limit: limits.max_samples,
        });
    }
    Ok(())
}

/// Check a host id: what the spec calls a host, 1–64 characters of `a-z A-Z 0-9 . _ -`.
pub fn check_host_id(id: &str) -> Result<(), DecodeError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.is_empty() || id.len() > MAX_HOST_ID_LEN || !id.chars().all(ok_char) {
        return Err(DecodeError::Invalid {
            field: "host_id",
            reason: format!(
                "must be 1 to {MAX_HOST_ID_LEN} characters of letters, digits, `.`, `_` or `-`"
            ),
        });
    }
    Ok(())
}
