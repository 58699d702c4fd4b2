//! The HTTP API on a real socket: ingest acknowledgements, every kind of bad input, and reads.

mod common;

use cloudctl_hub::tokens::TokenKind;
use cloudctl_wire::ingest::INGEST_PATH;
use common::*;
use rstest::rstest;

#[tokio::test]
async fn a_batch_is_acknowledged_once_stored_and_a_replay_as_duplicate() {
    let hub = TestHub::start(true, &[]).await;
    let token = hub.token(TokenKind::Host, "gcp-f-micro_1");
    let body = encoded(&batch("gcp-f-micro_1", 7, 1_700_000_000_000));

    let (status, ack) = post_batch(&hub.url(INGEST_PATH), &token, body.clone()).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack, serde_json::json!({"acked_seq": 7, "duplicate": false}));
    let (status, ack) = post_batch(&hub.url(INGEST_PATH), &token, body).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack, serde_json::json!({"acked_seq": 7, "duplicate": true}));
    assert_eq!(stored_batches(&hub.store, "gcp-f-micro_1").await, 1);
    hub.stop().await;
}

/// What a bad request looks like, and the status it must get.
#[derive(Debug, Clone, Copy)]
enum Case {
    Malformed,
    Truncated,
    OversizedBody,
    ZipBomb,
    WrongVersion,
    WrongHost,
    BadToken,
    MissingToken,
    ReadTokenWrites,
    UnknownEncoding,
}

#[rstest]
#[case::malformed(Case::Malformed, 400, "malformed")]
#[case::truncated(Case::Truncated, 400, "truncated")]
#[case::oversized_body(Case::OversizedBody, 413, "too large")]
#[case::zip_bomb(Case::ZipBomb, 413, "decompressed size")]
#[case::wrong_version(Case::WrongVersion, 400, "wire version 99")]
#[case::wrong_host(Case::WrongHost, 403, "\"oci-f-micro_2\"")]
#[case::bad_token(Case::BadToken, 401, "not valid")]
#[case::missing_token(Case::MissingToken, 401, "no bearer token")]
#[case::read_token_writes(Case::ReadTokenWrites, 403, "read tokens cannot write")]
#[case::unknown_encoding(Case::UnknownEncoding, 415, "content encoding")]
#[tokio::test]
async fn bad_input_gets_a_4xx_with_reason_and_hint_stores_nothing_and_the_hub_keeps_serving(
    #[case] bad: Case,
    #[case] status: u16,
    #[case] reason: &str,
) {
    let hub = TestHub::start(true, &[]).await;
    let host = "oci-f-micro_1";
    let token = hub.token(TokenKind::Host, host);
    let good = batch(host, 1, 1_700_000_000_000);
    let url = hub.url(INGEST_PATH);
    let auth = |t: &str| ("authorization", format!("Bearer {t}"));
    let zstd = ("content-encoding", "zstd".to_owned());

    let (got, body) = match bad {
        Case::Malformed => post_batch(&url, &token, b"this is not zstd".to_vec()).await,
        Case::Truncated => {
            let full = encoded(&good);
            post_batch(&url, &token, full[..full.len() / 2].to_vec()).await
        }
        Case::OversizedBody => post_batch(&url, &token, vec![0u8; 2 << 20]).await,
        Case::ZipBomb => {
            // 64 MiB of spaces compresses to a few KiB; the hub must stop at its 8 MiB cap.
            let bomb = vec![b' '; 64 << 20];
            post_batch(&url, &token, zstd_compress(&bomb)).await
        }
        Case::WrongVersion => {
            let mut b = good.clone();
            b.wire_version = 99;
            let json = serde_json::to_vec(&b).unwrap();
            post_batch(&url, &token, zstd_compress(&json)).await
        }
        Case::WrongHost => {
            post_batch(
                &url,
                &token,
                encoded(&batch("oci-f-micro_2", 1, 1_700_000_000_000)),
            )
            .await
        }
        Case::BadToken => post_batch(&url, "cct_0000000000000000_00", encoded(&good)).await,
        Case::MissingToken => {
            request("POST", &url, std::slice::from_ref(&zstd), encoded(&good)).await
        }
        Case::ReadTokenWrites => {
            let read = hub.token(TokenKind::Read, "dashboard");
            post_batch(&url, &read, encoded(&good)).await
        }
        Case::UnknownEncoding => {
            let headers = [auth(&token), ("content-encoding", "br".to_owned())];
            request("POST", &url, &headers, encoded(&good)).await
        }
    };
    assert_eq!(got, status, "{bad:?}: {body}");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(reason),
        "{bad:?}: error {error:?} lacks {reason:?}"
    );
    assert!(
        body["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "{bad:?}: no hint in {body}"
    );
    assert_eq!(
        stored_batches(&hub.store, host).await,
        0,
        "{bad:?} stored something"
    );
    assert_eq!(stored_batches(&hub.store, "oci-f-micro_2").await, 0);

    // Still serving: the good batch goes through afterwards.
    let (ok, ack) = post_batch(&url, &token, encoded(&good)).await;
    assert_eq!(ok, 200, "after {bad:?}: {ack}");
    assert_eq!(stored_batches(&hub.store, host).await, 1);
    hub.stop().await;
}

