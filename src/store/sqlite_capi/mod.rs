//! The hot paths through SQLite's C API, on the caller's own connection (sqlx lends its handle for
//! this): a batch of gate scans with the boardings they make and the lookup of those scans' bookings
//! (`scans`), a batch of manifest files (`import`), and the statements, binding and row reading both
//! use. Nothing else in the store calls SQLite but through sqlx.
//!
//! Why: a large airline's day brings 450,000 new passengers at once, and the gates send thousands of
//! scans a second. Through sqlx every value is copied into an owned argument and every statement goes
//! to the connection's worker thread and back; the import benchmark measured that at well over half of
//! the store's time, and on the gate path each round trip is two thread switches, each one a wait for a
//! core when the gates keep both busy (the gate benchmark measured a batch's bookings at 125 µs a scan
//! through sqlx, 97 µs here). Here prepared statements are bound without copying and stepped once per
//! row, as the sqlite3 shell's `.import` does, and rows are read straight from SQLite's columns. Values
//! are encoded and decoded exactly as sqlx does (UUIDs as 16-byte blobs, dates and instants as the
//! same ISO text), so every other query reads these rows like any other.

use std::ffi::{CStr, c_char, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use libsqlite3_sys as ffi;
use uuid::Uuid;

use super::StoreError;

mod import;
mod scans;

pub(super) use import::{BatchImport, LEND_PASSENGERS, StreamedFile};
pub(super) use scans::{ScanToWrite, begin_and_write_scans, booking_passengers};

/// Runs one statement without parameters or rows.
pub(super) fn execute(
    db: NonNull<ffi::sqlite3>,
    sql: &str,
    doing: &'static str,
) -> Result<(), StoreError> {
    Statement::prepare(db, sql, doing)?.execute(db).map(drop)
}

/// An instant as sqlx writes `DateTime<Utc>` to SQLite.
pub(super) fn instant_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A prepared statement, and what its errors say the store was doing.
pub(super) struct Statement {
    raw: NonNull<ffi::sqlite3_stmt>,
    doing: &'static str,
    /// SQLite's index of each parameter in the order they are bound: a `$n` mark is bound n-th, as
    /// sqlx binds it (SQLite numbers named marks by first appearance), a `?` mark by its position.
    slots: Vec<c_int>,
}

impl Statement {
    pub(super) fn prepare(
        db: NonNull<ffi::sqlite3>,
        sql: &str,
        doing: &'static str,
    ) -> Result<Statement, StoreError> {
        let mut raw = ptr::null_mut();
        let length =
            c_int::try_from(sql.len()).map_err(|_| failure(doing, "the statement is too long"))?;
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
            Some(raw) if rc == ffi::SQLITE_OK => Ok(Statement {
                raw,
                doing,
                slots: parameter_slots(raw),
            }),
            _ => Err(error(db, doing)),
        }
    }

    /// Binds the next row's values, from the first parameter.
    pub(super) fn binder(&self) -> Binder<'_> {
        Binder {
            statement: self,
            bound: 0,
            refused: None,
            in_place: false,
        }
    }

    /// Binds values where they lie (`SQLITE_STATIC`: SQLite neither copies nor frees them) and runs
    /// the statement, which returns no rows. Sound because `'v` outlives this call and the bindings
    /// are cleared before it returns, even when `bind` panics. Returns the rows it changed.
    pub(super) fn execute_in_place<'v>(
        &self,
        db: NonNull<ffi::sqlite3>,
        bind: impl FnOnce(&mut InPlace<'_, 'v>),
    ) -> Result<u64, StoreError> {
        let cleared = ClearOnDrop(self);
        let mut in_place = InPlace {
            binder: Binder {
                statement: self,
                bound: 0,
                refused: None,
                in_place: true,
            },
            values: PhantomData,
        };
        bind(&mut in_place);
        in_place.binder.finish()?;
        let outcome = self.execute(db);
        drop(cleared);
        outcome
    }

    /// Runs the bound statement, which returns no rows, then clears the bindings. Returns the rows it
    /// changed.
    pub(super) fn execute(&self, db: NonNull<ffi::sqlite3>) -> Result<u64, StoreError> {
        // SAFETY: the statement is prepared on `db` and its parameters hold SQLite's own copies;
        // `sqlite3_changes64` reads the connection's count of the last step.
        let (rc, changes) = unsafe {
            let rc = ffi::sqlite3_step(self.raw.as_ptr());
            (rc, ffi::sqlite3_changes64(db.as_ptr()))
        };
        let outcome = if rc == ffi::SQLITE_DONE {
            Ok(u64::try_from(changes).unwrap_or(0))
        } else {
            Err(error(db, self.doing))
        };
        self.clear();
        outcome
    }

    /// Refuses a statement whose columns are not `names`, in order: rows are read by position.
    fn expect_columns<'n>(&self, names: impl Iterator<Item = &'n str>) -> Result<(), StoreError> {
        // SAFETY: the statement is prepared; each name is a NUL-terminated string it owns, copied at
        // once, or NULL.
        let count = unsafe { ffi::sqlite3_column_count(self.raw.as_ptr()) };
        let mut expected = 0;
        for (index, name) in (0..).zip(names) {
            expected += 1;
            let found = unsafe { ffi::sqlite3_column_name(self.raw.as_ptr(), index) };
            let found = (!found.is_null()).then(|| {
                unsafe { CStr::from_ptr(found) }
                    .to_string_lossy()
                    .into_owned()
            });
            if found.as_deref() != Some(name) {
                return Err(failure(
                    self.doing,
                    &format!("column {index} is {found:?}, not {name}"),
                ));
            }
        }
        if count != expected {
            return Err(failure(
                self.doing,
                &format!("the query has {count} columns, not {expected}"),
            ));
        }
        Ok(())
    }

    /// Steps the bound query to its next row; at its end clears the statement.
    pub(super) fn next_row(
        &self,
        db: NonNull<ffi::sqlite3>,
    ) -> Result<Option<Row<'_>>, StoreError> {
        // SAFETY: the statement is prepared on `db` and its parameters are bound to memory that lives
        // while it is stepped (see `Binder`).
        match unsafe { ffi::sqlite3_step(self.raw.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(Some(Row {
                statement: self,
                index: 0,
            })),
            ffi::SQLITE_DONE => {
                self.clear();
                Ok(None)
            }
            _ => {
                let failed = error(db, self.doing);
                self.clear();
                Err(failed)
            }
        }
    }

    /// Resets the statement and forgets its bindings.
    fn clear(&self) {
        // SAFETY: the statement is prepared and not being stepped.
        unsafe {
            ffi::sqlite3_reset(self.raw.as_ptr());
            ffi::sqlite3_clear_bindings(self.raw.as_ptr());
        }
    }
}

