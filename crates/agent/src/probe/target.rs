//! What a local probe checks, parsed from `tcp://HOST:PORT`, `http://HOST:PORT/PATH` or
//! `container://NAME:PORT`.

use std::fmt;
use std::str::FromStr;

/// The forms a target may take, for error messages.
pub const TARGET_FORMS: &str = "tcp://HOST:PORT, http://HOST:PORT/PATH or container://NAME:PORT";

/// What a local probe checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeTarget {
    /// A TCP connect.
    Tcp {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// The port.
        port: u16,
    },
    /// A plain HTTP/1.1 GET; up when the status is below 400.
    Http {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// The port.
        port: u16,
        /// The path, starting with `/` (and the query, if any).
        path: String,
    },
    /// A container's internal port: its address from the Docker Engine API, then a TCP connect.
    Container {
        /// The container's name.
        name: String,
        /// The port inside the container's network.
        port: u16,
    },
}

/// Why a target could not be parsed; the message names the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}; write it as {TARGET_FORMS}")]
pub struct TargetError {
    reason: String,
}

fn bad(reason: impl Into<String>) -> TargetError {
    TargetError {
        reason: reason.into(),
    }
}

impl FromStr for ProbeTarget {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, TargetError> {
        let Some((scheme, rest)) = s.split_once("://") else {
            return Err(bad(format!("{s:?} has no scheme")));
        };
        match scheme {
            "tcp" => {
                if rest.contains('/') {
                    return Err(bad(format!("{s:?}: a tcp target has no path")));
                }
                let (host, port) = host_port(s, rest)?;
                Ok(ProbeTarget::Tcp { host, port })
            }
            "http" => {
                let (authority, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, "/"),
                };
                if path
                    .chars()
                    .any(|c| c.is_ascii_whitespace() || c.is_control())
                {
                    return Err(bad(format!(
                        "{s:?}: the path has spaces or control characters"
                    )));
                }
                let (host, port) = host_port(s, authority)?;
                Ok(ProbeTarget::Http {
                    host,
                    port,
                    path: path.to_owned(),
                })
            }
            "container" => {
                let Some((name, port)) = rest.rsplit_once(':') else {
                    return Err(bad(format!("{s:?} has no port")));
                };
                check_container_name(name).map_err(|e| bad(format!("{s:?}: {e}")))?;
                Ok(ProbeTarget::Container {
                    name: name.to_owned(),
                    port: port_number(s, port)?,
                })
            }
            "https" => Err(bad(format!(
                "{s:?}: https is not probed by the agent (internal ports are plain); probe the port with tcp://"
            ))),
            other => Err(bad(format!("{s:?}: unknown scheme {other:?}"))),
        }
    }
}

/// `HOST:PORT` or `[V6]:PORT`.
fn host_port(whole: &str, authority: &str) -> Result<(String, u16), TargetError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else {
            return Err(bad(format!(
                "{whole:?}: an IPv6 address needs its closing ]"
            )));
        };
        let Some(port) = after.strip_prefix(':') else {
            return Err(bad(format!("{whole:?} has no port")));
        };
        (host, port)
    } else {
        let Some((host, port)) = authority.rsplit_once(':') else {
            return Err(bad(format!("{whole:?} has no port")));
        };
        if host.contains(':') {
            return Err(bad(format!(
                "{whole:?}: put an IPv6 address in brackets, [::1]:PORT"
            )));
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(bad(format!("{whole:?} has no host")));
    }
    if host.contains(['@', '?', '#', ' ']) {
        return Err(bad(format!(
            "{whole:?}: {host:?} is not a host name or address"
        )));
    }
    Ok((host.to_owned(), port_number(whole, port)?))
}

fn port_number(whole: &str, port: &str) -> Result<u16, TargetError> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(bad(format!("{whole:?}: {port:?} is not a port (1-65535)"))),
    }
}

/// A container name as the engines accept it: `[A-Za-z0-9][A-Za-z0-9_.-]*`.
fn check_container_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("the container name is empty".to_owned()),
        Some(c) if !c.is_ascii_alphanumeric() => Err(format!(
            "container name {name:?} must start with a letter or digit"
        )),
        _ if chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) => Ok(()),
        _ => Err(format!(
            "container name {name:?} may hold only letters, digits, _ . and -"
        )),
    }
}

impl fmt::Display for ProbeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeTarget::Tcp { host, port } => write!(f, "tcp://{}:{port}", Bracketed(host)),
            ProbeTarget::Http { host, port, path } => {
                write!(f, "http://{}:{port}{path}", Bracketed(host))
            }
            ProbeTarget::Container { name, port } => write!(f, "container://{name}:{port}"),
        }
    }
}

/// A host as it is written before `:PORT`: an IPv6 address in brackets.
pub(crate) struct Bracketed<'a>(pub &'a str);

impl fmt::Display for Bracketed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains(':') {
            write!(f, "[{}]", self.0)
        } else {
            f.write_str(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ProbeTarget {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_prints_every_form() {
        let cases = [
            ("tcp://127.0.0.1:5432", "tcp://127.0.0.1:5432"),
            ("tcp://[::1]:80", "tcp://[::1]:80"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            (
                "http://localhost:8080/health?x=1",
                "http://localhost:8080/health?x=1",
            ),
            ("container://vault-app:80", "container://vault-app:80"),
        ];
        for (input, shown) in cases {
            assert_eq!(parse(input).to_string(), shown);
        }
        assert_eq!(
            parse("http://[::1]:9/a"),
            ProbeTarget::Http {
                host: "::1".to_owned(),
                port: 9,
                path: "/a".to_owned()
            }
        );
    }

    #[test]
    fn rejects_bad_targets_with_the_reason() {
        let cases = [
            ("127.0.0.1:80", "\"127.0.0.1:80\" has no scheme"),
            ("udp://127.0.0.1:53", "unknown scheme \"udp\""),
            ("tcp://127.0.0.1", "has no port"),
            ("tcp://127.0.0.1:0", "\"0\" is not a port (1-65535)"),
            ("tcp://127.0.0.1:99999", "\"99999\" is not a port"),
            ("tcp://127.0.0.1:80/x", "a tcp target has no path"),
            ("tcp://:80", "has no host"),
            ("tcp://::1:80", "put an IPv6 address in brackets"),
            ("http://127.0.0.1/health", "has no port"),
            ("http://127.0.0.1:80/a b", "spaces or control characters"),
            ("https://127.0.0.1:443/", "https is not probed"),
            ("container://vault-app", "has no port"),
            ("container://../x:80", "must start with a letter or digit"),
            ("container://a/b:80", "only letters, digits"),
            ("container://:80", "the container name is empty"),
        ];
        for (input, reason) in cases {
            let err = input.parse::<ProbeTarget>().unwrap_err().to_string();
            assert!(err.contains(reason), "{input}: {err}");
            assert!(err.ends_with(TARGET_FORMS), "{input}: {err}");
        }
    }
}
