//! Exports of the stored series for any range, as CSV (`metrics.csv`), JSON (`metrics.json`'s
//! series) or a Markdown report (`REPORT.md`: per host and series, points, min, avg, max, last).
//!
//! Streaming: one series at a time is read in index order (no sort, no whole-range buffer), and
//! the text goes out in chunks through a bounded channel, so memory stays flat whatever the range.

use std::io::Write;

use rusqlite::{Connection, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::store::{Resolution, Retention, SeriesQuery, read};
use crate::{Error, Result};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One row per point.
    Csv,
    /// One object per series with its points.
    Json,
    /// A human-readable summary.
    Markdown,
}

impl Format {
    /// From the query string's `format`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    /// The media type of the answer.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Markdown => "text/markdown; charset=utf-8",
        }
    }

    /// The plan's file name for it.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Csv => "metrics.csv",
            Format::Json => "metrics.json",
            Format::Markdown => "REPORT.md",
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportQuery {
    /// The format.
    pub format: Format,
    /// Start, Unix ms (inclusive).
    pub from_ms: i64,
    /// End, Unix ms (exclusive).
    pub to_ms: i64,
    /// Forced resolution; the store's choice for the range when absent.
    pub resolution: Option<Resolution>,
    /// Only this host.
    pub host: Option<String>,
    /// Only this metric.
    pub metric: Option<String>,
}

struct SeriesRow {
    host: String,
    metric: String,
    labels: String,
}

fn io(e: std::io::Error) -> Error {
    Error::Io {
        context: "writing the export".into(),
        source: e,
    }
}

fn time_text(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// `{"cpu":"total"}` → `cpu=total` (`;` between pairs), for CSV and Markdown.
fn flat_labels(json: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
        Ok(map) => map
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect::<Vec<_>>()
            .join(";"),
        Err(_) => json.to_owned(),
    }
}