/// Clears a statement's bindings on the way out of [`Statement::execute_in_place`] by a panic.
struct ClearOnDrop<'s>(&'s Statement);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.clear();
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `Statement::prepare` and is finalized once.
        unsafe {
            ffi::sqlite3_finalize(self.raw.as_ptr());
        }
    }
}

/// Binds the statement's parameters in order. SQLite copies each text and blob as it is bound
/// (`SQLITE_TRANSIENT`): nothing ties the caller's values to the statement's life, so binding them
/// in place (`SQLITE_STATIC`) would leave a dropped value readable by the next step. Only
/// [`InPlace`], whose values outlive the statement's run, binds in place.
pub(super) struct Binder<'s> {
    statement: &'s Statement,
    /// How many values are bound so far.
    bound: usize,
    /// Why a value could not be bound (bound as NULL instead); the row must not be written.
    refused: Option<&'static str>,
    /// Bind texts and blobs without copying them (only through [`InPlace`]).
    in_place: bool,
}

/// The binder of [`Statement::execute_in_place`]: it takes only values that live for `'v`, longer
/// than the statement's run (the marker makes `'v` invariant, so it cannot shrink to a value made
/// inside the binding). For a large insert, SQLite's copies of every text were a fifth of the
/// import's writer.
pub(super) struct InPlace<'s, 'v> {
    binder: Binder<'s>,
    values: PhantomData<fn(&'v ()) -> &'v ()>,
}

impl<'v> InPlace<'_, 'v> {
    pub(super) fn blob(&mut self, bytes: &'v [u8]) {
        self.binder.blob(bytes)
    }

