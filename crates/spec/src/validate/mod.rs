//! Semantic validation: rules that look across the whole spec. Each rule is a function in a file of
//! its own, listed once in [`RULES`]; every rule reports every problem it finds.

mod auth;
mod availability;
mod capacity;
mod checks;
mod exposure;
mod free_tier;
mod ids;
mod ports;
mod references;
mod secrets;
mod urls;

use crate::diag::{self, Diagnostic};
use crate::load::Loaded;
use crate::model::Spec;

/// What a rule sees.
pub struct Context<'a> {
    /// The spec.
    pub spec: &'a Spec,
    /// The loaded files, for locations and raw values.
    pub loaded: &'a Loaded,
}

impl Context<'_> {
    /// True when `path` names an entry that exists in the files, even one that failed to parse.
    pub fn defined(&self, section: &str, id: &str) -> bool {
        self.loaded.defines(&crate::load::path::child(section, id))
    }
}

type Rule = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Every semantic rule, in the order they run.
const RULES: &[Rule] = &[
    ids::check,
    references::check,
    urls::check,
    ports::check,
    capacity::check,
    free_tier::check,
    auth::check,
    exposure::check,
    availability::check,
    secrets::check,
    checks::check,
];

/// Runs every rule; returns the load problems and rule findings, located and sorted.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let context = Context {
        spec: &loaded.spec,
        loaded,
    };
    let mut found = loaded.diagnostics.clone();
    for rule in RULES {
        rule(&context, &mut found);
    }
    for diagnostic in &mut found {
        if diagnostic.location.is_none() {
            diagnostic.location = loaded.locate(&diagnostic.path);
        }
    }
    diag::sort(&mut found);
    found.dedup();
    found
}
