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

use super::aboard_sql::*;
use super::held_sql::*;
use super::registry_sql::*;
use super::rows::*;
use super::{
    Backend, Counts, EventFilter, FlightTaskCount, KeyedPerson, MatchDecision, PoolStats,
    PurgeCutoffs, PurgeReport, RegistryPurge, SendResult, Store, StoreError, TaskFilter,
    TaskListVersion, TickRecord,
};
use crate::domain::records::{
    ApiToken, Event, Flight, FlightUpdate, HeldMessage, IdentityLink, ImportOutcome,
    InboundMessage, ManifestImport, Message, NewApiToken, NewEvent, NewFlight, NewHeldPart,
    NewMessage, NewSession, NewStaffAccount, NewTask, PartHeld, Passenger, Person, PersonRecord,
    StaffAccount, StaffCredentials, StaffRecord, StaffSession, Station, Task, TaskTransition,
};
use crate::domain::{
    BoardingState, Channel, FlightKey, LinkDecision, Locator, Login, MessageState,
};

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
            .pragma("cache_size", "-32768");
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
        })
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
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

async fn insert_event(
    conn: &mut SqliteConnection,
    event: &NewEvent,
    at: DateTime<Utc>,
) -> Result<Event, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query(INSERT_EVENT)
        .bind(id)
        .bind(at)
        .bind(&event.actor)
        .bind(&event.action)
        .bind(&event.subject_kind)
        .bind(&event.subject_id)
        .bind(event.flight_id)
        .bind(event.person_id)
        .bind(to_json(&event.detail))
        .execute(&mut *conn)
        .await?;
    Ok(Event {
        id,
        at,
        event: event.clone(),
    })
}

/// Creates the task unless its passenger, flight and rule have one, and logs it; the caller's
/// transaction commits.
async fn insert_task(
    conn: &mut SqliteConnection,
    task: &NewTask,
    at: DateTime<Utc>,
) -> Result<Option<Task>, StoreError> {
    let id = Uuid::now_v7();
    let inserted = sqlx::query(INSERT_TASK)
        .bind(id)
        .bind(task.flight_id)
        .bind(task.passenger_id)
        .bind(task.person_id)
        .bind(&task.rule_id)
        .bind(task.channel.as_str())
        .bind(&task.station)
        .bind(task.gate.as_deref())
        .bind(task.priority)
        .bind(task.due_at)
        .bind(task.expires_at)
        .bind(&task.brief)
        .bind(to_json(&task.why))
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    let detail = serde_json::json!({ "rule": task.rule_id, "channel": task.channel.as_str() });
    let e = event(
        "aboard",
        "task.created",
        "task",
        id,
        Some(task.flight_id),
        Some(task.person_id),
        detail,
    );
    insert_event(&mut *conn, &e, at).await?;
    fetch_task(&mut *conn, id).await
}

/// Creates or replaces one person and their lists, and logs it; the caller's transaction commits.
async fn write_person(
    conn: &mut SqliteConnection,
    record: &PersonRecord,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id: Uuid = sqlx::query_scalar(UPSERT_PERSON)
        .bind(Uuid::now_v7())
        .bind(&record.external_id)
        .bind(&record.display_name)
        .bind(record.language.as_deref())
        .bind(record.country.as_deref())
        .bind(record.date_of_birth)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
    for statement in DELETE_PERSON_LISTS {
        sqlx::query(statement).bind(id).execute(&mut *conn).await?;
    }
    for i in &record.identifiers {
        sqlx::query(INSERT_IDENTIFIER)
            .bind(id)
            .bind(i.kind.as_str())
            .bind(&i.value)
            .execute(&mut *conn)
            .await?;
    }
    for a in &record.accounts {
        sqlx::query(INSERT_ACCOUNT)
            .bind(id)
            .bind(a.network.as_str())
            .bind(&a.handle)
            .bind(a.network_user_id.as_deref())
            .bind(a.followers)
            .bind(a.activity_30d)
            .bind(a.follows_airline)
            .bind(a.accepts_dms)
            .bind(a.opted_in)
            .bind(a.last_inbound_at)
            .execute(&mut *conn)
            .await?;
    }
    for c in &record.cases {
        sqlx::query(INSERT_CASE)
            .bind(id)
            .bind(&c.external_ref)
            .bind(c.opened_at)
            .bind(c.resolved_at)
            .bind(&c.channel)
            .bind(&c.category)
            .bind(c.severity)
            .bind(&c.summary)
            .bind(c.status.as_str())
            .bind(c.source_url.as_deref())
            .execute(&mut *conn)
            .await?;
    }
    for c in &record.consents {
        sqlx::query(INSERT_CONSENT)
            .bind(id)
            .bind(&c.channel)
            .bind(c.opted_out)
            .bind(c.updated_at)
            .execute(&mut *conn)
            .await?;
    }
    let e = event(
        actor,
        "person.upserted",
        "person",
        id,
        None,
        Some(id),
        serde_json::json!({}),
    );
    insert_event(conn, &e, at).await?;
    Ok(id)
}

