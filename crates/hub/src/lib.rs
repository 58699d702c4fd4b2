//! The cloudctl hub: it receives agent batches (`POST /api/v1/ingest`), stores them durably in one
//! SQLite file with raw samples and 1-minute/1-hour rollups under retention, manages per-host and
//! read tokens, imports file-mode snapshots, and serves the read API. It owns the store and the
//! HTTP router; it must not collect host metrics itself (that is the agent) nor define the wire
//! format (that is `cloudctl-wire`), and it keeps memory bounded whatever the number of hosts.

pub mod api;
pub mod clock;
pub mod convert;
mod error;
pub mod import;
pub mod monitor;
pub mod server;
pub mod store;
pub mod tokens;
pub mod web;

pub use error::{Error, Result};
pub use server::{HubOptions, serve};
