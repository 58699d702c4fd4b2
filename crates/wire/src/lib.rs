//! The messages an agent sends to the hub, and nothing else: the versioned [`Batch`] with its
//! samples (host metrics, containers, listening sockets, the agent's own footprint, agent-side probe
//! results), its codec (JSON, zstd-compressed on the wire, plain JSON in file mode) with size caps
//! enforced while decompressing, and the ingest contract both sides follow ([`ingest`]). It does no
//! IO and knows nothing of HTTP clients, servers, storage or how values are collected.
//!
//! # Versioning: how a field is added, and never reused
//!
//! The payload is JSON, so a field is identified by its name. The rules:
//!
//! - **Adding** a field: give it `#[serde(default)]` (and usually `skip_serializing_if`) so that a
//!   batch from an older agent still decodes, and note in its doc comment the wire version that
//!   added it (`Added in wire v2.`). Decoders ignore fields they do not know, so a newer agent can
//!   talk to an older hub. Adding a field does not change [`WIRE_VERSION`].
//! - **Retiring** a field: keep it in the struct, make it optional with `#[serde(default)]`, stop
//!   filling it, and mark its doc comment `Retired in wire vN: <why>.` Its name is never used
//!   again for anything else, not even with the same type.
//! - **Renaming** or changing the meaning or unit of a field is never done in place: add a new field
//!   under a new name and retire the old one.
//! - [`WIRE_VERSION`] is bumped only for a change an older decoder must not silently accept (a
//!   different envelope, a different compression). The decoder accepts versions from
//!   [`MIN_WIRE_VERSION`] to [`WIRE_VERSION`] and rejects others with [`DecodeError::WrongVersion`].
//!
//! No field has been retired yet (wire v1).

mod batch;
mod codec;
mod container;
mod error;
mod host;
pub mod ingest;
mod probe;
mod socket;

pub use batch::{AgentFootprint, Batch, CollectorError, Sample};
pub use codec::{Encoding, Limits, check_host_id, decode, encode, from_json, to_json};
pub use container::{Container, Containers};
pub use error::{DecodeError, EncodeError, SizeKind};
pub use host::{
    CpuStats, CpuTimes, DiskIo, Egress, Filesystem, HostMetrics, Load, Memory, NetInterface,
    ProcessInfo,
};
pub use probe::ProbeResult;
pub use socket::{ListeningSocket, SocketOwner, SocketProto};

/// The wire version this crate writes.
pub const WIRE_VERSION: u32 = 1;

/// The oldest wire version this crate still reads.
pub const MIN_WIRE_VERSION: u32 = 1;
