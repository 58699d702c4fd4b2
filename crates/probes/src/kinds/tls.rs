//! TLS certificate: the handshake succeeds and the certificate has enough days left.

use std::sync::Arc;

use rustls::ClientConfig;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::net::{connect, split_host_port};
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, Probe};
use crate::tls::{TlsOptions, handshake, peer_cert};

/// Configuration of a TLS certificate probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// `host:port` to connect to.
    pub address: String,
    /// Fewer days left than this fails the probe (the alert rule has its own, usually larger, bar).
    #[serde(default)]
    pub min_days_left: i64,
    /// How the certificate is checked.
    #[serde(default)]
    pub tls: TlsOptions,
}

struct TlsProbe {
    host: String,
    port: u16,
    name: String,
    min_days_left: i64,
    config: Arc<ClientConfig>,
}

pub(crate) fn build(name: &str, c: &TlsConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    Ok(Box::new(TlsProbe {
        name: c.tls.name_for(&host).to_owned(),
        host,
        port,
        min_days_left: c.min_days_left,
        config: c.tls.client_config(name)?,
    }))
}

impl Probe for TlsProbe {
    fn kind(&self) -> &'static str {
        "tls"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let stream = connect(&self.host, self.port).await?;
            let tls = handshake(stream, &self.name, self.config.clone()).await?;
            let cert = peer_cert(&tls).ok_or_else(|| {
                Failure::new(
                    FailureKind::Tls,
                    "the server's certificate could not be read",
                )
            })?;
            if cert.days_left < self.min_days_left {
                return Err(Failure::new(
                    FailureKind::Check,
                    format!(
                        "certificate of `{}` ({}) expires in {} days, fewer than {}",
                        self.name, cert.subject, cert.days_left, self.min_days_left
                    ),
                ));
            }
            Ok(Detail::Tls(cert))
        })
    }
}
