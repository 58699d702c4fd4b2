//! Ping: an ICMP echo over an unprivileged ICMP datagram socket. Where such sockets are not
//! permitted (`net.ipv4.ping_group_range` excludes the process), a TCP connect to a fallback port
//! answers instead: an accepted or a refused connection both prove the host is up.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpStream, UdpSocket};

use crate::error::Result;
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, PingVia, Probe};

/// Configuration of a ping probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PingConfig {
    /// A host name or IP address (no port).
    pub address: String,
    /// The port for the TCP fallback (default 22: most VMs run SSH).
    #[serde(default = "default_fallback_port")]
    pub fallback_port: u16,
}

fn default_fallback_port() -> u16 {
    22
}

struct PingProbe {
    host: String,
    fallback_port: u16,
}

pub(crate) fn build(_probe: &str, c: &PingConfig) -> Result<Box<dyn Probe>> {
    Ok(Box::new(PingProbe {
        host: c.address.clone(),
        fallback_port: c.fallback_port,
    }))
}

impl Probe for PingProbe {
    fn kind(&self) -> &'static str {
        "ping"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let addr = resolve(&self.host).await?;
            match echo(addr).await {
                Ok(()) => Ok(Detail::Ping {
                    address: addr.to_string(),
                    via: PingVia::Icmp,
                }),
                Err(Echo::NotPermitted(why)) => self.tcp_fallback(addr, &why).await,
                Err(Echo::Failed(f)) => Err(f),
            }
        })
    }
}

impl PingProbe {
    async fn tcp_fallback(&self, addr: IpAddr, why: &str) -> Result<Detail, Failure> {
        let target = SocketAddr::new(addr, self.fallback_port);
        match TcpStream::connect(target).await {
            // A refusal is an answer from the host's kernel: the host is up.
            Ok(_) => Ok(Detail::Ping {
                address: addr.to_string(),
                via: PingVia::TcpFallback,
            }),
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => Ok(Detail::Ping {
                address: addr.to_string(),
                via: PingVia::TcpFallback,
            }),
            Err(e) => Err(Failure::new(
                FailureKind::Connect,
                format!(
                    "{addr} does not answer: ICMP is not usable here ({why}) and a TCP connect to {target} failed: {e}"
                ),
            )),
        }
    }
}

async fn resolve(host: &str) -> Result<IpAddr, Failure> {
    if let Ok(ip) = host.parse() {
        return Ok(ip);
    }
    tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| {
            Failure::new(
                FailureKind::Resolve,
                format!("cannot resolve `{host}`: {e}"),
            )
        })?
        .next()
        .map(|a| a.ip())
        .ok_or_else(|| Failure::new(FailureKind::Resolve, format!("`{host}` has no address")))
}

enum Echo {
    /// ICMP sockets are not allowed for this process; the text says why.
    NotPermitted(String),
    Failed(Failure),
}

async fn echo(addr: IpAddr) -> Result<(), Echo> {
    let (domain, protocol, request, reply) = match addr {
        IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4, 8u8, 0u8),
        IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6, 128u8, 129u8),
    };
    let socket = Socket::new(domain, Type::DGRAM, Some(protocol)).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::Unsupported => Echo::NotPermitted(format!(
            "{e}; allow it with sysctl net.ipv4.ping_group_range"
        )),
        _ if matches!(e.raw_os_error(), Some(93 | 97)) => Echo::NotPermitted(e.to_string()),
        _ => Echo::Failed(Failure::new(
            FailureKind::Connect,
            format!("cannot open an ICMP socket: {e}"),
        )),
    })?;
    let failed = |e: std::io::Error| {
        Echo::Failed(Failure::new(
            FailureKind::Connect,
            format!("ping {addr}: {e}"),
        ))
    };
    socket.set_nonblocking(true).map_err(failed)?;
    let socket = UdpSocket::from_std(std::net::UdpSocket::from(socket)).map_err(failed)?;
    socket
        .connect(SocketAddr::new(addr, 0))
        .await
        .map_err(failed)?;
    let sequence: u16 = 1;
    // Type, code, checksum (the kernel fills it in), identifier (the kernel sets it), sequence.
    let mut packet = vec![request, 0, 0, 0, 0, 0];
    packet.extend_from_slice(&sequence.to_be_bytes());
    packet.extend_from_slice(b"cloudctl-probe..");
    socket.send(&packet).await.map_err(failed)?;
    let mut buf = [0u8; 1500];
    loop {
        let n = socket.recv(&mut buf).await.map_err(failed)?;
        if n >= 8 && buf[0] == reply && buf[6..8] == sequence.to_be_bytes() {
            return Ok(());
        }
    }
}
