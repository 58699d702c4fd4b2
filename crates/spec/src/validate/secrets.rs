//! Secrets are references, never values: each reference names exactly one environment variable or
//! file, and no value anywhere in the spec looks like a secret.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::{child, index};
use crate::load::{Node, Value};

/// Key names whose literal values are secrets.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Prefixes of well-known credential formats.
const SECRET_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghs_",
    "ghu_",
    "github_pat_",
    "glpat-",
    "sk-",
    "sk_live_",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "AIza",
    "-----BEGIN",
];

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (id, secret) in &cx.spec.secrets {
        let path = child("secrets", id);
        match (&secret.env, &secret.file) {
            (Some(_), Some(_)) | (None, None) => out.push(
                Diagnostic::error("secrets.reference", &path, format!("secret `{id}` must name exactly one of `env` or `file`"))
                    .hint("write `env: VARIABLE_NAME` or `file: /path/to/secret`"),
            ),
            (Some(env), None) if !is_env_name(env) => out.push(
                Diagnostic::error("secrets.reference", child(&path, "env"), format!("`{env}` is not an environment variable name"))
                    .hint("use capital letters, digits and `_`, e.g. GMAIL_APP_PASSWORD; put the value in the environment, never in the spec"),
            ),
            _ => {}
        }
    }
    for (service_id, service) in &cx.spec.services {
        for (component_id, component) in &service.components {
            for (name, value) in &component.env {
                if looks_like_secret_name(name) && !value.is_empty() {
                    let path = child(
                        &child(
                            &child(&child("services", service_id), "components"),
                            component_id,
                        ),
                        "env",
                    );
                    out.push(
                        Diagnostic::error("secrets.inline", child(&path, name), format!("`{name}` holds a secret value in the spec"))
                            .hint(format!("define it under `secrets:` as an env or file reference, and write `secrets: {{{name}: <secret-id>}}` on the component")),
                    );
                }
            }
        }
    }
    scan(&cx.loaded.tree, "", out);
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn looks_like_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|word| upper.contains(word))
}

/// Walks every string in the files: a value with a credential's prefix, or a long random-looking
/// value under a key that names a secret, is an inline secret.
fn scan(node: &Node, at: &str, out: &mut Vec<Diagnostic>) {
    let mut stack = vec![(at.to_owned(), node, false)];
    while let Some((path, node, secret_key)) = stack.pop() {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    let secret_key = looks_like_secret_name(&entry.key);
                    stack.push((child(&path, &entry.key), &entry.value, secret_key));
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((index(&path, i), item, secret_key));
                }
            }
            Value::String(text) => {
                let known_format = SECRET_PREFIXES
                    .iter()
                    .any(|prefix| text.trim_start().starts_with(prefix) && text.len() >= 12);
                let random_under_secret_key = secret_key && looks_random(text);
                if known_format || random_under_secret_key {
                    out.push(
                        Diagnostic::error("secrets.inline", &path, "this value looks like a secret; the spec holds only references to secrets")
                            .hint("remove the value (and rotate it: it may be in git history); define a `secrets:` entry with `env:` or `file:` and refer to its id"),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Long, without spaces, not an id made of words, and with the character spread of a generated key.
fn looks_random(text: &str) -> bool {
    if text.len() < 16 || text.contains(char::is_whitespace) || text.contains('/') {
        return false;
    }
    let reference = text
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        && text.split(['_', '-']).all(|word| word.len() <= 16);
    !reference && entropy(text) >= 3.5
}

/// Shannon entropy in bits per character.
fn entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in text.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let length = text.chars().count() as f64;
    counts
        .values()
        .map(|count| {
            let p = *count as f64 / length;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_not_secrets_but_keys_are() {
        assert!(!looks_random("oauth2_proxy_cookie_secret"));
        assert!(!looks_random("authelia_storage_encryption_key"));
        assert!(looks_random("hK8sP2vQx9Lm4Tz7Wc1Bn6Dr"));
        assert!(looks_random("3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"));
        assert!(!looks_random("short"));
    }
}
