//! `docs`: the master plan's documents, rendered back from the spec, and `manifest.json`.

use super::{Context, Target};
use crate::manifest::{self, Manifest};
use crate::{RenderedFile, Result};

/// The plan's documents.
pub struct Docs;

/// Each document: the template and the file it becomes under `docs/`.
const DOCUMENTS: &[(&str, &str)] = &[
    ("docs/README.md.j2", "README.md"),
    ("docs/services.md.j2", "services.md"),
    ("docs/plan-by-service.md.j2", "plan-by-service.md"),
    ("docs/by-vm.md.j2", "by-vm.md"),
    ("docs/capacity.md.j2", "capacity.md"),
    ("docs/availability.md.j2", "availability.md"),
    ("docs/providers.md.j2", "providers.md"),
    ("docs/costs.md.j2", "costs.md"),
    ("docs/security.md.j2", "security.md"),
    ("docs/quick-reference.md.j2", "quick-reference.md"),
];

impl Target for Docs {
    fn name(&self) -> &'static str {
        "docs"
    }

    fn describe(&self) -> &'static str {
        "the plan's documents (services, plan tables, capacity, costs, security, quick reference) and manifest.json"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let data = context.template_data();
        let mut files = Vec::new();
        for (template, file) in DOCUMENTS {
            let text = context.engine.render(template, data.clone())?;
            files.push(RenderedFile::new(format!("docs/{file}"), text));
        }
        files.push(RenderedFile::new(
            "docs/manifest.json",
            Manifest::new(context.spec).to_json()?,
        ));
        files.push(RenderedFile::new(
            "docs/manifest.schema.json",
            manifest::schema(),
        ));
        Ok(files)
    }
}

/// Renders the plan (capacity, cost, availability) as one Markdown document, for `plan --format md`.
pub fn plan_markdown(context: &Context<'_>) -> Result<String> {
    context
        .engine
        .render("docs/plan.md.j2", context.template_data())
}
