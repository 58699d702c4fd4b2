//! End to end across network namespaces: four agents named as the plan's VMs, each in its own
//! namespace (198.51.100.x) behind a veth pair on a bridge, and one hub on the host side — all real `cloudctl`
//! processes. (a) The hub is killed with SIGKILL mid-stream and restarted: nothing it acknowledged
//! is missing. (b) One agent's link is cut for two minutes and healed: every sample of that period
//! reaches the hub, in order, without duplicates or gaps. (c) An agent with a 1 MiB spool and
//! large batches is cut as long: it drops its oldest batches first and reports how many.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cloudctl_hub::store::{HostRow, Resolution, Retention, SeriesQuery, open_connection, read};

const BIN: &str = env!("CARGO_BIN_EXE_cloudctl");
/// Short, so that the cut below is many batches.
const INTERVAL: Duration = Duration::from_secs(1);
/// "Minutes" of partition.
const CUT: Duration = Duration::from_secs(120);
/// TEST-NET-2: this machine's own uplink is on 192.0.2.0/24 (its gateway is 192.0.2.1), so the
/// lab must not use that range.
const HUB_IP: &str = "198.51.100.1";
const LAB_NET: &str = "198.51.100.";

const NORMAL_1: &str = "gcp-f-micro_1";
const NORMAL_2: &str = "oci-f-micro_1";
/// Cut for (b).
const CUT_HOST: &str = "oci-f-micro_2";
/// Cut with a small spool and large batches for (c).
const SPOOL_HOST: &str = "oci-p-flex_1";
const HOSTS: [&str; 4] = [NORMAL_1, NORMAL_2, CUT_HOST, SPOOL_HOST];

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program}: {e}");
        });
    assert!(
        out.status.success(),
        "{program} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ip(args: &[&str]) {
    run("ip", args);
}

/// Everything the test creates on the machine; `Drop` removes it all, even after a failure.
struct Lab {
    tag: String,
    bridge: String,
    namespaces: Vec<String>,
    host_links: Vec<String>,
    children: Vec<Child>,
    logs: Vec<PathBuf>,
}

impl Lab {
    fn new() -> Lab {
        let tag = format!("{}", std::process::id() % 100_000);
        let bridge = format!("ccbr{tag}");
        let taken = Command::new("ip").args(["-br", "addr"]).output().unwrap();
        assert!(
            !String::from_utf8_lossy(&taken.stdout).contains(LAB_NET),
            "{LAB_NET}0/24 is already used on this machine; the lab needs it free"
        );
        let lab = Lab {
            tag,
            bridge,
            namespaces: Vec::new(),
            host_links: Vec::new(),
            children: Vec::new(),
            logs: Vec::new(),
        };
        ip(&["link", "add", &lab.bridge, "type", "bridge"]);
        ip(&["addr", "add", &format!("{HUB_IP}/24"), "dev", &lab.bridge]);
        ip(&["link", "set", &lab.bridge, "up"]);
        lab
    }

    /// A namespace with one veth pair to the bridge; returns (namespace, host-side link).
    fn vm(&mut self, index: usize) -> (String, String) {
        let ns = format!("cc{}-{index}", self.tag);
        let host_end = format!("ccv{}h{index}", self.tag);
        let vm_end = format!("ccv{}n{index}", self.tag);
        ip(&["netns", "add", &ns]);
        self.namespaces.push(ns.clone());
        ip(&[
            "link", "add", &host_end, "type", "veth", "peer", "name", &vm_end,
        ]);
        self.host_links.push(host_end.clone());
        ip(&["link", "set", &vm_end, "netns", &ns]);
        ip(&["link", "set", &host_end, "master", &self.bridge]);
        ip(&["link", "set", &host_end, "up"]);
        let addr = format!("{LAB_NET}{}/24", 11 + index);
        ip(&[
            "netns", "exec", &ns, "ip", "addr", "add", &addr, "dev", &vm_end,
        ]);
        ip(&["netns", "exec", &ns, "ip", "link", "set", &vm_end, "up"]);
        ip(&["netns", "exec", &ns, "ip", "link", "set", "lo", "up"]);
        (ns, host_end)
    }

