//! The engine: runs the rules at a time the caller gives, and keeps each alert's lifecycle
//! (pending → firing → resolved), its fingerprint, repeat interval, silences and history.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use sha2::{Digest, Sha256};

use crate::config::RulesConfig;
use crate::error::Result;
use crate::facts::{Desired, Observed};
use crate::model::{Alert, AlertState, HistoryEntry, Labels, Notification, Status};
use crate::rules::{self, Ctx, Memory};
use crate::silence::Silence;

/// Rule evaluation with memory. Pure: time and facts come from the caller, notifications go back
/// to it; nothing here sleeps, reads a clock or touches the network.
#[derive(Debug)]
pub struct Engine {
    config: RulesConfig,
    memory: Memory,
    active: BTreeMap<String, Alert>,
    silences: Vec<Silence>,
    history: VecDeque<HistoryEntry>,
    /// Entries recorded since the last [`Engine::take_fresh_history`], for a journal to persist.
    fresh: Vec<HistoryEntry>,
    next_silence: u64,
}

/// A fingerprint: the first 16 hex digits of SHA-256 over the sorted labels.
pub(crate) fn fingerprint(labels: &Labels) -> String {
    let mut h = Sha256::new();
    for (k, v) in labels {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Engine {
    /// An engine with no alerts, silences or history yet.
    pub fn new(config: RulesConfig) -> Self {
        Engine {
            config,
            memory: Memory::default(),
            active: BTreeMap::new(),
            silences: Vec::new(),
            history: VecDeque::new(),
            fresh: Vec::new(),
            next_silence: 1,
        }
    }

    /// Alerts now pending or firing.
    pub fn active(&self) -> impl Iterator<Item = &Alert> {
        self.active.values()
    }

    /// Transitions, oldest first, up to the configured limit.
    pub fn history(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.history.iter()
    }

    /// Silences not yet pruned (active, future and recently expired).
    pub fn silences(&self) -> &[Silence] {
        &self.silences
    }

    /// Transitions recorded since the last call, oldest first (at most the history limit).
    pub fn take_fresh_history(&mut self) -> Vec<HistoryEntry> {
        std::mem::take(&mut self.fresh)
    }

    /// Puts back history kept elsewhere (after a restart), oldest first, before anything new.
    pub fn restore_history(&mut self, entries: impl IntoIterator<Item = HistoryEntry>) {
        let mut restored: VecDeque<HistoryEntry> = entries.into_iter().collect();
        restored.append(&mut self.history);
        self.history = restored;
        while self.history.len() > self.config.history_limit {
            self.history.pop_front();
        }
    }

    /// Adds a silence, giving it an id when it has none; returns the id.
    pub fn add_silence(&mut self, mut silence: Silence) -> Result<String> {
        silence.validate()?;
        // Restored silences keep their ids; new ones are numbered after them.
        if let Some(n) = silence
            .id
            .strip_prefix('s')
            .and_then(|n| n.parse::<u64>().ok())
        {
            self.next_silence = self.next_silence.max(n + 1);
        }
        if silence.id.is_empty() {
            silence.id = format!("s{}", self.next_silence);
            self.next_silence += 1;
        }
        let id = silence.id.clone();
        self.silences.retain(|s| s.id != id);
        self.silences.push(silence);
        Ok(id)
    }

    /// Ends a silence at `now`; returns it as it is now, `None` when no silence has that id.
    pub fn expire_silence(&mut self, id: &str, now: i64) -> Option<Silence> {
        let s = self.silences.iter_mut().find(|s| s.id == id)?;
        s.ends_at = s.ends_at.min(now);
        Some(s.clone())
    }

    fn silenced_by(&self, labels: &Labels, now: i64) -> Option<String> {
        self.silences
            .iter()
            .find(|s| s.is_active(now) && s.matches(labels))
            .map(|s| s.id.clone())
    }

    fn record(&mut self, at: i64, alert: &Alert, transition: &str) {
        let entry = HistoryEntry {
            at,
            fingerprint: alert.fingerprint.clone(),
            alertname: alert.alertname.clone(),
            labels: alert.labels.clone(),
            transition: transition.to_owned(),
            summary: alert.summary.clone(),
            cause: alert.cause.clone(),
        };
        if self.fresh.len() < self.config.history_limit {
            self.fresh.push(entry.clone());
        }
        self.history.push_back(entry);
        while self.history.len() > self.config.history_limit {
            self.history.pop_front();
        }
    }

    fn notification(alert: &Alert, status: Status, at: i64, repeat: bool) -> Notification {
        Notification {
            fingerprint: alert.fingerprint.clone(),
            alertname: alert.alertname.clone(),
            status,
            severity: alert.severity,
            labels: alert.labels.clone(),
            summary: alert.summary.clone(),
            cause: alert.cause.clone(),
            starts_at: alert.since,
            ends_at: (status == Status::Resolved).then_some(at),
            repeat,
        }
    }

    /// Runs every rule at `now` and returns the notifications due: new firings, repeats and
    /// resolutions, less what silences hold back.
    pub fn evaluate(
        &mut self,
        now: i64,
        desired: &Desired,
        observed: &Observed,
    ) -> Vec<Notification> {
        let conditions = {
            let ctx = Ctx {
                now,
                config: &self.config,
                desired,
                observed,
            };
            rules::evaluate(&ctx, &mut self.memory)
        };
        let repeat = self.config.repeat_interval.as_secs() as i64;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for c in conditions {
            let mut labels = c.labels;
            labels.insert("alertname".into(), c.alertname.into());
            let fp = fingerprint(&labels);
            let silenced = self.silenced_by(&labels, now);
            if c.event {
                let alert = Alert {
                    fingerprint: fp,
                    alertname: c.alertname.into(),
                    severity: c.severity,
                    labels,
                    summary: c.summary,
                    cause: c.cause,
                    state: AlertState::Firing,
                    since: now,
                    fired_at: Some(now),
                    last_notified: None,
                    silenced_by: silenced.clone(),
                };
                self.record(
                    now,
                    &alert,
                    if silenced.is_some() {
                        "silenced"
                    } else {
                        "event"
                    },
                );
                if silenced.is_none() {
                    out.push(Self::notification(&alert, Status::Firing, now, false));
                }
                continue;
            }
            seen.insert(fp.clone());
            let alert = self.active.entry(fp.clone()).or_insert_with(|| Alert {
                fingerprint: fp.clone(),
                alertname: c.alertname.into(),
                severity: c.severity,
                labels,
                summary: String::new(),
                cause: String::new(),
                state: AlertState::Pending,
                since: now,
                fired_at: None,
                last_notified: None,
                silenced_by: None,
            });
            // The text follows the facts (the current value, the current top process).
            alert.summary = c.summary;
            alert.cause = c.cause;
            alert.severity = c.severity;
            alert.silenced_by = silenced;
            let mut transition = None;
            if alert.state == AlertState::Pending && now - alert.since >= c.hold.as_secs() as i64 {
                alert.state = AlertState::Firing;
                alert.fired_at = Some(now);
                transition = Some(if alert.silenced_by.is_some() {
                    "silenced"
                } else {
                    "firing"
                });
            }
            if alert.state == AlertState::Firing && alert.silenced_by.is_none() {
                match alert.last_notified {
                    None => {
                        alert.last_notified = Some(now);
                        out.push(Self::notification(alert, Status::Firing, now, false));
                    }
                    Some(last) if now - last >= repeat => {
                        alert.last_notified = Some(now);
                        out.push(Self::notification(alert, Status::Firing, now, true));
                    }
                    Some(_) => {}
                }
            }
            if let Some(t) = transition {
                let alert = alert.clone();
                self.record(now, &alert, t);
            }
        }
        let gone: Vec<String> = self
            .active
            .keys()
            .filter(|fp| !seen.contains(*fp))
            .cloned()
            .collect();
        for fp in gone {
            let alert = self.active.remove(&fp).expect("listed above");
            if alert.state != AlertState::Firing {
                continue; // pending that never fired: nothing to tell
            }
            self.record(now, &alert, "resolved");
            // A resolution is news only to whoever heard of the firing, and not while silenced.
            if alert.last_notified.is_some() && self.silenced_by(&alert.labels, now).is_none() {
                out.push(Self::notification(&alert, Status::Resolved, now, false));
            }
        }
        // Keep expired silences a day, for `alerts silence list` to show what just ended.
        self.silences.retain(|s| s.ends_at > now - 86_400);
        out
    }
}
