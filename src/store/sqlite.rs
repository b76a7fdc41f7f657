//! The embedded backend: one SQLite file in WAL mode. Writers begin IMMEDIATE so that two writers queue on
//! the database lock at BEGIN instead of failing at their first write; synchronous=FULL so that a change
//! the service has acknowledged survives a power cut. Committed pages are copied from the log into the
//! database file by a checkpointer of its own, so that no commit waits for that copy and its fsync; the
//! gate's writer then copies the little committed since, so that the log can start afresh.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, SqliteConnection, SqlitePool};
use uuid::Uuid;

// What `backend_store!` expands to names these unqualified.
use super::aboard_sql::*;
use super::event_hooks::*;
use super::events::*;
use super::flights::*;
use super::held::*;
use super::outbox::*;
use super::registry::*;
use super::reports::*;
use super::rows::*;
use super::scans::*;
use super::scheduler::*;
use super::staff::*;
use super::tasks::*;
use super::*;
use crate::domain::records::*;
use crate::domain::*;

/// The uplift report's counts, a cohort at a time (see the two in `reports`).
const SELECT_UPLIFT: &str = SELECT_UPLIFT_BY_COHORT;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    /// Readers.
    pool: SqlitePool,
    /// The one connection every write goes through: writers queue here in order instead of meeting on
    /// the file's lock, where SQLite's busy handler would have them sleep and retry.
    writer: SqlitePool,
    /// The checkpointer's own connection, and the task that checkpoints the log on it every
    /// `CHECKPOINT_EVERY`, stopped with the store.
    checkpointer: SqlitePool,
    checkpoints: tokio::task::JoinHandle<()>,
    /// Set by the checkpointer when it has copied the whole log, taken by the gate's writer after its
    /// next commit (see `restart_log_soon`).
    log_copied: Arc<AtomicBool>,
    /// The flights this process's callers have claimed for identity matching.
    screening: super::screening::HeldFlights,
    signals: super::signals::TaskSignals,
}

/// How often the checkpointer copies committed pages into the database file. Under a gate peak the
/// log then holds a fraction of a second of commits.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The log size (pages) from which the checkpointer asks the gate's writer to let the log start afresh.
const RESTART_LOG_PAGES: i64 = 1000;

/// The log size (pages) at which a commit checkpoints by itself, as SQLite does by default at 1,000:
/// only when the checkpointer has fallen far behind, so that the log stays bounded whatever happens.
const WRITER_CHECKPOINT_PAGES: &str = "20000";

impl SqliteStore {
    pub async fn open(path: &Path, max_connections: u32) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::DataDir {
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A larger page cache per connection: the gate's lookups run thousands of times a second.
            .pragma("cache_size", "-32768")
            // Deleted and overwritten values are zeroed in the file, not left in free space: an
            // erased person must not stay readable in it.
            .pragma("secure_delete", "on");
        let pool = pool_of(max_connections.max(1))
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let writer = pool_of(1)
            .connect_with(
                options
                    .clone()
                    .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)
                    // Each manifest file's savepoint keeps the pages it changes in a statement journal,
                    // by default a temporary file once it passes 64 KiB: every file's pages were
                    // written to disk twice.
                    .pragma("temp_store", "memory"),
            )
            .await?;
        let checkpointer = pool_of(1).connect_with(options).await?;
        let log_copied = Arc::new(AtomicBool::new(false));
        Ok(SqliteStore {
            pool,
            writer,
            checkpoints: tokio::spawn(keep_checkpointing(checkpointer.clone(), log_copied.clone())),
            checkpointer,
            log_copied,
            screening: Arc::default(),
            signals: super::signals::TaskSignals::for_file(path),
        })
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// After an erasure: the log, which still holds the pages as they were, is copied into the file and
    /// emptied, so that the erased values are in neither.
    async fn scrub_erased(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Single-statement writes queue on the writer too.
    fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// SQLite starts the log afresh only at a write that began with the whole log copied and finds no
    /// reader in it. Under gate load the writer begins again within a millisecond of its last commit,
    /// so that never happens by itself: the log grew to the writer's own bound, and the commits that
    /// then checkpointed took 50–80 ms each, a stall every second or so. Instead, once the checkpointer
    /// has copied the log, the writer copies the few pages committed since (a small fsync), so that its
    /// next write can restart the log. The copy runs beside the caller, who has committed, so that
    /// its fsync does not hold up the answer to a batch's senders.
    fn restart_log_soon(&self) {
        if !self.log_copied.swap(false, Ordering::Relaxed) {
            return;
        }
        let writer = self.writer.clone();
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&writer)
                .await
            {
                tracing::warn!(error = %e, "checkpointing the SQLite log after a commit failed");
            }
        });
    }
}

