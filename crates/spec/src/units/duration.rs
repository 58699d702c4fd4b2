use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration written for people: `10s`, `5m`, `1h 30m`, `14d`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// A duration of whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self(Duration::from_secs(secs))
    }
}

impl FromStr for HumanDuration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim())
            .map(HumanDuration)
            .map_err(|error| {
                format!("`{text}` is not a duration ({error}): write e.g. 10s, 5m, 1h 30m or 14d")
            })
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_zero() {
            return f.write_str("0s");
        }
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for HumanDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: 10s, 5m, 1h 30m, 14d.",
            "type": "string",
            "examples": ["10s", "5m", "1h 30m"]
        })
    }
}

/// Accepts a string or a bare number (turned into its text), for fields where `0` reads naturally.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        String(String),
        Integer(u64),
        Float(f64),
    }
    Ok(match Text::deserialize(deserializer)? {
        Text::String(text) => text,
        Text::Integer(number) => number.to_string(),
        Text::Float(number) => number.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let five_minutes: HumanDuration = "5m".parse().unwrap();
        assert_eq!(five_minutes.0, Duration::from_secs(300));
        assert_eq!(five_minutes.to_string(), "5m");
        let mixed: HumanDuration = "1h 30m".parse().unwrap();
        assert_eq!(mixed.to_string().parse::<HumanDuration>().unwrap(), mixed);
    }

    #[test]
    fn rejects_nonsense() {
        let error = "soon".parse::<HumanDuration>().unwrap_err();
        assert!(error.contains("`soon` is not a duration"), "{error}");
    }
}
