//! The scheduler against real databases: ticks claimed exactly once by two runners on one database,
//! outcomes recorded, one missed tick caught up, the housekeeping jobs' effect on tasks and the log, and
//! GET /api/scheduler through the real app. Runners are driven tick by tick with chosen instants.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewEvent, NewFlight, NewPassenger,
    NewTask, PersonRecord,
};
use aboard::domain::{
    Channel, FlightKey, FlightNumber, FlightStatus, Iata, TaskState, TravellerClass,
};
use aboard::scheduler::jobs::{EscalateTasks, ExpireTasks, LogRetention, Purge};
use aboard::scheduler::{
    Job, JobContext, JobError, JobReport, JobSettings, Outcome, Scheduler, TickRun,
};
use aboard::store::{EventFilter, Store};
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeDelta, Utc};
use common::{TestApp, TestDb};
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn every_minute() -> JobSettings {
    JobSettings {
        schedule: "*/1 * * * *".to_string(),
        time_zone: "UTC".to_string(),
        enabled: true,
    }
}

/// Counts its runs and answers as told.
struct Probe {
    name: &'static str,
    runs: Arc<AtomicUsize>,
    answer: fn() -> Result<JobReport, JobError>,
}

#[async_trait]
impl Job for Probe {
    fn name(&self) -> &'static str {
        self.name
    }
    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }
    async fn run(&self, _ctx: &JobContext) -> Result<JobReport, JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        // Long enough for the other runner to try the same tick while this one holds it.
        tokio::task::yield_now().await;
        (self.answer)()
    }
}

fn probe(
    name: &'static str,
    runs: &Arc<AtomicUsize>,
    answer: fn() -> Result<JobReport, JobError>,
) -> Arc<Probe> {
    Arc::new(Probe {
        name,
        runs: runs.clone(),
        answer,
    })
}

/// A second connection pool on the same database: what another instance would have.
async fn second_store(db: &TestDb) -> Arc<dyn Store> {
    let target = db.config().database_target().unwrap();
    aboard::store::open(&target, 4).await.unwrap()
}

fn ran(runs: &[TickRun]) -> usize {
    runs.iter().filter(|r| r.outcome.is_some()).count()
}

