//! Tokens: shown once, stored hashed, revocable, never printed.

use cloudctl_hub::store::open_connection;
use cloudctl_hub::tokens::{self, Principal, Secret, TokenKind};

#[test]
fn a_token_authenticates_its_host_until_revoked_and_only_its_hash_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_connection(&dir.path().join("hub.db"), 1024).unwrap();
    let new = tokens::create(&conn, TokenKind::Host, "oci-f-micro_1", 1).unwrap();
    let text = new.secret.expose().to_owned();
    assert!(text.starts_with("cct_"), "{text}");

    assert_eq!(
        tokens::authenticate(&conn, &Secret::new(text.clone())).unwrap(),
        Some(Principal::Host("oci-f-micro_1".into()))
    );
    // One character off: refused.
    let mut wrong = text.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    assert_eq!(
        tokens::authenticate(&conn, &Secret::new(wrong)).unwrap(),
        None
    );
    assert_eq!(
        tokens::authenticate(&conn, &Secret::new("junk")).unwrap(),
        None
    );

    // The database holds neither the token nor its secret part.
    let stored: Vec<u8> = conn
        .query_row("SELECT hash FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), 32);
    let dump: String = conn
        .query_row(
            "SELECT group_concat(id || kind || subject) FROM tokens",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains(&text[21..]), "secret stored in clear");

    // Debug never shows it.
    assert!(!format!("{new:?}").contains(&text[21..]));
    assert!(!format!("{}", new.secret).contains(&text[21..]));

    assert_eq!(tokens::revoke(&conn, "oci-f-micro_1", 2).unwrap(), 1);
    assert_eq!(
        tokens::authenticate(&conn, &Secret::new(text)).unwrap(),
        None
    );
    assert!(matches!(
        tokens::revoke(&conn, "oci-f-micro_1", 3),
        Err(cloudctl_hub::Error::NotFound { .. })
    ));
    let list = tokens::list(&conn).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].revoked_ms, Some(2));
}

#[test]
fn bad_subjects_are_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_connection(&dir.path().join("hub.db"), 1024).unwrap();
    let err = tokens::create(&conn, TokenKind::Host, "bad host/name", 1).unwrap_err();
    match err {
        cloudctl_hub::Error::Invalid { reason, hint } => {
            assert!(reason.contains("bad host/name"), "{reason}");
            assert!(hint.contains("letters"), "{hint}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(tokens::list(&conn).unwrap().is_empty());
}
