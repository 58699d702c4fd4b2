//! The configuration of one probe: what to check (its kind) and how often, how patiently and how
//! many times.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::kinds::ProbeKind;

/// One probe as the hub configures it from the spec.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ProbeDef {
    /// A unique name, e.g. `vault-https`.
    pub name: String,
    /// The host the probed service runs on, carried into results for alert labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The service the probe belongs to, carried into results for alert labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// How often the probe runs.
    #[serde(default = "default_interval", with = "duration_serde")]
    pub interval: Duration,
    /// How long one attempt may take before it counts as failed.
    #[serde(default = "default_timeout", with = "duration_serde")]
    pub timeout: Duration,
    /// How many more attempts after a failed one, within one run.
    #[serde(default)]
    pub retries: u32,
    /// The pause between attempts.
    #[serde(default = "default_retry_delay", with = "duration_serde")]
    pub retry_delay: Duration,
    /// What to check.
    #[serde(flatten)]
    pub check: ProbeKind,
}

fn default_interval() -> Duration {
    Duration::from_secs(60)
}

fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_retry_delay() -> Duration {
    Duration::from_secs(1)
}

impl ProbeDef {
    /// A probe with default interval (60 s), timeout (10 s) and no retries.
    pub fn new(name: impl Into<String>, check: ProbeKind) -> Self {
        ProbeDef {
            name: name.into(),
            host: None,
            service: None,
            interval: default_interval(),
            timeout: default_timeout(),
            retries: 0,
            retry_delay: default_retry_delay(),
            check,
        }
    }
}

/// Durations written as humantime text (`30s`, `5m`, `1h 30m`), for `#[serde(with = …)]`.
pub mod duration_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes a duration as humantime text.
    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&humantime::format_duration(*value).to_string())
    }

    /// Reads a duration from humantime text.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write it like `30s`, `5m` or `1h`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_flat_definition_with_its_kind() {
        let def: ProbeDef = serde_json::from_str(
            r#"{"name":"web","interval":"30s","kind":"tcp","address":"127.0.0.1:80"}"#,
        )
        .unwrap();
        assert_eq!(def.interval, Duration::from_secs(30));
        assert_eq!(def.timeout, Duration::from_secs(10));
        assert!(matches!(def.check, ProbeKind::Tcp(_)));
    }

    #[test]
    fn unknown_fields_of_a_kind_are_refused_with_their_name() {
        let err = serde_json::from_str::<ProbeDef>(
            r#"{"name":"web","kind":"tcp","address":"127.0.0.1:80","adress":"x"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("adress"), "{err}");
    }

    #[test]
    fn bad_durations_say_how_to_write_them() {
        let err = serde_json::from_str::<ProbeDef>(
            r#"{"name":"web","interval":"often","kind":"tcp","address":"127.0.0.1:80"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("`often` is not a duration"), "{err}");
    }
}
