use super::*;

fn user(instance_admin: bool) -> Principal {
    Principal::User {
        id: UserId::new(),
        name: "ann".into(),
        instance_admin,
    }
}

fn token(board: Option<BoardId>, scopes: &[Scope]) -> Principal {
    Principal::Token {
        id: TokenId::new(),
        name: "ci".into(),
        board,
        scopes: scopes.to_vec(),
    }
}

/// The matrix of the issue, written out by hand: which role may do which board action.
#[test]
fn board_roles_matrix() {
    use Action::*;
    let board = Some(BoardId::new());
    let table: &[(Action, [bool; 4])] = &[
        // action           none   viewer member admin
        (ViewBoard, [false, true, true, true]),
        (EditCards, [false, false, true, true]),
        (PostIncidents, [false, false, true, true]),
        (PostDeployments, [false, false, true, true]),
        (OverridePolicy, [false, false, false, true]),
        (ConfigureBoard, [false, false, false, true]),
        (ManageMembers, [false, false, false, true]),
        (ManageTokens, [false, false, false, true]),
        (ImportHistory, [false, false, false, true]),
    ];
    let roles = [
        None,
        Some(Role::Viewer),
        Some(Role::Member),
        Some(Role::Admin),
    ];
    for (action, allowed) in table {
        for (role, want) in roles.iter().zip(allowed) {
            let got = authorize(&user(false), *action, board, *role).is_ok();
            assert_eq!(got, *want, "{action:?} as {role:?}");
        }
    }
}

#[test]
fn instance_actions() {
    assert!(authorize(&user(false), Action::CreateBoard, None, None).is_ok());
    assert!(authorize(&user(false), Action::ManageInstance, None, None).is_err());
    for action in Action::ALL {
        assert!(
            authorize(&user(true), action, Some(BoardId::new()), None).is_ok(),
            "instance admins may {action:?}"
        );
    }
}

#[test]
fn token_scopes() {
    let b = BoardId::new();
    let reader = token(Some(b), &[Scope::BoardsRead]);
    assert!(authorize(&reader, Action::ViewBoard, Some(b), None).is_ok());
    assert!(matches!(
        authorize(&reader, Action::EditCards, Some(b), None),
        Err(Denied::Scope {
            scope: Some(Scope::BoardsWrite),
            ..
        })
    ));
    let writer = token(Some(b), &[Scope::BoardsWrite]);
    assert!(authorize(&writer, Action::ViewBoard, Some(b), None).is_ok());
    assert!(authorize(&writer, Action::EditCards, Some(b), None).is_ok());
    assert!(authorize(&writer, Action::OverridePolicy, Some(b), None).is_err());
    let monitor = token(Some(b), &[Scope::IncidentsWrite]);
    assert!(authorize(&monitor, Action::PostIncidents, Some(b), None).is_ok());
    assert!(authorize(&monitor, Action::ViewBoard, Some(b), None).is_err());
    assert!(authorize(&monitor, Action::PostDeployments, Some(b), None).is_err());
    let admin = token(Some(b), &[Scope::Admin]);
    for action in [
        Action::ViewBoard,
        Action::EditCards,
        Action::OverridePolicy,
        Action::ConfigureBoard,
        Action::ImportHistory,
        Action::PostIncidents,
        Action::PostDeployments,
    ] {
        assert!(
            authorize(&admin, action, Some(b), None).is_ok(),
            "{action:?}"
        );
    }
    // No token manages people or mints tokens, whatever its scopes.
    for action in [
        Action::ManageMembers,
        Action::ManageTokens,
        Action::ManageInstance,
    ] {
        assert!(
            authorize(&admin, action, Some(b), None).is_err(),
            "{action:?}"
        );
    }
}

