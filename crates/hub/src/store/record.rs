//! What goes into the store and what comes out: plain data, independent of the wire format, so
//! agents, file imports and (later) probes all store through the same shapes.

use serde::Serialize;

/// One numeric sample of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Metric name, e.g. `cpu.steal_seconds`.
    pub metric: String,
    /// Labels in canonical form (a JSON object with sorted keys, `{}` for none); see [`labels`].
    pub labels: String,
    /// When it was measured, Unix milliseconds.
    pub ts_ms: i64,
    /// The value.
    pub value: f64,
}

/// One acknowledged-or-not unit of ingest: a host's batch with its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    /// The host that sent it (already checked against its token).
    pub host: String,
    /// The sender's sequence number; `(host, seq)` is the idempotency key.
    pub seq: u64,
    /// The sender's version string.
    pub agent_version: String,
    /// When the hub received it, Unix milliseconds.
    pub received_ms: i64,
    /// Batches the sender had to drop since its last successful send.
    pub dropped: u64,
    /// The numeric samples.
    pub points: Vec<Point>,
    /// The latest non-numeric state (containers, sockets, top processes …) as JSON, with the time
    /// it describes; kept only if newer than what the store has.
    pub snapshot: Option<Snapshot>,
    /// Results of the agent's own probes (named `host/probe`), stored with their uptime.
    pub probe_runs: Vec<crate::store::ProbeRun>,
}

/// A host's latest state as a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The time it describes, Unix milliseconds.
    pub ts_ms: i64,
    /// The document.
    pub json: String,
}

/// What happened to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Newly stored and committed.
    Stored {
        /// Samples newly written (samples already present are not counted).
        samples: usize,
    },
    /// Already stored earlier: acknowledged, nothing written.
    Duplicate,
}

/// A stored resolution of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Resolution {
    /// Every sample as received.
    #[serde(rename = "raw")]
    Raw,
    /// One-minute buckets (avg, min, max).
    #[serde(rename = "1m")]
    Minute,
    /// One-hour buckets (avg, min, max).
    #[serde(rename = "1h")]
    Hour,
}

impl Resolution {
    /// Bucket width in milliseconds (raw: none).
    pub fn bucket_ms(self) -> Option<i64> {
        match self {
            Resolution::Raw => None,
            Resolution::Minute => Some(60_000),
            Resolution::Hour => Some(3_600_000),
        }
    }

    /// The name used in the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Raw => "raw",
            Resolution::Minute => "1m",
            Resolution::Hour => "1h",
        }
    }
}

/// A host as the store knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostRow {
    /// Host id as reported by its agent (API views put it first themselves).
    #[serde(skip_serializing)]
    pub name: String,
    /// First batch received, Unix ms.
    pub first_seen_ms: i64,
    /// Latest batch received, Unix ms.
    pub last_seen_ms: i64,
    /// Highest sequence number stored.
    pub last_seq: u64,
    /// The agent's version in its latest batch.
    pub agent_version: String,
    /// Batches stored.
    pub batches_total: u64,
    /// Batches the agent reported as dropped (spool full), in total.
    pub dropped_total: u64,
    /// Time of the latest snapshot, Unix ms.
    pub snapshot_ms: Option<i64>,
    /// The latest snapshot.
    pub snapshot: Option<serde_json::Value>,
}

/// A stored batch record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchInfo {
    /// Sequence number.
    pub seq: u64,
    /// When the hub received it, Unix ms.
    pub received_ms: i64,
    /// Time of its oldest point, Unix ms.
    pub first_ts_ms: Option<i64>,
    /// Time of its newest point, Unix ms.
    pub last_ts_ms: Option<i64>,
    /// Points it carried.
    pub points: u64,
    /// Batches its agent reported dropped with it.
    pub dropped: u64,
}

/// A request for one metric of one host over a time range.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesQuery {
    /// Host name.
    pub host: String,
    /// Metric name.
    pub metric: String,
    /// Only the series with exactly these canonical labels; all of the metric's series if `None`.
    pub labels: Option<String>,
    /// Start, Unix ms, inclusive.
    pub from_ms: i64,
    /// End, Unix ms, exclusive.
    pub to_ms: i64,
    /// A forced resolution; chosen from the range when `None`.
    pub resolution: Option<Resolution>,
}

/// One point of an answer: time, average, minimum, maximum (all equal at raw resolution).
pub type SeriesPoint = (i64, f64, f64, f64);

/// The points of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesData {
    /// Canonical labels.
    pub labels: serde_json::Value,
    /// `[ts_ms, avg, min, max]`, oldest first.
    pub points: Vec<SeriesPoint>,
}

/// The answer to a [`SeriesQuery`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesAnswer {
    /// Host name.
    pub host: String,
    /// Metric name.
    pub metric: String,
    /// The resolution the points come from.
    pub resolution: Resolution,
    /// Start, Unix ms.
    pub from_ms: i64,
    /// End, Unix ms.
    pub to_ms: i64,
    /// One entry per label set.
    pub series: Vec<SeriesData>,
}

/// A series that exists for a host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesInfo {
    /// Metric name.
    pub metric: String,
    /// Canonical labels.
    pub labels: serde_json::Value,
}

/// Canonical labels from key/value pairs: a JSON object with keys sorted, so equal label sets are
/// equal strings.
pub fn labels<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let map: std::collections::BTreeMap<&str, &str> = pairs.into_iter().collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".to_owned())
}
