//! The staff pages in a real browser (signing in, the gate, the advisor, review and import, an analyst's reports and
//! their CSV download, walks in Spanish, Portuguese and French through every role's pages, taps without a
//! network): Debian's headless Chromium driven through chromedriver by `common::browser`.

mod common;

use std::time::{Duration, Instant};

use aboard::domain::{Role, UiLanguage};
use aboard::store::Store;
use aboard::web::accounts::{self, StaffSpec};
use common::browser::{WAIT, browser, browser_speaking};
use common::{TestApp, TestDb};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use secrecy::SecretString;

async fn add(store: &dyn Store, login: &str, role: Role, stations: &[&str], ui: UiLanguage) {
    let stations: Vec<String> = stations.iter().map(|s| s.to_string()).collect();
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: Some(format!("{login} person")),
        grant: accounts::grant(role, &stations, &[]).unwrap(),
        ui_language: ui,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
}

async fn text_of(client: &Client, id: &str) -> String {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} did not appear: {e}"))
        .text()
        .await
        .unwrap()
}

/// Fills the sign-in form the way a person at a keyboard does: type, Tab, type, Enter.
async fn sign_in_by_keyboard(client: &Client, base: &str, login: &str, password: &str) {
    client.goto(&format!("{base}/signin")).await.unwrap();
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("login"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(login).await.unwrap();
    let focused = client.active_element().await.unwrap();
    assert_eq!(focused.attr("id").await.unwrap().as_deref(), Some("login"));
    focused
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("password"),
        "Tab moves from the login to the password"
    );
    focused
        .send_keys(&format!("{password}{}", char::from(Key::Enter)))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_gate_agent_signs_in_sees_their_station_is_refused_another_and_signs_out() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(
        db.store.as_ref(),
        "gate-mad",
        Role::Gate,
        &["MAD"],
        UiLanguage::En,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "gate-mad", "wrong-password").await;
    assert_eq!(
        text_of(&client, "signin-error").await,
        "Wrong login or password."
    );
    assert_eq!(
        client
            .find(Locator::Id("login"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("gate-mad"),
        "the login is kept for the second try"
    );

    sign_in_by_keyboard(&client, &base, "gate-mad", "right-password").await;
    assert_eq!(text_of(&client, "role").await, "Gate agent");
    assert_eq!(text_of(&client, "stations").await, "MAD");
    assert_eq!(client.current_url().await.unwrap().path(), "/");

    client.goto(&format!("{base}/gate/BCN")).await.unwrap();
    assert_eq!(text_of(&client, "error-title").await, "Not allowed");

    client.goto(&format!("{base}/")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/gate/MAD']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&client, "no-tasks").await,
        "No open tasks at this station."
    );
    let htmx_loaded = client
        .execute("return typeof htmx !== 'undefined' && htmx.version", vec![])
        .await
        .unwrap();
    assert!(
        htmx_loaded.as_str().is_some_and(|v| v.starts_with('2')),
        "htmx is served by the binary and runs: {htmx_loaded}"
    );

    client
        .find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("signin"))
        .await
        .unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("signin"))
        .await
        .unwrap();
    assert_eq!(
        client.current_url().await.unwrap().path(),
        "/signin",
        "after signing out the start page asks to sign in again"
    );

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn an_advisor_claims_a_social_task_writes_sends_through_the_sandbox_and_records_the_outcome()
{
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let record = common::social::person(
        "P-BROWSER",
        "Lucía Pérez",
        "es",
        vec![common::social::x_account("77")],
    );
    let task = common::social::social_task(db.store.clone(), 7101, &record).await;
    // A stock text already sent to another passenger, for the near-duplicate warning.
    let other = common::social::person(
        "P-OTHER",
        "María Gil",
        "es",
        vec![common::social::x_account("78")],
    );
    let other_task = common::social::social_task(db.store.clone(), 7102, &other).await;
    db.store
        .enqueue_message(
            &aboard::domain::records::NewMessage {
                task_id: other_task.id,
                network: aboard::domain::Network::X,
                recipient: "78".to_string(),
                body: "Hola María, ¿todo bien con tu maleta esta vez? ¡Buen vuelo!".to_string(),
                author: "staff:someone".to_string(),
                idempotency_key: "earlier".to_string(),
                mode: aboard::domain::MessageMode::FreeText,
                tag: None,
                template: None,
            },
            aboard::clock::now(),
        )
        .await
        .unwrap();
    let spec = StaffSpec {
        login: "advisor-es".to_string(),
        display_name: Some("Alba Asesora".to_string()),
        grant: accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(
        db.store.as_ref(),
        &spec,
        &SecretString::from("right-password"),
        "test",
    )
    .await
    .unwrap();
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "advisor-es", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/advisor']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Claiming swaps the row in place (htmx), which then offers to open the task.
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("claim-{}", task.id)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("open-{}", task.id)))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    assert_eq!(text_of(&client, "person").await, "Lucía Pérez");
    let body = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("body"))
        .await
        .unwrap();
    assert_eq!(
        body.prop("value").await.unwrap().as_deref(),
        Some(""),
        "the message box starts empty"
    );
    body.send_keys("Hola Lucía, ¿todo bien con tu maleta esta vez? Buen vuelo")
        .await
        .unwrap();
    let warning = text_of(&client, "near-duplicate").await;
    assert!(
        warning.contains("casi igual a uno ya enviado"),
        "warned while typing: {warning}"
    );
    body.clear().await.unwrap();
    body.send_keys("Lucía, vimos que tu maleta llegó tarde en mayo. ¿Todo bien en este vuelo?")
        .await
        .unwrap();
    let started = Instant::now();
    while client.find(Locator::Id("near-duplicate")).await.is_ok() {
        assert!(
            started.elapsed() < WAIT,
            "the warning goes once the text is personal"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let sent = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("li.message[data-state='sent']"))
        .await
        .expect("the sandbox delivers and the list shows it sent");
    let shown = sent.text().await.unwrap();
    assert!(shown.contains("Enviado"), "{shown}");
    assert!(shown.contains("tu maleta llegó tarde"), "{shown}");
    assert!(
        shown.contains("Esto es lo que se habría enviado"),
        "the sandbox says what would have been sent: {shown}"
    );
    assert!(
        shown.contains("Alba Asesora") && !shown.contains("staff:advisor-es"),
        "signed with the advisor's name: {shown}"
    );

    client
        .find(Locator::Id("close"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("task-{}", other_task.id)))
        .await
        .expect("back on the queue, with the other passenger's task still open");
    assert!(
        client
            .find(Locator::Id(&format!("task-{}", task.id)))
            .await
            .is_err(),
        "the closed task has left the queue"
    );
    let closed = db.store.task(task.id).await.unwrap().unwrap();
    assert_eq!(closed.state, aboard::domain::TaskState::Done);
    assert_eq!(
        closed.outcome,
        Some(aboard::domain::TaskOutcome::MessageSent)
    );
    assert_eq!(closed.assignee.as_deref(), Some("staff:advisor-es"));

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// The day's first follow-up at MAD: a flight boarding at S24, a passenger linked to a registry person
/// with an open case, the station staffed. Returns the engine and the passenger who will board.
async fn boarding_flight(store: std::sync::Arc<dyn Store>) -> (aboard::app::Engine, uuid::Uuid) {
    use aboard::clock;
    use aboard::domain::records::{
        ComplaintCase, FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes,
        NewFlight, NewPassenger, PersonRecord, SocialAccount, Station,
    };
    use aboard::domain::{
        CaseStatus, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Network,
        TravellerClass,
    };
    use chrono::{Duration as Span, NaiveTime};

    let now = clock::now();
    let departure = now + Span::minutes(40);
    let passenger = NewPassenger {
        pax_key: "X7K2QM/1".to_string(),
        surname: "GARCIAPENA".to_string(),
        given_name: "MARIAJOSE".to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some("X7K2QM".to_string()),
        seat: Some("12C".to_string()),
        cabin_class: Some("Y".to_string()),
        destination: Some("MEX".to_string()),
        party_ref: None,
        frequent_flyer: None,
        email: None,
        phone: None,
        date_of_birth: None,
        gender: None,
        nationality: None,
        docs_surname: None,
        docs_given: None,
        checkin_sequence: None,
        service_codes: vec![],
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "IB6401.csv".to_string(),
        digest: "browser".to_string(),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: FlightKey {
                    flight: FlightNumber::parse("IB6401").unwrap(),
                    local_date: now.date_naive(),
                    origin: Iata::parse("MAD").unwrap(),
                },
                destination: Some(Iata::parse("MEX").unwrap()),
                departure: MovementTimes {
                    scheduled: Some(departure),
                    ..Default::default()
                },
                arrival: MovementTimes {
                    scheduled: Some(departure + Span::minutes(740)),
                    ..Default::default()
                },
                gate: Some("S24".to_string()),
                status: FlightStatus::Boarding,
            },
            mode: ListMode::Merge,
            passengers: vec![passenger],
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let passenger_id = store.passengers(flight_id).await.unwrap()[0].id;
    let person = store
        .upsert_person(
            &PersonRecord {
                external_id: "SC-1".to_string(),
                display_name: "María José García-Peña".to_string(),
                language: Some("es".to_string()),
                country: Some("ES".to_string()),
                date_of_birth: None,
                identifiers: vec![],
                accounts: vec![SocialAccount {
                    network: Network::X,
                    handle: "@mjgarcia".to_string(),
                    network_user_id: Some("1".to_string()),
                    followers: 48_000,
                    activity_30d: 61,
                    follows_airline: true,
                    accepts_dms: false,
                    opted_in: true,
                    last_inbound_at: None,
                }],
                cases: vec![ComplaintCase {
                    external_ref: "CS-1".to_string(),
                    opened_at: now - Span::days(40),
                    resolved_at: None,
                    channel: "x".to_string(),
                    category: "baggage".to_string(),
                    severity: 4,
                    summary: "Suitcase arrived two days late".to_string(),
                    status: CaseStatus::Open,
                    source_url: None,
                }],
                consents: vec![],
            },
            "test",
            now,
        )
        .await
        .unwrap();
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id: person.id,
            decision: LinkDecision::Linked,
            score: 0.99,
            reasons: vec![],
            decided_by: "matcher".to_string(),
            updated_at: now,
        })
        .await
        .unwrap();
    store
        .upsert_station(
            &Station {
                iata: Iata::parse("MAD").unwrap(),
                staffed: true,
                shift_start: NaiveTime::from_hms_opt(0, 0, 0),
                shift_end: NaiveTime::from_hms_opt(23, 59, 0),
            },
            "test",
            aboard::clock::now(),
        )
        .await
        .unwrap();
    let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let engine = aboard::app::Engine::new(store, rules, common::policy());
    (engine, passenger_id)
}

