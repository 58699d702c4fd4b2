//! DNS: a name resolves, at a given resolver, to the expected A, AAAA or CNAME records. A small
//! query/answer codec over UDP, so no resolver library is needed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};

use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;

use crate::error::{Error, Result};
use crate::probe::{BoxFuture, Detail, Failure, FailureKind, Probe};

/// A record type the probe can ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    /// IPv4 address.
    #[default]
    A,
    /// IPv6 address.
    Aaaa,
    /// Canonical name.
    Cname,
}

impl RecordType {
    fn code(self) -> u16 {
        match self {
            RecordType::A => 1,
            RecordType::Aaaa => 28,
            RecordType::Cname => 5,
        }
    }
}

/// Configuration of a DNS probe.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DnsConfig {
    /// The name to look up (`query`, since `name` is the probe's own name).
    pub query: String,
    /// The record type.
    #[serde(default)]
    pub record: RecordType,
    /// Records that must all be in the answer; empty means any answer will do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<String>,
    /// `ip:port` of the resolver to ask; default: the first nameserver of /etc/resolv.conf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
}

struct DnsProbe {
    name: String,
    record: RecordType,
    expect: Vec<String>,
    resolver: SocketAddr,
}

pub(crate) fn build(probe: &str, c: &DnsConfig) -> Result<Box<dyn Probe>> {
    let resolver = match &c.resolver {
        Some(text) => text.parse::<SocketAddr>().or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53))).map_err(|_| {
            Error::config(probe, format!("resolver `{text}` must be an IP address with an optional port, like 127.0.0.1:53"))
        })?,
        None => system_resolver().ok_or_else(|| {
            Error::config(probe, "no resolver given and /etc/resolv.conf names none; set `resolver`")
        })?,
    };
    if c.query.is_empty() || c.query.split('.').any(|l| l.len() > 63) || c.query.len() > 253 {
        return Err(Error::config(
            probe,
            format!("`{}` is not a DNS name", c.query),
        ));
    }
    let mut expect = Vec::new();
    for e in &c.expect {
        let normal = match c.record {
            RecordType::A | RecordType::Aaaa => e
                .parse::<IpAddr>()
                .map_err(|_| {
                    Error::config(probe, format!("expected record `{e}` is not an IP address"))
                })?
                .to_string(),
            RecordType::Cname => normalize_name(e),
        };
        expect.push(normal);
    }
    Ok(Box::new(DnsProbe {
        name: normalize_name(&c.query),
        record: c.record,
        expect,
        resolver,
    }))
}

fn system_resolver() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next()?.parse::<IpAddr>().ok())
                .flatten()
        })
        .map(|ip| SocketAddr::new(ip, 53))
}

fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Probe for DnsProbe {
    fn kind(&self) -> &'static str {
        "dns"
    }

    fn check(&self) -> BoxFuture<'_, Result<Detail, Failure>> {
        Box::pin(async move {
            let answers = self.lookup().await?;
            if answers.is_empty() {
                return Err(Failure::new(
                    FailureKind::Check,
                    format!(
                        "{} has no {:?} record at {}",
                        self.name, self.record, self.resolver
                    ),
                ));
            }
            let missing: Vec<_> = self
                .expect
                .iter()
                .filter(|e| !answers.contains(e))
                .collect();
            if !missing.is_empty() {
                return Err(Failure::new(
                    FailureKind::Check,
                    format!(
                        "{} {:?} at {} answered {:?}, missing expected {:?}",
                        self.name, self.record, self.resolver, answers, missing
                    ),
                ));
            }
            Ok(Detail::Dns { answers })
        })
    }
}

impl DnsProbe {
    async fn lookup(&self) -> Result<Vec<String>, Failure> {
        static NEXT_ID: AtomicU16 = AtomicU16::new(0x5a5a);
        let id = NEXT_ID.fetch_add(0x9e37, Ordering::Relaxed);
        let bind: SocketAddr = if self.resolver.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let io = |e: std::io::Error| {
            Failure::new(
                FailureKind::Connect,
                format!("asking {}: {e}", self.resolver),
            )
        };
        let socket = UdpSocket::bind(bind).await.map_err(io)?;
        socket.connect(self.resolver).await.map_err(io)?;
        socket
            .send(&encode_query(id, &self.name, self.record))
            .await
            .map_err(io)?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = socket.recv(&mut buf).await.map_err(io)?;
            match decode_answer(&buf[..n], id, self.record) {
                Ok(Some(answers)) => return Ok(answers),
                // A stray datagram with another id: keep waiting for ours.
                Ok(None) => continue,
                Err(Rcode(3)) => {
                    return Err(Failure::new(
                        FailureKind::Check,
                        format!(
                            "{} does not exist (NXDOMAIN) at {}",
                            self.name, self.resolver
                        ),
                    ));
                }
                Err(Rcode(code)) => {
                    return Err(Failure::new(
                        FailureKind::Protocol,
                        format!(
                            "{} answered {} for {}",
                            self.resolver,
                            rcode_name(code),
                            self.name
                        ),
                    ));
                }
            }
        }
    }
}

