use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::records::{
    AboardRecords, ComplaintCase, Consent, InboundContact, MovementTimes, NewPassenger,
    PersonRecord, SocialAccount, StaffOptOut,
};
use crate::domain::{
    BoardingState, CaseStatus, FlightKey, FlightNumber, FlightStatus, Network, TaskState,
    TravellerClass,
};

fn shipped_rules() -> RuleSet {
    crate::rules::load_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
        .expect("shipped rules load")
}

/// IB6401 MAD 09:30 local → MEX, boarding at 08:50 local (07:50 UTC in November).
fn flight() -> Flight {
    let departure = Utc.with_ymd_and_hms(2026, 11, 22, 8, 30, 0).unwrap();
    Flight {
        id: Uuid::now_v7(),
        key: FlightKey {
            flight: FlightNumber::parse("IB6401").unwrap(),
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
        status: FlightStatus::Boarding,
        boarding_started_at: Some(departure - Duration::minutes(45)),
        gate_closed_at: None,
        updated_at: departure,
    }
}

fn passenger(flight: &Flight) -> Passenger {
    Passenger {
        id: Uuid::now_v7(),
        flight_id: flight.id,
        details: NewPassenger {
            pax_key: "X7K2QM:GARCIAPENA/MARIAJOSE".to_string(),
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
        },
        boarding_state: BoardingState::Boarded,
        boarded_at: None,
        removed_reason: None,
        updated_at: Utc::now(),
    }
}

fn person(open_case: bool, writable: bool) -> Person {
    let at = Utc.with_ymd_and_hms(2026, 10, 1, 10, 0, 0).unwrap();
    Person {
        id: Uuid::now_v7(),
        record: PersonRecord {
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
                activity_30d: 40,
                follows_airline: writable,
                accepts_dms: false,
                opted_in: true,
                last_inbound_at: None,
            }],
            cases: vec![ComplaintCase {
                external_ref: "CS-1".to_string(),
                opened_at: at,
                resolved_at: (!open_case).then_some(at + Duration::days(3)),
                channel: "x".to_string(),
                category: "baggage".to_string(),
                severity: 4,
                summary: "Suitcase arrived two days late".to_string(),
                status: if open_case {
                    CaseStatus::Open
                } else {
                    CaseStatus::Resolved
                },
                source_url: None,
            }],
            consents: vec![],
        },
        aboard: AboardRecords::default(),
        updated_at: at,
    }
}

fn staffed(staffed: bool) -> Station {
    Station {
        iata: Iata::parse("MAD").unwrap(),
        staffed,
        shift_start: NaiveTime::from_hms_opt(5, 0, 0),
        shift_end: NaiveTime::from_hms_opt(23, 0, 0),
    }
}

fn run(
    person: &Person,
    station: &Station,
    now: chrono::DateTime<Utc>,
    recent: &[Task],
) -> Decision {
    let flight = flight();
    let passenger = passenger(&flight);
    let context = rule_context(
        &passenger,
        person,
        &flight,
        Some(station),
        now,
        &ContactPolicy::default(),
    )
    .unwrap();
    decide(
        &shipped_rules(),
        Trigger::Boarded,
        &context,
        (&passenger, person, &flight),
        recent,
        &ContactPolicy::default(),
    )
}

#[test]
fn a_complainant_boarding_at_a_staffed_station_gets_a_gate_task_before_departure() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let decision = run(&person(true, true), &staffed(true), now, &[]);
    let task = decision.task.expect("a task");
    assert_eq!(task.channel, Channel::Gate);
    assert_eq!(task.station, "MAD");
    assert_eq!(task.gate.as_deref(), Some("S24"));
    assert_eq!(task.priority, 4, "an open case raises the priority");
    assert_eq!(task.due_at, now + Duration::minutes(5));
    assert!(task.expires_at <= flight().departure.scheduled.unwrap());
    assert!(task.brief.contains("seat 12C"), "{}", task.brief);
    assert!(task.why.iter().any(|w| w.contains("checkin-at-gate")));
    assert!(decision.declined.is_empty(), "{:?}", decision.declined);
}

#[test]
fn an_unstaffed_station_sends_it_over_a_network_that_lets_us_write() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let task = run(&person(false, true), &staffed(false), now, &[])
        .task
        .expect("a task");
    assert_eq!((task.channel, task.priority), (Channel::Social, 2));
    let task = run(&person(false, false), &staffed(false), now, &[])
        .task
        .expect("a task");
    assert_eq!(
        task.channel,
        Channel::Cabin,
        "no writable network: the cabin crew checks in"
    );
}

#[test]
fn staff_off_shift_count_as_no_staff() {
    let night = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
    let station = staffed(true);
    let flight = flight();
    let passenger = passenger(&flight);
    let context = rule_context(
        &passenger,
        &person(true, true),
        &flight,
        Some(&station),
        night,
        &ContactPolicy::default(),
    )
    .unwrap();
    assert!(
        !context.station.staffed,
        "00:30 in Madrid is outside a 05:00–23:00 shift"
    );
}

