//! `check`, `plan`, `render` and `schema` as a user runs them: the real binary, exit codes,
//! formats, golden output, and bounded memory on hostile input.

use std::path::Path;
use std::process::{Command, Output};

fn cloudctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudctl"))
        .args(args)
        .env_remove("CLOUDCTL_SPEC")
        .output()
        .expect("cloudctl runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn check_passes_on_the_default_spec() {
    let output = cloudctl(&["check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("✓ the default spec is valid"), "{text}");
    assert!(text.contains("5 hosts, 24 services"), "{text}");
}

#[test]
fn check_reports_errors_with_locations_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hosts.yaml"),
        "hosts:\n  vm:\n    provider: nowhere\n    capacity: {vcpu: 1, ram: 1GB, storage: 1GB, bandwidth: 1GB/day}\n    tier: free\n    availability: always-on\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("x.yaml"), "planing: {}\n").unwrap();
    let output = cloudctl(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let hosts = dir.path().join("hosts.yaml");
    assert!(
        text.contains(&format!(
            "{}:3:5: error[refs.unknown] hosts.vm.provider: no provider `nowhere` is defined",
            hosts.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("unknown section `planing`") && text.contains("did you mean `planning`?"),
        "{text}"
    );
    assert!(text.contains("2 error(s)"), "{text}");
}

#[test]
fn check_speaks_json_for_scripts() {
    let output = cloudctl(&["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["ok"], true);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["files"].as_array().unwrap().len(), 10);
    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("a.yaml"), "hosts: [1, 2]\n").unwrap();
    let output = cloudctl(&["check", bad.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let first = &report["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "spec.type");
    assert_eq!(first["location"]["line"], 1);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        cloudctl(&["check", "--format", "yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(cloudctl(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn help_teaches_with_examples() {
    let text = stdout(&cloudctl(&["--help"]));
    assert!(
        text.contains("Examples:") && text.contains("cloudctl check"),
        "{text}"
    );
    let text = stdout(&cloudctl(&["plan", "--help"]));
    assert!(
        text.contains("--format") && text.contains("cloudctl plan --format json"),
        "{text}"
    );
    assert!(stdout(&cloudctl(&["--version"])).starts_with("cloudctl "));
}

#[test]
fn plan_in_every_format_matches_its_golden_file() {
    for format in ["text", "md", "json"] {
        let output = cloudctl(&["plan", "--format", format]);
        assert_eq!(output.status.code(), Some(0));
        insta::assert_snapshot!(format!("plan_{format}"), stdout(&output));
    }
}

#[test]
fn plan_totals_agree_with_the_master_plan() {
    let output = cloudctl(&["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let cost = &plan["cost"];
    // B4: "~$15-20/month" for the paid VM running all month; the by-VM tables: "WAKE $5.5/mo".
    let flex = cost["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "oci-p-flex_1")
        .unwrap();
    let always_on = flex["always_on_monthly"].as_f64().unwrap();
    assert!((15.0..=20.0).contains(&always_on), "{always_on}");
    assert!(
        (flex["expected_monthly"].as_f64().unwrap() - 5.5).abs() < 0.1,
        "{flex}"
    );
    // The domain: ~$10/year.
    let domain = cost["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "domain")
        .unwrap();
    assert!((domain["monthly"].as_f64().unwrap() - 10.0 / 12.0).abs() < 0.01);
    // Every VM of the by-VM tables is planned, with a capacity row for each resource.
    let hosts: Vec<&str> = plan["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        hosts,
        [
            "gcp-f-micro_1",
            "oci-f-micro_1",
            "oci-f-micro_2",
            "oci-p-flex_1",
            "oci-f-arm_1"
        ]
    );
    assert!(
        plan["capacity"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["resources"].as_array().unwrap().len() == 4)
    );
}

#[test]
fn render_check_shows_a_diff_and_exits_1_when_stale() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert_eq!(
        cloudctl(&["render", "docs", "--out", out]).status.code(),
        Some(0)
    );
    assert_eq!(
        cloudctl(&["render", "docs", "--out", out, "--check"])
            .status
            .code(),
        Some(0)
    );
    let by_vm = dir.path().join("docs/by-vm.md");
    let edited = std::fs::read_to_string(&by_vm)
        .unwrap()
        .replace("oci-f-arm_1", "oci-f-arm_2");
    std::fs::write(&by_vm, edited).unwrap();
    let output = cloudctl(&["render", "docs", "--out", out, "--check"]);
    assert_eq!(output.status.code(), Some(1));
    let diff = stdout(&output);
    assert!(
        diff.contains("--- a/docs/by-vm.md")
            && diff.contains("-| Oracle Cloud | `oci-f-arm_2`")
            && diff.contains("+| Oracle Cloud | `oci-f-arm_1`"),
        "{diff}"
    );
}

#[test]
fn render_rejects_unknown_targets_clearly() {
    let output = cloudctl(&["render", "nonsense", "--out", "/tmp/x"]);
    assert_eq!(output.status.code(), Some(1));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("`nonsense` is neither a render target"),
        "{error}"
    );
}

#[test]
fn schema_command_writes_the_committed_schema() {
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/cloudctl.schema.json"),
    )
    .unwrap();
    assert!(
        stdout(&cloudctl(&["schema"])) == committed,
        "`cloudctl schema` differs from schema/cloudctl.schema.json"
    );
}

/// Runs `cloudctl check FILE` under a 256 MiB address-space limit: hostile input must fail cleanly
/// without needing more memory than that.
fn check_with_memory_cap(path: &Path) -> Output {
    let script = format!(
        "ulimit -v 262144; exec '{}' check '{}'",
        env!("CARGO_BIN_EXE_cloudctl"),
        path.display()
    );
    Command::new("sh").arg("-c").arg(script).output().unwrap()
}

#[test]
fn hostile_files_fail_cleanly_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "huge.yaml",
            "# pad pad pad pad pad pad pad pad pad pad pad pad\n"
                .repeat(220_000)
                .into_bytes(),
            "spec.too-large",
        ),
        ("deep.yaml", "[".repeat(3_000_000).into_bytes(), "yaml."),
        (
            "bomb.yaml",
            {
                let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
                for i in 1..10 {
                    text.push_str(&format!(
                        "a{i}: &a{i} [{}]\n",
                        vec![format!("*a{}", i - 1); 10].join(", ")
                    ));
                }
                text.into_bytes()
            },
            "yaml.too-large",
        ),
        (
            "garbage.yaml",
            (0..100_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
                .collect(),
            "spec.not-text",
        ),
    ];
    for (name, bytes, code) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = check_with_memory_cap(&path);
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        let text = stdout(&output);
        assert!(text.contains(&format!("error[{code}")), "{name}: {text}");
    }
}