#[tokio::test]
async fn two_runners_on_one_database_run_each_tick_once() {
    for db in TestDb::each().await {
        let runs = Arc::new(AtomicUsize::new(0));
        let other_store = second_store(&db).await;
        let mut a = Scheduler::new(db.store.clone(), "instance-a");
        let mut b = Scheduler::new(other_store.clone(), "instance-b");
        a.register(
            probe("probe", &runs, || Ok(JobReport::ok("a"))),
            &every_minute(),
        )
        .unwrap();
        b.register(
            probe("probe", &runs, || Ok(JobReport::ok("b"))),
            &every_minute(),
        )
        .unwrap();
        let start = utc("2026-05-10T06:00:30Z");
        a.start(start);
        b.start(start);
        for minute in 0..10 {
            let now = start + Duration::minutes(minute) + Duration::seconds(1);
            let (ra, rb) = tokio::join!(a.run_due(now), b.run_due(now));
            assert_eq!(ra.len(), 1, "runner a has one due tick at {now}");
            assert_eq!(rb.len(), 1, "runner b has one due tick at {now}");
            assert_eq!(ra[0].tick, rb[0].tick);
            assert_eq!(
                ran(&ra) + ran(&rb),
                1,
                "exactly one runner ran {}",
                ra[0].tick
            );
        }
        assert_eq!(runs.load(Ordering::SeqCst), 10);
        let last = db.store.last_ticks().await.unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].tick_at, utc("2026-05-10T06:09:00Z"));
        assert_eq!(last[0].outcome.as_deref(), Some("ok"));
        other_store.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn outcomes_are_recorded_and_a_restart_catches_up_one_missed_tick() {
    for db in TestDb::each().await {
        let runs = Arc::new(AtomicUsize::new(0));
        let mut scheduler = Scheduler::new(db.store.clone(), "instance-a");
        scheduler
            .register(
                probe("partial", &runs, || Ok(JobReport::partial("3 of 5 done"))),
                &every_minute(),
            )
            .unwrap();
        scheduler
            .register(
                probe("failing", &runs, || {
                    Err(JobError::Body("the drop folder is not readable".into()))
                }),
                &every_minute(),
            )
            .unwrap();
        scheduler
            .register(
                probe("off", &runs, || Ok(JobReport::ok("never"))),
                &JobSettings {
                    enabled: false,
                    ..every_minute()
                },
            )
            .unwrap();
        // Down since 05:00; at 06:17:20 only the 06:17 tick is caught up, not the 77 before it.
        let now = utc("2026-05-10T06:17:20Z");
        scheduler.start(now);
        let first = scheduler.run_due(now).await;
        assert_eq!(first.len(), 2, "the disabled job does not run: {first:?}");
        assert!(first.iter().all(|r| r.tick == utc("2026-05-10T06:17:00Z")));
        assert_eq!(scheduler.next_wake(), Some(utc("2026-05-10T06:18:00Z")));
        assert!(
            scheduler.run_due(now).await.is_empty(),
            "nothing more is due"
        );

        let status = scheduler.status(now).await.unwrap();
        let by_name = |name: &str| status.iter().find(|s| s.name == name).unwrap().clone();
        let partial = by_name("partial").last_run.unwrap();
        assert_eq!(partial.outcome.as_deref(), Some("partial"));
        assert_eq!(partial.detail.as_deref(), Some("3 of 5 done"));
        assert_eq!(partial.instance, "instance-a");
        assert!(partial.duration_ms.is_some_and(|ms| ms >= 0));
        let failing = by_name("failing").last_run.unwrap();
        assert_eq!(failing.outcome.as_deref(), Some("failed"));
        assert_eq!(
            failing.detail.as_deref(),
            Some("the drop folder is not readable")
        );
        let off = by_name("off");
        assert!(!off.enabled && off.next_run.is_none() && off.last_run.is_none());
        assert_eq!(
            off.disabled_reason.as_deref(),
            Some("disabled in the configuration")
        );

        // A restart within the same minute finds the tick claimed and runs nothing again.
        let mut restarted = Scheduler::new(db.store.clone(), "instance-b");
        restarted
            .register(
                probe("partial", &runs, || Ok(JobReport::ok("again"))),
                &every_minute(),
            )
            .unwrap();
        restarted.start(now + Duration::seconds(10));
        let again = restarted.run_due(now + Duration::seconds(10)).await;
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].outcome, None, "{again:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        db.finish().await;
    }
}

fn departure() -> DateTime<Utc> {
    utc("2026-05-10T08:00:00Z")
}

fn new_flight() -> NewFlight {
    NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 5, 10).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(departure()),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: Some("S24".to_string()),
        status: FlightStatus::Boarding,
    }
}

fn new_passenger(key: &str) -> NewPassenger {
    NewPassenger {
        pax_key: format!("-/{key}"),
        surname: format!("SURNAME{key}"),
        given_name: "ANA".to_string(),
        title: None,
        traveller_class: TravellerClass::Adult,
        locator: None,
        seat: None,
        cabin_class: None,
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
        service_codes: Vec::new(),
    }
}

