//! Listening TCP sockets through netlink sock_diag (what `ss -lt` uses). Reading /proc/net/tcp
//! makes the kernel walk its whole established-connections table, about 5 ms of CPU per file on
//! a large host; asking sock_diag for the LISTEN state only walks the listening table.

use std::net::{Ipv4Addr, Ipv6Addr};

use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketType, netlink, recv, send, socket};

use super::sockets::Row;

/// SOCK_DIAG_BY_FAMILY.
const MSG_TYPE: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const IPPROTO_TCP: u8 = 6;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const TCP_LISTEN: u32 = 10;
const HEADER: usize = 16;
/// struct inet_diag_msg: family, state, timer, retrans, id (48 bytes), expires, rqueue, wqueue,
/// uid, inode.
const DIAG_MSG: usize = 72;

/// Listening TCP sockets of one address family (IPv6 when `v6`).
pub(crate) fn tcp_listeners(v6: bool, out: &mut Vec<Row>) -> std::io::Result<()> {
    let fd = socket(
        AddressFamily::NETLINK,
        SocketType::DGRAM,
        Some(netlink::SOCK_DIAG),
    )?;
    let mut req = [0u8; HEADER + 56];
    let len = req.len() as u32;
    req[0..4].copy_from_slice(&len.to_ne_bytes());
    req[4..6].copy_from_slice(&MSG_TYPE.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    // struct inet_diag_req_v2: family, protocol, ext, pad, states, id (zeroed).
    req[HEADER] = if v6 { AF_INET6 } else { AF_INET };
    req[HEADER + 1] = IPPROTO_TCP;
    req[HEADER + 4..HEADER + 8].copy_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    send(&fd, &req, SendFlags::empty())?;

    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = recv(&fd, &mut buf[..], RecvFlags::empty())?.0;
        if n == 0 {
            return Ok(());
        }
        let mut at = 0;
        while at + HEADER <= n {
            let msg_len =
                u32::from_ne_bytes(buf[at..at + 4].try_into().unwrap_or_default()) as usize;
            let msg_type = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().unwrap_or_default());
            if msg_len < HEADER || at + msg_len > n {
                return Err(std::io::Error::other("malformed sock_diag answer"));
            }
            match msg_type {
                NLMSG_DONE => return Ok(()),
                NLMSG_ERROR => {
                    let code = buf
                        .get(at + HEADER..at + HEADER + 4)
                        .and_then(|b| b.try_into().ok())
                        .map(i32::from_ne_bytes)
                        .unwrap_or(0);
                    return Err(std::io::Error::from_raw_os_error(-code));
                }
                MSG_TYPE if msg_len >= HEADER + DIAG_MSG => {
                    if let Some(row) = parse(&buf[at + HEADER..at + msg_len], v6) {
                        out.push(row);
                    }
                }
                _ => {}
            }
            // Messages are aligned to 4 bytes.
            at += (msg_len + 3) & !3;
        }
    }
}

fn parse(msg: &[u8], v6: bool) -> Option<Row> {
    let port = u16::from_be_bytes(msg.get(4..6)?.try_into().ok()?);
    let addr = if v6 {
        let b: [u8; 16] = msg.get(8..24)?.try_into().ok()?;
        Ipv6Addr::from(b).to_string()
    } else {
        let b: [u8; 4] = msg.get(8..12)?.try_into().ok()?;
        Ipv4Addr::from(b).to_string()
    };
    let inode = u32::from_ne_bytes(msg.get(68..72)?.try_into().ok()?);
    Some(Row {
        addr,
        port,
        inode: u64::from(inode),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_listener_of_this_process() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut rows = Vec::new();
        tcp_listeners(false, &mut rows).unwrap();
        let row = rows.iter().find(|r| r.port == port).expect("our listener");
        assert_eq!(row.addr, "127.0.0.1");
        assert!(row.inode > 0);
        let mut v6 = Vec::new();
        tcp_listeners(true, &mut v6).unwrap();
        assert!(v6.iter().all(|r| r.port != port || r.addr != "127.0.0.1"));
    }
}
