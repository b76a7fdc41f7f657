//! The gate view, the in-person task API and the ops pages over real HTTP, on both backends: who may see
//! which station, that nothing beyond the one-line brief reaches the gate, outcomes recorded (a new
//! issue opening a case), and the event stream announcing a new task.

mod common;

use std::time::Duration;

use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger, NewTask,
    PersonRecord, SocialAccount,
};
use aboard::domain::{
    BoardingState, CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Iata, MessageState,
    Network, Role, TaskOutcome, TaskState, TravellerClass, UiLanguage,
};
use aboard::store::{EventFilter, Store};
use aboard::web::accounts::{self, StaffSpec};
use chrono::Duration as Span;
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;
use reqwest::header;
use secrecy::SecretString;
use uuid::Uuid;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn pax(key: &str, surname: &str, given: &str, seat: &str) -> NewPassenger {
    NewPassenger {
        pax_key: format!("LOC{key}/{key}"),
        surname: surname.to_string(),
        given_name: given.to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some(format!("LOC{key}")),
        seat: Some(seat.to_string()),
        cabin_class: Some("Y".to_string()),
        destination: None,
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
    }
}

fn flight(number: &str, origin: &str, destination: &str, gate: &str) -> NewFlight {
    let now = clock::now();
    NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse(origin).unwrap(),
        },
        destination: Some(Iata::parse(destination).unwrap()),
        departure: MovementTimes {
            scheduled: Some(now + Span::minutes(40)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: Some(gate.to_string()),
        status: FlightStatus::Boarding,
    }
}

/// A registry person with a large following: the gate must never see it.
fn famous(external_id: &str, language: &str) -> PersonRecord {
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: format!("Person {external_id}"),
        language: Some(language.to_string()),
        country: None,
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: "@famous_handle".to_string(),
            network_user_id: None,
            followers: 48_123,
            activity_30d: 61,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: vec![],
        consents: vec![],
    }
}

struct Day {
    mad_flight: Uuid,
    bcn_flight: Uuid,
    /// MAD tasks by seat: 3A (gate S24), 12C (gate S24), 30F (gate S30).
    mad_tasks: Vec<Uuid>,
    bcn_task: Uuid,
    person_12c: Uuid,
}

async fn import(store: &dyn Store, list: FlightList, digest: &str) -> Uuid {
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("{digest}.csv"),
        digest: digest.to_string(),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![list],
    };
    store
        .import_manifest(&import, clock::now())
        .await
        .unwrap()
        .flights[0]
        .flight_id
}

async fn task_for(
    store: &dyn Store,
    flight_id: Uuid,
    passenger_id: Uuid,
    person_id: Uuid,
    station: &str,
    gate: &str,
    brief: &str,
) -> Uuid {
    let now = clock::now();
    let task = NewTask {
        flight_id,
        passenger_id,
        person_id,
        rule_id: "checkin-at-gate".to_string(),
        channel: Channel::Gate,
        station: station.to_string(),
        gate: Some(gate.to_string()),
        priority: 4,
        due_at: now + Span::minutes(20),
        expires_at: now + Span::minutes(40),
        brief: brief.to_string(),
        briefs: Default::default(),
        why: vec!["48123 followers on X; an open baggage case".to_string()],
        holdout: None,
    };
    store.create_task(&task, now).await.unwrap().unwrap().id
}

async fn seed(store: &dyn Store) -> Day {
    let mad_flight = import(
        store,
        FlightList {
            flight: flight("IB6401", "MAD", "MEX", "S24"),
            mode: ListMode::Merge,
            passengers: vec![
                pax("1", "LOPEZ", "ANA", "30F"),
                pax("2", "GARCIA", "MARIA", "12C"),
                pax("3", "ABAD", "LUIS", "3A"),
            ],
        },
        "mad",
    )
    .await;
    let bcn_flight = import(
        store,
        FlightList {
            flight: flight("VY1000", "BCN", "LHR", "B12"),
            mode: ListMode::Merge,
            passengers: vec![pax("9", "SECRETBCN", "PAU", "7B")],
        },
        "bcn",
    )
    .await;
    let now = clock::now();
    let mut persons = Vec::new();
    for (id, language) in [("P1", "es"), ("P2", "es"), ("P3", "en"), ("P9", "ca")] {
        persons.push(
            store
                .upsert_person(&famous(id, language), "test", now)
                .await
                .unwrap()
                .id,
        );
    }
    let mad = store.passengers(mad_flight).await.unwrap();
    let seat = |s: &str| {
        mad.iter()
            .find(|p| p.details.seat.as_deref() == Some(s))
            .unwrap()
            .id
    };
    let t30 = task_for(
        store,
        mad_flight,
        seat("30F"),
        persons[0],
        "MAD",
        "S30",
        "Lost bag last month",
    )
    .await;
    let t12 = task_for(
        store,
        mad_flight,
        seat("12C"),
        persons[1],
        "MAD",
        "S24",
        "Delayed connection in May",
    )
    .await;
    let t3 = task_for(
        store,
        mad_flight,
        seat("3A"),
        persons[2],
        "MAD",
        "S24",
        "Seat broken on last trip",
    )
    .await;
    let bcn = store.passengers(bcn_flight).await.unwrap()[0].id;
    let bcn_task = task_for(
        store,
        bcn_flight,
        bcn,
        persons[3],
        "BCN",
        "B12",
        "Barcelona matter",
    )
    .await;
    Day {
        mad_flight,
        bcn_flight,
        mad_tasks: vec![t3, t12, t30],
        bcn_task,
        person_12c: persons[1],
    }
}

