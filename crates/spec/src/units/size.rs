use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{format_number, split_number};

/// A number of bytes, written with a unit: `512MiB`, `1 GB`, `100GB`, `0`.
/// Decimal units (kB, MB, GB, TB) are powers of 1000, binary units (KiB, MiB, GiB, TiB) of 1024.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub u64);

const UNITS: &[(&str, u64)] = &[
    ("B", 1),
    ("kB", 1_000),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// Units tried when printing, largest first; binary first so 512MiB stays 512MiB.
const PRINT_UNITS: &[(&str, u64)] = &[
    ("TiB", 1 << 40),
    ("TB", 1_000_000_000_000),
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
    ("KiB", 1 << 10),
    ("kB", 1_000),
];

impl Size {
    /// Bytes as a float, for ratios.
    pub fn as_f64(self) -> f64 {
        self.0 as f64
    }

    /// The size in decimal gigabytes, for tables.
    pub fn gb(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// A short human form for tables: `512 MB`, `1.5 GB`.
    pub fn human(self) -> String {
        human_bytes(self.0 as f64)
    }
}

/// A short human form of a byte count in decimal units: `512 MB`, `1.5 GB`.
pub fn human_bytes(bytes: f64) -> String {
    const STEPS: &[(&str, f64)] = &[("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (unit, factor) in STEPS {
        if bytes >= *factor {
            let value = bytes / factor;
            let rounded = (value * 100.0).round() / 100.0;
            return format!("{} {unit}", format_number(rounded));
        }
    }
    format!("{} B", bytes.round())
}

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let hint = "write a number and a unit, e.g. 512MiB, 1 GB or 100GB";
        let (number, unit) =
            split_number(text).ok_or_else(|| format!("`{text}` is not a size: {hint}"))?;
        if unit.is_empty() {
            if number == 0.0 {
                return Ok(Size(0));
            }
            return Err(format!("`{text}` has no unit: {hint}"));
        }
        let factor = UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, factor)| *factor)
            .ok_or_else(|| {
                format!("`{unit}` is not a size unit: use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB")
            })?;
        let bytes = number * factor as f64;
        if bytes > u64::MAX as f64 / 2.0 {
            return Err(format!("`{text}` is too large"));
        }
        if bytes.fract() != 0.0 {
            return Err(format!("`{text}` is not a whole number of bytes"));
        }
        Ok(Size(bytes as u64))
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0B");
        }
        for (unit, factor) in PRINT_UNITS {
            if self.0.is_multiple_of(*factor) {
                return write!(f, "{}{unit}", self.0 / factor);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = super::duration::string_or_number(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size with a unit: 512MiB, 1 GB, 100GB (kB/MB/GB/TB are powers of 1000; KiB/MiB/GiB/TiB of 1024).",
            "type": "string",
            "pattern": "^\\s*[0-9][0-9_]*(\\.[0-9]+)?\\s*(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\\s*$",
            "examples": ["512MiB", "1 GB", "100GB"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("512MiB", 512 << 20)]
    #[case("1 GB", 1_000_000_000)]
    #[case("1GB", 1_000_000_000)]
    #[case("0.5 GB", 500_000_000)]
    #[case("100 MB", 100_000_000)]
    #[case("0", 0)]
    #[case("10TB", 10_000_000_000_000)]
    fn parses(#[case] text: &str, #[case] bytes: u64) {
        assert_eq!(text.parse::<Size>().unwrap(), Size(bytes));
    }

    #[rstest]
    #[case("12", "has no unit")]
    #[case("12 parsecs", "`parsecs` is not a size unit")]
    #[case("lots", "is not a size")]
    #[case("-1GB", "is not a size")]
    #[case("0.3B", "not a whole number of bytes")]
    fn rejects(#[case] text: &str, #[case] message: &str) {
        let error = text.parse::<Size>().unwrap_err();
        assert!(error.contains(message), "{error}");
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(bytes in 0u64..(1u64 << 50)) {
            let size = Size(bytes);
            proptest::prop_assert_eq!(size.to_string().parse::<Size>().unwrap(), size);
        }
    }
}
