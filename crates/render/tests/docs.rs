//! The documents rendered from the default spec: golden files, the master plan's names, byte
//! stability, and the manifest round trip.

use cloudctl_render::{Manifest, render};

fn default_docs() -> Vec<cloudctl_render::RenderedFile> {
    let spec = cloudctl_spec::default_spec().expect("the default spec is valid");
    render(&spec, &["docs".to_owned()], None).expect("docs render")
}

#[test]
fn every_document_matches_its_golden_file() {
    for file in default_docs() {
        let name = file.path.replace('/', "__");
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    assert_eq!(default_docs(), default_docs());
}

/// Every service URL, VM and container named in the master plan (../shared/seed/MASTERPLAN.md):
/// the "Plan" and "Today" tables, section A and the Quick Reference.
const URLS: &[&str] = &[
    "terminal.diegonmarcos.com",
    "jupyter.diegonmarcos.com",
    "ide.diegonmarcos.com",
    "chat.diegonmarcos.com",
    "mail.diegonmarcos.com",
    "sync.diegonmarcos.com",
    "drive.diegonmarcos.com",
    "git.diegonmarcos.com",
    "photos.diegonmarcos.com",
    "cal.diegonmarcos.com",
    "vault.diegonmarcos.com",
    "vpn.diegonmarcos.com",
    "analytics.diegonmarcos.com",
    "cloud.diegonmarcos.com",
    "temporal.diegonmarcos.com",
    "langgraph.diegonmarcos.com",
    "n8n.diegonmarcos.com",
    "proxy.diegonmarcos.com",
    "auth.diegonmarcos.com",
    "auth.diegonmarcos.com/oauth2",
    "api.diegonmarcos.com",
];
const VMS: &[&str] = &[
    "gcp-f-micro_1",
    "oci-f-micro_1",
    "oci-f-micro_2",
    "oci-p-flex_1",
    "oci-f-arm_1",
];
const CONTAINERS: &[&str] = &[
    // section A
    "terminals-front",
    "terminal-front",
    "terminal-app",
    "terminal-db0",
    "jupyter-front",
    "jupyter-app",
    "jupyter-db0",
    "ide-front",
    "ide-app",
    "ide-db0",
    "ai-front",
    "ai-app",
    "ai-api",
    "ai-db0",
    "mail-front",
    "mail-admin",
    "mail-imap",
    "mail-smtp",
    "mail-webmail",
    "mail-db0",
    "sync-front",
    "sync-app",
    "drive-front",
    "drive-app",
    "drive-db0",
    "git-front",
    "git-app",
    "git-db0",
    "git-db_obj0",
    "photo-front",
    "photo-app",
    "photo-db0",
    "photo-db_obj0",
    "vault-front",
    "vault-app",
    "vault-db0",
    "vpn-front",
    "vpn-app",
    "vpn-db0",
    "cloud-front",
    "cloud-app",
    "cloud-db0",
    "analytics-front",
    "analytics-app",
    "analytics-db0",
    "workflows-front",
    "temporal-front",
    "temporal-app",
    "temporal-db0",
    "langgraph-front",
    "langgraph-app",
    "langgraph-db0",
    "langgraph-vec",
    "langgraph-gpu",
    "proxy-front",
    "proxy-app",
    "proxy-db0",
    "oauth2-front",
    "oauth2-app",
    "oauth2-db0",
    "authelia-front",
    "authelia-app",
    "authelia-db0",
    "api-front",
    "api-app",
    "api-db0",
    "cache-app",
    // the Today tables and the by-VM notes
    "mailu-front",
    "photoprism-app",
    "radicale-app",
    "matomo-app",
    "matomo-db",
    "flask-app",
    "n8n-infra-app",
    "npm-gcloud",
    "authelia-redis",
];

#[test]
fn the_documents_name_everything_in_the_master_plan() {
    let all: String = default_docs()
        .into_iter()
        .filter(|f| f.path.ends_with(".md"))
        .map(|f| f.contents)
        .collect();
    let missing: Vec<&&str> = URLS
        .iter()
        .chain(VMS)
        .chain(CONTAINERS)
        .filter(|name| !all.contains(**name))
        .collect();
    assert!(missing.is_empty(), "not in the rendered docs: {missing:?}");
}

#[test]
fn the_manifest_holds_the_spec_and_no_secret_values() {
    let spec = cloudctl_spec::default_spec().unwrap();
    let manifest_file = default_docs()
        .into_iter()
        .find(|f| f.path == "docs/manifest.json")
        .unwrap();
    let manifest = Manifest::from_json(&manifest_file.contents).unwrap();
    assert_eq!(manifest.spec, spec);
    assert_eq!(manifest.resolved.services.len(), spec.services.len());
    // Secrets appear only as references: environment variable names and file paths.
    let secret_refs = &manifest.spec.secrets["gmail_app_password"];
    assert_eq!(secret_refs.env.as_deref(), Some("GMAIL_APP_PASSWORD"));
}

#[test]
fn a_template_override_replaces_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(
        dir.path().join("docs/by-vm.md.j2"),
        "{% for h in view.hosts %}{{ h.id }}\n{% endfor %}",
    )
    .unwrap();
    let spec = cloudctl_spec::default_spec().unwrap();
    let files = render(&spec, &["docs".to_owned()], Some(dir.path())).unwrap();
    let by_vm = files.iter().find(|f| f.path == "docs/by-vm.md").unwrap();
    assert_eq!(
        by_vm.contents,
        "gcp-f-micro_1\noci-f-micro_1\noci-f-micro_2\noci-p-flex_1\noci-f-arm_1\n"
    );
}

#[test]
fn a_broken_override_names_the_template_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(
        dir.path().join("docs/by-vm.md.j2"),
        "line one\n{{ view.nonexistent.field }}\n",
    )
    .unwrap();
    let spec = cloudctl_spec::default_spec().unwrap();
    let error = render(&spec, &["docs".to_owned()], Some(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("docs/by-vm.md.j2") && error.contains(":2"),
        "{error}"
    );
}
