//! What both backends share: row shapes, their conversion to domain records, and the SQL text that is the
//! same on SQLite and PostgreSQL (both take `$n` placeholders, `ON CONFLICT` and `RETURNING`).

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::StoreError;
use crate::domain::records::{
    ComplaintCase, Consent, Event, Flight, Identifier, IdentifierKind, IdentityLink, Message,
    MovementTimes, NewEvent, NewMessage, NewPassenger, NewTask, Passenger, SocialAccount, Task,
};
use crate::domain::{CarrierCode, FlightKey, FlightNumber, Iata, TravellerClass};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(super) fn word<T: std::str::FromStr>(what: &str, raw: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    raw.parse().map_err(|e| corrupt(what, e))
}

pub(super) fn json_list(what: &str, raw: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(raw).map_err(|e| corrupt(what, e))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

pub(super) const FLIGHT_COLUMNS: &str = "id, carrier, number, local_date, origin, destination, \
    scheduled_departure, estimated_departure, actual_departure, scheduled_arrival, estimated_arrival, \
    actual_arrival, boarding_started_at, gate_closed_at, gate, status, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct FlightRow {
    id: Uuid,
    carrier: String,
    number: String,
    local_date: NaiveDate,
    origin: String,
    destination: Option<String>,
    scheduled_departure: Option<DateTime<Utc>>,
    estimated_departure: Option<DateTime<Utc>>,
    actual_departure: Option<DateTime<Utc>>,
    scheduled_arrival: Option<DateTime<Utc>>,
    estimated_arrival: Option<DateTime<Utc>>,
    actual_arrival: Option<DateTime<Utc>>,
    boarding_started_at: Option<DateTime<Utc>>,
    gate_closed_at: Option<DateTime<Utc>>,
    gate: Option<String>,
    status: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<FlightRow> for Flight {
    type Error = StoreError;
    fn try_from(r: FlightRow) -> Result<Flight, StoreError> {
        let carrier = CarrierCode::parse(&r.carrier).map_err(|e| corrupt("flight carrier", e))?;
        Ok(Flight {
            id: r.id,
            key: FlightKey {
                flight: FlightNumber::from_parts(carrier, &r.number)
                    .map_err(|e| corrupt("flight number", e))?,
                local_date: r.local_date,
                origin: Iata::parse(&r.origin).map_err(|e| corrupt("flight origin", e))?,
            },
            destination: r
                .destination
                .map(|d| Iata::parse(&d))
                .transpose()
                .map_err(|e| corrupt("flight destination", e))?,
            departure: MovementTimes {
                scheduled: r.scheduled_departure,
                estimated: r.estimated_departure,
                actual: r.actual_departure,
            },
            arrival: MovementTimes {
                scheduled: r.scheduled_arrival,
                estimated: r.estimated_arrival,
                actual: r.actual_arrival,
            },
            gate: r.gate,
            status: word("flight status", &r.status)?,
            boarding_started_at: r.boarding_started_at,
            gate_closed_at: r.gate_closed_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const UPSERT_FLIGHT: &str = "INSERT INTO flights (id, carrier, number, local_date, origin, \
    destination, scheduled_departure, estimated_departure, actual_departure, scheduled_arrival, \
    estimated_arrival, actual_arrival, gate, status, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
    ON CONFLICT (carrier, number, local_date, origin) DO UPDATE SET \
    destination = COALESCE(excluded.destination, flights.destination), \
    scheduled_departure = COALESCE(excluded.scheduled_departure, flights.scheduled_departure), \
    estimated_departure = COALESCE(excluded.estimated_departure, flights.estimated_departure), \
    actual_departure = COALESCE(excluded.actual_departure, flights.actual_departure), \
    scheduled_arrival = COALESCE(excluded.scheduled_arrival, flights.scheduled_arrival), \
    estimated_arrival = COALESCE(excluded.estimated_arrival, flights.estimated_arrival), \
    actual_arrival = COALESCE(excluded.actual_arrival, flights.actual_arrival), \
    gate = COALESCE(excluded.gate, flights.gate), \
    status = excluded.status, updated_at = excluded.updated_at";

pub(super) const PASSENGER_COLUMNS: &str = "id, flight_id, pax_key, surname, given_name, title, \
    traveller_class, locator, seat, cabin_class, destination, party_ref, ff_airline, ff_number, email, \
    phone, date_of_birth, gender, nationality, docs_surname, docs_given, checkin_sequence, service_codes, \
    boarding_state, boarded_at, removed_reason, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct PassengerRow {
    id: Uuid,
    flight_id: Uuid,
    pax_key: String,
    surname: String,
    given_name: String,
    title: Option<String>,
    traveller_class: String,
    locator: Option<String>,
    seat: Option<String>,
    cabin_class: Option<String>,
    destination: Option<String>,
    party_ref: Option<String>,
    ff_airline: Option<String>,
    ff_number: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    date_of_birth: Option<NaiveDate>,
    gender: Option<String>,
    nationality: Option<String>,
    docs_surname: Option<String>,
    docs_given: Option<String>,
    checkin_sequence: Option<i32>,
    service_codes: String,
    boarding_state: String,
    boarded_at: Option<DateTime<Utc>>,
    removed_reason: Option<String>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PassengerRow> for Passenger {
    type Error = StoreError;
    fn try_from(r: PassengerRow) -> Result<Passenger, StoreError> {
        Ok(Passenger {
            id: r.id,
            flight_id: r.flight_id,
            details: NewPassenger {
                pax_key: r.pax_key,
                surname: r.surname,
                given_name: r.given_name,
                title: r.title,
                traveller_class: word::<TravellerClass>("traveller class", &r.traveller_class)?,
                locator: r.locator,
                seat: r.seat,
                cabin_class: r.cabin_class,
                destination: r.destination,
                party_ref: r.party_ref,
                frequent_flyer: r.ff_airline.zip(r.ff_number),
                email: r.email,
                phone: r.phone,
                date_of_birth: r.date_of_birth,
                gender: r.gender,
                nationality: r.nationality,
                docs_surname: r.docs_surname,
                docs_given: r.docs_given,
                checkin_sequence: r.checkin_sequence,
                service_codes: json_list("service codes", &r.service_codes)?,
            },
            boarding_state: word("boarding state", &r.boarding_state)?,
            boarded_at: r.boarded_at,
            removed_reason: r.removed_reason,
            updated_at: r.updated_at,
        })
    }
}

/// Re-importing a passenger refreshes what the booking says and leaves boarding state alone, except that
/// a passenger an ADL had removed and a newer list brings back is expected again.
pub(super) const UPSERT_PASSENGER: &str = "INSERT INTO passengers (id, flight_id, pax_key, surname, \
    given_name, title, traveller_class, locator, seat, cabin_class, destination, party_ref, ff_airline, \
    ff_number, email, phone, date_of_birth, gender, nationality, docs_surname, docs_given, \
    checkin_sequence, service_codes, boarding_state, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
    $21, $22, $23, 'expected', $24, $24) \
    ON CONFLICT (flight_id, pax_key) DO UPDATE SET surname = excluded.surname, \
    given_name = excluded.given_name, title = excluded.title, traveller_class = excluded.traveller_class, \
    locator = excluded.locator, seat = excluded.seat, cabin_class = excluded.cabin_class, \
    destination = excluded.destination, party_ref = excluded.party_ref, ff_airline = excluded.ff_airline, \
    ff_number = excluded.ff_number, email = excluded.email, phone = excluded.phone, \
    date_of_birth = excluded.date_of_birth, gender = excluded.gender, nationality = excluded.nationality, \
    docs_surname = excluded.docs_surname, docs_given = excluded.docs_given, \
    checkin_sequence = excluded.checkin_sequence, service_codes = excluded.service_codes, \
    boarding_state = CASE WHEN passengers.boarding_state = 'removed' THEN 'expected' \
        ELSE passengers.boarding_state END, \
    removed_reason = CASE WHEN passengers.boarding_state = 'removed' THEN NULL \
        ELSE passengers.removed_reason END, \
    updated_at = excluded.updated_at \
    RETURNING id";

#[derive(sqlx::FromRow)]
pub(super) struct PersonRow {
    pub id: Uuid,
    pub external_id: String,
    pub display_name: String,
    pub language: Option<String>,
    pub country: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

pub(super) const PERSON_COLUMNS: &str =
    "id, external_id, display_name, language, country, date_of_birth, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct IdentifierRow {
    kind: String,
    value: String,
}

impl TryFrom<IdentifierRow> for Identifier {
    type Error = StoreError;
    fn try_from(r: IdentifierRow) -> Result<Identifier, StoreError> {
        Ok(Identifier {
            kind: IdentifierKind::parse(&r.kind)
                .ok_or_else(|| corrupt("identifier kind", &r.kind))?,
            value: r.value,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    network: String,
    handle: String,
    network_user_id: Option<String>,
    followers: i64,
    activity_30d: i32,
    follows_airline: bool,
    accepts_dms: bool,
    opted_in: bool,
    last_inbound_at: Option<DateTime<Utc>>,
}

impl TryFrom<AccountRow> for SocialAccount {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> Result<SocialAccount, StoreError> {
        Ok(SocialAccount {
            network: word("network", &r.network)?,
            handle: r.handle,
            network_user_id: r.network_user_id,
            followers: r.followers,
            activity_30d: r.activity_30d,
            follows_airline: r.follows_airline,
            accepts_dms: r.accepts_dms,
            opted_in: r.opted_in,
            last_inbound_at: r.last_inbound_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CaseRow {
    external_ref: String,
    opened_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    channel: String,
    category: String,
    severity: i16,
    summary: String,
    status: String,
    source_url: Option<String>,
}

impl TryFrom<CaseRow> for ComplaintCase {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<ComplaintCase, StoreError> {
        Ok(ComplaintCase {
            external_ref: r.external_ref,
            opened_at: r.opened_at,
            resolved_at: r.resolved_at,
            channel: r.channel,
            category: r.category,
            severity: r.severity,
            summary: r.summary,
            status: word("case status", &r.status)?,
            source_url: r.source_url,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ConsentRow {
    channel: String,
    opted_out: bool,
    updated_at: DateTime<Utc>,
}

impl From<ConsentRow> for Consent {
    fn from(r: ConsentRow) -> Consent {
        Consent {
            channel: r.channel,
            opted_out: r.opted_out,
            updated_at: r.updated_at,
        }
    }
}

pub(super) const SELECT_IDENTIFIERS: &str =
    "SELECT kind, value FROM person_identifiers WHERE person_id = $1 ORDER BY kind, value";
pub(super) const SELECT_ACCOUNTS: &str = "SELECT network, handle, network_user_id, followers, \
    activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at FROM social_accounts \
    WHERE person_id = $1 ORDER BY network, handle";
pub(super) const SELECT_CASES: &str = "SELECT external_ref, opened_at, resolved_at, channel, category, \
    severity, summary, status, source_url FROM complaint_cases WHERE person_id = $1 ORDER BY opened_at";
pub(super) const SELECT_CONSENTS: &str =
    "SELECT channel, opted_out, updated_at FROM consents WHERE person_id = $1 ORDER BY channel";

pub(super) const UPSERT_PERSON: &str = "INSERT INTO persons (id, external_id, display_name, language, \
    country, date_of_birth, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
    ON CONFLICT (external_id) DO UPDATE SET display_name = excluded.display_name, \
    language = excluded.language, country = excluded.country, date_of_birth = excluded.date_of_birth, \
    updated_at = excluded.updated_at RETURNING id";
pub(super) const INSERT_IDENTIFIER: &str = "INSERT INTO person_identifiers (person_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
pub(super) const INSERT_ACCOUNT: &str = "INSERT INTO social_accounts (person_id, network, handle, \
    network_user_id, followers, activity_30d, follows_airline, accepts_dms, opted_in, last_inbound_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING";
pub(super) const INSERT_CASE: &str = "INSERT INTO complaint_cases (person_id, external_ref, opened_at, \
    resolved_at, channel, category, severity, summary, status, source_url) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING";
pub(super) const INSERT_CONSENT: &str = "INSERT INTO consents (person_id, channel, opted_out, updated_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
pub(super) const DELETE_PERSON_LISTS: [&str; 4] = [
    "DELETE FROM person_identifiers WHERE person_id = $1",
    "DELETE FROM social_accounts WHERE person_id = $1",
    "DELETE FROM complaint_cases WHERE person_id = $1",
    "DELETE FROM consents WHERE person_id = $1",
];

/// What erasure removes besides the person row (whose cascade takes accounts, cases, consent and links):
/// the events naming them, and the briefs and reasons of their tasks.
pub(super) const ERASE_PERSON_TRACES: [&str; 2] = [
    "DELETE FROM events WHERE person_id = $1",
    "UPDATE tasks SET brief = '[erased]', why = '[]', outcome_note = NULL WHERE person_id = $1",
];

#[derive(sqlx::FromRow)]
pub(super) struct LinkRow {
    passenger_id: Uuid,
    person_id: Uuid,
    decision: String,
    score: f32,
    reasons: String,
    decided_by: String,
    updated_at: DateTime<Utc>,
}

impl TryFrom<LinkRow> for IdentityLink {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<IdentityLink, StoreError> {
        Ok(IdentityLink {
            passenger_id: r.passenger_id,
            person_id: r.person_id,
            decision: word("link decision", &r.decision)?,
            score: r.score,
            reasons: json_list("link reasons", &r.reasons)?,
            decided_by: r.decided_by,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const UPSERT_LINK: &str = "INSERT INTO identity_links (passenger_id, person_id, decision, score, \
    reasons, decided_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
    ON CONFLICT (passenger_id, person_id) DO UPDATE SET decision = excluded.decision, \
    score = excluded.score, reasons = excluded.reasons, decided_by = excluded.decided_by, \
    updated_at = excluded.updated_at \
    WHERE identity_links.decided_by = 'matcher' OR excluded.decided_by <> 'matcher'";
pub(super) const SELECT_LINKS_FOR_FLIGHT: &str = "SELECT l.passenger_id, l.person_id, l.decision, \
    l.score, l.reasons, l.decided_by, l.updated_at FROM identity_links l \
    JOIN passengers p ON p.id = l.passenger_id WHERE p.flight_id = $1 ORDER BY l.passenger_id, l.person_id";

pub(super) const TASK_COLUMNS: &str = "id, flight_id, passenger_id, person_id, rule_id, channel, station, \
    gate, priority, state, due_at, expires_at, assignee, brief, why, outcome, outcome_note, cancel_reason, \
    created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    id: Uuid,
    flight_id: Uuid,
    passenger_id: Uuid,
    person_id: Option<Uuid>,
    rule_id: String,
    channel: String,
    station: String,
    gate: Option<String>,
    priority: i16,
    state: String,
    due_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    assignee: Option<String>,
    brief: String,
    why: String,
    outcome: Option<String>,
    outcome_note: Option<String>,
    cancel_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<TaskRow> for Task {
    type Error = StoreError;
    fn try_from(r: TaskRow) -> Result<Task, StoreError> {
        Ok(Task {
            id: r.id,
            new: NewTask {
                flight_id: r.flight_id,
                passenger_id: r.passenger_id,
                person_id: r.person_id.unwrap_or(Uuid::nil()),
                rule_id: r.rule_id,
                channel: word("task channel", &r.channel)?,
                station: r.station,
                gate: r.gate,
                priority: r.priority,
                due_at: r.due_at,
                expires_at: r.expires_at,
                brief: r.brief,
                why: json_list("task reasons", &r.why)?,
            },
            state: word("task state", &r.state)?,
            assignee: r.assignee,
            outcome: r.outcome.map(|o| word("task outcome", &o)).transpose()?,
            outcome_note: r.outcome_note,
            cancel_reason: r.cancel_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(super) const INSERT_TASK: &str = "INSERT INTO tasks (id, flight_id, passenger_id, person_id, rule_id, \
    channel, station, gate, priority, state, due_at, expires_at, brief, why, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $13, $14, $14) \
    ON CONFLICT (flight_id, passenger_id, rule_id) DO NOTHING";

/// `$1` id, `$2` new state, `$3` assignee (kept when NULL), `$4` outcome, `$5` note, `$6` at; the allowed
/// previous states are appended by the caller as `AND state IN (...)`.
pub(super) const TRANSITION_TASK: &str = "UPDATE tasks SET state = $2, \
    assignee = COALESCE($3, assignee), outcome = COALESCE($4, outcome), \
    outcome_note = CASE WHEN $2 IN ('done') THEN $5 ELSE outcome_note END, \
    cancel_reason = CASE WHEN $2 IN ('cancelled', 'expired') THEN $5 ELSE cancel_reason END, \
    updated_at = $6 WHERE id = $1";

pub(super) const MESSAGE_COLUMNS: &str = "id, task_id, network, recipient, body, author, idempotency_key, \
    state, attempts, next_attempt_at, last_error, provider_message_id, created_at, sent_at";

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: Uuid,
    task_id: Uuid,
    network: String,
    recipient: String,
    body: String,
    author: String,
    idempotency_key: String,
    state: String,
    attempts: i32,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    provider_message_id: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(r: MessageRow) -> Result<Message, StoreError> {
        Ok(Message {
            id: r.id,
            new: NewMessage {
                task_id: r.task_id,
                network: word("message network", &r.network)?,
                recipient: r.recipient,
                body: r.body,
                author: r.author,
                idempotency_key: r.idempotency_key,
            },
            state: word("message state", &r.state)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            provider_message_id: r.provider_message_id,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

pub(super) const INSERT_MESSAGE: &str = "INSERT INTO messages (id, task_id, network, recipient, body, \
    author, idempotency_key, state, attempts, next_attempt_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8) ON CONFLICT (idempotency_key) DO NOTHING";

/// `$1` id, `$2` state, `$3` next attempt, `$4` error, `$5` provider id, `$6` sent at.
pub(super) const FINISH_MESSAGE: &str = "UPDATE messages SET state = $2, attempts = attempts + 1, \
    next_attempt_at = $3, last_error = $4, provider_message_id = COALESCE($5, provider_message_id), \
    sent_at = $6, lease_owner = NULL, lease_until = NULL WHERE id = $1";

pub(super) const EVENT_COLUMNS: &str =
    "id, at, actor, action, subject_kind, subject_id, flight_id, person_id, detail";

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: Uuid,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    subject_kind: String,
    subject_id: String,
    flight_id: Option<Uuid>,
    person_id: Option<Uuid>,
    detail: String,
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Event, StoreError> {
        Ok(Event {
            id: r.id,
            at: r.at,
            event: NewEvent {
                actor: r.actor,
                action: r.action,
                subject_kind: r.subject_kind,
                subject_id: r.subject_id,
                flight_id: r.flight_id,
                person_id: r.person_id,
                detail: serde_json::from_str(&r.detail).map_err(|e| corrupt("event detail", e))?,
            },
        })
    }
}

pub(super) const INSERT_EVENT: &str = "INSERT INTO events (id, at, actor, action, subject_kind, \
    subject_id, flight_id, person_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub(super) const CLAIM_TICK: &str = "INSERT INTO scheduler_ticks (job, tick_at, instance, started_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (job, tick_at) DO NOTHING";
pub(super) const FINISH_TICK: &str = "UPDATE scheduler_ticks SET finished_at = $3, outcome = $4, \
    detail = $5 WHERE job = $1 AND tick_at = $2";

pub(super) const COUNTS: &str = "SELECT \
    (SELECT COUNT(*) FROM flights), (SELECT COUNT(*) FROM passengers), (SELECT COUNT(*) FROM persons), \
    (SELECT COUNT(*) FROM identity_links), (SELECT COUNT(*) FROM tasks), \
    (SELECT COUNT(*) FROM tasks WHERE state IN ('open', 'claimed')), (SELECT COUNT(*) FROM messages), \
    (SELECT COUNT(*) FROM events)";

/// An event for a change the store makes on its own behalf (task created, state changed, person erased).
pub(super) fn event(
    actor: &str,
    action: &str,
    subject_kind: &str,
    subject_id: impl ToString,
    flight_id: Option<Uuid>,
    person_id: Option<Uuid>,
    detail: serde_json::Value,
) -> NewEvent {
    NewEvent {
        actor: actor.to_string(),
        action: action.to_string(),
        subject_kind: subject_kind.to_string(),
        subject_id: subject_id.to_string(),
        flight_id,
        person_id,
        detail,
    }
}

/// `$first, $first+1, …` for an `IN (...)` list appended to a statement.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the task listing query for a filter; returns the SQL and the binds in order.
pub(super) fn task_query(filter: &super::TaskFilter) -> (String, Vec<String>, Option<Uuid>) {
    let mut sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let mut n = 1;
    let flight = filter.flight_id;
    if flight.is_some() {
        sql.push_str(" AND flight_id = $1");
        n = 2;
    }
    let mut add_list = |column: &str, values: Vec<String>, sql: &mut String, n: &mut usize| {
        if !values.is_empty() {
            sql.push_str(&format!(
                " AND {column} IN ({})",
                placeholders(*n, values.len())
            ));
            *n += values.len();
            binds.extend(values);
        }
    };
    add_list("station", filter.stations.clone(), &mut sql, &mut n);
    add_list(
        "gate",
        filter.gate.iter().cloned().collect(),
        &mut sql,
        &mut n,
    );
    add_list(
        "channel",
        filter
            .channels
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        &mut sql,
        &mut n,
    );
    add_list(
        "state",
        filter
            .states
            .iter()
            .map(|s| s.as_str().to_string())
            .collect(),
        &mut sql,
        &mut n,
    );
    sql.push_str(" ORDER BY due_at, priority DESC, id");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {}", limit.max(0)));
    }
    (sql, binds, flight)
}
