//! The spool: order across reopen, interrupted writes, drop-oldest-when-full with the count kept,
//! and crash safety under `kill -9` of a process that is writing to it.

use std::process::Command;
use std::time::Duration;

use cloudctl_agent::spool::Spool;
use cloudctl_wire::{Batch, Encoding, Limits, Sample, WIRE_VERSION, decode, encode};

fn batch(seq: u64, padding: usize) -> Vec<u8> {
    let b = Batch {
        wire_version: WIRE_VERSION,
        host_id: "spool-test".to_owned(),
        agent_version: "0".to_owned(),
        seq,
        dropped: 0,
        samples: vec![Sample {
            ts_ms: seq as i64,
            errors: vec![cloudctl_wire::CollectorError {
                collector: "pad".to_owned(),
                // Incompressible-ish padding so sizes are predictable.
                message: (0..padding)
                    .map(|i| char::from(b'a' + ((i * 7 + seq as usize) % 26) as u8))
                    .collect(),
            }],
            ..Sample::default()
        }],
    };
    encode(&b, &Limits::default()).unwrap()
}

fn seq_of(bytes: &[u8]) -> u64 {
    decode(bytes, Encoding::Zstd, &Limits::default())
        .unwrap()
        .seq
}

#[test]
fn keeps_order_across_reopen_and_deletes_only_what_is_popped() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    for seq in 1..=5 {
        spool.push(seq, &batch(seq, 10)).unwrap();
    }
    spool.pop_front().unwrap();
    drop(spool);
    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(spool.len(), 4);
    let mut seen = Vec::new();
    while let Some((seq, bytes)) = spool.front().unwrap() {
        assert_eq!(seq_of(&bytes), seq);
        seen.push(seq);
        spool.pop_front().unwrap();
    }
    assert_eq!(seen, [2, 3, 4, 5]);
    assert!(spool.is_empty());
    assert_eq!(spool.bytes(), 0);
}

#[test]
fn an_interrupted_write_leaves_no_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), 1 << 20).unwrap();
    spool.push(1, &batch(1, 10)).unwrap();
    drop(spool);
    // What a crash between write and rename leaves behind.
    let half = &batch(2, 10)[..20];
    std::fs::write(dir.path().join("00000000000000000002.batch.tmp"), half).unwrap();
    let spool = Spool::open(dir.path(), 1 << 20).unwrap();
    assert_eq!(spool.len(), 1);
    assert_eq!(spool.last_seq(), Some(1));
    assert!(!dir.path().join("00000000000000000002.batch.tmp").exists());
}

#[test]
fn a_full_spool_drops_the_oldest_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(1, 2000).len() as u64;
    let mut spool = Spool::open(dir.path(), size * 3 + size / 2).unwrap();
    for seq in 1..=7 {
        spool.push(seq, &batch(seq, 2000)).unwrap();
    }
    assert_eq!(spool.len(), 3);
    assert_eq!(spool.dropped(), 4);
    assert_eq!(spool.front().unwrap().unwrap().0, 5);
    assert!(spool.bytes() <= size * 3 + size / 2);
    drop(spool);

    // The count survives a restart until it has been reported.
    let mut spool = Spool::open(dir.path(), size * 3 + size / 2).unwrap();
    assert_eq!(spool.dropped(), 4);
    spool.reported(3).unwrap();
    drop(spool);
    let spool = Spool::open(dir.path(), size * 3 + size / 2).unwrap();
    assert_eq!(spool.dropped(), 1);

    // A batch larger than the whole spool is dropped, not the others.
    let mut tiny = Spool::open(dir.path().join("tiny"), 100).unwrap();
    tiny.push(1, &batch(1, 5000)).unwrap();
    assert_eq!((tiny.len(), tiny.dropped()), (0, 1));
}

/// Set in the child process of the kill -9 test: the spool folder to write to.
const CHILD_ENV: &str = "CLOUDCTL_SPOOL_CRASH_CHILD";

#[test]
fn spool_survives_kill_9_while_writing() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        // The child: write batches as fast as possible (dropping the oldest past 64 KiB) until
        // killed.
        let mut spool = Spool::open(&dir, 64 << 10).unwrap();
        let mut seq = spool.last_seq().unwrap_or(0);
        loop {
            seq += 1;
            spool.push(seq, &batch(seq, 3000)).unwrap();
            if seq.is_multiple_of(3) {
                spool.pop_front().unwrap();
            }
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last = 0;
    for round in 0..6u64 {
        let mut child = Command::new(&exe)
            .args([
                "spool_survives_kill_9_while_writing",
                "--exact",
                "--include-ignored",
                "--nocapture",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(150 + round * 70));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the child must have been killed mid-write"
        );

        let spool = Spool::open(dir.path(), 64 << 10).unwrap();
        let mut files: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let seq = name.strip_suffix(".batch")?.parse().ok()?;
                Some((seq, e.path()))
            })
            .collect();
        files.sort();
        assert_eq!(files.len(), spool.len(), "round {round}");
        for (seq, path) in &files {
            // Every batch on disk is whole: a kill never leaves half a batch under its name.
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(seq_of(&bytes), *seq, "round {round}");
        }
        assert_eq!(
            spool.front().unwrap().map(|f| f.0),
            files.first().map(|f| f.0)
        );
        let newest = spool.last_seq().unwrap_or(0);
        assert!(
            newest > last,
            "round {round}: the child made progress ({newest} after {last})"
        );
        last = newest;
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "open removes interrupted writes");
    }
}