/// One flight with four passengers and four open tasks, expiring at the given instants, due 10 min
/// before their expiry; returns the task ids in that order.
async fn tasks_expiring(store: &dyn Store, expiries: [DateTime<Utc>; 4]) -> Vec<Uuid> {
    let at = departure() - Duration::hours(3);
    let keys = ["1", "2", "3", "4"];
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "list.csv".to_string(),
        digest: "list".to_string(),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: new_flight(),
            mode: ListMode::Merge,
            passengers: keys.iter().map(|k| new_passenger(k)).collect(),
        }],
    };
    let flight_id = store.import_manifest(&import, at).await.unwrap().flights[0].flight_id;
    let passengers = store.passengers(flight_id).await.unwrap();
    let person = store
        .upsert_person(
            &PersonRecord {
                external_id: "P-1".to_string(),
                display_name: "Ana".to_string(),
                language: None,
                country: None,
                date_of_birth: None,
                identifiers: Vec::new(),
                accounts: Vec::new(),
                cases: Vec::new(),
                consents: Vec::new(),
            },
            "test",
            at,
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (passenger, expires_at) in passengers.iter().zip(expiries) {
        let task = NewTask {
            flight_id,
            passenger_id: passenger.id,
            person_id: person.id,
            rule_id: "boarded-complainant".to_string(),
            channel: Channel::Gate,
            station: "MAD".to_string(),
            gate: Some("S24".to_string()),
            priority: 4,
            due_at: expires_at - Duration::minutes(10),
            expires_at,
            brief: "ask if all is well".to_string(),
            briefs: Default::default(),
            why: Vec::new(),
            holdout: None,
        };
        ids.push(store.create_task(&task, at).await.unwrap().unwrap().id);
    }
    ids
}

fn context(store: &Arc<dyn Store>, now: DateTime<Utc>) -> JobContext {
    JobContext {
        store: store.clone(),
        tick: now,
        now,
        instance: "test".to_string(),
    }
}