fn zstd_compress(bytes: &[u8]) -> Vec<u8> {
    // The wire crate only compresses valid batches; tests need to compress anything.
    let mut out = Vec::new();
    let mut enc = zstd::stream::write::Encoder::new(&mut out, 3).unwrap();
    std::io::Write::write_all(&mut enc, bytes).unwrap();
    enc.finish().unwrap();
    out
}

#[tokio::test]
async fn reads_show_hosts_series_containers_and_sockets() {
    let hub = TestHub::start(true, &["gcp-f-micro_1", "oci-p-flex_1"]).await;
    let token = hub.token(TokenKind::Host, "gcp-f-micro_1");
    let now = cloudctl_hub::clock::now_ms();
    for seq in 1..=6 {
        let ts = now - (6 - seq as i64) * 10_000;
        let (s, b) = post_batch(
            &hub.url(INGEST_PATH),
            &token,
            encoded(&batch("gcp-f-micro_1", seq, ts)),
        )
        .await;
        assert_eq!(s, 200, "{b}");
    }

    let (s, hosts) = get(&hub.url("/api/v1/hosts"), None).await;
    assert_eq!(s, 200, "{hosts}");
    let hosts = hosts.as_array().unwrap();
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert_eq!(hosts[0]["name"], "gcp-f-micro_1");
    assert_eq!(hosts[0]["seen"], true);
    assert_eq!(hosts[0]["expected"], true);
    assert_eq!(hosts[0]["last_seq"], 6);
    assert_eq!(hosts[0]["snapshot"]["host"]["process_count"], 120);
    assert_eq!(hosts[1]["name"], "oci-p-flex_1");
    assert_eq!(hosts[1]["seen"], false);

    let (s, series) = get(
        &hub.url("/api/v1/hosts/gcp-f-micro_1/series/load.1?last=5m"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{series}");
    assert_eq!(series["resolution"], "raw");
    let points = series["series"][0]["points"].as_array().unwrap();
    let loads: Vec<f64> = points.iter().map(|p| p[1].as_f64().unwrap()).collect();
    assert_eq!(loads, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);

    let (s, cpu) = get(
        &hub.url("/api/v1/hosts/gcp-f-micro_1/series/cpu.steal_seconds?labels=cpu=total&last=24h"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{cpu}");
    assert_eq!(cpu["resolution"], "1m");
    assert_eq!(cpu["series"].as_array().unwrap().len(), 1);
    assert_eq!(cpu["series"][0]["labels"]["cpu"], "total");
    assert_eq!(cpu["series"][0]["points"][0][1], 3.5);

    let (s, c) = get(&hub.url("/api/v1/containers?host=gcp-f-micro_1"), None).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c[0]["containers"]["list"][0]["name"], "authelia-app");
    assert_eq!(c[0]["containers"]["list"][0]["restart_count"], 2);
    let (s, k) = get(&hub.url("/api/v1/sockets"), None).await;
    assert_eq!(s, 200, "{k}");
    assert_eq!(k[0]["sockets"][0]["port"], 9091);
    assert_eq!(k[0]["sockets"][0]["owner"]["container"], "authelia-app");

    let (s, e) = get(&hub.url("/api/v1/hosts/nope/series/load.1"), None).await;
    assert_eq!(s, 404, "{e}");
    assert!(e["error"].as_str().unwrap().contains("\"nope\""), "{e}");
    let (s, e) = get(
        &hub.url("/api/v1/hosts/gcp-f-micro_1/series/load.1?resolution=5m"),
        None,
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["hint"].as_str().unwrap().contains("raw, 1m, 1h"), "{e}");
    let (s, e) = get(
        &hub.url("/api/v1/hosts/gcp-f-micro_1/series/load.1?bogus=1"),
        None,
    )
    .await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = get(&hub.url("/api/v1/nowhere"), None).await;
    assert_eq!(s, 404, "{e}");
    assert!(e["hint"].is_string());
    hub.stop().await;
}

#[tokio::test]
async fn reads_need_a_read_token_unless_loopback_only() {
    let hub = TestHub::start(false, &[]).await;
    let host_token = hub.token(TokenKind::Host, "gcp-f-micro_1");
    let read_token = hub.token(TokenKind::Read, "dashboard");
    let url = hub.url("/api/v1/hosts");

    let (s, e) = get(&url, None).await;
    assert_eq!(s, 401, "{e}");
    assert!(
        e["hint"]
            .as_str()
            .unwrap()
            .contains("cloudctl hub token create")
    );
    let (s, e) = get(&url, Some(&host_token)).await;
    assert_eq!(s, 403, "{e}");
    let (s, e) = get(&url, Some("cct_1234567890abcdef_ffff")).await;
    assert_eq!(s, 401, "{e}");
    let (s, hosts) = get(&url, Some(&read_token)).await;
    assert_eq!(s, 200, "{hosts}");
    assert!(hosts.as_array().unwrap().is_empty());
    // Health stays open for load balancers.
    let (s, _) = get(&hub.url("/api/v1/health"), None).await;
    assert_eq!(s, 200);
    hub.stop().await;
}
