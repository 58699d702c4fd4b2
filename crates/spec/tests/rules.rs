//! One broken spec per rule: each case adds a file to (or patches) a small valid spec and expects
//! exactly the diagnostic it names — rule code, key path and file:line:col — and no other error.

use cloudctl_spec::{Diagnostic, Severity, SourceFile, check};
use rstest::rstest;

const BASE: &str = include_str!("fixtures/base.yaml");

/// Loads `base.yaml` (patched) and `case.yaml`, returning every diagnostic.
fn diagnostics(patch: Option<(&str, &str)>, case: &str) -> Vec<Diagnostic> {
    let base = match patch {
        Some((from, to)) => {
            assert!(
                BASE.contains(from),
                "patch target `{from}` not in base.yaml"
            );
            BASE.replacen(from, to, 1)
        }
        None => BASE.to_owned(),
    };
    let mut sources = vec![SourceFile::new("base.yaml", base)];
    if !case.is_empty() {
        sources.push(SourceFile::new("case.yaml", case));
    }
    check(&sources).diagnostics
}

#[test]
fn the_base_spec_is_clean() {
    assert_eq!(diagnostics(None, ""), vec![]);
}

#[rstest]
#[case::id_format(
    None,
    "secrets:\n  Bad Id:\n    env: X\n",
    "ids.format",
    "secrets.\"Bad Id\"",
    "case.yaml:2:3",
    "is not a valid id"
)]
#[case::duplicate_component(
    None,
    "services:\n  other:\n    title: Other\n    category: main/tools\n    host: apps\n    status: on\n    availability: always-on\n    components:\n      web-app: {kind: db, stack: Filesystem}\n",
    "ids.duplicate-component",
    "services.other.components.web-app",
    "case.yaml:9:7",
    "also used at `services.web.components.web-app`"
)]
#[case::duplicate_container(
    None,
    "services:\n  other:\n    title: Other\n    category: main/tools\n    host: apps\n    status: on\n    availability: always-on\n    components:\n      other-app: {kind: app, stack: x, image: x:1, container: web-app, port: 9000}\n",
    "ids.duplicate-container",
    "services.other.components.other-app",
    "case.yaml:9:7",
    "container name `web-app` is also used on host `apps`"
)]
#[case::unknown_host(Some(("    host: apps\n    status: on", "    host: apss\n    status: on")), "", "refs.unknown", "services.web.host", "base.yaml:34:5", "no host `apss` is defined")]
#[case::unknown_provider(Some(("  apps:\n    provider: cloud", "  apps:\n    provider: clod")), "", "refs.unknown", "hosts.apps.provider", "base.yaml:16:5", "no provider `clod` is defined")]
#[case::unknown_group(Some(("    category: main/tools\n    url", "    category: main/toolz\n    url")), "", "refs.unknown", "services.web.category", "base.yaml:32:5", "category `main` has no group `toolz`")]
#[case::unknown_secret(Some(("        port: 8080\n", "        port: 8080\n        secrets: {DB_PASSWORD: db_pass}\n")), "", "refs.unknown", "services.web.components.web-app.secrets.DB_PASSWORD", "base.yaml:44:19", "no secret `db_pass` is defined")]
#[case::no_host(Some(("    host: apps\n    status: on", "    status: on")), "", "refs.no-host", "services.web", "base.yaml:30:3", "has no `host`")]
#[case::url_domain(Some(("https://web.example.com", "https://web.example.org")), "", "urls.domain", "services.web.url", "base.yaml:33:5", "`web.example.org` is not under a declared domain")]
#[case::url_format(Some(("https://web.example.com", "web example")), "", "urls.format", "services.web.url", "base.yaml:33:5", "is not a URL")]
#[case::url_duplicate(
    None,
    "services:\n  copy:\n    title: Copy\n    category: main/tools\n    url: https://web.example.com/\n    host: edge\n    status: on\n    availability: always-on\n    auth: two_factor\n    components:\n      copy-app: {kind: app, stack: x, image: x:1, port: 9000}\n",
    "urls.duplicate",
    "services.copy.url",
    "case.yaml:5:5",
    "is also the URL of service `web`"
)]
#[case::port_clash(
    None,
    "services:\n  other:\n    title: Other\n    category: main/tools\n    host: apps\n    status: on\n    availability: always-on\n    components:\n      other-app: {kind: app, stack: x, image: x:1, port: 8080}\n",
    "ports.clash",
    "services.other.components.other-app.port",
    "case.yaml:9:52",
    "port 8080/tcp on host `apps` is already used by `services.web.components.web-app.port`"
)]
#[case::capacity_over(Some(("{ram: 100MB, cpu: 0.1,", "{ram: 3GB, cpu: 0.1,")), "", "capacity.ram", "hosts.apps.capacity.ram", "base.yaml:18:25", "ram allocated on `apps` is 3 GB of 2 GB (150%): over capacity")]
#[case::free_tier_egress(Some(("{vcpu: 2, ram: 2GB, storage: 20GB, bandwidth: 1TB/mo}\n    tier: paid\n    availability: always-on\n    price: $10/mo", "{vcpu: 2, ram: 2GB, storage: 20GB, bandwidth: 1GB/day}\n    tier: free\n    availability: always-on\n    price: $0/mo")), "services:\n  big:\n    title: Big\n    category: main/tools\n    host: apps\n    status: on\n    availability: always-on\n    components:\n      big-db: {kind: db, stack: files, resources: {bandwidth: 100GB/mo}}\n", "free-tier.bandwidth", "hosts.apps.capacity.bandwidth", "base.yaml:18:50", "breaks the free-tier egress of 1GB/day")]
#[case::auth_missing(Some(("    auth: two_factor\n", "")), "", "auth.missing", "services.web.url", "base.yaml:33:5", "public service `web` has no auth policy")]
#[case::auth_reason(Some(("    auth: two_factor\n", "    auth: bypass\n")), "", "auth.reason", "services.web.auth", "base.yaml:37:5", "`auth: bypass` skips the gateway but gives no reason")]
#[case::exposed_port(Some(("        port: 8080\n", "        port: 8080\n        publish: [{port: 8443, reason: direct}]\n")), "", "exposure.port", "services.web.components.web-app.publish[0]", "base.yaml:44:19", "publishes port 8443/tcp on `apps`, which the security policy does not open")]
#[case::no_entry(Some(("        image: nginx:1\n", "")), "", "proxy.no-entry", "services.web.url", "base.yaml:33:5", "has no container with a port for the proxy to reach")]
#[case::inline_secret_env(Some(("        port: 8080\n", "        port: 8080\n        env: {DB_PASSWORD: hunter2}\n")), "", "secrets.inline", "services.web.components.web-app.env.DB_PASSWORD", "base.yaml:44:15", "`DB_PASSWORD` holds a secret value in the spec")]
#[case::inline_secret_token(
    None,
    "project:\n  description: ghp_0123456789abcdefghijABCDEFGHIJ012345\n",
    "secrets.inline",
    "project.description",
    "case.yaml:2:3",
    "looks like a secret"
)]
#[case::secret_reference(
    None,
    "secrets:\n  both:\n    env: X\n    file: /run/x\n",
    "secrets.reference",
    "secrets.both",
    "case.yaml:2:3",
    "must name exactly one of `env` or `file`"
)]
#[case::defined_twice(
    None,
    "hosts:\n  apps:\n    tier: free\n",
    "spec.defined-twice",
    "hosts.apps.tier",
    "case.yaml:3:5",
    "is defined in two places: base.yaml:19:5 and case.yaml:3:5"
)]
#[case::unknown_key(Some(("        port: 8080\n", "        prot: 8080\n")), "", "spec.unknown-key", "services.web.components.web-app.prot", "base.yaml:43:9", "unknown key `prot`")]
#[case::missing_key(Some(("    title: Web\n", "")), "", "spec.missing-key", "services.web", "base.yaml:30:3", "`title` is required here")]
#[case::unknown_variant(Some(("    status: on\n", "    status: running\n")), "", "spec.invalid-value", "services.web.status", "base.yaml:35:5", "`running` is not allowed here")]
#[case::bad_size(Some(("{ram: 100MB,", "{ram: 100 parsecs,")), "", "spec.invalid-value", "services.web.components.web-app.resources.ram", "base.yaml:44:21", "`parsecs` is not a size unit")]
#[case::wrong_type(Some(("        port: 8080\n", "        port: eighty\n")), "", "spec.type", "services.web.components.web-app.port", "base.yaml:43:9", "invalid type: string \"eighty\", expected u16")]
#[case::override_unknown_host(
    None,
    "monitoring:\n  overrides:\n    hosts:\n      appz: {disk: {above: 95, for: 10m}}\n",
    "refs.unknown",
    "monitoring.overrides.hosts.appz",
    "case.yaml:4:7",
    "no host `appz` is defined"
)]
#[case::check_unknown_service(
    None,
    "monitoring:\n  checks:\n    mail-smtp: {kind: smtp, target: \"mail.example.org:587\", service: mial}\n",
    "refs.unknown",
    "monitoring.checks.mail-smtp.service",
    "case.yaml:3:61",
    "no service `mial` is defined"
)]
#[case::check_target_without_port(
    None,
    "monitoring:\n  checks:\n    mail-smtp:\n      kind: smtp\n      target: mail.example.org\n",
    "checks.target",
    "monitoring.checks.mail-smtp.target",
    "case.yaml:5:7",
    "a smtp check needs host:port as its target, not `mail.example.org`"
)]
#[case::check_field_of_another_kind(
    None,
    "monitoring:\n  checks:\n    db:\n      kind: tcp\n      target: \"10.0.0.2:5432\"\n      keyword: ok\n",
    "checks.field",
    "monitoring.checks.db.keyword",
    "case.yaml:6:7",
    "a tcp check has no `keyword`"
)]
#[case::unknown_section(
    None,
    "servics: {}\n",
    "spec.unknown-key",
    "servics",
    "case.yaml:1:1",
    "unknown section `servics`"
)]
fn each_rule_reports_its_error(
    #[case] patch: Option<(&str, &str)>,
    #[case] case: &str,
    #[case] code: &str,
    #[case] path: &str,
    #[case] location: &str,
    #[case] message: &str,
) {
    let found = diagnostics(patch, case);
    let errors: Vec<&Diagnostic> = found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(
        errors.len(),
        1,
        "expected exactly one error, got:\n{}",
        listing(&found)
    );
    let error = errors[0];
    assert_eq!(error.code, code, "{error}");
    assert_eq!(error.path, path, "{error}");
    let at = error
        .location
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert_eq!(at, location, "{error}");
    assert!(
        error.message.contains(message),
        "message `{}` lacks `{message}`",
        error.message
    );
    assert!(
        error.hint.as_deref().is_some_and(|h| !h.is_empty()),
        "no hint: {error}"
    );
}

