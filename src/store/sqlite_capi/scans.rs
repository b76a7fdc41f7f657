//! A batch of gate scans with the boardings they make, and the lookup of those scans' bookings.

use std::ptr::NonNull;

use chrono::{DateTime, Utc};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use super::{Statement, execute, instant_text};
use crate::domain::records::{NewBoardingScan, ScanOutcome};
use crate::store::StoreError;
use crate::store::events::INSERT_EVENT;
use crate::store::rows::{BookingPassengerRow, PASSENGER_COLUMNS, PassengerRow, to_json};

/// One scan to write: its new id, the scan, and who sent it (the actor of its boarding).
pub(in crate::store) struct ScanToWrite<'a> {
    pub id: Uuid,
    pub scan: &'a NewBoardingScan,
    pub actor: &'a str,
}

const INSERT_SCAN: &str = "INSERT INTO boarding_scans (id, digest, raw, station, gate, reader_id, \
    scanned_at, received_at, flight_id, passenger_id, outcome, detail) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING";

const BOARD_PASSENGER: &str = "UPDATE passengers SET boarding_state = 'boarded', removed_reason = NULL, \
    boarded_at = ?2, updated_at = ?2 WHERE id = ?1 AND boarding_state <> 'boarded'";

/// Begins a write transaction, writes the scans as [`write_scans`] does and, when `commit`, commits;
/// otherwise leaves the transaction open for the caller to finish. On failure the transaction may be
/// open: the caller closes the connection, which rolls it back.
/// Under a gate peak each round trip to sqlx's connection thread waits for a core, so the whole of a
/// batch without follow-ups goes in one lend of the handle instead of three round trips.
pub(in crate::store) fn begin_and_write_scans(
    db: NonNull<ffi::sqlite3>,
    scans: &[ScanToWrite<'_>],
    at: DateTime<Utc>,
    commit: bool,
) -> Result<Vec<bool>, StoreError> {
    const WHAT: &str = "recording boarding scans";
    execute(db, "BEGIN IMMEDIATE", WHAT)?;
    let written = write_scans(db, scans, at)?;
    if commit {
        execute(db, "COMMIT", WHAT)?;
    }
    Ok(written)
}

/// Writes each scan unless its digest is stored, boards the passenger of each newly written matched
/// scan unless already boarded (at that scan's instant), and logs each boarding. Returns, per scan,
/// whether it was written. The caller holds the write transaction; nothing here commits.
fn write_scans(
    db: NonNull<ffi::sqlite3>,
    scans: &[ScanToWrite<'_>],
    at: DateTime<Utc>,
) -> Result<Vec<bool>, StoreError> {
    const WHAT: &str = "recording boarding scans";
    if scans.is_empty() {
        return Ok(Vec::new());
    }
    let insert = Statement::prepare(db, INSERT_SCAN, WHAT)?;
    let board = Statement::prepare(db, BOARD_PASSENGER, WHAT)?;
    let log = Statement::prepare(db, INSERT_EVENT, WHAT)?;
    let received_at = instant_text(at);
    let boarded_detail = to_json(&serde_json::json!({ "state": "boarded", "reason": null }));
    let mut written = Vec::with_capacity(scans.len());
    for ScanToWrite { id, scan, actor } in scans {
        let scanned_at = instant_text(scan.scanned_at);
        let mut bind = insert.binder();
        bind.blob(id.as_bytes());
        bind.text(Some(&scan.digest));
        bind.text(Some(&scan.raw));
        bind.text(Some(&scan.station));
        bind.text(scan.gate.as_deref());
        bind.text(scan.reader_id.as_deref());
        bind.text(Some(&scanned_at));
        bind.text(Some(&received_at));
        bind.optional_blob(scan.flight_id.as_ref().map(Uuid::as_bytes));
        bind.optional_blob(scan.passenger_id.as_ref().map(Uuid::as_bytes));
        bind.text(Some(scan.outcome.as_str()));
        bind.text(scan.detail.as_deref());
        bind.finish()?;
        let is_new = insert.execute(db)? > 0;
        written.push(is_new);
        let (true, ScanOutcome::Matched, Some(passenger)) =
            (is_new, scan.outcome, scan.passenger_id)
        else {
            continue;
        };
        let mut bind = board.binder();
        bind.blob(passenger.as_bytes());
        bind.text(Some(&scanned_at));
        bind.finish()?;
        if board.execute(db)? == 0 {
            continue;
        }
        let event_id = Uuid::now_v7();
        let subject = passenger.to_string();
        let mut bind = log.binder();
        bind.blob(event_id.as_bytes());
        bind.text(Some(&scanned_at));
        bind.text(Some(actor));
        bind.text(Some("passenger.boarding_state"));
        bind.text(Some("passenger"));
        bind.text(Some(&subject));
        bind.optional_blob(scan.flight_id.as_ref().map(Uuid::as_bytes));
        bind.optional_blob(None);
        bind.text(Some(&boarded_detail));
        bind.finish()?;
        log.execute(db)?;
    }
    Ok(written)
}

/// Runs `select_bookings_passengers` (as `sql`) for the bookings listed in `wanted` and reads its rows
/// as sqlx would: the booking's number, the passenger's columns in `PASSENGER_COLUMNS` order, whether
/// someone is linked.
pub(in crate::store) fn booking_passengers(
    db: NonNull<ffi::sqlite3>,
    sql: &str,
    wanted: &str,
) -> Result<Vec<BookingPassengerRow>, StoreError> {
    const WHAT: &str = "looking up bookings";
    let query = Statement::prepare(db, sql, WHAT)?;
    query.expect_columns(
        std::iter::once("booking")
            .chain(PASSENGER_COLUMNS.split(", "))
            .chain(std::iter::once("linked")),
    )?;
    let mut bind = query.binder();
    bind.text(Some(wanted));
    bind.finish()?;
    let mut rows = Vec::new();
    while let Some(mut row) = query.next_row(db)? {
        let booking = row.integer().unwrap_or(-1);
        let passenger = PassengerRow {
            id: row.uuid()?,
            flight_id: row.uuid()?,
            pax_key: row.required_text()?,
            surname: row.required_text()?,
            given_name: row.required_text()?,
            title: row.text(),
            traveller_class: row.required_text()?,
            locator: row.text(),
            seat: row.text(),
            cabin_class: row.text(),
            destination: row.text(),
            party_ref: row.text(),
            ff_airline: row.text(),
            ff_number: row.text(),
            email: row.text(),
            phone: row.text(),
            date_of_birth: row.date()?,
            gender: row.text(),
            nationality: row.text(),
            docs_surname: row.text(),
            docs_given: row.text(),
            checkin_sequence: row
                .integer()
                .map(|n| i32::try_from(n).map_err(|_| row.corrupt("a number out of range")))
                .transpose()?,
            service_codes: row.required_text()?,
            boarding_state: row.required_text()?,
            boarded_at: row.instant()?,
            removed_reason: row.text(),
            updated_at: row.instant()?.ok_or_else(|| row.corrupt("NULL"))?,
        };
        let linked = row.integer().unwrap_or(0) != 0;
        rows.push(BookingPassengerRow {
            booking,
            passenger,
            linked,
        });
    }
    Ok(rows)
}
