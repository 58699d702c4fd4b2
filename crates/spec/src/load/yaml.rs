//! Parses one YAML (or JSON) text into a located [`Node`] tree, within fixed limits so that a
//! hostile file costs bounded time and memory: nesting depth, node count (aliases included), one
//! document per file, no duplicate keys.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use super::tree::{Entry, Node, Pos, Value, resolve_plain};

/// Deepest nesting accepted; the master plan needs about 8.
pub const MAX_DEPTH: usize = 64;
/// Most nodes in one file, counting every alias expansion (stops "billion laughs").
pub const MAX_NODES: usize = 1_000_000;

/// Why a text could not be read as a tree, with the position of the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Rule code: `yaml.syntax`, `yaml.duplicate-key`, `yaml.too-deep`, …
    pub code: &'static str,
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
        seen: HashMap<String, Pos>,
    },
}

struct Builder {
    file: u32,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
}

/// Parses `text` (file number `file`) into a tree. An empty document is `Null`.
pub fn parse(file: u32, text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|error| builder.scan_error(&error))?;
        builder.event(event, span)?;
    }
    Ok(builder.root.unwrap_or(Node {
        value: Value::Null,
        pos: Pos {
            file,
            line: 1,
            column: 1,
        },
    }))
}

impl Builder {
    fn pos(&self, span: Span) -> Pos {
        Pos {
            file: self.file,
            line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
            column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        }
    }

    fn scan_error(&self, error: &ScanError) -> YamlError {
        let marker = error.marker();
        let pos = Pos {
            file: self.file,
            line: u32::try_from(marker.line()).unwrap_or(u32::MAX),
            column: u32::try_from(marker.col() + 1).unwrap_or(u32::MAX),
        };
        let info = error.info();
        let hint = if info.contains("tab") {
            "YAML does not allow tabs for indentation: indent with spaces"
        } else if info.contains("quoted scalar") || info.contains("end of stream") {
            "close the quoted string on the line where it starts, or quote it with the other kind of quote"
        } else if info.contains("indentation")
            || info.contains("expected key")
            || info.contains("block")
        {
            "check the indentation: keys of one mapping must start in the same column"
        } else {
            "fix the YAML syntax at this position"
        };
        YamlError {
            code: "yaml.syntax",
            pos,
            message: info.to_owned(),
            hint: hint.to_owned(),
        }
    }

