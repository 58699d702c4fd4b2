//! Every probe kind with an up and a down case against real servers on loopback: nginx (HTTP,
//! HTTPS, TLS expiry), the PostgreSQL, MariaDB and Redis of this machine, aiosmtpd with and
//! without STARTTLS, dovecot, dnsmasq, closed ports.

mod common;

use cloudctl_probes::{Detail, FailureKind, PingVia};
use common::*;
use serde_json::json;

#[tokio::test]
#[ignore = "needs nginx; run by scripts/test"]
async fn http_status_keyword_and_redirects() {
    let n = nginx();
    let base = format!("http://127.0.0.1:{}", n.http);

    let up = probe(json!({"name": "vault", "kind": "http", "url": format!("{base}/"), "keyword": "Vaultwarden"})).await;
    passed(&up);
    assert!(matches!(
        up.detail,
        Some(Detail::Http {
            status: 200,
            redirects: 0,
            ..
        })
    ));

    let moved = probe(json!({"name": "moved", "kind": "http", "url": format!("{base}/moved"), "keyword": "Vaultwarden"})).await;
    passed(&moved);
    match moved.detail {
        Some(Detail::Http {
            redirects,
            final_url,
            ..
        }) => {
            assert_eq!(redirects, 1);
            assert_eq!(final_url, format!("{base}/"));
        }
        other => panic!("unexpected detail {other:?}"),
    }

    let down = probe(json!({"name": "down", "kind": "http", "url": format!("{base}/down")})).await;
    let why = failure(&down);
    assert!(
        why.contains("503") && why.contains("maintenance: database migration"),
        "{why}"
    );
    assert_eq!(down.failure.unwrap().kind, FailureKind::Check);

    let wrong =
        probe(json!({"name": "kw", "kind": "http", "url": format!("{base}/"), "keyword": "Gitea"}))
            .await;
    assert!(
        failure(&wrong).contains("does not contain `Gitea`"),
        "{}",
        failure(&wrong)
    );

    let looped =
        probe(json!({"name": "loop", "kind": "http", "url": format!("{base}/loop")})).await;
    assert!(
        failure(&looped).contains("more than 5 redirects"),
        "{}",
        failure(&looped)
    );

    let closed = probe(json!({"name": "closed", "kind": "http", "url": format!("http://127.0.0.1:{}/", free_port())})).await;
    assert!(failure(&closed).contains("refused"), "{}", failure(&closed));
    assert_eq!(closed.failure.unwrap().kind, FailureKind::Connect);
}

#[tokio::test]
#[ignore = "needs nginx; run by scripts/test"]
async fn http_redirect_to_the_auth_portal_counts_as_up() {
    let n = nginx();
    let url = format!("http://127.0.0.1:{}/protected", n.http);
    let portal = format!("http://127.0.0.1:{}/portal/", n.http);
    let up =
        probe(json!({"name": "gated", "kind": "http", "url": url, "auth_portal": portal})).await;
    passed(&up);
    assert!(matches!(
        up.detail,
        Some(Detail::Http {
            status: 302,
            auth_portal: true,
            ..
        })
    ));

    // Without the portal configured, the redirect is followed to a page that does not exist.
    let down = probe(json!({"name": "gated", "kind": "http", "url": url})).await;
    assert!(failure(&down).contains("404"), "{}", failure(&down));
}

#[tokio::test]
#[ignore = "needs nginx; run by scripts/test"]
async fn https_checks_the_certificate_and_reports_it() {
    let n = nginx();
    let url = format!("https://localhost:{}/", n.https);
    let up = probe(
        json!({"name": "tls-web", "kind": "http", "url": url, "keyword": "Vaultwarden",
        "tls": {"ca_file": n.cert}}),
    )
    .await;
    passed(&up);
    let cert = up
        .detail
        .as_ref()
        .and_then(Detail::cert)
        .expect("HTTPS reports the certificate");
    assert_eq!(cert.days_left, 42);

    let untrusted = probe(json!({"name": "tls-web", "kind": "http", "url": url})).await;
    let why = failure(&untrusted);
    assert_eq!(untrusted.failure.unwrap().kind, FailureKind::Tls);
    assert!(
        why.contains("UnknownIssuer") || why.contains("unknown issuer"),
        "{why}"
    );
}

