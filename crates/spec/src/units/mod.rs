//! Human units in the spec: sizes (`512MiB`, `1 GB`), bandwidth with a period (`10TB/mo`,
//! `1GB/day`), prices with a period (`$17.52/mo`, `$10/yr`, `$0.024/h`) and durations (`10s`, `5m`).
//! Each parses strictly, says what was wrong and prints back to a string that parses to the same value.

mod bandwidth;
mod duration;
mod price;
mod size;

pub use bandwidth::{Bandwidth, BandwidthPeriod};
pub use duration::HumanDuration;
pub use price::{Price, PricePeriod};
pub use size::{Size, human_bytes};

/// Days in an average month (365.25 / 12), used to turn daily quotas into monthly ones.
pub const DAYS_PER_MONTH: f64 = 30.4375;
/// Hours in an average month (24 × 365 / 12), as cloud providers bill them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Splits `"12.5 GB"` into the number and the unit, allowing spaces between them.
fn split_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == '_'))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = text.split_at(end);
    let number: f64 = number.replace('_', "").parse().ok()?;
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    Some((number, unit.trim()))
}

/// Formats a float with the shortest text that parses back to the same value.
fn format_number(value: f64) -> String {
    let text = format!("{value}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}
