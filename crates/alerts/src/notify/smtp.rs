//! Email through SMTP (lettre): STARTTLS (port 587, the Gmail relay with an app password),
//! implicit TLS (465) or plain (a local relay on 25). One mail per notification, plain text,
//! subject `[FIRING critical] …`.

use std::time::Duration;

use cloudctl_probes::{Secret, TlsOptions};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use super::{BoxFuture, Notifier, config_error, send_error};
use crate::error::Result;
use crate::model::Notification;

/// How the SMTP session is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// STARTTLS, required (the default; Gmail's smtp.gmail.com:587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No TLS: only for a relay on the same machine or private network.
    Plain,
}

/// Configuration of an email notifier.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The SMTP server or relay.
    pub host: String,
    /// Its port; default 587, 465 or 25 by `security`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// How the session is secured.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The login, if the server wants one (for Gmail: the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password (for Gmail: an app password), resolved by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// The sender, e.g. `cloudctl <alerts@example.org>`.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// Certificate checks (`ca_file` for a private CA, `insecure` to skip them).
    #[serde(default)]
    pub tls: TlsOptions,
}

struct Smtp {
    name: String,
    from: Mailbox,
    to: Vec<Mailbox>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

pub(crate) fn build(name: &str, c: &SmtpConfig) -> Result<Box<dyn Notifier>> {
    let from: Mailbox = c
        .from
        .parse()
        .map_err(|e| config_error(name, format!("from `{}` is not an address: {e}", c.from)))?;
    if c.to.is_empty() {
        return Err(config_error(name, "`to` needs at least one address"));
    }
    let to =
        c.to.iter()
            .map(|t| {
                t.parse::<Mailbox>()
                    .map_err(|e| config_error(name, format!("to `{t}` is not an address: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
    if c.username.is_some() != c.password.is_some() {
        return Err(config_error(
            name,
            "`username` and `password` go together: set both or neither",
        ));
    }
    let server_name = c.tls.server_name.clone().unwrap_or_else(|| c.host.clone());
    let mut params = TlsParameters::builder(server_name);
    if let Some(ca) = &c.tls.ca_file {
        let pem = std::fs::read(ca).map_err(|e| {
            config_error(
                name,
                format!("tls.ca_file `{}` cannot be read: {e}", ca.display()),
            )
        })?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| config_error(name, format!("tls.ca_file `{}`: {e}", ca.display())))?;
        params = params.add_root_certificate(cert);
    }
    let params = params
        .dangerous_accept_invalid_certs(c.tls.insecure)
        .build_rustls()
        .map_err(|e| config_error(name, format!("TLS settings: {e}")))?;
    let (tls, default_port) = match c.security {
        SmtpSecurity::Starttls => (Tls::Required(params), 587),
        SmtpSecurity::Implicit => (Tls::Wrapper(params), 465),
        SmtpSecurity::Plain => (Tls::None, 25),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.clone())
        .port(c.port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&c.username, &c.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
    }
    Ok(Box::new(Smtp {
        name: name.to_owned(),
        from,
        to,
        transport: builder.build(),
    }))
}

impl Notifier for Smtp {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(&'a self, n: &'a Notification) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut message = Message::builder()
                .from(self.from.clone())
                .subject(n.subject());
            for to in &self.to {
                message = message.to(to.clone());
            }
            let message = message
                .header(ContentType::TEXT_PLAIN)
                .body(n.text())
                .map_err(|e| send_error(&self.name, format!("cannot build the mail: {e}")))?;
            self.transport
                .send(message)
                .await
                .map_err(|e| send_error(&self.name, e))?;
            Ok(())
        })
    }
}
