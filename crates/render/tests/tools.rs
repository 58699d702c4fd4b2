//! The rendered files checked by the real tools they are for: nginx, docker-compose, the upstream
//! JSON Schemas (Compose, Authelia), bash and shellcheck, wg and wg-quick, Caddy, named-checkzone
//! and systemd-analyze (UFW itself runs in tests/firewall.rs). Each tool is installed by
//! scripts/deps/render.sh; `scripts/test` runs these with `--include-ignored`.

mod common;

use std::path::Path;

use common::{assert_ok, deploy_files, run, write};

/// Renders the default spec with throwaway certificates into a temporary folder.
fn rendered_with_certs() -> (tempfile::TempDir, tempfile::TempDir) {
    let certs = tempfile::tempdir().expect("temp dir");
    let (cert, key) = common::throwaway_cert(certs.path(), &["*.diegonmarcos.com"]);
    let infra = common::infra_with_cert(&cert, &key);
    let spec = common::load(infra.path());
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&spec), out.path());
    (out, certs)
}

fn files_named(dir: &Path, name: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == name) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `nginx -t` on a private prefix, so nothing of the machine's own nginx is touched.
fn nginx_test(conf_dir: &Path) -> std::process::Output {
    let conf = conf_dir.join("nginx.conf");
    run(
        "nginx",
        &[
            "-t",
            "-p",
            conf_dir.to_str().expect("utf-8"),
            "-c",
            conf.to_str().expect("utf-8"),
            "-e",
            conf_dir.join("error.log").to_str().expect("utf-8"),
            "-g",
            &format!("pid {};", conf_dir.join("nginx.pid").display()),
        ],
        None,
    )
}

#[test]
#[ignore = "needs nginx and openssl; run by scripts/test"]
fn the_nginx_config_passes_nginx_t() {
    let (out, _certs) = rendered_with_certs();
    let confs = files_named(out.path(), "nginx.conf");
    assert_eq!(confs.len(), 1, "one proxy host: {confs:?}");
    let dir = confs[0].parent().expect("nginx dir");
    assert_ok(&nginx_test(dir), "nginx -t");
    // The check is real: a broken site fails it.
    let site = dir.join("sites/vault.diegonmarcos.com.conf");
    let text = std::fs::read_to_string(&site).expect("vault site");
    std::fs::write(&site, text.replace("proxy_pass", "proxy_pas")).expect("break it");
    assert!(
        !nginx_test(dir).status.success(),
        "nginx -t accepted a broken config"
    );
}

#[test]
#[ignore = "needs nginx and openssl; run by scripts/test"]
fn every_npm_advanced_snippet_passes_nginx_t_inside_a_proxy_host() {
    let (out, certs) = rendered_with_certs();
    let dir = out.path().join("gcp-f-micro_1/npm");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("npm folder") {
        let snippet = entry.expect("entry").path();
        // What NPM wraps around the Advanced box: a server block with TLS and its own variables.
        let conf = format!(
            "events {{}}\nhttp {{\n  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n  server {{\n    listen 127.0.0.1:8443 ssl;\n    server_name test;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n    include {snippet};\n  }}\n}}\n",
            cert = certs.path().join("cert.pem").display(),
            key = certs.path().join("key.pem").display(),
            snippet = snippet.display(),
        );
        let test_dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(test_dir.path().join("nginx.conf"), conf).expect("conf");
        assert_ok(
            &nginx_test(test_dir.path()),
            &format!("nginx -t with {}", snippet.display()),
        );
        count += 1;
    }
    assert!(count >= 10, "only {count} NPM snippets");
}

