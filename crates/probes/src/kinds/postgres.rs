//! PostgreSQL: the startup message, authentication (trust, cleartext or SCRAM-SHA-256) and the
//! server's ready signal. The server's own error text (a missing database, a refused login) is
//! the failure message.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::net::{connect, io_failure, split_host_port};
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, Probe};
use crate::secret::Secret;

/// Bound on one backend message; startup messages are tiny.
const MAX_MESSAGE: usize = 64 * 1024;

/// Configuration of a PostgreSQL probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// `host:port`.
    pub address: String,
    /// The role to log in as.
    #[serde(default = "default_user")]
    pub user: String,
    /// The database; default: the role's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The role's password, resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

fn default_user() -> String {
    "postgres".to_owned()
}

struct PostgresProbe {
    host: String,
    port: u16,
    config: PostgresConfig,
}

pub(crate) fn build(name: &str, c: &PostgresConfig) -> Result<Box<dyn Probe>> {
    let (host, port) = split_host_port(&c.address).ok_or_else(|| {
        Error::config(
            name,
            format!("address `{}` needs the form host:port", c.address),
        )
    })?;
    Ok(Box::new(PostgresProbe {
        host,
        port,
        config: c.clone(),
    }))
}

impl Probe for PostgresProbe {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let mut stream = connect(&self.host, self.port).await?;
            let version = self.session(&mut stream).await?;
            // Terminate, politely; the result no longer matters.
            let _ = stream.write_all(&[b'X', 0, 0, 0, 4]).await;
            Ok(Detail::Server {
                version,
                authenticated: true,
            })
        })
    }
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 5);
    m.push(tag);
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

async fn read_message(stream: &mut TcpStream) -> Result<(u8, Vec<u8>), Failure> {
    let mut head = [0u8; 5];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|e| io_failure("reading from PostgreSQL", e))?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=MAX_MESSAGE).contains(&len) {
        return Err(Failure::new(
            FailureKind::Protocol,
            format!(
                "not a PostgreSQL server: message `{}` of {len} bytes",
                head[0] as char
            ),
        ));
    }
    let mut body = vec![0u8; len - 4];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|e| io_failure("reading from PostgreSQL", e))?;
    Ok((head[0], body))
}

fn auth_code(body: &[u8]) -> u32 {
    body.get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(u32::MAX)
}

/// Turns an ErrorResponse into a failure carrying the server's message and SQLSTATE.
fn server_error(body: &[u8]) -> Failure {
    let mut message = String::new();
    let mut code = String::new();
    for field in body.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let text = String::from_utf8_lossy(&field[1..]).into_owned();
        match field[0] {
            b'M' => message = text,
            b'C' => code = text,
            _ => {}
        }
    }
    let kind = if code.starts_with("28") {
        FailureKind::Auth
    } else {
        FailureKind::Check
    };
    Failure::new(
        kind,
        format!("PostgreSQL refused: {message} (SQLSTATE {code})"),
    )
}

impl PostgresProbe {
    async fn send(&self, stream: &mut TcpStream, bytes: &[u8]) -> Result<(), Failure> {
        stream
            .write_all(bytes)
            .await
            .map_err(|e| io_failure("writing to PostgreSQL", e))
    }

    fn password(&self) -> Result<&str, Failure> {
        self.config
            .password
            .as_ref()
            .map(Secret::expose)
            .ok_or_else(|| {
                Failure::new(
                    FailureKind::Auth,
                    format!(
                        "PostgreSQL asks role `{}` for a password; set `password`",
                        self.config.user
                    ),
                )
            })
    }

    /// Logs in and waits for ReadyForQuery; returns the server version it announced.
    async fn session(&self, stream: &mut TcpStream) -> Result<Option<String>, Failure> {
        let mut startup = Vec::new();
        startup.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
        let database = self.config.database.as_deref().unwrap_or(&self.config.user);
        for (k, v) in [
            ("user", self.config.user.as_str()),
            ("database", database),
            ("application_name", "cloudctl-probe"),
        ] {
            startup.extend_from_slice(k.as_bytes());
            startup.push(0);
            startup.extend_from_slice(v.as_bytes());
            startup.push(0);
        }
        startup.push(0);
        let mut first = ((startup.len() + 4) as u32).to_be_bytes().to_vec();
        first.extend_from_slice(&startup);
        self.send(stream, &first).await?;

        let mut version = None;
        let mut scram: Option<Scram> = None;
        loop {
            let (tag, body) = read_message(stream).await?;
            match (tag, auth_code(&body)) {
                (b'R', 0) => {}
                (b'R', 3) => {
                    let mut pw = self.password()?.as_bytes().to_vec();
                    pw.push(0);
                    self.send(stream, &message(b'p', &pw)).await?;
                }
                (b'R', 5) => {
                    return Err(Failure::new(
                        FailureKind::Auth,
                        "PostgreSQL asks for MD5 password authentication, which the probe does not speak; use scram-sha-256 in pg_hba.conf",
                    ));
                }
                (b'R', 10) => {
                    let mechanisms = String::from_utf8_lossy(&body[4..]).into_owned();
                    if !mechanisms.split('\0').any(|m| m == "SCRAM-SHA-256") {
                        return Err(Failure::new(
                            FailureKind::Auth,
                            format!(
                                "PostgreSQL offers only SASL mechanisms {mechanisms:?}; the probe speaks SCRAM-SHA-256"
                            ),
                        ));
                    }
                    let s = Scram::new(&self.config.user, self.password()?);
                    let mut body = b"SCRAM-SHA-256\0".to_vec();
                    body.extend_from_slice(&(s.client_first().len() as u32).to_be_bytes());
                    body.extend_from_slice(s.client_first().as_bytes());
                    self.send(stream, &message(b'p', &body)).await?;
                    scram = Some(s);
                }
                (b'R', 11) => {
                    let s = scram.as_mut().ok_or_else(|| unexpected("SASLContinue"))?;
                    let final_message = s.client_final(&String::from_utf8_lossy(&body[4..]))?;
                    self.send(stream, &message(b'p', final_message.as_bytes()))
                        .await?;
                }
                (b'R', 12) => {
                    let s = scram.as_ref().ok_or_else(|| unexpected("SASLFinal"))?;
                    s.verify_server(&String::from_utf8_lossy(&body[4..]))?;
                }
                (b'R', code) => {
                    return Err(Failure::new(
                        FailureKind::Auth,
                        format!(
                            "PostgreSQL asks for authentication method {code}, which the probe does not speak"
                        ),
                    ));
                }
                (b'E', _) => return Err(server_error(&body)),
                (b'S', _) => {
                    let mut parts = body.split(|&b| b == 0);
                    if parts.next() == Some(b"server_version") {
                        version = parts
                            .next()
                            .map(|v| String::from_utf8_lossy(v).into_owned());
                    }
                }
                (b'Z', _) => return Ok(version),
                // BackendKeyData, notices: not needed.
                (b'K' | b'N', _) => {}
                (other, _) => return Err(unexpected(&format!("message `{}`", other as char))),
            }
        }
    }
}

