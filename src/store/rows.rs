//! What several parts of the store share: reading stored words and JSON, the flight's and passenger's
//! rows, and the manifest import's plan, SQL and events, which PostgreSQL applies through sqlx and
//! SQLite through its C API (`sqlite_capi`). Each part's own rows and SQL sit beside its queries.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::StoreError;
use super::events::event;
use crate::domain::records::{
    Flight, FlightList, ImportOutcome, ListMode, ManifestImport, MovementTimes, NewEvent,
    NewPassenger, Passenger,
};
use crate::domain::{CarrierCode, FlightKey, FlightNumber, Iata, TravellerClass};

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
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

/// The flight upsert, with what a conflict does to the stored status.
macro_rules! flight_upsert {
    ($status:literal) => {
        concat!(
            "INSERT INTO flights (id, carrier, number, local_date, origin, \
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
    ",
            $status,
            ", updated_at = excluded.updated_at"
        )
    };
}

pub(super) const UPSERT_FLIGHT: &str = flight_upsert!("status = excluded.status");

/// A passenger list states no status: a flight already stored keeps the one it has (boarding,
/// departed), a new one is scheduled. Returns the flight's id and the time of the last list applied.
pub(super) const UPSERT_LISTED_FLIGHT: &str = concat!(
    flight_upsert!("status = flights.status"),
    " RETURNING id, list_sent_at"
);

/// The range of keys of a booking's passengers (`$5`, `$6` of the booking lookups): keys begin with
/// `LOCATOR/`, and `0` follows `/` in byte order.
pub(super) fn booking_key_range(locator: &str) -> (String, String) {
    let prefix = crate::domain::records::booking_key_prefix(Some(locator));
    let end = format!("{locator}0");
    (prefix, end)
}

/// The passengers of a list of bookings, each row numbered (`booking`, from 0) by its booking's place in
/// the list, with whether someone in the registry is linked. `wanted` is the backend's table of the list:
/// columns n, carrier, number, local_date, origin, first_key, end_key (the booking's key range) and
/// locator. `decision || ''` keeps the decision index out of the link lookup: without statistics SQLite
/// would walk every linked pair through it for each passenger instead of probing the passenger's own
/// links. CROSS JOIN keeps SQLite's join order: list, flight, booking.
pub(super) fn select_bookings_passengers(wanted: &str) -> String {
    let columns: Vec<String> = PASSENGER_COLUMNS
        .split(", ")
        .map(|column| format!("p.{column}"))
        .collect();
    format!(
        "WITH wanted AS ({wanted}) SELECT wanted.n AS booking, {columns}, EXISTS (SELECT 1 \
         FROM identity_links l WHERE l.passenger_id = p.id AND l.decision || '' = 'linked') AS linked \
         FROM wanted CROSS JOIN flights f CROSS JOIN passengers p WHERE f.carrier = wanted.carrier \
         AND f.number = wanted.number AND f.local_date = wanted.local_date AND f.origin = wanted.origin \
         AND p.flight_id = f.id AND p.pax_key >= wanted.first_key AND p.pax_key < wanted.end_key \
         AND p.locator = wanted.locator ORDER BY wanted.n, p.surname, p.given_name, p.id",
        columns = columns.join(", ")
    )
}

/// A passenger of a listed booking, and whether a registry person is linked to them.
#[derive(sqlx::FromRow)]
pub(super) struct BookingPassengerRow {
    pub booking: i64,
    #[sqlx(flatten)]
    pub passenger: PassengerRow,
    pub linked: bool,
}

/// The rows of `select_bookings_passengers` as one list per asked booking, in the order asked.
pub(super) fn passengers_by_booking(
    rows: Vec<BookingPassengerRow>,
    bookings: usize,
) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError> {
    let mut lists: Vec<Vec<(Passenger, bool)>> = (0..bookings).map(|_| Vec::new()).collect();
    for row in rows {
        let list = usize::try_from(row.booking)
            .ok()
            .and_then(|n| lists.get_mut(n))
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "a booking lookup answered for booking {}",
                    row.booking
                ))
            })?;
        list.push((Passenger::try_from(row.passenger)?, row.linked));
    }
    Ok(lists)
}

