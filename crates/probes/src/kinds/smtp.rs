//! SMTP: the 220 greeting, EHLO and, by default, STARTTLS with a certificate check (or implicit
//! TLS, for port 465).

use std::sync::Arc;

use rustls::ClientConfig;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::{Error, Result};
use crate::net::{LineConn, connect, split_host_port};
use crate::probe::{BoxFuture, CertInfo, Detail, Failure, FailureKind, Probe};
use crate::tls::{TlsOptions, handshake, peer_cert};

/// How a mail probe (SMTP, IMAP) secures its session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain greeting, then STARTTLS, which the server must offer (the default).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS on 465, IMAPS on 993).
    Implicit,
    /// No TLS: only the greeting and capabilities.
    None,
}

/// Configuration of an SMTP probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// `host:port`.
    pub address: String,
    /// How the session is secured.
    #[serde(default)]
    pub security: Security,
    /// How the certificate is checked.
    #[serde(default)]
    pub tls: TlsOptions,
    /// The name sent with EHLO.
    #[serde(default = "default_helo")]
    pub helo: String,
}

fn default_helo() -> String {
    "cloudctl-probe.localhost".to_owned()
}

struct SmtpProbe {
    host: String,
    port: u16,
    config: SmtpConfig,
    tls: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &SmtpConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    Ok(Box::new(SmtpProbe {
        host,
        port,
        config: c.clone(),
        tls: c.tls.client_config(name)?,
    }))
}

/// Reads one (possibly multi-line) reply: its code and its lines' text.
async fn reply<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
) -> Result<(u16, Vec<String>), Failure> {
    let mut lines = Vec::new();
    loop {
        let line = conn.read_line().await?;
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| {
                Failure::new(
                    FailureKind::Protocol,
                    format!("not an SMTP reply: `{line}`"),
                )
            })?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line.get(4..).unwrap_or_default().to_owned());
        if !more {
            return Ok((code, lines));
        }
    }
}

async fn expect<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut LineConn<S>,
    code: u16,
    after: &str,
) -> Result<Vec<String>, Failure> {
    let (got, lines) = reply(conn).await?;
    if got != code {
        return Err(Failure::new(
            FailureKind::Check,
            format!(
                "SMTP server answered {after} with {got} {}",
                lines.join(" ")
            ),
        ));
    }
    Ok(lines)
}

impl SmtpProbe {
    /// Greeting and EHLO; returns the greeting text and the EHLO capabilities.
    async fn hello<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        conn: &mut LineConn<S>,
        greet: bool,
    ) -> Result<(String, Vec<String>), Failure> {
        let banner = if greet {
            expect(conn, 220, "the connection").await?.join(" ")
        } else {
            String::new()
        };
        conn.write_all(format!("EHLO {}\r\n", self.config.helo).as_bytes())
            .await?;
        let caps = expect(conn, 250, "EHLO").await?;
        Ok((banner, caps))
    }

    async fn finish<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut conn: LineConn<S>,
        banner: String,
        cert: Option<CertInfo>,
    ) -> Result<Detail, Failure> {
        let _ = conn.write_all(b"QUIT\r\n").await;
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
                let (banner, _) = self.hello(&mut conn, true).await?;
                self.finish(conn, banner, cert).await
            }
            Security::None => {
                let mut conn = LineConn::new(stream);
                let (banner, _) = self.hello(&mut conn, true).await?;
                self.finish(conn, banner, None).await
            }
            Security::Starttls => {
                let mut conn = LineConn::new(stream);
                let (banner, caps) = self.hello(&mut conn, true).await?;
                if !caps.iter().any(|c| c.eq_ignore_ascii_case("STARTTLS")) {
                    return Err(Failure::new(
                        FailureKind::Check,
                        format!(
                            "SMTP server `{banner}` does not offer STARTTLS (it offers: {})",
                            caps.join(", ")
                        ),
                    ));
                }
                conn.write_all(b"STARTTLS\r\n").await?;
                expect(&mut conn, 220, "STARTTLS").await?;
                let tls = handshake(conn.into_inner()?, name, self.tls.clone()).await?;
                let cert = peer_cert(&tls);
                let mut conn = LineConn::new(tls);
                self.hello(&mut conn, false).await?;
                self.finish(conn, banner, cert).await
            }
        }
    }
}

impl Probe for SmtpProbe {
    fn kind(&self) -> &'static str {
        "smtp"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(self.run())
    }
}
