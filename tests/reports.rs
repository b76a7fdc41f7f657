//! Reports over real HTTP against the real app on both backends, checked against counts the test works out
//! itself from the tasks it made: the funnel, deadlines, latency, matching; filters in the station's local
//! time; every table as CSV; analysts read them, other roles are refused, and no person is named.

mod common;

use std::sync::Arc;

use aboard::domain::records::{
    FlightList, IdentityLink, ListMode, ManifestImport, MovementTimes, NewFlight, NewTask,
    TaskTransition,
};
use aboard::domain::{
    BoardingState, Channel, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision, Role,
    TaskOutcome, TaskState,
};
use aboard::store::Store;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::social::{passenger, person};
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;
use serde_json::Value;

/// How one made task ends: its channel, the state and outcome it reaches, and how many minutes after it
/// was created (none: it stays open).
struct Made {
    channel: Channel,
    end: Option<(TaskState, Option<TaskOutcome>, i64)>,
}

fn made() -> Vec<Made> {
    use TaskOutcome::*;
    use TaskState::*;
    let m = |channel, end| Made { channel, end };
    vec![
        m(Channel::Gate, Some((Done, Some(TalkedAllWell), 5))),
        m(Channel::Social, Some((Done, Some(MessageSent), 30))),
        m(Channel::Gate, Some((Done, Some(TalkedNewIssue), 10))),
        m(Channel::Social, Some((Expired, None, 60))),
        m(Channel::Gate, Some((Done, Some(NotFound), 25))),
        m(Channel::Social, Some((Cancelled, None, 2))),
        m(Channel::Gate, Some((Done, Some(Declined), 3))),
        m(Channel::Social, None),
        m(Channel::Gate, Some((Done, Some(TalkedAllWell), 15))),
        m(Channel::Social, Some((Done, Some(AskedNoContact), 40))),
    ]
}

/// Minutes a task has to its deadline.
const DUE_MINUTES: i64 = 20;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A flight with `count` passengers on 10 November 2026.
async fn flight(store: &dyn Store, number: &str, origin: &str, count: usize) -> Vec<uuid::Uuid> {
    let date = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
    flight_on(store, number, origin, count, date).await
}

