//! `caddy`: the same routing as the nginx target as one Caddyfile, for those who run Caddy —
//! `forward_auth` to Authelia's `/api/authz/forward-auth`, the B13 headers, TLS from the spec's
//! certificate paths. Caddy upgrades WebSockets and redirects HTTP to HTTPS by itself.

use serde::Serialize;

use super::routes::{self, Routes};
use super::{Context, Target, quote};
use crate::{RenderedFile, Result};

/// The Caddy target.
pub struct Caddy;

#[derive(Serialize)]
struct Data<'a> {
    routes: &'a Routes,
    headers: Vec<(String, String)>,
    generator: String,
}

impl Target for Caddy {
    fn name(&self) -> &'static str {
        "caddy"
    }

    fn describe(&self) -> &'static str {
        "proxy host: caddy/Caddyfile, the nginx routing with forward_auth (an alternative to nginx)"
    }

    fn render(&self, context: &Context<'_>) -> Result<Vec<RenderedFile>> {
        let Some(routes) = routes::routes(context.spec) else {
            return Ok(Vec::new());
        };
        let data = Data {
            routes: &routes,
            headers: context
                .spec
                .security
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), quote::double(value)))
                .collect(),
            generator: format!("cloudctl {}", env!("CARGO_PKG_VERSION")),
        };
        let text = context.engine.render(
            "caddy/Caddyfile.j2",
            minijinja::Value::from(minijinja::value::Serde(&data)),
        )?;
        Ok(vec![RenderedFile::new(
            format!("{}/caddy/Caddyfile", routes.host),
            text,
        )])
    }
}