pub(super) const PASSENGER_COLUMNS: &str = "id, flight_id, pax_key, surname, given_name, title, \
    traveller_class, locator, seat, cabin_class, destination, party_ref, ff_airline, ff_number, email, \
    phone, date_of_birth, gender, nationality, docs_surname, docs_given, checkin_sequence, service_codes, \
    boarding_state, boarded_at, removed_reason, updated_at";

#[derive(sqlx::FromRow)]
pub(super) struct PassengerRow {
    pub(super) id: Uuid,
    pub(super) flight_id: Uuid,
    pub(super) pax_key: String,
    pub(super) surname: String,
    pub(super) given_name: String,
    pub(super) title: Option<String>,
    pub(super) traveller_class: String,
    pub(super) locator: Option<String>,
    pub(super) seat: Option<String>,
    pub(super) cabin_class: Option<String>,
    pub(super) destination: Option<String>,
    pub(super) party_ref: Option<String>,
    pub(super) ff_airline: Option<String>,
    pub(super) ff_number: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) date_of_birth: Option<NaiveDate>,
    pub(super) gender: Option<String>,
    pub(super) nationality: Option<String>,
    pub(super) docs_surname: Option<String>,
    pub(super) docs_given: Option<String>,
    pub(super) checkin_sequence: Option<i32>,
    pub(super) service_codes: String,
    pub(super) boarding_state: String,
    pub(super) boarded_at: Option<DateTime<Utc>>,
    pub(super) removed_reason: Option<String>,
    pub(super) updated_at: DateTime<Utc>,
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

/// The passenger columns a manifest import writes, in bind order.
pub(super) const PASSENGER_WRITE_COLUMNS: [&str; 25] = [
    "id",
    "flight_id",
    "pax_key",
    "surname",
    "given_name",
    "title",
    "traveller_class",
    "locator",
    "seat",
    "cabin_class",
    "destination",
    "party_ref",
    "ff_airline",
    "ff_number",
    "email",
    "phone",
    "date_of_birth",
    "gender",
    "nationality",
    "docs_surname",
    "docs_given",
    "checkin_sequence",
    "service_codes",
    "content_digest",
    "updated_at",
];

/// Re-importing a passenger refreshes what the booking says and leaves boarding state alone, except that
/// a passenger an ADL had removed and a newer list brings back is expected again.
pub(super) const PASSENGER_UPSERT_TAIL: &str = " ON CONFLICT (flight_id, pax_key) DO UPDATE SET \
    surname = excluded.surname, given_name = excluded.given_name, title = excluded.title, \
    traveller_class = excluded.traveller_class, locator = excluded.locator, seat = excluded.seat, \
    cabin_class = excluded.cabin_class, destination = excluded.destination, party_ref = excluded.party_ref, \
    ff_airline = excluded.ff_airline, ff_number = excluded.ff_number, email = excluded.email, \
    phone = excluded.phone, date_of_birth = excluded.date_of_birth, gender = excluded.gender, \
    nationality = excluded.nationality, docs_surname = excluded.docs_surname, \
    docs_given = excluded.docs_given, checkin_sequence = excluded.checkin_sequence, \
    service_codes = excluded.service_codes, content_digest = excluded.content_digest, \
    boarding_state = CASE WHEN passengers.boarding_state = 'removed' THEN 'expected' \
        ELSE passengers.boarding_state END, \
    removed_reason = CASE WHEN passengers.boarding_state = 'removed' THEN NULL \
        ELSE passengers.removed_reason END, \
    updated_at = excluded.updated_at";

