//! `tcp://HOST:PORT`: up when a TCP connection is accepted.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

use super::deadline::Deadline;
use super::target::Bracketed;

/// Connect and close.
pub(super) fn check(host: &str, port: u16, deadline: &Deadline) -> Result<(), String> {
    connect(host, port, deadline).map(drop)
}

/// Connect to `host:port`, trying each address it resolves to until the deadline.
pub(super) fn connect(host: &str, port: u16, deadline: &Deadline) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    connect_any(&addrs, deadline).map_err(|e| match e {
        Some((addr, reason)) if addrs.len() == 1 => format!("connect to {addr}: {reason}"),
        Some((addr, reason)) => format!(
            "connect to {}:{port} (last tried {addr}): {reason}",
            Bracketed(host)
        ),
        None => format!("{host} resolves to no address"),
    })
}

/// The first address that accepts; else the last failure, if any address was tried.
pub(super) fn connect_any(
    addrs: &[SocketAddr],
    deadline: &Deadline,
) -> Result<TcpStream, Option<(SocketAddr, String)>> {
    let mut last = None;
    for addr in addrs {
        let left = deadline.remaining().map_err(|e| Some((*addr, e)))?;
        match TcpStream::connect_timeout(addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some((*addr, deadline.describe(&e))),
        }
    }
    Err(last)
}
