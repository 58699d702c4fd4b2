//! Every public URL is behind the auth gateway or says explicitly why not; the gateway itself is
//! configured when something relies on it.

use super::Context;
use crate::diag::Diagnostic;
use crate::load::path::child;
use crate::model::{AuthMethod, AuthPolicy};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let spec = cx.spec;
    let mut gateway_used = false;
    for (id, service) in &spec.services {
        let path = child("services", id);
        match (service.is_public(), service.auth) {
            (true, None) => out.push(
                Diagnostic::error("auth.missing", child(&path, "url"), format!("public service `{id}` has no auth policy"))
                    .hint("add `auth: two_factor` (or one_factor); if it must be open, `auth: bypass` with `auth_reason:`"),
            ),
            (_, Some(policy @ (AuthPolicy::Bypass | AuthPolicy::BuiltIn))) if service.auth_reason.is_none() => out.push(
                Diagnostic::error(
                    "auth.reason",
                    child(&path, "auth"),
                    format!("`auth: {}` skips the gateway but gives no reason", policy.label()),
                )
                .hint("add `auth_reason:` saying why this service may be reached without the gateway"),
            ),
            (true, Some(policy)) if policy.uses_gateway() => {
                gateway_used = true;
                if !service.bypass_paths.is_empty() && service.auth_reason.is_none() {
                    out.push(
                        Diagnostic::error("auth.reason", child(&path, "bypass_paths"), "paths skip the gateway but no reason is given")
                            .hint("add `auth_reason:` saying why these paths may be reached without logging in"),
                    );
                }
            }
            _ => {}
        }
    }
    if gateway_used && spec.access.portal.is_none() {
        out.push(
            Diagnostic::error(
                "auth.portal",
                "access",
                "services use the auth gateway but `access.portal` is not set",
            )
            .hint("set `access.portal:` to the gateway's URL, e.g. https://auth.example.com"),
        );
    }
    if spec.access.methods.contains(&AuthMethod::Github) && spec.access.github.is_none() {
        out.push(
            Diagnostic::error("auth.github", "access.methods", "GitHub login is enabled but `access.github` is not set")
                .hint("add `access.github:` with the OAuth app's client_id, client_secret and allowed users"),
        );
    }
}