/// A stable digest of what the booking says about a passenger.
pub(super) fn passenger_digest(p: &NewPassenger) -> String {
    use sha2::{Digest, Sha256};
    // Every field, each ended by a separator that no text holds (absent: a second one), fed straight to
    // the hash: a day's import digests 450,000 passengers, and going through JSON cost half a second.
    // The destructuring makes a new field a compile error here until it is digested too.
    let NewPassenger {
        pax_key,
        surname,
        given_name,
        title,
        traveller_class,
        locator,
        seat,
        cabin_class,
        destination,
        party_ref,
        frequent_flyer,
        email,
        phone,
        date_of_birth,
        gender,
        nationality,
        docs_surname,
        docs_given,
        checkin_sequence,
        service_codes,
    } = p;
    // The fields are laid out in one buffer and hashed at once: one update per field cost more than
    // the hash itself.
    let mut bytes: Vec<u8> = Vec::with_capacity(256);
    let mut field = |value: Option<&[u8]>| {
        match value {
            Some(value) => bytes.extend_from_slice(value),
            None => bytes.push(0x1e),
        }
        bytes.push(0x1f);
    };
    for text in [pax_key, surname, given_name] {
        field(Some(text.as_bytes()));
    }
    field(Some(traveller_class.as_str().as_bytes()));
    for text in [
        title,
        locator,
        seat,
        cabin_class,
        destination,
        party_ref,
        email,
        phone,
        gender,
        nationality,
        docs_surname,
        docs_given,
    ] {
        field(text.as_deref().map(str::as_bytes));
    }
    field(
        frequent_flyer
            .as_ref()
            .map(|(airline, _)| airline.as_bytes()),
    );
    field(frequent_flyer.as_ref().map(|(_, number)| number.as_bytes()));
    field(
        date_of_birth
            .map(|d| d.to_string())
            .as_deref()
            .map(str::as_bytes),
    );
    field(
        checkin_sequence
            .map(|n| n.to_string())
            .as_deref()
            .map(str::as_bytes),
    );
    for code in service_codes {
        field(Some(code.as_bytes()));
    }
    hex::encode(&Sha256::digest(&bytes)[..16])
}

/// A passenger already stored for the flight, as the import planner sees it.
#[derive(sqlx::FromRow)]
pub(super) struct StoredPassenger {
    pub id: Uuid,
    pub pax_key: String,
    pub content_digest: String,
    pub boarding_state: String,
}

pub(super) const SELECT_STORED_PASSENGERS: &str =
    "SELECT id, pax_key, content_digest, boarding_state FROM passengers WHERE flight_id = $1";

/// What one flight's list does to the stored manifest.
pub(super) struct ListPlan<'a> {
    /// New passengers, each with the id to give them and their digest.
    pub inserts: Vec<(Uuid, &'a NewPassenger, String)>,
    /// Stored passengers whose booking changed (or who come back after a removal), with their digest.
    pub updates: Vec<(Uuid, &'a NewPassenger, String)>,
    pub unchanged: usize,
    pub removals: Vec<Uuid>,
}

/// Compares a list with what is stored: pure, so both backends plan identically.
pub(super) fn plan_list<'a>(
    stored: &[StoredPassenger],
    list: &'a FlightList,
) -> Result<ListPlan<'a>, StoreError> {
    if let Some(p) = list.passengers.iter().find(|p| !p.key_fits_booking()) {
        return Err(StoreError::Corrupt(format!(
            "passenger key {:?} does not begin with its booking {:?}",
            p.pax_key,
            crate::domain::records::booking_key_prefix(p.locator.as_deref())
        )));
    }
    let by_key: HashMap<&str, &StoredPassenger> =
        stored.iter().map(|p| (p.pax_key.as_str(), p)).collect();
    let mut plan = ListPlan {
        inserts: Vec::new(),
        updates: Vec::new(),
        unchanged: 0,
        removals: Vec::new(),
    };
    for p in &list.passengers {
        let digest = passenger_digest(p);
        match by_key.get(p.pax_key.as_str()) {
            Some(s) if s.content_digest == digest && s.boarding_state != "removed" => {
                plan.unchanged += 1
            }
            Some(s) => plan.updates.push((s.id, p, digest)),
            None => plan.inserts.push((Uuid::now_v7(), p, digest)),
        }
    }
    let live = |s: &&StoredPassenger| s.boarding_state != "removed";
    match &list.mode {
        ListMode::Merge => {}
        ListMode::Replace => {
            let named: HashSet<&str> = list.passengers.iter().map(|p| p.pax_key.as_str()).collect();
            plan.removals = stored
                .iter()
                .filter(live)
                .filter(|s| !named.contains(s.pax_key.as_str()))
                .map(|s| s.id)
                .collect();
        }
        ListMode::Changes { deleted } => {
            plan.removals = deleted
                .iter()
                .filter_map(|key| by_key.get(key.as_str()).copied())
                .filter(live)
                .map(|s| s.id)
                .collect();
        }
    }
    Ok(plan)
}

