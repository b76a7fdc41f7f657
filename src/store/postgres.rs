//! The shared backend: PostgreSQL, for several aboard instances on one database. Claims use
//! `FOR UPDATE SKIP LOCKED` so that instances share work without waiting on each other or doing it twice.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
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
    ApiToken, Event, Flight, FlightImportSummary, FlightList, FlightUpdate, HeldMessage,
    IdentityLink, ImportOutcome, InboundMessage, ManifestImport, Message, NewApiToken, NewEvent,
    NewFlight, NewHeldPart, NewMessage, NewSession, NewStaffAccount, NewTask, PartHeld, Passenger,
    Person, PersonRecord, StaffAccount, StaffCredentials, StaffRecord, StaffSession, Station, Task,
    TaskTransition,
};
use crate::domain::{
    BoardingState, Channel, FlightKey, LinkDecision, Locator, Login, MessageState,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(
        url: &SecretString,
        max_connections: u32,
    ) -> Result<PostgresStore, StoreError> {
        let options: PgConnectOptions = url.expose_secret().parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

async fn insert_event(
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
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

async fn load_person(conn: &mut PgConnection, row: PersonRow) -> Result<Person, StoreError> {
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

async fn fetch_task(conn: &mut PgConnection, id: Uuid) -> Result<Option<Task>, StoreError> {
    sqlx::query_as::<_, TaskRow>(AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(Task::try_from)
    .transpose()
}

async fn fetch_message(conn: &mut PgConnection, id: Uuid) -> Result<Message, StoreError> {
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
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
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
        let mut outcomes = Vec::with_capacity(imports.len());
        for import in imports {
            let mut file = sqlx::Acquire::begin(&mut *tx).await?;
            match apply_import(&mut file, import, at).await {
                Ok(outcome) => {
                    file.commit().await?;
                    outcomes.push(Ok(outcome));
                }
                Err(StoreError::Conflict(reason)) => {
                    file.rollback().await?;
                    outcomes.push(Err(StoreError::Conflict(reason)));
                }
                Err(other) => return Err(other),
            }
        }
        tx.commit().await?;
        Ok(outcomes)
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
        use super::scans::{
            board_passengers_sql, insert_events_sql, insert_scans_sql, select_scan_by_digest,
            statement_chunks,
        };
        use crate::domain::records::{BoardingScan, ScanOutcome};
        let mut tx = self.write().await?;
        let ids: Vec<Uuid> = scans.iter().map(|_| Uuid::now_v7()).collect();
        let mut written: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
        for (chunk, chunk_ids) in statement_chunks(scans)
            .into_iter()
            .zip(statement_chunks(&ids))
        {
            let mut query =
                sqlx::query_scalar::<_, Uuid>(AssertSqlSafe(insert_scans_sql(chunk.len())));
            for ((scan, _), id) in chunk.iter().zip(chunk_ids) {
                query = query
                    .bind(*id)
                    .bind(&scan.digest)
                    .bind(&scan.raw)
                    .bind(&scan.station)
                    .bind(scan.gate.as_deref())
                    .bind(scan.reader_id.as_deref())
                    .bind(scan.scanned_at)
                    .bind(at)
                    .bind(scan.flight_id)
                    .bind(scan.passenger_id)
                    .bind(scan.outcome.as_str())
                    .bind(scan.detail.as_deref());
            }
            written.extend(query.fetch_all(&mut *tx).await?);
        }
        // The passengers of newly written matched scans, each once, at their first scan.
        let mut boarding: Vec<(Uuid, DateTime<Utc>, &str)> = Vec::new();
        for ((scan, actor), id) in scans.iter().zip(&ids) {
            if let (true, ScanOutcome::Matched, Some(passenger)) =
                (written.contains(id), scan.outcome, scan.passenger_id)
                && !boarding.iter().any(|(p, _, _)| *p == passenger)
            {
                boarding.push((passenger, scan.scanned_at, actor));
            }
        }
        let mut changed: Vec<(Uuid, Uuid, DateTime<Utc>, &str)> = Vec::new();
        for chunk in statement_chunks(&boarding) {
            let mut query =
                sqlx::query_as::<_, (Uuid, Uuid)>(AssertSqlSafe(board_passengers_sql(chunk.len())));
            for (passenger, scanned_at, _) in chunk {
                query = query.bind(*passenger).bind(*scanned_at);
            }
            for (passenger, flight) in query.fetch_all(&mut *tx).await? {
                if let Some((_, scanned_at, actor)) = chunk.iter().find(|(p, _, _)| *p == passenger)
                {
                    changed.push((passenger, flight, *scanned_at, actor));
                }
            }
        }
        let detail = to_json(&serde_json::json!({ "state": "boarded", "reason": null }));
        for chunk in statement_chunks(&changed) {
            let mut events = sqlx::query(AssertSqlSafe(insert_events_sql(chunk.len())));
            for (passenger, flight, scanned_at, actor) in chunk {
                events = events
                    .bind(Uuid::now_v7())
                    .bind(*scanned_at)
                    .bind(*actor)
                    .bind("passenger.boarding_state")
                    .bind("passenger")
                    .bind(passenger.to_string())
                    .bind(Some(*flight))
                    .bind(None::<Uuid>)
                    .bind(detail.clone());
            }
            events.execute(&mut *tx).await?;
        }
        let mut recorded = Vec::with_capacity(scans.len());
        for ((scan, _), id) in scans.iter().zip(ids) {
            if written.contains(&id) {
                let stored = BoardingScan {
                    id,
                    scan: scan.clone(),
                    received_at: at,
                };
                recorded.push((stored, true));
            } else {
                let first = sqlx::query_as::<_, super::scans::ScanRow>(AssertSqlSafe(
                    select_scan_by_digest(),
                ))
                .bind(&scan.digest)
                .fetch_one(&mut *tx)
                .await?;
                recorded.push((BoardingScan::try_from(first)?, false));
            }
        }
        let mut created = Vec::with_capacity(tasks.len());
        for task in tasks {
            created.push(insert_task(&mut tx, task, at).await?);
        }
        tx.commit().await?;
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
            sqlx::query_scalar(AssertSqlSafe(postgres_list(SELECT_PERSON_IDS_WITH_KEYS)))
                .bind(keys)
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
        sqlx::query_as::<_, DecisionRow>(AssertSqlSafe(postgres_list(SELECT_DECISIONS)))
            .bind(fingerprints)
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
            .execute(&self.pool)
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
        // Rows another instance is claiming right now are skipped, not waited for.
        let mut tx = self.write().await?;
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE state IN ('queued', 'sending') \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $1) \
             AND (lease_until IS NULL OR lease_until <= $1) ORDER BY created_at LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
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
            "SELECT {EVENT_COLUMNS} FROM events WHERE ($1::text IS NULL OR subject_kind = $1) \
             AND ($2::text IS NULL OR subject_id = $2) AND ($3::text IS NULL OR action LIKE $3 || '%') \
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
            .execute(&self.pool)
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
            .execute(&self.pool)
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
                .execute(&self.pool)
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
            sqlx::query_scalar::<_, i64>(AssertSqlSafe(postgres_list(SELECT_KEYS_IN_REGISTRY)))
                .bind(keys)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn claim_screening(
        &self,
        only: Option<&[Uuid]>,
        limit: usize,
    ) -> Result<Box<dyn super::ScreeningClaim>, StoreError> {
        super::screening::claim_postgres(&self.pool, only, limit).await
    }

    async fn booking_passengers(
        &self,
        bookings: &[(FlightKey, Locator)],
    ) -> Result<Vec<Vec<(Passenger, bool)>>, StoreError> {
        if bookings.is_empty() {
            return Ok(Vec::new());
        }
        let mut columns: [Vec<String>; 6] = Default::default();
        let mut dates = Vec::with_capacity(bookings.len());
        for (flight, locator) in bookings {
            let (first, end) = booking_key_range(locator.as_str());
            for (column, value) in columns.iter_mut().zip([
                flight.flight.carrier().as_str().to_string(),
                flight.flight.number_part(),
                flight.origin.as_str().to_string(),
                first,
                end,
                locator.as_str().to_string(),
            ]) {
                column.push(value);
            }
            dates.push(flight.local_date);
        }
        let [carriers, numbers, origins, firsts, ends, locators] = columns;
        let rows = sqlx::query_as::<_, BookingPassengerRow>(AssertSqlSafe(
            select_bookings_passengers(
                "SELECT n - 1 AS n, carrier, number, local_date, origin, first_key, end_key, locator \
                 FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::text[], \
                 $7::text[]) WITH ORDINALITY AS w(carrier, number, local_date, origin, first_key, \
                 end_key, locator, n)",
            ),
        ))
        .bind(carriers)
        .bind(numbers)
        .bind(dates)
        .bind(origins)
        .bind(firsts)
        .bind(ends)
        .bind(locators)
        .fetch_all(&self.pool)
        .await?;
        passengers_by_booking(rows, bookings.len())
    }
}

/// One file's import inside the batch's transaction (its own savepoint).
async fn apply_import(
    conn: &mut PgConnection,
    import: &ManifestImport,
    at: DateTime<Utc>,
) -> Result<ImportOutcome, StoreError> {
    let import_id = Uuid::now_v7();
    let fresh = sqlx::query(INSERT_IMPORT)
        .bind(import_id)
        .bind("manifest")
        .bind(&import.file_name)
        .bind(&import.digest)
        .bind(import.sent_at)
        .bind(&import.actor)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if fresh == 0 {
        return Ok(ImportOutcome {
            duplicate: true,
            flights: Vec::new(),
        });
    }
    let mut flights = Vec::with_capacity(import.flights.len());
    for list in &import.flights {
        flights.push(import_list(&mut *conn, import, list, at).await?);
    }
    let outcome = ImportOutcome {
        duplicate: false,
        flights,
    };
    sqlx::query(SET_IMPORT_SUMMARY)
        .bind(import_id)
        .bind(to_json(&outcome))
        .execute(&mut *conn)
        .await?;
    insert_event(
        &mut *conn,
        &manifest_imported(import, import_id, &outcome),
        at,
    )
    .await?;
    Ok(outcome)
}

/// Moves one passenger to boarded at `at` and logs it; false when they already were.
async fn board(
    conn: &mut PgConnection,
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

async fn import_list(
    conn: &mut PgConnection,
    import: &ManifestImport,
    list: &FlightList,
    at: DateTime<Utc>,
) -> Result<FlightImportSummary, StoreError> {
    let (flight_id, last_list): (Uuid, Option<DateTime<Utc>>) =
        bind_flight!(sqlx::query_as(UPSERT_LISTED_FLIGHT), &list.flight, at)
            .fetch_one(&mut *conn)
            .await?;
    let key = &list.flight.key;
    check_list_order(&key.to_string(), &import.format, last_list, import.sent_at)?;
    let stored = sqlx::query_as::<_, StoredPassenger>(SELECT_STORED_PASSENGERS)
        .bind(flight_id)
        .fetch_all(&mut *conn)
        .await?;
    let plan = plan_list(&stored, list)?;
    let writes: Vec<_> = plan.inserts.iter().chain(&plan.updates).collect();
    for batch in writes.chunks(PASSENGER_BATCH) {
        let mut query = sqlx::query(AssertSqlSafe(passenger_upsert_sql(batch.len()))).bind(at);
        for (id, passenger, digest) in batch {
            query = bind_passenger!(query, *id, flight_id, *passenger, digest.clone());
        }
        query.execute(&mut *conn).await?;
    }
    let reason = removal_reason(import, list);
    let mut cancelled_tasks = 0;
    for batch in plan.removals.chunks(PASSENGER_BATCH) {
        let mut removal = sqlx::query(AssertSqlSafe(mark_removed_sql(batch.len())))
            .bind(&reason)
            .bind(at);
        let mut cancel = sqlx::query_as::<_, (Uuid, Uuid, Option<Uuid>)>(AssertSqlSafe(
            cancel_tasks_sql(batch.len()),
        ))
        .bind(&reason)
        .bind(at);
        for id in batch {
            removal = removal.bind(*id);
            cancel = cancel.bind(*id);
        }
        removal.execute(&mut *conn).await?;
        for task in cancel.fetch_all(&mut *conn).await? {
            cancelled_tasks += 1;
            let e = task_cancelled_by_import(&import.actor, task, &reason);
            insert_event(&mut *conn, &e, at).await?;
        }
        for id in batch {
            let e = passenger_removed(&import.actor, *id, flight_id, &reason);
            insert_event(&mut *conn, &e, at).await?;
        }
    }
    if let Some(sent_at) = import.sent_at {
        sqlx::query(SET_FLIGHT_LIST_TIME)
            .bind(flight_id)
            .bind(sent_at)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(QUEUE_SCREENING)
        .bind(flight_id)
        .bind(&import.digest)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(FlightImportSummary {
        flight_id,
        flight: key.to_string(),
        added: plan.inserts.len(),
        updated: plan.updates.len(),
        unchanged: plan.unchanged,
        removed: plan.removals.len(),
        cancelled_tasks,
    })
}

async fn fetch_flight(conn: &mut PgConnection, id: Uuid) -> Result<Flight, StoreError> {
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
    conn: &mut PgConnection,
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