/// A CSV field, quoted when it needs to be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A Markdown table cell: pipes escaped, no line breaks.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// Writes the export of `query` to `out`, one series at a time.
pub fn write_export(
    conn: &Connection,
    query: &ExportQuery,
    now_ms: i64,
    retention: &Retention,
    out: &mut impl Write,
) -> Result<()> {
    if query.to_ms <= query.from_ms {
        return Err(Error::invalid(
            "the range is empty",
            "give `last=24h` or `from` before `to` (Unix ms)",
        ));
    }
    let resolution = query
        .resolution
        .unwrap_or_else(|| read::choose_resolution(query.from_ms, query.to_ms, now_ms, retention));
    let mut series = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT h.name, s.metric, s.labels FROM series s JOIN hosts h ON h.id = s.host_id
             WHERE (?1 IS NULL OR h.name = ?1) AND (?2 IS NULL OR s.metric = ?2)
             ORDER BY h.name, s.metric, s.labels",
        )?;
        let rows = stmt.query_map(params![query.host, query.metric], |row| {
            Ok(SeriesRow {
                host: row.get(0)?,
                metric: row.get(1)?,
                labels: row.get(2)?,
            })
        })?;
        for row in rows {
            series.push(row?);
        }
    }
    match query.format {
        Format::Csv => {
            writeln!(out, "host,metric,labels,ts_ms,time,value,min,max").map_err(io)?;
        }
        Format::Json => {
            write!(
                out,
                "{{\"export_version\":1,\"from_ms\":{},\"to_ms\":{},\"resolution\":\"{}\",\"series\":[",
                query.from_ms,
                query.to_ms,
                resolution.as_str()
            )
            .map_err(io)?;
        }
        Format::Markdown => {
            writeln!(
                out,
                "# cloudctl report\n\nFrom {} to {} (resolution {}). Counters (`*_seconds`, `*_bytes` of \
                 CPU, disk and network) grow over time: compare their first and last values.\n",
                time_text(query.from_ms),
                time_text(query.to_ms),
                resolution.as_str()
            )
            .map_err(io)?;
        }
    }
    let mut current_host: Option<String> = None;
    for (index, s) in series.iter().enumerate() {
        // One series at a time, through the store's reader (which also sees points not yet
        // compacted): memory holds one series' points in the range, never the whole export.
        let answer = read::series(
            conn,
            &SeriesQuery {
                host: s.host.clone(),
                metric: s.metric.clone(),
                labels: Some(s.labels.clone()),
                from_ms: query.from_ms,
                to_ms: query.to_ms,
                resolution: Some(resolution),
            },
            now_ms,
            retention,
        )?;
        let rows = answer
            .series
            .into_iter()
            .flat_map(|d| d.points)
            .map(Ok::<_, Error>);
        match query.format {
            Format::Csv => {
                let prefix = format!(
                    "{},{},{}",
                    csv_field(&s.host),
                    csv_field(&s.metric),
                    csv_field(&flat_labels(&s.labels))
                );
                for row in rows {
                    let (ts, avg, min, max) = row?;
                    writeln!(out, "{prefix},{ts},{},{avg},{min},{max}", time_text(ts))
                        .map_err(io)?;
                }
            }
            Format::Json => {
                if index > 0 {
                    out.write_all(b",").map_err(io)?;
                }
                write!(
                    out,
                    "\n{{\"host\":{},\"metric\":{},\"labels\":{},\"points\":[",
                    serde_json::Value::from(s.host.as_str()),
                    serde_json::Value::from(s.metric.as_str()),
                    s.labels
                )
                .map_err(io)?;
                for (i, row) in rows.enumerate() {
                    let (ts, avg, min, max) = row?;
                    let sep = if i > 0 { "," } else { "" };
                    let num = |v: f64| serde_json::Value::from(v).to_string();
                    write!(out, "{sep}[{ts},{},{},{}]", num(avg), num(min), num(max))
                        .map_err(io)?;
                }
                out.write_all(b"]}").map_err(io)?;
            }
            Format::Markdown => {
                if current_host.as_deref() != Some(s.host.as_str()) {
                    writeln!(
                        out,
                        "\n## {}\n\n| metric | labels | points | first | min | avg | max | last |\n|---|---|--:|--:|--:|--:|--:|--:|",
                        md_cell(&s.host)
                    )
                    .map_err(io)?;
                    current_host = Some(s.host.clone());
                }
                let (mut n, mut sum, mut min, mut max) =
                    (0u64, 0.0, f64::INFINITY, f64::NEG_INFINITY);
                let (mut first, mut last) = (None, 0.0);
                for row in rows {
                    let (_, avg, lo, hi) = row?;
                    n += 1;
                    sum += avg;
                    min = min.min(lo);
                    max = max.max(hi);
                    first.get_or_insert(avg);
                    last = avg;
                }
                if let Some(first) = first {
                    writeln!(
                        out,
                        "| {} | {} | {n} | {} | {} | {} | {} | {} |",
                        md_cell(&s.metric),
                        md_cell(&flat_labels(&s.labels)),
                        number(first),
                        number(min),
                        number(sum / n as f64),
                        number(max),
                        number(last)
                    )
                    .map_err(io)?;
                }
            }
        }
    }
    match query.format {
        Format::Json => out.write_all(b"\n]}\n").map_err(io)?,
        Format::Markdown if series.is_empty() => {
            out.write_all(b"No series in this range.\n").map_err(io)?
        }
        _ => {}
    }
    out.flush().map_err(io)
}

/// A writer that sends its bytes in chunks of about `CHUNK` through a bounded channel; it fails
/// (and so stops the export) when the receiving side — the HTTP client — has gone.
pub struct ChunkSender {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>,
}

/// Bytes per chunk sent to the client.
pub const CHUNK: usize = 32 * 1024;

impl ChunkSender {
    /// A writer feeding `tx`.
    pub fn new(tx: tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>) -> Self {
        ChunkSender {
            buf: Vec::with_capacity(CHUNK),
            tx,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk =
            axum::body::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped_for_their_format() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
        assert_eq!(
            flat_labels(r#"{"cpu":"total","mount":"/"}"#),
            "cpu=total;mount=/"
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(time_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(time_text(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}
