//! From the located tree to typed values, one section (or one map entry) at a time, turning serde
//! errors into diagnostics that carry the key path, the location and a hint.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;

use super::path::{self, PathIndex};
use super::tree::{Node, Value};
use crate::diag::{Diagnostic, Location};
use crate::model::{SPEC_VERSION, Spec};
use crate::suggest;

pub(super) struct Typed<'a> {
    pub files: &'a [String],
    pub index: &'a PathIndex,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    pub broken: HashSet<String>,
}

/// Top-level sections, for "did you mean" on unknown ones.
const SECTIONS: &[&str] = &[
    "$schema",
    "version",
    "project",
    "domains",
    "providers",
    "hosts",
    "categories",
    "services",
    "costs",
    "secrets",
    "access",
    "security",
    "monitoring",
    "planning",
];

impl Typed<'_> {
    pub fn spec(&mut self, root: &Node) -> Spec {
        let mut spec = Spec::default();
        let Value::Map(entries) = &root.value else {
            return spec;
        };
        for entry in entries {
            let at = path::child("", &entry.key);
            let node = &entry.value;
            match entry.key.as_str() {
                "$schema" => spec.schema = self.value(node, &at),
                "version" => {
                    if let Some(version) = self.value::<u32>(node, &at) {
                        if version != SPEC_VERSION {
                            self.push(
                                Diagnostic::error(
                                    "spec.version",
                                    &at,
                                    format!("spec version {version} is not supported"),
                                )
                                .hint(format!("this cloudctl reads version {SPEC_VERSION}")),
                            );
                        }
                        spec.version = version;
                    }
                }
                "project" => set(&mut spec.project, self.value(node, &at)),
                "access" => set(&mut spec.access, self.value(node, &at)),
                "security" => set(&mut spec.security, self.value(node, &at)),
                "monitoring" => set(&mut spec.monitoring, self.value(node, &at)),
                "planning" => set(&mut spec.planning, self.value(node, &at)),
                "domains" => spec.domains = self.entries(node, &at),
                "providers" => spec.providers = self.entries(node, &at),
                "hosts" => spec.hosts = self.entries(node, &at),
                "categories" => spec.categories = self.entries(node, &at),
                "services" => spec.services = self.entries(node, &at),
                "costs" => spec.costs = self.entries(node, &at),
                "secrets" => spec.secrets = self.entries(node, &at),
                other => {
                    let hint = match suggest::closest(other, SECTIONS.iter().copied()) {
                        Some(name) => format!("did you mean `{name}`?"),
                        None => format!("the sections are: {}", SECTIONS[1..].join(", ")),
                    };
                    self.push(
                        Diagnostic::error(
                            "spec.unknown-key",
                            &at,
                            format!("unknown section `{other}`"),
                        )
                        .hint(hint),
                    );
                }
            }
        }
        spec
    }

    /// A map section, each entry deserialized on its own.
    fn entries<T: DeserializeOwned>(&mut self, node: &Node, at: &str) -> IndexMap<String, T> {
        let mut out = IndexMap::new();
        match &node.value {
            Value::Null => {}
            Value::Map(entries) => {
                for entry in entries {
                    let entry_path = path::child(at, &entry.key);
                    match self.value(&entry.value, &entry_path) {
                        Some(value) => {
                            out.insert(entry.key.clone(), value);
                        }
                        None => {
                            self.broken.insert(entry_path);
                        }
                    }
                }
            }
            _ => self.push(
                Diagnostic::error(
                    "spec.type",
                    at,
                    format!(
                        "`{at}` must be a mapping of id → entry, not {}",
                        node.kind()
                    ),
                )
                .hint(format!("write `{at}:` followed by indented `id:` keys")),
            ),
        }
        out
    }

    fn value<T: DeserializeOwned>(&mut self, node: &Node, at: &str) -> Option<T> {
        let json = node.to_json();
        match serde_path_to_error::deserialize::<_, T>(json) {
            Ok(value) => Some(value),
            Err(error) => {
                let inner = join(at, &error.path().to_string());
                let diagnostic = self.explain(&inner, &error.inner().to_string());
                self.push(diagnostic);
                None
            }
        }
    }

    /// Turns a serde message into a diagnostic with a precise path and a hint.
    fn explain(&self, at: &str, message: &str) -> Diagnostic {
        if let Some(field) = between(message, "unknown field `", "`") {
            let expected = expected_names(message);
            // serde_path_to_error already ends the path with the unknown key; add it only if not.
            let key_path = if self.index.get(at).is_some() && at.ends_with(&path::child("", field))
            {
                at.to_owned()
            } else {
                path::child(at, field)
            };
            let hint = match suggest::closest(field, expected.iter().map(String::as_str)) {
                Some(name) => format!("did you mean `{name}`?"),
                None if expected.is_empty() => "remove it".to_owned(),
                None => format!("allowed keys here: {}", expected.join(", ")),
            };
            return Diagnostic::error(
                "spec.unknown-key",
                &key_path,
                format!("unknown key `{field}`"),
            )
            .hint(hint)
            .at(self.locate(&key_path));
        }
        if let Some(field) = between(message, "missing field `", "`") {
            return Diagnostic::error(
                "spec.missing-key",
                at,
                format!("`{field}` is required here"),
            )
            .hint(format!("add `{field}:` to `{at}`"))
            .at(self.locate(at));
        }
        if let Some(variant) = between(message, "unknown variant `", "`") {
            let expected = expected_names(message);
            let hint = match suggest::closest(variant, expected.iter().map(String::as_str)) {
                Some(name) => format!("did you mean `{name}`?"),
                None => format!("use one of: {}", expected.join(", ")),
            };
            return Diagnostic::error(
                "spec.invalid-value",
                at,
                format!("`{variant}` is not allowed here"),
            )
            .hint(hint)
            .at(self.locate(at));
        }
        if message.starts_with("invalid type") {
            let hint = match between(message, "expected ", "") {
                Some(expected) => format!("write {expected} here"),
                None => "check the value's type".to_owned(),
            };
            return Diagnostic::error("spec.type", at, message.to_owned())
                .hint(hint)
                .at(self.locate(at));
        }
        let (message, hint) = match message.split_once(": write ") {
            Some((message, hint)) => (message.to_owned(), format!("write {hint}")),
            None => match message.split_once(" (") {
                Some((message, rest)) if rest.ends_with(')') => {
                    (message.to_owned(), rest.trim_end_matches(')').to_owned())
                }
                _ => (message.to_owned(), "fix the value".to_owned()),
            },
        };
        Diagnostic::error("spec.invalid-value", at, message)
            .hint(hint)
            .at(self.locate(at))
    }

    fn locate(&self, at: &str) -> Option<Location> {
        self.index.find(at).map(|pos| Location {
            file: self
                .files
                .get(pos.file as usize)
                .cloned()
                .unwrap_or_default(),
            line: pos.line,
            column: pos.column,
        })
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        let diagnostic = if diagnostic.location.is_none() {
            let location = self.locate(&diagnostic.path);
            diagnostic.at(location)
        } else {
            diagnostic
        };
        self.diagnostics.push(diagnostic);
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// Joins our path with serde_path_to_error's (`components.vault-app.port`, `volumes[0]`), quoting
/// keys the way [`path::child`] does.
fn join(at: &str, inner: &str) -> String {
    if inner == "." || inner.is_empty() {
        return at.to_owned();
    }
    let mut out = at.to_owned();
    for segment in split_serde_path(inner) {
        match segment {
            Segment::Key(key) => out = path::child(&out, &key),
            Segment::Index(index) => out = path::index(&out, index),
        }
    }
    out
}

enum Segment {
    Key(String),
    Index(usize),
}

fn split_serde_path(inner: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in inner.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() && key != "?" {
            segments.push(Segment::Key(key.to_owned()));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(index) = rest[1..close].parse() {
                segments.push(Segment::Index(index));
            }
            rest = &rest[close + 1..];
        }
    }
    segments
}

fn between<'m>(message: &'m str, start: &str, end: &str) -> Option<&'m str> {
    let from = message.find(start)? + start.len();
    let rest = &message[from..];
    if end.is_empty() {
        return Some(rest);
    }
    rest.find(end).map(|to| &rest[..to])
}

/// The names serde lists after "expected": "one of `a`, `b`", "`a` or `b`", or "`a`".
fn expected_names(message: &str) -> Vec<String> {
    let list =
        between(message, "expected one of ", "").or_else(|| between(message, "expected ", ""));
    let Some(list) = list else { return Vec::new() };
    list.split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|name| name.trim().trim_matches('`').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}
