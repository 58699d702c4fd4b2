//! Wire codec: round trips (property test), every decode error, and the zip-bomb cap.

use cloudctl_wire::{
    AgentFootprint, Batch, Container, Containers, CpuStats, CpuTimes, DecodeError, Egress,
    Encoding, Filesystem, HostMetrics, Limits, ListeningSocket, Memory, NetInterface, ProbeResult,
    Sample, SizeKind, SocketOwner, SocketProto, WIRE_VERSION, decode, encode, from_json, to_json,
};
use proptest::prelude::*;

fn sample_batch() -> Batch {
    Batch {
        wire_version: WIRE_VERSION,
        host_id: "oracle-1".to_owned(),
        agent_version: "0.1.0".to_owned(),
        seq: 7,
        dropped: 2,
        samples: vec![Sample {
            ts_ms: 1_764_000_000_000,
            host: Some(HostMetrics {
                cpu: CpuStats {
                    total: CpuTimes {
                        user: 12.5,
                        steal: 0.25,
                        ..CpuTimes::default()
                    },
                    per_core: vec![CpuTimes::default(); 2],
                },
                memory: Memory {
                    total_bytes: 1 << 30,
                    available_bytes: 1 << 29,
                    ..Memory::default()
                },
                filesystems: vec![Filesystem {
                    mount_point: "/".to_owned(),
                    device: "/dev/sda1".to_owned(),
                    fs_type: "ext4".to_owned(),
                    size_bytes: 50 << 30,
                    ..Filesystem::default()
                }],
                networks: vec![NetInterface {
                    name: "ens3".to_owned(),
                    tx_bytes: 99,
                    ..NetInterface::default()
                }],
                egress: Some(Egress {
                    month: "2026-11".to_owned(),
                    tx_bytes: 5,
                    rx_bytes: 6,
                }),
                ..HostMetrics::default()
            }),
            containers: Some(Containers {
                available: true,
                reason: None,
                list: vec![Container {
                    id: "abc".to_owned(),
                    name: "web1".to_owned(),
                    image: "localhost/busybox:test".to_owned(),
                    state: "running".to_owned(),
                    restart_count: 1,
                    memory_bytes: Some(1234),
                    ..Container::default()
                }],
            }),
            sockets: Some(vec![ListeningSocket {
                proto: SocketProto::Tcp6,
                addr: "::".to_owned(),
                port: 443,
                owner: Some(SocketOwner {
                    pid: 10,
                    process: "nginx".to_owned(),
                    container: None,
                }),
            }]),
            agent: Some(AgentFootprint {
                rss_bytes: 4 << 20,
                cpu_seconds: 0.5,
                spool_bytes: 0,
                spool_batches: 0,
            }),
            probes: vec![ProbeResult {
                name: "postgres".to_owned(),
                target: "tcp://127.0.0.1:5432".to_owned(),
                ok: false,
                latency_ms: None,
                error: Some("connection refused".to_owned()),
            }],
            errors: vec![],
        }],
    }
}

#[test]
fn zstd_and_json_round_trip() {
    let batch = sample_batch();
    let limits = Limits::default();
    let wire = encode(&batch, &limits).unwrap();
    assert_eq!(decode(&wire, Encoding::Zstd, &limits).unwrap(), batch);
    let json = to_json(&batch).unwrap();
    assert_eq!(from_json(&json, &limits).unwrap(), batch);
    assert!(
        wire.len() < json.len(),
        "compression must make the batch smaller"
    );
}

#[test]
fn truncated_zstd_is_truncated() {
    let limits = Limits::default();
    let wire = encode(&sample_batch(), &limits).unwrap();
    for cut in [1, wire.len() / 2, wire.len() - 1] {
        let err = decode(&wire[..cut], Encoding::Zstd, &limits).unwrap_err();
        assert!(
            matches!(err, DecodeError::Truncated { .. }),
            "cut at {cut}: {err:?}"
        );
        assert_eq!(err.http_status(), 400);
    }
    let err = decode(&[], Encoding::Zstd, &limits).unwrap_err();
    assert!(matches!(err, DecodeError::Truncated { .. }), "{err:?}");
}

#[test]
fn truncated_json_is_truncated() {
    let json = to_json(&sample_batch()).unwrap();
    let err = from_json(&json[..json.len() / 2], &Limits::default()).unwrap_err();
    assert!(matches!(err, DecodeError::Truncated { .. }), "{err:?}");
}

