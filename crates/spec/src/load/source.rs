//! Finding and reading spec files: a folder (every `.yaml`, `.yml` and `.json` below it, in name
//! order) or one file, or the default spec built into the binary. Sizes are capped before reading.

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// Largest spec file read; the whole master plan is about 40 kB.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// Largest total of all files of one spec.
pub const MAX_TOTAL_BYTES: u64 = 32 << 20;

/// One spec file's name (as shown in messages) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in messages: the path as given, or `infra/…` for the default spec.
    pub name: String,
    /// The file's text.
    pub text: String,
}

impl SourceFile {
    /// A source from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

static DEFAULT_SPEC: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../infra");

/// The default spec (the master plan) built into the binary, as `infra/<file>` sources.
pub fn default_sources() -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut dirs = vec![&DEFAULT_SPEC];
    while let Some(dir) = dirs.pop() {
        dirs.extend(dir.dirs());
        for file in dir.files().filter(|file| is_spec_file(file.path())) {
            files.push(SourceFile::new(
                format!("infra/{}", file.path().display()),
                file.contents_utf8().unwrap_or_default(),
            ));
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

fn is_spec_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'));
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    !hidden && matches!(extension, "yaml" | "yml" | "json")
}

/// Reads a spec file or every spec file under a folder. Unreadable files become diagnostics.
pub fn read_sources(path: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        vec![
            Diagnostic::error(
                "spec.read",
                "",
                format!("cannot read `{}`: {error}", path.display()),
            )
            .hint("give the path of a spec folder or file, or no path for the default spec"),
        ]
    })?;
    let paths = if metadata.is_dir() {
        let mut found = Vec::new();
        collect(path, &mut found, 0).map_err(|error| {
            vec![Diagnostic::error(
                "spec.read",
                "",
                format!("cannot list `{}`: {error}", path.display()),
            )]
        })?;
        found.sort();
        if found.is_empty() {
            return Err(vec![
                Diagnostic::error("spec.empty", "", format!("`{}` holds no .yaml, .yml or .json file", path.display()))
                    .hint("put the spec's files in this folder, or run `cloudctl check` with no path for the default spec"),
            ]);
        }
        found
    } else {
        vec![path.to_path_buf()]
    };
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    let mut total = 0;
    for file in paths {
        match read_one(&file, &mut total) {
            Ok(source) => sources.push(source),
            Err(error) => errors.push(*error),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 8 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, found, depth + 1)?;
        } else if is_spec_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

fn read_one(path: &Path, total: &mut u64) -> Result<SourceFile, Box<Diagnostic>> {
    let name = path.display().to_string();
    let unreadable = |error: std::io::Error| {
        Box::new(Diagnostic::error(
            "spec.read",
            "",
            format!("cannot read `{name}`: {error}"),
        ))
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        let message = format!(
            "`{name}` is {:.1} MB; a spec file may be at most {} MiB",
            size as f64 / 1e6,
            MAX_FILE_BYTES >> 20
        );
        return Err(Box::new(
            Diagnostic::error("spec.too-large", "", message)
                .hint("split the spec into several files in one folder; they are merged"),
        ));
    }
    *total += size;
    if *total > MAX_TOTAL_BYTES {
        let message = format!(
            "the spec's files add up to more than {} MiB",
            MAX_TOTAL_BYTES >> 20
        );
        return Err(Box::new(
            Diagnostic::error("spec.too-large", "", message)
                .hint("is this the right folder? a spec is usually well under 1 MB"),
        ));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let line = error.as_bytes()[..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        let message =
            format!("`{name}` is not UTF-8 text (invalid byte at offset {offset}, line {line})");
        Box::new(
            Diagnostic::error("spec.not-text", "", message).hint(
                "a spec file must be YAML or JSON text saved as UTF-8; is this a binary file?",
            ),
        )
    })?;
    Ok(SourceFile { name, text })
}