#[test]
fn bound_tokens_stay_on_their_board() {
    let (mine, other) = (BoardId::new(), BoardId::new());
    let t = token(Some(mine), &[Scope::Admin]);
    assert_eq!(
        authorize(&t, Action::ViewBoard, Some(other), None),
        Err(Denied::OtherBoard)
    );
    assert_eq!(
        authorize(&t, Action::CreateBoard, None, None),
        Err(Denied::OtherBoard)
    );
    let instance = token(None, &[Scope::BoardsRead]);
    assert!(authorize(&instance, Action::ViewBoard, Some(other), None).is_ok());
    let instance_admin = token(None, &[Scope::Admin]);
    assert!(authorize(&instance_admin, Action::CreateBoard, None, None).is_ok());
}

#[test]
fn refusals_say_what_is_missing() {
    let e = authorize(
        &user(false),
        Action::EditCards,
        Some(BoardId::new()),
        Some(Role::Viewer),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "your role on this board (viewer) may not change cards on this board; ask a board admin"
    );
    let e = authorize(
        &token(None, &[Scope::BoardsRead]),
        Action::PostIncidents,
        Some(BoardId::new()),
        None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "this token may not report incidents to this board: it needs the incidents:write scope"
    );
}

#[test]
fn spellings_round_trip() {
    for r in Role::ALL {
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
    for s in Scope::ALL {
        assert_eq!(Scope::parse(s.as_str()), Some(s));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.as_str()));
    }
    assert_eq!(Scope::parse("boards:delete"), None);
}

#[test]
fn emails_and_passwords() {
    assert_eq!(
        normalize_email("  Ann@Example.COM ").unwrap(),
        "ann@example.com"
    );
    for bad in [
        "",
        "ann",
        "@x.org",
        "ann@",
        "ann@localhost",
        "a b@x.org",
        "a@@x.org",
        "a@x.",
    ] {
        assert!(normalize_email(bad).is_err(), "{bad:?}");
    }
    assert!(validate_password("short").is_err());
    assert!(validate_password("correct horse").is_ok());
    assert!(validate_password(&"x".repeat(300)).is_err());
    // Characters, not bytes: ten accented letters are ten.
    assert!(validate_password(&"é".repeat(10)).is_ok());
    let u = NewUser {
        email: "Bo@Ops.example".into(),
        name: " ".into(),
        password: "long enough!".into(),
        instance_admin: false,
    }
    .validate()
    .unwrap();
    assert_eq!(
        (u.email.as_str(), u.name.as_str()),
        ("bo@ops.example", "bo")
    );
}

#[test]
fn lockout_grows_and_caps() {
    assert_eq!(lockout_after_failures(0), None);
    assert_eq!(lockout_after_failures(LOCKOUT_AFTER - 1), None);
    assert_eq!(
        lockout_after_failures(LOCKOUT_AFTER),
        Some(TimeDelta::seconds(30))
    );
    assert_eq!(
        lockout_after_failures(LOCKOUT_AFTER + 1),
        Some(TimeDelta::seconds(60))
    );
    assert_eq!(
        lockout_after_failures(LOCKOUT_AFTER + 2),
        Some(TimeDelta::seconds(120))
    );
    assert_eq!(lockout_after_failures(1000), Some(TimeDelta::minutes(15)));
}

use chrono::TimeDelta;

#[test]
fn tokens_validate_and_expire() {
    let now = chrono::Utc::now();
    let t = NewToken {
        name: "  alertmanager ".into(),
        scopes: vec![
            Scope::IncidentsWrite,
            Scope::BoardsRead,
            Scope::IncidentsWrite,
        ],
        board_id: None,
        expires_at: None,
    }
    .validate(now)
    .unwrap();
    assert_eq!(t.name, "alertmanager");
    assert_eq!(t.scopes, vec![Scope::IncidentsWrite, Scope::BoardsRead]);
    let no_scope = NewToken {
        name: "x".into(),
        scopes: vec![],
        board_id: None,
        expires_at: None,
    };
    assert!(no_scope.validate(now).is_err());
    assert_eq!(
        parse_scopes("incidents:write, boards:read").unwrap(),
        vec![Scope::IncidentsWrite, Scope::BoardsRead]
    );
    assert!(parse_scopes("boards:rw").is_err());
}
