//! Silences: matchers over alert labels with a start and an expiry. A silenced alert still goes
//! through its lifecycle and history; only its notifications are held back.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Labels;

/// How a matcher compares a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchOp {
    /// The label equals the value (`*` in the value matches any run of characters).
    Equal,
    /// The label does not equal the value (same wildcard).
    NotEqual,
}

/// One condition on a label: `host=oci-p-flex`, `container=vault-*`, `alertname!=host_rebooted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    /// The label's name.
    pub label: String,
    /// Equal or not equal.
    pub op: MatchOp,
    /// The value, with `*` as a wildcard.
    pub value: String,
}

impl Matcher {
    /// Parses `label=value` or `label!=value`.
    pub fn parse(text: &str) -> Result<Self> {
        let (label, op, value) = if let Some((l, v)) = text.split_once("!=") {
            (l, MatchOp::NotEqual, v)
        } else if let Some((l, v)) = text.split_once('=') {
            (l, MatchOp::Equal, v)
        } else {
            return Err(Error::Config(format!(
                "matcher `{text}` needs the form label=value or label!=value (e.g. host=oci-p-flex)"
            )));
        };
        let label = label.trim();
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Config(format!(
                "matcher `{text}`: `{label}` is not a label name (letters, digits and _)"
            )));
        }
        Ok(Matcher {
            label: label.to_owned(),
            op,
            value: value.trim().to_owned(),
        })
    }

    /// True when the labels satisfy this matcher (a missing label counts as empty).
    pub fn matches(&self, labels: &Labels) -> bool {
        let actual = labels.get(&self.label).map(String::as_str).unwrap_or("");
        let equal = glob(&self.value, actual);
        match self.op {
            MatchOp::Equal => equal,
            MatchOp::NotEqual => !equal,
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// A silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// Its identity (assigned by the engine when empty).
    pub id: String,
    /// All must match for an alert to be silenced.
    pub matchers: Vec<Matcher>,
    /// When it starts, seconds since the Unix epoch.
    pub starts_at: i64,
    /// When it expires.
    pub ends_at: i64,
    /// Who made it.
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl Silence {
    /// Checks that it can work: at least one matcher, and an end after the start.
    pub fn validate(&self) -> Result<()> {
        if self.matchers.is_empty() {
            return Err(Error::Config(
                "a silence needs at least one matcher, e.g. host=oci-p-flex; silencing everything is not allowed".into(),
            ));
        }
        if self.ends_at <= self.starts_at {
            return Err(Error::Config(
                "a silence must end after it starts; give a positive duration".into(),
            ));
        }
        Ok(())
    }

    /// True at `now` when started and not expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    /// True when every matcher matches.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn matchers_parse_and_match_with_wildcards() {
        let l = labels(&[("host", "oci-p-flex"), ("container", "vault-app")]);
        assert!(Matcher::parse("container=vault-*").unwrap().matches(&l));
        assert!(Matcher::parse("host=*flex").unwrap().matches(&l));
        assert!(!Matcher::parse("host=gcp*").unwrap().matches(&l));
        assert!(
            Matcher::parse("alertname!=host_rebooted")
                .unwrap()
                .matches(&l)
        );
        assert!(Matcher::parse("service=").unwrap().matches(&l));
        assert!(glob("a*b*c", "axxbyyc") && !glob("a*b*c", "axxcyyb"));
    }

    #[test]
    fn bad_matchers_and_silences_say_how_to_fix_them() {
        assert!(
            Matcher::parse("host")
                .unwrap_err()
                .to_string()
                .contains("label=value")
        );
        assert!(
            Matcher::parse("ho st=x")
                .unwrap_err()
                .to_string()
                .contains("not a label name")
        );
        let s = Silence {
            id: String::new(),
            matchers: vec![],
            starts_at: 0,
            ends_at: 10,
            created_by: "t".into(),
            comment: String::new(),
        };
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("at least one matcher")
        );
    }
}
