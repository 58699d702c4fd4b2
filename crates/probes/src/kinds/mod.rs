//! The registry of probe kinds: each kind is one file here with its configuration type and its
//! [`crate::Probe`] implementation. Adding a kind means adding its file and one line to each of
//! [`ProbeKind`] and [`build`].

pub mod dns;
pub mod http;
pub mod imap;
pub mod mysql;
pub mod ping;
pub mod postgres;
pub mod redis;
pub mod smtp;
pub mod tcp;
pub mod tls;

use serde::{Deserialize, Serialize};

use crate::config::ProbeDef;
use crate::error::Result;
use crate::probe::Probe;

/// What a probe checks, chosen by the `kind` field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeKind {
    /// An HTTP(S) request: status, keyword, redirects, auth portal.
    Http(http::HttpConfig),
    /// A TLS handshake: certificate validity and days left.
    Tls(tls::TlsConfig),
    /// A TCP connect.
    Tcp(tcp::TcpConfig),
    /// A DNS lookup against a given resolver.
    Dns(dns::DnsConfig),
    /// An ICMP echo, falling back to a TCP connect where ICMP sockets are not permitted.
    Ping(ping::PingConfig),
    /// A PostgreSQL startup and login.
    Postgres(postgres::PostgresConfig),
    /// A MySQL/MariaDB greeting and optional login.
    Mysql(mysql::MysqlConfig),
    /// A Redis AUTH and PING.
    Redis(redis::RedisConfig),
    /// An SMTP greeting, EHLO and STARTTLS.
    Smtp(smtp::SmtpConfig),
    /// An IMAP greeting, CAPABILITY and STARTTLS.
    Imap(imap::ImapConfig),
}

/// Builds the runnable probe for a definition, checking its configuration.
pub fn build(def: &ProbeDef) -> Result<Box<dyn Probe>> {
    let name = def.name.as_str();
    match &def.check {
        ProbeKind::Http(c) => http::build(name, c),
        ProbeKind::Tls(c) => tls::build(name, c),
        ProbeKind::Tcp(c) => tcp::build(name, c),
        ProbeKind::Dns(c) => dns::build(name, c),
        ProbeKind::Ping(c) => ping::build(name, c),
        ProbeKind::Postgres(c) => postgres::build(name, c),
        ProbeKind::Mysql(c) => mysql::build(name, c),
        ProbeKind::Redis(c) => redis::build(name, c),
        ProbeKind::Smtp(c) => smtp::build(name, c),
        ProbeKind::Imap(c) => imap::build(name, c),
    }
}
