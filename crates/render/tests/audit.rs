//! The audit of the rendered result (`cloudctl check` runs it): one broken copy of the default spec
//! per finding, each asserting the exact code, key path and that the path points into the files.

mod common;

use cloudctl_spec::Diagnostic;
use common::{edit, infra_copy};
use rstest::rstest;

/// Loads `dir` (errors of validation allowed: the audit must stand on its own) and audits it.
fn audit(dir: &std::path::Path) -> (cloudctl_spec::Checked, Vec<Diagnostic>) {
    let checked = cloudctl_spec::check_path(Some(dir)).expect("spec readable");
    let found = cloudctl_render::audit::audit(&checked.loaded.spec);
    (checked, found)
}

#[test]
fn the_default_spec_passes_the_audit() {
    let spec = common::default_spec();
    let found = cloudctl_render::audit::audit(&spec);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_hub_unit_beside_a_hub_container_is_reported() {
    let mut spec = common::default_spec();
    spec.monitoring.hub.service = None;
    let found = cloudctl_render::audit::audit(&spec);
    let codes: Vec<(&str, bool)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.is_error()))
        .collect();
    assert_eq!(codes, [("audit.hub-twice", false)], "{found:#?}");
    assert_eq!(found[0].path, "monitoring.hub.listen");
}

#[rstest]
#[case::no_memory_limit(
    "services/fridge.yaml",
    "resources: {ram: 64MB, cpu: 0.05, storage: 500MB, bandwidth: 2GB/mo}",
    "resources: {cpu: 0.05, storage: 500MB, bandwidth: 2GB/mo}",
    "audit.memory",
    "services.terminal.components.terminal-app.resources",
    "memory limit"
)]
#[case::root_without_reason(
    "services/fridge.yaml",
    "          reason: WireGuard needs NET_ADMIN to create the tunnel interface as root\n",
    "",
    "audit.root",
    "services.vpn.components.vpn-app.hardening.user",
    "as root"
)]
#[case::mesh_port_published(
    "services/fridge.yaml",
    "{port: 51821, target: 51820, protocol: udp,",
    "{port: 51820, protocol: udp,",
    "audit.mesh-port",
    "services.vpn.components.vpn-app.publish[0]",
    "WireGuard mesh"
)]
#[case::port_beyond_policy(
    "services/fridge.yaml",
    "{port: 51821, target: 51820, protocol: udp,",
    "{port: 51900, target: 51820, protocol: udp,",
    "audit.published",
    "services.vpn.components.vpn-app.publish[0]",
    "beyond what the security policy opens"
)]
#[case::gateway_not_deployed(
    "services/kitchen.yaml",
    "    status: on\n    availability: always-on\n    auth: built_in\n    auth_reason: this is the login portal itself",
    "    status: planned\n    availability: always-on\n    auth: built_in\n    auth_reason: this is the login portal itself",
    "audit.gateway",
    "services.terminal.auth",
    "not deployed"
)]
#[case::unguarded_without_reason(
    "services/fridge.yaml",
    "    auth: built_in\n    auth_reason: CalDAV clients (phones, Thunderbird) cannot pass a browser login; Radicale's own login guards it\n",
    "    auth: built_in\n",
    "audit.auth",
    "services.calendar.auth",
    "without the auth gateway"
)]
#[case::unreachable_upstream(
    "hosts.yaml",
    "    private_ip: 10.8.0.3\n",
    "",
    "audit.upstream",
    "services.analytics.host",
    "cannot reach"
)]
fn each_rule_reports_its_finding(
    #[case] file: &str,
    #[case] from: &str,
    #[case] to: &str,
    #[case] code: &str,
    #[case] path: &str,
    #[case] message: &str,
) {
    let dir = infra_copy();
    edit(dir.path(), file, from, to);
    let (checked, found) = audit(dir.path());
    let finding = found
        .iter()
        .find(|d| d.code == code && d.path == path)
        .unwrap_or_else(|| panic!("no {code} at {path} in {found:#?}"));
    assert!(finding.is_error(), "{finding}");
    assert!(finding.message.contains(message), "{finding}");
    assert!(finding.hint.is_some(), "{finding} has no hint");
    // `check` locates each finding in the files; the path must lead there.
    let location = checked.loaded.locate(&finding.path).expect("locatable");
    assert!(location.line > 0, "{location}");
}

#[test]
fn a_mesh_less_host_is_warned_about() {
    let dir = infra_copy();
    edit(dir.path(), "hosts.yaml", "    private_ip: 10.8.0.3\n", "");
    let (_, found) = audit(dir.path());
    assert!(
        found.iter().any(|d| d.code == "audit.unreachable"
            && !d.is_error()
            && d.path == "hosts.oci-f-micro_2.private_ip"),
        "{found:#?}"
    );
}
