//! A minimal, blocking HTTP/1.1 client for the Docker Engine API on a unix socket (dockerd, or
//! Podman's compatible socket): GET only, one request per connection, bodies capped in size.
//!
//! Why not an SDK: the agent asks three read-only endpoints every tick, and a full client (with
//! its own runtime needs, TLS and types for the whole API) would cost more memory than the rest
//! of the agent together. Responses are either `Content-Length` or `chunked`; both are handled.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The API version asked for: 1.41 is served by dockerd ≥ 20.10 and by Podman ≥ 3.
const API: &str = "/v1.41";

/// The largest response body read (a container list of a busy host is well under this).
const MAX_BODY: usize = 8 << 20;

/// Why an engine request failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// The socket could not be reached.
    #[error("cannot connect to {path}: {source}")]
    Connect {
        /// The socket.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The exchange failed midway.
    #[error("engine request {what} failed: {source}")]
    Io {
        /// The request.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The engine answered something that is not a usable HTTP response.
    #[error("engine request {what}: {reason}")]
    Protocol {
        /// The request.
        what: String,
        /// What was wrong.
        reason: String,
    },
    /// The engine answered with a non-2xx status.
    #[error("engine request {what} answered {status}")]
    Status {
        /// The request.
        what: String,
        /// The status.
        status: u16,
    },
}

/// A client for one engine socket.
#[derive(Debug, Clone)]
pub struct DockerClient {
    socket: PathBuf,
    timeout: Duration,
}

impl DockerClient {
    /// A client for the socket at `socket`; every request gives up after `timeout` of silence.
    pub fn new(socket: impl Into<PathBuf>, timeout: Duration) -> Self {
        DockerClient {
            socket: socket.into(),
            timeout,
        }
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// GET `path` (below the API version prefix) and return the body of a 2xx answer.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, DockerError> {
        let what = || path.split('?').next().unwrap_or(path).to_owned();
        let io = |source| DockerError::Io {
            what: what(),
            source,
        };
        let stream = UnixStream::connect(&self.socket).map_err(|source| DockerError::Connect {
            path: self.socket.clone(),
            source,
        })?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let mut writer = &stream;
        write!(
            writer,
            "GET {API}{path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: cloudctl-agent\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        )
        .map_err(io)?;
        let mut reader = BufReader::with_capacity(8192, &stream);
        let (status, length, chunked) = read_head(&mut reader).map_err(|e| match e {
            HeadError::Io(source) => DockerError::Io {
                what: what(),
                source,
            },
            HeadError::Bad(reason) => DockerError::Protocol {
                what: what(),
                reason,
            },
        })?;
        let body = if chunked {
            read_chunked(&mut reader)
        } else {
            read_plain(&mut reader, length)
        }
        .map_err(|e| match e {
            HeadError::Io(source) => DockerError::Io {
                what: what(),
                source,
            },
            HeadError::Bad(reason) => DockerError::Protocol {
                what: what(),
                reason,
            },
        })?;
        if !(200..300).contains(&status) {
            return Err(DockerError::Status {
                what: what(),
                status,
            });
        }
        Ok(body)
    }
}

enum HeadError {
    Io(std::io::Error),
    Bad(String),
}

impl From<std::io::Error> for HeadError {
    fn from(e: std::io::Error) -> Self {
        HeadError::Io(e)
    }
}

/// Read the status line and headers: (status, content length, chunked).
fn read_head(r: &mut impl BufRead) -> Result<(u16, Option<usize>, bool), HeadError> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| HeadError::Bad(format!("bad status line {:?}", line.trim_end())))?;
    let mut length = None;
    let mut chunked = false;
    let mut header_bytes = 0usize;
    loop {
        line.clear();
        let n = r.read_line(&mut line)?;
        header_bytes += n;
        if n == 0 {
            return Err(HeadError::Bad(
                "connection closed inside the headers".to_owned(),
            ));
        }
        if header_bytes > 64 * 1024 {
            return Err(HeadError::Bad("headers too large".to_owned()));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(
                    value
                        .parse()
                        .map_err(|_| HeadError::Bad(format!("bad Content-Length {value:?}")))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            }
        }
    }
    Ok((status, length, chunked))
}

fn read_plain(r: &mut impl Read, length: Option<usize>) -> Result<Vec<u8>, HeadError> {
    let mut body = Vec::new();
    match length {
        Some(n) if n > MAX_BODY => {
            return Err(HeadError::Bad(format!("body of {n} bytes is too large")));
        }
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body)?;
        }
        None => {
            r.take(MAX_BODY as u64 + 1).read_to_end(&mut body)?;
            if body.len() > MAX_BODY {
                return Err(HeadError::Bad("body too large".to_owned()));
            }
        }
    }
    Ok(body)
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, HeadError> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(HeadError::Bad(
                "connection closed inside a chunked body".to_owned(),
            ));
        }
        let size_text = line.trim_end().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text.trim(), 16)
            .map_err(|_| HeadError::Bad(format!("bad chunk size {:?}", line.trim_end())))?;
        if size == 0 {
            // Trailers (rare) end with an empty line; the connection closes anyway.
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(HeadError::Bad("body too large".to_owned()));
        }
        let start = body.len();
        body.resize(start + size, 0);
        r.read_exact(&mut body[start..])?;
        line.clear();
        r.read_line(&mut line)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chunked_and_plain_bodies() {
        let text = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n";
        let mut r = &text[..];
        let (status, length, chunked) = match read_head(&mut r) {
            Ok(v) => v,
            Err(_) => panic!("head"),
        };
        assert_eq!((status, length, chunked), (200, None, true));
        let body = match read_chunked(&mut r) {
            Ok(b) => b,
            Err(_) => panic!("body"),
        };
        assert_eq!(body, b"hello world");

        let text = b"HTTP/1.0 404 Not Found\r\ncontent-length: 3\r\n\r\nabc";
        let mut r = &text[..];
        let Ok((status, length, chunked)) = read_head(&mut r) else {
            panic!("head")
        };
        assert_eq!((status, length, chunked), (404, Some(3), false));
        let Ok(body) = read_plain(&mut r, length) else {
            panic!("body")
        };
        assert_eq!(body, b"abc");
    }

    #[test]
    fn rejects_garbage() {
        let mut r = &b"SSH-2.0-OpenSSH\r\n"[..];
        assert!(matches!(read_head(&mut r), Err(HeadError::Bad(_))));
        let mut r = &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"[..];
        assert!(read_head(&mut r).is_ok());
        assert!(matches!(read_chunked(&mut r), Err(HeadError::Bad(_))));
    }
}