    fn spawn(&mut self, mut command: Command, log: &Path) -> usize {
        self.logs.push(log.to_owned());
        let log = File::create(log).unwrap();
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        let child = command.spawn().expect("process starts");
        self.children.push(child);
        self.children.len() - 1
    }

    fn pid(&self, child: usize) -> u32 {
        self.children[child].id()
    }

    /// SIGKILL, as a crash would.
    fn kill9(&mut self, child: usize) {
        let c = &mut self.children[child];
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// SIGTERM and wait for a clean exit.
    fn stop(&mut self, child: usize) {
        run("kill", &["-TERM", &self.pid(child).to_string()]);
        let status = self.children[child].wait().unwrap();
        assert!(status.success(), "process {child} exited with {status}");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            for log in &self.logs {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                eprintln!("--- {} (last lines)", log.display());
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
        for ns in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        for link in &self.host_links {
            let _ = Command::new("ip")
                .args(["link", "del", link])
                .stderr(Stdio::null())
                .status();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .status();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind((HUB_IP, 0)).unwrap();
    l.local_addr().unwrap().port()
}

fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Files {
    dir: PathBuf,
    db: PathBuf,
}

impl Files {
    fn spool(&self, host: &str) -> PathBuf {
        self.dir.join(format!("spool-{host}"))
    }

    fn token(&self, host: &str) -> PathBuf {
        self.dir.join(format!("{host}.token"))
    }

    /// Batches still waiting in an agent's spool.
    fn spooled(&self, host: &str) -> BTreeSet<u64> {
        let Ok(entries) = std::fs::read_dir(self.spool(host)) else {
            return BTreeSet::new();
        };
        entries
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".batch")?.parse().ok()
            })
            .collect()
    }

    /// The last sequence number the agent handed out.
    fn last_seq(&self, host: &str) -> u64 {
        let text = std::fs::read_to_string(self.spool(host).join("seq")).unwrap();
        text.trim().parse().unwrap()
    }
}

fn stored(db: &Path, host: &str) -> BTreeSet<u64> {
    let conn = open_connection(db, 512).unwrap();
    match read::batch_seqs(&conn, host) {
        Ok(seqs) => seqs.into_iter().collect(),
        Err(cloudctl_hub::Error::NotFound { .. }) => BTreeSet::new(),
        Err(e) => panic!("reading {host}: {e}"),
    }
}

fn host_row(db: &Path, host: &str) -> HostRow {
    let conn = open_connection(db, 512).unwrap();
    read::host(&conn, host).unwrap()
}

fn start_hub(lab: &mut Lab, files: &Files, port: u16, log: &str) -> usize {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "hub",
        "--no-monitor",
        "--listen",
        &format!("{HUB_IP}:{port}"),
    ])
    .arg("--db")
    .arg(&files.db)
    .env("CLOUDCTL_LOG", "info");
    let child = lab.spawn(cmd, &files.dir.join(log));
    let addr: SocketAddr = format!("{HUB_IP}:{port}").parse().unwrap();
    wait_until("the hub to listen", Duration::from_secs(30), || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    });
    child
}

