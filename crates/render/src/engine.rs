//! The template engine: minijinja with our templates embedded, an optional folder whose files
//! replace embedded ones of the same name, strict undefined values, and a few filters for units.

use std::path::{Path, PathBuf};

use cloudctl_spec::units::human_bytes;
use minijinja::{Environment, UndefinedBehavior, Value, syntax::SyntaxConfig};

use crate::{Error, Result};

static TEMPLATES: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Renders named templates; the names are paths under `templates/`, e.g. `docs/services.md.j2`.
pub struct Engine {
    env: Environment<'static>,
}

impl Engine {
    /// An engine over the embedded templates, overridden by files in `overrides` when given.
    pub fn new(overrides: Option<&Path>) -> Result<Self> {
        if let Some(dir) = overrides {
            std::fs::read_dir(dir).map_err(|source| Error::Templates {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let overrides: Option<PathBuf> = overrides.map(Path::to_path_buf);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_debug(false);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|source| Error::Template {
                name: "syntax".into(),
                source,
            })?;
        env.set_syntax(syntax);
        env.set_loader(move |name| {
            if let Some(dir) = &overrides {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|error| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read {}: {error}", path.display()),
                        )
                    });
                }
            }
            Ok(TEMPLATES
                .get_file(name)
                .and_then(|f| f.contents_utf8())
                .map(str::to_owned))
        });
        env.add_filter("bytes", |bytes: f64| human_bytes(bytes));
        env.add_filter("money", |dollars: f64| format!("${dollars:.2}"));
        env.add_filter("pct", |percent: f64| format!("{percent:.0}%"));
        env.add_filter("vcpu", |vcpu: f64| {
            format!("{}", (vcpu * 1000.0).round() / 1000.0)
        });
        env.add_filter("cell", |text: Value| {
            let text = if text.is_none() || text.is_undefined() {
                String::new()
            } else {
                text.to_string()
            };
            text.replace('|', "\\|").replace('\n', " ")
        });
        Ok(Engine { env })
    }

    /// Renders template `name` with `context`.
    pub fn render(&self, name: &str, context: Value) -> Result<String> {
        let wrap = |source| Error::Template {
            name: name.to_owned(),
            source,
        };
        let template = self.env.get_template(name).map_err(wrap)?;
        template.render(context).map_err(wrap)
    }

    /// Names of every embedded template, for `render --list-templates` and override checks.
    pub fn embedded_names() -> Vec<String> {
        let mut names = Vec::new();
        let mut dirs = vec![&TEMPLATES];
        while let Some(dir) = dirs.pop() {
            dirs.extend(dir.dirs());
            names.extend(dir.files().map(|f| f.path().display().to_string()));
        }
        names.sort();
        names
    }
}
