//! The admin pages over real HTTP against the real app, on both backends: accounts, tokens and stations
//! changed from forms, each change logged as an event, refusals said in the admin's words, and every other
//! role kept out.

mod common;

use aboard::domain::{Role, UiLanguage};
use aboard::store::{EventFilter, Store};
use aboard::web::accounts::{self, StaffSpec};
use common::pages::{client, get, post, sign_in};
use common::{TestApp, TestDb};
use reqwest::StatusCode;
use reqwest::header;
use secrecy::SecretString;

async fn add(store: &dyn Store, login: &str, role: Role, stations: &[&str], languages: &[&str]) {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: None,
        grant: accounts::grant(role, &owned(stations), &owned(languages)).unwrap(),
        ui_language: UiLanguage::En,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The text of the element with `id` (a `<p id=…>` or `<code id=…>` without children).
fn text_of(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id} in {html}"));
    let open = html[start..].find('>').unwrap() + start + 1;
    let close = html[open..].find('<').unwrap() + open;
    html[open..close]
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The actor and action of each event whose action starts with `prefix`, oldest first.
async fn actions(store: &dyn Store, prefix: &str) -> Vec<(String, String)> {
    let mut events: Vec<(String, String)> = store
        .events(&EventFilter {
            action_prefix: Some(prefix.to_string()),
            limit: 100,
            ..EventFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event.actor, e.event.action))
        .collect();
    events.reverse();
    events
}

#[tokio::test]
async fn an_admin_adds_changes_resets_disables_and_enables_accounts_each_change_logged() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        add(store, "root", Role::Admin, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let admin = sign_in(&app.url(""), "root", "right-password")
            .await
            .unwrap();

        let home = get(&app.url(""), &admin.cookie, "/")
            .await
            .text()
            .await
            .unwrap();
        for link in ["/admin/staff", "/admin/tokens", "/admin/stations"] {
            assert!(
                home.contains(&format!("href=\"{link}\"")),
                "{link} on the admin's start page"
            );
        }
        assert!(!home.contains("not available yet"));

        // Refusals keep what was typed and say what is wrong.
        let refused = post(
            &app.url(""),
            &admin,
            "/admin/staff",
            &[
                ("login", "ana"),
                ("role", "gate"),
                ("stations", ""),
                ("ui_language", "es"),
            ],
        )
        .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert_eq!(
            text_of(&html, "admin-error"),
            "A gate agent needs at least one station."
        );
        assert!(html.contains("value=\"ana\""), "the login typed is kept");
        let refused = post(
            &app.url(""),
            &admin,
            "/admin/staff",
            &[("login", "ana"), ("role", "gate"), ("stations", "MADRID")],
        )
        .await;
        assert_eq!(
            text_of(&refused.text().await.unwrap(), "admin-error"),
            "Stations are three-letter IATA codes such as MAD."
        );

        let created = post(
            &app.url(""),
            &admin,
            "/admin/staff",
            &[
                ("login", "Ana"),
                ("display_name", "Ana Puerta"),
                ("role", "gate"),
                ("stations", "mad, bcn"),
                ("ui_language", "es"),
            ],
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        assert_eq!(
            created.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        let html = created.text().await.unwrap();
        let first_password = text_of(&html, "secret");
        assert_eq!(
            first_password.len(),
            14,
            "three groups of four: {first_password}"
        );
        let ana = sign_in(&app.url(""), "ana", &first_password)
            .await
            .expect("the shown password works");
        let ana_home = get(&app.url(""), &ana.cookie, "/")
            .await
            .text()
            .await
            .unwrap();
        assert!(ana_home.contains("BCN, MAD") && ana_home.contains("Agente de puerta"));

        let taken = post(
            &app.url(""),
            &admin,
            "/admin/staff",
            &[("login", "ana"), ("role", "ops")],
        )
        .await;
        assert_eq!(
            text_of(&taken.text().await.unwrap(), "admin-error"),
            "That login is already taken."
        );

        // The account page shows what it has; saving changes the grant of a live session at once.
        let page = get(&app.url(""), &admin.cookie, "/admin/staff/ana")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("value=\"BCN, MAD\"") && page.contains("value=\"Ana Puerta\""));
        let saved = post(
            &app.url(""),
            &admin,
            "/admin/staff/ana",
            &[
                ("display_name", "Ana Asesora"),
                ("role", "advisor"),
                ("languages", "es, pt"),
                ("ui_language", "en"),
            ],
        )
        .await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&saved), "/admin/staff/ana?done=saved");
        let page = get(&app.url(""), &admin.cookie, "/admin/staff/ana?done=saved")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(text_of(&page, "admin-done"), "Changes saved.");
        let ana_home = get(&app.url(""), &ana.cookie, "/")
            .await
            .text()
            .await
            .unwrap();
        assert!(ana_home.contains("Customer advisor") && ana_home.contains("es, pt"));
        assert_eq!(
            get(&app.url(""), &ana.cookie, "/gate/MAD").await.status(),
            StatusCode::FORBIDDEN,
            "the stations went with the gate role"
        );

        // A new password ends the sessions and the old password.
        let reset = post(&app.url(""), &admin, "/admin/staff/ana/password", &[]).await;
        assert_eq!(reset.status(), StatusCode::CREATED);
        let second_password = text_of(&reset.text().await.unwrap(), "secret");
        assert_ne!(second_password, first_password);
        assert_eq!(
            get(&app.url(""), &ana.cookie, "/").await.status(),
            StatusCode::SEE_OTHER
        );
        assert!(
            sign_in(&app.url(""), "ana", &first_password)
                .await
                .is_none()
        );
        assert!(
            sign_in(&app.url(""), "ana", &second_password)
                .await
                .is_some()
        );

        let disabled = post(&app.url(""), &admin, "/admin/staff/ana/disable", &[]).await;
        assert_eq!(location(&disabled), "/admin/staff/ana?done=disabled");
        assert!(
            sign_in(&app.url(""), "ana", &second_password)
                .await
                .is_none()
        );
        let list = get(&app.url(""), &admin.cookie, "/admin/staff")
            .await
            .text()
            .await
            .unwrap();
        assert!(list.contains("Disabled"));
        post(&app.url(""), &admin, "/admin/staff/ana/enable", &[]).await;
        assert!(
            sign_in(&app.url(""), "ana", &second_password)
                .await
                .is_some()
        );

        // An admin cannot lock themselves out.
        let own = post(&app.url(""), &admin, "/admin/staff/root/disable", &[]).await;
        assert_eq!(
            text_of(&own.text().await.unwrap(), "admin-error"),
            "You cannot disable your own account."
        );
        let own = post(
            &app.url(""),
            &admin,
            "/admin/staff/root",
            &[("role", "ops")],
        )
        .await;
        assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            get(&app.url(""), &admin.cookie, "/admin/staff/nobody")
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        assert_eq!(
            actions(store, "staff.")
                .await
                .into_iter()
                .filter(|(_, a)| a != "staff.signed_in" && a != "staff.signed_out")
                .collect::<Vec<_>>(),
            vec![
                ("test".to_string(), "staff.created".to_string()),
                ("staff:root".to_string(), "staff.created".to_string()),
                ("staff:root".to_string(), "staff.changed".to_string()),
                ("staff:root".to_string(), "staff.password_reset".to_string()),
                ("staff:root".to_string(), "staff.disabled".to_string()),
                ("staff:root".to_string(), "staff.enabled".to_string()),
            ]
        );
        let changed = store
            .events(&EventFilter {
                action_prefix: Some("staff.changed".to_string()),
                limit: 1,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        let detail = &changed[0].event.detail;
        assert_eq!(detail["before"]["role"], "gate");
        assert_eq!(detail["now"]["role"], "advisor");
        assert_eq!(
            detail["now"]["scopes"]["languages"],
            serde_json::json!(["es", "pt"])
        );

        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn an_admin_makes_a_token_shown_once_lists_and_revokes_it() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        add(store, "root", Role::Admin, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let admin = sign_in(&app.url(""), "root", "right-password")
            .await
            .unwrap();

        let refused = post(
            &app.url(""),
            &admin,
            "/admin/tokens",
            &[("name", " "), ("role", "ops")],
        )
        .await;
        assert_eq!(
            text_of(&refused.text().await.unwrap(), "admin-error"),
            "A token's name must have 1 to 100 characters."
        );
        let created = post(
            &app.url(""),
            &admin,
            "/admin/tokens",
            &[
                ("name", "reader MAD S24"),
                ("role", "gate"),
                ("stations", "MAD"),
            ],
        )
        .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let secret = text_of(&created.text().await.unwrap(), "secret");
        assert!(secret.starts_with("abt_"));
        let whoami = app.get_as("/api/whoami", &secret).send().await.unwrap();
        assert_eq!(whoami.status(), StatusCode::OK);

        let list = get(&app.url(""), &admin.cookie, "/admin/tokens")
            .await
            .text()
            .await
            .unwrap();
        assert!(list.contains("reader MAD S24"));
        assert!(!list.contains(&secret), "the list never shows the token");
        let token = store.api_tokens().await.unwrap().remove(0);
        assert!(list.contains(&format!("id=\"revoke-{}\"", token.id)));

        let revoked = post(
            &app.url(""),
            &admin,
            &format!("/admin/tokens/{}/revoke", token.id),
            &[],
        )
        .await;
        assert_eq!(location(&revoked), "/admin/tokens?done=revoked");
        let again = post(
            &app.url(""),
            &admin,
            &format!("/admin/tokens/{}/revoke", token.id),
            &[],
        )
        .await;
        assert_eq!(again.status(), StatusCode::NOT_FOUND);
        let list = get(&app.url(""), &admin.cookie, "/admin/tokens?done=revoked")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(text_of(&list, "admin-done"), "The token is revoked.");
        assert!(!list.contains(&format!("id=\"revoke-{}\"", token.id)));

        assert_eq!(
            actions(store, "token.").await,
            vec![
                ("staff:root".to_string(), "token.created".to_string()),
                ("staff:root".to_string(), "token.revoked".to_string()),
            ]
        );
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn an_admin_sets_stations_staffing_and_shifts() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        add(store, "root", Role::Admin, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        let admin = sign_in(&app.url(""), "root", "right-password")
            .await
            .unwrap();

        let empty = get(&app.url(""), &admin.cookie, "/admin/stations")
            .await
            .text()
            .await
            .unwrap();
        assert!(empty.contains("id=\"no-stations\""));
        let half = post(
            &app.url(""),
            &admin,
            "/admin/stations",
            &[("iata", "MAD"), ("staffed", "on"), ("shift_start", "05:00")],
        )
        .await;
        assert_eq!(half.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            text_of(&half.text().await.unwrap(), "admin-error"),
            "A shift needs both a start and an end (HH:MM), or neither for around the clock."
        );
        let saved = post(
            &app.url(""),
            &admin,
            "/admin/stations",
            &[
                ("iata", "mad"),
                ("staffed", "on"),
                ("shift_start", "22:00"),
                ("shift_end", "06:00"),
            ],
        )
        .await;
        assert_eq!(location(&saved), "/admin/stations?done=saved");
        let mad = store.station("MAD").await.unwrap().unwrap();
        assert!(mad.staffed);
        assert!(mad.on_shift(chrono::NaiveTime::from_hms_opt(23, 30, 0).unwrap()));
        assert!(!mad.on_shift(chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
        post(&app.url(""), &admin, "/admin/stations", &[("iata", "BCN")]).await;
        let list = get(&app.url(""), &admin.cookie, "/admin/stations")
            .await
            .text()
            .await
            .unwrap();
        assert!(list.contains("id=\"station-BCN\"") && list.contains("value=\"22:00\""));
        assert!(!store.station("BCN").await.unwrap().unwrap().staffed);

        let events = store
            .events(&EventFilter {
                action_prefix: Some("station.changed".to_string()),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 2);
        let mad = events.last().unwrap();
        assert_eq!(mad.event.actor, "staff:root");
        assert_eq!(mad.event.detail["now"]["shift_start"], "22:00");
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn only_admins_reach_the_admin_pages() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    add(store, "ops", Role::Ops, &[], &[]).await;
    add(store, "gate", Role::Gate, &["MAD"], &[]).await;
    add(store, "advisor", Role::Advisor, &[], &["es"]).await;
    add(store, "analyst", Role::Analyst, &[], &[]).await;
    let app = TestApp::spawn(db.config()).await;
    for login in ["ops", "gate", "advisor", "analyst"] {
        let session = sign_in(&app.url(""), login, "right-password")
            .await
            .unwrap();
        for path in [
            "/admin/staff",
            "/admin/staff/ops",
            "/admin/tokens",
            "/admin/stations",
        ] {
            assert_eq!(
                get(&app.url(""), &session.cookie, path).await.status(),
                StatusCode::FORBIDDEN,
                "{login} reads {path}"
            );
        }
        let added = post(
            &app.url(""),
            &session,
            "/admin/staff",
            &[("login", "x"), ("role", "ops")],
        )
        .await;
        assert_eq!(
            added.status(),
            StatusCode::FORBIDDEN,
            "{login} adds an account"
        );
        let station = post(
            &app.url(""),
            &session,
            "/admin/stations",
            &[("iata", "MAD")],
        )
        .await;
        assert_eq!(
            station.status(),
            StatusCode::FORBIDDEN,
            "{login} sets a station"
        );
    }
    let stranger = client().get(app.url("/admin/staff")).send().await.unwrap();
    assert_eq!(location(&stranger), "/signin?next=%2Fadmin%2Fstaff");
    assert_eq!(store.staff_accounts().await.unwrap().len(), 4);
    app.stop().await;
    db.finish().await;
}
