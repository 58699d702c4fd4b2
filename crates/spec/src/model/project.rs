use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// Who the cloud belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// A name for headings: "Diego's Cloud Infrastructure".
    #[serde(default)]
    pub name: String,
    /// The owner, for documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// One paragraph about the cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A domain the services live under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The provider that serves its DNS (e.g. `cloudflare`).
    pub dns: Id,
    /// The provider it is registered with, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrar: Option<Id>,
    /// Whether records go through the DNS provider's proxy/CDN by default (Cloudflare's orange cloud).
    #[serde(default = "yes")]
    pub proxied: bool,
    /// TLS certificate chain (a file path on the proxy host) served for this domain's names;
    /// default `/etc/letsencrypt/live/<domain>/fullchain.pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Path of that certificate's private key on the proxy host; default
    /// `/etc/letsencrypt/live/<domain>/privkey.pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_key: Option<String>,
    /// The zone's authoritative name servers, e.g. the two `<name>.ns.cloudflare.com` hosts
    /// Cloudflare assigns; they become the zone file's NS records and its SOA's primary. Empty:
    /// the zone file gets placeholders under `.invalid` and says so.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nameservers"
    )]
    #[schemars(extend("items" = {"type": "string", "pattern": NAMESERVER_PATTERN}))]
    pub nameservers: Vec<String>,
}

/// A fully qualified host name (the final dot optional), as the schema states it.
const NAMESERVER_PATTERN: &str = "^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?$";

/// Reads `nameservers`, refusing anything that is not a fully qualified host name; the final dot
/// is dropped so templates can add their own.
fn nameservers<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    names
        .into_iter()
        .map(|name| {
            let trimmed = name.strip_suffix('.').unwrap_or(&name);
            if is_host_name(trimmed) {
                Ok(trimmed.to_ascii_lowercase())
            } else {
                Err(serde::de::Error::custom(format!(
                    "`{name}` is not a name server: write a fully qualified host name such as \
                     `ada.ns.cloudflare.com` (letters, digits and `-`, at least two labels)"
                )))
            }
        })
        .collect()
}

/// At least two dot-separated labels of 1–63 letters, digits or inner `-`, 253 characters at most,
/// and not an IPv4 address (its last label has a letter).
fn is_host_name(name: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let last_has_letter = name
        .rsplit('.')
        .next()
        .is_some_and(|label| label.bytes().any(|b| b.is_ascii_alphabetic()));
    name.len() <= 253
        && name.split('.').count() >= 2
        && name.split('.').all(label_ok)
        && last_has_letter
}

fn yes() -> bool {
    true
}

/// Capacity-planning settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Planning {
    /// Share of each host's capacity kept free, in percent: allocations inside it warn.
    #[serde(default = "default_headroom")]
    pub headroom_percent: f64,
    /// Currency of every price (only USD is supported).
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_headroom() -> f64 {
    10.0
}

fn default_currency() -> String {
    "USD".into()
}

impl Default for Planning {
    fn default() -> Self {
        Planning {
            headroom_percent: default_headroom(),
            currency: default_currency(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::Domain;

    fn domain(nameservers: serde_json::Value) -> Result<Domain, String> {
        serde_json::from_value(
            serde_json::json!({ "dns": "cloudflare", "nameservers": nameservers }),
        )
        .map_err(|e| e.to_string())
    }

    #[rstest]
    #[case("ada.ns.cloudflare.com", "ada.ns.cloudflare.com")]
    #[case("Bob.NS.Cloudflare.com.", "bob.ns.cloudflare.com")]
    #[case("ns-1.example.org", "ns-1.example.org")]
    fn a_name_server_is_kept_without_its_final_dot(#[case] given: &str, #[case] kept: &str) {
        let domain = domain(serde_json::json!([given])).expect("valid");
        assert_eq!(domain.nameservers, vec![kept.to_owned()]);
    }

    #[rstest]
    #[case("localhost")]
    #[case("ns1..example.com")]
    #[case("-ns.example.com")]
    #[case("ns_1.example.com")]
    #[case("ns1.example.com..")]
    #[case("192.0.2.1")]
    fn a_name_that_is_not_a_host_name_is_refused(#[case] given: &str) {
        let error = domain(serde_json::json!([given])).expect_err("refused");
        assert!(
            error.starts_with(&format!(
                "`{given}` is not a name server: write a fully qualified host name such as \
                 `ada.ns.cloudflare.com`"
            )),
            "{error}"
        );
    }

    #[test]
    fn without_name_servers_the_list_is_empty() {
        let domain: Domain =
            serde_json::from_value(serde_json::json!({ "dns": "cloudflare" })).expect("valid");
        assert!(domain.nameservers.is_empty());
    }
}
