//! Agent-side probes of this VM's internal ports ([`crate::probe`]): their results go into the
//! sample's `probes`. A failing probe is data, not a collector error; a change between up and
//! down is logged once.

use std::path::PathBuf;

use cloudctl_wire::Sample;

use super::{Collector, Context};
use crate::Result;
use crate::probe::{LocalProbe, run_all};

/// The configured probes and what each answered last (to log changes only).
pub struct Probes {
    probes: Vec<LocalProbe>,
    docker_socket: PathBuf,
    last_ok: Vec<Option<bool>>,
}

impl Probes {
    /// Probes that resolve `container://` targets through the engine at `docker_socket`.
    pub fn new(probes: Vec<LocalProbe>, docker_socket: PathBuf) -> Self {
        let last_ok = vec![None; probes.len()];
        Probes {
            probes,
            docker_socket,
            last_ok,
        }
    }
}

impl Collector for Probes {
    fn name(&self) -> &'static str {
        "probes"
    }

    fn collect(&mut self, _ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        let results = run_all(&self.probes, &self.docker_socket);
        for (result, last) in results.iter().zip(&mut self.last_ok) {
            match (*last, result.ok) {
                (Some(false), true) => {
                    tracing::info!(probe = %result.name, target = %result.target, "Probe up again");
                }
                (Some(true) | None, false) => {
                    tracing::warn!(
                        probe = %result.name,
                        target = %result.target,
                        error = result.error.as_deref().unwrap_or(""),
                        "Probe failed"
                    );
                }
                _ => {}
            }
            *last = Some(result.ok);
        }
        sample.probes = results;
        Ok(())
    }
}
