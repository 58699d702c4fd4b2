//! Listening TCP sockets and bound UDP sockets (/proc/net/{tcp,tcp6,udp,udp6}) with the process
//! that owns each (found through /proc/<pid>/fd socket inodes) and its container, when known.
//!
//! Finding owners means reading every process's fd table, the agent's costliest step (about 10 ms
//! of CPU on a host with 150 processes); it is done only when a listening socket appears whose
//! owner is not known yet, and at most once per [`RESCAN_EVERY`]: a new socket is named within a
//! minute.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use cloudctl_wire::{ListeningSocket, Sample, SocketOwner, SocketProto};

use super::{Collector, Context};
use crate::Result;
use crate::procfs::read_into;

const TABLES: [(&str, SocketProto); 4] = [
    ("/proc/net/tcp", SocketProto::Tcp),
    ("/proc/net/tcp6", SocketProto::Tcp6),
    ("/proc/net/udp", SocketProto::Udp),
    ("/proc/net/udp6", SocketProto::Udp6),
];

/// The shortest time between two scans of every process's fds.
pub const RESCAN_EVERY: Duration = Duration::from_secs(60);

/// TCP_LISTEN in the kernel's state numbering.
const TCP_LISTEN: &str = "0A";
/// TCP_CLOSE, which an unconnected UDP socket shows.
const UDP_UNCONNECTED: &str = "07";

/// Listening sockets.
#[derive(Default)]
pub struct Sockets {
    /// Owner per socket inode: (pid, comm, container id from the cgroup path).
    owners: HashMap<u64, (u32, String, Option<String>)>,
    /// Inodes a scan looked for and did not find (kernel sockets, other namespaces' processes):
    /// not looked for again, or every tick would rescan every fd on the machine.
    orphans: HashSet<u64>,
    wanted: HashSet<u64>,
    last_scan: Option<Instant>,
    rows: Vec<Row>,
}

/// Several sockets may share an address and port (SO_REUSEPORT): list it once.
fn push_unique(found: &mut Vec<(SocketProto, Row)>, proto: SocketProto, row: Row) {
    if !found
        .iter()
        .any(|(p, r)| *p == proto && r.addr == row.addr && r.port == row.port)
    {
        found.push((proto, row));
    }
}

/// One parsed row of a /proc/net table.
#[derive(Debug, PartialEq)]
pub(crate) struct Row {
    pub addr: String,
    pub port: u16,
    pub inode: u64,
}

impl Collector for Sockets {
    fn name(&self) -> &'static str {
        "sockets"
    }

    fn collect(&mut self, ctx: &mut Context, sample: &mut Sample) -> Result<()> {
        let mut found: Vec<(SocketProto, Row)> = Vec::new();
        for (path, proto) in TABLES {
            let v6 = matches!(proto, SocketProto::Tcp6);
            if matches!(proto, SocketProto::Tcp | SocketProto::Tcp6) {
                // sock_diag first (cheap); /proc/net/tcp if netlink is not allowed here.
                self.rows.clear();
                if super::sock_diag::tcp_listeners(v6, &mut self.rows).is_ok() {
                    for row in self.rows.drain(..) {
                        push_unique(&mut found, proto, row);
                    }
                    continue;
                }
            }
            // IPv6 may be disabled: a missing table is no error.
            if read_into(path, &mut ctx.buf).is_err() {
                continue;
            }
            let udp = matches!(proto, SocketProto::Udp | SocketProto::Udp6);
            for line in ctx.buf.lines().skip(1) {
                if let Some(row) = parse_row(line, udp) {
                    push_unique(&mut found, proto, row);
                }
            }
        }
        self.wanted.clear();
        self.wanted
            .extend(found.iter().map(|(_, r)| r.inode).filter(|&i| i != 0));
        self.owners.retain(|inode, _| self.wanted.contains(inode));
        self.orphans.retain(|inode| self.wanted.contains(inode));
        let unknown = self
            .wanted
            .iter()
            .any(|i| !self.owners.contains_key(i) && !self.orphans.contains(i));
        let due = self
            .last_scan
            .is_none_or(|t| ctx.instant.duration_since(t) >= RESCAN_EVERY);
        if unknown && due {
            self.last_scan = Some(ctx.instant);
            self.scan_owners(&mut ctx.buf);
            for &inode in &self.wanted {
                if !self.owners.contains_key(&inode) {
                    self.orphans.insert(inode);
                }
            }
        }
        let containers = sample
            .containers
            .as_ref()
            .map(|c| &c.list[..])
            .unwrap_or(&[]);
        let list = found
            .into_iter()
            .map(|(proto, row)| ListeningSocket {
                proto,
                owner: self
                    .owners
                    .get(&row.inode)
                    .map(|(pid, comm, cid)| SocketOwner {
                        pid: *pid,
                        process: comm.clone(),
                        container: cid.as_ref().and_then(|cid| {
                            containers
                                .iter()
                                .find(|c| c.id == *cid)
                                .map(|c| c.name.clone())
                        }),
                    }),
                addr: row.addr,
                port: row.port,
            })
            .collect();
        sample.sockets = Some(list);
        Ok(())
    }
}