/// Refuses a PNL or ADL older than the last list applied to the flight: an ADL that arrives after a newer
/// one would undo changes, and a duplicate would apply them twice.
pub(super) fn check_list_order(
    flight: &str,
    format: &str,
    last: Option<DateTime<Utc>>,
    this: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    match (last, this) {
        (Some(last), Some(this)) if this < last || (this == last && format == "adl") => {
            Err(StoreError::Conflict(format!(
                "{flight}: this {} was sent at {} but the list applied last was sent at {}: \
                 it is a duplicate or arrived out of order, so nothing was imported",
                format.to_uppercase(),
                this.format("%d%b %H:%M UTC"),
                last.format("%d%b %H:%M UTC"),
            )))
        }
        _ => Ok(()),
    }
}

pub(super) const INSERT_IMPORT: &str = "INSERT INTO imports (id, kind, file_name, digest, sent_at, actor, \
    summary, imported_at) VALUES ($1, $2, $3, $4, $5, $6, '{}', $7) ON CONFLICT (kind, digest) DO NOTHING";
pub(super) const SET_IMPORT_SUMMARY: &str = "UPDATE imports SET summary = $2 WHERE id = $1";
pub(super) const SET_FLIGHT_LIST_TIME: &str = "UPDATE flights SET list_sent_at = $2 WHERE id = $1";
/// A list stored, waiting for identity matching (migration 0004): written in the import's transaction.
pub(super) const QUEUE_SCREENING: &str =
    "INSERT INTO screening_queue (flight_id, import_digest, queued_at) VALUES ($1, $2, $3)";

/// `$first, $first+1, …` for an `IN (...)` list appended to a statement.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why an import marks passengers removed, as staff will read it on the cancelled tasks.
pub(super) fn removal_reason(import: &ManifestImport, list: &FlightList) -> String {
    match list.mode {
        ListMode::Changes { .. } => format!("deleted by ADL {}", import.file_name),
        _ => format!("no longer on the passenger list {}", import.file_name),
    }
}

/// The log's record of an imported file: its name, format, what it did to each flight and the values it
/// could not understand.
pub(super) fn manifest_imported(
    import: &ManifestImport,
    import_id: Uuid,
    outcome: &ImportOutcome,
) -> NewEvent {
    let detail = serde_json::json!({
        "file": import.file_name, "format": import.format, "flights": outcome.flights,
        "warnings": import.warnings,
    });
    event(
        &import.actor,
        "import.manifest",
        "import",
        import_id,
        None,
        None,
        detail,
    )
}

/// The log's record of a follow-up cancelled because an import removed its passenger.
pub(super) fn task_cancelled_by_import(
    actor: &str,
    (task_id, flight_id, person_id): (Uuid, Uuid, Option<Uuid>),
    reason: &str,
) -> NewEvent {
    let detail = serde_json::json!({ "to": "cancelled", "note": reason });
    event(
        actor,
        "task.cancelled",
        "task",
        task_id,
        Some(flight_id),
        person_id,
        detail,
    )
}

/// The log's record of a passenger an import marked removed.
pub(super) fn passenger_removed(
    actor: &str,
    passenger_id: Uuid,
    flight_id: Uuid,
    reason: &str,
) -> NewEvent {
    let detail = serde_json::json!({ "state": "removed", "reason": reason });
    event(
        actor,
        "passenger.boarding_state",
        "passenger",
        passenger_id,
        Some(flight_id),
        None,
        detail,
    )
}

/// Passengers per removal statement on PostgreSQL: one value each, far under its bind limit.
pub(super) const PASSENGER_BATCH: usize = 400;

/// The write columns without `updated_at`, which the inserts bind once for all rows.
pub(super) fn passenger_columns_but_updated_at() -> Vec<&'static str> {
    PASSENGER_WRITE_COLUMNS
        .iter()
        .copied()
        .filter(|c| *c != "updated_at")
        .collect()
}