/// Applies a task's transition if the task is still in one of its `from` states, and logs it; the
/// caller's transaction commits.
async fn transition(
    conn: &mut SqliteConnection,
    t: &TaskTransition,
) -> Result<Option<Task>, StoreError> {
    let sql = format!(
        "{TRANSITION_TASK} AND state IN ({})",
        placeholders(7, t.from.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(t.task_id)
        .bind(t.to.as_str())
        .bind(t.assignee.as_deref())
        .bind(t.outcome.map(|o| o.as_str()))
        .bind(t.note.as_deref())
        .bind(t.at);
    for state in &t.from {
        query = query.bind(state.as_str());
    }
    if query.execute(&mut *conn).await?.rows_affected() == 0 {
        return Ok(None);
    }
    let task = fetch_task(&mut *conn, t.task_id).await?;
    if let Some(task) = &task {
        let detail = serde_json::json!({
            "to": t.to.as_str(), "outcome": t.outcome.map(|o| o.as_str()), "note": t.note,
        });
        let e = event(
            &t.actor,
            &format!("task.{}", t.to.as_str()),
            "task",
            t.task_id,
            Some(task.new.flight_id),
            Some(task.new.person_id),
            detail,
        );
        insert_event(&mut *conn, &e, t.at).await?;
    }
    Ok(task)
}

/// Keeps what staff recorded with a task's outcome on the task's person, and logs it; the caller's
/// transaction commits. An opt-out also ends the person's other follow-ups and withdraws their
/// messages still queued.
async fn keep_staff_record(
    conn: &mut SqliteConnection,
    task: &Task,
    record: &StaffRecord,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let person_id = task.new.person_id;
    let exists: i64 = sqlx::query_scalar(PERSON_EXISTS)
        .bind(person_id)
        .fetch_one(&mut *conn)
        .await?;
    if exists == 0 {
        return Ok(());
    }
    match record {
        StaffRecord::Case(c) => {
            sqlx::query(INSERT_ABOARD_CASE)
                .bind(person_id)
                .bind(&c.external_ref)
                .bind(c.opened_at)
                .bind(c.resolved_at)
                .bind(&c.channel)
                .bind(&c.category)
                .bind(c.severity)
                .bind(&c.summary)
                .bind(c.status.as_str())
                .bind(c.source_url.as_deref())
                .bind(actor)
                .execute(&mut *conn)
                .await?;
        }
        StaffRecord::OptOut => {
            sqlx::query(UPSERT_STAFF_OPT_OUT)
                .bind(person_id)
                .bind(task.id)
                .bind(actor)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            let cancelled = sqlx::query_as::<_, (Uuid, Uuid)>(CANCEL_PERSON_TASKS)
                .bind(person_id)
                .bind(OPT_OUT_CANCEL_REASON)
                .bind(at)
                .fetch_all(&mut *conn)
                .await?;
            for (task_id, flight_id) in cancelled {
                let e = opt_out_cancel_event(task_id, flight_id, person_id, actor);
                insert_event(&mut *conn, &e, at).await?;
            }
            let withdrawn: Vec<Uuid> = sqlx::query_scalar(WITHDRAW_PERSON_MESSAGES)
                .bind(person_id)
                .bind(OPT_OUT_CANCEL_REASON)
                .fetch_all(&mut *conn)
                .await?;
            for message_id in withdrawn {
                let e = withdrawn_message_event(message_id, person_id, actor);
                insert_event(&mut *conn, &e, at).await?;
            }
        }
    }
    insert_event(conn, &staff_record_event(task, record, actor), at).await?;
    Ok(())
}

/// Notes an inbound message's time on every person whose account sent it, and logs it (an unknown
/// sender's too); the caller's transaction commits.
async fn note_inbound(
    conn: &mut SqliteConnection,
    message: &InboundMessage,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let (sql, sender) = match (&message.network_user_id, &message.handle) {
        (Some(user_id), _) => (SENDER_BY_USER_ID, user_id),
        (None, Some(handle)) => (SENDER_BY_HANDLE, handle),
        (None, None) => return Ok(Vec::new()),
    };
    let persons: Vec<Uuid> = sqlx::query_scalar(sql)
        .bind(message.network.as_str())
        .bind(sender)
        .fetch_all(&mut *conn)
        .await?;
    for person_id in &persons {
        sqlx::query(UPSERT_INBOUND)
            .bind(person_id)
            .bind(message.network.as_str())
            .bind(message.received_at)
            .execute(&mut *conn)
            .await?;
        insert_event(
            &mut *conn,
            &inbound_event(message, Some(*person_id), actor),
            at,
        )
        .await?;
    }
    if persons.is_empty() {
        insert_event(&mut *conn, &inbound_event(message, None, actor), at).await?;
    }
    Ok(persons)
}

async fn load_person(conn: &mut SqliteConnection, row: PersonRow) -> Result<Person, StoreError> {
    let identifiers = sqlx::query_as::<_, IdentifierRow>(SELECT_IDENTIFIERS)
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let accounts = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNTS)
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let cases = sqlx::query_as::<_, CaseRow>(SELECT_CASES)
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let consents = sqlx::query_as::<_, ConsentRow>(SELECT_CONSENTS)
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let facts = sqlx::query_as::<_, AboardFactRow>(SELECT_ABOARD_FACTS)
        .bind(row.id)
        .fetch_all(&mut *conn)
        .await?;
    let (cases, aboard) = split_records(cases, facts)?;
    Ok(Person {
        id: row.id,
        record: PersonRecord {
            external_id: row.external_id,
            display_name: row.display_name,
            language: row.language,
            country: row.country,
            date_of_birth: row.date_of_birth,
            identifiers: identifiers
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
            accounts: accounts
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
            cases,
            consents: consents.into_iter().map(Into::into).collect(),
        },
        aboard,
        updated_at: row.updated_at,
    })
}

async fn fetch_task(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<Task>, StoreError> {
    sqlx::query_as::<_, TaskRow>(AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(Task::try_from)
    .transpose()
}

async fn fetch_message(conn: &mut SqliteConnection, id: Uuid) -> Result<Message, StoreError> {
    sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?
    .try_into()
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.checkpoints.abort();
        self.checkpointer.close().await;
        self.writer.close().await;
        self.pool.close().await;
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
        }
    }

    async fn upsert_flight(
        &self,
        flight: &NewFlight,
        at: DateTime<Utc>,
    ) -> Result<Flight, StoreError> {
        let mut tx = self.write().await?;
        bind_flight!(sqlx::query(UPSERT_FLIGHT), flight, at)
            .execute(&mut *tx)
            .await?;
        let stored = find_flight_in(&mut tx, &flight.key)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("flight {}", flight.key)))?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn flight(&self, id: Uuid) -> Result<Option<Flight>, StoreError> {
        sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(Flight::try_from)
        .transpose()
    }

    async fn find_flight(&self, key: &FlightKey) -> Result<Option<Flight>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        find_flight_in(&mut conn, key).await
    }

    async fn flights_departing(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Flight>, StoreError> {
        sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE scheduled_departure >= $1 \
             AND scheduled_departure < $2 ORDER BY scheduled_departure, carrier, number"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Flight::try_from)
        .collect()
    }

    async fn flights_on(&self, local_date: NaiveDate) -> Result<Vec<Flight>, StoreError> {
        sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
            "SELECT {FLIGHT_COLUMNS} FROM flights WHERE local_date = $1 \
             ORDER BY scheduled_departure, carrier, number"
        )))
        .bind(local_date)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Flight::try_from)
        .collect()
    }

    async fn import_manifests(
        &self,
        imports: &[ManifestImport],
        at: DateTime<Utc>,
    ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError> {
        let mut tx = self.write().await?;
        let mut batch = super::sqlite_import::BatchImport::new(imports, at);
        loop {
            let mut handle = tx.lock_handle().await?;
            if !batch.advance(
                handle.as_raw_handle(),
                super::sqlite_import::LEND_PASSENGERS,
            )? {
                break;
            }
        }
        tx.commit().await?;
        Ok(batch.into_outcomes())
    }

    async fn hold_message_parts(
        &self,
        parts: &[NewHeldPart],
        at: DateTime<Utc>,
    ) -> Result<Vec<PartHeld>, StoreError> {
        let mut tx = self.write().await?;
        let mut outcomes = Vec::with_capacity(parts.len());
        for held in parts {
            sqlx::query(INSERT_HELD_MESSAGE)
                .bind(&held.message_key)
                .bind(&held.kind)
                .bind(held.flight.flight.to_string())
                .bind(held.flight.local_date)
                .bind(held.flight.origin.as_str())
                .bind(held.sent_at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let (closed_at, outcome): (Option<DateTime<Utc>>, Option<String>) =
                sqlx::query_as(SELECT_HELD_OUTCOME)
                    .bind(&held.message_key)
                    .fetch_one(&mut *tx)
                    .await?;
            if closed_at.is_some() {
                outcomes.push(PartHeld::Closed(outcome.unwrap_or_default()));
                continue;
            }
            let part = &held.part;
            let inserted = sqlx::query(INSERT_HELD_PART)
                .bind(&held.message_key)
                .bind(i32::from(part.number))
                .bind(part.last)
                .bind(&part.file_name)
                .bind(i32::try_from(part.first_line).unwrap_or(i32::MAX))
                .bind(&part.text)
                .bind(&part.actor)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            outcomes.push(if inserted == 1 {
                PartHeld::New
            } else {
                PartHeld::Repeated
            });
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn held_messages(&self) -> Result<Vec<HeldMessage>, StoreError> {
        let messages = sqlx::query_as::<_, HeldMessageRow>(SELECT_OPEN_HELD_MESSAGES)
            .fetch_all(&self.pool)
            .await?;
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let parts = sqlx::query_as::<_, HeldPartRow>(SELECT_OPEN_HELD_PARTS)
            .fetch_all(&self.pool)
            .await?;
        held_messages(messages, parts)
    }

    async fn close_held_message(
        &self,
        message_key: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let closed = sqlx::query(CLOSE_HELD_MESSAGE)
            .bind(message_key)
            .bind(at)
            .bind(outcome)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(DELETE_HELD_PARTS)
            .bind(message_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(closed == 1)
    }

    async fn forget_held_message(&self, message_key: &str) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(DELETE_HELD_PARTS)
            .bind(message_key)
            .execute(&mut *tx)
            .await?;
        sqlx::query(DELETE_HELD_MESSAGE)
            .bind(message_key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_stale_held_messages(
        &self,
        received_before: DateTime<Utc>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<HeldMessage>, StoreError> {
        let mut tx = self.write().await?;
        let claimed: Vec<(String,)> = sqlx::query_as(CLAIM_STALE_HELD_MESSAGES)
            .bind(received_before)
            .bind(at)
            .fetch_all(&mut *tx)
            .await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let messages = sqlx::query_as::<_, HeldMessageRow>(SELECT_OPEN_HELD_MESSAGES)
            .fetch_all(&mut *tx)
            .await?;
        let parts = sqlx::query_as::<_, HeldPartRow>(SELECT_OPEN_HELD_PARTS)
            .fetch_all(&mut *tx)
            .await?;
        let stale: Vec<HeldMessage> = held_messages(messages, parts)?
            .into_iter()
            .filter(|m| claimed.iter().any(|(key,)| *key == m.message_key))
            .collect();
        for message in &stale {
            insert_event(&mut tx, &held_message_stale(actor, message), at).await?;
        }
        tx.commit().await?;
        Ok(stale)
    }

    async fn passenger(&self, id: Uuid) -> Result<Option<Passenger>, StoreError> {
        sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(format!(
            "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(Passenger::try_from)
        .transpose()
    }

    async fn passengers(&self, flight_id: Uuid) -> Result<Vec<Passenger>, StoreError> {
        sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(format!(
            "SELECT {PASSENGER_COLUMNS} FROM passengers WHERE flight_id = $1 ORDER BY surname, given_name, id"
        )))
        .bind(flight_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Passenger::try_from)
        .collect()
    }

    async fn set_boarding_state(
        &self,
        passenger_id: Uuid,
        state: BoardingState,
        reason: Option<&str>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let flight_id: Option<Uuid> = sqlx::query_scalar(
            "UPDATE passengers SET boarding_state = $2, removed_reason = $3, \
             boarded_at = CASE WHEN $2 = 'boarded' THEN $4 ELSE boarded_at END, updated_at = $4 \
             WHERE id = $1 AND boarding_state <> $2 RETURNING flight_id",
        )
        .bind(passenger_id)
        .bind(state.as_str())
        .bind(reason)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(flight_id) = flight_id else {
            return Ok(false);
        };
        let detail = serde_json::json!({ "state": state.as_str(), "reason": reason });
        let e = event(
            actor,
            "passenger.boarding_state",
            "passenger",
            passenger_id,
            Some(flight_id),
            None,
            detail,
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn passengers_by_locator(
        &self,
        flight_id: Uuid,
        locator: &str,
    ) -> Result<Vec<Passenger>, StoreError> {
        let (first, end) = booking_key_range(locator);
        sqlx::query_as::<_, PassengerRow>(AssertSqlSafe(
            super::scans::select_passengers_by_locator(),
        ))
        .bind(flight_id)
        .bind(&first)
        .bind(&end)
        .bind(locator)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Passenger::try_from)
        .collect()
    }

    async fn record_boarding_scans(
        &self,
        scans: &[(crate::domain::records::NewBoardingScan, String)],
        tasks: &[NewTask],
        at: DateTime<Utc>,
    ) -> Result<super::RecordedScans, StoreError> {
        use super::scans::select_scan_by_digest;
        use super::sqlite_bulk::{ScanToWrite, begin_and_write_scans};
        use crate::domain::records::BoardingScan;
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
        let mut recorded = Vec::with_capacity(scans.len());
        for (ScanToWrite { id, scan, .. }, is_new) in rows.iter().zip(written) {
            if is_new {
                let stored = BoardingScan {
                    id: *id,
                    scan: (*scan).clone(),
                    received_at: at,
                };
                recorded.push((stored, true));
            } else {
                let first = sqlx::query_as::<_, super::scans::ScanRow>(AssertSqlSafe(
                    select_scan_by_digest(),
                ))
                .bind(&scan.digest)
                .fetch_one(&mut *connection)
                .await?;
                recorded.push((BoardingScan::try_from(first)?, false));
            }
        }
        drop(connection);
        self.restart_log_soon();
        Ok(super::RecordedScans {
            scans: recorded,
            tasks: created,
        })
    }

    async fn boarding_scans(
        &self,
        filter: &super::ScanFilter,
    ) -> Result<Vec<crate::domain::records::BoardingScan>, StoreError> {
        let (sql, binds) = super::scans::select_scans(filter);
        let mut query = sqlx::query_as::<_, super::scans::ScanRow>(AssertSqlSafe(sql));
        for value in binds {
            query = query.bind(value);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(crate::domain::records::BoardingScan::try_from)
            .collect()
    }

    async fn board_passengers(
        &self,
        boarded: &[(Uuid, DateTime<Utc>)],
        actor: &str,
    ) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.write().await?;
        let mut changed = Vec::with_capacity(boarded.len());
        for (passenger_id, at) in boarded {
            changed.push(board(&mut tx, *passenger_id, *at, actor).await?);
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn upsert_person(
        &self,
        record: &PersonRecord,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Person, StoreError> {
        let mut tx = self.write().await?;
        let id = write_person(&mut tx, record, actor, at).await?;
        let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let person = load_person(&mut tx, row).await?;
        tx.commit().await?;
        Ok(person)
    }

    async fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(row) => Ok(Some(load_person(&mut conn, row).await?)),
            None => Ok(None),
        }
    }

    async fn person_by_external_id(&self, external_id: &str) -> Result<Option<Person>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE external_id = $1"
        )))
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(row) => Ok(Some(load_person(&mut conn, row).await?)),
            None => Ok(None),
        }
    }

    async fn erase_person(
        &self,
        external_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM persons WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        for statement in ERASE_PERSON_TRACES {
            sqlx::query(statement).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM persons WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let e = event(
            actor,
            "person.erased",
            "person",
            "erased",
            None,
            None,
            serde_json::json!({}),
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn upsert_persons(
        &self,
        persons: &[KeyedPerson],
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let mut ids = Vec::with_capacity(persons.len());
        for person in persons {
            let id = write_person(&mut tx, &person.record, actor, at).await?;
            sqlx::query(DELETE_PERSON_KEYS)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for key in &person.blocking_keys {
                sqlx::query(INSERT_PERSON_KEY)
                    .bind(key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn persons_with_keys(&self, keys: &[i64]) -> Result<Vec<Person>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut ids: Vec<Uuid> =
            sqlx::query_scalar(AssertSqlSafe(sqlite_list(SELECT_PERSON_IDS_WITH_KEYS)))
                .bind(to_json(&keys))
                .fetch_all(&mut *conn)
                .await?;
        ids.sort_unstable();
        ids.dedup();
        let mut persons = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query_as::<_, PersonRow>(AssertSqlSafe(format!(
                "SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(row) = row {
                persons.push(load_person(&mut conn, row).await?);
            }
        }
        Ok(persons)
    }

    async fn match_decisions(
        &self,
        fingerprints: &[String],
    ) -> Result<Vec<MatchDecision>, StoreError> {
        if fingerprints.len() >= COUNT_DECISIONS_FROM {
            let stored: i64 = sqlx::query_scalar(COUNT_DECISIONS)
                .fetch_one(&self.pool)
                .await?;
            if read_all_decisions(fingerprints.len(), stored) {
                let rows = sqlx::query_as::<_, DecisionRow>(SELECT_ALL_DECISIONS)
                    .fetch_all(&self.pool)
                    .await?;
                return decisions_among(rows, fingerprints);
            }
        }
        sqlx::query_as::<_, DecisionRow>(AssertSqlSafe(sqlite_list(SELECT_DECISIONS)))
            .bind(to_json(&fingerprints))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(MatchDecision::try_from)
            .collect()
    }

    async fn decide_link(
        &self,
        link: &IdentityLink,
        fingerprints: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(UPSERT_LINK)
            .bind(link.passenger_id)
            .bind(link.person_id)
            .bind(link.decision.as_str())
            .bind(link.score)
            .bind(to_json(&link.reasons))
            .bind(&link.decided_by)
            .bind(link.updated_at)
            .execute(&mut *tx)
            .await?;
        for fingerprint in fingerprints {
            sqlx::query(UPSERT_DECISION)
                .bind(link.person_id)
                .bind(fingerprint)
                .bind(link.decision.as_str())
                .bind(&link.decided_by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        let action = match link.decision {
            LinkDecision::Linked => "link.confirmed",
            _ => "link.rejected",
        };
        let e = event(
            &link.decided_by,
            action,
            "passenger",
            link.passenger_id,
            None,
            Some(link.person_id),
            serde_json::json!({ "fingerprints": fingerprints.len() }),
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn links_to_review(
        &self,
        departing_after: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IdentityLink>, StoreError> {
        sqlx::query_as::<_, LinkRow>(SELECT_LINKS_TO_REVIEW)
            .bind(departing_after)
            .bind(departing_after.date_naive())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(IdentityLink::try_from)
            .collect()
    }

    async fn purge_registry(
        &self,
        cases_resolved_before: DateTime<Utc>,
        links_before: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<RegistryPurge, StoreError> {
        let mut tx = self.write().await?;
        let report = RegistryPurge {
            cases: sqlx::query(PURGE_RESOLVED_CASES)
                .bind(cases_resolved_before)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            links: sqlx::query(PURGE_OLD_LINKS)
                .bind(links_before)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        };
        let e = event(
            "scheduler",
            "registry.purged",
            "registry",
            "retention",
            None,
            None,
            serde_json::json!({
                "cases": report.cases,
                "links": report.links,
                "cases_resolved_before": cases_resolved_before,
                "links_before": links_before,
            }),
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn upsert_link(&self, link: &IdentityLink) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(UPSERT_LINK)
            .bind(link.passenger_id)
            .bind(link.person_id)
            .bind(link.decision.as_str())
            .bind(link.score)
            .bind(to_json(&link.reasons))
            .bind(&link.decided_by)
            .bind(link.updated_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn links_for_flight(&self, flight_id: Uuid) -> Result<Vec<IdentityLink>, StoreError> {
        sqlx::query_as::<_, LinkRow>(SELECT_LINKS_FOR_FLIGHT)
            .bind(flight_id)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(IdentityLink::try_from)
            .collect()
    }

    async fn links_for_passenger(
        &self,
        passenger_id: Uuid,
    ) -> Result<Vec<IdentityLink>, StoreError> {
        sqlx::query_as::<_, LinkRow>(SELECT_LINKS_FOR_PASSENGER)
            .bind(passenger_id)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(IdentityLink::try_from)
            .collect()
    }

    async fn recent_contacts(
        &self,
        person_id: Uuid,
        since: DateTime<Utc>,
    ) -> Result<Vec<Task>, StoreError> {
        sqlx::query_as::<_, TaskRow>(AssertSqlSafe(recent_contacts_sql()))
            .bind(person_id)
            .bind(since)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Task::try_from)
            .collect()
    }

    async fn update_flight(
        &self,
        flight_id: Uuid,
        update: &FlightUpdate,
        action: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(Flight, Flight), StoreError> {
        let mut tx = self.write().await?;
        let before = fetch_flight(&mut tx, flight_id).await?;
        sqlx::query(UPDATE_FLIGHT)
            .bind(flight_id)
            .bind(update.status.map(|s| s.as_str()))
            .bind(update.departure.scheduled)
            .bind(update.departure.estimated)
            .bind(update.departure.actual)
            .bind(update.arrival.scheduled)
            .bind(update.arrival.estimated)
            .bind(update.arrival.actual)
            .bind(update.gate.as_deref())
            .bind(update.boarding_started_at)
            .bind(update.gate_closed_at)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let after = fetch_flight(&mut tx, flight_id).await?;
        let e = event(
            actor,
            action,
            "flight",
            flight_id,
            Some(flight_id),
            None,
            flight_update_detail(&before, &after),
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok((before, after))
    }

    async fn cancel_tasks(
        &self,
        flight_id: Uuid,
        passenger_id: Option<Uuid>,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let sql = cancel_flight_tasks_sql(passenger_id.is_some());
        let mut query = sqlx::query_as::<_, (Uuid, Option<Uuid>)>(AssertSqlSafe(sql))
            .bind(flight_id)
            .bind(reason)
            .bind(at);
        if let Some(passenger_id) = passenger_id {
            query = query.bind(passenger_id);
        }
        let cancelled = query.fetch_all(&mut *tx).await?;
        for (task_id, person_id) in &cancelled {
            let detail = serde_json::json!({ "to": "cancelled", "note": reason });
            let e = event(
                actor,
                "task.cancelled",
                "task",
                task_id,
                Some(flight_id),
                *person_id,
                detail,
            );
            insert_event(&mut tx, &e, at).await?;
        }
        tx.commit().await?;
        Ok(cancelled.into_iter().map(|(id, _)| id).collect())
    }

    async fn shift_task_deadlines(
        &self,
        flight_id: Uuid,
        channels: &[Channel],
        delta: chrono::Duration,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if channels.is_empty() || delta.is_zero() {
            return Ok(0);
        }
        let mut tx = self.write().await?;
        let mut query = sqlx::query_as::<_, (Uuid, DateTime<Utc>, DateTime<Utc>)>(AssertSqlSafe(
            movable_tasks_sql(channels.len()),
        ))
        .bind(flight_id);
        for channel in channels {
            query = query.bind(channel.as_str());
        }
        let tasks = query.fetch_all(&mut *tx).await?;
        for (task_id, due_at, expires_at) in &tasks {
            sqlx::query(MOVE_TASK)
                .bind(task_id)
                .bind(*due_at + delta)
                .bind(*expires_at + delta)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let detail = serde_json::json!({ "moved_minutes": delta.num_minutes() });
            let e = event(
                actor,
                "task.rescheduled",
                "task",
                task_id,
                Some(flight_id),
                None,
                detail,
            );
            insert_event(&mut tx, &e, at).await?;
        }
        tx.commit().await?;
        Ok(tasks.len() as u64)
    }

    async fn upsert_station(&self, station: &Station) -> Result<(), StoreError> {
        sqlx::query(UPSERT_STATION)
            .bind(station.iata.as_str())
            .bind(station.staffed)
            .bind(shift_text(station.shift_start))
            .bind(shift_text(station.shift_end))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn station(&self, iata: &str) -> Result<Option<Station>, StoreError> {
        sqlx::query_as::<_, StationRow>(SELECT_STATION)
            .bind(iata)
            .fetch_optional(&self.pool)
            .await?
            .map(Station::try_from)
            .transpose()
    }

    async fn create_task(
        &self,
        task: &NewTask,
        at: DateTime<Utc>,
    ) -> Result<Option<Task>, StoreError> {
        let mut tx = self.write().await?;
        let created = insert_task(&mut tx, task, at).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn task(&self, id: Uuid) -> Result<Option<Task>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        fetch_task(&mut conn, id).await
    }

    async fn tasks(&self, filter: &TaskFilter) -> Result<Vec<Task>, StoreError> {
        let (sql, binds, flight) = task_query(filter);
        let mut query = sqlx::query_as::<_, TaskRow>(AssertSqlSafe(sql));
        if let Some(flight) = flight {
            query = query.bind(flight);
        }
        for value in binds {
            query = query.bind(value);
        }
        query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(Task::try_from)
            .collect()
    }

    async fn task_list_version(&self, station: &str) -> Result<TaskListVersion, StoreError> {
        Ok(sqlx::query_as::<_, TaskListVersion>(TASK_LIST_VERSION)
            .bind(station)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn task_counts_on(
        &self,
        local_date: NaiveDate,
    ) -> Result<Vec<FlightTaskCount>, StoreError> {
        sqlx::query_as::<_, FlightTaskCountRow>(TASK_COUNTS_ON)
            .bind(local_date)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(FlightTaskCount::try_from)
            .collect()
    }

    async fn transition_task(&self, t: &TaskTransition) -> Result<Option<Task>, StoreError> {
        let mut tx = self.write().await?;
        let task = transition(&mut tx, t).await?;
        tx.commit().await?;
        Ok(task)
    }

    async fn close_task_recording(
        &self,
        t: &TaskTransition,
        record: &StaffRecord,
    ) -> Result<Option<Task>, StoreError> {
        let mut tx = self.write().await?;
        let Some(task) = transition(&mut tx, t).await? else {
            return Ok(None);
        };
        keep_staff_record(&mut tx, &task, record, &t.actor, t.at).await?;
        tx.commit().await?;
        Ok(Some(task))
    }

    async fn record_inbound(
        &self,
        message: &InboundMessage,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let persons = note_inbound(&mut tx, message, actor, at).await?;
        tx.commit().await?;
        Ok(persons)
    }

    async fn enqueue_message(
        &self,
        m: &NewMessage,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let mut tx = self.write().await?;
        let inserted = sqlx::query(INSERT_MESSAGE)
            .bind(Uuid::now_v7())
            .bind(m.task_id)
            .bind(m.network.as_str())
            .bind(&m.recipient)
            .bind(&m.body)
            .bind(&m.author)
            .bind(&m.idempotency_key)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let id: Uuid = sqlx::query_scalar("SELECT id FROM messages WHERE idempotency_key = $1")
            .bind(&m.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
        if inserted > 0 {
            let detail = serde_json::json!({ "network": m.network.as_str(), "task": m.task_id });
            let e = event(
                &m.author,
                "message.queued",
                "message",
                id,
                None,
                None,
                detail,
            );
            insert_event(&mut tx, &e, at).await?;
        }
        let message = fetch_message(&mut tx, id).await?;
        tx.commit().await?;
        Ok(message)
    }

    async fn claim_messages(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        // The IMMEDIATE transaction holds SQLite's single write lock, so select-then-update is atomic.
        let mut tx = self.write().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE state IN ('queued', 'sending') \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            sqlx::query("UPDATE messages SET state = 'sending', lease_owner = $2, lease_until = $3 WHERE id = $1")
                .bind(id)
                .bind(instance)
                .bind(lease_until)
                .execute(&mut *tx)
                .await?;
            claimed.push(fetch_message(&mut tx, id).await?);
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn finish_message(
        &self,
        id: Uuid,
        result: &SendResult,
        at: DateTime<Utc>,
    ) -> Result<Message, StoreError> {
        let mut tx = self.write().await?;
        let (state, next, error, provider, sent_at) = match result {
            SendResult::Sent {
                provider_message_id,
            } => (
                MessageState::Sent,
                None,
                None,
                provider_message_id.as_deref(),
                Some(at),
            ),
            SendResult::Retry { at: next, error } => (
                MessageState::Queued,
                Some(*next),
                Some(error.as_str()),
                None,
                None,
            ),
            SendResult::Failed { error } => {
                (MessageState::Failed, None, Some(error.as_str()), None, None)
            }
        };
        sqlx::query(FINISH_MESSAGE)
            .bind(id)
            .bind(state.as_str())
            .bind(next)
            .bind(error)
            .bind(provider)
            .bind(sent_at)
            .execute(&mut *tx)
            .await?;
        let message = fetch_message(&mut tx, id).await?;
        let detail = serde_json::json!({ "state": state.as_str(), "error": error, "attempts": message.attempts });
        let e = event(
            "aboard",
            &format!("message.{}", state.as_str()),
            "message",
            id,
            None,
            None,
            detail,
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(message)
    }

    async fn messages_for_task(&self, task_id: Uuid) -> Result<Vec<Message>, StoreError> {
        sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE task_id = $1 ORDER BY created_at, id"
        )))
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Message::try_from)
        .collect()
    }

    async fn recent_messages(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        sqlx::query_as::<_, MessageRow>(AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE created_at >= $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        )))
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Message::try_from)
        .collect()
    }

    async fn append_event(&self, event: &NewEvent, at: DateTime<Utc>) -> Result<Event, StoreError> {
        let mut tx = self.write().await?;
        let stored = insert_event(&mut tx, event, at).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError> {
        sqlx::query_as::<_, EventRow>(AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE ($1 IS NULL OR subject_kind = $1) \
             AND ($2 IS NULL OR subject_id = $2) AND ($3 IS NULL OR action LIKE $3 || '%') \
             ORDER BY id DESC LIMIT $4"
        )))
        .bind(filter.subject_kind.as_deref())
        .bind(filter.subject_id.as_deref())
        .bind(filter.action_prefix.as_deref())
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Event::try_from)
        .collect()
    }

    async fn claim_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        instance: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let claimed = sqlx::query(CLAIM_TICK)
            .bind(job)
            .bind(tick_at)
            .bind(instance)
            .bind(at)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(claimed == 1)
    }

    async fn finish_tick(
        &self,
        job: &str,
        tick_at: DateTime<Utc>,
        outcome: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(FINISH_TICK)
            .bind(job)
            .bind(tick_at)
            .bind(at)
            .bind(outcome)
            .bind(detail)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let row: (i64, i64, i64, i64, i64, i64, i64, i64) =
            sqlx::query_as(COUNTS).fetch_one(&self.pool).await?;
        Ok(Counts {
            flights: row.0,
            passengers: row.1,
            persons: row.2,
            links: row.3,
            tasks: row.4,
            open_tasks: row.5,
            messages: row.6,
            events: row.7,
        })
    }

    async fn expire_tasks(&self, now: DateTime<Utc>, actor: &str) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let expired = sqlx::query_as::<_, (Uuid, Uuid, Option<Uuid>)>(EXPIRE_TASKS)
            .bind(now)
            .bind(EXPIRED_REASON)
            .fetch_all(&mut *tx)
            .await?;
        for row in &expired {
            insert_event(&mut tx, &expired_event(actor, *row), now).await?;
        }
        tx.commit().await?;
        Ok(expired.into_iter().map(|(id, _, _)| id).collect())
    }

    async fn escalate_tasks(
        &self,
        now: DateTime<Utc>,
        warn_before: TimeDelta,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut tx = self.write().await?;
        let escalated = sqlx::query_as::<_, EscalatedRow>(ESCALATE_TASKS)
            .bind(now)
            .bind(now + warn_before)
            .fetch_all(&mut *tx)
            .await?;
        for row in &escalated {
            insert_event(&mut tx, &escalated_event(now, row), now).await?;
        }
        tx.commit().await?;
        Ok(escalated.into_iter().map(|row| row.0).collect())
    }

    async fn purge(
        &self,
        cutoffs: &PurgeCutoffs,
        at: DateTime<Utc>,
    ) -> Result<PurgeReport, StoreError> {
        let mut tx = self.write().await?;
        let [events, ticks, scans] = PURGE_STATEMENTS;
        let report = PurgeReport {
            events: (sqlx::query(events)
                .bind(cutoffs.events_before)
                .execute(&mut *tx)
                .await?
                .rows_affected()),
            ticks: (sqlx::query(ticks)
                .bind(cutoffs.ticks_before)
                .execute(&mut *tx)
                .await?
                .rows_affected()),
            boarding_scans: (sqlx::query(scans)
                .bind(cutoffs.boarding_scans_before)
                .execute(&mut *tx)
                .await?
                .rows_affected()),
        };
        insert_event(&mut tx, &purge_event(cutoffs, &report), at).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn last_ticks(&self) -> Result<Vec<TickRecord>, StoreError> {
        Ok(sqlx::query_as::<_, TickRecord>(SELECT_LAST_TICKS)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn create_staff(
        &self,
        account: &NewStaffAccount,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<StaffAccount, StoreError> {
        let mut tx = self.write().await?;
        let id = Uuid::now_v7();
        let inserted = sqlx::query(INSERT_STAFF)
            .bind(id)
            .bind(account.login.as_str())
            .bind(&account.display_name)
            .bind(&account.password_hash)
            .bind(account.grant.role().as_str())
            .bind(to_json(account.grant.scopes()))
            .bind(account.ui_language.as_str())
            .bind(false)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "a staff account with login {} already exists",
                account.login
            )));
        }
        let mut detail = grant_detail(&account.grant);
        detail["login"] = account.login.as_str().into();
        detail["ui_language"] = account.ui_language.as_str().into();
        let e = event(actor, "staff.created", "staff", id, None, None, detail);
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(StaffAccount {
            id,
            login: account.login.clone(),
            display_name: account.display_name.clone(),
            grant: account.grant.clone(),
            ui_language: account.ui_language,
            disabled: false,
            created_at: at,
        })
    }

    async fn staff_credentials(
        &self,
        login: &Login,
    ) -> Result<Option<StaffCredentials>, StoreError> {
        sqlx::query_as::<_, CredentialsRow>(SELECT_CREDENTIALS)
            .bind(login.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(StaffCredentials::try_from)
            .transpose()
    }

    async fn staff_accounts(&self) -> Result<Vec<StaffAccount>, StoreError> {
        sqlx::query_as::<_, StaffRow>(AssertSqlSafe(format!("{SELECT_STAFF} ORDER BY u.login")))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(StaffAccount::try_from)
            .collect()
    }

    async fn disable_staff(
        &self,
        login: &Login,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let id: Option<Uuid> = sqlx::query_scalar(DISABLE_STAFF)
            .bind(login.as_str())
            .bind(true)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(id) = id else {
            return Ok(false);
        };
        let ended = sqlx::query(DELETE_USER_SESSIONS)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let detail = serde_json::json!({ "login": login.as_str(), "sessions_ended": ended });
        let e = event(actor, "staff.disabled", "staff", id, None, None, detail);
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_session(
        &self,
        session: &NewSession,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(DELETE_EXPIRED_SESSIONS)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let login: Option<String> = sqlx::query_scalar(STAFF_LOGIN)
            .bind(session.user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let login =
            login.ok_or_else(|| StoreError::NotFound(format!("staff {}", session.user_id)))?;
        sqlx::query(INSERT_SESSION)
            .bind(&session.token_digest)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(at)
            .bind(session.expires_at)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({ "expires_at": session.expires_at });
        let e = event(
            &format!("staff:{login}"),
            "staff.signed_in",
            "staff",
            session.user_id,
            None,
            None,
            detail,
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(
        &self,
        token_digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>, StoreError> {
        sqlx::query_as::<_, SessionRow>(SELECT_SESSION)
            .bind(token_digest)
            .bind(now)
            .bind(false)
            .fetch_optional(&self.pool)
            .await?
            .map(StaffSession::try_from)
            .transpose()
    }

    async fn delete_session(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let user: Option<Uuid> = sqlx::query_scalar(DELETE_SESSION)
            .bind(token_digest)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(user) = user else {
            return Ok(false);
        };
        let login: Option<String> = sqlx::query_scalar(STAFF_LOGIN)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
        let actor = format!("staff:{}", login.unwrap_or_default());
        let e = event(
            &actor,
            "staff.signed_out",
            "staff",
            user,
            None,
            None,
            serde_json::json!({}),
        );
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_api_token(
        &self,
        token: &NewApiToken,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<ApiToken, StoreError> {
        let mut tx = self.write().await?;
        let id = Uuid::now_v7();
        sqlx::query(INSERT_API_TOKEN)
            .bind(id)
            .bind(&token.name)
            .bind(&token.token_digest)
            .bind(token.grant.role().as_str())
            .bind(to_json(token.grant.scopes()))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let mut detail = grant_detail(&token.grant);
        detail["name"] = token.name.as_str().into();
        let e = event(actor, "token.created", "api_token", id, None, None, detail);
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(ApiToken {
            id,
            name: token.name.clone(),
            grant: token.grant.clone(),
            created_at: at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    async fn use_api_token(
        &self,
        token_digest: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiToken>, StoreError> {
        let mut token = sqlx::query_as::<_, ApiTokenRow>(AssertSqlSafe(format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens WHERE token_digest = $1 AND revoked_at IS NULL"
        )))
        .bind(token_digest)
        .fetch_optional(&self.pool)
        .await?
        .map(ApiToken::try_from)
        .transpose()?;
        // Written at most once per resolution: a gate reader's every request must not take the
        // database's write lock.
        if let Some(token) = &mut token
            && token
                .last_used_at
                .is_none_or(|last| last <= at - TOKEN_USE_RESOLUTION)
        {
            sqlx::query(TOUCH_API_TOKEN)
                .bind(token_digest)
                .bind(at)
                .bind(at - TOKEN_USE_RESOLUTION)
                .execute(&self.writer)
                .await?;
            token.last_used_at = Some(at);
        }
        Ok(token)
    }

    async fn revoke_api_token(
        &self,
        id: Uuid,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write().await?;
        let name: Option<String> = sqlx::query_scalar(REVOKE_API_TOKEN)
            .bind(id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(name) = name else {
            return Ok(false);
        };
        let detail = serde_json::json!({ "name": name });
        let e = event(actor, "token.revoked", "api_token", id, None, None, detail);
        insert_event(&mut tx, &e, at).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query_as::<_, ApiTokenRow>(AssertSqlSafe(format!(
            "SELECT {API_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(ApiToken::try_from)
        .collect()
    }

    async fn blocking_keys_in_registry(&self, keys: &[i64]) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(sqlite_list(SELECT_KEYS_IN_REGISTRY)))
                .bind(to_json(&keys))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn claim_screening(
        &self,
        only: Option<&[Uuid]>,
        limit: usize,
    ) -> Result<Box<dyn super::ScreeningClaim>, StoreError> {
        super::screening::claim_sqlite(&self.pool, &self.writer, &self.screening, only, limit).await
    }

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
        let rows = super::sqlite_bulk::booking_passengers(
            handle.as_raw_handle(),
            &BOOKINGS_PASSENGERS,
            &serde_json::Value::Array(wanted).to_string(),
        )?;
        passengers_by_booking(rows, bookings.len())
    }
}

/// The bookings asked for, as `select_bookings_passengers` wants them: a JSON array of
/// [carrier, number, local date, origin, first key, end key, locator].
const BOOKINGS_WANTED: &str = "SELECT CAST(key AS INTEGER) AS n, value ->> 0 AS carrier, \
    value ->> 1 AS number, value ->> 2 AS local_date, value ->> 3 AS origin, value ->> 4 AS first_key, \
    value ->> 5 AS end_key, value ->> 6 AS locator FROM json_each($1)";

/// The gate's booking lookup, written out once: it runs for every batch of scans.
static BOOKINGS_PASSENGERS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| select_bookings_passengers(BOOKINGS_WANTED));

/// Moves one passenger to boarded at `at` and logs it; false when they already were.
async fn board(
    conn: &mut SqliteConnection,
    passenger_id: Uuid,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<bool, StoreError> {
    let flight_id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE passengers SET boarding_state = $2, removed_reason = NULL, boarded_at = $3, \
         updated_at = $3 WHERE id = $1 AND boarding_state <> $2 RETURNING flight_id",
    )
    .bind(passenger_id)
    .bind(BoardingState::Boarded.as_str())
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(flight_id) = flight_id else {
        return Ok(false);
    };
    let detail = serde_json::json!({ "state": BoardingState::Boarded.as_str(), "reason": null });
    let e = event(
        actor,
        "passenger.boarding_state",
        "passenger",
        passenger_id,
        Some(flight_id),
        None,
        detail,
    );
    insert_event(&mut *conn, &e, at).await?;
    Ok(true)
}

async fn fetch_flight(conn: &mut SqliteConnection, id: Uuid) -> Result<Flight, StoreError> {
    sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
        "SELECT {FLIGHT_COLUMNS} FROM flights WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("flight {id}")))?
    .try_into()
}

async fn find_flight_in(
    conn: &mut SqliteConnection,
    key: &FlightKey,
) -> Result<Option<Flight>, StoreError> {
    sqlx::query_as::<_, FlightRow>(AssertSqlSafe(format!(
        "SELECT {FLIGHT_COLUMNS} FROM flights WHERE carrier = $1 AND number = $2 AND local_date = $3 AND origin = $4"
    )))
    .bind(key.flight.carrier().as_str())
    .bind(key.flight.number_part())
    .bind(key.local_date)
    .bind(key.origin.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .map(Flight::try_from)
    .transpose()
}

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
            why: Vec::new(),
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
