//! Connecting and line-oriented reading shared by the protocol probes.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::probe::{Failure, FailureKind};

/// Longest line a text protocol may send before the probe gives up on it.
const MAX_LINE: usize = 8192;

/// Splits `host:port` (or `[v6]:port`); `None` when the port is missing or not a number.
pub(crate) fn split_host_port(address: &str) -> Option<(String, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let port = port.parse().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    Some((host.to_owned(), port))
}

/// Resolves `host` and connects to the first address that answers; errors name the address.
pub(crate) async fn connect(host: &str, port: u16) -> Result<TcpStream, Failure> {
    let addrs: Vec<_> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| {
            Failure::new(
                FailureKind::Resolve,
                format!("cannot resolve `{host}`: {e}"),
            )
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Failure::new(
            FailureKind::Resolve,
            format!("`{host}` has no address"),
        ));
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Probes exchange a few small messages; waiting for Nagle would only add latency.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(format!("cannot connect to {addr}: {e}")),
        }
    }
    Err(Failure::new(FailureKind::Connect, last.unwrap_or_default()))
}

/// An I/O error during an exchange, named by what the probe was doing.
pub(crate) fn io_failure(doing: &str, e: std::io::Error) -> Failure {
    Failure::new(FailureKind::Protocol, format!("{doing}: {e}"))
}

/// A stream read line by line (SMTP, IMAP, Redis), that can be handed back for a TLS upgrade.
pub(crate) struct LineConn<S> {
    stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> LineConn<S> {
    /// Wraps a connected stream.
    pub(crate) fn new(stream: S) -> Self {
        LineConn {
            stream,
            buf: Vec::with_capacity(512),
        }
    }

    /// The next line without its line ending.
    pub(crate) async fn read_line(&mut self) -> Result<String, Failure> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let text = String::from_utf8_lossy(&line);
                return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(Failure::new(
                    FailureKind::Protocol,
                    format!("the server sent a line longer than {MAX_LINE} bytes"),
                ));
            }
            let mut chunk = [0u8; 1024];
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| io_failure("reading from the server", e))?;
            if n == 0 {
                return Err(Failure::new(
                    FailureKind::Protocol,
                    "the server closed the connection before answering",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Writes all of `data` and flushes it.
    pub(crate) async fn write_all(&mut self, data: &[u8]) -> Result<(), Failure> {
        self.stream
            .write_all(data)
            .await
            .map_err(|e| io_failure("writing to the server", e))?;
        self.stream
            .flush()
            .await
            .map_err(|e| io_failure("writing to the server", e))
    }

    /// The stream back, for a TLS upgrade. Bytes the server sent ahead of the handshake would be
    /// read as if they came over TLS (the STARTTLS injection flaw), so they are an error.
    pub(crate) fn into_inner(self) -> Result<S, Failure> {
        if !self.buf.is_empty() {
            return Err(Failure::new(
                FailureKind::Protocol,
                "the server sent data after accepting STARTTLS, before the TLS handshake",
            ));
        }
        Ok(self.stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_addresses() {
        assert_eq!(split_host_port("db:5432"), Some(("db".into(), 5432)));
        assert_eq!(split_host_port("[::1]:25"), Some(("::1".into(), 25)));
        assert_eq!(split_host_port("db"), None);
        assert_eq!(split_host_port(":80"), None);
    }
}
