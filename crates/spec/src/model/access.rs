use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Id;

/// Who may log in and how: the plan's B11 dual authentication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// The auth portal's URL (Authelia): `https://auth.example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
    /// The domain the SSO session cookie is set for: `example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_domain: Option<String>,
    /// Ways in; any one grants access.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<AuthMethod>,
    /// Local users of the auth gateway, keyed by username.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub users: IndexMap<String, User>,
    /// The GitHub OAuth2 path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GithubAccess>,
    /// Mail relay for auth notifications and alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpRelay>,
    /// Secrets the auth gateway needs, by purpose (`jwt`, `session`, `storage_encryption`) → secret id.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub gateway_secrets: IndexMap<String, Id>,
}

/// A way to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// GitHub OAuth2 (passwordless, GitHub's own 2FA).
    Github,
    /// Local user with a TOTP app.
    Totp,
    /// Passkey or hardware key.
    Webauthn,
}

/// A local user of the auth gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Full name.
    pub display_name: String,
    /// Email address, for notifications.
    pub email: String,
    /// Groups, for access rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// The GitHub OAuth2 path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GithubAccess {
    /// GitHub users allowed in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// GitHub organisations whose members are allowed in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<String>,
    /// The OAuth app's client id (public).
    pub client_id: String,
    /// Secret id of the OAuth app's client secret.
    pub client_secret: Id,
    /// Secret id of the cookie-signing secret.
    pub cookie_secret: Id,
}

/// An SMTP relay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpRelay {
    /// Server name: `smtp.gmail.com`.
    pub host: String,
    /// Port: 587 for STARTTLS, 465 for implicit TLS.
    pub port: u16,
    /// Login user.
    pub username: String,
    /// Secret id of the password (a Gmail app password).
    pub password: Id,
    /// From address.
    pub sender: String,
}
