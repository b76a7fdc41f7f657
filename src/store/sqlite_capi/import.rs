//! A batch of manifest files into SQLite through its C API, on the writer's handle that sqlx lends:
//! each file in its own savepoint, whole or not at all, with the same statements, plan and events as
//! the PostgreSQL store applies through sqlx.
//!
//! Why: a night's 3,000 PNLs made about nine round trips each to sqlx's connection thread (savepoint,
//! import row, flight, stored passengers, the passengers' lend, list time, summary, event, release),
//! each a wait for a core while the other files are parsed; the import benchmark measured them at a
//! quarter of the day's time. Here a lend of the handle applies files until about
//! [`LEND_PASSENGERS`] passengers are written, then gives the handle back, so that one lend never
//! holds the caller's thread for long whatever the batch's size.

use chrono::{DateTime, Utc};
use libsqlite3_sys as ffi;
use std::ptr::NonNull;
use uuid::Uuid;

use super::{Statement, execute, instant_text};
use crate::domain::records::{
    FlightImportSummary, FlightList, ImportOutcome, ManifestImport, NewEvent, NewPassenger,
};
use crate::store::StoreError;
use crate::store::events::INSERT_EVENT;
use crate::store::rows::{
    INSERT_IMPORT, QUEUE_SCREENING, SELECT_STORED_PASSENGERS, SET_FLIGHT_LIST_TIME,
    SET_IMPORT_SUMMARY, StoredPassenger, UPSERT_LISTED_FLIGHT, cancel_tasks_sql, check_list_order,
    manifest_imported, mark_removed_sql, passenger_removed, plan_list, removal_reason,
    sqlite_passenger_insert_sql, sqlite_passenger_upsert_sql, task_cancelled_by_import, to_json,
};

/// About how many passengers one lend of the handle writes: some 20 ms of work.
pub(in crate::store) const LEND_PASSENGERS: usize = 4_000;

/// New passengers per INSERT (26 values each, far under SQLite's 32,766): each statement opens and
/// closes its cursors on the table, its two indexes and the flights it refers to, which for one row
/// a statement was a twentieth of the store's time.
const PASSENGERS_PER_INSERT: usize = 32;

const WHAT: &str = "importing manifests";

/// A batch of files being applied, lend after lend of the writer's handle, inside the caller's
/// transaction.
pub(in crate::store) struct BatchImport<'a> {
    imports: &'a [ManifestImport],
    at: DateTime<Utc>,
    /// The file being applied, when one is between lends: its savepoint is open.
    open: Option<OpenFile>,
    /// One per file done, in order.
    outcomes: Vec<Result<ImportOutcome, StoreError>>,
}

struct OpenFile {
    import_id: Uuid,
    flights: Vec<FlightImportSummary>,
}