#[tokio::test]
#[ignore = "needs nginx; run by scripts/test"]
async fn tls_expiry_days_issuer_and_subject() {
    let n = nginx();
    let address = format!("127.0.0.1:{}", n.https);
    let up = probe(
        json!({"name": "cert", "kind": "tls", "address": address, "min_days_left": 14,
        "tls": {"ca_file": n.cert}}),
    )
    .await;
    passed(&up);
    let Some(Detail::Tls(cert)) = up.detail else {
        panic!("no certificate detail")
    };
    assert_eq!(cert.days_left, 42);
    assert!(
        cert.subject.contains("cloudctl test good"),
        "{}",
        cert.subject
    );
    assert_eq!(
        cert.issuer, cert.subject,
        "a self-signed certificate is its own issuer"
    );

    let soon = probe(
        json!({"name": "cert", "kind": "tls", "address": address, "min_days_left": 60,
        "tls": {"ca_file": n.cert}}),
    )
    .await;
    assert!(
        failure(&soon).contains("expires in 42 days, fewer than 60"),
        "{}",
        failure(&soon)
    );

    let expired_address = format!("127.0.0.1:{}", n.expired);
    let expired = probe(
        json!({"name": "old", "kind": "tls", "address": expired_address,
        "tls": {"ca_file": n.expired_cert}}),
    )
    .await;
    let why = failure(&expired);
    assert!(why.to_lowercase().contains("expired"), "{why}");

    // With checks off, the expiry is still reported: two days ago.
    let seen = probe(
        json!({"name": "old", "kind": "tls", "address": expired_address, "min_days_left": -100,
        "tls": {"insecure": true}}),
    )
    .await;
    passed(&seen);
    assert_eq!(
        seen.detail
            .as_ref()
            .and_then(Detail::cert)
            .unwrap()
            .days_left,
        -2
    );
}

#[tokio::test]
async fn tcp_open_and_closed_ports() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let open = listener.local_addr().unwrap().to_string();
    let up = probe(json!({"name": "tcp", "kind": "tcp", "address": open})).await;
    passed(&up);
    assert_eq!(up.detail, Some(Detail::Tcp { address: open }));

    let port = free_port();
    let down =
        probe(json!({"name": "tcp", "kind": "tcp", "address": format!("127.0.0.1:{port}")})).await;
    let why = failure(&down);
    assert!(
        why.contains(&format!("127.0.0.1:{port}")) && why.contains("refused"),
        "{why}"
    );
}

#[tokio::test]
async fn postgres_logs_in_or_names_the_server_error() {
    let up = probe(
        json!({"name": "pg", "kind": "postgres", "address": "127.0.0.1:5432", "user": "postgres"}),
    )
    .await;
    passed(&up);
    let Some(Detail::Server {
        version: Some(v),
        authenticated: true,
    }) = up.detail
    else {
        panic!("no server version: {:?}", up.detail)
    };
    assert!(v.chars().next().unwrap().is_ascii_digit(), "{v}");

    let down = probe(
        json!({"name": "pg", "kind": "postgres", "address": "127.0.0.1:5432",
        "user": "postgres", "database": "cloudctl_alerts_no_such_db"}),
    )
    .await;
    let why = failure(&down);
    assert!(
        why.contains("\"cloudctl_alerts_no_such_db\" does not exist") && why.contains("3D000"),
        "{why}"
    );

    let closed = probe(
        json!({"name": "pg", "kind": "postgres", "address": format!("127.0.0.1:{}", free_port())}),
    )
    .await;
    assert!(failure(&closed).contains("refused"));
}

#[tokio::test]
async fn mysql_greeting_login_and_refusal() {
    let greeting = probe(json!({"name": "db", "kind": "mysql", "address": "127.0.0.1:3306"})).await;
    passed(&greeting);
    assert!(matches!(
        &greeting.detail,
        Some(Detail::Server {
            version: Some(_),
            authenticated: false
        })
    ));

    let login =
        probe(json!({"name": "db", "kind": "mysql", "address": "127.0.0.1:3306", "user": "root"}))
            .await;
    passed(&login);
    assert!(matches!(
        &login.detail,
        Some(Detail::Server {
            authenticated: true,
            ..
        })
    ));

    let refused = probe(
        json!({"name": "db", "kind": "mysql", "address": "127.0.0.1:3306",
        "user": "cloudctl_alerts_nobody", "password": "wrong-password-123"}),
    )
    .await;
    let why = failure(&refused);
    assert!(
        why.contains("Access denied for user 'cloudctl_alerts_nobody'"),
        "{why}"
    );
    assert!(!why.contains("wrong-password-123"));
    assert_eq!(refused.failure.unwrap().kind, FailureKind::Auth);
}

#[tokio::test]
async fn redis_ping_and_auth_refusal() {
    let up = probe(json!({"name": "cache", "kind": "redis", "address": "127.0.0.1:6379"})).await;
    passed(&up);

    // This Redis has no password: AUTH is refused, and the refusal is the message.
    let down = probe(
        json!({"name": "cache", "kind": "redis", "address": "127.0.0.1:6379",
        "password": "not-the-password-42"}),
    )
    .await;
    let why = failure(&down);
    assert!(why.starts_with("Redis refused AUTH: ERR"), "{why}");
    assert!(!why.contains("not-the-password-42"));

    let closed = probe(
        json!({"name": "cache", "kind": "redis", "address": format!("127.0.0.1:{}", free_port())}),
    )
    .await;
    assert!(failure(&closed).contains("refused"));
}