#[rstest]
#[case::headroom(Some(("{ram: 100MB, cpu: 0.1,", "{ram: 1850MB, cpu: 0.1,")), "", "capacity.ram", "hosts.apps.capacity.ram", "inside the 10% headroom")]
#[case::on_demand_on_always_on(Some(("    availability: always-on\n    auth", "    availability: on-demand\n    auth")), "", "availability.mismatch", "services.web.availability", "on-demand service `web` runs on always-on host `apps`")]
#[case::ssh_anywhere(Some(("  admin_sources: [192.0.2.0/24]\n", "  admin_sources: []\n")), "", "exposure.admin-sources", "security.admin_sources", "open to any address")]
fn warnings_are_kept_apart(
    #[case] patch: Option<(&str, &str)>,
    #[case] case: &str,
    #[case] code: &str,
    #[case] path: &str,
    #[case] message: &str,
) {
    let found = diagnostics(patch, case);
    assert!(
        found.iter().all(|d| d.severity == Severity::Warning),
        "unexpected error:\n{}",
        listing(&found)
    );
    let warning = found
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in:\n{}", listing(&found)));
    assert_eq!(warning.path, path);
    assert!(warning.message.contains(message), "{warning}");
    assert!(warning.location.is_some(), "{warning}");
}

#[test]
fn every_error_is_reported_at_once() {
    let found = diagnostics(
        Some((
            "    host: apps\n    status: on",
            "    host: apss\n    status: on",
        )),
        "secrets:\n  Bad Id:\n    env: X\nservices:\n  broken:\n    title: 3\n",
    );
    let codes: Vec<&str> = found.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"refs.unknown"), "{codes:?}");
    assert!(codes.contains(&"ids.format"), "{codes:?}");
    assert!(
        codes.contains(&"spec.missing-key") || codes.contains(&"spec.type"),
        "{codes:?}"
    );
}

