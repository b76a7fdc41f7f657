//! A manifest's new passengers inserted through SQLite's C API, on the import transaction's own
//! connection (sqlx lends its handle for this).
//!
//! Why: a large airline's day brings 450,000 new passengers at once. Through sqlx every value is copied
//! into an owned argument and every statement goes to the connection's worker thread and back, which
//! the import benchmark measured at well over half of the store's time. Here one prepared statement is
//! bound without copying and stepped once per passenger, as the sqlite3 shell's `.import` does. Values
//! are encoded exactly as sqlx encodes them (UUIDs as 16-byte blobs, dates and instants as the same ISO
//! text), so every other query reads these rows like any other.

use std::ffi::{CStr, c_char, c_int};
use std::ptr::{self, NonNull};

use chrono::{DateTime, SecondsFormat, Utc};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use super::StoreError;
use super::rows::passenger_columns_but_updated_at;
use super::rows::to_json;
use crate::domain::records::NewPassenger;

/// Inserts new passengers of one flight; `rows` are (id, passenger, content digest). The caller holds
/// the write transaction; nothing here commits.
pub(super) fn insert_passengers(
    db: NonNull<ffi::sqlite3>,
    flight_id: Uuid,
    rows: &[(Uuid, &NewPassenger, String)],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let statement = Statement::prepare(db, &insert_sql())?;
    let at = at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    for (id, p, digest) in rows {
        let (ff_airline, ff_number) = p
            .frequent_flyer
            .as_ref()
            .map(|(a, n)| (a.as_str(), n.as_str()))
            .unzip();
        // NaiveDate's Display is `%Y-%m-%d`, as sqlx writes it, without parsing a format string.
        let date_of_birth = p.date_of_birth.map(|d| d.to_string());
        let service_codes = if p.service_codes.is_empty() {
            "[]".to_string()
        } else {
            to_json(&p.service_codes)
        };
        let mut bind = Binder {
            statement: &statement,
            index: 0,
            oversized: false,
        };
        bind.blob(id.as_bytes());
        bind.blob(flight_id.as_bytes());
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
        bind.text(Some(&service_codes));
        bind.text(Some(digest));
        bind.text(Some(&at));
        bind.text(Some(&at));
        if bind.oversized {
            statement.clear();
            return Err(failure("a value is longer than SQLite takes"));
        }
        statement.step_once(db)?;
    }
    Ok(())
}

/// `INSERT INTO passengers (…) VALUES (?, …)` for one passenger: the write columns (`updated_at` last),
/// then the state and the creation instant.
fn insert_sql() -> String {
    let columns = passenger_columns_but_updated_at();
    format!(
        "INSERT INTO passengers ({}, updated_at, boarding_state, created_at) VALUES ({}, ?, 'expected', ?)",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    )
}

struct Statement(NonNull<ffi::sqlite3_stmt>);

impl Statement {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> Result<Statement, StoreError> {
        let mut raw = ptr::null_mut();
        let length =
            c_int::try_from(sql.len()).map_err(|_| failure("the statement is too long"))?;
        // SAFETY: `db` is an open connection lent by sqlx for the duration of the call; the SQL text
        // outlives the call and its length is given.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                sql.as_ptr().cast::<c_char>(),
                length,
                &mut raw,
                ptr::null_mut(),
            )
        };
        match NonNull::new(raw) {
            Some(statement) if rc == ffi::SQLITE_OK => Ok(Statement(statement)),
            _ => Err(error(db)),
        }
    }

    /// Runs the bound insert, then clears the bindings, which may point into values that the caller
    /// is about to drop.
    fn step_once(&self, db: NonNull<ffi::sqlite3>) -> Result<(), StoreError> {
        // SAFETY: the statement is prepared on `db` and every parameter is bound to memory that lives
        // until `clear` below.
        let rc = unsafe { ffi::sqlite3_step(self.0.as_ptr()) };
        let outcome = if rc == ffi::SQLITE_DONE {
            Ok(())
        } else {
            Err(error(db))
        };
        self.clear();
        outcome
    }

    /// Resets the statement and forgets its bindings.
    fn clear(&self) {
        // SAFETY: the statement is prepared and not being stepped.
        unsafe {
            ffi::sqlite3_reset(self.0.as_ptr());
            ffi::sqlite3_clear_bindings(self.0.as_ptr());
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `Statement::prepare` and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
    }
}

/// Binds the statement's parameters in order. Values are bound without copying (`SQLITE_STATIC`):
/// `Statement::step_once` clears them before the borrowed values can go away.
struct Binder<'s> {
    statement: &'s Statement,
    index: c_int,
    /// A value did not fit SQLite's length type and was bound as NULL; the row must not be written.
    oversized: bool,
}

impl Binder<'_> {
    fn next(&mut self) -> c_int {
        self.index += 1;
        self.index
    }

    /// The length SQLite is given, or None (and the row marked) when it does not fit.
    fn length(&mut self, bytes: &[u8]) -> Option<c_int> {
        let length = c_int::try_from(bytes.len()).ok();
        self.oversized |= length.is_none();
        length
    }

    fn blob(&mut self, bytes: &[u8]) {
        let index = self.next();
        let statement = self.statement.0.as_ptr();
        let length = self.length(bytes);
        // SAFETY: the memory outlives the step (see the type's comment) and its length is given.
        unsafe {
            match length {
                Some(length) => ffi::sqlite3_bind_blob(
                    statement,
                    index,
                    bytes.as_ptr().cast(),
                    length,
                    ffi::SQLITE_STATIC(),
                ),
                None => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }

    fn text(&mut self, value: Option<&str>) {
        let index = self.next();
        let statement = self.statement.0.as_ptr();
        let length = value.and_then(|text| self.length(text.as_bytes()));
        // SAFETY: as for `blob`.
        unsafe {
            match (value, length) {
                (Some(text), Some(length)) => ffi::sqlite3_bind_text(
                    statement,
                    index,
                    text.as_ptr().cast::<c_char>(),
                    length,
                    ffi::SQLITE_STATIC(),
                ),
                _ => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }

    fn integer(&mut self, value: Option<i64>) {
        let index = self.next();
        let statement = self.statement.0.as_ptr();
        // SAFETY: binding a number or NULL to a prepared statement.
        unsafe {
            match value {
                Some(n) => ffi::sqlite3_bind_int64(statement, index, n),
                None => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }
}

fn error(db: NonNull<ffi::sqlite3>) -> StoreError {
    // SAFETY: `sqlite3_errmsg` returns a NUL-terminated string owned by the connection, copied at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    failure(&message)
}

fn failure(message: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "inserting passengers: {message}"
    )))
}