/// A flight with `count` passengers leaving at 10:00 UTC on `date`.
async fn flight_on(
    store: &dyn Store,
    number: &str,
    origin: &str,
    count: usize,
    date: NaiveDate,
) -> Vec<uuid::Uuid> {
    let departure = date.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("{number}.csv"),
        digest: format!("digest-{number}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: FlightKey {
                    flight: FlightNumber::parse(number).unwrap(),
                    local_date: date,
                    origin: Iata::parse(origin).unwrap(),
                },
                destination: Some(Iata::parse("MEX").unwrap()),
                departure: MovementTimes {
                    scheduled: Some(departure),
                    ..Default::default()
                },
                arrival: MovementTimes::default(),
                gate: Some("B12".to_string()),
                status: FlightStatus::Departed,
            },
            mode: ListMode::Merge,
            passengers: (0..count)
                .map(|i| passenger(&format!("{number}-{i}"), &format!("PAX{i}")))
                .collect(),
        }],
    };
    let flight_id = store
        .import_manifest(&import, departure - Duration::hours(3))
        .await
        .unwrap()
        .flights[0]
        .flight_id;
    let mut ids: Vec<(String, uuid::Uuid)> = store
        .passengers(flight_id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.details.pax_key, p.id))
        .collect();
    ids.sort_by_key(|(key, _)| {
        key.rsplit('-')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    ids.into_iter().map(|(_, id)| id).collect()
}

/// Makes MAD's ten tasks (`made()`), twelve passengers' links and BCN's one task; returns MAD's flight.
async fn history(store: Arc<dyn Store>) -> uuid::Uuid {
    let store = store.as_ref();
    let mad = flight(store, "IB6401", "MAD", 12).await;
    let bcn = flight(store, "IB6402", "BCN", 1).await;
    let base = utc("2026-11-10T08:00:00Z");
    for (i, passenger_id) in mad.iter().chain(bcn.iter()).enumerate() {
        let language = if i % 2 == 0 { "es-ES" } else { "en" };
        let person = store
            .upsert_person(
                &person(&format!("P-{i}"), &format!("Persona {i}"), language, vec![]),
                "test",
                base,
            )
            .await
            .unwrap();
        let decision = match i {
            10 => LinkDecision::Review,
            11 => LinkDecision::Rejected,
            _ => LinkDecision::Linked,
        };
        let link = IdentityLink {
            passenger_id: *passenger_id,
            person_id: person.id,
            decision,
            score: 0.9,
            reasons: vec![],
            decided_by: if i == 9 { "staff:ana" } else { "matcher" }.to_string(),
            updated_at: base,
        };
        store.upsert_link(&link).await.unwrap();
        let boarded = base + Duration::minutes(i as i64);
        if i <= 10 || i == 12 {
            store
                .set_boarding_state(*passenger_id, BoardingState::Boarded, None, "test", boarded)
                .await
                .unwrap();
        }
        let spec = match i {
            0..=9 => &made()[i],
            12 => &Made {
                channel: Channel::Gate,
                end: Some((TaskState::Done, Some(TaskOutcome::TalkedAllWell), 1)),
            },
            _ => continue,
        };
        let created = boarded + Duration::minutes(i as i64 + 1);
        let task = store
            .create_task(
                &NewTask {
                    flight_id: store
                        .passenger(*passenger_id)
                        .await
                        .unwrap()
                        .unwrap()
                        .flight_id,
                    passenger_id: *passenger_id,
                    person_id: person.id,
                    rule_id: "frequent_complainer".to_string(),
                    channel: spec.channel,
                    station: if i == 12 { "BCN" } else { "MAD" }.to_string(),
                    gate: None,
                    priority: 1,
                    due_at: created + Duration::minutes(DUE_MINUTES),
                    // The open one must outlive the test, or the app's scheduler expires it.
                    expires_at: match spec.end {
                        Some(_) => created + Duration::hours(2),
                        None => aboard::clock::now() + Duration::days(1),
                    },
                    brief: "Persona".to_string(),
                    briefs: Default::default(),
                    why: vec![],
                    holdout: None,
                },
                created,
            )
            .await
            .unwrap()
            .unwrap();
        if let Some((state, outcome, after)) = spec.end {
            store
                .transition_task(&TaskTransition {
                    task_id: task.id,
                    from: vec![TaskState::Open],
                    to: state,
                    actor: "staff:test".to_string(),
                    assignee: None,
                    outcome,
                    note: Some("She said her name is Persona".to_string()),
                    at: created + Duration::minutes(after),
                })
                .await
                .unwrap()
                .unwrap();
        }
    }
    mad[0]
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get_as(path, token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    values.sort();
    (!values.is_empty()).then(|| values[values.len().div_ceil(2) - 1])
}

#[tokio::test]
async fn reports_agree_with_the_counts_of_the_tasks_made() {
    for db in TestDb::each().await {
        history(db.store.clone()).await;
        let app = TestApp::spawn(db.config()).await;
        let analyst = token(db.store.as_ref(), Role::Analyst, &[], &[]).await;
        let day = "from=2026-11-10&to=2026-11-10";

        // Worked out from `made()`, not from aboard's code.
        let specs = made();
        let ends = |wanted: &dyn Fn(TaskState, Option<TaskOutcome>) -> bool| -> i64 {
            specs
                .iter()
                .filter(|m| m.end.is_some_and(|(s, o, _)| wanted(s, o)))
                .count() as i64
        };
        use TaskOutcome::*;
        let reached = ends(&|s, o| {
            s == TaskState::Done && matches!(o, Some(TalkedAllWell | TalkedNewIssue | MessageSent))
        });
        let refused = ends(&|_, o| matches!(o, Some(Declined | AskedNoContact)));
        let funnel = get(
            &app,
            &analyst,
            &format!("/api/reports/funnel?{day}&station=MAD"),
        )
        .await;
        let f = &funnel["report"];
        assert_eq!(
            f["boarded_linked"], 10,
            "passengers 0-9 boarded with a link"
        );
        let of = |c| specs.iter().filter(|m| m.channel == c).count() as i64;
        assert_eq!(f["tasks_gate"], of(Channel::Gate));
        assert_eq!(f["tasks_social"], of(Channel::Social));
        assert_eq!(f["reached"], reached);
        assert_eq!(f["refused"], refused);
        assert_eq!(f["not_found"], ends(&|_, o| o == Some(NotFound)));
        assert_eq!(f["expired"], ends(&|s, _| s == TaskState::Expired));
        assert_eq!(f["cancelled"], ends(&|s, _| s == TaskState::Cancelled));
        assert_eq!(
            f["pending"],
            specs.iter().filter(|m| m.end.is_none()).count() as i64
        );
        assert_eq!(f["new_issue"], ends(&|_, o| o == Some(TalkedNewIssue)));

        // BCN's task counts without the station filter; no task on the 11th.
        let all = get(&app, &analyst, &format!("/api/reports/funnel?{day}")).await;
        assert_eq!(all["report"]["tasks_gate"], of(Channel::Gate) + 1);
        let next_day = get(
            &app,
            &analyst,
            "/api/reports/funnel?from=2026-11-11&to=2026-11-11",
        )
        .await;
        assert_eq!(next_day["report"]["tasks_gate"], 0);
        // Desk and channel filters: even passengers are Spanish and on the gate channel.
        let spanish = get(
            &app,
            &analyst,
            &format!("/api/reports/funnel?{day}&station=MAD&desk=es"),
        )
        .await;
        assert_eq!(spanish["report"]["tasks_gate"], of(Channel::Gate));
        assert_eq!(spanish["report"]["tasks_social"], 0);
        let social = get(
            &app,
            &analyst,
            &format!("/api/reports/funnel?{day}&channel=social"),
        )
        .await;
        assert_eq!(social["report"]["tasks_gate"], 0);
        assert_eq!(social["report"]["tasks_social"], of(Channel::Social));

        // Deadlines: done within DUE_MINUTES is met; done later, expired or open past due is missed.
        let met = ends(&|s, _| s == TaskState::Done)
            - specs
                .iter()
                .filter(|m| {
                    m.end
                        .is_some_and(|(s, _, after)| s == TaskState::Done && after > DUE_MINUTES)
                })
                .count() as i64;
        let missed = specs
            .iter()
            .filter(|m| match m.end {
                Some((TaskState::Done, _, after)) => after > DUE_MINUTES,
                Some((TaskState::Expired, _, _)) | None => true,
                _ => false,
            })
            .count() as i64;
        let deadlines = get(
            &app,
            &analyst,
            &format!("/api/reports/deadlines?{day}&station=MAD"),
        )
        .await;
        let stations = deadlines["report"]["by_station"].as_array().unwrap();
        assert_eq!(stations.len(), 1);
        assert_eq!(stations[0]["key"], "MAD");
        assert_eq!(
            (
                stations[0]["met"].as_i64().unwrap(),
                stations[0]["missed"].as_i64().unwrap()
            ),
            (met, missed)
        );
        let hours = deadlines["report"]["by_hour"].as_array().unwrap();
        assert_eq!(hours.len(), 24);
        let by_hour_total: i64 = hours
            .iter()
            .map(|h| h["met"].as_i64().unwrap() + h["missed"].as_i64().unwrap())
            .sum();
        assert_eq!(by_hour_total, met + missed);
        // Tasks are due between 08:21 and 09:50 UTC: 09 and 10 in Madrid (UTC+1 in November).
        assert_eq!(
            hours[8]["met"].as_i64().unwrap() + hours[8]["missed"].as_i64().unwrap(),
            0
        );
        let desks: Vec<&str> = deadlines["report"]["by_desk"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap())
            .collect();
        assert_eq!(desks, ["en", "es"]);

        // Latency: gate tasks to their outcome, median by nearest rank.
        let latency = get(
            &app,
            &analyst,
            &format!("/api/reports/latency?{day}&station=MAD"),
        )
        .await;
        let steps = latency["report"].as_array().unwrap();
        let outcome = steps
            .iter()
            .find(|s| s["step"] == "gate: task to outcome")
            .unwrap();
        let gate_minutes: Vec<i64> = specs
            .iter()
            .filter(|m| m.channel == Channel::Gate)
            .filter_map(|m| m.end.filter(|e| e.0 == TaskState::Done).map(|e| e.2 * 60))
            .collect();
        assert_eq!(outcome["count"], gate_minutes.len() as i64);
        assert_eq!(
            outcome["median_seconds"].as_i64(),
            median(gate_minutes.clone())
        );
        let bucketed: i64 = outcome["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_i64().unwrap())
            .sum();
        assert_eq!(bucketed, gate_minutes.len() as i64);
        // Each gate task was made i+1 minutes after its passenger boarded.
        let scan = steps
            .iter()
            .find(|s| s["step"] == "gate: scan to task")
            .unwrap();
        let scan_minutes: Vec<i64> = (0..10)
            .filter(|i| i % 2 == 0)
            .map(|i| (i + 1) * 60)
            .collect();
        assert_eq!(scan["median_seconds"].as_i64(), median(scan_minutes));

        // Matching: nine linked by the matcher at MAD, one confirmed by staff, one waiting, one rejected.
        let matching = get(
            &app,
            &analyst,
            &format!("/api/reports/matching?{day}&station=MAD"),
        )
        .await;
        let m = &matching["report"];
        assert_eq!(
            (
                m["auto_linked"].as_i64(),
                m["confirmed"].as_i64(),
                m["in_review"].as_i64(),
                m["rejected"].as_i64()
            ),
            (Some(9), Some(1), Some(1), Some(1))
        );
        assert!(m["review_oldest_age_seconds"].as_i64().unwrap() > 20 * 86_400);

        // Every table downloads as CSV with the same figures.
        let csv = app
            .get_as(&format!("/reports/csv/funnel?{day}&station=MAD"), &analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK);
        assert!(
            csv.headers()[reqwest::header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("aboard-funnel-2026-11-10-2026-11-10.csv")
        );
        let csv = csv.text().await.unwrap();
        assert!(csv.starts_with("stage,count\n"), "{csv}");
        assert!(csv.contains(&format!("\nreached,{reached}\n")), "{csv}");
        for table in aboard::reports::TABLES {
            let response = app
                .get_as(&format!("/reports/csv/{table}?{day}"), &analyst)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{table}");
        }
        let unknown = app
            .get_as("/reports/csv/salaries", &analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        // The page: tables, server-drawn charts, no person's name or words.
        let page = app
            .get_as(&format!("/reports?{day}"), &analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("<svg") && html.contains("/reports/csv/deadlines_by_hour?"));
        assert!(!html.contains("Persona") && !html.contains("PAX"));

        // Bad filters are named; roles other than analyst and ops are refused.
        for (query, named) in [
            ("from=10/11/2026", "from:"),
            ("from=2026-11-12&to=2026-11-10", "from:"),
            ("station=Madrid", "station:"),
            ("channel=fax", "channel:"),
            ("desk=spanish", "desk:"),
        ] {
            let response = app
                .get_as(&format!("/api/reports/funnel?{query}"), &analyst)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().starts_with(named), "{body}");
        }
        let gate = token(db.store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        for path in ["/api/reports/funnel", "/reports", "/reports/csv/funnel"] {
            let response = app.get_as(path, &gate).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        }
        app.stop().await;
        db.finish().await;
    }
}

/// The value of the Prometheus sample `series` (name and labels, as printed) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_carry_open_tasks_by_channel_and_station_and_the_queues() {
    for db in TestDb::each().await {
        history(db.store.clone()).await;
        let app = TestApp::spawn(db.config()).await;
        let scrape = || async {
            app.client
                .get(app.url("/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        };
        let text = scrape().await;
        // Of `made()`, one social task at MAD stays open; BCN's gate task is done.
        let open: Vec<_> = made()
            .iter()
            .filter(|m| m.end.is_none())
            .map(|m| m.channel)
            .collect();
        assert_eq!(open, [Channel::Social]);
        assert_eq!(
            sample(
                &text,
                "aboard_open_tasks{channel=\"social\",station=\"MAD\"}"
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            sample(&text, "aboard_open_tasks{channel=\"gate\",station=\"BCN\"}"),
            None
        );
        assert_eq!(sample(&text, "aboard_review_queue_links"), Some(1.0));
        assert_eq!(sample(&text, "aboard_outbox_backlog_messages"), Some(0.0));
        assert_eq!(
            sample(&text, "aboard_outbox_oldest_message_age_seconds"),
            Some(0.0)
        );
        assert_eq!(sample(&text, "aboard_incomplete_typeb_messages"), Some(0.0));

        // Once it closes, the station drops out rather than keep its last count.
        let open_task = db
            .store
            .tasks(&aboard::store::TaskFilter {
                states: vec![TaskState::Open],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(open_task.len(), 1);
        db.store
            .transition_task(&TaskTransition {
                task_id: open_task[0].id,
                from: vec![TaskState::Open],
                to: TaskState::Cancelled,
                actor: "test".to_string(),
                assignee: None,
                outcome: None,
                note: None,
                at: aboard::clock::now(),
            })
            .await
            .unwrap()
            .unwrap();
        let text = scrape().await;
        assert!(!text.contains("aboard_open_tasks{"), "{text}");
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn ambassador_candidates_ended_well_twice_have_no_open_case_never_opted_out_and_are_ranked_by_reach()
 {
    use aboard::domain::CaseStatus;
    use aboard::domain::records::Consent;
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        // (registry id, followers, all-well follow-ups, an open case, opted out)
        let people = [
            ("P-WIDE", 50_000, 2, false, false),
            ("P-NARROW", 300, 3, false, false),
            ("P-OPEN-CASE", 90_000, 2, true, false),
            ("P-OPTED-OUT", 80_000, 2, false, true),
            ("P-ONCE", 70_000, 1, false, false),
        ];
        let passengers = flight(store, "IB6403", "MAD", people.len()).await;
        let at = utc("2026-11-10T08:00:00Z");
        for ((id, followers, well, open_case, opted_out), passenger_id) in
            people.iter().zip(&passengers)
        {
            let mut record = person(
                id,
                &format!("Nombre {id}"),
                "es",
                vec![common::social::x_account(id)],
            );
            record.accounts[0].followers = *followers;
            if !open_case {
                record.cases.retain(|c| c.status == CaseStatus::Resolved);
            }
            if *opted_out {
                record.consents.push(Consent {
                    channel: "x".to_string(),
                    opted_out: true,
                    updated_at: at,
                });
            }
            let person = store.upsert_person(&record, "test", at).await.unwrap();
            for n in 0..*well {
                let task = store
                    .create_task(
                        &NewTask {
                            flight_id: store
                                .passenger(*passenger_id)
                                .await
                                .unwrap()
                                .unwrap()
                                .flight_id,
                            passenger_id: *passenger_id,
                            person_id: person.id,
                            rule_id: format!("rule_{n}"),
                            channel: Channel::Gate,
                            station: "MAD".to_string(),
                            gate: None,
                            priority: 1,
                            due_at: at,
                            expires_at: at + Duration::hours(1),
                            brief: String::new(),
                            briefs: Default::default(),
                            why: vec![],
                            holdout: None,
                        },
                        at,
                    )
                    .await
                    .unwrap()
                    .unwrap();
                store
                    .transition_task(&TaskTransition {
                        task_id: task.id,
                        from: vec![TaskState::Open],
                        to: TaskState::Done,
                        actor: "staff:test".to_string(),
                        assignee: None,
                        outcome: Some(TaskOutcome::TalkedAllWell),
                        note: None,
                        at,
                    })
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        let app = TestApp::spawn(db.config()).await;
        let ops = token(store, Role::Ops, &[], &[]).await;
        let analyst = token(store, Role::Analyst, &[], &[]).await;
        let csv = |token: String| {
            let request = app.get_as("/reports/ambassadors?csv", &token);
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                response.text().await.unwrap()
            }
        };
        assert_eq!(
            csv(ops.clone()).await,
            "external_id,name,language,all_well,reach\n\
             P-WIDE,Nombre P-WIDE,es,2,50000\n\
             P-NARROW,Nombre P-NARROW,es,3,300\n"
        );
        let for_analyst = csv(analyst.clone()).await;
        assert_eq!(
            for_analyst,
            "external_id,language,all_well,reach\nP-WIDE,es,2,50000\nP-NARROW,es,3,300\n"
        );
        let page = app
            .get_as("/reports/ambassadors", &analyst)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("P-WIDE") && !page.contains("Nombre"));
        let gate = token(store, Role::Gate, &["MAD"], &[]).await;
        let refused = app
            .get_as("/reports/ambassadors", &gate)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn social_steps_are_timed_from_claim_to_the_first_reply() {
    use aboard::domain::records::{NewMessage, NewReply};
    use aboard::domain::{MessageMode, MessageState, Network};
    use aboard::store::SendResult;
    for db in TestDb::each().await {
        let store = db.store.clone();
        let passengers = flight(store.as_ref(), "IB6409", "MAD", 1).await;
        let t0 = utc("2026-11-10T08:00:00Z");
        let minutes = |m: i64| t0 + Duration::minutes(m);
        let person = store
            .upsert_person(
                &person(
                    "P-X",
                    "Persona X",
                    "es",
                    vec![common::social::x_account("9001")],
                ),
                "test",
                t0,
            )
            .await
            .unwrap();
        let flight_id = store
            .passenger(passengers[0])
            .await
            .unwrap()
            .unwrap()
            .flight_id;
        let task = store
            .create_task(
                &NewTask {
                    flight_id,
                    passenger_id: passengers[0],
                    person_id: person.id,
                    rule_id: "checkin-over-social".to_string(),
                    channel: Channel::Social,
                    station: "MAD".to_string(),
                    gate: None,
                    priority: 1,
                    due_at: minutes(60),
                    // Outlives the test, or the app's scheduler expires it.
                    expires_at: aboard::clock::now() + Duration::days(1),
                    brief: "Persona".to_string(),
                    briefs: Default::default(),
                    why: vec![],
                    holdout: None,
                },
                t0,
            )
            .await
            .unwrap()
            .unwrap();
        // Claimed after 4 minutes, sent 3 minutes later, delivered after 1 more, read 3 minutes after
        // it was sent, and answered 8 minutes after it was sent.
        store
            .transition_task(&TaskTransition {
                task_id: task.id,
                from: vec![TaskState::Open],
                to: TaskState::Claimed,
                actor: "staff:advisor".to_string(),
                assignee: Some("advisor".to_string()),
                outcome: None,
                note: None,
                at: minutes(4),
            })
            .await
            .unwrap()
            .unwrap();
        let message = store
            .enqueue_message(
                &NewMessage {
                    task_id: task.id,
                    network: Network::X,
                    recipient: "9001".to_string(),
                    body: "Hola".to_string(),
                    author: "staff:advisor".to_string(),
                    idempotency_key: "steps-1".to_string(),
                    mode: MessageMode::FreeText,
                    tag: None,
                    template: None,
                },
                minutes(6),
            )
            .await
            .unwrap();
        let claimed = store
            .claim_messages("test", minutes(6), minutes(8), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert!(
            store
                .begin_send(message.id, "test", minutes(8))
                .await
                .unwrap()
        );
        store
            .finish_message(
                message.id,
                "test",
                &SendResult::Sent {
                    provider_message_id: Some("x-1".to_string()),
                },
                minutes(7),
            )
            .await
            .unwrap()
            .unwrap();
        for (state, at) in [(MessageState::Delivered, 8), (MessageState::Read, 10)] {
            store
                .advance_message(Network::X, Some("x-1"), None, state, None, minutes(at))
                .await
                .unwrap()
                .unwrap();
        }
        // A second "read" later changes nothing.
        store
            .advance_message(
                Network::X,
                Some("x-1"),
                None,
                MessageState::Read,
                None,
                minutes(30),
            )
            .await
            .unwrap();
        let reply = store
            .record_reply(
                &NewReply {
                    network: Network::X,
                    network_message_id: "r-1".to_string(),
                    sender_id: "9001".to_string(),
                    body: Some("Todo bien".to_string()),
                    sent_at: minutes(15),
                },
                minutes(15),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply.task_id, Some(task.id));

        let app = TestApp::spawn(db.config()).await;
        let analyst = token(store.as_ref(), Role::Analyst, &[], &[]).await;
        let latency = get(
            &app,
            &analyst,
            "/api/reports/latency?from=2026-11-10&to=2026-11-10&channel=social",
        )
        .await;
        let steps = latency["report"].as_array().unwrap();
        let median = |step: &str| {
            let s = steps
                .iter()
                .find(|s| s["step"] == step)
                .unwrap_or_else(|| panic!("{step}: {latency}"));
            (s["count"].as_i64().unwrap(), s["median_seconds"].as_i64())
        };
        assert_eq!(median("social: task to claim"), (1, Some(4 * 60)));
        assert_eq!(median("social: claim to message sent"), (1, Some(3 * 60)));
        assert_eq!(median("social: sent to delivered"), (1, Some(60)));
        assert_eq!(median("social: sent to read"), (1, Some(3 * 60)));
        assert_eq!(median("social: sent to first reply"), (1, Some(8 * 60)));
        app.stop().await;
        db.finish().await;
    }
}

/// One boarded, linked passenger's gate task on each of the days around the ends of October and November
/// 2026 (at BCN and MAD, in Spanish and English, done after a few minutes more each day), so that a range
/// can hold whole months and parts of them.
async fn month_ends(store: &dyn Store) {
    let days = [
        (10, 30),
        (10, 31),
        (11, 1),
        (11, 2),
        (11, 29),
        (11, 30),
        (12, 1),
    ];
    for (n, (month, day)) in days.into_iter().enumerate() {
        let date = NaiveDate::from_ymd_opt(2026, month, day).unwrap();
        let origin = if n % 2 == 0 { "BCN" } else { "MAD" };
        let passenger_id = flight_on(store, &format!("IB65{n:02}"), origin, 1, date).await[0];
        let at = date.and_hms_opt(9, 30, 0).unwrap().and_utc();
        let language = if n % 3 == 0 { "en" } else { "es" };
        let person = store
            .upsert_person(
                &person(&format!("M-{n}"), "Persona", language, vec![]),
                "test",
                at,
            )
            .await
            .unwrap();
        store
            .upsert_link(&IdentityLink {
                passenger_id,
                person_id: person.id,
                decision: LinkDecision::Linked,
                score: 0.9,
                reasons: vec![],
                decided_by: "matcher".to_string(),
                updated_at: at,
            })
            .await
            .unwrap();
        store
            .set_boarding_state(passenger_id, BoardingState::Boarded, None, "test", at)
            .await
            .unwrap();
        let created = at + Duration::minutes(2);
        let task = store
            .create_task(
                &NewTask {
                    flight_id: store
                        .passenger(passenger_id)
                        .await
                        .unwrap()
                        .unwrap()
                        .flight_id,
                    passenger_id,
                    person_id: person.id,
                    rule_id: "frequent_complainer".to_string(),
                    channel: Channel::Gate,
                    station: origin.to_string(),
                    gate: None,
                    priority: 1,
                    due_at: created + Duration::minutes(DUE_MINUTES),
                    expires_at: created + Duration::hours(2),
                    brief: "Persona".to_string(),
                    briefs: Default::default(),
                    why: vec![],
                    holdout: None,
                },
                created,
            )
            .await
            .unwrap()
            .unwrap();
        store
            .transition_task(&TaskTransition {
                task_id: task.id,
                from: vec![TaskState::Open],
                to: TaskState::Done,
                actor: "staff:test".to_string(),
                assignee: None,
                outcome: Some(TaskOutcome::TalkedAllWell),
                note: None,
                at: created + Duration::minutes(3 + 7 * n as i64),
            })
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn reports_outlive_retention_through_their_daily_rollups() {
    for db in TestDb::each().await {
        history(db.store.clone()).await;
        month_ends(db.store.as_ref()).await;
        // No scheduler: nothing but the test changes the tasks (it would escalate the open one) or rolls
        // the days up.
        let mut config = db.config();
        config.scheduler.enabled = false;
        let app = TestApp::spawn(config).await;
        let analyst = token(db.store.as_ref(), Role::Analyst, &[], &[]).await;
        // A few days; parts of two months; two whole months (with and without each filter); parts of
        // October and December around the whole of November; most of November (its month cells less
        // the days left out, which have tasks), after the whole of October or alone.
        let ranges = [
            "from=2026-11-09&to=2026-11-11",
            "from=2026-10-31&to=2026-11-01",
            "from=2026-10-01&to=2026-11-30",
            "from=2026-10-01&to=2026-11-30&station=MAD&desk=es",
            "from=2026-10-01&to=2026-11-30&rule=frequent_complainer&channel=gate",
            "from=2026-10-01&to=2026-11-30&network=x",
            "from=2026-10-31&to=2026-12-02",
            "from=2026-10-31&to=2026-12-02&station=BCN",
            "from=2026-10-01&to=2026-11-29",
            "from=2026-11-02&to=2026-11-30",
            "from=2026-11-02&to=2026-11-29&station=BCN",
        ];
        let read = || async {
            let mut reports = Vec::new();
            for range in ranges {
                let mut sections = Vec::new();
                for section in ["funnel", "latency", "deadlines", "matching"] {
                    sections.push(
                        get(&app, &analyst, &format!("/api/reports/{section}?{range}")).await,
                    );
                }
                reports.push(sections);
            }
            reports
        };
        let before = read().await;
        assert_eq!(before[0][0]["report"]["tasks_gate"], 6);
        // Nov 10's six, and each month end's but December 1st's, or October 30th's.
        assert_eq!(before[2][0]["report"]["tasks_gate"], 6 + 6);
        assert_eq!(before[6][0]["report"]["tasks_gate"], 6 + 6);
        assert_eq!(before[3][0]["report"]["tasks_gate"], 5 + 2, "MAD, es");
        assert_eq!(db.store.rolled_through().await.unwrap(), None);
        let now = aboard::clock::now();
        let rolled = aboard::app::reports::roll_up(db.store.as_ref(), now, 400)
            .await
            .unwrap();
        assert!(rolled >= 3, "{rolled} days");
        assert!(db.store.rolled_through().await.unwrap() >= NaiveDate::from_ymd_opt(2026, 12, 2));
        let months = db.store.rolled_months().await.unwrap();
        for month in [(2026, 10), (2026, 11)] {
            let first = NaiveDate::from_ymd_opt(month.0, month.1, 1).unwrap();
            assert!(months.contains(&first), "{first} in {months:?}");
        }
        // Retention takes the flights with their passengers, tasks and links.
        db.store
            .purge_flights(now, now.date_naive(), 1_000)
            .await
            .unwrap();
        assert_eq!(db.store.counts().await.unwrap().tasks, 0);
        let after = read().await;
        for ((range, before), after) in ranges.iter().zip(&before).zip(&after) {
            for (b, a) in before.iter().zip(after).take(3) {
                assert_eq!(b, a, "{range}");
            }
            // Links the matcher and staff decided are kept; the review queue is read as it stands.
            for figure in ["auto_linked", "confirmed", "rejected"] {
                assert_eq!(
                    before[3]["report"][figure], after[3]["report"][figure],
                    "{range}: {figure}"
                );
            }
            assert_eq!(after[3]["report"]["in_review"], 0);
        }
        app.stop().await;
        db.finish().await;
    }
}