    fn error(&self, code: &'static str, pos: Pos, message: String, hint: &str) -> YamlError {
        YamlError {
            code,
            pos,
            message,
            hint: hint.to_owned(),
        }
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = self.pos(span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.error(
                        "yaml.multiple-documents",
                        pos,
                        "this file holds more than one YAML document".into(),
                        "put each document in a file of its own; files in a folder are merged",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(tag) = &tag
                    && !tag.is_yaml_core_schema()
                {
                    return Err(self.error(
                        "yaml.tag",
                        pos,
                        format!("the tag `{}{}` is not supported", tag.handle, tag.suffix),
                        "remove the tag; the spec's schema decides every value's type",
                    ));
                }
                if self.expects_key() {
                    return self.key(text.into_owned(), pos);
                }
                let forced_string = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !forced_string {
                    resolve_plain(&text)
                } else {
                    Value::String(text.into_owned())
                };
                self.complete(Node { value, pos }, anchor)?;
            }
            Event::Alias(id) => {
                if self.expects_key() {
                    return Err(self.error(
                        "yaml.complex-key",
                        pos,
                        "an alias cannot be used as a key".into(),
                        "write the key as plain text",
                    ));
                }
                let node = self.anchors.get(&id).cloned().ok_or_else(|| {
                    self.error(
                        "yaml.alias",
                        pos,
                        "this alias names no anchor".into(),
                        "define the anchor (&name) before using *name",
                    )
                })?;
                self.nodes += node.count();
                self.check_budget(pos)?;
                self.complete(
                    Node {
                        value: node.value,
                        pos,
                    },
                    0,
                )?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(pos)?;
                self.stack.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(pos)?;
                self.stack.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { pos, anchor, items }) => (
                        Node {
                            value: Value::Seq(items),
                            pos,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            pos,
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.complete(node, anchor)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn open(&mut self, pos: Pos) -> Result<(), YamlError> {
        if self.expects_key() {
            return Err(self.error(
                "yaml.complex-key",
                pos,
                "a list or mapping cannot be used as a key".into(),
                "keys must be plain text; check for a stray `?` or `[` before the colon",
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(
                "yaml.too-deep",
                pos,
                format!("nesting is deeper than {MAX_DEPTH} levels"),
                "a spec never needs this much nesting; flatten the structure",
            ));
        }
        Ok(())
    }

    fn check_budget(&self, pos: Pos) -> Result<(), YamlError> {
        if self.nodes > MAX_NODES {
            return Err(self.error(
                "yaml.too-large",
                pos,
                format!("the file expands to more than {MAX_NODES} values (aliases included)"),
                "split the spec into several files, or use fewer aliases",
            ));
        }
        Ok(())
    }

    fn key(&mut self, key: String, pos: Pos) -> Result<(), YamlError> {
        let Some(Frame::Map {
            key: slot, seen, ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        if let Some(first) = seen.get(&key) {
            let message = format!(
                "the key `{key}` appears twice in this mapping (first on line {})",
                first.line
            );
            return Err(YamlError {
                code: "yaml.duplicate-key",
                pos,
                message,
                hint: "remove or rename one of them; a key may appear once per mapping".into(),
            });
        }
        seen.insert(key.clone(), pos);
        *slot = Some((key, pos));
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.nodes += 1;
        self.check_budget(node.pos)?;
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => {
                if let Some((key, key_pos)) = key.take() {
                    entries.push(Entry {
                        key,
                        key_pos,
                        value: node,
                    });
                }
            }
            None => self.root = Some(node),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Node, YamlError> {
        parse(0, text)
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let node = parse_str("a:\n  b: 1\n  c: [x, y]\n").unwrap();
        let Value::Map(entries) = &node.value else {
            panic!("not a map")
        };
        let Value::Map(inner) = &entries[0].value.value else {
            panic!("not a map")
        };
        assert_eq!(
            (
                inner[1].key.as_str(),
                inner[1].key_pos.line,
                inner[1].key_pos.column
            ),
            ("c", 3, 3)
        );
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let error = parse_str("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(error.code, "yaml.duplicate-key");
        assert_eq!((error.pos.line, error.pos.column), (3, 1));
        assert!(
            error.message.contains("first on line 1"),
            "{}",
            error.message
        );
    }

    #[test]
    fn tabs_get_a_hint() {
        let error = parse_str("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(error.code, "yaml.syntax");
        assert!(error.hint.contains("tabs"), "{error:?}");
    }

    #[test]
    fn deep_nesting_stops_early() {
        let text = "[".repeat(100_000);
        let error = parse_str(&text).unwrap_err();
        assert!(
            matches!(error.code, "yaml.too-deep" | "yaml.syntax"),
            "{error:?}"
        );
        let block: String = (0..200)
            .map(|depth| format!("{}k{depth}:\n", "  ".repeat(depth)))
            .collect();
        let error = parse_str(&block).unwrap_err();
        assert_eq!(error.code, "yaml.too-deep", "{error:?}");
        assert_eq!(error.pos.line, MAX_DEPTH as u32 + 1);
    }

    #[test]
    fn alias_bombs_stop() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let error = parse_str(&text).unwrap_err();
        assert_eq!(error.code, "yaml.too-large");
    }

    #[test]
    fn json_is_accepted() {
        let node = parse_str(r#"{"hosts": {"a": {"port": 22}}}"#).unwrap();
        assert!(matches!(node.value, Value::Map(_)));
    }
}