#[tokio::test]
async fn a_task_appears_live_on_the_gate_view_and_one_tap_records_the_outcome() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(
        db.store.as_ref(),
        "gate-mad",
        Role::Gate,
        &["MAD"],
        UiLanguage::En,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);
    let (engine, passenger_id) = boarding_flight(db.store.clone()).await;

    sign_in_by_keyboard(&client, &base, "gate-mad", "right-password").await;
    assert_eq!(text_of(&client, "role").await, "Gate agent");
    client.goto(&format!("{base}/gate/MAD")).await.unwrap();
    assert_eq!(
        text_of(&client, "no-tasks").await,
        "No open tasks at this station."
    );
    // Let the page's event stream connect before the passenger boards.
    tokio::time::sleep(Duration::from_millis(700)).await;

    let boarded = engine
        .passenger_boarded(passenger_id, "gate:MAD:S24", aboard::clock::now())
        .await
        .unwrap();
    let boarded_at = Instant::now();
    assert_eq!(boarded.created.len(), 1, "{boarded:?}");
    let task_id = boarded.created[0].id;
    let row = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("task-{task_id}")))
        .await
        .expect("the new task appears without a reload");
    let appeared_after = boarded_at.elapsed();
    assert!(
        appeared_after < Duration::from_secs(2),
        "the task took {appeared_after:?} to appear"
    );
    let text = row.text().await.unwrap();
    assert!(
        text.contains("12C") && text.contains("GARCIAPENA/MARIAJOSE"),
        "{text}"
    );
    assert!(text.contains("ES"), "the person's language: {text}");
    assert!(
        !text.contains("48"),
        "no follower count reaches the gate: {text}"
    );

    if let Ok(path) = std::env::var("ABOARD_SCREENSHOT") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(&path, png).unwrap();
    }

    // A tap on the wrong outcome: only its card goes (no reload), and it can be undone.
    client
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    let tap = |outcome: &'static str| {
        let client = client.clone();
        async move {
            click_at(
                &client,
                Locator::Css(&format!("#task-{task_id} button[value='{outcome}']")),
            )
            .await;
        }
    };
    // "I'm going" updates its card alone.
    click(&client, &format!("claim-{task_id}")).await;
    wait_for_text(&client, &format!("claimed-{task_id}"), "You're going").await;
    tap("not_found").await;
    wait_for_text(&client, "undo-text", "Recorded: Not found").await;
    assert_eq!(
        text_of(&client, "no-tasks").await,
        "No open tasks at this station."
    );
    let not_reloaded = client
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        not_reloaded,
        serde_json::json!(true),
        "the page was not reloaded"
    );
    click(&client, &format!("undo-{task_id}")).await;
    wait_for_text(
        &client,
        "undo-text",
        "Undone: the task is back on the list, as yours.",
    )
    .await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("claimed-{task_id}")))
        .await
        .expect("the task comes back, as the agent's");
    let task = db.store.task(task_id).await.unwrap().unwrap();
    assert_eq!(task.state, aboard::domain::TaskState::Claimed);
    assert_eq!(task.outcome, None);

    tap("talked_all_well").await;
    wait_for_text(&client, "undo-text", "Recorded: Talked, all well").await;
    assert_eq!(
        text_of(&client, "no-tasks").await,
        "No open tasks at this station."
    );
    let task = db.store.task(task_id).await.unwrap().unwrap();
    assert_eq!(task.state, aboard::domain::TaskState::Done);
    assert_eq!(
        task.outcome,
        Some(aboard::domain::TaskOutcome::TalkedAllWell)
    );
    assert_eq!(task.assignee.as_deref(), Some("gate-mad"));

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// A booking and a registry profile with the booking's e-mail and given name under another surname
/// (perhaps a married or birth name): a case for the match review. Returns the passenger and person ids.
async fn review_case(store: &dyn Store) -> (uuid::Uuid, uuid::Uuid) {
    use aboard::clock;
    use aboard::domain::records::{
        FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
    };
    use aboard::domain::{FlightKey, FlightNumber, FlightStatus, Iata, TravellerClass};
    use chrono::Duration as Span;

    let now = clock::now();
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "IB6401.csv".to_string(),
        digest: "review".to_string(),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: FlightKey {
                    flight: FlightNumber::parse("IB6401").unwrap(),
                    local_date: now.date_naive(),
                    origin: Iata::parse("MAD").unwrap(),
                },
                destination: Some(Iata::parse("MEX").unwrap()),
                departure: MovementTimes {
                    scheduled: Some(now + Span::hours(2)),
                    ..Default::default()
                },
                arrival: MovementTimes::default(),
                gate: Some("S24".to_string()),
                status: FlightStatus::Scheduled,
            },
            mode: ListMode::Merge,
            passengers: vec![NewPassenger {
                pax_key: "X7K2QM/1".to_string(),
                surname: "IBANEZMARTINEZ".to_string(),
                given_name: "JESUS".to_string(),
                title: Some("MR".to_string()),
                traveller_class: TravellerClass::Adult,
                locator: Some("X7K2QM".to_string()),
                seat: Some("12C".to_string()),
                cabin_class: None,
                destination: Some("MEX".to_string()),
                party_ref: None,
                frequent_flyer: None,
                email: Some("jesus.ibanez@example.es".to_string()),
                phone: None,
                date_of_birth: None,
                gender: None,
                nationality: None,
                docs_surname: None,
                docs_given: None,
                checkin_sequence: None,
                service_codes: vec![],
            }],
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    aboard::app::registry::import_registry_file(
        store,
        "reg.json",
        r#"[{"external_id": "P-RUIZ", "display_name": "Jesús Ruiz Gómez", "language": "es", "emails": ["jesus.ibanez@example.es"]}]"#
            .as_bytes(),
        "test",
        now,
    )
    .await
    .unwrap();
    let link = store.links_for_flight(flight_id).await.unwrap().remove(0);
    assert_eq!(link.decision, aboard::domain::LinkDecision::Review);
    (link.passenger_id, link.person_id)
}