#[test]
#[ignore = "needs docker-compose; run by scripts/test"]
fn every_compose_file_passes_docker_compose_config() {
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&common::default_spec()), out.path());
    let composes = files_named(out.path(), "docker-compose.yml");
    assert_eq!(composes.len(), 4, "{composes:?}");
    for compose in composes {
        let dir = compose.parent().expect("host dir");
        // Without .env the mandatory secrets stop Compose, naming the variable.
        let example = std::fs::read_to_string(dir.join(".env.example")).expect(".env.example");
        let vars: Vec<&str> = example
            .lines()
            .filter_map(|l| l.strip_suffix('='))
            .filter(|v| {
                v.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        if !vars.is_empty() {
            let bare = run(
                "docker-compose",
                &["-f", "docker-compose.yml", "config", "-q"],
                Some(dir),
            );
            assert!(
                !bare.status.success(),
                "{}: config passed without .env",
                compose.display()
            );
            assert!(
                String::from_utf8_lossy(&bare.stderr).contains("in .env"),
                "{}",
                String::from_utf8_lossy(&bare.stderr)
            );
        }
        let env: String = vars.iter().map(|v| format!("{v}=test-value\n")).collect();
        std::fs::write(dir.join(".env"), env).expect(".env");
        let output = run(
            "docker-compose",
            &["-f", "docker-compose.yml", "config", "-q"],
            Some(dir),
        );
        assert_ok(
            &output,
            &format!("docker-compose config of {}", compose.display()),
        );
    }
}

/// Validates YAML files against a JSON Schema with Debian's Python (jsonschema + PyYAML).
fn validate(schema: &str, files: &[std::path::PathBuf]) -> std::process::Output {
    let script = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
validator = cls(schema)
bad = 0
for path in sys.argv[2:]:
    document = yaml.safe_load(open(path))
    for error in validator.iter_errors(document):
        bad += 1
        print(f"{path}: /{'/'.join(map(str, error.path))}: {error.message}")
print(f"validated {len(sys.argv) - 2} file(s)")
sys.exit(1 if bad else 0)
"#;
    let schema = Path::new("/work/shared/schemas").join(schema);
    let mut args = vec!["-c", script, schema.to_str().expect("utf-8")];
    args.extend(files.iter().map(|f| f.to_str().expect("utf-8")));
    run("/usr/bin/python3", &args, None)
}

#[test]
#[ignore = "needs python3-jsonschema and python3-yaml; run by scripts/test"]
fn compose_and_authelia_files_validate_against_the_upstream_schemas() {
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&common::default_spec()), out.path());
    let composes = files_named(out.path(), "docker-compose.yml");
    assert_ok(&validate("compose-spec.json", &composes), "compose schema");
    let config = files_named(out.path(), "configuration.yml");
    assert_eq!(config.len(), 1);
    assert_ok(
        &validate("authelia-v4.39-configuration.json", &config),
        "Authelia configuration schema",
    );
    let users = files_named(out.path(), "users_database.yml");
    assert_ok(
        &validate("authelia-v4.39-user-database.json", &users),
        "Authelia users schema",
    );
    // The validation is real: an unknown key in Authelia's config is refused.
    let text = std::fs::read_to_string(&config[0]).expect("config");
    std::fs::write(&config[0], format!("{text}\nnot_an_authelia_key: 1\n")).expect("break it");
    assert!(
        !validate("authelia-v4.39-configuration.json", &config)
            .status
            .success()
    );
}

#[test]
#[ignore = "needs shellcheck; run by scripts/test"]
fn the_scripts_pass_bash_n_and_shellcheck() {
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&common::default_spec()), out.path());
    let mut scripts = files_named(out.path(), "ufw.sh");
    assert_eq!(scripts.len(), 5, "{scripts:?}");
    scripts.extend(files_named(out.path(), "keys.sh"));
    for script in &scripts {
        let path = script.to_str().expect("utf-8");
        assert_ok(
            &run("bash", &["-n", path], None),
            &format!("bash -n {path}"),
        );
        assert_ok(
            &run("shellcheck", &[path], None),
            &format!("shellcheck {path}"),
        );
    }
}

#[test]
#[ignore = "needs wireguard-tools; run by scripts/test"]
fn keys_sh_makes_the_keys_and_every_wg0_conf_passes_wg_quick_strip() {
    let out = tempfile::tempdir().expect("temp dir");
    let spec = common::default_spec();
    write(&deploy_files(&spec), out.path());
    let keys = out.path().join("keys");
    let script = out.path().join("wireguard/keys.sh");
    let make = || {
        run(
            "bash",
            &[script.to_str().unwrap(), keys.to_str().unwrap()],
            None,
        )
    };
    assert_ok(&make(), "keys.sh");
    let first: Vec<String> = spec
        .hosts
        .keys()
        .map(|h| std::fs::read_to_string(keys.join(format!("{h}.key"))).expect("private key"))
        .collect();
    for host in spec.hosts.keys() {
        let public = std::fs::read_to_string(keys.join(format!("{host}.pub"))).expect("public key");
        assert_eq!(
            public.trim().len(),
            44,
            "{host}.pub is not a WireGuard key: {public}"
        );
    }
    // Running it again keeps every private key.
    assert_ok(&make(), "keys.sh again");
    let again: Vec<String> = spec
        .hosts
        .keys()
        .map(|h| std::fs::read_to_string(keys.join(format!("{h}.key"))).expect("private key"))
        .collect();
    assert_eq!(first, again);

    let confs = files_named(out.path(), "wg0.conf");
    assert_eq!(confs.len(), spec.hosts.len());
    for conf in confs {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let output = run("wg-quick", &["strip", conf.to_str().expect("utf-8")], None);
        assert_ok(&output, &format!("wg-quick strip {}", conf.display()));
        let stripped = String::from_utf8_lossy(&output.stdout);
        assert!(stripped.contains("ListenPort = 51820"), "{stripped}");
        assert!(
            !stripped.contains("PrivateKey"),
            "a key is inline: {stripped}"
        );
    }
}

