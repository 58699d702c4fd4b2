//! The store against a real SQLite file: durability, idempotency, rollups, retention, resolution.

use std::time::Duration;

use cloudctl_hub::store::{
    BatchRecord, IngestOutcome, Point, Resolution, Retention, SeriesQuery, Store, StoreConfig,
    labels, read,
};

fn batch(host: &str, seq: u64, points: Vec<Point>) -> BatchRecord {
    BatchRecord {
        host: host.into(),
        seq,
        agent_version: "test".into(),
        received_ms: cloudctl_hub::clock::now_ms(),
        dropped: 0,
        points,
        snapshot: None,
        probe_runs: Vec::new(),
    }
}

fn point(metric: &str, ts_ms: i64, value: f64) -> Point {
    Point {
        metric: metric.into(),
        labels: labels([("cpu", "total")]),
        ts_ms,
        value,
    }
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(StoreConfig::new(dir.path().join("hub.db"))).expect("store opens")
}

async fn series(
    store: &Store,
    metric: &str,
    from: i64,
    to: i64,
    res: Resolution,
) -> Vec<(i64, f64, f64, f64)> {
    let q = SeriesQuery {
        host: "h1".into(),
        metric: metric.into(),
        labels: None,
        from_ms: from,
        to_ms: to,
        resolution: Some(res),
    };
    let retention = store.config().retention.clone();
    let answer = store
        .read(move |c| read::series(c, &q, cloudctl_hub::clock::now_ms(), &retention))
        .await
        .expect("series query");
    assert_eq!(answer.series.len(), 1);
    answer.series[0].points.clone()
}

#[tokio::test]
async fn a_committed_batch_survives_reopening_and_a_duplicate_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let base = 1_700_000_000_000;
    {
        let store = open(&dir);
        let out = store
            .ingest(batch(
                "h1",
                1,
                vec![point("m", base, 1.0), point("m", base + 10_000, 2.0)],
            ))
            .await
            .unwrap();
        assert_eq!(out, IngestOutcome::Stored { samples: 2 });
        let again = store
            .ingest(batch(
                "h1",
                1,
                vec![point("m", base, 1.0), point("m", base + 10_000, 2.0)],
            ))
            .await
            .unwrap();
        assert_eq!(again, IngestOutcome::Duplicate);
        store.close().await;
    }
    let store = open(&dir);
    let raw = series(&store, "m", base, base + 60_000, Resolution::Raw).await;
    assert_eq!(
        raw,
        vec![(base, 1.0, 1.0, 1.0), (base + 10_000, 2.0, 2.0, 2.0)]
    );
    let seqs = store.read(|c| read::batch_seqs(c, "h1")).await.unwrap();
    assert_eq!(seqs, vec![1]);
    let host = store.read(|c| read::host(c, "h1")).await.unwrap();
    assert_eq!((host.last_seq, host.batches_total), (1, 1));
}

#[tokio::test]
async fn rollups_hold_avg_min_max_even_for_late_samples() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // Aligned to an hour so both tiers see one bucket.
    let base = 1_700_000_000_000 / 3_600_000 * 3_600_000;
    store
        .ingest(batch(
            "h1",
            2,
            vec![
                point("m", base + 20_000, 4.0),
                point("m", base + 30_000, 6.0),
            ],
        ))
        .await
        .unwrap();
    // Seq 1 arrives after seq 2 (replayed from a spool): the rollups must still include it.
    store
        .ingest(batch("h1", 1, vec![point("m", base + 10_000, 2.0)]))
        .await
        .unwrap();
    // A sample stored already must not count twice, even inside another batch.
    store
        .ingest(batch("h1", 3, vec![point("m", base + 10_000, 2.0)]))
        .await
        .unwrap();

    let minute = series(&store, "m", base, base + 60_000, Resolution::Minute).await;
    assert_eq!(minute, vec![(base, 4.0, 2.0, 6.0)]);
    let hour = series(&store, "m", base, base + 3_600_000, Resolution::Hour).await;
    assert_eq!(hour, vec![(base, 4.0, 2.0, 6.0)]);
    let seqs = store.read(|c| read::batch_seqs(c, "h1")).await.unwrap();
    assert_eq!(seqs, vec![1, 2, 3]);
}

