//! The gate list and the advisor queue come from one joined query each, filtered by station and language
//! in SQL: the store's listings on both backends, and an advisor's queue that finds its one task behind
//! thousands in another language.

mod common;

use std::sync::Arc;

use aboard::clock;
use aboard::domain::records::{
    FlightList, ListMode, ManifestImport, MovementTimes, NewFlight, NewPassenger, NewTask,
    TaskTransition,
};
use aboard::domain::{
    Channel, FlightKey, FlightNumber, FlightStatus, Iata, Role, TaskState, TravellerClass,
};
use aboard::store::{SocialQueue, Store, TaskFilter};
use chrono::{DateTime, Duration, Utc};
use common::social::{person, x_account};
use common::{TestApp, TestDb, token};
use uuid::Uuid;

fn passenger(key: &str, surname: &str, seat: Option<&str>) -> NewPassenger {
    NewPassenger {
        pax_key: format!("LOC{key}/{key}"),
        surname: surname.to_string(),
        given_name: "ANA".to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some(format!("LOC{key}")),
        seat: seat.map(str::to_string),
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

/// A flight from `origin` with the passengers, stored; returns its id and its passengers' ids by surname.
async fn flight_with(
    store: &dyn Store,
    number: &str,
    origin: &str,
    passengers: Vec<NewPassenger>,
) -> (Uuid, Vec<(String, Uuid)>) {
    let now = clock::now();
    let flight = NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: now.date_naive(),
            origin: Iata::parse(origin).unwrap(),
        },
        destination: Some(Iata::parse("LHR").unwrap()),
        departure: MovementTimes {
            scheduled: Some(now + Duration::minutes(40)),
            ..Default::default()
        },
        arrival: MovementTimes::default(),
        gate: Some("B12".to_string()),
        status: FlightStatus::Boarding,
    };
    let import = ManifestImport {
        warnings: Default::default(),
        format: "csv".to_string(),
        file_name: format!("{number}.csv"),
        digest: format!("digest-{number}"),
        actor: "test".to_string(),
        sent_at: None,
        flights: vec![FlightList {
            flight,
            mode: ListMode::Merge,
            passengers,
        }],
    };
    let flight_id = store.import_manifest(&import, now).await.unwrap().flights[0].flight_id;
    let passengers = store
        .passengers(flight_id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.details.surname, p.id))
        .collect();
    (flight_id, passengers)
}

struct TaskSpec<'a> {
    flight_id: Uuid,
    passenger_id: Uuid,
    person_id: Uuid,
    rule: &'a str,
    channel: Channel,
    station: &'a str,
    priority: i16,
    due_at: DateTime<Utc>,
}

async fn task(store: &dyn Store, spec: TaskSpec<'_>) -> Uuid {
    let new = NewTask {
        flight_id: spec.flight_id,
        passenger_id: spec.passenger_id,
        person_id: spec.person_id,
        rule_id: spec.rule.to_string(),
        channel: spec.channel,
        station: spec.station.to_string(),
        gate: Some("B12".to_string()),
        priority: spec.priority,
        due_at: spec.due_at,
        expires_at: spec.due_at + Duration::hours(2),
        brief: format!("brief {}", spec.rule),
        briefs: Default::default(),
        why: vec![],
        holdout: None,
    };
    store
        .create_task(&new, clock::now())
        .await
        .unwrap()
        .expect("a new task")
        .id
}