#[test]
fn free_tier_allowance_is_summed_over_hosts() {
    let found = diagnostics(
        Some((
            "  cloud: {kind: other, title: Cloud, cost_model: pay-per-use}",
            "  cloud: {kind: other, title: Cloud, cost_model: free-tier, free_tier: {max_hosts: 1, ram: 2GB}}",
        )),
        "hosts:\n  edge:\n    tier: free\n  apps:\n    tier: free\n",
    );
    // tier is defined twice (base and case), so patch the base instead: the conflict is reported too.
    assert!(found.iter().any(|d| d.code == "spec.defined-twice"));
    let base_free = BASE
        .replacen("  cloud: {kind: other, title: Cloud, cost_model: pay-per-use}", "  cloud: {kind: other, title: Cloud, cost_model: free-tier, free_tier: {max_hosts: 1, ram: 2GB}}", 1)
        .replace("    tier: paid\n", "    tier: free\n");
    let found = check(&[SourceFile::new("base.yaml", base_free)]).diagnostics;
    let hosts = found
        .iter()
        .find(|d| d.code == "free-tier.hosts")
        .unwrap_or_else(|| panic!("{}", listing(&found)));
    assert_eq!(hosts.path, "providers.cloud.free_tier.max_hosts");
    assert!(
        hosts.message.contains("2 free-tier hosts (edge, apps) but"),
        "{hosts}"
    );
    let ram = found
        .iter()
        .find(|d| d.code == "free-tier.ram")
        .unwrap_or_else(|| panic!("{}", listing(&found)));
    assert!(ram.message.contains("3 GB ram in all"), "{ram}");
}

fn listing(found: &[Diagnostic]) -> String {
    found.iter().map(|d| format!("  {d}\n")).collect()
}