    pub(super) fn text(&mut self, value: Option<&'v str>) {
        self.binder.text(value)
    }

    pub(super) fn integer(&mut self, value: Option<i64>) {
        self.binder.integer(value)
    }
}

impl Binder<'_> {
    /// SQLite's index of the next parameter.
    fn next(&mut self) -> c_int {
        let slot = self.statement.slots.get(self.bound).copied();
        self.bound += 1;
        slot.unwrap_or_else(|| {
            self.refused = Some("more values than the statement has parameters");
            0
        })
    }

    /// How SQLite keeps a bound text or blob: its own copy, or the caller's bytes where they lie.
    fn keeping(&self) -> ffi::sqlite3_destructor_type {
        if self.in_place {
            ffi::SQLITE_STATIC()
        } else {
            ffi::SQLITE_TRANSIENT()
        }
    }

    /// The length SQLite is given, or None (and the row marked) when it does not fit.
    fn length(&mut self, bytes: &[u8]) -> Option<c_int> {
        let length = c_int::try_from(bytes.len()).ok();
        if length.is_none() {
            self.refused = Some("a value is longer than SQLite takes");
        }
        length
    }

    /// Refuses the row when a value could not be bound, so that no row is written with a NULL in its
    /// place.
    pub(super) fn finish(self) -> Result<(), StoreError> {
        if let Some(why) = self.refused {
            self.statement.clear();
            return Err(failure(self.statement.doing, why));
        }
        Ok(())
    }

    /// A UUID, or NULL.
    pub(super) fn optional_blob(&mut self, bytes: Option<&[u8; 16]>) {
        match bytes {
            Some(bytes) => self.blob(bytes),
            None => self.integer(None),
        }
    }

    pub(super) fn blob(&mut self, bytes: &[u8]) {
        let index = self.next();
        let statement = self.statement.raw.as_ptr();
        let length = self.length(bytes);
        let keeping = self.keeping();
        // SAFETY: SQLite copies `length` bytes from the live slice before this returns, or (in place)
        // reads them while the statement runs, which they outlive (see `InPlace`).
        unsafe {
            match length {
                Some(length) => {
                    ffi::sqlite3_bind_blob(statement, index, bytes.as_ptr().cast(), length, keeping)
                }
                None => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }

    pub(super) fn text(&mut self, value: Option<&str>) {
        let index = self.next();
        let statement = self.statement.raw.as_ptr();
        let length = value.and_then(|text| self.length(text.as_bytes()));
        let keeping = self.keeping();
        // SAFETY: as for `blob`.
        unsafe {
            match (value, length) {
                (Some(text), Some(length)) => ffi::sqlite3_bind_text(
                    statement,
                    index,
                    text.as_ptr().cast::<c_char>(),
                    length,
                    keeping,
                ),
                _ => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }

    pub(super) fn integer(&mut self, value: Option<i64>) {
        let index = self.next();
        let statement = self.statement.raw.as_ptr();
        // SAFETY: binding a number or NULL to a prepared statement.
        unsafe {
            match value {
                Some(n) => ffi::sqlite3_bind_int64(statement, index, n),
                None => ffi::sqlite3_bind_null(statement, index),
            };
        }
    }
}

/// The row a query is on, read column after column, each copied out at once: SQLite's pointers last
/// only until the next step.
pub(super) struct Row<'s> {
    statement: &'s Statement,
    index: c_int,
}

impl Row<'_> {
    /// The next column's bytes, or None when it is NULL.
    fn bytes(&mut self) -> Option<&[u8]> {
        let (statement, index) = (self.statement.raw.as_ptr(), self.index);
        self.index += 1;
        // SAFETY: the statement is on a row and `index` is below its column count (checked by
        // `expect_columns`); the bytes are read before the statement is stepped again.
        unsafe {
            if ffi::sqlite3_column_type(statement, index) == ffi::SQLITE_NULL {
                return None;
            }
            let data = ffi::sqlite3_column_blob(statement, index).cast::<u8>();
            let length = usize::try_from(ffi::sqlite3_column_bytes(statement, index)).unwrap_or(0);
            if data.is_null() || length == 0 {
                return Some(&[]);
            }
            Some(std::slice::from_raw_parts(data, length))
        }
    }

    pub(super) fn text(&mut self) -> Option<String> {
        self.bytes()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    pub(super) fn required_text(&mut self) -> Result<String, StoreError> {
        self.text().ok_or_else(|| self.corrupt("NULL"))
    }

    pub(super) fn integer(&mut self) -> Option<i64> {
        let (statement, index) = (self.statement.raw.as_ptr(), self.index);
        self.index += 1;
        // SAFETY: as for `bytes`.
        unsafe {
            (ffi::sqlite3_column_type(statement, index) != ffi::SQLITE_NULL)
                .then(|| ffi::sqlite3_column_int64(statement, index))
        }
    }

    /// A UUID stored as sqlx stores it: 16 bytes.
    pub(super) fn uuid(&mut self) -> Result<Uuid, StoreError> {
        match self.bytes().map(Uuid::from_slice) {
            Some(Ok(id)) => Ok(id),
            Some(Err(_)) => Err(self.corrupt("not a 16-byte UUID")),
            None => Err(self.corrupt("NULL")),
        }
    }

    /// A UUID as [`Row::uuid`] reads it, or NULL.
    pub(super) fn optional_uuid(&mut self) -> Result<Option<Uuid>, StoreError> {
        match self.bytes().map(Uuid::from_slice) {
            Some(Ok(id)) => Ok(Some(id)),
            Some(Err(_)) => Err(self.corrupt("not a 16-byte UUID")),
            None => Ok(None),
        }
    }

    /// A date as sqlx stores `NaiveDate`: `YYYY-MM-DD`.
    pub(super) fn date(&mut self) -> Result<Option<NaiveDate>, StoreError> {
        self.text()
            .map(|text| {
                NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| self.corrupt("not a date"))
            })
            .transpose()
    }

    /// An instant as sqlx stores `DateTime<Utc>` (RFC 3339), or as SQLite's own functions write
    /// one (UTC without an offset), as sqlx also reads it.
    pub(super) fn instant(&mut self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.text()
            .map(|text| {
                DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.to_utc())
                    .or_else(|_| {
                        NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f")
                            .map(|t| t.and_utc())
                    })
                    .map_err(|_| self.corrupt("not an instant"))
            })
            .transpose()
    }

    /// The column just read held what its type cannot.
    fn corrupt(&self, why: &str) -> StoreError {
        StoreError::Corrupt(format!(
            "{}: column {} of a row: {why}",
            self.statement.doing,
            self.index - 1
        ))
    }
}

