//! TCP connect: the port accepts connections.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::net::{connect, split_host_port};
use crate::probe::{BoxFuture, Detail, Failure, Probe};

/// Configuration of a TCP probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TcpConfig {
    /// `host:port` to connect to.
    pub address: String,
}

struct TcpProbe {
    host: String,
    port: u16,
}

pub(crate) fn build(name: &str, c: &TcpConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    Ok(Box::new(TcpProbe { host, port }))
}

impl Probe for TcpProbe {
    fn kind(&self) -> &'static str {
        "tcp"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let stream = connect(&self.host, self.port).await?;
            let address = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| format!("{}:{}", self.host, self.port));
            Ok(Detail::Tcp { address })
        })
    }
}