/// A transaction begun on the writer's handle, maybe left open for statements through sqlx. Dropped
/// while open (an error, or its future dropped), it has the pool close the connection, which rolls the
/// transaction back, rather than lend the next writer a connection inside a transaction.
struct OpenWrite<'c> {
    connection: &'c mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
    open: bool,
}

impl OpenWrite<'_> {
    async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT")
            .execute(&mut **self.connection)
            .await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for OpenWrite<'_> {
    fn drop(&mut self) {
        if self.open {
            self.connection.close_on_drop();
        }
    }
}

/// A pool of up to `connections`. A connection to a local file does not go stale, so none is pinged
/// before use: the ping is a round trip to the connection's thread, on every query of the gate path.
fn pool_of(connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(connections)
        .test_before_acquire(false)
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.checkpoints.abort();
    }
}

/// Copies committed pages from the log into the database file, without waiting for readers or the
/// writer (PASSIVE), until the store closes.
async fn keep_checkpointing(connection: SqlitePool, log_copied: Arc<AtomicBool>) {
    let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        if connection.is_closed() {
            return;
        }
        let checkpointed: Result<(i64, i64, i64), _> =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&connection)
                .await;
        match checkpointed {
            Ok((0, log, copied)) if log == copied && log >= RESTART_LOG_PAGES => {
                log_copied.store(true, Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(_) if connection.is_closed() => return,
            Err(e) => {
                tracing::warn!(error = %e, "checkpointing the SQLite log failed; trying again");
            }
        }
    }
}

/// `sql`'s `$LIST` as the elements of the JSON array bound as `$1`: SQLite binds no arrays.
fn list_sql(sql: &str) -> String {
    sql.replace("$LIST", "json_each($1) AS list")
}

/// The values for `list_sql`.
fn list<T: serde::Serialize>(values: &[T]) -> String {
    to_json(&values)
}

/// The IMMEDIATE transaction holds SQLite's single write lock, so select-then-update is atomic as is.
const CLAIM_LOCK: &str = "";

