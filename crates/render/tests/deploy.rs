//! The deploy targets rendered from the default spec: golden files of every file, byte stability,
//! no secret value in any file, and one added service showing up everywhere with no other edit.

mod common;

use common::{append, default_spec, deploy_files, file, infra_copy, load, render_all};

#[test]
fn every_deploy_file_matches_its_golden_file() {
    let files = deploy_files(&default_spec());
    assert!(files.len() > 40, "only {} files rendered", files.len());
    insta::with_settings!({ snapshot_path => "snapshots/deploy", prepend_module_to_snapshot => false }, {
        for file in &files {
            let name = file.path.replace('/', "__");
            insta::assert_snapshot!(name, file.contents);
        }
    });
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let spec = default_spec();
    assert_eq!(render_all(&spec), render_all(&spec));
}

#[test]
fn every_host_gets_its_firewall_mesh_and_agent_and_the_proxy_host_the_rest() {
    let spec = default_spec();
    let files = deploy_files(&spec);
    for host in spec.hosts.keys() {
        for part in [
            "firewall/ufw.sh",
            "wireguard/wg0.conf",
            "systemd/cloudctl-agent.service",
        ] {
            file(&files, &format!("{host}/{part}"));
        }
    }
    for part in [
        "nginx/nginx.conf",
        "caddy/Caddyfile",
        "authelia/configuration.yml",
        "authelia/users_database.yml",
        "oauth2-proxy/oauth2-proxy.cfg",
    ] {
        file(&files, &format!("gcp-f-micro_1/{part}"));
    }
    // The default spec runs the hub as the `api` service's container (monitoring.hub.service), so
    // no unit is rendered for it; without that setting the hub's VM gets one.
    assert!(
        !files
            .iter()
            .any(|f| f.path.ends_with("cloudctl-hub.service"))
    );
    let mut as_unit = spec.clone();
    as_unit.monitoring.hub.service = None;
    file(
        &deploy_files(&as_unit),
        "gcp-f-micro_1/systemd/cloudctl-hub.service",
    );
    let scripts: Vec<&str> = files
        .iter()
        .filter(|f| f.executable)
        .map(|f| f.path.as_str())
        .collect();
    assert!(scripts.contains(&"wireguard/keys.sh"), "{scripts:?}");
    assert!(
        scripts.contains(&"gcp-f-micro_1/firewall/ufw.sh"),
        "{scripts:?}"
    );
}