#[test]
#[ignore = "needs caddy and openssl; run by scripts/test"]
fn the_caddyfile_passes_caddy_validate() {
    let (out, _certs) = rendered_with_certs();
    let caddyfiles = files_named(out.path(), "Caddyfile");
    assert_eq!(caddyfiles.len(), 1);
    let dir = caddyfiles[0].parent().expect("caddy dir");
    let validate = || {
        std::process::Command::new("caddy")
            .args([
                "validate",
                "--config",
                "Caddyfile",
                "--adapter",
                "caddyfile",
            ])
            .current_dir(dir)
            // Caddy keeps state under $HOME and XDG folders: keep it in the test's folder.
            .env("HOME", dir)
            .env("XDG_DATA_HOME", dir)
            .env("XDG_CONFIG_HOME", dir)
            .output()
            .expect("caddy is installed (scripts/deps/render.sh)")
    };
    assert_ok(&validate(), "caddy validate");
    let text = std::fs::read_to_string(&caddyfiles[0]).expect("Caddyfile");
    std::fs::write(
        &caddyfiles[0],
        text.replace("reverse_proxy", "reverse_proxi"),
    )
    .expect("break it");
    assert!(
        !validate().status.success(),
        "caddy accepted a broken Caddyfile"
    );
}

/// `named-checkzone` with every check that can fail set to fail; `-i local` keeps its integrity
/// checks to names inside the zone, and a fresh network namespace makes sure it asks no resolver.
fn named_checkzone(domain: &str, zone: &Path) -> std::process::Output {
    let zone = zone.to_str().expect("utf-8");
    let args = [
        "--net",
        "named-checkzone",
        "-k",
        "fail",
        "-n",
        "fail",
        "-m",
        "fail",
        "-M",
        "fail",
        "-S",
        "fail",
        "-r",
        "fail",
        "-i",
        "local",
        domain,
        zone,
    ];
    run("unshare", &args, None)
}

/// The serial the zone file's SOA line carries.
fn soa_serial(zone: &str) -> String {
    let soa = zone
        .lines()
        .find(|l| l.contains(" IN SOA "))
        .unwrap_or_else(|| panic!("no SOA in:\n{zone}"));
    soa.split_whitespace().nth(5).expect("serial").to_owned()
}

#[test]
#[ignore = "needs bind9-utils (named-checkzone); run by scripts/test"]
fn every_zone_file_passes_named_checkzone() {
    let spec = common::default_spec();
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&spec), out.path());
    for domain in spec.domains.keys() {
        let zone = out.path().join(format!("dns/{domain}.zone"));
        let text = std::fs::read_to_string(&zone).expect("zone file");
        assert!(text.contains("PLACEHOLDER name servers"), "{text}");
        let output = named_checkzone(domain, &zone);
        assert_ok(&output, &format!("named-checkzone {domain}"));
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            format!(
                "zone {domain}/IN: loaded serial {}\nOK\n",
                soa_serial(&text)
            ),
            "named-checkzone warned"
        );
        // The check is real: a zone without its SOA is refused.
        let without_soa: String = text
            .lines()
            .filter(|l| !l.contains(" IN SOA "))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&zone, without_soa).expect("break it");
        assert!(
            !named_checkzone(domain, &zone).status.success(),
            "named-checkzone accepted a zone without SOA"
        );
    }
}