super::backend_store!(SqliteStore, SqliteConnection,
    store: {
        // The writer and the checkpointer are SQLite's own.
        fn backend(&self) -> Backend {
            Backend::Sqlite
        }

        async fn close(&self) {
            self.checkpoints.abort();
            self.checkpointer.close().await;
            self.writer.close().await;
            self.pool.close().await;
        }
    },
    flights: {
        // Through the C API: sqlx's copies and thread crossings were a quarter of a night's import.
        async fn import_manifests(
            &self,
            imports: &[ManifestImport],
            at: DateTime<Utc>,
        ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError> {
            let mut tx = self.write().await?;
            let mut batch = super::sqlite_capi::BatchImport::new(imports, at);
            loop {
                let mut handle = tx.lock_handle().await?;
                if !batch.advance(
                    handle.as_raw_handle(),
                    super::sqlite_capi::LEND_PASSENGERS,
                )? {
                    break;
                }
            }
            tx.commit().await?;
            // A list may have cancelled the tasks of passengers it removed.
            self.signals.changed_anywhere();
            Ok(batch.into_outcomes())
        }

        // Each part written as it arrives, so that a large file's write overlaps its reading.
        async fn import_manifest_feed(
            &self,
            head: &ManifestImport,
            feed: &mut tokio::sync::mpsc::Receiver<super::Fed>,
            at: DateTime<Utc>,
        ) -> Result<ImportOutcome, StoreError> {
            use super::sqlite_capi::StreamedFile;
            let mut tx = self.write().await?;
            let Some(mut file) =
                StreamedFile::begin(tx.lock_handle().await?.as_raw_handle(), head, at)?
            else {
                tx.commit().await?;
                return Ok(ImportOutcome {
                    duplicate: true,
                    flights: Vec::new(),
                });
            };
            let warnings = loop {
                match feed.recv().await {
                    Some(super::Fed::Lists(lists)) => {
                        file.write(tx.lock_handle().await?.as_raw_handle(), head, &lists, at)?;
                        // A part's strings are freed beside the writer, not on its thread.
                        tokio::task::spawn_blocking(move || drop(lists));
                    }
                    Some(super::Fed::End(warnings)) => break warnings,
                    None => return Err(StoreError::Abandoned),
                }
            };
            let head = ManifestImport {
                warnings,
                ..head.clone()
            };
            let outcome = file.finish(tx.lock_handle().await?.as_raw_handle(), &head, at)?;
            tx.commit().await?;
            Ok(outcome)
        }
    },
    scans: {
        // A gate batch in one lend of the writer's handle, through the C API: under a gate peak each
        // round trip to sqlx's connection thread waits for a core.
        async fn record_boarding_scans(
            &self,
            scans: &[(crate::domain::records::NewBoardingScan, String)],
            tasks: &[NewTask],
            at: DateTime<Utc>,
        ) -> Result<super::RecordedScans, StoreError> {
            use super::sqlite_capi::{ScanToWrite, begin_and_write_scans};
            let mut connection = self.writer.acquire().await?;
            let rows: Vec<ScanToWrite<'_>> = scans
                .iter()
                .map(|(scan, actor)| ScanToWrite {
                    id: Uuid::now_v7(),
                    scan,
                    actor,
                })
                .collect();
            let (written, created) = {
                let mut open = OpenWrite {
                    connection: &mut connection,
                    open: true,
                };
                let written = {
                    let mut handle = open.connection.lock_handle().await?;
                    begin_and_write_scans(handle.as_raw_handle(), &rows, at, tasks.is_empty())?
                };
                let mut created = Vec::with_capacity(tasks.len());
                if tasks.is_empty() {
                    open.open = false;
                } else {
                    for task in tasks {
                        created.push(insert_task(open.connection, task, at).await?);
                    }
                    open.commit().await?;
                }
                (written, created)
            };
            for task in created.iter().flatten() {
                self.signals.changed(&task.new.station);
            }
            let kept = rows.iter().zip(written).map(|(row, written)| (row.id, row.scan, written));
            let recorded = kept_scans(&mut connection, kept, at).await?;
            drop(connection);
            self.restart_log_soon();
            Ok(super::RecordedScans {
                scans: recorded,
                tasks: created,
            })
        }

        // The bookings as one JSON array (SQLite binds no arrays), read through the C API.
        async fn booking_passengers(
            &self,
            bookings: &[(FlightKey, Locator)],
        ) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError> {
            if bookings.is_empty() {
                return Ok(Vec::new());
            }
            let wanted: Vec<serde_json::Value> = bookings
                .iter()
                .map(|(flight, locator)| {
                    let (first, end) = booking_key_range(locator.as_str());
                    serde_json::json!([
                        flight.flight.carrier().as_str(),
                        flight.flight.number_part(),
                        flight.local_date.format("%F").to_string(),
                        flight.origin.as_str(),
                        first,
                        end,
                        locator.as_str()
                    ])
                })
                .collect();
            let mut connection = self.pool.acquire().await?;
            let mut handle = connection.lock_handle().await?;
            let rows = super::sqlite_capi::booking_passengers(
                handle.as_raw_handle(),
                &BOOKINGS_PASSENGERS,
                &serde_json::Value::Array(wanted).to_string(),
            )?;
            passengers_by_booking(rows, bookings.len())
        }
    },
    registry: {
        // One process writes the file: the claims are kept in the store, not in the database.
        async fn claim_screening(
            &self,
            only: Option<&[Uuid]>,
            limit: usize,
        ) -> Result<Box<dyn super::ScreeningClaim>, StoreError> {
            super::screening::claim_sqlite(&self.pool, &self.writer, &self.screening, only, limit).await
        }
    }
);

/// The bookings asked for, as `select_bookings_passengers` wants them: a JSON array of
/// [carrier, number, local date, origin, first key, end key, locator].
const BOOKINGS_WANTED: &str = "SELECT CAST(key AS INTEGER) AS n, value ->> 0 AS carrier, \
    value ->> 1 AS number, value ->> 2 AS local_date, value ->> 3 AS origin, value ->> 4 AS first_key, \
    value ->> 5 AS end_key, value ->> 6 AS locator FROM json_each($1)";

/// The gate's booking lookup, written out once: it runs for every batch of scans.
static BOOKINGS_PASSENGERS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| select_bookings_passengers(BOOKINGS_WANTED));