#[test]
fn social_tasks_wait_for_the_end_of_the_local_night() {
    // A late departure: boarding at 23:40 Madrid time (22:40 UTC), departure 00:15 local.
    let mut late_flight = flight();
    late_flight.departure.scheduled = Some(Utc.with_ymd_and_hms(2026, 11, 22, 23, 15, 0).unwrap());
    late_flight.arrival.scheduled = Some(Utc.with_ymd_and_hms(2026, 11, 23, 11, 35, 0).unwrap());
    let passenger = passenger(&late_flight);
    let who = person(true, true);
    let boarded = Utc.with_ymd_and_hms(2026, 11, 22, 22, 40, 0).unwrap();
    let context = rule_context(
        &passenger,
        &who,
        &late_flight,
        Some(&staffed(false)),
        boarded,
        &ContactPolicy::default(),
    )
    .unwrap();
    let ids = (&passenger, &who, &late_flight);

    // Due at 23:50 Madrid time: the night lasts until 08:00, after the six-hour social expiry.
    let decision = decide(
        &shipped_rules(),
        Trigger::Boarded,
        &context,
        ids,
        &[],
        &ContactPolicy::default(),
    );
    assert_eq!(
        decision.task.as_ref().map(|t| t.channel),
        Some(Channel::Cabin),
        "{decision:?}"
    );
    let social = decision
        .declined
        .iter()
        .find(|d| d.rule_id == "checkin-over-social");
    assert!(
        social.is_none(),
        "the cabin rule is the fallback, not a decline: {:?}",
        decision.declined
    );

    // A short night (23:00–00:30) only delays it: due at 00:30 local, 23:30 UTC.
    let short_night = ContactPolicy {
        night_starts: NaiveTime::from_hms_opt(23, 0, 0).unwrap(),
        night_ends: NaiveTime::from_hms_opt(0, 30, 0).unwrap(),
        ..ContactPolicy::default()
    };
    let task = decide(
        &shipped_rules(),
        Trigger::Boarded,
        &context,
        ids,
        &[],
        &short_night,
    )
    .task
    .unwrap();
    assert_eq!(task.channel, Channel::Social);
    assert_eq!(
        task.due_at,
        Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap()
    );
}

#[test]
fn a_recent_contact_or_an_opt_out_stops_a_new_task() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let earlier = run(
        &person(true, true),
        &staffed(true),
        now - Duration::days(10),
        &[],
    )
    .task
    .unwrap();
    let recent = Task {
        id: Uuid::now_v7(),
        new: earlier,
        state: TaskState::Done,
        assignee: Some("ana".to_string()),
        outcome: None,
        outcome_note: None,
        cancel_reason: None,
        escalated_at: None,
        created_at: now - Duration::days(10),
        updated_at: now - Duration::days(10),
    };
    let decision = run(
        &person(true, true),
        &staffed(true),
        now,
        std::slice::from_ref(&recent),
    );
    assert!(decision.task.is_none());
    assert!(
        decision.declined[0].reason.contains("30-day cool-down"),
        "{:?}",
        decision.declined
    );
    let mut stale = recent;
    stale.created_at = now - Duration::days(31);
    assert!(
        run(&person(true, true), &staffed(true), now, &[stale])
            .task
            .is_some()
    );

    let mut opted_out = person(true, true);
    opted_out.record.consents.push(Consent {
        channel: "gate".to_string(),
        opted_out: true,
        updated_at: now,
    });
    let decision = run(&opted_out, &staffed(true), now, &[]);
    assert_ne!(decision.task.map(|t| t.channel), Some(Channel::Gate));
}

#[test]
fn a_passenger_with_no_complaint_gets_nothing() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let mut quiet = person(false, true);
    quiet.record.cases.clear();
    let decision = run(&quiet, &staffed(true), now, &[]);
    assert_eq!(decision.task, None);
    assert!(decision.errors.is_empty(), "{:?}", decision.errors);
}

#[test]
fn a_flight_without_times_still_gets_its_task_with_the_default_deadline_said() {
    let mut timeless = flight();
    timeless.departure = MovementTimes::default();
    timeless.arrival = MovementTimes::default();
    let passenger = passenger(&timeless);
    let who = person(false, false);
    let boarded = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let policy = ContactPolicy::default();
    let context = rule_context(
        &passenger,
        &who,
        &timeless,
        Some(&staffed(false)),
        boarded,
        &policy,
    )
    .expect("a flight without times still has a context");
    let task = decide(
        &shipped_rules(),
        Trigger::Boarded,
        &context,
        (&passenger, &who, &timeless),
        &[],
        &policy,
    )
    .task
    .expect("a task");
    assert_eq!(task.channel, Channel::Cabin);
    let departure = boarded + Duration::minutes(policy.unknown_departure_minutes);
    assert_eq!(
        task.due_at,
        departure + Duration::minutes(30),
        "departure + 30m"
    );
    assert_eq!(
        task.expires_at,
        departure + Duration::minutes(policy.unknown_block_minutes),
        "a cabin task expires on the assumed arrival"
    );
    assert!(
        task.brief
            .ends_with("Flight time unknown: deadline assumed."),
        "{}",
        task.brief
    );
    assert!(
        task.why
            .iter()
            .any(|w| w.contains("no known departure time")
                && w.contains("30 min after the event at 08:55 local")),
        "{:?}",
        task.why
    );
    assert!(
        task.why.iter().any(|w| w.contains("no known arrival time")),
        "{:?}",
        task.why
    );
}

