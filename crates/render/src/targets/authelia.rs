//! `authelia`: the auth gateway's `configuration.yml` and a `users_database.yml` template, on the
//! portal's host. Access rules come from each service's auth policy and `bypass_paths`, with
//! `default_policy: deny`; TOTP and WebAuthn follow `access.methods`; mail goes through the spec's
//! SMTP relay. No secret is in these files: the compose file hands each to Authelia as a
//! `AUTHELIA_…_FILE` path (file references) or variable (environment references).

use cloudctl_spec::{AuthMethod, ComponentKind, Spec};
use serde::Serialize;

use super::deploy::{self, AUTHELIA_SECRET_VARS, AUTHELIA_SMTP_PASSWORD_VAR};
use super::routes;
use super::{Context, Target, quote};
use crate::{RenderedFile, Result};

/// The Authelia target.
pub struct Authelia;

#[derive(Serialize)]
struct Data {
    host: String,
    port: u16,
    portal: String,
    session_domain: String,
    name: String,
    totp: bool,
    webauthn: bool,
    default_2fa: Option<&'static str>,
    rules: Vec<Rule>,
    redis: Option<(String, u16)>,
    smtp: Option<Smtp>,
    secrets: Vec<(String, String)>,
    users: Vec<User>,
    placeholder: &'static str,
    generator: String,
}

#[derive(Serialize)]
struct Rule {
    domain: String,
    resources: Vec<String>,
    policy: String,
    comment: String,
}

#[derive(Serialize)]
struct Smtp {
    address: String,
    username: String,
    sender: String,
}

#[derive(Serialize)]
struct User {
    name: String,
    display_name: String,
    email: String,
    groups: Vec<String>,
}

/// A syntactically valid argon2id digest of no known password: logins fail until it is replaced.
const PLACEHOLDER_DIGEST: &str =
    "$argon2id$v=19$m=65536,t=3,p=4$UkVQTEFDRVdJVEhBSEFTSA$UkVQTEFDRVdJVEhBSEFTSA";

impl Target for Authelia {
    fn name(&self) -> &'static str {
        "authelia"
    }

    fn describe(&self) -> &'static str {
        "portal host: Authelia configuration.yml (access rules, TOTP, WebAuthn, SMTP) and users_database.yml template"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let Some(data) = data(context.spec) else {
            return Ok(Vec::new());
        };
        let value = minijinja::Value::from(minijinja::value::Serde(&data));
        let dir = format!("{}/authelia", data.host);
        Ok(vec![
            RenderedFile::new(
                format!("{dir}/configuration.yml"),
                context
                    .engine
                    .render("authelia/configuration.yml.j2", value.clone())?,
            ),
            RenderedFile::new(
                format!("{dir}/users_database.yml"),
                context
                    .engine
                    .render("authelia/users_database.yml.j2", value)?,
            ),
        ])
    }
}

fn data(spec: &Spec) -> Option<Data> {
    let (_, portal) = deploy::portal(spec)?;
    let host = portal.host.clone()?;
    let (_, entry) = portal.entry_component()?;
    let portal_url = deploy::portal_url(spec)?;
    let session_domain = spec
        .access
        .session_domain
        .clone()
        .or_else(|| deploy::domain_of(spec, portal.url_host()?).map(|(d, _)| d.clone()))?;
    let mut rules = Vec::new();
    if let Some(routes) = routes::routes(spec) {
        for site in &routes.sites {
            for route in site.routes.iter().filter(|r| r.gateway) {
                if !route.bypass.is_empty() {
                    rules.push(Rule {
                        domain: site.name.clone(),
                        resources: route.bypass.iter().map(|b| b.regex.clone()).collect(),
                        policy: "bypass".into(),
                        comment: format!(
                            "{}: {}",
                            route.service,
                            route.reason.clone().unwrap_or_default()
                        ),
                    });
                }
                let resources = if route.path == "/" {
                    Vec::new()
                } else {
                    vec![format!("^{}([/?].*)?$", route.path)]
                };
                rules.push(Rule {
                    domain: site.name.clone(),
                    resources,
                    policy: route.policy.clone(),
                    comment: format!("{} ({})", route.title, route.service),
                });
            }
        }
    }
    let redis = portal
        .components
        .iter()
        .find(|(_, c)| c.kind == ComponentKind::Cache && c.is_container())
        .map(|(id, c)| (c.container_name(id).to_owned(), c.port.unwrap_or(6379)));
    let smtp = spec.access.smtp.as_ref().map(|relay| Smtp {
        address: format!(
            "{}://{}:{}",
            if relay.port == 465 {
                "submissions"
            } else {
                "submission"
            },
            relay.host,
            relay.port
        ),
        username: relay.username.clone(),
        sender: format!("{} <{}>", spec.project.name, relay.sender),
    });
    let mut secrets = Vec::new();
    for (purpose, var) in AUTHELIA_SECRET_VARS {
        if let Some(id) = spec.access.gateway_secrets.get(*purpose) {
            secrets.push(describe(spec, var, id));
        }
    }
    if let Some(relay) = &spec.access.smtp {
        secrets.push(describe(spec, AUTHELIA_SMTP_PASSWORD_VAR, &relay.password));
    }
    let methods = &spec.access.methods;
    let totp = methods.contains(&AuthMethod::Totp);
    let webauthn = methods.contains(&AuthMethod::Webauthn);
    Some(Data {
        host,
        port: entry.port.unwrap_or(9091),
        portal: portal_url,
        session_domain,
        name: spec.project.name.clone(),
        totp,
        webauthn,
        default_2fa: if totp {
            Some("totp")
        } else if webauthn {
            Some("webauthn")
        } else {
            None
        },
        rules,
        redis,
        smtp,
        secrets,
        users: spec
            .access
            .users
            .iter()
            .map(|(name, user)| User {
                name: name.clone(),
                display_name: user.display_name.clone(),
                email: user.email.clone(),
                groups: user.groups.clone(),
            })
            .collect(),
        placeholder: PLACEHOLDER_DIGEST,
        generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
    })
}

/// How Authelia receives a secret, for the file's header: the variable it reads (`<VAR>_FILE` for
/// a file reference) and where the value comes from.
fn describe(spec: &Spec, var: &str, id: &str) -> (String, String) {
    let (var, source) = match spec.secrets.get(id) {
        Some(secret) => match (&secret.env, &secret.file) {
            (Some(env), _) => (
                var.to_owned(),
                format!("from {env} in .env (secret `{id}`)"),
            ),
            (None, Some(file)) => (
                format!("{var}_FILE"),
                format!(
                    "= {}, mounted from {file} (secret `{id}`)",
                    deploy::secret_mount(id)
                ),
            ),
            (None, None) => (var.to_owned(), format!("secret `{id}` has no reference")),
        },
        None => (
            var.to_owned(),
            format!("secret `{id}` is not defined under `secrets:`"),
        ),
    };
    (var, quote::comment(&source))
}