#[cfg(test)]
mod tests {
    use super::*;

    /// Without statistics SQLite once chose the decision index for the `linked` test and walked every
    /// linked pair for each passenger; a gate scan must probe the passenger's own links.
    #[tokio::test]
    async fn the_booking_lookup_probes_each_passengers_own_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("plan.db"), 1)
            .await
            .unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {}", *BOOKINGS_PASSENGERS);
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(AssertSqlSafe(sql))
            .bind("[]")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let steps: Vec<&str> = plan.iter().map(|(_, _, _, step)| step.as_str()).collect();
        assert!(
            steps
                .iter()
                .any(|s| s.starts_with("SEARCH l USING") && s.contains("(passenger_id=?)")),
            "{steps:?}"
        );
        assert!(
            steps.iter().all(|s| !s.contains("identity_links_decision")),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|s| s.starts_with("SEARCH p USING") && s.contains("flight_id=?")),
            "{steps:?}"
        );
        store.close().await;
    }

    /// `count` scans of `raw` that read as no boarding pass, with digests `{batch}-00`, `{batch}-01`, ….
    fn unreadable_scans(
        batch: &str,
        count: usize,
        raw: &str,
        at: DateTime<Utc>,
    ) -> Vec<(crate::domain::records::NewBoardingScan, String)> {
        (0..count)
            .map(|n| {
                let scan = crate::domain::records::NewBoardingScan {
                    digest: format!("{batch}-{n:02}"),
                    raw: raw.to_string(),
                    station: "MAD".to_string(),
                    gate: None,
                    reader_id: None,
                    scanned_at: at,
                    flight_id: None,
                    passenger_id: None,
                    outcome: crate::domain::records::ScanOutcome::Invalid,
                    detail: None,
                };
                (scan, "gate".to_string())
            })
            .collect()
    }

    /// A list longer than one multi-row INSERT (two full ones and a remainder), every optional field
    /// set on some passengers and empty on others, reads back exactly as given; the same list sent
    /// again later changes nothing.
    #[tokio::test]
    async fn a_long_list_reads_back_as_written_and_again_is_unchanged() {
        use crate::domain::records::{FlightList, ListMode, MovementTimes, NewPassenger};
        use crate::domain::{FlightNumber, FlightStatus, Iata, TravellerClass};
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("list.db"), 1)
            .await
            .unwrap();
        let some = |n: usize, value: String| (!n.is_multiple_of(3)).then_some(value);
        let passengers: Vec<NewPassenger> = (0..70)
            .map(|n| {
                let locator = format!("LOC{n:03}");
                NewPassenger {
                    pax_key: format!("{locator}/SURNAME{n}/GIVEN/1"),
                    surname: format!("SURNAME{n}"),
                    given_name: "GIVEN".to_string(),
                    title: some(n, "MRS".to_string()),
                    traveller_class: if n % 7 == 0 {
                        TravellerClass::Child
                    } else {
                        TravellerClass::Adult
                    },
                    locator: Some(locator),
                    seat: some(n + 1, format!("{}A", n + 1)),
                    cabin_class: some(n, "Y".to_string()),
                    destination: Some("BCN".to_string()),
                    party_ref: some(n + 2, format!("LOC{n:03}-C2")),
                    frequent_flyer: some(n, format!("{n:08}"))
                        .map(|number| ("IB".to_string(), number)),
                    email: some(n + 1, format!("p{n}@example.com")),
                    phone: some(n + 2, format!("+3460000{n:04}")),
                    date_of_birth: (n % 2 == 0).then(|| {
                        chrono::NaiveDate::from_ymd_opt(1960 + n as i32 % 40, 1 + n as u32 % 12, 1)
                            .unwrap()
                    }),
                    gender: some(n, "F".to_string()),
                    nationality: some(n + 1, "ESP".to_string()),
                    docs_surname: some(n + 2, format!("SURNAME{n}")),
                    docs_given: some(n, "GIVEN MARIA".to_string()),
                    checkin_sequence: (n % 4 != 0).then_some(n as i32),
                    service_codes: if n % 5 == 0 {
                        vec!["WCHR".to_string(), "INFT".to_string()]
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        let key = FlightKey {
            flight: FlightNumber::parse("IB3166").unwrap(),
            local_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            origin: Iata::parse("MAD").unwrap(),
        };
        let sent = crate::clock::now();
        let import = |file: &str, sent_at| ManifestImport {
            warnings: Default::default(),
            format: "pnl".to_string(),
            file_name: file.to_string(),
            digest: file.to_string(),
            actor: "test".to_string(),
            sent_at: Some(sent_at),
            flights: vec![FlightList {
                flight: NewFlight {
                    key: key.clone(),
                    destination: Some(Iata::parse("BCN").unwrap()),
                    departure: MovementTimes::default(),
                    arrival: MovementTimes::default(),
                    gate: None,
                    status: FlightStatus::Scheduled,
                },
                mode: ListMode::Replace,
                passengers: passengers.clone(),
            }],
        };
        let first = store
            .import_manifest(&import("first.pnl", sent), sent)
            .await
            .unwrap();
        assert_eq!(first.flights[0].added, 70);
        let mut stored: Vec<NewPassenger> = store
            .passengers(first.flights[0].flight_id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.details)
            .collect();
        stored.sort_by(|a, b| a.pax_key.cmp(&b.pax_key));
        assert_eq!(stored, passengers);

        let later = sent + chrono::Duration::minutes(30);
        let again = store
            .import_manifest(&import("again.pnl", later), later)
            .await
            .unwrap();
        let summary = &again.flights[0];
        assert_eq!(
            (
                summary.added,
                summary.updated,
                summary.unchanged,
                summary.removed
            ),
            (0, 0, 70, 0)
        );
        store.close().await;
    }

    /// Under constant gate writes and reads the log still starts afresh: left to itself SQLite would
    /// restart it only at the writer's 20,000-page bound, in commits that checkpoint for 50–80 ms.
    #[tokio::test]
    async fn gate_writes_among_constant_reads_keep_the_log_short() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("gate.db"), 2)
            .await
            .unwrap();
        let reading = std::sync::Arc::new(AtomicBool::new(true));
        let reader = {
            let (pool, reading) = (store.pool.clone(), reading.clone());
            tokio::spawn(async move {
                while reading.load(Ordering::Relaxed) {
                    sqlx::query("SELECT count(*) FROM boarding_scans")
                        .execute(&pool)
                        .await
                        .unwrap();
                }
            })
        };
        let at = crate::clock::now();
        let raw = "x".repeat(2000);
        const COMMITS: usize = 1500;
        for commit in 0..COMMITS {
            let scans = unreadable_scans(&format!("{commit:06}"), 20, &raw, at);
            store.record_boarding_scans(&scans, &[], at).await.unwrap();
        }
        reading.store(false, Ordering::Relaxed);
        reader.await.unwrap();
        // The log file never shrinks: its size is the most the log ever held between two restarts.
        // Left to SQLite it grows to the writer's 20,000-page bound (80 MB, more than the scans'
        // 60 MB); restarted by the checkpointer's hint, it holds a few hundred milliseconds of commits
        // (16–19 MB when this test was written).
        let written = (COMMITS * 20 * raw.len()) as u64;
        let log = std::fs::metadata(dir.path().join("gate.db-wal"))
            .unwrap()
            .len();
        assert!(
            log < written,
            "the log grew to {log} bytes for {written} bytes of scans: it never started afresh"
        );
        store.close().await;
    }

    /// A batch's scans and its follow-ups are one transaction, begun on the writer's handle: when a task
    /// cannot be written, none of the batch's scans is stored, and the next batch writes on a
    /// connection outside any transaction.
    #[tokio::test]
    async fn a_batch_whose_task_fails_stores_none_of_its_scans() {
        use crate::domain::Channel;
        use crate::domain::records::NewTask;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("batch.db"), 1)
            .await
            .unwrap();
        let at = crate::clock::now();
        let scans = |batch: &str| unreadable_scans(batch, 3, "M1DOE/JANE", at);
        // No such flight or passenger: the task breaks its foreign keys.
        let orphan = NewTask {
            flight_id: Uuid::now_v7(),
            passenger_id: Uuid::now_v7(),
            person_id: Uuid::now_v7(),
            rule_id: "check-in".to_string(),
            channel: Channel::Gate,
            station: "MAD".to_string(),
            gate: None,
            priority: 1,
            due_at: at,
            expires_at: at,
            brief: "brief".to_string(),
            briefs: Default::default(),
            why: Vec::new(),
            holdout: None,
        };
        let failed = store
            .record_boarding_scans(&scans("first"), &[orphan], at)
            .await;
        assert!(failed.is_err(), "{failed:?}");
        let stored = store
            .boarding_scans(&crate::store::ScanFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(stored.is_empty(), "{stored:?}");
        let recorded = store
            .record_boarding_scans(&scans("second"), &[], at)
            .await
            .unwrap();
        assert!(recorded.scans.iter().all(|(_, written)| *written));
        let stored = store
            .boarding_scans(&crate::store::ScanFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 3);
        assert!(stored.iter().all(|s| s.scan.digest.starts_with("second-")));
        store.close().await;
    }

    /// Commits never copy the log into the database file themselves (up to a bound far above this
    /// test's); the checkpointer does, so a writer after it starts the log afresh.
    #[tokio::test]
    async fn the_checkpointer_empties_the_log_between_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("log.db"), 1)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE filler (bytes BLOB)")
            .execute(&store.writer)
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO filler SELECT randomblob(1000) FROM n",
        )
        .execute(&store.writer)
        .await
        .unwrap();
        tokio::time::sleep(CHECKPOINT_EVERY * 4).await;
        sqlx::query("INSERT INTO filler VALUES (x'00')")
            .execute(&store.writer)
            .await
            .unwrap();
        let (_busy, log, _checkpointed): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert!(log < 10, "the log holds {log} pages");
        store.close().await;
    }
}
