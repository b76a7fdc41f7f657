//! The conformance story: one day in the life of the store, told through every `Store` operation, run on
//! SQLite always and on PostgreSQL whenever TEST_DATABASE_URL is set (always under CI).

mod common;

use std::collections::HashSet;

use aboard::clock;
use aboard::domain::records::{
    ComplaintCase, Consent, FlightList, Identifier, IdentifierKind, IdentityLink, ListMode,
    ManifestImport, MovementTimes, NewApiToken, NewEvent, NewFlight, NewMessage, NewPassenger,
    NewSession, NewStaffAccount, NewTask, PersonRecord, SocialAccount, TaskTransition,
};
use aboard::domain::{
    BoardingState, CaseStatus, Channel, FlightKey, FlightNumber, FlightStatus, Grant, Iata,
    LinkDecision, Locator, Login, MessageState, Network, Role, Scopes, TaskOutcome, TaskState,
    TravellerClass, UiLanguage,
};
use aboard::store::{EventFilter, SendResult, Store, StoreError, TaskFilter};
use chrono::{Duration, NaiveDate};
use common::TestDb;
use uuid::Uuid;

fn flight(number: &str) -> NewFlight {
    let departure = clock::truncate(
        chrono::DateTime::parse_from_rfc3339("2026-11-22T07:30:00Z")
            .unwrap()
            .to_utc(),
    );
    NewFlight {
        key: FlightKey {
            flight: FlightNumber::parse(number).unwrap(),
            local_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        },
        destination: Some(Iata::parse("MEX").unwrap()),
        departure: MovementTimes {
            scheduled: Some(departure),
            ..Default::default()
        },
        arrival: MovementTimes {
            scheduled: Some(departure + Duration::minutes(740)),
            ..Default::default()
        },
        gate: Some("S24".to_string()),
        status: FlightStatus::Scheduled,
    }
}

fn passenger(key: &str, surname: &str, given: &str, seat: &str) -> NewPassenger {
    NewPassenger {
        pax_key: key.to_string(),
        surname: surname.to_string(),
        given_name: given.to_string(),
        title: Some("MRS".to_string()),
        traveller_class: TravellerClass::Adult,
        locator: Some("X7K2QM".to_string()),
        seat: Some(seat.to_string()),
        cabin_class: Some("Y".to_string()),
        destination: Some("MEX".to_string()),
        party_ref: None,
        frequent_flyer: Some(("IB".to_string(), "12345678".to_string())),
        email: Some("maria.garcia@example.es".to_string()),
        phone: Some("+34600111222".to_string()),
        date_of_birth: NaiveDate::from_ymd_opt(1981, 3, 12),
        gender: Some("F".to_string()),
        nationality: Some("ES".to_string()),
        docs_surname: Some(surname.to_string()),
        docs_given: Some(given.to_string()),
        checkin_sequence: Some(25),
        service_codes: vec!["WCHR".to_string()],
    }
}

fn person(external_id: &str) -> PersonRecord {
    let at = clock::now();
    PersonRecord {
        external_id: external_id.to_string(),
        display_name: "María José García-Peña".to_string(),
        language: Some("es".to_string()),
        country: Some("ES".to_string()),
        date_of_birth: NaiveDate::from_ymd_opt(1981, 3, 12),
        identifiers: vec![
            Identifier {
                kind: IdentifierKind::Email,
                value: "maria.garcia@example.es".to_string(),
            },
            Identifier {
                kind: IdentifierKind::Loyalty,
                value: "IB 12345678".to_string(),
            },
        ],
        accounts: vec![SocialAccount {
            network: Network::X,
            handle: "@mjgarcia".to_string(),
            network_user_id: Some("8812004417".to_string()),
            followers: 48_000,
            activity_30d: 61,
            follows_airline: true,
            accepts_dms: false,
            opted_in: true,
            last_inbound_at: Some(at - Duration::days(3)),
        }],
        cases: vec![ComplaintCase {
            external_ref: "CS-100231".to_string(),
            opened_at: at - Duration::days(40),
            resolved_at: None,
            channel: "x".to_string(),
            category: "baggage".to_string(),
            severity: 4,
            summary: "Suitcase arrived two days late".to_string(),
            status: CaseStatus::Open,
            source_url: Some("https://care.example/tickets/100231".to_string()),
        }],
        consents: vec![Consent {
            channel: "social".to_string(),
            opted_out: false,
            updated_at: at - Duration::days(40),
        }],
    }
}

fn list_import(
    file: &str,
    format: &str,
    sent_at: chrono::DateTime<chrono::Utc>,
    flight: &NewFlight,
    mode: ListMode,
    passengers: &[NewPassenger],
) -> ManifestImport {
    ManifestImport {
        warnings: Default::default(),
        format: format.to_string(),
        file_name: file.to_string(),
        digest: format!("digest-of-{file}"),
        actor: "ops:pablo".to_string(),
        sent_at: Some(sent_at),
        flights: vec![FlightList {
            flight: flight.clone(),
            mode,
            passengers: passengers.to_vec(),
        }],
    }
}