#[test]
#[ignore = "needs bind9-utils (named-checkzone); run by scripts/test"]
fn the_spec_s_name_servers_replace_the_placeholders_and_pass_named_checkzone() {
    let infra = common::infra_copy();
    common::edit(
        infra.path(),
        "project.yaml",
        "    proxied: true # B13 layer 1",
        "    nameservers: [ada.ns.cloudflare.com, Bob.NS.Cloudflare.com.]\n    proxied: true # B13 layer 1",
    );
    let spec = common::load(infra.path());
    let out = tempfile::tempdir().expect("temp dir");
    write(&deploy_files(&spec), out.path());
    let zone = out.path().join("dns/diegonmarcos.com.zone");
    let text = std::fs::read_to_string(&zone).expect("zone file");
    assert!(!text.contains("invalid"), "{text}");
    assert!(
        text.contains("@            IN SOA   ada.ns.cloudflare.com. hostmaster.diegonmarcos.com. "),
        "{text}"
    );
    assert!(
        text.contains("@            IN NS    ada.ns.cloudflare.com.\n@            IN NS    bob.ns.cloudflare.com.\n"),
        "{text}"
    );
    let output = named_checkzone("diegonmarcos.com", &zone);
    assert_ok(&output, "named-checkzone with the spec's name servers");
    // Another record set gives another serial.
    let default_zone = common::file(
        &deploy_files(&common::default_spec()),
        "dns/diegonmarcos.com.zone",
    )
    .to_owned();
    assert_ne!(soa_serial(&text), soa_serial(&default_zone));
}

/// A root for `systemd-analyze verify --root`: the machine's own system units (so `sysinit.target`
/// and the like exist), `unit` under /etc/systemd/system, and a stub at the path its `ExecStart=`
/// names, since verify checks that the command is executable.
fn systemd_root(unit_name: &str, unit: &str, with_binary: bool) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("temp dir");
    let lib = root.path().join("usr/lib/systemd");
    std::fs::create_dir_all(&lib).expect("mkdir");
    assert_ok(
        &run(
            "cp",
            &[
                "-a",
                "/usr/lib/systemd/system",
                lib.to_str().expect("utf-8"),
            ],
            None,
        ),
        "copy the system units",
    );
    let etc = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&etc).expect("mkdir");
    std::fs::write(etc.join(unit_name), unit).expect("unit");
    if with_binary {
        let exec = unit
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("no ExecStart in {unit_name}"));
        let stub = root.path().join(exec.trim_start_matches('/'));
        std::fs::create_dir_all(stub.parent().expect("bin dir")).expect("mkdir");
        std::fs::write(&stub, "#!/bin/sh\nexit 0\n").expect("stub");
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    root
}

/// `systemd-analyze verify` of `unit` in a root of its own. It exits 0 even when it ignores a line
/// it cannot parse, so callers look at what it printed too.
fn systemd_verify(unit_name: &str, unit: &str, with_binary: bool) -> (bool, String) {
    let root = systemd_root(unit_name, unit, with_binary);
    let output = run(
        "systemd-analyze",
        &[
            "verify",
            "--man=no",
            &format!("--root={}", root.path().display()),
            unit_name,
        ],
        None,
    );
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

#[test]
#[ignore = "needs systemd (systemd-analyze); run by scripts/test"]
fn every_systemd_unit_passes_systemd_analyze_verify() {
    let spec = common::default_spec();
    // The default spec runs the hub as a container; without that setting its VM gets a unit.
    let mut hub_as_unit = spec.clone();
    hub_as_unit.monitoring.hub.service = None;
    let mut units: Vec<(String, String)> = deploy_files(&spec)
        .into_iter()
        .chain(deploy_files(&hub_as_unit))
        .filter(|f| f.path.ends_with(".service"))
        .map(|f| (f.path, f.contents))
        .collect();
    units.sort();
    units.dedup();
    // Both renders give the same agent units; the hub's is the one extra.
    let paths: Vec<&str> = units.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(units.len(), spec.hosts.len() + 1, "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("/systemd/cloudctl-hub.service")),
        "{paths:?}"
    );
    for (path, unit) in &units {
        let name = path.rsplit('/').next().expect("file name");
        let (ok, printed) = systemd_verify(name, unit, true);
        assert!(
            ok && printed.is_empty(),
            "systemd-analyze verify {path}:\n{printed}"
        );
    }
    // The check is real: a misspelt key and a missing binary are both reported.
    let (path, unit) = &units[0];
    let name = path.rsplit('/').next().expect("file name");
    let misspelt = unit.replace("MemoryMax=", "MemoryMaks=");
    let (_, printed) = systemd_verify(name, &misspelt, true);
    assert!(printed.contains("Unknown key 'MemoryMaks'"), "{printed}");
    let (ok, printed) = systemd_verify(name, unit, false);
    assert!(!ok && printed.contains("is not executable"), "{printed}");
}
