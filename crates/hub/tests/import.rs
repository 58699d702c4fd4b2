//! File mode: a folder of `agent --once` snapshots imported twice stores each batch once.

mod common;

use cloudctl_hub::import::{FileOutcome, import_dir};
use cloudctl_hub::store::{Store, StoreConfig, read};
use common::{batch, stored_batches};

#[tokio::test]
async fn a_folder_imports_idempotently_with_bad_files_reported() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("snapshots");
    std::fs::create_dir(&snaps).unwrap();
    let base = cloudctl_hub::clock::now_ms() - 60_000;
    for seq in 1..=5u64 {
        let b = batch("oci-f-micro_2", seq, base + seq as i64 * 10_000);
        std::fs::write(
            snaps.join(format!("oci-f-micro_2-{seq:03}.json")),
            cloudctl_wire::to_json(&b).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(
        snaps.join("zz-broken.json"),
        b"{\"wire_version\": 1, \"host_id\"",
    )
    .unwrap();
    std::fs::write(snaps.join("notes.txt"), b"not a snapshot, not looked at").unwrap();

    let store = Store::open(StoreConfig::new(dir.path().join("hub.db"))).unwrap();
    let mut reports = Vec::new();
    let first = import_dir(&store, &snaps, |r| reports.push(r.clone()))
        .await
        .unwrap();
    assert_eq!(
        (first.files, first.stored, first.duplicates, first.failed),
        (6, 5, 0, 1)
    );
    assert!(first.samples > 5 * 50, "{first:?}");
    assert_eq!(reports.len(), 6);
    assert_eq!(reports[5].index, 6);
    match &reports[5].outcome {
        FileOutcome::Failed { reason, hint } => {
            assert!(reason.contains("truncated"), "{reason}");
            assert!(!hint.is_empty());
        }
        other => panic!("the broken file was not reported: {other:?}"),
    }

    let second = import_dir(&store, &snaps, |_| {}).await.unwrap();
    assert_eq!(
        (
            second.stored,
            second.duplicates,
            second.failed,
            second.samples
        ),
        (0, 5, 1, 0)
    );
    assert_eq!(stored_batches(&store, "oci-f-micro_2").await, 5);
    let host = store
        .read(|c| read::host(c, "oci-f-micro_2"))
        .await
        .unwrap();
    assert_eq!(host.last_seq, 5);
    assert_eq!(host.snapshot_ms, Some(base + 50_000));

    let missing = import_dir(&store, &dir.path().join("absent"), |_| {})
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("absent"), "{missing}");
    store.close().await;
}
