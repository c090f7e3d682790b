//! Accounts and access: unique emails, sign-in locks, board roles, tokens by hash, sessions.

use super::*;

fn new_user(email: &str) -> domain::access::NewUser {
    domain::access::NewUser {
        email: email.into(),
        name: String::new(),
        password: "correct horse battery".into(),
        instance_admin: false,
    }
    .validate()
    .unwrap()
}

pub(crate) async fn accounts_are_unique_and_lock(store: Arc<dyn Store>) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    // The one-time set-up makes an instance admin, once, even when raced.
    let (ua, ub) = (new_user("a@example.com"), new_user("b@example.com"));
    let (a, b) = tokio::join!(
        store.create_user(&ua, "hash-a", true, t0()),
        store.create_user(&ub, "hash-b", true, t0()),
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "exactly one first admin: {a:?} {b:?}"
    );
    let first = a.or(b).unwrap();
    assert!(first.instance_admin);
    assert!(matches!(
        store
            .create_user(&new_user("c@example.com"), "h", true, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_user(&new_user(&first.email), "h", false, t0()).await,
        Err(StoreError::Conflict(m)) if m.contains("already exists")
    ));
    let ann = store
        .create_user(&new_user("ann@example.com"), "hash-ann", false, t0())
        .await
        .unwrap();
    assert_eq!(ann.name, "ann");
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!(creds.password_hash, "hash-ann");
    assert!(
        store
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );
    // Failures count up and earn the lock the rule asks for; success clears them.
    for n in 1..=5 {
        let (count, until) = store
            .record_login_failure(ann.id, t0(), domain::access::lockout_after_failures)
            .await
            .unwrap();
        assert_eq!(count, n);
        assert_eq!(until.is_some(), n == 5);
    }
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!(
        creds.locked_until,
        Some(t0() + chrono::Duration::seconds(30))
    );
    store.record_login_success(ann.id, t0()).await.unwrap();
    let creds = store.credentials("ann@example.com").await.unwrap().unwrap();
    assert_eq!((creds.failed_logins, creds.locked_until), (0, None));
    assert_eq!(creds.user.last_login_at, Some(t0()));
    // The last enabled instance admin cannot be demoted or disabled.
    assert!(matches!(
        store.set_user_flags(first.id, false, false).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.set_user_flags(first.id, true, true).await,
        Err(StoreError::Conflict(_))
    ));
    store.set_user_flags(ann.id, true, false).await.unwrap();
    assert!(
        !store
            .set_user_flags(first.id, false, true)
            .await
            .unwrap()
            .instance_admin
    );
    assert_eq!(store.list_users().await.unwrap().len(), 2);
}

