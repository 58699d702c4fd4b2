//! Notifiers.
