use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{DAYS_PER_MONTH, Size};

/// The period a bandwidth amount is counted over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BandwidthPeriod {
    /// Per day: `1GB/day`.
    Day,
    /// Per month: `10TB/mo`.
    Month,
}

/// Transfer allowed or expected over a period: `10TB/mo`, `1GB/day`, `50 GB/month`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bandwidth {
    /// Bytes per period.
    pub amount: Size,
    /// The period the amount is counted over.
    pub period: BandwidthPeriod,
}

impl Bandwidth {
    /// Bytes per average month.
    pub fn per_month(self) -> f64 {
        match self.period {
            BandwidthPeriod::Month => self.amount.as_f64(),
            BandwidthPeriod::Day => self.amount.as_f64() * DAYS_PER_MONTH,
        }
    }

    /// Bytes per average day.
    pub fn per_day(self) -> f64 {
        self.per_month() / DAYS_PER_MONTH
    }
}

impl FromStr for Bandwidth {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let hint = "write an amount and a period, e.g. 10TB/mo, 1GB/day or 50 GB/month";
        let (amount, period) = text
            .rsplit_once('/')
            .ok_or_else(|| format!("`{text}` has no period: {hint}"))?;
        let period = match period.trim() {
            "day" | "d" => BandwidthPeriod::Day,
            "mo" | "month" => BandwidthPeriod::Month,
            other => return Err(format!("`{other}` is not a period: use day or mo")),
        };
        let amount = amount
            .parse::<Size>()
            .map_err(|error| format!("{error} ({hint})"))?;
        Ok(Bandwidth { amount, period })
    }
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.period {
            BandwidthPeriod::Day => "day",
            BandwidthPeriod::Month => "mo",
        };
        write!(f, "{}/{period}", self.amount)
    }
}

impl Serialize for Bandwidth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Bandwidth {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bandwidth".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Transfer over a period: 10TB/mo, 1GB/day, 50 GB/month.",
            "type": "string",
            "pattern": "^.+/\\s*(day|d|mo|month)\\s*$",
            "examples": ["10TB/mo", "1GB/day"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_quota_becomes_monthly() {
        let quota: Bandwidth = "1GB/day".parse().unwrap();
        assert_eq!(quota.per_month(), 1e9 * DAYS_PER_MONTH);
        let monthly: Bandwidth = "10TB/mo".parse().unwrap();
        assert_eq!(monthly.per_month(), 10e12);
        assert_eq!(monthly.to_string(), "10TB/mo");
    }

    #[test]
    fn rejects_missing_period() {
        let error = "10TB".parse::<Bandwidth>().unwrap_err();
        assert!(error.contains("has no period"), "{error}");
        let error = "10TB/week".parse::<Bandwidth>().unwrap_err();
        assert!(error.contains("`week` is not a period"), "{error}");
    }
}
