//! The holdout group on both backends: the draw is a keyed hash of person and period (worked out again in
//! the test with HMAC-SHA256), a held-out person never gets a task, the decision is logged once with the
//! rule that would have fired even when two instances decide at once, and the uplift report over HTTP
//! agrees with counts the test works out from the outcomes it wrote.

mod common;

use std::sync::Arc;

use aboard::app::Engine;
use aboard::clock;
use aboard::domain::records::{
    ComplaintCase, FlightList, HoldoutAssignment, HoldoutRecord, IdentityLink, ListMode,
    ManifestImport, MovementTimes, NewFlight, NewPassenger, PersonRecord, SocialAccount, Station,
};
use aboard::domain::{
    CaseStatus, Channel, Cohort, FlightKey, FlightNumber, FlightStatus, Iata, LinkDecision,
    Network, Role, TravellerClass,
};
use aboard::reports::uplift::{CohortFact, Uplift};
use aboard::reports::{ReportFilter, desk_of};
use aboard::store::{EventFilter, Store};
use aboard::tasks::{ContactPolicy, HoldoutPolicy};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use common::{TestApp, TestDb, token};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::Sha256;
use uuid::Uuid;

const KEY: &str = "holdout test key";
const FRACTION: f64 = 0.3;
const PERIOD_DAYS: i64 = 90;

/// The group the test expects, worked out from the documented draw rather than aboard's code: the first
/// 53 bits of HMAC-SHA256(key, person id bytes ‖ period as 8 big-endian bytes), as a fraction of 2^53.
fn expected_held_out(person: Uuid, at: DateTime<Utc>) -> bool {
    let period = at.timestamp().div_euclid(PERIOD_DAYS * 86_400);
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(person.as_bytes());
    mac.update(&period.to_be_bytes());
    let bytes = mac.finalize().into_bytes();
    let top = u64::from_be_bytes(bytes[..8].try_into().unwrap()) >> 11;
    (top as f64 / (1u64 << 53) as f64) < FRACTION
}

fn policy() -> ContactPolicy {
    ContactPolicy {
        holdout: HoldoutPolicy {
            fraction: FRACTION,
            period_days: PERIOD_DAYS as u32,
            exclude_open_cases: true,
            key: KEY.to_string(),
        },
        ..ContactPolicy::default()
    }
}

fn complainant(
    external_id: &str,
    open_case: bool,
    cases: Vec<ComplaintCase>,
    activity: i32,
) -> PersonRecord {
    let before = clock::now() - Duration::days(400);
    let mut all = vec![ComplaintCase {
        external_ref: format!("CS-{external_id}"),
        opened_at: before,
        resolved_at: (!open_case).then_some(before + Duration::days(3)),
        channel: "x".to_string(),
        category: "baggage".to_string(),
        severity: 3,
        summary: "Suitcase arrived two days late".to_string(),
        status: if open_case {
            CaseStatus::Open
        } else {
            CaseStatus::Resolved
        },
        source_url: None,
    }];
    all.extend(cases);
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: format!("Persona {external_id}"),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: None,
        identifiers: vec![],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: format!("@{external_id}"),
            network_user_id: None,
            followers: 48_000,
            activity_30d: activity,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: None,
        }],
        cases: all,
        consents: vec![],
    }
}

/// Names hold letters only.
fn letter(n: usize) -> char {
    (b'A' + (n % 26) as u8) as char
}

fn pax(n: usize) -> NewPassenger {
    NewPassenger {
        pax_key: format!("H{n:05}/1"),
        surname: format!("PERSONA{}{}", letter(n / 26), letter(n % 26)),
        given_name: "ANA".to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some(format!("H{n:05}")),
        seat: Some(format!("{}C", n + 1)),
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
    }
}