#[test]
fn garbage_is_malformed() {
    let limits = Limits::default();
    let err = decode(b"hello, not zstd", Encoding::Zstd, &limits).unwrap_err();
    assert!(matches!(err, DecodeError::Malformed { .. }), "{err:?}");
    let err = from_json(b"{\"wire_version\": 1, \"host_id\": 5}", &limits).unwrap_err();
    match err {
        DecodeError::Malformed { detail } => assert!(detail.contains("line 1"), "{detail}"),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn wrong_version_is_named_even_when_the_rest_does_not_parse() {
    let limits = Limits::default();
    let mut batch = sample_batch();
    batch.wire_version = WIRE_VERSION + 1;
    let err = from_json(&to_json(&batch).unwrap(), &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::WrongVersion {
            got: WIRE_VERSION + 1,
            min: 1,
            max: WIRE_VERSION
        }
    );
    // A future version whose envelope changed shape is still reported as a version problem.
    let err = from_json(br#"{"wire_version": 9, "hosts": []}"#, &limits).unwrap_err();
    assert!(
        matches!(err, DecodeError::WrongVersion { got: 9, .. }),
        "{err:?}"
    );
    let err = from_json(br#"{"wire_version": 0, "hosts": []}"#, &limits).unwrap_err();
    assert!(
        matches!(err, DecodeError::WrongVersion { got: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn envelope_rules() {
    let limits = Limits::default();
    let mut bad_host = sample_batch();
    bad_host.host_id = "../etc".to_owned();
    let err = from_json(&to_json(&bad_host).unwrap(), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Invalid {
                field: "host_id",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 422);

    let mut zero_seq = sample_batch();
    zero_seq.seq = 0;
    let err = from_json(&to_json(&zero_seq).unwrap(), &limits).unwrap_err();
    assert!(
        matches!(err, DecodeError::Invalid { field: "seq", .. }),
        "{err:?}"
    );

    let mut empty = sample_batch();
    empty.samples.clear();
    let err = from_json(&to_json(&empty).unwrap(), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Invalid {
                field: "samples",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn too_many_samples_is_oversized_on_both_sides() {
    let limits = Limits {
        max_samples: 2,
        ..Limits::default()
    };
    let mut batch = sample_batch();
    batch.samples = vec![batch.samples[0].clone(); 3];
    assert!(encode(&batch, &limits).is_err());
    let wire = encode(&batch, &Limits::default()).unwrap();
    let err = decode(&wire, Encoding::Zstd, &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Oversized {
            kind: SizeKind::Samples,
            limit: 2
        }
    );
    assert_eq!(err.http_status(), 413);
}

#[test]
fn compressed_cap_is_checked_before_decompressing() {
    let limits = Limits {
        max_compressed: 10,
        ..Limits::default()
    };
    let wire = encode(&sample_batch(), &Limits::default()).unwrap();
    let err = decode(&wire, Encoding::Zstd, &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Oversized {
            kind: SizeKind::Compressed,
            limit: 10
        }
    );
}

#[test]
fn zip_bomb_with_declared_size_is_refused_before_decompressing() {
    let bomb = zstd::bulk::compress(&vec![b' '; 64 << 20], 19).unwrap();
    let limits = Limits::default();
    let err = decode(&bomb, Encoding::Zstd, &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Oversized {
            kind: SizeKind::Decompressed,
            limit: limits.max_decompressed
        }
    );
}

#[test]
fn zip_bomb_with_a_huge_window_is_refused() {
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 19).unwrap();
    encoder.include_contentsize(false).unwrap();
    encoder.window_log(27).unwrap();
    encoder.long_distance_matching(true).unwrap();
    std::io::Write::write_all(&mut encoder, &vec![b'x'; 32 << 20]).unwrap();
    let bomb = encoder.finish().unwrap();
    let err = decode(&bomb, Encoding::Zstd, &Limits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Oversized {
                kind: SizeKind::Decompressed,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn zip_bomb_is_refused_at_the_decompressed_cap() {
    // A streamed frame (no declared size, a small window): 64 MiB of spaces compresses to a few
    // KiB; with an 8 MiB cap the decoder must stop after 8 MiB + 1 bytes of output.
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 19).unwrap();
    encoder.include_contentsize(false).unwrap();
    encoder.window_log(20).unwrap();
    std::io::Write::write_all(&mut encoder, &vec![b' '; 64 << 20]).unwrap();
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 64 << 10, "the bomb is small: {}", bomb.len());
    let limits = Limits::default();
    let err = decode(&bomb, Encoding::Zstd, &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Oversized {
            kind: SizeKind::Decompressed,
            limit: limits.max_decompressed
        }
    );
}

#[test]
fn plain_json_over_the_cap_is_oversized() {
    let limits = Limits {
        max_decompressed: 100,
        ..Limits::default()
    };
    let err = from_json(&to_json(&sample_batch()).unwrap(), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Oversized {
                kind: SizeKind::Decompressed,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn unknown_fields_are_ignored_so_newer_agents_talk_to_older_hubs() {
    let mut value: serde_json::Value =
        serde_json::from_slice(&to_json(&sample_batch()).unwrap()).unwrap();
    value["added_in_a_later_version"] = serde_json::json!({"x": 1});
    value["samples"][0]["new_section"] = serde_json::json!([1, 2]);
    let batch = from_json(&serde_json::to_vec(&value).unwrap(), &Limits::default()).unwrap();
    assert_eq!(batch, sample_batch());
}

#[test]
fn content_encoding_header() {
    assert_eq!(Encoding::from_header(None).unwrap(), Encoding::Identity);
    assert_eq!(Encoding::from_header(Some("zstd")).unwrap(), Encoding::Zstd);
    assert_eq!(
        Encoding::from_header(Some("ZSTD ")).unwrap(),
        Encoding::Zstd
    );
    let err = Encoding::from_header(Some("gzip")).unwrap_err();
    assert_eq!(err.http_status(), 415);
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..1e12f64, any::<u32>().prop_map(f64::from)]
}

fn cpu_times() -> impl Strategy<Value = CpuTimes> {
    (finite(), finite(), finite(), finite(), finite(), finite()).prop_map(
        |(user, system, idle, iowait, steal, nice)| CpuTimes {
            user,
            nice,
            system,
            idle,
            iowait,
            irq: user / 3.0,
            softirq: system / 7.0,
            steal,
        },
    )
}

fn container() -> impl Strategy<Value = Container> {
    (
        "[a-f0-9]{12}",
        "\\PC{0,20}",
        "[a-z]{1,8}",
        proptest::option::of("[a-z]{4,9}"),
        any::<u64>(),
        proptest::option::of(finite()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(id, name, state, health, restarts, cpu, mem)| Container {
            id,
            name,
            image: "img".to_owned(),
            state,
            health,
            restart_count: restarts,
            started_at: None,
            cpu_percent: cpu,
            memory_bytes: mem,
            memory_limit_bytes: mem.map(|m| m / 2),
            net_rx_bytes: None,
            net_tx_bytes: mem,
        })
}

fn sample() -> impl Strategy<Value = Sample> {
    (
        any::<i64>(),
        proptest::option::of((
            cpu_times(),
            proptest::collection::vec(cpu_times(), 0..4),
            any::<u64>(),
            "\\PC{0,12}",
        )),
        proptest::option::of(proptest::collection::vec(container(), 0..4)),
        proptest::option::of(proptest::collection::vec(
            (any::<u16>(), "[0-9.:]{1,15}", any::<bool>()),
            0..5,
        )),
        proptest::collection::vec(
            ("\\PC{0,10}", any::<bool>(), proptest::option::of(finite())),
            0..3,
        ),
    )
        .prop_map(|(ts_ms, host, containers, sockets, probes)| Sample {
            ts_ms,
            host: host.map(|(total, per_core, bytes, mount)| HostMetrics {
                cpu: CpuStats { total, per_core },
                memory: Memory {
                    total_bytes: bytes,
                    available_bytes: bytes / 2,
                    ..Memory::default()
                },
                filesystems: vec![Filesystem {
                    mount_point: mount,
                    size_bytes: bytes,
                    ..Filesystem::default()
                }],
                ..HostMetrics::default()
            }),
            containers: containers.map(|list| Containers {
                available: !list.is_empty(),
                reason: list.is_empty().then(|| "no socket".to_owned()),
                list,
            }),
            sockets: sockets.map(|v| {
                v.into_iter()
                    .map(|(port, addr, udp)| ListeningSocket {
                        proto: if udp {
                            SocketProto::Udp
                        } else {
                            SocketProto::Tcp
                        },
                        addr,
                        port,
                        owner: None,
                    })
                    .collect()
            }),
            agent: None,
            probes: probes
                .into_iter()
                .map(|(name, ok, latency_ms)| ProbeResult {
                    target: format!("tcp://{name}"),
                    name,
                    ok,
                    latency_ms,
                    error: (!ok).then(|| "refused".to_owned()),
                })
                .collect(),
            errors: vec![],
        })
}

fn batch() -> impl Strategy<Value = Batch> {
    (
        "[a-zA-Z0-9._-]{1,64}",
        1..u64::MAX,
        any::<u64>(),
        proptest::collection::vec(sample(), 1..4),
    )
        .prop_map(|(host_id, seq, dropped, samples)| Batch {
            wire_version: WIRE_VERSION,
            host_id,
            agent_version: "0.1.0".to_owned(),
            seq,
            dropped,
            samples,
        })
}

proptest! {
    #[test]
    fn encode_decode_round_trip(batch in batch()) {
        let limits = Limits::default();
        let wire = encode(&batch, &limits).unwrap();
        prop_assert_eq!(&decode(&wire, Encoding::Zstd, &limits).unwrap(), &batch);
        let json = to_json(&batch).unwrap();
        prop_assert_eq!(&from_json(&json, &limits).unwrap(), &batch);
    }

    #[test]
    fn decode_never_panics_on_mangled_bytes(batch in batch(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let limits = Limits::default();
        let mut wire = encode(&batch, &limits).unwrap();
        for (at, byte) in flips {
            let i = at % wire.len();
            wire[i] ^= byte;
        }
        // Any outcome but a panic is fine; an error must map to a 4xx.
        if let Err(e) = decode(&wire, Encoding::Zstd, &limits) {
            prop_assert!((400..500).contains(&e.http_status()));
        }
    }
}
