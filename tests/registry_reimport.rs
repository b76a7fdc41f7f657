//! What aboard records itself survives registry re-imports, on both backends: cases opened from a gate
//! and an advisor outcome, opt-outs recorded at the gate and by an advisor ("asked not to be
//! contacted"), and the time a person last wrote to the airline. A re-import of the same file and of a
//! changed one replaces the export's own rows and leaves aboard's alone; the opt-outs keep the persons
//! out of reach, and the inbound time keeps a network's reply window open.

mod common;

use aboard::app::Engine;
use aboard::clock;
use aboard::domain::records::{
    FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger,
    NewTask, Station,
};
use aboard::domain::{
    Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, MessageState, Role,
    TaskState, TravellerClass,
};
use aboard::store::{EventFilter, Store};
use aboard::tasks::ContactPolicy;
use chrono::{DateTime, Duration, NaiveTime, SecondsFormat, SubsecRound, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use common::{TestApp, TestDb, token};

const PERSONS: [&str; 5] = ["P-GATE", "P-OPTG", "P-ADV", "P-OPTA", "P-WRITER"];

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn x_account(user_id: &str) -> Value {
    json!({"network": "x", "handle": format!("@{user_id}"), "network_user_id": user_id,
           "followers": 20000, "activity_30d": 30, "follows_airline": true, "accepts_dms": false,
           "opted_in": true})
}

fn open_case(external_ref: &str, opened: DateTime<Utc>) -> Value {
    json!({"external_ref": external_ref, "opened_at": rfc3339(opened), "status": "open",
           "severity": 4, "channel": "x", "category": "baggage", "summary": "Suitcase two days late"})
}

fn person(
    external_id: &str,
    accounts: Vec<Value>,
    cases: Vec<Value>,
    consents: Vec<Value>,
) -> Value {
    json!({"external_id": external_id, "display_name": format!("Persona {external_id}"),
           "language": "es", "accounts": accounts, "cases": cases, "consents": consents})
}

/// The export as the social-care tool first sends it.
fn first_export(now: DateTime<Utc>) -> Vec<u8> {
    let opened = now - Duration::days(20);
    let export = json!([
        person(
            "P-GATE",
            vec![x_account("x-gate")],
            vec![open_case("CS-GATE-1", opened)],
            vec![]
        ),
        person(
            "P-OPTG",
            vec![x_account("x-optg")],
            vec![open_case("CS-OPTG-1", opened)],
            vec![]
        ),
        person(
            "P-ADV",
            vec![x_account("x-adv")],
            vec![open_case("CS-ADV-1", opened)],
            vec![]
        ),
        person(
            "P-OPTA",
            vec![x_account("x-opta")],
            vec![open_case("CS-OPTA-1", opened)],
            vec![]
        ),
        person(
            "P-WRITER",
            vec![
                json!({"network": "instagram", "handle": "writer", "network_user_id": "ig-writer",
                        "followers": 5000, "activity_30d": 12, "opted_in": true})
            ],
            vec![open_case("CS-WRITER-1", opened)],
            vec![]
        ),
    ]);
    serde_json::to_vec(&export).unwrap()
}

/// The next export: P-GATE's case closed in the tool and gone from the export, a new one instead;
/// P-ADV's case resolved; an opt-in for P-OPTG given before staff heard them ask for no contact; the
/// writer's account with other figures and an old inbound time.
fn changed_export(now: DateTime<Utc>) -> Vec<u8> {
    let opened = now - Duration::days(20);
    let mut resolved = open_case("CS-ADV-1", opened);
    resolved["status"] = json!("resolved");
    resolved["resolved_at"] = json!(rfc3339(now - Duration::days(1)));
    let export = json!([
        person(
            "P-GATE",
            vec![x_account("x-gate")],
            vec![open_case("CS-GATE-2", now - Duration::days(2))],
            vec![]
        ),
        person(
            "P-OPTG",
            vec![x_account("x-optg")],
            vec![open_case("CS-OPTG-1", opened)],
            vec![json!({"channel": "all", "opted_out": false,
                        "updated_at": rfc3339(now - Duration::days(1))})]
        ),
        person("P-ADV", vec![x_account("x-adv")], vec![resolved], vec![]),
        person(
            "P-OPTA",
            vec![x_account("x-opta")],
            vec![open_case("CS-OPTA-1", opened)],
            vec![]
        ),
        person(
            "P-WRITER",
            vec![
                json!({"network": "instagram", "handle": "writer", "network_user_id": "ig-writer",
                        "followers": 999, "activity_30d": 3, "opted_in": true,
                        "last_inbound_at": rfc3339(now - Duration::days(30))})
            ],
            vec![open_case("CS-WRITER-1", opened)],
            vec![]
        ),
    ]);
    serde_json::to_vec(&export).unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn post_json(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
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

async fn import_registry(app: &TestApp, ops: &str, file: &str, bytes: Vec<u8>) {
    let response = client()
        .post(app.url(&format!("/api/registry?file={file}")))
        .bearer_auth(ops)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"persons\":5"), "{body}");
}

/// The person as the API gives them: `record` the export's, `aboard` aboard's own.
async fn read_person(app: &TestApp, ops: &str, external_id: &str) -> Value {
    let response = client()
        .get(app.url(&format!("/api/persons/{external_id}")))
        .bearer_auth(ops)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn refs(cases: &Value) -> Vec<String> {
    let mut refs: Vec<String> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_ref"].as_str().unwrap().to_string())
        .collect();
    refs.sort();
    refs
}

fn passenger(n: usize) -> NewPassenger {
    NewPassenger {
        pax_key: format!("R5K2QM/{n}"),
        surname: format!("PASAJERO{}", ["A", "B", "C", "D", "E"][n]),
        given_name: "ANA".to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: Some("R5K2QM".to_string()),
        seat: Some(format!("{}C", n + 10)),
        cabin_class: Some("Y".to_string()),
        destination: Some("MAD".to_string()),
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

/// A flight from `origin` leaving in 40 minutes with one passenger per registry person, each linked
/// to their person; the passengers' ids in the order of `PERSONS`.
async fn flight_with_everyone(store: &dyn Store, number: &str, origin: &str) -> (Uuid, Vec<Uuid>) {
    let now = clock::now();
    let departure = now + Duration::minutes(40);
    let list = FlightList {
        flight: NewFlight {
            key: FlightKey {
                flight: FlightNumber::parse(number).unwrap(),
                local_date: now.date_naive(),
                origin: Iata::parse(origin).unwrap(),
            },
            destination: Some(Iata::parse("MAD").unwrap()),
            departure: MovementTimes {
                scheduled: Some(departure),
                ..Default::default()
            },
            arrival: MovementTimes {
                scheduled: Some(departure + Duration::minutes(80)),
                ..Default::default()
            },
            gate: Some("B12".to_string()),
            status: FlightStatus::Boarding,
        },
        mode: ListMode::Merge,
        passengers: (0..PERSONS.len()).map(passenger).collect(),
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("{number}.csv"),
        digest: format!("digest-{number}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![list],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let stored = store.passengers(flight_id).await.unwrap();
    let mut passengers = Vec::new();
    for (n, external_id) in PERSONS.iter().enumerate() {
        let passenger = stored
            .iter()
            .find(|p| p.details.pax_key == format!("R5K2QM/{n}"))
            .unwrap()
            .id;
        let person = store
            .person_by_external_id(external_id)
            .await
            .unwrap()
            .unwrap();
        store
            .upsert_link(&IdentityLink {
                passenger_id: passenger,
                person_id: person.id,
                decision: LinkDecision::Linked,
                score: 0.99,
                reasons: vec![],
                decided_by: "matcher".to_string(),
                updated_at: now,
            })
            .await
            .unwrap();
        passengers.push(passenger);
    }
    (flight_id, passengers)
}

async fn task(
    store: &dyn Store,
    flight_id: Uuid,
    passenger_id: Uuid,
    external_id: &str,
    channel: Channel,
    rule_id: &str,
) -> Uuid {
    let now = clock::now();
    let person = store
        .person_by_external_id(external_id)
        .await
        .unwrap()
        .unwrap();
    let new = NewTask {
        flight_id,
        passenger_id,
        person_id: person.id,
        rule_id: rule_id.to_string(),
        channel,
        station: "MAD".to_string(),
        gate: Some("B12".to_string()),
        priority: 4,
        due_at: now + Duration::minutes(10),
        expires_at: now + Duration::minutes(60),
        brief: format!("Follow up {external_id}"),
        briefs: Default::default(),
        why: vec!["an open case".to_string()],
        holdout: None,
    };
    store.create_task(&new, now).await.unwrap().unwrap().id
}

async fn advisor_claims(app: &TestApp, advisor: &str, task: Uuid) {
    let response = client()
        .post(app.url(&format!("/advisor/tasks/{task}/claim")))
        .bearer_auth(advisor)
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn advisor_closes(app: &TestApp, advisor: &str, task: Uuid, outcome: &str, note: &str) {
    let response = client()
        .post(app.url(&format!("/advisor/tasks/{task}/close")))
        .bearer_auth(advisor)
        .form(&[("outcome", outcome), ("note", note)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{outcome}");
}

async fn person_actions(store: &dyn Store, external_id: &str) -> Vec<String> {
    let person = store
        .person_by_external_id(external_id)
        .await
        .unwrap()
        .unwrap();
    store
        .events(&EventFilter {
            subject_kind: Some("person".to_string()),
            subject_id: Some(person.id.to_string()),
            action_prefix: Some("person.".to_string()),
            limit: 50,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.action)
        .collect()
}

/// Everything aboard recorded, as read back through the API: the same after every import.
async fn assert_aboard_records_kept(app: &TestApp, ops: &str, wrote_at: DateTime<Utc>, when: &str) {
    let gate = read_person(app, ops, "P-GATE").await;
    let cases = gate["aboard"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{when}: {gate}");
    assert_eq!(
        cases[0]["summary"], "Wheelchair not at the door in Mexico",
        "{when}"
    );
    assert_eq!(cases[0]["status"], "open", "{when}");
    assert_eq!(cases[0]["channel"], "gate", "{when}");

    let adv = read_person(app, ops, "P-ADV").await;
    let cases = adv["aboard"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{when}: {adv}");
    assert_eq!(cases[0]["summary"], "Her refund has not arrived", "{when}");
    assert_eq!(cases[0]["channel"], "social", "{when}");

    for (external_id, by) in [("P-OPTG", "token:test gate"), ("P-OPTA", "token:alba")] {
        let opted = read_person(app, ops, external_id).await;
        assert_eq!(
            opted["aboard"]["opt_out"]["recorded_by"], by,
            "{when}: {opted}"
        );
        assert!(
            opted["aboard"]["cases"].as_array().unwrap().is_empty(),
            "{when}"
        );
    }

    let writer = read_person(app, ops, "P-WRITER").await;
    assert_eq!(
        writer["aboard"]["inbound"],
        json!([{"network": "instagram", "last_at": wrote_at}]),
        "{when}: {writer}"
    );
    for quiet in ["P-GATE", "P-ADV"] {
        let person = read_person(app, ops, quiet).await;
        assert!(person["aboard"]["opt_out"].is_null(), "{when}: {person}");
    }
}

#[tokio::test]
async fn a_registry_reimport_keeps_what_aboard_recorded_and_replaces_the_exports_rows() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let mut config = db.config();
        config.scheduler.enabled = false;
        // The outbox waits, so that a message is still queued when its person opts out.
        config.outbox.poll_millis = 3_600_000;
        let app = TestApp::spawn(config).await;
        let ops = token(store.as_ref(), Role::Ops, &[], &[]).await;
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        let alba = {
            use secrecy::ExposeSecret;
            let grant =
                aboard::web::accounts::grant(Role::Advisor, &[], &["es".to_string()]).unwrap();
            let issued = aboard::web::accounts::create_token(store.as_ref(), "alba", grant, "test")
                .await
                .unwrap();
            issued.secret.expose_secret().to_string()
        };
        let now = clock::now();
        import_registry(&app, &ops, "social-care.json", first_export(now)).await;

        let (flight, pax) = flight_with_everyone(store.as_ref(), "IB6401", "MAD").await;
        let gate_issue = task(
            store.as_ref(),
            flight,
            pax[0],
            "P-GATE",
            Channel::Gate,
            "gate",
        )
        .await;
        let gate_opt = task(
            store.as_ref(),
            flight,
            pax[1],
            "P-OPTG",
            Channel::Gate,
            "gate",
        )
        .await;
        let adv_issue = task(
            store.as_ref(),
            flight,
            pax[2],
            "P-ADV",
            Channel::Social,
            "social",
        )
        .await;
        let adv_opt = task(
            store.as_ref(),
            flight,
            pax[3],
            "P-OPTA",
            Channel::Social,
            "social",
        )
        .await;
        let opta_cabin = task(
            store.as_ref(),
            flight,
            pax[3],
            "P-OPTA",
            Channel::Cabin,
            "cabin",
        )
        .await;
        let writer = task(
            store.as_ref(),
            flight,
            pax[4],
            "P-WRITER",
            Channel::Social,
            "social",
        )
        .await;

        // At the gate, through the JSON API's outcome endpoint.
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{gate_issue}/close"),
            &gate,
            json!({"outcome": "talked_new_issue", "note": "Wheelchair not at the door in Mexico"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{gate_opt}/close"),
            &gate,
            json!({"outcome": "asked_no_contact"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["outcome"], "asked_no_contact");

        // At the advisor console.
        advisor_claims(&app, &alba, adv_issue).await;
        advisor_closes(
            &app,
            &alba,
            adv_issue,
            "talked_new_issue",
            "Her refund has not arrived",
        )
        .await;
        advisor_claims(&app, &alba, adv_opt).await;
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{adv_opt}/messages"),
            &alba,
            json!({"network": "x", "body": "¿Qué tal el vuelo?", "idempotency_key": "opta-0"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["message"]["state"], "queued");
        advisor_closes(&app, &alba, adv_opt, "asked_no_contact", "").await;
        let unsent = &store.messages_for_task(adv_opt).await.unwrap()[0];
        assert_eq!(
            (unsent.state, unsent.last_error.as_deref()),
            (
                MessageState::Failed,
                Some("the person asked not to be contacted")
            ),
            "a message still queued is never sent"
        );
        let cabin = store.task(opta_cabin).await.unwrap().unwrap();
        assert_eq!(
            (cabin.state, cabin.cancel_reason.as_deref()),
            (
                TaskState::Cancelled,
                Some("the person asked not to be contacted")
            ),
            "an opt-out ends the person's other follow-ups"
        );

        // Instagram never lets a business write first: the writer is out of reach until they write.
        advisor_claims(&app, &alba, writer).await;
        let message = json!({"network": "instagram", "body": "¿Todo bien a bordo?",
                             "idempotency_key": "writer-1"});
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{writer}/messages"),
            &alba,
            message.clone(),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("not_eligible"))
        );
        let wrote_at = (now - Duration::hours(1)).trunc_subsecs(0);
        let (status, body) = post_json(
            &app,
            "/api/inbound-messages",
            &ops,
            json!({"network": "instagram", "network_user_id": "ig-writer", "received_at": wrote_at}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["persons"].as_array().unwrap().len(), 1);
        // Networks deliver late and out of order: an older message never moves the time back.
        let (status, body) = post_json(
            &app,
            "/api/inbound-messages",
            &ops,
            json!({"network": "instagram", "handle": "writer",
                   "received_at": wrote_at - Duration::hours(5)}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = post_json(
            &app,
            "/api/inbound-messages",
            &ops,
            json!({"network": "x", "network_user_id": "someone-else"}),
        )
        .await;
        assert_eq!(
            (status, body["persons"].clone()),
            (StatusCode::OK, json!([]))
        );
        let (status, body) = post_json(
            &app,
            "/api/inbound-messages",
            &ops,
            json!({"network": "instagram", "handle": "writer",
                   "received_at": now + Duration::hours(2)}),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("received_at"))
        );
        assert_aboard_records_kept(&app, &ops, wrote_at, "before any re-import").await;

        // The same file again, then a changed one.
        import_registry(&app, &ops, "social-care.json", first_export(now)).await;
        assert_aboard_records_kept(&app, &ops, wrote_at, "after the same file").await;
        assert_eq!(
            refs(&read_person(&app, &ops, "P-GATE").await["record"]["cases"]),
            ["CS-GATE-1"]
        );
        import_registry(&app, &ops, "social-care-2.json", changed_export(now)).await;
        assert_aboard_records_kept(&app, &ops, wrote_at, "after a changed file").await;

        // The export's own rows are the new file's.
        let gate_person = read_person(&app, &ops, "P-GATE").await;
        assert_eq!(refs(&gate_person["record"]["cases"]), ["CS-GATE-2"]);
        let adv = read_person(&app, &ops, "P-ADV").await;
        assert_eq!(adv["record"]["cases"][0]["status"], "resolved");
        let optg = read_person(&app, &ops, "P-OPTG").await;
        assert_eq!(optg["record"]["consents"][0]["channel"], "all");
        let writer_person = read_person(&app, &ops, "P-WRITER").await;
        let account = &writer_person["record"]["accounts"][0];
        assert_eq!(account["followers"], 999);
        let exported: DateTime<Utc> = account["last_inbound_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(exported, (now - Duration::days(30)).trunc_subsecs(0));

        // The writer's window is still open: aboard's time, not the export's older one, counts.
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{writer}/messages"),
            &alba,
            message,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // The advisor's opt-out holds at send time, whatever task asks.
        let again = task(
            store.as_ref(),
            flight,
            pax[3],
            "P-OPTA",
            Channel::Social,
            "manual",
        )
        .await;
        advisor_claims(&app, &alba, again).await;
        let (status, body) = post_json(
            &app,
            &format!("/api/tasks/{again}/messages"),
            &alba,
            json!({"network": "x", "body": "Hola", "idempotency_key": "opta-1"}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("not_eligible"))
        );
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("asked not to be contacted"),
            "{body}"
        );

        // Boarding again: the rules leave out both who asked not to be contacted (the gate's opt-out
        // outlives the export's older opt-in) and follow up the others (no cool-down here, so that only
        // consent decides).
        store
            .upsert_station(
                &Station {
                    iata: Iata::parse("AGP").unwrap(),
                    staffed: false,
                    shift_start: None,
                    shift_end: None,
                },
                "test",
                aboard::clock::now(),
            )
            .await
            .unwrap();
        let (_, later) = flight_with_everyone(store.as_ref(), "IB6402", "AGP").await;
        let rules = aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
        let policy = ContactPolicy {
            cooldown_days: 0,
            night_starts: NaiveTime::MIN,
            night_ends: NaiveTime::MIN,
            ..common::policy()
        };
        let engine = Engine::new(store.clone(), rules, policy);
        let boarded = |n: usize| engine.passenger_boarded(later[n], "test", clock::now());
        let followed = boarded(0).await.unwrap();
        assert_eq!(followed.created.len(), 1, "{:?}", followed.declined);
        for opted in [1, 3] {
            let refused = boarded(opted).await.unwrap();
            assert!(
                refused.created.is_empty(),
                "{}: {:?}",
                PERSONS[opted],
                refused.created
            );
        }

        // Every action is in the log.
        for (external_id, action) in [
            ("P-GATE", "person.case_opened"),
            ("P-ADV", "person.case_opened"),
            ("P-OPTG", "person.opted_out"),
            ("P-OPTA", "person.opted_out"),
            ("P-WRITER", "person.wrote"),
        ] {
            let actions = person_actions(store.as_ref(), external_id).await;
            // The writer's two messages are both logged, the late one too.
            let times = if external_id == "P-WRITER" { 2 } else { 1 };
            assert_eq!(
                actions.iter().filter(|a| *a == action).count(),
                times,
                "{external_id}: {actions:?}"
            );
        }
        let unknown = store
            .events(&EventFilter {
                subject_kind: Some("inbound".to_string()),
                subject_id: None,
                action_prefix: Some("inbound.".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(unknown.len(), 1);
        assert_eq!(unknown[0].event.detail["network_user_id"], "someone-else");

        app.stop().await;
        db.finish().await;
    }
}

/// A folder holding `backend`'s migrations before 0005, which first kept who recorded a case.
fn migrations_before_provenance(backend: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0005" {
            std::fs::copy(&path, dir.path().join(name)).unwrap();
        }
    }
    dir
}

/// Leaves the database of `$conn` before migration 0005 holding a person with the export's case and a
/// case a gate agent opened (as aboard wrote them then: the same table, no provenance); gives the
/// gate case's reference.
macro_rules! before_provenance_with_a_gate_case {
    ($conn:expr, $backend:literal) => {{
        let folder = migrations_before_provenance($backend);
        sqlx::migrate::Migrator::new(folder.path())
            .await
            .unwrap()
            .run(&mut *$conn)
            .await
            .unwrap();
        let now = clock::now();
        let person = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO persons (id, external_id, display_name, language, created_at, updated_at) \
             VALUES ($1, 'P-OLD', 'Persona P-OLD', 'es', $2, $2)",
        )
        .bind(person)
        .bind(now)
        .execute(&mut *$conn)
        .await
        .unwrap();
        let gate_ref = format!("aboard-gate-{}", Uuid::now_v7());
        for (external_ref, category) in [("CS-OLD-1", "baggage"), (gate_ref.as_str(), "raised_in_person")] {
            sqlx::query(
                "INSERT INTO complaint_cases (person_id, external_ref, opened_at, channel, category, \
                 severity, summary, status) VALUES ($1, $2, $3, 'gate', $4, $5, 'Heard at the gate', 'open')",
            )
            .bind(person)
            .bind(external_ref)
            .bind(now - Duration::days(3))
            .bind(category)
            .bind(3_i16)
            .execute(&mut *$conn)
            .await
            .unwrap();
        }
        gate_ref
    }};
}

/// The next import of the export replaces its case and keeps the one the gate opened before 0005.
async fn check_gate_case_survives(store: &dyn Store, gate_ref: &str) {
    let now = clock::now();
    let export = serde_json::to_vec(&json!([person(
        "P-OLD",
        vec![],
        vec![open_case("CS-OLD-2", now - Duration::days(1))],
        vec![]
    )]))
    .unwrap();
    aboard::app::registry::import_registry_file(store, "export.json", &export, "test", now)
        .await
        .unwrap();
    let person = store.person_by_external_id("P-OLD").await.unwrap().unwrap();
    assert_eq!(
        person
            .record
            .cases
            .iter()
            .map(|c| c.external_ref.as_str())
            .collect::<Vec<_>>(),
        ["CS-OLD-2"]
    );
    assert_eq!(
        person
            .aboard
            .cases
            .iter()
            .map(|c| c.external_ref.as_str())
            .collect::<Vec<_>>(),
        [gate_ref]
    );
}

#[tokio::test]
async fn cases_the_gate_opened_before_provenance_was_kept_survive_the_next_import() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aboard.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let gate_ref = before_provenance_with_a_gate_case!(&mut conn, "sqlite");
    conn.close().await.unwrap();
    let store = aboard::store::SqliteStore::open(&path, 2).await.unwrap();
    check_gate_case_survives(&store, &gate_ref).await;
    store.close().await;

    let Some(admin_url) = common::postgres_admin_url() else {
        eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL half of this test");
        return;
    };
    let name = format!("aboard_test_{}", Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = common::with_database(&admin_url, &name);
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let gate_ref = before_provenance_with_a_gate_case!(&mut conn, "postgres");
    conn.close().await.unwrap();
    let store = aboard::store::PostgresStore::connect(&secrecy::SecretString::from(url), 2)
        .await
        .unwrap();
    check_gate_case_survives(&store, &gate_ref).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}
