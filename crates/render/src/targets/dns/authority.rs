//! The zone's SOA and NS records. A DNS host such as Cloudflare keeps its own SOA and apex NS, but
//! a zone file without them is not a zone: `named-checkzone` and any BIND-style primary refuse it.
//! The name servers come from the spec's `domains.<domain>.nameservers`; without them the records
//! point at clearly fake names under `.invalid` (RFC 6761: never resolves) and the file says so.

use cloudctl_spec::Spec;
use serde::Serialize;

use super::Record;

/// Placeholders for name servers the spec does not list.
const PLACEHOLDERS: [&str; 2] = [
    "ns1.nameservers-unset.invalid",
    "ns2.nameservers-unset.invalid",
];

/// What the SOA and NS records of one zone say.
#[derive(Debug, Clone, Serialize)]
pub struct Authority {
    /// The name servers, without the final dot; the first is the SOA's primary.
    pub nameservers: Vec<String>,
    /// True when `nameservers` are placeholders, not the spec's.
    pub placeholder: bool,
    /// The SOA's mailbox as a name (`hostmaster.<domain>`).
    pub hostmaster: String,
    /// The SOA serial: a hash of everything in the zone, so the same spec gives the same bytes
    /// and a changed record gives (almost always) a changed serial.
    pub serial: u32,
}

impl Authority {
    /// The authority of `domain`'s zone holding `records`.
    pub fn of(spec: &Spec, domain: &str, records: &[Record]) -> Authority {
        let listed = spec
            .domains
            .get(domain)
            .map(|d| d.nameservers.clone())
            .unwrap_or_default();
        let placeholder = listed.is_empty();
        let nameservers = if placeholder {
            PLACEHOLDERS.iter().map(|n| (*n).to_owned()).collect()
        } else {
            listed
        };
        let serial = serial(domain, &nameservers, records);
        Authority {
            nameservers,
            placeholder,
            hostmaster: format!("hostmaster.{domain}"),
            serial,
        }
    }
}

/// FNV-1a (32 bits) over the zone's content; written out here because std's hasher may change
/// between Rust releases and the output must not. Zero is skipped: some tools read it as "unset".
fn serial(domain: &str, nameservers: &[String], records: &[Record]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain([0]) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(domain);
    nameservers.iter().for_each(|n| feed(n));
    for record in records {
        feed(&record.name);
        feed(&record.kind);
        feed(&record.content);
        feed(&format!("{:?} {:?}", record.proxied, record.priority));
    }
    hash.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content: &str) -> Record {
        Record {
            name: "www.example.com".into(),
            label: "www".into(),
            kind: "A".into(),
            content: content.into(),
            proxied: Some(true),
            priority: None,
            comment: "web".into(),
        }
    }

    #[test]
    fn the_serial_is_stable_and_follows_the_records() {
        let ns = vec!["ada.ns.cloudflare.com".to_owned()];
        let one = serial("example.com", &ns, &[record("192.0.2.1")]);
        assert_eq!(one, serial("example.com", &ns, &[record("192.0.2.1")]));
        assert_ne!(one, serial("example.com", &ns, &[record("192.0.2.2")]));
        assert_ne!(one, serial("example.org", &ns, &[record("192.0.2.1")]));
        // Pins the algorithm (FNV-1a 32 of "a\0"; of "a" it is the published 0xe40c292c), so a
        // new release does not change every zone's serial.
        assert_eq!(serial("a", &[], &[]), 723_832_900);
    }
}
