//! Redis: AUTH (when a password is configured) and PING, answered by PONG.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::net::{LineConn, connect, split_host_port};
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, Probe};
use crate::secret::Secret;

/// Configuration of a Redis probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// `host:port`.
    pub address: String,
    /// An ACL user name (Redis 6+); without it AUTH uses the default user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password, resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

struct RedisProbe {
    host: String,
    port: u16,
    config: RedisConfig,
}

pub(crate) fn build(name: &str, c: &RedisConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    if c.username.is_some() && c.password.is_none() {
        return Err(Error::config(name, "`username` needs a `password`"));
    }
    Ok(Box::new(RedisProbe {
        host,
        port,
        config: c.clone(),
    }))
}

/// A command as a RESP array of bulk strings.
fn command(parts: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", parts.len()).into_bytes();
    for p in parts {
        out.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
        out.extend_from_slice(p.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

impl Probe for RedisProbe {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let mut conn = LineConn::new(connect(&self.host, self.port).await?);
            if let Some(password) = &self.config.password {
                let mut parts = vec!["AUTH"];
                if let Some(user) = &self.config.username {
                    parts.push(user);
                }
                parts.push(password.expose());
                conn.write_all(&command(&parts)).await?;
                let reply = conn.read_line().await?;
                if reply != "+OK" {
                    return Err(Failure::new(
                        FailureKind::Auth,
                        format!("Redis refused AUTH: {}", reply.trim_start_matches('-')),
                    ));
                }
            }
            conn.write_all(&command(&["PING"])).await?;
            let reply = conn.read_line().await?;
            match reply.as_str() {
                "+PONG" => Ok(Detail::Server {
                    version: None,
                    authenticated: self.config.password.is_some(),
                }),
                r if r.starts_with("-NOAUTH") => Err(Failure::new(
                    FailureKind::Auth,
                    format!(
                        "Redis wants a password: {}; set `password`",
                        r.trim_start_matches('-')
                    ),
                )),
                r if r.starts_with('-') => Err(Failure::new(
                    FailureKind::Check,
                    format!(
                        "Redis answered PING with an error: {}",
                        r.trim_start_matches('-')
                    ),
                )),
                r => Err(Failure::new(
                    FailureKind::Protocol,
                    format!("not a Redis server: PING answered `{r}`"),
                )),
            }
        })
    }
}
