//! The spec's explicit checks (`monitoring.checks`) as probe definitions: each kind's target and
//! fields mapped onto the probe's own configuration, a password resolved from its secret.

use cloudctl_probes::ProbeDef;
use cloudctl_spec::{Check, CheckKind, CheckSecurity, Spec};
use serde_json::{Map, Value, json};

/// The probe for one check; the error says what the probe refused.
pub fn probe(
    spec: &Spec,
    name: &str,
    check: &Check,
    warnings: &mut Vec<String>,
) -> Result<ProbeDef, String> {
    let m = &spec.monitoring.probes;
    let host = check.host.clone().or_else(|| {
        let service = spec.services.get(check.service.as_deref()?)?;
        service.host.clone()
    });
    let mut def = Map::new();
    let mut set = |key: &str, value: Value| {
        def.insert(key.to_owned(), value);
    };
    set("name", json!(name));
    set("kind", json!(check.kind.as_str()));
    if let Some(service) = &check.service {
        set("service", json!(service));
    }
    if let Some(host) = host {
        set("host", json!(host));
    }
    let interval = check.interval.as_ref().map_or(m.interval.0, |d| d.0);
    let timeout = check.timeout.as_ref().map_or(m.timeout.0, |d| d.0);
    let target = check.target.trim();
    match check.kind {
        CheckKind::Http => {
            set("url", json!(target));
            if let Some(keyword) = &check.keyword {
                set("keyword", json!(keyword));
            }
            if let Some(portal) = &spec.access.portal {
                set("auth_portal", json!(portal));
            }
        }
        CheckKind::Dns => {
            set("query", json!(target));
            if let Some(record) = &check.record {
                set("record", json!(record.to_uppercase()));
            }
            if !check.expect.is_empty() {
                set("expect", json!(check.expect));
            }
            if let Some(resolver) = &check.resolver {
                set("resolver", json!(resolver));
            }
        }
        _ => set("address", json!(target)),
    }
    if let Some(security) = check.security {
        set(
            "security",
            json!(match security {
                CheckSecurity::None => "none",
                CheckSecurity::Starttls => "starttls",
                CheckSecurity::Implicit => "implicit",
            }),
        );
    }
    if let Some(user) = &check.user {
        let key = if check.kind == CheckKind::Redis {
            "username"
        } else {
            "user"
        };
        set(key, json!(user));
    }
    if let Some(database) = &check.database {
        set("database", json!(database));
    }
    if let Some(id) = &check.password {
        match super::config::resolve_secret(spec, id, warnings) {
            Some(secret) => set("password", json!(secret.expose())),
            None => {
                return Err(format!(
                    "its password (secret `{id}`) is not set; the check is off"
                ));
            }
        }
    }
    let mut def: ProbeDef =
        serde_json::from_value(Value::Object(def)).map_err(|e| e.to_string())?;
    def.interval = interval;
    def.timeout = timeout;
    def.retries = check.retries.unwrap_or(0);
    cloudctl_probes::build(&def).map_err(|e| e.to_string())?;
    Ok(def)
}