#[tokio::test]
async fn gate_lists_and_queues_come_joined_and_filtered_from_the_store() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let now = clock::now();
        let (mad, mad_pax) = flight_with(
            store,
            "IB3100",
            "MAD",
            vec![
                passenger("A1", "GARCIA", Some("14C")),
                passenger("A2", "LOPEZ", None),
            ],
        )
        .await;
        let (bcn, bcn_pax) = flight_with(
            store,
            "VY1200",
            "BCN",
            vec![passenger("B1", "PUIG", Some("3A"))],
        )
        .await;
        let pax = |list: &[(String, Uuid)], surname: &str| {
            list.iter().find(|(s, _)| s == surname).unwrap().1
        };
        let mexican = store
            .upsert_person(
                &person("P-MX", "Lucía Pérez", "es-MX", vec![x_account("1")]),
                "test",
                now,
            )
            .await
            .unwrap();
        let spaniard = store
            .upsert_person(
                &person("P-ES", "Pedro Ruiz", " ES_es", vec![x_account("2")]),
                "test",
                now,
            )
            .await
            .unwrap();
        let english = store
            .upsert_person(
                &person("P-EN", "Oliver Smith", "en", vec![x_account("3")]),
                "test",
                now,
            )
            .await
            .unwrap();
        let estonian = store
            .upsert_person(
                &person("P-ET", "Mari Tamm", "et", vec![x_account("4")]),
                "test",
                now,
            )
            .await
            .unwrap();

        let gate_garcia = task(
            store,
            TaskSpec {
                flight_id: mad,
                passenger_id: pax(&mad_pax, "GARCIA"),
                person_id: mexican.id,
                rule: "gate",
                channel: Channel::Gate,
                station: "MAD",
                priority: 2,
                due_at: now + Duration::minutes(10),
            },
        )
        .await;
        let cabin_lopez = task(
            store,
            TaskSpec {
                flight_id: mad,
                passenger_id: pax(&mad_pax, "LOPEZ"),
                person_id: english.id,
                rule: "cabin",
                channel: Channel::Cabin,
                station: "MAD",
                priority: 1,
                due_at: now + Duration::minutes(20),
            },
        )
        .await;
        task(
            store,
            TaskSpec {
                flight_id: bcn,
                passenger_id: pax(&bcn_pax, "PUIG"),
                person_id: spaniard.id,
                rule: "gate",
                channel: Channel::Gate,
                station: "BCN",
                priority: 2,
                due_at: now + Duration::minutes(5),
            },
        )
        .await;
        let social = |passenger_id, person_id, rule, priority, minutes| TaskSpec {
            flight_id: mad,
            passenger_id,
            person_id,
            rule,
            channel: Channel::Social,
            station: "MAD",
            priority,
            due_at: now + Duration::minutes(minutes),
        };
        let social_mexican = task(
            store,
            social(pax(&mad_pax, "GARCIA"), mexican.id, "social", 1, 30),
        )
        .await;
        let social_spaniard = task(
            store,
            social(pax(&mad_pax, "LOPEZ"), spaniard.id, "social", 3, 50),
        )
        .await;
        let social_english = task(
            store,
            social(pax(&mad_pax, "GARCIA"), english.id, "social-en", 2, 40),
        )
        .await;
        let claimed_by_other = task(
            store,
            social(pax(&mad_pax, "LOPEZ"), spaniard.id, "social-2", 5, 5),
        )
        .await;
        let claimed_by_me = task(
            store,
            social(pax(&mad_pax, "GARCIA"), mexican.id, "social-3", 0, 60),
        )
        .await;
        task(
            store,
            social(pax(&bcn_pax, "PUIG"), estonian.id, "social", 4, 15),
        )
        .await;
        for (id, who) in [
            (claimed_by_other, "staff:someone"),
            (claimed_by_me, "staff:me"),
        ] {
            let claim = TaskTransition {
                task_id: id,
                from: vec![TaskState::Open],
                to: TaskState::Claimed,
                actor: who.to_string(),
                assignee: Some(who.to_string()),
                outcome: None,
                note: None,
                at: now,
            };
            store.transition_task(&claim).await.unwrap().unwrap();
        }

        let gate_list = store
            .passenger_tasks(&TaskFilter {
                stations: vec!["MAD".to_string()],
                channels: vec![Channel::Gate, Channel::Cabin],
                states: vec![TaskState::Open, TaskState::Claimed],
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        let rows: Vec<_> = gate_list
            .iter()
            .map(|t| {
                (
                    t.task.id,
                    t.surname.as_str(),
                    t.given_name.as_str(),
                    t.title.as_deref(),
                    t.seat.as_deref(),
                    t.language.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    gate_garcia,
                    "GARCIA",
                    "ANA",
                    Some("MRS"),
                    Some("14C"),
                    Some("es-MX")
                ),
                (cabin_lopez, "LOPEZ", "ANA", Some("MRS"), None, Some("en")),
            ],
            "{}",
            db.url
        );
        let by_flight = store
            .passenger_tasks(&TaskFilter {
                flight_id: Some(mad),
                channels: vec![Channel::Cabin],
                ..TaskFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            by_flight.iter().map(|t| t.task.id).collect::<Vec<_>>(),
            vec![cabin_lopez]
        );
        let one = store.passenger_task(gate_garcia).await.unwrap().unwrap();
        assert_eq!(one, gate_list[0]);
        assert_eq!(store.passenger_task(Uuid::now_v7()).await.unwrap(), None);

        let queue = |languages: Option<&[&str]>, limit| SocialQueue {
            assignee: "staff:me".to_string(),
            languages: languages.map(|l| l.iter().map(|s| s.to_string()).collect()),
            limit,
        };
        let ids = |listed: Vec<aboard::store::PersonTask>| {
            listed.into_iter().map(|t| t.task.id).collect::<Vec<_>>()
        };
        let spanish = store
            .social_queue(&queue(Some(&["es"]), 100))
            .await
            .unwrap();
        assert_eq!(
            spanish
                .iter()
                .map(|t| (t.display_name.as_str(), t.language.as_deref()))
                .collect::<Vec<_>>(),
            vec![
                ("Pedro Ruiz", Some(" ES_es")),
                ("Lucía Pérez", Some("es-MX")),
                ("Lucía Pérez", Some("es-MX")),
            ]
        );
        assert_eq!(
            ids(spanish),
            vec![social_spaniard, social_mexican, claimed_by_me],
            "by priority, then due; another's claim left out"
        );
        assert_eq!(
            ids(store
                .social_queue(&queue(Some(&["en", "et"]), 100))
                .await
                .unwrap())
            .len(),
            2
        );
        assert_eq!(
            ids(store
                .social_queue(&queue(Some(&["es", "en"]), 2))
                .await
                .unwrap()),
            vec![social_spaniard, social_english],
            "the limit counts only the queue's own tasks"
        );
        assert_eq!(
            ids(store.social_queue(&queue(None, 100)).await.unwrap()).len(),
            5
        );
        assert!(
            store
                .social_queue(&queue(Some(&["fr"]), 100))
                .await
                .unwrap()
                .is_empty()
        );

        let flights = store.flights(&[mad, bcn, Uuid::now_v7()]).await.unwrap();
        let mut numbers: Vec<String> = flights.iter().map(|f| f.key.flight.to_string()).collect();
        numbers.sort();
        assert_eq!(numbers, vec!["IB3100", "VY1200"]);
        let from = |origins: Vec<&str>| {
            let origins: Vec<Iata> = origins
                .into_iter()
                .map(|o| Iata::parse(o).unwrap())
                .collect();
            async move {
                let day = (now - Duration::hours(3), now + Duration::hours(24));
                let flights = store
                    .operating_flights(day.0, day.1, Some(&origins))
                    .await
                    .unwrap();
                flights
                    .iter()
                    .map(|f| f.key.flight.to_string())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(from(vec!["BCN"]).await, vec!["VY1200"]);
        assert_eq!(from(vec!["MAD", "LHR"]).await, vec!["IB3100"]);
        assert!(from(vec![]).await.is_empty());
        let later = store
            .operating_flights(now + Duration::hours(1), now + Duration::hours(24), None)
            .await
            .unwrap();
        assert!(later.is_empty(), "both leave in 40 minutes");
        db.finish().await;
    }
}

/// Thousands of English tasks due first do not hide the one Spanish task from a Spanish advisor: the
/// queue is filtered by language before it is cut.
#[tokio::test]
async fn an_advisor_queue_is_filtered_by_language_before_it_is_cut() {
    for db in TestDb::each().await {
        let store: Arc<dyn Store> = db.store.clone();
        let now = clock::now();
        let (flight_id, pax) = flight_with(
            store.as_ref(),
            "IB3200",
            "AGP",
            vec![
                passenger("C1", "SMITH", Some("2A")),
                passenger("C2", "DIAZ", Some("2B")),
            ],
        )
        .await;
        let english = store
            .upsert_person(
                &person("P-EN", "Oliver Smith", "en-GB", vec![x_account("5")]),
                "test",
                now,
            )
            .await
            .unwrap();
        let spanish = store
            .upsert_person(
                &person("P-ES", "Rosa Díaz", "es", vec![x_account("6")]),
                "test",
                now,
            )
            .await
            .unwrap();
        for n in 0..2100 {
            let rule = format!("english-{n}");
            task(
                store.as_ref(),
                TaskSpec {
                    flight_id,
                    passenger_id: pax[0].1,
                    person_id: english.id,
                    rule: &rule,
                    channel: Channel::Social,
                    station: "AGP",
                    priority: 1,
                    due_at: now + Duration::seconds(n),
                },
            )
            .await;
        }
        let rosa = task(
            store.as_ref(),
            TaskSpec {
                flight_id,
                passenger_id: pax[1].1,
                person_id: spanish.id,
                rule: "spanish",
                channel: Channel::Social,
                station: "AGP",
                priority: 1,
                due_at: now + Duration::hours(3),
            },
        )
        .await;
        let app = TestApp::spawn(db.config()).await;
        let advisor = token(store.as_ref(), Role::Advisor, &[], &["es"]).await;
        let body: serde_json::Value = app
            .get_as("/api/advisor/queue", &advisor)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tasks = body["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 1, "{}", db.url);
        assert_eq!(tasks[0]["task"]["id"], rosa.to_string());
        assert_eq!(tasks[0]["person"]["display_name"], "Rosa Díaz");
        assert_eq!(tasks[0]["flight"]["number"], "IB3200");
        let page = app.get_as("/advisor", &advisor).send().await.unwrap();
        let html = page.text().await.unwrap();
        assert!(html.contains("Rosa Díaz") && !html.contains("Oliver Smith"));
        drop(app);
        db.finish().await;
    }
}
