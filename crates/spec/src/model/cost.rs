use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Id, Lifecycle};
use crate::units::Price;

/// Something that costs money and is not a host's own price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostItem {
    /// What it is: "Domain diegonmarcos.com".
    pub title: String,
    /// Who charges it.
    pub provider: Id,
    /// The price and its period (`$10/yr` is prorated to months).
    pub price: Price,
    /// For hourly prices: expected hours a month (0 for future workloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_month: Option<f64>,
    /// `planned` items are listed but not added to the total.
    #[serde(default = "on")]
    pub status: Lifecycle,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

fn on() -> Lifecycle {
    Lifecycle::On
}

impl CostItem {
    /// Dollars a month this item adds to the total (0 when planned).
    pub fn monthly(&self) -> f64 {
        if self.status == Lifecycle::Planned {
            return 0.0;
        }
        self.monthly_if_used()
    }

    /// Dollars a month if it were in use.
    pub fn monthly_if_used(&self) -> f64 {
        match (self.price.period, self.hours_per_month) {
            (crate::units::PricePeriod::Hour, Some(hours)) => self.price.amount * hours,
            _ => self.price.monthly(),
        }
    }
}
