//! MySQL/MariaDB: the server's greeting (protocol 10) and, when a user is configured, a login
//! with `mysql_native_password` or `caching_sha2_password` (fast path). The server's own error
//! text (`Access denied for user …`) is the failure message.

use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::net::{connect, io_failure, split_host_port};
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, Probe};
use crate::secret::Secret;

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_CONNECT_WITH_DB: u32 = 0x8;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x8_0000;

/// Configuration of a MySQL/MariaDB probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MysqlConfig {
    /// `host:port`.
    pub address: String,
    /// Log in as this user; without one the probe only reads the greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user's password, resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// A database to open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

struct MysqlProbe {
    host: String,
    port: u16,
    config: MysqlConfig,
}

pub(crate) fn build(name: &str, c: &MysqlConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    if c.user.is_none() && (c.password.is_some() || c.database.is_some()) {
        return Err(Error::config(
            name,
            "`password` and `database` need a `user` to log in as",
        ));
    }
    Ok(Box::new(MysqlProbe {
        host,
        port,
        config: c.clone(),
    }))
}

impl Probe for MysqlProbe {
    fn kind(&self) -> &'static str {
        "mysql"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let mut stream = connect(&self.host, self.port).await?;
            let (_, payload) = read_packet(&mut stream).await?;
            let greeting = Greeting::parse(&payload)?;
            let Some(user) = &self.config.user else {
                return Ok(Detail::Server {
                    version: Some(greeting.version),
                    authenticated: false,
                });
            };
            self.login(&mut stream, &greeting, user).await?;
            let _ = write_packet(&mut stream, 0, &[0x01]).await; // COM_QUIT
            Ok(Detail::Server {
                version: Some(greeting.version),
                authenticated: true,
            })
        })
    }
}

struct Greeting {
    version: String,
    scramble: Vec<u8>,
    plugin: String,
}

