//! Loading a spec: read files, parse each into a located tree, merge them, index every key path,
//! then deserialize section by section so that one broken entry does not hide the others.

mod merge;
pub mod path;
mod source;
mod tree;
mod typed;
mod yaml;

use std::collections::HashSet;

pub use path::PathIndex;
pub use source::{MAX_FILE_BYTES, SourceFile, default_sources, read_sources};
pub use tree::{Entry, Node, Pos, Value};
pub use yaml::{MAX_DEPTH, MAX_NODES};

use crate::diag::{Diagnostic, Location};
use crate::model::Spec;

/// A loaded spec with everything needed to point at its source.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The spec: every entry that parsed.
    pub spec: Spec,
    /// File names, indexed by [`Pos::file`].
    pub files: Vec<String>,
    /// The merged tree, for rules that look at raw values.
    pub tree: Node,
    /// Where every key path was written.
    pub index: PathIndex,
    /// Paths of entries left out because they did not parse (so rules do not report them twice).
    pub broken: HashSet<String>,
    /// Problems found while loading (syntax, merge, types).
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// The file:line:column of `path`, or of its nearest written ancestor.
    pub fn locate(&self, path: &str) -> Option<Location> {
        self.index.find(path).map(|pos| self.location(pos))
    }

    /// Turns a position into a location with the file's name.
    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self
                .files
                .get(pos.file as usize)
                .cloned()
                .unwrap_or_default(),
            line: pos.line,
            column: pos.column,
        }
    }

    /// True when an entry exists in the files, parsed or not.
    pub fn defines(&self, path: &str) -> bool {
        self.index.get(path).is_some()
    }
}

/// Loads a spec from sources (already read). Never fails: problems become diagnostics, and the
/// spec holds every entry that could be read.
pub fn load(sources: &[SourceFile]) -> Loaded {
    let files: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    let mut diagnostics = Vec::new();
    let mut root = Node {
        value: Value::Null,
        pos: Pos {
            file: 0,
            line: 1,
            column: 1,
        },
    };
    let mut conflicts = Vec::new();
    for (number, source) in sources.iter().enumerate() {
        let number = u32::try_from(number).unwrap_or(u32::MAX);
        match yaml::parse(number, &source.text) {
            Ok(tree) => {
                if !matches!(tree.value, Value::Map(_) | Value::Null) {
                    diagnostics.push(
                        Diagnostic::error(
                            "spec.not-a-mapping",
                            "",
                            format!("the file holds {}, not a mapping of sections", tree.kind()),
                        )
                        .hint("a spec file starts with top-level keys such as `hosts:` or `services:`")
                        .at(Some(location(&files, tree.pos))),
                    );
                    continue;
                }
                merge::merge_into(&mut root, tree, &mut conflicts);
            }
            Err(error) => diagnostics.push(
                Diagnostic::error(error.code, "", error.message)
                    .hint(error.hint)
                    .at(Some(location(&files, error.pos))),
            ),
        }
    }
    for conflict in conflicts {
        let first = location(&files, conflict.first);
        let second = location(&files, conflict.second);
        diagnostics.push(
            Diagnostic::error(
                "spec.defined-twice",
                conflict.path.clone(),
                format!(
                    "`{}` is defined in two places: {first} and {second}",
                    conflict.path
                ),
            )
            .hint(
                "mappings merge across files, but any other value must be defined once: remove one",
            )
            .at(Some(second)),
        );
    }
    let index = PathIndex::build(&root);
    let mut typed = typed::Typed {
        files: &files,
        index: &index,
        diagnostics: &mut diagnostics,
        broken: HashSet::new(),
    };
    let spec = typed.spec(&root);
    let broken = typed.broken;
    Loaded {
        spec,
        files,
        tree: root,
        index,
        broken,
        diagnostics,
    }
}

fn location(files: &[String], pos: Pos) -> Location {
    Location {
        file: files.get(pos.file as usize).cloned().unwrap_or_default(),
        line: pos.line,
        column: pos.column,
    }
}