/// A MAD flight on `date` leaving at `departure`, with `count` passengers; their ids in order.
async fn flight(
    store: &dyn Store,
    number: &str,
    date: NaiveDate,
    departure: DateTime<Utc>,
    count: usize,
) -> (Uuid, Vec<Uuid>) {
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("{number}.csv"),
        digest: format!("digest-{number}-{date}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight: NewFlight {
                key: FlightKey {
                    flight: FlightNumber::parse(number).unwrap(),
                    local_date: date,
                    origin: Iata::parse("MAD").unwrap(),
                },
                destination: Some(Iata::parse("MEX").unwrap()),
                departure: MovementTimes {
                    scheduled: Some(departure),
                    ..Default::default()
                },
                arrival: MovementTimes {
                    scheduled: Some(departure + Duration::hours(12)),
                    ..Default::default()
                },
                gate: Some("S24".to_string()),
                status: FlightStatus::Boarding,
            },
            mode: ListMode::Merge,
            passengers: (0..count).map(pax).collect(),
        }],
    };
    let flight_id = store
        .import_manifest(&import, departure - Duration::hours(3))
        .await
        .unwrap()
        .flights[0]
        .flight_id;
    let mut passengers = store.passengers(flight_id).await.unwrap();
    passengers.sort_by_key(|p| p.details.pax_key.clone());
    (flight_id, passengers.into_iter().map(|p| p.id).collect())
}

