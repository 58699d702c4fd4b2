//! Key paths (`services.vault.components.vault-app.port`) and the index from paths to positions.

use std::collections::HashMap;

use super::tree::{Node, Pos, Value};

/// Appends a mapping key to a path, quoting keys that contain anything but letters, digits, `-`
/// and `_` (so `domains."example.com"` stays unambiguous).
pub fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if plain {
        key.to_owned()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// Appends a sequence index to a path: `volumes[0]`.
pub fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Where every key path of a merged spec was written: the key's position for mapping entries,
/// the value's position for sequence items.
#[derive(Debug, Default, Clone)]
pub struct PathIndex {
    positions: HashMap<String, Pos>,
}

impl PathIndex {
    /// Indexes every path below `root`.
    pub fn build(root: &Node) -> Self {
        let mut index = PathIndex::default();
        index.positions.insert(String::new(), root.pos);
        let mut stack = vec![(String::new(), root)];
        while let Some((path, node)) = stack.pop() {
            match &node.value {
                Value::Map(entries) => {
                    for entry in entries {
                        let path = child(&path, &entry.key);
                        index.positions.insert(path.clone(), entry.key_pos);
                        stack.push((path, &entry.value));
                    }
                }
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let path = self::index(&path, i);
                        index.positions.insert(path.clone(), item.pos);
                        stack.push((path, item));
                    }
                }
                _ => {}
            }
        }
        index
    }

    /// The position of `path`, or of its nearest indexed ancestor.
    pub fn find(&self, path: &str) -> Option<Pos> {
        let mut path = path;
        loop {
            if let Some(pos) = self.positions.get(path) {
                return Some(*pos);
            }
            path = parent(path)?;
        }
    }

    /// The position of exactly `path`, if it was written.
    pub fn get(&self, path: &str) -> Option<Pos> {
        self.positions.get(path).copied()
    }
}

/// The path one level up, or `None` at the root.
fn parent(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    if path.ends_with(']') {
        return path.rfind('[').map(|i| &path[..i]);
    }
    if let Some(body) = path.strip_suffix('"') {
        // A quoted key: find its opening quote (keys never contain an escaped quote in practice).
        let open = body.rfind('"')?;
        return Some(path[..open].strip_suffix('.').unwrap_or(""));
    }
    Some(path.rfind('.').map_or("", |i| &path[..i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_dotted_keys() {
        assert_eq!(child("", "services"), "services");
        assert_eq!(child("domains", "example.com"), "domains.\"example.com\"");
        assert_eq!(index("a.volumes", 2), "a.volumes[2]");
        assert_eq!(parent("domains.\"example.com\""), Some("domains"));
        assert_eq!(parent("a.volumes[2]"), Some("a.volumes"));
        assert_eq!(parent("services"), Some(""));
        assert_eq!(parent(""), None);
    }
}
