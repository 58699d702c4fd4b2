//! The cloudctl agent: what runs on every VM. It owns the collectors (host metrics from /proc,
//! containers from the Docker Engine API, listening sockets, its own footprint), the on-disk
//! spool of unsent batches, and the sender that POSTs batches to the hub. It must stay tiny (a
//! 1 GB / 0.25 vCPU VM): it never shells out, never buffers without bound, and knows nothing of
//! the hub's storage, rules or API beyond the ingest contract in `cloudctl-wire`.
//!
//! # Using it as a library
//!
//! ```no_run
//! use cloudctl_agent::{Agent, Config, HubConfig, Token};
//! use cloudctl_agent::probe::LocalProbe;
//!
//! # async fn demo() -> cloudctl_agent::Result<()> {
//! let mut config = Config::new("oracle-1", "/var/lib/cloudctl/agent");
//! config.hub = Some(HubConfig::new("http://127.0.0.1:7070", Token::new("secret")));
//! config.probes.push("vault=container://vault-app:80".parse::<LocalProbe>().map_err(cloudctl_agent::Error::Config)?);
//! let mut agent = Agent::new(config)?;
//! // One sample now (what `cloudctl agent --once` writes):
//! let batch = agent.next_batch()?;
//! // Or collect every interval and send until the future completes:
//! agent.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```
//!
//! - [`Agent::new`] checks the configuration and opens the spool folder (created if missing).
//! - [`Agent::collect_once`] runs every collector and returns a [`cloudctl_wire::Sample`];
//!   [`Agent::next_batch`] wraps one in a numbered [`cloudctl_wire::Batch`].
//! - [`Config::probes`] lists checks of this VM's internal ports ([`probe::LocalProbe`]:
//!   `tcp://`, `http://`, `container://`), run concurrently at every collection, each within its
//!   timeout; their results are the sample's `probes`.
//! - [`Agent::run`] collects on a timer and sends; it runs on any tokio runtime (the binary uses a
//!   current-thread one) and returns after its shutdown future completes, with queued batches
//!   spooled to disk.
//!
//! # Delivery
//!
//! Batches carry a per-host sequence number kept on disk (`<spool>/seq`). While the hub answers
//! 2xx a batch is sent directly; on a connection error, 5xx, 408 or 429 it goes to the spool
//! (`<spool>/*.batch`, bounded, oldest dropped first and counted) and the spool is replayed in
//! order with exponential backoff and jitter (1 s to 60 s). A batch is deleted only after the
//! hub's 2xx. A 400/413/415/422 refuses that batch for good: it is logged and not resent. Other
//! 4xx (a bad token, a wrong URL) keep the data in the spool and retry at the slowest pace.

mod agent;
mod backoff;
pub mod collect;
mod config;
pub mod docker;
mod egress;
mod error;
mod fsutil;
pub mod hub;
pub mod probe;
mod procfs;
pub mod sender;
mod seq;
pub mod spool;

pub use agent::Agent;
pub use config::{
    Config, DEFAULT_DOCKER_SOCKET, DEFAULT_INTERVAL, DEFAULT_SPOOL_MAX_BYTES, HubConfig, Token,
};
pub use error::{Error, Result};
