//! The event log: every change that matters writes its event in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::corrupt;
use super::{EventFilter, EventQuery, StoreError};
use crate::domain::records::{Event, NewEvent};

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

/// Takes and gives back, within one transaction, the permit that lets it change or remove events: the
/// log's triggers (migration 0008) refuse both otherwise. Only retention and erasure take it.
pub(super) const TAKE_EVENT_PERMIT: &str = "INSERT INTO event_log_permits (reason) VALUES ($1)";
pub(super) const GIVE_BACK_EVENT_PERMIT: &str = "DELETE FROM event_log_permits";

/// A value an event stream query binds.
pub(super) enum StreamBind {
    Id(Uuid),
    Time(DateTime<Utc>),
    Text(String),
}

/// The SQL and binds of an event stream page: oldest first after the cursor, one more row than the page
/// holds so that the caller knows whether another page follows.
pub(super) fn stream_query(query: &EventQuery) -> (String, Vec<StreamBind>) {
    let mut sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE 1 = 1");
    let mut binds = Vec::new();
    let mut add = |condition: &str, bind: StreamBind| {
        binds.push(bind);
        sql.push_str(&format!(" AND {condition}{}", binds.len()));
    };
    if let Some(after) = query.after {
        add("id > $", StreamBind::Id(after));
    }
    if let Some(from) = query.from {
        add("at >= $", StreamBind::Time(from));
    }
    if let Some(to) = query.to {
        add("at < $", StreamBind::Time(to));
    }
    if let Some(flight) = query.flight_id {
        add("flight_id = $", StreamBind::Id(flight));
    }
    if let Some(person) = query.person_id {
        add("person_id = $", StreamBind::Id(person));
    }
    if let Some(task) = query.task_id {
        add(
            "subject_kind = 'task' AND subject_id = $",
            StreamBind::Text(task.to_string()),
        );
    }
    if let Some(kind) = &query.kind {
        // A kind is an action (`task.created`) or its family (`task`): matched without LIKE, whose
        // wildcards a kind could carry.
        binds.push(StreamBind::Text(kind.clone()));
        let n = binds.len();
        binds.push(StreamBind::Text(format!("{kind}.")));
        let m = binds.len();
        sql.push_str(&format!(
            " AND (action = ${n} OR substr(action, 1, length(${m})) = ${m})"
        ));
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {}", query.limit.max(0) + 1));
    (sql, binds)
}

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

/// The event log, newest first when read.
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn append_event(&self, event: &NewEvent, at: DateTime<Utc>) -> Result<Event, StoreError>;
    /// Newest first.
    async fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError>;
    /// A page of the event stream, oldest first, and whether another page follows it.
    async fn event_stream(&self, query: &EventQuery) -> Result<(Vec<Event>, bool), StoreError>;
}

/// Implements `EventStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! event_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        async fn insert_event(
            conn: &mut $conn,
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

        /// Lets the caller's transaction change or remove events until it commits or rolls back.
        async fn permit_event_removal(conn: &mut $conn, reason: &str) -> Result<(), StoreError> {
            sqlx::query(TAKE_EVENT_PERMIT).bind(reason).execute(&mut *conn).await?;
            Ok(())
        }

        /// Gives the permit back before the transaction commits, so that no permit ever outlives it.
        async fn end_event_removal(conn: &mut $conn) -> Result<(), StoreError> {
            sqlx::query(GIVE_BACK_EVENT_PERMIT).execute(&mut *conn).await?;
            Ok(())
        }

        #[async_trait]
        impl $crate::store::EventStore for $store {
            $($backend)*

            async fn event_stream(&self, query: &EventQuery) -> Result<(Vec<Event>, bool), StoreError> {
                let (sql, binds) = stream_query(query);
                let mut q = sqlx::query_as::<_, EventRow>(AssertSqlSafe(sql));
                for value in binds {
                    q = match value {
                        StreamBind::Id(id) => q.bind(id),
                        StreamBind::Time(at) => q.bind(at),
                        StreamBind::Text(text) => q.bind(text),
                    };
                }
                let mut events = q
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Event::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                let more = events.len() as i64 > query.limit.max(0);
                events.truncate(query.limit.max(0) as usize);
                Ok((events, more))
            }

            async fn append_event(&self, event: &NewEvent, at: DateTime<Utc>) -> Result<Event, StoreError> {
                let mut tx = self.write().await?;
                let stored = insert_event(&mut tx, event, at).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError> {
                sqlx::query_as::<_, EventRow>(AssertSqlSafe(format!(
                    "SELECT {EVENT_COLUMNS} FROM events WHERE (CAST($1 AS TEXT) IS NULL OR subject_kind = $1) \
                     AND (CAST($2 AS TEXT) IS NULL OR subject_id = $2) AND (CAST($3 AS TEXT) IS NULL OR action LIKE $3 || '%') \
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
        }
    };
}
pub(super) use event_store;
