//! Renders the plan's documents and every deployable config from a cloudctl spec with minijinja
//! templates (embedded, overridable from a folder). Each output kind is a [`Target`] in a file of
//! its own, listed once in [`targets::ALL`]. Rendering returns files as data; writing them is the
//! caller's job. Output is byte-stable: the same spec always renders the same bytes.

pub mod audit;
mod engine;
pub mod manifest;
pub mod targets;
pub mod view;

pub use engine::Engine;
pub use manifest::Manifest;
pub use targets::{Context, Target};
pub use view::View;

use std::path::Path;

use cloudctl_spec::Spec;

/// Errors while rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template failed to load or render; the message names the template and line.
    #[error("template {name}: {source}")]
    Template {
        /// The template's name.
        name: String,
        /// What went wrong.
        #[source]
        source: minijinja::Error,
    },
    /// No target has this name.
    #[error("unknown render target `{0}`")]
    UnknownTarget(String),
    /// A template override folder could not be read.
    #[error("cannot read templates from {path}: {source}")]
    Templates {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serializing data for a file failed.
    #[error("cannot serialize {0}")]
    Json(#[from] serde_json::Error),
}

/// This crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One rendered file: a relative path (with `/`) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Path relative to the output folder, e.g. `docs/services.md` or `gcp-f-micro_1/docker-compose.yml`.
    pub path: String,
    /// The file's contents.
    pub contents: String,
    /// Whether the file should be executable (scripts).
    pub executable: bool,
}

impl RenderedFile {
    /// A plain (non-executable) file.
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        RenderedFile {
            path: path.into(),
            contents: contents.into(),
            executable: false,
        }
    }
}

/// Renders `targets` (every target when empty) for `spec`, with templates overridden from
/// `templates` when given. Files come back sorted by path.
pub fn render(
    spec: &Spec,
    targets: &[String],
    templates: Option<&Path>,
) -> Result<Vec<RenderedFile>> {
    let engine = Engine::new(templates)?;
    let view = View::new(spec);
    let plan = cloudctl_plan::plan(spec);
    let context = Context {
        spec,
        view: &view,
        plan: &plan,
        engine: &engine,
    };
    let chosen: Vec<&dyn Target> = if targets.is_empty() {
        targets::ALL.to_vec()
    } else {
        targets
            .iter()
            .map(|name| targets::find(name).ok_or_else(|| Error::UnknownTarget(name.clone())))
            .collect::<Result<_>>()?
    };
    let mut files = Vec::new();
    for target in chosen {
        files.extend(target.render(&context)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The plan (capacity, cost, availability) as one Markdown document: `cloudctl plan --format md`.
pub fn plan_markdown(spec: &Spec) -> Result<String> {
    let engine = Engine::new(None)?;
    let view = View::new(spec);
    let plan = cloudctl_plan::plan(spec);
    targets::plan_markdown(&Context {
        spec,
        view: &view,
        plan: &plan,
        engine: &engine,
    })
}
