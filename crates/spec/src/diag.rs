//! Diagnostics: what is wrong (or doubtful) in a spec, where, and how to fix it.

use std::fmt;

use serde::Serialize;

/// A place in a spec file: the file as given, a 1-based line and a 1-based column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file, as the user named it (or `<default>/…` for the built-in spec).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Whether a diagnostic stops the spec from being used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec is wrong and cannot be used as it is.
    Error,
    /// The spec works but something looks unintended.
    Warning,
}

/// One finding: a rule code, the key path, where it is, what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable rule code, e.g. `capacity.ram` or `yaml.syntax`.
    pub code: String,
    /// The key path, e.g. `services.vault.components.vault-app.port` (empty for a whole file).
    pub path: String,
    /// Where the offending key or value is, when known.
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error for `path` with a rule code and message; locate it with [`Diagnostic::at`].
    pub fn error(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, path, message)
    }

    /// A warning for `path` with a rule code and message.
    pub fn warning(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, path, message)
    }

    fn new(
        severity: Severity,
        code: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code: code.to_owned(),
            path: path.into(),
            location: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets where it is.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error[code] path: message` and an indented hint, like a compiler.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{severity}[{}]", self.code)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Sorts diagnostics errors first, then by file, line and column, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.severity, &a.location, &a.path, &a.code, &a.message).cmp(&(
            b.severity,
            &b.location,
            &b.path,
            &b.code,
            &b.message,
        ))
    });
}