#[tokio::test]
async fn an_advisor_confirms_a_review_case_and_ops_import_a_manifest_from_the_page() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let (passenger_id, person_id) = review_case(db.store.as_ref()).await;
    let spec = StaffSpec {
        login: "advisor-es".to_string(),
        display_name: Some("Alba Asesora".to_string()),
        grant: accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(
        db.store.as_ref(),
        &spec,
        &SecretString::from("right-password"),
        "test",
    )
    .await
    .unwrap();
    add(db.store.as_ref(), "ops", Role::Ops, &[], UiLanguage::En).await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    // The advisor finds the review from the start page and confirms by keyboard: Tab to the button, Enter.
    sign_in_by_keyboard(&client, &base, "advisor-es", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/review']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let case = format!("review-{passenger_id}-{person_id}");
    let shown = text_of(&client, &case).await;
    assert!(
        shown.contains("IBANEZMARTINEZ/JESUS MR") && shown.contains("Jesús Ruiz Gómez"),
        "{shown}"
    );
    assert!(
        shown.contains("coincide"),
        "the e-mail agrees, in Spanish: {shown}"
    );
    let reject = client
        .find(Locator::Id(&format!("reject-{passenger_id}-{person_id}")))
        .await
        .unwrap();
    let confirm = client
        .find(Locator::Id(&format!("confirm-{passenger_id}-{person_id}")))
        .await
        .unwrap();
    // Focus the confirm button as a keyboard user would reach it, then press Enter.
    client
        .execute(
            "arguments[0].focus();",
            vec![serde_json::to_value(&confirm).unwrap()],
        )
        .await
        .unwrap();
    let focused = client.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap(),
        confirm.attr("id").await.unwrap()
    );
    focused
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    assert_eq!(
        client
            .active_element()
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap(),
        reject.attr("id").await.unwrap(),
        "Tab moves from confirm to reject"
    );
    confirm
        .send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    let done = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#{case}[data-decision='linked']")))
        .await
        .expect("the case is replaced by its result in place");
    let text = done.text().await.unwrap();
    assert!(text.contains("Confirmado"), "{text}");
    let link = db
        .store
        .links_for_passenger(passenger_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(link.decision, aboard::domain::LinkDecision::Linked);
    assert_eq!(link.decided_by, "staff:advisor-es");

    // Ops upload a manifest through the import form.
    client
        .find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sign_in_by_keyboard(&client, &base, "ops", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/ops/import']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ib3100.csv");
    std::fs::write(
        &file,
        "flight,date,origin,destination,locator,surname,given\n\
         IB3100,2026-11-22,MAD,BCN,ABC123,NUNEZ,ANA\n",
    )
    .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    client
        .find(Locator::Id("import"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let results = text_of(&client, "import-results").await;
    assert!(
        results.contains("ib3100.csv (csv): 1 flight, 1 added"),
        "{results}"
    );
    assert_eq!(db.store.counts().await.unwrap().flights, 2);
    // The success line links to the flight it filled.
    client
        .find(Locator::Css("#import-results a[href^='/gate/flight/']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("h1"))
        .await
        .unwrap();
    let heading = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("IB3100"), "{heading}");

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn an_analyst_opens_the_reports_reads_a_chart_and_downloads_a_table_as_csv() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(
        db.store.as_ref(),
        "analyst",
        Role::Analyst,
        &[],
        UiLanguage::En,
    )
    .await;
    let record = common::social::person(
        "P-REPORT",
        "Rita Report",
        "es",
        vec![common::social::x_account("7001")],
    );
    common::social::social_task(db.store.clone(), 5301, &record).await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "analyst", "right-password").await;
    assert_eq!(text_of(&client, "role").await, "Analyst");
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/reports']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let funnel = text_of(&client, "report-funnel").await;
    assert!(
        funnel.contains("social tasks\t1") || funnel.contains("social tasks 1"),
        "{funnel}"
    );
    let charts = client
        .find_all(Locator::Css("figure.chart svg"))
        .await
        .unwrap();
    assert!(
        charts.len() >= 3,
        "the funnel, deadlines and latency charts"
    );
    let page = client.source().await.unwrap();
    assert!(!page.contains("Rita"), "no person is named");

    // The CSV link downloads the table: the browser fetches what the link points at with its session.
    let link = client
        .find(Locator::Css("#report-funnel a.csv"))
        .await
        .unwrap();
    assert_eq!(link.attr("download").await.unwrap().as_deref(), Some(""));
    let href = link.attr("href").await.unwrap().unwrap();
    let downloaded = client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0]).then(r => r.text().then(t => done([r.status, \
             r.headers.get('content-disposition'), t])));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(downloaded[0], 200);
    assert!(
        downloaded[1]
            .as_str()
            .unwrap()
            .starts_with("attachment; filename=\"aboard-funnel-"),
        "{downloaded}"
    );
    let csv = downloaded[2].as_str().unwrap();
    assert!(
        csv.starts_with("stage,count\n") && csv.contains("\nsocial tasks,1\n"),
        "{csv}"
    );
    link.click().await.unwrap();

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// Clicks the element with `id` once it is there.
async fn click(client: &Client, id: &str) {
    click_at(client, Locator::Id(id)).await;
}

/// Clicks what `locator` finds once it is there. A live swap (htmx, the event stream) may replace the
/// element between finding and clicking; a finger would then hit its replacement, so the test finds it again.
async fn click_at(client: &Client, locator: Locator<'_>) {
    let started = Instant::now();
    loop {
        let element = client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{locator:?} did not appear: {e}"));
        match element.click().await {
            Ok(()) => return,
            Err(e) if e.is_stale_element_reference() && started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("clicking {locator:?}: {e}"),
        }
    }
}

/// Types into the field with `id`, replacing what it held.
async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id} did not appear: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits until the element with `id` says `expected`: after a click the old page may still show it,
/// saying something else, until the new one arrives.
async fn wait_for_text(client: &Client, id: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let text = match client.find(Locator::Id(id)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text == expected {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "#{id} says {text:?}, not {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn choose(client: &Client, select: &str, value: &str) {
    client
        .find(Locator::Id(select))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_adds_an_account_changes_it_makes_and_revokes_a_token_and_staffs_a_station() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(db.store.as_ref(), "root", Role::Admin, &[], UiLanguage::En).await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    sign_in_by_keyboard(&client, &base, "root", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("a[href='/admin/staff']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&client, "login", "marta").await;
    type_into(&client, "display_name", "Marta Puerta").await;
    choose(&client, "role", "gate").await;
    type_into(&client, "stations", "MAD").await;
    choose(&client, "ui_language", "es").await;
    click(&client, "add-account").await;
    let password = text_of(&client, "secret").await;
    assert_eq!(text_of(&client, "secret-for").await, "marta");
    click(&client, "secret-done").await;
    assert_eq!(
        text_of(&client, "account-marta")
            .await
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>(),
        vec!["marta", "Marta", "Puerta"]
    );

    client
        .find(Locator::Css("a[href='/admin/staff/marta']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    type_into(&client, "stations", "MAD, BCN").await;
    click(&client, "save-account").await;
    wait_for_text(&client, "admin-done", "Changes saved.").await;
    click(&client, "disable-account").await;
    wait_for_text(
        &client,
        "admin-done",
        "The account is disabled and its sessions are ended.",
    )
    .await;
    click(&client, "enable-account").await;
    wait_for_text(&client, "admin-done", "The account can sign in again.").await;
    let account = db.store.staff_accounts().await.unwrap();
    let marta = account
        .iter()
        .find(|a| a.login.as_str() == "marta")
        .unwrap();
    assert_eq!(
        accounts::describe_grant(&marta.grant),
        "gate, stations BCN,MAD"
    );
    assert!(!marta.disabled);

    client.goto(&format!("{base}/admin/tokens")).await.unwrap();
    type_into(&client, "name", "reader BCN").await;
    choose(&client, "role", "gate").await;
    type_into(&client, "stations", "BCN").await;
    click(&client, "create-token").await;
    let token = text_of(&client, "secret").await;
    assert!(token.starts_with("abt_"), "{token}");
    click(&client, "secret-done").await;
    let id = db.store.api_tokens().await.unwrap()[0].id;
    click(&client, &format!("revoke-{id}")).await;
    wait_for_text(&client, "admin-done", "The token is revoked.").await;
    let html = client.source().await.unwrap();
    assert!(!html.contains(&token), "a token is shown once, never again");

    client
        .goto(&format!("{base}/admin/stations"))
        .await
        .unwrap();
    type_into(&client, "iata", "BCN").await;
    click(&client, "staffed").await;
    // A time field takes digits and AM/PM as typed on a keyboard (the browser runs in en-US).
    type_into(&client, "shift_start", "0600AM").await;
    type_into(&client, "shift_end", "1000PM").await;
    click(&client, "add-station").await;
    wait_for_text(&client, "admin-done", "Changes saved.").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("station-BCN"))
        .await
        .unwrap();
    let bcn = db.store.station("BCN").await.unwrap().unwrap();
    assert!(bcn.staffed);
    assert_eq!(
        (
            bcn.shift_start.unwrap().to_string(),
            bcn.shift_end.unwrap().to_string()
        ),
        ("06:00:00".to_string(), "22:00:00".to_string())
    );

    // The temporary password signs Marta in, in her language.
    client
        .find(Locator::Id("signout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    sign_in_by_keyboard(&client, &base, "marta", &password).await;
    assert_eq!(text_of(&client, "role").await, "Agente de puerta");
    assert_eq!(text_of(&client, "stations").await, "BCN, MAD");

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn an_advisor_sends_a_whatsapp_template_outside_the_window_and_the_reply_appears_without_a_reload()
 {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let whatsapp = aboard::domain::records::SocialAccount {
        network: aboard::domain::Network::Whatsapp,
        handle: "+34600000091".to_string(),
        network_user_id: Some("34600000091".to_string()),
        last_inbound_at: Some(aboard::clock::now() - chrono::Duration::hours(48)),
        ..common::social::x_account("91")
    };
    let record = common::social::person("P-BROWSER-WA", "Pablo Gil", "es", vec![whatsapp]);
    let task = common::social::social_task(db.store.clone(), 9101, &record).await;
    let spec = StaffSpec {
        login: "advisor-es".to_string(),
        display_name: Some("Alba Asesora".to_string()),
        grant: accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(
        db.store.as_ref(),
        &spec,
        &SecretString::from("right-password"),
        "test",
    )
    .await
    .unwrap();
    let fake = common::fake_network::FakeNetwork::new(common::fake_network::Kind::Whatsapp);
    let fake_url = fake.serve().await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.messaging.templates = std::collections::BTreeMap::from([(
        "flight_checkin".to_string(),
        "Hola {{1}}, esperamos que el vuelo {{2}} vaya bien.".to_string(),
    )]);
    config.outbox.poll_millis = 100;
    config.outbox.whatsapp = Some(aboard::messaging::networks::WhatsappConfig {
        base_url: fake_url,
        api_version: "v23.0".to_string(),
        phone_number_id: "106540352242922".to_string(),
        access_token: SecretString::from("token"),
        app_secret: Some(SecretString::from("meta-app-secret")),
        verify_token: None,
        pacing: aboard::messaging::networks::Pacing::default(),
    });
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);
    let hook = format!("{base}/hooks/whatsapp");
    fake.calls_back(&hook, "meta-app-secret");

    sign_in_by_keyboard(&client, &base, "advisor-es", "right-password").await;
    client
        .goto(&format!("{base}/advisor/tasks/{}", task.id))
        .await
        .unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("claim"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let template = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("template"))
        .await
        .expect("outside the window the composer offers the approved templates");
    template.select_by_value("flight_checkin").await.unwrap();
    let parameters = client.find(Locator::Id("parameters")).await.unwrap();
    parameters
        .send_keys(&format!("Pablo{}IB9101", char::from(Key::Enter)))
        .await
        .unwrap();
    client
        .find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let delivered = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("li.message[data-state='delivered']"))
        .await
        .expect("the fake network reports the template delivered");
    assert!(
        delivered
            .text()
            .await
            .unwrap()
            .contains("Hola Pablo, esperamos que el vuelo IB9101 vaya bien."),
    );
    let sent = fake.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["type"], "template");
    assert_eq!(sent[0].body["template"]["name"], "flight_checkin");

    // The page stays as it is: a marker set now survives only if nothing reloads it.
    client
        .execute("window.aboardMarker = 'same page'; return null;", vec![])
        .await
        .unwrap();
    let reply = common::fake_network::whatsapp_reply(
        "wamid.BROWSER-REPLY",
        "34600000091",
        "¡Muy bien, gracias por escribir!",
    );
    assert_eq!(
        common::fake_network::post_signed_meta(&hook, "meta-app-secret", &reply).await,
        200
    );
    let shown = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("li.message[data-state='reply']"))
        .await
        .expect("the reply appears in the thread");
    assert!(
        shown
            .text()
            .await
            .unwrap()
            .contains("¡Muy bien, gracias por escribir!")
    );
    let marker = client
        .execute("return window.aboardMarker || null;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!("same page"), "no reload");

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// A gate tablet in landscape (1024×768) shows at least four tasks whole, without scrolling.
#[tokio::test]
async fn four_tasks_fit_on_a_1024_by_768_tablet() {
    use aboard::domain::Channel;
    use aboard::domain::records::NewTask;
    use chrono::Duration as Span;

    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    let (_engine, passenger_id) = boarding_flight(db.store.clone()).await;
    let passenger = db.store.passenger(passenger_id).await.unwrap().unwrap();
    let person = db.store.links_for_passenger(passenger_id).await.unwrap()[0].person_id;
    let now = aboard::clock::now();
    for n in 0..6 {
        let task = NewTask {
            flight_id: passenger.flight_id,
            passenger_id,
            person_id: person,
            rule_id: format!("rule-{n}"),
            channel: Channel::Gate,
            station: "MAD".to_string(),
            gate: Some("S24".to_string()),
            priority: 2 + (n % 3) as i16,
            due_at: now + Span::minutes(5),
            expires_at: now + Span::minutes(30),
            brief: "María José García-Peña, seat 12C, speaks es: complained before (baggage), a case is \
                    still open. Ask whether all is well now and wish a good flight."
                .to_string(),
            why: vec![],
            holdout: None,
            briefs: Default::default(),
        };
        db.store.create_task(&task, now).await.unwrap().unwrap();
    }
    add(
        db.store.as_ref(),
        "gate-mad",
        Role::Gate,
        &["MAD"],
        UiLanguage::Es,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);
    client.set_window_size(1024, 768).await.unwrap();
    sign_in_by_keyboard(&client, &base, "gate-mad", "right-password").await;
    text_of(&client, "role").await;
    client.goto(&format!("{base}/gate/MAD")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("li.task"))
        .await
        .unwrap();
    let whole = client
        .execute(
            "const h = window.innerHeight; \
             return [h, [...document.querySelectorAll('li.task')] \
               .filter(t => { const r = t.getBoundingClientRect(); return r.top >= 0 && r.bottom <= h; }) \
               .length];",
            vec![],
        )
        .await
        .unwrap();
    let height = whole[0].as_i64().unwrap();
    let visible = whole[1].as_i64().unwrap();
    assert!(height >= 600, "the window's inner height: {height}");
    assert!(
        visible >= 4,
        "{visible} tasks whole in a {height} px high window"
    );

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// The English catalogue's messages that read otherwise in `language`: none of them may show on a page
/// in that language. Messages with arguments are left out (their words around the arguments are
/// checked where they show, by the tests of those pages).
fn english_only_messages(language: &str) -> Vec<String> {
    let read = |code: &str| -> std::collections::HashMap<String, String> {
        let path = format!("{}/locales/{code}.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .lines()
            .filter_map(|line| line.split_once(" = "))
            .filter(|(id, _)| !id.starts_with('#') && !id.starts_with(' '))
            .map(|(id, text)| (id.trim().to_string(), text.trim().to_string()))
            .collect()
    };
    let english = read("en");
    let theirs = read(language);
    assert!(english.len() > 300, "the English catalogue was read");
    // A one-word English message that is also a word of the language ("met" in French) proves nothing.
    let their_words: std::collections::HashSet<&str> = theirs
        .values()
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .collect();
    english
        .into_iter()
        // A language's own name is how every interface offers it: "English" is right on a Spanish page.
        .filter(|(id, _)| id != "language-name")
        .filter(|(id, text)| theirs.get(id) != Some(text) && !text.contains('{'))
        .filter(|(_, text)| !their_words.contains(text.as_str()))
        .map(|(_, text)| text)
        .collect()
}

/// What a page says to its reader: its title, text, and the labels read out for controls. Data the page
/// marks `translate="no"` (the event log's codes and JSON) is left out: it is the same in every language.
async fn page_words(client: &Client) -> String {
    let said = client
        .execute(
            "const data = [...document.querySelectorAll('[translate=no]')].filter(e => !e.hidden);
             data.forEach(e => { e.hidden = true; });
             const attrs = [...document.querySelectorAll('[title],[aria-label],[placeholder]')]
               .flatMap(e => ['title', 'aria-label', 'placeholder'].map(a => e.getAttribute(a) || ''));
             const words = [document.title, document.body.innerText, ...attrs].join(String.fromCharCode(10));
             data.forEach(e => { e.hidden = false; });
             return words;",
            vec![],
        )
        .await
        .unwrap();
    said.as_str().unwrap_or_default().to_string()
}

/// Fails naming every English catalogue message found on the page as a whole phrase.
async fn assert_no_english(client: &Client, english: &[String], page: &str) {
    let words = page_words(client).await;
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let found: Vec<&String> = english
        .iter()
        .filter(|phrase| {
            words.match_indices(phrase.as_str()).any(|(at, _)| {
                !is_word(words[..at].chars().next_back())
                    && !is_word(words[at + phrase.len()..].chars().next())
            })
        })
        .collect();
    assert!(
        found.is_empty(),
        "{page} shows English: {found:?}\n--- the page ---\n{words}"
    );
}

/// A walk through the staff pages in `language` (sign-in in the browser's language, the advisor's queue
/// and task after they choose the language on their start page, the match review, and the gate view
/// with a live task), with no English catalogue message on any page, and the briefs in that language.
async fn walk_in(language: UiLanguage, accept: &str, sign_in_label: &str, brief_word: &str) {
    let Some((_driver, client)) = browser_speaking(Some(accept)).await else {
        return;
    };
    let code = language.as_str();
    let english = english_only_messages(code);
    let db = TestDb::sqlite().await;
    let record = common::social::person(
        "P-WALK",
        "Inês Duarte",
        code,
        vec![common::social::x_account("91")],
    );
    let social = common::social::social_task(db.store.clone(), 7301, &record).await;
    assert!(
        social.new.briefs.contains_key(&language),
        "the shipped rules brief in {code}: {social:?}"
    );
    review_case(db.store.as_ref()).await;
    let spec = StaffSpec {
        login: "advisor-walk".to_string(),
        display_name: Some("Rita Assessora".to_string()),
        grant: accounts::grant(Role::Advisor, &[], &[code.to_string()]).unwrap(),
        ui_language: UiLanguage::En,
    };
    accounts::add_staff(
        db.store.as_ref(),
        &spec,
        &SecretString::from("right-password"),
        "test",
    )
    .await
    .unwrap();
    add(
        db.store.as_ref(),
        "gate-walk",
        Role::Gate,
        &["MAD"],
        language,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);

    // Before anyone signs in, the page follows the browser's language.
    client.goto(&format!("{base}/signin")).await.unwrap();
    assert_eq!(text_of(&client, "signin").await, sign_in_label);
    assert_no_english(&client, &english, "/signin").await;

    // The advisor's account is in English until they choose their language on the start page.
    sign_in_by_keyboard(&client, &base, "advisor-walk", "right-password").await;
    assert_eq!(text_of(&client, "role").await, "Customer advisor");
    choose(&client, "my-language", code).await;
    click(&client, "save-language").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("html[lang='{code}']")))
        .await
        .expect("the start page comes back in the chosen language");
    assert_no_english(&client, &english, "/").await;
    let account = db
        .store
        .staff_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.login.as_str() == "advisor-walk")
        .unwrap();
    assert_eq!(account.ui_language, language, "the choice is kept");

    client.goto(&format!("{base}/advisor")).await.unwrap();
    let row = text_of(&client, &format!("task-{}", social.id)).await;
    assert!(row.contains(brief_word), "the brief in {code}: {row}");
    assert_no_english(&client, &english, "/advisor").await;
    client
        .goto(&format!("{base}/advisor/tasks/{}", social.id))
        .await
        .unwrap();
    let why = text_of(&client, "why").await;
    assert!(why.contains(brief_word), "the brief in {code}: {why}");
    assert!(
        !why.contains("person.") && !why.contains("station."),
        "no rule expression reaches an advisor: {why}"
    );
    assert_no_english(&client, &english, "/advisor/tasks/{id}").await;
    client.goto(&format!("{base}/review")).await.unwrap();
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[id^='review-']"))
        .await
        .expect("the review case is listed");
    assert_no_english(&client, &english, "/review").await;

    // A gate agent whose account is in the language, with a task arriving live.
    client.delete_all_cookies().await.unwrap();
    let (engine, passenger_id) = boarding_flight(db.store.clone()).await;
    sign_in_by_keyboard(&client, &base, "gate-walk", "right-password").await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("role"))
        .await
        .unwrap();
    client.goto(&format!("{base}/gate/MAD")).await.unwrap();
    text_of(&client, "no-tasks").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let boarded = engine
        .passenger_boarded(passenger_id, "gate:MAD:S24", aboard::clock::now())
        .await
        .unwrap();
    let task_id = boarded.created[0].id;
    let card = text_of(&client, &format!("task-{task_id}")).await;
    assert!(card.contains(brief_word), "the brief in {code}: {card}");
    assert_no_english(&client, &english, "/gate/MAD").await;

    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

/// A walk through the back office in `language`: ops (flights, rules, scheduler, events, import), admin
/// (accounts, one account, tokens, stations) and an analyst (reports, uplift, ambassadors), each account
/// in the language, with no English catalogue message on any page.
async fn back_office_walk_in(language: UiLanguage, accept: &str) {
    let Some((_driver, client)) = browser_speaking(Some(accept)).await else {
        return;
    };
    let english = english_only_messages(language.as_str());
    let db = TestDb::sqlite().await;
    // The review case first: the boarding flight's import links the same booking.
    review_case(db.store.as_ref()).await;
    let (engine, passenger_id) = boarding_flight(db.store.clone()).await;
    engine
        .passenger_boarded(passenger_id, "gate:MAD:S24", aboard::clock::now())
        .await
        .unwrap();
    let store = db.store.as_ref();
    add(store, "ops-walk", Role::Ops, &[], language).await;
    add(store, "admin-walk", Role::Admin, &[], language).await;
    add(store, "analyst-walk", Role::Analyst, &[], language).await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config).await;
    let base = format!("http://{}", app.address);
    let walks: [(&str, &[&str]); 3] = [
        (
            "ops-walk",
            &[
                "/",
                "/ops/flights",
                "/ops/rules",
                "/ops/scheduler",
                "/ops/events",
                "/ops/import",
            ],
        ),
        (
            "admin-walk",
            &[
                "/",
                "/admin/staff",
                "/admin/staff/ops-walk",
                "/admin/tokens",
                "/admin/stations",
            ],
        ),
        (
            "analyst-walk",
            &["/", "/reports", "/reports/uplift", "/reports/ambassadors"],
        ),
    ];
    for (login, pages) in walks {
        client.delete_all_cookies().await.unwrap();
        sign_in_by_keyboard(&client, &base, login, "right-password").await;
        client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!(
                "html[lang='{}'] #role",
                language.as_str()
            )))
            .await
            .unwrap_or_else(|e| panic!("{login} is signed in, in {language}: {e}"));
        for page in pages {
            client.goto(&format!("{base}{page}")).await.unwrap();
            client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css("main"))
                .await
                .unwrap_or_else(|e| panic!("{page} shows: {e}"));
            assert_no_english(&client, &english, &format!("{login} on {page}")).await;
        }
    }
    client.close().await.unwrap();
    app.stop().await;
    db.finish().await;
}

#[tokio::test]
async fn a_spanish_walk_through_the_staff_pages_shows_no_english() {
    walk_in(UiLanguage::Es, "es-ES,es", "Iniciar sesión", "ya reclamó").await;
    back_office_walk_in(UiLanguage::Es, "es-ES,es").await;
}

#[tokio::test]
async fn a_portuguese_walk_through_the_staff_pages_shows_no_english() {
    walk_in(UiLanguage::Pt, "pt-PT,pt", "Iniciar sessão", "já reclamou").await;
    back_office_walk_in(UiLanguage::Pt, "pt-PT,pt").await;
}

#[tokio::test]
async fn a_french_walk_through_the_staff_pages_shows_no_english() {
    walk_in(UiLanguage::Fr, "fr-FR,fr", "Se connecter", "a déjà réclamé").await;
    back_office_walk_in(UiLanguage::Fr, "fr-FR,fr").await;
}

/// The tablet loses the network (here the server goes away): a tap is kept on the tablet, its card goes,
/// the page says a tap is waiting; when the server is back the tap is sent by itself and recorded once.
#[tokio::test]
async fn a_tap_without_network_waits_on_the_tablet_and_is_sent_when_it_is_back() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let db = TestDb::sqlite().await;
    add(
        db.store.as_ref(),
        "gate-mad",
        Role::Gate,
        &["MAD"],
        UiLanguage::En,
    )
    .await;
    let mut config = db.config();
    config.server.secure_cookies = false;
    config.scheduler.enabled = false;
    let app = TestApp::spawn(config.clone()).await;
    let base = format!("http://{}", app.address);
    let (engine, passenger_id) = boarding_flight(db.store.clone()).await;
    let boarded = engine
        .passenger_boarded(passenger_id, "gate:MAD:S24", aboard::clock::now())
        .await
        .unwrap();
    let task_id = boarded.created[0].id;
    sign_in_by_keyboard(&client, &base, "gate-mad", "right-password").await;
    text_of(&client, "role").await;
    client.goto(&format!("{base}/gate/MAD")).await.unwrap();
    text_of(&client, &format!("task-{task_id}")).await;

    // The network goes.
    let address = app.address;
    app.stop().await;
    client
        .find(Locator::Css(&format!(
            "#task-{task_id} button[value='talked_all_well']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(
        &client,
        "offline",
        "No network: your taps are kept on this tablet and sent when it is back. Waiting: 1",
    )
    .await;
    let cards = client
        .find_all(Locator::Id(&format!("task-{task_id}")))
        .await
        .unwrap();
    assert!(cards.is_empty(), "the tapped card left the list");
    let kept = client
        .execute(
            "return JSON.parse(localStorage.getItem('aboard.gate.taps') || '[]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!(1), "the tap is kept on the tablet");
    let task = db.store.task(task_id).await.unwrap().unwrap();
    assert_eq!(
        task.state,
        aboard::domain::TaskState::Open,
        "nothing reached the server"
    );

    // The network comes back: the tap goes by itself, once.
    config.server.listen = address;
    let back = TestApp::spawn(config).await;
    wait_for_text(&client, "offline", "Network back: every tap was sent.").await;
    let task = db.store.task(task_id).await.unwrap().unwrap();
    assert_eq!(task.state, aboard::domain::TaskState::Done);
    assert_eq!(
        task.outcome,
        Some(aboard::domain::TaskOutcome::TalkedAllWell)
    );
    assert_eq!(task.assignee.as_deref(), Some("gate-mad"));
    let kept = client
        .execute(
            "return JSON.parse(localStorage.getItem('aboard.gate.taps') || '[]').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::json!(0));

    client.close().await.unwrap();
    back.stop().await;
    db.finish().await;
}