fn rcode_name(code: u16) -> String {
    match code {
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        0xffff => "a malformed message".into(),
        other => format!("RCODE {other}"),
    }
}

/// A non-zero response code, or 0xffff for a message that does not parse.
#[derive(Debug, PartialEq)]
struct Rcode(u16);

fn encode_query(id: u16, name: &str, record: RecordType) -> Vec<u8> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00]); // recursion desired
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question
    for label in name.split('.').filter(|l| !l.is_empty()) {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&record.code().to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes()); // class IN
    q
}

fn u16_at(msg: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?]))
}

/// Reads a possibly compressed name at `at`; returns the name and the offset after it.
fn read_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut labels = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)? as usize;
        if len == 0 {
            return Some((labels.join("."), end.unwrap_or(at + 1)));
        }
        if len & 0xc0 == 0xc0 {
            let pointer = (u16_at(msg, at)? & 0x3fff) as usize;
            end.get_or_insert(at + 2);
            at = pointer;
            continue;
        }
        let label = msg.get(at + 1..at + 1 + len)?;
        labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
        at += 1 + len;
    }
    None // a pointer loop
}

fn decode_answer(msg: &[u8], id: u16, record: RecordType) -> Result<Option<Vec<String>>, Rcode> {
    let malformed = Rcode(0xffff);
    if msg.len() < 12 || u16_at(msg, 0) != Some(id) || msg[2] & 0x80 == 0 {
        return Ok(None);
    }
    let rcode = (msg[3] & 0x0f) as u16;
    if rcode != 0 {
        return Err(Rcode(rcode));
    }
    let questions = u16_at(msg, 4).ok_or(Rcode(0xffff))?;
    let answers = u16_at(msg, 6).ok_or(Rcode(0xffff))?;
    let mut at = 12;
    for _ in 0..questions {
        at = read_name(msg, at).ok_or(Rcode(0xffff))?.1 + 4;
    }
    let mut out = Vec::new();
    for _ in 0..answers {
        let (_, after) = read_name(msg, at).ok_or(Rcode(0xffff))?;
        let rtype = u16_at(msg, after).ok_or(Rcode(0xffff))?;
        let rdlen = u16_at(msg, after + 8).ok_or(Rcode(0xffff))? as usize;
        let rdata_at = after + 10;
        let rdata = msg.get(rdata_at..rdata_at + rdlen).ok_or(Rcode(0xffff))?;
        if rtype == record.code() {
            let text = match record {
                RecordType::A if rdlen == 4 => {
                    Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3]).to_string()
                }
                RecordType::Aaaa if rdlen == 16 => {
                    let bytes: [u8; 16] = rdata.try_into().map_err(|_| Rcode(0xffff))?;
                    Ipv6Addr::from(bytes).to_string()
                }
                RecordType::Cname => read_name(msg, rdata_at).ok_or(Rcode(0xffff))?.0,
                _ => return Err(malformed),
            };
            out.push(text);
        }
        at = rdata_at + rdlen;
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_compressed_cname_chain() {
        let mut msg = encode_query(7, "www.example.org", RecordType::A);
        msg[2] |= 0x80; // a response
        msg[7] = 2; // two answers
        // www.example.org CNAME web.example.org (compressed: "web" + pointer to example.org at 16)
        msg.extend_from_slice(&[
            0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, b'w', b'e', b'b', 0xc0, 16,
        ]);
        // web.example.org A 192.0.2.7
        let web = msg.len() - 6;
        msg.extend_from_slice(&[0xc0, web as u8, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]);
        assert_eq!(
            decode_answer(&msg, 7, RecordType::A),
            Ok(Some(vec!["192.0.2.7".to_owned()]))
        );
        assert_eq!(
            decode_answer(&msg, 7, RecordType::Cname),
            Ok(Some(vec!["web.example.org".to_owned()]))
        );
        assert_eq!(decode_answer(&msg, 8, RecordType::A), Ok(None));
    }

    #[test]
    fn truncated_messages_are_malformed_not_a_panic() {
        let mut msg = encode_query(7, "a.b", RecordType::A);
        msg[2] |= 0x80;
        msg[7] = 1;
        msg.extend_from_slice(&[0xc0, 12, 0, 1]);
        assert_eq!(decode_answer(&msg, 7, RecordType::A), Err(Rcode(0xffff)));
    }
}
