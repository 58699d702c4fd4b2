//! Renders the plan's documents and every deployable config from a cloudctl spec with minijinja
//! templates (embedded, overridable from a folder). Returns files as data; writing them is the
//! caller's job.
