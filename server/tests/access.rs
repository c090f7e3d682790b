//! Who may do what, through a real server: the role × action matrix over the REST API and
//! the server functions, token scopes and binding, sessions (sign-in, rotation, sign-out,
//! lockout, per-address limit), CSRF, security headers, the one-time set-up, and actors in
//! card histories. On SQLite always, on PostgreSQL when `FLOWBOARD_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use common::{PASSWORD, TestDb, TestServer, bearer_client, signed_in, token, user};
use domain::access::{Role, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Everyone who knocks, by name.
struct Cast {
    clients: BTreeMap<&'static str, reqwest::Client>,
}

const PEOPLE: [&str; 6] = [
    "anonymous",
    "outsider",
    "viewer",
    "member",
    "admin",
    "instance_admin",
];
const TOKENS: [&str; 6] = [
    "t_read",
    "t_write",
    "t_incidents",
    "t_admin",
    "t_other_board",
    "t_instance_read",
];

async fn cast(s: &TestServer, tag: &str, board: domain::BoardId, other: domain::BoardId) -> Cast {
    let store = s.store.as_ref();
    let mut clients = BTreeMap::new();
    let mut browser = reqwest::header::HeaderMap::new();
    browser.insert(reqwest::header::ORIGIN, s.base.parse().unwrap());
    browser.insert(reqwest::header::ACCEPT, "application/json".parse().unwrap());
    clients.insert(
        "anonymous",
        reqwest::Client::builder()
            .default_headers(browser)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    );
    for (name, role) in [
        ("outsider", None),
        ("viewer", Some(Role::Viewer)),
        ("member", Some(Role::Member)),
        ("admin", Some(Role::Admin)),
        ("instance_admin", None),
    ] {
        let email = format!("{name}.{tag}@example.com");
        let u = user(store, &email, name == "instance_admin").await;
        if let Some(role) = role {
            store
                .set_board_role(board, u.id, role, chrono::Utc::now())
                .await
                .unwrap();
        }
        clients.insert(name, signed_in(&s.base, &email).await);
    }
    for (name, scopes, bound) in [
        ("t_read", vec![Scope::BoardsRead], Some(board)),
        ("t_write", vec![Scope::BoardsWrite], Some(board)),
        ("t_incidents", vec![Scope::IncidentsWrite], Some(board)),
        ("t_admin", vec![Scope::Admin], Some(board)),
        ("t_other_board", vec![Scope::Admin], Some(other)),
        ("t_instance_read", vec![Scope::BoardsRead], None),
    ] {
        clients.insert(name, bearer_client(&token(store, &scopes, bound).await));
    }
    Cast { clients }
}

/// One REST action: method, path, body.
struct Call {
    what: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [&'static str],
}

const VIEW: &[&str] = &[
    "viewer",
    "member",
    "admin",
    "instance_admin",
    "t_read",
    "t_write",
    "t_admin",
    "t_instance_read",
];
const EDIT: &[&str] = &["member", "admin", "instance_admin", "t_write", "t_admin"];
const ADMIN: &[&str] = &["admin", "instance_admin", "t_admin"];
const ANY_PERSON: &[&str] = &["outsider", "viewer", "member", "admin", "instance_admin"];

async fn rest_matrix(s: &TestServer) {
    let board = make_open_board(s, "Matrix").await;
    let other = make_open_board(s, "Elsewhere").await;
    let id = board["id"].as_str().unwrap();
    let cast = cast(
        s,
        "rest",
        id.parse().unwrap(),
        other["id"].as_str().unwrap().parse().unwrap(),
    )
    .await;
    let ready = board["columns"][1]["id"].as_str().unwrap().to_owned();
    let backlog = board["columns"][0]["id"].as_str().unwrap().to_owned();
    let card = s
        .post_json(
            "/api/v1/boards/matrix/cards",
            &json!({"title": "target", "card_type": "feature"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let card = card["id"].as_str().unwrap().to_owned();
    let history = json!({"cards": [{"title": "old", "type": "feature",
        "created_at": "2026-01-01T00:00:00Z",
        "transitions": [{"column": "Done", "at": "2026-01-02T00:00:00Z"}]}]});
    let calls = [
        Call {
            what: "read board",
            method: Method::GET,
            path: "/api/v1/boards/matrix".into(),
            body: None,
            allowed: VIEW,
        },
        Call {
            what: "read card",
            method: Method::GET,
            path: format!("/api/v1/cards/{card}"),
            body: None,
            allowed: VIEW,
        },
        Call {
            what: "read events",
            method: Method::GET,
            path: format!("/api/v1/cards/{card}/events"),
            body: None,
            allowed: VIEW,
        },
        Call {
            what: "metrics",
            method: Method::GET,
            path: "/api/v1/boards/matrix/metrics".into(),
            body: None,
            allowed: VIEW,
        },
        Call {
            what: "create card",
            method: Method::POST,
            path: "/api/v1/boards/matrix/cards".into(),
            body: Some(json!({"title": "x", "card_type": "feature"})),
            allowed: EDIT,
        },
        Call {
            what: "edit card",
            method: Method::PATCH,
            path: format!("/api/v1/cards/{card}"),
            body: Some(json!({"title": "renamed"})),
            allowed: EDIT,
        },
        Call {
            what: "move card",
            method: Method::POST,
            path: format!("/api/v1/cards/{card}/move"),
            body: Some(json!({"column_id": ready})),
            allowed: EDIT,
        },
        Call {
            what: "override",
            method: Method::POST,
            path: format!("/api/v1/cards/{card}/move"),
            body: Some(json!({"column_id": backlog, "override_reason": "test"})),
            allowed: ADMIN,
        },
        Call {
            what: "set policy",
            method: Method::PUT,
            path: "/api/v1/boards/matrix/policy".into(),
            body: Some(
                json!({"committed_capacity": null, "tech_debt_share": 0.2, "expedite_limit": 1, "expedite_counts_toward_wip": false}),
            ),
            allowed: ADMIN,
        },
        Call {
            what: "import history",
            method: Method::POST,
            path: "/api/v1/boards/matrix/history".into(),
            body: Some(history),
            allowed: ADMIN,
        },
        Call {
            what: "create board",
            method: Method::POST,
            path: "/api/v1/boards".into(),
            body: None,
            allowed: ANY_PERSON,
        },
    ];
    let mut n = 0;
    for call in &calls {
        for who in PEOPLE.iter().chain(TOKENS.iter()) {
            let client = &cast.clients[who];
            let mut req = client.request(call.method.clone(), s.url(&call.path));
            let body = match call.what {
                // Board names must be unique: each caller asks for its own.
                "create board" => Some(json!({"name": format!("by {who}")})),
                _ => call.body.clone(),
            };
            if let Some(body) = body {
                req = req.json(&body);
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            let allowed = call.allowed.contains(who);
            if allowed {
                assert!(
                    status.is_success(),
                    "{} by {who}: {status} {}",
                    call.what,
                    r.text().await.unwrap()
                );
            } else {
                let want = if *who == "anonymous" {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, want, "{} by {who}", call.what);
                let body: Value = r.json().await.unwrap();
                let kind = if want == StatusCode::UNAUTHORIZED {
                    "unauthorized"
                } else {
                    "forbidden"
                };
                assert_eq!(
                    body["type"],
                    format!("urn:flowboard:problem:{kind}"),
                    "{body}"
                );
            }
            n += 1;
        }
    }
    assert_eq!(n, calls.len() * 12);
}

/// A board with no WIP limits or capacity, so that allowed moves never meet a policy.
async fn make_open_board(s: &TestServer, name: &str) -> Value {
    let r = s.post_json("/api/v1/boards", &json!({"name": name})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let board: Value = r.json().await.unwrap();
    let columns: Vec<Value> = board["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"id": c["id"], "name": c["name"], "kind": c["kind"], "wip_limit": null}))
        .collect();
    let r = s
        .send_json(
            Method::PUT,
            &format!("/api/v1/boards/{}/columns", board["slug"].as_str().unwrap()),
            &json!({"columns": columns}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// Calls a server function as a browser form would (with `Accept: application/json`).
async fn server_fn(
    s: &TestServer,
    client: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> StatusCode {
    client
        .post(s.url(&format!("/fn/{name}")))
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
}

async fn server_fn_matrix(s: &TestServer) {
    let board = make_open_board(s, "Functions").await;
    let other = make_open_board(s, "Functions other").await;
    let cast = cast(
        s,
        "fn",
        board["id"].as_str().unwrap().parse().unwrap(),
        other["id"].as_str().unwrap().parse().unwrap(),
    )
    .await;
    let ready = board["columns"][1]["id"].as_str().unwrap().to_owned();
    let card = s
        .post_json(
            "/api/v1/boards/functions/cards",
            &json!({"title": "target", "card_type": "feature"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let card = card["id"].as_str().unwrap().to_owned();
    user(s.store.as_ref(), "newcomer@example.com", false).await;
    let people_view: &[&str] = &["viewer", "member", "admin", "instance_admin"];
    let people_edit: &[&str] = &["member", "admin", "instance_admin"];
    let people_admin: &[&str] = &["admin", "instance_admin"];
    // (what, server function, form fields, who may call it)
    type Call<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a [&'a str]);
    let calls: Vec<Call> = vec![
        (
            "get board",
            "get_board",
            vec![("slug", "functions")],
            people_view,
        ),
        (
            "list members",
            "list_members",
            vec![("slug", "functions")],
            people_view,
        ),
        (
            "members page",
            "get_members_html",
            vec![("slug", "functions")],
            people_view,
        ),
        (
            "card page",
            "get_card_html",
            vec![("slug", "functions"), ("number", "1")],
            people_view,
        ),
        (
            "create card",
            "create_card",
            vec![
                ("slug", "functions"),
                ("title", "fn card"),
                ("card_type", "feature"),
            ],
            people_edit,
        ),
        (
            "move card",
            "move_card",
            vec![("card_id", &card), ("column_id", &ready)],
            people_edit,
        ),
        (
            "block card",
            "set_blocked",
            vec![("card_id", &card), ("reason", "waiting")],
            people_edit,
        ),
        (
            "edit card",
            "update_card",
            vec![
                ("card_id", &card),
                ("title", "t"),
                ("description", ""),
                ("card_type", "feature"),
            ],
            people_edit,
        ),
        (
            "override",
            "move_card",
            vec![
                ("card_id", &card),
                ("column_id", &ready),
                ("override_reason", "why"),
            ],
            people_admin,
        ),
        (
            "policy",
            "update_policy",
            vec![
                ("slug", "functions"),
                ("committed_capacity", ""),
                ("tech_debt_percent", "20"),
                ("expedite_limit", "1"),
            ],
            people_admin,
        ),
        (
            "columns",
            "edit_column",
            vec![
                ("slug", "functions"),
                ("column_id", &ready),
                ("edit", "Left"),
            ],
            people_admin,
        ),
        (
            "members",
            "set_member",
            vec![
                ("slug", "functions"),
                ("email", "newcomer@example.com"),
                ("role", "viewer"),
            ],
            people_admin,
        ),
        (
            "board tokens",
            "list_tokens",
            vec![("slug", "functions")],
            people_admin,
        ),
        (
            "new token",
            "create_token",
            vec![("slug", "functions"), ("name", "ci"), ("boards_read", "on")],
            people_admin,
        ),
        (
            "retrospective",
            "get_retro",
            vec![("slug", "functions")],
            people_view,
        ),
        (
            "retro notes",
            "save_retro_notes",
            vec![
                ("slug", "functions"),
                ("from", "2026-11-01"),
                ("to", "2026-11-14"),
                ("notes", "went well"),
            ],
            people_edit,
        ),
        (
            "retro action",
            "add_retro_action",
            vec![
                ("slug", "functions"),
                ("from", "2026-11-01"),
                ("to", "2026-11-14"),
                ("text", "pair on reviews"),
            ],
            people_edit,
        ),
        ("users page", "get_users_html", vec![], &["instance_admin"]),
        (
            "instance tokens",
            "list_tokens",
            vec![],
            &["instance_admin"],
        ),
    ];
    for (what, name, form, allowed) in &calls {
        for who in PEOPLE {
            let status = server_fn(s, &cast.clients[who], name, form).await;
            if allowed.contains(&who) {
                assert!(
                    status.is_success() || status.is_redirection(),
                    "{what} by {who}: {status}"
                );
            } else if who == "anonymous" {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} by {who}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what} by {who}");
            }
        }
    }
    // An action item becomes a card once: viewers may not, a member may, then it is taken.
    let period =
        domain::metrics::Window::new("2026-11-01".parse().unwrap(), "2026-11-14".parse().unwrap())
            .unwrap();
    let retro = s
        .store
        .retrospective(board["id"].as_str().unwrap().parse().unwrap(), period)
        .await
        .unwrap();
    let action = retro.actions[0].id.to_string();
    let form = [("slug", "functions"), ("action_id", action.as_str())];
    for (who, expected) in [
        ("viewer", StatusCode::FORBIDDEN),
        ("member", StatusCode::OK),
        ("admin", StatusCode::CONFLICT),
    ] {
        let status = server_fn(s, &cast.clients[who], "action_to_card", &form).await;
        assert_eq!(status, expected, "action to card by {who}");
    }
}

async fn tokens_and_their_limits(s: &TestServer) {
    let board = make_open_board(s, "Tokens").await;
    let board_id: domain::BoardId = board["id"].as_str().unwrap().parse().unwrap();
    let path = "/api/v1/boards/tokens";
    // No header, a malformed header, an unknown token: 401 with a reason.
    let r = s.anonymous.get(s.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = s
        .anonymous
        .get(s.url(path))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = bearer_client("fbt_doesnotexist")
        .get(s.url(path))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["detail"], "unknown API token");
    // A token works until revoked; its use is recorded. (The admin who revokes it is
    // signed in first: Argon2 takes long enough that the server's copy of the token could
    // expire in between, and the check below would pass without the copy being dropped.)
    user(s.store.as_ref(), "token-admin@example.com", true).await;
    let admin = common::signed_in(&s.base, "token-admin@example.com").await;
    let secret = token(s.store.as_ref(), &[Scope::BoardsRead], Some(board_id)).await;
    let c = bearer_client(&secret);
    assert_eq!(
        c.get(s.url(path)).send().await.unwrap().status(),
        StatusCode::OK
    );
    let tokens = s.store.list_tokens(Some(board_id)).await.unwrap();
    assert!(tokens[0].last_used_at.is_some(), "last use recorded");
    assert!(tokens[0].prefix.starts_with("fbt_") && secret.starts_with(&tokens[0].prefix));
    // Revoked through this server (as from the tokens page): refused at once.
    assert_eq!(
        c.get(s.url(path)).send().await.unwrap().status(),
        StatusCode::OK
    );
    let id = tokens[0].id.to_string();
    let revoked = server_fn(s, &admin, "revoke_token", &[("token_id", id.as_str())]).await;
    assert!(revoked.is_success(), "{revoked}");
    let r = c.get(s.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["detail"],
        "the token has been revoked"
    );
    // Revoked elsewhere (`s.store` is another connection to the database, as another
    // instance or the CLI would be): refused once the server's copy of the token is a second
    // old (see `store::accel::recent`), on the clock the test moves.
    let secret = token(s.store.as_ref(), &[Scope::BoardsRead], Some(board_id)).await;
    let c = bearer_client(&secret);
    assert_eq!(
        c.get(s.url(path)).send().await.unwrap().status(),
        StatusCode::OK
    );
    let listed = s.store.list_tokens(Some(board_id)).await.unwrap();
    let elsewhere = listed
        .iter()
        .find(|t| secret.starts_with(&t.prefix))
        .expect("the new token is listed");
    s.store
        .revoke_token(elsewhere.id, chrono::Utc::now())
        .await
        .unwrap();
    // The server's copy answers until it expires, then the database does.
    let status = c.get(s.url(path)).send().await.unwrap().status();
    assert!(
        [StatusCode::OK, StatusCode::UNAUTHORIZED].contains(&status),
        "{status}"
    );
    s.clock
        .as_ref()
        .expect("started on a test database")
        .advance(server::store::COPIES_KEPT_FOR);
    assert_eq!(
        c.get(s.url(path)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "a token revoked elsewhere still worked once the server's copy had expired"
    );
    // The secret is not stored: only its SHA-256.
    assert!(s.store.token_by_hash(&secret).await.unwrap().is_none());
    // A board token lists only its board.
    let secret = token(s.store.as_ref(), &[Scope::BoardsRead], Some(board_id)).await;
    let listed: Value = bearer_client(&secret)
        .get(s.url("/api/v1/boards"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["slug"], "tokens");
    // Events name the token.
    let secret = token(s.store.as_ref(), &[Scope::BoardsWrite], Some(board_id)).await;
    let card: Value = bearer_client(&secret)
        .post(s.url("/api/v1/boards/tokens/cards"))
        .json(&json!({"title": "by token", "card_type": "feature"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            card["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        events[0]["actor"],
        json!({"kind": "token", "name": "test boards:write"})
    );
}

async fn sessions(s: &TestServer) {
    let board = make_open_board(s, "Sessions").await;
    let board_id: domain::BoardId = board["id"].as_str().unwrap().parse().unwrap();
    let u = user(s.store.as_ref(), "ann@example.com", false).await;
    s.store
        .set_board_role(board_id, u.id, Role::Member, chrono::Utc::now())
        .await
        .unwrap();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base: reqwest::Url = s.base.parse().unwrap();
    let login = |password: &'static str| {
        client
            .post(s.url("/fn/login"))
            .header("origin", &s.base)
            .header("accept", "application/json")
            .form(&[("email", "ann@example.com"), ("password", password)])
            .send()
    };
    let r = login(PASSWORD).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP test server: no Secure flag"
    );
    let first = jar_session(&jar, &base);
    // The session authorises the REST API for this user, and the event names them.
    let r = client
        .post(s.url("/api/v1/boards/sessions/cards"))
        .header("origin", &s.base)
        .json(&json!({"title": "by ann", "card_type": "feature"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let card: Value = r.json().await.unwrap();
    let events: Value = s
        .get_json(&format!(
            "/api/v1/cards/{}/events",
            card["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(events[0]["actor"], json!({"kind": "user", "name": "ann"}));
    // CSRF: the same cookie from another origin, or with no origin at all, is refused.
    for origin in [Some("http://evil.example"), None] {
        let mut req = client
            .post(s.url("/api/v1/boards/sessions/cards"))
            .json(&json!({"title": "forged", "card_type": "feature"}));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "urn:flowboard:problem:cross-site-request");
    }
    let r = client
        .post(s.url("/fn/create_card"))
        .header("origin", "http://evil.example")
        .form(&[
            ("slug", "sessions"),
            ("title", "forged"),
            ("card_type", "feature"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "server functions are covered too"
    );
    // Login CSRF: another site cannot sign this browser in, even without a session cookie.
    let r = reqwest::Client::new()
        .post(s.url("/fn/login"))
        .header("origin", "http://evil.example")
        .form(&[("email", "ann@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "cross-site sign-in");
    // Signing in again rotates the session id.
    assert!(login(PASSWORD).await.unwrap().status().is_success());
    let second = jar_session(&jar, &base);
    assert_ne!(first, second, "a new session id at sign-in");
    let stale = reqwest::Client::new()
        .get(s.url("/api/v1/boards/sessions"))
        .header("cookie", format!("flowboard_session={first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        StatusCode::UNAUTHORIZED,
        "the old id is dead"
    );
    // Sign-out ends the session in the database, not only in this browser.
    let r = client
        .post(s.url("/fn/logout"))
        .header("origin", &s.base)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let replay = reqwest::Client::new()
        .get(s.url("/api/v1/boards/sessions"))
        .header("cookie", format!("flowboard_session={second}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);

    // Five wrong passwords lock the account; then even the right one waits, with a message.
    for _ in 0..5 {
        let r = login("wrong password!").await.unwrap();
        assert!(
            r.status() == StatusCode::UNAUTHORIZED || r.status() == StatusCode::TOO_MANY_REQUESTS
        );
    }
    let r = login(PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = r.text().await.unwrap();
    assert!(text.contains("locked for 30 seconds"), "{text}");
}

/// A new password ends the user's other sessions (this one goes on); disabling an account
/// ends all of them at once.
async fn password_change_and_disabling_end_sessions(s: &TestServer) {
    let ben = user(s.store.as_ref(), "ben@example.com", false).await;
    let laptop = common::signed_in(&s.base, "ben@example.com").await;
    let phone = common::signed_in(&s.base, "ben@example.com").await;
    let boards = |c: &reqwest::Client| c.get(s.url("/api/v1/boards")).send();
    assert_eq!(boards(&phone).await.unwrap().status(), StatusCode::OK);
    let r = laptop
        .post(s.url("/fn/change_password"))
        .form(&[
            ("current", PASSWORD),
            ("new_password", "a much better passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        boards(&phone).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the other browser is signed out"
    );
    assert_eq!(
        boards(&laptop).await.unwrap().status(),
        StatusCode::OK,
        "the browser that changed it stays signed in"
    );

    // An instance admin disables ben: his remaining session ends in the database.
    user(s.store.as_ref(), "root@example.com", true).await;
    let root = common::signed_in(&s.base, "root@example.com").await;
    let r = root
        .post(s.url("/fn/set_user_flags"))
        .form(&[("user_id", ben.id.to_string()), ("disabled", "on".into())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        s.store.end_user_sessions(ben.id).await.unwrap(),
        0,
        "no session of a disabled user is left"
    );
    assert_eq!(
        boards(&laptop).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

fn jar_session(jar: &reqwest::cookie::Jar, base: &reqwest::Url) -> String {
    use reqwest::cookie::CookieStore;
    let cookies = jar.cookies(base).expect("a session cookie");
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("flowboard_session="))
        .expect("flowboard_session")
        .to_owned()
}

async fn run_all(db: TestDb) {
    let mut config = server::Config::for_database(db.url.clone());
    // Every test sign-in comes from 127.0.0.1; the per-address limit has its own test.
    config.login_attempts_per_minute = 1000;
    config.accel = db.options.accel.clone();
    let mut s = TestServer::start_with(config).await;
    s.clock = Some(std::sync::Arc::clone(&db.clock));
    rest_matrix(&s).await;
    server_fn_matrix(&s).await;
    tokens_and_their_limits(&s).await;
    sessions(&s).await;
    password_change_and_disabling_end_sessions(&s).await;
    s.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_on_sqlite() {
    run_all(common::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_on_postgres() {
    if let Some(db) = common::postgres().await {
        run_all(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_csp_nonce() {
    let db = common::sqlite();
    let s = TestServer::start(&db).await;
    let r = s
        .anonymous
        .get(s.url("/api/v1/boards"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["referrer-policy"], "same-origin");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let r = s.anonymous.get(s.url("/login")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the page CSP")
        .to_owned();
    let html = r.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        html.matches("<script").count(),
        "every script carries this response's nonce"
    );
    s.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_setup_and_login_rate_limit() {
    let db = common::sqlite();
    let mut config = server::Config::for_database(db.url.clone());
    config.login_attempts_per_minute = 3;
    let s = TestServer::start_with(config).await;
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let whoami = |c: reqwest::Client| {
        let url = s.url("/fn/whoami");
        let origin = s.base.clone();
        async move {
            c.post(url)
                .header("origin", origin)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(whoami(browser.clone()).await["setup_open"], true);
    let setup = |email: &'static str| {
        browser
            .post(s.url("/fn/setup"))
            .header("origin", &s.base)
            .header("accept", "application/json")
            .form(&[("email", email), ("name", "Root"), ("password", PASSWORD)])
            .send()
    };
    // Behind a reverse proxy on the same host the peer is loopback but the person is not:
    // the set-up page stays shut to proxied requests.
    let proxied = browser
        .post(s.url("/fn/setup"))
        .header("origin", &s.base)
        .header("accept", "application/json")
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[
            ("email", "mallory@example.com"),
            ("name", "M"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(proxied.status(), StatusCode::FORBIDDEN, "proxied set-up");
    let r = setup("root@example.com").await.unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let me = whoami(browser.clone()).await;
    assert_eq!(me["session"]["user"]["email"], "root@example.com");
    assert_eq!(me["session"]["user"]["instance_admin"], true);
    assert_eq!(me["setup_open"], false);
    // Set-up is one-time.
    let r = setup("second@example.com").await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(s.store.count_users().await.unwrap(), 1);
    // Per-address limit: the fourth attempt within a minute is refused before any check.
    let attempt = || {
        s.anonymous
            .post(s.url("/fn/login"))
            .header("accept", "application/json")
            .form(&[
                ("email", "nobody@example.com"),
                ("password", "whatever it is"),
            ])
            .send()
    };
    for _ in 0..3 {
        assert_eq!(attempt().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts from your address")
    );
    s.stop().await.unwrap();
}
