//! The event stream and the append-only log, over real HTTP against the real app on both backends: cursor
//! paging and filters, matcher links and station changes recorded, an analyst reading everything but a
//! person's words, and the database itself refusing to change or remove an event outside retention and
//! erasure.

mod common;

use aboard::domain::records::{Station, TaskTransition};
use aboard::domain::{Iata, Role, TaskOutcome, TaskState};
use aboard::store::PurgeCutoffs;
use chrono::Duration;
use common::social::{person, social_task, x_account};
use common::{TestApp, TestDb, token};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

const NOTE: &str = "Told me her mother is in hospital in Lima";

async fn page(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .get_as(&format!("/api/events?{query}"), token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

fn kinds(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

/// Every event the filter `query` names, read page by page of `limit`.
async fn read_all(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = String::new();
    loop {
        let page = page(app, token, &format!("{query}&limit={limit}{after}")).await;
        let events = page["events"].as_array().unwrap().clone();
        assert!(events.len() <= limit);
        all.extend(events);
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => return all,
        }
    }
}

/// Runs `sql` on the test database directly, as a person with database access would.
async fn raw(db: &TestDb, sql: &str) -> Result<u64, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if db.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    }
}

#[tokio::test]
async fn the_stream_pages_filters_and_keeps_a_persons_words_from_analysts() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let record = person("P-LIMA", "Lucía Quispe", "es", vec![x_account("9001")]);
        let task = social_task(store.clone(), 5101, &record).await;
        let closed = store
            .transition_task(&TaskTransition {
                task_id: task.id,
                from: vec![TaskState::Open],
                to: TaskState::Done,
                actor: "staff:alba".to_string(),
                assignee: Some("alba".to_string()),
                outcome: Some(TaskOutcome::TalkedAllWell),
                note: Some(NOTE.to_string()),
                at: aboard::clock::now(),
            })
            .await
            .unwrap();
        assert!(closed.is_some());
        // The app's scheduler logs its own events once it runs: the test reads up to its start.
        let until = format!(
            "to={}",
            aboard::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        let app = TestApp::spawn(db.config()).await;
        let ops = token(store.as_ref(), Role::Ops, &[], &[]).await;
        let analyst = token(store.as_ref(), Role::Analyst, &[], &[]).await;

        // The matcher's link and the station's staffing are in the log, with the task's life.
        let everything = read_all(&app, &ops, &until, 1000).await;
        let all_kinds: Vec<&str> = everything
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "link.matched",
            "station.changed",
            "task.created",
            "task.done",
        ] {
            assert!(all_kinds.contains(&kind), "{kind} in {all_kinds:?}");
        }
        let link = everything
            .iter()
            .find(|e| e["kind"] == "link.matched")
            .unwrap();
        assert_eq!(link["detail"]["decision"], "linked");
        assert_eq!(link["actor"], "matcher");
        assert_eq!(link["flight_id"], task.new.flight_id.to_string());
        let station = everything
            .iter()
            .find(|e| e["kind"] == "station.changed")
            .unwrap();
        assert_eq!(station["subject_id"], "AGP");
        assert_eq!(station["detail"]["now"]["staffed"], false);

        // Pages of two hold every event once, oldest first, whatever the page size.
        let paged = read_all(&app, &ops, &until, 2).await;
        let ids = |events: &[Value]| -> Vec<String> {
            events
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&paged), ids(&everything));
        let mut sorted = ids(&everything);
        sorted.sort();
        assert_eq!(sorted, ids(&everything), "oldest first, by id");

        // Filters: a kind's family, one kind, a task, a flight, a person, a time range.
        let expected = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
            everything
                .iter()
                .filter(|e| keep(e))
                .map(|e| e["id"].as_str().unwrap().to_string())
                .collect()
        };
        let tasks = read_all(&app, &ops, &format!("kind=task&{until}"), 1).await;
        assert_eq!(
            ids(&tasks),
            expected(&|e| e["kind"].as_str().unwrap().starts_with("task."))
        );
        assert_eq!(
            kinds(&page(&app, &ops, "kind=task.done").await),
            ["task.done"]
        );
        let of_task = page(&app, &ops, &format!("task={}", task.id)).await;
        assert_eq!(kinds(&of_task), ["task.created", "task.done"]);
        let of_flight = read_all(
            &app,
            &ops,
            &format!("flight={}&{until}", task.new.flight_id),
            3,
        )
        .await;
        assert_eq!(
            ids(&of_flight),
            expected(&|e| e["flight_id"] == task.new.flight_id.to_string())
        );
        let of_person = read_all(
            &app,
            &ops,
            &format!("person={}&{until}", task.new.person_id),
            3,
        )
        .await;
        assert_eq!(
            ids(&of_person),
            expected(&|e| e["person_id"] == task.new.person_id.to_string())
        );
        let tomorrow = (aboard::clock::now() + Duration::days(1)).date_naive();
        assert!(
            page(&app, &ops, &format!("from={tomorrow}")).await["events"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert!(
            ids(&read_all(&app, &ops, &format!("to={tomorrow}"), 1000).await)
                .starts_with(&ids(&everything))
        );

        // Ops read the note staff wrote; the analyst reads the outcome and not a word of it.
        let done = |events: &[Value]| {
            events
                .iter()
                .find(|e| e["kind"] == "task.done")
                .unwrap()
                .clone()
        };
        assert_eq!(done(&everything)["detail"]["note"], NOTE);
        let seen = read_all(&app, &analyst, &until, 1000).await;
        assert_eq!(ids(&seen), ids(&everything), "analysts read every event");
        let analysts_done = done(&seen);
        assert_eq!(analysts_done["detail"]["outcome"], "talked_all_well");
        assert!(analysts_done["detail"].get("note").is_none());
        let text = serde_json::to_string(&seen).unwrap();
        assert!(!text.contains("Lima") && !text.contains("Lucía"), "{text}");

        // Bad filters are named; other roles are refused.
        for (query, named) in [
            ("from=yesterday", "from:"),
            ("flight=IB6401", "flight:"),
            ("limit=0", "limit:"),
            ("kind=task%25", "kind:"),
            ("from=2026-12-02&to=2026-12-01", "from:"),
        ] {
            let response = app
                .get_as(&format!("/api/events?{query}"), &ops)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().starts_with(named), "{body}");
        }
        for role in [Role::Admin, Role::Gate, Role::Advisor] {
            let (stations, languages): (&[&str], &[&str]) = match role {
                Role::Gate => (&["AGP"], &[]),
                Role::Advisor => (&[], &["es"]),
                _ => (&[], &[]),
            };
            let other = token(store.as_ref(), role, stations, languages).await;
            let response = app.get_as("/api/events", &other).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{role}");
        }

        // The page shows the same, without the note for the analyst.
        let html = app
            .get_as("/ops/events?kind=task", &analyst)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("task.done") && !html.contains(NOTE));
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_station_is_logged_when_it_changes_and_not_when_set_again() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let mad = |staffed: bool| Station {
            iata: Iata::parse("MAD").unwrap(),
            staffed,
            shift_start: None,
            shift_end: None,
        };
        let now = aboard::clock::now();
        for staffed in [true, true, false] {
            store
                .upsert_station(&mad(staffed), "cli", now)
                .await
                .unwrap();
        }
        let filter = aboard::store::EventQuery {
            kind: Some("station".to_string()),
            limit: 10,
            ..Default::default()
        };
        let (events, more) = store.event_stream(&filter).await.unwrap();
        assert!(!more);
        let staffed: Vec<(Value, Value)> = events
            .iter()
            .map(|e| {
                (
                    e.event.detail["before"]["staffed"].clone(),
                    e.event.detail["now"]["staffed"].clone(),
                )
            })
            .collect();
        assert_eq!(
            staffed,
            [
                (Value::Null, Value::Bool(true)),
                (Value::Bool(true), Value::Bool(false))
            ]
        );
        assert!(events.iter().all(|e| e.event.actor == "cli"));
        db.finish().await;
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_events_but_retention_and_erasure() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let record = person("P-ERASE", "Erika Borrada", "es", vec![x_account("9002")]);
        let task = social_task(store.clone(), 5102, &record).await;
        let before = store.counts().await.unwrap().events;
        assert!(before > 0);

        for sql in [
            "UPDATE events SET actor = 'someone else'",
            "DELETE FROM events",
            "DELETE FROM events WHERE action = 'task.created'",
        ] {
            let refused = raw(&db, sql).await.expect_err(sql);
            assert!(
                refused.to_string().contains("append-only"),
                "{sql}: {refused}"
            );
        }
        assert_eq!(store.counts().await.unwrap().events, before);
        // Erasure removes the events naming the person.
        let naming = |events: &[aboard::domain::records::Event]| {
            events
                .iter()
                .filter(|e| e.event.person_id == Some(task.new.person_id))
                .count()
        };
        let all = aboard::store::EventQuery {
            limit: 1000,
            ..Default::default()
        };
        assert!(naming(&store.event_stream(&all).await.unwrap().0) > 0);
        let now = aboard::clock::now();
        assert!(store.erase_person("P-ERASE", "test", now).await.unwrap());
        assert_eq!(naming(&store.event_stream(&all).await.unwrap().0), 0);

        // Retention removes every event older than its cutoff, and logs that it did.
        let later = now + Duration::seconds(1);
        let report = store
            .purge(
                &PurgeCutoffs {
                    events_before: later,
                    ticks_before: later,
                    boarding_scans_before: later,
                },
                later,
            )
            .await
            .unwrap();
        assert!(report.events > 0);
        let (left, _) = store.event_stream(&all).await.unwrap();
        assert_eq!(
            left.iter()
                .map(|e| e.event.action.as_str())
                .collect::<Vec<_>>(),
            ["retention.purged"]
        );
        // And the log is closed again once they are done.
        assert!(raw(&db, "DELETE FROM events").await.is_err());
        db.finish().await;
    }
}