impl<'a> BatchImport<'a> {
    pub(in crate::store) fn new(
        imports: &'a [ManifestImport],
        at: DateTime<Utc>,
    ) -> BatchImport<'a> {
        BatchImport {
            imports,
            at,
            open: None,
            outcomes: Vec::with_capacity(imports.len()),
        }
    }

    /// Applies the batch's next lists until about `budget` passengers are written; returns whether
    /// files remain. A file refused as out of order is rolled back to its savepoint and the batch goes
    /// on; any other failure leaves the transaction for the caller to roll back.
    pub(in crate::store) fn advance(
        &mut self,
        db: NonNull<ffi::sqlite3>,
        budget: usize,
    ) -> Result<bool, StoreError> {
        let statements = Statements::prepare(db)?;
        let at = instant_text(self.at);
        let mut written = 0;
        while written < budget {
            let Some(import) = self.imports.get(self.outcomes.len()) else {
                break;
            };
            let mut open = match self.open.take() {
                Some(open) => open,
                None => match begin_file(db, &statements, import, &at)? {
                    Some(open) => open,
                    None => {
                        self.outcomes.push(Ok(ImportOutcome {
                            duplicate: true,
                            flights: Vec::new(),
                        }));
                        continue;
                    }
                },
            };
            let Some(list) = import.flights.get(open.flights.len()) else {
                let outcome = finish_file(db, &statements, import, open, &at)?;
                self.outcomes.push(Ok(outcome));
                continue;
            };
            match import_list(db, &statements, import, list, &at) {
                Ok(summary) => {
                    written += 1 + list.passengers.len();
                    open.flights.push(summary);
                    self.open = Some(open);
                }
                Err(StoreError::Conflict(reason)) => {
                    execute(db, "ROLLBACK TO manifest_file", WHAT)?;
                    execute(db, "RELEASE manifest_file", WHAT)?;
                    self.outcomes.push(Err(StoreError::Conflict(reason)));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(self.outcomes.len() < self.imports.len())
    }

    pub(in crate::store) fn into_outcomes(self) -> Vec<Result<ImportOutcome, StoreError>> {
        self.outcomes
    }
}

/// One file whose lists arrive while it is read, applied lend by lend inside the caller's transaction,
/// its savepoint open in between. Any failure leaves the transaction for the caller to roll back: a
/// streamed file is one file, whole or not at all.
pub(in crate::store) struct StreamedFile {
    open: OpenFile,
}

impl StreamedFile {
    /// Records the import (`head`: the file without its lists) and opens its savepoint; None when the
    /// same file was imported before.
    pub(in crate::store) fn begin(
        db: NonNull<ffi::sqlite3>,
        head: &ManifestImport,
        at: DateTime<Utc>,
    ) -> Result<Option<StreamedFile>, StoreError> {
        let statements = Statements::prepare(db)?;
        let open = begin_file(db, &statements, head, &instant_text(at))?;
        Ok(open.map(|open| StreamedFile { open }))
    }

    /// Applies the next lists of the file.
    pub(in crate::store) fn write(
        &mut self,
        db: NonNull<ffi::sqlite3>,
        head: &ManifestImport,
        lists: &[FlightList],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let statements = Statements::prepare(db)?;
        let at = instant_text(at);
        for list in lists {
            let summary = import_list(db, &statements, head, list, &at)?;
            self.open.flights.push(summary);
        }
        Ok(())
    }

    /// Keeps the summary, logs the import (`head` now carries the file's warnings) and releases the
    /// savepoint.
    pub(in crate::store) fn finish(
        self,
        db: NonNull<ffi::sqlite3>,
        head: &ManifestImport,
        at: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        let statements = Statements::prepare(db)?;
        finish_file(db, &statements, head, self.open, &instant_text(at))
    }
}

/// The statements a lend uses, prepared once per lend.
struct Statements {
    insert_import: Statement,
    set_summary: Statement,
    upsert_flight: Statement,
    set_list_time: Statement,
    queue_screening: Statement,
    stored_passengers: Statement,
    insert_passenger: Statement,
    insert_passengers: Statement,
    update_passenger: Statement,
    mark_removed: Statement,
    cancel_tasks: Statement,
    log: Statement,
}

impl Statements {
    fn prepare(db: NonNull<ffi::sqlite3>) -> Result<Statements, StoreError> {
        let prepare = |sql: &str| Statement::prepare(db, sql, WHAT);
        Ok(Statements {
            insert_import: prepare(INSERT_IMPORT)?,
            set_summary: prepare(SET_IMPORT_SUMMARY)?,
            upsert_flight: prepare(UPSERT_LISTED_FLIGHT)?,
            set_list_time: prepare(SET_FLIGHT_LIST_TIME)?,
            queue_screening: prepare(QUEUE_SCREENING)?,
            stored_passengers: prepare(SELECT_STORED_PASSENGERS)?,
            insert_passenger: prepare(&sqlite_passenger_insert_sql(1))?,
            insert_passengers: prepare(&sqlite_passenger_insert_sql(PASSENGERS_PER_INSERT))?,
            update_passenger: prepare(&sqlite_passenger_upsert_sql())?,
            mark_removed: prepare(&mark_removed_sql(1))?,
            cancel_tasks: prepare(&cancel_tasks_sql(1))?,
            log: prepare(INSERT_EVENT)?,
        })
    }
}

/// Opens the file's savepoint and records the import; None (savepoint released) when the same file
/// was imported before.
fn begin_file(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    import: &ManifestImport,
    at: &str,
) -> Result<Option<OpenFile>, StoreError> {
    execute(db, "SAVEPOINT manifest_file", WHAT)?;
    let import_id = Uuid::now_v7();
    let sent_at = import.sent_at.map(instant_text);
    let mut bind = s.insert_import.binder();
    bind.blob(import_id.as_bytes());
    bind.text(Some("manifest"));
    bind.text(Some(&import.file_name));
    bind.text(Some(&import.digest));
    bind.text(sent_at.as_deref());
    bind.text(Some(&import.actor));
    bind.text(Some(at));
    bind.finish()?;
    if s.insert_import.execute(db)? == 0 {
        execute(db, "RELEASE manifest_file", WHAT)?;
        return Ok(None);
    }
    Ok(Some(OpenFile {
        import_id,
        flights: Vec::with_capacity(import.flights.len()),
    }))
}

/// Keeps the file's summary on its import row, logs the import and releases the savepoint.
fn finish_file(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    import: &ManifestImport,
    open: OpenFile,
    at: &str,
) -> Result<ImportOutcome, StoreError> {
    let outcome = ImportOutcome {
        duplicate: false,
        flights: open.flights,
    };
    let summary = to_json(&outcome);
    let mut bind = s.set_summary.binder();
    bind.blob(open.import_id.as_bytes());
    bind.text(Some(&summary));
    bind.finish()?;
    s.set_summary.execute(db)?;
    let e = manifest_imported(import, open.import_id, &outcome);
    log_event(db, s, &e, at)?;
    execute(db, "RELEASE manifest_file", WHAT)?;
    Ok(outcome)
}

fn import_list(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    import: &ManifestImport,
    list: &FlightList,
    at: &str,
) -> Result<FlightImportSummary, StoreError> {
    let (flight_id, last_list) = upsert_flight(db, s, list, at)?;
    let key = &list.flight.key;
    check_list_order(&key.to_string(), &import.format, last_list, import.sent_at)?;
    let stored = stored_passengers(db, s, flight_id)?;
    let plan = plan_list(&stored, list)?;
    let mut inserts = plan.inserts.chunks_exact(PASSENGERS_PER_INSERT);
    for rows in &mut inserts {
        write_passengers(db, &s.insert_passengers, flight_id, rows, at)?;
    }
    for row in inserts.remainder() {
        write_passengers(
            db,
            &s.insert_passenger,
            flight_id,
            std::slice::from_ref(row),
            at,
        )?;
    }
    for row in &plan.updates {
        write_passengers(
            db,
            &s.update_passenger,
            flight_id,
            std::slice::from_ref(row),
            at,
        )?;
    }
    let reason = removal_reason(import, list);
    let mut cancelled = Vec::new();
    for id in &plan.removals {
        let mut bind = s.mark_removed.binder();
        bind.text(Some(&reason));
        bind.text(Some(at));
        bind.blob(id.as_bytes());
        bind.finish()?;
        s.mark_removed.execute(db)?;
        let mut bind = s.cancel_tasks.binder();
        bind.text(Some(&reason));
        bind.text(Some(at));
        bind.blob(id.as_bytes());
        bind.finish()?;
        while let Some(mut row) = s.cancel_tasks.next_row(db)? {
            cancelled.push((row.uuid()?, row.uuid()?, row.optional_uuid()?));
        }
    }
    for task in &cancelled {
        log_event(
            db,
            s,
            &task_cancelled_by_import(&import.actor, *task, &reason),
            at,
        )?;
    }
    for id in &plan.removals {
        log_event(
            db,
            s,
            &passenger_removed(&import.actor, *id, flight_id, &reason),
            at,
        )?;
    }
    if let Some(sent_at) = import.sent_at {
        let sent_at = instant_text(sent_at);
        let mut bind = s.set_list_time.binder();
        bind.blob(flight_id.as_bytes());
        bind.text(Some(&sent_at));
        bind.finish()?;
        s.set_list_time.execute(db)?;
    }
    let mut bind = s.queue_screening.binder();
    bind.blob(flight_id.as_bytes());
    bind.text(Some(&import.digest));
    bind.text(Some(at));
    bind.finish()?;
    s.queue_screening.execute(db)?;
    Ok(FlightImportSummary {
        flight_id,
        flight: key.to_string(),
        added: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        removed: plan.removals.len(),
        cancelled_tasks: cancelled.len(),
    })
}

/// Creates or updates the list's flight; returns its id and when the last list applied to it was sent.
fn upsert_flight(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    list: &FlightList,
    at: &str,
) -> Result<(Uuid, Option<DateTime<Utc>>), StoreError> {
    let flight = &list.flight;
    let key = &flight.key;
    let number = key.flight.number_part();
    let local_date = key.local_date.to_string();
    let times = [
        flight.departure.scheduled,
        flight.departure.estimated,
        flight.departure.actual,
        flight.arrival.scheduled,
        flight.arrival.estimated,
        flight.arrival.actual,
    ]
    .map(|time| time.map(instant_text));
    let mut bind = s.upsert_flight.binder();
    bind.blob(Uuid::now_v7().as_bytes());
    bind.text(Some(key.flight.carrier().as_str()));
    bind.text(Some(&number));
    bind.text(Some(&local_date));
    bind.text(Some(key.origin.as_str()));
    bind.text(flight.destination.as_ref().map(|d| d.as_str()));
    for time in &times {
        bind.text(time.as_deref());
    }
    bind.text(flight.gate.as_deref());
    bind.text(Some(flight.status.as_str()));
    bind.text(Some(at));
    bind.finish()?;
    let mut flight_row = None;
    while let Some(mut row) = s.upsert_flight.next_row(db)? {
        flight_row = Some((row.uuid()?, row.instant()?));
    }
    flight_row
        .ok_or_else(|| StoreError::Corrupt(format!("{WHAT}: the flight upsert returned no row")))
}

fn stored_passengers(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    flight_id: Uuid,
) -> Result<Vec<StoredPassenger>, StoreError> {
    let mut bind = s.stored_passengers.binder();
    bind.blob(flight_id.as_bytes());
    bind.finish()?;
    let mut stored = Vec::new();
    while let Some(mut row) = s.stored_passengers.next_row(db)? {
        stored.push(StoredPassenger {
            id: row.uuid()?,
            pax_key: row.required_text()?,
            content_digest: row.required_text()?,
            boarding_state: row.required_text()?,
        });
    }
    Ok(stored)
}

/// Binds passengers to an insert of as many or to the update of one (both take, per passenger, the
/// write columns but `updated_at`, then the creation and update instants) and runs it. `rows` are
/// (id, passenger, content digest); their values are bound in place.
fn write_passengers(
    db: NonNull<ffi::sqlite3>,
    statement: &Statement,
    flight_id: Uuid,
    rows: &[(Uuid, &NewPassenger, String)],
    at: &str,
) -> Result<(), StoreError> {
    // The texts made here outlive the statement's run.
    let made: Vec<(Option<String>, String)> = rows
        .iter()
        .map(|(_, p, _)| {
            // NaiveDate's Display is `%Y-%m-%d`, as sqlx writes it, without parsing a format string.
            let date_of_birth = p.date_of_birth.map(|d| d.to_string());
            let service_codes = if p.service_codes.is_empty() {
                "[]".to_string()
            } else {
                to_json(&p.service_codes)
            };
            (date_of_birth, service_codes)
        })
        .collect();
    let flight_id = flight_id.as_bytes();
    statement
        .execute_in_place(db, |bind| {
            for ((id, p, digest), (date_of_birth, service_codes)) in rows.iter().zip(&made) {
                let (ff_airline, ff_number) = p
                    .frequent_flyer
                    .as_ref()
                    .map(|(a, n)| (a.as_str(), n.as_str()))
                    .unzip();
                bind.blob(id.as_bytes());
                bind.blob(flight_id);
                bind.text(Some(&p.pax_key));
                bind.text(Some(&p.surname));
                bind.text(Some(&p.given_name));
                bind.text(p.title.as_deref());
                bind.text(Some(p.traveller_class.as_str()));
                bind.text(p.locator.as_deref());
                bind.text(p.seat.as_deref());
                bind.text(p.cabin_class.as_deref());
                bind.text(p.destination.as_deref());
                bind.text(p.party_ref.as_deref());
                bind.text(ff_airline);
                bind.text(ff_number);
                bind.text(p.email.as_deref());
                bind.text(p.phone.as_deref());
                bind.text(date_of_birth.as_deref());
                bind.text(p.gender.as_deref());
                bind.text(p.nationality.as_deref());
                bind.text(p.docs_surname.as_deref());
                bind.text(p.docs_given.as_deref());
                bind.integer(p.checkin_sequence.map(i64::from));
                bind.text(Some(service_codes));
                bind.text(Some(digest));
                bind.text(Some(at));
                bind.text(Some(at));
            }
        })
        .map(drop)
}

fn log_event(
    db: NonNull<ffi::sqlite3>,
    s: &Statements,
    e: &NewEvent,
    at: &str,
) -> Result<(), StoreError> {
    let detail = to_json(&e.detail);
    let mut bind = s.log.binder();
    bind.blob(Uuid::now_v7().as_bytes());
    bind.text(Some(at));
    bind.text(Some(&e.actor));
    bind.text(Some(&e.action));
    bind.text(Some(&e.subject_kind));
    bind.text(Some(&e.subject_id));
    bind.optional_blob(e.flight_id.as_ref().map(Uuid::as_bytes));
    bind.optional_blob(e.person_id.as_ref().map(Uuid::as_bytes));
    bind.text(Some(&detail));
    bind.finish()?;
    s.log.execute(db).map(drop)
}
