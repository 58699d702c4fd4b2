use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{HOURS_PER_MONTH, format_number, split_number};

/// What a price is charged per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PricePeriod {
    /// Per hour of running time: `$0.024/h`.
    Hour,
    /// Per month: `$5/mo`.
    Month,
    /// Per year: `$10/yr` (prorated to months in cost views).
    Year,
}

/// A price in US dollars with its period: `$17.52/mo`, `$10/yr`, `$0.024/h`, `$0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price {
    /// Dollars per period.
    pub amount: f64,
    /// What the amount is charged per.
    pub period: PricePeriod,
}

impl Price {
    /// Free: `$0/mo`.
    pub const FREE: Price = Price {
        amount: 0.0,
        period: PricePeriod::Month,
    };

    /// Dollars per month when running all the time.
    pub fn monthly(self) -> f64 {
        match self.period {
            PricePeriod::Hour => self.amount * HOURS_PER_MONTH,
            PricePeriod::Month => self.amount,
            PricePeriod::Year => self.amount / 12.0,
        }
    }

    /// Dollars per month when running `hours_per_day` hours a day (only hourly prices shrink).
    pub fn monthly_at(self, hours_per_day: f64) -> f64 {
        match self.period {
            PricePeriod::Hour => self.amount * hours_per_day * HOURS_PER_MONTH / 24.0,
            _ => self.monthly(),
        }
    }
}

impl FromStr for Price {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let hint = "write dollars and a period, e.g. $17.52/mo, $10/yr, $0.024/h or $0";
        let trimmed = text.trim();
        let body = trimmed
            .strip_prefix('$')
            .ok_or_else(|| format!("`{text}` is not a price: {hint}"))?;
        let (amount, period) = match body.split_once('/') {
            Some((amount, period)) => (amount, Some(period.trim())),
            None => (body, None),
        };
        let period = match period {
            Some("h" | "hr" | "hour") => PricePeriod::Hour,
            Some("mo" | "month") => PricePeriod::Month,
            Some("yr" | "year") => PricePeriod::Year,
            None => PricePeriod::Month,
            Some(other) => return Err(format!("`{other}` is not a price period: use h, mo or yr")),
        };
        let (amount, rest) =
            split_number(amount).ok_or_else(|| format!("`{text}` is not a price: {hint}"))?;
        if !rest.is_empty() {
            return Err(format!("`{text}` is not a price: {hint}"));
        }
        if period == PricePeriod::Month && body.split_once('/').is_none() && amount != 0.0 {
            return Err(format!("`{text}` has no period: {hint}"));
        }
        Ok(Price { amount, period })
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.period {
            PricePeriod::Hour => "h",
            PricePeriod::Month => "mo",
            PricePeriod::Year => "yr",
        };
        write!(f, "${}/{period}", format_number(self.amount))
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Price {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Price".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "US dollars with a period: $17.52/mo, $10/yr, $0.024/h, $0.",
            "type": "string",
            "pattern": "^\\s*\\$[0-9][0-9_]*(\\.[0-9]+)?\\s*(/\\s*(h|hr|hour|mo|month|yr|year))?\\s*$",
            "examples": ["$17.52/mo", "$10/yr", "$0.024/h", "$0"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_prices_shrink_with_hours() {
        let price: Price = "$0.024/h".parse().unwrap();
        assert!((price.monthly() - 17.52).abs() < 1e-9);
        assert!((price.monthly_at(12.0) - 8.76).abs() < 1e-9);
        let yearly: Price = "$10/yr".parse().unwrap();
        assert!((yearly.monthly_at(1.0) - 10.0 / 12.0).abs() < 1e-9);
        assert_eq!("$0".parse::<Price>().unwrap().monthly(), 0.0);
    }

    #[test]
    fn rejects_bad_prices() {
        assert!(
            "17/mo"
                .parse::<Price>()
                .unwrap_err()
                .contains("is not a price")
        );
        assert!(
            "$17"
                .parse::<Price>()
                .unwrap_err()
                .contains("has no period")
        );
        assert!("$17/week".parse::<Price>().unwrap_err().contains("`week`"));
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(cents in 0u32..10_000_000, period in 0u8..3) {
            let period = [PricePeriod::Hour, PricePeriod::Month, PricePeriod::Year][period as usize];
            let price = Price { amount: f64::from(cents) / 1000.0, period };
            proptest::prop_assert_eq!(price.to_string().parse::<Price>().unwrap(), price);
        }
    }
}
