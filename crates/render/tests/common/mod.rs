//! Helpers shared by the render tests: copies of the default spec to edit, rendering into a folder,
//! and running the real tools the rendered files are for.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cloudctl_render::RenderedFile;
use cloudctl_spec::Spec;

/// The default spec's folder (`infra/`).
pub fn infra() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra")
}

/// A copy of `infra/` in a temporary folder, to edit.
pub fn infra_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&infra(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read infra") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Replaces `from` (which must occur exactly once) with `to` in `file` under `dir`.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read spec file");
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur once in {file}"
    );
    std::fs::write(&path, text.replace(from, to)).expect("write spec file");
}

/// Appends `text` to `file` under `dir`.
pub fn append(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    let mut contents = std::fs::read_to_string(&path).expect("read spec file");
    contents.push_str(text);
    std::fs::write(&path, contents).expect("write spec file");
}

/// Loads and validates the spec in `dir`; panics with every error when it has any.
pub fn load(dir: &Path) -> Spec {
    let checked = cloudctl_spec::check_path(Some(dir)).expect("spec folder readable");
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(
        errors.is_empty(),
        "the spec has errors:\n{}",
        errors.join("\n")
    );
    checked.loaded.spec
}

/// The default spec.
pub fn default_spec() -> Spec {
    cloudctl_spec::default_spec().expect("the default spec is valid")
}

/// Every target of `spec`.
pub fn render_all(spec: &Spec) -> Vec<RenderedFile> {
    cloudctl_render::render(spec, &[], None).expect("renders")
}

/// The deploy targets' files (everything but the documents and the static site).
pub fn deploy_files(spec: &Spec) -> Vec<RenderedFile> {
    render_all(spec)
        .into_iter()
        .filter(|f| !f.path.starts_with("docs/") && !f.path.starts_with("site/"))
        .collect()
}

/// Writes `files` under `dir`, with the executable bit where asked.
pub fn write(files: &[RenderedFile], dir: &Path) {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &file.contents).expect("write");
        if file.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
    }
}

/// The file at `path`, or a panic listing what was rendered.
pub fn file<'a>(files: &'a [RenderedFile], path: &str) -> &'a str {
    files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| {
            let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
            panic!("{path} was not rendered; rendered: {names:#?}")
        })
}

/// Runs a tool; a missing tool fails the test with the way to install it.
pub fn run(program: &str, args: &[&str], cwd: Option<&Path>) -> Output {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = cwd {
        command.current_dir(dir);
    }
    command.output().unwrap_or_else(|error| {
        panic!("cannot run {program} ({error}); install it with scripts/deps/render.sh")
    })
}

/// Panics with the tool's output unless it succeeded.
pub fn assert_ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A throwaway self-signed certificate and key for `names`, written into `dir`.
pub fn throwaway_cert(dir: &Path, names: &[&str]) -> (PathBuf, PathBuf) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let san = names
        .iter()
        .map(|n| format!("DNS:{n}"))
        .collect::<Vec<_>>()
        .join(",");
    let output = run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=cloudctl-test",
            "-addext",
            &format!("subjectAltName={san}"),
            "-keyout",
            key.to_str().expect("utf-8 path"),
            "-out",
            cert.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_ok(&output, "openssl req");
    (cert, key)
}

/// A spec copy whose domain serves `cert`/`key`, so nginx and Caddy can load them.
pub fn infra_with_cert(cert: &Path, key: &Path) -> tempfile::TempDir {
    let dir = infra_copy();
    edit(
        dir.path(),
        "project.yaml",
        "    proxied: true # B13 layer 1",
        &format!(
            "    certificate: {}\n    certificate_key: {}\n    proxied: true # B13 layer 1",
            cert.display(),
            key.display()
        ),
    );
    dir
}
