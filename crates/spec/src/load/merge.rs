//! Merges the files of a spec folder: mappings deep-merge; any other value defined in two files is
//! a conflict that names both places.

use super::path;
use super::tree::{Node, Pos, Value};

/// The same key path given a value in two files.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The key path defined twice.
    pub path: String,
    /// Where it was defined first (earlier file in load order).
    pub first: Pos,
    /// Where it was defined again.
    pub second: Pos,
}

/// Merges `other` into `base`, recording every conflict; the first definition wins.
pub fn merge_into(base: &mut Node, other: Node, conflicts: &mut Vec<Conflict>) {
    merge_at(base, other, "", conflicts);
}

fn merge_at(base: &mut Node, other: Node, at: &str, conflicts: &mut Vec<Conflict>) {
    if matches!(base.value, Value::Null) && at.is_empty() {
        *base = other;
        return;
    }
    if matches!(other.value, Value::Null) && at.is_empty() {
        return;
    }
    let (Value::Map(base_entries), Value::Map(other_entries)) = (&mut base.value, other.value)
    else {
        conflicts.push(Conflict {
            path: at.to_owned(),
            first: base.pos,
            second: other.pos,
        });
        return;
    };
    for entry in other_entries {
        let child_path = path::child(at, &entry.key);
        match base_entries
            .iter_mut()
            .find(|existing| existing.key == entry.key)
        {
            Some(existing) => {
                let both_maps = matches!(existing.value.value, Value::Map(_))
                    && matches!(entry.value.value, Value::Map(_));
                if both_maps {
                    merge_at(&mut existing.value, entry.value, &child_path, conflicts);
                } else {
                    conflicts.push(Conflict {
                        path: child_path,
                        first: existing.key_pos,
                        second: entry.key_pos,
                    });
                }
            }
            None => base_entries.push(entry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;

    #[test]
    fn maps_merge_and_scalars_conflict() {
        let mut base = parse(0, "hosts:\n  a:\n    ram: 1GB\n").unwrap();
        let other = parse(1, "hosts:\n  b:\n    ram: 2GB\n  a:\n    ram: 3GB\n").unwrap();
        let mut conflicts = Vec::new();
        merge_into(&mut base, other, &mut conflicts);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].path, "hosts.a.ram");
        assert_eq!((conflicts[0].first.file, conflicts[0].first.line), (0, 3));
        assert_eq!((conflicts[0].second.file, conflicts[0].second.line), (1, 5));
        let Value::Map(top) = &base.value else {
            panic!()
        };
        let Value::Map(hosts) = &top[0].value.value else {
            panic!()
        };
        assert_eq!(hosts.len(), 2);
    }
}