#[test]
fn a_staff_opt_out_refuses_every_channel_until_a_later_export_opt_in() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let asked = now - Duration::days(2);
    let mut person = person(true, true);
    assert!(run(&person, &staffed(true), now, &[]).task.is_some());
    person.aboard.opt_out = Some(StaffOptOut {
        recorded_by: "staff:ana".to_string(),
        recorded_at: asked,
    });
    let decision = run(&person, &staffed(true), now, &[]);
    assert_eq!(decision.task, None, "{:?}", decision.declined);
    for channel in ["gate", "cabin", "social", "x", "whatsapp"] {
        assert!(person.refuses(channel), "{channel}");
    }
    assert!(!person.accounts_now()[0].opted_in);

    // An export's opt-in older than the request does not lift it; one given since does, for what it
    // covers.
    person.record.consents.push(Consent {
        channel: "gate".to_string(),
        opted_out: false,
        updated_at: asked - Duration::hours(1),
    });
    assert!(person.refuses("gate"));
    person.record.consents[0].updated_at = asked + Duration::hours(1);
    assert!(!person.refuses("gate"));
    assert!(person.refuses("social"));
    let decision = run(&person, &staffed(true), now, &[]);
    assert_eq!(decision.task.map(|t| t.channel), Some(Channel::Gate));
    person.record.consents[0].channel = "all".to_string();
    assert!(!person.refuses("x"));
}

#[test]
fn what_aboard_recorded_counts_beside_the_export() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let mut person = person(false, true);
    person.record.cases.clear();
    assert_eq!(run(&person, &staffed(true), now, &[]).task, None);
    person.aboard.cases.push(ComplaintCase {
        external_ref: "aboard-gate-1".to_string(),
        opened_at: now - Duration::days(5),
        resolved_at: None,
        channel: "gate".to_string(),
        category: "raised_in_person".to_string(),
        severity: 3,
        summary: "Lost a bag in MEX".to_string(),
        status: CaseStatus::Open,
        source_url: None,
    });
    assert!(run(&person, &staffed(true), now, &[]).task.is_some());

    let wrote = now - Duration::hours(3);
    person.record.accounts[0].last_inbound_at = Some(now - Duration::days(20));
    person.aboard.inbound.push(InboundContact {
        network: Network::X,
        last_at: wrote,
    });
    person.aboard.inbound.push(InboundContact {
        network: Network::Instagram,
        last_at: now,
    });
    assert_eq!(person.accounts_now()[0].last_inbound_at, Some(wrote));
    let context = rule_context(
        &passenger(&flight()),
        &person,
        &flight(),
        None,
        now,
        &ContactPolicy::default(),
    )
    .unwrap();
    assert_eq!(
        context.person.social_accounts[0].last_inbound_at,
        Some(wrote)
    );
}

#[test]
fn an_estimate_stands_in_for_a_missing_schedule_without_any_assumption() {
    let mut estimated = flight();
    let expected = estimated.departure.scheduled.take();
    estimated.departure.estimated = expected;
    let passenger = passenger(&estimated);
    let who = person(false, false);
    let boarded = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let context = rule_context(
        &passenger,
        &who,
        &estimated,
        Some(&staffed(false)),
        boarded,
        &ContactPolicy::default(),
    )
    .unwrap();
    assert!(context.flight.assumed.is_empty());
    assert_eq!(
        Some(context.flight.departure().with_timezone(&Utc)),
        expected
    );
}

#[test]
fn outcomes_record_a_case_or_an_opt_out() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 7, 55, 0).unwrap();
    let person = person(true, true);
    let task = run(&person, &staffed(true), now, &[]).task.unwrap();
    let task = Task {
        id: Uuid::now_v7(),
        new: task,
        state: TaskState::Claimed,
        assignee: None,
        outcome: None,
        outcome_note: None,
        cancel_reason: None,
        escalated_at: None,
        created_at: now,
        updated_at: now,
    };
    match outcome_record(&task, TaskOutcome::TalkedNewIssue, Some("Seat broken"), now) {
        Some(StaffRecord::Case(case)) => {
            assert_eq!(case.summary, "Seat broken");
            assert_eq!(case.status, CaseStatus::Open);
            assert_eq!(case.external_ref, format!("aboard-gate-{}", task.id));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        outcome_record(&task, TaskOutcome::AskedNoContact, None, now),
        Some(StaffRecord::OptOut)
    );
    for outcome in [
        TaskOutcome::TalkedAllWell,
        TaskOutcome::NotFound,
        TaskOutcome::Declined,
    ] {
        assert_eq!(outcome_record(&task, outcome, None, now), None);
    }
}
