//! Quoting for the formats whose templates are not auto-escaped: shell words, nginx arguments,
//! TOML-like strings. YAML and JSON templates need none of this: minijinja writes every value in
//! them as JSON, which is valid YAML too.

/// A shell word: as is when it has only safe characters, else in single quotes.
pub fn shell(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c));
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// An nginx directive argument: as is when it needs no quotes, else in double quotes.
pub fn nginx(text: &str) -> String {
    let plain = !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || "\"';{}#\\".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("\"{}\"", text.replace('\\', r"\\").replace('"', "\\\""))
    }
}

/// A double-quoted string as TOML and Caddyfiles read it.
pub fn double(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', r"\\").replace('"', "\\\""))
}

/// A YAML mapping key: plain when it cannot be mistaken for anything else, else JSON-quoted.
pub fn yaml_key(text: &str) -> String {
    let mut chars = text.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain {
        text.to_owned()
    } else {
        serde_json::Value::from(text).to_string()
    }
}

/// Text that is safe inside a `#` comment line: one line, no control characters.
pub fn comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell("10.8.0.1/32"), "10.8.0.1/32");
        assert_eq!(shell("SSH for admins"), "'SSH for admins'");
        assert_eq!(shell("it's"), r"'it'\''s'");
        assert_eq!(shell(""), "''");
        assert_eq!(shell("$(rm -rf /)"), "'$(rm -rf /)'");
    }

    #[test]
    fn nginx_arguments_are_quoted_only_when_needed() {
        assert_eq!(nginx("nosniff"), "nosniff");
        assert_eq!(
            nginx("frame-ancestors 'self'"),
            "\"frame-ancestors 'self'\""
        );
        assert_eq!(nginx("a\"b;c"), "\"a\\\"b;c\"");
    }

    #[test]
    fn yaml_keys_are_plain_only_when_unambiguous() {
        assert_eq!(yaml_key("authelia-app"), "authelia-app");
        assert_eq!(yaml_key("JUPYTER_TOKEN"), "JUPYTER_TOKEN");
        assert_eq!(yaml_key("on"), "\"on\"");
        assert_eq!(yaml_key("a: b"), "\"a: b\"");
        assert_eq!(yaml_key("1x"), "\"1x\"");
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("one\ntwo\r"), "one two");
    }
}
