//! Notifiers: one trait, one file per kind, registered here (adding a kind touches its file and
//! this one), and a queue that routes by severity and retries failed sends with backoff without
//! ever blocking evaluation.

pub(crate) mod http;
pub mod ntfy;
mod queue;
pub mod smtp;
pub mod webhook;

use serde::{Deserialize, Serialize};

pub use cloudctl_probes::BoxFuture;
pub use queue::{Delivery, DispatchStats, Dispatcher, RetryPolicy, Route};

use crate::error::{Error, Result};
use crate::model::Notification;

/// A way to tell the owner.
pub trait Notifier: Send + Sync {
    /// The notifier's configured name (routes refer to it).
    fn name(&self) -> &str;

    /// Sends one notification; the queue bounds it with a timeout and retries it.
    fn send<'a>(&'a self, notification: &'a Notification) -> BoxFuture<'a, Result<()>>;
}

/// One notifier as configured.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NotifierDef {
    /// Its name, used by routes.
    pub name: String,
    /// What it is.
    #[serde(flatten)]
    pub kind: NotifierKind,
}

/// The kinds of notifier, chosen by the `kind` field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotifierKind {
    /// Email through an SMTP server or relay (Gmail with an app password, a local relay).
    Smtp(smtp::SmtpConfig),
    /// A JSON POST to any URL.
    Webhook(webhook::WebhookConfig),
    /// A push through an ntfy server.
    Ntfy(ntfy::NtfyConfig),
}

/// Builds a notifier, checking its configuration.
pub fn build(def: &NotifierDef) -> Result<Box<dyn Notifier>> {
    match &def.kind {
        NotifierKind::Smtp(c) => smtp::build(&def.name, c),
        NotifierKind::Webhook(c) => webhook::build(&def.name, c),
        NotifierKind::Ntfy(c) => ntfy::build(&def.name, c),
    }
}

/// A configuration error naming the notifier.
pub(crate) fn config_error(notifier: &str, message: impl std::fmt::Display) -> Error {
    Error::Config(format!("notifier `{notifier}`: {message}"))
}

/// A send error naming the notifier.
pub(crate) fn send_error(notifier: &str, message: impl std::fmt::Display) -> Error {
    Error::Send {
        notifier: notifier.to_owned(),
        message: message.to_string(),
    }
}