/// A booking's lookup (the gate's own read, through SQLite's C API there) reads each passenger as
/// reading that passenger alone does: every column, boarding and removal included.
async fn booking_reads_each_passenger_whole(store: &dyn Store, key: &FlightKey, locator: &Locator) {
    let lists = store
        .booking_passengers(&[(key.clone(), locator.clone())])
        .await
        .unwrap();
    assert!(!lists[0].is_empty(), "booking {locator} has passengers");
    for (on_booking, _) in &lists[0] {
        let alone = store.passenger(on_booking.id).await.unwrap();
        assert_eq!(Some(on_booking), alone.as_ref());
    }
}

async fn story(store: &dyn Store, url: &str) {
    let at = clock::now();
    store.ping().await.expect("ping");

    // Flights: created once, updated in place, found by key, by window and by local date.
    let f = store.upsert_flight(&flight("IB6401"), at).await.unwrap();
    let mut delayed = flight("IB6401");
    delayed.departure.estimated = Some(at + Duration::minutes(45));
    delayed.status = FlightStatus::Delayed;
    delayed.gate = None;
    let f2 = store.upsert_flight(&delayed, at).await.unwrap();
    assert_eq!(f.id, f2.id, "the same key is the same flight");
    assert_eq!(f2.status, FlightStatus::Delayed);
    assert_eq!(
        f2.gate.as_deref(),
        Some("S24"),
        "an update without a gate keeps the gate"
    );
    assert_eq!(f2.departure.estimated, Some(at + Duration::minutes(45)));
    assert_eq!(store.flight(f.id).await.unwrap(), Some(f2.clone()));
    assert_eq!(
        store.find_flight(&f.key).await.unwrap().map(|x| x.id),
        Some(f.id)
    );
    let window_start = f.departure.scheduled.unwrap() - Duration::hours(1);
    let found = store
        .flights_departing(window_start, window_start + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|x| x.id).collect::<Vec<_>>(), vec![f.id]);
    assert!(
        store
            .flights_departing(window_start - Duration::hours(5), window_start)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.flights_on(f.key.local_date).await.unwrap().len(), 1);

    // Manifests: whole files, idempotent, in order.
    let manifest = vec![
        passenger("X7K2QM/1", "GARCIAPENA", "MARIAJOSE", "12C"),
        passenger("X7K2QM/2", "GARCIAPENA", "LUCAS", "12D"),
    ];
    let pnl = list_import(
        "IB6401.pnl",
        "pnl",
        at - Duration::hours(20),
        &delayed,
        ListMode::Replace,
        &manifest,
    );
    let outcome = store.import_manifest(&pnl, at).await.unwrap();
    assert!(!outcome.duplicate);
    assert_eq!(
        (outcome.flights[0].flight_id, outcome.flights[0].added),
        (f.id, 2)
    );
    let again = store.import_manifest(&pnl, at).await.unwrap();
    assert!(again.duplicate, "the same file twice changes nothing");
    let mut stray = manifest[0].clone();
    stray.pax_key = "GARCIAPENA/MARIAJOSE".to_string();
    let refused = store
        .import_manifest(
            &list_import(
                "IB6401-stray.csv",
                "csv",
                at,
                &delayed,
                ListMode::Merge,
                &[stray],
            ),
            at,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Corrupt(_))),
        "a key must begin with its booking: {refused:?}"
    );
    let stored = store.passengers(f.id).await.unwrap();
    assert_eq!(stored.len(), 2);
    let ids: Vec<Uuid> = manifest
        .iter()
        .map(|m| {
            stored
                .iter()
                .find(|s| s.details.pax_key == m.pax_key)
                .unwrap()
                .id
        })
        .collect();
    let maria = store.passenger(ids[0]).await.unwrap().unwrap();
    assert_eq!(maria.details, manifest[0]);
    assert_eq!(maria.boarding_state, BoardingState::Expected);
    // A booking's passengers, found through the key's booking prefix; a neighbouring locator finds none.
    let locator = |code: &str| Locator::parse(code).unwrap();
    let mut asked = vec![(f.key.clone(), locator("X7K2QM"))];
    asked.extend(
        ["X7K2QN", "X7K2Q", "X7K2QMA"]
            .iter()
            .map(|other| (f.key.clone(), locator(other))),
    );
    // Asked twice in one read: each asked booking gets its own list, in the order asked.
    asked.push((f.key.clone(), locator("X7K2QM")));
    let lists = store.booking_passengers(&asked).await.unwrap();
    assert_eq!(lists.len(), asked.len());
    assert_eq!(lists[0], lists[4]);
    assert!(lists[1..4].iter().all(Vec::is_empty));
    let booking = &lists[0];
    let mut found: Vec<Uuid> = booking
        .iter()
        .map(|(p, linked)| {
            assert!(!linked);
            p.id
        })
        .collect();
    found.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(
        store
            .passengers_by_locator(f.id, "X7K2QM")
            .await
            .unwrap()
            .len(),
        2
    );
    for other in ["X7K2QN", "X7K2Q", "X7K2QMA"] {
        assert!(
            store
                .passengers_by_locator(f.id, other)
                .await
                .unwrap()
                .is_empty()
        );
    }

    // Boarding: the first scan moves the state, a repeated one changes nothing.
    assert!(
        store
            .set_boarding_state(ids[0], BoardingState::Boarded, None, "gate:MAD:S24", at)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_boarding_state(ids[0], BoardingState::Boarded, None, "gate:MAD:S24", at)
            .await
            .unwrap()
    );
    let maria = store.passenger(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (maria.boarding_state, maria.boarded_at),
        (BoardingState::Boarded, Some(at))
    );
    booking_reads_each_passenger_whole(store, &f.key, &locator("X7K2QM")).await;
    // An ADL deletes Lucas and changes María José's seat; an older ADL is refused whole; a newer PNL brings
    // Lucas back.
    let mut moved = manifest[0].clone();
    moved.seat = Some("3A".to_string());
    let deleted = ListMode::Changes {
        deleted: vec!["X7K2QM/2".to_string()],
    };
    let adl = list_import(
        "IB6401-1.adl",
        "adl",
        at - Duration::hours(10),
        &delayed,
        deleted.clone(),
        std::slice::from_ref(&moved),
    );
    let applied = store.import_manifest(&adl, at).await.unwrap();
    assert_eq!(
        (applied.flights[0].updated, applied.flights[0].removed),
        (1, 1)
    );
    let lucas = store.passenger(ids[1]).await.unwrap().unwrap();
    assert_eq!(lucas.boarding_state, BoardingState::Removed);
    assert_eq!(
        lucas.removed_reason.as_deref(),
        Some("deleted by ADL IB6401-1.adl")
    );
    let logged = store
        .events(&EventFilter {
            subject_kind: Some("passenger".to_string()),
            subject_id: Some(ids[1].to_string()),
            action_prefix: Some("passenger.boarding_state".to_string()),
            limit: 10,
        })
        .await
        .unwrap();
    assert!(
        logged.iter().any(|e| e.event.actor == adl.actor
            && e.event.flight_id == Some(f.id)
            && e.event.detail
                == serde_json::json!({ "state": "removed", "reason": "deleted by ADL IB6401-1.adl" })),
        "the removal is logged: {logged:?}"
    );
    booking_reads_each_passenger_whole(store, &f.key, &locator("X7K2QM")).await;
    assert_eq!(
        store
            .passenger(ids[0])
            .await
            .unwrap()
            .unwrap()
            .details
            .seat
            .as_deref(),
        Some("3A")
    );
    let late = list_import(
        "IB6401-0.adl",
        "adl",
        at - Duration::hours(12),
        &delayed,
        deleted,
        &[],
    );
    let events_before = store
        .events(&EventFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let refused = store.import_manifest(&late, at).await.unwrap_err();
    assert!(refused.to_string().contains("out of order"), "{refused}");
    assert_eq!(
        store
            .events(&EventFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        events_before,
        "a refused file leaves no trace"
    );
    let newer = list_import(
        "IB6401-2.pnl",
        "pnl",
        at - Duration::hours(5),
        &delayed,
        ListMode::Replace,
        &manifest,
    );
    let replaced = store.import_manifest(&newer, at).await.unwrap();
    assert_eq!(
        (
            replaced.flights[0].added,
            replaced.flights[0].updated,
            replaced.flights[0].removed
        ),
        (0, 2, 0)
    );
    let lucas = store.passenger(ids[1]).await.unwrap().unwrap();
    assert_eq!(
        (lucas.boarding_state, lucas.removed_reason),
        (BoardingState::Expected, None)
    );
    assert_eq!(
        store
            .passenger(ids[0])
            .await
            .unwrap()
            .unwrap()
            .boarding_state,
        BoardingState::Boarded
    );

    // Registry: upsert by external id replaces the lists wholesale.
    let record = person("SC-00001");
    let p = store.upsert_person(&record, "import", at).await.unwrap();
    assert_eq!(p.record, record);
    let mut changed = record.clone();
    changed.cases[0].status = CaseStatus::Resolved;
    changed.cases[0].resolved_at = Some(at);
    changed.accounts.clear();
    let p2 = store.upsert_person(&changed, "import", at).await.unwrap();
    assert_eq!(p2.id, p.id);
    assert_eq!(store.person(p.id).await.unwrap().unwrap().record, changed);
    assert_eq!(
        store
            .person_by_external_id("SC-00001")
            .await
            .unwrap()
            .unwrap()
            .id,
        p.id
    );
    assert!(
        store
            .person_by_external_id("SC-404")
            .await
            .unwrap()
            .is_none()
    );

    // Identity links: a staff decision wins over the matcher.
    let link = |decision, by: &str| IdentityLink {
        passenger_id: ids[0],
        person_id: p.id,
        decision,
        score: 0.72,
        reasons: vec![aboard::matching::Reason::EmailAgrees {
            email: "ana@example.es".to_string(),
        }],
        decided_by: by.to_string(),
        updated_at: at,
    };
    store
        .upsert_link(&link(LinkDecision::Review, "matcher"))
        .await
        .unwrap();
    store
        .upsert_link(&link(LinkDecision::Linked, "staff:ana"))
        .await
        .unwrap();
    store
        .upsert_link(&link(LinkDecision::Rejected, "matcher"))
        .await
        .unwrap();
    let links = store.links_for_flight(f.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (links[0].decision, links[0].decided_by.as_str()),
        (LinkDecision::Linked, "staff:ana")
    );

    // Tasks: one per flight, passenger and rule; claims race safely; outcomes are kept.
    let new_task = NewTask {
        flight_id: f.id,
        passenger_id: ids[0],
        person_id: p.id,
        rule_id: "boarded-complainant".to_string(),
        channel: Channel::Gate,
        station: "MAD".to_string(),
        gate: Some("S24".to_string()),
        priority: 4,
        due_at: at + Duration::minutes(10),
        expires_at: at + Duration::minutes(30),
        brief: "Open baggage case from October; ask if all is well now".to_string(),
        briefs: Default::default(),
        why: vec![
            "rule boarded-complainant".to_string(),
            "1 open case".to_string(),
        ],
        holdout: None,
    };
    let task = store
        .create_task(&new_task, at)
        .await
        .unwrap()
        .expect("created");
    assert_eq!((task.state, &task.new), (TaskState::Open, &new_task));
    assert!(
        store.create_task(&new_task, at).await.unwrap().is_none(),
        "a second create is a no-op"
    );
    assert_eq!(store.task(task.id).await.unwrap().unwrap(), task);
    let by_station = TaskFilter {
        stations: vec!["MAD".to_string()],
        gate: Some("S24".to_string()),
        channels: vec![Channel::Gate],
        states: vec![TaskState::Open],
        flight_id: Some(f.id),
        limit: Some(10),
    };
    assert_eq!(store.tasks(&by_station).await.unwrap().len(), 1);
    let elsewhere = TaskFilter {
        stations: vec!["BCN".to_string()],
        ..Default::default()
    };
    assert!(store.tasks(&elsewhere).await.unwrap().is_empty());
    let claim = |who: &str| TaskTransition {
        task_id: task.id,
        from: vec![TaskState::Open],
        to: TaskState::Claimed,
        actor: who.to_string(),
        assignee: Some(who.to_string()),
        outcome: None,
        note: None,
        at,
    };
    let claimed = store
        .transition_task(&claim("ana"))
        .await
        .unwrap()
        .expect("ana claims");
    assert_eq!(
        (claimed.state, claimed.assignee.as_deref()),
        (TaskState::Claimed, Some("ana"))
    );
    assert!(
        store
            .transition_task(&claim("luis"))
            .await
            .unwrap()
            .is_none(),
        "luis lost the race"
    );
    let done = store
        .transition_task(&TaskTransition {
            task_id: task.id,
            from: vec![TaskState::Claimed],
            to: TaskState::Done,
            actor: "ana".to_string(),
            assignee: None,
            outcome: Some(TaskOutcome::TalkedAllWell),
            note: Some("Happy with the rebooking".to_string()),
            at,
        })
        .await
        .unwrap()
        .expect("done");
    assert_eq!(
        (done.state, done.outcome),
        (TaskState::Done, Some(TaskOutcome::TalkedAllWell))
    );
    assert_eq!(
        (done.assignee.as_deref(), done.outcome_note.as_deref()),
        (Some("ana"), Some("Happy with the rebooking"))
    );

    // An ADL that removes a passenger cancels their open follow-up, with the reason.
    let lucas_task = store
        .create_task(
            &NewTask {
                passenger_id: ids[1],
                rule_id: "checkin-at-gate".to_string(),
                ..new_task.clone()
            },
            at,
        )
        .await
        .unwrap()
        .unwrap();
    let deleted = ListMode::Changes {
        deleted: vec!["X7K2QM/2".to_string()],
    };
    let offload = list_import(
        "IB6401-3.adl",
        "adl",
        at - Duration::hours(1),
        &delayed,
        deleted,
        &[],
    );
    assert_eq!(
        store.import_manifest(&offload, at).await.unwrap().flights[0].cancelled_tasks,
        1
    );
    let cancelled = store.task(lucas_task.id).await.unwrap().unwrap();
    assert_eq!(cancelled.state, TaskState::Cancelled);
    assert_eq!(
        cancelled.cancel_reason.as_deref(),
        Some("deleted by ADL IB6401-3.adl")
    );
    let logged = store
        .events(&EventFilter {
            subject_kind: Some("task".to_string()),
            subject_id: Some(lucas_task.id.to_string()),
            action_prefix: Some("task.cancelled".to_string()),
            limit: 10,
        })
        .await
        .unwrap();
    assert!(
        logged.iter().any(|e| e.event.actor == offload.actor
            && e.event.flight_id == Some(lucas_task.new.flight_id)
            && e.event.person_id == Some(lucas_task.new.person_id)
            && e.event.detail
                == serde_json::json!({ "to": "cancelled", "note": "deleted by ADL IB6401-3.adl" })),
        "the cancellation is logged: {logged:?}"
    );

    // Outbox: one message per idempotency key, leased to one instance at a time.
    let message = NewMessage {
        task_id: task.id,
        network: Network::X,
        recipient: "8812004417".to_string(),
        body: "Hola María José, ¿todo bien con tu maleta esta vez? ¡Buen vuelo!".to_string(),
        author: "advisor:lucia".to_string(),
        idempotency_key: format!("task:{}:1", task.id),
        mode: aboard::domain::MessageMode::FreeText,
        tag: None,
        template: None,
    };
    let queued = store.enqueue_message(&message, at).await.unwrap();
    let duplicate = store.enqueue_message(&message, at).await.unwrap();
    assert_eq!(queued.id, duplicate.id);
    assert_eq!(
        (queued.state, &queued.new),
        (MessageState::Queued, &message)
    );
    let lease = at + Duration::seconds(30);
    let first = store
        .claim_messages("instance-a", at, lease, 10)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![queued.id]
    );
    assert!(
        store
            .claim_messages("instance-b", at, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // Only the instance holding the lease marks the message leaving and records its outcome.
    assert!(
        !store
            .begin_send(queued.id, "instance-b", lease)
            .await
            .unwrap(),
        "instance-b holds no lease on it"
    );
    assert!(
        store
            .begin_send(queued.id, "instance-a", lease)
            .await
            .unwrap()
    );
    let retry_at = at + Duration::seconds(5);
    let retry = SendResult::Retry {
        at: retry_at,
        error: "429 rate limited".to_string(),
    };
    assert_eq!(
        store
            .finish_message(queued.id, "instance-b", &retry, at)
            .await
            .unwrap(),
        None,
        "a finish without the lease changes nothing"
    );
    let retried = store
        .finish_message(queued.id, "instance-a", &retry, at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((retried.state, retried.attempts), (MessageState::Queued, 1));
    assert!(
        store
            .claim_messages("instance-b", at, lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    assert_eq!(
        store
            .claim_messages("instance-b", retry_at, lease + Duration::seconds(5), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .begin_send(queued.id, "instance-b", lease + Duration::seconds(5))
            .await
            .unwrap()
    );
    let sent = store
        .finish_message(
            queued.id,
            "instance-b",
            &SendResult::Sent {
                provider_message_id: Some("dm-991".to_string()),
            },
            retry_at,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (sent.state, sent.attempts, sent.sent_at),
        (MessageState::Sent, 2, Some(retry_at))
    );
    assert_eq!(sent.provider_message_id.as_deref(), Some("dm-991"));
    assert!(
        store
            .claim_messages(
                "instance-a",
                at + Duration::hours(1),
                lease + Duration::hours(1),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.messages_for_task(task.id).await.unwrap(),
        vec![sent.clone()]
    );

    // The event log saw every change, newest first, and takes appended events.
    let note = NewEvent {
        actor: "ops:pablo".to_string(),
        action: "flight.note".to_string(),
        subject_kind: "flight".to_string(),
        subject_id: f.id.to_string(),
        flight_id: Some(f.id),
        person_id: None,
        detail: serde_json::json!({"note": "crew informed of two complainants on board"}),
    };
    let appended = store.append_event(&note, at).await.unwrap();
    let task_events = store
        .events(&EventFilter {
            subject_kind: Some("task".to_string()),
            subject_id: Some(task.id.to_string()),
            action_prefix: None,
            limit: 10,
        })
        .await
        .unwrap();
    let actions: Vec<&str> = task_events
        .iter()
        .map(|e| e.event.action.as_str())
        .collect();
    assert_eq!(actions, ["task.done", "task.claimed", "task.created"]);
    let imports = store
        .events(&EventFilter {
            action_prefix: Some("flight.".to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(imports, vec![appended]);

    // The scheduler claims each tick once.
    let tick = at - Duration::seconds(at.timestamp() % 60);
    assert!(
        store
            .claim_tick(
                "expire-tasks",
                tick,
                "instance-a",
                at,
                at + Duration::seconds(60)
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_tick(
                "expire-tasks",
                tick,
                "instance-b",
                at,
                at + Duration::seconds(60)
            )
            .await
            .unwrap()
    );
    store
        .finish_tick(
            "expire-tasks",
            tick,
            "instance-a",
            "ok",
            "expired 0 tasks",
            at,
        )
        .await
        .unwrap();

    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.flights, counts.passengers, counts.persons),
        (1, 2, 1)
    );
    assert_eq!(
        (
            counts.links,
            counts.tasks,
            counts.open_tasks,
            counts.messages
        ),
        (1, 2, 0, 1)
    );

    // Erasure, as an operator runs it, leaves nothing that names the person, and one anonymous event.
    assert!(erase_on_the_command_line(url, "SC-00001"));
    assert!(store.person(p.id).await.unwrap().is_none());
    assert!(store.links_for_flight(f.id).await.unwrap().is_empty());
    let kept = store
        .task(task.id)
        .await
        .unwrap()
        .expect("the task stays for the figures");
    assert_eq!(kept.new.brief, "[erased]");
    assert!(kept.new.why.is_empty());
    assert_eq!(kept.new.person_id, Uuid::nil());
    // The message stays for the figures, without the account it went to or the words.
    let messages = store.messages_for_task(task.id).await.unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(
        (
            messages[0].new.recipient.as_str(),
            messages[0].new.body.as_str()
        ),
        ("[erased]", "[erased]")
    );
    assert_eq!(messages[0].provider_message_id, None);
    let all = store
        .events(&EventFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(all.iter().all(|e| e.event.person_id != Some(p.id)));
    assert!(
        all.iter()
            .all(|e| !e.event.detail.to_string().contains("García"))
    );
    let erased: Vec<_> = all
        .iter()
        .filter(|e| e.event.action == "person.erased")
        .collect();
    assert_eq!(erased.len(), 1);
    assert_eq!(erased[0].event.subject_id, "erased");
    assert!(!erase_on_the_command_line(url, "SC-00001"));
}

/// `aboard erase ID` on the story's database: whether it erased someone.
fn erase_on_the_command_line(url: &str, external_id: &str) -> bool {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aboard"))
        .args(["--database-url", url, "erase", external_id])
        .output()
        .expect("run aboard erase");
    output.status.success()
}

#[tokio::test]
async fn every_store_operation_tells_the_same_story_on_each_backend() {
    for db in TestDb::each().await {
        story(db.store.as_ref(), &db.url).await;
        if let Some(path) = db.url.strip_prefix("sqlite:") {
            db.store.close().await;
            let path = std::path::Path::new(path);
            let mut files = vec![path.to_path_buf()];
            // The log and its index, while they exist (closing the store may have removed them).
            files.extend(
                ["db-wal", "db-shm"]
                    .map(|extension| path.with_extension(extension))
                    .into_iter()
                    .filter(|file| file.exists()),
            );
            for file in files {
                let bytes = std::fs::read(&file).expect("a database file");
                nothing_of_the_erased_person_in(&bytes, &file.display().to_string());
            }
        } else {
            // Every live row of every table, as a backup would take them.
            let dump = std::process::Command::new("pg_dump")
                .args(["--dbname", &db.url])
                .output()
                .expect("run pg_dump (PostgreSQL's client, on PATH)");
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            assert!(String::from_utf8_lossy(&dump.stdout).contains("COPY public.tasks"));
            nothing_of_the_erased_person_in(&dump.stdout, "pg_dump");
        }
        db.finish().await;
    }
}

/// `bytes` (a SQLite file, its log or its index, or a pg_dump) hold none of the values the story's erased
/// person had in the registry, in their tasks or in their messages: not in live rows, not in free space.
/// Searched byte for byte, which finds what `strings` shows and UTF-8 text it would split too.
fn nothing_of_the_erased_person_in(bytes: &[u8], what: &str) {
    for value in [
        "María José García-Peña",
        "SC-00001",
        "@mjgarcia",
        "8812004417",
        "Suitcase arrived two days late",
        "CS-100231",
        "care.example/tickets",
        "Open baggage case from October",
        "Happy with the rebooking",
        "todo bien con tu maleta",
        "dm-991",
    ] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value:?} is still in {what}"
        );
    }
}

/// Many instances (here: many concurrent callers on one pool) creating the same task or claiming the same
/// messages never duplicate work.
#[tokio::test]
async fn concurrent_callers_create_one_task_and_send_each_message_once() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let at = clock::now();
        let f = store.upsert_flight(&flight("IB6402"), at).await.unwrap();
        let anna = [passenger("X7K2QM/3", "SMITH", "ANNA", "3A")];
        store
            .import_manifest(
                &list_import(
                    "IB6402.csv",
                    "csv",
                    at,
                    &flight("IB6402"),
                    ListMode::Merge,
                    &anna,
                ),
                at,
            )
            .await
            .unwrap();
        let ids: Vec<Uuid> = store
            .passengers(f.id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        let p = store
            .upsert_person(&person("SC-00002"), "import", at)
            .await
            .unwrap();
        let new_task = NewTask {
            flight_id: f.id,
            passenger_id: ids[0],
            person_id: p.id,
            rule_id: "boarded-complainant".to_string(),
            channel: Channel::Social,
            station: "MAD".to_string(),
            gate: None,
            priority: 3,
            due_at: at,
            expires_at: at + Duration::hours(2),
            brief: "brief".to_string(),
            briefs: Default::default(),
            why: vec![],
            holdout: None,
        };
        let attempts = (0..16).map(|_| {
            let store = store.clone();
            let new_task = new_task.clone();
            tokio::spawn(async move { store.create_task(&new_task, at).await.unwrap() })
        });
        let created: Vec<_> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            created.iter().filter(|t| t.is_some()).count(),
            1,
            "{}",
            store.backend().as_str()
        );
        let task_id = created.into_iter().flatten().next().unwrap().id;
        for n in 0..20 {
            store
                .enqueue_message(
                    &NewMessage {
                        task_id,
                        network: Network::X,
                        recipient: "1".to_string(),
                        body: format!("message {n}"),
                        author: "advisor:lucia".to_string(),
                        idempotency_key: format!("k{n}"),
                        mode: aboard::domain::MessageMode::FreeText,
                        tag: None,
                        template: None,
                    },
                    at,
                )
                .await
                .unwrap();
        }
        let claims = (0..4).map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                for _ in 0..5 {
                    let batch = store
                        .claim_messages(&format!("instance-{i}"), at, at + Duration::minutes(5), 3)
                        .await
                        .unwrap();
                    mine.extend(batch.into_iter().map(|m| m.id));
                }
                mine
            })
        });
        let claimed: Vec<Uuid> = futures::future::join_all(claims)
            .await
            .into_iter()
            .flat_map(|r| r.unwrap())
            .collect();
        let unique: HashSet<_> = claimed.iter().collect();
        assert_eq!(
            claimed.len(),
            unique.len(),
            "a message was leased twice on {}",
            store.backend().as_str()
        );
        assert_eq!(unique.len(), 20);
        db.finish().await;
    }
}

fn gate_grant(station: &str) -> Grant {
    Grant::new(
        Role::Gate,
        Scopes {
            stations: vec![Iata::parse(station).unwrap()],
            languages: Vec::new(),
        },
    )
    .unwrap()
}

async fn staff_events(store: &dyn Store, prefix: &str) -> Vec<String> {
    store
        .events(&EventFilter {
            action_prefix: Some(prefix.to_string()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| {
            format!(
                "{} {} {}",
                e.event.actor, e.event.action, e.event.subject_kind
            )
        })
        .collect()
}

#[tokio::test]
async fn staff_accounts_sessions_and_tokens_on_each_backend() {
    for db in TestDb::each().await {
        let store = db.store.as_ref();
        let backend = store.backend().as_str();
        let at = clock::now();
        let login = Login::parse("Ana.Gate").unwrap();
        let account = NewStaffAccount {
            login: login.clone(),
            display_name: "Ana Ruiz".to_string(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
            grant: gate_grant("MAD"),
            ui_language: UiLanguage::Es,
        };
        let created = store.create_staff(&account, "cli", at).await.unwrap();
        assert_eq!(created.login.as_str(), "ana.gate");
        assert!(!created.disabled);
        let again = store.create_staff(&account, "cli", at).await;
        assert!(
            matches!(again, Err(aboard::store::StoreError::Conflict(ref m)) if m.contains("ana.gate")),
            "{backend}: a second account with the same login must be refused"
        );

        let credentials = store.staff_credentials(&login).await.unwrap().unwrap();
        assert_eq!(credentials.account, created, "{backend}");
        assert_eq!(credentials.password_hash, account.password_hash);
        assert!(
            store
                .staff_credentials(&Login::parse("nobody").unwrap())
                .await
                .unwrap()
                .is_none()
        );
        let advisor = NewStaffAccount {
            login: Login::parse("bea").unwrap(),
            display_name: "Bea".to_string(),
            password_hash: "x".to_string(),
            grant: Grant::new(
                Role::Advisor,
                Scopes {
                    stations: Vec::new(),
                    languages: vec!["es".to_string(), "en".to_string()],
                },
            )
            .unwrap(),
            ui_language: UiLanguage::En,
        };
        store.create_staff(&advisor, "cli", at).await.unwrap();
        let listed = store.staff_accounts().await.unwrap();
        let logins: Vec<&str> = listed.iter().map(|a| a.login.as_str()).collect();
        assert_eq!(logins, vec!["ana.gate", "bea"], "{backend}");
        assert_eq!(listed[1].grant.scopes().languages, vec!["en", "es"]);

        let session = NewSession {
            token_digest: "digest-1".to_string(),
            user_id: created.id,
            csrf_token: "csrf-1".to_string(),
            expires_at: at + Duration::hours(12),
        };
        store.create_session(&session, at).await.unwrap();
        let found = store
            .session("digest-1", at + Duration::hours(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.account, created, "{backend}");
        assert_eq!(found.csrf_token, "csrf-1");
        assert_eq!(found.expires_at, session.expires_at);
        assert!(
            store
                .session("digest-1", at + Duration::hours(12))
                .await
                .unwrap()
                .is_none(),
            "{backend}: an expired session must not be found"
        );
        assert!(store.session("other", at).await.unwrap().is_none());
        assert!(store.delete_session("digest-1", at).await.unwrap());
        assert!(!store.delete_session("digest-1", at).await.unwrap());
        assert!(store.session("digest-1", at).await.unwrap().is_none());

        let second = NewSession {
            token_digest: "digest-2".to_string(),
            ..session.clone()
        };
        store.create_session(&second, at).await.unwrap();
        assert!(
            store
                .disable_staff(&login, "staff:admin", at)
                .await
                .unwrap()
        );
        assert!(
            !store
                .disable_staff(&login, "staff:admin", at)
                .await
                .unwrap(),
            "{backend}: disabling twice changes nothing"
        );
        assert!(
            store.session("digest-2", at).await.unwrap().is_none(),
            "{backend}: disabling an account ends its sessions"
        );
        let disabled = store.staff_credentials(&login).await.unwrap().unwrap();
        assert!(disabled.account.disabled);

        let token = NewApiToken {
            name: "reader MAD S24".to_string(),
            token_digest: "token-digest".to_string(),
            grant: gate_grant("MAD"),
        };
        let issued = store.create_api_token(&token, "cli", at).await.unwrap();
        assert_eq!(issued.last_used_at, None);
        let used = store
            .use_api_token("token-digest", at + Duration::seconds(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.id, issued.id);
        assert_eq!(used.grant, token.grant);
        assert_eq!(used.last_used_at, Some(at + Duration::seconds(5)));
        let soon = store
            .use_api_token("token-digest", at + Duration::seconds(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            soon.last_used_at,
            Some(at + Duration::seconds(5)),
            "{backend}: uses within a minute are not written again"
        );
        let later = store
            .use_api_token("token-digest", at + Duration::minutes(2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(later.last_used_at, Some(at + Duration::minutes(2)));
        assert!(store.use_api_token("wrong", at).await.unwrap().is_none());
        assert!(
            store
                .revoke_api_token(issued.id, "staff:admin", at)
                .await
                .unwrap()
        );
        assert!(
            !store
                .revoke_api_token(issued.id, "staff:admin", at)
                .await
                .unwrap()
        );
        assert!(
            store
                .use_api_token("token-digest", at + Duration::minutes(3))
                .await
                .unwrap()
                .is_none(),
            "{backend}: a revoked token no longer works"
        );
        let tokens = store.api_tokens().await.unwrap();
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].revoked_at, Some(at));

        assert_eq!(
            staff_events(store, "staff.").await,
            vec![
                "cli staff.created staff",
                "cli staff.created staff",
                "staff:ana.gate staff.signed_in staff",
                "staff:ana.gate staff.signed_out staff",
                "staff:ana.gate staff.signed_in staff",
                "staff:admin staff.disabled staff",
            ],
            "{backend}"
        );
        assert_eq!(
            staff_events(store, "token.").await,
            vec![
                "cli token.created api_token",
                "staff:admin token.revoked api_token"
            ],
            "{backend}"
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn recent_messages_are_every_tasks_newest_first_within_the_window() {
    for db in TestDb::each().await {
        let store = db.store.clone();
        let one = common::social::social_task(
            store.clone(),
            8101,
            &common::social::person(
                "P-R1",
                "Ana Gil",
                "es",
                vec![common::social::x_account("1")],
            ),
        )
        .await;
        let two = common::social::social_task(
            store.clone(),
            8102,
            &common::social::person(
                "P-R2",
                "Eva Sanz",
                "es",
                vec![common::social::x_account("2")],
            ),
        )
        .await;
        let now = clock::now();
        for (n, (task, minutes_ago)) in [(one.id, 90), (two.id, 30), (one.id, 10)]
            .into_iter()
            .enumerate()
        {
            store
                .enqueue_message(
                    &aboard::domain::records::NewMessage {
                        task_id: task,
                        network: aboard::domain::Network::X,
                        recipient: "1".to_string(),
                        body: format!("message {n}"),
                        author: "staff:alba".to_string(),
                        idempotency_key: format!("recent-{n}"),
                        mode: aboard::domain::MessageMode::FreeText,
                        tag: None,
                        template: None,
                    },
                    now - Duration::minutes(minutes_ago),
                )
                .await
                .unwrap();
        }
        let bodies = |messages: Vec<aboard::domain::records::Message>| {
            messages.into_iter().map(|m| m.new.body).collect::<Vec<_>>()
        };
        let all = store
            .recent_messages(now - Duration::hours(2), 10)
            .await
            .unwrap();
        assert_eq!(bodies(all), ["message 2", "message 1", "message 0"]);
        let window = store
            .recent_messages(now - Duration::hours(1), 10)
            .await
            .unwrap();
        assert_eq!(bodies(window), ["message 2", "message 1"]);
        let limited = store
            .recent_messages(now - Duration::hours(2), 1)
            .await
            .unwrap();
        assert_eq!(bodies(limited), ["message 2"]);
        db.finish().await;
    }
}