impl Sockets {
    /// Walk every process's fds for the wanted socket inodes.
    fn scan_owners(&mut self, buf: &mut String) {
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in procs.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                let Ok(target) = std::fs::read_link(fd.path()) else {
                    continue;
                };
                let Some(inode) = target
                    .to_str()
                    .and_then(|t| t.strip_prefix("socket:["))
                    .and_then(|t| t.strip_suffix(']'))
                    .and_then(|t| t.parse::<u64>().ok())
                else {
                    continue;
                };
                if !self.wanted.contains(&inode) || self.owners.contains_key(&inode) {
                    continue;
                }
                let comm = std::fs::read_to_string(entry.path().join("comm"))
                    .map(|c| c.trim_end().to_owned())
                    .unwrap_or_default();
                let container = read_into(entry.path().join("cgroup"), buf)
                    .ok()
                    .and_then(|()| container_id(buf));
                self.owners.insert(inode, (pid, comm, container));
            }
        }
    }
}

/// Parse one row of /proc/net/{tcp,udp}[6]; `None` for rows that are not listening/bound.
pub(crate) fn parse_row(line: &str, udp: bool) -> Option<Row> {
    let mut f = line.split_ascii_whitespace();
    let local = f.nth(1)?;
    let remote = f.next()?;
    let state = f.next()?;
    let inode = f.nth(5)?.parse().ok()?;
    let listening = if udp {
        state == UDP_UNCONNECTED && remote.ends_with(":0000")
    } else {
        state == TCP_LISTEN
    };
    if !listening {
        return None;
    }
    let (addr_hex, port_hex) = local.split_once(':')?;
    Some(Row {
        addr: parse_addr(addr_hex)?,
        port: u16::from_str_radix(port_hex, 16).ok()?,
        inode,
    })
}

/// The kernel prints addresses as 32-bit words in host byte order.
fn parse_addr(hex: &str) -> Option<String> {
    let word = |i: usize| -> Option<[u8; 4]> {
        Some(
            u32::from_str_radix(hex.get(i * 8..i * 8 + 8)?, 16)
                .ok()?
                .to_ne_bytes(),
        )
    };
    match hex.len() {
        8 => Some(Ipv4Addr::from(word(0)?).to_string()),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            Some(Ipv6Addr::from(b).to_string())
        }
        _ => None,
    }
}

/// The container id in a /proc/<pid>/cgroup text: the first run of 64 hex digits (docker-<id>,
/// libpod-<id>.scope, /docker/<id>, …).
pub(crate) fn container_id(cgroup: &str) -> Option<String> {
    let bytes = cgroup.as_bytes();
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_hexdigit() && !b.is_ascii_uppercase() {
            run += 1;
            let next_is_hex = bytes.get(i + 1).is_some_and(|n| n.is_ascii_hexdigit());
            if run == 64 && !next_is_hex {
                return Some(cgroup[i + 1 - 64..=i].to_owned());
            }
        } else {
            run = 0;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_rows() {
        let tcp = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0";
        let row = parse_row(tcp, false).unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(
                row,
                Row {
                    addr: "127.0.0.1".to_owned(),
                    port: 8080,
                    inode: 12345
                }
            );
        }
        let established = tcp.replace(" 0A ", " 01 ");
        assert_eq!(parse_row(&established, false), None);
        let tcp6 = "   1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1";
        let row = parse_row(tcp6, false).unwrap();
        assert_eq!((row.addr.as_str(), row.port, row.inode), ("::", 443, 777));
        let udp = "  5: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0";
        assert_eq!(parse_row(udp, true).unwrap().port, 53);
        let udp_connected = "  5: 00000000:0035 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 99 2 0";
        assert_eq!(parse_row(udp_connected, true), None);
    }

    #[test]
    fn finds_container_ids_in_cgroups() {
        let id = "b20df1f45bebf0da275956ed4fd91efd42c3dfdf3240c3c73bf86e74afed11b0";
        let text = format!("0::/machine.slice/libpod-{id}.scope/container\n");
        assert_eq!(container_id(&text).as_deref(), Some(id));
        assert_eq!(container_id("0::/user.slice/session-1.scope\n"), None);
        let long = format!("0::/x/{id}ab\n");
        assert_eq!(container_id(&long), None);
    }
}