/// Puts secret values where the spec's references point (environment variables and files), renders
/// in a child process that sees them, and looks for every value in every rendered file.
#[test]
fn a_secret_value_never_appears_in_a_rendered_file() {
    const MARK: &str = "CLOUDCTL_SECRET_PROBE_DIR";
    if let Ok(dir) = std::env::var(MARK) {
        return child_renders_without_values(std::path::Path::new(&dir));
    }
    let spec = default_spec();
    let work = tempfile::tempdir().expect("temp dir");
    let infra = infra_copy();
    let mut env = Vec::new();
    let mut values = Vec::new();
    for (id, secret) in &spec.secrets {
        let value = format!("s3cr3t-{id}-{}", std::process::id());
        if let Some(var) = &secret.env {
            env.push((var.clone(), value.clone()));
        }
        if let Some(path) = &secret.file {
            // Point the file reference at a real file holding the value.
            let real = work.path().join(format!("{id}.secret"));
            std::fs::write(&real, &value).expect("write secret file");
            common::edit(
                infra.path(),
                "secrets.yaml",
                &format!("file: {path}\n"),
                &format!("file: {}\n", real.display()),
            );
        }
        values.push(value);
    }
    std::fs::write(work.path().join("values"), values.join("\n")).expect("values");
    std::fs::rename(infra.path(), work.path().join("infra")).expect("move spec");
    let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "a_secret_value_never_appears_in_a_rendered_file",
            "--nocapture",
        ])
        .env(MARK, work.path())
        .envs(env)
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("checked"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn child_renders_without_values(dir: &std::path::Path) {
    let values = std::fs::read_to_string(dir.join("values")).expect("values");
    let spec = load(&dir.join("infra"));
    let files = render_all(&spec);
    let mut checked = 0;
    for value in values.lines() {
        for file in &files {
            assert!(
                !file.contents.contains(value),
                "{} contains the value of a secret",
                file.path
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "too little was checked: {checked}");
    println!("checked {checked} file/value pairs");
}

/// One service added to a copy of the spec shows up in compose, proxy, auth rules, DNS and docs.
#[test]
fn an_added_service_shows_up_everywhere_with_no_other_edit() {
    let dir = infra_copy();
    append(
        dir.path(),
        "services/kitchen.yaml",
        r#"
  wiki:
    title: Wiki
    description: Notes and how-tos
    category: kitchen/devs-infrastructure
    url: https://wiki.diegonmarcos.com
    host: oci-p-flex_1
    status: on
    availability: on-demand
    auth: two_factor
    components:
      wiki-app:
        kind: app
        stack: Wiki.js
        image: ghcr.io/requarks/wiki:2.5
        port: 3100
        websocket: true
        resources: {ram: 256MB, cpu: 0.1, storage: 1GB, bandwidth: 1GB/mo}
      wiki-db0:
        kind: db
        stack: SQL:PostgreSQL
        image: postgres:16-alpine
        port: 5432
        volumes: ["wiki-db:/var/lib/postgresql/data"]
        resources: {ram: 128MB, cpu: 0.05, storage: 1GB}
"#,
    );
    let spec = load(dir.path());
    let audit: Vec<String> = cloudctl_render::audit::audit(&spec)
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(audit.is_empty(), "{audit:#?}");
    let files = render_all(&spec);

    let compose = file(&files, "oci-p-flex_1/docker-compose.yml");
    assert!(compose.contains("  wiki-app:\n"), "compose: no wiki-app");
    assert!(
        compose.contains("\"10.8.0.4:3100:3100\""),
        "compose: port not on the mesh"
    );
    assert!(
        compose.contains("  wiki-data:\n    driver: bridge\n    internal: true"),
        "compose: no internal network"
    );
    assert!(compose.contains("  wiki-db:"), "compose: no named volume");

    let site = file(
        &files,
        "gcp-f-micro_1/nginx/sites/wiki.diegonmarcos.com.conf",
    );
    assert!(site.contains("proxy_pass http://10.8.0.4:3100;"), "{site}");
    assert!(
        site.contains("include snippets/authelia-authrequest.conf;"),
        "{site}"
    );
    assert!(site.contains("include snippets/websocket.conf;"), "{site}");
    assert!(file(&files, "gcp-f-micro_1/nginx/nginx.conf").contains("wiki.diegonmarcos.com"));
    file(&files, "gcp-f-micro_1/npm/wiki.diegonmarcos.com.conf");
    assert!(file(&files, "gcp-f-micro_1/caddy/Caddyfile").contains("wiki.diegonmarcos.com {"));

    let authelia = file(&files, "gcp-f-micro_1/authelia/configuration.yml");
    assert!(
        authelia.contains("- domain: \"wiki.diegonmarcos.com\"\n      policy: \"two_factor\""),
        "{authelia}"
    );

    assert!(file(&files, "dns/diegonmarcos.com.zone").contains("\nwiki "));
    assert!(
        file(&files, "dns/diegonmarcos.com.cloudflare.json")
            .contains("\"name\": \"wiki.diegonmarcos.com\"")
    );

    assert!(file(&files, "docs/services.md").contains("Wiki"));
    assert!(file(&files, "docs/plan-by-service.md").contains("wiki.diegonmarcos.com"));
    assert!(file(&files, "docs/manifest.json").contains("\"wiki-app\""));
}

/// A planned service is left out of every deploy file, and said to be left out.
#[test]
fn a_planned_service_is_not_deployed() {
    let files = deploy_files(&default_spec());
    let compose = file(&files, "oci-p-flex_1/docker-compose.yml");
    assert!(
        !compose.contains("jupyter-app"),
        "planned jupyter is in compose"
    );
    assert!(
        compose.contains("jupyter (planned)"),
        "compose does not say jupyter is left out"
    );
    assert!(!files.iter().any(|f| f.path.contains("jupyter")));
    assert!(!file(&files, "dns/diegonmarcos.com.zone").contains("jupyter"));
}

#[test]
fn a_name_server_that_is_not_a_host_name_is_refused_at_its_place() {
    let dir = infra_copy();
    common::edit(
        dir.path(),
        "project.yaml",
        "    proxied: true # B13 layer 1",
        "    nameservers: [ada.ns.cloudflare.com, 192.0.2.53]\n    proxied: true # B13 layer 1",
    );
    let checked = cloudctl_spec::check_path(Some(dir.path())).expect("spec folder readable");
    let error = checked
        .diagnostics
        .iter()
        .find(|d| d.is_error() && d.path.ends_with(".nameservers"))
        .expect("the name server is refused");
    // (The broken entry then counts as undeclared, so URLs under it are reported too.)
    let project = std::fs::read_to_string(dir.path().join("project.yaml")).expect("project.yaml");
    let line = 1 + project
        .lines()
        .position(|l| l.starts_with("    nameservers:"))
        .expect("edited");
    assert_eq!(
        error.to_string(),
        format!(
            "{}:{line}:5: error[spec.invalid-value] domains.\"diegonmarcos.com\".nameservers: \
             `192.0.2.53` is not a name server\n  hint: write a fully qualified host name such as \
             `ada.ns.cloudflare.com` (letters, digits and `-`, at least two labels)",
            dir.path().join("project.yaml").display()
        )
    );
}
