//! `container://NAME:PORT`: a container's internal port. The container's address comes from
//! the Docker Engine API (`GET /containers/NAME/json`); a container on the host's network is
//! reached on 127.0.0.1. A container that is missing, not running or without an address is a
//! failed probe with the reason, never an error of the agent.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;

use serde::Deserialize;

use super::deadline::Deadline;
use crate::docker::{DockerClient, DockerError};

/// Ask the engine where the container is, then connect to its port.
pub(super) fn check(
    name: &str,
    port: u16,
    socket: &Path,
    deadline: &Deadline,
) -> Result<(), String> {
    let client = DockerClient::new(socket, deadline.remaining()?);
    let body = client
        .get(&format!("/containers/{name}/json"))
        .map_err(|e| match e {
            DockerError::Status { status: 404, .. } => format!("container {name} not found"),
            DockerError::Io { source, .. } => {
                format!(
                    "asking the container engine: {}",
                    deadline.describe(&source)
                )
            }
            other => format!("asking the container engine: {other}"),
        })?;
    let inspect: Inspect = serde_json::from_slice(&body)
        .map_err(|e| format!("the engine's answer for container {name} is not usable: {e}"))?;
    let ip = address(name, &inspect)?;
    let addr = SocketAddr::new(ip, port);
    super::tcp::connect_any(&[addr], deadline)
        .map(drop)
        .map_err(|e| match e {
            Some((addr, reason)) => format!("container {name} at {addr}: {reason}"),
            None => format!("container {name}: no address to try"),
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspect {
    #[serde(default)]
    state: Option<State>,
    #[serde(default)]
    host_config: Option<HostConfig>,
    #[serde(default)]
    network_settings: Option<NetworkSettings>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct State {
    #[serde(default)]
    status: String,
    #[serde(default)]
    running: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HostConfig {
    #[serde(default)]
    network_mode: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NetworkSettings {
    /// The legacy default-bridge address.
    #[serde(default, rename = "IPAddress")]
    ip_address: String,
    #[serde(default)]
    networks: Option<BTreeMap<String, Network>>,
}

#[derive(Deserialize)]
struct Network {
    #[serde(default, rename = "IPAddress")]
    ip_address: String,
}

/// Where the container's ports are: its first non-empty network address (networks in name
/// order), 127.0.0.1 on the host's network.
fn address(name: &str, inspect: &Inspect) -> Result<IpAddr, String> {
    let state = inspect.state.as_ref();
    let status = state.map(|s| s.status.as_str()).unwrap_or("");
    if !state.is_some_and(|s| s.running) || !matches!(status, "running" | "") {
        let shown = if status.is_empty() {
            "not running"
        } else {
            status
        };
        return Err(format!("container {name} is {shown}"));
    }
    let mode = inspect
        .host_config
        .as_ref()
        .map(|h| h.network_mode.as_str())
        .unwrap_or("");
    if mode == "host" {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    if let Some(other) = mode.strip_prefix("container:") {
        return Err(format!(
            "container {name} shares the network of container {other}; probe that one"
        ));
    }
    let settings = inspect.network_settings.as_ref();
    let found = settings
        .and_then(|s| s.networks.as_ref())
        .into_iter()
        .flat_map(|n| n.values())
        .map(|n| n.ip_address.as_str())
        .chain(settings.map(|s| s.ip_address.as_str()))
        .find(|ip| !ip.is_empty());
    match found {
        Some(ip) => ip
            .parse()
            .map_err(|_| format!("container {name} has an unusable address {ip:?}")),
        None if mode == "none" => Err(format!(
            "container {name} has no network (network mode none)"
        )),
        None => Err(format!("container {name} has no IP address on any network")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect(json: &str) -> Inspect {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn addresses_from_engine_answers() {
        let bridge = inspect(
            r#"{"State":{"Status":"running","Running":true},"HostConfig":{"NetworkMode":"app"},
               "NetworkSettings":{"IPAddress":"","Networks":{"b-net":{"IPAddress":""},"a-net":{"IPAddress":"172.20.0.5"}}}}"#,
        );
        assert_eq!(address("x", &bridge).unwrap().to_string(), "172.20.0.5");
        let legacy = inspect(
            r#"{"State":{"Status":"running","Running":true},"NetworkSettings":{"IPAddress":"172.17.0.2"}}"#,
        );
        assert_eq!(address("x", &legacy).unwrap().to_string(), "172.17.0.2");
        let host = inspect(
            r#"{"State":{"Status":"running","Running":true},"HostConfig":{"NetworkMode":"host"},"NetworkSettings":{"Networks":{}}}"#,
        );
        assert_eq!(address("x", &host).unwrap().to_string(), "127.0.0.1");
    }

    #[test]
    fn unusable_containers_say_why() {
        let cases = [
            (
                r#"{"State":{"Status":"exited","Running":false}}"#,
                "container vault-app is exited",
            ),
            (
                r#"{"State":{"Status":"paused","Running":true}}"#,
                "container vault-app is paused",
            ),
            (r#"{}"#, "container vault-app is not running"),
            (
                r#"{"State":{"Status":"running","Running":true},"HostConfig":{"NetworkMode":"container:vpn"}}"#,
                "shares the network of container vpn",
            ),
            (
                r#"{"State":{"Status":"running","Running":true},"HostConfig":{"NetworkMode":"none"},"NetworkSettings":{"Networks":{}}}"#,
                "container vault-app has no network (network mode none)",
            ),
            (
                r#"{"State":{"Status":"running","Running":true},"NetworkSettings":{"Networks":{"n":{"IPAddress":""}}}}"#,
                "container vault-app has no IP address on any network",
            ),
        ];
        for (json, reason) in cases {
            let err = address("vault-app", &inspect(json)).unwrap_err();
            assert!(err.contains(reason), "{json}: {err}");
        }
    }
}