#[tokio::test]
async fn expiry_and_escalation_act_on_the_right_tasks_once() {
    for db in TestDb::each().await {
        let now = utc("2026-05-10T07:30:00Z");
        let ids = tasks_expiring(
            db.store.as_ref(),
            [
                now - Duration::minutes(1),  // expired
                now + Duration::minutes(5),  // past due (due 07:25), expiring soon
                now + Duration::minutes(14), // due 07:34, expiring within 15 minutes
                now + Duration::minutes(40), // neither
            ],
        )
        .await;
        let escalate = EscalateTasks {
            warn_before: TimeDelta::minutes(15),
        };
        let report = escalate.run(&context(&db.store, now)).await.unwrap();
        assert_eq!(report.outcome, Outcome::Ok);
        assert!(
            report.detail.starts_with("2 task(s) escalated"),
            "{report:?}"
        );
        for (index, expected) in [(0, None), (1, Some(5)), (2, Some(5)), (3, None)] {
            let task = db.store.task(ids[index]).await.unwrap().unwrap();
            assert_eq!(
                task.escalated_at.map(|_| task.new.priority),
                expected,
                "task {index}"
            );
        }
        let again = escalate.run(&context(&db.store, now)).await.unwrap();
        assert!(again.detail.starts_with("0 task(s)"), "escalated once only");

        let report = ExpireTasks.run(&context(&db.store, now)).await.unwrap();
        assert!(report.detail.starts_with("1 task(s) expired"), "{report:?}");
        let expired = db.store.task(ids[0]).await.unwrap().unwrap();
        assert_eq!(expired.state, TaskState::Expired);
        assert!(expired.cancel_reason.is_some());
        let events = db
            .store
            .events(&EventFilter {
                subject_kind: Some("task".to_string()),
                subject_id: Some(ids[0].to_string()),
                action_prefix: Some("task.expired".to_string()),
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event.actor, "scheduler");
        let escalations = db
            .store
            .events(&EventFilter {
                action_prefix: Some("task.escalated".to_string()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(escalations.len(), 2);
        db.finish().await;
    }
}

#[tokio::test]
async fn retention_purges_old_events_and_ticks_and_logs_it() {
    for db in TestDb::each().await {
        let now = utc("2026-05-10T03:30:00Z");
        let event = |action: &str| NewEvent {
            actor: "test".to_string(),
            action: action.to_string(),
            subject_kind: "test".to_string(),
            subject_id: "1".to_string(),
            flight_id: None,
            person_id: None,
            detail: serde_json::json!({}),
        };
        db.store
            .append_event(&event("old"), now - Duration::days(401))
            .await
            .unwrap();
        db.store
            .append_event(&event("recent"), now - Duration::days(399))
            .await
            .unwrap();
        for (tick, age) in [("old", 31), ("recent", 29)] {
            let at = clock::truncate(now - Duration::days(age));
            let lease = at + aboard::scheduler::TICK_LEASE;
            assert!(db.store.claim_tick(tick, at, "x", at, lease).await.unwrap());
        }
        let purge = Purge::new(vec![Box::new(LogRetention::from(
            &aboard::config::RetentionConfig::default(),
        ))]);
        let report = purge.run(&context(&db.store, now)).await.unwrap();
        assert_eq!(report.outcome, Outcome::Ok);
        assert_eq!(
            report.detail,
            "log: 1 event(s), 1 scheduler tick(s), 0 boarding scan(s) removed"
        );
        let left = db
            .store
            .events(&EventFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = left.iter().map(|e| e.event.action.as_str()).collect();
        assert_eq!(actions, ["retention.purged", "recent"]);
        let ticks = db.store.last_ticks().await.unwrap();
        assert_eq!(ticks.len(), 1);
        assert_eq!(ticks[0].job, "recent");
        db.finish().await;
    }
}

#[tokio::test]
async fn the_api_lists_every_job_and_says_why_flight_status_is_off() {
    for db in TestDb::each().await {
        let ops = common::token(db.store.as_ref(), aboard::domain::Role::Ops, &[], &[]).await;
        let app = TestApp::spawn(db.config()).await;
        // The runner starts with the current minute's tick due, so expire-tasks runs at once.
        let mut jobs = serde_json::Value::Null;
        for _ in 0..100 {
            jobs = app
                .get_as("/api/scheduler", &ops)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if jobs[0]["last_run"]["finished_at"].is_string() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let names: Vec<&str> = jobs
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "expire-tasks",
                "escalate-tasks",
                "purge",
                "flight-status",
                "screen-lists",
                "report-rollups",
                "incomplete-messages"
            ]
        );
        let expire = &jobs[0];
        assert_eq!(expire["schedule"], "*/1 * * * *");
        assert_eq!(expire["time_zone"], "UTC");
        assert_eq!(expire["enabled"], true);
        assert!(expire["next_run"]["utc"].is_string());
        assert!(expire["next_run"]["local"].is_string());
        assert_eq!(expire["last_run"]["outcome"], "ok", "{jobs}");
        assert!(expire["last_run"]["duration_ms"].is_number());
        let flight_status = &jobs[3];
        assert_eq!(flight_status["enabled"], false);
        assert!(flight_status["next_run"].is_null());
        assert!(
            flight_status["disabled_reason"]
                .as_str()
                .unwrap()
                .contains("flight_status.base_url is not set"),
            "{flight_status}"
        );
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(r#"aboard_scheduler_runs_total{job="expire-tasks",outcome="ok"}"#),
            "{metrics}"
        );
        assert!(metrics.contains("aboard_scheduler_run_duration_seconds_bucket"));
        app.stop().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn a_configuration_naming_an_unknown_job_is_refused() {
    let db = TestDb::sqlite().await;
    let mut config = db.config();
    config.scheduler.jobs.insert(
        "expire-task".to_string(),
        aboard::config::JobConfig::default(),
    );
    let err = aboard::scheduler::from_config(
        &config,
        db.store.clone(),
        Arc::new(aboard::flightstatus::NoSink),
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "scheduler.jobs.expire-task: there is no such job (known jobs: expire-tasks, \
         escalate-tasks, purge, flight-status, screen-lists, report-rollups, incomplete-messages)"
    );
    config.scheduler.jobs.clear();
    config.scheduler.jobs.insert(
        "purge".to_string(),
        aboard::config::JobConfig {
            schedule: Some("30 2 * * *".to_string()),
            time_zone: Some("Mars/Olympus".to_string()),
            enabled: None,
        },
    );
    let err = aboard::scheduler::from_config(
        &config,
        db.store.clone(),
        Arc::new(aboard::flightstatus::NoSink),
    )
    .err()
    .unwrap();
    assert!(
        err.to_string()
            .starts_with("scheduler.jobs.purge: \"Mars/Olympus\""),
        "{err}"
    );
    db.finish().await;
}

/// Starts its run, says so, and never finishes: an instance that dies mid-tick.
struct Hang {
    started: Arc<tokio::sync::Notify>,
}

#[async_trait]
impl Job for Hang {
    fn name(&self) -> &'static str {
        "probe"
    }
    fn default_schedule(&self) -> &'static str {
        "*/1 * * * *"
    }
    async fn run(&self, _ctx: &JobContext) -> Result<JobReport, JobError> {
        self.started.notify_one();
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_tick_whose_instance_died_is_run_once_by_another_after_its_lease() {
    for db in TestDb::each().await {
        let tick = utc("2026-05-10T06:00:00Z");
        let now = tick + Duration::seconds(30);
        // Instance a claims the tick and dies while its job runs: its runner is stopped mid-run and its
        // connections closed, so the tick stays claimed and unfinished.
        let a_store = second_store(&db).await;
        let started = Arc::new(tokio::sync::Notify::new());
        let mut a = Scheduler::new(a_store.clone(), "instance-a");
        a.register(
            Arc::new(Hang {
                started: started.clone(),
            }),
            &every_minute(),
        )
        .unwrap();
        a.start(now);
        let a = Arc::new(a);
        let running = tokio::spawn({
            let a = a.clone();
            async move { a.run_due(now).await }
        });
        started.notified().await;
        running.abort();
        a_store.close().await;

        let runs = Arc::new(AtomicUsize::new(0));
        let mut others = Vec::new();
        let mut stores = Vec::new();
        for name in ["instance-b", "instance-c"] {
            let store = second_store(&db).await;
            stores.push(store.clone());
            let mut other = Scheduler::new(store, name);
            other
                .register(
                    probe("probe", &runs, || Ok(JobReport::ok("recovered"))),
                    &every_minute(),
                )
                .unwrap();
            other.start(now);
            others.push(other);
        }
        let [b, c] = &others[..] else { unreachable!() };
        let ran_tick = |runs: &[TickRun]| {
            runs.iter()
                .filter(|r| r.tick == tick && r.outcome.is_some())
                .count()
        };
        // Within the lease the tick is a's: nobody runs it again.
        let within = now + Duration::seconds(10);
        let (rb, rc) = tokio::join!(b.run_due(within), c.run_due(within));
        assert_eq!(ran_tick(&rb) + ran_tick(&rc), 0, "{rb:?} {rc:?}");
        // Once the lease has run out, one of the two runs it, once.
        let after = now + aboard::scheduler::TICK_LEASE + Duration::seconds(1);
        let (rb, rc) = tokio::join!(b.run_due(after), c.run_due(after));
        assert_eq!(ran_tick(&rb) + ran_tick(&rc), 1, "{rb:?} {rc:?}");
        let later = after + Duration::minutes(5);
        let (rb, rc) = tokio::join!(b.run_due(later), c.run_due(later));
        assert_eq!(ran_tick(&rb) + ran_tick(&rc), 0, "{rb:?} {rc:?}");
        assert!(
            db.store
                .abandoned_ticks("probe", later)
                .await
                .unwrap()
                .is_empty()
        );
        // The 06:00 tick taken over, and the 06:01 and 06:06 ticks due at the last two calls, each once.
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        for store in stores {
            store.close().await;
        }
        db.finish().await;
    }
}

/// A flight of `keys.len()` passengers imported at `at`.
async fn import_flight(
    store: &dyn Store,
    flight: NewFlight,
    keys: &[&str],
    at: DateTime<Utc>,
) -> Uuid {
    let digest = format!("{}-{}", flight.key.flight, flight.key.local_date);
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: "list.csv".to_string(),
        digest,
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers: keys.iter().map(|k| new_passenger(k)).collect(),
        }],
    };
    store.import_manifest(&import, at).await.unwrap().flights[0].flight_id
}

/// A message on `task` written at `at`, sent at once when `send` says so, else left in the outbox.
async fn message(store: &dyn Store, task: Uuid, key: &str, send: bool, at: DateTime<Utc>) {
    let new = aboard::domain::records::NewMessage {
        task_id: task,
        network: aboard::domain::Network::X,
        recipient: "1234567".to_string(),
        body: "¿Todo bien esta vez?".to_string(),
        author: "advisor:lucia".to_string(),
        idempotency_key: key.to_string(),
        mode: aboard::domain::MessageMode::FreeText,
        tag: None,
        template: None,
    };
    let queued = store.enqueue_message(&new, at).await.unwrap();
    if send {
        let lease = at + Duration::seconds(30);
        let claimed = store.claim_messages("test", at, lease, 10).await.unwrap();
        assert!(claimed.iter().any(|m| m.id == queued.id));
        assert!(store.begin_send(queued.id, "test", lease).await.unwrap());
        let sent = aboard::store::SendResult::Sent {
            provider_message_id: Some("dm-1".to_string()),
        };
        store
            .finish_message(queued.id, "test", &sent, at)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn retention_removes_flights_tasks_and_messages_in_batches() {
    use aboard::scheduler::jobs::{PersonalRetention, PurgeStep};
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let now = utc("2026-05-10T07:30:00Z");
        // The 08:00 flight to MEX with four open tasks; the first expires now and ends.
        let ids = tasks_expiring(
            store,
            [
                now - Duration::minutes(1),
                now + Duration::minutes(5),
                now + Duration::minutes(14),
                now + Duration::minutes(40),
            ],
        )
        .await;
        store.expire_tasks(now, "aboard").await.unwrap();
        message(store, ids[1], "sent", true, now).await;
        message(store, ids[2], "queued", false, now).await;
        // A flight known only by its day, ten days earlier, and one a year later.
        let mut undated = new_flight();
        undated.key.flight = FlightNumber::parse("IB3100").unwrap();
        undated.key.local_date = NaiveDate::from_ymd_opt(2026, 4, 30).unwrap();
        undated.departure = MovementTimes::default();
        import_flight(store, undated, &["a"], now).await;
        let mut later = new_flight();
        later.key.flight = FlightNumber::parse("IB3200").unwrap();
        later.key.local_date = NaiveDate::from_ymd_opt(2027, 5, 10).unwrap();
        later.departure.scheduled = Some(departure() + Duration::days(365));
        import_flight(store, later, &["b", "c"], now).await;

        let retention = PersonalRetention {
            flights: Duration::days(200),
            tasks: Duration::days(50),
            messages: Duration::days(20),
            batch: 1,
        };
        // Sixty days on: the ended task and the sent message go; the flights are kept, and so is the
        // message the outbox still holds.
        let report = retention
            .purge(store, now + Duration::days(60))
            .await
            .unwrap();
        assert_eq!(
            report,
            "0 flight(s) with 0 passenger(s), 1 task(s), 1 message(s) removed"
        );
        assert!(store.task(ids[0]).await.unwrap().is_none());
        assert!(store.messages_for_task(ids[1]).await.unwrap().is_empty());
        assert_eq!(store.messages_for_task(ids[2]).await.unwrap().len(), 1);

        // Three hundred days on: both past flights, one batch each, with their passengers, tasks and
        // the queued message; the later flight stays.
        let report = retention
            .purge(store, now + Duration::days(300))
            .await
            .unwrap();
        assert_eq!(
            report,
            "2 flight(s) with 5 passenger(s), 0 task(s), 0 message(s) removed"
        );
        let counts = store.counts().await.unwrap();
        assert_eq!(
            (
                counts.flights,
                counts.passengers,
                counts.tasks,
                counts.messages
            ),
            (1, 2, 0, 0)
        );
        db.finish().await;
    }
}

/// `aboard serve` on a PostgreSQL database, as a child process whose JSON log is collected.
struct Instance {
    child: std::process::Child,
    log: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Instance {
    fn start(config: &std::path::Path) -> Instance {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_aboard"))
            .args(["--config"])
            .arg(config)
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start aboard serve");
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if let Ok(entry) = serde_json::from_str(&line) {
                        log.lock().unwrap().push(entry);
                    }
                }
            });
        }
        Instance { child, log }
    }

    /// The ticks of `job` this instance logged as run.
    fn ran(&self, job: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|entry| {
                // The JSON log puts an event's fields beside its message; a run ends ok or failed
                // (the provider knows no such flight).
                let ran = ["scheduler job ran", "scheduler job failed"]
                    .iter()
                    .any(|m| entry["message"] == *m);
                (ran && entry["job"] == job)
                    .then(|| entry["tick"].as_str().unwrap_or_default().to_string())
            })
            .collect()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn killing_an_instance_mid_tick_loses_no_tick_and_runs_none_twice() {
    // Real processes on one PostgreSQL database; SQLite is served by one process alone.
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // The flight-status provider: its first request never gets an answer, so the instance that makes
    // it holds its tick's claim until it is killed; later requests are answered at once.
    let (first_request, mut stalled) = tokio::sync::mpsc::channel::<()>(1);
    let requests = Arc::new(AtomicUsize::new(0));
    let provider = axum::Router::new().route(
        "/flights/number/{number}/{date}",
        axum::routing::get({
            let requests = requests.clone();
            move || async move {
                if requests.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = first_request.send(()).await;
                    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                }
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let provider_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, provider).await.unwrap() });

    // A flight leaving within the poll's horizon, so that every tick asks the provider about it.
    let departs = clock::now() + Duration::hours(1);
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
            local_date: departs.date_naive(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(departs),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: None,
        status: FlightStatus::Scheduled,
    };
    db.store.upsert_flight(&flight, clock::now()).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aboard.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {data:?}\n[database]\nurl = {url:?}\n\
             [scheduler]\ntick_lease_seconds = 3\n\
             [scheduler.jobs.flight-status]\nschedule = \"*/2 * * * * *\"\n\
             [flight_status]\nbase_url = {provider_url:?}\napi_key = \"test-key\"\n\
             timeout_seconds = 600\n",
            data = dir.path().display().to_string(),
            url = db.url,
        ),
    )
    .unwrap();
    let mut instances = [Instance::start(&config), Instance::start(&config)];
    tokio::time::timeout(std::time::Duration::from_secs(60), stalled.recv())
        .await
        .expect("a flight-status tick asks the provider");
    // The instance holding the stalled tick is named in the tick table (its id holds its pid).
    let (held_tick, holder): (DateTime<Utc>, String) = sqlx::query_as(
        "SELECT tick_at, instance FROM scheduler_ticks WHERE job = 'flight-status' \
         AND finished_at IS NULL ORDER BY tick_at LIMIT 1",
    )
    .fetch_one(&pg_pool(&db.url).await)
    .await
    .unwrap();
    let victim = instances
        .iter()
        .position(|i| holder.contains(&format!("-{}-", i.child.id())))
        .expect("the holder is one of the two");
    instances[victim].child.kill().unwrap();
    instances[victim].child.wait().unwrap();
    let survivor = &instances[1 - victim];

    // Once the lease has lapsed, the survivor runs the held tick, once.
    let pool = pg_pool(&db.url).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let finisher = loop {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT instance FROM scheduler_ticks WHERE job = 'flight-status' AND tick_at = $1 \
             AND finished_at IS NOT NULL",
        )
        .bind(held_tick)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some((instance,)) = row {
            break instance;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the held tick was never run again"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(finisher.contains(&format!("-{}-", survivor.child.id())));
    // A few more ticks on the survivor, then every claimed tick is finished: none lost.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let lost: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scheduler_ticks WHERE job = 'flight-status' AND finished_at IS NULL \
         AND lease_until < now()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(lost, 0, "ticks lost");
    // No tick was run by both: each appears once across the two logs.
    let mut ran: Vec<String> = instances
        .iter()
        .flat_map(|i| i.ran("flight-status"))
        .collect();
    let all = ran.len();
    ran.sort();
    ran.dedup();
    assert_eq!(all, ran.len(), "ticks run twice");
    assert!(ran.len() >= 3, "{ran:?}");
    drop(instances);
    pool.close().await;
    db.finish().await;
}

async fn pg_pool(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}