impl Greeting {
    fn parse(p: &[u8]) -> Result<Self, Failure> {
        if p.first() == Some(&0xff) {
            return Err(err_packet(p));
        }
        let bad = || Failure::new(FailureKind::Protocol, "not a MySQL/MariaDB greeting");
        if p.first() != Some(&10) {
            return Err(bad());
        }
        let nul = p[1..].iter().position(|&b| b == 0).ok_or_else(bad)? + 1;
        let version = String::from_utf8_lossy(&p[1..nul]).into_owned();
        let mut at = nul + 1 + 4; // connection id
        let mut scramble = p.get(at..at + 8).ok_or_else(bad)?.to_vec();
        at += 8 + 1 + 2 + 1 + 2 + 2; // filler, capabilities, charset, status, capabilities
        let auth_len = *p.get(at).ok_or_else(bad)? as usize;
        at += 1 + 10;
        let part2 = auth_len.saturating_sub(8).max(13);
        if let Some(rest) = p.get(at..at + part2) {
            scramble.extend_from_slice(&rest[..rest.len() - 1]); // the last byte is a NUL
            at += part2;
        }
        let plugin = p
            .get(at..)
            .map(|r| {
                String::from_utf8_lossy(r.split(|&b| b == 0).next().unwrap_or_default())
                    .into_owned()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "mysql_native_password".to_owned());
        Ok(Greeting {
            version,
            scramble,
            plugin,
        })
    }
}

impl MysqlProbe {
    async fn login(
        &self,
        stream: &mut TcpStream,
        greeting: &Greeting,
        user: &str,
    ) -> Result<(), Failure> {
        let password = self
            .config
            .password
            .as_ref()
            .map(Secret::expose)
            .unwrap_or("");
        let mut caps = CLIENT_LONG_PASSWORD
            | CLIENT_PROTOCOL_41
            | CLIENT_SECURE_CONNECTION
            | CLIENT_PLUGIN_AUTH;
        if self.config.database.is_some() {
            caps |= CLIENT_CONNECT_WITH_DB;
        }
        let auth = scramble(&greeting.plugin, password, &greeting.scramble)?;
        let mut p = Vec::with_capacity(64 + user.len());
        p.extend_from_slice(&caps.to_le_bytes());
        p.extend_from_slice(&(16u32 << 20).to_le_bytes());
        p.push(45); // utf8mb4
        p.extend_from_slice(&[0; 23]);
        p.extend_from_slice(user.as_bytes());
        p.push(0);
        p.push(auth.len() as u8);
        p.extend_from_slice(&auth);
        if let Some(db) = &self.config.database {
            p.extend_from_slice(db.as_bytes());
            p.push(0);
        }
        p.extend_from_slice(greeting.plugin.as_bytes());
        p.push(0);
        write_packet(stream, 1, &p).await?;
        let mut plugin = greeting.plugin.clone();
        loop {
            let (seq, reply) = read_packet(stream).await?;
            match reply.first() {
                Some(0x00) => return Ok(()),
                Some(0xff) => return Err(err_packet(&reply)),
                Some(0xfe) => {
                    // Auth switch: another plugin, a fresh scramble.
                    let mut parts = reply[1..].splitn(2, |&b| b == 0);
                    plugin = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
                    let data = parts.next().unwrap_or_default();
                    let data = data.strip_suffix(&[0]).unwrap_or(data);
                    let auth = scramble(&plugin, password, data)?;
                    write_packet(stream, seq.wrapping_add(1), &auth).await?;
                }
                Some(0x01) if plugin == "caching_sha2_password" => match reply.get(1) {
                    Some(0x03) => {} // fast path accepted; the OK packet follows
                    _ => {
                        return Err(Failure::new(
                            FailureKind::Auth,
                            format!(
                                "user `{user}` needs caching_sha2_password full authentication (over TLS), which the probe does not speak; log in once with a client to fill the server's cache, or use mysql_native_password"
                            ),
                        ));
                    }
                },
                _ => {
                    return Err(Failure::new(
                        FailureKind::Protocol,
                        "unexpected packet during MySQL login",
                    ));
                }
            }
        }
    }
}

fn scramble(plugin: &str, password: &str, nonce: &[u8]) -> Result<Vec<u8>, Failure> {
    if password.is_empty() {
        return Ok(Vec::new());
    }
    let nonce = &nonce[..nonce.len().min(20)];
    match plugin {
        "mysql_native_password" => {
            let stage1 = Sha1::digest(password.as_bytes());
            let stage2 = Sha1::digest(stage1);
            let mixed = Sha1::new()
                .chain_update(nonce)
                .chain_update(stage2)
                .finalize();
            Ok(stage1.iter().zip(mixed).map(|(a, b)| a ^ b).collect())
        }
        "caching_sha2_password" => {
            let stage1 = Sha256::digest(password.as_bytes());
            let stage2 = Sha256::digest(stage1);
            let mixed = Sha256::new()
                .chain_update(stage2)
                .chain_update(nonce)
                .finalize();
            Ok(stage1.iter().zip(mixed).map(|(a, b)| a ^ b).collect())
        }
        other => Err(Failure::new(
            FailureKind::Auth,
            format!(
                "the server wants auth plugin `{other}`; the probe speaks mysql_native_password and caching_sha2_password"
            ),
        )),
    }
}

fn err_packet(p: &[u8]) -> Failure {
    let code = p
        .get(1..3)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .unwrap_or(0);
    let mut text = p.get(3..).unwrap_or_default();
    if text.first() == Some(&b'#') && text.len() >= 6 {
        text = &text[6..]; // SQLSTATE marker and code
    }
    let message = String::from_utf8_lossy(text);
    let kind = if matches!(code, 1044 | 1045 | 1698) {
        FailureKind::Auth
    } else {
        FailureKind::Check
    };
    Failure::new(kind, format!("MySQL refused: {message} (error {code})"))
}

async fn read_packet(stream: &mut TcpStream) -> Result<(u8, Vec<u8>), Failure> {
    let mut head = [0u8; 4];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|e| io_failure("reading from MySQL", e))?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
    if len > 64 * 1024 {
        return Err(Failure::new(
            FailureKind::Protocol,
            format!("not a MySQL server: a first packet of {len} bytes"),
        ));
    }
    let mut payload = vec![0u8; len];
    stream
        .read_exact(&mut payload)
        .await
        .map_err(|e| io_failure("reading from MySQL", e))?;
    Ok((head[3], payload))
}

async fn write_packet(stream: &mut TcpStream, seq: u8, payload: &[u8]) -> Result<(), Failure> {
    let len = (payload.len() as u32).to_le_bytes();
    let mut packet = vec![len[0], len[1], len[2], seq];
    packet.extend_from_slice(payload);
    stream
        .write_all(&packet)
        .await
        .map_err(|e| io_failure("writing to MySQL", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_password_scramble_is_twenty_bytes_and_empty_for_no_password() {
        let nonce = [7u8; 20];
        assert_eq!(
            scramble("mysql_native_password", "secret", &nonce)
                .unwrap()
                .len(),
            20
        );
        assert_eq!(
            scramble("caching_sha2_password", "secret", &nonce)
                .unwrap()
                .len(),
            32
        );
        assert!(
            scramble("mysql_native_password", "", &nonce)
                .unwrap()
                .is_empty()
        );
        assert!(
            scramble("client_ed25519", "x", &nonce)
                .unwrap_err()
                .message
                .contains("client_ed25519")
        );
    }

    #[test]
    fn error_packets_keep_the_server_words() {
        let mut p = vec![0xff, 0x15, 0x04, b'#'];
        p.extend_from_slice(b"28000Access denied for user 'x'");
        let f = err_packet(&p);
        assert_eq!(f.kind, FailureKind::Auth);
        assert_eq!(
            f.message,
            "MySQL refused: Access denied for user 'x' (error 1045)"
        );
    }
}
