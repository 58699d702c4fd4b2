//! Listening sockets and who owns them.

use serde::{Deserialize, Serialize};

/// A listening TCP socket or a bound UDP socket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListeningSocket {
    /// Protocol and address family.
    pub proto: SocketProto,
    /// Local address (`0.0.0.0`, `::`, `127.0.0.1`, …).
    pub addr: String,
    /// Local port.
    pub port: u16,
    /// The owning process or container, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<SocketOwner>,
}

/// Protocol and address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocketProto {
    /// TCP over IPv4.
    Tcp,
    /// TCP over IPv6.
    Tcp6,
    /// UDP over IPv4.
    Udp,
    /// UDP over IPv6.
    Udp6,
}

/// Who owns a socket.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SocketOwner {
    /// Process id.
    pub pid: u32,
    /// Command name.
    pub process: String,
    /// Container name, when the process runs in a container the engine reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}
