//! Bearer tokens: per-host write tokens and read tokens for the API. A token is shown once when it
//! is created; the database keeps only its SHA-256, and a presented token is compared against it
//! in constant time. The token's public id (the part before the secret) finds the row, so lookups
//! never touch the secret.
//!
//! Format: `cct_<16 hex id>_<64 hex secret>`.

use std::fmt;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Error, Result};

const PREFIX: &str = "cct_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Write batches for exactly one host (the subject).
    Host,
    /// Read the API (the subject is only a label for the person or tool holding it).
    Read,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Host => "host",
            TokenKind::Read => "read",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "host" => Some(TokenKind::Host),
            "read" => Some(TokenKind::Read),
            _ => None,
        }
    }
}

/// A token's secret text. Its `Debug` and `Display` never show it; call [`Secret::expose`] to get
/// the text, only where it is meant to be shown or sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a token text (read from a file or a header).
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The token text itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A token as listed: never its secret or hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public id.
    pub id: String,
    /// What it may do.
    pub kind: TokenKind,
    /// The host it writes for (host tokens) or a label (read tokens).
    pub subject: String,
    /// Creation time, Unix ms.
    pub created_ms: i64,
    /// Revocation time, Unix ms.
    pub revoked_ms: Option<i64>,
}

/// A freshly created token: the only time its secret exists outside the caller.
#[derive(Debug)]
pub struct NewToken {
    /// The stored description.
    pub info: TokenInfo,
    /// The token to hand over.
    pub secret: Secret,
}

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An agent that may write batches for this host.
    Host(String),
    /// A reader of the API.
    Reader(String),
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Check a host name or label: 1–128 characters of letters, digits, `.`, `_`, `-`.
pub fn check_subject(subject: &str) -> Result<()> {
    let ok = !subject.is_empty()
        && subject.len() <= 128
        && subject
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("{subject:?} is not a valid host name or token label"),
            "use 1–128 letters, digits, '.', '_' or '-' (the agent's --host-id, e.g. oci-f-micro_1)",
        ))
    }
}

/// Create a token of `kind` for `subject` and store its hash.
pub fn create(conn: &Connection, kind: TokenKind, subject: &str, now_ms: i64) -> Result<NewToken> {
    check_subject(subject)?;
    let id = hex(&rand::random::<[u8; 8]>());
    let secret = format!("{PREFIX}{id}_{}", hex(&rand::random::<[u8; 32]>()));
    conn.execute(
        "INSERT INTO tokens (id, kind, subject, hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, kind.as_str(), subject, hash(&secret).as_slice(), now_ms],
    )?;
    Ok(NewToken {
        info: TokenInfo {
            id,
            kind,
            subject: subject.to_owned(),
            created_ms: now_ms,
            revoked_ms: None,
        },
        secret: Secret(secret),
    })
}

/// Every token, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<TokenInfo>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, subject, created_ms, revoked_ms FROM tokens ORDER BY created_ms, id",
    )?;
    let rows = stmt.query_map([], |row| {
        let kind: String = row.get(1)?;
        Ok(TokenInfo {
            id: row.get(0)?,
            kind: TokenKind::parse(&kind).unwrap_or(TokenKind::Read),
            subject: row.get(2)?,
            created_ms: row.get(3)?,
            revoked_ms: row.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Revoke every live token whose subject or id is `who`; returns how many. `NotFound` if none.
pub fn revoke(conn: &Connection, who: &str, now_ms: i64) -> Result<usize> {
    let n = conn.execute(
        "UPDATE tokens SET revoked_ms = ?2 WHERE (subject = ?1 OR id = ?1) AND revoked_ms IS NULL",
        params![who, now_ms],
    )?;
    if n == 0 {
        return Err(Error::not_found(format!("a live token for {who:?}")));
    }
    Ok(n)
}

/// Who `presented` belongs to, or `None` when it is not a live token. Never says why (a guesser
/// learns nothing), and compares hashes in constant time.
pub fn authenticate(conn: &Connection, presented: &Secret) -> Result<Option<Principal>> {
    let text = presented.expose();
    let Some(id) = text
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .map(|(id, _)| id)
    else {
        return Ok(None);
    };
    let row: Option<(String, String, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT kind, subject, hash FROM tokens WHERE id = ?1 AND revoked_ms IS NULL",
        )?
        .query_row(params![id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let Some((kind, subject, stored)) = row else {
        return Ok(None);
    };
    if !bool::from(hash(text).as_slice().ct_eq(stored.as_slice())) {
        return Ok(None);
    }
    Ok(match TokenKind::parse(&kind) {
        Some(TokenKind::Host) => Some(Principal::Host(subject)),
        Some(TokenKind::Read) => Some(Principal::Reader(subject)),
        None => None,
    })
}