async fn link(store: &dyn Store, passenger_id: Uuid, person_id: Uuid, at: DateTime<Utc>) {
    store
        .upsert_link(&IdentityLink {
            passenger_id,
            person_id,
            decision: LinkDecision::Linked,
            score: 0.99,
            reasons: vec![],
            decided_by: "matcher".to_string(),
            updated_at: at,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_held_out_person_gets_no_task_and_the_decision_is_logged_once() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let now = clock::now();
        let (flight_id, passengers) = flight(
            store.as_ref(),
            "IB6401",
            now.date_naive(),
            now + Duration::minutes(40),
            40,
        )
        .await;
        let mut persons = Vec::new();
        for (i, passenger_id) in passengers.iter().enumerate() {
            // The first four have an open case: never held out.
            let open = i < 4;
            let person = store
                .upsert_person(
                    &complainant(&format!("SC-{i}"), open, vec![], 50),
                    "test",
                    now,
                )
                .await
                .unwrap();
            link(store.as_ref(), *passenger_id, person.id, now).await;
            persons.push((person.id, open));
        }
        store
            .upsert_station(
                &Station {
                    iata: Iata::parse("MAD").unwrap(),
                    staffed: true,
                    shift_start: NaiveTime::from_hms_opt(0, 0, 0),
                    shift_end: NaiveTime::from_hms_opt(23, 59, 0),
                },
                "test",
                now,
            )
            .await
            .unwrap();

        // Two instances on one database board everyone at once.
        let other: Arc<dyn Store> = aboard::open_store(&db.config()).await.unwrap();
        let rules =
            || aboard::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
        let first = Engine::new(store.clone(), rules(), policy());
        let second = Engine::new(other.clone(), rules(), policy());
        for passenger_id in &passengers {
            let (a, b) = tokio::join!(
                first.passenger_boarded(*passenger_id, "gate:MAD:S24", now),
                second.passenger_boarded(*passenger_id, "gate:MAD:S24", now)
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert!(
                a.problems.is_empty() && b.problems.is_empty(),
                "{a:?} {b:?}"
            );
        }

        let held: Vec<Uuid> = persons
            .iter()
            .filter(|(id, open)| !open && expected_held_out(*id, now))
            .map(|(id, _)| *id)
            .collect();
        assert!(
            !held.is_empty() && held.len() < 36,
            "{} held out",
            held.len()
        );
        let tasks = store
            .tasks(&aboard::store::TaskFilter {
                flight_id: Some(flight_id),
                ..Default::default()
            })
            .await
            .unwrap();
        for (person, open) in &persons {
            let theirs = tasks.iter().filter(|t| t.new.person_id == *person).count();
            let want = usize::from(!held.contains(person));
            assert_eq!(theirs, want, "person {person} (open case {open})");
            if *open {
                assert_eq!(theirs, 1, "an open case is never held out");
            }
        }

        // Logged once per held-out person, naming the rule that would have fired.
        let logged = store
            .events(&EventFilter {
                action_prefix: Some("task.held_out".to_string()),
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(logged.len(), held.len(), "{logged:?}");
        for e in &logged {
            assert!(held.contains(&e.event.person_id.unwrap()));
            assert_eq!(e.event.detail["rule"], "checkin-at-gate");
            assert_eq!(e.event.flight_id, Some(flight_id));
        }

        // Another trigger on the same flight still gives them nothing, and logs nothing more.
        let again = first
            .passenger_boarded(passengers[5], "gate:MAD:S24", now + Duration::minutes(1))
            .await
            .unwrap();
        assert!(again.created.is_empty());
        let groups = store
            .cohort_facts(now - Duration::days(1), now + Duration::days(1))
            .await
            .unwrap();
        let count = |c: Cohort| groups.iter().filter(|g| g.cohort == c).count();
        assert_eq!(
            (
                count(Cohort::HeldOut),
                count(Cohort::Exempt),
                count(Cohort::Treated)
            ),
            (held.len(), 4, 36 - held.len())
        );

        // With the holdout off, the same persons on a flight after the cool-down are all followed up.
        let later = now + Duration::days(31);
        let (_, next) = flight(
            store.as_ref(),
            "IB6403",
            later.date_naive(),
            later + Duration::minutes(40),
            40,
        )
        .await;
        let without = ContactPolicy {
            holdout: HoldoutPolicy {
                fraction: 0.0,
                ..HoldoutPolicy::default()
            },
            ..ContactPolicy::default()
        };
        let off = Engine::new(store.clone(), rules(), without);
        for (passenger_id, (person, _)) in next.iter().zip(&persons) {
            link(store.as_ref(), *passenger_id, *person, later).await;
            let done = off
                .passenger_boarded(*passenger_id, "gate:MAD:S24", later)
                .await
                .unwrap();
            assert_eq!(done.created.len(), 1, "{done:?}");
        }
        other.close().await;
        db.finish().await;
    }
}

/// Writes one holdout decision for a flight on 1 September 2026 (long purged).
async fn decided(store: &dyn Store, person: Uuid, cohort: Cohort, station: &str) {
    let at = DateTime::parse_from_rfc3339("2026-09-01T10:00:00Z")
        .unwrap()
        .to_utc();
    let recorded = store
        .record_holdout(&HoldoutRecord {
            flight_id: Uuid::now_v7(),
            person_id: person,
            station: station.to_string(),
            rule_id: "checkin-at-gate".to_string(),
            channel: Channel::Gate,
            assignment: HoldoutAssignment {
                cohort,
                period: at.timestamp().div_euclid(PERIOD_DAYS * 86_400),
                flight_date: at.date_naive(),
            },
            decided_at: at,
        })
        .await
        .unwrap();
    assert!(recorded);
}

fn case(person: &str, n: usize, opened: &str) -> ComplaintCase {
    ComplaintCase {
        external_ref: format!("LATER-{person}-{n}"),
        opened_at: DateTime::parse_from_rfc3339(opened).unwrap().to_utc(),
        resolved_at: None,
        channel: "x".to_string(),
        category: "delay".to_string(),
        severity: 2,
        summary: "Another delay".to_string(),
        status: CaseStatus::Resolved,
        source_url: None,
    }
}

#[tokio::test]
async fn the_uplift_report_agrees_with_the_outcomes_written() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        // The registry export that carries the outcomes came on 1 November, after the 30 days.
        let export = DateTime::parse_from_rfc3339("2026-11-01T06:00:00Z")
            .unwrap()
            .to_utc();
        // 40 treated: 4 with a new case within 30 days, 2 more after 40 days (not counted), 10 active,
        // 5 flying again on the 15th. 40 held out: 12 with a new case, 20 active, none flying again.
        let mut treated = Vec::new();
        let mut held = Vec::new();
        for i in 0..40 {
            let cases = match i {
                0..4 => vec![case("T", i, "2026-09-11T09:00:00Z")],
                4..6 => vec![case("T", i, "2026-10-12T09:00:00Z")],
                _ => vec![],
            };
            let record = complainant(&format!("T-{i}"), false, cases, if i < 10 { 12 } else { 0 });
            treated.push(
                store
                    .upsert_person(&record, "registry", export)
                    .await
                    .unwrap()
                    .id,
            );
            let cases = if i < 12 {
                vec![case("H", i, "2026-09-20T09:00:00Z")]
            } else {
                vec![]
            };
            let record = complainant(&format!("H-{i}"), false, cases, if i < 20 { 3 } else { 0 });
            held.push(
                store
                    .upsert_person(&record, "registry", export)
                    .await
                    .unwrap()
                    .id,
            );
        }
        for p in &treated {
            decided(store.as_ref(), *p, Cohort::Treated, "MAD").await;
        }
        for p in &held {
            decided(store.as_ref(), *p, Cohort::HeldOut, "MAD").await;
        }
        let exempt = store
            .upsert_person(&complainant("E-0", true, vec![], 0), "registry", export)
            .await
            .unwrap();
        decided(store.as_ref(), exempt.id, Cohort::Exempt, "MAD").await;
        let date = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
        let departure = DateTime::parse_from_rfc3339("2026-09-15T10:00:00Z")
            .unwrap()
            .to_utc();
        let (_, flying) = flight(store.as_ref(), "IB6405", date, departure, 5).await;
        for (passenger_id, person) in flying.iter().zip(&treated) {
            link(store.as_ref(), *passenger_id, *person, departure).await;
        }

        let app = TestApp::spawn(db.config()).await;
        let analyst = token(store.as_ref(), Role::Analyst, &[], &[]).await;
        let response = app
            .get_as(
                "/api/reports/uplift?from=2026-09-01&to=2026-09-01",
                &analyst,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let r = &body["report"];
        assert_eq!(
            (
                r["treated"].as_i64(),
                r["held_out"].as_i64(),
                r["exempt"].as_i64()
            ),
            (Some(40), Some(40), Some(1))
        );
        let outcome = |name: &str| {
            r["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["outcome"] == name)
                .unwrap()
                .clone()
        };
        let figures = |o: &Value| {
            (
                o["treated"]["with_outcome"].as_i64().unwrap(),
                o["treated"]["passengers"].as_i64().unwrap(),
                o["held_out"]["with_outcome"].as_i64().unwrap(),
                o["held_out"]["passengers"].as_i64().unwrap(),
            )
        };
        let cases = outcome("new_case");
        assert_eq!(figures(&cases), (4, 40, 12, 40));
        assert!((cases["difference"].as_f64().unwrap() - (4.0 - 12.0) / 40.0).abs() < 1e-9);
        let (low, high) = (
            cases["low"].as_f64().unwrap(),
            cases["high"].as_f64().unwrap(),
        );
        assert!(low < -0.2 && high > -0.2 && high < 0.0, "{cases}");
        assert!(
            cases["verdict"]
                .as_str()
                .unwrap()
                .starts_with("Fewer treated"),
            "{cases}"
        );
        assert_eq!(figures(&outcome("active")), (10, 40, 20, 40));
        assert_eq!(figures(&outcome("flew_again")), (5, 40, 0, 40));

        // Filters: another station has nobody, which is too small to tell; a bad window is named.
        let empty: Value = app
            .get_as(
                "/api/reports/uplift?from=2026-09-01&to=2026-09-01&station=BCN",
                &analyst,
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(empty["report"]["treated"], 0);
        let verdict = empty["report"]["outcomes"][0]["verdict"].as_str().unwrap();
        assert!(verdict.starts_with("Too small to tell"), "{verdict}");
        let bad = app
            .get_as("/api/reports/uplift?days=0", &analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

        // The page and its CSV, with no person named.
        let page = app
            .get_as("/reports/uplift?from=2026-09-01&to=2026-09-01", &analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Fewer treated passengers opened a new complaint case"));
        assert!(!html.contains("Persona"));
        let csv = app
            .get_as(
                "/reports/uplift?from=2026-09-01&to=2026-09-01&csv",
                &analyst,
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            csv.starts_with("outcome,treated,treated_with_outcome,"),
            "{csv}"
        );
        assert!(
            csv.contains("\nnew_case,40,4,0.1000,40,12,0.3000,-0.2000,"),
            "{csv}"
        );
        let gate = token(store.as_ref(), Role::Gate, &["MAD"], &[]).await;
        for path in ["/api/reports/uplift", "/reports/uplift"] {
            let response = app.get_as(path, &gate).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
        }
        app.stop().await;
        db.finish().await;
    }
}

/// Writes one holdout decision made at `at` for a flight that day at `station`.
async fn decided_at(store: &dyn Store, person: Uuid, cohort: Cohort, station: &str, at: &str) {
    let at = DateTime::parse_from_rfc3339(at).unwrap().to_utc();
    let recorded = store
        .record_holdout(&HoldoutRecord {
            flight_id: Uuid::now_v7(),
            person_id: person,
            station: station.to_string(),
            rule_id: "checkin-at-gate".to_string(),
            channel: Channel::Gate,
            assignment: HoldoutAssignment {
                cohort,
                period: at.timestamp().div_euclid(PERIOD_DAYS * 86_400),
                flight_date: at.date_naive(),
            },
            decided_at: at,
        })
        .await
        .unwrap();
    assert!(recorded);
}

/// Each cohort's decisions and, per outcome, (with the outcome, known yet).
type Figures = Vec<(Cohort, i64, [(i64, i64); 3])>;

/// The report's figures worked out from the decisions' facts as the stored cases and manifests give them
/// now, by the outcomes' definitions (the report itself counts what was kept on each decision).
fn expected(facts: &[CohortFact], filter: &ReportFilter, days: i64, now: DateTime<Utc>) -> Figures {
    let days_d = Duration::days(days);
    let kept: Vec<&CohortFact> = facts
        .iter()
        .filter(|f| {
            f.flight_date >= filter.from
                && f.flight_date <= filter.to
                && filter.station.as_deref().is_none_or(|s| s == f.station)
                && filter
                    .desk
                    .as_deref()
                    .is_none_or(|d| d == desk_of(f.language.as_deref()))
        })
        .collect();
    [Cohort::Treated, Cohort::HeldOut, Cohort::Exempt]
        .into_iter()
        .map(|cohort| {
            let of: Vec<&&CohortFact> = kept.iter().filter(|f| f.cohort == cohort).collect();
            let count = |outcome: &dyn Fn(&CohortFact) -> Option<bool>| {
                let known: Vec<bool> = of.iter().filter_map(|f| outcome(f)).collect();
                (
                    known.iter().filter(|k| **k).count() as i64,
                    known.len() as i64,
                )
            };
            let new_case = count(&|f| {
                let end = f.decided_at + days_d;
                (end <= now).then(|| f.next_case_at.is_some_and(|c| c <= end))
            });
            let active = count(&|f| {
                (f.registry_seen_at >= f.decided_at + days_d).then_some(f.activity_30d > 0)
            });
            let flew_again = count(&|f| {
                (f.decided_at + days_d <= now).then(|| {
                    f.next_flight_on
                        .is_some_and(|d| d <= f.flight_date + days_d)
                })
            });
            (cohort, of.len() as i64, [new_case, active, flew_again])
        })
        .collect()
}

fn figures(uplift: &Uplift) -> Figures {
    let of = |cohort: Cohort| {
        let pick = |i: usize| {
            let p = if cohort == Cohort::Treated {
                &uplift.outcomes[i].treated
            } else {
                &uplift.outcomes[i].held_out
            };
            (p.with_outcome, p.passengers)
        };
        match cohort {
            Cohort::Treated => (cohort, uplift.treated, [pick(0), pick(1), pick(2)]),
            Cohort::HeldOut => (cohort, uplift.held_out, [pick(0), pick(1), pick(2)]),
            Cohort::Exempt => (cohort, uplift.exempt, [(0, 0); 3]),
        }
    };
    vec![of(Cohort::Treated), of(Cohort::HeldOut), of(Cohort::Exempt)]
}

fn without_exempt_outcomes(mut f: Figures) -> Figures {
    f[2].2 = [(0, 0); 3];
    f
}

#[tokio::test]
async fn the_kept_outcomes_follow_later_imports_links_and_rejections() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // The registry first sends everyone before the flights, without the cases to come.
        let first = at("2026-08-20T06:00:00Z");
        let mut treated = Vec::new();
        let mut held = Vec::new();
        for i in 0..20 {
            let t = complainant(&format!("KT-{i}"), false, vec![], 0);
            treated.push(store.upsert_person(&t, "registry", first).await.unwrap().id);
            let h = complainant(&format!("KH-{i}"), false, vec![], 0);
            held.push(store.upsert_person(&h, "registry", first).await.unwrap().id);
        }
        let exempt = store
            .upsert_person(&complainant("KE-0", true, vec![], 0), "registry", first)
            .await
            .unwrap()
            .id;
        // Decisions on 1 September at MAD (the first ten of each group) and on 2 September at BCN.
        for (i, (t, h)) in treated.iter().zip(&held).enumerate() {
            let (station, when) = if i < 10 {
                ("MAD", "2026-09-01T10:00:00.250Z")
            } else {
                ("BCN", "2026-09-02T08:30:00Z")
            };
            decided_at(store.as_ref(), *t, Cohort::Treated, station, when).await;
            decided_at(store.as_ref(), *h, Cohort::HeldOut, station, when).await;
        }
        decided_at(
            store.as_ref(),
            exempt,
            Cohort::Exempt,
            "MAD",
            "2026-09-01T10:00:00Z",
        )
        .await;

        // Later flights: everyone of the first ten flies on the 15th, three of them on the 20th too.
        let (_, on_15) = flight(
            store.as_ref(),
            "IB6407",
            NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
            at("2026-09-15T10:00:00Z"),
            20,
        )
        .await;
        let (_, on_20) = flight(
            store.as_ref(),
            "IB6409",
            NaiveDate::from_ymd_opt(2026, 9, 20).unwrap(),
            at("2026-09-20T10:00:00Z"),
            3,
        )
        .await;
        for i in 0..10 {
            link(
                store.as_ref(),
                on_15[i],
                treated[i],
                at("2026-09-15T07:00:00Z"),
            )
            .await;
            link(
                store.as_ref(),
                on_15[10 + i],
                held[i],
                at("2026-09-15T07:00:00Z"),
            )
            .await;
        }
        for i in 0..3 {
            link(
                store.as_ref(),
                on_20[i],
                treated[i],
                at("2026-09-20T07:00:00Z"),
            )
            .await;
        }
        // Staff reject two links of the 15th: the first person still flew on the 20th, the fifth not.
        for i in [0, 4] {
            store
                .decide_link(
                    &IdentityLink {
                        passenger_id: on_15[i],
                        person_id: treated[i],
                        decision: LinkDecision::Rejected,
                        score: 0.99,
                        reasons: vec![],
                        decided_by: "staff:reviewer".to_string(),
                        updated_at: at("2026-09-21T09:00:00Z"),
                    },
                    &[],
                    at("2026-09-21T09:00:00Z"),
                )
                .await
                .unwrap();
        }
        // A later import brings cases and activity; another withdraws one of the cases.
        let second = at("2026-10-15T06:00:00Z");
        for i in 0..20 {
            let cases = match i {
                0..6 => vec![case("KT", i, "2026-09-10T09:00:00Z")],
                6 => vec![case("KT", i, "2026-10-10T09:00:00Z")],
                // To the microsecond: after the decision and within 30 days, or not.
                12 => vec![case("KT", i, "2026-09-02T08:30:00.000001Z")],
                13 => vec![case("KT", i, "2026-09-02T08:30:00Z")],
                14 => vec![case("KT", i, "2026-10-02T08:30:00Z")],
                15 => vec![case("KT", i, "2026-10-02T08:30:00.000001Z")],
                _ => vec![],
            };
            let t = complainant(
                &format!("KT-{i}"),
                false,
                cases,
                if i % 3 == 0 { 5 } else { 0 },
            );
            store.upsert_person(&t, "registry", second).await.unwrap();
            let cases = if i % 2 == 0 {
                vec![case("KH", i, "2026-09-20T09:00:00Z")]
            } else {
                vec![]
            };
            let h = complainant(&format!("KH-{i}"), false, cases, if i < 8 { 2 } else { 0 });
            store.upsert_person(&h, "registry", second).await.unwrap();
        }
        let withdrawn = complainant("KT-3", false, vec![], 0);
        store
            .upsert_person(&withdrawn, "registry", at("2026-10-16T06:00:00Z"))
            .await
            .unwrap();

        let caller = aboard::app::Caller {
            actor: "staff:analyst".to_string(),
            name: "Analyst".to_string(),
            grant: aboard::app::accounts::grant(Role::Analyst, &[], &[]).unwrap(),
        };
        let september = ReportFilter::dates(
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        );
        let mad = ReportFilter {
            station: Some("MAD".to_string()),
            ..september.clone()
        };
        let first_day = ReportFilter::dates(
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        );
        let other_desk = ReportFilter {
            desk: Some("en".to_string()),
            ..september.clone()
        };
        let facts = store
            .cohort_facts(at("2026-08-30T00:00:00Z"), at("2026-10-03T00:00:00Z"))
            .await
            .unwrap();
        let asks = [
            (&september, 30, at("2026-12-01T00:00:00Z")),
            (&september, 10, at("2026-12-01T00:00:00Z")),
            (&september, 60, at("2026-12-01T00:00:00Z")),
            (&mad, 14, at("2026-12-01T00:00:00Z")),
            (&first_day, 30, at("2026-12-01T00:00:00Z")),
            (&other_desk, 30, at("2026-12-01T00:00:00Z")),
            // To the microsecond: the MAD decisions are just due, the BCN ones not yet.
            (&september, 30, at("2026-10-01T10:00:00.250Z")),
            (&september, 30, at("2026-10-01T10:00:00.249Z")),
        ];
        let mut before_purge = Vec::new();
        for (filter, days, now) in asks {
            let uplift = aboard::app::reports::uplift(store.as_ref(), &caller, filter, days, now)
                .await
                .unwrap();
            let want = without_exempt_outcomes(expected(&facts, filter, days, now));
            assert_eq!(figures(&uplift), want, "{filter:?}, {days} days, at {now}");
            before_purge.push(figures(&uplift));
        }
        // The figures are not all alike: each change above shows.
        let all = &before_purge[0];
        assert_eq!(all[0].1, 20);
        assert_eq!(
            all[0].2[0],
            (7, 20),
            "new cases: KT-0..5 but 3, KT-12 and KT-14"
        );
        assert_eq!(all[0].2[2], (9, 20), "flew again: KT-0..9 but KT-4");
        assert_eq!(all[1].2[0], (10, 20));
        assert_eq!(all[1].2[2], (10, 20));

        // Retention purges the flights with their links: the report keeps who flew again, which the
        // stored manifests no longer tell.
        store
            .purge_flights(
                at("2026-11-01T00:00:00Z"),
                NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                100,
            )
            .await
            .unwrap();
        let after = store
            .cohort_facts(at("2026-08-30T00:00:00Z"), at("2026-10-03T00:00:00Z"))
            .await
            .unwrap();
        assert!(after.iter().all(|f| f.next_flight_on.is_none()));
        let (filter, days, now) = asks[0];
        let uplift = aboard::app::reports::uplift(store.as_ref(), &caller, filter, days, now)
            .await
            .unwrap();
        assert_eq!(figures(&uplift), before_purge[0]);

        // An erased person's decisions are no longer counted, and keep nothing of their cases or flights.
        assert!(
            store
                .erase_person("KT-1", "staff:dpo", second)
                .await
                .unwrap()
        );
        let uplift = aboard::app::reports::uplift(store.as_ref(), &caller, filter, days, now)
            .await
            .unwrap();
        let mut want = before_purge[0].clone();
        want[0].1 -= 1;
        want[0].2[0] = (6, 19);
        want[0].2[1] = (all[0].2[1].0, 19);
        want[0].2[2] = (8, 19);
        assert_eq!(figures(&uplift), want);
        db.finish().await;
    }
}