#[tokio::test]
#[ignore = "needs python3-aiosmtpd; run by scripts/test"]
async fn smtp_banner_and_starttls() {
    let tls = smtp(true);
    let up = probe(
        json!({"name": "mail-smtp", "kind": "smtp", "address": format!("127.0.0.1:{}", tls.port),
        "tls": {"ca_file": tls.cert, "server_name": "localhost"}}),
    )
    .await;
    passed(&up);
    let Some(Detail::Mail {
        banner,
        tls: true,
        cert: Some(cert),
    }) = up.detail
    else {
        panic!("expected a TLS session: {:?}", up.detail)
    };
    assert!(banner.contains("Python SMTP"), "{banner}");
    assert_eq!(cert.days_left, 90);

    let plain = smtp(false);
    let address = format!("127.0.0.1:{}", plain.port);
    let down = probe(json!({"name": "mail-smtp", "kind": "smtp", "address": address})).await;
    assert!(
        failure(&down).contains("does not offer STARTTLS"),
        "{}",
        failure(&down)
    );

    let banner_only =
        probe(json!({"name": "mail-smtp", "kind": "smtp", "address": address, "security": "none"}))
            .await;
    passed(&banner_only);
}

#[tokio::test]
#[ignore = "needs dovecot-imapd; run by scripts/test"]
async fn imap_banner_and_starttls() {
    let tls = dovecot(true);
    let up = probe(
        json!({"name": "mail-imap", "kind": "imap", "address": format!("127.0.0.1:{}", tls.port),
        "tls": {"ca_file": tls.cert, "server_name": "localhost"}}),
    )
    .await;
    passed(&up);
    let Some(Detail::Mail {
        banner,
        tls: true,
        cert: Some(cert),
    }) = up.detail
    else {
        panic!("expected a TLS session: {:?}", up.detail)
    };
    assert!(
        banner.starts_with("* OK") && banner.contains("Dovecot"),
        "{banner}"
    );
    assert_eq!(cert.days_left, 60);

    let plain = dovecot(false);
    let down = probe(json!({"name": "mail-imap", "kind": "imap", "address": format!("127.0.0.1:{}", plain.port)})).await;
    assert!(
        failure(&down).contains("does not offer STARTTLS"),
        "{}",
        failure(&down)
    );
}

#[tokio::test]
#[ignore = "needs dnsmasq; run by scripts/test"]
async fn dns_records_from_a_local_resolver() {
    let dns = dnsmasq();
    let resolver = format!("127.0.0.1:{}", dns.port);
    let a = run_dns(&resolver, "probe.test", "A", &["192.0.2.7"]).await;
    passed(&a);
    assert_eq!(
        a.detail,
        Some(Detail::Dns {
            answers: vec!["192.0.2.7".into()]
        })
    );
    passed(&run_dns(&resolver, "probe.test", "AAAA", &["2001:db8::7"]).await);
    let cname = run_dns(&resolver, "www.probe.test", "CNAME", &["probe.test."]).await;
    passed(&cname);

    let wrong = run_dns(&resolver, "probe.test", "A", &["192.0.2.8"]).await;
    assert!(
        failure(&wrong).contains("missing expected [\"192.0.2.8\"]"),
        "{}",
        failure(&wrong)
    );
    let missing = run_dns(&resolver, "nothing.probe.test", "A", &[]).await;
    assert!(
        failure(&missing).contains("does not exist (NXDOMAIN)"),
        "{}",
        failure(&missing)
    );
}

async fn run_dns(
    resolver: &str,
    query: &str,
    record: &str,
    expect: &[&str],
) -> cloudctl_probes::ProbeResult {
    probe(
        json!({"name": format!("dns-{query}"), "kind": "dns", "query": query, "record": record,
        "expect": expect, "resolver": resolver}),
    )
    .await
}

#[tokio::test]
async fn ping_falls_back_to_tcp_where_icmp_is_not_permitted() {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap();
    let mut bounds = range.split_whitespace().map(|v| v.parse::<u64>().unwrap());
    let (low, high) = (bounds.next().unwrap(), bounds.next().unwrap());
    let gid = nix_gid();
    let icmp_allowed = low <= gid && gid <= high;
    // The fallback port is closed: a refusal still proves the host answers.
    let up = probe(json!({"name": "ping", "kind": "ping", "address": "127.0.0.1", "fallback_port": free_port()})).await;
    passed(&up);
    let expected = if icmp_allowed {
        PingVia::Icmp
    } else {
        PingVia::TcpFallback
    };
    assert!(
        matches!(up.detail, Some(Detail::Ping { via, .. }) if via == expected),
        "{:?}",
        up.detail
    );
}

fn nix_gid() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Gid:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}
