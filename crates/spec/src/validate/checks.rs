//! Explicit checks (`monitoring.checks`) have a target their kind can reach, and fields that their
//! kind uses: a URL for `http`, a name for `dns` and `ping`, `host:port` for the others.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::model::{Check, CheckKind};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (name, check) in &cx.spec.monitoring.checks {
        let path = child("monitoring.checks", name);
        target(&path, check, out);
        fields(&path, check, out);
    }
}

fn target(path: &str, check: &Check, out: &mut Vec<Diagnostic>) {
    let t = check.target.trim();
    let problem = match check.kind {
        CheckKind::Http => (!(t.starts_with("http://") || t.starts_with("https://")))
            .then_some(("a URL", "write it like https://mail.example.org/")),
        CheckKind::Dns | CheckKind::Ping => (t.is_empty() || t.contains('/') || t.contains(' '))
            .then_some(("a host name or address", "write it like mail.example.org")),
        _ => match t.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
                None
            }
            _ => Some(("host:port", "write it like mail.example.org:587")),
        },
    };
    if let Some((wanted, hint)) = problem {
        out.push(
            Diagnostic::error(
                "checks.target",
                child(path, "target"),
                format!(
                    "a {} check needs {wanted} as its target, not `{t}`",
                    check.kind.as_str()
                ),
            )
            .hint(hint),
        );
    }
}

/// Fields that only some kinds use, set on another kind: a mistake worth saying.
fn fields(path: &str, check: &Check, out: &mut Vec<Diagnostic>) {
    use CheckKind::*;
    let k = check.kind;
    let misplaced = [
        ("keyword", check.keyword.is_some(), matches!(k, Http)),
        ("record", check.record.is_some(), matches!(k, Dns)),
        ("expect", !check.expect.is_empty(), matches!(k, Dns)),
        ("resolver", check.resolver.is_some(), matches!(k, Dns)),
        (
            "security",
            check.security.is_some(),
            matches!(k, Smtp | Imap),
        ),
        (
            "user",
            check.user.is_some(),
            matches!(k, Postgres | Mysql | Redis),
        ),
        (
            "password",
            check.password.is_some(),
            matches!(k, Postgres | Mysql | Redis),
        ),
        (
            "database",
            check.database.is_some(),
            matches!(k, Postgres | Mysql),
        ),
    ];
    for (field, set, used) in misplaced {
        if set && !used {
            out.push(
                Diagnostic::error(
                    "checks.field",
                    child(path, field),
                    format!("a {} check has no `{field}`", k.as_str()),
                )
                .hint("remove it, or change `kind`"),
            );
        }
    }
}
