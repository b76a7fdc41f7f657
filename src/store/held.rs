//! The held Type B messages (parts waiting for the rest of their message, ADLs waiting for their
//! flight's PNL): their part of the store, its SQL and rows.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::StoreError;
use super::rows::corrupt;
use crate::domain::records::{HeldMessage, HeldPart, NewEvent, NewHeldPart, PartHeld};
use crate::domain::{FlightKey, FlightNumber, Iata};

pub(super) const INSERT_HELD_MESSAGE: &str = "INSERT INTO held_messages (message_key, kind, \
    flight_number, local_date, origin, sent_at, first_received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (message_key) DO NOTHING";
pub(super) const SELECT_HELD_OUTCOME: &str =
    "SELECT closed_at, outcome FROM held_messages WHERE message_key = $1";
pub(super) const INSERT_HELD_PART: &str = "INSERT INTO held_message_parts (message_key, part, is_last, \
    file_name, first_line, body, actor, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
    ON CONFLICT (message_key, part) DO NOTHING";
pub(super) const SELECT_HELD_PART_BODY: &str =
    "SELECT body, file_name FROM held_message_parts WHERE message_key = $1 AND part = $2";
pub(super) const SELECT_OPEN_HELD_MESSAGES: &str = "SELECT message_key, kind, flight_number, local_date, \
    origin, sent_at, first_received_at, stale_reported_at FROM held_messages WHERE closed_at IS NULL \
    ORDER BY sent_at, first_received_at, message_key";
pub(super) const SELECT_OPEN_HELD_PARTS: &str = "SELECT p.message_key, p.part, p.is_last, p.file_name, \
    p.first_line, p.body, p.actor, p.received_at FROM held_message_parts AS p \
    JOIN held_messages AS m ON m.message_key = p.message_key WHERE m.closed_at IS NULL \
    ORDER BY p.message_key, p.part";
pub(super) const CLOSE_HELD_MESSAGE: &str = "UPDATE held_messages SET closed_at = $2, outcome = $3 \
    WHERE message_key = $1 AND closed_at IS NULL";
pub(super) const DELETE_HELD_PARTS: &str = "DELETE FROM held_message_parts WHERE message_key = $1";
pub(super) const DELETE_HELD_MESSAGE: &str = "DELETE FROM held_messages WHERE message_key = $1";
pub(super) const CLAIM_STALE_HELD_MESSAGES: &str = "UPDATE held_messages SET stale_reported_at = $2 \
    WHERE closed_at IS NULL AND stale_reported_at IS NULL AND first_received_at < $1 \
    RETURNING message_key";

/// The event of a held message still incomplete after the configured time.
pub(super) fn held_message_stale(actor: &str, message: &HeldMessage) -> NewEvent {
    NewEvent {
        actor: actor.to_string(),
        action: "manifest.incomplete".to_string(),
        subject_kind: "typeb_message".to_string(),
        subject_id: message.message_key.clone(),
        flight_id: None,
        person_id: None,
        detail: serde_json::json!({
            "flight": message.flight.to_string(),
            "kind": message.kind,
            "parts_held": message.parts.iter().map(|p| p.number).collect::<Vec<_>>(),
            "parts_missing": message.missing_parts(),
            "last_part_held": message.last_part_held(),
            "first_received_at": message.first_received_at,
        }),
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct HeldMessageRow {
    message_key: String,
    kind: String,
    flight_number: String,
    local_date: NaiveDate,
    origin: String,
    sent_at: Option<DateTime<Utc>>,
    first_received_at: DateTime<Utc>,
    stale_reported_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
pub(super) struct HeldPartRow {
    message_key: String,
    part: i32,
    is_last: bool,
    file_name: String,
    first_line: i32,
    body: String,
    actor: String,
    received_at: DateTime<Utc>,
}

/// The messages with their parts (rows of parts ordered by message and part).
pub(super) fn held_messages(
    messages: Vec<HeldMessageRow>,
    parts: Vec<HeldPartRow>,
) -> Result<Vec<HeldMessage>, StoreError> {
    let mut by_key: std::collections::HashMap<String, Vec<HeldPart>> =
        std::collections::HashMap::new();
    for p in parts {
        by_key.entry(p.message_key).or_default().push(HeldPart {
            number: u16::try_from(p.part).map_err(|e| corrupt("held part number", e))?,
            last: p.is_last,
            file_name: p.file_name,
            first_line: usize::try_from(p.first_line).map_err(|e| corrupt("held part line", e))?,
            text: p.body,
            actor: p.actor,
            received_at: p.received_at,
        });
    }
    messages
        .into_iter()
        .map(|m| {
            Ok(HeldMessage {
                parts: by_key.remove(&m.message_key).unwrap_or_default(),
                flight: FlightKey {
                    flight: FlightNumber::parse(&m.flight_number)
                        .map_err(|e| corrupt("held flight number", e))?,
                    local_date: m.local_date,
                    origin: Iata::parse(&m.origin).map_err(|e| corrupt("held flight origin", e))?,
                },
                message_key: m.message_key,
                kind: m.kind,
                sent_at: m.sent_at,
                first_received_at: m.first_received_at,
                stale_reported_at: m.stale_reported_at,
            })
        })
        .collect()
}

/// Type B message parts held until their message can be applied.
#[async_trait]
pub trait HeldStore: Send + Sync {
    /// Holds parts of Type B messages until their message can be applied, all in one transaction. A
    /// part held already changes nothing, nor does a part of a message closed before; one outcome per
    /// part.
    async fn hold_message_parts(
        &self,
        parts: &[NewHeldPart],
        at: DateTime<Utc>,
    ) -> Result<Vec<PartHeld>, StoreError>;
    /// The held messages not closed yet, each with its parts in part order, sent first first.
    async fn held_messages(&self) -> Result<Vec<HeldMessage>, StoreError>;
    /// Closes a held message with its outcome (applied, superseded) and deletes its parts' text; the
    /// message's key stays, so that a part delivered again is known. False when it was closed before.
    async fn close_held_message(
        &self,
        message_key: &str,
        outcome: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Deletes a held message and its parts: its parts together were refused, and the sender may send
    /// it again corrected.
    async fn forget_held_message(&self, message_key: &str) -> Result<(), StoreError>;
    /// Marks the open messages first received before `received_before` as reported stale, each once
    /// across instances, logs an event for each in the same transaction, and returns them.
    async fn claim_stale_held_messages(
        &self,
        received_before: DateTime<Utc>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<HeldMessage>, StoreError>;
}

/// Implements `HeldStore` for a backend store over its connection type `$conn`, once for both backends;
/// the backend brings the methods whose SQL or speed differs on it.
macro_rules! held_store {
    ($store:ty, $conn:ty, { $($backend:tt)* }) => {
        #[async_trait]
        impl $crate::store::HeldStore for $store {
            $($backend)*

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
                        let (body, kept_from): (String, String) =
                            sqlx::query_as(SELECT_HELD_PART_BODY)
                                .bind(&held.message_key)
                                .bind(i32::from(part.number))
                                .fetch_one(&mut *tx)
                                .await?;
                        if body == part.text {
                            PartHeld::Repeated
                        } else {
                            PartHeld::RepeatedOtherwise { kept_from }
                        }
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
        }
    };
}
pub(super) use held_store;