fn unexpected(what: &str) -> Failure {
    Failure::new(
        FailureKind::Protocol,
        format!("PostgreSQL sent an unexpected {what} during login"),
    )
}

/// One SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as a client.
struct Scram {
    password: String,
    client_first_bare: String,
    auth_message: String,
    salted: [u8; 32],
}

impl Scram {
    fn new(_user: &str, password: &str) -> Self {
        let mut raw = [0u8; 18];
        // Falls back to a time-based nonce only if the OS has no randomness to give.
        if crate::tls::random(&mut raw).is_err() {
            raw[..16].copy_from_slice(&crate::tls::unix_nanos().to_be_bytes());
        }
        Self::with_nonce(password, &base64_encode(&raw))
    }

    fn with_nonce(password: &str, nonce: &str) -> Self {
        // PostgreSQL ignores the SCRAM user name (it uses the startup's), so it is left empty.
        Scram {
            password: password.to_owned(),
            client_first_bare: format!("n=,r={nonce}"),
            auth_message: String::new(),
            salted: [0; 32],
        }
    }

    fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    fn client_final(&mut self, server_first: &str) -> Result<String, Failure> {
        let bad = || {
            Failure::new(
                FailureKind::Protocol,
                format!("malformed SCRAM server-first message `{server_first}`"),
            )
        };
        let attr = |key: &str| {
            server_first
                .split(',')
                .find_map(|p| p.strip_prefix(key))
                .ok_or_else(bad)
        };
        let nonce = attr("r=")?;
        let client_nonce = self
            .client_first_bare
            .split("r=")
            .nth(1)
            .unwrap_or_default();
        if !nonce.starts_with(client_nonce) {
            return Err(Failure::new(
                FailureKind::Auth,
                "SCRAM server nonce does not extend ours",
            ));
        }
        let salt = base64_decode(attr("s=")?).ok_or_else(bad)?;
        let rounds: u32 = attr("i=")?.parse().map_err(|_| bad())?;
        pbkdf2::pbkdf2_hmac::<Sha256>(self.password.as_bytes(), &salt, rounds, &mut self.salted);
        let without_proof = format!("c=biws,r={nonce}");
        self.auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_key = hmac(&self.salted, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let signature = hmac(&stored_key, self.auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(signature)
            .map(|(a, b)| a ^ b)
            .collect();
        Ok(format!("{without_proof},p={}", base64_encode(&proof)))
    }

    fn verify_server(&self, server_final: &str) -> Result<(), Failure> {
        let server_key = hmac(&self.salted, b"Server Key");
        let expected = base64_encode(&hmac(&server_key, self.auth_message.as_bytes()));
        match server_final.strip_prefix("v=") {
            Some(v) if v == expected => Ok(()),
            _ => Err(Failure::new(
                FailureKind::Auth,
                "the server's SCRAM signature does not match: not the server we asked",
            )),
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        acc = acc << 6 | B64.iter().position(|&b| b == c)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            assert_eq!(base64_decode(&base64_encode(data)).unwrap(), data);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
    }

    /// The SCRAM-SHA-256 example exchange of RFC 7677, section 3 (user name left out, as
    /// PostgreSQL does, so the client-first differs but the proof is computed the same way).
    #[test]
    fn scram_matches_the_rfc_example() {
        let mut s = Scram::with_nonce("pencil", "rOprNGfwEbeRWgbNEkqO");
        s.client_first_bare = "n=user,r=rOprNGfwEbeRWgbNEkqO".into();
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let final_message = s.client_final(server_first).unwrap();
        assert_eq!(
            final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        s.verify_server("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(s.verify_server("v=AAAA").is_err());
    }
}
