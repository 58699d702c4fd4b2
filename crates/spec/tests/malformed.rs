//! Malformed input gives one clear error with a location and a hint, never a panic: tabs, bad
//! indentation, unterminated strings, duplicate keys, wrong types, unknown keys, huge files, deep
//! nesting and binary garbage.

use cloudctl_spec::load::read_sources;
use cloudctl_spec::{Diagnostic, SourceFile, check};
use rstest::rstest;

fn first_error(text: &str) -> Diagnostic {
    let checked = check(&[SourceFile::new("bad.yaml", text)]);
    checked
        .diagnostics
        .into_iter()
        .find(Diagnostic::is_error)
        .unwrap_or_else(|| panic!("no error for:\n{text}"))
}

#[rstest]
#[case::tab_indent("hosts:\n\tweb: {}\n", "yaml.syntax", "bad.yaml:2:2", "tabs")]
#[case::bad_indentation(
    "services:\n  web:\n    title: Web\n   host: x\n",
    "yaml.syntax",
    "bad.yaml:4:4",
    "indentation"
)]
#[case::unterminated_string(
    "project:\n  name: \"Diego's cloud\n",
    "yaml.syntax",
    "bad.yaml:2:9",
    "quoted string"
)]
#[case::duplicate_key(
    "project:\n  name: a\n  name: b\n",
    "yaml.duplicate-key",
    "bad.yaml:3:3",
    "a key may appear once"
)]
#[case::wrong_type(
    "planning:\n  headroom_percent: lots\n",
    "spec.type",
    "bad.yaml:2:3",
    "write f64 here"
)]
#[case::unknown_key(
    "planning:\n  headroom: 10\n",
    "spec.unknown-key",
    "bad.yaml:2:3",
    "did you mean `headroom_percent`?"
)]
#[case::not_a_mapping(
    "- hosts\n- services\n",
    "spec.not-a-mapping",
    "bad.yaml:1:1",
    "top-level keys"
)]
#[case::two_documents(
    "project: {name: a}\n---\nproject: {name: b}\n",
    "yaml.multiple-documents",
    "bad.yaml:2:1",
    "a file of its own"
)]
#[case::custom_tag(
    "project: !include other.yaml\n",
    "yaml.tag",
    "bad.yaml:1:10",
    "remove the tag"
)]
fn malformed_yaml_is_explained(
    #[case] text: &str,
    #[case] code: &str,
    #[case] at: &str,
    #[case] hint: &str,
) {
    let error = first_error(text);
    assert_eq!(error.code, code, "{error}");
    assert_eq!(
        error.location.as_ref().map(ToString::to_string).as_deref(),
        Some(at),
        "{error}"
    );
    assert!(
        error.hint.as_deref().unwrap_or_default().contains(hint),
        "{error}"
    );
}

#[test]
fn deep_nesting_is_refused_not_recursed() {
    for text in [
        "[".repeat(200_000),
        "{a: ".repeat(100_000),
        (0..500)
            .map(|d| format!("{}k{d}:\n", " ".repeat(d)))
            .collect(),
    ] {
        let error = first_error(&text);
        assert!(
            matches!(error.code.as_str(), "yaml.too-deep" | "yaml.syntax"),
            "{error}"
        );
        assert!(error.location.is_some(), "{error}");
    }
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        text.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    let error = first_error(&text);
    assert_eq!(error.code, "yaml.too-large", "{error}");
}

#[test]
fn binary_garbage_is_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.yaml");
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).unwrap();
    let errors = read_sources(&path).unwrap_err();
    assert_eq!(errors[0].code, "spec.not-text");
    assert!(
        errors[0].message.contains("is not UTF-8 text"),
        "{}",
        errors[0]
    );
    // Valid UTF-8 control garbage still parses to a clear YAML error.
    let error = first_error("\u{1}\u{2}\u{7f}: [\u{0}");
    assert!(
        error.code.starts_with("yaml.") || error.code.starts_with("spec."),
        "{error}"
    );
}

#[test]
fn a_ten_megabyte_file_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    let line = "# padding padding padding padding padding padding padding padding padding\n";
    std::fs::write(&path, line.repeat(10_000_000 / line.len() + 1)).unwrap();
    let errors = read_sources(dir.path()).unwrap_err();
    assert_eq!(errors[0].code, "spec.too-large");
    assert!(
        errors[0]
            .message
            .contains("10.0 MB; a spec file may be at most 4 MiB"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap_or_default()
            .contains("split the spec"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_large_valid_file_under_the_cap_loads() {
    let mut text = String::from("secrets:\n");
    for i in 0..20_000 {
        text.push_str(&format!("  s{i}:\n    env: SECRET_{i}\n"));
    }
    let checked = check(&[SourceFile::new("big.yaml", text)]);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics.first());
    assert_eq!(checked.loaded.spec.secrets.len(), 20_000);
}

#[test]
fn an_empty_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let errors = read_sources(dir.path()).unwrap_err();
    assert_eq!(errors[0].code, "spec.empty");
}