/// SQLite's insert of `rows` new passengers, with anonymous `?` parameters: for each, the write columns
/// but `updated_at`, then the creation and update instants.
pub(super) fn sqlite_passenger_insert_sql(rows: usize) -> String {
    let columns = passenger_columns_but_updated_at();
    let row = format!(
        "({}, 'expected', ?, ?)",
        vec!["?"; columns.len()].join(", ")
    );
    format!(
        "INSERT INTO passengers ({}, boarding_state, created_at, updated_at) VALUES {}",
        columns.join(", "),
        vec![row; rows].join(", ")
    )
}

/// The upsert of one passenger, bound as [`sqlite_passenger_insert_sql`] is.
pub(super) fn sqlite_passenger_upsert_sql() -> String {
    sqlite_passenger_insert_sql(1) + PASSENGER_UPSERT_TAIL
}

/// Binds a flight's values for `UPSERT_FLIGHT`.
macro_rules! bind_flight {
    ($query:expr, $flight:expr, $at:expr) => {{
        let flight = $flight;
        $query
            .bind(Uuid::now_v7())
            .bind(flight.key.flight.carrier().as_str().to_string())
            .bind(flight.key.flight.number_part())
            .bind(flight.key.local_date)
            .bind(flight.key.origin.as_str().to_string())
            .bind(flight.destination.as_ref().map(|d| d.as_str().to_string()))
            .bind(flight.departure.scheduled)
            .bind(flight.departure.estimated)
            .bind(flight.departure.actual)
            .bind(flight.arrival.scheduled)
            .bind(flight.arrival.estimated)
            .bind(flight.arrival.actual)
            .bind(flight.gate.clone())
            .bind(flight.status.as_str())
            .bind($at)
    }};
}
pub(super) use bind_flight;

pub(super) fn mark_removed_sql(count: usize) -> String {
    format!(
        "UPDATE passengers SET boarding_state = 'removed', removed_reason = $1, updated_at = $2 \
         WHERE id IN ({})",
        placeholders(3, count)
    )
}

pub(super) fn cancel_tasks_sql(count: usize) -> String {
    format!(
        "UPDATE tasks SET state = 'cancelled', cancel_reason = $1, updated_at = $2 \
         WHERE state IN ('open', 'claimed') AND passenger_id IN ({}) RETURNING id, flight_id, person_id",
        placeholders(3, count)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TravellerClass;

    fn passenger() -> NewPassenger {
        NewPassenger {
            pax_key: "ABC123/GARCIA/ANA/1".to_string(),
            surname: "GARCIA".to_string(),
            given_name: "ANA".to_string(),
            title: Some("MRS".to_string()),
            traveller_class: TravellerClass::Adult,
            locator: Some("ABC123".to_string()),
            seat: Some("12C".to_string()),
            cabin_class: Some("Y".to_string()),
            destination: Some("BCN".to_string()),
            party_ref: None,
            frequent_flyer: Some(("IB".to_string(), "12345678".to_string())),
            email: Some("ana@example.com".to_string()),
            phone: None,
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1984, 3, 9),
            gender: Some("F".to_string()),
            nationality: Some("ESP".to_string()),
            docs_surname: Some("GARCIA LOPEZ".to_string()),
            docs_given: Some("ANA MARIA".to_string()),
            checkin_sequence: Some(42),
            service_codes: vec!["WCHR".to_string(), "VGML".to_string()],
        }
    }

    /// The digests stored by earlier imports must still match: a changed digest would report every
    /// stored passenger as updated on the next list.
    #[test]
    fn a_passengers_digest_is_stable_and_sees_every_field() {
        let p = passenger();
        assert_eq!(passenger_digest(&p), "c70241418b63ebb72e81e8c79ed4edbb");
        let mut moved = p.clone();
        moved.seat = Some("12D".to_string());
        assert_ne!(passenger_digest(&moved), passenger_digest(&p));
        let mut without = p.clone();
        without.party_ref = Some(String::new());
        assert_ne!(
            passenger_digest(&without),
            passenger_digest(&p),
            "absent is not empty"
        );
    }
}
