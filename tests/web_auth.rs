//! Sign-in, sessions, CSRF and API tokens over real HTTP against the real app: what a browser or a
//! gate reader sees, status codes and headers included.

mod common;

use aboard::domain::{Role, UiLanguage};
use aboard::store::Store;
use aboard::web::accounts::{self, StaffSpec};
use common::{TestApp, TestDb};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use secrecy::{ExposeSecret, SecretString};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn add_gate_agent(store: &dyn Store, login: &str, password: &str, station: &str) {
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: Some("Gonzalo Puerta".to_string()),
        grant: accounts::grant(Role::Gate, &[station.to_string()], &[]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(store, &spec, &SecretString::from(password), "test")
        .await
        .unwrap();
}

/// The `name=value` of the cookie `name` a response sets, and the whole Set-Cookie line.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(|line| {
            let pair = line.split(';').next().unwrap_or_default().to_string();
            (pair, line.to_string())
        })
}

/// The value of the first hidden `csrf` field in a page.
fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// Opens the sign-in form: its cookie and the token its form carries.
async fn signin_form(app: &TestApp) -> (String, String) {
    let response = client().get(app.url("/signin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (cookie, line) = set_cookie(response.headers(), "aboard_signin").expect("signin cookie");
    assert!(line.contains("HttpOnly") && line.contains("SameSite=Strict"));
    let html = response.text().await.unwrap();
    (cookie, csrf_field(&html))
}

async fn post_signin(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    login: &str,
    password: &str,
    next: &str,
) -> reqwest::Response {
    client()
        .post(app.url("/signin"))
        .header(header::COOKIE, cookie)
        .form(&[
            ("csrf", csrf),
            ("login", login),
            ("password", password),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

/// Signs in and returns the session cookie (`aboard_session=…`).
async fn sign_in(app: &TestApp, login: &str, password: &str) -> String {
    let (cookie, csrf) = signin_form(app).await;
    let response = post_signin(app, &cookie, &csrf, login, password, "/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    set_cookie(response.headers(), "aboard_session")
        .expect("a session cookie")
        .0
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    client()
        .get(app.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn people_sign_in_with_a_password_and_out_with_the_sessions_csrf_token() {
    for db in TestDb::each().await {
        add_gate_agent(db.store.as_ref(), "gate-mad", "gate-demo-pass", "MAD").await;
        let app = TestApp::spawn(db.config()).await;

        let (cookie, csrf) = signin_form(&app).await;
        let wrong = post_signin(&app, &cookie, &csrf, "gate-mad", "not-it", "/").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(wrong.headers(), "aboard_session").is_none());
        assert!(
            wrong
                .text()
                .await
                .unwrap()
                .contains("Wrong login or password.")
        );
        let nobody = post_signin(&app, &cookie, &csrf, "nobody", "gate-demo-pass", "/").await;
        assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED);
        let forged = post_signin(&app, &cookie, "forged", "gate-mad", "gate-demo-pass", "/").await;
        assert_eq!(
            forged.status(),
            StatusCode::FORBIDDEN,
            "a sign-in form without the cookie's token is refused"
        );
        assert!(set_cookie(forged.headers(), "aboard_session").is_none());

        let right = post_signin(
            &app,
            &cookie,
            &csrf,
            "Gate-MAD",
            "gate-demo-pass",
            "/gate/MAD",
        )
        .await;
        assert_eq!(right.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&right), "/gate/MAD", "back to the page asked for");
        let (session, line) = set_cookie(right.headers(), "aboard_session").unwrap();
        for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(line.contains(attribute), "{line} lacks {attribute}");
        }

        let home = get(&app, "/", &session).await;
        assert_eq!(home.status(), StatusCode::OK);
        let html = home.text().await.unwrap();
        assert!(html.contains("data-role=\"gate\""), "{html}");
        assert!(
            html.contains("Agente de puerta"),
            "the account's pages are in Spanish"
        );
        assert!(html.contains("href=\"/gate/MAD\""));
        let page_csrf = csrf_field(&html);

        let forbidden = get(&app, "/gate/BCN", &session).await;
        assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
        assert!(forbidden.text().await.unwrap().contains("No permitido"));
        assert_eq!(
            get(&app, "/gate/MAD", &session).await.status(),
            StatusCode::OK
        );

        let no_token = client()
            .post(app.url("/signout"))
            .header(header::COOKIE, &session)
            .send()
            .await
            .unwrap();
        assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
        let wrong_header = client()
            .post(app.url("/signout"))
            .header(header::COOKIE, &session)
            .header("x-csrf-token", "0".repeat(64))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_header.status(), StatusCode::FORBIDDEN);
        let wrong_field = client()
            .post(app.url("/signout"))
            .header(header::COOKIE, &session)
            .form(&[("csrf", "0".repeat(64))])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_field.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            get(&app, "/", &session).await.status(),
            StatusCode::OK,
            "refused requests leave the session alone"
        );

        let signed_out = client()
            .post(app.url("/signout"))
            .header(header::COOKIE, &session)
            .form(&[("csrf", page_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&signed_out), "/signin");
        let after = get(&app, "/", &session).await;
        assert_eq!(
            after.status(),
            StatusCode::SEE_OTHER,
            "the session has ended"
        );
        assert_eq!(location(&after), "/signin");
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn htmx_requests_carry_the_csrf_token_in_a_header() {
    let db = TestDb::sqlite().await;
    add_gate_agent(db.store.as_ref(), "gate-mad", "gate-demo-pass", "MAD").await;
    let app = TestApp::spawn(db.config()).await;
    let session = sign_in(&app, "gate-mad", "gate-demo-pass").await;
    let html = get(&app, "/", &session).await.text().await.unwrap();
    let token = csrf_field(&html);
    assert!(
        html.contains(&format!("hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'")),
        "the layout makes htmx send the token"
    );
    let signed_out = client()
        .post(app.url("/signout"))
        .header(header::COOKIE, &session)
        .header("x-csrf-token", &token)
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let htmx_after = client()
        .get(app.url("/gate/MAD"))
        .header(header::COOKIE, &session)
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(htmx_after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        htmx_after.headers().get("hx-redirect").unwrap(),
        "/signin",
        "htmx is told to go to the sign-in page"
    );
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn pages_send_strangers_to_sign_in_and_the_api_answers_401() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(db.config()).await;
    let page = client().get(app.url("/gate/MAD?x=1")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/signin?next=%2Fgate%2FMAD%3Fx%3D1");
    let api = client().get(app.url("/api/whoami")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer"
    );
    let body: serde_json::Value = api.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("Bearer"));
    let (cookie, csrf) = signin_form(&app).await;
    let away = post_signin(&app, &cookie, &csrf, "nobody", "x", "//elsewhere.example").await;
    assert!(
        away.text()
            .await
            .unwrap()
            .contains("name=\"next\" value=\"/\""),
        "a next that leaves the site is dropped"
    );
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_loses_its_session() {
    let db = TestDb::sqlite().await;
    add_gate_agent(db.store.as_ref(), "gate-mad", "gate-demo-pass", "MAD").await;
    let app = TestApp::spawn(db.config()).await;
    let session = sign_in(&app, "gate-mad", "gate-demo-pass").await;
    assert!(
        accounts::disable_staff(db.store.as_ref(), "gate-mad", "test")
            .await
            .unwrap()
    );
    assert_eq!(
        get(&app, "/", &session).await.status(),
        StatusCode::SEE_OTHER
    );
    let (cookie, csrf) = signin_form(&app).await;
    let refused = post_signin(&app, &cookie, &csrf, "gate-mad", "gate-demo-pass", "/").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn machines_use_bearer_tokens_until_revoked() {
    for db in TestDb::each().await {
        let grant = accounts::grant(Role::Gate, &["MAD".to_string()], &[]).unwrap();
        let issued = accounts::create_token(db.store.as_ref(), "reader MAD S24", grant, "test")
            .await
            .unwrap();
        let token = issued.secret.expose_secret().to_string();
        assert!(token.starts_with("abt_") && token.len() == 68);
        let app = TestApp::spawn(db.config()).await;
        let bearer = |path: &str, token: &str| {
            client()
                .get(app.url(path))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .send()
        };

        let whoami = bearer("/api/whoami", &token).await.unwrap();
        assert_eq!(whoami.status(), StatusCode::OK);
        let body: serde_json::Value = whoami.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "kind": "token", "name": "reader MAD S24", "role": "gate",
                "scopes": { "stations": ["MAD"], "languages": [] }
            })
        );
        let used = db.store.api_tokens().await.unwrap();
        assert!(used[0].last_used_at.is_some(), "the use is noted");

        assert_eq!(
            bearer("/gate/BCN", &token).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            bearer("/gate/MAD", &token).await.unwrap().status(),
            StatusCode::OK
        );
        let forged = bearer("/api/whoami", "abt_0000").await.unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let not_bearer = client()
            .get(app.url("/api/whoami"))
            .header(header::AUTHORIZATION, format!("Basic {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(not_bearer.status(), StatusCode::UNAUTHORIZED);

        assert!(
            accounts::revoke_token(db.store.as_ref(), issued.token.id, "test")
                .await
                .unwrap()
        );
        // A resolved token is trusted for a few seconds without asking the database; a revocation
        // (here, as from the CLI, outside the service) holds once that has passed.
        tokio::time::sleep(aboard::web::auth::token_cache::TOKEN_TRUST).await;
        let revoked = bearer("/api/whoami", &token).await.unwrap();
        assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn roles_are_enforced_on_the_station_page() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    for (login, role, languages) in [
        ("ops", Role::Ops, vec![]),
        ("admin", Role::Admin, vec![]),
        ("advisor", Role::Advisor, vec!["es".to_string()]),
    ] {
        let spec = StaffSpec {
            login: login.to_string(),
            display_name: None,
            grant: accounts::grant(role, &[], &languages).unwrap(),
            ui_language: UiLanguage::En,
        };
        accounts::add_staff(store, &spec, &SecretString::from("password-1"), "test")
            .await
            .unwrap();
    }
    let app = TestApp::spawn(db.config()).await;
    let ops = sign_in(&app, "ops", "password-1").await;
    assert_eq!(get(&app, "/gate/GRU", &ops).await.status(), StatusCode::OK);
    let pick = get(&app, "/gate?station=bcn", &ops).await;
    assert_eq!(location(&pick), "/gate/BCN");
    assert_eq!(
        get(&app, "/gate/12", &ops).await.status(),
        StatusCode::NOT_FOUND
    );
    for login in ["admin", "advisor"] {
        let session = sign_in(&app, login, "password-1").await;
        let response = get(&app, "/gate/MAD", &session).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{login}");
        assert!(response.text().await.unwrap().contains("Not allowed"));
    }
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn analysts_read_the_event_stream_of_every_station_and_work_no_task() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    let spec = StaffSpec {
        login: "analyst".to_string(),
        display_name: None,
        grant: accounts::grant(Role::Analyst, &[], &[]).unwrap(),
        ui_language: UiLanguage::En,
    };
    accounts::add_staff(store, &spec, &SecretString::from("password-1"), "test")
        .await
        .unwrap();
    assert!(
        accounts::grant(Role::Analyst, &["MAD".to_string()], &[]).is_err(),
        "an analyst reads every station: a scope would mislead"
    );
    assert!(accounts::grant(Role::Analyst, &[], &["es".to_string()]).is_err());
    let app = TestApp::spawn(db.config()).await;
    let session = sign_in(&app, "analyst", "password-1").await;
    let home = get(&app, "/", &session).await.text().await.unwrap();
    assert!(home.contains("data-role=\"analyst\"") && home.contains("/ops/events"));
    assert_eq!(
        get(&app, "/ops/events", &session).await.status(),
        StatusCode::OK
    );
    for path in [
        "/gate/MAD",
        "/advisor",
        "/review",
        "/ops/flights",
        "/ops/import",
        "/ops/rules",
        "/ops/scheduler",
        "/api/tasks",
        "/api/links/review",
        "/api/manifests/held",
        "/api/boarding-scans",
        "/api/scheduler",
    ] {
        let status = get(&app, path, &session).await.status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn assets_are_served_from_the_binary_with_long_lived_cache_headers() {
    let db = TestDb::sqlite().await;
    let app = TestApp::spawn(db.config()).await;
    let signin = client().get(app.url("/signin")).send().await.unwrap();
    let csp = signin
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let html = signin.text().await.unwrap();
    for name in ["aboard.css", "htmx.min.js", "htmx-ext-sse.min.js"] {
        let url = aboard::web::assets::url(name);
        assert!(url.contains("?v="), "{url}");
        assert!(html.contains(&url), "the layout links {url}");
        let response = client().get(app.url(&url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).unwrap(),
            "public, max-age=31536000, immutable"
        );
        let etag = response.headers().get(header::ETAG).unwrap().clone();
        assert!(!response.bytes().await.unwrap().is_empty());
        let again = client()
            .get(app.url(&url))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    let htmx = client()
        .get(app.url(&aboard::web::assets::url("htmx.min.js")))
        .send()
        .await
        .unwrap();
    assert!(
        htmx.headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(htmx.text().await.unwrap().contains("htmx"));
    let missing = client()
        .get(app.url("/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.stop().await;
    db.finish().await;
}

/// The `Retry-After` seconds of a response.
fn retry_after(response: &reqwest::Response) -> Option<i64> {
    response
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[tokio::test]
async fn failed_sign_ins_lock_out_the_login_and_the_address_on_every_instance() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        add_gate_agent(store.as_ref(), "gonzalo", "correct horse battery", "MAD").await;
        add_gate_agent(store.as_ref(), "marta", "another good password", "MAD").await;
        let mut config = db.config();
        config.scheduler.enabled = false;
        config.server.signin_failures_per_login = 3;
        config.server.signin_failures_per_address = 6;
        config.server.signin_window_minutes = 10;
        let postgres = db.url.starts_with("postgres");
        let first = TestApp::spawn(config.clone()).await;
        // On PostgreSQL the counts are shared: the failures are made on one instance and the lockout
        // holds on another. A SQLite file is served by one process.
        let second = if postgres {
            Some(TestApp::spawn(config).await)
        } else {
            None
        };
        let other = second.as_ref().unwrap_or(&first);
        let (cookie, csrf) = signin_form(&first).await;

        // Two wrong passwords: told so; the third locks the login out, said with 429 and Retry-After.
        for _ in 0..2 {
            let wrong = post_signin(&first, &cookie, &csrf, "gonzalo", "guess", "/").await;
            assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        }
        let third = post_signin(&first, &cookie, &csrf, "Gonzalo ", "guess", "/").await;
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait = retry_after(&third).expect("Retry-After");
        assert!((590..=600).contains(&wait), "{wait}");
        assert!(
            third
                .text()
                .await
                .unwrap()
                .contains("Too many failed sign-ins for this login or from this address."),
        );
        // The right password does not open a locked login, on any instance; it is not even checked.
        let (other_cookie, other_csrf) = signin_form(other).await;
        let right = post_signin(
            other,
            &other_cookie,
            &other_csrf,
            "gonzalo",
            "correct horse battery",
            "/",
        )
        .await;
        assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(retry_after(&right).is_some());
        // Another login from the same address still signs in, and its success clears only its own count.
        let session = sign_in(other, "marta", "another good password").await;
        assert!(session.starts_with("aboard_session="));

        // The address: three more failures on other logins reach its 6, and then the address is locked
        // out for every login, marta's right password included.
        for (n, login) in ["nobody", "someone", "anyone"].into_iter().enumerate() {
            let wrong = post_signin(&first, &cookie, &csrf, login, "guess", "/").await;
            let expected = if n < 2 {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            assert_eq!(wrong.status(), expected, "{login}");
        }
        let (cookie, csrf) = signin_form(other).await;
        let marta = post_signin(other, &cookie, &csrf, "marta", "another good password", "/").await;
        assert_eq!(marta.status(), StatusCode::TOO_MANY_REQUESTS);

        // Each lockout is logged once.
        let locked = store
            .events(&aboard::store::EventFilter {
                action_prefix: Some("staff.signin_locked".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut keys: Vec<&str> = locked.iter().map(|e| e.event.subject_id.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["address:127.0.0.1", "login:gonzalo"], "{locked:?}");
        if let Some(second) = second {
            second.stop().await;
        }
        first.stop().await;
        db.finish().await;
    }
}
