//! Process count and the top 5 processes by CPU and by memory (/proc/<pid>/stat), so an alert
//! can name the culprit.

use std::collections::HashMap;
use std::time::Instant;

use cloudctl_wire::{ProcessInfo, Sample};

use super::{Collector, Context, host};
use crate::procfs::{page_size, seconds_per_tick};
use crate::{Error, Result};

/// How many processes each top list names.
const TOP: usize = 5;

/// Processes.
#[derive(Default)]
pub struct Processes {
    /// CPU ticks per pid at the previous tick, to compute use since then.
    prev: HashMap<u32, u64>,
    next: HashMap<u32, u64>,
    prev_at: Option<Instant>,
    /// Every process of this tick: (pid, cpu percent, rss bytes, comm range in `names`).
    rows: Vec<(u32, f64, u64, usize, usize)>,
    names: String,
}

impl Collector for Processes {
    fn name(&self) -> &'static str {
        "processes"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        let per_tick = seconds_per_tick();
        let page = page_size();
        let elapsed = self
            .prev_at
            .map(|t| ctx.instant.duration_since(t).as_secs_f64());
        let uptime = host(sample).uptime_seconds;
        self.rows.clear();
        self.names.clear();
        self.next.clear();
        let dir = std::fs::read_dir("/proc").map_err(|e| Error::io("listing", "/proc", e))?;
        let mut path = String::with_capacity(32);
        for entry in dir.flatten() {
            let file_name = entry.file_name();
            let Some(pid) = file_name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            path.clear();
            path.push_str("/proc/");
            path.push_str(file_name.to_str().unwrap_or_default());
            path.push_str("/stat");
            // A process may exit between listing and reading: skip it.
            if crate::procfs::read_into(&path, &mut ctx.buf).is_err() {
                continue;
            }
            let Some(stat) = parse_stat(&ctx.buf) else {
                continue;
            };
            let ticks = stat.utime + stat.stime;
            let cpu_percent = match (self.prev.get(&pid), elapsed) {
                (Some(&before), Some(secs)) if secs > 0.0 => {
                    ticks.saturating_sub(before) as f64 * per_tick / secs * 100.0
                }
                // New since the last tick (or the first tick): its average over its life.
                _ => {
                    let age = uptime - stat.starttime as f64 * per_tick;
                    if age > 0.0 {
                        ticks as f64 * per_tick / age * 100.0
                    } else {
                        0.0
                    }
                }
            };
            self.next.insert(pid, ticks);
            let start = self.names.len();
            self.names.push_str(stat.comm);
            self.rows.push((
                pid,
                cpu_percent,
                stat.rss_pages * page,
                start,
                self.names.len(),
            ));
        }
        std::mem::swap(&mut self.prev, &mut self.next);
        self.prev_at = Some(ctx.instant);

        let h = host(sample);
        h.process_count = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        self.rows
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        h.top_cpu = self.top();
        self.rows
            .sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        h.top_memory = self.top();
        Ok(())
    }
}

impl Processes {
    fn top(&self) -> Vec<ProcessInfo> {
        self.rows
            .iter()
            .take(TOP)
            .map(|&(pid, cpu_percent, rss_bytes, a, b)| ProcessInfo {
                pid,
                name: self.names[a..b].to_owned(),
                cpu_percent: (cpu_percent * 100.0).round() / 100.0,
                rss_bytes,
            })
            .collect()
    }
}

/// The fields of /proc/<pid>/stat the agent uses.
#[derive(Debug, PartialEq)]
pub(crate) struct Stat<'a> {
    pub comm: &'a str,
    pub utime: u64,
    pub stime: u64,
    pub starttime: u64,
    pub rss_pages: u64,
}

/// Parse /proc/<pid>/stat. The command name is in parentheses and may itself contain spaces and
/// parentheses, so the fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<Stat<'_>> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?;
    // After `) `: field 3 (state) is index 0 here; utime is field 14, stime 15, starttime 22,
    // rss 24.
    let mut f = text.get(close + 2..)?.split_ascii_whitespace();
    let mut nth = |skip: usize| f.nth(skip).and_then(|v| v.parse::<u64>().ok());
    let utime = nth(11)?;
    let stime = nth(0)?;
    let starttime = nth(6)?;
    let rss_pages = nth(1)?;
    Some(Stat {
        comm,
        utime,
        stime,
        starttime,
        rss_pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_names() {
        let text = "1234 (we(ird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 \
                    250 50 0 0 20 0 1 0 9000 10000000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        let s = parse_stat(text).unwrap();
        assert_eq!(
            s,
            Stat {
                comm: "we(ird) name",
                utime: 250,
                stime: 50,
                starttime: 9000,
                rss_pages: 321
            }
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S 1"), None);
    }
}
