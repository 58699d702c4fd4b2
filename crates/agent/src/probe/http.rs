//! `http://HOST:PORT/PATH`: a plain HTTP/1.1 GET, up when the status is below 400. A redirect
//! counts as up: behind forward auth a redirect to the portal is the normal answer.

use std::io::{Read, Write};

use super::deadline::Deadline;
use super::target::Bracketed;

/// The longest status line read; anything longer is not HTTP.
const MAX_STATUS_LINE: usize = 512;

/// Send the request and read the status line only (the body is never read).
pub(super) fn check(host: &str, port: u16, path: &str, deadline: &Deadline) -> Result<(), String> {
    let mut stream = super::tcp::connect(host, port, deadline)?;
    let io = |e: std::io::Error| deadline.describe(&e);
    stream
        .set_write_timeout(Some(deadline.remaining()?))
        .map_err(io)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}:{port}\r\nUser-Agent: cloudctl-agent\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        Bracketed(host)
    )
    .map_err(|e| format!("sending the request: {}", io(e)))?;

    let mut head = Vec::with_capacity(128);
    let mut buf = [0u8; 256];
    let line_end = loop {
        if let Some(end) = head.windows(2).position(|w| w == b"\r\n") {
            break end;
        }
        if head.len() > MAX_STATUS_LINE {
            return Err(not_http(&head));
        }
        stream
            .set_read_timeout(Some(deadline.remaining()?))
            .map_err(io)?;
        match stream.read(&mut buf) {
            Ok(0) if head.is_empty() => {
                return Err("connection closed without an answer".to_owned());
            }
            Ok(0) => return Err(not_http(&head)),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("waiting for the answer: {}", io(e))),
        }
    };
    let line = String::from_utf8_lossy(&head[..line_end]);
    let status = parse_status(&line).ok_or_else(|| not_http(&head))?;
    if status < 400 {
        Ok(())
    } else {
        Err(format!(
            "HTTP {}",
            line.split_once(' ').map_or("", |(_, s)| s).trim()
        ))
    }
}

/// The status code of `HTTP/1.x NNN Reason`.
fn parse_status(line: &str) -> Option<u16> {
    let rest = line.strip_prefix("HTTP/1.")?;
    let (version, rest) = rest.split_once(' ')?;
    if !matches!(version, "0" | "1") {
        return None;
    }
    let code = rest.split(' ').next()?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse().ok().filter(|c| (100..600).contains(c))
}

fn not_http(head: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(&head[..head.len().min(40)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    format!("not an HTTP answer: {shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(parse_status("HTTP/1.1 200 OK"), Some(200));
        assert_eq!(parse_status("HTTP/1.0 302 Found"), Some(302));
        assert_eq!(parse_status("HTTP/1.1 503"), Some(503));
        assert_eq!(parse_status("HTTP/1.1 2000 OK"), None);
        assert_eq!(parse_status("SSH-2.0-OpenSSH_9.2"), None);
        assert_eq!(parse_status("HTTP/1.1 abc"), None);
        assert_eq!(parse_status("HTTP/2 200"), None);
    }
}
