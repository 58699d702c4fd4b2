//! Fuzzes the spec loader and every validation rule: arbitrary text as a spec file (merged with a
//! second file cut from the same input) must give diagnostics, never a panic.
#![no_main]

use cloudctl_spec::{SourceFile, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (first, second) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let checked = check(&[SourceFile::new("a.yaml", first), SourceFile::new("b.yaml", second)]);
    for diagnostic in &checked.diagnostics {
        // Every diagnostic prints, and every error has a hint.
        let _ = diagnostic.to_string();
        assert!(!diagnostic.is_error() || diagnostic.hint.is_some(), "error without a hint: {diagnostic}");
    }
    let whole = check(&[SourceFile::new("whole.yaml", text)]);
    let _ = whole.is_ok();
});
