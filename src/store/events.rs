//! The event log: every change that matters writes its event in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{EventFilter, StoreError};
use crate::domain::records::{Event, NewEvent};

/// The event log, newest first when read.
#[async_trait]
pub trait EventStore: Send + Sync {
    async fn append_event(&self, event: &NewEvent, at: DateTime<Utc>) -> Result<Event, StoreError>;
    /// Newest first.
    async fn events(&self, filter: &EventFilter) -> Result<Vec<Event>, StoreError>;
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

        #[async_trait]
        impl $crate::store::EventStore for $store {
            $($backend)*

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