#[test]
#[ignore = "needs root and iproute2; run by scripts/test"]
fn four_agents_one_hub_crash_partition_and_full_spool() {
    let tmp = tempfile::tempdir().unwrap();
    let files = Files {
        dir: tmp.path().to_owned(),
        db: tmp.path().join("hub.db"),
    };
    let mut lab = Lab::new();
    let port = free_port();
    let mut hub = start_hub(&mut lab, &files, port, "hub-1.log");

    let mut agents = Vec::new();
    let mut links = Vec::new();
    for (i, host) in HOSTS.iter().enumerate() {
        run(
            BIN,
            &[
                "hub",
                "token",
                "create",
                host,
                "--db",
                files.db.to_str().unwrap(),
                "--out",
                files.token(host).to_str().unwrap(),
            ],
        );
        let (ns, link) = lab.vm(i);
        if *host == SPOOL_HOST {
            // Thousands of listening sockets make this VM's batches ~14 KB compressed, so a
            // 1 MiB spool fills in about a minute of partition.
            let mut py = Command::new("ip");
            py.args(["netns", "exec", &ns, "python3", "-c", SOCKETS_PY]);
            lab.spawn(py, &files.dir.join("sockets.log"));
        }
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &ns, BIN, "agent"])
            .args(["--hub", &format!("http://{HUB_IP}:{port}")])
            .arg("--token-file")
            .arg(files.token(host))
            .args(["--interval", "1s", "--host-id", host])
            .arg("--spool-dir")
            .arg(files.spool(host))
            .arg("--docker-socket")
            .arg(files.dir.join("no-engine.sock"))
            .env("CLOUDCTL_LOG", "info");
        if *host == SPOOL_HOST {
            cmd.args(["--spool-max-mb", "1"]);
        }
        agents.push(lab.spawn(cmd, &files.dir.join(format!("agent-{host}.log"))));
        links.push(link);
    }
    wait_until(
        "every agent to deliver 3 batches",
        Duration::from_secs(60),
        || HOSTS.iter().all(|h| stored(&files.db, h).len() >= 3),
    );

    // (a) SIGKILL mid-stream, then restart on the same database and address.
    let before: Vec<usize> = HOSTS.iter().map(|h| stored(&files.db, h).len()).collect();
    lab.kill9(hub);
    std::thread::sleep(Duration::from_secs(3));
    hub = start_hub(&mut lab, &files, port, "hub-2.log");
    wait_until(
        "every agent to deliver again",
        Duration::from_secs(90),
        || {
            HOSTS
                .iter()
                .zip(&before)
                .all(|(h, n)| stored(&files.db, h).len() >= n + 5)
        },
    );

    // (b) and (c): cut two links for minutes, then heal them.
    let cut_at = now_ms();
    ip(&["link", "set", &links[2], "down"]);
    ip(&["link", "set", &links[3], "down"]);
    std::thread::sleep(CUT);
    ip(&["link", "set", &links[2], "up"]);
    ip(&["link", "set", &links[3], "up"]);
    let healed_at = now_ms();
    assert!(
        files.spooled(SPOOL_HOST).len() > 10,
        "the partition did not reach the spool"
    );
    wait_until("the spools to drain", Duration::from_secs(240), || {
        HOSTS.iter().all(|h| {
            let s = stored(&files.db, h);
            files.spooled(h).is_empty() && s.last().is_some_and(|l| *l > 0)
        }) && stored(&files.db, CUT_HOST)
            .iter()
            .any(|s| *s > files.last_seq(CUT_HOST).saturating_sub(2))
    });

    for agent in agents {
        lab.stop(agent);
    }
    lab.stop(hub);

    // Every sequence an agent handed out is on the hub or still in its spool (queued at exit):
    // a batch the hub acknowledged and then lost would be a hole here, since agents delete a
    // batch only after its acknowledgement.
    for host in [NORMAL_1, NORMAL_2, CUT_HOST] {
        let have: BTreeSet<u64> = stored(&files.db, host)
            .union(&files.spooled(host))
            .copied()
            .collect();
        let all: BTreeSet<u64> = (1..=files.last_seq(host)).collect();
        let missing: Vec<u64> = all.difference(&have).copied().collect();
        assert!(missing.is_empty(), "{host}: sequences lost: {missing:?}");
        assert_eq!(
            host_row(&files.db, host).dropped_total,
            0,
            "{host} dropped batches"
        );
    }

    // (b) Every sample of the cut period, in order, once, without gaps.
    let conn = open_connection(&files.db, 512).unwrap();
    let query = SeriesQuery {
        host: CUT_HOST.into(),
        metric: "uptime_seconds".into(),
        labels: None,
        from_ms: cut_at,
        to_ms: healed_at,
        resolution: Some(Resolution::Raw),
    };
    let answer = read::series(&conn, &query, now_ms(), &Retention::default()).unwrap();
    let times: Vec<i64> = answer.series[0].points.iter().map(|p| p.0).collect();
    let batches = read::batches(&conn, CUT_HOST).unwrap();
    // One sample per batch: the period's batches (all stored, by the sequence check above) and
    // the period's points must match one to one.
    let in_cut = batches
        .iter()
        .filter(|b| b.first_ts_ms.is_some_and(|t| t >= cut_at && t < healed_at))
        .count();
    assert_eq!(times.len(), in_cut, "points and batches of the cut differ");
    let ticks = (CUT.as_millis() / INTERVAL.as_millis()) as usize;
    assert!(
        times.len() * 2 >= ticks,
        "only {} samples in a {CUT:?} cut at {INTERVAL:?}: the agent stalled",
        times.len()
    );
    for pair in times.windows(2) {
        let step = pair[1] - pair[0];
        assert!(step > 0, "out of order or duplicate: {pair:?}");
        // Loose: a loaded machine delays ticks; losses are caught by the sequence check.
        assert!(
            step <= 10 * INTERVAL.as_millis() as i64,
            "gap of {step} ms at {pair:?}"
        );
    }
    for pair in batches.windows(2) {
        assert!(
            pair[0].first_ts_ms < pair[1].first_ts_ms,
            "batches {} and {} are out of time order",
            pair[0].seq,
            pair[1].seq
        );
    }

    // (c) The full spool dropped a block of its oldest batches, and said how many.
    let host = SPOOL_HOST;
    let stored_c = stored(&files.db, host);
    let have: BTreeSet<u64> = stored_c.union(&files.spooled(host)).copied().collect();
    let missing: Vec<u64> = (1..=files.last_seq(host))
        .filter(|s| !have.contains(s))
        .collect();
    assert!(!missing.is_empty(), "a 1 MiB spool survived {CUT:?}");
    let (first, last) = (missing[0], *missing.last().unwrap());
    assert_eq!(
        missing.len() as u64,
        last - first + 1,
        "dropped batches are not one block: {missing:?}"
    );
    // Every missing batch was reported. The count may exceed the hole by the batch in flight
    // when the link went down (stored by the hub, its acknowledgement lost, so spooled again and
    // later dropped by the agent) and the one in flight when it came back.
    let reported = host_row(&files.db, host).dropped_total;
    let hole = missing.len() as u64;
    assert!(
        (hole..=hole + 2).contains(&reported),
        "the agent reported {reported} dropped batches; {hole} are missing"
    );
    let kept = read::batches(&conn, host).unwrap();
    let by_seq = |seq: u64| {
        kept.iter()
            .find(|b| b.seq == seq)
            .unwrap_or_else(|| panic!("batch {seq} of {host} not stored"))
            .clone()
    };
    // Oldest first: the block starts right at the cut (the last batch before it was sent
    // before the link went down) and the newest batches of the cut were kept.
    let before_block = by_seq(first - 1);
    assert!(
        before_block.last_ts_ms.unwrap() <= cut_at + 3 * INTERVAL.as_millis() as i64,
        "batches from the start of the cut were kept, so the drop was not oldest-first"
    );
    println!(
        "e2e: {} samples of {CUT_HOST} over the {CUT:?} cut, none missing; {SPOOL_HOST} dropped \
         seqs {first}..={last} ({hole} batches, {reported} reported)",
        times.len()
    );
    let after_block = by_seq(last + 1);
    assert!(
        after_block.first_ts_ms.unwrap() < healed_at,
        "no batch of the cut was kept"
    );
}

/// Opens thousands of listening sockets in the agent's namespace and waits.
const SOCKETS_PY: &str = r#"
import resource, socket, time
resource.setrlimit(resource.RLIMIT_NOFILE, (10000, 10000))
held = [socket.create_server(("0.0.0.0", 0)) for _ in range(4000)]
print("listening", len(held), flush=True)
while True:
    time.sleep(3600)
"#;
