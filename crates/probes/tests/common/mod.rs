//! Real servers for the probe tests: private nginx, aiosmtpd, dovecot and dnsmasq instances on
//! free loopback ports, each stopped when its guard is dropped, and certificates made with rcgen.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudctl_probes::{ProbeDef, ProbeKind, ProbeResult, build, run_once};

/// A free TCP port on 127.0.0.1 (nothing listens on it once this returns).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts TCP connections on `port`, or panics naming the log to read.
pub fn wait_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not start listening on 127.0.0.1:{port}; its log:\n{log}");
}

/// A child process killed when dropped.
pub struct Guard {
    child: Child,
    /// The folder holding the server's configuration and logs.
    pub dir: tempfile::TempDir,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(cmd: &mut Command, dir: tempfile::TempDir, log: &Path) -> Guard {
    let out = std::fs::File::create(log).unwrap();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {cmd:?}: {e} (scripts/deps/alerts.sh installs it)")
        });
    Guard { child, dir }
}

/// A folder others can enter (dovecot's and nginx's unprivileged workers read from it).
fn open_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A self-signed certificate for `localhost` and 127.0.0.1, valid from `from_days` to `to_days`
/// relative to now; written as `<name>.crt` and `<name>.key` in `dir`.
pub fn cert(dir: &Path, name: &str, from_days: i64, to_days: i64) -> (PathBuf, PathBuf) {
    use rcgen::{CertificateParams, DnType, KeyPair, SanType};
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params
        .distinguished_name
        .push(DnType::CommonName, format!("cloudctl test {name}"));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(from_days);
    params.not_after = now + time::Duration::days(to_days) + time::Duration::hours(1);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (crt, keyfile) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&crt, cert.pem()).unwrap();
    std::fs::write(&keyfile, key.serialize_pem()).unwrap();
    (crt, keyfile)
}

/// A private nginx: plain HTTP on `http`, HTTPS with a 42-day certificate on `https`, HTTPS with
/// an expired certificate on `expired`.
pub struct Nginx {
    pub guard: Guard,
    pub http: u16,
    pub https: u16,
    pub expired: u16,
    /// The 42-day certificate (also its own CA, being self-signed).
    pub cert: PathBuf,
    /// The expired certificate.
    pub expired_cert: PathBuf,
}

pub fn nginx() -> Nginx {
    let dir = open_dir();
    let d = dir.path();
    let (crt, key) = cert(d, "good", -1, 42);
    let (old_crt, old_key) = cert(d, "old", -30, -2);
    let (http, https, expired) = (free_port(), free_port(), free_port());
    std::fs::create_dir_all(d.join("tmp")).unwrap();
    let conf = format!(
        r#"
worker_processes 1;
user root;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{http};
        listen 127.0.0.1:{https} ssl;
        ssl_certificate {crt};
        ssl_certificate_key {key};
        location = / {{ default_type text/html; return 200 "<h1>Vaultwarden web vault</h1>"; }}
        location = /down {{ default_type text/plain; return 503 "maintenance: database migration"; }}
        location = /moved {{ return 302 /; }}
        location = /loop {{ return 302 /loop; }}
        location = /protected {{ return 302 http://127.0.0.1:{http}/portal/?rd=/protected; }}
    }}
    server {{
        listen 127.0.0.1:{expired} ssl;
        ssl_certificate {old_crt};
        ssl_certificate_key {old_key};
        location / {{ return 200 "old"; }}
    }}
}}
"#,
        d = d.display(),
        crt = crt.display(),
        key = key.display(),
        old_crt = old_crt.display(),
        old_key = old_key.display(),
    );
    std::fs::write(d.join("nginx.conf"), conf).unwrap();
    let log = d.join("stderr.log");
    let guard = spawn(
        Command::new(which("nginx"))
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf")),
        dir,
        &log,
    );
    for port in [http, https, expired] {
        wait_port(port, "nginx", &guard.dir.path().join("error.log"));
    }
    Nginx {
        guard,
        http,
        https,
        expired,
        cert: crt,
        expired_cert: old_crt,
    }
}

/// Finds a tool in PATH or /usr/sbin (root's daemons live there).
pub fn which(tool: &str) -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
    {
        let p = Path::new(dir).join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!("`{tool}` is not installed; scripts/deps/alerts.sh installs it")
}