pub(crate) async fn board_roles_keep_an_admin(store: Arc<dyn Store>) {
    use domain::access::Role;
    let ann = store
        .create_user(&new_user("ann@example.com"), "h", false, t0())
        .await
        .unwrap();
    let bo = store
        .create_user(&new_user("bo@example.com"), "h", false, t0())
        .await
        .unwrap();
    let board = store
        .create_board(
            &NewBoard {
                name: "Team".into(),
                ..Default::default()
            },
            Some(ann.id),
            t0(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.board_role(board.id, ann.id).await.unwrap(),
        Some(Role::Admin),
        "creator is admin"
    );
    assert_eq!(store.board_role(board.id, bo.id).await.unwrap(), None);
    store
        .set_board_role(board.id, bo.id, Role::Viewer, t0())
        .await
        .unwrap();
    store
        .set_board_role(board.id, bo.id, Role::Member, t0())
        .await
        .unwrap();
    assert_eq!(
        store.board_role(board.id, bo.id).await.unwrap(),
        Some(Role::Member)
    );
    assert_eq!(
        store.user_boards(bo.id).await.unwrap(),
        vec![(board.id, Role::Member)]
    );
    // Ann is the only admin: she cannot be demoted or removed until Bo is admin too.
    assert!(matches!(
        store
            .set_board_role(board.id, ann.id, Role::Member, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .remove_board_member(board.id, ann.id, &actor(), t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    store
        .set_board_role(board.id, bo.id, Role::Admin, t0())
        .await
        .unwrap();
    store
        .remove_board_member(board.id, ann.id, &actor(), t0())
        .await
        .unwrap();
    let members = store.board_members(board.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].user.email.as_str(), members[0].role),
        ("bo@example.com", Role::Admin)
    );
    assert!(matches!(
        store
            .set_board_role(domain::BoardId::new(), bo.id, Role::Viewer, t0())
            .await,
        Err(StoreError::NotFound(_))
    ));
}

pub(crate) async fn tokens_are_stored_by_hash(store: Arc<dyn Store>) {
    use domain::access::{NewToken, Scope};
    let board = make_board(store.as_ref(), "Ops").await;
    let new = NewToken {
        name: "alertmanager".into(),
        scopes: vec![Scope::IncidentsWrite],
        board_id: Some(board.id),
        expires_at: Some(t0() + chrono::Duration::days(30)),
    };
    let token = store
        .create_token(&new, "fbt_abcdef", "sha-1", "ann", t0())
        .await
        .unwrap();
    assert_eq!(token.scopes, vec![Scope::IncidentsWrite]);
    assert_eq!(token.created_by.as_deref(), Some("ann"));
    assert!(matches!(
        store
            .create_token(&new, "fbt_abcdef", "sha-1", "ann", t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.token_by_hash("sha-1").await.unwrap().unwrap().id,
        token.id
    );
    assert!(store.token_by_hash("sha-2").await.unwrap().is_none());
    assert_eq!(store.list_tokens(Some(board.id)).await.unwrap().len(), 1);
    assert!(
        store.list_tokens(None).await.unwrap().is_empty(),
        "not instance-wide"
    );
    // Use is recorded at most once a minute.
    store.touch_token(token.id, t0()).await.unwrap();
    store
        .touch_token(token.id, t0() + chrono::Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(
        store.token(token.id).await.unwrap().last_used_at,
        Some(t0())
    );
    store
        .touch_token(token.id, t0() + chrono::Duration::seconds(61))
        .await
        .unwrap();
    assert_eq!(
        store.token(token.id).await.unwrap().last_used_at,
        Some(t0() + chrono::Duration::seconds(61))
    );
    let revoked = store.revoke_token(token.id, t0()).await.unwrap();
    assert_eq!(
        revoked.unusable_at(t0()),
        Some("the token has been revoked")
    );
    let again = store
        .revoke_token(token.id, t0() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(
        again.revoked_at,
        Some(t0()),
        "revoking twice keeps the first time"
    );
}

pub(crate) async fn sessions_expire(store: Arc<dyn Store>) {
    use application::ports::SessionRecord;
    let user = domain::UserId::new();
    let record = SessionRecord {
        id: "abc".into(),
        data: format!(r#"{{"user_id":"{user}"}}"#),
        user_id: Some(user),
        expires_at: t0() + chrono::Duration::hours(1),
    };
    assert!(store.session_create(&record).await.unwrap());
    assert!(
        !store.session_create(&record).await.unwrap(),
        "ids are never reused"
    );
    let loaded = store.session_load("abc", t0()).await.unwrap().unwrap();
    assert_eq!(loaded.data, record.data);
    assert!(
        store
            .session_load("abc", t0() + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    let renewed = SessionRecord {
        expires_at: t0() + chrono::Duration::hours(3),
        ..record.clone()
    };
    store.session_save(&renewed).await.unwrap();
    assert!(
        store
            .session_load("abc", t0() + chrono::Duration::hours(2))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .delete_expired_sessions(t0() + chrono::Duration::hours(4))
            .await
            .unwrap(),
        1
    );
    assert!(store.session_create(&record).await.unwrap());
    store.session_delete("abc").await.unwrap();
    assert!(store.session_load("abc", t0()).await.unwrap().is_none());

    // All of one user's sessions end together; other users' and anonymous ones stay.
    let of = |id: &str, user: Option<domain::UserId>| SessionRecord {
        id: id.into(),
        user_id: user,
        ..record.clone()
    };
    let other = domain::UserId::new();
    for r in [
        of("u1", Some(user)),
        of("u2", Some(user)),
        of("o1", Some(other)),
        of("anon", None),
    ] {
        assert!(store.session_create(&r).await.unwrap());
    }
    store.session_save(&of("anon", Some(user))).await.unwrap();
    assert_eq!(store.end_user_sessions(user).await.unwrap(), 3);
    for (id, kept) in [("u1", false), ("u2", false), ("anon", false), ("o1", true)] {
        assert_eq!(
            store.session_load(id, t0()).await.unwrap().is_some(),
            kept,
            "{id}"
        );
    }
}