/// See [`Statement::slots`].
fn parameter_slots(raw: NonNull<ffi::sqlite3_stmt>) -> Vec<c_int> {
    // SAFETY: the statement is prepared; each name is a NUL-terminated string it owns, read at once,
    // or NULL for a `?` mark.
    let count = unsafe { ffi::sqlite3_bind_parameter_count(raw.as_ptr()) };
    let mut slots: Vec<c_int> = (1..=count).collect();
    for index in 1..=count {
        let name = unsafe { ffi::sqlite3_bind_parameter_name(raw.as_ptr(), index) };
        if name.is_null() {
            continue;
        }
        let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
        let number = name
            .strip_prefix(['$', '?'])
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(slot) = number
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| slots.get_mut(n))
        {
            *slot = index;
        }
    }
    slots
}

fn error(db: NonNull<ffi::sqlite3>, doing: &str) -> StoreError {
    // SAFETY: `sqlite3_errmsg` returns a NUL-terminated string owned by the connection, copied at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    failure(doing, &message)
}

fn failure(doing: &str, message: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("{doing}: {message}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// What the C API binds is stored byte for byte as sqlx stores the same values, and each reads
    /// back what the other wrote: a UUID, an instant, a date, an enum's word, JSON text and NULL.
    #[tokio::test]
    async fn values_are_encoded_as_sqlx_encodes_them() {
        use crate::domain::BoardingState;
        let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        sqlx::query(
            "CREATE TABLE v (id BLOB, at TEXT, day TEXT, state TEXT, detail TEXT, gone TEXT)",
        )
        .execute(&mut connection)
        .await
        .expect("the table");
        let id = Uuid::now_v7();
        let at: DateTime<Utc> = "2026-12-05T03:14:15.926535Z".parse().expect("an instant");
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("a date");
        let state = BoardingState::Boarded;
        let detail =
            crate::store::rows::to_json(&serde_json::json!({ "gate": "A1", "seats": [1, 2] }));
        const INSERT: &str = "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)";
        sqlx::query(INSERT)
            .bind(id)
            .bind(at)
            .bind(day)
            .bind(state.as_str())
            .bind(&detail)
            .bind(None::<String>)
            .execute(&mut connection)
            .await
            .expect("sqlx's row");
        let read_by_c = {
            let mut handle = connection.lock_handle().await.expect("the handle");
            let db = handle.as_raw_handle();
            let insert = Statement::prepare(db, INSERT, "testing").expect("the insert");
            // Bound values are borrowed until the statement runs: no temporaries.
            let (at_text, day_text) = (instant_text(at), day.to_string());
            let mut bind = insert.binder();
            bind.blob(id.as_bytes());
            bind.text(Some(&at_text));
            bind.text(Some(&day_text));
            bind.text(Some(state.as_str()));
            bind.text(Some(&detail));
            bind.text(None);
            bind.finish().expect("every value bound");
            assert_eq!(insert.execute(db).expect("the C API's row"), 1);
            let select = Statement::prepare(
                db,
                "SELECT id, at, day, state, detail, gone FROM v",
                "testing",
            )
            .expect("the select");
            select
                .expect_columns(["id", "at", "day", "state", "detail", "gone"].into_iter())
                .expect("the columns");
            let mut read = Vec::new();
            while let Some(mut row) = select.next_row(db).expect("a row") {
                read.push((
                    row.uuid().expect("a UUID"),
                    row.instant().expect("an instant"),
                    row.date().expect("a date"),
                    row.required_text().expect("a word"),
                    row.required_text().expect("JSON"),
                    row.text(),
                ));
            }
            read
        };
        let written = (
            id,
            Some(at),
            Some(day),
            state.as_str().to_string(),
            detail.clone(),
            None,
        );
        assert_eq!(read_by_c, vec![written.clone(), written]);
        type Values = (
            Uuid,
            DateTime<Utc>,
            NaiveDate,
            String,
            String,
            Option<String>,
        );
        let read_by_sqlx: Vec<Values> =
            sqlx::query_as("SELECT id, at, day, state, detail, gone FROM v")
                .fetch_all(&mut connection)
                .await
                .expect("the rows");
        let written = (id, at, day, state.as_str().to_string(), detail, None);
        assert_eq!(read_by_sqlx, vec![written.clone(), written]);
        let encodings: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT quote(id) || quote(at) || quote(day) || quote(state) || quote(detail) \
             || quote(gone)) FROM v",
        )
        .fetch_one(&mut connection)
        .await
        .expect("the count");
        assert_eq!(encodings, 1, "the two rows are stored differently");
    }

    /// `UPDATE … SET list_sent_at = $2 WHERE id = $1`: SQLite numbers `$2` first, sqlx binds it second.
    #[tokio::test]
    async fn numbered_parameters_bind_by_their_number_as_sqlx_binds_them() {
        let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        sqlx::query("CREATE TABLE t (a TEXT, b TEXT)")
            .execute(&mut connection)
            .await
            .expect("the table");
        {
            let mut handle = connection.lock_handle().await.expect("the handle");
            let db = handle.as_raw_handle();
            let insert = Statement::prepare(db, "INSERT INTO t (b, a) VALUES ($2, $1)", "testing")
                .expect("the statement");
            let mut bind = insert.binder();
            bind.text(Some("first"));
            bind.text(Some("second"));
            bind.finish().expect("both values bound");
            assert_eq!(insert.execute(db).expect("the insert"), 1);

            let mut bind = insert.binder();
            bind.text(Some("first"));
            bind.text(Some("second"));
            bind.text(Some("third"));
            let refused = bind.finish().expect_err("a third value has no parameter");
            assert!(refused.to_string().contains("more values"), "{refused}");
        }
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT a, b FROM t")
            .fetch_all(&mut connection)
            .await
            .expect("the rows");
        assert_eq!(rows, vec![("first".to_string(), "second".to_string())]);
    }

    /// Values bound in place are stored as copied ones are; a row refused while binding in place
    /// writes nothing and leaves no binding behind for the next run.
    #[tokio::test]
    async fn values_bound_in_place_are_stored_as_copies_are() {
        let mut connection = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("an in-memory database");
        sqlx::query("CREATE TABLE t (id BLOB, a TEXT, b TEXT, n INTEGER)")
            .execute(&mut connection)
            .await
            .expect("the table");
        let (id, other) = (Uuid::now_v7(), Uuid::now_v7());
        let texts = ["ALMEIDA".to_string(), "RUI".to_string()];
        {
            let mut handle = connection.lock_handle().await.expect("the handle");
            let db = handle.as_raw_handle();
            let insert = Statement::prepare(db, "INSERT INTO t VALUES ($1, $2, $3, $4)", "testing")
                .expect("the statement");
            let mut bind = insert.binder();
            bind.blob(id.as_bytes());
            bind.text(Some(&texts[0]));
            bind.text(Some(&texts[1]));
            bind.integer(Some(7));
            bind.finish().expect("every value bound");
            assert_eq!(insert.execute(db).expect("the copied row"), 1);
            let written = insert.execute_in_place(db, |bind| {
                bind.blob(id.as_bytes());
                bind.text(Some(&texts[0]));
                bind.text(Some(&texts[1]));
                bind.integer(Some(7));
            });
            assert_eq!(written.expect("the row bound in place"), 1);
            let refused = insert.execute_in_place(db, |bind| {
                for text in &texts {
                    bind.text(Some(text));
                }
                bind.text(Some(&texts[0]));
                bind.text(Some(&texts[1]));
                bind.text(Some(&texts[1]));
            });
            assert!(refused.is_err(), "a fifth value has no parameter");
            let nulls = insert.execute_in_place(db, |bind| bind.blob(other.as_bytes()));
            assert_eq!(nulls.expect("a row of one value"), 1);
        }
        type Row = (Uuid, Option<String>, Option<String>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as("SELECT id, a, b, n FROM t ORDER BY rowid")
            .fetch_all(&mut connection)
            .await
            .expect("the rows");
        let copied = (id, Some(texts[0].clone()), Some(texts[1].clone()), Some(7));
        assert_eq!(
            rows,
            vec![copied.clone(), copied, (other, None, None, None)]
        );
        let encodings: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT quote(id) || quote(a) || quote(b)) FROM t WHERE n = 7",
        )
        .fetch_one(&mut connection)
        .await
        .expect("the count");
        assert_eq!(encodings, 1, "the two rows are stored differently");
    }
}