/// A real SMTP server (aiosmtpd) writing each mail into `<dir>/mail/new`, with STARTTLS when
/// `starttls`.
pub struct Smtp {
    pub guard: Guard,
    pub port: u16,
    pub cert: PathBuf,
}

pub fn smtp(starttls: bool) -> Smtp {
    let dir = open_dir();
    let (crt, key) = cert(dir.path(), "smtp", -1, 90);
    let port = free_port();
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]);
    if starttls {
        cmd.arg("--tlscert")
            .arg(&crt)
            .arg("--tlskey")
            .arg(&key)
            .arg("--no-requiretls");
    }
    cmd.args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir.path().join("mail"));
    let log = dir.path().join("aiosmtpd.log");
    let guard = spawn(&mut cmd, dir, &log);
    wait_port(port, "aiosmtpd", &log);
    Smtp {
        guard,
        port,
        cert: crt,
    }
}

/// A private dovecot serving IMAP with STARTTLS.
pub struct Imap {
    pub guard: Guard,
    pub port: u16,
    pub cert: PathBuf,
}

pub fn dovecot(ssl: bool) -> Imap {
    let dir = open_dir();
    let d = dir.path();
    let (crt, key) = cert(d, "imap", -1, 60);
    let port = free_port();
    let conf = format!(
        r#"
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = {ssl}
ssl_cert = <{crt}
ssl_key = <{key}
disable_plaintext_auth = no
mail_location = maildir:{d}/mail
passdb {{
  driver = static
  args = password=unused-test-password
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"#,
        d = d.display(),
        crt = crt.display(),
        key = key.display(),
        ssl = if ssl { "yes" } else { "no" },
    );
    std::fs::write(d.join("dovecot.conf"), conf).unwrap();
    let log = d.join("stderr.log");
    let guard = spawn(
        Command::new(which("dovecot"))
            .arg("-F")
            .arg("-c")
            .arg(d.join("dovecot.conf")),
        dir,
        &log,
    );
    wait_port(port, "dovecot", &log);
    Imap {
        guard,
        port,
        cert: crt,
    }
}

/// A private dnsmasq answering for `probe.test` only.
pub struct Dns {
    pub guard: Guard,
    pub port: u16,
}

pub fn dnsmasq() -> Dns {
    let dir = open_dir();
    let port = free_udp_port();
    let log = dir.path().join("dnsmasq.log");
    let mut cmd = Command::new(which("dnsmasq"));
    cmd.args([
        "--keep-in-foreground",
        "--conf-file=/dev/null",
        "--no-resolv",
        "--no-hosts",
        "--bind-interfaces",
        "--listen-address=127.0.0.1",
        "--user=root",
        "--pid-file",
        "--local=/probe.test/",
        "--host-record=probe.test,192.0.2.7,2001:db8::7",
        "--cname=www.probe.test,probe.test",
        "--log-facility=-",
    ]);
    cmd.arg(format!("--port={port}"));
    let guard = spawn(&mut cmd, dir, &log);
    // dnsmasq also listens on TCP on the same port: wait for that.
    wait_port(port, "dnsmasq", &log);
    Dns { guard, port }
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_udp_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Builds and runs one probe definition given as JSON (fields of [`ProbeDef`]).
pub async fn probe(json: serde_json::Value) -> ProbeResult {
    let mut def: ProbeDef = serde_json::from_value(json).expect("a valid probe definition");
    def.timeout = Duration::from_secs(5);
    let probe = build(&def).expect("the probe builds");
    run_once(&def, probe.as_ref()).await
}

/// The failure message of a result that must have failed.
pub fn failure(r: &ProbeResult) -> String {
    assert!(
        !r.ok,
        "expected {} to fail, it passed: {:?}",
        r.name, r.detail
    );
    r.failure
        .as_ref()
        .expect("a failed result carries its cause")
        .message
        .clone()
}

/// Asserts a result passed, showing the cause when it did not.
pub fn passed(r: &ProbeResult) {
    assert!(
        r.ok,
        "expected {} to pass, it failed: {:?}",
        r.name, r.failure
    );
}

/// Keeps the kind enum in scope for tests that build definitions by hand.
pub type Kind = ProbeKind;
