//! IMAP: the `* OK` greeting, CAPABILITY and, by default, STARTTLS with a certificate check (or
//! implicit TLS, for port 993).

use std::sync::Arc;

use rustls::ClientConfig;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::{Error, Result};
use crate::kinds::smtp::Security;
use crate::net::{LineConn, connect, split_host_port};
use crate::probe::{BoxFuture, CertInfo, Detail, Failure, FailureKind, Probe};
use crate::tls::{TlsOptions, handshake, peer_cert};

/// Configuration of an IMAP probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// `host:port`.
    pub address: String,
    /// How the session is secured.
    #[serde(default)]
    pub security: Security,
    /// How the certificate is checked.
    #[serde(default)]
    pub tls: TlsOptions,
}

struct ImapProbe {
    host: String,
    port: u16,
    config: ImapConfig,
    tls: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &ImapConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    Ok(Box::new(ImapProbe {
        host,
        port,
        config: c.clone(),
        tls: c.tls.client_config(name)?,
    }))
}

async fn greeting<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
) -> Result<String, Failure> {
    let line = conn.read_line().await?;
    if line.starts_with("* OK") || line.starts_with("* PREAUTH") {
        Ok(line)
    } else {
        Err(Failure::new(
            FailureKind::Check,
            format!("IMAP server greeted with `{line}`"),
        ))
    }
}

/// Sends a tagged command; returns the untagged lines before its `OK`.
async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
    tag: &str,
    text: &str,
) -> Result<Vec<String>, Failure> {
    conn.write_all(format!("{tag} {text}\r\n").as_bytes())
        .await?;
    let mut untagged = Vec::new();
    for _ in 0..64 {
        let line = conn.read_line().await?;
        if let Some(status) = line.strip_prefix(tag).map(str::trim_start) {
            if status.starts_with("OK") {
                return Ok(untagged);
            }
            return Err(Failure::new(
                FailureKind::Check,
                format!("IMAP server answered {text} with `{status}`"),
            ));
        }
        untagged.push(line);
    }
    Err(Failure::new(
        FailureKind::Protocol,
        format!("IMAP server never finished answering {text}"),
    ))
}

impl ImapProbe {
    async fn finish<S: AsyncRead + AsyncWrite + Unpin>(
        mut conn: LineConn<S>,
        banner: String,
        cert: Option<CertInfo>,
    ) -> Result<Detail, Failure> {
        let _ = conn.write_all(b"z LOGOUT\r\n").await;
        Ok(Detail::Mail {
            banner,
            tls: cert.is_some(),
            cert,
        })
    }

    async fn run(&self) -> Result<Detail, Failure> {
        let stream = connect(&self.host, self.port).await?;
        let name = self.config.tls.name_for(&self.host);
        match self.config.security {
            Security::Implicit => {
                let tls = handshake(stream, name, self.tls.clone()).await?;
                let cert = peer_cert(&tls);
                let mut conn = LineConn::new(tls);
                let banner = greeting(&mut conn).await?;
                command(&mut conn, "a1", "CAPABILITY").await?;
                Self::finish(conn, banner, cert).await
            }
            Security::None => {
                let mut conn = LineConn::new(stream);
                let banner = greeting(&mut conn).await?;
                command(&mut conn, "a1", "CAPABILITY").await?;
                Self::finish(conn, banner, None).await
            }
            Security::Starttls => {
                let mut conn = LineConn::new(stream);
                let banner = greeting(&mut conn).await?;
                let caps = command(&mut conn, "a1", "CAPABILITY").await?;
                let offers = caps.iter().any(|l| {
                    l.starts_with("* CAPABILITY")
                        && l.split_whitespace()
                            .any(|w| w.eq_ignore_ascii_case("STARTTLS"))
                });
                if !offers {
                    return Err(Failure::new(
                        FailureKind::Check,
                        format!(
                            "IMAP server `{banner}` does not offer STARTTLS ({})",
                            caps.join(" ")
                        ),
                    ));
                }
                command(&mut conn, "a2", "STARTTLS").await?;
                let tls = handshake(conn.into_inner()?, name, self.tls.clone()).await?;
                let cert = peer_cert(&tls);
                let mut conn = LineConn::new(tls);
                command(&mut conn, "a3", "CAPABILITY").await?;
                Self::finish(conn, banner, cert).await
            }
        }
    }
}

impl Probe for ImapProbe {
    fn kind(&self) -> &'static str {
        "imap"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(self.run())
    }
}
