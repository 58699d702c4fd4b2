//! Shared helpers for the hub's integration tests: a hub on a real loopback port, a small HTTP
//! client, and realistic wire batches.
#![allow(dead_code)]

use std::net::SocketAddr;

use cloudctl_hub::api::{AppState, router};
use cloudctl_hub::store::{Store, StoreConfig};
use cloudctl_wire::{
    Batch, Container, Containers, CpuStats, CpuTimes, Filesystem, HostMetrics, ListeningSocket,
    Memory, NetInterface, Sample, SocketOwner, SocketProto, WIRE_VERSION,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::oneshot;

/// A hub serving on 127.0.0.1:0 over a store in a temporary folder.
pub struct TestHub {
    pub addr: SocketAddr,
    pub store: Store,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestHub {
    /// Start a hub; `open_reads` as if it listened on loopback only.
    pub async fn start(open_reads: bool, expected: &[&str]) -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::new(dir.path().join("hub.db"))).unwrap();
        let state = AppState::new(
            store.clone(),
            open_reads,
            expected.iter().map(|s| s.to_string()).collect(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestHub {
            addr,
            store,
            dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// A token of `kind` for `subject`, created directly in the database as the CLI would.
    pub fn token(&self, kind: cloudctl_hub::tokens::TokenKind, subject: &str) -> String {
        let conn =
            cloudctl_hub::store::open_connection(&self.dir.path().join("hub.db"), 512).unwrap();
        cloudctl_hub::tokens::create(&conn, kind, subject, 1)
            .unwrap()
            .secret
            .expose()
            .to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        self.store.close().await;
    }
}

/// An HTTP client; reuse one per task to keep connections open.
pub type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// A new client.
pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>()
}

/// Status and JSON body of an answer (`Null` when the body is not JSON), over `client`.
pub async fn send(
    client: &HttpClient,
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut builder = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, v.as_str());
    }
    let response = client
        .request(builder.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .expect("the hub answers");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// Status and JSON body of an answer, on a fresh connection.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    send(&client(), method, url, headers, body).await
}

/// The headers an agent sends with a batch.
pub fn batch_headers(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("authorization", format!("Bearer {token}")),
        ("content-encoding", "zstd".into()),
        ("content-type", "application/json".into()),
    ]
}

/// GET with an optional bearer token.
pub async fn get(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, String)> = token
        .map(|t| vec![("authorization", format!("Bearer {t}"))])
        .unwrap_or_default();
    request("GET", url, &headers, Vec::new()).await
}

/// POST an encoded batch with a token.
pub async fn post_batch(url: &str, token: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    request("POST", url, &batch_headers(token), body).await
}

/// A sample as an agent on a small VM would send it.
pub fn sample(ts_ms: i64, load: f64) -> Sample {
    let cpu = CpuTimes {
        user: 100.0 + load,
        system: 50.0,
        idle: 1000.0,
        steal: 3.5,
        ..CpuTimes::default()
    };
    Sample {
        ts_ms,
        host: Some(HostMetrics {
            cpu: CpuStats {
                total: cpu.clone(),
                per_core: vec![cpu.clone(), cpu],
            },
            load: cloudctl_wire::Load {
                one: load,
                five: load / 2.0,
                fifteen: load / 3.0,
            },
            memory: Memory {
                total_bytes: 1 << 30,
                available_bytes: 600 << 20,
                used_bytes: 424 << 20,
                ..Memory::default()
            },
            filesystems: vec![Filesystem {
                mount_point: "/".into(),
                device: "/dev/sda1".into(),
                fs_type: "ext4".into(),
                size_bytes: 30 << 30,
                free_bytes: 20 << 30,
                avail_bytes: 19 << 30,
                inodes_total: 1_000_000,
                inodes_free: 900_000,
            }],
            networks: vec![NetInterface {
                name: "ens3".into(),
                rx_bytes: 1_000_000,
                tx_bytes: 2_000_000,
                ..NetInterface::default()
            }],
            uptime_seconds: 3600.0,
            boot_time: 1_700_000_000,
            process_count: 120,
            ..HostMetrics::default()
        }),
        containers: Some(Containers {
            available: true,
            reason: None,
            list: vec![Container {
                id: "abc".into(),
                name: "authelia-app".into(),
                image: "authelia/authelia:4.39".into(),
                state: "running".into(),
                restart_count: 2,
                memory_bytes: Some(40 << 20),
                ..Container::default()
            }],
        }),
        sockets: Some(vec![ListeningSocket {
            proto: SocketProto::Tcp,
            addr: "0.0.0.0".into(),
            port: 9091,
            owner: Some(SocketOwner {
                pid: 42,
                process: "authelia".into(),
                container: Some("authelia-app".into()),
            }),
        }]),
        ..Sample::default()
    }
}

/// A one-sample batch.
pub fn batch(host: &str, seq: u64, ts_ms: i64) -> Batch {
    Batch {
        wire_version: WIRE_VERSION,
        host_id: host.into(),
        agent_version: "0.1.0-test".into(),
        seq,
        dropped: 0,
        samples: vec![sample(ts_ms, seq as f64)],
    }
}

/// Encoded as an agent sends it.
pub fn encoded(batch: &Batch) -> Vec<u8> {
    cloudctl_wire::encode(batch, &cloudctl_wire::Limits::default()).unwrap()
}

/// Batches stored for a host (0 when the host is unknown).
pub async fn stored_batches(store: &Store, host: &str) -> usize {
    let host = host.to_owned();
    store
        .read(
            move |c| match cloudctl_hub::store::read::batch_seqs(c, &host) {
                Ok(seqs) => Ok(seqs.len()),
                Err(cloudctl_hub::Error::NotFound { .. }) => Ok(0),
                Err(e) => Err(e),
            },
        )
        .await
        .unwrap()
}