async fn spawn(db: &TestDb) -> TestApp {
    let mut config = db.config();
    config.scheduler.enabled = false;
    TestApp::spawn(config).await
}

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let response = client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn post_json(
    app: &TestApp,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let response = client()
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

/// The registry's detail that must never reach the gate.
fn assert_only_the_brief(body: &str, what: &str) {
    for secret in [
        "48123",
        "48,123",
        "followers",
        "famous_handle",
        "baggage case",
    ] {
        assert!(!body.contains(secret), "{what} shows {secret:?}");
    }
}

#[tokio::test]
async fn a_gate_agent_sees_only_their_station_and_only_the_brief() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let mad = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let advisor = token(db.store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;

        let (status, html) = get(&app, "/gate/MAD", &mad).await;
        assert_eq!(status, StatusCode::OK);
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        assert!(
            at("ABAD/LUIS") < at("GARCIA/MARIA") && at("GARCIA/MARIA") < at("LOPEZ/ANA"),
            "tasks are ordered by seat: 3A, 12C, 30F"
        );
        assert!(html.contains("Seat broken on last trip") && html.contains(">ES<"));
        assert!(html.contains("Europe/Madrid"), "the zone is shown");
        assert!(html.contains("sse-connect=\"/gate/MAD/events?since="));
        assert!(!html.contains("SECRETBCN"));
        assert_only_the_brief(&html, "the gate view");

        let (_, s24) = get(&app, "/gate/MAD?gate=S24", &mad).await;
        assert!(s24.contains("GARCIA/MARIA") && !s24.contains("LOPEZ/ANA"));

        let (status, flight) = get(&app, &format!("/gate/flight/{}", day.mad_flight), &mad).await;
        assert_eq!(status, StatusCode::OK);
        assert!(flight.contains("IB6401") && flight.contains("S24") && flight.contains("Boarding"));
        assert_only_the_brief(&flight, "the flight view");

        let (status, print) = get(
            &app,
            &format!("/gate/flight/{}/print", day.mad_flight),
            &mad,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(print.contains("id=\"cabin-list\""));
        assert!(print.find("3A").unwrap() < print.find("30F").unwrap());
        assert_only_the_brief(&print, "the cabin list");

        let (status, json) = get(&app, "/api/tasks", &mad).await;
        assert_eq!(status, StatusCode::OK);
        let tasks: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        let ids: Vec<String> = tasks
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = day.mad_tasks.iter().map(|id| id.to_string()).collect();
        assert_eq!(ids, expected, "their station's tasks only, by seat");
        assert_eq!(tasks[1]["seat"], "12C");
        assert_eq!(tasks[1]["language"], "es");
        assert!(tasks[0].get("why").is_none() && tasks[0].get("person_id").is_none());
        assert_only_the_brief(&json, "GET /api/tasks");
        let (_, gate_only) = get(&app, "/api/tasks?gate=S30&state=open", &mad).await;
        assert!(gate_only.contains("LOPEZ/ANA") && !gate_only.contains("GARCIA"));
        let (status, _) = get(&app, "/api/tasks?state=bogus", &mad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Another station: refused everywhere.
        let bcn_paths = [
            "/gate/BCN".to_string(),
            "/gate/BCN?gate=B12".to_string(),
            "/gate/BCN/events".to_string(),
            format!("/gate/flight/{}", day.bcn_flight),
            format!("/gate/flight/{}/print", day.bcn_flight),
            "/api/tasks?station=BCN".to_string(),
            "/api/tasks?channel=social".to_string(),
        ];
        for path in &bcn_paths {
            let (status, body) = get(&app, path, &mad).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert!(!body.contains("SECRETBCN"), "{path}");
        }
        for action in ["claim", "close"] {
            let (status, _) = post_json(
                &app,
                &format!("/api/tasks/{}/{action}", day.bcn_task),
                &mad,
                serde_json::json!({"outcome": "declined"}),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action} a BCN task");
        }
        let bcn_task = db.store.task(day.bcn_task).await.unwrap().unwrap();
        assert_eq!(bcn_task.state, TaskState::Open);

        // Ops pages are for ops; the gate view is not for advisors.
        for path in ["/ops/flights", "/ops/rules", "/ops/scheduler"] {
            assert_eq!(
                get(&app, path, &mad).await.0,
                StatusCode::FORBIDDEN,
                "{path}"
            );
            assert_eq!(get(&app, path, &advisor).await.0, StatusCode::FORBIDDEN);
            let (status, html) = get(&app, path, &ops).await;
            assert_eq!(status, StatusCode::OK, "{path} for ops");
            assert!(html.contains("<h1>"));
        }
        for path in ["/gate", "/gate/MAD", "/api/tasks"] {
            assert_eq!(get(&app, path, &advisor).await.0, StatusCode::FORBIDDEN);
        }
        let (_, all) = get(&app, "/api/tasks", &ops).await;
        assert!(all.contains("SECRETBCN/PAU"), "ops see every station");
        let (_, picker) = get(&app, "/gate", &mad).await;
        assert!(picker.contains("IB6401") && !picker.contains("VY1000"));

        let (_, board) = get(&app, "/ops/flights", &ops).await;
        assert!(
            board.contains("data-flight=\"IB6401\"") && board.contains("data-flight=\"VY1000\"")
        );
        assert!(board.contains("Europe/Madrid") && board.contains("Europe/Madrid"));
        let (_, rules) = get(&app, "/ops/rules", &ops).await;
        assert!(
            rules.contains("checkin-at-gate"),
            "the shipped rules are listed"
        );
        assert!(
            rules.contains("a gate agent checks in with them in person"),
            "each rule with its description"
        );
        // A run that caught up a missed one says when it ran and which run it made good.
        let now = clock::now();
        let due = now - chrono::Duration::minutes(30);
        let store = db.store.as_ref();
        assert!(
            store
                .claim_tick(
                    "expire-tasks",
                    due,
                    "other",
                    now,
                    now + chrono::Duration::minutes(1)
                )
                .await
                .unwrap()
        );
        store
            .finish_tick("expire-tasks", due, "other", "ok", "0 expired", now)
            .await
            .unwrap();
        let (_, jobs) = get(&app, "/ops/scheduler", &ops).await;
        let row = &jobs[jobs.find("data-job=\"expire-tasks\"").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains("catching up the run due"), "{row}");

        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn task_counts_and_list_versions_come_from_the_store() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let empty = store.task_list_version("MAD").await.unwrap();
        assert_eq!((empty.tasks, empty.latest), (0, None));
        let day = seed(store).await;
        let before = store.task_list_version("MAD").await.unwrap();
        assert_eq!(before.tasks, 3);
        assert!(before.latest.is_some());
        let now = clock::now();
        store
            .transition_task(&aboard::domain::records::TaskTransition {
                task_id: day.mad_tasks[0],
                from: vec![TaskState::Open],
                to: TaskState::Done,
                actor: "test".to_string(),
                assignee: None,
                outcome: Some(TaskOutcome::Declined),
                note: None,
                at: now + Span::seconds(1),
            })
            .await
            .unwrap()
            .unwrap();
        let after = store.task_list_version("MAD").await.unwrap();
        assert_ne!(after, before, "a change of state changes the version");
        let mut counts = store.task_counts_on(now.date_naive()).await.unwrap();
        counts.sort_by_key(|c| (c.flight_id == day.bcn_flight, c.state));
        let seen: Vec<(bool, TaskState, i64)> = counts
            .iter()
            .map(|c| (c.flight_id == day.mad_flight, c.state, c.tasks))
            .collect();
        assert_eq!(
            seen,
            vec![
                (true, TaskState::Open, 2),
                (true, TaskState::Done, 1),
                (false, TaskState::Open, 1)
            ]
        );
        db.finish().await;
    }
}

async fn add_gate_agent(store: &dyn Store, login: &str) {
    let spec = StaffSpec {
        login: login.to_string(),
        display_name: Some("Gonzalo Puerta".to_string()),
        grant: accounts::grant(Role::Gate, &["MAD".to_string()], &[]).unwrap(),
        ui_language: UiLanguage::Es,
    };
    accounts::add_staff(store, &spec, &SecretString::from("right-password"), "test")
        .await
        .unwrap();
}

fn session_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{name}=")))
        .map(|line| line.split(';').next().unwrap_or_default().to_string())
}

fn csrf_field(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// A page as the signed-in session sees it.
async fn page_text(app: &TestApp, path: &str, session: &str) -> String {
    client()
        .get(app.url(path))
        .header(header::COOKIE, session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, login: &str) -> String {
    let form = client().get(app.url("/signin")).send().await.unwrap();
    let cookie = session_cookie(&form, "aboard_signin").unwrap();
    let csrf = csrf_field(&form.text().await.unwrap());
    let response = client()
        .post(app.url("/signin"))
        .header(header::COOKIE, cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", "right-password"),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    session_cookie(&response, "aboard_session").expect("signed in")
}

#[tokio::test]
async fn outcomes_are_recorded_once_and_a_new_issue_opens_a_case() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let mad = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let [t3, t12, t30] = [day.mad_tasks[0], day.mad_tasks[1], day.mad_tasks[2]];

        let (status, claimed) = post_json(
            &app,
            &format!("/api/tasks/{t12}/claim"),
            &mad,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{claimed}");
        assert_eq!(claimed["state"], "claimed");
        assert_eq!(claimed["assignee"], "test gate");
        let (status, _) = post_json(
            &app,
            &format!("/api/tasks/{t12}/claim"),
            &mad,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "a claimed task cannot be claimed again"
        );

        let (status, refused) = post_json(
            &app,
            &format!("/api/tasks/{t12}/close"),
            &mad,
            serde_json::json!({"outcome": "message_sent"}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(refused["error"].as_str().unwrap().starts_with("outcome:"));

        let (status, closed) = post_json(
            &app,
            &format!("/api/tasks/{t12}/close"),
            &mad,
            serde_json::json!({"outcome": "talked_new_issue", "note": "Wheelchair not at the door in Mexico"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(closed["state"], "done");
        assert_eq!(closed["outcome"], "talked_new_issue");
        let task = db.store.task(t12).await.unwrap().unwrap();
        assert_eq!(task.outcome, Some(TaskOutcome::TalkedNewIssue));
        assert_eq!(
            task.outcome_note.as_deref(),
            Some("Wheelchair not at the door in Mexico")
        );
        let person = db.store.person(day.person_12c).await.unwrap().unwrap();
        let case = person
            .aboard
            .cases
            .iter()
            .find(|c| c.external_ref.ends_with(&t12.to_string()))
            .expect("a case opened from the gate");
        assert_eq!(case.status, CaseStatus::Open);
        assert_eq!(case.summary, "Wheelchair not at the door in Mexico");
        let events = db
            .store
            .events(&EventFilter {
                subject_kind: Some("task".to_string()),
                subject_id: Some(t12.to_string()),
                action_prefix: Some("task.".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        assert!(events.iter().any(|e| e.event.action == "task.done"));
        let (status, _) = post_json(
            &app,
            &format!("/api/tasks/{t12}/close"),
            &mad,
            serde_json::json!({"outcome": "declined"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "an outcome is recorded once");

        // The gate view's buttons: a session, its CSRF token, back to the list.
        add_gate_agent(db.store.as_ref(), "gate-mad").await;
        let session = sign_in(&app, "gate-mad").await;
        let page = page_text(&app, "/gate/MAD", &session).await;
        assert!(
            page.contains("Hablado, todo bien"),
            "the page is in the agent's Spanish"
        );
        assert!(
            page.contains(r#"value="asked_no_contact">Pidió que no le contacten</button>"#),
            "one tap records that the person asked not to be contacted"
        );
        let csrf = csrf_field(&page);
        let forged = client()
            .post(app.url(&format!("/gate/tasks/{t3}/outcome")))
            .header(header::COOKIE, &session)
            .form(&[
                ("csrf", "forged"),
                ("outcome", "not_found"),
                ("back", "/gate/MAD"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            db.store.task(t3).await.unwrap().unwrap().state,
            TaskState::Open
        );
        let tapped = client()
            .post(app.url(&format!("/gate/tasks/{t3}/outcome")))
            .header(header::COOKIE, &session)
            .form(&[
                ("csrf", csrf.as_str()),
                ("outcome", "not_found"),
                ("note", ""),
                ("back", "/gate/MAD"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(tapped.status(), StatusCode::SEE_OTHER);
        assert_eq!(tapped.headers()[header::LOCATION], "/gate/MAD");
        let task = db.store.task(t3).await.unwrap().unwrap();
        assert_eq!(
            (task.state, task.outcome, task.assignee.as_deref()),
            (
                TaskState::Done,
                Some(TaskOutcome::NotFound),
                Some("gate-mad")
            )
        );
        let after = page_text(&app, "/gate/MAD", &session).await;
        assert!(!after.contains("ABAD/LUIS") && after.contains("LOPEZ/ANA"));
        assert!(!after.contains(&t12.to_string()));
        assert_eq!(
            db.store.task(t30).await.unwrap().unwrap().state,
            TaskState::Open
        );

        app.stop().await;
        db.finish().await;
    }
}

/// Reads the stream until an event named `tasks` arrives; its data.
async fn next_tasks_event(response: &mut reqwest::Response) -> Option<String> {
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(3), response.chunk())
            .await
            .ok()?
            .ok()??;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(at) = buffer.find("event: tasks\n") {
            let rest = &buffer[at..];
            if let Some(data) = rest.lines().find_map(|l| l.strip_prefix("data: ")) {
                return Some(data.to_string());
            }
        }
    }
}

#[tokio::test]
async fn the_event_stream_announces_a_new_task_within_a_second() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let mad = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let html = get(&app, "/gate/MAD", &mad).await.1;
        let marker = "sse-connect=\"";
        let start = html.find(marker).unwrap() + marker.len();
        let events_url = &html[start..start + html[start..].find('"').unwrap()];
        let mut stream = client()
            .get(app.url(events_url))
            .bearer_auth(&mad)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert!(
            stream.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        // Nothing changed since the page was rendered: no event yet.
        let quiet = tokio::time::timeout(Duration::from_millis(1200), stream.chunk()).await;
        assert!(quiet.is_err(), "no event before a change: {quiet:?}");

        let passengers = db.store.passengers(day.mad_flight).await.unwrap();
        let person = db
            .store
            .upsert_person(&famous("P-new", "fr"), "test", clock::now())
            .await
            .unwrap();
        let created_at = std::time::Instant::now();
        let now = clock::now();
        let second = NewTask {
            flight_id: day.mad_flight,
            passenger_id: passengers[0].id,
            person_id: person.id,
            rule_id: "cabin-follow-up".to_string(),
            channel: Channel::Cabin,
            station: "MAD".to_string(),
            gate: Some("S24".to_string()),
            priority: 3,
            due_at: now + Span::minutes(60),
            expires_at: now + Span::minutes(120),
            brief: "A second follow-up".to_string(),
            briefs: Default::default(),
            why: vec![],
            holdout: None,
        };
        db.store.create_task(&second, now).await.unwrap().unwrap();
        let data = next_tasks_event(&mut stream).await.expect("a tasks event");
        assert!(data.starts_with("4-"), "four tasks now: {data}");
        assert!(
            created_at.elapsed() < Duration::from_secs(1),
            "within a second: {:?}",
            created_at.elapsed()
        );
        drop(stream);

        app.stop().await;
        db.finish().await;
    }
}

/// An outcome is taken back only by whoever recorded it, within the window, and only where it changed
/// nothing but the task; the task comes back claimed by them, and the log says so.
#[tokio::test]
async fn an_outcome_is_undone_only_by_its_agent_in_time_and_only_when_undoable() {
    use aboard::app::in_person::UNDOABLE;
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let day = seed(store).await;
        let id = day.mad_tasks[0];
        let closed_at = clock::now();
        store
            .transition_task(&aboard::domain::records::TaskTransition {
                task_id: id,
                from: vec![TaskState::Open],
                to: TaskState::Done,
                actor: "staff:gate-x".to_string(),
                assignee: Some("gate-x".to_string()),
                outcome: Some(TaskOutcome::NotFound),
                note: Some("not at the gate".to_string()),
                at: closed_at,
            })
            .await
            .unwrap()
            .unwrap();
        let undo = |who: &'static str, undoable: &'static [TaskOutcome], since| {
            store.undo_outcome(id, who, undoable, since, "staff:test", clock::now())
        };
        let window = closed_at - Span::seconds(10);
        assert!(
            undo("gate-x", &UNDOABLE, closed_at + Span::seconds(1))
                .await
                .unwrap()
                .is_none(),
            "too late"
        );
        assert!(
            undo("gate-y", &UNDOABLE, window).await.unwrap().is_none(),
            "someone else's"
        );
        assert!(
            undo("gate-x", &[TaskOutcome::Offloaded], window)
                .await
                .unwrap()
                .is_none(),
            "not an outcome that may be undone"
        );
        let back = undo("gate-x", &UNDOABLE, window)
            .await
            .unwrap()
            .expect("undone");
        assert_eq!((back.state, back.outcome), (TaskState::Claimed, None));
        assert_eq!(back.assignee.as_deref(), Some("gate-x"));
        assert!(
            undo("gate-x", &UNDOABLE, window).await.unwrap().is_none(),
            "once"
        );
        let events = store
            .events(&EventFilter {
                action_prefix: Some("task.outcome_undone".to_string()),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.detail["outcome"], "not_found");
        db.finish().await;
    }
}

/// "Talked, new issue" tapped by mistake can be undone too: the case it opened on the person goes with
/// it, and the log says which.
#[tokio::test]
async fn a_new_issue_undone_withdraws_the_case_it_opened() {
    use aboard::app::in_person::UNDOABLE;
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let day = seed(store).await;
        let task = store.task(day.mad_tasks[0]).await.unwrap().unwrap();
        let cases_before = store
            .person(task.new.person_id)
            .await
            .unwrap()
            .unwrap()
            .cases()
            .count();
        let closed_at = clock::now();
        let transition = aboard::domain::records::TaskTransition {
            task_id: task.id,
            from: vec![TaskState::Open],
            to: TaskState::Done,
            actor: "staff:gate-x".to_string(),
            assignee: Some("gate-x".to_string()),
            outcome: Some(TaskOutcome::TalkedNewIssue),
            note: Some("lost her connection".to_string()),
            at: closed_at,
        };
        let record = aboard::tasks::outcome_record(
            &task,
            TaskOutcome::TalkedNewIssue,
            Some("lost her connection"),
            closed_at,
        )
        .unwrap();
        store
            .close_task_recording(&transition, &record)
            .await
            .unwrap()
            .unwrap();
        let person = store.person(task.new.person_id).await.unwrap().unwrap();
        assert_eq!(
            person.cases().count(),
            cases_before + 1,
            "the tap opened a case"
        );
        let back = store
            .undo_outcome(
                task.id,
                "gate-x",
                &UNDOABLE,
                closed_at - Span::seconds(10),
                "staff:gate-x",
                clock::now(),
            )
            .await
            .unwrap()
            .expect("undone");
        assert_eq!((back.state, back.outcome), (TaskState::Claimed, None));
        let person = store.person(task.new.person_id).await.unwrap().unwrap();
        assert_eq!(
            person.cases().count(),
            cases_before,
            "its case went with it"
        );
        let events = store
            .events(&EventFilter {
                action_prefix: Some("task.outcome_undone".to_string()),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            events[0].event.detail["case_withdrawn"],
            format!("aboard-gate-{}", task.id)
        );
        db.finish().await;
    }
}

/// A station code no airport has gets a page that says so, not an empty list; the icon browsers ask for
/// on their own is served.
#[tokio::test]
async fn an_unknown_station_says_so_and_the_icon_is_served() {
    let db = TestDb::sqlite().await;
    let app = spawn(&db).await;
    let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
    let (status, html) = get(&app, "/gate/XXX", &ops).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("No airport has this code"), "{html}");
    let icon = client().get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), StatusCode::PERMANENT_REDIRECT);
    let location = icon.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.starts_with("/assets/favicon.svg?v="), "{location}");
    let svg = client().get(app.url(&location)).send().await.unwrap();
    assert_eq!(svg.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(svg.text().await.unwrap().starts_with("<svg"));
    let page = get(&app, "/gate/MAD", &ops).await.1;
    assert!(page.contains("rel=\"icon\""));
    app.stop().await;
    db.finish().await;
}

/// An escalated task (near or past its deadline) is marked and listed first, on the page and in the API.
#[tokio::test]
async fn escalated_tasks_are_marked_and_come_first() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let day = seed(store).await;
        let passengers = store.passengers(day.mad_flight).await.unwrap();
        let lopez = passengers
            .iter()
            .find(|p| p.details.surname == "LOPEZ")
            .unwrap();
        let person = store
            .upsert_person(&famous("P-late", "es"), "test", clock::now())
            .await
            .unwrap();
        let now = clock::now();
        let late = NewTask {
            flight_id: day.mad_flight,
            passenger_id: lopez.id,
            person_id: person.id,
            rule_id: "late-follow-up".to_string(),
            channel: Channel::Gate,
            station: "MAD".to_string(),
            gate: Some("S24".to_string()),
            priority: 2,
            due_at: now - Span::minutes(1),
            expires_at: now + Span::minutes(30),
            brief: "Past due".to_string(),
            briefs: Default::default(),
            why: vec![],
            holdout: None,
        };
        let late = store.create_task(&late, now).await.unwrap().unwrap();
        assert_eq!(
            store.escalate_tasks(now, Span::minutes(1)).await.unwrap(),
            vec![late.id],
            "only the task past its due time"
        );
        let app = spawn(&db).await;
        let mad = token(store, Role::Gate, &["MAD"], &[]).await;
        let html = get(&app, "/gate/MAD", &mad).await.1;
        let position = |id: Uuid| {
            html.find(&format!("id=\"task-{id}\""))
                .unwrap_or_else(|| panic!("task {id} listed"))
        };
        let [t3, t12, t30] = [day.mad_tasks[0], day.mad_tasks[1], day.mad_tasks[2]];
        assert!(
            position(late.id) < position(t3)
                && position(t3) < position(t12)
                && position(t12) < position(t30),
            "the escalated task first, then by seat"
        );
        assert!(html.contains(&format!("id=\"escalated-{}\"", late.id)));
        assert!(!html.contains(&format!("id=\"escalated-{t3}\"")));
        let (_, api) = get(&app, "/api/tasks?station=MAD", &mad).await;
        let listed: serde_json::Value = serde_json::from_str(&api).unwrap();
        let first = &listed
            .as_array()
            .unwrap_or_else(|| listed["tasks"].as_array().unwrap())[0];
        assert_eq!(first["id"], late.id.to_string());
        assert!(first["escalated_at"].is_string());
        app.stop().await;
        db.finish().await;
    }
}

/// The stream stays up with a heartbeat rather than ending every minute, and ends when the server stops
/// (a stop is not held up by the open stream).
#[tokio::test]
async fn the_event_stream_beats_while_quiet_and_ends_when_the_server_stops() {
    let db = TestDb::sqlite().await;
    seed(db.store.as_ref()).await;
    let app = spawn(&db).await;
    let mad = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
    let html = get(&app, "/gate/MAD", &mad).await.1;
    let marker = "sse-connect=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let events_url = &html[start..start + html[start..].find('"').unwrap()];
    let mut stream = client()
        .get(app.url(events_url))
        .bearer_auth(&mad)
        .send()
        .await
        .unwrap();
    let opened = std::time::Instant::now();
    let limit = aboard::web::GATE_HEARTBEAT + Duration::from_secs(3);
    let chunk = tokio::time::timeout(limit, stream.chunk())
        .await
        .expect("something within a heartbeat")
        .unwrap()
        .expect("the stream is still open");
    assert_eq!(String::from_utf8_lossy(&chunk), ": heartbeat\n\n");
    assert!(opened.elapsed() >= aboard::web::GATE_HEARTBEAT - Duration::from_secs(1));
    let stopping = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), app.stop())
        .await
        .expect("the server stops with a stream open");
    assert!(stopping.elapsed() < Duration::from_secs(5));
    let ended = tokio::time::timeout(Duration::from_secs(2), stream.chunk()).await;
    assert!(
        matches!(ended, Ok(Ok(None)) | Ok(Err(_))),
        "the stream ended: {ended:?}"
    );
    db.finish().await;
}

#[tokio::test]
async fn an_agent_claims_a_task_and_the_others_see_who_is_going() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let [t3, t12, t30] = [day.mad_tasks[0], day.mad_tasks[1], day.mad_tasks[2]];
        add_gate_agent(db.store.as_ref(), "gate-mad").await;
        let other = StaffSpec {
            login: "gate-mad-2".to_string(),
            display_name: Some("Gemma Puerta".to_string()),
            grant: accounts::grant(Role::Gate, &["MAD".to_string()], &[]).unwrap(),
            ui_language: UiLanguage::En,
        };
        accounts::add_staff(
            db.store.as_ref(),
            &other,
            &SecretString::from("right-password"),
            "test",
        )
        .await
        .unwrap();
        let gonzalo = sign_in(&app, "gate-mad").await;
        let gemma = sign_in(&app, "gate-mad-2").await;
        let page = |session: &str| {
            let session = session.to_string();
            let app = &app;
            async move {
                client()
                    .get(app.url("/gate/MAD"))
                    .header(header::COOKIE, session)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let before = page(&gonzalo).await;
        assert!(before.contains(&format!("id=\"claim-{t12}\"")));
        assert!(before.contains("Voy yo"), "the agent's Spanish");
        let csrf = csrf_field(&before);
        let version = db.store.task_list_version("MAD").await.unwrap();

        let claim = |session: &str, task: Uuid, csrf: &str| {
            let session = session.to_string();
            let csrf = csrf.to_string();
            let app = &app;
            async move {
                client()
                    .post(app.url(&format!("/gate/tasks/{task}/claim")))
                    .header(header::COOKIE, session)
                    .form(&[("csrf", csrf.as_str()), ("back", "/gate/MAD")])
                    .send()
                    .await
                    .unwrap()
            }
        };
        let forged = claim(&gonzalo, t12, "forged").await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let claimed = claim(&gonzalo, t12, &csrf).await;
        assert_eq!(claimed.status(), StatusCode::SEE_OTHER);
        assert_eq!(claimed.headers()[header::LOCATION], "/gate/MAD");
        let task = db.store.task(t12).await.unwrap().unwrap();
        assert_eq!(
            (task.state, task.assignee.as_deref()),
            (TaskState::Claimed, Some("gate-mad"))
        );
        assert_ne!(
            db.store.task_list_version("MAD").await.unwrap(),
            version,
            "the open lists' event stream announces the claim"
        );

        // The other agent sees who is going, and can still record the others; the list keeps seat order.
        let seen = page(&gemma).await;
        assert!(
            seen.contains(&format!("id=\"claimed-{t12}\">Going: Gonzalo Puerta<")),
            "{seen}"
        );
        assert!(!seen.contains(&format!("id=\"claim-{t12}\"")));
        assert!(
            seen.contains(&format!("id=\"claim-{t3}\""))
                && seen.contains(&format!("id=\"claim-{t30}\""))
        );
        let at = |needle: &str| seen.find(needle).unwrap();
        assert!(at("ABAD/LUIS") < at("GARCIA/MARIA") && at("GARCIA/MARIA") < at("LOPEZ/ANA"));
        assert!(seen.contains(&format!("action=\"/gate/tasks/{t12}/outcome\"")));
        let mine = page(&gonzalo).await;
        assert!(
            mine.contains(&format!("id=\"claimed-{t12}\">Va usted<")),
            "{mine}"
        );

        // A second claim leaves it with the first agent.
        let gemma_csrf = csrf_field(&seen);
        let late = claim(&gemma, t12, &gemma_csrf).await;
        assert_eq!(late.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            db.store
                .task(t12)
                .await
                .unwrap()
                .unwrap()
                .assignee
                .as_deref(),
            Some("gate-mad")
        );
        // Another station's task is not theirs to claim.
        let bcn = claim(&gemma, day.bcn_task, &gemma_csrf).await;
        assert_eq!(bcn.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            db.store.task(day.bcn_task).await.unwrap().unwrap().state,
            TaskState::Open
        );

        app.stop().await;
        db.finish().await;
    }
}

/// A cabin follow-up for the same passenger as a gate task: what an offload must cancel.
async fn cabin_task_beside(store: &dyn Store, gate_task: Uuid) -> Uuid {
    let now = clock::now();
    let gate = store.task(gate_task).await.unwrap().unwrap();
    let task = NewTask {
        rule_id: "cabin-welcome".to_string(),
        channel: Channel::Cabin,
        gate: None,
        due_at: now + Span::minutes(90),
        expires_at: now + Span::minutes(180),
        ..gate.new
    };
    store.create_task(&task, now).await.unwrap().unwrap().id
}

async fn boarding_state_of_task(store: &dyn Store, task: Uuid) -> (BoardingState, Option<String>) {
    let passenger_id = store.task(task).await.unwrap().unwrap().new.passenger_id;
    let passenger = store.passenger(passenger_id).await.unwrap().unwrap();
    (passenger.boarding_state, passenger.removed_reason)
}

#[tokio::test]
async fn the_offloaded_outcome_takes_the_passenger_off_and_cancels_their_other_follow_ups() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let mad = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let [t3, t30] = [day.mad_tasks[0], day.mad_tasks[2]];
        let cabin_30 = cabin_task_beside(db.store.as_ref(), t30).await;
        let cabin_3 = cabin_task_beside(db.store.as_ref(), t3).await;

        let (status, closed) = post_json(
            &app,
            &format!("/api/tasks/{t30}/close"),
            &mad,
            serde_json::json!({"outcome": "offloaded", "note": "Refused to board"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{closed}");
        assert_eq!(
            (&closed["state"], &closed["outcome"]),
            (&"done".into(), &"offloaded".into())
        );
        assert_eq!(
            boarding_state_of_task(db.store.as_ref(), t30).await,
            (
                BoardingState::Offloaded,
                Some("Refused to board".to_string())
            )
        );
        let cabin = db.store.task(cabin_30).await.unwrap().unwrap();
        assert_eq!(
            (cabin.state, cabin.cancel_reason.as_deref()),
            (TaskState::Cancelled, Some("offloaded: Refused to board"))
        );
        let task = db.store.task(t30).await.unwrap().unwrap();
        assert_eq!(
            (task.state, task.outcome),
            (TaskState::Done, Some(TaskOutcome::Offloaded))
        );

        // The gate view's button, in the agent's Spanish.
        add_gate_agent(db.store.as_ref(), "gate-mad").await;
        let session = sign_in(&app, "gate-mad").await;
        let page = page_text(&app, "/gate/MAD", &session).await;
        assert!(
            page.contains(r#"value="offloaded">Desembarcado</button>"#),
            "{page}"
        );
        let tapped = client()
            .post(app.url(&format!("/gate/tasks/{t3}/outcome")))
            .header(header::COOKIE, &session)
            .form(&[
                ("csrf", csrf_field(&page).as_str()),
                ("outcome", "offloaded"),
                ("note", ""),
                ("back", "/gate/MAD"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(tapped.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            boarding_state_of_task(db.store.as_ref(), t3).await,
            (BoardingState::Offloaded, Some("at the gate".to_string()))
        );
        assert_eq!(
            db.store.task(cabin_3).await.unwrap().unwrap().state,
            TaskState::Cancelled
        );
        assert_eq!(
            db.store
                .task(day.mad_tasks[1])
                .await
                .unwrap()
                .unwrap()
                .state,
            TaskState::Open,
            "another passenger's task stands"
        );

        app.stop().await;
        db.finish().await;
    }
}

/// Taps an outcome on the gate view as a signed-in agent, then reads the page again.
async fn tap(app: &TestApp, session: &str, path: &str, fields: &[(&str, &str)]) -> StatusCode {
    let page = page_text(app, "/gate/MAD", session).await;
    let csrf = csrf_field(&page);
    let mut form = vec![("csrf", csrf.as_str()), ("back", "/gate/MAD")];
    form.extend_from_slice(fields);
    client()
        .post(app.url(path))
        .header(header::COOKIE, session)
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
}

/// "Asked not to be contacted" and "offloaded" act at once beyond their task, so that nothing reaches
/// the person in the seconds after; tapped by mistake, each is undone in its window with all it did: the
/// follow-ups it cancelled come back as they were, the message it withdrew goes back in the outbox, the
/// opt-out goes, and the passenger is back on board.
#[tokio::test]
async fn an_opt_out_or_an_offload_undone_brings_back_all_it_ended() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let day = seed(store).await;
        let app = spawn(&db).await;
        add_gate_agent(store, "gate-mad").await;
        let session = sign_in(&app, "gate-mad").await;
        let [t3, t30] = [day.mad_tasks[0], day.mad_tasks[2]];

        let cabin = cabin_task_beside(store, t30).await;
        let claimed = store
            .transition_task(&aboard::domain::records::TaskTransition {
                task_id: cabin,
                from: vec![TaskState::Open],
                to: TaskState::Claimed,
                actor: "staff:cabin-crew".to_string(),
                assignee: Some("cabin-crew".to_string()),
                outcome: None,
                note: None,
                at: clock::now(),
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.state, TaskState::Claimed);
        let message = store
            .enqueue_message(
                &aboard::domain::records::NewMessage {
                    task_id: cabin,
                    network: Network::X,
                    recipient: "@viajera".to_string(),
                    body: "¿Todo bien con tu asiento?".to_string(),
                    author: "staff:alba".to_string(),
                    idempotency_key: Uuid::now_v7().to_string(),
                    mode: aboard::domain::MessageMode::FreeText,
                    tag: None,
                    template: None,
                },
                // Due in an hour, so that the outbox leaves it queued until the opt-out.
                clock::now() + Span::hours(1),
            )
            .await
            .unwrap();
        let person_id = store.task(t30).await.unwrap().unwrap().new.person_id;
        let message_state = || async { store.messages_for_task(cabin).await.unwrap()[0].state };
        let queued = message_state().await;

        let path = format!("/gate/tasks/{t30}/outcome");
        let fields = [("outcome", "asked_no_contact"), ("note", "")];
        assert_eq!(
            tap(&app, &session, &path, &fields).await,
            StatusCode::SEE_OTHER
        );
        let cancelled = store.task(cabin).await.unwrap().unwrap();
        assert_eq!(cancelled.state, TaskState::Cancelled);
        assert_ne!(message_state().await, queued, "withdrawn at once");
        let person = store.person(person_id).await.unwrap().unwrap();
        assert!(person.aboard.opt_out.is_some() && person.refuses("x"));

        let undo = format!("/gate/tasks/{t30}/undo");
        assert_eq!(tap(&app, &session, &undo, &[]).await, StatusCode::SEE_OTHER);
        let task = store.task(t30).await.unwrap().unwrap();
        assert_eq!((task.state, task.outcome), (TaskState::Claimed, None));
        let cabin_back = store.task(cabin).await.unwrap().unwrap();
        assert_eq!(
            (
                cabin_back.state,
                cabin_back.assignee.as_deref(),
                cabin_back.cancel_reason
            ),
            (TaskState::Claimed, Some("cabin-crew"), None),
            "back as it was: claimed by the crew"
        );
        assert_eq!(message.state, queued);
        let back = message_state().await;
        assert!(
            matches!(
                back,
                MessageState::Queued | MessageState::Sending | MessageState::Sent
            ),
            "back in the outbox, due now (and maybe sent from it already): {back:?}"
        );
        let person = store.person(person_id).await.unwrap().unwrap();
        assert!(person.aboard.opt_out.is_none() && !person.refuses("x"));

        // The offload: the passenger of t3 is back on board, with their cabin follow-up, open again.
        let cabin_3 = cabin_task_beside(store, t3).await;
        let boarded = boarding_state_of_task(store, t3).await;
        let path = format!("/gate/tasks/{t3}/outcome");
        let fields = [("outcome", "offloaded"), ("note", "Refused to board")];
        assert_eq!(
            tap(&app, &session, &path, &fields).await,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            boarding_state_of_task(store, t3).await.0,
            BoardingState::Offloaded
        );
        assert_eq!(
            store.task(cabin_3).await.unwrap().unwrap().state,
            TaskState::Cancelled
        );
        let undo = format!("/gate/tasks/{t3}/undo");
        assert_eq!(tap(&app, &session, &undo, &[]).await, StatusCode::SEE_OTHER);
        assert_eq!(boarding_state_of_task(store, t3).await, boarded);
        let cabin_3 = store.task(cabin_3).await.unwrap().unwrap();
        assert_eq!(
            (cabin_3.state, cabin_3.cancel_reason),
            (TaskState::Open, None)
        );

        let events = store
            .events(&EventFilter {
                action_prefix: Some("task.outcome_undone".to_string()),
                limit: 10,
                ..EventFilter::default()
            })
            .await
            .unwrap();
        let undone: Vec<_> = events.iter().map(|e| &e.event.detail["undone"]).collect();
        assert_eq!(undone[0]["tasks_restored"][0], cabin_3.id.to_string());
        assert_eq!(undone[1]["tasks_restored"][0], cabin.to_string());
        assert_eq!(undone[1]["messages_requeued"][0], message.id.to_string());

        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_flight_event_offloads_a_passenger_of_that_flight() {
    for db in TestDb::each().await {
        let day = seed(db.store.as_ref()).await;
        let app = spawn(&db).await;
        let ops = token(db.store.as_ref(), Role::Ops, &[], &[]).await;
        let bcn = token(db.store.as_ref(), Role::Gate, &["BCN"], &[]).await;
        let t12 = day.mad_tasks[1];
        let passenger = db.store.task(t12).await.unwrap().unwrap().new.passenger_id;
        let bcn_passenger = db
            .store
            .task(day.bcn_task)
            .await
            .unwrap()
            .unwrap()
            .new
            .passenger_id;
        let key = db.store.flight(day.mad_flight).await.unwrap().unwrap().key;
        let offload = |passenger: Uuid| {
            serde_json::json!({
                "flight": "IB6401",
                "date": key.local_date,
                "origin": "MAD",
                "event": {"event": "offloaded", "passenger": passenger, "reason": "Missed the connection"},
            })
        };

        let (status, _) = post_json(&app, "/api/flight-events", &bcn, offload(passenger)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a gate of another station");
        let (status, refused) =
            post_json(&app, "/api/flight-events", &ops, offload(bcn_passenger)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");
        assert_eq!(
            db.store.task(day.bcn_task).await.unwrap().unwrap().state,
            TaskState::Open
        );

        let (status, answer) =
            post_json(&app, "/api/flight-events", &ops, offload(passenger)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["event"], "offloaded");
        assert_eq!(answer["flight_id"], day.mad_flight.to_string());
        assert_eq!(answer["tasks_cancelled"], serde_json::json!([t12]));
        assert_eq!(
            boarding_state_of_task(db.store.as_ref(), t12).await,
            (
                BoardingState::Offloaded,
                Some("Missed the connection".to_string())
            )
        );
        assert_eq!(
            db.store
                .task(t12)
                .await
                .unwrap()
                .unwrap()
                .cancel_reason
                .as_deref(),
            Some("offloaded: Missed the connection")
        );

        app.stop().await;
        db.finish().await;
    }
}