#[tokio::test]
async fn retention_deletes_only_what_is_past_each_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = StoreConfig::new(dir.path().join("hub.db"));
    config.retention = Retention {
        raw: Duration::from_secs(3600),
        minute: Duration::from_secs(2 * 3600),
        hour: Duration::from_secs(3 * 3600),
        every: Duration::from_secs(3600),
    };
    let store = Store::open(config).unwrap();
    let now = cloudctl_hub::clock::now_ms();
    let hour = 3_600_000;
    // Samples 30 min, 90 min, 150 min and 5 h old.
    let ages = [hour / 2, hour * 3 / 2, hour * 5 / 2, hour * 5];
    let points: Vec<Point> = ages.iter().map(|age| point("m", now - age, 1.0)).collect();
    store.ingest(batch("h1", 1, points.clone())).await.unwrap();

    let report = store.enforce_retention().await.unwrap();
    assert_eq!(report.raw, 3, "raw keeps only the 30-minute-old sample");
    assert!(
        report.minute >= 2,
        "1m drops the 150 min and 5 h buckets: {report:?}"
    );
    assert!(report.hour >= 1, "1h drops the 5 h bucket: {report:?}");

    let raw = series(&store, "m", now - 6 * hour, now + 1, Resolution::Raw).await;
    assert_eq!(
        raw.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![now - hour / 2]
    );
    let minute = series(&store, "m", now - 6 * hour, now + 1, Resolution::Minute).await;
    assert_eq!(minute.len(), 2);
    let hourly = series(&store, "m", now - 6 * hour, now + 1, Resolution::Hour).await;
    assert!(hourly.iter().all(|p| p.0 >= now - 4 * hour), "{hourly:?}");
    // The batch record (received now) is still within the raw horizon: still a duplicate.
    let again = store.ingest(batch("h1", 1, points)).await;
    assert_eq!(again.unwrap(), IngestOutcome::Duplicate);
}

#[test]
fn the_resolution_follows_the_range_and_retention() {
    let r = Retention::default();
    let now = 1_700_000_000_000;
    let h = 3_600_000;
    assert_eq!(
        read::choose_resolution(now - h, now, now, &r),
        Resolution::Raw
    );
    assert_eq!(
        read::choose_resolution(now - 24 * h, now, now, &r),
        Resolution::Minute
    );
    assert_eq!(
        read::choose_resolution(now - 30 * 24 * h, now, now, &r),
        Resolution::Hour
    );
    // One hour, but three days ago: raw is gone by then, the minute tier still has it.
    assert_eq!(
        read::choose_resolution(now - 73 * h, now - 72 * h, now, &r),
        Resolution::Minute
    );
}

#[tokio::test]
async fn unknown_host_or_metric_is_not_found_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let err = store.read(|c| read::host(c, "nope")).await.unwrap_err();
    assert!(
        matches!(err, cloudctl_hub::Error::NotFound { .. }),
        "{err:?}"
    );
    store
        .ingest(batch("h1", 1, vec![point("m", 1, 1.0)]))
        .await
        .unwrap();
    let q = SeriesQuery {
        host: "h1".into(),
        metric: "absent".into(),
        labels: None,
        from_ms: 0,
        to_ms: 10,
        resolution: None,
    };
    let r = Retention::default();
    let err = store
        .read(move |c| read::series(c, &q, 10, &r))
        .await
        .unwrap_err();
    assert!(
        matches!(err, cloudctl_hub::Error::NotFound { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn answers_are_the_same_before_and_after_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let base = 1_700_000_000_000 / 3_600_000 * 3_600_000;
    // Two batches in one minute, one in the next; then a replayed sample with a reused sequence
    // number (other samples, same number) that must count once.
    store
        .ingest(batch(
            "h1",
            1,
            vec![point("m", base, 1.0), point("m", base + 10_000, 3.0)],
        ))
        .await
        .unwrap();
    store
        .ingest(batch("h1", 2, vec![point("m", base + 20_000, 5.0)]))
        .await
        .unwrap();
    store
        .ingest(batch("h1", 3, vec![point("m", base + 60_000, 7.0)]))
        .await
        .unwrap();
    let reused = batch(
        "h1",
        3,
        vec![
            point("m", base + 10_000, 3.0),
            point("m", base + 70_000, 9.0),
        ],
    );
    store.ingest(reused).await.unwrap();

    let ask = |res| series(&store, "m", base, base + 3_600_000, res);
    let before = (
        ask(Resolution::Raw).await,
        ask(Resolution::Minute).await,
        ask(Resolution::Hour).await,
    );
    assert_eq!(
        before.0.iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![1.0, 3.0, 5.0, 7.0, 9.0]
    );
    assert_eq!(
        before.1,
        vec![(base, 3.0, 1.0, 5.0), (base + 60_000, 8.0, 7.0, 9.0)]
    );
    assert_eq!(before.2, vec![(base, 5.0, 1.0, 9.0)]);

    let moved = store.compact().await.unwrap();
    assert_eq!(moved, 5, "the repeated sample is moved once");
    let after = (
        ask(Resolution::Raw).await,
        ask(Resolution::Minute).await,
        ask(Resolution::Hour).await,
    );
    assert_eq!(before, after);

    // A batch after compaction lands in a bucket that already has a rollup row: merged exactly.
    store
        .ingest(batch("h1", 4, vec![point("m", base + 80_000, 11.0)]))
        .await
        .unwrap();
    assert_eq!(
        ask(Resolution::Minute).await[1],
        (base + 60_000, 9.0, 7.0, 11.0)
    );
    store.compact().await.unwrap();
    assert_eq!(
        ask(Resolution::Minute).await[1],
        (base + 60_000, 9.0, 7.0, 11.0)
    );
    store.close().await;
}
